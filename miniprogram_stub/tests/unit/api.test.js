require('miniprogram-simulate')
const { install, ok, problem, tokens } = require('../support/mock-wx')

let wxm
let api
let config

beforeEach(() => {
  jest.resetModules()
  wxm = install()
  config = require('../../config')
  config.baseUrl = 'http://api.test'
  config.retryDelaysMs = [1, 2]
  config.retries = 2
  api = require('../../utils/api')
})

const header = (call, name) => call.header[name]

test('signs in with wx.login, then sends the bearer token to the base URL from config', async () => {
  wxm.reply(tokens(1), ok({ id: 'u1', name: '张阿姨' }))
  const me = await api.get('/me')
  expect(me.name).toBe('张阿姨')
  const [login, call] = wxm.calls.request
  expect(login.url).toBe('http://api.test/api/v1/auth/wechat-login')
  expect(login.method).toBe('POST')
  expect(login.data).toEqual({ code: 'code-1' })
  expect(call.url).toBe('http://api.test/api/v1/me')
  expect(header(call, 'Authorization')).toBe('Bearer access-1')
  expect(wxm.storage.get('linli.session').refresh_token).toBe('refresh-1')
})

test('concurrent calls share one sign-in', async () => {
  wxm.reply(tokens(1), ok({ a: 1 }), ok({ b: 2 }))
  const [a, b] = await Promise.all([api.get('/a'), api.get('/b')])
  expect(a).toEqual({ a: 1 })
  expect(b).toEqual({ b: 2 })
  expect(wxm.calls.login).toBe(1)
})

test('query parameters are encoded and empty ones dropped', async () => {
  wxm.reply(tokens(1), ok({ items: [], next_cursor: null }))
  await api.get('/tickets', { query: { status: 'submitted', q: '漏水 楼道', cursor: null, category_id: '' } })
  expect(wxm.calls.request[1].url).toBe(
    `http://api.test/api/v1/tickets?status=submitted&q=${encodeURIComponent('漏水 楼道')}`,
  )
})

test('a 401 refreshes the token once and repeats the call with the new token', async () => {
  wxm.reply(tokens(1), problem(401, 'unauthorized', '请先登录'), tokens(2), ok({ ok: true }))
  await expect(api.get('/me')).resolves.toEqual({ ok: true })
  const urls = wxm.calls.request.map((c) => c.url.replace('http://api.test/api/v1', ''))
  expect(urls).toEqual(['/auth/wechat-login', '/me', '/auth/refresh', '/me'])
  expect(wxm.calls.request[2].data).toEqual({ refresh_token: 'refresh-1' })
  expect(header(wxm.calls.request[3], 'Authorization')).toBe('Bearer access-2')
  expect(wxm.calls.login).toBe(1)
})

test('a refused refresh falls back to a fresh wx.login', async () => {
  wxm.reply(
    tokens(1),
    problem(401, 'unauthorized', '请先登录'),
    problem(401, 'invalid_refresh_token', '登录已过期'),
    tokens(3),
    ok({ ok: true }),
  )
  await expect(api.get('/me')).resolves.toEqual({ ok: true })
  expect(wxm.calls.login).toBe(2)
  expect(wxm.calls.request[3].data).toEqual({ code: 'code-2' })
  expect(header(wxm.calls.request[4], 'Authorization')).toBe('Bearer access-3')
})

test('a second 401 after renewing is an error shown to the user, not a loop', async () => {
  wxm.reply(tokens(1), problem(401, 'unauthorized', '请先登录'), tokens(2), problem(401, 'unauthorized', '请先登录'))
  await expect(api.get('/me')).rejects.toMatchObject({ status: 401, code: 'unauthorized' })
  expect(wxm.calls.request).toHaveLength(4)
  expect(wxm.calls.modal[0].title).toBe('请先登录')
})

test('problem+json errors carry the Chinese title and detail and are shown in a modal', async () => {
  wxm.reply(tokens(1), problem(409, 'slot_full', '该时段已约满', '请选择其他时段'))
  const err = await api.post('/bookings', { slot_id: 's1' }, { key: 'k1' }).catch((e) => e)
  expect(err).toBeInstanceOf(api.ApiError)
  expect(err).toMatchObject({ status: 409, code: 'slot_full', title: '该时段已约满', detail: '请选择其他时段' })
  expect(wxm.calls.modal).toHaveLength(1)
  expect(wxm.calls.modal[0]).toMatchObject({ title: '该时段已约满', content: '请选择其他时段', showCancel: false })
})

test('quiet calls reject without showing anything', async () => {
  wxm.reply(tokens(1), problem(404, 'not_found', '记录不存在或无权查看'))
  await expect(api.get('/tickets/x', { quiet: true })).rejects.toMatchObject({ code: 'not_found' })
  expect(wxm.calls.modal).toHaveLength(0)
})

test('statusCode is always checked: a 4xx without a problem body is still an error', async () => {
  wxm.reply(tokens(1), { statusCode: 404, data: 'Not Found' })
  await expect(api.get('/nowhere', { quiet: true })).rejects.toMatchObject({ status: 404, code: 'http_404' })
})

