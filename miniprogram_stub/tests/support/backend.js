// Direct HTTP to the real backend for the end-to-end tests' own setup (a staff member creating a
// category, granting points, opening a slot…). The pages under test never use this: they go through
// utils/api.js and the wx bridge.
const http = require('http')
const crypto = require('crypto')

function base() {
  const b = process.env.LINLI_E2E_BASE
  if (!b) throw new Error('LINLI_E2E_BASE is not set: the backend was not started (LINLI_E2E=off?)')
  return b
}

function raw(method, url, { headers = {}, body = null } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let data = text
        try {
          data = text ? JSON.parse(text) : ''
        } catch (e) {
          // not JSON: keep the text, as wx.request does
        }
        const header = {}
        Object.keys(res.headers).forEach((k) => {
          header[k.replace(/(^|-)([a-z])/g, (m, d, c) => d + c.toUpperCase())] = res.headers[k]
        })
        resolve({ statusCode: res.statusCode, data, header })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    if (body) req.write(body)
    req.end()
  })
}

async function call(token, method, path, data, extraHeaders = {}) {
  const headers = Object.assign({ Accept: 'application/json' }, extraHeaders)
  if (token) headers.Authorization = `Bearer ${token}`
  let body = null
  if (data !== undefined && data !== null) {
    body = Buffer.from(JSON.stringify(data))
    headers['Content-Type'] = 'application/json'
  }
  const res = await raw(method, `${base()}/api/v1${path}`, { headers, body })
  if (res.statusCode >= 300) {
    throw new Error(`${method} ${path} → ${res.statusCode} ${JSON.stringify(res.data)}`)
  }
  return res.data
}

async function wechatLogin(code) {
  return call(null, 'POST', '/auth/wechat-login', { code })
}

// A signed-in client for one demo user: as('demo-staff').post('/grants', {...}).
async function as(code) {
  const tokens = await wechatLogin(code)
  const t = tokens.access_token
  return {
    user: tokens.user,
    token: t,
    get: (p) => call(t, 'GET', p),
    post: (p, d, { key } = {}) => call(t, 'POST', p, d || {}, key === false ? {} : { 'Idempotency-Key': key || crypto.randomUUID() }),
    patch: (p, d) => call(t, 'PATCH', p, d),
    raw: (method, p, d, h) => call(t, method, p, d, h),
  }
}

// Whether the backend under test serves an optional area (probed by global-setup.js).
function serves(name) {
  return (process.env.LINLI_E2E_SERVES || '').split(',').includes(name)
}

module.exports = { base, raw, call, as, wechatLogin, serves }
