"""Validation of uploaded BPMN: every problem, with element id and line.

A process definition is refused when any of these fails: XML well-formedness
(no DOCTYPE: entities are an attack surface and BPMN needs none), the BPMN 2.0
and SpiffWorkflow XSDs, SpiffWorkflow's own parser, and the portal's rules:
lanes and tasks name known roles, user tasks name known forms, service tasks
name registered services, end events say how the application ends, checks
(process property ``submit_check``, user task property ``check``) name
registered checks, and every condition, script and timer expression compiles
under the sandbox policy.
"""

from __future__ import annotations

import ast
import keyword
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from workflows.errors import Problem
from workflows.sandbox import check_expression, check_script

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN_NS, "spiff": SPIFF_NS}

_SAFE_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


@dataclass(frozen=True)
class Parameter:
    """A parameter a service (building block) takes.

    ``refers_to`` names a section of the process's manifest (``certificates``,
    ``messages``, ``quotas``, ``public_lists``): a literal value must be a name
    declared there.
    """

    required: bool = True
    refers_to: str | None = None


@dataclass(frozen=True)
class Signature:
    """The parameters of a service; a BPMN giving another parameter is refused."""

    parameters: Mapping[str, Parameter] = field(default_factory=dict)


@dataclass(frozen=True)
class Rules:
    """What a definition may refer to: the portal's roles, forms, services and checks.

    ``services`` maps each service (building block) name to its signature.
    ``submit_checks`` are the names a process property ``submit_check`` may
    give, ``task_checks`` those a user task property ``check`` may give.
    ``declared`` holds, per manifest section, the names the process declares.
    """

    roles: frozenset[str]
    forms: frozenset[str]
    services: Mapping[str, Signature]
    task_statuses: frozenset[str]
    end_statuses: frozenset[str]
    applicant_role: str = "applicant"
    submit_checks: frozenset[str] = frozenset()
    task_checks: frozenset[str] = frozenset()
    declared: Mapping[str, frozenset[str]] = field(default_factory=dict)


def parse_xml(bpmn: bytes) -> etree._ElementTree:
    """Parse BPMN bytes safely.

    :raise etree.XMLSyntaxError: not well-formed.
    :raise ValueError: the document declares a DOCTYPE.
    """
    tree = etree.ElementTree(etree.fromstring(bpmn, parser=_SAFE_PARSER))
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise ValueError("DOCTYPE declarations are not allowed in BPMN files")
    return tree


def read_properties(element: etree._Element) -> dict[str, str]:
    """The ``spiffworkflow:property`` name/value pairs directly on an element."""
    props = element.xpath("./bpmn:extensionElements/spiff:properties/spiff:property", namespaces=NS)
    return {p.get("name"): p.get("value", "") for p in props if p.get("name")}


def validate_bpmn(bpmn: bytes, rules: Rules) -> list[Problem]:
    """Every problem found in ``bpmn``; an empty list means it can be used."""
    try:
        tree = parse_xml(bpmn)
    except etree.XMLSyntaxError as exc:
        return [Problem(f"Not well-formed XML: {exc.msg}", line=exc.lineno)]
    except ValueError as exc:
        return [Problem(str(exc))]

    problems = _schema_problems(tree) or _id_clashes(tree)
    if problems:
        return problems

    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(tree, filename="process.bpmn")
        process_ids = parser.get_process_ids()
        for process_id in process_ids:
            parser.get_spec(process_id)
    except ValidationException as exc:
        line = exc.line_number if isinstance(exc.line_number, int) else None
        return [Problem(str(exc.args[0] if exc.args else exc), exc.id or None, line)]

    if len(process_ids) != 1:
        return [Problem(f"Expected exactly one executable process, found {len(process_ids)}")]
    (process,) = tree.xpath("//bpmn:process[@id=$id]", namespaces=NS, id=process_ids[0])
    return list(_rule_problems(process, rules))


def _schema_problems(tree: etree._ElementTree) -> list[Problem]:
    VALIDATOR.preprocess(tree)
    schema = VALIDATOR.validator
    if schema.validate(tree):
        return []
    return [Problem(f"Schema: {error.message}", line=error.line) for error in schema.error_log]


