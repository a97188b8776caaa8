// Bookable services of my community (预约服务): name, where, price in points.
const list = require('../../utils/list')
const nav = require('../../utils/nav')

function row(s) {
  return {
    id: s.id,
    name: s.name,
    provider: s.provider_name || '',
    location: s.location || '',
    price: s.points_price ? `${s.points_price} 积分` : '免费',
    approval: !!s.approval_required,
  }
}

Component({
  data: { items: [], nextCursor: null, loading: false, loaded: false, error: '' },
  methods: {
    onLoad() {
      return list.load(this, '/services', { map: row })
    },
    more() {
      return list.load(this, '/services', { map: row, more: true })
    },
    open(e) {
      nav.go('pages/service/index', { id: e.currentTarget.dataset.id })
    },
    mine() {
      nav.go('pages/bookings/index')
    },
  },
})
