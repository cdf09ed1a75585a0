"""Validators for compiled forms, and the predicates behind the named ones.

The predicates (``is_valid_uscc`` and friends) are strict about format: pass user
input through ``normalize_uscc`` / ``normalize_mobile`` first to accept lowercase
letters, spaces or hyphens. The WTForms validator classes skip empty values (the
``Required`` validators decide about those) and produce English messages through
``field.gettext`` / ``field.ngettext``, so the form's Meta translates them.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from stdnum.cn import uscc as stdnum_uscc
from wtforms.validators import StopValidation, ValidationError

from forms import divisions
from forms.i18n import N_

__all__ = [
    "NAMED_VALIDATORS",
    "NORMALIZERS",
    "USCC",
    "DivisionCode",
    "Email",
    "Length",
    "Mobile",
    "NumberRange",
    "Pattern",
    "Required",
    "RequiredIf",
    "RowCount",
    "is_empty",
    "is_valid_division_code",
    "is_valid_email",
    "is_valid_mobile",
    "is_valid_uscc",
    "normalize_mobile",
    "normalize_uscc",
]

_USCC_RE = re.compile(r"[0-9]{8}[0-9A-HJ-NPQRTUWXY]{10}", re.ASCII)
_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}", re.ASCII)
_EMAIL_RE = re.compile(r"[^@\s]{1,64}@[^@\s.]+(?:\.[^@\s.]+)+")
_EMAIL_MAX = 254
_SEPARATORS_RE = re.compile(r"[\s\-]+")


# -- predicates ---------------------------------------------------------------------


def normalize_uscc(value: str) -> str:
    """Upper-case a unified social credit code and drop spaces and hyphens."""
    return _SEPARATORS_RE.sub("", value).upper()


def normalize_mobile(value: str) -> str:
    """Drop spaces and hyphens from a mobile number ("138 0013 8000")."""
    return _SEPARATORS_RE.sub("", value)


def is_valid_uscc(value: str) -> bool:
    """Whether ``value`` is an 18-character unified social credit code.

    Checks the alphabet and the GB 32100 check digit; expects upper case.
    """
    return (
        isinstance(value, str)
        and _USCC_RE.fullmatch(value) is not None
        and bool(stdnum_uscc.is_valid(value))
    )


def is_valid_mobile(value: str) -> bool:
    """Whether ``value`` is a mainland China mobile number: 11 digits, ``1[3-9]…``."""
    return isinstance(value, str) and _MOBILE_RE.fullmatch(value) is not None


def is_valid_division_code(value: str, *, county: bool = False) -> bool:
    """Whether ``value`` is a 6-digit GB/T 2260 code listed by any revision.

    With ``county=True`` it must also be a county-level code (not a province or
    prefecture, whose codes end in 00).
    """
    division = divisions.lookup(value)
    if division is None:
        return False
    return division.level == "county" or not county


def is_valid_email(value: str) -> bool:
    """Whether ``value`` looks like an e-mail address (name@domain.tld)."""
    return (
        isinstance(value, str)
        and len(value) <= _EMAIL_MAX
        and _EMAIL_RE.fullmatch(value) is not None
    )


# -- helpers --------------------------------------------------------------------------


def is_empty(field: Any) -> bool:
    """Whether a bound field holds no value: None, "", [], False or no list rows.

    Zero is a value.
    """
    entries = getattr(field, "entries", None)
    if entries is not None:
        return not entries
    data = field.data
    return data is None or data is False or (isinstance(data, str | list | tuple) and not data)


def _required_message(field: Any) -> StopValidation:
    if field.process_errors:
        # The value could not be read; that error says enough.
        return StopValidation()
    return StopValidation(field.gettext("This field is required."))


# -- validators ------------------------------------------------------------------------


class Required:
    """The field must hold a value; stops the chain when it does not.

    ``flag`` adds the HTML ``required`` attribute (off for checklists, where it
    would demand every box).
    """

    def __init__(self, *, flag: bool = True) -> None:
        self.field_flags = {"required": True} if flag else {}

    def __call__(self, form: Any, field: Any) -> None:
        if is_empty(field):
            raise _required_message(field)


class RequiredIf:
    """Required when the top-level field ``other`` holds one of ``values``.

    A checkbox compares as "true"/"false", a list field matches when any of its
    values does. An ``other`` missing from the form counts as empty: compiled
    forms leave hidden fields out while they validate.
    """

    def __init__(self, other: str, values: Iterable[str]) -> None:
        self.other = other
        self.values = frozenset(values)

    def _other_values(self, form: Any) -> set[str]:
        if self.other not in form:
            return set()
        data = form[self.other].data
        if isinstance(data, bool):
            return {"true" if data else "false"}
        if isinstance(data, list | tuple):
            return {str(item) for item in data}
        return set() if data is None else {str(data)}

    def __call__(self, form: Any, field: Any) -> None:
        if is_empty(field) and self._other_values(form) & self.values:
            raise _required_message(field)


class Length:
    """String length between ``min`` and ``max`` characters (either may be None)."""

    def __init__(self, min: int | None = None, max: int | None = None) -> None:
        self.min = min
        self.max = max
        self.field_flags: dict[str, int] = {}
        if min is not None:
            self.field_flags["minlength"] = min
        if max is not None:
            self.field_flags["maxlength"] = max

    def __call__(self, form: Any, field: Any) -> None:
        if not isinstance(field.data, str) or not field.data:
            return
        length = len(field.data)
        if self.min is not None and length < self.min:
            raise ValidationError(
                field.ngettext(
                    "Field must be at least %(min)d character long.",
                    "Field must be at least %(min)d characters long.",
                    self.min,
                )
                % {"min": self.min}
            )
        if self.max is not None and length > self.max:
            raise ValidationError(
                field.ngettext(
                    "Field cannot be longer than %(max)d character.",
                    "Field cannot be longer than %(max)d characters.",
                    self.max,
                )
                % {"max": self.max}
            )


class Pattern:
    """The whole string must match the regular expression."""

    def __init__(self, pattern: str) -> None:
        self.regex = re.compile(pattern)

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str) and field.data and not self.regex.fullmatch(field.data):
            raise ValidationError(field.gettext("Invalid input."))


class NumberRange:
    """A number between ``min`` and ``max`` inclusive (either may be None)."""

    def __init__(self, min: Decimal | None = None, max: Decimal | None = None) -> None:
        self.min = min
        self.max = max
        self.field_flags: dict[str, str] = {}
        if min is not None:
            self.field_flags["min"] = _plain(min)
        if max is not None:
            self.field_flags["max"] = _plain(max)

    def __call__(self, form: Any, field: Any) -> None:
        value = field.data
        if value is None:
            return
        if self.min is not None and value < self.min:
            raise ValidationError(
                field.gettext("Number must be at least %(min)s.") % {"min": _plain(self.min)}
            )
        if self.max is not None and value > self.max:
            raise ValidationError(
                field.gettext("Number must be at most %(max)s.") % {"max": _plain(self.max)}
            )


def _plain(value: Decimal) -> str:
    """A bound without exponent or trailing zeros: Decimal("3E+3") → "3000"."""
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


class RowCount:
    """A dynamic list holds between ``min`` and ``max`` rows (either may be None)."""

    def __init__(self, min: int | None = None, max: int | None = None) -> None:
        self.min = min
        self.max = max

    def __call__(self, form: Any, field: Any) -> None:
        count = len(field.entries)
        if self.min and count < self.min:
            raise ValidationError(
                field.ngettext(
                    "At least %(num)d row is required.",
                    "At least %(num)d rows are required.",
                    self.min,
                )
                % {"num": self.min}
            )
        if self.max is not None and count > self.max:
            raise ValidationError(
                field.ngettext(
                    "At most %(num)d row is allowed.",
                    "At most %(num)d rows are allowed.",
                    self.max,
                )
                % {"num": self.max}
            )


class _Predicate(ABC):
    """Base of the named validators: a predicate and an English message."""

    message = N_("Invalid input.")

    @abstractmethod
    def predicate(self, value: str) -> bool:
        """Whether ``value`` (a non-empty string) is acceptable."""

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str) and field.data and not self.predicate(field.data):
            raise ValidationError(field.gettext(self.message))


class USCC(_Predicate):
    """A unified social credit code with a correct GB 32100 check digit."""

    message = N_("Not a valid unified social credit code.")

    def predicate(self, value: str) -> bool:
        return is_valid_uscc(value)


class Mobile(_Predicate):
    """A mainland China mobile number."""

    message = N_("Not a valid mobile phone number.")

    def predicate(self, value: str) -> bool:
        return is_valid_mobile(value)


class DivisionCode(_Predicate):
    """A GB/T 2260 division code; with ``county=True`` a county-level one."""

    def __init__(self, *, county: bool = False) -> None:
        self.county = county

    def predicate(self, value: str) -> bool:
        return is_valid_division_code(value, county=self.county)

    def __call__(self, form: Any, field: Any) -> None:
        value = field.data
        if not isinstance(value, str) or not value:
            return
        if self.county and is_valid_division_code(value):
            if not is_valid_division_code(value, county=True):
                raise ValidationError(
                    field.gettext("Not a county-level administrative division code.")
                )
            return
        if not self.predicate(value):
            raise ValidationError(field.gettext("Not a valid administrative division code."))


class Email(_Predicate):
    """An e-mail address."""

    message = N_("Invalid email address.")

    def predicate(self, value: str) -> bool:
        return is_valid_email(value)


NAMED_VALIDATORS: dict[str, Callable[[], Any]] = {
    "uscc": USCC,
    "mobile": Mobile,
    "division_code": DivisionCode,
    "county_code": lambda: DivisionCode(county=True),
    "email": Email,
}
"""Validator names a schema may use in ``properties.validator``."""

NORMALIZERS: dict[str, Callable[[str], str]] = {
    "uscc": normalize_uscc,
    "mobile": normalize_mobile,
}
"""Input clean-ups applied before the named validator of the same name."""
