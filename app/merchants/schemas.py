"""The API contract of merchants: merchants, offers, redemption codes, redemptions, refunds, settlements."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.core.text import Clean, limits
from app.models.merchants import RedemptionStatus, SettlementStatus

Name = Annotated[str, limits(1, 100), Clean]
Text200 = Annotated[str, limits(1, 200), Clean]
Short = Annotated[str, limits(1, 50), Clean]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+\- ]{5,20}$")]
Points = Annotated[int, Field(gt=0, le=10_000_000)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{18}$")]


# ---------------------------------------------------------------- merchants


class MerchantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    community_id: uuid.UUID | None = Field(
        None, description="The merchant's community; defaults to yours when you are staff of one"
    )
    name: Name
    address: Text200 | None = None
    category: Short | None = None
    contact_name: Short | None = None
    contact_phone: Phone | None = None
    fen_per_point: Annotated[int, Field(gt=0, le=100_000)] | None = Field(
        None, description="Points-to-yuan rate override in fen per point; null: the community rate"
    )
    active: bool = True


class MerchantPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    address: Text200 | None = None
    category: Short | None = None
    contact_name: Short | None = None
    contact_phone: Phone | None = None
    fen_per_point: Annotated[int, Field(gt=0, le=100_000)] | None = None
    active: bool | None = None


class MerchantOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    community_id: uuid.UUID
    name: str
    active: bool
    address: str | None
    category: str | None
    contact_name: str | None
    contact_phone: str | None = Field(description="Masked unless you are staff of the community or merchant")
    fen_per_point: int | None = Field(description="Rate override (fen per point), null: community rate")
    effective_fen_per_point: int = Field(description="The rate settlements use")
    created_at: datetime


# ---------------------------------------------------------------- offers


class OfferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name
    points: Points
    stock: Annotated[int, Field(ge=0, le=10_000_000)] | None = Field(None, description="null: unlimited")
    per_resident_limit: Annotated[int, Field(gt=0, le=10_000)] | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    active: bool = True

    @model_validator(mode="after")
    def _validity(self) -> OfferIn:
        if self.valid_from and self.valid_until and self.valid_until <= self.valid_from:
            raise ValueError("valid_until must be after valid_from")
        return self


class OfferPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    points: Points | None = None
    stock: Annotated[int, Field(ge=0, le=10_000_000)] | None = None
    unlimited: bool | None = Field(None, description="true: remove the stock limit")
    per_resident_limit: Annotated[int, Field(gt=0, le=10_000)] | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    active: bool | None = None


class OfferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    merchant_id: uuid.UUID
    name: str
    points: int
    stock: int | None = Field(description="Units left; null: unlimited")
    per_resident_limit: int | None
    valid_from: datetime | None
    valid_until: datetime | None
    active: bool
    available: bool = Field(description="Active, within its dates and in stock right now")


# ---------------------------------------------------------------- codes and redemptions


class RedemptionCodeOut(BaseModel):
    code: str = Field(description="18 digits; show it as digits and as the QR image")
    expires_at: datetime
    qr: str = Field(description="PNG data URI of the QR code (data:image/png;base64,…)")


class RedeemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code
    points: Points | None = None
    offer_id: uuid.UUID | None = None
    merchant_id: uuid.UUID | None = Field(None, description="Needed only if you work for several merchants")

    @model_validator(mode="after")
    def _one_of(self) -> RedeemIn:
        if (self.points is None) == (self.offer_id is None):
            raise ValueError("give exactly one of points or offer_id")
        return self


class MaskedResident(BaseModel):
    name: str = Field(description="Surname only: 张**")
    phone: str | None = Field(description="Masked: 138****1234")


class RedemptionOut(BaseModel):
    id: uuid.UUID
    merchant_id: uuid.UUID
    merchant_name: str
    offer_id: uuid.UUID | None
    offer_name: str | None
    points: int
    refunded_points: int
    status: RedemptionStatus
    staff_id: uuid.UUID
    settlement_id: uuid.UUID | None
    created_at: datetime
    resident: MaskedResident


class PendingRedemptionOut(BaseModel):
    """A redemption above the threshold, waiting for the resident (POST /redemptions answered 202)."""

    id: uuid.UUID
    merchant_id: uuid.UUID
    merchant_name: str
    points: int
    status: Literal["pending", "confirmed", "declined", "expired"]
    expires_at: datetime
    redemption_id: uuid.UUID | None = Field(None, description="Set once the resident confirmed")


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text200
    points: Points | None = Field(None, description="Part of the redemption; default: all that is left")


class RefundOut(BaseModel):
    id: uuid.UUID
    redemption_id: uuid.UUID
    points: int
    reason: str
    actor_id: uuid.UUID
    created_at: datetime
    redemption: RedemptionOut


class SummaryRow(BaseModel):
    key: str = Field(description="The day (YYYY-MM-DD, Shanghai) or the staff member's id")
    label: str | None = None
    count: int
    points: int
    refunded_points: int
    net_points: int


class RedemptionSummary(BaseModel):
    count: int
    points: int
    refunded_points: int
    net_points: int
    by_day: list[SummaryRow]
    by_staff: list[SummaryRow]


class RedemptionFilter(BaseModel):
    merchant_id: uuid.UUID | None = None
    staff_id: uuid.UUID | None = None
    day: date | None = None
    date_from: date | None = None
    date_to: date | None = None


# ---------------------------------------------------------------- settlements


class SettlementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    merchant_id: uuid.UUID
    period_end: datetime = Field(description="Everything unsettled created up to this instant is included")


class PayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    payment_reference: Annotated[str, limits(0, 100), Clean] | None = None


class SettlementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    merchant_id: uuid.UUID
    community_id: uuid.UUID
    status: SettlementStatus
    period_start: datetime | None
    period_end: datetime
    redemption_count: int
    refund_count: int
    redeemed_points: int
    refunded_points: int
    net_points: int
    fen_per_point: int
    amount_fen: int
    amount_yuan: str = Field(description="amount_fen as yuan, two decimals")
    created_by: uuid.UUID | None
    created_at: datetime
    confirmed_by: uuid.UUID | None
    confirmed_at: datetime | None
    transfer_id: uuid.UUID | None
    paid_by: uuid.UUID | None
    paid_at: datetime | None
    payment_reference: str | None
    discarded_by: uuid.UUID | None
    discarded_at: datetime | None


class SettlementLine(BaseModel):
    kind: str = Field(description="redemption | refund")
    id: uuid.UUID
    redemption_id: uuid.UUID
    created_at: datetime
    points: int = Field(description="Signed: redemptions positive, refunds negative")
    staff_id: uuid.UUID
    offer_name: str | None
    resident: MaskedResident
    reason: str | None = None


class SettlementDetail(SettlementOut):
    lines: list[SettlementLine]
