// Ask for one-time subscribe-message grants at a moment that makes sense (after reporting a problem,
// booking, signing up) and tell the server which templates the user accepted (POST /subscriptions).
//
// The server lists its templates and the notification kinds each carries (GET /subscriptions); pages
// call `prefetch()` when they load, because WeChat only shows the prompt when it is called straight
// from a tap, with no network wait first. Without the list, config.subscribeTemplates is used.
// It never fails the action it accompanies.
const config = require('../config')
const api = require('./api')

let templates = null

function prefetch() {
  return api
    .get('/subscriptions', { quiet: true })
    .then((out) => {
      templates = (out && out.templates) || []
      return templates
    })
    .catch(() => templates)
}

// scene: "ticket" | "booking" | "activity" → template ids whose kinds cover `${scene}.…`.
function idsFor(scene) {
  if (templates && templates.length) {
    const ids = templates
      .filter((t) => (t.kinds || []).some((k) => k === `${scene}.*` || k.indexOf(`${scene}.`) === 0))
      .map((t) => t.template_id)
    if (ids.length) return ids.slice(0, 3)
  }
  return ((config.subscribeTemplates && config.subscribeTemplates[scene]) || []).slice(0, 3)
}

function ask(scene) {
  const ids = idsFor(scene)
  if (!ids.length || typeof wx.requestSubscribeMessage !== 'function') return Promise.resolve([])
  return new Promise((resolve) => {
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success: (res) => resolve(ids.filter((id) => res[id] === 'accept')),
      fail: () => resolve([]),
    })
  }).then((accepted) => {
    if (!accepted.length) return accepted
    return api
      .post('/subscriptions', { template_ids: accepted }, { quiet: true, key: api.newKey() })
      .then(() => accepted)
      .catch(() => accepted)
  })
}

module.exports = { ask, prefetch, idsFor }
