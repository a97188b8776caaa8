// Volunteer activities (志愿活动): published ones of my community with places left and the reward.
const format = require('../../utils/format')
const list = require('../../utils/list')
const nav = require('../../utils/nav')

function row(a) {
  const s = format.status(a.status)
  return {
    id: a.id,
    title: a.title,
    when: `${format.day(a.start_at)} ${format.clock(a.start_at)}–${format.clock(a.end_at)}`,
    location: a.location || '',
    reward: [a.minutes_reward ? `时长 ${format.minutes(a.minutes_reward)}` : '', a.points_reward ? `${a.points_reward} 积分` : ''].filter(Boolean).join(' + '),
    places: a.remaining > 0 ? `剩 ${a.remaining} 个名额` : '名额已满',
    full: a.remaining <= 0,
    statusText: s.text,
    mine: !!(a.my_signup && a.my_signup.status === 'signed_up'),
  }
}

Component({
  data: { items: [], nextCursor: null, loading: false, loaded: false, error: '' },
  methods: {
    onLoad() {
      this.shown = true
      return list.load(this, '/activities', { map: row })
    },
    onShow() {
      if (!this.shown) return null
      return list.load(this, '/activities', { map: row })
    },
    more() {
      return list.load(this, '/activities', { map: row, more: true })
    },
    open(e) {
      nav.go('pages/activity/index', { id: e.currentTarget.dataset.id })
    },
    hours() {
      nav.go('pages/hours/index')
    },
  },
})
