"""Demo ledger: residents start with some points and time-bank minutes, granted by community staff."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.demo import DemoWorld
from app.ledger import service as ledger
from app.models.ledger import Asset, TransferKind

# (resident index, points, minutes, reason)
GRANTS = [
    (0, 200, 120, "重阳节志愿服务表彰"),
    (1, 100, 60, "社区议事会参与奖励"),
    (2, 50, 0, "新居民欢迎积分"),
]


async def seed(db: AsyncSession, world: DemoWorld) -> None:
    for index, points, minutes, reason in GRANTS:
        if index >= len(world.residents):
            continue
        resident = world.residents[index]
        if resident.community_id is None:
            continue
        actor = world.staff if resident.community_id == world.staff.community_id else world.staff_b
        for asset, amount in ((Asset.points, points), (Asset.hours, minutes)):
            if amount <= 0:
                continue
            await ledger.transfer(
                db,
                debit=await ledger.system_account(db, resident.community_id, "issuance", asset),
                credit=await ledger.user_account(db, resident.id, asset, community_id=resident.community_id),
                amount=amount,
                kind=TransferKind.grant,
                reference=f"grant:{resident.id}",
                idempotency_key=f"demo-grant:{resident.id}:{asset.value}",
                actor_id=actor.id,
                memo=reason,
            )
