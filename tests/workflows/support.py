"""Helpers for driving BPMN through the engine without the portal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.packages import bpmn_of
from workflows.model import ProcessModel, compile_process
from workflows.sandbox import SandboxEnvironment, SandboxScriptEngine
from workflows.services import ServiceRegistry
from workflows.validation import Parameter, Rules, Signature

# The parameters the shipped BPMN files give their services.
OPEN = Signature(
    {name: Parameter(required=False) for name in ("division_code", "cinema_code", "name")}
)

RULES = Rules(
    roles=frozenset({"applicant", "provincial_reviewer", "national_reviewer"}),
    forms=frozenset({"cinema_registration", "review"}),
    services={"assign_cinema_code": OPEN, "issue_digital_certificate": OPEN},
    task_statuses=frozenset({"draft", "returned", "submitted", "under_review", "approved"}),
    end_statuses=frozenset({"approved", "rejected", "lapsed"}),
)


def shipped(name: str) -> bytes:
    return bpmn_of(name)


def compile_shipped(name: str) -> ProcessModel:
    return compile_process(shipped(name), RULES)


def engine_with(
    handlers: dict[str, Callable[[Any, Any, Any], Any]],
) -> SandboxScriptEngine:
    registry = ServiceRegistry()
    for name, handler in handlers.items():
        registry.register(name)(handler)
    environment = SandboxEnvironment(service_caller=registry.caller(context=None))
    return SandboxScriptEngine(environment)
