// Journey (我的数据与账户, PIPL): a resident with points and a reported problem opens 我的数据 from the home
// page, sees what is held about them section by section and copies it all; then closes the account —
// the word 注销 is required, a modal says where the points go — and reads what was returned. Afterwards
// the old sign-in no longer works and staff see the ticket without the resident's name.
const bridge = require('../support/wx-bridge')
const backend = require('../support/backend')
const { open, waitFor, text, texts, tap, input } = require('../support/pages')

let wxb
beforeEach(() => {
  wxb = bridge.install()
})

test('a resident downloads their data and closes their account; the points go back to the community', async () => {
  const staff = await backend.as('demo-staff')
  const code = `privacy-e2e-${Date.now()}-${Math.floor(Math.random() * 1e6)}`
  const resident = await backend.as(code)
  await resident.patch('/me', { name: '周阿姨', community_id: staff.user.community_id })
  await staff.post('/grants', { user_id: resident.user.id, asset: 'points', amount: 50, reason: '志愿服务表彰' })
  const category = await staff.post('/ticket-categories', {
    name: `楼道卫生-${Date.now() % 100000}`,
    accept_within_hours: 24,
    resolve_within_hours: 72,
  })
  const ticket = await resident.post('/tickets', { category_id: category.id, description: '三单元楼道堆放杂物' })

  // home → 我的数据
  wxb.as(code)
  const home = await open('pages/index/index')
  await waitFor(() => home.querySelector('#greeting'), { what: 'greeting' })
  const shortcut = home.querySelectorAll('.shortcut').find((n) => n.dom.textContent.trim() === '我的数据')
  await tap(home, shortcut)
  expect(wxb.calls.navigate).toContain('/pages/privacy/index')

  const page = await open('pages/privacy/index')
  await waitFor(() => page.querySelector('#summary'), { what: 'the data summary' })
  const labels = texts(page, '.section-label')
  expect(labels).toEqual(expect.arrayContaining(['个人资料', '积分与时长账户', '登录的手机', '我反映的问题']))
  await tap(page, '#copy')
  const copied = JSON.parse(wxb.calls.clipboard[0])
  expect(copied.user_id).toBe(resident.user.id)
  expect(copied.records.tickets.map((t) => t.id)).toContain(ticket.id)
  expect(JSON.stringify(copied)).not.toMatch(/password_hash|session_key/)

  // closing needs the word, then a modal that names the 50 points
  await tap(page, '#close')
  expect(text(page, '#close-error')).toBe('请输入“注销”两个字确认')
  expect(wxb.calls.modal).toHaveLength(0)
  await input(page, '#word', '注销')
  await tap(page, '#close')
  await waitFor(() => page.querySelector('#closed'), { what: 'the closed account' })
  expect(wxb.calls.modal[0].title).toBe('确认注销账户')
  expect(wxb.calls.modal[0].content).toContain('50 积分')
  expect(texts(page, '.returned')).toEqual(['退回社区：50 积分'])
  const post = wxb.calls.request.find((c) => c.method === 'POST' && c.url.endsWith('/me/close'))
  expect(post.header['Idempotency-Key']).toBeTruthy()

  // the old token is refused — at once by the process that closed it, by every other API process within
  // LINLI_PRINCIPAL_CACHE_SECONDS (2 s here); staff keep the ticket, without the resident's name
  const refused = async () => {
    try {
      await resident.get('/me')
      return false
    } catch (e) {
      return /401/.test(e.message)
    }
  }
  await new Promise((r) => setTimeout(r, 2500))
  for (let i = 0; i < 6; i += 1) expect(await refused()).toBe(true) // whichever process answers
  const seen = await staff.get(`/tickets/${ticket.id}`)
  expect(seen.id).toBe(ticket.id)
  expect(JSON.stringify(seen)).not.toContain('周阿姨')
})
