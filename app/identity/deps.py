"""FastAPI dependencies for the caller: `CurrentUser`, `Staff`, `Admin`, `Handler`, `MerchantStaff`.

The `Principal` they hand out is a domain type in `app.identity.principal` (import it from there).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from app.core.database import DB
from app.core.errors import Forbidden, Unauthorized, _
from app.core.security import decode_access_token
from app.identity.principal import Grant, Principal, load_principal
from app.models.identity import Role, User

__all__ = [
    "Admin",
    "CurrentUser",
    "Grant",
    "Handler",
    "MerchantStaff",
    "Principal",
    "Staff",
    "load_principal",
    "require_role",
]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def current_principal(
    request: Request, db: DB, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Principal:
    if not token:
        raise Unauthorized()
    user_id = decode_access_token(request.app.state.settings, token)
    if user_id is None:
        raise Unauthorized(_("登录已过期或令牌无效，请重新登录", "The token is invalid or expired"))
    user = await db.get(User, user_id)
    if user is None or not user.is_active:
        raise Unauthorized(_("账号不存在或已停用", "The account does not exist or is disabled"))
    principal = await load_principal(db, user)
    request.state.principal = principal
    return principal


def require_role(*roles: Role | str) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits callers holding any of `roles` (admin also counts as staff)."""
    wanted = [Role(r) for r in roles]

    async def dependency(who: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not any(who.has_role(r) for r in wanted):
            raise Forbidden(
                _(
                    "需要以下角色之一：" + "、".join(r.value for r in wanted),
                    "Requires one of the roles: " + ", ".join(r.value for r in wanted),
                )
            )
        return who

    dependency.__name__ = "require_" + "_or_".join(r.value for r in wanted)
    return dependency


CurrentUser = Annotated[Principal, Depends(current_principal)]
Staff = Annotated[Principal, Depends(require_role(Role.staff))]
Admin = Annotated[Principal, Depends(require_role(Role.admin))]
Handler = Annotated[Principal, Depends(require_role(Role.handler))]
MerchantStaff = Annotated[Principal, Depends(require_role(Role.merchant))]
