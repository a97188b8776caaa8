// My volunteer hours (我的时长): the time-bank balance and every movement, newest first.
const nav = require('../../utils/nav')
const statement = require('../../utils/statement')

const spec = statement.page('hours')
spec.methods.activities = () => nav.go('pages/activities/index')
Component(spec)
