"""Pydantic shapes of the inbox and subscription endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, computed_field

from app.core.text import Text


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str = Field(description='What happened, e.g. "ticket.resolved"')
    title: str
    body: str
    link: str | None = Field(description="The record it is about, e.g. /tickets/{id}")
    data: dict[str, Any]
    created_at: datetime
    read_at: datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def read(self) -> bool:
        return self.read_at is not None


class UnreadCountOut(BaseModel):
    unread: int


class ReadAllOut(BaseModel):
    updated: int = Field(description="How many notifications were marked read")


class SubscriptionsIn(BaseModel):
    template_ids: list[Annotated[Text, Field(min_length=1, max_length=128)]] = Field(
        min_length=1,
        max_length=20,
        description="Template ids the user accepted in wx.requestSubscribeMessage (one grant each)",
    )


class TemplateGrantOut(BaseModel):
    template_id: str
    kinds: list[str] = Field(description='Notification kinds sent with it ("ticket.*" = every ticket event)')
    remaining: int = Field(description="Messages WeChat will still deliver with this template")


class SubscriptionsOut(BaseModel):
    templates: list[TemplateGrantOut]
