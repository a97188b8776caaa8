"""Which subscribe-message template a notification kind uses, and its field values cut to WeChat's limits.

WeChat names each template field by its type and position (`thing1`, `time2`, `phrase3` …) and rejects a
message whose values break the type's rule (errcode 47003), so every value is shaped here by the
type in its key: thing ≤ 20 characters, phrase ≤ 5, character_string / number / letter ≤ 32,
name ≤ 10, symbol ≤ 5, phone_number ≤ 17, car_number ≤ 8, amount ≤ 10, time and date in WeChat's
formats (Asia/Shanghai).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from app.core.clock import SHANGHAI
from app.notifications.config import NotificationSettings, TemplateConfig

# Longest allowed value per field type, in characters.
LIMITS = {
    "thing": 20,
    "phrase": 5,
    "character_string": 32,
    "number": 32,
    "letter": 32,
    "symbol": 5,
    "name": 10,
    "phone_number": 17,
    "car_number": 8,
    "amount": 10,
}
_KEY = re.compile(r"^([a-z_]+?)(\d+)?$")
ELLIPSIS = "…"


def template_for(settings: NotificationSettings, kind: str) -> TemplateConfig | None:
    """The template of `kind`: an exact entry, else its `domain.*` entry, else none (inbox only)."""
    templates = settings.subscribe_templates
    if kind in templates:
        return templates[kind]
    domain = kind.split(".", 1)[0]
    return templates.get(f"{domain}.*")


def templates_by_id(settings: NotificationSettings) -> dict[str, list[str]]:
    """template_id → the kinds (or prefixes) it serves."""
    out: dict[str, list[str]] = {}
    for kind, template in settings.subscribe_templates.items():
        out.setdefault(template.template_id, []).append(kind)
    return out


def field_type(key: str) -> str:
    match = _KEY.match(key)
    return match.group(1) if match else key


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + ELLIPSIS


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def shape(key: str, value: Any) -> str:
    """The value of field `key` as WeChat accepts it."""
    kind = field_type(key)
    if kind in ("time", "date"):
        moment = _as_datetime(value)
        if moment is None:
            return _cut(str(value), 20)
        if moment.tzinfo is not None:
            moment = moment.astimezone(SHANGHAI)
        if kind == "date":
            return f"{moment.year}年{moment.month}月{moment.day}日"
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
    text = " ".join(str(value if value is not None else "").split())  # no newlines or runs of spaces
    if kind in ("number", "amount"):
        text = "".join(ch for ch in text if ch.isdigit() or ch in ".-")
        return text[: LIMITS[kind]] or "0"
    if kind in ("character_string", "letter", "symbol", "car_number", "phone_number"):
        # ASCII-only types: drop what WeChat would refuse, then hard-cut (an ellipsis is not ASCII).
        text = "".join(ch for ch in text if ch.isascii())
        return text[: LIMITS[kind]]
    if kind == "phrase":
        return text[: LIMITS["phrase"]] or "有更新"
    return _cut(text, LIMITS.get(kind, 20)) or "-"


def render(template: TemplateConfig, note: Any) -> tuple[dict[str, dict[str, str]], str | None]:
    """(data, page) of a subscribe message for notification `note` (an ORM Notification)."""
    data: dict[str, dict[str, str]] = {}
    for key, source in template.fields.items():
        data[key] = {"value": shape(key, _source_value(source, note))}
    page = template.page
    if page is not None:
        page = page.replace("{link}", note.link or "")
    return data, page


def _source_value(source: str, note: Any) -> Any:
    if source.startswith("="):
        return source[1:]
    if source.startswith("data."):
        return (note.data or {}).get(source[5:], "")
    if source in ("title", "body", "kind", "link", "created_at"):
        return getattr(note, source)
    return ""
