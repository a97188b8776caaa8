// One volunteer activity: sign up (报名) or withdraw, and on the day scan the organiser's rotating
// code to check in (签到) and out (签退) with wx.scanCode. Minutes and points arrive when staff settle.
const api = require('../../utils/api')
const format = require('../../utils/format')
const subscribe = require('../../utils/subscribe')

Component({
  data: { id: '', activity: {}, loaded: false, when: '', reward: '', signup: {}, signedUp: false, busy: false, error: '', done: '' },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
      subscribe.prefetch()
      return this.refresh()
    },
    refresh() {
      return api.get(`/activities/${this.data.id}`).then(
        (a) => {
          const mine = a.my_signup && a.my_signup.status === 'signed_up' ? a.my_signup : null
          this.setData({
            activity: a,
            loaded: true,
            statusText: format.status(a.status).text,
            when: `${format.day(a.start_at)} ${format.clock(a.start_at)}–${format.clock(a.end_at)}`,
            deadline: format.time(a.signup_deadline),
            reward: [a.minutes_reward ? `时长 ${format.minutes(a.minutes_reward)}` : '', a.points_reward ? `${a.points_reward} 积分` : ''].filter(Boolean).join(' + '),
            signedUp: !!mine,
            signup: mine
              ? {
                  checkedIn: mine.checked_in_at ? format.time(mine.checked_in_at) : '',
                  checkedOut: mine.checked_out_at ? format.time(mine.checked_out_at) : '',
                  credited: mine.credited_minutes ? format.minutes(mine.credited_minutes) : '',
                }
              : {},
            error: '',
          })
        },
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    signUp() {
      subscribe.ask('activity')
      this.key = this.key || api.newKey()
      this.setData({ busy: true, error: '', done: '' })
      return api
        .post(`/activities/${this.data.id}/signups`, {}, { key: this.key })
        .then(() => {
          this.key = null
          return this.refresh().then(() => this.setData({ busy: false, done: '报名成功' }))
        })
        .catch((err) => this.setData({ busy: false, error: err.detail || err.title }))
    },
    withdraw() {
      this.setData({ busy: true, error: '', done: '' })
      return api
        .del(`/activities/${this.data.id}/signups/me`)
        .then(() => {
          return this.refresh().then(() => this.setData({ busy: false, done: '已取消报名' }))
        })
        .catch((err) => this.setData({ busy: false, error: err.detail || err.title }))
    },
    scanFor(action, word) {
      return new Promise((resolve) => {
        wx.scanCode({
          onlyFromCamera: true,
          scanType: ['qrCode'],
          success: (res) => resolve(res.result),
          fail: () => resolve(null),
        })
      }).then((code) => {
        if (!code) return null
        this.setData({ busy: true, error: '', done: '' })
        return api
          .post(`/activities/${this.data.id}/${action}`, { code: String(code).trim() })
          .then(() => {
            return this.refresh().then(() => this.setData({ busy: false, done: `${word}成功` }))
          })
          .catch((err) => this.setData({ busy: false, error: err.detail || err.title }))
      })
    },
    checkIn() {
      return this.scanFor('check-in', '签到')
    },
    checkOut() {
      return this.scanFor('check-out', '签退')
    },
  },
})
