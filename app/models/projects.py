"""Community projects (民生微实事, 微公益创投) up to funding, and the social organisations that run them.

Money is integer fen in BIGINT columns (`*_fen`), never points and never floats. A call's budget cap,
an application's budget lines (quantity × unit price, checked by the database) and the amount funded
are all fen. Scores are integers too: a review's weighted score is kept in hundredths of a point
(0–10000 for 0–100), so ranking is exact and the same on every run.

Invariants the database holds: one leader per organisation (partial unique index), one ballot per
resident per call and one pick per project per ballot (unique keys: the vote is exact under
parallel requests), one review per reviewer and application, a line's amount = quantity × unit price.
Execution and acceptance live in `app.models.project_delivery`.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.core import clock
from app.models.base import Base, Timestamps, UUIDPk
from app.models.identity import str_enum

# ---------------------------------------------------------------- social organisations


class OrganisationKind(enum.StrEnum):
    social_org = "social_org"  # 社会组织
    volunteer_team = "volunteer_team"  # 志愿服务队
    hobby_group = "hobby_group"  # 自乐组织 (群众自发的文体团队)


class OrganisationStatus(enum.StrEnum):
    incubating = "incubating"  # 孵化中
    registered = "registered"  # 已登记
    inactive = "inactive"  # 停止活动


class MemberRole(enum.StrEnum):
    leader = "leader"  # 负责人 / 队长
    member = "member"


class Organisation(UUIDPk, Timestamps, Base):
    """A social organisation, volunteer team or hobby group registered with the community."""

    __tablename__ = "organisations"
    __table_args__ = (
        UniqueConstraint("credit_code"),
        Index("ix_organisations_community_created", "community_id", "created_at", "id"),
        # A registered 社会组织 has its unified social credit code (统一社会信用代码).
        CheckConstraint(
            "kind <> 'social_org' OR status <> 'registered' OR credit_code IS NOT NULL",
            name="registered_has_code",
        ),
        CheckConstraint("credit_code IS NULL OR length(credit_code) = 18", name="credit_code_length"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind, "organisation_kind"))
    status: Mapped[OrganisationStatus] = mapped_column(str_enum(OrganisationStatus, "organisation_status"))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    description: Mapped[str] = mapped_column(Text, default="")
    founded_on: Mapped[date | None]
    # Staff side only: the contact's phone never leaves it (app.core.privacy).
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class OrganisationMember(UUIDPk, Base):
    __tablename__ = "organisation_members"
    __table_args__ = (
        UniqueConstraint("organisation_id", "user_id"),
        Index(
            "ix_organisation_members_one_leader",
            "organisation_id",
            unique=True,
            postgresql_where=text("role = 'leader'"),
        ),
    )

    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole, "organisation_member_role"))
    joined_on: Mapped[date] = mapped_column(default=clock.today)


class OrganisationService(Base):
    """A bookable service (bookings provider) that the organisation provides; one provider per service."""

    __tablename__ = "organisation_services"

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("booking_services.id"), primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    linked_at: Mapped[datetime] = mapped_column(default=clock.now)


class OrganisationActivity(Base):
    """The organiser-organisation link of a volunteer activity: the team that organised it.

    Its volunteer hours are the ledger's volunteer_reward transfers of these activities.
    """

    __tablename__ = "organisation_activities"

    activity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("activities.id"), primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    linked_at: Mapped[datetime] = mapped_column(default=clock.now)


# ---------------------------------------------------------------- calls (征集)


class CallKind(enum.StrEnum):
    minsheng = "minsheng"  # 民生微实事
    venture = "venture"  # 微公益创投


class CallStatus(enum.StrEnum):
    draft = "draft"  # staff still preparing; nobody else sees it
    open = "open"  # published; its phase follows its dates
    funded = "funded"  # 立项: the funding round was run
    cancelled = "cancelled"


class ProjectCall(UUIDPk, Timestamps, Base):
    __tablename__ = "project_calls"
    __table_args__ = (
        Index("ix_project_calls_community_created", "community_id", "created_at", "id"),
        CheckConstraint("budget_cap_fen > 0", name="cap_positive"),
        CheckConstraint("funded_fen >= 0 AND funded_fen <= budget_cap_fen", name="funded_within_cap"),
        CheckConstraint("closes_at > opens_at", name="closes_after_opens"),
        CheckConstraint(
            "(voting_opens_at IS NULL) = (voting_closes_at IS NULL)"
            " AND (voting_opens_at IS NULL OR (voting_opens_at >= closes_at"
            " AND voting_closes_at > voting_opens_at))",
            name="voting_window",
        ),
        CheckConstraint("votes_per_resident IS NULL OR votes_per_resident > 0", name="votes_positive"),
        CheckConstraint("vote_weight BETWEEN 0 AND 100", name="vote_weight_range"),
        CheckConstraint("pass_score BETWEEN 0 AND 100", name="pass_score_range"),
        CheckConstraint("open_to_residents OR open_to_organisations", name="someone_may_apply"),
    )

    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    kind: Mapped[CallKind] = mapped_column(str_enum(CallKind, "project_call_kind"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[CallStatus] = mapped_column(str_enum(CallStatus, "project_call_status"))
    budget_cap_fen: Mapped[int] = mapped_column(BigInteger)
    funded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    categories: Mapped[list[str]] = mapped_column(JSONB, default=list)
    open_to_residents: Mapped[bool] = mapped_column(default=True)
    open_to_organisations: Mapped[bool] = mapped_column(default=True)
    registered_only: Mapped[bool] = mapped_column(default=False)  # organisations must be 已登记
    # Phases: 申报 opens_at–closes_at (drafts editable until closes_at), 资格审查与评审 until
    # review_ends_on, then the optional resident vote, then 立项 (fund).
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    review_ends_on: Mapped[date | None]
    voting_opens_at: Mapped[datetime | None]
    voting_closes_at: Mapped[datetime | None]
    votes_per_resident: Mapped[int | None]  # picks per ballot; None: no resident vote
    vote_weight: Mapped[int] = mapped_column(SmallInteger, default=0)  # percent of the ranking score
    pass_score: Mapped[int] = mapped_column(SmallInteger, default=60)  # 验收合格线 (0–100)
    decision_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("decisions.id"))
    funded_at: Mapped[datetime | None]
    funded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))


class CallCriterion(UUIDPk, Base):
    """A review criterion (评审指标) with its weight in percent; a call's weights sum to 100."""

    __tablename__ = "project_call_criteria"
    __table_args__ = (
        UniqueConstraint("call_id", "seq"),
        CheckConstraint("weight BETWEEN 1 AND 100", name="weight_range"),
        CheckConstraint("max_score BETWEEN 1 AND 100", name="max_score_range"),
    )

    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_calls.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(100))
    weight: Mapped[int] = mapped_column(SmallInteger)
    max_score: Mapped[int] = mapped_column(SmallInteger, default=10)


