"""SpiffWorkflow's script environment and engine, running under the sandbox.

:class:`SandboxEnvironment` compiles with :mod:`workflows.sandbox.policy` and runs
with the guards of :mod:`workflows.sandbox.guards`; :class:`SandboxScriptEngine`
wraps its errors the way SpiffWorkflow expects.
"""

from __future__ import annotations

import copy
import json
import keyword
from collections.abc import Callable, Mapping
from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import (
    BasePythonScriptEngineEnvironment,
)
from SpiffWorkflow.exceptions import SpiffWorkflowException

from workflows.sandbox.guards import GUARD_NAMES, Run, SandboxLimits
from workflows.sandbox.policy import SandboxViolation, code_or_raise


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment that evaluates and executes under the sandbox.

    ``functions`` are extra helpers (e.g. working-day calculators) visible by name;
    their names must be identifiers not starting with ``_``. Task data shadows them in
    expressions, as in SpiffWorkflow's own environment. ``service_caller(operation_name,
    params, task_data)`` serves service tasks: ``params`` maps each parameter name to
    its evaluated value (SpiffWorkflow's declared ``type`` is dropped) and
    ``task_data`` is a shallow copy of the task data. ``limits`` defaults to
    :class:`SandboxLimits()`. ``self.globals`` (SpiffWorkflow's hook) stays empty.

    :raise ValueError: a helper name is not a public identifier.
    :raise TypeError: a helper is not callable.
    """

    def __init__(
        self,
        *,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        service_caller: Callable[[str, dict[str, Any], dict[str, Any]], Any] | None = None,
        limits: SandboxLimits | None = None,
    ) -> None:
        super().__init__({})
        helpers = dict(functions or {})
        for name, helper in helpers.items():
            if not name.isidentifier() or name.startswith("_") or keyword.iskeyword(name):
                raise ValueError(f"helper name {name!r} is not a public identifier")
            if not callable(helper):
                raise TypeError(f"helper {name!r} is not callable")
        self.functions: Mapping[str, Callable[..., Any]] = helpers
        self.service_caller = service_caller
        self.limits = limits or SandboxLimits()

    def _namespace(
        self, run: Run, context: Mapping[str, Any], external: Mapping[str, Any]
    ) -> dict[str, Any]:
        namespace = dict(self.functions)
        namespace.update(external)
        namespace.update(context)
        namespace.update(run.namespace())
        return namespace

    def evaluate(
        self,
        expression: str,
        context: Mapping[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        """Evaluate ``expression`` over task data, data objects and helpers; read-only.

        :raise SandboxViolation: the expression is refused or exceeds a budget.
        :raise Exception: whatever the expression itself raises (NameError, KeyError, ...).
        """
        code = code_or_raise(expression, "eval")
        run = Run(self.limits, read_only=True)
        return eval(code, self._namespace(run, context, external_context or {}))  # noqa: S307

    def execute(
        self,
        script: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        """Run ``script`` and leave its variables in ``context``, as SpiffWorkflow does.

        Variables the script binds or deletes are applied to ``context``; helpers,
        data objects, builtins and any callable are not. The script runs on a deep
        copy, so on failure ``context`` is left exactly as it was.

        :raise SandboxViolation: the script is refused or exceeds a budget.
        :raise ValueError: task data would shadow a helper or data object.
        :raise Exception: whatever the script itself raises.
        """
        external = dict(external_context or {})
        shadowed = (set(self.functions) | set(external)) & set(context)
        if shadowed:
            raise ValueError(f"task data overwrites predefined names, rename: {sorted(shadowed)}")
        code = code_or_raise(script, "exec")
        run = Run(self.limits, read_only=False)
        namespace = self._namespace(run, copy.deepcopy(dict(context)), external)
        exec(code, namespace)  # noqa: S102
        reserved = GUARD_NAMES | set(self.functions) | set(external)
        results = {
            name: value
            for name, value in namespace.items()
            if name not in reserved and not callable(value)
        }
        for name in [name for name in context if name not in results]:
            del context[name]
        context.update(results)
        return True

    def call_service(
        self,
        context: Mapping[str, Any],
        operation_name: str | None = None,
        operation_params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> str:
        """Call the portal's service and return its result as a JSON string.

        :raise SandboxViolation: no ``service_caller`` was configured.
        :raise TypeError: the result is not JSON-serialisable.
        :raise Exception: whatever the service raises.
        """
        if self.service_caller is None:
            raise SandboxViolation("no services available")
        params = {name: param["value"] for name, param in (operation_params or {}).items()}
        return json.dumps(self.service_caller(str(operation_name), params, dict(context)))


class SandboxScriptEngine(PythonScriptEngine):
    """SpiffWorkflow script engine running everything in a :class:`SandboxEnvironment`.

    Errors are wrapped in ``WorkflowTaskException`` with the original chained as
    ``__cause__``, except instances of ``passthrough`` types, which propagate unchanged
    from expressions, scripts and service calls (the portal's own domain errors).
    It also fixes SpiffWorkflow 3.2's ``call_service``, whose error path raises NameError.
    """

    def __init__(
        self,
        environment: SandboxEnvironment | None = None,
        *,
        passthrough: tuple[type[BaseException], ...] = (),
    ) -> None:
        super().__init__(environment=environment or SandboxEnvironment())
        self.passthrough = passthrough

    def evaluate(
        self, task: Any, expression: str, external_context: Mapping[str, Any] | None = None
    ) -> Any:
        """Evaluate for ``task``. :raise WorkflowTaskException: on any error but passthrough."""
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except self.passthrough:
            raise
        except SpiffWorkflowException as err:
            err.add_note(f"Error evaluating expression {expression!r}")
            raise
        except Exception as err:
            message = f"Error evaluating expression {expression!r}: {_describe(err)}"
            raise WorkflowTaskException(message, task=task, exception=err) from err

    def execute(
        self, task: Any, script: str, external_context: Mapping[str, Any] | None = None
    ) -> bool:
        """Execute for ``task``. :raise WorkflowTaskException: on any error but passthrough."""
        try:
            return bool(self.environment.execute(script, task.data, external_context or {}))
        except self.passthrough:
            raise
        except Exception as err:
            if isinstance(err, SandboxViolation) and err.line_number:
                lines, line = script.splitlines(), err.line_number
                text = lines[line - 1] if line <= len(lines) else ""
            else:
                line, text = self.get_error_line_number_and_content(script, err)
            raise WorkflowTaskException(
                _describe(err), task=task, exception=err, line_number=line, error_line=text
            ) from err

    def call_service(self, task: Any, **kwargs: Any) -> str:
        """Call the service for ``task``. :raise WorkflowTaskException: unless passthrough."""
        try:
            return str(self.environment.call_service(task.data, **kwargs))
        except self.passthrough:
            raise
        except Exception as err:
            name = kwargs.get("operation_name")
            message = f"Service {name!r} failed: {_describe(err)}"
            raise WorkflowTaskException(message, task=task, exception=err) from err


def _describe(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"
