"""HTTP routes of personal-data requests (PIPL): download what we hold, close the account."""

from __future__ import annotations

from fastapi import APIRouter

from app.core.database import DB
from app.identity.deps import CurrentUser
from app.privacy import service
from app.privacy.schemas import ClosedOut, CloseIn, PersonalData

router = APIRouter(tags=["privacy"])


@router.get("/me/data", response_model=PersonalData)
async def my_data(who: CurrentUser, db: DB) -> PersonalData:
    """Everything Linli holds that names me, as JSON (个人信息查阅复制)."""
    return await service.export(db, who)


@router.post("/me/close", response_model=ClosedOut)
async def close_account(body: CloseIn, who: CurrentUser, db: DB) -> ClosedOut:
    """Close my account (注销): wallet returned to the community, my details erased, records kept."""
    return await service.close_account(db, who, body)
