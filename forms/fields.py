"""WTForms field classes for compiled forms.

They read the same submitted strings whether they come from a browser or from
:func:`forms.data.to_formdata` (JSON turned into form data), so a page and the
API validate alike. Each field also accepts the clean JSON values of
:func:`forms.data.form_data` as object data (``FormClass(data=stored)``), so a
saved draft can be shown again.
"""

from __future__ import annotations

import re
from abc import ABCMeta, abstractmethod
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from wtforms import widgets
from wtforms.fields import Field, FieldList, RadioField, SelectField, SelectMultipleField
from wtforms.fields.choices import Choice
from wtforms.utils import unset_value

from forms.i18n import N_

__all__ = [
    "CHINA_TZ",
    "DEFAULT_MAX_ROWS",
    "MAX_MAGNITUDE",
    "ChecklistField",
    "DateField",
    "DateTimeField",
    "NumberField",
    "RadioChoiceField",
    "RowListField",
    "SelectChoiceField",
    "TagListField",
    "TextAreaField",
    "TextField",
    "TimeField",
    "format_number",
    "parse_date",
    "parse_datetime",
    "parse_time",
]

CHINA_TZ = timezone(timedelta(hours=8), "+08:00")
"""China Standard Time. China has kept UTC+8 without daylight saving since 1991."""

MAX_MAGNITUDE = Decimal(2**53 - 1)
"""Largest accepted absolute number: beyond it JavaScript clients lose precision."""

DEFAULT_MAX_ROWS = 1000
"""Row limit of a dynamic list whose definition names none."""

_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_TIME_RE = re.compile(r"\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?", re.ASCII)
_DATETIME_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?",
    re.ASCII | re.IGNORECASE,
)


def _first_string(valuelist: list[Any]) -> str | None:
    """The first submitted value, stripped; None when absent or blank."""
    if not valuelist or not isinstance(valuelist[0], str):
        return None
    return valuelist[0].strip() or None


def _strings(valuelist: Iterable[Any]) -> list[str]:
    return [value.strip() for value in valuelist if isinstance(value, str) and value.strip()]


# -- text -----------------------------------------------------------------------------


class TextField(Field):
    """A line of text: stripped, empty becomes None, control characters refused."""

    widget = widgets.TextInput()

    def process_data(self, value: Any) -> None:
        self.data = None if value is None or value == "" else str(value)

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        value = valuelist[0]
        self.data = None
        if not isinstance(value, str):
            raise ValueError(self.gettext("Not a valid string value."))
        if _CONTROL_RE.search(value):
            raise ValueError(self.gettext("Contains invalid characters."))
        self.data = value.strip() or None

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.data or ""


class TextAreaField(TextField):
    """Several lines of text; otherwise like :class:`TextField`."""

    widget = widgets.TextArea()


# -- numbers --------------------------------------------------------------------------


def format_number(value: int | Decimal | None, decimal_digits: int) -> int | str | None:
    """The JSON form of a number: an int, or a string with exactly that many decimals."""
    if value is None:
        return None
    if decimal_digits == 0:
        return int(value)
    return f"{value:.{decimal_digits}f}"


