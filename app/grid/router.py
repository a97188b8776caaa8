"""HTTP routes of the grid: grids, buildings, residents' addresses. Parse, authorise, call one service."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response

from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.grid import service
from app.grid.schemas import (
    AddressIn,
    AddressOut,
    BuildingCountOut,
    BuildingIn,
    BuildingOut,
    BuildingPatch,
    GridIn,
    GridOut,
    GridPatch,
    ResidentAtBuildingOut,
)
from app.identity.deps import CurrentUser, Staff

router = APIRouter()
TAGS: list[Any] = ["grid"]
GridId = Annotated[uuid.UUID, Path(description="Grid (网格) id: an org unit of kind grid")]
BuildingId = Annotated[uuid.UUID, Path(description="Building (楼栋) id")]
CommunityQ = Annotated[uuid.UUID | None, Query(description="Defaults to your community")]


@router.get("/grids", response_model=list[GridOut], tags=TAGS)
async def list_grids(who: CurrentUser, db: DB, community_id: CommunityQ = None) -> list[GridOut]:
    """Grids (网格) of a community with their building counts."""
    return await service.list_grids(db, who, community_id)


@router.post("/grids", response_model=GridOut, status_code=201, tags=TAGS)
async def create_grid(body: GridIn, who: Staff, db: DB) -> GridOut:
    """Create a grid under a community."""
    return await service.create_grid(db, who, body)


@router.get("/grids/{grid_id}", response_model=GridOut, tags=TAGS)
async def get_grid(grid_id: GridId, who: CurrentUser, db: DB) -> GridOut:
    """One grid."""
    return await service.get_grid(db, who, grid_id)


@router.patch("/grids/{grid_id}", response_model=GridOut, tags=TAGS)
async def rename_grid(grid_id: GridId, body: GridPatch, who: Staff, db: DB) -> GridOut:
    """Rename a grid."""
    return await service.rename_grid(db, who, grid_id, body)


@router.delete("/grids/{grid_id}", status_code=204, tags=TAGS)
async def delete_grid(grid_id: GridId, who: Staff, db: DB) -> Response:
    """Delete an empty grid (409 grid_in_use otherwise)."""
    await service.delete_grid(db, who, grid_id)
    return Response(status_code=204)


@router.get("/buildings", response_model=Page[BuildingOut], tags=TAGS)
async def list_buildings(
    who: CurrentUser,
    db: DB,
    page: Pagination,
    community_id: CommunityQ = None,
    grid_id: Annotated[uuid.UUID | None, Query()] = None,
    compound: Annotated[
        str | None,
        Query(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$", description="Only this compound (小区)"),
    ] = None,
) -> Page[BuildingOut]:
    """Buildings of a community by compound and name (staff also see resident counts)."""
    return await service.list_buildings(
        db, who, page, community_id=community_id, grid_id=grid_id, compound=compound
    )


@router.post("/buildings", response_model=BuildingOut, status_code=201, tags=TAGS)
async def create_building(body: BuildingIn, who: Staff, db: DB) -> BuildingOut:
    """Create a building in a grid (409 building_exists for a duplicate name in the compound)."""
    return await service.create_building(db, who, body)


@router.get("/buildings/counts", response_model=list[BuildingCountOut], tags=TAGS)
async def building_counts(who: Staff, db: DB, community_id: CommunityQ = None) -> list[BuildingCountOut]:
    """Residents registered and confirmed per building."""
    return await service.building_counts(db, who, community_id)


@router.get("/buildings/{building_id}", response_model=BuildingOut, tags=TAGS)
async def get_building(building_id: BuildingId, who: CurrentUser, db: DB) -> BuildingOut:
    """One building (anyone of its community)."""
    return await service.building_detail(db, who, building_id)


@router.patch("/buildings/{building_id}", response_model=BuildingOut, tags=TAGS)
async def update_building(building_id: BuildingId, body: BuildingPatch, who: Staff, db: DB) -> BuildingOut:
    """Change a building's grid, compound, name, units or floors."""
    return await service.update_building(db, who, building_id, body)


@router.delete("/buildings/{building_id}", status_code=204, tags=TAGS)
async def delete_building(building_id: BuildingId, who: Staff, db: DB) -> Response:
    """Delete a building nobody ever registered at (409 building_in_use otherwise)."""
    await service.delete_building(db, who, building_id)
    return Response(status_code=204)


@router.get("/buildings/{building_id}/residents", response_model=Page[ResidentAtBuildingOut], tags=TAGS)
async def residents_at(
    building_id: BuildingId, who: Staff, db: DB, page: Pagination
) -> Page[ResidentAtBuildingOut]:
    """Who lives in the building now, with unit, room and confirmation (staff of its community)."""
    return await service.residents_at(db, who, building_id, page)


@router.get("/me/address", response_model=AddressOut | None, tags=TAGS)
async def my_address(who: CurrentUser, db: DB) -> AddressOut | None:
    """Your current address, or null."""
    return await service.my_address(db, who)


@router.put("/me/address", response_model=AddressOut, tags=TAGS)
async def set_my_address(body: AddressIn, who: CurrentUser, db: DB) -> AddressOut:
    """Choose your building (unit and room optional); a different one is a move and keeps history."""
    return await service.set_my_address(db, who, body)


@router.delete("/me/address", status_code=204, tags=TAGS)
async def move_out(who: CurrentUser, db: DB) -> Response:
    """You no longer live in any building here (history is kept)."""
    await service.move_out(db, who)
    return Response(status_code=204)


@router.get("/me/address/history", response_model=list[AddressOut], tags=TAGS)
async def address_history(who: CurrentUser, db: DB) -> list[AddressOut]:
    """Every address you registered, newest first."""
    return await service.address_history(db, who)


@router.put("/users/{user_id}/address", response_model=AddressOut, tags=TAGS)
async def set_address_for(
    user_id: Annotated[uuid.UUID, Path()], body: AddressIn, who: Staff, db: DB
) -> AddressOut:
    """Staff register a resident's address at the desk (confirmed at once)."""
    return await service.set_address_for(db, who, user_id, body)


@router.post("/addresses/{address_id}/confirm", response_model=AddressOut, tags=TAGS)
async def confirm_address(address_id: Annotated[uuid.UUID, Path()], who: Staff, db: DB) -> AddressOut:
    """Confirm a resident's address (核实)."""
    return await service.confirm_address(db, who, address_id)
