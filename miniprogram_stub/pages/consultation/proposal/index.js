// One proposal (群众下单): what it asks, how many neighbours support it, the community's answer and every
// public step on its timeline. Neighbours support (or withdraw) and follow it; the author may withdraw it
// while it waits for an answer. A meeting that took it up, or the decision it became, is one tap away.
const api = require('../../../utils/api')
const format = require('../../../utils/format')
const nav = require('../../../utils/nav')

Component({
  data: { id: '', p: {}, loaded: false, timeline: [], canSupport: false, busy: false, error: '', done: '' },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
      return this.refresh()
    },
    refresh() {
      return api.get(`/proposals/${this.data.id}`).then(
        (p) => {
          const open = ['open', 'accepted', 'scheduled'].includes(p.status)
          this.setData({
            p,
            loaded: true,
            when: format.time(p.created_at),
            supports: `${p.support_count} 人支持`,
            toGo: p.flagged || p.support_count >= p.support_threshold ? '' : `再有 ${p.support_threshold - p.support_count} 人支持，社区将优先处理`,
            canSupport: open && !p.mine,
            timeline: (p.timeline || []).map((e) => ({ seq: e.seq, body: e.body, when: format.time(e.created_at) })),
            answeredAt: format.time(p.answered_at),
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
    support() {
      return this.act(api.post(`/proposals/${this.data.id}/support`, {}), '已支持，有进展会通知您')
    },
    unsupport() {
      return this.act(api.del(`/proposals/${this.data.id}/support`), '已取消支持')
    },
    follow() {
      return this.act(api.post(`/proposals/${this.data.id}/follow`, {}), '已关注')
    },
    unfollow() {
      return this.act(api.del(`/proposals/${this.data.id}/follow`), '已取消关注')
    },
    withdraw() {
      return this.act(api.post(`/proposals/${this.data.id}/withdraw`, {}), '已撤回')
    },
    openMeeting() {
      nav.go('pages/consultation/meeting/index', { id: this.data.p.meeting_id })
    },
    openDecision() {
      nav.go('pages/consultation/decision/index', { id: this.data.p.decision_id })
    },
    openMerged() {
      nav.go('pages/consultation/proposal/index', { id: this.data.p.merged_into_id })
    },
    openTicket() {
      nav.go('pages/ticket/index', { id: this.data.p.ticket_id })
    },
  },
})
