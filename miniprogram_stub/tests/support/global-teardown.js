// Stops the backend started by global-setup.js with SIGTERM (what a service manager sends) and checks
// that the worker and the embedded PostgreSQL it started stopped with it (issue #19, point 6); SIGKILL
// only if it has not exited after 30 s. Keeps the data dir when KEEP_E2E_DATA=1.
const fs = require('fs')
const path = require('path')

function alive(pid) {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return err.code === 'EPERM'
  }
  // A zombie (exited, not yet reaped by its parent) counts as stopped.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch (err) {
    return false
  }
}

function childrenOf(pid) {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(/\s+/)
      .filter(Boolean)
      .map(Number)
  } catch (err) {
    return [] // not Linux: the check below is skipped
  }
}

function postgresPid(dataDir) {
  try {
    return Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0])
  } catch (err) {
    return null
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function waitGone(pid, ms) {
  const deadline = Date.now() + ms
  while (alive(pid)) {
    if (Date.now() > deadline) return false
    await sleep(50)
  }
  return true
}

module.exports = async () => {
  const server = globalThis.__LINLI_SERVER__
  if (!server) return
  const { child, dataDir, dataRoot } = server
  const left = []
  if (child.exitCode === null && child.signalCode === null) {
    const started = [...new Set([...childrenOf(child.pid), postgresPid(dataDir)].filter(Boolean))]
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
    child.kill('SIGTERM')
    let timer
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), 30000)
    })
    const outcome = await Promise.race([exited, timeout])
    clearTimeout(timer)
    if (outcome === 'timeout') {
      child.kill('SIGKILL')
      await exited
      left.push(`serve ${child.pid} ignored SIGTERM for 30 s`)
    }
    for (const pid of started) {
      if (!(await waitGone(pid, 10000))) {
        left.push(`process ${pid} outlived serve`)
        try {
          process.kill(pid, 'SIGKILL')
        } catch (err) {
          // already gone
        }
      }
    }
  }
  if (process.env.KEEP_E2E_DATA !== '1') fs.rmSync(dataRoot || dataDir, { recursive: true, force: true })
  if (left.length) throw new Error(`stopping the backend with SIGTERM left processes behind: ${left.join('; ')}`)
}
