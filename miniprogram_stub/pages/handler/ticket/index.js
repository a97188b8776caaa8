// Handler: one assigned ticket. Sign for it (签收 → start), reply and resolve (答复办结), or give it
// back with a reason (退单). Which buttons show follows the status the server reports; the server
// still decides whether each move is allowed.
const api = require('../../../utils/api')
const format = require('../../../utils/format')

Component({
  data: {
    id: '',
    ticket: {},
    loaded: false,
    statusText: '',
    tone: 'warn',
    due: '',
    events: [],
    reply: '',
    reason: '',
    canStart: false,
    canResolve: false,
    canReturn: false,
    busy: false,
    error: '',
  },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
      return this.refresh()
    },
    refresh() {
      const id = this.data.id
      return Promise.all([api.get(`/tickets/${id}`), api.get(`/tickets/${id}/events`, { quiet: true }).catch(() => [])]).then(
        ([ticket, events]) => {
          const s = format.status(ticket.status)
          this.setData({
            ticket,
            loaded: true,
            statusText: s.text,
            tone: s.tone,
            due: format.time(ticket.due_at),
            events: (Array.isArray(events) ? events : events.items || []).map((e) => ({
              id: e.id,
              what: e.to_status ? format.status(e.to_status).text : e.kind,
              body: e.body || '',
              who: e.actor ? e.actor.name : '',
              when: format.time(e.created_at),
            })),
            canStart: ticket.status === 'dispatched',
            canResolve: ticket.status === 'in_progress',
            canReturn: ticket.status === 'dispatched' || ticket.status === 'in_progress',
            error: '',
          })
        },
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    onReply(e) {
      this.setData({ reply: e.detail.value })
    },
    onReason(e) {
      this.setData({ reason: e.detail.value })
    },
    move(action, body, done) {
      this.setData({ busy: true, error: '' })
      return api
        .post(`/tickets/${this.data.id}/${action}`, body)
        .then(() => {
          wx.showToast({ title: done, icon: 'success' })
          this.setData({ busy: false })
          return this.refresh()
        })
        .catch(() => this.setData({ busy: false }))
    },
    start() {
      return this.move('start', {}, '已签收')
    },
    resolve() {
      const reply = this.data.reply.trim()
      if (!reply) {
        this.setData({ error: '请填写答复内容' })
        return null
      }
      return this.move('resolve', { reply }, '已办结').then(() => this.setData({ reply: '' }))
    },
    giveBack() {
      const reason = this.data.reason.trim()
      if (!reason) {
        this.setData({ error: '请填写退单原因' })
        return null
      }
      return this.move('return', { reason }, '已退单').then(() => this.setData({ reason: '' }))
    },
  },
})
