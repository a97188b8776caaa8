// One of my tickets: its state, the handler's reply, the public timeline; answer a question when the
// staff asked for more (待补充), and rate it once it is resolved (评价).
const api = require('../../utils/api')
const format = require('../../utils/format')

const EVENT_WORDS = {
  created: '已提交',
  submitted: '已提交',
  accepted: '社区已受理',
  rejected: '不予受理',
  dispatched: '已派给处置人员',
  started: '处置人员已签收',
  returned: '处置人员退单，重新派单中',
  resolved: '已答复',
  info_requested: '需要您补充信息',
  info_provided: '您已补充信息',
  evaluated: '您已评价',
  reopened: '已重新处理',
  closed: '已关闭',
  comment: '留言',
  extension_requested: '处置人员申请延期',
  extension_approved: '处理期限已延长',
  merged: '已与相同问题合并',
}

function eventRow(e) {
  const to = e.to_status ? format.status(e.to_status).text : ''
  return {
    id: e.id,
    what: EVENT_WORDS[e.kind] || to || e.kind,
    body: e.body || '',
    who: e.actor ? e.actor.name : '',
    when: format.time(e.created_at),
  }
}

Component({
  data: {
    id: '',
    ticket: {},
    loaded: false,
    statusText: '',
    tone: 'warn',
    due: '',
    events: [],
    rating: '',
    ratingText: '',
    comment: '',
    answer: '',
    canRate: false,
    needsInfo: false,
    busy: false,
    error: '',
    ratings: [
      { value: 'satisfied', text: '满意' },
      { value: 'basically_satisfied', text: '基本满意' },
      { value: 'unsatisfied', text: '不满意' },
    ],
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
          const rows = (Array.isArray(events) ? events : events.items || []).map(eventRow)
          this.setData({
            ticket,
            loaded: true,
            statusText: s.text,
            tone: s.tone,
            due: format.time(ticket.due_at),
            events: rows,
            ratingText: format.rating(ticket.rating),
            canRate: ticket.status === 'resolved',
            needsInfo: ticket.status === 'pending_info',
            error: '',
          })
        },
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    pickRating(e) {
      this.setData({ rating: e.currentTarget.dataset.value })
    },
    onComment(e) {
      this.setData({ comment: e.detail.value })
    },
    onAnswer(e) {
      this.setData({ answer: e.detail.value })
    },
    evaluate() {
      if (!this.data.rating) {
        this.setData({ error: '请先选择满意程度' })
        return null
      }
      const body = { rating: this.data.rating }
      if (this.data.comment.trim()) body.comment = this.data.comment.trim()
      this.setData({ busy: true, error: '' })
      return api
        .post(`/tickets/${this.data.id}/evaluate`, body)
        .then(() => {
          wx.showToast({ title: '感谢您的评价', icon: 'success' })
          this.setData({ busy: false, rating: '', comment: '' })
          return this.refresh()
        })
        .catch(() => this.setData({ busy: false }))
    },
    provideInfo() {
      const answer = this.data.answer.trim()
      if (!answer) {
        this.setData({ error: '请填写要补充的内容' })
        return null
      }
      this.setData({ busy: true, error: '' })
      return api
        .post(`/tickets/${this.data.id}/provide-info`, { answer })
        .then(() => {
          wx.showToast({ title: '已补充', icon: 'success' })
          this.setData({ busy: false, answer: '' })
          return this.refresh()
        })
        .catch(() => this.setData({ busy: false }))
    },
  },
})
