"""Personal data shown to others: masked phone numbers and names."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str | None:
    """138****1234; short or odd numbers keep only their last two digits."""
    if not phone:
        return None
    if len(phone) >= 7:
        return phone[:3] + "****" + phone[-4:]
    return "*" * (len(phone) - 2) + phone[-2:]


def mask_name(name: str | None) -> str:
    """Surname only, the way a till shows a customer: 张** ."""
    if not name:
        return ""
    return name[0] + "*" * min(2, max(1, len(name) - 1))
