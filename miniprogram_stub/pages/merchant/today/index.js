// Merchant: today's redemptions at my shop (今日核销), with a refund for each (退款, reason required).
const api = require('../../../utils/api')
const format = require('../../../utils/format')
const list = require('../../../utils/list')
const roles = require('../../../utils/roles')

function row(r) {
  const s = format.status(r.status)
  return {
    id: r.id,
    points: r.points,
    refunded: r.refunded_points || 0,
    offerName: r.offer_name || '',
    resident: r.resident ? r.resident.name : '',
    statusText: s.text,
    tone: s.tone,
    refundable: r.status !== 'refunded',
    when: format.clock(r.created_at),
  }
}

Component({
  data: { items: [], nextCursor: null, loading: false, loaded: false, error: '', total: 0, day: '' },
  methods: {
    onLoad() {
      this.setData({ day: roles.shanghaiToday() })
      return this.refresh()
    },
    query() {
      return { day: this.data.day }
    },
    refresh() {
      return list.load(this, '/redemptions', { query: this.query(), map: row }).then((items) => {
        this.setData({ total: items.reduce((sum, r) => sum + r.points - r.refunded, 0) })
      })
    },
    onPullDownRefresh() {
      return this.refresh().then(() => wx.stopPullDownRefresh())
    },
    more() {
      return list.load(this, '/redemptions', { query: this.query(), map: row, more: true })
    },
    refund(e) {
      const id = e.currentTarget.dataset.id
      return new Promise((resolve) => {
        wx.showModal({
          title: '退款原因',
          editable: true,
          placeholderText: '例如：商品退回',
          confirmText: '确认退款',
          success: (res) => resolve(res.confirm ? (res.content || '').trim() : null),
          fail: () => resolve(null),
        })
      }).then((reason) => {
        if (reason === null) return null
        if (!reason) {
          this.setData({ error: '请填写退款原因' })
          return null
        }
        return api
          .post(`/redemptions/${id}/refund`, { reason }, { key: api.newKey() })
          .then(() => {
            wx.showToast({ title: '已退款', icon: 'success' })
            this.setData({ error: '' })
            return this.refresh()
          })
          .catch(() => null)
      })
    },
  },
})
