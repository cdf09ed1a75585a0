"""Hide conditions: the small part of FEEL that form-js ``conditional.hide`` may use.

A component of a form-js schema may carry ``"conditional": {"hide": "=<FEEL>"}``;
the component is hidden while the expression is true. :func:`parse_condition`
reads the expression (after its leading "=") with a small recursive-descent
parser; nothing is ever evaluated as code. The grammar::

    expression := conjunction ("or" conjunction)*
    conjunction := operand ("and" operand)*
    operand    := "(" expression ")" | "not" "(" expression ")" | comparison
    comparison := key ("=" | "!=") literal
    literal    := "string" | number | true | false | null

``key`` is a data key (a letter, then letters, digits and underscores); a string
is double-quoted, with ``\\"`` and ``\\\\`` as its only escapes; a number is
``-?digits[.digits]``. ``and``, ``or``, ``not``, ``true``, ``false`` and ``null``
are keywords, not keys. Anything else (other operators, function calls, paths,
lists, ranges) is refused with :class:`ConditionSyntaxError`.

The parsed condition is plain data: :class:`Comparison`, :class:`AllOf`,
:class:`AnyOf` and :class:`Not`, each with ``applies(data)``. Which keys a
condition may name, and with which literals, depends on the form and is checked
by :mod:`forms.schema`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "MAX_LENGTH",
    "AllOf",
    "AnyOf",
    "Comparison",
    "Condition",
    "ConditionSyntaxError",
    "Not",
    "Value",
    "parse_condition",
]

MAX_LENGTH = 2000
"""Longest accepted expression, in characters."""

MAX_DEPTH = 20
"""Deepest accepted nesting of parentheses and ``not(...)``."""

Value = str | bool | Decimal | None
"""A literal of a comparison: a string, true/false, a number or null."""

_NUMBER_RE = re.compile(r"[+-]?\d+(?:\.\d+)?", re.ASCII)


def _as_decimal(value: Any) -> Decimal | None:
    """``value`` as a number: ints, Decimals, floats and numeric strings; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str) and _NUMBER_RE.fullmatch(value.strip()):
        return Decimal(value.strip())
    return None


def _matches(actual: Any, expected: Value) -> bool:
    """Whether a data value equals a literal (the ``=`` of a comparison)."""
    if expected is None:
        return actual is None or actual == ""
    if isinstance(expected, bool):
        # An absent checkbox is an unticked one.
        return actual is True if expected else actual is None or actual is False
    if isinstance(expected, Decimal):
        number = _as_decimal(actual)
        return number is not None and number == expected
    return isinstance(actual, str) and actual == expected


def _json_value(value: Value) -> str | bool | int | float | None:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@dataclass(frozen=True)
class Comparison:
    """``key = value`` (or ``key != value`` when ``negated``).

    Equality follows the JSON data: a string equals the same string; a number
    equals a number or numeric string of the same value ("1.50" = 1.5); ``true``
    and ``false`` compare with a checkbox, an absent one being false; ``null``
    equals an absent key, None and "". Values of other types are never equal.
    """

    key: str
    value: Value
    negated: bool = False

    def applies(self, data: Mapping[str, Any]) -> bool:
        """Whether the comparison holds for ``data`` (a missing key is null)."""
        return _matches(data.get(self.key), self.value) != self.negated

    def field_keys(self) -> frozenset[str]:
        """The data keys the condition reads."""
        return frozenset({self.key})

    def comparisons(self) -> Iterator[Comparison]:
        """Every comparison in the condition, left to right."""
        yield self

    def to_json(self) -> dict[str, Any]:
        """The JSON form pages and API clients read (see :meth:`AllOf.to_json`)."""
        operator = "!=" if self.negated else "="
        return {"op": operator, "key": self.key, "value": _json_value(self.value)}


