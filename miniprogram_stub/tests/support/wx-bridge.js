// Bridges the mini-program's `wx` to the real backend for end-to-end tests: wx.request and
// wx.uploadFile become real HTTP requests to the server global-setup.js started; wx.login returns the
// demo code of whoever the test is playing (the WeChat fake maps it to a stable user). Device-only APIs
// (scan, camera, subscribe prompts, navigation, modals) answer from what the test scripted and are
// recorded so the test can assert on them.
require('miniprogram-simulate')
const fs = require('fs')
const path = require('path')
const crypto = require('crypto')
const { raw, base } = require('./backend')

function multipart(fields, fileField, filePath) {
  const boundary = `----linli${crypto.randomBytes(8).toString('hex')}`
  const parts = []
  Object.keys(fields || {}).forEach((name) => {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${fields[name]}\r\n`))
  })
  const ext = path.extname(filePath).toLowerCase()
  const type = ext === '.png' ? 'image/png' : ext === '.jpg' || ext === '.jpeg' ? 'image/jpeg' : 'application/octet-stream'
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${fileField}"; filename="${path.basename(filePath)}"\r\nContent-Type: ${type}\r\n\r\n`,
    ),
  )
  parts.push(fs.readFileSync(filePath))
  parts.push(Buffer.from(`\r\n--${boundary}--\r\n`))
  return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` }
}

function install() {
  const config = require('../../config')
  config.baseUrl = base()
  config.retryDelaysMs = [50, 100]
  const calls = { request: [], toast: [], modal: [], navigate: [], subscribe: [], scan: [], phone: [], clipboard: [] }
  const state = { code: 'demo-resident', scanResults: [], mediaPaths: [], modalConfirm: true, modalContent: '' }
  const storage = new Map()

  const later = (fn) => setTimeout(fn, 0)

  Object.assign(global.wx, {
    request(opts) {
      const method = (opts.method || 'GET').toUpperCase()
      const headers = Object.assign({}, opts.header || {})
      let body = null
      if (opts.data !== undefined && opts.data !== null && method !== 'GET') {
        body = Buffer.from(typeof opts.data === 'string' ? opts.data : JSON.stringify(opts.data))
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json'
      }
      calls.request.push({ method, url: opts.url, data: opts.data, header: headers })
      raw(method, opts.url, { headers, body }).then(
        (res) => opts.success && opts.success(res),
        (err) => opts.fail && opts.fail({ errMsg: `request:fail ${err.message}` }),
      )
    },
    uploadFile(opts) {
      const { body, type } = multipart(opts.formData, opts.name, opts.filePath)
      const headers = Object.assign({}, opts.header || {}, { 'Content-Type': type })
      raw('POST', opts.url, { headers, body }).then(
        (res) => {
          // wx.uploadFile hands back the body as a string
          const data = typeof res.data === 'string' ? res.data : JSON.stringify(res.data)
          if (opts.success) opts.success({ statusCode: res.statusCode, data })
        },
        (err) => opts.fail && opts.fail({ errMsg: `uploadFile:fail ${err.message}` }),
      )
    },
    login(opts) {
      later(() => opts.success({ code: state.code }))
    },
    getStorageSync: (k) => (storage.has(k) ? storage.get(k) : ''),
    setStorageSync: (k, v) => storage.set(k, v),
    removeStorageSync: (k) => storage.delete(k),
    showToast: (o) => calls.toast.push(o),
    showModal(o) {
      calls.modal.push(o)
      later(() => o.success && o.success({ confirm: state.modalConfirm, cancel: !state.modalConfirm, content: state.modalContent }))
    },
    setClipboardData(o) {
      calls.clipboard.push(o.data)
      later(() => o.success && o.success({}))
    },
    showLoading: () => {},
    hideLoading: () => {},
    stopPullDownRefresh: () => {},
    makePhoneCall: (o) => calls.phone.push(o.phoneNumber),
    navigateTo: (o) => calls.navigate.push(o.url),
    redirectTo: (o) => calls.navigate.push(o.url),
    navigateBack: () => calls.navigate.push('back'),
    switchTab: (o) => calls.navigate.push(o.url),
    reLaunch: (o) => calls.navigate.push(o.url),
    scanCode(o) {
      calls.scan.push(o)
      const result = state.scanResults.shift()
      later(() => (result ? o.success({ result, scanType: 'QR_CODE' }) : o.fail && o.fail({ errMsg: 'scanCode:fail cancel' })))
    },
    chooseMedia(o) {
      const p = state.mediaPaths.shift()
      later(() => (p ? o.success({ tempFiles: [{ tempFilePath: p, size: fs.statSync(p).size, fileType: 'image' }] }) : o.fail && o.fail({ errMsg: 'chooseMedia:fail cancel' })))
    },
    chooseLocation(o) {
      later(() => o.fail && o.fail({ errMsg: 'chooseLocation:fail cancel' }))
    },
    requestSubscribeMessage(o) {
      calls.subscribe.push(o.tmplIds)
      const res = { errMsg: 'requestSubscribeMessage:ok' }
      o.tmplIds.forEach((id) => (res[id] = 'accept'))
      later(() => {
        if (o.success) o.success(res)
        if (o.complete) o.complete(res)
      })
    },
  })

  return {
    calls,
    state,
    // Play another demo user from now on (signs the mini-program out; the next call signs in as them).
    as(code) {
      require('../../utils/api').clearSession()
      storage.clear()
      state.code = code
    },
  }
}

module.exports = { install }
