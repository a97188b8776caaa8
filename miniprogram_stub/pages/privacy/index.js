// My data and account (我的数据与账户, PIPL): what Linli holds about me, section by section in words,
// copied whole to the clipboard as JSON (查阅、复制); and closing the account (注销) after typing the word
// 注销 and confirming a modal that says where the points and hours go. Closing signs this phone out.
const api = require('../../utils/api')
const format = require('../../utils/format')

// The tables a resident's rows live in, named as a resident would; anything else shows its table name.
const LABELS = {
  users: '个人资料',
  resident_addresses: '住址登记',
  role_grants: '身份与权限',
  refresh_tokens: '登录的手机',
  invitations: '邀请',
  ledger_accounts: '积分与时长账户',
  ledger_transfers: '积分与时长流水',
  ledger_pending_transfers: '冻结中的积分',
  tickets: '我反映的问题',
  ticket_events: '工单处理记录',
  ticket_attachments: '工单照片',
  bookings: '服务预约',
  booking_suspensions: '预约限制',
  activity_signups: '志愿活动报名',
  help_requests: '邻里互助',
  redemption_codes: '积分兑换码',
  redemptions: '积分兑换',
  pending_redemptions: '待确认的兑换',
  notifications: '消息通知',
  subscribe_grants: '订阅消息授权',
  proposals: '我的提议',
  proposal_supports: '附议',
  proposal_follows: '关注的提议',
  meeting_registrations: '议事会报名',
  meeting_attendance: '议事会签到',
  meeting_votes: '议事会表决',
  decision_objections: '公示异议',
  decision_ratings: '办理评价',
  survey_participations: '问卷参与',
  survey_responses: '问卷答卷',
  service_requests: '办事申请',
  office_queue_numbers: '驻点取号',
  project_follows: '关注的项目',
  project_questions: '项目提问',
  project_votes: '项目投票',
  organisation_members: '社区组织成员',
  review_panel_members: '居民评议团',
  review_scores: '评议打分',
}
const CONFIRM_WORD = '注销'

function sectionsOf(records) {
  return Object.keys(records || {})
    .filter((table) => (records[table] || []).length)
    .map((table) => ({ table, label: LABELS[table] || `其他记录（${table}）`, count: records[table].length }))
}

function moveText(m) {
  const what = m.asset === 'hours' ? format.minutes(m.amount) : `${m.amount} 积分`
  return `退回社区：${what}`
}

Component({
  data: {
    loading: true,
    error: '',
    sections: [],
    total: 0,
    generatedAt: '',
    points: 0,
    hours: '',
    word: '',
    closeError: '',
    closing: false,
    closed: false,
    returned: [],
  },
  methods: {
    onLoad() {
      this.dump = null
      return Promise.all([api.get('/me/data', { quiet: true }), api.get('/wallet', { quiet: true }).catch(() => null)]).then(
        ([data, wallet]) => {
          this.dump = data
          const sections = sectionsOf(data.records)
          this.setData({
            loading: false,
            sections,
            total: sections.reduce((n, s) => n + s.count, 0),
            generatedAt: format.time(data.generated_at),
            points: wallet ? wallet.points : 0,
            hours: wallet && wallet.hours_minutes ? format.minutes(wallet.hours_minutes) : '',
          })
        },
        (err) => this.setData({ loading: false, error: err.title || '加载失败' }),
      )
    },
    copyAll() {
      if (!this.dump) return
      wx.setClipboardData({
        data: JSON.stringify(this.dump, null, 1),
        success: () => wx.showToast({ title: '已复制，可粘贴保存', icon: 'none' }),
      })
    },
    typed(e) {
      this.setData({ word: (e.detail.value || '').trim(), closeError: '' })
    },
    close() {
      if (this.data.closing || this.data.closed) return null
      if (this.data.word !== CONFIRM_WORD) {
        this.setData({ closeError: '请输入“注销”两个字确认' })
        return null
      }
      const value = [this.data.points ? `${this.data.points} 积分` : '', this.data.hours].filter(Boolean).join('、')
      const content =
        (value ? `您账户里的 ${value} 将退回社区，不能取回。` : '') +
        '您的姓名、电话和微信绑定将被删除；已反映的问题等记录会保留，但不再显示您的名字。注销后不能恢复。'
      return new Promise((resolve) => {
        wx.showModal({
          title: '确认注销账户',
          content,
          confirmText: '注销',
          confirmColor: '#a12a1d',
          cancelText: '再想想',
          success: (res) => resolve(res.confirm ? this.doClose() : null),
          fail: () => resolve(null),
        })
      })
    },
    doClose() {
      this.setData({ closing: true })
      return api.post('/me/close', { confirm: CONFIRM_WORD }, { quiet: true, key: api.newKey() }).then(
        (out) => {
          api.clearSession()
          this.setData({ closing: false, closed: true, returned: (out.wallet || []).map(moveText) })
        },
        (err) => this.setData({ closing: false, closeError: err.detail || err.title || '注销失败' }),
      )
    },
  },
})