class NumberField(Field):
    """An integer (``decimal_digits=0``) or a Decimal with at most that many decimals.

    Accepts plain decimal notation with an optional exponent; refuses NaN,
    infinities and numbers beyond :data:`MAX_MAGNITUDE`.
    """

    def __init__(
        self, label: Any = None, validators: Any = None, *, decimal_digits: int = 0, **kwargs: Any
    ) -> None:
        step = "1" if decimal_digits == 0 else format(Decimal(1).scaleb(-decimal_digits), "f")
        kwargs.setdefault("widget", widgets.NumberInput(step=step))
        super().__init__(label, validators, **kwargs)
        self.decimal_digits = decimal_digits

    def parse(self, text: str) -> int | Decimal:
        """Parse one submitted number.

        :raise ValueError: with a translated message when it is not acceptable.
        """
        invalid = (
            N_("Not a valid integer value.")
            if self.decimal_digits == 0
            else N_("Not a valid decimal value.")
        )
        if not _NUMBER_RE.fullmatch(text):
            raise ValueError(self.gettext(invalid))
        value = Decimal(text)
        if abs(value) > MAX_MAGNITUDE:
            raise ValueError(self.gettext("Number is too large."))
        if self.decimal_digits == 0:
            if value != value.to_integral_value():
                raise ValueError(self.gettext(invalid))
            return int(value)
        try:
            rounded = value.quantize(Decimal(1).scaleb(-self.decimal_digits))
        except InvalidOperation as exc:
            raise ValueError(self.gettext(invalid)) from exc
        if rounded != value:
            raise ValueError(
                self.ngettext(
                    "At most %(num)d decimal place is allowed.",
                    "At most %(num)d decimal places are allowed.",
                    self.decimal_digits,
                )
                % {"num": self.decimal_digits}
            )
        return rounded if rounded else abs(rounded)

    def process_data(self, value: Any) -> None:
        self.data = None
        if value is None or isinstance(value, bool) or value == "":
            return
        try:
            self.data = self.parse(str(value).strip())
        except ValueError:
            self.data = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = None
        text = _first_string(valuelist)
        if text is not None:
            self.data = self.parse(text)

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        formatted = format_number(self.data, self.decimal_digits)
        return "" if formatted is None else str(formatted)


# -- choices --------------------------------------------------------------------------


class SelectChoiceField(SelectField):
    """A drop-down of the schema's values, with a blank first option; "" is None."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            self.data = _first_string(valuelist)

    def pre_validate(self, form: Any) -> None:
        if self.data is not None:
            super().pre_validate(form)

    def iter_choices(self) -> list[Choice]:
        blank = Choice(value="", label="", selected=self.data is None, render_kw={})
        return [blank, *super().iter_choices()]


class RadioChoiceField(RadioField):
    """Radio buttons of the schema's values; nothing chosen is None."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            self.data = _first_string(valuelist)

    def pre_validate(self, form: Any) -> None:
        if self.data is not None:
            super().pre_validate(form)


