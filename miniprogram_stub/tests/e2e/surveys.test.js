// Journeys: a resident of 桃源社区 opens 问卷调查, answers a survey with every question type one question
// per screen (a condition shows the parking question only after choosing 停车位), and, once staff close
// it and publish the results, reads them. A 居民评议团 member reads the closed round's results, follows
// its rectification (整改), and scores the open round. All against the real backend and its demo data.
const bridge = require('../support/wx-bridge')
const backend = require('../support/backend')
const { open, waitFor, text, texts, tap, input } = require('../support/pages')

let wxb

beforeEach(() => {
  wxb = bridge.install()
})

const QUESTIONS = [
  { key: 'q1', kind: 'single', title: '您在本社区居住多久了？', required: true, options: [{ key: 'a', label: '1年以内' }, { key: 'b', label: '1-5年' }, { key: 'c', label: '5年以上' }] },
  { key: 'q2', kind: 'multiple', title: '您最希望增加哪些服务？', required: true, max_choices: 2, options: [{ key: 'canteen', label: '长者食堂' }, { key: 'park', label: '停车位' }, { key: 'care', label: '日间照料' }] },
  { key: 'q3', kind: 'short_text', title: '您家的车停在哪里？', required: true, show_if: { question: 'q2', any_of: ['park'] } },
  { key: 'q4', kind: 'long_text', title: '其他意见建议' },
  { key: 'q5', kind: 'scale', title: '对社区服务的满意度', scale: '1-5', required: true },
  { key: 'q6', kind: 'scale', title: '向邻居推荐邻里中心的可能性', scale: '0-10' },
  { key: 'q7', kind: 'number', title: '家中常住人口', number_min: 1, number_max: 20 },
  { key: 'q8', kind: 'ranking', title: '请按重要程度排序', options: [{ key: 'x', label: '治安' }, { key: 'y', label: '卫生' }, { key: 'z', label: '停车' }] },
]

test('a resident answers every question type, one per screen, and reads the published results', async () => {
  const staff = await backend.as('demo-staff')
  const title = `社区服务需求调查 ${Date.now()}`
  const survey = await staff.post('/surveys', { title, description: '请花3分钟填写', questions: QUESTIONS })
  await staff.post(`/surveys/${survey.id}/publish`)
  const code = `survey-e2e-${Date.now()}`
  const resident = await backend.as(code)
  await resident.patch('/me', { name: '钱阿姨', community_id: staff.user.community_id })
  wxb.as(code)

  const listPage = await open('pages/surveys/index')
  await waitFor(() => texts(listPage, '.survey-title').includes(title), { what: 'the survey in the list' })
  const at = texts(listPage, '.survey-title').indexOf(title)
  expect(texts(listPage, '.survey-state')[at]).toBe('去填写')
  await tap(listPage, listPage.querySelectorAll('.survey')[at])
  expect(wxb.calls.navigate.pop()).toBe(`/pages/surveys/answer/index?id=${survey.id}`)

  const page = await open('pages/surveys/answer/index', { id: survey.id, step: '1' })
  await waitFor(() => page.querySelector('#q-q1'), { what: 'the first question' })
  expect(text(page, '#progress')).toBe('第 1 题 / 共 7 题') // q3 hidden until 停车位 is chosen
  await tap(page, '#next')
  expect(text(page, '#error')).toBe('第1题是必答题')
  await tap(page, '#opt-q1-b')
  await tap(page, '#next')
  expect(page.querySelector('#q-q1')).toBeFalsy() // one question per screen
  await tap(page, '#opt-q2-canteen')
  await tap(page, '#opt-q2-park')
  await tap(page, '#opt-q2-care') // a third pick is refused: at most two
  expect(text(page, '#error')).toBe('最多选择2项')
  expect(text(page, '#progress')).toBe('第 2 题 / 共 8 题') // the condition showed q3
  await tap(page, '#next')
  await input(page, '#in-q3', '地下车库')
  await tap(page, '#next')
  await input(page, '#in-q4', '希望加装电梯')
  await tap(page, '#next')
  await tap(page, '#pt-q5-4')
  await tap(page, '#next')
  await tap(page, '#pt-q6-0') // 0 is a real score on a 0–10 scale
  await tap(page, '#next')
  await input(page, '#in-q7', '3')
  await tap(page, '#next')
  await tap(page, '#opt-q8-x')
  await tap(page, '#opt-q8-z')
  await tap(page, '#opt-q8-y')
  expect(texts(page, '.mark')).toEqual(['1', '3', '2'])
  await tap(page, '#submit')
  await waitFor(() => page.querySelector('#done'), { what: 'the thank-you card' })
  const sent = wxb.calls.request.find((c) => c.method === 'POST' && c.url.endsWith(`/surveys/${survey.id}/responses`))
  expect(sent.header['Idempotency-Key']).toBeTruthy()
  expect(sent.data.answers).toEqual({ q1: 'b', q2: ['canteen', 'park'], q3: '地下车库', q4: '希望加装电梯', q5: 4, q6: 0, q7: 3, q8: ['x', 'z', 'y'] })

  // staff close it and publish the results; the resident reads them
  await staff.post(`/surveys/${survey.id}/close`)
  await staff.post(`/surveys/${survey.id}/results/publish`)
  const results = await open('pages/surveys/results/index', { id: survey.id })
  await waitFor(() => results.querySelector('#responses'), { what: 'the results' })
  expect(text(results, '#responses')).toBe('1')
  expect(text(results, '#r-q1')).toContain('1-5年')
  expect(text(results, '#r-q1')).toContain('100%（1人）')
  expect(text(results, '#r-q5')).toContain('平均 4 分')
  expect(text(results, '#r-q8')).toContain('排第一 100% · 平均第1位')
  const again = await open('pages/surveys/index')
  await waitFor(() => texts(again, '.survey-results').length > 0, { what: 'the results tag' })
})

