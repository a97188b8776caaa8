// One consultation meeting: when and where, who is invited, the topics; take an open seat (报名旁听),
// check in at the door by scanning the code staff show; once closed, read the minutes — per topic the
// summary, the outcome and the votes.
const api = require('../../../utils/api')
const format = require('../../../utils/format')
const nav = require('../../../utils/nav')

function topic(t) {
  const voted = t.votes_for !== null || t.votes_against !== null || t.votes_abstain !== null
  return {
    id: t.id,
    position: t.position,
    title: t.title,
    description: t.description,
    summary: t.summary || '',
    outcome: t.outcome_label || '',
    votes: voted ? `赞成 ${t.votes_for || 0} · 反对 ${t.votes_against || 0} · 弃权 ${t.votes_abstain || 0}` : '',
    proposalId: t.proposal_id || '',
    decisionId: t.decision_id || '',
  }
}

Component({
  data: { id: '', m: {}, loaded: false, topics: [], busy: false, error: '', done: '' },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
      return this.refresh()
    },
    refresh() {
      return api.get(`/meetings/${this.data.id}`).then(
        (m) => {
          this.setData({
            m,
            loaded: true,
            when: `${format.day(m.starts_at)} ${format.clock(m.starts_at)}–${format.clock(m.ends_at)}`,
            parties: (m.parties || []).map((p) => p.label).join('、'),
            planned: m.status === 'planned',
            closed: m.status === 'closed',
            topics: (m.topics || []).map(topic),
            error: '',
          })
        },
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    act(promise, word) {
      this.setData({ busy: true, error: '', done: '' })
      return promise
        .then(() => this.refresh().then(() => this.setData({ busy: false, done: word })))
        .catch((err) => this.setData({ busy: false, error: err.detail || err.title }))
    },
    register() {
      return this.act(api.post(`/meetings/${this.data.id}/registrations`, {}), '报名成功，请按时到场扫码签到')
    },
    unregister() {
      return this.act(api.del(`/meetings/${this.data.id}/registrations/me`), '已取消报名')
    },
    checkIn() {
      return new Promise((resolve) => {
        wx.scanCode({
          onlyFromCamera: true,
          scanType: ['qrCode'],
          success: (res) => resolve(res.result),
          fail: () => resolve(null),
        })
      }).then((code) => {
        if (!code) return null
        return this.act(api.post(`/meetings/${this.data.id}/check-in`, { code: String(code).trim() }), '签到成功')
      })
    },
    openProposal(e) {
      nav.go('pages/consultation/proposal/index', { id: e.currentTarget.dataset.id })
    },
    openDecision(e) {
      nav.go('pages/consultation/decision/index', { id: e.currentTarget.dataset.id })
    },
  },
})
