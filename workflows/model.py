"""A compiled process definition: what the portal needs to know about a BPMN file.

:func:`compile_process` validates a BPMN document and extracts its metadata
(roles of user tasks, their forms, the status each step stands for, how each
end event ends the application). A :class:`ProcessModel` can be stored (as
``meta`` + ``spec``) and rebuilt without parsing the XML again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.defaults import EndEvent, StartEvent
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from workflows.errors import DefinitionInvalid, Problem
from workflows.validation import NS, Rules, parse_xml, read_properties, validate_bpmn

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


@dataclass(frozen=True)
class UserTaskInfo:
    """A user task as the portal sees it."""

    id: str
    name: str
    role: str
    form: str
    properties: Mapping[str, str] = field(default_factory=dict)

    @property
    def status(self) -> str | None:
        """The application status while this task waits, if the BPMN names one."""
        return self.properties.get("status")

    @property
    def output(self) -> str | None:
        """The name this task's form data is kept under, if the BPMN names one."""
        return self.properties.get("output") or None


@dataclass(frozen=True)
class ProcessModel:
    """Everything the portal needs from one version of a BPMN process."""

    key: str
    name: str
    bpmn: bytes
    properties: Mapping[str, str]
    user_tasks: Mapping[str, UserTaskInfo]
    end_statuses: Mapping[str, str]
    start_task: str
    spec_json: str

    @property
    def start_form(self) -> str:
        """The application form: the form of the applicant's first task."""
        return self.user_tasks[self.start_task].form

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(t.role for t in self.user_tasks.values())

    @property
    def form_keys(self) -> frozenset[str]:
        return frozenset(t.form for t in self.user_tasks.values())

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.bpmn).hexdigest()

    def meta(self) -> dict[str, Any]:
        """A JSON-able description, stored beside the definition."""
        return {
            "key": self.key,
            "name": self.name,
            "properties": dict(self.properties),
            "start_task": self.start_task,
            "user_tasks": {
                k: {
                    "name": t.name,
                    "role": t.role,
                    "form": t.form,
                    "properties": dict(t.properties),
                }
                for k, t in self.user_tasks.items()
            },
            "end_statuses": dict(self.end_statuses),
        }

    @classmethod
    def from_stored(cls, bpmn: bytes, meta: Mapping[str, Any], spec_json: str) -> ProcessModel:
        """Rebuild a model from what :meth:`meta` and :attr:`spec_json` stored."""
        return cls(
            key=meta["key"],
            name=meta["name"],
            bpmn=bpmn,
            properties=dict(meta["properties"]),
            user_tasks={
                k: UserTaskInfo(
                    id=k, name=t["name"], role=t["role"], form=t["form"], properties=t["properties"]
                )
                for k, t in meta["user_tasks"].items()
            },
            end_statuses=dict(meta["end_statuses"]),
            start_task=meta["start_task"],
            spec_json=spec_json,
        )

    def workflow_spec(self) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
        """The parsed SpiffWorkflow spec (cached per BPMN content)."""
        return _parse_specs(self.bpmn, self.key)

    def stored_spec(self) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
        """The spec restored from :attr:`spec_json` (cached per stored spec).

        Restoring it costs more than running a step, so every instance loaded
        from this model shares one copy: SpiffWorkflow keeps a workflow's
        state in its tasks and data, never in its spec, which a workflow only
        reads (``tests/workflows/test_spec_cache.py`` checks that).
        """
        return _restore_specs(self.spec_json)


def compile_process(bpmn: bytes, rules: Rules) -> ProcessModel:
    """Validate ``bpmn`` against ``rules`` and build its :class:`ProcessModel`.

    :raise DefinitionInvalid: with every problem found.
    """
    problems = validate_bpmn(bpmn, rules)
    if problems:
        raise DefinitionInvalid(problems)
    parser = _parser(bpmn)
    (key,) = parser.get_process_ids()
    spec, subprocess_specs = _parse_specs(bpmn, key)
    user_tasks = {
        ts.bpmn_id: UserTaskInfo(
            id=ts.bpmn_id,
            name=ts.bpmn_name or ts.bpmn_id,
            role=_properties(ts).get("role") or ts.lane,
            form=_properties(ts)["form"],
            properties=_properties(ts),
        )
        for process in (spec, *subprocess_specs.values())
        for ts in process.task_specs.values()
        if isinstance(ts, UserTask)
    }
    end_statuses = {
        ts.bpmn_id: _properties(ts)["status"]
        for ts in spec.task_specs.values()
        if isinstance(ts, EndEvent) and "status" in _properties(ts)
    }
    workflow = BpmnWorkflow(spec, subprocess_specs)
    dumped = SERIALIZER.to_dict(workflow)
    spec_json = json.dumps(
        {"spec": dumped["spec"], "subprocess_specs": dumped["subprocess_specs"]},
        ensure_ascii=False,
    )
    return ProcessModel(
        key=key,
        name=spec.description if spec.description != key else key,
        bpmn=bpmn,
        properties=_process_properties(bpmn, key),
        user_tasks=user_tasks,
        end_statuses=end_statuses,
        start_task=first_user_task(spec),
        spec_json=spec_json,
    )


def first_user_task(spec: BpmnProcessSpec) -> str:
    """The bpmn id of the first user task reached from the start event."""
    seen: set[str] = set()
    queue = [ts for ts in spec.task_specs.values() if isinstance(ts, StartEvent)]
    while queue:
        current = queue.pop(0)
        if current.name in seen:
            continue
        seen.add(current.name)
        if isinstance(current, UserTask):
            return str(current.bpmn_id)
        queue.extend(current.outputs)
    raise DefinitionInvalid([Problem("No user task follows the start event")])


def _properties(task_spec: Any) -> dict[str, str]:
    return dict((getattr(task_spec, "extensions", None) or {}).get("properties", {}))


def _process_properties(bpmn: bytes, key: str) -> dict[str, str]:
    """Process-level properties, which SpiffWorkflow's parser does not keep."""
    (process,) = parse_xml(bpmn).xpath("//bpmn:process[@id=$id]", namespaces=NS, id=key)
    return read_properties(process)


def _parser(bpmn: bytes) -> SpiffBpmnParser:
    # validate_bpmn has already checked the schema; parse without doing it twice.
    parser = SpiffBpmnParser()
    parser.add_bpmn_xml(parse_xml(bpmn), filename="process.bpmn")
    return parser


@lru_cache(maxsize=64)
def _restore_specs(spec_json: str) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
    stored = json.loads(spec_json)
    registry = SERIALIZER.registry
    subprocess_specs = {k: registry.restore(v) for k, v in stored["subprocess_specs"].items()}
    return registry.restore(stored["spec"]), subprocess_specs


@lru_cache(maxsize=64)
def _parse_specs(bpmn: bytes, key: str) -> tuple[BpmnProcessSpec, dict[str, BpmnProcessSpec]]:
    parser = _parser(bpmn)
    return parser.get_spec(key), parser.get_subprocess_specs(key)
