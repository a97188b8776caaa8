// The redemption code (积分兑换码) shown at a shop's till: QR + 18 digits, a countdown, and a fresh
// code when it expires. While shown it watches the balance, so the resident sees the merchant's
// redemption land ("已兑换 N 积分") and gets a new code (the used one is spent). A large amount
// (over the community's threshold) waits for the resident here: "确认支付" or "拒绝" (issue #18).
const api = require('../../utils/api')
const format = require('../../utils/format')

const WATCH_EVERY = 5 // seconds between balance checks while the code is on screen

Component({
  data: {
    code: '',
    digits: '',
    qr: '',
    expiresAt: '',
    seconds: 0,
    countdown: '',
    points: null,
    used: '',
    pending: null,
    deciding: false,
    loading: false,
    error: '',
  },
  lifetimes: {
    detached() {
      this.stop()
    },
  },
  methods: {
    onLoad() {
      return Promise.all([this.issue(), this.checkBalance()]).then(() => this.start())
    },
    onShow() {
      if (this.started && !this.timer) this.start()
    },
    onHide() {
      this.stop()
    },
    onUnload() {
      this.stop()
    },
    start() {
      this.started = true
      this.stop()
      this.ticks = 0
      this.timer = setInterval(() => this.tick(), 1000)
    },
    stop() {
      if (this.timer) clearInterval(this.timer)
      this.timer = null
    },
    issue() {
      if (this.data.loading) return Promise.resolve(null)
      this.setData({ loading: true })
      return api
        .post('/redemption-codes', {})
        .then((out) => {
          const seconds = format.secondsUntil(out.expires_at)
          this.setData({
            code: out.code,
            digits: out.code.replace(/(\d{6})(?=\d)/g, '$1 '),
            qr: out.qr,
            expiresAt: out.expires_at,
            seconds,
            countdown: format.countdown(seconds),
            loading: false,
            error: '',
          })
          return out
        })
        .catch((err) => {
          this.setData({ loading: false, error: err.title || '兑换码获取失败' })
          return null
        })
    },
    refresh() {
      this.setData({ used: '' })
      return this.issue()
    },
    checkPending() {
      return api.get('/redemptions/pending', { quiet: true }).then(
        (items) => {
          const p = (items || [])[0]
          this.setData({ pending: p ? { id: p.id, merchant: p.merchant_name, points: p.points } : null })
          return p || null
        },
        () => null,
      )
    },
    decide(e) {
      const pending = this.data.pending
      if (!pending || this.data.deciding) return null
      const verdict = e.currentTarget.dataset.verdict === 'confirm' ? 'confirm' : 'decline'
      this.setData({ deciding: true })
      return api
        .post(`/redemptions/pending/${pending.id}/${verdict}`, {})
        .then((out) => {
          this.setData({
            deciding: false,
            pending: null,
            used: verdict === 'confirm' ? `已兑换 ${out.points} 积分` : '已拒绝这笔核销',
          })
          return Promise.all([this.checkBalance(), this.issue()])
        })
        .catch(() => this.setData({ deciding: false, pending: null }))
    },
    checkBalance() {
      return this.checkWallet().then((out) => {
        this.checkPending() // after the balance: a large redemption waiting for this resident's yes
        return out
      })
    },
    checkWallet() {
      return api.get('/wallet', { quiet: true }).then(
        (w) => {
          const before = this.data.points
          this.setData({ points: w.points })
          if (before !== null && w.points < before) {
            this.setData({ used: `已兑换 ${before - w.points} 积分` })
            return this.issue()
          }
          return null
        },
        () => null,
      )
    },
    tick() {
      if (!this.data.expiresAt) return null
      const seconds = format.secondsUntil(this.data.expiresAt)
      this.setData({ seconds, countdown: format.countdown(seconds) })
      this.ticks = (this.ticks || 0) + 1
      if (seconds <= 0) return this.issue()
      if (this.ticks % WATCH_EVERY === 0) return this.checkBalance()
      return null
    },
  },
})
