// The wallet and "my hours" pages share this: a balance on top, the signed statement below.
const api = require('./api')
const format = require('./format')
const list = require('./list')

// asset: "points" | "hours"
function page(asset) {
  const show = asset === 'hours' ? (n) => format.minutes(n) : (n) => `${n}`
  const row = (e) => ({
    id: e.id,
    kind: format.entryKind(e.kind),
    amount: asset === 'hours' ? (e.amount > 0 ? '+' : '') + format.minutes(e.amount) : format.signed(e.amount),
    incoming: e.amount > 0,
    after: show(e.balance_after),
    who: e.counterparty || '',
    memo: e.memo || '',
    when: format.time(e.created_at),
  })
  const query = { asset }
  return {
    data: { asset, balance: '', available: '', items: [], nextCursor: null, loading: false, loaded: false, error: '' },
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
        return Promise.all([
          api.get('/wallet').then(
            (w) => {
              const total = asset === 'hours' ? w.hours_minutes : w.points
              const avail = asset === 'hours' ? w.hours_minutes_available : w.points_available
              this.setData({ balance: show(total), available: avail !== undefined && avail !== total ? show(avail) : '' })
            },
            () => null,
          ),
          list.load(this, '/wallet/entries', { query, map: row }),
        ])
      },
      onPullDownRefresh() {
        return this.refresh().then(() => wx.stopPullDownRefresh())
      },
      more() {
        return list.load(this, '/wallet/entries', { query, map: row, more: true })
      },
    },
  }
}

module.exports = { page }
