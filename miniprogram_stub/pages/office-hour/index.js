// One official's office hours: book a place in a coming session (through bookings), or on the day take a
// number in the walk-in queue and watch the position move (刷新).
const api = require('../../utils/api')
const format = require('../../utils/format')

function sessionRow(s) {
  let state = '现场取号'
  if (s.slot_id) state = s.remaining > 0 ? `可预约，剩 ${s.remaining} 个名额` : '预约已满，可现场取号'
  return {
    day: s.day,
    when: `${format.day(s.start_at)} ${format.clock(s.start_at)}–${format.clock(s.end_at)}`,
    moved: s.moved_from ? `（${s.moved_from} 放假，调至本日）` : '',
    slotId: s.slot_id,
    bookable: !!s.slot_id && s.remaining > 0,
    state,
  }
}

Component({
  data: { id: '', oh: {}, loaded: false, sessions: [], queue: null, mine: null, busy: false, result: '', error: '' },
  methods: {
    onLoad(query) {
      this.keys = {}
      this.setData({ id: query.id })
      return this.refresh()
    },
    refresh() {
      const id = this.data.id
      return Promise.all([api.get(`/office-hours/${id}`), api.get(`/office-hours/${id}/queue`)]).then(
        ([oh, queue]) =>
          this.setData({
            oh,
            loaded: true,
            sessions: (oh.upcoming || []).map(sessionRow),
            queue,
            mine: queue.mine ? { number: queue.mine.number, position: queue.mine.position, called: queue.mine.status !== 'waiting' } : null,
            error: '',
          }),
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    book(e) {
      const slotId = e.currentTarget.dataset.slot
      if (this.data.busy || !slotId) return null
      this.keys[slotId] = this.keys[slotId] || api.newKey()
      this.setData({ busy: true, result: '', error: '' })
      return api
        .post('/bookings', { slot_id: slotId }, { key: this.keys[slotId] })
        .then((b) => {
          this.setData({ busy: false, result: b.status === 'confirmed' ? '预约成功' : '已排队候补' })
          return this.refresh()
        })
        .catch((err) => this.setData({ busy: false, error: err.detail || err.title }))
    },
    take() {
      if (this.data.busy) return null
      this.setData({ busy: true, error: '' })
      return api
        .post(`/office-hours/${this.data.id}/queue`, {})
        .then((n) => {
          this.setData({ busy: false, result: `您的号码是 ${n.number} 号` })
          return this.refresh()
        })
        .catch((err) => this.setData({ busy: false, error: err.detail || err.title }))
    },
  },
})
