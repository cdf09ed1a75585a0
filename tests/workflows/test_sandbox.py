"""The sandbox for BPMN expressions and scripts: escapes refused, data shaping works."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from workflows.sandbox import (
    ALLOWED_BUILTINS,
    SandboxEnvironment,
    SandboxLimits,
    SandboxScriptEngine,
    SandboxViolation,
    check_expression,
    check_script,
)


def _secret(value: int) -> int:
    return value


HELPERS: dict[str, Callable[..., Any]] = {
    "double": lambda value: value * 2,
    "fn": _secret,
    "bound": functools.partial(_secret, 42),
}


@pytest.fixture
def env() -> SandboxEnvironment:
    return SandboxEnvironment(functions=HELPERS)


@pytest.fixture
def data() -> dict[str, Any]:
    return {
        "x": 1,
        "decision": "approve",
        "name": "  Wandering Earth ",
        "halls": [{"seats": 60}, {"seats": 70}],
        "deadline": datetime(2025, 3, 4, 12, 30),
        "meta": {"genre": "sci-fi"},
    }


ESCAPES = [
    "__import__('os').system('true')",
    "().__class__.__base__.__subclasses__()",
    "open('/etc/passwd').read()",
    "getattr(x, '__class__')",
    '"{0.__class__}".format(1)',
    "\"{x.__class__}\".format_map({'x': 1})",
    'f"{x.__class__}"',
    "(y for y in [1]).gi_frame.f_back.f_globals",
    "(y for y in [1]).gi_running",
    "(y for y in [1]).send(None)",
    "[].__class__",
    "type(1)",
    "vars()",
    "globals()",
    "locals()",
    "dir()",
    "eval('1')",
    "exec('x=1')",
    "compile('1','','eval')",
    "9**9**9",
    "list(range(10**9))",
    "list(range(1000000000))",
    "[i for i in range(100000) for j in range(100000)]",
    "lambda: 1",
    "fn.__globals__",
    "fn.__code__.co_consts",
    "fn.gi_frame",
    "fn.func_globals",
    "bound.func",
    "bound.args",
    "double.__closure__",
    "deadline.tzinfo",
    "meta.keys().mapping",
    "print(1)",
    "[*halls]",
    "{**meta}",
    "double(*halls)",
    "'a' * 1000000000",
    "[0] * 1000000000",
    "1 << 1000000",
    "f'{x:>1000000000}'",
    "'%1000000000d' % x",
    "'%*d' % (1000000000, x)",
    "('x' * 100000).replace('', 'y' * 100000)",
    "', '.join(['x' * 100000] * 1000)",
    "name.zfill(1000000000)",
    "b'bytes'",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_escape_refused_by_evaluate(
    env: SandboxEnvironment, data: dict[str, Any], source: str
) -> None:
    with pytest.raises(SandboxViolation):
        env.evaluate(source, data)


@pytest.mark.parametrize("source", ESCAPES)
def test_escape_refused_by_execute(
    env: SandboxEnvironment, data: dict[str, Any], source: str
) -> None:
    before = json.dumps(data, default=str)
    with pytest.raises(SandboxViolation):
        env.execute(f"result = {source}", data)
    assert json.dumps(data, default=str) == before


SCRIPT_ONLY = [
    "import os",
    "from os import path",
    "def f(): pass",
    "class C: pass",
    "while True: pass",
    "try:\n    x = 1\nexcept Exception:\n    pass",
    "raise ValueError('x')",
    "assert x",
    "global x",
    "with x: pass",
    "x **= 2",
    "async def f(): pass",
    "y = (z := 1)",
]


@pytest.mark.parametrize("source", SCRIPT_ONLY)
def test_script_statement_refused(env: SandboxEnvironment, source: str) -> None:
    problems = check_script(source)
    assert problems
    assert all(problem.startswith("Line ") for problem in problems)
    with pytest.raises(SandboxViolation):
        env.execute(source, {"x": 1})


def test_power_is_refused_at_compile_time_without_running(env: SandboxEnvironment) -> None:
    started = time.monotonic()
    with pytest.raises(SandboxViolation, match=r"\*\* operator"):
        env.evaluate("9**9**9", {})
    assert time.monotonic() - started < 1
    assert check_expression("9**9**9") == ["Line 1: the ** operator is not allowed in the sandbox"]


def test_iteration_budget(env: SandboxEnvironment) -> None:
    with pytest.raises(SandboxViolation, match="items iterated"):
        env.evaluate("[i for i in range(100000) for j in range(100000)]", {})


def test_range_cap(env: SandboxEnvironment) -> None:
    assert env.evaluate("len(range(100000))", {}) == 100_000
    with pytest.raises(SandboxViolation, match="range"):
        env.evaluate("range(100001)", {})


@pytest.mark.parametrize(
    "script",
    [
        "s = 'ab'\nfor i in range(40):\n    s = s + s",
        "items = [1]\nfor i in range(40):\n    items.extend(items)",
        "items = [1]\nfor i in range(40):\n    items += items",
        "rows = [list(range(100000)) for i in range(1000)]",
        "big = 'x' * 100000\nparts = [big[:] for i in range(1000)]",
        "n = 3\nfor i in range(30):\n    n = n * n",
    ],
)
def test_growth_budget(env: SandboxEnvironment, script: str) -> None:
    with pytest.raises(SandboxViolation):
        env.execute(script, {})


def test_time_limit() -> None:
    env = SandboxEnvironment(limits=SandboxLimits(time_limit=-1.0))
    with pytest.raises(SandboxViolation, match="longer than"):
        env.evaluate("sum(i for i in range(10))", {})


def test_iterating_unknown_objects_is_refused() -> None:
    env = SandboxEnvironment(functions={"rows": lambda: iter([1, 2])})
    with pytest.raises(SandboxViolation, match="cannot iterate over list_iterator"):
        env.evaluate("[r for r in rows()]", {})


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('decision == "approve"', True),
        ('decision != "approve" or x > 0', True),
        ('decision in ("approve", "reject")', True),
        ("(x + 2) * 3 - 4 / 2 // 1 % 5", 7.0),
        ("name.strip().upper()", "WANDERING EARTH"),
        ('name.replace("Earth", "Moon").split()', ["Wandering", "Moon"]),
        ('meta.get("genre")', "sci-fi"),
        ('meta.get("rating", "none")', "none"),
        ('sum(h["seats"] for h in halls) > 100', True),
        ('len(halls) == 2 and min(h["seats"] for h in halls) == 60', True),
        ('max([h["seats"] for h in halls])', 70),
        ("deadline.year", 2025),
        ("deadline.strftime('%Y-%m-%d')", "2025-03-04"),
        ('f"{deadline:%Y年%m月%d日} {x:03d}"', "2025年03月04日 001"),
        ("'%s-%04d' % (decision, x)", "approve-0001"),
        ('", ".join(sorted(meta))', "genre"),
        ("{k: v for k, v in meta.items()}", {"genre": "sci-fi"}),
        ("[i for i, h in enumerate(halls)]", [0, 1]),
        ("list(zip([1, 2], 'ab'))", [(1, "a"), (2, "b")]),
        ("halls[0]['seats'] + halls[-1:][0]['seats']", 130),
        ("double(x) + fn(3)", 5),
        ("'PT48H'", "PT48H"),
        ("int('12') + round(2.6) + abs(-1)", 16),
        ("any(h['seats'] > 65 for h in halls) and not all(h['seats'] > 65 for h in halls)", True),
        ("dict(a=1) | {'b': 2}", {"a": 1, "b": 2}),
        ("str(x) + str(None)", "1None"),
        ("  decision == 'approve'\n", True),
    ],
)
def test_allowed_expressions(
    env: SandboxEnvironment, data: dict[str, Any], source: str, expected: object
) -> None:
    assert check_expression(source) == []
    assert env.evaluate(source, data) == expected


def test_evaluate_does_not_mutate_context(env: SandboxEnvironment, data: dict[str, Any]) -> None:
    before = json.dumps(data, default=str)
    assert env.evaluate("sorted(h['seats'] for h in halls)", data) == [60, 70]
    with pytest.raises(SandboxViolation, match="read-only"):
        env.evaluate("halls.append(1)", data)
    with pytest.raises(SandboxViolation, match="read-only"):
        env.evaluate("meta.update(x=1)", data)
    assert json.dumps(data, default=str) == before


def test_evaluate_sees_data_objects_and_undefined_names_fail(env: SandboxEnvironment) -> None:
    assert env.evaluate("approved and quota > 1", {"quota": 2}, {"approved": True}) is True
    with pytest.raises(NameError, match="missing"):
        env.evaluate("missing == 1", {})


def test_execute_leaves_results_and_nothing_else(
    env: SandboxEnvironment, data: dict[str, Any]
) -> None:
    script = (
        'total = sum(h["seats"] for h in halls)\n'
        "for hall in halls:\n"
        '    hall["big"] = hall["seats"] > 65\n'
        "labels = [name.strip()]\n"
        "labels += ['x']\n"
        "alias = sum\n"
        "del x\n"
    )
    assert env.execute(script, data) is True
    assert data["total"] == 130
    assert [hall["big"] for hall in data["halls"]] == [False, True]
    assert data["labels"] == ["Wandering Earth", "x"]
    assert "x" not in data
    leaked = {"alias", "__builtins__", "sum", "double", "fn", "bound", "_getattr_", "_getiter_"}
    assert not leaked & set(data)
    assert not any(callable(value) for value in data.values())


def test_execute_failure_leaves_context_untouched(
    env: SandboxEnvironment, data: dict[str, Any]
) -> None:
    before = json.dumps(data, default=str)
    with pytest.raises(KeyError):
        env.execute("halls[0]['seats'] = 1\ntotal = 1\nmissing = meta['nope']", data)
    assert json.dumps(data, default=str) == before


def test_execute_refuses_writes_to_immutable_values(env: SandboxEnvironment) -> None:
    with pytest.raises(SandboxViolation, match="cannot modify tuple"):
        env.execute("t = (1, 2)\nt[0] = 3", {})


def test_execute_refuses_task_data_shadowing_a_helper(env: SandboxEnvironment) -> None:
    with pytest.raises(ValueError, match="double"):
        env.execute("y = 1", {"double": 2})


def test_helpers_must_be_public_callables() -> None:
    with pytest.raises(ValueError, match="_hidden"):
        SandboxEnvironment(functions={"_hidden": len})
    with pytest.raises(TypeError, match="value"):
        SandboxEnvironment(functions={"value": 3})  # type: ignore[dict-item]


def test_builtins_are_exactly_the_allowlist(env: SandboxEnvironment) -> None:
    for name in ALLOWED_BUILTINS:
        assert env.evaluate(f"{name} is not None", {}) is True
    with pytest.raises(NameError):
        env.evaluate("map", {})


def test_check_functions_report_line_numbers() -> None:
    assert check_script("total = 1\nfor h in halls:\n    total = total + h") == []
    assert check_script("x = 1\nimport os") == ["Line 2: import is not allowed in the sandbox"]
    assert check_expression("a ===")[0].startswith("Line 1: SyntaxError")
    assert check_expression("x" * 60_000) == ["source is longer than 50000 characters"]


def test_call_service_needs_a_service_caller() -> None:
    with pytest.raises(SandboxViolation, match="no services available"):
        SandboxEnvironment().call_service({}, operation_name="op", operation_params={})


def test_call_service_returns_json_of_the_result() -> None:
    calls: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    def caller(name: str, params: dict[str, Any], task_data: dict[str, Any]) -> Any:
        calls.append((name, params, task_data))
        return {"number": "2025-001"}

    env = SandboxEnvironment(service_caller=caller)
    result = env.call_service(
        {"film": 7}, operation_name="op", operation_params={"film": {"value": 7, "type": "int"}}
    )
    assert json.loads(result) == {"number": "2025-001"}
    assert calls == [("op", {"film": 7}, {"film": 7})]


# --- through SpiffWorkflow ----------------------------------------------------------------

_BPMN_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
    id="defs" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="proc" isExecutable="true">
"""
_BPMN_TAIL = """  </bpmn:process>
</bpmn:definitions>
"""

