"""Process definitions, applications, the open-task projection, armed timers and
in-portal messages to applicant organisations.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Organization, Role, User
from portal.core.db import Base, JSONType, enum_type, utcnow


class ApplicationStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    LAPSED = "lapsed"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES

    @property
    def is_editable(self) -> bool:
        return self in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)


FINAL_STATUSES = frozenset(
    {
        ApplicationStatus.APPROVED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.WITHDRAWN,
        ApplicationStatus.LAPSED,
    }
)


class TaskState(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TimerState(StrEnum):
    WAITING = "waiting"
    FIRED = "fired"
    CANCELLED = "cancelled"


class ProcessDefinition(Base):
    """One version of a BPMN process with the forms it uses, stored once by hash.

    ``spec`` is SpiffWorkflow's serialised process spec; running instances are
    stored without it and joined with it on load.
    """

    __tablename__ = "process_definitions"
    __table_args__ = (
        sa.UniqueConstraint("key", "version"),
        sa.UniqueConstraint("key", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(sa.String(200))
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    bpmn_xml: Mapped[str] = mapped_column(sa.Text)
    forms: Mapped[dict[str, Any]] = mapped_column(JSONType)
    spec: Mapped[str] = mapped_column(sa.Text)
    meta: Mapped[dict[str, Any]] = mapped_column(JSONType)
    manifest: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """The package's ``manifest.json`` (see :mod:`portal.applications.manifest`);
    None for a version published without one."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class Application(Base):
    """An enterprise's application: one running (or finished) process instance."""

    __tablename__ = "applications"
    __table_args__ = (
        # Newest-first lists: everything (administrators) and an organisation's.
        sa.Index("ix_applications_newest", "created_at", "id"),
        sa.Index("ix_applications_organization_newest", "organization_id", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    definition_id: Mapped[int] = mapped_column(sa.ForeignKey("process_definitions.id"))
    process_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    number: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    status: Mapped[ApplicationStatus] = mapped_column(enum_type(ApplicationStatus, 16), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    division_code: Mapped[str | None] = mapped_column(sa.String(6), index=True)
    workflow_state: Mapped[str] = mapped_column(sa.Text)
    row_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]

    definition: Mapped[ProcessDefinition] = relationship()
    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User] = relationship()
    tasks: Mapped[list[Task]] = relationship(
        back_populates="application", order_by="Task.created_at"
    )

    # Optimistic concurrency: an UPDATE from a stale read matches no row.
    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012


class Task(Base):
    """A user task of an application, projected from the workflow for inboxes.

    Rows are never deleted: a completed or cancelled task keeps who did it.
    ``scope`` follows the user scopes (see :class:`User`); applicant tasks
    carry the organisation instead.
    """

    __tablename__ = "tasks"
    __table_args__ = (
        # ``text_pattern_ops``: PostgreSQL turns ``scope LIKE '43%'`` into an index
        # range only with it (the database's collation is not "C").
        sa.Index(
            "ix_tasks_inbox",
            "state",
            "role",
            "scope",
            postgresql_ops={"scope": "text_pattern_ops"},
        ),
        sa.Index("ix_tasks_application_state", "application_id", "state"),
        # A reviewer's 已办 tab: the tasks it completed, latest first.
        sa.Index("ix_tasks_completed_by", "completed_by_id", "state", "completed_at"),
        # The few escalated tasks (督办), for the supervisors' overdue lists.
        sa.Index(
            "ix_tasks_escalated",
            "due_at",
            postgresql_where=sa.text("escalated_at IS NOT NULL"),
            sqlite_where=sa.text("escalated_at IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    spec_id: Mapped[str] = mapped_column(sa.String(100))
    name: Mapped[str] = mapped_column(sa.String(200))
    form_key: Mapped[str] = mapped_column(sa.String(100))
    role: Mapped[Role] = mapped_column(enum_type(Role, 32))
    scope: Mapped[str] = mapped_column(sa.String(6), default="")
    organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organizations.id"))
    state: Mapped[TaskState] = mapped_column(enum_type(TaskState, 16), default=TaskState.OPEN)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    due_provisional: Mapped[bool] = mapped_column(default=False)
    escalated_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    application: Mapped[Application] = relationship(back_populates="tasks")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id])

    def is_overdue(self, now: datetime) -> bool:
        """Open and past its deadline (a deadline ends at its instant: 24:00 is late)."""
        return self.state == TaskState.OPEN and self.due_at is not None and now >= self.due_at


class ApplicationReach(Base):
    """Which desks an application reached: one row per reviewer role and scope
    prefix that ever had (or supervised) one of its tasks.

    A task of role R with scope ``"430102"`` adds ``(R, "")``, ``(R, "43")``,
    ``(R, "4301")`` and ``(R, "430102")``, so a reviewer sees an application
    when a row matches its role and its scope *exactly*; an escalated task adds
    ``(national_reviewer, "")``. ``created_at`` is the application's, copied so
    that one index range scan serves a reviewer's newest-first list. Rows are
    only added (:mod:`portal.applications.reach`), never changed or deleted.
    """

    __tablename__ = "application_reach"
    __table_args__ = (
        sa.Index(
            "ix_application_reach_desk", "role", "scope_prefix", "created_at", "application_id"
        ),
    )

    application_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("applications.id"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(enum_type(Role, 32), primary_key=True)
    scope_prefix: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    created_at: Mapped[datetime]


class Timer(Base):
    """A timer event of an application's process, waiting for ``due_at``.

    The scheduler (``flask --app wsgi tick``) fires the waiting ones that are
    due. A deadline counted in working days remembers how it was counted
    (``started_at``, ``working_days``), so it can be counted again when the
    calendar of its year is entered (``provisional``).
    """

    __tablename__ = "timers"
    __table_args__ = (
        sa.Index("ix_timers_due", "state", "due_at"),
        sa.Index("ix_timers_application_state", "application_id", "state"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    application_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("applications.id"), index=True)
    spec_id: Mapped[str] = mapped_column(sa.String(100))
    state: Mapped[TimerState] = mapped_column(enum_type(TimerState, 16))
    due_at: Mapped[datetime]
    attached_task_id: Mapped[uuid.UUID | None]
    interrupting: Mapped[bool]
    provisional: Mapped[bool] = mapped_column(default=False)
    started_at: Mapped[datetime | None]
    working_days: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    fired_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    application: Mapped[Application] = relationship()


class Notification(Base):
    """A message to an organisation in the portal (e.g. "the 48-hour window closes soon")."""

    __tablename__ = "notifications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id"), index=True)
    application_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("applications.id"))
    kind: Mapped[str] = mapped_column(sa.String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]

    application: Mapped[Application | None] = relationship()
