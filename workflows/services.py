"""Service tasks: registered Python code that BPMN service tasks call by name.

A BPMN service task names an operation (``spiffworkflow:serviceTaskOperator
id="assign_cinema_code"``). The portal registers a handler under that name;
when the engine reaches the task it calls the handler with a context object the
portal supplies (its database session, the application, the acting user) and
the task's evaluated parameters. The handler's return value becomes the task's
result variable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[[Any, Mapping[str, Any], Mapping[str, Any]], Any]
"""``handler(context, params, task_data) -> JSON-able result``."""


@dataclass
class ServiceRegistry:
    """Named handlers for service tasks."""

    _handlers: dict[str, Handler] = field(default_factory=dict)

    def register(self, name: str) -> Callable[[Handler], Handler]:
        """Decorator registering ``handler`` under ``name``.

        :raise ValueError: ``name`` is already registered.
        """

        def decorate(handler: Handler) -> Handler:
            if name in self._handlers:
                raise ValueError(f"service {name!r} is already registered")
            self._handlers[name] = handler
            return handler

        return decorate

    def names(self) -> frozenset[str]:
        return frozenset(self._handlers)

    def caller(self, context: Any) -> Callable[[str, dict[str, Any], dict[str, Any]], Any]:
        """A function the sandbox calls for service tasks, bound to ``context``.

        :raise KeyError: (when called) the operation is not registered.
        """

        def call(operation: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
            return self._handlers[operation](context, params, data)

        return call
