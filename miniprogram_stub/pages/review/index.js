// 居民评议: review rounds — open ones to score (panel members), closed ones with the published results.
const list = require('../../utils/list')
const nav = require('../../utils/nav')

function row(r) {
  return { id: r.id, title: r.title, period: r.period, status: r.status, statusLabel: r.status_label }
}

Component({
  data: { items: [], nextCursor: null, loading: true, loaded: false, error: '' },
  methods: {
    onLoad() {
      return list.load(this, '/review-rounds', { map: row })
    },
    more() {
      return list.load(this, '/review-rounds', { map: row, more: true })
    },
    open(e) {
      nav.go('pages/review/round/index', { id: e.currentTarget.dataset.id })
    },
  },
})
