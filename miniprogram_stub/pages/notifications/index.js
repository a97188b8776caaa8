// Notifications inbox (消息通知): newest first, unread marked in words; tapping one marks it read and
// opens what it is about when the link is a page of this app.
const api = require('../../utils/api')
const format = require('../../utils/format')
const list = require('../../utils/list')
const nav = require('../../utils/nav')

// "/tickets/{id}" → the ticket page, "/bookings…" → my bookings, and so on.
function pageFor(link) {
  if (!link) return null
  let m = /^\/tickets\/([^/?#]+)/.exec(link)
  if (m) return ['pages/ticket/index', { id: m[1] }]
  m = /^\/activities\/([^/?#]+)/.exec(link)
  if (m) return ['pages/activity/index', { id: m[1] }]
  if (/^\/bookings/.test(link)) return ['pages/bookings/index', {}]
  if (/^\/redemptions\/pending/.test(link)) return ['pages/redeem-code/index', {}]
  if (/^\/(wallet|redemptions)/.test(link)) return ['pages/wallet/index', {}]
  if (/^\/mutual-aid/.test(link)) return ['pages/mutual-aid/index', {}]
  return null
}

function row(n) {
  return { id: n.id, title: n.title, body: n.body || '', link: n.link || '', read: !!(n.read || n.read_at), when: format.time(n.created_at) }
}

Component({
  data: { items: [], nextCursor: null, loading: false, loaded: false, error: '' },
  methods: {
    onLoad() {
      return list.load(this, '/notifications', { map: row })
    },
    onPullDownRefresh() {
      return list.load(this, '/notifications', { map: row }).then(() => wx.stopPullDownRefresh())
    },
    more() {
      return list.load(this, '/notifications', { map: row, more: true })
    },
    open(e) {
      const id = e.currentTarget.dataset.id
      const note = this.data.items.find((n) => n.id === id)
      if (!note) return null
      const done = note.read
        ? Promise.resolve()
        : api.post(`/notifications/${id}/read`, {}, { quiet: true }).then(
            () => this.setData({ items: this.data.items.map((n) => (n.id === id ? Object.assign({}, n, { read: true }) : n)) }),
            () => null,
          )
      return done.then(() => {
        const target = pageFor(note.link)
        if (target) nav.go(target[0], target[1])
      })
    },
    readAll() {
      return api.post('/notifications/read-all', {}, { quiet: true }).then(
        () => this.setData({ items: this.data.items.map((n) => Object.assign({}, n, { read: true })) }),
        () => null,
      )
    },
  },
})
