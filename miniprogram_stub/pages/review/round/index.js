// 评议打分: a panel member scores each criterion 1–5 with a comment; after the round closes everyone of the
// community sees each item's average, spread and the gap to the owner's self-assessment, the previous
// round's score beside it, and follows any rectification (整改).
const api = require('../../../utils/api')
const nav = require('../../../utils/nav')

const POINTS = [1, 2, 3, 4, 5]

Component({
  data: { loading: true, round: null, items: [], scores: {}, comments: {}, points: POINTS, saving: false, error: '', saved: false },
  methods: {
    onLoad(query) {
      this.roundId = query.id
      return this.refresh()
    },
    refresh() {
      return api
        .get(`/review-rounds/${this.roundId}`)
        .then((round) => this.show(round))
        .catch((err) => this.setData({ loading: false, error: err.title || '加载失败' }))
    },
    show(round) {
      const scores = Object.assign({}, this.data.scores)
      const comments = Object.assign({}, this.data.comments)
      round.items.forEach((item) =>
        item.criteria.forEach((c) => {
          if (c.my_score && !scores[c.id]) scores[c.id] = c.my_score
          if (c.my_comment && !comments[item.id]) comments[item.id] = c.my_comment
        }),
      )
      const items = round.items.map((item) => ({
        id: item.id,
        title: item.title,
        kind: item.kind_label,
        owner: item.owner_name,
        criteria: item.criteria.map((c) => ({ id: c.id, name: c.name, mine: scores[c.id] || 0, mean: c.mean })),
        result: item.result && {
          mean: item.result.mean === null ? '暂无' : item.result.mean,
          spread: item.result.stddev === null ? '—' : item.result.stddev,
          self: item.result.self_mean === null ? '未自评' : item.result.self_mean,
          gap: item.result.gap === null ? '—' : item.result.gap,
          low: item.result.below_threshold,
          fix: item.result.rectification,
        },
        previous: item.previous && item.previous.mean !== null ? `上次评议：${item.previous.mean} 分` : '',
        comment: comments[item.id] || '',
      }))
      this.setData({ loading: false, round, items, scores, comments })
    },
    pick(e) {
      const { criterion, value } = e.currentTarget.dataset
      const scores = Object.assign({}, this.data.scores, { [criterion]: Number(value) })
      this.setData({
        scores,
        saved: false,
        items: this.data.items.map((i) => Object.assign({}, i, { criteria: i.criteria.map((c) => Object.assign({}, c, { mine: scores[c.id] || 0 })) })),
      })
    },
    onComment(e) {
      const comments = Object.assign({}, this.data.comments, { [e.currentTarget.dataset.item]: e.detail.value })
      this.setData({ comments })
    },
    submit() {
      if (this.data.saving) return null
      const missing = this.data.items.some((i) => i.criteria.some((c) => !this.data.scores[c.id]))
      if (missing) {
        this.setData({ error: '请为每一项指标打分（1-5分）' })
        return null
      }
      const body = []
      this.data.items.forEach((i) =>
        i.criteria.forEach((c) => body.push({ criterion_id: c.id, score: this.data.scores[c.id], comment: (this.data.comments[i.id] || '').trim() })),
      )
      this.setData({ saving: true, error: '' })
      return api
        .post(`/review-rounds/${this.roundId}/scores`, { scores: body })
        .then((round) => {
          this.setData({ saving: false, saved: true })
          wx.showToast({ title: '评分已提交', icon: 'success' })
          this.show(round)
        })
        .catch((err) => this.setData({ saving: false, error: err.detail || err.title || '提交失败' }))
    },
    follow() {
      nav.go('pages/rectifications/index', { source_kind: 'review_round', source_id: this.roundId })
    },
  },
})
