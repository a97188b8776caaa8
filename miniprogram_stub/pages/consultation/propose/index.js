// 我要提议 (群众下单): a matter for the community — title, what it is about, how pressing, the building it
// concerns (optional; my own building first) and up to 9 photos. Neighbours then support it.
const api = require('../../../utils/api')
const nav = require('../../../utils/nav')

const URGENCY = [
  { value: 1, text: '一般' },
  { value: 2, text: '较急' },
  { value: 3, text: '紧急' },
]
const MAX_PHOTOS = 9

Component({
  data: {
    title: '',
    description: '',
    urgencyNames: URGENCY.map((u) => u.text),
    urgencyIndex: 0,
    buildings: [],
    buildingNames: ['不涉及具体楼栋'],
    buildingIndex: 0,
    photos: [],
    submitting: false,
    error: '',
  },
  methods: {
    onLoad() {
      return Promise.all([
        api.get('/buildings', { query: { limit: 100 }, quiet: true }).catch(() => ({ items: [] })),
        api.get('/me/address', { quiet: true }).catch(() => null),
      ]).then(([page, address]) => {
        const buildings = (page && page.items) || []
        const mine = address ? buildings.findIndex((b) => b.id === address.building_id) : -1
        this.setData({
          buildings,
          buildingNames: ['不涉及具体楼栋'].concat(buildings.map((b) => `${b.compound} ${b.name}`)),
          buildingIndex: mine >= 0 ? mine + 1 : 0,
        })
      })
    },
    onTitle(e) {
      this.setData({ title: e.detail.value, error: '' })
    },
    onDescription(e) {
      this.setData({ description: e.detail.value, error: '' })
    },
    onUrgency(e) {
      this.setData({ urgencyIndex: Number(e.detail.value) })
    },
    onBuilding(e) {
      this.setData({ buildingIndex: Number(e.detail.value) })
    },
    choosePhotos() {
      const room = MAX_PHOTOS - this.data.photos.length
      if (room <= 0) return Promise.resolve()
      return new Promise((resolve) => {
        wx.chooseMedia({
          count: room,
          mediaType: ['image'],
          sourceType: ['album', 'camera'],
          sizeType: ['compressed'],
          success: (res) => {
            const picked = (res.tempFiles || []).map((f) => f.tempFilePath)
            this.setData({ photos: this.data.photos.concat(picked).slice(0, MAX_PHOTOS) })
            resolve()
          },
          fail: () => resolve(),
        })
      })
    },
    removePhoto(e) {
      const photos = this.data.photos.slice()
      photos.splice(Number(e.currentTarget.dataset.index), 1)
      this.setData({ photos })
    },
    submit() {
      if (this.data.submitting) return null
      const title = (this.data.title || '').trim()
      if (!title) {
        this.setData({ error: '请用一句话说说您的提议' })
        return null
      }
      this.key = this.key || api.newKey()
      const body = { title, description: (this.data.description || '').trim(), urgency: URGENCY[this.data.urgencyIndex].value }
      const building = this.data.buildings[this.data.buildingIndex - 1]
      if (building) body.building_id = building.id
      this.setData({ submitting: true, error: '' })
      return api
        .post('/proposals', body, { key: this.key })
        .then((proposal) => {
          this.key = null
          // Photos one after another: the server cleans each (no location data leaves the phone's photo).
          const uploads = this.data.photos.reduce(
            (chain, photo) =>
              chain.then((ok) =>
                api.upload(`/proposals/${proposal.id}/photos`, photo, { quiet: true }).then(
                  () => ok,
                  () => false,
                ),
              ),
            Promise.resolve(true),
          )
          return uploads.then((ok) => {
            this.setData({ submitting: false })
            wx.showToast({ title: ok ? '已提交' : '已提交，部分照片未传上', icon: ok ? 'success' : 'none' })
            nav.replace('pages/consultation/proposal/index', { id: proposal.id })
            return proposal
          })
        })
        .catch((err) => this.setData({ submitting: false, error: err.detail || err.title || '提交失败' }))
    },
  },
})
