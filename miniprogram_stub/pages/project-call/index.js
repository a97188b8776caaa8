// One project call: its phase and budget, the applications that passed the eligibility check, and —
// while voting is open — the resident's ballot (pick up to N, then 投票; once per resident). After 立项
// the funded ones open their project page.
const api = require('../../utils/api')
const format = require('../../utils/format')
const nav = require('../../utils/nav')

Component({
  data: { id: '', call: {}, loaded: false, apps: [], picked: [], voting: false, voted: false, limit: 0, busy: false, result: '', error: '' },
  methods: {
    onLoad(query) {
      this.key = null
      this.setData({ id: query.id })
      return this.refresh()
    },
    refresh() {
      const id = this.data.id
      return Promise.all([api.get(`/project-calls/${id}`), api.get(`/project-calls/${id}/applications`, { query: { limit: 100 } })]).then(
        ([call, page]) => {
          const voted = Array.isArray(call.my_votes)
          const picked = voted ? call.my_votes : this.data.picked
          this.setData({
            call,
            loaded: true,
            error: '',
            voting: call.phase === 'voting' && !voted,
            voted,
            limit: call.votes_per_resident || 0,
            when: `申报截止 ${format.day(call.closes_at)}` + (call.voting_closes_at ? ` · 投票截止 ${format.day(call.voting_closes_at)}` : ''),
            picked,
            apps: (page.items || [])
              .filter((a) => ['eligible', 'funded', 'not_funded'].includes(a.status))
              .map((a) => ({
                id: a.id,
                title: a.title,
                who: a.organisation ? a.organisation.name : a.applicant_name,
                money: `申请 ${a.requested_yuan} 元`,
                status: a.status_label,
                projectId: a.project_id,
                picked: picked.includes(a.id),
              })),
          })
        },
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    toggle(e) {
      if (!this.data.voting) return
      const id = e.currentTarget.dataset.id
      let picked = this.data.picked.slice()
      if (picked.includes(id)) picked = picked.filter((p) => p !== id)
      else if (picked.length >= this.data.limit) {
        this.setData({ error: `最多可选 ${this.data.limit} 个项目` })
        return
      } else picked.push(id)
      this.key = null
      this.setData({ picked, error: '', apps: this.data.apps.map((a) => Object.assign({}, a, { picked: picked.includes(a.id) })) })
    },
    vote() {
      if (this.data.busy) return null
      if (!this.data.picked.length) {
        this.setData({ error: '请先选择要支持的项目' })
        return null
      }
      this.key = this.key || api.newKey()
      this.setData({ busy: true, error: '' })
      return api
        .post(`/project-calls/${this.data.id}/votes`, { application_ids: this.data.picked }, { key: this.key })
        .then(() => {
          this.setData({ busy: false, result: '投票成功，感谢您的参与' })
          return this.refresh()
        })
        .catch((err) => this.setData({ busy: false, error: err.detail || err.title }))
    },
    openProject(e) {
      const id = e.currentTarget.dataset.project
      if (id) nav.go('pages/project/index', { id })
    },
  },
})
