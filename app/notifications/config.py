"""Settings of WeChat subscribe messages and of the worker that sends them, read from the environment.

- `LINLI_NOTIFICATIONS_SUBSCRIBE_TEMPLATES`: JSON mapping a notification kind (or a `domain.*` prefix) to a
  subscribe-message template: `{"ticket.resolved": {"template_id": "...", "page": "pages/ticket/detail",
  "fields": {"thing1": "title", "time2": "created_at", "thing3": "body"}}}`. It replaces the demo set below.
- `LINLI_NOTIFICATIONS_SUBSCRIBE_RETRY_*`, `_GIVE_UP_HOURS`: backoff of sends that failed for a passing
  reason (5xx, timeout, -1).
- `LINLI_WORKER_*`: concurrency, heartbeat and stalled-job recovery of `python -m app worker` (the
  platform's worker, app/platform/worker.py, which runs every domain's jobs).

The names these had before issue #11 (`LINLI_SUBSCRIBE_*`) are still read.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TemplateConfig(BaseModel):
    template_id: str = Field(min_length=1, max_length=128)
    # The mini-program page opened from the message; "{link}" is replaced by the notification's link.
    page: str | None = None
    # WeChat field key → where its value comes from: "title", "body", "created_at", "kind",
    # "data.<key>" (from the notification's data), or "=literal text".
    fields: dict[str, str]


# Demo templates (the fake accepts any id). A deployment sets LINLI_NOTIFICATIONS_SUBSCRIBE_TEMPLATES with the ids its
# mini-program was given in the WeChat console (公共模板库).
_GENERIC = {"thing1": "title", "thing2": "body", "time3": "created_at"}
DEMO_TEMPLATES: dict[str, TemplateConfig] = {
    "ticket.*": TemplateConfig(
        template_id="demo-ticket-progress",
        page="pages/tickets/detail?link={link}",
        fields={"thing1": "title", "phrase2": "data.status_label", "time3": "created_at", "thing4": "body"},
    ),
    "booking.*": TemplateConfig(
        template_id="demo-booking-notice", page="pages/bookings/detail?link={link}", fields=_GENERIC
    ),
    "activity.*": TemplateConfig(
        template_id="demo-activity-notice", page="pages/activities/detail?link={link}", fields=_GENERIC
    ),
    "volunteering.*": TemplateConfig(
        template_id="demo-activity-notice", page="pages/activities/detail?link={link}", fields=_GENERIC
    ),
    "ledger.*": TemplateConfig(template_id="demo-wallet-change", page="pages/wallet/index", fields=_GENERIC),
    "redemption.*": TemplateConfig(
        template_id="demo-wallet-change", page="pages/wallet/index", fields=_GENERIC
    ),
    "merchants.*": TemplateConfig(
        template_id="demo-wallet-change", page="pages/wallet/index", fields=_GENERIC
    ),
}


def _subscribe(name: str) -> AliasChoices:
    """LINLI_NOTIFICATIONS_<NAME>, and LINLI_<NAME> as it was called before issue #11."""
    return AliasChoices(f"linli_notifications_{name}", f"linli_{name}")


def _worker(name: str) -> AliasChoices:
    return AliasChoices(f"linli_{name}")


class NotificationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    subscribe_templates: dict[str, TemplateConfig] = Field(
        default_factory=lambda: dict(DEMO_TEMPLATES), validation_alias=_subscribe("subscribe_templates")
    )
    subscribe_retry_base_seconds: float = Field(
        30.0, validation_alias=_subscribe("subscribe_retry_base_seconds")
    )
    subscribe_retry_max_seconds: float = Field(
        3600.0, validation_alias=_subscribe("subscribe_retry_max_seconds")
    )
    subscribe_give_up_hours: float = Field(24.0, validation_alias=_subscribe("subscribe_give_up_hours"))

    worker_concurrency: int = Field(4, validation_alias=_worker("worker_concurrency"))
    worker_heartbeat_seconds: float = Field(10.0, validation_alias=_worker("worker_heartbeat_seconds"))
    # A worker silent for this long is dead: its running jobs are put back in the queue.
    worker_stalled_seconds: float = Field(30.0, validation_alias=_worker("worker_stalled_seconds"))
    worker_stalled_check_seconds: float = Field(
        15.0, validation_alias=_worker("worker_stalled_check_seconds")
    )
    worker_poll_seconds: float = Field(5.0, validation_alias=_worker("worker_poll_seconds"))


@lru_cache
def get_notification_settings() -> NotificationSettings:
    return NotificationSettings()
