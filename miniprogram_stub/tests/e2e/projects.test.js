// Journey: a new resident of 桃源社区 opens 社区项目, picks the call whose resident vote is open
// (2027年微公益创投), chooses two projects (a third is refused), votes once; then opens a funded project
// of 2026年民生微实事 (长者爱心午餐) in execution, reads its public page (milestones done, spent vs budget
// in yuan), follows it and asks a question. Also: the organisations list and a team's profile with its
// volunteer hours and no phone numbers. All against the real backend and its demo data.
const bridge = require('../support/wx-bridge')
const backend = require('../support/backend')
const { open, waitFor, text, texts, tap, input, queryOf } = require('../support/pages')

let wxb

beforeEach(() => {
  wxb = bridge.install()
})

async function newResident(name) {
  const code = `projects-e2e-${name}-${Date.now()}`
  const resident = await backend.as(code)
  const staff = await backend.as('demo-staff')
  await resident.patch('/me', { name, community_id: staff.user.community_id })
  wxb.as(code)
  return resident
}

test('a resident votes in a call and follows a funded project’s public page', async () => {
  const resident = await newResident('钱阿姨')

  const list = await open('pages/projects/index')
  await waitFor(() => texts(list, '.call-title').includes('2027年微公益创投'), { what: 'the voting call' })
  const callIndex = texts(list, '.call-title').indexOf('2027年微公益创投')
  expect(texts(list, '.call-phase')[callIndex]).toBe('投票中')
  await tap(list, list.querySelectorAll('.call')[callIndex])
  const toCall = wxb.calls.navigate.find((u) => u.startsWith('/pages/project-call/index?'))
  const callId = queryOf(toCall).id

  const call = await open('pages/project-call/index', { id: callId })
  await waitFor(() => call.querySelector('#ballot'), { what: 'the ballot' })
  expect(text(call, '#phase')).toBe('投票中')
  expect(texts(call, '.application-title')).toEqual(expect.arrayContaining(['四点半课堂', '长者智能手机课', '社区旧物交换日']))
  await tap(call, '#vote')
  expect(text(call, '#error')).toBe('请先选择要支持的项目')
  const picks = call.querySelectorAll('.pick')
  await tap(call, picks[0])
  await tap(call, picks[1])
  await tap(call, picks[2])
  expect(text(call, '#error')).toBe('最多可选 2 个项目')
  expect(text(call, '#picked-count')).toBe('已选 2 个')
  await tap(call, '#vote')
  await waitFor(() => call.querySelector('#voted'), { what: 'the vote recorded' })
  expect(text(call, '#result')).toBe('投票成功，感谢您的参与')
  expect(call.querySelector('#ballot')).toBeFalsy()
  const sent = wxb.calls.request.filter((c) => c.method === 'POST' && c.url.endsWith(`/project-calls/${callId}/votes`))
  expect(sent).toHaveLength(1)
  const after = await resident.get(`/project-calls/${callId}`)
  expect(after.my_votes).toHaveLength(2)
  // a second ballot from the same resident is refused by the server
  await expect(resident.post(`/project-calls/${callId}/votes`, { application_ids: [after.my_votes[0]] })).rejects.toThrow(/already_voted/)

  // a funded project in execution: its public page
  const again = await open('pages/projects/index')
  await waitFor(() => texts(again, '.project-title').includes('长者爱心午餐'), { what: 'the funded project' })
  await tap(again, again.querySelectorAll('.project')[texts(again, '.project-title').indexOf('长者爱心午餐')])
  const toProject = wxb.calls.navigate.filter((u) => u.startsWith('/pages/project/index?')).pop()
  const projectId = queryOf(toProject).id
  const page = await open('pages/project/index', { id: projectId })
  await waitFor(() => text(page, '#title') === '长者爱心午餐', { what: 'the public page' })
  expect(text(page, '#status')).toBe('实施中')
  expect(text(page, '#done')).toBe('里程碑完成 33%')
  expect(text(page, '#money')).toMatch(/^已支出 \d+\.\d{2} 元 \/ 预算 12180\.00 元（\d+%）$/)
  expect(texts(page, '.milestone-title')).toEqual(['助餐点开放', '中期回访', '总结评估'])
  expect(text(page, '#follow')).toBe('关注项目')
  await tap(page, '#follow')
  await waitFor(() => text(page, '#follow') === '取消关注', { what: 'following' })
  expect(text(page, '#result')).toBe('已关注，项目有新进展会通知您')
  const followed = await resident.get('/projects?following=true')
  expect(followed.items.map((p) => p.id)).toEqual([projectId])
  await input(page, '#question', '每天几点开始送餐？')
  await tap(page, '#ask')
  await waitFor(() => texts(page, '.question-body').some((q) => q.endsWith('每天几点开始送餐？')), { what: 'the question' })
  expect(texts(page, '.question-answer').pop()).toBe('答复：待答复')
})

test('the organisations list opens a team’s profile with its volunteer hours and no phone numbers', async () => {
  await newResident('吴大伯')
  const list = await open('pages/organisations/index')
  await waitFor(() => texts(list, '.organisation-name').includes('绿叶舟志愿服务队'), { what: 'the team' })
  await tap(list, list.querySelectorAll('.organisation')[texts(list, '.organisation-name').indexOf('绿叶舟志愿服务队')])
  const id = queryOf(wxb.calls.navigate.filter((u) => u.startsWith('/pages/organisation/index?')).pop()).id
  const profile = await open('pages/organisation/index', { id })
  await waitFor(() => text(profile, '#name') === '绿叶舟志愿服务队', { what: 'the profile' })
  expect(text(profile, '#kind')).toBe('志愿服务队')
  expect(text(profile, '#hours')).toMatch(/^\d{4}年志愿服务 4\.0 小时$/)
  expect(texts(profile, '.member-name').every((n) => n.includes('*'))).toBe(true)
  expect(profile.dom.innerHTML).not.toMatch(/1[3-9]\d{9}/)
})
