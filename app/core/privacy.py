"""Personal data shown to others: masked phone numbers and names."""

from __future__ import annotations

import re


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


# Phone and ID numbers inside free text, in the ways people type them: 13812345678, 138-1234-5678,
# 138 1234 5678, +86 138 1234 5678, +8613812345678, 0086-138…, full-width digits (\d is Unicode);
# landlines 0755-12345678, (0755) 1234 5678; 18-digit ID-card numbers (last digit may be X).
_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋Ｘｘ", "0123456789+Xx")
_SEP = r"[\s\-－.·]?"
_ID_NUMBER = re.compile(r"(?<![\dA-Za-z])(\d{6})" + _SEP + r"(\d{8})" + _SEP + r"(\d{3}[\dXx])(?![\dA-Za-z])")
_MOBILE = re.compile(
    r"(?<![\d+])(?:(?:\+|00)?86" + _SEP + r")?(1[3-9]\d)" + _SEP + r"(\d{4})" + _SEP + r"(\d{4})(?!\d)"
)
_LANDLINE = re.compile(r"(?<!\d)[(（]?(0\d{2,3})[)）]?" + _SEP + r"(\d{3,4})" + _SEP + r"(\d{4})(?!\d)")


def mask_contacts(text: str | None) -> str:
    """Free text that leaves the staff side: phone and ID-card numbers masked, in any common format.

    13812345678 / 138-1234-5678 / +86 138 1234 5678 → 138****5678; 0755-1234-5678 → 0755-****5678;
    an 18-digit ID number → its first 3 and last 2 characters only. The one function for this: use it
    wherever residents' words go to people other than their author and staff (Open311, neighbours).
    """
    if not text:
        return text or ""
    text = text.translate(_FULL_WIDTH)  # １３８… is as readable as 138…
    text = _ID_NUMBER.sub(lambda m: m.group(1)[:3] + "*" * 13 + m.group(3)[-2:], text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    return _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)