def _id_clashes(tree: etree._ElementTree) -> list[Problem]:
    """Service names equal to an element id confuse SpiffWorkflow's lookup by id."""
    element_ids = {
        el.get("id") for el in tree.iter() if el.get("id") and etree.QName(el).namespace == BPMN_NS
    }
    return [
        Problem(
            f"Service '{op.get('id')}' has the same name as a BPMN element id; rename the element",
            _owner_id(op.getparent()),
            op.sourceline,
        )
        for op in tree.xpath("//spiff:serviceTaskOperator", namespaces=NS)
        if op.get("id") in element_ids
    ]


def _rule_problems(process: etree._Element, rules: Rules) -> Iterable[Problem]:
    lanes = _lanes(process)
    for lane_id, (name, line) in lanes.items():
        if name not in rules.roles:
            yield Problem(f"Lane name '{name}' is not a known role", lane_id, line)
    submit_check = read_properties(process).get("submit_check")
    if submit_check is not None and submit_check not in rules.submit_checks:
        yield Problem(
            f"Unknown submission check '{submit_check}'", process.get("id"), process.sourceline
        )
    yield from _user_task_problems(process, rules)
    yield from _service_task_problems(process, rules)
    yield from _end_event_problems(process, rules)
    yield from _expression_problems(process)
    yield from _start_problems(process, rules)


def _lanes(process: etree._Element) -> dict[str, tuple[str, int]]:
    return {
        lane.get("id"): (lane.get("name", ""), lane.sourceline)
        for lane in process.xpath(".//bpmn:lane", namespaces=NS)
    }


def _lane_of(process: etree._Element, element_id: str) -> str | None:
    lanes = process.xpath(
        ".//bpmn:lane[bpmn:flowNodeRef[normalize-space(text())=$id]]", namespaces=NS, id=element_id
    )
    return lanes[0].get("name") if lanes else None


def _role_of(process: etree._Element, task: etree._Element) -> str | None:
    return read_properties(task).get("role") or _lane_of(process, task.get("id"))


def _user_task_problems(process: etree._Element, rules: Rules) -> Iterable[Problem]:
    for task in process.xpath(".//bpmn:userTask", namespaces=NS):
        task_id, line = task.get("id"), task.sourceline
        props = read_properties(task)
        role = _role_of(process, task)
        if not role:
            yield Problem("User task is in no lane and has no 'role' property", task_id, line)
        elif role not in rules.roles:
            yield Problem(f"Unknown role '{role}'", task_id, line)
        form = props.get("form")
        if not form:
            yield Problem("User task has no 'form' property", task_id, line)
        elif form not in rules.forms:
            yield Problem(f"Unknown form '{form}'", task_id, line)
        status = props.get("status")
        if status is not None and status not in rules.task_statuses:
            yield Problem(f"Unknown status '{status}'", task_id, line)
        check = props.get("check")
        if check is not None and check not in rules.task_checks:
            yield Problem(f"Unknown task check '{check}'", task_id, line)
        output = props.get("output")
        if output is not None and (
            not output.isidentifier() or output.startswith("_") or keyword.iskeyword(output)
        ):
            yield Problem(f"Output '{output}' must be a name such as union_review", task_id, line)


def _service_task_problems(process: etree._Element, rules: Rules) -> Iterable[Problem]:
    for task in process.xpath(".//bpmn:serviceTask", namespaces=NS):
        task_id, line = task.get("id"), task.sourceline
        operators = task.xpath("./bpmn:extensionElements/spiff:serviceTaskOperator", namespaces=NS)
        if not operators:
            yield Problem("Service task names no service", task_id, line)
            continue
        name = operators[0].get("id")
        signature = rules.services.get(name)
        if signature is None:
            yield Problem(f"Unknown service '{name}'", task_id, line)
        given = {
            param.get("id"): param.get("value", "")
            for param in operators[0].xpath(".//spiff:parameter", namespaces=NS)
        }
        for param_name, value in given.items():
            problems = check_expression(value)
            for message in problems:
                yield Problem(f"Parameter '{param_name}': {message}", task_id, line)
            if signature is not None and not problems:
                where = _Where(name, param_name, task_id, line)
                yield from _parameter_problems(where, value, signature, rules)
        for param_name, rule in signature.parameters.items() if signature else ():
            if rule.required and param_name not in given:
                yield Problem(f"Service '{name}' needs the parameter '{param_name}'", task_id, line)


