"""Fill in Chinese translations in the catalogue from a JSON file of msgid → msgstr.

    .venv/bin/python scripts/translate.py new.json

Used after ``pybabel update`` when new messages appear; entries already
translated are left alone unless the JSON names them.
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
        if message.id in translations:
            message.string = translations[message.id]
            message.flags.discard("fuzzy")
    missing = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    with PO_FILE.open("wb") as handle:
        write_po(handle, catalog, width=100, ignore_obsolete=True)
    for msgid in missing:
        print(f"untranslated: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
