from __future__ import annotations

from app.core.errors import Conflict, NotFound, Unauthorized, ValidationFailed, _


class BadCredentials(Unauthorized):
    code = "bad_credentials"
    message = _("用户名或密码错误", "Wrong username or password")


class RefreshTokenInvalid(Unauthorized):
    code = "refresh_token_invalid"
    message = _("登录状态已失效，请重新登录", "The refresh token is invalid or expired")


class RefreshTokenReused(Unauthorized):
    code = "refresh_token_reused"
    commit_anyway = True
    message = _(
        "检测到登录凭证被重复使用，已注销该设备的登录，请重新登录",
        "This refresh token was already used; every session of its family is revoked",
    )


class InvitationNotFound(NotFound):
    code = "invitation_not_found"
    message = _("邀请码不存在", "No such invitation code")


class InvitationUsed(Conflict):
    code = "invitation_used"
    message = _("邀请码已被使用", "This invitation code was already used")


class InvitationExpired(Conflict):
    code = "invitation_expired"
    message = _("邀请码已过期，请联系工作人员重新生成", "This invitation code has expired")


class UsernameTaken(Conflict):
    code = "username_taken"
    message = _("用户名已被占用", "This username is taken")


class BadOrgUnit(ValidationFailed):
    code = "invalid_org_unit"
    message = _("组织层级不正确", "The org unit does not fit there")


class UserNotFound(NotFound):
    code = "user_not_found"
    message = _("用户不存在或无权查看", "No such user")


class OrgUnitNotFound(NotFound):
    code = "org_unit_not_found"
    message = _("组织不存在或不在您的管辖范围", "No such org unit in your scope")


class MerchantNotFound(NotFound):
    code = "merchant_not_found"
    message = _("商户不存在或无权查看", "No such merchant")
