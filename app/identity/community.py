"""Which community a new record belongs to: one rule for every domain.

    community_id = acting_community(who, body.community_id)

- An explicit `community_id` must be inside the caller's scope (by default the communities where they act
  as staff; a domain may pass another `scope`), else 404 `community_not_found` — the same answer as for a
  community that does not exist, so the answer does not confirm it exists.
- Absent: the caller's own community (`who.community_id`) when it is in scope; else the only community in
  scope; an admin (or anyone) whose scope holds several → 422 `community_required`; nothing in scope →
  404 `community_not_found`.
"""

from __future__ import annotations

import uuid
from collections.abc import Set

from app.core.errors import NotFound, ValidationFailed, _
from app.identity.principal import Principal


class CommunityNotFound(NotFound):
    code = "community_not_found"
    message = _("社区不存在或不在您的管辖范围", "No such community in your scope")


class CommunityRequired(ValidationFailed):
    code = "community_required"
    message = _("您负责多个社区，请指定 community_id", "You act for several communities; give community_id")


def acting_community(
    who: Principal, community_id: uuid.UUID | None = None, *, scope: Set[uuid.UUID] | None = None
) -> uuid.UUID:
    """The community a record created by `who` belongs to (see the module docstring for the rule)."""
    allowed = who.staff_communities if scope is None else scope
    if community_id is not None:
        if community_id not in allowed:
            raise CommunityNotFound()
        return community_id
    if who.community_id is not None and who.community_id in allowed:
        return who.community_id
    if len(allowed) == 1:
        return next(iter(allowed))
    if not allowed:
        raise CommunityNotFound()
    raise CommunityRequired()
