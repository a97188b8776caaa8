// Merchant: scan a resident's code (扫码核销), enter points or pick an offer, confirm, see the result.
// One Idempotency-Key per confirmation, so a retry after a weak network never charges twice.
const api = require('../../../utils/api')
const format = require('../../../utils/format')
const roles = require('../../../utils/roles')

const EMPTY = {
  step: 'scan',
  code: '',
  manualCode: '',
  points: '',
  offerId: '',
  offerName: '',
  offerPoints: 0,
  result: {},
  pendingId: '',
  pendingPoints: 0,
  busy: false,
  error: '',
}

Component({
  data: Object.assign({ merchantId: '', merchantName: '', offers: [] }, EMPTY),
  lifetimes: {
    detached() {
      this.stopWaiting()
    },
  },
  methods: {
    onLoad() {
      return api.get('/me').then((me) => {
        const ids = roles.merchantIds(me)
        if (!ids.length) {
          this.setData({ error: '您还不是商户店员，请向社区申请邀请码' })
          return null
        }
        this.setData({ merchantId: ids[0] })
        return Promise.all([
          api.get(`/merchants/${ids[0]}`, { quiet: true }).catch(() => null),
          api.get(`/merchants/${ids[0]}/offers`, { quiet: true }).catch(() => ({ items: [] })),
        ]).then(([merchant, offers]) => {
          this.setData({
            merchantName: merchant ? merchant.name : '',
            offers: ((offers && offers.items) || []).filter((o) => o.available !== false),
          })
        })
      })
    },
    scan() {
      return new Promise((resolve) => {
        wx.scanCode({
          onlyFromCamera: true,
          scanType: ['qrCode'],
          success: (res) => {
            this.useCode(res.result)
            resolve()
          },
          fail: () => resolve(),
        })
      })
    },
    onManualCode(e) {
      this.setData({ manualCode: e.detail.value, error: '' })
    },
    useManual() {
      this.useCode(this.data.manualCode)
    },
    useCode(raw) {
      const code = String(raw || '').replace(/\s+/g, '')
      if (!/^[0-9]{18}$/.test(code)) {
        this.setData({ error: '不是有效的兑换码，请让居民刷新后重扫' })
        return
      }
      this.setData({ code, step: 'amount', error: '' })
    },
    onPoints(e) {
      this.setData({ points: e.detail.value, offerId: '', offerName: '', error: '' })
    },
    pickOffer(e) {
      const offer = this.data.offers.find((o) => o.id === e.currentTarget.dataset.id)
      if (offer) this.setData({ offerId: offer.id, offerName: offer.name, offerPoints: offer.points, points: '', error: '' })
    },
    review() {
      const points = parseInt(this.data.points, 10)
      if (!this.data.offerId && !(points > 0)) {
        this.setData({ error: '请输入积分数，或选择一个商品' })
        return
      }
      this.key = api.newKey()
      this.setData({ step: 'confirm', error: '' })
    },
    back() {
      this.setData({ step: 'amount' })
    },
    confirm() {
      if (this.data.busy) return null
      const body = { code: this.data.code, merchant_id: this.data.merchantId }
      if (this.data.offerId) body.offer_id = this.data.offerId
      else body.points = parseInt(this.data.points, 10)
      this.setData({ busy: true, error: '' })
      return api
        .post('/redemptions', body, { key: this.key })
        .then((r) => {
          this.key = null
          if (r.code === 'confirmation_required') return this.waitForResident(r)
          this.setData({
            busy: false,
            step: 'result',
            result: {
              id: r.id,
              points: r.points,
              offerName: r.offer_name || '',
              resident: r.resident ? r.resident.name : '',
              when: format.time(r.created_at),
            },
          })
          return r
        })
        .catch((err) => {
          this.setData({ busy: false, error: err.detail || err.title })
          // a refused code (used, expired, insufficient points) needs a fresh scan, not a retry
          if (err.status && err.status < 500) this.key = null
        })
    },
    // 202 confirmation_required: a large amount waits for the resident to confirm on their phone.
    waitForResident(r) {
      this.setData({ busy: false, step: 'pending', pendingId: r.pending_id, pendingPoints: r.points })
      this.stopWaiting()
      this.waiter = setInterval(() => this.checkPending(), 2000)
      return r
    },
    checkPending() {
      const id = this.data.pendingId
      if (!id) return null
      return api.get(`/redemptions/pending/${id}`, { quiet: true }).then(
        (p) => {
          if (p.status === 'pending') return null
          this.stopWaiting()
          if (p.status === 'confirmed') {
            return api.get(`/redemptions/${p.redemption_id}`).then((done) =>
              this.setData({
                step: 'result',
                result: {
                  id: done.id,
                  points: done.points,
                  offerName: done.offer_name || '',
                  resident: done.resident ? done.resident.name : '',
                  when: format.time(done.created_at),
                },
              }),
            )
          }
          this.setData({ step: 'scan', error: p.status === 'declined' ? '居民拒绝了这笔核销' : '居民未在时限内确认，请重新扫码' })
          return null
        },
        () => null,
      )
    },
    stopWaiting() {
      if (this.waiter) clearInterval(this.waiter)
      this.waiter = null
    },
    again() {
      this.stopWaiting()
      this.setData(Object.assign({}, EMPTY))
    },
  },
})
