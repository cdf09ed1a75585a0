"""A sandbox for the Python that uploaded BPMN definitions carry.

Gateway conditions, timer expressions, service-task parameters and script
tasks are written by portal administrators and evaluated by SpiffWorkflow's
script engine, whose default environment is plain ``eval``/``exec``. This
package replaces that environment with one built on RestrictedPython plus a
stricter policy of its own, in two layers:

Compile time (``check_expression``/``check_script`` report, ``evaluate``/
``execute`` raise :class:`SandboxViolation`): RestrictedPython's rules (no
names or attributes starting with ``_``) plus no ``import``, ``def``,
``class``, ``lambda``, ``global``/``nonlocal``, ``with``, ``try``, ``raise``,
``assert``, ``while``, ``return``, ``yield``, ``async``/``await``, walrus
(expressions stay free of side effects), ``*``/``**`` unpacking, the ``**``
and ``@`` operators, ``print``, bytes literals, computed f-string format specs
and format widths above :data:`MAX_FORMAT_WIDTH`. Scripts are for data
shaping: assignments, ``if``/``else``, ``for`` over data, comprehensions.

Run time: only the builtins in :data:`ALLOWED_BUILTINS`; attribute access
only to public, allowlisted attributes of plain value types (str, int, float,
bool, Decimal, date, datetime, time, timedelta, list, tuple, dict, set,
frozenset, None), never ``str.format``/``format_map``; indexing, iteration and
item assignment only on plain data types. Each evaluation has a budget
(:class:`SandboxLimits`): items iterated, elements/characters created by the
operations that can grow data (``+ * % <<``, slicing, ``str.join``/
``replace``/padding, container builtins and methods), integer size, ``range``
length and wall-clock time. Expressions are read-only: methods that change a
list, dict or set are refused. ``print`` is refused rather than collected, so
scripts have no hidden output channel.

Resource limits inside the interpreter are best effort; workers that run
workflows should still have process-level memory and time limits.

The layers live in their own modules: :mod:`workflows.sandbox.policy` (the
compile-time policy and its cache), :mod:`workflows.sandbox.guards` (the run-time
guards, budgets and allowlists) and :mod:`workflows.sandbox.engine` (the
SpiffWorkflow environment and script engine built on both).
"""

from workflows.sandbox.engine import SandboxEnvironment, SandboxScriptEngine
from workflows.sandbox.guards import ALLOWED_BUILTINS, SandboxLimits
from workflows.sandbox.policy import (
    MAX_FORMAT_WIDTH,
    MAX_SOURCE_LENGTH,
    SandboxViolation,
    check_expression,
    check_script,
)

__all__ = [
    "ALLOWED_BUILTINS",
    "MAX_FORMAT_WIDTH",
    "MAX_SOURCE_LENGTH",
    "SandboxEnvironment",
    "SandboxLimits",
    "SandboxScriptEngine",
    "SandboxViolation",
    "check_expression",
    "check_script",
]
