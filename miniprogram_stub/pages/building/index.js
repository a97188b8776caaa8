// 我的楼栋: choose the building I live in, see its service board (服务信息栏), call by tapping a number,
// and 吹哨 — open the report page with the building filled in. Unit and room are optional and only
// the resident and the community's staff ever see them.
const api = require('../../utils/api')
const nav = require('../../utils/nav')

const MAX_PAGES = 20 // 100 buildings a page: a community with 2,000 buildings still loads

function label(b) {
  return `${b.compound} ${b.name}`
}

Component({
  data: {
    loading: true,
    address: null,
    building: null,
    entries: [],
    choosing: false,
    buildings: [],
    buildingNames: [],
    buildingIndex: -1,
    unit: '',
    room: '',
    saving: false,
    error: '',
  },
  methods: {
    onLoad() {
      return this.refresh()
    },
    refresh() {
      this.setData({ loading: true, error: '' })
      return api
        .get('/me/address')
        .then((address) => {
          if (!address) {
            this.setData({ loading: false, address: null, building: null, entries: [] })
            return this.startChoosing()
          }
          this.setData({ address })
          return api.get('/me/board').then((board) => {
            this.setData({
              loading: false,
              choosing: false,
              building: Object.assign({}, board.building, { label: label(board.building) }),
              entries: board.entries.map((e) => Object.assign({}, e, { tel: (e.phone || '').replace(/[^0-9+]/g, '') })),
            })
          })
        })
        .catch((err) => this.setData({ loading: false, error: err.title || '加载失败，请下拉刷新' }))
    },
    loadBuildings() {
      const all = []
      const page = (cursor, n) =>
        api.get('/buildings', { query: { limit: 100, cursor } }).then((res) => {
          all.push(...(res.items || []))
          return res.next_cursor && n < MAX_PAGES ? page(res.next_cursor, n + 1) : all
        })
      return page(null, 1)
    },
    startChoosing() {
      return this.loadBuildings().then(
        (buildings) => {
          const current = this.data.address ? buildings.findIndex((b) => b.id === this.data.address.building_id) : -1
          this.setData({
            choosing: true,
            buildings,
            buildingNames: buildings.map(label),
            buildingIndex: current,
            unit: (this.data.address && this.data.address.unit) || '',
            room: (this.data.address && this.data.address.room) || '',
          })
        },
        (err) => this.setData({ error: err.title || '楼栋加载失败' }),
      )
    },
    onBuilding(e) {
      this.setData({ buildingIndex: Number(e.detail.value), error: '' })
    },
    onUnit(e) {
      this.setData({ unit: e.detail.value })
    },
    onRoom(e) {
      this.setData({ room: e.detail.value })
    },
    cancel() {
      if (this.data.address) this.setData({ choosing: false })
    },
    save() {
      if (this.data.saving) return null
      const building = this.data.buildings[this.data.buildingIndex]
      if (!building) {
        this.setData({ error: '请选择您住的楼栋' })
        return null
      }
      const body = { building_id: building.id }
      if (this.data.unit.trim()) body.unit = this.data.unit.trim()
      if (this.data.room.trim()) body.room = this.data.room.trim()
      this.setData({ saving: true, error: '' })
      return api
        .put('/me/address', body)
        .then(() => {
          this.setData({ saving: false })
          wx.showToast({ title: '已保存', icon: 'success' })
          return this.refresh()
        })
        .catch((err) => this.setData({ saving: false, error: err.detail || err.title || '保存失败' }))
    },
    call(e) {
      const tel = e.currentTarget.dataset.tel
      if (tel) wx.makePhoneCall({ phoneNumber: tel })
    },
    whistle() {
      if (this.data.building) nav.go('pages/report/index', { building_id: this.data.building.id })
    },
  },
})
