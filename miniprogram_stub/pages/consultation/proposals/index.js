// 群众下单: my community's proposals, most supported (or most pressing, or newest) first, and 我要提议.
const format = require('../../../utils/format')
const list = require('../../../utils/list')
const nav = require('../../../utils/nav')

const SORTS = [
  { value: 'supports', text: '支持最多' },
  { value: 'urgency', text: '最紧急' },
  { value: 'newest', text: '最新' },
]

function row(p) {
  return {
    id: p.id,
    title: p.title,
    status: p.status_label,
    tone: ['declined', 'withdrawn'].includes(p.status) ? 'bad' : ['discussed', 'ticketed'].includes(p.status) ? 'ok' : 'warn',
    urgency: p.urgency_label,
    supports: `${p.support_count} 人支持`,
    place: p.place || '',
    author: p.author_name,
    when: format.time(p.created_at),
    mine: p.mine,
    supported: p.supported,
  }
}

Component({
  data: { sorts: SORTS, sort: 'supports', items: [], nextCursor: null, loading: false, loaded: false, error: '' },
  methods: {
    onLoad(query) {
      this.shown = true
      if (query && query.sort) this.setData({ sort: query.sort })
      return this.reload()
    },
    onShow() {
      if (!this.shown) return null
      return this.reload()
    },
    reload() {
      return list.load(this, '/proposals', { query: { sort: this.data.sort }, map: row })
    },
    more() {
      return list.load(this, '/proposals', { query: { sort: this.data.sort }, map: row, more: true })
    },
    sortBy(e) {
      this.setData({ sort: e.currentTarget.dataset.sort })
      return this.reload()
    },
    open(e) {
      nav.go('pages/consultation/proposal/index', { id: e.currentTarget.dataset.id })
    },
    propose() {
      nav.go('pages/consultation/propose/index')
    },
  },
})
