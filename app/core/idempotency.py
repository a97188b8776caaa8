"""Moved to `app.platform.idempotency` (issue #11); import it from there. This re-export goes in the last
landing of issue #11's branch, once the branches written before the move have merged."""

from app.platform.idempotency import IdempotencyDep, RequiredIdempotency

__all__ = ["IdempotencyDep", "RequiredIdempotency"]
