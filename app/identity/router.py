"""Auth, me, org units, invitations and desk users. HTTP only: parse, authorise, call one service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import JSONResponse

from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.core.ratelimit import Limiter
from app.core.settings import Settings
from app.core.text import Text
from app.identity import auth, grants, org, profile, service
from app.identity.deps import Admin, CurrentUser, Staff
from app.identity.schemas import (
    EligibilityIn,
    InvitationIn,
    InvitationOut,
    MePatch,
    OkOut,
    OrgUnitIn,
    OrgUnitOut,
    OrgUnitPatch,
    PhoneIn,
    RefreshIn,
    TokenOut,
    UserIn,
    UserOut,
    WechatLoginIn,
)
from app.models.identity import OrgKind
from app.platform.idempotency import IdempotencyDep
from app.wechat.client import WechatClient

router = APIRouter()


def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def _wechat(request: Request) -> WechatClient:
    return request.app.state.wechat  # type: ignore[no-any-return]


def _limiter(request: Request) -> Limiter:
    return request.app.state.limiter  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(_settings)]
WechatDep = Annotated[WechatClient, Depends(_wechat)]
LimiterDep = Annotated[Limiter, Depends(_limiter)]
UnitId = Annotated[uuid.UUID, Path(description="Org unit id")]


@router.post("/auth/wechat-login", response_model=TokenOut, tags=["auth"])
async def wechat_login(body: WechatLoginIn, db: DB, settings: SettingsDep, wechat: WechatDep) -> TokenOut:
    """Sign in with a wx.login code; creates the resident on first login."""
    return await auth.wechat_login(db, settings, wechat, body.code)


@router.post("/auth/token", response_model=TokenOut, tags=["auth"])
async def password_login(
    request: Request,
    username: Annotated[Text, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(min_length=1, max_length=256)],
    db: DB,
    settings: SettingsDep,
    limiter: LimiterDep,
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
    scope: Annotated[str, Form(max_length=200)] = "",
) -> TokenOut:
    """OAuth2 password flow for staff and admin desk accounts."""
    # Fields spelled out (not OAuth2PasswordRequestForm) so a username is capped at 64 characters and
    # cleaned: a 1 MB username was one limiter entry each, and NUL reached PostgreSQL as a 500.
    address = request.client.host if request.client else None
    return await auth.password_login(db, settings, limiter, username, password, address)


@router.post("/auth/refresh", response_model=TokenOut, tags=["auth"])
async def refresh(body: RefreshIn, db: DB, settings: SettingsDep) -> TokenOut:
    """Exchange a refresh token for a new pair; the old one stops working."""
    return await auth.refresh(db, settings, body.refresh_token)


@router.post("/auth/logout", response_model=OkOut, tags=["auth"])
async def logout(body: RefreshIn, db: DB) -> OkOut:
    """Revoke a refresh token (and every token rotated from it)."""
    await auth.logout(db, body.refresh_token)
    return OkOut()


@router.post("/auth/phone", response_model=UserOut, tags=["auth"])
async def bind_phone(body: PhoneIn, who: CurrentUser, db: DB, wechat: WechatDep) -> UserOut:
    """Bind the phone number from a getPhoneNumber code."""
    return await auth.bind_phone(db, wechat, who, body.code)


@router.get("/me", response_model=UserOut, tags=["me"])
async def me(who: CurrentUser) -> UserOut:
    """Your profile, roles per org unit and community."""
    return service.user_out(who)


@router.patch("/me", response_model=UserOut, tags=["me"])
async def patch_me(body: MePatch, who: CurrentUser, db: DB) -> UserOut:
    """Change your name or birth date, or join a community."""
    return await profile.update_me(db, who, body)


@router.get("/org-units", response_model=Page[OrgUnitOut], tags=["org"])
async def list_org_units(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    kind: Annotated[OrgKind | None, Query()] = None,
    parent_id: Annotated[uuid.UUID | None, Query()] = None,
) -> Page[OrgUnitOut]:
    """The org tree (street → community → grid, departments), filterable by kind and parent."""
    return await org.list_org_units(db, page, kind, parent_id)


@router.post("/org-units", response_model=OrgUnitOut, status_code=201, tags=["org"])
async def create_org_unit(body: OrgUnitIn, who: Admin, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """Add a community, grid or department under a unit you administer."""
    return await idem.run(str(who.id), OrgUnitOut, lambda: org.create_org_unit(db, who, body))


@router.get("/org-units/{unit_id}", response_model=OrgUnitOut, tags=["org"])
async def get_org_unit(unit_id: UnitId, who: CurrentUser, db: DB) -> OrgUnitOut:
    """One org unit."""
    return await org.org_unit(db, unit_id)


@router.patch("/org-units/{unit_id}", response_model=OrgUnitOut, tags=["org"])
async def patch_org_unit(unit_id: UnitId, body: OrgUnitPatch, who: Admin, db: DB) -> OrgUnitOut:
    """Rename a unit or change a community's policy (points rate, donations)."""
    return await org.update_org_unit(db, who, unit_id, body)


@router.post("/invitations", response_model=InvitationOut, status_code=201, tags=["org"])
async def create_invitation(
    body: InvitationIn, who: Staff, db: DB, settings: SettingsDep, idem: IdempotencyDep
) -> JSONResponse:
    """A one-time code that grants a handler, staff, merchant or admin role."""
    return await idem.run(
        str(who.id), InvitationOut, lambda: grants.create_invitation(db, settings, who, body)
    )


@router.post("/invitations/{code}/accept", response_model=UserOut, tags=["org"])
async def accept_invitation(
    code: Annotated[Text, Path(min_length=4, max_length=32)], who: CurrentUser, db: DB, limiter: LimiterDep
) -> UserOut:
    """Accept an invitation: the role binds to your WeChat identity."""
    return await grants.accept_invitation(db, limiter, who, code)


@router.put("/users/{user_id}/eligibility", response_model=UserOut, tags=["org"])
async def verify_eligibility(user_id: uuid.UUID, body: EligibilityIn, who: Staff, db: DB) -> UserOut:
    """Record a birth date or subsidy flag checked at the desk (staff; audited; not your own)."""
    return await profile.verify_eligibility(db, who, user_id, body)


@router.post("/users", response_model=UserOut, status_code=201, tags=["org"])
async def create_user(body: UserIn, who: Admin, db: DB, idem: IdempotencyDep) -> JSONResponse:
    """A username/password desk account for staff (admin only)."""
    return await idem.run(str(who.id), UserOut, lambda: grants.create_desk_user(db, who, body))
