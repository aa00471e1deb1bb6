"""Reading a file of any supported kind into a :class:`~tracker.document.Document`.

The kind is told by content, never by the file name: a zip package is XLSX (it has
``xl/workbook.xml``) or HWPX; an OLE2 compound file is HWP (it has a ``FileHeader``
stream); ``%PDF`` starts a PDF; anything else must be text (UTF-8 with or without BOM,
or CP949 as Korean Excel writes it), read as CSV when it has no TAB and either is named
.csv or its lines split on commas into a steady number of fields, else as pasted text.

Files we do not read (a legacy .xls or .doc, a .docx, an .odt/.ods, another zip, a binary
file) are refused with a message saying what the file is and what to do. Every failure is
a :class:`~tracker.errors.UserError` with one Korean line naming the file; the size of
the file and of everything it declares is checked first (:mod:`tracker.readers.limits`).
"""

from __future__ import annotations

import csv
import io
import zipfile
import zlib
from collections import Counter
from pathlib import Path

from tracker.document import Document
from tracker.errors import UserError
from tracker.readers.limits import check_file_size, check_text_size, strip_controls

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
PDF_MAGIC = b"%PDF"

# What the user is told about a file we do not read; {name} is the file's name.
_SAVE_AS = "한글(.hwp, .hwpx)이나 엑셀(.xlsx) 원본, CSV, 또는 표를 복사해 붙여 넣은 텍스트를 올려 주세요."
_FOREIGN = {
    "xls": "{name}은(는) 예전 엑셀 형식(.xls) 파일입니다. 엑셀에서 'Excel 통합 문서(.xlsx)'로 다시 저장해 올려 주세요.",
    "doc": "{name}은(는) 워드 문서(.doc)입니다. 읽을 수 없으니 표를 한글이나 엑셀로 옮겨 저장하거나, " + _SAVE_AS,
    "docx": "{name}은(는) 워드 문서(.docx)입니다. 읽을 수 없으니 표를 한글이나 엑셀로 옮겨 저장하거나, " + _SAVE_AS,
    "ppt": "{name}은(는) 파워포인트 파일입니다. " + _SAVE_AS,
    "pptx": "{name}은(는) 파워포인트 파일입니다. " + _SAVE_AS,
    "odt": "{name}은(는) 오픈오피스 문서(.odt)입니다. 한글이나 엑셀 형식으로 저장하거나, " + _SAVE_AS,
    "ods": "{name}은(는) 오픈오피스 스프레드시트(.ods)입니다. 'Excel 통합 문서(.xlsx)'로 저장해 올려 주세요.",
    "zip": "{name}은(는) 압축(zip) 파일이지만 한글(.hwpx)이나 엑셀(.xlsx) 문서가 아닙니다. 압축을 풀어 문서 파일을 올려 주세요.",
    "binary": "{name}은(는) 텍스트 파일이 아닙니다. 지원하는 형식: 붙여넣은 회의록(.txt), CSV, XLSX, HWPX, HWP, PDF.",
}
_DAMAGED_ZIP = "{name}: 파일이 손상되어 읽을 수 없습니다 (zip 형식 오류)."
_ENCODING = "{name}: 글자 인코딩을 알 수 없습니다. UTF-8, CP949(한글 엑셀) 또는 유니코드(UTF-16) 텍스트 파일이어야 합니다."
# Binary formats told by their first bytes, refused as "not text" without decoding.
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"7z\xbc\xaf", b"Rar!")


def read_document(path: Path) -> Document:
    """The file at *path* as a Document; UserError (Korean, naming the file) when it
    cannot be read, is not a kind we read, or claims more than the limits allow."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise UserError(f"파일을 열 수 없습니다: {path.name} ({exc.strerror})") from None
    check_file_size(size, path.name)
    if head.startswith(b"PK"):
        return _read_zip(path)
    if head == OLE_MAGIC:
        return _read_ole(path)
    if head.startswith(PDF_MAGIC):
        from tracker.readers.pdf import read_pdf  # pdfplumber loads only for PDFs

        return read_pdf(path)
    if head.startswith(_BINARY_MAGIC):
        raise UserError(_FOREIGN["binary"].format(name=path.name))
    return read_text_file(path.read_bytes(), path.name)


def read_text_file(data: bytes, name: str) -> Document:
    """Text bytes as a Document: CSV or pasted text, decoded and cleaned."""
    text = decode(data, name)
    if "\x00" in text:
        raise UserError(_FOREIGN["binary"].format(name=name))
    check_text_size(len(text), name)
    text = strip_controls(text)
    if looks_like_csv(text, name):
        from tracker.readers.sheets import read_csv

        return read_csv(text, name)
    from tracker.readers.text import read_text

    return read_text(text, name)


def decode(data: bytes, name: str) -> str:
    """The text of `data`: UTF-16 with its BOM (Excel's "유니코드 텍스트", Notepad's
    "유니코드"), UTF-8 (with or without BOM), else CP949; UserError if none fits."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UserError(_ENCODING.format(name=name)) from None
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UserError(_ENCODING.format(name=name))


def looks_like_csv(text: str, name: str = "") -> bool:
    """True when *text* has no TAB in its first lines and either its name ends in .csv or
    most of its non-blank records split on commas into the same number (two or more) of
    fields. (Text with TABs is pasted text whatever its name.)"""
    lines = text.splitlines()[:200]
    if any("\t" in line for line in lines):
        return False
    if name.lower().endswith(".csv"):
        return True
    try:
        records = [r for r in csv.reader(io.StringIO("\n".join(lines))) if any(f.strip() for f in r)]
    except csv.Error:
        return False
    if not records:
        return False
    width, count = Counter(len(r) for r in records).most_common(1)[0]
    return width >= 2 and count * 2 >= len(records)


def _read_zip(path: Path) -> Document:
    from tracker import hwpdoc

    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            mimetype = package.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError, EOFError,
            zlib.error):
        if hwpdoc.sniff(path) == "hwpx":  # a damaged HWPX: hwpdoc says so in its words
            return hwpdoc.read_document(path)
        raise UserError(_DAMAGED_ZIP.format(name=path.name)) from None
    if "xl/workbook.xml" in names:
        from tracker.readers.sheets import read_xlsx

        return read_xlsx(path)
    if hwpdoc.sniff(path) == "hwpx":
        return hwpdoc.read_document(path)
    raise UserError(_FOREIGN[_zip_kind(names, mimetype)].format(name=path.name))


def _zip_kind(names: set[str], mimetype: bytes) -> str:
    if "word/document.xml" in names:
        return "docx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return "ods"
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return "odt"
    return "zip"


def _read_ole(path: Path) -> Document:
    """An OLE2 compound file: HWP is read; a legacy Excel, Word or PowerPoint file is
    refused by name; anything else goes to the HWP reader, which says it is not HWP 5."""
    from hwpx.hwp5.cfb import CompoundFile

    from tracker import hwpdoc

    try:
        streams = {p.split("/")[-1].lower() for p in CompoundFile(path.read_bytes()).stream_paths()}
    except Exception:  # a broken compound file: the HWP reader reports the damage
        streams = set()
    if "fileheader" not in streams:
        if streams & {"workbook", "book"}:
            raise UserError(_FOREIGN["xls"].format(name=path.name))
        if "worddocument" in streams:
            raise UserError(_FOREIGN["doc"].format(name=path.name))
        if "powerpoint document" in streams:
            raise UserError(_FOREIGN["ppt"].format(name=path.name))
    return hwpdoc.read_document(path)
