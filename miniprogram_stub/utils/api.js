// The only module that talks to the server. Pages call `api.get/post/...` and show what comes back.
//
// - Base URL from config.js; every call goes to `${baseUrl}${apiPrefix}${path}`.
// - Signs in with wx.login → POST /auth/wechat-login {code}; keeps the tokens in storage.
// - `Authorization: Bearer <access_token>` on every signed-in call; on a 401 it refreshes once
//   (POST /auth/refresh, the refresh token rotates) and, if that fails, signs in again, then repeats
//   the call once.
// - `Idempotency-Key`: the page makes one key per user action (`api.newKey()`) and passes it; every
//   automatic retry of that action sends the same key, so the server does the work at most once.
// - Network failures, timeouts and 5xx are retried with backoff ("网络较弱，正在重试") only when a
//   repeat is safe: GET/PUT/DELETE, or a request carrying an Idempotency-Key.
// - Every response's statusCode is checked; errors come back as `ApiError` built from the
//   problem+json body (`title`/`detail` are Chinese) and, unless `quiet`, are shown to the user.

const config = require('../config')

const STORE_KEY = 'linli.session'
const RETRY_TOAST = '网络较弱，正在重试'

class ApiError extends Error {
  constructor({ status = 0, code = 'error', title = '出错了', detail = '', errors = null, body = null } = {}) {
    super(detail || title)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.title = title
    this.detail = detail || title
    this.errors = errors
    this.body = body
  }
}

// ---- session (tokens + the signed-in user) ----

let current = null
let loggingIn = null
let renewing = null

function readSession() {
  if (current) return current
  try {
    current = wx.getStorageSync(STORE_KEY) || null
  } catch (e) {
    current = null
  }
  return current
}

function saveSession(tokens) {
  current = {
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    user: tokens.user || (current && current.user) || null,
  }
  try {
    wx.setStorageSync(STORE_KEY, current)
  } catch (e) {
    // storage full or unavailable: the session still lives in memory
  }
  return current
}

function clearSession() {
  current = null
  loggingIn = null
  renewing = null
  try {
    wx.removeStorageSync(STORE_KEY)
  } catch (e) {
    // nothing stored
  }
}

function currentUser() {
  const s = readSession()
  return s ? s.user : null
}

// ---- helpers ----

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function retryDelay(attempt) {
  const delays = config.retryDelaysMs || [800]
  return delays[Math.min(attempt - 1, delays.length - 1)]
}

function hex(n) {
  let out = ''
  for (let i = 0; i < n; i += 1) out += Math.floor(Math.random() * 16).toString(16)
  return out
}

