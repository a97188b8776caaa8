// Page behaviour with a scripted `wx`: what each page sends and shows, without a server.
const path = require('path')
const simulate = require('miniprogram-simulate')
const { install, ok, problem, tokens } = require('../support/mock-wx')

const ROOT = path.resolve(__dirname, '..', '..')
let wxm

beforeEach(() => {
  jest.resetModules()
  wxm = install()
  const config = require('../../config')
  config.baseUrl = 'http://api.test'
  config.retryDelaysMs = [1, 1]
})

async function open(page, query = {}) {
  const comp = simulate.render(simulate.load(path.join(ROOT, page), { compiler: 'simulate' }))
  comp.attach(document.createElement('parent-wrapper'))
  if (comp.instance.onLoad) await comp.instance.onLoad(query)
  return comp
}

const txt = (comp, sel) => comp.querySelector(sel).dom.textContent.trim()
const byUrl = (suffix) => wxm.calls.request.filter((c) => c.url.split('?')[0].endsWith(suffix))

describe('report', () => {
  const categories = ok([{ id: 'c1', name: '环境卫生' }, { id: 'c2', name: '楼道照明' }])

  test('asks for a category and a description before sending anything', async () => {
    wxm.reply(tokens(1), ok({ templates: [] }), categories)
    const page = await open('pages/report/index')
    await page.instance.submit()
    expect(txt(page, '#error')).toBe('请选择问题分类')
    page.instance.onCategory({ detail: { value: '1' } })
    await page.instance.submit()
    expect(txt(page, '#error')).toBe('请描述一下遇到的问题')
    expect(byUrl('/tickets')).toHaveLength(0)
  })

  test('a second tap after a network failure resends the same report with the same key, then uploads the photo', async () => {
    wxm.reply(tokens(1), ok({ templates: [{ template_id: 'T1', kinds: ['ticket.*'], remaining: 0 }] }), categories)
    const page = await open('pages/report/index')
    page.instance.onCategory({ detail: { value: '1' } })
    page.instance.onDescription({ detail: { value: '楼道灯坏了' } })
    wxm.state.mediaPaths.push('/tmp/photo.jpg')
    await page.instance.choosePhoto()
    expect(page.instance.data.photo).toBe('/tmp/photo.jpg')
    const fail = { fail: { errMsg: 'request:fail' } }
    wxm.on('POST', '/subscriptions', ok({ templates: [] }, 201))
    wxm.on('POST', '/tickets', fail, fail, fail) // the first try and its two automatic retries
    await page.instance.submit()
    expect(wxm.calls.subscribe[0]).toEqual(['T1'])
    expect(txt(page, '#error')).toBe('网络不太好，请检查网络后再试')
    wxm.on('POST', '/tickets', ok({ id: 't9', number: 'T-1' }, 201))
    wxm.reply({ statusCode: 201, data: '{"id":"a1"}' })
    await page.instance.submit()
    const posts = byUrl('/tickets')
    expect(posts).toHaveLength(4)
    expect(new Set(posts.map((p) => p.header['Idempotency-Key'])).size).toBe(1)
    expect(posts[3].data).toEqual({ category_id: 'c2', description: '楼道灯坏了', channel: 'app' })
    expect(wxm.calls.upload[0].url).toBe('http://api.test/api/v1/tickets/t9/attachments')
    expect(wxm.calls.navigate).toEqual(['/pages/ticket/index?id=t9'])
  })

  test('a report after a successful one gets a fresh key', async () => {
    wxm.reply(tokens(1), ok({ templates: [] }), categories)
    const page = await open('pages/report/index')
    page.instance.onCategory({ detail: { value: '0' } })
    page.instance.onDescription({ detail: { value: '垃圾没清' } })
    wxm.on('POST', '/tickets', ok({ id: 't1' }, 201), ok({ id: 't2' }, 201))
    await page.instance.submit()
    await page.instance.submit()
    const keys = byUrl('/tickets').map((p) => p.header['Idempotency-Key'])
    expect(keys[0]).not.toBe(keys[1])
  })
})

