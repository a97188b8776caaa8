// 社区项目: the community's project calls (民生微实事, 微公益创投) and its funded projects.
const api = require('../../utils/api')
const nav = require('../../utils/nav')

Component({
  data: { calls: [], projects: [], loaded: false, error: '' },
  methods: {
    onLoad() {
      return this.refresh()
    },
    refresh() {
      return Promise.all([api.get('/project-calls', { query: { limit: 20 } }), api.get('/projects', { query: { limit: 50 } })]).then(
        ([calls, projects]) =>
          this.setData({
            loaded: true,
            error: '',
            calls: (calls.items || []).map((c) => ({ id: c.id, title: c.title, kind: c.kind_label, phase: c.phase_label, cap: `预算 ${c.budget_cap_yuan} 元` })),
            projects: (projects.items || []).map((p) => ({
              id: p.id,
              title: p.title,
              status: p.status_label,
              done: `完成 ${p.percent_done}%`,
              money: `已支出 ${p.spent_yuan} / ${p.budget_yuan} 元`,
            })),
          }),
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    openCall(e) {
      nav.go('pages/project-call/index', { id: e.currentTarget.dataset.id })
    },
    openProject(e) {
      nav.go('pages/project/index', { id: e.currentTarget.dataset.id })
    },
  },
})
