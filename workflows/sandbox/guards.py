"""Run-time guards of the sandbox: allowlists, budgets and the guard functions.

Compiled sandbox code calls the guards RestrictedPython expects (``_getattr_``,
``_getitem_``, ``_getiter_``, ``_write_``, ``_inplacevar_``) plus ``_binop_`` for
the size-amplifying operators; :class:`Run` supplies them, with the builtins of
:data:`ALLOWED_BUILTINS`, for one evaluation under one :class:`SandboxLimits`.
"""

from __future__ import annotations

import importlib
import operator
import re
import time as _clock
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import GeneratorType, ModuleType
from typing import Any

from RestrictedPython.Guards import guarded_iter_unpack_sequence, guarded_unpack_sequence

from workflows.sandbox.policy import (
    DEFAULT_MAX_ALLOCATION,
    DEFAULT_MAX_RANGE,
    MAX_FORMAT_WIDTH,
    REFUSED_BUILTINS,
    SandboxViolation,
    too_wide,
)


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


ALLOWED_BUILTINS = _names(
    "abs all any bool dict enumerate float int len list max min range round set sorted str "
    "sum tuple zip"
)
"""Builtins visible to expressions and scripts (True/False/None are keywords)."""

_REFUSED_BUILTINS = REFUSED_BUILTINS - {"__import__"}


@dataclass(frozen=True)
class SandboxLimits:
    """Per-evaluation budgets; exceeding one raises :class:`SandboxViolation`.

    ``max_iterations``: items taken from any iterable (loops, comprehensions, unpacking,
    and the builtins that consume iterables). ``max_allocation``: elements or characters
    produced by the operations that can grow data. ``max_range``: longest ``range()``.
    ``max_int_bits``: largest integer ``*`` and ``<<`` may produce. ``time_limit``:
    seconds, checked at every iteration and allocation (a safety net, not a scheduler).
    """

    max_iterations: int = 1_000_000
    max_allocation: int = DEFAULT_MAX_ALLOCATION
    max_range: int = DEFAULT_MAX_RANGE
    max_int_bits: int = 10_000
    time_limit: float = 5.0


_INT = _names("bit_length conjugate denominator imag numerator real")
_DATE = _names("day isocalendar isoformat isoweekday month replace strftime toordinal weekday year")
_FROZENSET = _names(
    "copy difference intersection isdisjoint issubset issuperset symmetric_difference union"
)
_ATTRIBUTES: tuple[tuple[type, frozenset[str]], ...] = (
    (bool, _INT),
    (int, _INT),
    (float, _names("conjugate imag is_integer real")),
    (
        Decimal,
        _names(
            "adjusted copy_abs copy_negate is_finite is_infinite is_nan is_signed is_zero "
            "normalize quantize to_integral_value"
        ),
    ),
    (
        str,
        _names(
            "capitalize casefold center count endswith find index isalnum isalpha isascii "
            "isdecimal isdigit islower isnumeric isspace istitle isupper join ljust lower "
            "lstrip partition removeprefix removesuffix replace rfind rindex rjust rpartition "
            "rsplit rstrip split splitlines startswith strip swapcase title upper zfill"
        ),
    ),
    (datetime, _DATE | _names("date hour microsecond minute second time timestamp utcoffset")),
    (date, _DATE),
    (time, _names("hour isoformat microsecond minute replace second strftime")),
    (timedelta, _names("days microseconds seconds total_seconds")),
    (list, _names("append clear copy count extend index insert pop remove reverse sort")),
    (tuple, _names("count index")),
    (dict, _names("clear copy get items keys pop popitem setdefault update values")),
    (set, _FROZENSET | _names("add clear discard pop remove update")),
    (frozenset, _FROZENSET),
)
_MUTATORS = _names(
    "add append clear discard extend insert pop popitem remove reverse setdefault sort update"
)
_SIZED = (str, bytes, list, tuple, dict, set, frozenset)
_SUBSCRIPTABLE = (str, list, tuple, dict, range)
_VIEWS: tuple[type, ...] = (type({}.keys()), type({}.values()), type({}.items()))
_ITERABLE = (*_SUBSCRIPTABLE, set, frozenset, zip, enumerate, GeneratorType, *_VIEWS)
_BINOPS: Mapping[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "*": operator.mul,
    "%": operator.mod,
    "<<": operator.lshift,
}
_INPLACE: Mapping[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "&=": operator.iand,
    "|=": operator.ior,
    "^=": operator.ixor,
    ">>=": operator.irshift,
    "<<=": operator.ilshift,
}
_PERCENT_SPEC = re.compile(r"%(?:%|(?:\([^)]*\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?)")
GUARD_NAMES = _names(
    "__builtins__ _getattr_ _getitem_ _getiter_ _iter_unpack_sequence_ _unpack_sequence_ "
    "_write_ _inplacevar_ _binop_"
)
"""Names :meth:`Run.namespace` binds; a script's results never include them."""


