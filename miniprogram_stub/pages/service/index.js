// One service and its slots (选择时段): remaining places per slot, and a button to book one.
// Whether a booking is confirmed, waitlisted or waits for approval is the server's answer, shown as is.
const api = require('../../utils/api')
const format = require('../../utils/format')
const nav = require('../../utils/nav')
const subscribe = require('../../utils/subscribe')

function slotRow(s, service) {
  const full = s.remaining <= 0
  let state = `剩 ${s.remaining} 个名额`
  if (s.status && s.status !== 'open') state = '不再接受预约'
  else if (full) state = service.waitlist ? '已约满，可排队候补' : '已约满'
  return {
    id: s.id,
    day: format.day(s.start_at),
    time: `${format.clock(s.start_at)}–${format.clock(s.end_at)}`,
    remaining: s.remaining,
    state,
    bookable: (!s.status || s.status === 'open') && (!full || !!service.waitlist),
    full,
  }
}

const RESULT = {
  confirmed: '预约成功',
  waitlisted: '已排队候补',
  pending_approval: '已提交，等待社区审核',
}

Component({
  data: { id: '', service: {}, loaded: false, slots: [], busy: '', result: '', error: '' },
  methods: {
    onLoad(query) {
      this.keys = {}
      this.setData({ id: query.id })
      subscribe.prefetch()
      return this.refresh()
    },
    refresh() {
      const id = this.data.id
      return Promise.all([api.get(`/services/${id}`), api.get(`/services/${id}/slots`)]).then(
        ([service, slots]) => {
          const rows = (Array.isArray(slots) ? slots : slots.items || []).map((s) => slotRow(s, service))
          this.setData({ service, loaded: true, slots: rows, error: '' })
        },
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    book(e) {
      const slotId = e.currentTarget.dataset.id
      if (this.data.busy) return null
      subscribe.ask('booking')
      // one key per slot tapped: tapping again after a network failure is the same booking
      this.keys[slotId] = this.keys[slotId] || api.newKey()
      this.setData({ busy: slotId, result: '', error: '' })
      return api
        .post('/bookings', { slot_id: slotId }, { key: this.keys[slotId] })
        .then((booking) => {
          delete this.keys[slotId]
          let text = RESULT[booking.status] || format.status(booking.status).text
          if (booking.status === 'waitlisted' && booking.waitlist_position) text += `，第 ${booking.waitlist_position} 位`
          this.setData({ busy: '', result: text })
          wx.showToast({ title: RESULT[booking.status] || '已提交', icon: booking.status === 'confirmed' ? 'success' : 'none' })
          return this.refresh().then(() => booking)
        })
        .catch((err) => {
          delete this.keys[slotId]
          this.setData({ busy: '', error: err.detail || err.title })
          return this.refresh()
        })
    },
    mine() {
      nav.go('pages/bookings/index')
    },
  },
})
