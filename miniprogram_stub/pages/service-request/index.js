// One application (办件): its state in words, what is still missing (一次性告知), the deadline, every
// step; the resident confirms a 代办, the front desk supplies missing materials or a correction (补正),
// and the resident rates it at the end.
const api = require('../../utils/api')
const format = require('../../utils/format')

const STATUS = {
  awaiting_consent: ['待居民确认代办', 'warn'],
  incomplete: ['材料不全，未受理', 'bad'],
  submitted: ['已受理', 'warn'],
  processing: ['办理中', 'warn'],
  correction: ['需要补正', 'bad'],
  approved: ['已办结', 'ok'],
  rejected: ['不予办理', 'bad'],
  handed_over: ['已送达', 'ok'],
}

const STEP = {
  created: '已登记申请',
  consent: '已同意代办',
  materials_missing: '材料不全（一次性告知）',
  materials: '已登记材料',
  taken_in: '已受理',
  accepted: '部门已接件',
  correction: '需要补正',
  corrected: '补正完成，继续办理',
  approved: '审核通过',
  rejected: '不予办理',
  handed_over: '结果已送达',
  rated: '已评价',
}

Component({
  data: {
    id: '', r: {}, loaded: false, statusText: '', tone: 'warn', events: [], missing: [], picked: {},
    canConsent: false, canSupply: false, canRate: false, rating: '', busy: false, error: '',
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
      return Promise.all([api.get(`/service-requests/${id}`), api.get(`/service-requests/${id}/events`)]).then(
        ([r, answer]) => {
          const me = api.currentUser() || {}
          const events = Array.isArray(answer) ? answer : answer.items || []
          const applicant = r.applicant || {}
          const taker = r.taken_by || {}
          const s = STATUS[r.status] || [r.status, 'warn']
          const front = me.id === applicant.id || me.id === taker.id
          this.setData({
            r,
            loaded: true,
            statusText: s[0],
            tone: s[1],
            missing: r.missing || [],
            events: events.map((e) => ({ seq: e.seq, what: STEP[e.kind] || e.kind, body: e.body, when: format.time(e.created_at) })),
            canConsent: r.status === 'awaiting_consent' && me.id === applicant.id,
            canSupply: (r.status === 'incomplete' || r.status === 'correction') && front,
            canRate: (r.status === 'handed_over' || r.status === 'rejected') && !r.rating && me.id === applicant.id,
            error: '',
          })
        },
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    act(path, body, done) {
      if (this.data.busy) return null
      this.setData({ busy: true, error: '' })
      return api
        .post(`/service-requests/${this.data.id}/${path}`, body)
        .then(() => {
          wx.showToast({ title: done, icon: 'success' })
          this.setData({ busy: false })
          return this.refresh()
        })
        .catch((err) => this.setData({ busy: false, error: err.detail || err.title }))
    },
    consent() {
      return this.act('consent', {}, '已同意代办')
    },
    supply() {
      return this.act('materials', { received: this.data.missing.map((m) => m.id) }, '材料已提交')
    },
    pickRating(e) {
      this.setData({ rating: e.currentTarget.dataset.value })
    },
    rate() {
      if (!this.data.rating) {
        this.setData({ error: '请先选择满意程度' })
        return null
      }
      return this.act('rate', { rating: this.data.rating }, '感谢您的评价')
    },
  },
})
