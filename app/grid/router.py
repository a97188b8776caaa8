"""HTTP routes of the grid: grids, buildings, residents' addresses. Parse, authorise, call one service."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, Response, UploadFile

from app.core.database import DB
from app.core.pagination import Page, Pagination
from app.grid import addresses, board, buildings, grids, imports, poster
from app.grid.config import rules
from app.grid.schemas import (
    AddressIn,
    AddressOut,
    BoardEntryIn,
    BoardEntryOut,
    BoardEntryPatch,
    BoardOut,
    BuildingCountOut,
    BuildingIn,
    BuildingOut,
    BuildingPatch,
    GridIn,
    GridOut,
    GridPatch,
    ImportOut,
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
    return await grids.list_grids(db, who, community_id)


@router.post("/grids", response_model=GridOut, status_code=201, tags=TAGS)
async def create_grid(body: GridIn, who: Staff, db: DB) -> GridOut:
    """Create a grid under a community."""
    return await grids.create_grid(db, who, body)


@router.get("/grids/{grid_id}", response_model=GridOut, tags=TAGS)
async def get_grid(grid_id: GridId, who: CurrentUser, db: DB) -> GridOut:
    """One grid."""
    return await grids.get_grid(db, who, grid_id)


@router.patch("/grids/{grid_id}", response_model=GridOut, tags=TAGS)
async def rename_grid(grid_id: GridId, body: GridPatch, who: Staff, db: DB) -> GridOut:
    """Rename a grid."""
    return await grids.rename_grid(db, who, grid_id, body)


@router.delete("/grids/{grid_id}", status_code=204, tags=TAGS)
async def delete_grid(grid_id: GridId, who: Staff, db: DB) -> Response:
    """Delete an empty grid (409 grid_in_use otherwise)."""
    await grids.delete_grid(db, who, grid_id)
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
    return await buildings.list_buildings(
        db, who, page, community_id=community_id, grid_id=grid_id, compound=compound
    )


@router.post("/buildings", response_model=BuildingOut, status_code=201, tags=TAGS)
async def create_building(body: BuildingIn, who: Staff, db: DB) -> BuildingOut:
    """Create a building in a grid (409 building_exists for a duplicate name in the compound)."""
    return await buildings.create_building(db, who, body)


@router.post("/buildings/import", response_model=ImportOut, tags=TAGS)
async def import_buildings(
    who: Staff,
    db: DB,
    file: Annotated[UploadFile, File(description="CSV or XLSX")],
    community_id: CommunityQ = None,
) -> ImportOut:
    """Import buildings from CSV/XLSX (小区, 楼栋, 网格, 单元数, 楼层数): all or nothing, idempotent."""
    content = await file.read(rules().import_max_bytes + 1)
    return await imports.import_buildings(db, who, community_id, content, file.filename)


@router.get("/buildings/counts", response_model=list[BuildingCountOut], tags=TAGS)
async def building_counts(who: Staff, db: DB, community_id: CommunityQ = None) -> list[BuildingCountOut]:
    """Residents registered and confirmed per building."""
    return await buildings.building_counts(db, who, community_id)


@router.get("/buildings/{building_id}", response_model=BuildingOut, tags=TAGS)
async def get_building(building_id: BuildingId, who: CurrentUser, db: DB) -> BuildingOut:
    """One building (anyone of its community)."""
    return await buildings.building_detail(db, who, building_id)


@router.patch("/buildings/{building_id}", response_model=BuildingOut, tags=TAGS)
async def update_building(building_id: BuildingId, body: BuildingPatch, who: Staff, db: DB) -> BuildingOut:
    """Change a building's grid, compound, name, units or floors."""
    return await buildings.update_building(db, who, building_id, body)


@router.delete("/buildings/{building_id}", status_code=204, tags=TAGS)
async def delete_building(building_id: BuildingId, who: Staff, db: DB) -> Response:
    """Delete a building nobody ever registered at (409 building_in_use otherwise)."""
    await buildings.delete_building(db, who, building_id)
    return Response(status_code=204)


@router.get("/buildings/{building_id}/residents", response_model=Page[ResidentAtBuildingOut], tags=TAGS)
async def residents_at(
    building_id: BuildingId, who: Staff, db: DB, page: Pagination
) -> Page[ResidentAtBuildingOut]:
    """Who lives in the building now, with unit, room and confirmation (staff of its community)."""
    return await addresses.residents_at(db, who, building_id, page)


@router.get("/me/address", response_model=AddressOut | None, tags=TAGS)
async def my_address(who: CurrentUser, db: DB) -> AddressOut | None:
    """Your current address, or null."""
    return await addresses.my_address(db, who)


@router.put("/me/address", response_model=AddressOut, tags=TAGS)
async def set_my_address(body: AddressIn, who: CurrentUser, db: DB) -> AddressOut:
    """Choose your building (unit and room optional); a different one is a move and keeps history."""
    return await addresses.set_my_address(db, who, body)


