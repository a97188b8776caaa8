// Cursor-paged lists ({items, next_cursor}) for list pages: first page on load, "加载更多" after.
const api = require('./api')

// Loads into comp.data.items / comp.data.nextCursor; `more` appends the next page.
function load(comp, path, { query = {}, more = false, map = (x) => x } = {}) {
  const cursor = more ? comp.data.nextCursor : null
  if (more && !cursor) return Promise.resolve(comp.data.items)
  comp.setData({ loading: true })
  return api
    .get(path, { query: Object.assign({}, query, { cursor }) })
    .then((page) => {
      const rows = (page.items || []).map(map)
      const items = more ? comp.data.items.concat(rows) : rows
      comp.setData({ items, nextCursor: page.next_cursor || null, loading: false, loaded: true })
      return items
    })
    .catch((err) => {
      comp.setData({ loading: false, loaded: true, error: err.title || '加载失败' })
      return comp.data.items
    })
}

module.exports = { load }
