"""The API contract of personal-data requests: the export, and closing an account."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.core.text import Line


class PersonalData(BaseModel):
    generated_at: datetime
    user_id: uuid.UUID
    rules: str = Field(description="What is included and what is left out, in words")
    records: dict[str, list[dict[str, Any]]] = Field(
        description="Per table: every row that names you (secrets such as password hashes left out)"
    )


class CloseIn(BaseModel):
    confirm: Line = Field(max_length=10, description='The word "注销"')


class WalletMove(BaseModel):
    asset: str
    amount: int
    to: str = Field(description="Where the value went: the community's issuance account")


class ClosedOut(BaseModel):
    user_id: uuid.UUID
    closed_at: datetime
    wallet: list[WalletMove]
    erased: dict[str, int] = Field(description="Rows erased or pseudonymised, per table")
