"""What the process folders give the platform, gathered once by ``create_app``.

The platform (this package) knows no process by name. A process brings its
BPMN, forms and manifest as data; a process that needs Python has a folder
``portal/processes/<key>/`` whose ``register(registry)`` adds what only code
can do: building blocks (service tasks) with the parameters they take,
submission and task checks, certificate types with templates of their own and
what revoking one means, history labels, pages and demo data. Nothing is
registered by importing a module: ``create_app`` builds one registry and
calls :func:`portal.applications.blocks.register` and each process folder's
``register``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portal.applications.checks import SubmitCheck, TaskCheck
from portal.issuance.services import Issuing, RevocationHook
from portal.issuance.types import PLATFORM_TYPES, CertificateType
from workflows.services import Handler, ServiceRegistry
from workflows.validation import Parameter

if TYPE_CHECKING:
    from flask import Blueprint


SlotLinks = Callable[[Any], dict[str, dict[str, str | None]]]
"""``links(application) -> {slot: {"url", "text"}}`` shown beside the slots on its page."""
DemoSeed = Callable[..., Iterable[str]]
"""``seed(session, store, issuing) -> lines of what was created`` (``flask seed-demo``)."""


@dataclass(frozen=True)
class PublicLink:
    endpoint: str
    label: str
    short: str
    announcements: tuple[str, ...] = ()
    """Kinds of announcement whose pages link here."""


@dataclass
class ProcessRegistry:
    """The building blocks, checks, certificate types, labels, pages and demo data of
    the platform and the process folders."""

    services: ServiceRegistry = field(default_factory=ServiceRegistry)
    submit_checks: dict[str, SubmitCheck] = field(default_factory=dict)
    task_checks: dict[str, TaskCheck] = field(default_factory=dict)
    certificate_types: dict[str, CertificateType] = field(
        default_factory=lambda: dict(PLATFORM_TYPES)
    )
    revocation_hooks: dict[str, RevocationHook] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(
        default_factory=lambda: {
            "actions": {},
            "results": {},
            "certificates": {},
            "details": {},
            "values": {},
        }
    )
    public_links: list[PublicLink] = field(default_factory=list)
    slot_links: dict[str, SlotLinks] = field(default_factory=dict)
    blueprints: list[Blueprint] = field(default_factory=list)
    demo: list[DemoSeed] = field(default_factory=list)
    packages: list[Path] = field(default_factory=list)

    def block(
        self, name: str, *, parameters: Mapping[str, Parameter] | None = None
    ) -> Callable[[Handler], Handler]:
        """Decorator: register a building block BPMN service tasks call by ``name``.

        :raise ValueError: ``name`` is already registered.
        """
        return self.services.register(name, parameters=parameters)

    def add_submit_check(self, name: str, check: SubmitCheck) -> None:
        """A check a process names with its property ``submit_check``."""
        _add(self.submit_checks, name, check, "submission check")

    def add_task_check(self, name: str, check: TaskCheck) -> None:
        """A check a user task names with its property ``check``."""
        _add(self.task_checks, name, check, "task check")

    def add_certificate_type(
        self, kind: CertificateType, *, on_revoke: RevocationHook | None = None
    ) -> None:
        """A certificate type that needs code (a template of its own, a revocation hook).

        Types that need none are declared in a process's manifest instead.
        """
        _add(self.certificate_types, kind.name, kind, "certificate type")
        if on_revoke is not None:
            self.revocation_hooks[kind.name] = on_revoke

    def add_labels(self, **sections: Mapping[str, str]) -> None:
        """Message ids (marked with ``N_``) for history actions (``actions``), results
        (``results``), certificate types (``certificates``), certificate details
        (``details``) and detail values (``values``)."""
        for section, labels in sections.items():
            self.labels[section].update(labels)

    def add_blueprint(self, blueprint: Blueprint) -> None:
        """Pages or API routes of a process (registered on the app by ``create_app``)."""
        self.blueprints.append(blueprint)

    def add_public_link(
        self,
        endpoint: str,
        label: str,
        *,
        short: str | None = None,
        announcements: tuple[str, ...] = (),
    ) -> None:
        """A public page of a process, linked from the home page (``label``), every
        page's navigation (``short``, default the label; both message ids, ``N_``)
        and the pages of the ``announcements`` kinds it publishes."""
        self.public_links.append(PublicLink(endpoint, label, short or label, announcements))

    def add_slot_links(self, process_key: str, links: SlotLinks) -> None:
        """Downloads offered beside document slots of the process's application form."""
        _add(self.slot_links, process_key, links, "slot links of process")

    def add_demo(self, seed: DemoSeed) -> None:
        """Demo data ``flask seed-demo`` creates for this process."""
        self.demo.append(seed)

    def add_package(self, directory: Path) -> None:
        """A process package shipped with the code, published at start-up when new."""
        self.packages.append(directory)

    def label(self, section: str, key: str) -> str | None:
        return self.labels.get(section, {}).get(key)


@dataclass(frozen=True)
class Platform:
    """What the services of the process platform are given: the registry and what
    issuing needs (the document store, the keys, the public address). ``create_app``
    builds one; the CLI, the scheduler and tests take it from the app."""

    registry: ProcessRegistry
    issuing: Issuing


def _add(registry: dict[str, Any], name: str, value: Any, what: str) -> None:
    if name in registry:
        raise ValueError(f"{what} {name!r} is already registered")
    registry[name] = value