test('a panel member reads the closed round, follows its rectification and scores the open round', async () => {
  wxb.as('demo-panel')
  const rounds = await open('pages/review/index')
  await waitFor(() => texts(rounds, '.round-title').length === 2, { what: 'two rounds' })
  expect(texts(rounds, '.round-state')).toEqual(['评议中', '已公布'])
  const ids = rounds.instance.data.items.map((r) => r.id)

  const closed = await open('pages/review/round/index', { id: ids[1] })
  await waitFor(() => closed.querySelector('#round-title'), { what: 'the closed round' })
  expect(texts(closed, '.item-title')).toEqual(['长者食堂', '楼道保洁', '社区工作'])
  expect(texts(closed, '.low')).toEqual(['低于标准，需整改'])
  expect(text(closed, '#item-1')).toContain('平均 2.2 分')
  await tap(closed, '#follow')
  const fixes = await open('pages/rectifications/index', { source_kind: 'review_round', source_id: ids[1] })
  await waitFor(() => texts(fixes, '.fix-title').length === 1, { what: 'the rectification' })
  expect(texts(fixes, '.fix-owner')).toEqual(['桃源物业服务中心'])
  expect(texts(fixes, '.note')[0]).toContain('保洁改为每日两次')
  expect(fixes.querySelector('.add-note')).toBeFalsy() // a member follows it, the owner writes it

  const openRound = await open('pages/review/round/index', { id: ids[0] })
  await waitFor(() => openRound.querySelector('#submit'), { what: 'the score sheet' })
  expect(text(openRound, '#item-1')).toContain('上次评议：2.2 分')
  await tap(openRound, '#submit')
  expect(text(openRound, '#error')).toBe('请为每一项指标打分（1-5分）')
  const criteria = openRound.instance.data.items.flatMap((i) => i.criteria.map((c) => c.id))
  for (const id of criteria) await tap(openRound, `#s-${id}-4`)
  await input(openRound, '#comment-1', '比上次干净多了')
  await tap(openRound, '#submit')
  await waitFor(() => openRound.instance.data.saved, { what: 'the scores saved' })
  const member = await backend.as('demo-panel')
  const round = await member.get(`/review-rounds/${ids[0]}`)
  expect(round.items.flatMap((i) => i.criteria.map((c) => c.my_score))).toEqual(criteria.map(() => 4))
  expect(round.items[1].criteria[0].my_comment).toBe('比上次干净多了')
})
