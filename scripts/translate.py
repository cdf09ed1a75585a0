"""Fill in Chinese translations in the catalogue from a JSON file of msgid → msgstr.

    .venv/bin/python scripts/translate.py new.json

Used after ``pybabel update`` when new messages appear; entries already
translated are left alone unless the JSON names them. A plural message is
named by its singular msgid.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO_FILE = Path(__file__).resolve().parent.parent / "portal/translations/zh/LC_MESSAGES/messages.po"


def main(path: str) -> int:
    translations = json.loads(Path(path).read_text(encoding="utf-8"))
    with PO_FILE.open("rb") as handle:
        catalog = read_po(handle, locale="zh")
    for message in catalog:
        # A plural message is named by its singular; Chinese has one plural form,
        # so one string (or a list of one) fills it.
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key in translations:
            text = translations[key]
            if isinstance(message.id, tuple):
                message.string = tuple(text) if isinstance(text, list) else (text,)
            else:
                message.string = text
            message.flags.discard("fuzzy")
    missing = [m.id for m in catalog if m.id and (not _translated(m.string) or m.fuzzy)]
    with PO_FILE.open("wb") as handle:
        write_po(handle, catalog, width=100, ignore_obsolete=True)
    for msgid in missing:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


def _translated(string: str | tuple[str, ...]) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
