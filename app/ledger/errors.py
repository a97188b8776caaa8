"""Errors of the ledger domain (stable codes; Chinese by default, English on request)."""

from __future__ import annotations

from app.core.errors import (
    Conflict,
    Forbidden,
    IdempotencyKeyReused,
    NotFound,
    ValidationFailed,
    _,
)


class InsufficientBalance(Conflict):
    code = "insufficient_balance"
    message = _("余额不足", "Insufficient balance")


class InvalidAmount(ValidationFailed):
    code = "invalid_amount"
    message = _("数额必须是正整数", "The amount must be a positive whole number")


class AssetMismatch(ValidationFailed):
    code = "asset_mismatch"
    message = _("转出与转入账户的资产类型不同", "Both accounts must hold the same asset")


class SameAccount(ValidationFailed):
    code = "same_account"
    message = _("不能转给同一账户", "Debit and credit must be different accounts")


class CrossCommunity(Conflict):
    code = "cross_community"
    message = _(
        "积分和时长只能在同一社区内流转", "Points and hours only move between accounts of the same community"
    )


class IdempotencyConflict(IdempotencyKeyReused):
    """The same ledger idempotency key was used for a different movement."""


class ReversalExceedsOriginal(Conflict):
    code = "reversal_exceeds_original"
    message = _(
        "冲正数额超过原交易剩余可冲正数额", "The reversal exceeds what is left of the original transfer"
    )


class HoldNotPending(Conflict):
    code = "hold_not_pending"
    message = _("该冻结已处理", "This hold is no longer pending")


class HoldExpired(Conflict):
    code = "hold_expired"
    message = _("该冻结已过期", "This hold has expired")


class TransferNotFound(NotFound):
    message = _("交易不存在", "Transfer not found")


class HoldNotFound(NotFound):
    message = _("冻结记录不存在", "Hold not found")


class DonationsDisabled(Forbidden):
    code = "donations_disabled"
    message = _("本社区未开放居民间转赠", "Donations are not enabled in this community")


class DonationToSelf(ValidationFailed):
    code = "donation_to_self"
    message = _("不能转赠给自己", "You cannot donate to yourself")


class DonationLimitExceeded(Conflict):
    code = "donation_limit_exceeded"
    message = _("已超过今日转赠上限", "This exceeds today's donation limit")


class RecipientNotFound(NotFound):
    message = _("收款居民不存在或不在本社区", "The recipient is not a resident of your community")


class NoCommunity(Conflict):
    code = "no_community"
    message = _("请先加入社区", "Join a community first")


class SelfGrant(Forbidden):
    code = "self_grant"
    message = _(
        "不能给自己发放积分或时长，请由其他工作人员发放",
        "You cannot grant to yourself; ask another staff member",
    )
