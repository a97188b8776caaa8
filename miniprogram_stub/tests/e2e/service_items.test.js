// Journey (issue #16): 网格员小陈, a 代办员, applies for 高龄老人津贴 on behalf of 刘大爷 after scanning his
// 居民码; 刘大爷 confirms in the app; the 民政服务站 asks for a correction (补正), 小陈 supplies it, the
// department approves and 小陈 hands the result over; 刘大爷 follows every step and rates the service.
// Then office hours: 刘大爷 finds the lawyer's recurring hours and books a place. All against the real API.
const bridge = require('../support/wx-bridge')
const backend = require('../support/backend')
const { open, waitFor, text, texts, tap, queryOf } = require('../support/pages')

let wxb
let item
let elder
let dept
let agent

beforeAll(async () => {
  agent = await backend.as('demo-agent')
  elder = await backend.as('demo-elder')
  dept = await backend.as('demo-dept')
  const page = await agent.get('/service-items?q=MZ-001')
  item = page.items[0]
})

beforeEach(() => {
  wxb = bridge.install()
})

test('a grid worker applies for an elder, who follows each step to the handover and rates it', async () => {
  // 小陈 opens the item, ticks the materials the elder gave him, scans the elder's 居民码 and applies
  wxb.as('demo-agent')
  const itemPage = await open('pages/service-item/index', { id: item.id })
  expect(text(itemPage, '#name')).toBe('高龄老人津贴申领')
  expect(texts(itemPage, '.material-name').map((t) => t.slice(2))).toEqual([
    '居民身份证', '户口簿', '本人银行卡（存折）', '近期一寸免冠照片',
  ])
  const rows = itemPage.querySelectorAll('.material')
  for (const i of [0, 1, 2]) await tap(itemPage, rows[i])
  wxb.state.scanResults.push(elder.user.id)
  await tap(itemPage, '#apply-other')
  const target = await waitFor(() => wxb.calls.navigate.find((u) => u.startsWith('/pages/service-request/index?')), {
    what: 'the application page',
  })
  const { id } = queryOf(target)
  const sent = wxb.calls.request.find((c) => c.method === 'POST' && c.url.endsWith('/service-requests'))
  expect(sent.data.on_behalf_of).toBe(elder.user.id)
  const waiting = await open('pages/service-request/index', { id })
  expect(text(waiting, '#status')).toBe('待居民确认代办')
  expect(text(waiting, '#people').replace(/\s/g, '')).toBe('申请人刘大爷·代办人网格员小陈')

  // 刘大爷 confirms: the application is taken in and the clock starts
  wxb.as('demo-elder')
  const mine = await open('pages/service-request/index', { id })
  await tap(mine, '#consent')
  await waitFor(() => text(mine, '#status') === '已受理', { what: 'taken in' })
  expect(text(mine, '#due')).toMatch(/前办结/)

  // the department takes it up and asks for a correction of the bank card copy
  await dept.post(`/service-requests/${id}/accept`)
  await dept.post(`/service-requests/${id}/correction`, { reason: '银行卡复印件不清晰', materials: ['m3'] })
  await mine.instance.refresh()
  expect(text(mine, '#status')).toBe('需要补正')
  expect(texts(mine, '.missing')).toEqual(['本人银行卡（存折）（复印件 1 份）'])

  // 小陈 brings a new copy and supplies it
  wxb.as('demo-agent')
  const supply = await open('pages/service-request/index', { id })
  await tap(supply, '#supply')
  await waitFor(() => text(supply, '#status') === '办理中', { what: 'processing again' })

  // approved, and 小陈 hands the result to 刘大爷
  await dept.post(`/service-requests/${id}/approve`, { remark: '自下月起按月发放' })
  await agent.post(`/service-requests/${id}/handover`, { method: 'agent_handover', note: '已送到家' })

  // 刘大爷 sees every step, in words, and rates it
  wxb.as('demo-elder')
  const done = await open('pages/service-request/index', { id })
  expect(text(done, '#status')).toBe('已送达')
  expect(texts(done, '.event-what')).toEqual([
    '已登记申请', '已同意代办', '已受理', '部门已接件', '需要补正', '已登记材料', '补正完成，继续办理', '审核通过', '结果已送达',
  ])
  await tap(done, done.querySelectorAll('.rating')[0])
  await tap(done, '#rate')
  await waitFor(() => texts(done, '.event-what').includes('已评价'), { what: 'rated' })
  expect(done.querySelector('#rate-box')).toBeFalsy()

  // each step also reached his inbox
  const inbox = await elder.get('/notifications?limit=50')
  const kinds = inbox.items.filter((n) => (n.data || {}).service_request_id === id).map((n) => n.kind)
  for (const k of ['consent_requested', 'taken_in', 'accepted', 'correction', 'corrected', 'approved', 'handed_over']) {
    expect(kinds).toContain(`service_request.${k}`)
  }

  // and the application is in his list, marked as done for him by 小陈
  const list = await open('pages/service-requests/index')
  const at = texts(list, '.request-name').indexOf('高龄老人津贴申领')
  expect(texts(list, '.request-status')[at]).toBe('已送达')
})

test('an elder finds the lawyer’s recurring office hours and books a place', async () => {
  wxb.as('demo-elder')
  const list = await open('pages/office-hours/index')
  expect(texts(list, '.office-title')).toEqual(expect.arrayContaining(['法律援助进社区', '退休医生义诊']))
  const at = texts(list, '.office-title').indexOf('法律援助进社区')
  expect(texts(list, '.office-when')[at]).toMatch(/^每月第一、三个周二 14:00–17:00/)

  const { id } = list.instance.data.items[at]
  const page = await open('pages/office-hour/index', { id })
  expect(text(page, '#schedule')).toBe('每月第一、三个周二 14:00–17:00')
  const before = texts(page, '.session-state')[0]
  expect(before).toMatch(/^可预约，剩 \d+ 个名额$/)
  await tap(page, page.querySelectorAll('.book')[0])
  await waitFor(() => page.querySelector('#result'), { what: 'the booking' })
  expect(text(page, '#result')).toBe('预约成功')
  const left = (s) => Number(s.match(/剩 (\d+)/)[1])
  await waitFor(() => left(texts(page, '.session-state')[0]) === left(before) - 1, { what: 'one place fewer' })
})
