// My bookings (我的预约): when, what, the state in words, the booking code to show at check-in, and
// cancel (the server says whether it is still allowed).
const api = require('../../utils/api')
const format = require('../../utils/format')
const list = require('../../utils/list')

const ACTIVE = ['confirmed', 'waitlisted', 'pending_approval']

Component({
  data: { items: [], nextCursor: null, loading: false, loaded: false, error: '', qr: '', qrCode: '' },
  methods: {
    onLoad() {
      this.shown = true
      return this.refresh()
    },
    onShow() {
      if (!this.shown) return null
      return this.refresh()
    },
    refresh() {
      return api
        .get('/services', { quiet: true, query: { limit: 100 } })
        .catch(() => ({ items: [] }))
        .then((services) => {
          const names = {}
          ;(services.items || []).forEach((s) => (names[s.id] = s.name))
          const row = (b) => {
            const s = format.status(b.status)
            return {
              id: b.id,
              service: names[b.service_id] || '服务预约',
              when: `${format.day(b.slot_start_at)} ${format.clock(b.slot_start_at)}–${format.clock(b.slot_end_at)}`,
              statusText: b.status === 'waitlisted' && b.waitlist_position ? `${s.text}（第 ${b.waitlist_position} 位）` : s.text,
              tone: s.tone,
              code: b.code,
              showCode: b.status === 'confirmed',
              cancellable: ACTIVE.indexOf(b.status) >= 0,
            }
          }
          this.row = row
          return list.load(this, '/bookings', { map: row })
        })
    },
    more() {
      return list.load(this, '/bookings', { map: this.row, more: true })
    },
    showQr(e) {
      const id = e.currentTarget.dataset.id
      return api.get(`/bookings/${id}/code`).then((out) => this.setData({ qr: out.qr_svg, qrCode: out.code }), () => null)
    },
    hideQr() {
      this.setData({ qr: '', qrCode: '' })
    },
    cancel(e) {
      const id = e.currentTarget.dataset.id
      return new Promise((resolve) => {
        wx.showModal({
          title: '取消这个预约？',
          content: '取消后名额会让给其他居民',
          confirmText: '确认取消',
          cancelText: '不取消',
          success: (res) => resolve(!!res.confirm),
          fail: () => resolve(false),
        })
      }).then((yes) => {
        if (!yes) return null
        return api
          .post(`/bookings/${id}/cancel`, {})
          .then(() => {
            wx.showToast({ title: '已取消', icon: 'success' })
            return this.refresh()
          })
          .catch(() => null)
      })
    },
  },
})
