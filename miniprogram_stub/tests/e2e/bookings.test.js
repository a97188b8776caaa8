// Journey: a resident books the last place of a slot on the service page; a neighbour who was looking
// at the same slot is told it is full; the resident sees the booking and its code, then cancels it.
const bridge = require('../support/wx-bridge')
const backend = require('../support/backend')
const { open, waitFor, text, texts, tap } = require('../support/pages')

let wxb
let service
let slot

async function neighbour(code, communityId) {
  const n = await backend.as(code)
  if (n.user.community_id !== communityId) await n.patch('/me', { community_id: communityId, name: '邻居' })
  return n
}

beforeAll(async () => {
  const staff = await backend.as('demo-staff')
  const community = staff.user.community_id
  service = await staff.post('/services', {
    name: `上门理发-${Date.now() % 100000}`,
    location: '桃源社区服务中心',
    points_price: 0,
    waitlist: false,
    cancel_before_minutes: 60,
  })
  const start = new Date(Date.now() + 2 * 24 * 3600 * 1000)
  start.setUTCHours(2, 0, 0, 0) // 10:00 in Shanghai, two days ahead
  const end = new Date(start.getTime() + 3600 * 1000)
  const created = await staff.post(`/services/${service.id}/slots`, {
    slots: [{ start_at: start.toISOString(), end_at: end.toISOString(), capacity: 2 }],
  })
  slot = created.items[0]
  // someone else already took one of the two places
  const first = await neighbour('e2e-first-neighbour', community)
  await first.post('/bookings', { slot_id: slot.id })
  await neighbour('e2e-late-neighbour', community)
})

beforeEach(() => {
  wxb = bridge.install()
})

test('a resident books the last place; the neighbour who waited is told it is full', async () => {
  // the late neighbour opens the slot list while one place is left
  wxb.as('e2e-late-neighbour')
  const stale = await open('pages/service/index', { id: service.id })
  expect(text(stale, '#name')).toBe(service.name)
  expect(texts(stale, '.slot-state')).toEqual(['剩 1 个名额'])

  // 张阿姨 books the last place
  wxb.as('demo-resident')
  const page = await open('pages/service/index', { id: service.id })
  expect(texts(page, '.slot-state')).toEqual(['剩 1 个名额'])
  await tap(page, '.book')
  await waitFor(() => page.querySelector('#result'), { what: 'the booking result' })
  expect(text(page, '#result')).toMatch(/^预约成功/)
  await waitFor(() => texts(page, '.slot-state')[0] === '已约满', { what: 'the slot now full' })
  expect(page.querySelectorAll('.book')).toHaveLength(0)
  const post = wxb.calls.request.find((c) => c.method === 'POST' && c.url.endsWith('/bookings'))
  expect(post.header['Idempotency-Key']).toBeTruthy()

  // the neighbour taps "book" on the stale page: slot_full, shown in Chinese, and the list refreshes
  wxb.as('e2e-late-neighbour')
  const modals = wxb.calls.modal.length
  await tap(stale, '.book')
  await waitFor(() => wxb.calls.modal.length > modals, { what: 'the refusal' })
  expect(wxb.calls.modal[modals].title).toBeTruthy()
  await waitFor(() => texts(stale, '.slot-state')[0] === '已约满', { what: 'the refreshed slot' })

  // 张阿姨 sees the booking with its code, and cancels it
  wxb.as('demo-resident')
  const mine = await open('pages/bookings/index')
  await waitFor(() => texts(mine, '.booking-service').includes(service.name), { what: 'my booking' })
  const at = texts(mine, '.booking-service').indexOf(service.name)
  expect(texts(mine, '.booking-status')[at]).toBe('已预约')
  const booking = mine.instance.data.items[at]
  expect(booking.code).toBeTruthy()
  expect(texts(mine, '.booking-code').some((t) => t.replace(/\s/g, '') === `预约码${booking.code}`)).toBe(true)
  await tap(mine, mine.querySelectorAll('.cancel')[mine.instance.data.items.filter((b, i) => i < at && b.cancellable).length])
  await waitFor(() => texts(mine, '.booking-status')[texts(mine, '.booking-service').indexOf(service.name)] === '已取消', {
    what: 'cancelled',
  })

  // the place is free again
  const later = await open('pages/service/index', { id: service.id })
  expect(texts(later, '.slot-state')).toEqual(['剩 1 个名额'])
})
