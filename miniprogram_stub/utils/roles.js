// What the signed-in user's roles say about which pages to offer (the server still authorises).
function merchantIds(user) {
  return ((user && user.roles) || []).filter((r) => r.role === 'merchant' && r.merchant_id).map((r) => r.merchant_id)
}

function has(user, role) {
  return ((user && user.roles) || []).some((r) => r.role === role)
}

// Today's date in China (Asia/Shanghai, UTC+8, no DST) as YYYY-MM-DD, whatever the phone's zone.
function shanghaiToday(now = Date.now()) {
  return new Date(now + 8 * 3600 * 1000).toISOString().slice(0, 10)
}

module.exports = { merchantIds, has, shanghaiToday }
