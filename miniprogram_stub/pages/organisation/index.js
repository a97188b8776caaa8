// One organisation's public profile: what it does, its members (names masked), the services it
// provides, this year's volunteer hours (from the ledger) and the projects it runs. No phone numbers.
const api = require('../../utils/api')
const nav = require('../../utils/nav')

Component({
  data: { id: '', org: {}, loaded: false, members: [], error: '' },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
      return this.refresh()
    },
    refresh() {
      return api.get(`/organisations/${this.data.id}`).then(
        (org) =>
          this.setData({
            org,
            loaded: true,
            error: '',
            hours: `${org.volunteer_year}年志愿服务 ${org.volunteer_hours} 小时`,
            members: (org.members || []).map((m) => ({ id: m.user_id, name: m.name, role: m.role === 'leader' ? '负责人' : '成员' })),
          }),
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    openProject(e) {
      nav.go('pages/project/index', { id: e.currentTarget.dataset.id })
    },
  },
})
