// Page navigation with query strings built in one place.
function url(page, query) {
  const qs = Object.keys(query || {})
    .filter((k) => query[k] !== undefined && query[k] !== null && query[k] !== '')
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(query[k])}`)
    .join('&')
  return qs ? `/${page}?${qs}` : `/${page}`
}

function go(page, query) {
  wx.navigateTo({ url: url(page, query) })
}

function replace(page, query) {
  wx.redirectTo({ url: url(page, query) })
}

module.exports = { url, go, replace }
