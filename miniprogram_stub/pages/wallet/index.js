// My points (我的积分): the balance and every movement, newest first.
const nav = require('../../utils/nav')
const statement = require('../../utils/statement')

const spec = statement.page('points')
spec.methods.showCode = () => nav.go('pages/redeem-code/index')
Component(spec)
