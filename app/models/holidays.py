"""Official holiday notices admins enter (国务院办公厅 holiday arrangements), over `chinese_calendar`."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, Timestamps, UUIDPk
from app.models.identity import str_enum


class NoticeDayKind(enum.StrEnum):
    holiday = "holiday"  # 放假
    workday = "workday"  # 调休上班: a Saturday or Sunday worked instead


class HolidayNotice(UUIDPk, Timestamps, Base):
    """One year's arrangement; while it exists it decides that year's working days."""

    __tablename__ = "holiday_notices"
    __table_args__ = (CheckConstraint("year BETWEEN 2000 AND 2100", name="year_sane"),)

    year: Mapped[int] = mapped_column(SmallInteger, unique=True)
    title: Mapped[str] = mapped_column(String(200))
    document_no: Mapped[str | None] = mapped_column(String(100))  # e.g. 国办发明电〔2026〕7号
    entered_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class HolidayNoticeDay(Base):
    """A day the notice names: off (holiday) or worked (make-up day); each day at most once."""

    __tablename__ = "holiday_notice_days"
    __table_args__ = (
        CheckConstraint("EXTRACT(YEAR FROM day) = year", name="day_in_year"),
        CheckConstraint("kind <> 'workday' OR EXTRACT(ISODOW FROM day) >= 6", name="workday_on_weekend"),
    )

    day: Mapped[date] = mapped_column(primary_key=True)
    notice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("holiday_notices.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[NoticeDayKind] = mapped_column(str_enum(NoticeDayKind, "notice_day_kind"))
    name: Mapped[str] = mapped_column(String(50))  # 元旦, 春节, 清明节, 劳动节, 端午节, 中秋节, 国庆节


class CalendarWarning(Base):
    """The staff were told (once per year, from 1 December) that next year's holidays are unknown."""

    __tablename__ = "calendar_warnings"

    year: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    warned_at: Mapped[datetime]
    recipients: Mapped[int] = mapped_column(default=0)
