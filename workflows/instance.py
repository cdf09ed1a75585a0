"""One running process: start, load, advance, complete a task, dump.

:class:`ProcessInstance` wraps a SpiffWorkflow ``BpmnWorkflow``. It knows
nothing about databases or the web: the caller stores :meth:`dump` output and
projects :meth:`open_tasks` wherever it likes, inside its own transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent, EndEvent
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.specs.defaults import ServiceTask
from SpiffWorkflow.util.task import TaskState

from workflows.errors import EngineFailure, TaskNotOpen
from workflows.model import SERIALIZER, ProcessModel, UserTaskInfo


@dataclass(frozen=True)
class OpenTask:
    """A user task waiting for someone."""

    id: uuid.UUID
    info: UserTaskInfo


@dataclass(frozen=True)
class WaitingTimer:
    """A timer event armed and waiting for its moment.

    ``attached_to`` is the user task a boundary timer sits on, ``interrupting``
    whether firing ends that task, ``is_deadline`` whether the BPMN marks it as
    the task's deadline (property ``deadline`` = ``true``).
    """

    id: uuid.UUID
    spec_id: str
    due_at: datetime
    attached_to: uuid.UUID | None
    interrupting: bool
    is_deadline: bool = False


class ProcessInstance:
    """A process instance of one :class:`ProcessModel`."""

    def __init__(self, model: ProcessModel, workflow: BpmnWorkflow) -> None:
        self.model = model
        self._workflow = workflow

    @classmethod
    def start(
        cls, model: ProcessModel, script_engine: PythonScriptEngine, data: Mapping[str, Any]
    ) -> ProcessInstance:
        """Create an instance with initial ``data`` and run it to its first wait.

        :raise EngineFailure: a script or service failed on the way.
        """
        spec, subprocess_specs = model.workflow_spec()
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
        workflow.data.update(data)
        workflow.task_tree.data.update(data)
        instance = cls(model, workflow)
        instance._advance()
        return instance

    @classmethod
    def load(
        cls, model: ProcessModel, state: str, script_engine: PythonScriptEngine
    ) -> ProcessInstance:
        """Restore an instance from :meth:`dump` output, joined with its model's spec.

        A state dumped by this serializer version joins the model's restored
        spec, shared and never changed (:meth:`ProcessModel.stored_spec`); an
        older one is migrated together with a spec of its own.
        """
        dct = json.loads(state)
        if dct.get(SERIALIZER.VERSION_KEY) == SERIALIZER.VERSION:
            del dct[SERIALIZER.VERSION_KEY]
            # The serializer restores objects it is given as they are.
            dct["spec"], dct["subprocess_specs"] = model.stored_spec()
        else:
            dct.update(json.loads(model.spec_json))
            SERIALIZER.migrate(dct)
        workflow = SERIALIZER.from_dict(dct)
        workflow.script_engine = script_engine
        return cls(model, workflow)

    def dump(self) -> str:
        """The instance's state as JSON, without the process spec."""
        dct = SERIALIZER.to_dict(self._workflow)
        dct.pop("spec")
        dct.pop("subprocess_specs")
        dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
        return json.dumps(dct, ensure_ascii=False, cls=SERIALIZER._encoder_cls)

    def open_tasks(self) -> list[OpenTask]:
        """User tasks ready to be completed, in the order the engine lists them."""
        return [
            OpenTask(id=task.id, info=self.model.user_tasks[task.task_spec.bpmn_id])
            for task in self._workflow.get_tasks(state=TaskState.READY)
            if isinstance(task.task_spec, UserTask)
        ]

    def complete(self, task_id: uuid.UUID, data: Mapping[str, Any]) -> None:
        """Complete a ready user task with ``data`` and run to the next wait.

        The data joins the workflow data under the task's ``output`` property when
        it has one (``{"district_review": {"decision": ...}}``), else field by field.

        :raise TaskNotOpen: no such task, or it is not ready.
        :raise EngineFailure: a script or service failed on the way.
        """
        task = self._find(task_id)
        if (
            task is None
            or task.state != TaskState.READY
            or not isinstance(task.task_spec, UserTask)
        ):
            raise TaskNotOpen(str(task_id))
        output = self.model.user_tasks[task.task_spec.bpmn_id].output
        if output:
            # Parallel branches merge their data at the join: each reviewer's form
            # data stays under the task's own name, so no decision overwrites another.
            task.data[output] = dict(data)
            self._drop_foreign_outputs(task, output)
        else:
            task.data.update(data)
        task.run()
        self._advance()

    def cancel(self) -> None:
        """End the instance now (withdrawal)."""
        self._workflow.cancel()

    def waiting_timers(self) -> list[WaitingTimer]:
        """Every armed timer with the moment it fires (UTC)."""
        timers = []
        for task in self._workflow.get_tasks(state=TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if not isinstance(definition, TimerEventDefinition):
                continue
            due_at = _timer_due(definition, task.internal_data.get("event_value"))
            if due_at is None:
                continue
            timers.append(
                WaitingTimer(
                    id=task.id,
                    spec_id=task.task_spec.bpmn_id,
                    due_at=due_at,
                    attached_to=_attached_user_task(task),
                    interrupting=bool(getattr(task.task_spec, "cancel_activity", True)),
                    is_deadline=_properties(task.task_spec).get("deadline") == "true",
                )
            )
        return timers

    def fire_due_timers(self) -> None:
        """Fire every timer whose moment has passed (by the clock) and run on.

        :raise EngineFailure: a script or service failed on the way.
        """
        now = datetime.now(UTC)
        for task in self._workflow.get_tasks(state=TaskState.WAITING):
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, TimerEventDefinition) and not isinstance(
                definition, CycleTimerEventDefinition
            ):
                due_at = _timer_due(definition, task.internal_data.get("event_value"))
                # SpiffWorkflow fires only strictly after the moment; a deadline
                # is missed at its instant (24:00 is already late).
                if due_at is not None and due_at <= now:
                    task.internal_data["event_fired"] = True
        try:
            self._workflow.refresh_timers()
        except SpiffWorkflowException as exc:
            raise EngineFailure(str(exc)) from exc
        self._advance()

    def reschedule_timer(self, timer_id: uuid.UUID, due_at: datetime) -> None:
        """Move a waiting date timer to ``due_at`` (a deadline recomputed).

        :raise TaskNotOpen: no such waiting timer.
        """
        task = self._find(timer_id)
        definition = getattr(task.task_spec, "event_definition", None) if task else None
        if (
            task is None
            or task.state != TaskState.WAITING
            or not isinstance(definition, TimerEventDefinition)
            or isinstance(definition, CycleTimerEventDefinition)
        ):
            raise TaskNotOpen(str(timer_id))
        task.internal_data["event_value"] = due_at.astimezone(UTC).isoformat()

    def task_state(self, task_id: uuid.UUID) -> str | None:
        """``"completed"``, ``"cancelled"``, another state name, or None if gone."""
        task = self._find(task_id)
        if task is None:
            return None
        return str(TaskState.get_name(task.state)).lower()

    @property
    def is_completed(self) -> bool:
        return bool(self._workflow.completed)

    @property
    def end_status(self) -> str | None:
        """The status named by the last end event reached that names one.

        End events without a status only end a side branch (e.g. an escalation).
        """
        ends = [
            task
            for task in self._workflow.get_tasks(state=TaskState.COMPLETED)
            if isinstance(task.task_spec, EndEvent)
            and task.task_spec.bpmn_id in self.model.end_statuses
        ]
        if not ends:
            return None
        last = max(ends, key=lambda t: t.last_state_change)
        return self.model.end_statuses[last.task_spec.bpmn_id]

    def service_results(self) -> dict[str, Any]:
        """Result variables of completed service tasks, by variable name.

        A service task with the property ``merge_result`` = ``true`` whose
        result is a mapping gives its keys instead, each on its own (a step
        that produces several results, such as a filing number and the
        package's hashes). A task that ran more than once gives its latest result.
        """
        results: dict[str, Any] = {}
        for task in self._workflow.get_tasks(state=TaskState.COMPLETED):
            spec = task.task_spec
            if not isinstance(spec, ServiceTask) or spec.result_variable not in task.data:
                continue
            value = task.data[spec.result_variable]
            if _properties(spec).get("merge_result") == "true" and isinstance(value, Mapping):
                results.update(value)
            else:
                results[spec.result_variable] = value
        return results

    def _drop_foreign_outputs(self, task: Any, output: str) -> None:
        """Forget, in this branch, the outputs of the other user tasks of the same
        (sub)process that this branch did not itself produce.

        Each branch of a parallel review carries a copy of the data from before the
        fork (in a second round, the first round's decisions). SpiffWorkflow merges
        the branches at the join, the last one arriving last, so a stale copy would
        overwrite a sibling's new decision. A branch keeps another output only when
        the task that produced it is one of its own ancestors.
        """
        workflow = task.workflow
        specs = {ts.bpmn_id for ts in workflow.spec.task_specs.values()}
        produced_by = {
            info.output: info.id
            for info in self.model.user_tasks.values()
            if info.output and info.output != output and info.id in specs
        }
        for name, spec_id in produced_by.items():
            if name in task.data and not any(
                other.task_spec.bpmn_id == spec_id
                and other.state == TaskState.COMPLETED
                and task.is_descendant_of(other)
                for other in workflow.tasks.values()
            ):
                del task.data[name]

    def _find(self, task_id: uuid.UUID) -> Any | None:
        """The task ``task_id`` of the process or of one of its subprocesses, if any.

        (SpiffWorkflow's own lookup raises when the first subprocess it searches
        does not hold the task.)
        """
        for workflow in (self._workflow, *self._workflow.subprocesses.values()):
            if task_id in workflow.tasks:
                return workflow.tasks[task_id]
        return None

    def _advance(self) -> None:
        try:
            self._workflow.do_engine_steps()
        except SpiffWorkflowException as exc:
            raise EngineFailure(str(exc)) from exc


def _timer_due(definition: TimerEventDefinition, value: Any) -> datetime | None:
    """When an armed timer fires, from the value SpiffWorkflow stored when arming it."""
    if value is None:
        return None
    if isinstance(definition, CycleTimerEventDefinition):
        value = value.get("next") if isinstance(value, dict) else None
        if value is None:
            return None
    return TimerEventDefinition.get_datetime(str(value))


def _properties(task_spec: Any) -> dict[str, str]:
    return dict((getattr(task_spec, "extensions", None) or {}).get("properties", {}))


def _attached_user_task(task: Any) -> uuid.UUID | None:
    """The user task a boundary timer sits on: its sibling under the boundary split."""
    if not isinstance(task.task_spec, BoundaryEvent) or task.parent is None:
        return None
    for sibling in task.parent.children:
        if isinstance(sibling.task_spec, UserTask):
            return sibling.id
    return None
