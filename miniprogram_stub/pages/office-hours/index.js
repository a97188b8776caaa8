// 驻点服务: officials and professionals who come to the community on a schedule (法律援助, 义诊 …).
const api = require('../../utils/api')
const format = require('../../utils/format')
const nav = require('../../utils/nav')

Component({
  data: { items: [], loaded: false, error: '' },
  methods: {
    onLoad() {
      return this.refresh()
    },
    refresh() {
      return api.get('/office-hours').then(
        (list) =>
          this.setData({
            loaded: true,
            error: '',
            items: (Array.isArray(list) ? list : list.items || []).map((o) => ({
              id: o.id,
              title: o.title,
              who: `${o.official_name}${o.official_title ? ` · ${o.official_title}` : ''}`,
              when: o.schedule_label,
              next: (o.upcoming || []).length ? `下次：${format.day(o.upcoming[0].start_at)}` : '近期暂无安排',
              where: o.location,
            })),
          }),
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    open(e) {
      nav.go('pages/office-hour/index', { id: e.currentTarget.dataset.id })
    },
  },
})
