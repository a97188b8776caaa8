// Journey (大家议事): a resident proposes a matter on the propose page; neighbours support it (one on its
// page); staff accept it onto the agenda; a consultation meeting takes it up — the resident registers for
// a seat, checks in by scanning the door code, and after the meeting reads the minutes, where the matter
// was referred to 四议两公开; staff take it through the four steps and publish it; the resident objects
// during publication on the decision page and, once staff answer, reads the answer there.
// All against the real backend (its demo data and the WeChat fake).
const bridge = require('../support/wx-bridge')
const backend = require('../support/backend')
const { open, waitFor, text, texts, tap, input, queryOf } = require('../support/pages')

let wxb
beforeEach(() => {
  wxb = bridge.install()
})

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function resident(staff, name) {
  const code = `consult-e2e-${name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`
  const client = await backend.as(code)
  await client.patch('/me', { name, community_id: staff.user.community_id })
  return { code, client }
}

test('a resident proposes, neighbours support, staff accept, a meeting decides, the decision is published, the resident objects and reads the answer', async () => {
  const staff = await backend.as('demo-staff')
  const author = await resident(staff, '钱阿姨')
  const neighbour = await resident(staff, '赵大爷')
  const another = await resident(staff, '孙阿姨')
  const title = `小区北门增设休息座椅 ${Date.now() % 100000}`

  // 1. the author proposes on the propose page
  wxb.as(author.code)
  const propose = await open('pages/consultation/propose/index')
  await tap(propose, '#submit')
  expect(text(propose, '#error')).toBe('请用一句话说说您的提议')
  await input(propose, '#title', title)
  await input(propose, '#description', '老人买菜回来走累了没地方歇脚。')
  await tap(propose, '#submit')
  const opened = await waitFor(() => wxb.calls.navigate.find((u) => u.startsWith('/pages/consultation/proposal/index?')), { what: 'the new proposal' })
  const proposalId = queryOf(opened).id
  const mine = await open('pages/consultation/proposal/index', { id: proposalId })
  expect(text(mine, '#title')).toBe(title)
  expect(text(mine, '#status')).toBe('待受理')
  expect(mine.querySelector('#support')).toBeFalsy() // not one's own

  // 2. neighbours support it: one on its page (from the list), one directly
  wxb.as(neighbour.code)
  const list = await open('pages/consultation/proposals/index', { sort: 'newest' })
  await waitFor(() => texts(list, '.proposal-title').includes(title), { what: 'the proposal in the list' })
  await tap(list, list.querySelectorAll('.proposal')[texts(list, '.proposal-title').indexOf(title)])
  expect(wxb.calls.navigate).toContain(`/pages/consultation/proposal/index?id=${proposalId}`)
  const page = await open('pages/consultation/proposal/index', { id: proposalId })
  await tap(page, '#support')
  await waitFor(() => page.instance.data.done, { what: 'supported' })
  expect(text(page, '#supports')).toBe('1 人支持')
  expect(page.querySelector('#unsupport')).toBeTruthy()
  await another.client.post(`/proposals/${proposalId}/support`, {})

  // 3. staff accept it onto the agenda; a meeting takes it up, starting in a few seconds
  await staff.post(`/proposals/${proposalId}/triage`, { action: 'accept', answer: '列入本次喝茶议事会议题' })
  const start = new Date(Date.now() + 10000)
  const meeting = await staff.post('/meetings', {
    title: `喝茶议事会 ${Date.now() % 100000}`,
    place: '社区茶馆',
    starts_at: start.toISOString(),
    ends_at: new Date(start.getTime() + 3600 * 1000).toISOString(),
    parties: ['resident_reps', 'property'],
    seats: 5,
    quorum: 2,
    topics: [{ proposal_id: proposalId }],
  })

  // 4. the author registers for a seat and, at the door, scans the code staff show
  wxb.as(author.code)
  const meetings = await open('pages/consultation/meetings/index')
  await waitFor(() => texts(meetings, '.meeting-title').includes(meeting.title), { what: 'the meeting in the list' })
  const mp = await open('pages/consultation/meeting/index', { id: meeting.id })
  expect(text(mp, '#seats')).toBe('旁听席 5 个，剩 5 个')
  await tap(mp, '#register')
  await waitFor(() => mp.querySelector('#my-seat'), { what: 'registered' })
  const code = await staff.get(`/meetings/${meeting.id}/checkin-code`)
  wxb.state.scanResults.push(code.code)
  await tap(mp, '#check-in')
  await waitFor(() => mp.instance.data.done === '签到成功', { what: 'checked in' })
  expect(wxb.calls.scan[0]).toMatchObject({ onlyFromCamera: true, scanType: ['qrCode'] })
  expect(text(mp, '#checked-in')).toBe('已签到')

  // 5. the meeting decides: staff mark the property manager present and write the minutes once it began
  await staff.post(`/meetings/${meeting.id}/attendance`, { name: '陈经理', party: 'property' })
  await sleep(Math.max(0, start.getTime() - Date.now() + 300))
  const topic = meeting.topics[0]
  const closed = await staff.post(`/meetings/${meeting.id}/minutes`, {
    topics: [{ topic_id: topic.id, summary: '涉及公共收益使用，转四议两公开', outcome: 'referred', votes_for: 2, votes_against: 0, votes_abstain: 0 }],
  })
  const decisionId = closed.topics[0].decision_id
  expect(decisionId).toBeTruthy()
  await mp.instance.refresh()
  await waitFor(() => mp.querySelector('#minutes'), { what: 'the minutes' })
  expect(text(mp, '#attendance')).toBe('实到 2 人（法定 2 人）')
  expect(texts(mp, '.topic-outcome')).toEqual(['转入四议两公开'])
  expect(texts(mp, '.topic-votes')).toEqual(['赞成 2 · 反对 0 · 弃权 0'])
  const after = await open('pages/consultation/proposal/index', { id: proposalId })
  expect(text(after, '#outcome')).toBe('议事结果：转入四议两公开')
  expect(after.querySelector('#open-decision')).toBeTruthy()

  // 6. the four steps, then 决议公开
  const bodies = ['社区党委', '两委联席会议', '社区党员大会', '居民代表会议']
  const today = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 10) // Shanghai date
  for (let n = 1; n <= 4; n += 1) {
    await staff.post(`/decisions/${decisionId}/steps`, { step: n, body: bodies[n - 1], held_on: today, attendance: 20, quorum: 11, outcome: 'passed' }, { key: false })
  }
  await staff.post(`/decisions/${decisionId}/publish`, {}, { key: false })

  // 7. the resident finds it in publication, objects, and reads the answer
  const decisions = await open('pages/consultation/decisions/index')
  await waitFor(() => texts(decisions, '.decision-title').includes(title), { what: 'the decision in the list' })
  const dp = await open('pages/consultation/decision/index', { id: decisionId })
  expect(text(dp, '#window')).toMatch(/^公示至 \d{4}-\d{2}-\d{2}，期间可提出异议$/)
  expect(texts(dp, '.step-label')).toEqual(['党组织提议：通过', '两委商议：通过', '党员大会审议：通过', '居民(代表)会议决议：通过'])
  await tap(dp, '#object')
  expect(text(dp, '#error')).toBe('请写下您的意见')
  await input(dp, '#objection', '座椅资金从哪里出？请公开明细。')
  await tap(dp, '#object')
  await waitFor(() => dp.querySelector('#my-objections'), { what: 'the objection filed' })
  expect(texts(dp, '.objection-body')).toEqual(['座椅资金从哪里出？请公开明细。'])
  const seen = await staff.get(`/decisions/${decisionId}`)
  const objection = seen.objections.find((o) => o.body === '座椅资金从哪里出？请公开明细。')
  await staff.post(`/objections/${objection.id}/answer`, { answer: '资金来自小区公共收益，明细见公告栏。' }, { key: false })
  await dp.instance.refresh()
  await waitFor(() => texts(dp, '.objection-answer').length === 1, { what: 'the answer' })
  expect(texts(dp, '.objection-answer')).toEqual(['社区答复：资金来自小区公共收益，明细见公告栏。'])
})

test('大家议事 leads to proposals, meetings and decisions; the demo meeting shows its minutes', async () => {
  wxb.as('demo-resident')
  const hub = await open('pages/consultation/index/index')
  await waitFor(() => hub.instance.data.loaded, { what: 'the hub' })
  expect(text(hub, '#meetings-hint')).toMatch(/场待召开$/)
  expect(text(hub, '#decisions-hint')).toMatch(/项公示中$/)
  await tap(hub, '#proposals')
  await tap(hub, '#meetings')
  await tap(hub, '#decisions')
  expect(wxb.calls.navigate).toEqual([
    '/pages/consultation/proposals/index',
    '/pages/consultation/meetings/index',
    '/pages/consultation/decisions/index',
  ])
  const closed = await open('pages/consultation/meetings/index')
  await waitFor(() => closed.instance.data.loaded, { what: 'the meetings' })
  const past = closed.instance.data.items.find((m) => m.title === '十一月喝茶议事会')
  const page = await open('pages/consultation/meeting/index', { id: past.id })
  expect(text(page, '#attendance')).toBe('实到 5 人（法定 4 人）')
  expect(texts(page, '.topic-outcome')).toEqual(['通过', '通过'])
})
