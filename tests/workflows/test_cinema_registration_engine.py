"""The cinema registration BPMN driven end to end through the engine alone."""

from __future__ import annotations

import uuid

import pytest

from tests.workflows.support import compile_shipped, engine_with
from workflows.errors import TaskNotOpen
from workflows.instance import ProcessInstance
from workflows.sandbox import SandboxScriptEngine

CINEMA = {"name": "星光影城", "division_code": "430102"}


@pytest.fixture
def issued() -> list[dict[str, object]]:
    return []


@pytest.fixture
def engine(issued: list[dict[str, object]]) -> SandboxScriptEngine:
    def assign(_ctx: object, params: dict[str, object], data: dict[str, object]) -> str:
        issued.append({"params": dict(params), "name": data["name"]})
        return f"{str(params['division_code'])[:2]}000001"

    def certify(_ctx: object, params: dict[str, object], data: dict[str, object]) -> str:
        issued.append({"certificate_for": dict(params)})
        return "SZZS2026000001"

    return engine_with({"assign_cinema_code": assign, "issue_digital_certificate": certify})


def _only_task(instance: ProcessInstance) -> tuple[uuid.UUID, str, str]:
    (task,) = instance.open_tasks()
    return task.id, task.info.id, task.info.role


def test_model_describes_roles_forms_and_outcomes() -> None:
    model = compile_shipped("cinema_registration")
    assert model.key == "cinema_registration"
    assert model.name == "电影院注册"
    assert model.start_task == "fill_in"
    assert model.start_form == "cinema_registration"
    assert model.roles == {"applicant", "provincial_reviewer"}
    assert model.form_keys == {"cinema_registration", "review"}
    assert model.user_tasks["correct"].status == "returned"
    assert model.user_tasks["provincial_review"].status is None
    assert model.end_statuses == {"registered": "approved", "refused": "rejected"}
    assert model.properties["number_prefix"] == "YYZC"


def test_return_resubmit_and_approve(
    engine: SandboxScriptEngine, issued: list[dict[str, object]]
) -> None:
    model = compile_shipped("cinema_registration")
    instance = ProcessInstance.start(model, engine, {})
    task_id, spec, role = _only_task(instance)
    assert (spec, role) == ("fill_in", "applicant")

    instance.complete(task_id, CINEMA)
    task_id, spec, role = _only_task(instance)
    assert (spec, role) == ("provincial_review", "provincial_reviewer")

    instance.complete(task_id, {"decision": "return", "comment": "请补正"})
    task_id, spec, _ = _only_task(instance)
    assert spec == "correct"
    assert issued == []

    instance.complete(task_id, {**CINEMA, "name": "星光影城（更正）"})
    task_id, spec, _ = _only_task(instance)
    assert spec == "provincial_review"

    instance.complete(task_id, {"decision": "approve", "comment": ""})
    assert instance.is_completed
    assert instance.open_tasks() == []
    assert instance.end_status == "approved"
    assert instance.service_results() == {
        "cinema_code": "43000001",
        "digital_certificate_number": "SZZS2026000001",
    }
    assert issued == [
        {"params": {"division_code": "430102"}, "name": "星光影城（更正）"},
        {"certificate_for": {"name": "星光影城（更正）", "cinema_code": "43000001"}},
    ]


def test_reject_ends_without_a_code(
    engine: SandboxScriptEngine, issued: list[dict[str, object]]
) -> None:
    instance = ProcessInstance.start(compile_shipped("cinema_registration"), engine, {})
    instance.complete(_only_task(instance)[0], CINEMA)
    instance.complete(_only_task(instance)[0], {"decision": "reject", "comment": "不符合条件"})
    assert instance.is_completed
    assert instance.end_status == "rejected"
    assert instance.service_results() == {}
    assert issued == []


def test_state_survives_dump_and_load(engine: SandboxScriptEngine) -> None:
    model = compile_shipped("cinema_registration")
    instance = ProcessInstance.start(model, engine, {})
    instance.complete(_only_task(instance)[0], CINEMA)
    state = instance.dump()
    assert '"spec"' not in state.split('"tasks"')[0]  # the spec is stored once, not per instance

    restored = ProcessInstance.load(model, state, engine)
    task_id, spec, _ = _only_task(restored)
    assert spec == "provincial_review"
    restored.complete(task_id, {"decision": "approve", "comment": ""})
    assert restored.end_status == "approved"


def test_completing_a_task_twice_or_an_unknown_task_is_refused(
    engine: SandboxScriptEngine,
) -> None:
    instance = ProcessInstance.start(compile_shipped("cinema_registration"), engine, {})
    task_id = _only_task(instance)[0]
    instance.complete(task_id, CINEMA)
    with pytest.raises(TaskNotOpen):
        instance.complete(task_id, CINEMA)
    with pytest.raises(TaskNotOpen):
        instance.complete(uuid.uuid4(), CINEMA)


def test_cancel_closes_every_task(engine: SandboxScriptEngine) -> None:
    instance = ProcessInstance.start(compile_shipped("cinema_registration"), engine, {})
    instance.complete(_only_task(instance)[0], CINEMA)
    instance.cancel()
    assert instance.open_tasks() == []
    assert instance.end_status is None
