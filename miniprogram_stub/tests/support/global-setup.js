// Starts the real backend for the end-to-end tests: `python -m app serve --demo` on a free port, with a
// fresh data directory (so a fresh embedded PostgreSQL) and the local WeChat fake, then waits for
// /readyz. globalTeardown stops it with SIGTERM and checks the worker and the embedded PostgreSQL stopped too.
const { spawn } = require('child_process')
const fs = require('fs')
const http = require('http')
const net = require('net')
const os = require('os')
const path = require('path')

const REPO = process.env.LINLI_REPO || path.resolve(__dirname, '..', '..', '..')
const PYTHON = path.join(REPO, '.venv', 'bin', 'python')
const READY_TIMEOUT_MS = 120000

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

// Which optional API areas this backend serves (a route that exists answers 401 without a token, a
// missing one 404), so a journey whose backend has not landed yet is reported as skipped, not failed.
const PROBES = { activities: '/api/v1/activities' }

function status(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume()
      resolve(res.statusCode)
    })
    req.on('error', () => resolve(0))
  })
}

function ready(base) {
  return new Promise((resolve) => {
    const req = http.get(`${base}/readyz`, { agent: false }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('error', () => resolve(false))
    req.setTimeout(2000, () => {
      req.destroy()
      resolve(false)
    })
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

module.exports = async () => {
  if (process.env.LINLI_E2E === 'off') return
  if (!fs.existsSync(PYTHON)) {
    throw new Error(`end-to-end tests need the backend's virtualenv at ${PYTHON}: run \`make env\` in ${REPO}`)
  }
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  // A data path with spaces and longer than a Unix socket path may be (~107 bytes): the backend must keep
  // its data there and put the database's socket elsewhere (issue #19, point 1).
  const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'linli mp e2e '))
  const dataDir = path.join(dataRoot, 'a data directory '.repeat(5).trim())
  fs.mkdirSync(dataDir)
  const logPath = path.join(dataDir, 'server.log')
  const log = fs.openSync(logPath, 'a')
  const child = spawn(PYTHON, ['-m', 'app', 'serve', '--demo', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: REPO,
    env: Object.assign({}, process.env, {
      LINLI_DATA_DIR: dataDir,
      LINLI_ENV: 'dev',
      WECHAT_FAKE: '1',
      WECHAT_API_BASE: `${base}/_fake/wechat`,
      DATABASE_URL: '',
      LOG_LEVEL: 'WARNING',
      // serve runs one API process per core; a closed account's token stops working in the other
      // process within this bound (docs/privacy.md), which privacy.test.js waits for.
      LINLI_PRINCIPAL_CACHE_SECONDS: '2',
    }),
    stdio: ['ignore', log, log],
  })
  // The handle must not keep Jest's own process alive once teardown has stopped the server.
  child.unref()
  fs.closeSync(log)
  let exited = null
  child.on('exit', (code, signal) => {
    exited = { code, signal }
  })
  globalThis.__LINLI_SERVER__ = { child, dataDir, dataRoot, logPath }
  const deadline = Date.now() + READY_TIMEOUT_MS
  for (;;) {
    if (exited) {
      const tail = fs.readFileSync(logPath, 'utf8').split('\n').slice(-30).join('\n')
      throw new Error(`the backend exited before it was ready (${JSON.stringify(exited)}):\n${tail}`)
    }
    if (await ready(base)) break
    if (Date.now() > deadline) {
      child.kill('SIGINT')
      throw new Error(`the backend was not ready within ${READY_TIMEOUT_MS / 1000}s; log: ${logPath}`)
    }
    await sleep(300)
  }
  process.env.LINLI_E2E_BASE = base
  const served = []
  for (const [name, probe] of Object.entries(PROBES)) {
    if ((await status(`${base}${probe}`)) !== 404) served.push(name)
  }
  process.env.LINLI_E2E_SERVES = served.join(',')
}
