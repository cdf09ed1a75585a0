"""Loaded instances share their model's restored spec and never change it."""

from __future__ import annotations

import json
from typing import Any

from tests.workflows.support import compile_shipped, engine_with
from workflows.instance import ProcessInstance
from workflows.model import SERIALIZER, ProcessModel
from workflows.sandbox import SandboxScriptEngine

CINEMA = {"name": "星光影城", "division_code": "430102"}


def engine() -> SandboxScriptEngine:
    return engine_with(
        {
            "assign_cinema_code": lambda _c, _p, _d: "43000001",
            "issue_digital_certificate": lambda _c, _p, _d: "SZZS2026000001",
        }
    )


def stored_spec_as_dict(model: ProcessModel) -> dict[str, Any]:
    spec, subprocess_specs = model.stored_spec()
    return {
        "spec": SERIALIZER.registry.convert(spec),
        "subprocess_specs": {
            k: SERIALIZER.registry.convert(v) for k, v in subprocess_specs.items()
        },
    }


def reloaded(model: ProcessModel, instance: ProcessInstance) -> ProcessInstance:
    return ProcessInstance.load(model, instance.dump(), engine())


def decide(model: ProcessModel, instance: ProcessInstance, data: dict[str, Any]) -> ProcessInstance:
    (task,) = instance.open_tasks()
    instance.complete(task.id, data)
    return reloaded(model, instance)


def test_the_restored_spec_is_the_stored_one_and_is_shared() -> None:
    model = compile_shipped("cinema_registration")
    assert stored_spec_as_dict(model) == json.loads(model.spec_json)
    first = reloaded(model, ProcessInstance.start(model, engine(), {}))
    second = reloaded(model, ProcessInstance.start(model, engine(), {}))
    assert first._workflow.spec is second._workflow.spec is model.stored_spec()[0]


def test_running_loaded_instances_leaves_the_shared_spec_unchanged() -> None:
    model = compile_shipped("cinema_registration")
    before = stored_spec_as_dict(model)
    returned = reloaded(model, ProcessInstance.start(model, engine(), {}))
    approved = reloaded(model, ProcessInstance.start(model, engine(), {}))
    returned = decide(model, returned, CINEMA)
    approved = decide(model, approved, CINEMA)
    returned = decide(model, returned, {"decision": "return", "comment": "不清晰"})
    returned = decide(model, returned, CINEMA)
    approved = decide(model, approved, {"decision": "approve"})
    returned = decide(model, returned, {"decision": "reject", "comment": "不符合"})

    assert approved.is_completed and approved.end_status == "approved"
    assert returned.is_completed and returned.end_status == "rejected"
    assert stored_spec_as_dict(model) == before


def test_a_loaded_instance_dumps_what_it_was_loaded_from() -> None:
    model = compile_shipped("cinema_registration")
    instance = decide(model, ProcessInstance.start(model, engine(), {}), CINEMA)
    state = instance.dump()
    assert ProcessInstance.load(model, state, engine()).dump() == state
