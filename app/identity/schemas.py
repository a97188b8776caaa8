"""The API contract of identity: auth, me, org units, invitations, desk users."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.core.text import Clean, limits
from app.models.identity import OrgKind, Role

Name = Annotated[str, limits(1, 50), Clean]
UnitName = Annotated[str, limits(1, 100), Clean]
WechatCode = Annotated[str, StringConstraints(min_length=1, max_length=128), Clean]


class RoleOut(BaseModel):
    role: Role
    org_unit_id: uuid.UUID
    merchant_id: uuid.UUID | None = None
    building_id: uuid.UUID | None = None


class UserOut(BaseModel):
    id: uuid.UUID
    name: str
    phone: str | None = Field(None, description="Masked (138****1234) unless it is you or your staff")
    community_id: uuid.UUID | None
    roles: list[RoleOut]
    username: str | None = None
    birth_date: date | None = None
    birth_date_verified: bool = Field(
        False, description="Staff checked the birth date at the desk; only then it counts for age rules"
    )
    subsidy_eligible: bool = False


class EligibilityIn(BaseModel):
    """What staff checked at the desk (ID card seen, not stored): the birth date, the subsidy flag."""

    model_config = ConfigDict(extra="forbid")
    birth_date: date | None = Field(None, description="The verified birth date")
    subsidy_eligible: bool | None = Field(None, description="Eligible for the mutual-aid subsidy")


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int
    user: UserOut


class WechatLoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: WechatCode


class PhoneIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: WechatCode


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: Annotated[str, StringConstraints(min_length=1, max_length=200), Clean]


class OkOut(BaseModel):
    ok: bool = True


class MePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    community_id: uuid.UUID | None = None
    birth_date: date | None = None


class OrgUnitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    kind: OrgKind
    parent_id: uuid.UUID | None
    community_id: uuid.UUID | None
    fen_per_point: int
    donations_enabled: bool
    subsidy_minutes_per_month: int
    subsidy_minutes_per_elder_month: int


class OrgUnitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: UnitName
    kind: OrgKind
    parent_id: uuid.UUID


class OrgUnitPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: UnitName | None = None
    fen_per_point: Annotated[int, Field(ge=0, le=100_000)] | None = None
    donations_enabled: bool | None = None
    subsidy_minutes_per_month: Annotated[int, Field(ge=0, le=1_000_000)] | None = Field(
        None, description="Time-bank minutes the community subsidy may pay per month in all"
    )
    subsidy_minutes_per_elder_month: Annotated[int, Field(ge=0, le=100_000)] | None = Field(
        None, description="… and to any one elder's requests per month"
    )


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    org_unit_id: uuid.UUID | None = None
    merchant_id: uuid.UUID | None = None
    building_id: uuid.UUID | None = Field(None, description="For building_lead (楼栋长): the building")


class InvitationOut(BaseModel):
    code: str
    expires_at: datetime
    role: Role
    org_unit_id: uuid.UUID
    merchant_id: uuid.UUID | None = None
    building_id: uuid.UUID | None = None


class RoleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    org_unit_id: uuid.UUID
    merchant_id: uuid.UUID | None = None


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$"),
    ]
    password: Annotated[str, StringConstraints(min_length=8, max_length=128)]
    name: Name
    roles: Annotated[list[RoleIn], Field(min_length=1, max_length=20)]
