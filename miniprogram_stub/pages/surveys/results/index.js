// 调查结果: what the community answered, once staff publish the results — per question the share of each
// option, the average score, and how many took part in each building (small buildings hidden).
const api = require('../../../utils/api')

function view(q) {
  const out = { key: q.key, title: q.title, kind: q.kind, answered: q.answered, bars: [], summary: '' }
  if (q.kind === 'single' || q.kind === 'multiple') {
    out.bars = q.options.map((o) => ({ key: o.key, label: o.label, percent: o.percent, text: `${o.percent}%（${o.count}人）` }))
  } else if (q.kind === 'ranking') {
    out.bars = q.options.map((o) => ({ key: o.key, label: o.label, percent: o.percent, text: `排第一 ${o.percent}% · 平均第${o.mean_rank}位` }))
  } else if (q.kind === 'scale' || q.kind === 'number') {
    out.summary = q.mean === null ? '暂无' : `平均 ${q.mean}${q.kind === 'scale' ? ' 分' : ''}`
    out.bars = (q.distribution || []).map((b) => ({ key: String(b.value), label: `${b.value}分`, percent: b.percent, text: `${b.percent}%` }))
  } else {
    out.summary = `收到 ${q.text_answers} 条意见`
  }
  return out
}

Component({
  data: { loading: true, results: null, questions: [], buildings: [], error: '' },
  methods: {
    onLoad(query) {
      return api
        .get(`/surveys/${query.id}/results`)
        .then((results) =>
          this.setData({
            loading: false,
            results,
            questions: results.questions.map(view),
            buildings: results.buildings
              .filter((b) => b.registered)
              .map((b) => ({ id: b.id, name: b.name, text: b.suppressed ? '人数较少，不显示' : `${b.responses}份 · 覆盖${b.coverage_percent}%` })),
          }),
        )
        .catch((err) => this.setData({ loading: false, error: err.title || '结果加载失败' }))
    },
  },
})
