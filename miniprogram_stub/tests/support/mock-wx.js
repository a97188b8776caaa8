// A scripted `wx` for unit tests: wx.request answers from a queue of responses (or functions of the
// request), everything else records its calls. Installed onto the global `wx` miniprogram-simulate made.

function install() {
  const calls = { request: [], upload: [], toast: [], modal: [], navigate: [], login: 0, subscribe: [], scan: 0 }
  const replies = []
  const storage = new Map()
  const state = { loginCodes: ['code-1', 'code-2', 'code-3'], scanResults: [], mediaPaths: [], subscribeResult: 'accept' }

  const routes = []

  function answer(opts, list) {
    list.push(opts)
    const method = (opts.method || 'POST').toUpperCase()
    const bare = opts.url.split('?')[0]
    const route = routes.find((r) => r.method === method && bare.endsWith(r.suffix) && r.responses.length)
    const next = route ? route.responses.shift() : replies.shift()
    if (!next) throw new Error(`no scripted reply for ${opts.method || 'POST'} ${opts.url}`)
    const res = typeof next === 'function' ? next(opts) : next
    setTimeout(() => {
      if (res && res.fail) opts.fail && opts.fail(res.fail)
      else opts.success && opts.success(Object.assign({ header: {} }, res))
    }, 0)
  }

  Object.assign(global.wx, {
    request: (opts) => answer(opts, calls.request),
    uploadFile: (opts) => answer(opts, calls.upload),
    login: (opts) => {
      calls.login += 1
      const code = state.loginCodes.shift() || 'code-x'
      setTimeout(() => opts.success({ code }), 0)
    },
    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k, v) => storage.set(k, v),
    removeStorageSync: (k) => storage.delete(k),
    showToast: (o) => calls.toast.push(o),
    showModal: (o) => {
      calls.modal.push(o)
      if (o.success) setTimeout(() => o.success({ confirm: true, cancel: false, content: state.modalContent || '' }), 0)
    },
    setClipboardData: (o) => {
      calls.clipboard = (calls.clipboard || []).concat([o.data])
      if (o.success) setTimeout(() => o.success({}), 0)
    },
    showLoading: () => {},
    hideLoading: () => {},
    stopPullDownRefresh: () => {},
    navigateTo: (o) => calls.navigate.push(o.url),
    redirectTo: (o) => calls.navigate.push(o.url),
    navigateBack: () => calls.navigate.push('back'),
    switchTab: (o) => calls.navigate.push(o.url),
    reLaunch: (o) => calls.navigate.push(o.url),
    scanCode: (o) => {
      calls.scan += 1
      const r = state.scanResults.shift()
      setTimeout(() => (r ? o.success({ result: r, scanType: 'QR_CODE' }) : o.fail({ errMsg: 'scanCode:fail cancel' })), 0)
    },
    chooseMedia: (o) => {
      const p = state.mediaPaths.shift()
      setTimeout(() => (p ? o.success({ tempFiles: [{ tempFilePath: p, size: 10 }] }) : o.fail({ errMsg: 'chooseMedia:fail cancel' })), 0)
    },
    chooseLocation: (o) => setTimeout(() => o.fail({ errMsg: 'chooseLocation:fail cancel' }), 0),
    requestSubscribeMessage: (o) => {
      calls.subscribe.push(o.tmplIds)
      const res = { errMsg: 'requestSubscribeMessage:ok' }
      o.tmplIds.forEach((id) => (res[id] = state.subscribeResult))
      setTimeout(() => {
        o.success && o.success(res)
        o.complete && o.complete(res)
      }, 0)
    },
  })
  return {
    calls,
    state,
    storage,
    reply: (...rs) => replies.push(...rs),
    // Answers for one endpoint, whatever the order of calls: on('POST', '/tickets', ok(...), ...).
    on: (method, suffix, ...rs) => routes.push({ method, suffix, responses: rs }),
    pending: () => replies.length,
  }
}

const ok = (data, statusCode = 200) => ({ statusCode, data })
const problem = (statusCode, code, title, detail) => ({
  statusCode,
  data: { type: `https://linli.example/problems/${code}`, title, status: statusCode, detail: detail || title, code },
})
const tokens = (n = 1, user = { id: 'u1', name: '张阿姨', roles: [] }) =>
  ok({ access_token: `access-${n}`, refresh_token: `refresh-${n}`, token_type: 'bearer', expires_in: 1800, user })

module.exports = { install, ok, problem, tokens }
