// Mutual aid (邻里互助): ask neighbours for help offering time-bank minutes, offer to help (接单), and
// confirm help received (the minutes move to the helper) or withdraw an untaken request.
const api = require('../../utils/api')
const format = require('../../utils/format')
const list = require('../../utils/list')

function pad(n) {
  return n < 10 ? `0${n}` : `${n}`
}

Component({
  data: {
    items: [],
    nextCursor: null,
    loading: false,
    loaded: false,
    error: '',
    me: '',
    showForm: false,
    title: '',
    description: '',
    minutes: '30',
    date: '',
    time: '09:00',
  },
  methods: {
    onLoad() {
      const d = new Date(Date.now() + 24 * 3600 * 1000)
      this.setData({ date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` })
      return api
        .get('/me')
        .then((me) => this.setData({ me: me.id }), () => null)
        .then(() => this.refresh())
    },
    row(h) {
      const s = format.status(h.status)
      const mine = h.requester_id === this.data.me
      const helping = h.helper_id === this.data.me
      return {
        id: h.id,
        title: h.title,
        description: h.description || '',
        minutes: format.minutes(h.minutes),
        when: format.time(h.when_at),
        statusText: s.text,
        tone: s.tone,
        mine,
        helping,
        canTake: h.status === 'open' && !mine,
        canComplete: h.status === 'taken' && mine,
        canCancel: h.status === 'open' && mine,
      }
    },
    refresh() {
      return list.load(this, '/mutual-aid', { map: (h) => this.row(h) })
    },
    more() {
      return list.load(this, '/mutual-aid', { map: (h) => this.row(h), more: true })
    },
    toggleForm() {
      this.setData({ showForm: !this.data.showForm, error: '' })
    },
    onTitle(e) {
      this.setData({ title: e.detail.value })
    },
    onDescription(e) {
      this.setData({ description: e.detail.value })
    },
    onMinutes(e) {
      this.setData({ minutes: e.detail.value })
    },
    onDate(e) {
      this.setData({ date: e.detail.value })
    },
    onTime(e) {
      this.setData({ time: e.detail.value })
    },
    ask() {
      const title = this.data.title.trim()
      const minutes = parseInt(this.data.minutes, 10)
      if (!title) return this.setData({ error: '请写下需要什么帮助' })
      if (!(minutes > 0)) return this.setData({ error: '请填写愿意付出的时长（分钟）' })
      // the phone's local time, sent with its offset
      const when = new Date(`${this.data.date}T${this.data.time}:00`)
      const offset = -when.getTimezoneOffset()
      const sign = offset >= 0 ? '+' : '-'
      const whenAt = `${this.data.date}T${this.data.time}:00${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`
      this.key = this.key || api.newKey()
      return api
        .post('/mutual-aid', { title, description: this.data.description.trim(), minutes, when_at: whenAt }, { key: this.key })
        .then(() => {
          this.key = null
          wx.showToast({ title: '已发布', icon: 'success' })
          this.setData({ showForm: false, title: '', description: '', error: '' })
          return this.refresh()
        })
        .catch(() => null)
    },
    act(e) {
      const { id, action } = e.currentTarget.dataset
      const words = { take: '已接单', complete: '已确认，时长已转给帮忙的邻居', cancel: '已撤回' }
      return api
        .post(`/mutual-aid/${id}/${action}`, {}, { key: api.newKey() })
        .then(() => {
          wx.showToast({ title: words[action] || '已完成', icon: 'none' })
          return this.refresh()
        })
        .catch(() => null)
    },
  },
})
