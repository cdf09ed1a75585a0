"""Uploaded BPMN is refused with every problem, located by element and line."""

from __future__ import annotations

import pytest

from tests.workflows.support import RULES, shipped
from workflows.errors import DefinitionInvalid
from workflows.model import compile_process
from workflows.validation import validate_bpmn

GOOD = shipped("cinema_registration").decode()


def variant(*replacements: tuple[str, str]) -> bytes:
    text = GOOD
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text.encode()


def messages(bpmn: bytes) -> list[str]:
    return [str(p) for p in validate_bpmn(bpmn, RULES)]


def test_the_shipped_definition_is_valid() -> None:
    assert validate_bpmn(GOOD.encode(), RULES) == []


@pytest.mark.parametrize(
    ("bpmn", "expected"),
    [
        (b"<not xml", "Not well-formed XML"),
        (b"", "Not well-formed XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>'
            b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>',
            "DOCTYPE",
        ),
        (
            b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
            b'id="d" targetNamespace="x"><bpmn:bogus/></bpmn:definitions>',
            "Schema:",
        ),
    ],
)
def test_documents_that_are_not_bpmn(bpmn: bytes, expected: str) -> None:
    found = messages(bpmn)
    assert found and expected in found[0]


def test_unknown_role_form_and_service_are_all_reported_with_location() -> None:
    bpmn = variant(
        ('name="provincial_reviewer"', 'name="mayor"'),
        ('value="review"', 'value="no_such_form"'),
        ('serviceTaskOperator id="assign_cinema_code"', 'serviceTaskOperator id="launch_rockets"'),
    )
    problems = validate_bpmn(bpmn, RULES)
    text = [str(p) for p in problems]
    assert any("Lane name 'mayor' is not a known role" in t for t in text)
    assert any("Unknown role 'mayor'" in t and "provincial_review" in t for t in text)
    assert any("Unknown form 'no_such_form'" in t for t in text)
    assert any("Unknown service 'launch_rockets'" in t and "assign_code" in t for t in text)
    assert all(p.line for p in problems), problems


def test_sandbox_escapes_in_conditions_and_parameters_are_refused() -> None:
    bpmn = variant(
        ('decision == "approve"', "__import__('os').system('true')"),
        (
            'type="str" value="division_code"',
            'type="str" value="().__class__.__base__.__subclasses__()"',
        ),
        ('decision == "reject"', "(x for x in []).gi_frame.f_back"),
    )
    text = messages(bpmn)
    assert any(t.startswith("Condition:") and "approved" in t for t in text), text
    assert any(t.startswith("Parameter 'division_code'") for t in text), text
    assert any(t.startswith("Condition:") and "rejected" in t for t in text), text


def test_end_event_statuses_must_be_known() -> None:
    bpmn = variant(('value="rejected"', 'value="forgotten"'))
    assert any("End event status 'forgotten' is not one of" in t for t in messages(bpmn))


def test_some_end_event_must_say_how_the_application_ends() -> None:
    bpmn = variant(
        ('<spiffworkflow:property name="status" value="rejected"/>', ""),
        ('<spiffworkflow:property name="status" value="approved"/>', ""),
    )
    assert any("No end event says how the application ends" in t for t in messages(bpmn))


def test_an_end_event_without_status_only_ends_a_branch() -> None:
    bpmn = variant(('<spiffworkflow:property name="status" value="rejected"/>', ""))
    assert messages(bpmn) == []


def test_user_tasks_need_a_form_and_a_known_status() -> None:
    bpmn = variant(
        ('<spiffworkflow:property name="form" value="review"/>', ""),
        ('value="returned"', 'value="sleeping"'),
    )
    text = messages(bpmn)
    assert any("User task has no 'form' property" in t for t in text)
    assert any("Unknown status 'sleeping'" in t for t in text)


def test_the_first_task_must_be_the_applicants_form() -> None:
    bpmn = variant(
        ("<bpmn:flowNodeRef>fill_in</bpmn:flowNodeRef>", ""),
        (
            "<bpmn:flowNodeRef>provincial_review</bpmn:flowNodeRef>",
            "<bpmn:flowNodeRef>provincial_review</bpmn:flowNodeRef>"
            "<bpmn:flowNodeRef>fill_in</bpmn:flowNodeRef>",
        ),
    )
    assert any("first user task must belong to the 'applicant' lane" in t for t in messages(bpmn))


def test_spiffworkflow_parser_errors_are_reported() -> None:
    bpmn = variant(
        ('sourceRef="decision" targetRef="assign_code"', 'sourceRef="decision" targetRef="nowhere"')
    )
    assert messages(bpmn)


def test_compile_raises_with_every_problem() -> None:
    bpmn = variant(
        ('name="provincial_reviewer"', 'name="mayor"'),
        ('value="review"', 'value="no_such_form"'),
    )
    with pytest.raises(DefinitionInvalid) as caught:
        compile_process(bpmn, RULES)
    assert len(caught.value.problems) >= 3


def test_a_service_named_like_an_element_is_explained() -> None:
    bpmn = variant(
        ('<bpmn:serviceTask id="assign_code"', '<bpmn:serviceTask id="assign_cinema_code"'),
        ('targetRef="assign_code"', 'targetRef="assign_cinema_code"'),
        ('sourceRef="assign_code"', 'sourceRef="assign_cinema_code"'),
        ('bpmnElement="assign_code"', 'bpmnElement="assign_cinema_code"'),
    )
    (problem,) = validate_bpmn(bpmn, RULES)
    assert "same name as a BPMN element id" in problem.message
    assert problem.element_id == "assign_cinema_code"
