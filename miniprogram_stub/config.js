// The one place that says where the server is. Point `baseUrl` at your deployment (HTTPS, and add the
// domain to the mini-program's "request 合法域名" list); for WeChat DevTools against `make run`, keep the
// local address and tick "不校验合法域名" in the DevTools details panel.
module.exports = {
  baseUrl: 'http://127.0.0.1:8000',
  apiPrefix: '/api/v1',
  // wx.request / wx.uploadFile timeout, in milliseconds.
  timeoutMs: 10000,
  // Network failures and 5xx on idempotent or keyed requests are retried this many times…
  retries: 2,
  // …after waiting this long (ms) before each retry (the last value repeats).
  retryDelaysMs: [800, 2000],
  // Subscribe-message template ids per moment, used only when the server lists none
  // (GET /subscriptions lists the templates it sends with), e.g. { ticket: ['<template id>'] }.
  subscribeTemplates: {},
}
