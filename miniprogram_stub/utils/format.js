// Display helpers only: turning the API's values into words a resident reads. No rules live here.

const pad = (n) => (n < 10 ? `0${n}` : `${n}`)

// "11月22日 14:05" in the phone's own time zone (residents' phones are on China time).
function time(iso) {
  if (!iso) return ''
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return String(iso)
  return `${d.getMonth() + 1}月${d.getDate()}日 ${pad(d.getHours())}:${pad(d.getMinutes())}`
}

function clock(iso) {
  if (!iso) return ''
  const d = new Date(iso)
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`
}

function day(iso) {
  if (!iso) return ''
  const d = new Date(iso)
  const week = '日一二三四五六'[d.getDay()]
  return `${d.getMonth() + 1}月${d.getDate()}日 周${week}`
}

// 150 → "2小时30分钟"
function minutes(total) {
  const m = Math.abs(Number(total) || 0)
  const h = Math.floor(m / 60)
  const rest = m % 60
  const sign = Number(total) < 0 ? '-' : ''
  if (!h) return `${sign}${rest}分钟`
  return rest ? `${sign}${h}小时${rest}分钟` : `${sign}${h}小时`
}

function signed(n) {
  return n > 0 ? `+${n}` : `${n}`
}

// Seconds left until `iso` (never negative).
function secondsUntil(iso, now = Date.now()) {
  return Math.max(0, Math.floor((new Date(iso).getTime() - now) / 1000))
}

function countdown(seconds) {
  return `${Math.floor(seconds / 60)}:${pad(seconds % 60)}`
}

// The words shown for a status; `tone` only picks the tag colour, the word is always there.
const STATUS = {
  // tickets
  submitted: ['已提交', 'warn'],
  accepted: ['已受理', 'warn'],
  dispatched: ['已派单', 'warn'],
  in_progress: ['处理中', 'warn'],
  pending_info: ['待补充信息', 'bad'],
  resolved: ['已办结', 'ok'],
  closed: ['已关闭', 'ok'],
  rejected: ['不予受理', 'bad'],
  returned: ['已退回', 'bad'],
  merged: ['已合并', 'ok'],
  reopened: ['已重新打开', 'warn'],
  // bookings
  confirmed: ['已预约', 'ok'],
  waitlisted: ['候补中', 'warn'],
  pending_approval: ['待审核', 'warn'],
  cancelled: ['已取消', 'bad'],
  checked_in: ['已签到', 'ok'],
  attended: ['已到场', 'ok'],
  no_show: ['未到场', 'bad'],
  expired: ['已过期', 'bad'],
  // activities / mutual aid / redemptions
  draft: ['草稿', 'warn'],
  published: ['报名中', 'ok'],
  finished: ['已结束', 'ok'],
  settled: ['已结算', 'ok'],
  open: ['待帮忙', 'warn'],
  taken: ['已有人接单', 'warn'],
  completed: ['已完成', 'ok'],
  done: ['已完成', 'ok'],
  refunded: ['已退款', 'bad'],
  partially_refunded: ['部分退款', 'warn'],
}

function status(value) {
  const hit = STATUS[value]
  return hit ? { text: hit[0], tone: hit[1] } : { text: value || '', tone: 'warn' }
}

const ENTRY_KINDS = {
  volunteer_reward: '志愿服务奖励',
  mutual_aid: '互助',
  donation: '转赠',
  grant: '发放',
  redemption: '商户兑换',
  refund: '退款',
  booking_hold: '预约冻结',
  settlement: '结算',
  reversal: '冲正',
}

function entryKind(kind) {
  return ENTRY_KINDS[kind] || kind || ''
}

const RATINGS = { satisfied: '满意', basically_satisfied: '基本满意', unsatisfied: '不满意' }

function rating(value) {
  return RATINGS[value] || ''
}

module.exports = { time, clock, day, minutes, signed, secondsUntil, countdown, status, entryKind, rating, RATINGS }
