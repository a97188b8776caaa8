"""The API contract of the grid: grids, buildings, residents' addresses."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from app.core.text import Clean, limits
from app.models.grid import BoardLevel, BoardRole

GridName = Annotated[str, limits(1, 100), Clean]
Compound = Annotated[str, limits(1, 100), Clean]
BuildingName = Annotated[str, limits(1, 50), Clean]
RoomText = Annotated[str, limits(1, 20), Clean]
Units = Annotated[int, Field(ge=1, le=99)]
Floors = Annotated[int, Field(ge=1, le=200)]


class GridIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    community_id: uuid.UUID | None = Field(None, description="Defaults to the caller's community")
    name: GridName


class GridPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: GridName


class GridOut(BaseModel):
    id: uuid.UUID
    community_id: uuid.UUID
    name: str
    buildings: int = Field(description="Buildings in this grid")


class BuildingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grid_id: uuid.UUID = Field(description="The grid (网格) it stands in; its community is the building's")
    compound: Compound = Field(description="The residential compound (小区)")
    name: BuildingName = Field(description='Such as "3栋"')
    units: Units | None = Field(None, description="Number of units (单元)")
    floors: Floors | None = None


class BuildingPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grid_id: uuid.UUID | None = None
    compound: Compound | None = None
    name: BuildingName | None = None
    units: Units | None = None
    floors: Floors | None = None


class BuildingOut(BaseModel):
    id: uuid.UUID
    community_id: uuid.UUID
    grid_id: uuid.UUID
    grid_name: str
    compound: str
    name: str
    units: int | None
    floors: int | None
    residents_registered: int | None = Field(None, description="Staff only: residents living here now")
    residents_confirmed: int | None = Field(None, description="Staff only: of them, confirmed by staff")


class CurrentAddress(BaseModel):
    """Where a resident lives now (for other domains: `grid.service.current_address`)."""

    building_id: uuid.UUID
    grid_id: uuid.UUID
    community_id: uuid.UUID
    unit: str | None
    room: str | None


class AddressIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    building_id: uuid.UUID
    unit: RoomText | None = Field(None, description="单元, free text such as 2单元")
    room: RoomText | None = Field(None, description="Room (室), free text such as 501")


class AddressOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    community_id: uuid.UUID
    building_id: uuid.UUID
    building_name: str
    compound: str
    grid_id: uuid.UUID
    unit: str | None
    room: str | None
    valid_from: datetime
    valid_to: datetime | None
    confirmed: bool
    confirmed_at: datetime | None


class ResidentAtBuildingOut(BaseModel):
    """Staff's view of one household at a building (personal data: staff of the community only)."""

    address_id: uuid.UUID
    user_id: uuid.UUID
    name: str
    unit: str | None
    room: str | None
    valid_from: datetime
    confirmed: bool
    confirmed_at: datetime | None


class BuildingCountOut(BaseModel):
    building_id: uuid.UUID
    registered: int
    confirmed: int


Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9][0-9\- ]{2,18}[0-9]$")]
Hours = Annotated[str, limits(1, 100), Clean]
Duties = Annotated[str, limits(1, 300), Clean]
PersonName = Annotated[str, limits(1, 50), Clean]

ROLE_LABELS = {
    BoardRole.building_lead: "楼栋长",
    BoardRole.grid_worker: "网格员",
    BoardRole.grid_leader: "网格长",
    BoardRole.community_staff: "社区工作人员",
    BoardRole.property: "物业",
    BoardRole.owners_committee: "业委会",
    BoardRole.police: "警务室",
    BoardRole.social_org: "社会组织",
    BoardRole.merchant: "商户",
    BoardRole.other: "其他",
}


class BoardEntryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    community_id: uuid.UUID | None = Field(None, description="For a community entry; defaults to yours")
    grid_id: uuid.UUID | None = Field(None, description="For a grid entry")
    building_id: uuid.UUID | None = Field(None, description="For a building entry")
    role: BoardRole
    name: PersonName
    phone: Phone | None = Field(None, description="A public work phone, never a personal number")
    hours: Hours | None = Field(None, description="Service hours, e.g. 周一至周五 9:00-18:00")
    duties: Duties | None = Field(None, description="What they handle")
    position: int = Field(0, ge=0, le=999, description="Order within its level and role")


class BoardEntryPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: BoardRole | None = None
    name: PersonName | None = None
    phone: Phone | None = None
    hours: Hours | None = None
    duties: Duties | None = None
    position: int | None = Field(None, ge=0, le=999)


class BoardLineOut(BaseModel):
    """One line of a board as residents see it."""

    id: uuid.UUID
    level: BoardLevel
    role: BoardRole
    role_label: str
    name: str
    phone: str | None
    hours: str | None
    duties: str | None


class BoardEntryOut(BoardLineOut):
    """Staff's view: where it hangs and when it was last verified."""

    community_id: uuid.UUID
    grid_id: uuid.UUID | None
    building_id: uuid.UUID | None
    position: int
    verified_at: datetime
    verified_by: uuid.UUID | None
    stale: bool = Field(description="Not re-verified within LINLI_GRID_BOARD_STALE_DAYS (default 90)")


class BoardOut(BaseModel):
    """A building's board: its own entries, then its grid's, then its community's (each by role order)."""

    building: BuildingOut
    community_name: str
    entries: list[BoardLineOut]
    qr_payload: str = Field(description="What the poster's QR code holds (the report page for this building)")


class ImportRow(BaseModel):
    """One row of a building import, validated like the API's BuildingIn."""

    model_config = ConfigDict(extra="forbid")
    compound: Compound
    name: BuildingName
    grid: GridName
    units: Units | None = None
    floors: Floors | None = None


class ImportOut(BaseModel):
    rows: int = Field(description="Data rows read")
    created: int
    updated: int = Field(description="Existing buildings whose grid, units or floors changed")
    unchanged: int = Field(description="Rows that matched an existing building exactly (re-imports)")