@dataclass(frozen=True)
class _Where:
    """A parameter of a service task, for locating its problems."""

    service: str
    param: str
    task_id: str | None
    line: int | None


def _parameter_problems(
    where: _Where, value: str, signature: Signature, rules: Rules
) -> Iterable[Problem]:
    """A parameter the service takes; a literal naming something of the manifest must
    name something declared (a computed value is checked when it runs)."""
    rule = signature.parameters.get(where.param)
    if rule is None:
        takes = ", ".join(sorted(signature.parameters)) or "none"
        yield Problem(
            f"Service '{where.service}' takes no parameter '{where.param}' (it takes: {takes})",
            where.task_id,
            where.line,
        )
        return
    if rule.refers_to is None:
        return
    try:
        literal = ast.literal_eval(value.strip())
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return
    section = rule.refers_to
    declared = rules.declared.get(section, frozenset())
    names = ", ".join(sorted(declared)) or "none"
    for item in literal if isinstance(literal, list | tuple) else [literal]:
        if not isinstance(item, str) or item not in declared:
            yield Problem(
                f"Service '{where.service}' parameter '{where.param}': {item!r} is not declared "
                f"in the manifest's '{section}' (declared: {names})",
                where.task_id,
                where.line,
            )


def _end_event_problems(process: etree._Element, rules: Rules) -> Iterable[Problem]:
    """End events with a ``status`` end the application; those without end a side branch."""
    events = process.xpath("./bpmn:endEvent", namespaces=NS)
    allowed = ", ".join(sorted(rules.end_statuses))
    with_status = 0
    for event in events:
        status = read_properties(event).get("status")
        if status is None:
            continue
        with_status += 1
        if status not in rules.end_statuses:
            yield Problem(
                f"End event status '{status}' is not one of {allowed}",
                event.get("id"),
                event.sourceline,
            )
    if events and not with_status:
        yield Problem(
            f"No end event says how the application ends: give one a 'status' property, "
            f"one of {allowed}",
            process.get("id"),
            process.sourceline,
        )


def _expression_problems(process: etree._Element) -> Iterable[Problem]:
    checks = [
        (".//bpmn:conditionExpression", check_expression, "Condition"),
        (".//bpmn:timeDate", check_expression, "Timer"),
        (".//bpmn:timeDuration", check_expression, "Timer"),
        (".//bpmn:timeCycle", check_expression, "Timer"),
        (".//bpmn:scriptTask/bpmn:script", check_script, "Script"),
        (".//spiff:preScript", check_script, "Pre-script"),
        (".//spiff:postScript", check_script, "Post-script"),
    ]
    for xpath, check, label in checks:
        for node in process.xpath(xpath, namespaces=NS):
            owner = _owner_id(node)
            for message in check((node.text or "").strip()):
                yield Problem(f"{label}: {message}", owner, node.sourceline)


def _owner_id(node: etree._Element) -> str | None:
    while node is not None:
        if node.get("id"):
            return node.get("id")
        node = node.getparent()
    return None


def _start_problems(process: etree._Element, rules: Rules) -> Iterable[Problem]:
    """The first user task after the start event is the applicant's form."""
    starts = process.xpath("./bpmn:startEvent", namespaces=NS)
    if len(starts) != 1:
        yield Problem(f"Expected exactly one start event, found {len(starts)}", process.get("id"))
        return
    first = _first_user_task(process, starts[0].get("id"))
    if first is None:
        yield Problem("No user task follows the start event", starts[0].get("id"))
    elif _role_of(process, first) != rules.applicant_role:
        yield Problem(
            f"The first user task must belong to the '{rules.applicant_role}' lane: "
            "it is the application form",
            first.get("id"),
            first.sourceline,
        )


def _first_user_task(process: etree._Element, start_id: str) -> etree._Element | None:
    by_id = {el.get("id"): el for el in process.iter() if el.get("id")}
    queue, seen = [start_id], set()
    while queue:
        current = queue.pop(0)
        if current in seen or current not in by_id:
            continue
        seen.add(current)
        element = by_id[current]
        if etree.QName(element).localname == "userTask":
            return element
        flows = process.xpath("./bpmn:sequenceFlow[@sourceRef=$id]", namespaces=NS, id=current)
        queue.extend(flow.get("targetRef") for flow in flows)
    return None
