# ruff: noqa: N802 - ast.NodeVisitor dispatches on visit_<NodeClass> method names
"""Compile-time policy of the sandbox: what source is refused before anything runs.

RestrictedPython's transformer, made stricter by the rules listed in the
:mod:`workflows.sandbox` doc, with a cache of compiled code.
:func:`check_expression`/:func:`check_script` report refusals; :func:`code_or_raise`
raises them as :class:`SandboxViolation` for the engine.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from types import CodeType
from typing import Any, Literal

from RestrictedPython import compile_restricted_eval, compile_restricted_exec
from RestrictedPython.transformer import RestrictingNodeTransformer, copy_locations

MAX_SOURCE_LENGTH = 50_000
"""Longest expression or script accepted, in characters."""

MAX_FORMAT_WIDTH = 1_000
"""Largest width or precision in an f-string spec or a ``%`` format."""


REFUSED_BUILTINS = frozenset(
    [
        "getattr",
        "setattr",
        "delattr",
        "hasattr",
        "type",
        "vars",
        "dir",
        "globals",
        "locals",
        "eval",
        "exec",
        "compile",
        "open",
        "input",
        "help",
        "breakpoint",
        "memoryview",
        "bytearray",
        "bytes",
        "object",
        "super",
        "classmethod",
        "staticmethod",
        "property",
        "format",
        "pow",
        "iter",
        "next",
        "exit",
        "quit",
        "__import__",
    ]
)
"""Builtins a call may never name: refused when the code is compiled (so at publish
time), not only missing when it runs."""
DEFAULT_MAX_ALLOCATION = 10_000_000
"""Elements or characters one evaluation may create (:class:`SandboxLimits` default)."""
DEFAULT_MAX_RANGE = 100_000
"""Longest ``range()`` (:class:`SandboxLimits` default)."""

_Visit = ast.AST | Iterable[ast.AST] | None


class SandboxViolation(Exception):
    """Code was refused by the sandbox policy; the message says what was refused.

    ``line_number`` is the first refused line for compile-time refusals, else None.
    """

    def __init__(self, message: str, *, line_number: int | None = None) -> None:
        super().__init__(message)
        self.line_number = line_number


_REFUSED_NODES: Mapping[type[ast.AST], str] = {
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.FunctionDef: "def",
    ast.AsyncFunctionDef: "async def",
    ast.Lambda: "lambda",
    ast.ClassDef: "class",
    ast.Global: "global",
    ast.Nonlocal: "nonlocal",
    ast.With: "with",
    ast.AsyncWith: "async with",
    ast.AsyncFor: "async for",
    ast.Await: "await",
    ast.Try: "try",
    ast.TryStar: "try",
    ast.Raise: "raise",
    ast.Assert: "assert",
    ast.While: "while (loop over data with for)",
    ast.Return: "return",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.NamedExpr: "the := operator",
    ast.Starred: "* unpacking",
}
_OPERATOR_NAMES: Mapping[type[ast.operator], str] = {ast.Pow: "**", ast.MatMult: "@"}
_GUARDED_OPS: Mapping[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Mult: "*",
    ast.Mod: "%",
    ast.LShift: "<<",
}


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's transformer with the stricter rules listed in the package doc."""

    def _refuse(self, node: ast.AST, what: str) -> ast.AST:
        self.error(node, f"{what} is not allowed in the sandbox")
        return node

    def visit(self, node: ast.AST) -> Any:
        refused = _REFUSED_NODES.get(type(node))
        if refused is not None:
            return self._refuse(node, refused)
        return super().visit(node)

    def visit_Constant(self, node: ast.Constant) -> _Visit:
        if isinstance(node.value, bytes):
            return self._refuse(node, "a bytes literal")
        return super().visit_Constant(node)

    def visit_Name(self, node: ast.Name) -> _Visit:
        if node.id in ("print", "printed"):
            return self._refuse(node, "print")
        return super().visit_Name(node)

    def visit_Dict(self, node: ast.Dict) -> _Visit:
        if any(key is None for key in node.keys):
            return self._refuse(node, "** unpacking")
        return super().visit_Dict(node)

    def visit_Call(self, node: ast.Call) -> _Visit:
        if any(kw.arg is None for kw in node.keywords):
            return self._refuse(node, "** unpacking")
        func = node.func
        if isinstance(func, ast.Name) and func.id in REFUSED_BUILTINS:
            return self._refuse(node, f"calling {func.id}()")
        if isinstance(func, ast.Attribute) and func.attr in ("format", "format_map"):
            return self._refuse(node, f"str.{func.attr}() (use an f-string)")
        if (
            isinstance(func, ast.Name)
            and func.id == "range"
            and any(_constant_int(arg) > DEFAULT_MAX_RANGE for arg in node.args)
        ):
            return self._refuse(node, f"a range() longer than {DEFAULT_MAX_RANGE}")
        return super().visit_Call(node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> _Visit:
        spec = node.format_spec
        if isinstance(spec, ast.JoinedStr):
            if not all(isinstance(part, ast.Constant) for part in spec.values):
                return self._refuse(node, "a computed format spec")
            text = "".join(str(part.value) for part in spec.values)  # type: ignore[attr-defined]
            if too_wide(re.findall(r"\d+", text)):
                return self._refuse(node, f"a format width above {MAX_FORMAT_WIDTH}")
        return super().visit_FormattedValue(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> _Visit:
        if isinstance(node.op, ast.Pow | ast.MatMult):
            return self._refuse(node, f"the {_OPERATOR_NAMES[type(node.op)]}= operator")
        return super().visit_AugAssign(node)

    def visit_BinOp(self, node: ast.BinOp) -> _Visit:
        """Refuse ``**``/``@``; route size-amplifying operators through ``_binop_``."""
        if isinstance(node.op, ast.Pow | ast.MatMult):
            return self._refuse(node, f"the {_OPERATOR_NAMES[type(node.op)]} operator")
        if isinstance(node.op, ast.Mult) and _literal_size(node) > DEFAULT_MAX_ALLOCATION:
            return self._refuse(
                node, f"creating more than {DEFAULT_MAX_ALLOCATION} elements or characters"
            )
        node = self.node_contents_visit(node)
        symbol = _GUARDED_OPS.get(type(node.op))
        if symbol is None:
            return node
        call = ast.Call(
            func=ast.Name("_binop_", ast.Load()),
            args=[ast.Constant(symbol), node.left, node.right],
            keywords=[],
        )
        copy_locations(call, node)
        return call


def _constant_int(node: ast.AST) -> int:
    """The value of an integer literal, else 0."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return int(node.value)
    return 0


def _literal_size(node: ast.BinOp) -> int:
    """How many elements or characters ``literal * count`` of constants would create."""
    for sequence, count in ((node.left, node.right), (node.right, node.left)):
        times = _constant_int(count)
        if isinstance(sequence, ast.Constant) and isinstance(sequence.value, str):
            return len(sequence.value) * times
        if isinstance(sequence, ast.List | ast.Tuple):
            return len(sequence.elts) * times
    return 0


def too_wide(numbers: Iterable[str]) -> bool:
    """Whether any of ``numbers`` (digit strings) exceeds :data:`MAX_FORMAT_WIDTH`."""
    return any(int(number) > MAX_FORMAT_WIDTH for number in numbers if number.isdigit())


@lru_cache(maxsize=1024)
def _compile(source: str, mode: Literal["eval", "exec"]) -> tuple[CodeType | None, tuple[str, ...]]:
    """Compile under the policy; return ``(code, ())`` or ``(None, error messages)``."""
    if not isinstance(source, str):
        raise TypeError(f"source must be str, not {type(source).__name__}")
    if len(source) > MAX_SOURCE_LENGTH:
        return None, (f"source is longer than {MAX_SOURCE_LENGTH} characters",)
    compiler = compile_restricted_eval if mode == "eval" else compile_restricted_exec
    text = source.strip() if mode == "eval" else source
    try:
        result = compiler(text, filename="<string>", policy=_Policy)
    except (RecursionError, MemoryError, ValueError) as err:
        return None, (f"source cannot be compiled: {type(err).__name__}: {err}",)
    if result.errors:
        return None, tuple(result.errors)
    return result.code, ()


def code_or_raise(source: str, mode: Literal["eval", "exec"]) -> CodeType:
    """Return the sandboxed code for ``source``, compiled once and cached.

    :raise SandboxViolation: the policy refuses ``source``; ``line_number`` is the
        first refused line where known.
    :raise TypeError: ``source`` is not a str.
    """
    code, errors = _compile(source, mode)
    if code is None:
        kind = "expression" if mode == "eval" else "script"
        line = re.match(r"Line (\d+):", errors[0])
        raise SandboxViolation(
            f"{kind} refused: " + "; ".join(errors),
            line_number=int(line.group(1)) if line else None,
        )
    return code


def check_expression(source: str) -> list[str]:
    """Return ``[]`` if ``source`` compiles as a sandboxed expression, else the problems.

    Messages start with ``Line N:`` where the line is known.
    :raise TypeError: ``source`` is not a str.
    """
    return list(_compile(source, "eval")[1])


def check_script(source: str) -> list[str]:
    """Return ``[]`` if ``source`` compiles as a sandboxed script, else the problems.

    :raise TypeError: ``source`` is not a str.
    """
    return list(_compile(source, "exec")[1])
