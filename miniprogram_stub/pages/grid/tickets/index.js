// Grid worker (网格员): "my grid" — the tickets about buildings of the grids where I am a handler,
// most urgent first as the server orders them. Tap one to work it on the handler's ticket page.
const api = require('../../../utils/api')
const format = require('../../../utils/format')
const list = require('../../../utils/list')
const nav = require('../../../utils/nav')

function row(t) {
  const s = format.status(t.status)
  return {
    id: t.id,
    number: t.number,
    title: t.title,
    statusText: s.text,
    tone: s.tone,
    due: format.time(t.due_at || t.accept_by),
    overdue: t.overdue,
  }
}

Component({
  data: { grids: [], gridNames: [], gridIndex: 0, items: [], nextCursor: null, loading: false, loaded: false, error: '' },
  methods: {
    onLoad() {
      return Promise.all([api.get('/me'), api.get('/grids')])
        .then(([me, grids]) => {
          const mine = new Set((me.roles || []).filter((r) => r.role === 'handler').map((r) => r.org_unit_id))
          const own = grids.filter((g) => mine.has(g.id))
          this.setData({ grids: own, gridNames: own.map((g) => g.name), loaded: !own.length })
          return own.length ? this.load() : []
        })
        .catch((err) => this.setData({ loaded: true, error: err.title || '加载失败' }))
    },
    query() {
      return { grid_id: this.data.grids[this.data.gridIndex].id }
    },
    load(more = false) {
      return list.load(this, '/tickets', { query: this.query(), map: row, more })
    },
    onGrid(e) {
      this.setData({ gridIndex: Number(e.detail.value) })
      return this.load()
    },
    onPullDownRefresh() {
      const done = this.data.grids.length ? this.load() : Promise.resolve()
      return done.then(() => wx.stopPullDownRefresh())
    },
    more() {
      return this.load(true)
    },
    open(e) {
      nav.go('pages/handler/ticket/index', { id: e.currentTarget.dataset.id })
    },
  },
})
