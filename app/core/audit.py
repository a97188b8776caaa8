"""Moved to `app.platform.audit` (issue #11); import it from there. This re-export goes in the last
landing of issue #11's branch, once the branches written before the move have merged."""

from app.platform.audit import record

__all__ = ["record"]
