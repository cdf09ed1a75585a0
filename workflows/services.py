"""Service tasks: registered Python code that BPMN service tasks call by name.

A BPMN service task names an operation (``spiffworkflow:serviceTaskOperator
id="issue_certificate"``) with parameters. The portal registers a handler
under that name with the parameters it takes (its :class:`Signature`); a BPMN
naming an unknown service or giving a parameter the service does not take is
refused when it is published. When the engine reaches the task it calls the
handler with a context object the portal supplies (its database session, the
application, the acting user), the task's evaluated parameters and the task
data. The handler's return value becomes the task's result variable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from workflows.validation import Parameter, Signature

Handler = Callable[[Any, Mapping[str, Any], Mapping[str, Any]], Any]
"""``handler(context, params, task_data) -> JSON-able result``."""


@dataclass(frozen=True)
class Service:
    """A registered service: its handler, parameters and what it does (for the docs)."""

    name: str
    handler: Handler
    signature: Signature
    description: str = ""


@dataclass
class ServiceRegistry:
    """Named handlers for service tasks, with the parameters each takes."""

    _services: dict[str, Service] = field(default_factory=dict)

    def add(
        self,
        name: str,
        handler: Handler,
        *,
        parameters: Mapping[str, Parameter] | None = None,
        description: str = "",
    ) -> None:
        """Register ``handler`` under ``name``, taking ``parameters``.

        :raise ValueError: ``name`` is already registered.
        """
        if name in self._services:
            raise ValueError(f"service {name!r} is already registered")
        signature = Signature(dict(parameters or {}))
        self._services[name] = Service(name, handler, signature, description or "")

    def register(
        self, name: str, *, parameters: Mapping[str, Parameter] | None = None
    ) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add` (the handler's docstring describes it)."""

        def decorate(handler: Handler) -> Handler:
            self.add(name, handler, parameters=parameters, description=handler.__doc__ or "")
            return handler

        return decorate

    def names(self) -> frozenset[str]:
        return frozenset(self._services)

    def signatures(self) -> dict[str, Signature]:
        """Each service's signature, for :class:`workflows.validation.Rules`."""
        return {name: service.signature for name, service in self._services.items()}

    def services(self) -> list[Service]:
        """Every registered service, by name."""
        return [self._services[name] for name in sorted(self._services)]

    def caller(self, context: Any) -> Callable[[str, dict[str, Any], dict[str, Any]], Any]:
        """A function the sandbox calls for service tasks, bound to ``context``.

        :raise KeyError: (when called) the operation is not registered.
        """

        def call(operation: str, params: dict[str, Any], data: dict[str, Any]) -> Any:
            return self._services[operation].handler(context, params, data)

        return call