GATEWAY_BPMN = (
    _BPMN_HEAD
    + """    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="count" />
    <bpmn:scriptTask id="count">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="gw" />
    <bpmn:exclusiveGateway id="gw" default="to_small">
      <bpmn:incoming>f2</bpmn:incoming>
      <bpmn:outgoing>to_big</bpmn:outgoing><bpmn:outgoing>to_small</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="to_big" sourceRef="gw" targetRef="big">
      <bpmn:conditionExpression>{condition}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to_small" sourceRef="gw" targetRef="small" />
    <bpmn:endEvent id="big"><bpmn:incoming>to_big</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="small"><bpmn:incoming>to_small</bpmn:incoming></bpmn:endEvent>
"""
    + _BPMN_TAIL
)

SERVICE_BPMN = (
    _BPMN_HEAD
    + """    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="svc" />
    <bpmn:serviceTask id="svc">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="op" resultVariable="res">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="film" type="int" value="film_id + 1" />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="svc" targetRef="end" />
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
"""
    + _BPMN_TAIL
)


COUNT_SEATS = 'total = sum(h["seats"] for h in halls)'


def _start(xml: str, engine: SandboxScriptEngine, **data: Any) -> BpmnWorkflow:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_str(xml.encode(), "x.bpmn")
    workflow = BpmnWorkflow(
        parser.get_spec("proc"), parser.get_subprocess_specs("proc"), script_engine=engine
    )
    workflow.task_tree.set_data(**data)
    return workflow


