// Opening pages in miniprogram-simulate the way WeChat would: load the Component, attach it, call
// onLoad(query) and onShow(); plus small helpers to tap, type and wait.
const path = require('path')
const simulate = require('miniprogram-simulate')

const ROOT = path.resolve(__dirname, '..', '..')

// simulate.load runs the page's JS through require, which is cached per test file: load each once.
const loaded = {}

async function open(page, query = {}) {
  const file = path.join(ROOT, page.replace(/^\//, ''))
  // the pure-JS template compiler: the bundled official one keeps global state between pages
  if (!loaded[file]) loaded[file] = simulate.load(file, { compiler: 'simulate' })
  const id = loaded[file]
  const comp = simulate.render(id)
  comp.attach(document.createElement('parent-wrapper'))
  const inst = comp.instance
  if (inst.onLoad) await inst.onLoad(query)
  if (inst.onShow) await inst.onShow()
  return comp
}

async function waitFor(check, { timeout = 10000, interval = 20, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout
  let last
  for (;;) {
    try {
      const v = await check()
      if (v) return v
    } catch (e) {
      last = e
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`)
    await simulate.sleep(interval)
  }
}

function text(comp, selector) {
  const node = comp.querySelector(selector)
  if (!node) throw new Error(`no element ${selector}`)
  return node.dom.textContent.replace(/\s+/g, ' ').trim()
}

function texts(comp, selector) {
  return comp.querySelectorAll(selector).map((n) => n.dom.textContent.replace(/\s+/g, ' ').trim())
}

async function tap(comp, selector) {
  const node = typeof selector === 'string' ? comp.querySelector(selector) : selector
  if (!node) throw new Error(`no element ${selector} to tap`)
  node.dispatchEvent('tap')
  await simulate.sleep(0)
}

async function input(comp, selector, value) {
  const node = comp.querySelector(selector)
  if (!node) throw new Error(`no element ${selector} to type into`)
  node.dispatchEvent('input', { detail: { value } })
  await simulate.sleep(0)
}

async function change(comp, selector, value) {
  const node = comp.querySelector(selector)
  if (!node) throw new Error(`no element ${selector} to change`)
  node.dispatchEvent('change', { detail: { value } })
  await simulate.sleep(0)
}

// The query of the last wx.navigateTo/redirectTo to `page`: {id: '...'}.
function queryOf(url) {
  const q = {}
  const [, qs = ''] = url.split('?')
  qs.split('&').filter(Boolean).forEach((kv) => {
    const [k, v = ''] = kv.split('=')
    q[decodeURIComponent(k)] = decodeURIComponent(v)
  })
  return q
}

module.exports = { open, waitFor, text, texts, tap, input, change, queryOf, simulate, ROOT }
