// 问卷调查: the surveys I am asked (published and closed), whether I answered, and the published results.
const list = require('../../utils/list')
const nav = require('../../utils/nav')

function row(s) {
  let action = '去填写'
  if (s.answered) action = '已填写'
  if (s.status !== 'published') action = '已结束'
  return {
    id: s.id,
    title: s.title,
    status: s.status,
    statusLabel: s.status_label,
    answered: s.answered,
    action,
    canAnswer: s.status === 'published' && !s.answered,
    results: s.results_published,
    meta: `${s.question_count}道题${s.anonymous ? ' · 匿名' : ''}${s.one_per === 'household' ? ' · 每户一份' : ''}`,
  }
}

Component({
  data: { items: [], nextCursor: null, loading: true, loaded: false, error: '' },
  methods: {
    onLoad() {
      return this.refresh()
    },
    onShow() {
      if (this.data.loaded) return this.refresh()
      return null
    },
    refresh() {
      return list.load(this, '/surveys', { map: row })
    },
    more() {
      return list.load(this, '/surveys', { map: row, more: true })
    },
    open(e) {
      const s = this.data.items.find((x) => x.id === e.currentTarget.dataset.id)
      if (!s) return
      if (s.canAnswer) nav.go('pages/surveys/answer/index', { id: s.id })
      else if (s.results) nav.go('pages/surveys/results/index', { id: s.id })
      else wx.showToast({ title: s.answered ? '您已填写，结果公布后可查看' : '问卷已结束', icon: 'none' })
    },
  },
})
