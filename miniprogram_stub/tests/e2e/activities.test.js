// Journey: a resident finds a volunteer activity, signs up on its page, and on the day scans the
// organiser's rotating code to check in.
const bridge = require('../support/wx-bridge')
const backend = require('../support/backend')
const { open, waitFor, text, texts, tap } = require('../support/pages')

// Volunteering lands on main separately: until the backend serves /activities this is skipped.
const journey = backend.serves('activities') ? test : test.skip

let wxb
beforeEach(() => {
  wxb = bridge.install()
})

journey('a resident signs up for an activity and checks in by scanning the organiser’s code', async () => {
  const staff = await backend.as('demo-staff')
  const start = new Date(Date.now() + 10 * 60 * 1000)
  const activity = await staff.post('/activities', {
    title: `清扫楼道-${Date.now() % 100000}`,
    location: '桃源小区中心花园',
    start_at: start.toISOString(),
    end_at: new Date(start.getTime() + 60 * 60 * 1000).toISOString(),
    capacity: 5,
    points_reward: 5,
  })
  await staff.post(`/activities/${activity.id}/publish`, {})

  wxb.as('demo-resident')
  const list = await open('pages/activities/index')
  const at = texts(list, '.activity-title').indexOf(activity.title)
  expect(at).toBeGreaterThanOrEqual(0)
  await tap(list, list.querySelectorAll('.activity')[at])
  expect(wxb.calls.navigate).toEqual([`/pages/activity/index?id=${activity.id}`])

  const page = await open('pages/activity/index', { id: activity.id })
  expect(text(page, '#title')).toBe(activity.title)
  await tap(page, '#sign-up')
  await waitFor(() => page.querySelector('#my-signup'), { what: 'signed up' })
  expect(text(page, '#done')).toBe('✓ 报名成功')

  const code = await staff.get(`/activities/${activity.id}/checkin-code`)
  wxb.state.scanResults.push(code.code)
  await tap(page, '#check-in')
  await waitFor(() => page.instance.data.done === '签到成功', { what: 'checked in' })
  expect(wxb.calls.scan[0]).toMatchObject({ onlyFromCamera: true, scanType: ['qrCode'] })
  expect(text(page, '#my-signup')).toMatch(/签到时间/)
  expect(page.querySelector('#check-out')).toBeTruthy()
})