@router.delete("/me/address", status_code=204, tags=TAGS)
async def move_out(who: CurrentUser, db: DB) -> Response:
    """You no longer live in any building here (history is kept)."""
    await addresses.move_out(db, who)
    return Response(status_code=204)


@router.get("/me/address/history", response_model=list[AddressOut], tags=TAGS)
async def address_history(who: CurrentUser, db: DB) -> list[AddressOut]:
    """Every address you registered, newest first."""
    return await addresses.address_history(db, who)


@router.put("/users/{user_id}/address", response_model=AddressOut, tags=TAGS)
async def set_address_for(
    user_id: Annotated[uuid.UUID, Path()], body: AddressIn, who: Staff, db: DB
) -> AddressOut:
    """Staff register a resident's address at the desk (confirmed at once)."""
    return await addresses.set_address_for(db, who, user_id, body)


@router.post("/addresses/{address_id}/confirm", response_model=AddressOut, tags=TAGS)
async def confirm_address(address_id: Annotated[uuid.UUID, Path()], who: Staff, db: DB) -> AddressOut:
    """Confirm a resident's address (核实)."""
    return await addresses.confirm_address(db, who, address_id)


# ---------------------------------------------------------------- the service board and its posters

PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}, "description": "A4 PDF"}}
EntryId = Annotated[uuid.UUID, Path(description="Board entry id")]


def _pdf(body: bytes, filename: str) -> Response:
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"},
    )


@router.get("/board-entries", response_model=list[BoardEntryOut], tags=TAGS)
async def list_board_entries(
    who: Staff,
    db: DB,
    community_id: CommunityQ = None,
    grid_id: Annotated[uuid.UUID | None, Query()] = None,
    building_id: Annotated[uuid.UUID | None, Query()] = None,
    stale: Annotated[
        bool | None, Query(description="Only stale (true) or only fresh (false) entries")
    ] = None,
) -> list[BoardEntryOut]:
    """Staff's list of board entries (服务信息栏), with entries not re-verified in 90 days flagged stale."""
    return await board.list_entries(
        db, who, community_id=community_id, grid_id=grid_id, building_id=building_id, stale=stale
    )


@router.post("/board-entries", response_model=BoardEntryOut, status_code=201, tags=TAGS)
async def create_board_entry(body: BoardEntryIn, who: Staff, db: DB) -> BoardEntryOut:
    """Put a line on a community's, a grid's or a building's board (work phones only)."""
    return await board.create_entry(db, who, body)


@router.patch("/board-entries/{entry_id}", response_model=BoardEntryOut, tags=TAGS)
async def update_board_entry(entry_id: EntryId, body: BoardEntryPatch, who: Staff, db: DB) -> BoardEntryOut:
    """Change a line (counts as re-verifying it)."""
    return await board.update_entry(db, who, entry_id, body)


@router.post("/board-entries/{entry_id}/verify", response_model=BoardEntryOut, tags=TAGS)
async def verify_board_entry(entry_id: EntryId, who: Staff, db: DB) -> BoardEntryOut:
    """Confirm a line is still right (核实): no longer stale."""
    return await board.verify_entry(db, who, entry_id)


@router.delete("/board-entries/{entry_id}", status_code=204, tags=TAGS)
async def delete_board_entry(entry_id: EntryId, who: Staff, db: DB) -> Response:
    """Take a line off the board."""
    await board.delete_entry(db, who, entry_id)
    return Response(status_code=204)


@router.get("/me/board", response_model=BoardOut, tags=TAGS)
async def my_board(who: CurrentUser, db: DB) -> BoardOut:
    """The board of the building you live in (404 address_not_found if you chose none)."""
    return await board.my_board(db, who)


@router.get("/buildings/{building_id}/board", response_model=BoardOut, tags=TAGS)
async def building_board(building_id: BuildingId, who: CurrentUser, db: DB) -> BoardOut:
    """A building's board: its own entries, then its grid's, then its community's."""
    return await board.building_board(db, who, building_id)


@router.get("/buildings/{building_id}/poster.pdf", response_class=Response, responses=PDF, tags=TAGS)
async def building_poster(building_id: BuildingId, who: CurrentUser, db: DB) -> Response:
    """The A4 poster of a building's board with its report QR code."""
    found = await board.building_board(db, who, building_id)
    body = await asyncio.to_thread(poster.render, [found], f"服务信息栏 {found.building.name}")
    return _pdf(body, "poster.pdf")


@router.get("/grids/{grid_id}/posters.pdf", response_class=Response, responses=PDF, tags=TAGS)
async def grid_posters(grid_id: GridId, who: Staff, db: DB) -> Response:
    """Every building's poster in a grid, one PDF (a building per page or more)."""
    boards = await board.grid_boards(db, who, grid_id)
    body = await asyncio.to_thread(poster.render, boards, "服务信息栏")
    return _pdf(body, "posters.pdf")
