"""What an outsider sees in a PDF: poppler's command-line tools, zxing-cpp and pyHanko's reader."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import zxingcpp
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader


def _run(*args: str, pdf: bytes) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.pdf"
        path.write_bytes(pdf)
        return subprocess.run([*args, str(path)], capture_output=True, text=True, check=False)


def text(pdf: bytes) -> str:
    """``pdftotext`` of the whole document."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.pdf"
        path.write_bytes(pdf)
        result = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        )
    return result.stdout


def squashed_text(pdf: bytes) -> str:
    """The text without any whitespace, so words broken across lines still match."""
    return "".join(text(pdf).split())


def info(pdf: bytes) -> dict[str, str]:
    """``pdfinfo`` as a dictionary."""
    result = _run("pdfinfo", pdf=pdf)
    result.check_returncode()
    pairs = (line.split(":", 1) for line in result.stdout.splitlines() if ":" in line)
    return {key.strip(): value.strip() for key, value in pairs}


@dataclass(frozen=True)
class Font:
    name: str
    type: str
    embedded: bool
    subset: bool


def fonts(pdf: bytes) -> list[Font]:
    """``pdffonts``: one row per font."""
    result = _run("pdffonts", pdf=pdf)
    result.check_returncode()
    rows = []
    for line in result.stdout.splitlines()[2:]:
        match = re.match(r"(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+", line)
        if match:
            rows.append(Font(match[1], match[2], match[4] == "yes", match[5] == "yes"))
    return rows


def pdfsig(pdf: bytes) -> subprocess.CompletedProcess[str]:
    """``pdfsig`` on the document (not raising on a non-zero exit)."""
    return _run("pdfsig", pdf=pdf)


def page_image(pdf: bytes, dpi: int = 150) -> Image.Image:
    """The first page rasterised by ``pdftoppm -r <dpi> -png``."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "file.pdf"
        path.write_bytes(pdf)
        root = Path(folder) / "page"
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", "-f", "1", str(path), str(root)],
            capture_output=True,
            check=True,
        )
        with Image.open(root.with_suffix(".png")) as image:
            return image.convert("RGB")


def qr_codes(image: Image.Image) -> list[str]:
    """The texts of every QR code zxing-cpp finds in ``image``."""
    return [
        barcode.text
        for barcode in zxingcpp.read_barcodes(image)
        if barcode.format == zxingcpp.BarcodeFormat.QRCode
    ]


def characters_by_font(pdf: bytes) -> dict[str, set[str]]:
    """For each font of page 1 (by BaseFont name), the characters its ToUnicode map covers."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    found: dict[str, set[str]] = {}
    for _, reference in page["/Resources"]["/Font"].items():
        font = reference.get_object()
        to_unicode = font.get("/ToUnicode")
        if to_unicode is None:
            continue
        cmap = to_unicode.get_object().data.decode("latin-1")
        found.setdefault(str(font["/BaseFont"]), set()).update(_cmap_characters(cmap))
    return found


def _cmap_characters(cmap: str) -> set[str]:
    characters: set[str] = set()
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        for _, target in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            characters.add(bytes.fromhex(target).decode("utf-16-be"))
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, start in re.findall(
            r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            first = ord(bytes.fromhex(start).decode("utf-16-be"))
            for offset in range(int(high, 16) - int(low, 16) + 1):
                characters.add(chr(first + offset))
    return characters
