"""Timers in the engine: armed with their moment, fired by the clock, rescheduled."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tests.workflows.support import RULES
from workflows.errors import TaskNotOpen
from workflows.instance import ProcessInstance
from workflows.model import ProcessModel, compile_process
from workflows.sandbox import SandboxEnvironment, SandboxScriptEngine
from workflows.services import ServiceRegistry
from workflows.validation import Parameter, Signature

CHINA = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 9, 30, 10, 0, tzinfo=CHINA)
BPMN = (Path(__file__).parent / "bpmn" / "deadlines.bpmn").read_bytes()


@pytest.fixture
def model() -> ProcessModel:
    rules = RULES.__class__(
        **{**RULES.__dict__, "services": {"escalate": Signature({"task": Parameter()})}}
    )
    return compile_process(BPMN, rules)


@pytest.fixture
def escalations() -> list[str]:
    return []


@pytest.fixture
def engine(escalations: list[str]) -> SandboxScriptEngine:
    registry = ServiceRegistry()

    @registry.register("escalate")
    def escalate(_ctx: object, params: dict[str, object], _data: object) -> bool:
        escalations.append(str(params["task"]))
        return True

    def working_days_deadline(days: int) -> str:
        # A stand-in calendar for the engine test: whole days, no holidays.
        return (datetime.now(UTC) + timedelta(days=days)).isoformat()

    environment = SandboxEnvironment(
        functions={"working_days_deadline": working_days_deadline},
        service_caller=registry.caller(None),
    )
    return SandboxScriptEngine(environment)


def submitted(model: ProcessModel, engine: SandboxScriptEngine) -> ProcessInstance:
    instance = ProcessInstance.start(model, engine, {})
    (fill,) = instance.open_tasks()
    instance.complete(fill.id, {})
    return instance


def test_a_boundary_timer_is_armed_with_its_moment_and_task(
    model: ProcessModel, engine: SandboxScriptEngine
) -> None:
    with time_machine.travel(START, tick=False):
        instance = submitted(model, engine)
    (review,) = instance.open_tasks()
    (timer,) = instance.waiting_timers()
    assert timer.spec_id == "review_late"
    assert timer.due_at == START + timedelta(days=3)
    assert timer.attached_to == review.id
    assert timer.interrupting is False
    assert timer.is_deadline is False


def test_nothing_fires_before_its_moment(
    model: ProcessModel, engine: SandboxScriptEngine, escalations: list[str]
) -> None:
    with time_machine.travel(START, tick=False):
        instance = submitted(model, engine)
    with time_machine.travel(START + timedelta(days=3) - timedelta(seconds=1), tick=False):
        instance.fire_due_timers()
    assert escalations == []
    assert len(instance.waiting_timers()) == 1


def test_a_non_interrupting_timer_escalates_and_the_task_stays_open(
    model: ProcessModel, engine: SandboxScriptEngine, escalations: list[str]
) -> None:
    with time_machine.travel(START, tick=False):
        instance = submitted(model, engine)
    (review,) = instance.open_tasks()
    (timer,) = instance.waiting_timers()
    with time_machine.travel(START + timedelta(days=3, seconds=1), tick=False):
        instance.fire_due_timers()
    assert escalations == ["review"]
    assert [t.id for t in instance.open_tasks()] == [review.id]
    assert instance.waiting_timers() == []
    assert instance.task_state(timer.id) == "completed"
    assert not instance.is_completed


def test_a_timer_fires_at_its_very_instant(
    model: ProcessModel, engine: SandboxScriptEngine, escalations: list[str]
) -> None:
    with time_machine.travel(START, tick=False):
        instance = submitted(model, engine)
    with time_machine.travel(START + timedelta(days=3), tick=False):
        instance.fire_due_timers()
    assert escalations == ["review"]


def test_a_timer_long_past_fires_at_the_next_refresh_only_once(
    model: ProcessModel, engine: SandboxScriptEngine, escalations: list[str]
) -> None:
    with time_machine.travel(START, tick=False):
        instance = submitted(model, engine)
    with time_machine.travel(START + timedelta(days=30), tick=False):
        instance.fire_due_timers()
        instance.fire_due_timers()
    assert escalations == ["review"]


def confirming(model: ProcessModel, engine: SandboxScriptEngine) -> ProcessInstance:
    with time_machine.travel(START, tick=False):
        instance = submitted(model, engine)
        (review,) = instance.open_tasks()
        instance.complete(review.id, {"decision": "approve"})
    return instance


def test_the_window_timers_and_the_marked_deadline(
    model: ProcessModel, engine: SandboxScriptEngine
) -> None:
    instance = confirming(model, engine)
    timers = {t.spec_id: t for t in instance.waiting_timers()}
    assert timers.keys() == {"window_closing", "window_closed"}
    assert timers["window_closed"].due_at == START + timedelta(hours=48)
    assert timers["window_closed"].interrupting and timers["window_closed"].is_deadline
    assert timers["window_closing"].due_at == START + timedelta(hours=42)


def test_confirmed_at_47_hours_ends_approved(
    model: ProcessModel, engine: SandboxScriptEngine
) -> None:
    instance = confirming(model, engine)
    with time_machine.travel(START + timedelta(hours=47), tick=False):
        instance.fire_due_timers()
        (confirm,) = instance.open_tasks()
        instance.complete(confirm.id, {})
    assert instance.end_status == "approved"
    assert instance.waiting_timers() == []


def test_unconfirmed_at_49_hours_lapses_and_cannot_be_confirmed(
    model: ProcessModel, engine: SandboxScriptEngine
) -> None:
    instance = confirming(model, engine)
    (confirm,) = instance.open_tasks()
    with time_machine.travel(START + timedelta(hours=49), tick=False):
        instance.fire_due_timers()
    assert instance.is_completed
    assert instance.end_status == "lapsed"
    with pytest.raises(TaskNotOpen):
        instance.complete(confirm.id, {})


def test_rescheduling_moves_a_date_timer(model: ProcessModel, engine: SandboxScriptEngine) -> None:
    with time_machine.travel(START, tick=False):
        instance = submitted(model, engine)
    (timer,) = instance.waiting_timers()
    later = START + timedelta(days=5)
    instance.reschedule_timer(timer.id, later)
    assert instance.waiting_timers()[0].due_at == later
    restored = ProcessInstance.load(model, instance.dump(), engine)
    assert restored.waiting_timers()[0].due_at == later
    with pytest.raises(TaskNotOpen):
        instance.reschedule_timer(uuid.uuid4(), later)
