// Stops the backend started by global-setup.js: SIGINT lets it shut down and stop its embedded
// PostgreSQL; SIGKILL only if it has not exited after 30 s. Keeps the data dir when KEEP_E2E_DATA=1.
const fs = require('fs')

module.exports = async () => {
  const server = globalThis.__LINLI_SERVER__
  if (!server) return
  const { child, dataDir } = server
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGINT')
    let timer
    const timeout = new Promise((resolve) => {
      timer = setTimeout(() => resolve('timeout'), 30000)
    })
    if ((await Promise.race([exited, timeout])) === 'timeout') {
      child.kill('SIGKILL')
      await exited
    }
    clearTimeout(timer)
  }

  if (process.env.KEEP_E2E_DATA !== '1') fs.rmSync(dataDir, { recursive: true, force: true })
}
