// Home: who I am, my balances, unread notifications, and shortcuts for my roles.
const api = require('../../utils/api')
const format = require('../../utils/format')
const nav = require('../../utils/nav')

const RESIDENT = [
  { page: 'pages/report/index', text: '我要上报' },
  { page: 'pages/building/index', text: '我的楼栋' },
  { page: 'pages/tickets/index', text: '我的工单' },
  { page: 'pages/services/index', text: '预约服务' },
  { page: 'pages/bookings/index', text: '我的预约' },
  { page: 'pages/activities/index', text: '志愿活动' },
  { page: 'pages/hours/index', text: '我的时长' },
  { page: 'pages/mutual-aid/index', text: '邻里互助' },
  { page: 'pages/wallet/index', text: '我的积分' },
  { page: 'pages/redeem-code/index', text: '积分兑换码' },
  { page: 'pages/notifications/index', text: '消息通知' },
  { page: 'pages/service-items/index', text: '办事指南' },
  { page: 'pages/service-requests/index', text: '我的办件' },
  { page: 'pages/office-hours/index', text: '驻点服务' },
  { page: 'pages/projects/index', text: '社区项目' },
  { page: 'pages/organisations/index', text: '社区组织' },
  { page: 'pages/consultation/index/index', text: '大家议事' },
  { page: 'pages/surveys/index', text: '问卷调查' },
  { page: 'pages/review/index', text: '居民评议' },
  { page: 'pages/rectifications/index', text: '整改跟进' },
  { page: 'pages/privacy/index', text: '我的数据' },
]
const MERCHANT = [
  { page: 'pages/merchant/scan/index', text: '扫码核销' },
  { page: 'pages/merchant/today/index', text: '今日核销' },
]
const HANDLER = [{ page: 'pages/handler/tickets/index', text: '我的派单' }]
// Only for grid workers: a handler role held at one of the community's grids.
const GRID_WORKER = { page: 'pages/grid/tickets/index', text: '我的网格' }

Component({
  data: {
    loading: true,
    name: '',
    points: null,
    hours: '',
    unread: 0,
    shortcuts: RESIDENT,
    merchantShortcuts: [],
    handlerShortcuts: [],
    error: '',
  },
  methods: {
    onLoad() {
      return this.refresh()
    },
    onShow() {
      if (!this.loaded) return null
      return this.refresh()
    },
    onPullDownRefresh() {
      return this.refresh().then(() => wx.stopPullDownRefresh())
    },
    refresh() {
      this.loaded = true
      return Promise.all([
        api.get('/me').catch(() => null),
        api.get('/wallet', { quiet: true }).catch(() => null),
        api.get('/notifications/unread-count', { quiet: true }).catch(() => null),
      ]).then(([me, wallet, unread]) => {
        if (!me) {
          this.setData({ loading: false, error: '暂时无法登录，请下拉刷新重试' })
          return
        }
        const roles = (me.roles || []).map((r) => r.role)
        this.setData({
          loading: false,
          error: '',
          name: me.name,
          points: wallet ? wallet.points : null,
          hours: wallet ? format.minutes(wallet.hours_minutes) : '',
          unread: unread ? unread.unread : 0,
          merchantShortcuts: roles.indexOf('merchant') >= 0 ? MERCHANT : [],
          handlerShortcuts: roles.indexOf('handler') >= 0 ? HANDLER : [],
        })
        const units = (me.roles || []).filter((r) => r.role === 'handler').map((r) => r.org_unit_id)
        if (!units.length) return null
        return api.get('/grids', { quiet: true }).then(
          (grids) => {
            if (grids.some((g) => units.indexOf(g.id) >= 0)) this.setData({ handlerShortcuts: HANDLER.concat([GRID_WORKER]) })
          },
          () => null,
        )
      })
    },
    open(e) {
      nav.go(e.currentTarget.dataset.page)
    },
  },
})
