// 整改跟进: rectification items (from a review round, a project …) with their deadline on the working
// calendar, progress notes and closure; the owner (or staff) may add a progress note.
const api = require('../../utils/api')
const list = require('../../utils/list')

function row(r, me) {
  return {
    id: r.id,
    title: r.title,
    detail: r.detail,
    owner: r.owner_name,
    source: r.source_label,
    status: r.status,
    statusLabel: r.overdue ? '已超期' : r.status_label,
    deadline: r.deadline_on,
    closingNote: r.closing_note,
    notes: r.notes.map((n) => ({ id: n.id, body: n.body, by: n.author_name, at: (n.created_at || '').slice(0, 10) })),
    canNote: r.status === 'open' && !!me && (r.owner_user_id === me || r.opened_by !== null),
  }
}

Component({
  data: { items: [], nextCursor: null, loading: true, loaded: false, error: '', drafts: {} },
  methods: {
    onLoad(query) {
      this.query = {}
      if (query && query.source_kind) this.query.source_kind = query.source_kind
      if (query && query.source_id) this.query.source_id = query.source_id
      return this.refresh()
    },
    refresh() {
      const me = (api.currentUser() || {}).id
      return list.load(this, '/rectifications', { query: this.query, map: (r) => row(r, me) })
    },
    more() {
      const me = (api.currentUser() || {}).id
      return list.load(this, '/rectifications', { query: this.query, map: (r) => row(r, me), more: true })
    },
    onNote(e) {
      this.setData({ drafts: Object.assign({}, this.data.drafts, { [e.currentTarget.dataset.id]: e.detail.value }) })
    },
    addNote(e) {
      const id = e.currentTarget.dataset.id
      const body = (this.data.drafts[id] || '').trim()
      if (!body) {
        this.setData({ error: '请填写整改进展' })
        return null
      }
      return api.post(`/rectifications/${id}/notes`, { body }).then(
        () => {
          this.setData({ drafts: Object.assign({}, this.data.drafts, { [id]: '' }), error: '' })
          return this.refresh()
        },
        (err) => this.setData({ error: err.detail || err.title || '提交失败' }),
      )
    },
  },
})