def _finished_end_events(workflow: BpmnWorkflow) -> set[str]:
    ids = {task.task_spec.bpmn_id for task in workflow.get_tasks(state=TaskState.COMPLETED)}
    return ids & {"big", "small"}


@pytest.mark.parametrize(("seats", "end"), [(60, "small"), (70, "big")])
def test_workflow_runs_scripts_and_gateways_in_the_sandbox(seats: int, end: str) -> None:
    condition = "total &gt; 100 and decision == 'approve'"
    xml = GATEWAY_BPMN.format(script=COUNT_SEATS, condition=condition)
    workflow = _start(
        xml, SandboxScriptEngine(), halls=[{"seats": 40}, {"seats": seats}], decision="approve"
    )
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert _finished_end_events(workflow) == {end}
    assert workflow.last_task.data["total"] == 40 + seats


def test_workflow_gateway_escape_raises_instead_of_running(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    condition = f"__import__('os').system('touch {marker}') == 0"
    xml = GATEWAY_BPMN.format(script=COUNT_SEATS, condition=condition)
    workflow = _start(xml, SandboxScriptEngine(), halls=[], decision="approve")
    with pytest.raises(WorkflowTaskException) as caught:
        workflow.do_engine_steps()
    assert isinstance(caught.value.__cause__, SandboxViolation)
    assert not marker.exists()


@pytest.mark.parametrize("attribute", ["gi_frame", "gi_running"])  # compile time, run time
def test_workflow_script_errors_carry_the_line_and_cause(attribute: str) -> None:
    script = f"seats = [h['seats'] for h in halls]\nfirst = seats[0].{attribute}"
    xml = GATEWAY_BPMN.format(script=script, condition="True")
    workflow = _start(xml, SandboxScriptEngine(), halls=[{"seats": 1}], decision="approve")
    with pytest.raises(WorkflowTaskException, match=attribute) as caught:
        workflow.do_engine_steps()
    assert isinstance(caught.value.__cause__, SandboxViolation)
    assert caught.value.line_number == 2
    assert caught.value.error_line == f"first = seats[0].{attribute}"


def test_workflow_service_task_result_lands_in_task_data() -> None:
    def caller(name: str, params: dict[str, Any], task_data: dict[str, Any]) -> Any:
        return {"operation": name, "film": params["film"], "seen": task_data["film_id"]}

    engine = SandboxScriptEngine(SandboxEnvironment(service_caller=caller))
    workflow = _start(SERVICE_BPMN, engine, film_id=41)
    workflow.do_engine_steps()
    assert workflow.is_completed()
    assert workflow.last_task.data["res"] == {"operation": "op", "film": 42, "seen": 41}


class ConflictError(Exception):
    """Stands in for a portal domain error (e.g. a database conflict)."""


def _failing_caller(name: str, params: dict[str, Any], task_data: dict[str, Any]) -> Any:
    raise ConflictError("certificate number taken")


def test_workflow_service_errors_are_wrapped_with_their_cause() -> None:
    engine = SandboxScriptEngine(SandboxEnvironment(service_caller=_failing_caller))
    workflow = _start(SERVICE_BPMN, engine, film_id=1)
    with pytest.raises(WorkflowTaskException, match="certificate number taken") as caught:
        workflow.do_engine_steps()
    assert isinstance(caught.value.__cause__, ConflictError)


def test_workflow_passthrough_errors_propagate_unchanged() -> None:
    engine = SandboxScriptEngine(
        SandboxEnvironment(service_caller=_failing_caller), passthrough=(ConflictError,)
    )
    workflow = _start(SERVICE_BPMN, engine, film_id=1)
    with pytest.raises(ConflictError, match="certificate number taken"):
        workflow.do_engine_steps()


def test_workflow_without_services_fails_cleanly() -> None:
    workflow = _start(SERVICE_BPMN, SandboxScriptEngine(), film_id=1)
    with pytest.raises(WorkflowTaskException, match="no services available"):
        workflow.do_engine_steps()
