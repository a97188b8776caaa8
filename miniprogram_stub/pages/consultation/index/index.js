// 大家议事: the way in to residents deciding together — proposals (群众下单), consultation meetings
// (协商议事) and 四议两公开 decisions, with what needs me now (a meeting I registered for, a decision in
// publication) counted on each entry.
const api = require('../../../utils/api')
const nav = require('../../../utils/nav')

Component({
  data: { meetingsHint: '', decisionsHint: '', loaded: false },
  methods: {
    onLoad() {
      return Promise.all([
        api.get('/meetings', { query: { status: 'planned', limit: 20 }, quiet: true }).catch(() => ({ items: [] })),
        api.get('/decisions', { query: { status: 'publishing', limit: 20 }, quiet: true }).catch(() => ({ items: [] })),
      ]).then(([meetings, decisions]) => {
        const planned = (meetings.items || []).length
        const publishing = (decisions.items || []).length
        this.setData({
          loaded: true,
          meetingsHint: planned ? `${planned} 场待召开` : '',
          decisionsHint: publishing ? `${publishing} 项公示中` : '',
        })
      })
    },
    proposals() {
      nav.go('pages/consultation/proposals/index')
    },
    propose() {
      nav.go('pages/consultation/propose/index')
    },
    meetings() {
      nav.go('pages/consultation/meetings/index')
    },
    decisions() {
      nav.go('pages/consultation/decisions/index')
    },
  },
})
