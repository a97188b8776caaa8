// The app holds no state of its own: the session lives in utils/api.js (and wx storage), every page
// asks the server for what it shows.
const api = require('./utils/api')

App({
  onLaunch() {
    // Sign in early so the first page's calls do not wait for wx.login; errors surface on the page.
    if (!api.readSession()) api.login().catch(() => {})
  },
})
