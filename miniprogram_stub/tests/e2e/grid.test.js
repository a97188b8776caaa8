// Journey: a new resident of 桃源社区 opens 我的楼栋, picks their building, sees its service board
// (own, grid and community lines), taps a number to call, taps 吹哨 and files a ticket on the report page
// that carries the building; the category routes it straight to the grid, where the grid worker
// (demo-grid, 林晓) finds it in "my grid". All against the real backend and its demo data.
const bridge = require('../support/wx-bridge')
const backend = require('../support/backend')
const { open, waitFor, text, texts, tap, input, change, queryOf } = require('../support/pages')

let wxb

beforeEach(() => {
  wxb = bridge.install()
})

test('a resident picks a building, sees the board, taps 吹哨 and files a ticket that carries the building', async () => {
  const code = `grid-e2e-${Date.now()}`
  const resident = await backend.as(code)
  const staff = await backend.as('demo-staff')
  await resident.patch('/me', { name: '孙阿姨', community_id: staff.user.community_id })
  wxb.as(code)

  // no address yet: the page asks for a building
  const page = await open('pages/building/index')
  await waitFor(() => page.querySelector('#chooser'), { what: 'the building chooser' })
  const names = page.instance.data.buildingNames
  const at = names.indexOf('桃源居 1栋')
  expect(at).toBeGreaterThanOrEqual(0)
  expect(names.length).toBeGreaterThanOrEqual(30)
  await tap(page, '#save')
  expect(text(page, '#error')).toBe('请选择您住的楼栋')
  await change(page, '#building-picker', at)
  await input(page, '#unit', '2单元')
  await tap(page, '#save')
  await waitFor(() => page.querySelector('#building-name'), { what: 'the board' })
  expect(text(page, '#building-name')).toBe('桃源居 1栋')
  expect(text(page, '#grid-name')).toBe('所属网格：桃源第一网格')

  // the board: the building's own lines first, then the grid's, then the community's
  const roles = texts(page, '.entry-role')
  expect(roles[0]).toBe('楼栋长')
  expect(roles).toContain('网格员')
  expect(roles.indexOf('网格员')).toBeLessThan(roles.indexOf('社区工作人员'))
  const board = page.instance.data.entries
  expect(board.every((e) => e.phone === null || !/^1[3-9]\d{9}$/.test(e.tel))).toBe(true) // work phones only

  // tap to call the first line
  await tap(page, page.querySelectorAll('.call')[0])
  expect(wxb.calls.phone).toEqual([board[0].tel])

  // 吹哨: the report page opens with the building filled in
  await tap(page, '#whistle')
  const target = wxb.calls.navigate.find((u) => u.startsWith('/pages/report/index?'))
  expect(target).toBeDefined()
  const { building_id: buildingId } = queryOf(target)
  expect(buildingId).toBe(page.instance.data.building.id)
  const report = await open('pages/report/index', { building_id: buildingId })
  await waitFor(() => text(report, '#building') === '桃源居 1栋', { what: 'the building on the report page' })
  const index = report.instance.data.categoryNames.indexOf('楼道设施')
  expect(index).toBeGreaterThanOrEqual(0)
  await change(report, '#category', index)
  const description = `1栋2单元电梯按钮失灵 ${Date.now()}`
  await input(report, '#description', description)
  await tap(report, '#submit')
  const opened = await waitFor(() => wxb.calls.navigate.find((u) => u.startsWith('/pages/ticket/index?')), { what: 'the filed ticket' })
  const sent = wxb.calls.request.find((c) => c.method === 'POST' && c.url.endsWith('/tickets'))
  expect(sent.data.building_id).toBe(buildingId)
  const ticket = await resident.get(`/tickets/${queryOf(opened).id}`)
  expect(ticket.building_id).toBe(buildingId)

  // the category routes it to the grid: the grid worker sees it in "my grid"
  wxb.as('demo-grid')
  const queue = await open('pages/grid/tickets/index')
  await waitFor(() => texts(queue, '.ticket-title').some((t) => description.startsWith(t)), { what: 'the ticket in my grid' })
  expect(text(queue, '#grid-name')).toBe('桃源第一网格')
})

test('the home page offers 我的楼栋 to residents and 我的网格 to grid workers only', async () => {
  wxb.as('demo-grid')
  const home = await open('pages/index/index')
  await waitFor(() => texts(home, '.handler').length === 2, { what: 'the grid worker shortcuts' })
  expect(texts(home, '.handler')).toEqual(['我的派单', '我的网格'])
  expect(texts(home, '.shortcut')).toContain('我的楼栋')
})
