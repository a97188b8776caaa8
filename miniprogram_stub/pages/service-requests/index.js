// 我的办件: applications for me or taken in by me (代办), newest first; and my 居民码 for a 代办员 to scan.
const api = require('../../utils/api')
const nav = require('../../utils/nav')

const WORDS = {
  awaiting_consent: '待确认代办', incomplete: '材料不全', submitted: '已受理', processing: '办理中',
  correction: '需要补正', approved: '已办结', rejected: '不予办理', handed_over: '已送达',
}

Component({
  data: { items: [], loaded: false, myCode: '', error: '' },
  methods: {
    onLoad() {
      return this.refresh()
    },
    onShow() {
      return this.data.loaded ? this.refresh() : null
    },
    refresh() {
      return api.get('/service-requests', { query: { mine: true, limit: 50 } }).then(
        (page) => {
          const me = api.currentUser() || {}
          this.setData({
            myCode: me.id || '',
            loaded: true,
            items: (page.items || []).map((r) => ({
              id: r.id,
              name: r.item_name,
              status: WORDS[r.status] || r.status,
              who: r.on_behalf ? (me.id === r.applicant.id ? `${r.taken_by.name}代办` : `为${r.applicant.name}代办`) : '本人申请',
            })),
            error: '',
          })
        },
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    open(e) {
      nav.go('pages/service-request/index', { id: e.currentTarget.dataset.id })
    },
  },
})
