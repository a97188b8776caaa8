// 办事指南: the community's catalogue of service items (事项清单) by category; tap one for its materials.
const api = require('../../utils/api')
const nav = require('../../utils/nav')

const CATEGORIES = [
  { value: '', text: '全部' },
  { value: 'civil_affairs', text: '民政' },
  { value: 'veterans', text: '优抚' },
  { value: 'family_planning', text: '计生' },
  { value: 'employment', text: '就业' },
  { value: 'social_security', text: '社保' },
  { value: 'disability', text: '残联' },
  { value: 'other', text: '其他' },
]

function row(i) {
  return {
    id: i.id,
    name: i.name,
    meta: `${i.category_label} · ${i.time_limit_days ? `${i.time_limit_days}个工作日办结` : '即办'} · ${i.department_name}`,
    materials: `需要材料 ${(i.materials || []).length} 项`,
  }
}

Component({
  data: { categories: CATEGORIES, category: '', items: [], next: null, loaded: false, error: '' },
  methods: {
    onLoad() {
      return this.refresh()
    },
    refresh() {
      const query = { limit: 100 }
      if (this.data.category) query.category = this.data.category
      return api.get('/service-items', { query }).then(
        (page) => this.setData({ items: (page.items || []).map(row), next: page.next_cursor, loaded: true, error: '' }),
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    pick(e) {
      this.setData({ category: e.currentTarget.dataset.value })
      return this.refresh()
    },
    open(e) {
      nav.go('pages/service-item/index', { id: e.currentTarget.dataset.id })
    },
    mine() {
      nav.go('pages/service-requests/index')
    },
  },
})
