// One service item: conditions, the materials checklist (tick what you have), apply for yourself, or —
// as a 代办员 — for a resident you help, after scanning their 居民码. The resident then confirms.
const api = require('../../utils/api')
const nav = require('../../utils/nav')
const roles = require('../../utils/roles')

const FORMS = { original: '原件', copy: '复印件' }

function materialRow(m, ticked) {
  return {
    id: m.id,
    name: m.name,
    spec: `${FORMS[m.form] || m.form} ${m.count} 份 · ${m.required ? '必需' : '可选'}`,
    ticked: !!ticked[m.id],
  }
}

Component({
  data: { id: '', item: {}, loaded: false, materials: [], ticked: {}, fee: '', canActForOthers: false, busy: false, error: '' },
  methods: {
    onLoad(query) {
      this.key = null
      this.setData({ id: query.id })
      return this.refresh()
    },
    refresh() {
      return api.get(`/service-items/${this.data.id}`).then(
        (item) => {
          const me = api.currentUser()
          this.setData({
            item,
            loaded: true,
            materials: (item.materials || []).map((m) => materialRow(m, this.data.ticked)),
            fee: item.fee_fen ? `${(item.fee_fen / 100).toFixed(2)} 元` : '免费',
            canActForOthers: roles.has(me, 'agent') || roles.has(me, 'staff'),
            error: '',
          })
        },
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    toggle(e) {
      const id = e.currentTarget.dataset.id
      const ticked = Object.assign({}, this.data.ticked, { [id]: !this.data.ticked[id] })
      this.setData({ ticked, materials: (this.data.item.materials || []).map((m) => materialRow(m, ticked)) })
    },
    applySelf() {
      return this.submit(null)
    },
    applyOther() {
      return new Promise((resolve) => {
        wx.scanCode({
          onlyFromCamera: false,
          success: (res) => resolve(this.submit(String(res.result).trim())),
          fail: () => {
            this.setData({ error: '请扫描居民出示的居民码' })
            resolve(null)
          },
        })
      })
    },
    submit(residentId) {
      if (this.data.busy) return null
      const body = { item_id: this.data.id, materials: Object.keys(this.data.ticked).filter((k) => this.data.ticked[k]) }
      if (residentId) body.on_behalf_of = residentId
      this.key = this.key || api.newKey()
      this.setData({ busy: true, error: '' })
      return api
        .post('/service-requests', body, { key: this.key })
        .then((r) => {
          this.key = null
          this.setData({ busy: false })
          nav.go('pages/service-request/index', { id: r.id })
          return r
        })
        .catch((err) => {
          this.key = null
          this.setData({ busy: false, error: err.detail || err.title })
        })
    },
  },
})