class ChecklistField(SelectMultipleField):
    """Checkboxes of the schema's values; data is the list of chosen values."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def process_data(self, value: Any) -> None:
        self.data = [str(v) for v in value] if isinstance(value, list | tuple) else []

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = list(dict.fromkeys(_strings(valuelist)))


class TagListField(SelectMultipleField):
    """A list of strings: free text (one per line) or, with choices, picked from them.

    Each submitted value may hold several lines; every non-blank line is a tag.
    """

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        has_choices = bool(kwargs.get("choices"))
        kwargs.setdefault("validate_choice", has_choices)
        kwargs.setdefault(
            "widget", widgets.Select(multiple=True) if has_choices else widgets.TextArea()
        )
        super().__init__(label, validators, **kwargs)

    def process_data(self, value: Any) -> None:
        self.data = [str(v) for v in value] if isinstance(value, list | tuple) else []

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = [
            line.strip()
            for value in valuelist
            if isinstance(value, str)
            for line in value.splitlines()
            if line.strip()
        ]

    def _value(self) -> str:
        return "\n".join(self.data or [])


# -- dates and times -----------------------------------------------------------------------


def parse_date(text: str) -> date:
    """Parse "YYYY-MM-DD".

    :raise ValueError: anything else.
    """
    if not _DATE_RE.fullmatch(text):
        raise ValueError(text)
    return date.fromisoformat(text)


def parse_time(text: str) -> time:
    """Parse "HH:MM" or "HH:MM:SS" (fractions dropped).

    :raise ValueError: anything else, including a time with an offset.
    """
    if not _TIME_RE.fullmatch(text):
        raise ValueError(text)
    return time.fromisoformat(text).replace(microsecond=0)


def parse_datetime(text: str) -> datetime:
    """Parse an ISO 8601 date and time; without an offset it is China time.

    Returns an aware datetime in China time, seconds precision.

    :raise ValueError: not an ISO 8601 date and time.
    """
    if not _DATETIME_RE.fullmatch(text):
        raise ValueError(text)
    value = datetime.fromisoformat(text.upper())
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA_TZ)
    return value.astimezone(CHINA_TZ).replace(microsecond=0)


class _TemporalField(Field, metaclass=ABCMeta):
    """Shared reading of date, time and datetime fields."""

    message = ""

    @abstractmethod
    def parse(self, text: str) -> Any:
        """The value ``text`` spells; :class:`ValueError` when it spells none."""

    def to_widget(self, value: Any) -> str:
        return str(value.isoformat())

    def process_data(self, value: Any) -> None:
        self.data = None
        if isinstance(value, date | time):
            value = value.isoformat()
        if isinstance(value, str) and value.strip():
            try:
                self.data = self.parse(value.strip())
            except ValueError:
                self.data = None

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = None
        text = _first_string(valuelist)
        if text is None:
            return
        try:
            self.data = self.parse(text)
        except ValueError as exc:
            raise ValueError(self.gettext(self.message)) from exc

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else self.to_widget(self.data)


class DateField(_TemporalField):
    """A calendar date; JSON "YYYY-MM-DD"."""

    widget = widgets.DateInput()
    message = N_("Not a valid date value.")

    def parse(self, text: str) -> date:
        return parse_date(text)


class TimeField(_TemporalField):
    """A time of day; JSON "HH:MM:SS"."""

    widget = widgets.TimeInput()
    message = N_("Not a valid time value.")

    def parse(self, text: str) -> time:
        return parse_time(text)

    def to_widget(self, value: Any) -> str:
        return str(value.strftime("%H:%M"))


class DateTimeField(_TemporalField):
    """A moment; JSON ISO 8601 with the +08:00 offset."""

    widget = widgets.DateTimeLocalInput()
    message = N_("Not a valid datetime value.")

    def parse(self, text: str) -> datetime:
        return parse_datetime(text)

    def to_widget(self, value: Any) -> str:
        return str(value.astimezone(CHINA_TZ).strftime("%Y-%m-%dT%H:%M"))


# -- dynamic lists -------------------------------------------------------------------------


def _is_blank(entry: Any) -> bool:
    """Whether a submitted row holds nothing but blank strings."""
    return all(
        isinstance(value, str) and not value.strip()
        for subfield in entry.form
        for value in (subfield.raw_data or ())
    )


class RowListField(FieldList):
    """The rows of a dynamic list: ``FieldList(FormField(row form))``.

    Without form data (a page shown for the first time) it holds the object data's
    rows, padded to ``min_entries`` blank rows for the user to fill in. With form
    data (a submission, from a page or from JSON) it holds exactly the submitted
    rows: no padding, blank rows dropped, each entry keeping its submitted index
    (``entry.index``) so errors point at the row the client sent. At most
    ``max_rows + 1`` rows are read, enough for the row-count check to fail.
    """

    def __init__(self, *args: Any, max_rows: int = DEFAULT_MAX_ROWS, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_rows = max_rows

    def _submitted_indices(self, formdata: Any) -> list[int]:
        prefix = f"{self.name}{self._separator}"
        indices: set[int] = set()
        for key in formdata:
            if key.startswith(prefix):
                head = key[len(prefix) :].split(self._field_separator, 1)[0]
                if head.isdigit() and head.isascii():
                    indices.add(int(head))
        return sorted(indices)

    def process(self, formdata: Any, data: Any = unset_value, extra_filters: Any = None) -> None:
        if formdata is None:
            super().process(formdata, data, extra_filters)
            return
        if extra_filters:
            raise TypeError("RowListField does not accept filters")
        self.entries: list[Any] = []
        self.last_index = -1
        self.object_data = data
        for index in self._submitted_indices(formdata):
            if len(self.entries) > self.max_rows:
                break
            entry = self._add_entry(formdata, index=index)
            if _is_blank(entry):
                self.entries.pop()

    @property
    def next_index(self) -> int:
        """The index a new row should use (one past the highest so far)."""
        return int(self.last_index) + 1

    def template_row(self, placeholder: str = "__index__") -> Any:
        """A blank row whose names hold ``placeholder`` instead of an index.

        Render it inside a ``<template>``; to add a row, clone it and replace the
        placeholder with :attr:`next_index` (then count up).
        """
        name = f"{self.name}{self._separator}{placeholder}"
        entry = self.meta.bind_field(
            self._form,
            self.unbound_field,
            {
                "name": name,
                "id": f"{self.id}{self._separator}{placeholder}",
                "_meta": self.meta,
                "translations": self._translations,
            },
        )
        entry.process(None)
        return entry