test('a keyed POST is retried after a network failure with the same Idempotency-Key', async () => {
  wxm.reply(tokens(1), { fail: { errMsg: 'request:fail timeout' } }, ok({ id: 'r1' }, 201))
  const key = api.newKey()
  await expect(api.post('/redemptions', { code: '123456', points: 10 }, { key })).resolves.toEqual({ id: 'r1' })
  const [, first, second] = wxm.calls.request
  expect(header(first, 'Idempotency-Key')).toBe(key)
  expect(header(second, 'Idempotency-Key')).toBe(key)
  expect(second.data).toEqual(first.data)
  expect(wxm.calls.toast[0].title).toBe('网络较弱，正在重试')
})

test('5xx on a GET is retried with backoff, up to the configured count', async () => {
  wxm.reply(tokens(1), problem(503, 'service_unavailable', '服务暂时不可用'), problem(502, 'x', 'y'), ok({ fine: true }))
  await expect(api.get('/wallet')).resolves.toEqual({ fine: true })
  expect(wxm.calls.toast.map((t) => t.title)).toEqual(['网络较弱，正在重试', '网络较弱，正在重试'])
})

test('retries stop after the configured count and the last error is shown', async () => {
  wxm.reply(tokens(1), { fail: { errMsg: 'request:fail' } }, { fail: { errMsg: 'request:fail' } }, { fail: { errMsg: 'request:fail timeout' } })
  await expect(api.get('/wallet')).rejects.toMatchObject({ status: 0, code: 'timeout', title: '网络超时' })
  expect(wxm.calls.request).toHaveLength(4)
  expect(wxm.calls.modal[0].title).toBe('网络超时')
})

test('an unkeyed POST is never repeated automatically', async () => {
  wxm.reply(tokens(1), { fail: { errMsg: 'request:fail' } })
  await expect(api.post('/tickets/t1/comments', { body: 'hi' })).rejects.toMatchObject({ code: 'network_error' })
  expect(wxm.calls.request).toHaveLength(2)
  expect(wxm.calls.toast).toHaveLength(0)
})

test('a 5xx on an unkeyed POST is reported, not retried', async () => {
  wxm.reply(tokens(1), problem(500, 'internal_error', '服务器内部错误，请稍后再试'))
  await expect(api.post('/tickets/t1/start', {})).rejects.toMatchObject({ status: 500 })
  expect(wxm.calls.request).toHaveLength(2)
  expect(wxm.calls.modal[0].title).toBe('服务器内部错误，请稍后再试')
})

test('requests carry the timeout from config', async () => {
  config.timeoutMs = 4321
  wxm.reply(tokens(1), ok({}))
  await api.get('/me')
  expect(wxm.calls.request[1].timeout).toBe(4321)
})

test('newKey makes distinct UUID-shaped keys', () => {
  const keys = new Set(Array.from({ length: 50 }, () => api.newKey()))
  expect(keys.size).toBe(50)
  for (const k of keys) expect(k).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
})

test('a stored session is used without signing in again', async () => {
  wxm.storage.set('linli.session', { access_token: 'stored', refresh_token: 'r', user: { id: 'u9' } })
  wxm.reply(ok({ id: 'u9' }))
  await api.get('/me')
  expect(wxm.calls.login).toBe(0)
  expect(header(wxm.calls.request[0], 'Authorization')).toBe('Bearer stored')
  expect(api.currentUser()).toEqual({ id: 'u9' })
})

test('upload sends the file with the bearer token and parses the JSON string body', async () => {
  wxm.reply(tokens(1), { statusCode: 201, data: JSON.stringify({ id: 'a1', content_type: 'image/jpeg' }) })
  const out = await api.upload('/tickets/t1/attachments', '/tmp/photo.jpg')
  expect(out).toEqual({ id: 'a1', content_type: 'image/jpeg' })
  const call = wxm.calls.upload[0]
  expect(call.url).toBe('http://api.test/api/v1/tickets/t1/attachments')
  expect(call.filePath).toBe('/tmp/photo.jpg')
  expect(call.name).toBe('file')
  expect(call.header.Authorization).toBe('Bearer access-1')
})

test('upload errors come back as problems too', async () => {
  wxm.reply(tokens(1), { statusCode: 415, data: JSON.stringify({ title: '只能上传图片', status: 415, code: 'not_an_image' }) })
  await expect(api.upload('/tickets/t1/attachments', '/tmp/a.txt', { quiet: true })).rejects.toMatchObject({
    status: 415,
    code: 'not_an_image',
    title: '只能上传图片',
  })
})

test('logout revokes the refresh token and forgets the session', async () => {
  wxm.reply(tokens(1), ok({}), ok({ ok: true }))
  await api.get('/me')
  await api.logout()
  expect(wxm.calls.request[2].data).toEqual({ refresh_token: 'refresh-1' })
  expect(wxm.storage.has('linli.session')).toBe(false)
  expect(api.currentUser()).toBeNull()
})
