// Every page in app.json exists as a Component with its four files and renders in miniprogram-simulate.
const fs = require('fs')
const path = require('path')
const simulate = require('miniprogram-simulate')
const { install, ok, tokens } = require('../support/mock-wx')

const ROOT = path.resolve(__dirname, '..', '..')
const app = JSON.parse(fs.readFileSync(path.join(ROOT, 'app.json'), 'utf8'))

test('app.json lists pages', () => {
  expect(app.pages[0]).toBe('pages/index/index')
  expect(new Set(app.pages).size).toBe(app.pages.length)
})

describe.each(app.pages)('%s', (page) => {
  test('has js, json, wxml and wxss, and its json declares a component page', () => {
    for (const ext of ['js', 'json', 'wxml', 'wxss']) expect(fs.existsSync(path.join(ROOT, `${page}.${ext}`))).toBe(true)
    const json = JSON.parse(fs.readFileSync(path.join(ROOT, `${page}.json`), 'utf8'))
    expect(json.usingComponents).toEqual({})
    expect(json.navigationBarTitleText).toBeTruthy()
    expect(fs.readFileSync(path.join(ROOT, `${page}.js`), 'utf8')).toMatch(/\bComponent\(/)
  })

  test('renders and loads against empty answers', async () => {
    const wxm = install()
    // any number of calls: sign-in first, then empty pages / objects
    const answer = (opts) => {
      if (opts.url.endsWith('/auth/wechat-login')) return tokens(1)
      if (opts.url.includes('/me')) return ok({ id: 'u1', name: '张阿姨', roles: [{ role: 'merchant', org_unit_id: 'c1', merchant_id: 'm1' }] })
      return ok({ items: [], next_cursor: null })
    }
    for (let i = 0; i < 20; i += 1) wxm.reply(answer)
    const comp = simulate.render(simulate.load(path.join(ROOT, page), { compiler: 'simulate' }))
    comp.attach(document.createElement('parent-wrapper'))
    if (comp.instance.onLoad) await comp.instance.onLoad({ id: 'x1' })
    if (comp.instance.onUnload) comp.instance.onUnload()
    expect(comp.dom.innerHTML.length).toBeGreaterThan(0)
  })
})
