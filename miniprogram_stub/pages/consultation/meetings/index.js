// 协商议事: my community's consultation meetings (喝茶议事), the next first among the planned ones.
const format = require('../../../utils/format')
const list = require('../../../utils/list')
const nav = require('../../../utils/nav')

function row(m) {
  return {
    id: m.id,
    title: m.title,
    when: `${format.day(m.starts_at)} ${format.clock(m.starts_at)}–${format.clock(m.ends_at)}`,
    place: m.place,
    status: m.status_label,
    tone: m.status === 'planned' ? 'warn' : m.status === 'closed' ? 'ok' : 'bad',
    seats: m.status === 'planned' ? (m.seats_left > 0 ? `旁听席剩 ${m.seats_left} 个` : '旁听席已满') : '',
    topics: `${m.topics_count} 个议题`,
    registered: m.registered,
  }
}

Component({
  data: { items: [], nextCursor: null, loading: false, loaded: false, error: '' },
  methods: {
    onLoad() {
      this.shown = true
      return list.load(this, '/meetings', { map: row })
    },
    onShow() {
      if (!this.shown) return null
      return list.load(this, '/meetings', { map: row })
    },
    more() {
      return list.load(this, '/meetings', { map: row, more: true })
    },
    open(e) {
      nav.go('pages/consultation/meeting/index', { id: e.currentTarget.dataset.id })
    },
  },
})
