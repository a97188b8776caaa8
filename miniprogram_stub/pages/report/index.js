// Report a problem (我要上报): category, description, an optional photo and an optional place.
// The server decides everything else (deadlines, who handles it); this page only sends what was typed.
// Opened with ?building_id= (吹哨 on 我的楼栋, or a stairwell poster's QR code) it reports about that
// building; without it the server uses the reporter's registered building, if any.
const api = require('../../utils/api')
const nav = require('../../utils/nav')
const subscribe = require('../../utils/subscribe')

Component({
  data: {
    categories: [],
    categoryNames: [],
    categoryIndex: -1,
    description: '',
    location: '',
    lat: null,
    lng: null,
    photo: '',
    buildingId: '',
    buildingName: '',
    submitting: false,
    error: '',
  },
  methods: {
    onLoad(query) {
      subscribe.prefetch()
      const buildingId = (query && query.building_id) || ''
      if (buildingId) {
        this.setData({ buildingId })
        api.get(`/buildings/${buildingId}`, { quiet: true }).then(
          (b) => this.setData({ buildingName: `${b.compound} ${b.name}` }),
          () => this.setData({ buildingId: '', buildingName: '' }),
        )
      }
      return api.get('/ticket-categories').then(
        (list) => {
          const categories = Array.isArray(list) ? list : list.items || []
          this.setData({ categories, categoryNames: categories.map((c) => c.name) })
        },
        () => this.setData({ error: '分类加载失败，请返回重试' }),
      )
    },
    onCategory(e) {
      this.setData({ categoryIndex: Number(e.detail.value), error: '' })
    },
    onDescription(e) {
      this.setData({ description: e.detail.value, error: '' })
    },
    onLocationText(e) {
      this.setData({ location: e.detail.value })
    },
    choosePhoto() {
      return new Promise((resolve) => {
        wx.chooseMedia({
          count: 1,
          mediaType: ['image'],
          sourceType: ['album', 'camera'],
          sizeType: ['compressed'],
          success: (res) => {
            const file = res.tempFiles && res.tempFiles[0]
            if (file) this.setData({ photo: file.tempFilePath })
            resolve()
          },
          fail: () => resolve(),
        })
      })
    },
    removePhoto() {
      this.setData({ photo: '' })
    },
    chooseLocation() {
      return new Promise((resolve) => {
        wx.chooseLocation({
          success: (res) => {
            this.setData({ location: res.address || res.name || '', lat: res.latitude, lng: res.longitude })
            resolve()
          },
          fail: () => resolve(),
        })
      })
    },
    submit() {
      if (this.data.submitting) return null
      const category = this.data.categories[this.data.categoryIndex]
      const description = (this.data.description || '').trim()
      if (!category) {
        this.setData({ error: '请选择问题分类' })
        return null
      }
      if (!description) {
        this.setData({ error: '请描述一下遇到的问题' })
        return null
      }
      subscribe.ask('ticket')
      // One key per report: a retry of this tap (or a second tap after a network failure) is the same report.
      this.key = this.key || api.newKey()
      const body = { category_id: category.id, description, channel: 'app' }
      if (this.data.location) body.location = this.data.location
      if (this.data.buildingId) body.building_id = this.data.buildingId
      if (this.data.lat !== null && this.data.lng !== null) Object.assign(body, { lat: this.data.lat, lng: this.data.lng })
      this.setData({ submitting: true, error: '' })
      return api
        .post('/tickets', body, { key: this.key })
        .then((ticket) => {
          this.key = null
          const photo = this.data.photo
          const uploaded = photo
            ? api.upload(`/tickets/${ticket.id}/attachments`, photo, { quiet: true }).then(
                () => true,
                () => false,
              )
            : Promise.resolve(true)
          return uploaded.then((ok) => {
            this.setData({ submitting: false })
            wx.showToast({ title: ok ? '已提交' : '已提交，照片未传上', icon: ok ? 'success' : 'none' })
            nav.replace('pages/ticket/index', { id: ticket.id })
            return ticket
          })
        })
        .catch((err) => {
          this.setData({ submitting: false, error: err.detail || err.title || '提交失败' })
        })
    },
  },
})
