// Journey: a resident reports a problem through the report page and sees it in "my tickets"; staff
// dispatch it to the handler, who signs for it and resolves it on the handler pages; the resident
// reads the reply in the ticket's timeline and rates it. All against the real backend.
const bridge = require('../support/wx-bridge')
const backend = require('../support/backend')
const { open, waitFor, text, texts, tap, input, change, queryOf } = require('../support/pages')

let wxb
let staff
let category

beforeAll(async () => {
  staff = await backend.as('demo-staff')
  category = await staff.post('/ticket-categories', {
    name: `楼道照明-${Date.now() % 100000}`,
    accept_within_hours: 24,
    resolve_within_hours: 72,
  })
})

beforeEach(() => {
  wxb = bridge.install()
})

test('a resident reports a problem, follows it to resolution and rates it', async () => {
  wxb.as('demo-resident')
  const report = await open('pages/report/index')
  const names = report.instance.data.categoryNames
  const index = names.indexOf(category.name)
  expect(index).toBeGreaterThanOrEqual(0)

  // submitting without a description is stopped on the page, before any request
  await change(report, '#category', index)
  expect(text(report, '#category-text')).toBe(category.name)
  await tap(report, '#submit')
  expect(text(report, '#error')).toBe('请描述一下遇到的问题')

  const description = `3栋2单元楼道灯不亮了，晚上很黑 ${Date.now()}`
  await input(report, '#description', description)
  await input(report, '#location', '桃源小区3栋2单元')
  await tap(report, '#submit')
  const target = await waitFor(() => wxb.calls.navigate.find((u) => u.startsWith('/pages/ticket/index?')), { what: 'redirect to the ticket' })
  const { id } = queryOf(target)
  const sent = wxb.calls.request.find((c) => c.method === 'POST' && c.url.endsWith('/tickets'))
  expect(sent.header['Idempotency-Key']).toMatch(/^[0-9a-f-]{36}$/)
  expect(wxb.calls.subscribe.length).toBeGreaterThan(0)

  // it is in "my tickets", in words
  const mine = await open('pages/tickets/index')
  await waitFor(() => texts(mine, '.ticket-title').some((t) => description.startsWith(t)), { what: 'the ticket in my list' })
  const at = texts(mine, '.ticket-title').findIndex((t) => description.startsWith(t))
  expect(texts(mine, '.ticket-status')[at]).toBe('已提交')

  // its page shows the state and the public timeline
  const page = await open('pages/ticket/index', { id })
  expect(text(page, '#status')).toBe('已提交')
  expect(text(page, '#description')).toBe(description)
  expect(texts(page, '.event-what')).toContain('已提交')

  // staff take it in and dispatch it to the handler 李师傅
  const handler = await backend.as('demo-handler')
  const dept = handler.user.roles.find((r) => r.role === 'handler').org_unit_id
  await staff.post(`/tickets/${id}/accept`, {})
  await staff.post(`/tickets/${id}/dispatch`, { department_id: dept, assignee_id: handler.user.id })

  // the handler signs for it and resolves it with a reply
  wxb.as('demo-handler')
  const queue = await open('pages/handler/tickets/index')
  await waitFor(() => texts(queue, '.ticket-title').some((t) => description.startsWith(t)), { what: 'the ticket in the handler queue' })
  const work = await open('pages/handler/ticket/index', { id })
  expect(text(work, '#status')).toBe('已派单')
  await tap(work, '#start')
  await waitFor(() => work.querySelector('#resolve'), { what: 'the resolve form' })
  expect(text(work, '#status')).toBe('处理中')
  await tap(work, '#resolve')
  expect(text(work, '#error')).toBe('请填写答复内容')
  await input(work, '#reply', '已更换楼道灯泡，请查看')
  await tap(work, '#resolve')
  await waitFor(() => text(work, '#status') === '已办结', { what: 'resolved' })

  // the resident is told: unread on the home page, the inbox links to the ticket
  wxb.as('demo-resident')
  const home = await open('pages/index/index')
  await waitFor(() => home.querySelector('#greeting'), { what: 'home' })
  expect(text(home, '#unread')).toMatch(/\d+ 条未读$/)
  const inbox = await open('pages/notifications/index')
  const about = inbox.instance.data.items.findIndex((n) => n.link === `/tickets/${id}`)
  expect(about).toBeGreaterThanOrEqual(0)
  expect(texts(inbox, '.note-state')[about]).toBe('未读')
  const before = wxb.calls.navigate.length
  await tap(inbox, inbox.querySelectorAll('.notification')[about])
  await waitFor(() => wxb.calls.navigate.length > before, { what: 'open the ticket from the inbox' })
  expect(wxb.calls.navigate[before]).toBe(`/pages/ticket/index?id=${id}`)
  expect(texts(inbox, '.note-state')[about]).toBe('已读')

  // the resident reads the reply and rates it
  const back = await open('pages/ticket/index', { id })
  expect(text(back, '#status')).toBe('已办结')
  expect(text(back, '#reply')).toBe('已更换楼道灯泡，请查看')
  const satisfied = back.querySelectorAll('.rating').find((n) => n.dom.textContent.trim() === '满意')
  await tap(back, satisfied)
  await tap(back, '#evaluate')
  await waitFor(() => back.querySelector('#rating'), { what: 'the rating' })
  expect(text(back, '#rating')).toBe('您的评价：满意')
  expect(text(back, '#status')).toBe('已关闭')
})

test("a handler cannot open a ticket not assigned to them: the problem's Chinese title is shown", async () => {
  wxb.as('demo-resident')
  const resident = await backend.as('demo-resident')
  const t = await resident.post('/tickets', { category_id: category.id, description: '小区门口路灯坏了' })
  wxb.as('demo-handler')
  const page = await open('pages/handler/ticket/index', { id: t.id })
  await waitFor(() => wxb.calls.modal.length, { what: 'an error modal' })
  expect(wxb.calls.modal[0].title).toMatch(/不存在或无权查看$/)
  expect(text(page, '#error')).toBe(wxb.calls.modal[0].title)
})
