"""The one text type every input schema uses for free text.

PostgreSQL refuses NUL in text (a 500 if it gets that far), spreadsheets refuse the other C0 control
characters (a stored ``\\u0001`` broke the XLSX export for everyone), and a lone surrogate cannot be
encoded as UTF-8 at all. So every free-text field, query parameter and form field that reaches the
database is:

- refused with 422 (``control_character``) when it holds a C0 control character other than tab,
  newline and carriage return, or a lone surrogate;
- given Unix newlines (``\\r\\n`` and ``\\r`` become ``\\n``);
- normalised to Unicode NFC (so "é" typed two ways is one string for search and uniqueness), *before*
  the length check, so the stored value never exceeds the column;
- stripped of surrounding whitespace and capped in length (5,000 characters unless the field says less).

Use the aliases, or ``Text`` with your own cap through ``Field``/``Query``/``Form``:

    title: Line                                         # 1–200 characters, fixed
    description: Text = Field("", max_length=2000)      # 0–2,000
    reason: Annotated[Text, Field(min_length=1, max_length=500)]
    q: Annotated[Text | None, Query(max_length=100)] = None

The fixed aliases (``Line``, ``Name``, ``Short``) must not be given another ``max_length``: pydantic
would quietly keep theirs. Use ``Text`` for any other cap.

Output (exports, PDFs) uses :func:`printable` so whatever text is already stored cannot break a writer.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError

# C0 controls except tab (\x09), newline (\x0a) and carriage return (\x0d); lone surrogates.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
# What XML 1.0 (and so XLSX) cannot hold: the same C0 set, surrogates, U+FFFE and U+FFFF.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

MAX_TEXT = 5000


def clean_text(value: Any) -> Any:
    """Refuse control characters and overlong text, unify newlines, normalise to NFC.

    Non-strings pass through for pydantic's own type check.
    """
    if not isinstance(value, str):
        return value
    if len(value) > MAX_TEXT * 2:
        # A hard ceiling before any work, whatever the field's own cap (which follows, after NFC).
        raise PydanticCustomError(
            "string_too_long", "String should have at most {max_length} characters", {"max_length": MAX_TEXT}
        )
    bad = _FORBIDDEN.search(value)
    if bad is not None:
        raise PydanticCustomError(
            "control_character",
            "Text must not contain control characters (found U+{codepoint} at {position})",
            {"codepoint": f"{ord(bad.group()):04X}", "position": bad.start()},
        )
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = unicodedata.normalize("NFC", value)
    if len(value.strip()) > MAX_TEXT:
        raise PydanticCustomError(
            "string_too_long", "String should have at most {max_length} characters", {"max_length": MAX_TEXT}
        )
    return value


def printable(value: str) -> str:
    """Text safe for any writer (XLSX/XML, CSV, PDF): drops what XML 1.0 cannot hold."""
    return _UNPRINTABLE.sub("", value)


# The validator itself, for a domain's own alias: ``Annotated[str, limits(1, 80), Clean]``.
Clean = BeforeValidator(clean_text)


def limits(min_length: int, max_length: int) -> StringConstraints:
    """Stripped, min_length–max_length characters (counted after NFC); put it *before* ``Clean``."""
    return StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length)


# The constraints come *before* the validator in each alias on purpose: pydantic then runs clean_text
# first and applies strip/length to the cleaned, normalised string (the other order checks the raw one).

# Free text, stripped, at most 5,000 characters. Give a field its own cap with Field/Query/Form:
#     note: Text = Field("", max_length=500)
Text = Annotated[str, StringConstraints(strip_whitespace=True), Clean]
# A required single line of text (a title, a reason): 1–200 characters. Fixed cap: do not add Field(max_length).
Line = Annotated[str, limits(1, 200), Clean]
# A name of a person, place or thing: 1–100 characters.
Name = Annotated[str, limits(1, 100), Clean]
# A short label or category: 1–50 characters.
Short = Annotated[str, limits(1, 50), Clean]
# Machine tokens (codes, keys, usernames): not stripped, never a control character.
Token = Annotated[str, Clean]