# ---------------------------------------------------------------- applications (申报)


class ApplicationStatus(enum.StrEnum):
    draft = "draft"
    submitted = "submitted"
    eligible = "eligible"  # 资格审查通过
    ineligible = "ineligible"  # 资格审查未通过 (with reasons)
    funded = "funded"  # 立项
    not_funded = "not_funded"
    withdrawn = "withdrawn"


class ProjectApplication(UUIDPk, Timestamps, Base):
    __tablename__ = "project_applications"
    __table_args__ = (
        Index("ix_project_applications_call_created", "call_id", "created_at", "id"),
        CheckConstraint("requested_fen >= 0", name="requested_not_negative"),
        CheckConstraint("beneficiaries_count >= 0", name="beneficiaries_not_negative"),
        CheckConstraint("funded_fen IS NULL OR funded_fen = requested_fen", name="funded_in_full"),
    )

    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_calls.id"))
    community_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("org_units.id"))
    applicant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus, "project_application_status")
    )
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(50), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    beneficiaries: Mapped[str] = mapped_column(Text, default="")
    beneficiaries_count: Mapped[int] = mapped_column(default=0)
    requested_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # the sum of its budget lines
    submitted_at: Mapped[datetime | None]
    eligibility_reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    eligibility_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    eligibility_at: Mapped[datetime | None]
    # Filled by the funding round (立项): the ranking score in hundredths, the rank, what was funded.
    score_centi: Mapped[int | None]
    votes: Mapped[int | None]
    rank: Mapped[int | None]
    funded_fen: Mapped[int | None] = mapped_column(BigInteger)
    funding_note: Mapped[str | None] = mapped_column(String(200))


