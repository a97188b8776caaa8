"""Settings of the worker and of WeChat subscribe messages, read from the environment.

Kept apart from app.core.settings (the foundation's) so this domain can grow its own knobs:

- `LINLI_SUBSCRIBE_TEMPLATES`: JSON mapping a notification kind (or a `domain.*` prefix) to a
  subscribe-message template: `{"ticket.resolved": {"template_id": "...", "page": "pages/ticket/detail",
  "fields": {"thing1": "title", "time2": "created_at", "thing3": "body"}}}`. It replaces the demo set below.
- `LINLI_WORKER_*`: concurrency, heartbeat and stalled-job recovery of `python -m app worker`.
- `LINLI_SUBSCRIBE_RETRY_*`: backoff of sends that failed for a passing reason (5xx, timeout, -1).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class TemplateConfig(BaseModel):
    template_id: str = Field(min_length=1, max_length=128)
    # The mini-program page opened from the message; "{link}" is replaced by the notification's link.
    page: str | None = None
    # WeChat field key → where its value comes from: "title", "body", "created_at", "kind",
    # "data.<key>" (from the notification's data), or "=literal text".
    fields: dict[str, str]


# Demo templates (the fake accepts any id). A deployment sets LINLI_SUBSCRIBE_TEMPLATES with the ids its
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
    "survey.*": TemplateConfig(template_id="demo-survey-notice", page="{link}", fields=_GENERIC),
}


class NotificationSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="LINLI_")

    subscribe_templates: dict[str, TemplateConfig] = Field(default_factory=lambda: dict(DEMO_TEMPLATES))
    subscribe_retry_base_seconds: float = 30.0
    subscribe_retry_max_seconds: float = 3600.0
    subscribe_give_up_hours: float = 24.0

    worker_concurrency: int = 4
    worker_heartbeat_seconds: float = 10.0
    # A worker silent for this long is dead: its running jobs are put back in the queue.
    worker_stalled_seconds: float = 30.0
    worker_stalled_check_seconds: float = 15.0
    worker_poll_seconds: float = 5.0


@lru_cache
def get_notification_settings() -> NotificationSettings:
    return NotificationSettings()
