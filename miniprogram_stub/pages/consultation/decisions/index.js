// 四议两公开: my community's published decisions — in publication (objections open), effective, or with
// their implementation result made public.
const format = require('../../../utils/format')
const list = require('../../../utils/list')
const nav = require('../../../utils/nav')

const STATUS = {
  deliberating: ['四议进行中', 'warn'],
  rejected: ['未通过', 'bad'],
  resolved: ['已决议', 'warn'],
  publishing: ['决议公示中', 'warn'],
  effective: ['已生效', 'ok'],
  result_published: ['实施结果已公开', 'ok'],
}

function row(d) {
  const [text, tone] = STATUS[d.status] || [d.status, 'warn']
  return {
    id: d.id,
    title: d.title,
    status: text,
    tone,
    until: d.status === 'publishing' && d.publication_ends_on ? `公示至 ${d.publication_ends_on}` : '',
    rating: d.rating_mean ? `居民评分 ${d.rating_mean}` : '',
    when: format.time(d.created_at),
  }
}

Component({
  data: { items: [], nextCursor: null, loading: false, loaded: false, error: '' },
  methods: {
    onLoad() {
      this.shown = true
      return list.load(this, '/decisions', { map: row })
    },
    onShow() {
      if (!this.shown) return null
      return list.load(this, '/decisions', { map: row })
    },
    more() {
      return list.load(this, '/decisions', { map: row, more: true })
    },
    open(e) {
      nav.go('pages/consultation/decision/index', { id: e.currentTarget.dataset.id })
    },
  },
})