@dataclass(frozen=True)
class _Junction:
    """Parts joined by ``and`` or ``or``."""

    parts: tuple[Condition, ...]

    def field_keys(self) -> frozenset[str]:
        """The data keys the condition reads."""
        return frozenset(key for part in self.parts for key in part.field_keys())

    def comparisons(self) -> Iterator[Comparison]:
        """Every comparison in the condition, left to right."""
        for part in self.parts:
            yield from part.comparisons()


@dataclass(frozen=True)
class AllOf(_Junction):
    """``a and b and ...``: true when every part is."""

    def applies(self, data: Mapping[str, Any]) -> bool:
        """Whether every part holds for ``data``."""
        return all(part.applies(data) for part in self.parts)

    def to_json(self) -> dict[str, Any]:
        """The JSON form: ``{"op": "and", "args": [...]}``.

        Likewise ``{"op": "or", "args": [...]}``, ``{"op": "not", "arg": {...}}`` and
        ``{"op": "=" or "!=", "key": "...", "value": ...}`` (a string, true, false,
        a number or null).
        """
        return {"op": "and", "args": [part.to_json() for part in self.parts]}


@dataclass(frozen=True)
class AnyOf(_Junction):
    """``a or b or ...``: true when any part is."""

    def applies(self, data: Mapping[str, Any]) -> bool:
        """Whether any part holds for ``data``."""
        return any(part.applies(data) for part in self.parts)

    def to_json(self) -> dict[str, Any]:
        """The JSON form (see :meth:`AllOf.to_json`)."""
        return {"op": "or", "args": [part.to_json() for part in self.parts]}


@dataclass(frozen=True)
class Not:
    """``not(a)``: true when ``part`` is not."""

    part: Condition

    def applies(self, data: Mapping[str, Any]) -> bool:
        """Whether ``part`` does not hold for ``data``."""
        return not self.part.applies(data)

    def field_keys(self) -> frozenset[str]:
        """The data keys the condition reads."""
        return self.part.field_keys()

    def comparisons(self) -> Iterator[Comparison]:
        """Every comparison in the condition, left to right."""
        return self.part.comparisons()

    def to_json(self) -> dict[str, Any]:
        """The JSON form (see :meth:`AllOf.to_json`)."""
        return {"op": "not", "arg": self.part.to_json()}


Condition = Comparison | AllOf | AnyOf | Not
"""A parsed hide condition."""


class ConditionSyntaxError(ValueError):
    """An expression is outside the supported subset; the message says where and why."""


