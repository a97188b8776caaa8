// Handler: the tickets dispatched to me (我的派单), most urgent first as the server orders them.
const format = require('../../../utils/format')
const list = require('../../../utils/list')
const nav = require('../../../utils/nav')

function row(t) {
  const s = format.status(t.status)
  return {
    id: t.id,
    number: t.number,
    title: t.title,
    location: t.location || '',
    statusText: s.text,
    tone: s.tone,
    due: format.time(t.due_at),
    overdue: t.overdue,
  }
}

const QUERY = { assignee: 'me' }

Component({
  data: { items: [], nextCursor: null, loading: false, loaded: false, error: '' },
  methods: {
    onLoad() {
      this.shown = true
      return list.load(this, '/tickets', { query: QUERY, map: row })
    },
    onShow() {
      if (!this.shown) return null
      return list.load(this, '/tickets', { query: QUERY, map: row })
    },
    onPullDownRefresh() {
      return list.load(this, '/tickets', { query: QUERY, map: row }).then(() => wx.stopPullDownRefresh())
    },
    more() {
      return list.load(this, '/tickets', { query: QUERY, map: row, more: true })
    },
    open(e) {
      nav.go('pages/handler/ticket/index', { id: e.currentTarget.dataset.id })
    },
  },
})
