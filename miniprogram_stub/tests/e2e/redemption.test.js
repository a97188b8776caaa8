// Journey: a resident shows their redemption code, the merchant scans it, enters points, confirms,
// and both sides see the result; then the merchant refunds it from today's list.
const bridge = require('../support/wx-bridge')
const backend = require('../support/backend')
const { open, waitFor, text, texts, tap, input } = require('../support/pages')

// 刘大爷 (demo-elder) is only used here, so his balance moves only with this test (the demo seed may
// have given him points already: amounts are checked relative to where he starts).
const RESIDENT = 'demo-elder'

let wxb
beforeEach(() => {
  wxb = bridge.install()
})

test('a merchant redeems a resident’s code and both sides see the result; a refund gives the points back', async () => {
  const staff = await backend.as('demo-staff')
  const elder = await backend.as(RESIDENT)
  await staff.post('/grants', { user_id: elder.user.id, asset: 'points', amount: 100, reason: '志愿服务表彰' })
  const start = (await elder.get('/wallet')).points

  // the resident opens the code page: QR + digits + countdown
  wxb.as(RESIDENT)
  const codePage = await open('pages/redeem-code/index')
  try {
    await waitFor(() => codePage.instance.data.code, { what: 'a code' })
    const code = codePage.instance.data.code
    expect(code).toMatch(/^[0-9]{18}$/)
    expect(text(codePage, '#digits').replace(/\s/g, '')).toBe(code)
    expect(codePage.querySelector('#qr').dom.getAttribute('src') || codePage.instance.data.qr).toMatch(/^data:image\/png;base64,/)
    expect(text(codePage, '#countdown')).toMatch(/^\d+:\d\d 后失效/)
    expect(text(codePage, '#points')).toBe(String(start))

    // the merchant scans it (camera only, QR only), enters 30 points, confirms
    wxb.as('demo-merchant')
    wxb.state.scanResults.push(code)
    const scan = await open('pages/merchant/scan/index')
    await tap(scan, '#scan')
    expect(wxb.calls.scan[0]).toMatchObject({ onlyFromCamera: true, scanType: ['qrCode'] })
    await waitFor(() => scan.querySelector('#points'), { what: 'the amount step' })
    await input(scan, '#points', '30')
    await tap(scan, '#review')
    expect(text(scan, '#confirm-text')).toBe('30 积分')
    await tap(scan, '#confirm')
    await waitFor(() => scan.querySelector('#result'), { what: 'the result' })
    expect(text(scan, '#result-points')).toBe('30 积分')
    expect(text(scan, '#result-resident')).toMatch(/^居民：刘/)
    const post = wxb.calls.request.find((c) => c.method === 'POST' && c.url.endsWith('/redemptions'))
    expect(post.header['Idempotency-Key']).toBeTruthy()

    // the same code cannot be used twice: the server's Chinese title is shown
    await tap(scan, '#again')
    wxb.state.scanResults.push(code)
    await tap(scan, '#scan')
    await waitFor(() => scan.querySelector('#points'), { what: 'the amount step again' })
    await input(scan, '#points', '10')
    await tap(scan, '#review')
    await tap(scan, '#confirm')
    await waitFor(() => wxb.calls.modal.length, { what: 'the refusal' })
    expect(wxb.calls.modal[0].title).toBeTruthy()
    expect(scan.querySelector('#result')).toBeFalsy()

    // merchant: today's list has it
    const today = await open('pages/merchant/today/index')
    await waitFor(() => texts(today, '.redemption-points').includes('30 积分'), { what: 'today’s redemption' })
    expect(text(today, '#total')).toBe('30 积分')

    // resident: the code page notices the balance drop and replaces the spent code; the wallet shows it
    wxb.as(RESIDENT)
    await codePage.instance.checkBalance()
    await waitFor(() => codePage.querySelector('#used'), { what: 'the used notice' })
    expect(text(codePage, '#used')).toBe('✓ 已兑换 30 积分')
    expect(codePage.instance.data.code).not.toBe(code)
    const wallet = await open('pages/wallet/index')
    await waitFor(() => wallet.instance.data.loaded && text(wallet, '#balance') === String(start - 30), { what: 'the new balance' })
    expect(texts(wallet, '.entry-kind')[0]).toBe('商户兑换')
    expect(texts(wallet, '.entry-amount')[0]).toBe('支出 -30')

    // merchant refunds it with a reason; the resident has the points back
    wxb.as('demo-merchant')
    const again = await open('pages/merchant/today/index')
    await waitFor(() => again.querySelector('.refund'), { what: 'the refund button' })
    wxb.state.modalContent = '顾客退货'
    await tap(again, '.refund')
    await waitFor(() => texts(again, '.redemption-status').includes('已退款'), { what: 'refunded' })
    expect(text(again, '#total')).toBe('0 积分')

    wxb.as(RESIDENT)
    const after = await open('pages/wallet/index')
    await waitFor(() => after.instance.data.loaded && text(after, '#balance') === String(start), { what: 'points back' })
  } finally {
    codePage.instance.onUnload()
  }
})

test('a large redemption waits for the resident to confirm it on their phone', async () => {
  const staff = await backend.as('demo-staff')
  const elder = await backend.as(RESIDENT)
  await staff.post('/grants', { user_id: elder.user.id, asset: 'points', amount: 600, reason: '志愿服务表彰' })
  const start = (await elder.get('/wallet')).points

  wxb.as(RESIDENT)
  const codePage = await open('pages/redeem-code/index')
  let scan = null
  try {
    await waitFor(() => codePage.instance.data.code, { what: 'a code' })
    const code = codePage.instance.data.code

    // the merchant asks for 501 points: over the threshold, so the till waits
    wxb.as('demo-merchant')
    wxb.state.scanResults.push(code)
    scan = await open('pages/merchant/scan/index')
    await tap(scan, '#scan')
    await waitFor(() => scan.querySelector('#points'), { what: 'the amount step' })
    await input(scan, '#points', '501')
    await tap(scan, '#review')
    await tap(scan, '#confirm')
    await waitFor(() => scan.querySelector('#pending'), { what: 'waiting for the resident' })
    expect(text(scan, '#pending-points')).toBe('501 积分')
    expect((await elder.get('/wallet')).points).toBe(start)

    // the resident's code page shows the request; they confirm
    wxb.as(RESIDENT)
    await codePage.instance.checkPending()
    await waitFor(() => codePage.querySelector('#approve'), { what: 'the confirmation card' })
    expect(text(codePage, '#pending-points')).toBe('501 积分')
    await tap(codePage, '#approve')
    await waitFor(() => codePage.querySelector('#used'), { what: 'the confirmed notice' })
    expect(text(codePage, '#used')).toBe('✓ 已兑换 501 积分')
    expect((await elder.get('/wallet')).points).toBe(start - 501)

    // the till sees it go through
    wxb.as('demo-merchant')
    await scan.instance.checkPending()
    await waitFor(() => scan.querySelector('#result'), { what: 'the result' })
    expect(text(scan, '#result-points')).toBe('501 积分')
  } finally {
    codePage.instance.onUnload()
    if (scan) scan.instance.stopWaiting()
  }
})