describe('redemption code', () => {
  test('shows digits and a countdown, and fetches a new code when it expires', async () => {
    const soon = new Date(Date.now() + 65 * 1000).toISOString()
    wxm.reply(tokens(1), ok({ code: '123456789012345678', expires_at: soon, qr: 'data:image/png;base64,AAA' }, 201), ok({ points: 50, hours_minutes: 0 }))
    const page = await open('pages/redeem-code/index')
    try {
      expect(txt(page, '#digits')).toBe('123456 789012 345678')
      expect(txt(page, '#countdown')).toMatch(/^1:0[0-5] 后失效，到时自动更新$/)
      expect(txt(page, '#points')).toBe('50')
      page.setData({ expiresAt: new Date(Date.now() - 1000).toISOString() })
      wxm.reply(ok({ code: '999999999999999999', expires_at: soon, qr: 'data:image/png;base64,BBB' }, 201))
      await page.instance.tick()
      expect(page.instance.data.code).toBe('999999999999999999')
      expect(byUrl('/redemption-codes')).toHaveLength(2)
    } finally {
      page.instance.onUnload()
    }
  })
})

describe('merchant scan', () => {
  test('refuses a scanned text that is not a redemption code, before calling the server', async () => {
    wxm.reply(tokens(1), ok({ id: 'u', name: '陈店员', roles: [{ role: 'merchant', org_unit_id: 'c', merchant_id: 'm1' }] }), ok({ id: 'm1', name: '邻里便利店' }), ok({ items: [{ id: 'o1', name: '大米', points: 40, available: true }] }))
    const page = await open('pages/merchant/scan/index')
    wxm.state.scanResults.push('https://example.org/not-a-code')
    await page.instance.scan()
    expect(txt(page, '#error')).toBe('不是有效的兑换码，请让居民刷新后重扫')
    expect(byUrl('/redemptions')).toHaveLength(0)
  })

  test('an offer can be picked instead of points; a failed redemption keeps no key', async () => {
    wxm.reply(tokens(1), ok({ id: 'u', name: '陈店员', roles: [{ role: 'merchant', org_unit_id: 'c', merchant_id: 'm1' }] }), ok({ id: 'm1', name: '邻里便利店' }), ok({ items: [{ id: 'o1', name: '大米', points: 40, available: true }] }))
    const page = await open('pages/merchant/scan/index')
    page.instance.useCode('123456789012345678')
    page.instance.pickOffer({ currentTarget: { dataset: { id: 'o1' } } })
    page.instance.review()
    expect(txt(page, '#confirm-text')).toBe('大米 40 积分')
    wxm.reply(problem(409, 'insufficient_balance', '积分不足', '该居民积分不足'))
    await page.instance.confirm()
    expect(byUrl('/redemptions')[0].data).toEqual({ code: '123456789012345678', merchant_id: 'm1', offer_id: 'o1' })
    expect(txt(page, '#error')).toBe('该居民积分不足')
    expect(wxm.calls.modal[0].title).toBe('积分不足')
  })
})

describe('subscribe prompt', () => {
  test('records only the templates the user accepted', async () => {
    const subscribe = require('../../utils/subscribe')
    wxm.reply(tokens(1), ok({ templates: [{ template_id: 'B1', kinds: ['booking.confirmed', 'booking.reminder'] }, { template_id: 'T1', kinds: ['ticket.*'] }] }))
    await subscribe.prefetch()
    expect(subscribe.idsFor('booking')).toEqual(['B1'])
    wxm.state.subscribeResult = 'reject'
    expect(await subscribe.ask('booking')).toEqual([])
    expect(byUrl('/subscriptions').filter((c) => c.method === 'POST')).toHaveLength(0)
    wxm.state.subscribeResult = 'accept'
    wxm.reply(ok({ templates: [] }, 201))
    expect(await subscribe.ask('ticket')).toEqual(['T1'])
    expect(byUrl('/subscriptions').find((c) => c.method === 'POST').data).toEqual({ template_ids: ['T1'] })
  })
})
