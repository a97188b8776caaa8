// One decision (四议两公开): its four steps, what is made public and until when; during publication a
// resident files an objection (异议) and later reads the community's answer here; once the result is
// public, residents rate it 1–5.
const api = require('../../../utils/api')
const format = require('../../../utils/format')

const STATUS = {
  deliberating: '四议进行中',
  rejected: '未通过',
  resolved: '已决议',
  publishing: '决议公示中',
  effective: '已生效',
  result_published: '实施结果已公开',
}

Component({
  data: { id: '', d: {}, loaded: false, steps: [], objections: [], objection: '', score: 0, busy: false, error: '', done: '' },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
      return this.refresh()
    },
    refresh() {
      return api.get(`/decisions/${this.data.id}`).then(
        (d) => {
          this.setData({
            d,
            loaded: true,
            status: STATUS[d.status] || d.status,
            steps: (d.steps || []).map((s) => ({
              seq: s.seq,
              label: s.step_label,
              line: `${s.body}，${s.held_on}，实到 ${s.attendance} 人（法定 ${s.quorum} 人）`,
              outcome: s.outcome_label,
            })),
            objections: (d.objections || []).map((o) => ({
              id: o.id,
              body: o.body,
              filed: format.time(o.filed_at),
              answer: o.answer || '',
              answered: format.time(o.answered_at),
              due: o.answer_due_on,
            })),
            error: '',
          })
        },
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    onObjection(e) {
      this.setData({ objection: e.detail.value, error: '' })
    },
    object() {
      const body = (this.data.objection || '').trim()
      if (!body) {
        this.setData({ error: '请写下您的意见' })
        return null
      }
      this.key = this.key || api.newKey()
      this.setData({ busy: true, error: '', done: '' })
      return api
        .post(`/decisions/${this.data.id}/objections`, { body }, { key: this.key })
        .then(() => {
          this.key = null
          return this.refresh().then(() => this.setData({ busy: false, objection: '', done: '异议已提交，社区将在3个工作日内答复' }))
        })
        .catch((err) => this.setData({ busy: false, error: err.detail || err.title }))
    },
    rate(e) {
      const score = Number(e.currentTarget.dataset.score)
      this.setData({ busy: true, error: '', done: '' })
      return api
        .post(`/decisions/${this.data.id}/ratings`, { score })
        .then(() => this.refresh().then(() => this.setData({ busy: false, done: '感谢评价' })))
        .catch((err) => this.setData({ busy: false, error: err.detail || err.title }))
    },
  },
})