class BudgetLine(UUIDPk, Base):
    """预算明细: item × quantity × unit price in fen; spending is recorded against a line."""

    __tablename__ = "project_budget_lines"
    __table_args__ = (
        UniqueConstraint("application_id", "seq"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_fen >= 0", name="unit_price_not_negative"),
        CheckConstraint("amount_fen = quantity * unit_price_fen", name="amount_is_product"),
        CheckConstraint("approved_extra_fen >= 0", name="extra_not_negative"),
        # The line is never overspent: a staff-approved change (approved_extra_fen) is the only way up.
        CheckConstraint(
            "spent_fen >= 0 AND spent_fen <= amount_fen + approved_extra_fen", name="not_overspent"
        ),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("project_applications.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(SmallInteger)
    item: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(String(20), default="")
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    approved_extra_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class Milestone(UUIDPk, Base):
    __tablename__ = "project_milestones"
    __table_args__ = (UniqueConstraint("application_id", "seq"),)

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("project_applications.id", ondelete="CASCADE")
    )
    seq: Mapped[int] = mapped_column(SmallInteger)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None]
    done_at: Mapped[datetime | None]
    done_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


# ---------------------------------------------------------------- selection (遴选)


class ReviewerKind(enum.StrEnum):
    staff = "staff"
    expert = "expert"  # 受邀专家


class Reviewer(UUIDPk, Base):
    __tablename__ = "project_reviewers"
    __table_args__ = (UniqueConstraint("call_id", "user_id"),)

    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_calls.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[ReviewerKind] = mapped_column(str_enum(ReviewerKind, "project_reviewer_kind"))
    invited_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    invited_at: Mapped[datetime] = mapped_column(default=clock.now)


class ConflictOfInterest(UUIDPk, Base):
    """利益冲突申报: a reviewer who declared one for an application cannot score it."""

    __tablename__ = "project_conflicts"
    __table_args__ = (UniqueConstraint("reviewer_id", "application_id"),)

    reviewer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_reviewers.id", ondelete="CASCADE"))
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("project_applications.id", ondelete="CASCADE"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    declared_at: Mapped[datetime] = mapped_column(default=clock.now)


class Review(UUIDPk, Base):
    __tablename__ = "project_reviews"
    __table_args__ = (
        UniqueConstraint("application_id", "reviewer_id"),
        CheckConstraint("score_centi BETWEEN 0 AND 10000", name="score_range"),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("project_applications.id", ondelete="CASCADE")
    )
    reviewer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_reviewers.id"), index=True)
    scores: Mapped[dict[str, int]] = mapped_column(JSONB)  # criterion id → score (0..max_score)
    score_centi: Mapped[int]  # Σ weight × score / max_score, in hundredths of a point (0–10000)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class Ballot(UUIDPk, Base):
    """A resident's one ballot in a call's vote (居民投票); its picks are `project_votes`."""

    __tablename__ = "project_ballots"
    __table_args__ = (UniqueConstraint("call_id", "user_id"),)

    call_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_calls.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    cast_at: Mapped[datetime] = mapped_column(default=clock.now)


class Vote(UUIDPk, Base):
    __tablename__ = "project_votes"
    __table_args__ = (UniqueConstraint("ballot_id", "application_id"),)

    ballot_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("project_ballots.id", ondelete="CASCADE"))
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("project_applications.id", ondelete="CASCADE"), index=True
    )
