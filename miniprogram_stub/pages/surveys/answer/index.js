// 填写问卷: every question type in large text; on small phones (or ?step=1) one question per screen.
// Conditions ("show only when an earlier answer is X") are applied here as the resident answers and
// checked again by the server; hidden questions are never sent.
const api = require('../../../utils/api')
const nav = require('../../../utils/nav')

const SMALL_WIDTH = 375 // px: iPhone SE-class phones and smaller get one question per screen

function smallScreen() {
  try {
    const info = wx.getSystemInfoSync()
    return info.windowWidth < SMALL_WIDTH || info.windowHeight < 600
  } catch (e) {
    return false
  }
}

function points(q) {
  const out = []
  for (let v = q.scale_min; v <= q.scale_max; v += 1) out.push(v)
  return out
}

function empty(v) {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)
}

Component({
  data: {
    loading: true,
    survey: null,
    questions: [],
    answers: {},
    visible: [],
    view: [],
    step: 0,
    stepMode: false,
    error: '',
    submitting: false,
    done: false,
  },
  methods: {
    onLoad(query) {
      this.surveyId = query.id
      this.setData({ stepMode: query.step === '1' || smallScreen() })
      return api
        .get(`/surveys/${query.id}`)
        .then((survey) => {
          const questions = survey.questions.map((q) => Object.assign({}, q, { points: q.kind === 'scale' ? points(q) : [] }))
          this.setData({ loading: false, survey, questions, done: survey.answered })
          this.render()
        })
        .catch((err) => this.setData({ loading: false, error: err.title || '问卷加载失败' }))
    },
    shown(q, answers) {
      if (!q.show_if) return true
      const earlier = answers[q.show_if.question]
      const picked = Array.isArray(earlier) ? earlier : earlier ? [earlier] : []
      return picked.some((k) => q.show_if.any_of.indexOf(k) >= 0)
    },
    render() {
      const answers = this.data.answers
      const visible = this.data.questions.filter((q) => this.shown(q, answers))
      const step = Math.min(this.data.step, Math.max(visible.length - 1, 0))
      const view = visible.map((q, i) => {
        const value = answers[q.key]
        const chosen = Array.isArray(value) ? value : value ? [value] : []
        return Object.assign({}, q, {
          number: i + 1,
          current: !this.data.stepMode || i === step,
          options: q.options.map((o) => ({
            key: o.key,
            label: o.label,
            selected: chosen.indexOf(o.key) >= 0,
            rank: q.kind === 'ranking' && chosen.indexOf(o.key) >= 0 ? chosen.indexOf(o.key) + 1 : 0,
          })),
          value: value === undefined || value === null ? '' : value,
        })
      })
      this.setData({ visible: visible.map((q) => q.key), view, step, last: step >= visible.length - 1 })
    },
    question(key) {
      return this.data.questions.find((q) => q.key === key)
    },
    set(key, value) {
      const answers = Object.assign({}, this.data.answers, { [key]: value })
      this.setData({ answers, error: '' })
      this.render()
    },
    pick(e) {
      const { key, option } = e.currentTarget.dataset
      const q = this.question(key)
      const current = this.data.answers[key]
      if (q.kind === 'single') return this.set(key, option)
      const list = Array.isArray(current) ? current.slice() : []
      const at = list.indexOf(option)
      if (at >= 0) list.splice(at, 1)
      else if (q.kind === 'ranking' || !q.max_choices || list.length < q.max_choices) list.push(option)
      else {
        this.setData({ error: `最多选择${q.max_choices}项` })
        return null
      }
      return this.set(key, list)
    },
    score(e) {
      this.set(e.currentTarget.dataset.key, Number(e.currentTarget.dataset.value))
    },
    onText(e) {
      this.set(e.currentTarget.dataset.key, e.detail.value)
    },
    onNumber(e) {
      const raw = String(e.detail.value || '').trim()
      this.set(e.currentTarget.dataset.key, raw === '' ? null : Number(raw))
    },
    problem(q) {
      const v = this.data.answers[q.key]
      if (empty(v)) return q.required ? `第${this.data.visible.indexOf(q.key) + 1}题是必答题` : ''
      if (q.kind === 'multiple' && q.min_choices && v.length < q.min_choices) return `请至少选择${q.min_choices}项`
      if (q.kind === 'ranking' && v.length !== q.options.length) return '请给所有选项排序'
      if (q.kind === 'number' && Number.isNaN(v)) return '请填写数字'
      return ''
    },
    next() {
      const q = this.question(this.data.visible[this.data.step])
      const problem = q ? this.problem(q) : ''
      if (problem) {
        this.setData({ error: problem })
        return
      }
      this.setData({ step: this.data.step + 1, error: '' })
      this.render()
    },
    back() {
      this.setData({ step: Math.max(0, this.data.step - 1), error: '' })
      this.render()
    },
    submit() {
      if (this.data.submitting) return null
      const body = {}
      for (const key of this.data.visible) {
        const q = this.question(key)
        const problem = this.problem(q)
        if (problem) {
          this.setData({ error: problem })
          return null
        }
        const v = this.data.answers[key]
        if (!empty(v)) body[key] = typeof v === 'string' ? v.trim() : v
      }
      // One key per questionnaire: a retry after a weak network is the same answer, never a second one.
      this.key = this.key || api.newKey()
      this.setData({ submitting: true, error: '' })
      return api
        .post(`/surveys/${this.surveyId}/responses`, { answers: body }, { key: this.key })
        .then(() => {
          this.setData({ submitting: false, done: true })
          wx.showToast({ title: '提交成功，谢谢您', icon: 'success' })
        })
        .catch((err) => this.setData({ submitting: false, error: err.detail || err.title || '提交失败' }))
    },
    toList() {
      nav.replace('pages/surveys/index')
    },
  },
})