def _attributes_of(kind: type) -> frozenset[str]:
    for base, names in _ATTRIBUTES:
        if issubclass(kind, base):
            return names
    return frozenset()


def _size(value: object) -> int:
    return len(value) if issubclass(type(value), _SIZED) else 0  # type: ignore[arg-type]


def _refused(name: str) -> Callable[..., Any]:
    def refused(*args: object, **kwargs: object) -> Any:
        raise SandboxViolation(f"{name}() is not available in the sandbox")

    return refused


_REFUSED = {name: _refused(name) for name in _REFUSED_BUILTINS}


def _internal_import(name: str, *args: Any, **kwargs: Any) -> ModuleType:
    """``__import__`` for C code only: ``datetime.__format__`` imports ``time`` through
    the builtins of the calling (sandboxed) frame. Sandboxed code cannot name it."""
    if name != "time":
        raise SandboxViolation(f"import of {name!r} is not allowed in the sandbox")
    return importlib.import_module(name)


class Run:
    """Guards and budgets for one evaluation; its bound methods become the guard globals."""

    def __init__(self, limits: SandboxLimits, *, read_only: bool) -> None:
        self.limits = limits
        self.read_only = read_only
        self.iterations = 0
        self.allocated = 0
        self.deadline = _clock.monotonic() + limits.time_limit

    def namespace(self) -> dict[str, Any]:
        """The guard functions and the builtins, keyed as RestrictedPython's code expects."""
        builtins: dict[str, Any] = {
            **_REFUSED,
            "__import__": _internal_import,
            "abs": abs,
            "all": self.consumer(all),
            "any": self.consumer(any),
            "bool": bool,
            "dict": self.collector(dict),
            "enumerate": enumerate,
            "float": float,
            "int": self.int_,
            "len": len,
            "list": self.collector(list),
            "max": self.extreme(max),
            "min": self.extreme(min),
            "range": self.range_,
            "round": round,
            "set": self.collector(set),
            "sorted": self.collector(sorted),
            "str": self.str_,
            "sum": self.sum_,
            "tuple": self.collector(tuple),
            "zip": zip,
        }
        return {
            "__builtins__": builtins,
            "_getattr_": self.getattr_,
            "_getitem_": self.getitem_,
            "_getiter_": self.iterate,
            "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
            "_unpack_sequence_": guarded_unpack_sequence,
            "_write_": self.write_,
            "_inplacevar_": self.inplacevar_,
            "_binop_": self.binop_,
        }

    # budgets

    def tick(self) -> None:
        self.iterations += 1
        if self.iterations > self.limits.max_iterations:
            raise SandboxViolation(f"more than {self.limits.max_iterations} items iterated")
        if _clock.monotonic() > self.deadline:
            raise SandboxViolation(f"ran longer than {self.limits.time_limit} seconds")

    def charge(self, units: int) -> None:
        self.allocated += units
        if self.allocated > self.limits.max_allocation:
            raise SandboxViolation(
                f"more than {self.limits.max_allocation} elements or characters created"
            )
        if _clock.monotonic() > self.deadline:
            raise SandboxViolation(f"ran longer than {self.limits.time_limit} seconds")

    def check_int_bits(self, bits: int) -> None:
        if bits > self.limits.max_int_bits:
            raise SandboxViolation(f"integers above {self.limits.max_int_bits} bits are refused")

    # guards

    def iterate(self, ob: Any) -> Iterator[Any]:
        if not issubclass(type(ob), _ITERABLE):
            raise SandboxViolation(f"cannot iterate over {type(ob).__name__} in the sandbox")
        return self._counted(iter(ob))

    def _counted(self, iterator: Iterator[Any]) -> Iterator[Any]:
        for item in iterator:
            self.tick()
            yield item

    def getattr_(self, ob: Any, name: str) -> Any:
        kind = type(ob).__name__
        if not isinstance(name, str) or name.startswith("_"):
            raise SandboxViolation(f"attribute {name!r} is not available in the sandbox")
        if name not in _attributes_of(type(ob)):
            raise SandboxViolation(f"attribute {name!r} of {kind} is not available in the sandbox")
        if self.read_only and name in _MUTATORS:
            raise SandboxViolation(f"{kind}.{name}() changes data; expressions are read-only")
        value = getattr(ob, name)
        if not callable(value):
            return value
        if isinstance(ob, str) and name in ("join", "replace", "center", "ljust", "rjust", "zfill"):
            return self._str_method(ob, name, value)
        return self._metered(ob, value)

    def _metered(self, ob: Any, method: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            before = _size(ob)
            result = method(*args, **kwargs)
            grown = max(_size(ob) - before, 0)
            self.charge(grown + (0 if result is ob else _size(result)))
            return result

        return call

    def _str_method(self, text: str, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        """Charge the result size of the str methods that can amplify before running them."""

        def call(*args: Any) -> Any:
            if name == "join" and len(args) == 1:
                items = list(self.iterate(args[0]))
                pieces = sum(_size(item) for item in items)
                self.charge(pieces + len(text) * max(len(items) - 1, 0))
                return method(items)
            if name == "replace" and len(args) in (2, 3):
                old, new, *rest = args
                if isinstance(old, str) and isinstance(new, str):
                    count = text.count(old) if old else len(text) + 1
                    if rest and isinstance(rest[0], int) and rest[0] >= 0:
                        count = min(count, rest[0])
                    self.charge(len(text) + count * max(len(new) - len(old), 0))
            elif name != "replace" and args and isinstance(args[0], int):
                self.charge(max(args[0], len(text)))
            return method(*args)

        return call

    def getitem_(self, ob: Any, key: Any) -> Any:
        if not issubclass(type(ob), _SUBSCRIPTABLE):
            raise SandboxViolation(f"cannot index {type(ob).__name__} in the sandbox")
        value = ob[key]
        if isinstance(key, slice):
            self.charge(_size(value))
        return value

    def write_(self, ob: Any) -> Any:
        if not self.read_only and type(ob) in (dict, list):
            return ob
        raise SandboxViolation(f"cannot modify {type(ob).__name__} in the sandbox")

    def binop_(self, op: str, left: Any, right: Any) -> Any:
        self._precheck(op, left, right)
        result = _BINOPS[op](left, right)
        if op != "*":
            self.charge(_size(result))
        return result

    def inplacevar_(self, op: str, left: Any, right: Any) -> Any:
        function = _INPLACE.get(op)
        if function is None:
            raise SandboxViolation(f"{op} is not allowed in the sandbox")
        self._precheck(op[:-1], left, right)
        result = function(left, right)
        if op in ("+=", "%="):
            self.charge(_size(result))
        return result

    def _precheck(self, op: str, left: Any, right: Any) -> None:
        """Refuse ``*``, ``<<`` and ``%`` whose result would exceed a budget, before running."""
        if op == "*":
            if isinstance(left, int) and isinstance(right, int):
                self.check_int_bits(left.bit_length() + right.bit_length())
            elif isinstance(right, int) and _size(left):
                self.charge(_size(left) * max(right, 0))
            elif isinstance(left, int) and _size(right):
                self.charge(_size(right) * max(left, 0))
        elif op == "<<" and isinstance(left, int) and isinstance(right, int) and right > 0:
            self.check_int_bits(left.bit_length() + right)
        elif op == "%" and isinstance(left, str):
            for match in _PERCENT_SPEC.finditer(left):
                numbers = [group or "" for group in match.groups()]
                if "*" in numbers or too_wide(numbers):
                    raise SandboxViolation(
                        f"% formats with * or widths above {MAX_FORMAT_WIDTH} are refused"
                    )

    # builtins that iterate in C: feed them through the budget

    def consumer(self, function: Callable[[Iterable[Any]], Any]) -> Callable[[Any], Any]:
        def call(iterable: Any) -> Any:
            return function(self.iterate(iterable))

        return call

    def collector(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if args and not (function is dict and isinstance(args[0], dict)):
                args = (self.iterate(args[0]), *args[1:])
            elif args:
                self.charge(len(args[0]))
            result = function(*args, **kwargs)
            self.charge(len(result))
            return result

        return call

    def extreme(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            if len(args) == 1:
                args = (self.iterate(args[0]),)
            return function(*args, **kwargs)

        return call

    def sum_(self, iterable: Any, start: Any = 0) -> Any:
        if not isinstance(start, int | float | Decimal | timedelta):
            raise SandboxViolation("sum() only adds numbers and timedeltas in the sandbox")
        return sum(self.iterate(iterable), start)

    def range_(self, *args: int) -> range:
        numbers = range(*args)
        try:
            length = len(numbers)
        except OverflowError:
            length = self.limits.max_range + 1
        if length > self.limits.max_range:
            raise SandboxViolation(f"range() longer than {self.limits.max_range} is refused")
        return numbers

    def str_(self, *args: Any) -> str:
        text = str(*args)
        self.charge(len(text))
        return text

    def int_(self, *args: Any) -> int:
        if args and isinstance(args[0], Decimal) and args[0].is_finite():
            self.check_int_bits(max(args[0].adjusted(), 0) * 10 // 3)
        return int(*args)
