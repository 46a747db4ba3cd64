"""Typst: data in as JSON, PDF/A-3b out. One compiler per thread is reused between
documents (its font book and parsed-source caches make a page take a few milliseconds).

A layout is Typst source. Errors in it come back as `TemplateError` with the line and
column Typst reports and the text of that line, so the clerk sees where to look."""

import json
import re
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import typst
from django.conf import settings

PDF_STANDARD = "a-3b"
DEFAULT_LAYOUT = Path(__file__).parent / "templates_typst" / "invoice.typ"
_LOCATION = re.compile(r"┌─ [^:\n]*:(\d+):(\d+)")
# The statement a layout reads its data with (as the layout editor tells), on a line of its own.
_DATA_STATEMENT = re.compile(r"^#let data = json\(bytes\(sys\.inputs\.data\)\)[ \t]*$", re.MULTILINE)
# Characters Typst counts as line breaks that JSON leaves unescaped: escaped in the literal so
# that the layout's line numbers stay those of its source.
_TYPST_NEWLINES = str.maketrans({"\x85": "\\u{85}", "\u2028": "\\u{2028}", "\u2029": "\\u{2029}"})

_local = threading.local()


@cache
def default_layout() -> str:
    return DEFAULT_LAYOUT.read_text(encoding="utf-8")


@dataclass(frozen=True)
class TemplateError(Exception):
    message: str
    line: int | None = None
    column: int | None = None
    source_line: str = ""
    hints: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f"line {self.line}, column {self.column}: " if self.line else ""
        text = f"{where}{self.message}"
        if self.source_line:
            text += f"\n    {self.source_line.strip()}"
        for hint in self.hints:
            text += f"\n  hint: {hint}"
        return text


def _compiler() -> typst.Compiler:
    compiler = getattr(_local, "compiler", None)
    if compiler is None:
        # Only Typst's own embedded fonts: the same PDF on every machine, and a fast start.
        compiler = typst.Compiler(ignore_system_fonts=True, root=str(files_root()))
        _local.compiler = compiler
    return compiler


def files_root() -> Path:
    root = Path(settings.FACTURO_FILES_DIR) / "typst"
    root.mkdir(parents=True, exist_ok=True)
    return root


def administration_root(administration_id: int) -> Path:
    """What a layout of this administration may read: its own logo and nothing else."""
    root = files_root() / f"a{administration_id}"
    root.mkdir(parents=True, exist_ok=True)
    return root


def ensure_file(administration_id: int, name: str, content: bytes) -> str:
    """Put a content-addressed file (the logo) in the administration's root; the path the
    layout uses. Written once per machine; later calls only check it is there."""
    path = administration_root(administration_id) / name
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(content)
        tmp.replace(path)
    return f"/{name}"


def _error(exc: typst.TypstError, source: str) -> TemplateError:
    diagnostic = getattr(exc, "diagnostic", "") or str(exc)
    match = _LOCATION.search(diagnostic)
    line = column = None
    source_line = ""
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        lines = source.splitlines()
        if 0 < line <= len(lines):
            source_line = lines[line - 1]
    message = getattr(exc, "message", "") or diagnostic.splitlines()[0]
    return TemplateError(
        message=message,
        line=line,
        column=column,
        source_line=source_line,
        hints=tuple(getattr(exc, "hints", None) or ()),
    )


def _with_data(text: str, payload: str) -> tuple[str, dict[str, str] | None]:
    """The source to compile and the `sys.inputs` it needs.

    Typst rebuilds and rehashes its whole standard library for every new `sys.inputs` (~6% of
    a PDF's instructions), so a layout that reads its data only through the documented
    statement gets the same JSON text as a string literal in that statement instead, on the
    same line; any other use of `sys.inputs` keeps the inputs as they were."""
    match = _DATA_STATEMENT.search(text)
    if match is None or text.count("sys.inputs") != 1:
        return text, {"data": payload}
    literal = payload.replace("\\", "\\\\").replace('"', '\\"').translate(_TYPST_NEWLINES)
    statement = f'#let data = json(bytes("{literal}"))'
    return text[: match.start()] + statement + text[match.end() :], None


def _compile(data: dict[str, Any], source: str | None, administration_id: int | None, **options: Any) -> Any:
    text = source if source is not None else default_layout()
    root = administration_root(administration_id) if administration_id is not None else files_root()
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    compiled, inputs = _with_data(text, payload)
    compiler = _compiler()
    if inputs is not None:
        options["sys_inputs"] = inputs
    elif getattr(_local, "has_inputs", False):
        options["sys_inputs"] = None  # cleared once; left out afterwards so the library stays
    _local.has_inputs = inputs is not None
    try:
        return compiler.compile(input=compiled.encode("utf-8"), root=str(root), **options)
    except typst.TypstError as exc:
        raise _error(exc, text) from None
    except RuntimeError as exc:  # older bindings raise a bare RuntimeError with the diagnostic
        raise TemplateError(message=str(exc).splitlines()[0] if str(exc) else "Typst failed") from None


def render(data: dict[str, Any], *, source: str | None = None, administration_id: int | None = None) -> bytes:
    """One PDF/A-3b document from a layout (default: facturo's) and its data."""
    pdf = _compile(data, source, administration_id, format="pdf", pdf_standards=PDF_STANDARD)
    assert isinstance(pdf, bytes)
    return pdf


def render_png(
    data: dict[str, Any], *, source: str | None = None, administration_id: int | None = None, ppi: float = 144
) -> list[bytes]:
    """The same pages as PNG images, one per page (to look at or scan what the PDF shows)."""
    pages = _compile(data, source, administration_id, format="png", ppi=ppi)
    return pages if isinstance(pages, list) else [pages]
