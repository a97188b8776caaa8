// A funded project's public page (公开反馈): status, milestones done, spent vs budget, progress photos,
// the acceptance grade; follow it (关注) and ask a question that staff answer.
const api = require('../../utils/api')
const format = require('../../utils/format')

Component({
  data: { id: '', p: {}, loaded: false, question: '', busy: false, result: '', error: '' },
  methods: {
    onLoad(query) {
      this.setData({ id: query.id })
      return this.refresh()
    },
    refresh() {
      return api.get(`/projects/${this.data.id}`).then(
        (p) =>
          this.setData({
            p,
            loaded: true,
            error: '',
            money: `已支出 ${p.spent_yuan} 元 / 预算 ${p.budget_yuan} 元（${p.spent_percent}%）`,
            done: `里程碑完成 ${p.percent_done}%`,
            grade: p.grade_label ? `验收等级：${p.grade_label}` : '尚未验收',
            milestones: (p.milestones || []).map((m) => ({ id: m.id, title: m.title, state: m.done ? '已完成' : '进行中' })),
            photos: (p.photos || []).map((ph) => ({ id: ph.id })),
            updates: (p.updates || []).map((u) => ({ id: u.id, body: u.body, when: format.time(u.created_at) })),
            questions: (p.questions || []).map((q) => ({ id: q.id, body: q.body, who: q.asker_name, answer: q.answer || '待答复' })),
          }),
        (err) => this.setData({ error: err.title || '加载失败' }),
      )
    },
    follow() {
      if (this.data.busy) return null
      this.setData({ busy: true, error: '' })
      const request = this.data.p.following ? api.del(`/projects/${this.data.id}/follow`) : api.post(`/projects/${this.data.id}/follow`, {})
      return request
        .then((p) => {
          this.setData({ busy: false, result: p.following ? '已关注，项目有新进展会通知您' : '已取消关注' })
          return this.refresh()
        })
        .catch((err) => this.setData({ busy: false, error: err.detail || err.title }))
    },
    onQuestion(e) {
      this.setData({ question: e.detail.value })
    },
    ask() {
      const body = (this.data.question || '').trim()
      if (!body) {
        this.setData({ error: '请先写下您的问题' })
        return null
      }
      this.setData({ busy: true, error: '' })
      return api
        .post(`/projects/${this.data.id}/questions`, { body })
        .then(() => {
          this.setData({ busy: false, question: '', result: '已提交，工作人员会尽快答复' })
          return this.refresh()
        })
        .catch((err) => this.setData({ busy: false, error: err.detail || err.title }))
    },
  },
})
