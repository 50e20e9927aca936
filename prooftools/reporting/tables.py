"""One table, four renderings: plain text, Markdown, LaTeX (booktabs) and JSON.

Reports render; they never recompute. A :class:`Table` holds cells that already carry their
values; huge numbers are :class:`Magnitude` cells so that each format can show 10^k its own way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from prooftools.atomic import dumps
from prooftools.theory.definitions import PROVENANCE_MARK

FORMATS = ("text", "markdown", "latex", "json")
LEGEND = "† derived from the proof (not printed in the paper); ‡ secondary source; ? recollection"


@dataclass(frozen=True)
class Magnitude:
    """A positive number known by its log10 (and its decimal string when available)."""

    log10: float | None
    decimal: str | None = None

    def text(self) -> str:
        if self.log10 is None:
            return "—"
        if self.decimal and -4 <= self.log10 < 7:
            return self.decimal
        mant, exp = _split(self.log10)
        return f"{mant:.3g}e{exp:+d}"

    def latex(self) -> str:
        if self.log10 is None:
            return "---"
        if -4 <= self.log10 < 5 and self.decimal:
            return f"${float(self.decimal):.4g}$"
        mant, exp = _split(self.log10)
        if abs(mant - 1) < 5e-3:
            return f"$10^{{{exp}}}$"
        return f"${mant:.2f}\\times 10^{{{exp}}}$"

    def json(self):
        return {"value": self.decimal, "log10": self.log10}


def _split(log10: float) -> tuple[float, int]:
    exp = math.floor(log10)
    mant = 10 ** (log10 - exp)
    if mant >= 9.995:
        mant, exp = 1.0, exp + 1
    return mant, exp


@dataclass(frozen=True)
class Marked:
    """Text with a provenance mark (†, ‡, ?) appended."""

    text: str
    provenance: str = "verified"

    def __str__(self) -> str:
        return self.text + PROVENANCE_MARK.get(self.provenance, "")


@dataclass
class Table:
    """Rows of cells (str, numbers, :class:`Magnitude`, :class:`Marked`) with a caption."""

    columns: list[str]
    rows: list[list] = field(default_factory=list)
    caption: str = ""
    notes: list[str] = field(default_factory=list)
    label: str = ""
    json_rows: list[dict] | None = None  # a richer JSON payload, when the caller has one

    def render(self, fmt: str = "text") -> str:
        """Render in one of :data:`FORMATS`."""
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
        return {"text": _text, "markdown": _markdown, "latex": _latex, "json": _json}[fmt](self)

    @property
    def has_marks(self) -> bool:
        return any(
            isinstance(c, Marked) and c.provenance != "verified" for r in self.rows for c in r
        )


def _cell_text(cell) -> str:
    if isinstance(cell, Magnitude):
        return cell.text()
    if isinstance(cell, float):
        return f"{cell:.4g}"
    if cell is None:
        return "—"
    return str(cell)


def _text(t: Table) -> str:
    cells = [[_cell_text(c) for c in r] for r in t.rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(t.columns)]
    line = "  ".join(h.ljust(w) for h, w in zip(t.columns, widths, strict=True))
    out = [t.caption] if t.caption else []
    out += [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    notes = list(t.notes) + ([LEGEND] if t.has_marks else [])
    out += notes
    return "\n".join(out)


def _md_escape(s: str) -> str:
    return s.replace("|", "\\|")


def _markdown(t: Table) -> str:
    out = [f"**{t.caption}**", ""] if t.caption else []
    out.append("| " + " | ".join(_md_escape(h) for h in t.columns) + " |")
    out.append("|" + "|".join("---" for _ in t.columns) + "|")
    for r in t.rows:
        out.append("| " + " | ".join(_md_escape(_cell_text(c)) for c in r) + " |")
    notes = list(t.notes) + ([LEGEND] if t.has_marks else [])
    if notes:
        out += [""] + [f"*{n}*" for n in notes]
    return "\n".join(out)


_LATEX_ESCAPES = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "†": r"\textsuperscript{\dag}", "‡": r"\textsuperscript{\ddag}", "δ": r"$\delta$",
    "λ": r"$\lambda$", "≥": r"$\geq$", "≤": r"$\leq$", "η": r"$\eta$", "ε": r"$\varepsilon$",
    "φ": r"$\varphi$", "—": "---", "–": "--", "·": r"$\cdot$", "∞": r"$\infty$",
}


def latex_escape(text: str) -> str:
    """Escape text for LaTeX (the special characters and the Greek letters we print).

    >>> latex_escape("du2019.thm4.1 & 50%")
    'du2019.thm4.1 \\\\& 50\\\\%'
    """
    return "".join(_LATEX_ESCAPES.get(ch, ch) for ch in str(text))


def _latex(t: Table) -> str:
    def cell(c) -> str:
        if isinstance(c, Magnitude):
            return c.latex()
        if isinstance(c, Marked):
            return latex_escape(str(c))
        return latex_escape(_cell_text(c))

    spec = "l" * min(2, len(t.columns)) + "r" * max(0, len(t.columns) - 2)
    out = [
        "% requires \\usepackage{booktabs}",
        "\\begin{table}[ht]",
        "\\centering",
    ]
    if t.caption:
        out.append(f"\\caption{{{latex_escape(t.caption)}}}")
    if t.label:
        out.append(f"\\label{{{t.label}}}")
    out += [
        f"\\begin{{tabular}}{{{spec}}}",
        "\\toprule",
        " & ".join(latex_escape(h) for h in t.columns) + " \\\\",
        "\\midrule",
    ]
    out += [" & ".join(cell(c) for c in r) + " \\\\" for r in t.rows]
    out += ["\\bottomrule", "\\end{tabular}"]
    notes = list(t.notes) + ([LEGEND] if t.has_marks else [])
    for note in notes:
        out.append(f"\\par\\smallskip{{\\footnotesize {latex_escape(note)}}}")
    out.append("\\end{table}")
    return "\n".join(out)


def _json(t: Table) -> str:
    def cell(c):
        if isinstance(c, Magnitude):
            return c.json()
        if isinstance(c, Marked):
            return {"text": c.text, "provenance": c.provenance}
        if isinstance(c, float) and not math.isfinite(c):
            return None
        return c

    rows = t.json_rows
    if rows is None:
        rows = [dict(zip(t.columns, (cell(c) for c in r), strict=True)) for r in t.rows]
    return dumps({"caption": t.caption, "columns": t.columns, "rows": rows,
                       "notes": t.notes}, indent=2, default=str)
