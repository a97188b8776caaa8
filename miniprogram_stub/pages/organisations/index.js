// 社区组织: the community's social organisations, volunteer teams and hobby groups.
const api = require('../../utils/api')
const nav = require('../../utils/nav')

Component({
  data: { items: [], loaded: false, error: '' },
  methods: {
    onLoad() {
      return this.refresh()
    },
    refresh() {
      return api.get('/organisations', { query: { limit: 50 } }).then(
        (page) =>
          this.setData({
            loaded: true,
            error: '',
            items: (page.items || []).map((o) => ({
              id: o.id,
              name: o.name,
              kind: o.kind_label,
              status: o.status_label,
              members: `${o.member_count} 名成员`,
            })),
          }),
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    open(e) {
      nav.go('pages/organisation/index', { id: e.currentTarget.dataset.id })
    },
  },
})