# -- parsing -----------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
    (?P<string>"(?:[^"\\]|\\["\\])*")
    | (?P<number>-?\d+(?:\.\d+)?(?![A-Za-z0-9_.]))
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<symbol>!=|=|\(|\))
    """,
    re.VERBOSE | re.ASCII,
)
_KEYWORDS = frozenset({"and", "or", "not", "true", "false", "null"})
_UNSUPPORTED_SYMBOLS = {
    "<": "only = and != comparisons are supported",
    ">": "only = and != comparisons are supported",
    ".": "nested paths and decimal points outside numbers are not supported",
    "[": "lists and filters are not supported",
    "{": "contexts are not supported",
    '"': r"a string is not closed, or holds an escape other than \" and \\",
}


@dataclass(frozen=True)
class _Token:
    kind: str  # "string", "number", "name", "symbol", or "error" (text is the message)
    text: str
    position: int  # 1-based character position, for messages

    def is_(self, kind: str, text: str) -> bool:
        return self.kind == kind and self.text == text

    def describe(self) -> str:
        return f'"{self.text}" (at character {self.position})'


def _tokens(text: str, start: int) -> list[_Token]:
    """The tokens of ``text[start:]``; a character no token fits ends them with an
    error token, raised when the parser reaches it (so ``f(`` is reported as a call)."""
    tokens: list[_Token] = []
    position = start
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        match = _TOKEN_RE.match(text, position)
        if match is None or match.lastgroup is None:
            char = text[position]
            reason = _UNSUPPORTED_SYMBOLS.get(char, "it is not part of the supported expressions")
            message = f"unexpected {char!r} at character {position + 1}: {reason}"
            tokens.append(_Token("error", message, position + 1))
            break
        tokens.append(_Token(match.lastgroup, match.group(), position + 1))
        position = match.end()
    return tokens


def parse_condition(text: str) -> Condition:
    """Parse a form-js hide expression such as ``=kind = "other"``.

    Positions in messages count characters of ``text``, its "=" being the first.

    :raise ConditionSyntaxError: ``text`` does not start with "=", or the
        expression is empty, too long (:data:`MAX_LENGTH`), too deeply nested
        (:data:`MAX_DEPTH`) or outside the grammar of this module.
    """
    if not text.startswith("="):
        raise ConditionSyntaxError('a FEEL expression must start with "="')
    if len(text) > MAX_LENGTH:
        raise ConditionSyntaxError(f"the expression is longer than {MAX_LENGTH} characters")
    tokens = _tokens(text, start=1)
    if not tokens:
        raise ConditionSyntaxError("the expression is empty")
    return _Parser(tokens).parse()


class _Parser:
    """Recursive descent over the tokens of one expression."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    def parse(self) -> Condition:
        condition = self.expression()
        extra = self.peek()
        if extra is not None:
            raise ConditionSyntaxError(
                f"unexpected {extra.describe()}: expected and, or or the end"
            )
        return condition

    def peek(self) -> _Token | None:
        token = self.tokens[self.index] if self.index < len(self.tokens) else None
        if token is not None and token.kind == "error":
            raise ConditionSyntaxError(token.text)
        return token

    def take(self, expected: str) -> _Token:
        token = self.peek()
        if token is None:
            raise ConditionSyntaxError(f"the expression ends too early: expected {expected}")
        self.index += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token.is_("name", word):
            self.index += 1
            return True
        return False

    def expect(self, symbol: str) -> None:
        token = self.take(f'"{symbol}"')
        if not token.is_("symbol", symbol):
            raise ConditionSyntaxError(f'unexpected {token.describe()}: expected "{symbol}"')

    def expression(self) -> Condition:
        parts = [self.conjunction()]
        while self.keyword("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def conjunction(self) -> Condition:
        parts = [self.operand()]
        while self.keyword("and"):
            parts.append(self.operand())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def operand(self) -> Condition:
        token = self.take('a comparison such as kind = "other"')
        if token.is_("symbol", "("):
            return self.nested(token)
        if token.is_("name", "not"):
            self.expect("(")
            return Not(self.nested(token))
        if token.kind == "name" and token.text not in _KEYWORDS:
            return self.comparison(token)
        raise ConditionSyntaxError(
            f'unexpected {token.describe()}: expected a field key, "(" or not('
        )

    def nested(self, opening: _Token) -> Condition:
        """The expression after an opening parenthesis, and the closing one."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ConditionSyntaxError(
                f"more than {MAX_DEPTH} nested parentheses (at character {opening.position})"
            )
        condition = self.expression()
        self.expect(")")
        self.depth -= 1
        return condition

    def comparison(self, name: _Token) -> Comparison:
        key = name.text
        operator = self.take(f'= or != after "{key}"')
        if operator.is_("symbol", "("):
            raise ConditionSyntaxError(
                f'unexpected "{key}(" (at character {name.position}): '
                "function calls other than not(...) are not supported"
            )
        if operator.kind != "symbol" or operator.text not in ("=", "!="):
            raise ConditionSyntaxError(
                f'unexpected {operator.describe()}: expected = or != after "{key}"'
            )
        return Comparison(key=key, value=self.literal(), negated=operator.text == "!=")

    def literal(self) -> Value:
        token = self.take("a string, number, true, false or null")
        if token.kind == "string":
            return re.sub(r"\\(.)", r"\1", token.text[1:-1])
        if token.kind == "number":
            return Decimal(token.text)
        constants: dict[str, Value] = {"true": True, "false": False, "null": None}
        if token.kind == "name" and token.text in constants:
            return constants[token.text]
        raise ConditionSyntaxError(
            f"unexpected {token.describe()}: expected a string, number, true, false or null"
        )
