"""统一社会信用代码 (unified social credit code), GB 32100-2015, with both of its check characters.

The 18 characters are: 1 登记管理部门码, 2 机构类别码, 3–8 登记管理机关行政区划码, 9–17 主体标识码
(the organisation code of GB 11714, whose 9th character — position 17 — is its own check character),
and 18 the code's check character.

- Characters come from 0–9 and the capital letters except I, O, Z, S, V (31 characters, valued 0–30).
- GB 11714 check (position 17): the 8 body characters valued 0–9 / A=10 … Z=35, weighted
  3, 7, 9, 10, 5, 8, 4, 2; C = 11 − (Σ mod 11); 10 is written X and 11 is written 0.
- GB 32100 check (position 18): positions 1–17 valued by their place in the 31 characters, weighted
  3^(i−1) mod 31 (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28);
  C = 31 − (Σ mod 31), 31 written 0.
"""

from __future__ import annotations

import re

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(CHARSET)}
WEIGHTS = [pow(3, i, 31) for i in range(17)]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_SHAPE = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}")


def org_code_check(body: str) -> str:
    """The GB 11714 check character of an 8-character organisation code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def code_check(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why `code` is not a valid unified social credit code, or None when it is."""
    if len(code) != 18:
        return "length"
    if not _SHAPE.fullmatch(code):
        return "characters"
    if org_code_check(code[8:16]) != code[16]:
        return "organisation_code_check"
    if code_check(code[:17]) != code[17]:
        return "check_character"
    return None


def is_valid(code: str) -> bool:
    return problem(code) is None
