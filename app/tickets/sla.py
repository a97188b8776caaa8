"""Moved: the working-day calendar is `app.core.workdays` (issue #11). Import it from there; this name
stays only so branches written before the move still import."""

from app.core.workdays import (  # noqa: F401
    WORK_END,
    WORK_START,
    WORKDAY_HOURS,
    add,
    between,
    deadline,
    is_workday,
    shift_for_pause,
)
