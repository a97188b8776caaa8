"""Errors of the merchants domain: each a stable code with a Chinese and an English message."""

from __future__ import annotations

from app.core.errors import Conflict, DomainError, Forbidden, InvalidTransition, NotFound, ValidationFailed, _


class MerchantNotFound(NotFound):
    code = "merchant_not_found"
    message = _("商户不存在或无权查看", "No such merchant")


class OfferNotFound(NotFound):
    code = "offer_not_found"
    message = _("兑换商品不存在", "No such offer")


class RedemptionNotFound(NotFound):
    code = "redemption_not_found"
    message = _("核销记录不存在或无权查看", "No such redemption")


class SettlementNotFound(NotFound):
    code = "settlement_not_found"
    message = _("结算单不存在或无权查看", "No such settlement statement")


class NotYourCommunity(Forbidden):
    code = "not_staff_of_community"
    message = _("只有本社区的工作人员可以操作", "Only staff of this community may do this")


class MerchantRequired(ValidationFailed):
    code = "merchant_required"
    message = _("您在多个商户任职，请指定 merchant_id", "You work for several merchants; give merchant_id")


class CommunityRequired(Conflict):
    code = "community_required"
    message = _("请先加入一个社区", "Join a community first")


class CodeInvalid(Conflict):
    code = "code_invalid"
    message = _("核销码无效", "The redemption code is not valid")


class CodeExpired(Conflict):
    code = "code_expired"
    message = _("核销码已过期，请让居民刷新", "The redemption code has expired; ask for a fresh one")


class CodeUsed(Conflict):
    code = "code_used"
    message = _("核销码已被使用", "The redemption code was already used")


class MerchantInactive(Conflict):
    code = "merchant_inactive"
    message = _("商户已停用，不能核销", "The merchant is inactive and cannot redeem")


class OfferUnavailable(Conflict):
    code = "offer_unavailable"
    message = _("该商品已下架、已过期或已兑完", "The offer is inactive, out of date or out of stock")


class LimitReached(Conflict):
    code = "limit_reached"
    message = _("已达到该商品的每人兑换上限", "The per-resident limit for this offer is reached")


class RefundExceeds(Conflict):
    code = "refund_exceeds_redeemed"
    message = _("退还积分不能超过核销积分", "A refund cannot exceed what was redeemed")


class RefundWindowClosed(Forbidden):
    code = "refund_window_closed"
    message = _(
        "已超过商户退还时限，请联系社区工作人员办理",
        "The merchant refund window has closed; ask community staff",
    )


class NothingToSettle(Conflict):
    code = "nothing_to_settle"
    message = _("该期间没有待结算的核销或退还记录", "Nothing unsettled up to this period end")


class DraftExists(Conflict):
    code = "settlement_draft_exists"
    message = _("该商户已有待确认的结算单草稿", "This merchant already has a draft statement")


class SettlementTransition(InvalidTransition):
    message = _("结算单当前状态不允许此操作", "The statement cannot do that in its current state")


class PeriodInFuture(ValidationFailed):
    code = "period_in_future"
    message = _("结算截止时间不能晚于现在", "The period end cannot be in the future")


class InsufficientPoints(Conflict):
    """The resident cannot pay; unlike the ledger's error it never tells the till the balance."""

    code = "insufficient_balance"
    message = _("居民积分不足", "The resident does not have enough points")


class MerchantBalanceShort(Conflict):
    code = "insufficient_balance"
    message = _(
        "商户账户积分不足（可能已结算），请联系社区工作人员",
        "The merchant account lacks the points (already settled?); ask community staff",
    )


class NotYourMerchant(Forbidden):
    code = "not_merchant_staff"
    message = _("您不是该商户的店员", "You do not work for this merchant")


class RefundNotAllowed(Forbidden):
    code = "refund_not_allowed"
    message = _(
        "只有商户店员或社区工作人员可以退还积分", "Only the merchant's staff or community staff may refund"
    )


class SettlementStale(Conflict):
    code = "settlement_stale"
    message = _(
        "草稿生成后有新的退还，商户余额已少于结算净额；请作废草稿后重新生成",
        "A refund since this draft leaves the merchant short of its net; discard and regenerate it",
    )


class ConfirmationRequired(DomainError):
    """Not a failure: 202, the resident must confirm on their phone. extra: pending_id, points, expires_at.
    The pending redemption and the spent code are kept (committed)."""

    status = 202
    code = "confirmation_required"
    commit_anyway = True
    message = _("金额较大，请居民在手机上确认", "A large amount: the resident must confirm it on their phone")


class PendingDecided(Conflict):
    code = "already_decided"
    message = _("该核销已确认或已拒绝", "This redemption was already confirmed or declined")


class PendingExpired(Conflict):
    code = "confirmation_expired"
    message = _("确认已超时，请商户重新扫码", "Too late to confirm; ask the merchant to scan a new code")
