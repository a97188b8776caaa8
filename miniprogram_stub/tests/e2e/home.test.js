// The home page against the real backend: signs in through the WeChat fake and greets the seeded user.
const bridge = require('../support/wx-bridge')
const { open, waitFor, text, texts, tap } = require('../support/pages')

let wxb
beforeEach(() => {
  wxb = bridge.install()
})

test('a resident signs in with wx.login and sees their name and shortcuts', async () => {
  wxb.as('demo-resident')
  const home = await open('pages/index/index')
  await waitFor(() => home.querySelector('#greeting'), { what: 'greeting' })
  expect(text(home, '#greeting')).toBe('张阿姨，您好')
  expect(texts(home, '.shortcut')).toContain('我要上报')
  expect(home.querySelectorAll('.merchant')).toHaveLength(0)
  await tap(home, '.shortcut')
  expect(wxb.calls.navigate).toEqual(['/pages/report/index'])
})

test('merchant staff also get the merchant shortcuts', async () => {
  wxb.as('demo-merchant')
  const home = await open('pages/index/index')
  await waitFor(() => home.querySelector('#greeting'), { what: 'greeting' })
  expect(text(home, '#greeting')).toBe('陈店员，您好')
  expect(texts(home, '.merchant')).toEqual(['扫码核销', '今日核销'])
})

test('a handler gets the handler shortcut', async () => {
  wxb.as('demo-handler')
  const home = await open('pages/index/index')
  await waitFor(() => home.querySelector('#greeting'), { what: 'greeting' })
  expect(texts(home, '.handler')).toEqual(['我的派单'])
})