// A fresh Idempotency-Key (UUID v4 shape). Make one per user action and reuse it on every retry of it.
function newKey() {
  const variant = '89ab'[Math.floor(Math.random() * 4)]
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`
}

function queryString(query) {
  if (!query) return ''
  const parts = []
  Object.keys(query).forEach((name) => {
    const value = query[name]
    if (value === undefined || value === null || value === '') return
    parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
  })
  return parts.length ? `?${parts.join('&')}` : ''
}

function urlFor(path, query) {
  return `${config.baseUrl}${config.apiPrefix}${path}${queryString(query)}`
}

function parseBody(data) {
  if (typeof data !== 'string') return data
  if (!data) return null
  try {
    return JSON.parse(data)
  } catch (e) {
    return data
  }
}

// An ApiError from a non-2xx response; problem+json gives the Chinese title/detail.
function problemFrom(res) {
  const body = parseBody(res.data)
  if (body && typeof body === 'object' && (body.title || body.code)) {
    return new ApiError({
      status: res.statusCode,
      code: body.code || `http_${res.statusCode}`,
      title: body.title || '请求失败',
      detail: body.detail || body.title || '',
      errors: body.errors || null,
      body,
    })
  }
  if (res.statusCode >= 500) {
    return new ApiError({ status: res.statusCode, code: 'server_error', title: '服务暂时不可用', detail: '请稍后再试' })
  }
  return new ApiError({ status: res.statusCode, code: `http_${res.statusCode}`, title: '请求失败', detail: `状态码 ${res.statusCode}` })
}

function networkError(err) {
  const msg = (err && err.errMsg) || ''
  const timedOut = /timeout/i.test(msg)
  return new ApiError({
    status: 0,
    code: timedOut ? 'timeout' : 'network_error',
    title: timedOut ? '网络超时' : '网络连接失败',
    detail: '网络不太好，请检查网络后再试',
  })
}

// Show an error to the user (a modal with the problem's Chinese title and detail).
function showError(err) {
  const title = (err && err.title) || '出错了'
  const detail = (err && err.detail) || (err && err.message) || ''
  wx.showModal({ title, content: detail === title ? '' : detail, showCancel: false, confirmText: '知道了' })
}

// ---- transports ----

function send(method, url, data, header) {
  return new Promise((resolve, reject) => {
    wx.request({
      url,
      method,
      data,
      header,
      timeout: config.timeoutMs,
      dataType: 'json',
      success: resolve,
      fail: reject,
    })
  })
}

function sendFile(url, filePath, name, formData, header) {
  return new Promise((resolve, reject) => {
    wx.uploadFile({
      url,
      filePath,
      name,
      formData: formData || {},
      header,
      timeout: config.timeoutMs,
      success: resolve,
      fail: reject,
    })
  })
}

// ---- sign in ----

function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => (res && res.code ? resolve(res.code) : reject(new ApiError({ code: 'wx_login_failed', title: '微信登录失败', detail: '请稍后再试' }))),
      fail: () => reject(new ApiError({ code: 'wx_login_failed', title: '微信登录失败', detail: '请稍后再试' })),
    })
  })
}

async function callJson(method, path, body) {
  const res = await send(method, urlFor(path), body, { 'Content-Type': 'application/json' })
  if (res.statusCode >= 200 && res.statusCode < 300) return parseBody(res.data)
  throw problemFrom(res)
}

// wx.login → POST /auth/wechat-login; one sign-in at a time however many calls need it.
function login() {
  if (!loggingIn) {
    loggingIn = (async () => {
      try {
        const code = await wxLoginCode()
        const tokens = await callJson('POST', '/auth/wechat-login', { code })
        return saveSession(tokens)
      } finally {
        loggingIn = null
      }
    })()
  }
  return loggingIn
}

// After a 401: rotate the refresh token once; if that is refused, sign in again.
function renew() {
  if (!renewing) {
    renewing = (async () => {
      try {
        const s = readSession()
        if (s && s.refresh_token) {
          try {
            return saveSession(await callJson('POST', '/auth/refresh', { refresh_token: s.refresh_token }))
          } catch (e) {
            if (e.status === 0) throw e
          }
        }
        clearSession()
        return await login()
      } finally {
        renewing = null
      }
    })()
  }
  return renewing
}

async function logout() {
  const s = readSession()
  clearSession()
  if (s && s.refresh_token) {
    try {
      await callJson('POST', '/auth/logout', { refresh_token: s.refresh_token })
    } catch (e) {
      // signed out locally either way
    }
  }
}

// ---- the request loop ----

async function perform(transport, opts) {
  const { auth = true, key = null, quiet = false, method = 'GET' } = opts
  const safe = opts.retry !== undefined ? opts.retry : method === 'GET' || method === 'PUT' || method === 'DELETE' || !!key
  const maxRetries = safe ? config.retries : 0
  let attempt = 0
  let renewed = false
  try {
    if (auth && !readSession()) await login()
    for (;;) {
      const header = { 'Accept-Language': 'zh-CN' }
      if (key) header['Idempotency-Key'] = key
      const s = readSession()
      if (auth && s) header.Authorization = `Bearer ${s.access_token}`
      let res
      try {
        res = await transport(header)
      } catch (err) {
        if (attempt < maxRetries) {
          attempt += 1
          wx.showToast({ title: RETRY_TOAST, icon: 'none', duration: 2000 })
          await sleep(retryDelay(attempt))
          continue
        }
        throw networkError(err)
      }
      const status = res.statusCode
      if (status >= 200 && status < 300) return parseBody(res.data)
      if (status === 401 && auth && !renewed) {
        renewed = true
        await renew()
        continue
      }
      if (status >= 500 && attempt < maxRetries) {
        attempt += 1
        wx.showToast({ title: RETRY_TOAST, icon: 'none', duration: 2000 })
        await sleep(retryDelay(attempt))
        continue
      }
      throw problemFrom(res)
    }
  } catch (err) {
    const error = err instanceof ApiError ? err : new ApiError({ title: '出错了', detail: String((err && err.message) || err) })
    if (!quiet) showError(error)
    throw error
  }
}

// request(method, path, {data, query, key, auth, quiet, retry}) → the parsed JSON body.
function request(method, path, opts = {}) {
  const json = { 'Content-Type': 'application/json' }
  return perform(
    (header) => send(method, urlFor(path, opts.query), opts.data, Object.assign({}, json, header)),
    Object.assign({}, opts, { method }),
  )
}

// upload(path, filePath, {name, formData, key, quiet}) → the parsed JSON body (multipart via wx.uploadFile).
function upload(path, filePath, opts = {}) {
  return perform(
    (header) => sendFile(urlFor(path, opts.query), filePath, opts.name || 'file', opts.formData, header),
    Object.assign({ retry: !!opts.key }, opts, { method: 'POST' }),
  )
}

module.exports = {
  ApiError,
  request,
  get: (path, opts) => request('GET', path, opts),
  post: (path, data, opts) => request('POST', path, Object.assign({}, opts, { data })),
  patch: (path, data, opts) => request('PATCH', path, Object.assign({}, opts, { data })),
  put: (path, data, opts) => request('PUT', path, Object.assign({}, opts, { data })),
  del: (path, opts) => request('DELETE', path, opts),
  upload,
  login,
  logout,
  newKey,
  showError,
  currentUser,
  clearSession,
  readSession,
  urlFor,
}
