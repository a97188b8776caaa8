// My tickets (我的工单): what I reported, newest first as the server orders them.
const format = require('../../utils/format')
const list = require('../../utils/list')
const nav = require('../../utils/nav')

function row(t) {
  const s = format.status(t.status)
  return { id: t.id, number: t.number, title: t.title, statusText: s.text, tone: s.tone, when: format.time(t.created_at), overdue: t.overdue }
}

Component({
  data: { items: [], nextCursor: null, loading: false, loaded: false, error: '' },
  methods: {
    onLoad() {
      this.shown = true
      return list.load(this, '/tickets', { map: row })
    },
    onShow() {
      if (!this.shown) return null
      return list.load(this, '/tickets', { map: row })
    },
    onPullDownRefresh() {
      return list.load(this, '/tickets', { map: row }).then(() => wx.stopPullDownRefresh())
    },
    more() {
      return list.load(this, '/tickets', { map: row, more: true })
    },
    open(e) {
      nav.go('pages/ticket/index', { id: e.currentTarget.dataset.id })
    },
    report() {
      nav.go('pages/report/index')
    },
  },
})
