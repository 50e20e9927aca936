"""One table, four renderings: plain text, Markdown, LaTeX (booktabs) and JSON.

Reports render; they never recompute. A :class:`Table` holds cells that already carry their
values; huge numbers are :class:`Magnitude` cells so that each format can show 10^k its own way.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

from prooftools.atomic import dumps
from prooftools.reporting.latex import escape
from prooftools.reporting.wrap import fit_widths, wrap_cell
from prooftools.theory.definitions import PROVENANCE_MARK

FORMATS = ("text", "markdown", "latex", "json")
LEGEND = "† derived from the proof (not printed in the paper); ‡ secondary source; ? recollection"


NUMERIC = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$")


def breakable(tex: str) -> str:
    r"""Let long identifiers (``zou2018.asm3.4:last_coordinate``) break after ``. : _ /``.

    >>> breakable(r"a.b\_c")
    'a.\\allowbreak{}b\\_\\allowbreak{}c'
    """
    tex = re.sub(r"(?<=[^\W\d])(\.|:|/|\\_|\()(?=\w)|(?<=\d)(\.|:|/|\\_|\()(?=[^\W\d])",
                 lambda m: (m.group(1) or m.group(2)) + r"\allowbreak{}", tex)  # not in 0.25
    return re.sub(r"(?<=[a-z]{4})(?=\d+\.)", r"\\allowbreak{}", tex)  # lemma|3.1


@dataclass(frozen=True)
class Magnitude:
    """A positive number known by its log10 (and its decimal string when available)."""

    log10: float | None
    decimal: str | None = None
    #: "lower"/"upper"/"estimate" when the value is an estimate (shown as ≥, ≤, ≈ before it)
    estimate: str | None = None

    def text(self) -> str:
        if self.log10 is None:
            return "—"
        if self.decimal and -4 <= self.log10 < 7:
            return ESTIMATE_MARK.get(self.estimate, "") + self.decimal
        mant, exp = _split(self.log10)
        return f"{ESTIMATE_MARK.get(self.estimate, '')}{mant:.3g}e{exp:+d}"

    def latex(self) -> str:
        if self.log10 is None:
            return "---"
        mark = ESTIMATE_LATEX.get(self.estimate, "")
        if -4 <= self.log10 < 5 and self.decimal:
            return f"${mark}{float(self.decimal):.4g}$"
        mant, exp = _split(self.log10)
        if abs(mant - 1) < 5e-3:
            return f"${mark}10^{{{exp}}}$"
        return f"${mark}{mant:.2f}\\times10^{{{exp}}}$"

    def json(self):
        """``value`` a JSON number when it fits in a double, else its exact decimal string."""
        out = {"value": json_number(self.decimal), "log10": self.log10}
        if self.estimate:
            out["estimate"] = self.estimate
        return out


#: How an estimate is marked before its value: the true value is ≥ (lower), ≤ (upper) it.
ESTIMATE_MARK = {"lower": "≥ ", "upper": "≤ ", "estimate": "≈ "}
ESTIMATE_LATEX = {"lower": "\\geq ", "upper": "\\leq ", "estimate": "\\approx "}
ESTIMATE_LEGEND = "≥ x: a lower estimate, ≤ x: an upper estimate (≈: direction unknown)"
#: Why a value is an estimate, most often (followed by the powers' names).
LOG_POWERS_LEGEND = "a log power hidden by Õ that no derivation gives was set to 0"


def _split(log10: float) -> tuple[float, int]:
    exp = math.floor(log10)
    mant = 10 ** (log10 - exp)
    if mant >= 9.995:
        mant, exp = 1.0, exp + 1
    return mant, exp


def json_number(decimal: str | None) -> float | str | None:
    """A decimal string as a JSON number when a double holds it (to its 17 digits), else as the
    exact string (``"1.0e+3000"``); the schemas say so.

    >>> json_number("1.0e+33"), json_number("1.0e+3000"), json_number(None)
    (1e+33, '1.0e+3000', None)
    """
    if decimal is None:
        return None
    x = float(decimal)
    if math.isfinite(x) and (x == 0 or 1e-300 < abs(x) < 1e300):
        return x
    return decimal


@dataclass(frozen=True)
class Marked:
    """Text with a provenance mark (†, ‡, ?) appended."""

    text: str
    provenance: str = "verified"

    def __str__(self) -> str:
        return self.text + PROVENANCE_MARK.get(self.provenance, "")


@dataclass(frozen=True)
class Formula:
    r"""A formula: its source text (text, Markdown, JSON) and its LaTeX math (no dollars).

    >>> Formula("m >= n**6", "m \\geq n^{6}").latex_cell()
    '$m \\geq n^{6}$'
    """

    text: str
    latex: str | None = None
    #: the formula for MathML: sympy expressions and words in order (``("for all k: ", rel)``);
    #: empty when the formula has no sympy form
    math: tuple = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        return self.text

    def latex_cell(self) -> str:
        if self.latex:
            return f"${self.latex}$"
        return breakable(re.sub(r"(\*\*|[*/+,])", r"\1\\allowbreak{}", escape(self.text)))


@dataclass
class Table:
    """Rows of cells (str, numbers, :class:`Magnitude`, :class:`Marked`) with a caption."""

    columns: list[str]
    rows: list[list] = field(default_factory=list)
    caption: str = ""
    notes: list[str] = field(default_factory=list)
    label: str = ""
    json_rows: list[dict] | None = None  # a richer JSON payload, when the caller has one
    #: the registry's LaTeX names: LaTeX typesets the formulas of captions, notes and text
    #: cells with them (``delta = 0.1`` → δ = 0.1); see :mod:`prooftools.reporting.latex_text`
    tex_names: dict[str, str] | None = None

    def render(self, fmt: str = "text", *, width: int | None = None) -> str:
        """Render in one of :data:`FORMATS`; ``width`` wraps the text table's long columns."""
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}")
        if fmt == "text":
            return _text(self, width)
        return RENDERERS[fmt](self)

    def _repr_markdown_(self) -> str:  # Jupyter
        return self.render("markdown")

    def _repr_html_(self) -> str:  # Jupyter
        import html

        head = "".join(f"<th>{html.escape(h)}</th>" for h in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(cell_text(c))}</td>" for c in r)
                       + "</tr>" for r in self.rows)
        cap = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        notes = "".join(f"<p><small>{html.escape(n)}</small></p>" for n in self.notes)
        return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{notes}"

    def to_pandas(self):
        """The rows as a pandas DataFrame (pandas is optional): magnitudes become floats
        (``inf`` beyond a double), marks and formulas their text.

        >>> Table(["id", "m"], rows=[["a", Magnitude(3.0, "1000")]]).to_pandas()["m"].tolist()
        [1000.0]
        """
        try:
            import pandas as pd
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError("to_pandas needs pandas: pip install pandas") from None

        def value(c):
            if isinstance(c, Magnitude):
                if c.log10 is None:
                    return math.nan
                return float(c.decimal) if c.decimal else (
                    10.0 ** c.log10 if c.log10 < 308 else math.inf)
            if isinstance(c, (Marked, Formula)):
                return c.text
            return math.nan if c is None else c

        return pd.DataFrame([[value(c) for c in r] for r in self.rows], columns=self.columns)

    @property
    def has_marks(self) -> bool:
        return any(
            isinstance(c, Marked) and c.provenance != "verified" for r in self.rows for c in r
        )


def cell_text(cell) -> str:
    if isinstance(cell, Magnitude):
        return cell.text()
    if isinstance(cell, float):
        return f"{cell:.4g}"
    if cell is None:
        return "—"
    return str(cell)


def _text(t: Table, width: int | None = None) -> str:
    """Aligned columns; with ``width``, headers and the widest text columns wrap so that lines
    fit in it, identifiers whole (:mod:`prooftools.reporting.wrap`).

    >>> t = Table(["id", "formula"], rows=[["a", "m >= n**6 / (lambda0**4 * delta**3)"]])
    >>> print(t.render("text", width=24))
    id  formula
    --  --------------------
    a   m >= n**6 /
        (lambda0**4 *
        delta**3)
    """
    cells = [[cell_text(c) for c in r] for r in t.rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(t.columns)]
    if width:
        widths = fit_widths(widths, t.columns, cells, width, NUMERIC)
    out = [_fill(t.caption, width)] if t.caption else []
    out += _lines(t.columns, widths)
    out.append("  ".join("-" * w for w in widths))
    for r in cells:
        out += _lines(r, widths)
    notes = list(t.notes) + ([LEGEND] if t.has_marks else [])
    out += [_fill(n, width) for n in notes]
    return "\n".join(out)


def _lines(row: list[str], widths: list[int]) -> list[str]:
    """One table row as lines, each cell wrapped to its column."""
    wrapped = [wrap_cell(c, w) for c, w in zip(row, widths, strict=True)]
    return ["  ".join((x[k] if k < len(x) else "").ljust(w)
                      for x, w in zip(wrapped, widths, strict=True)).rstrip()
            for k in range(max(len(x) for x in wrapped))]


def _fill(text: str, width: int | None) -> str:
    return textwrap.fill(text, width, break_on_hyphens=False) if width else text


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def _md_escape(s: str) -> str:
    r"""Text as literal Markdown: emphasis, code, link and table characters backslash-escaped
    (a note such as ``C_du_eta * lambda0 / n**2`` must not turn italic or bold).

    >>> _md_escape("C_du_m * n**6 | x")
    'C\\_du\\_m \\* n\\*\\*6 \\| x'
    """
    return _MD_SPECIAL.sub(r"\\\1", s)


def _md_cell(c) -> str:
    """Formulas in backticks (so `**` is not bold), other text with pipes escaped."""
    if isinstance(c, Formula):
        return "`" + c.text.replace("`", "'").replace("|", "\\|") + "`"
    return _md_escape(cell_text(c))


def _markdown(t: Table) -> str:
    out = [f"**{_md_escape(t.caption)}**", ""] if t.caption else []
    out.append("| " + " | ".join(_md_escape(h) for h in t.columns) + " |")
    out.append("|" + "|".join("---" for _ in t.columns) + "|")
    for r in t.rows:
        out.append("| " + " | ".join(_md_cell(c) for c in r) + " |")
    notes = list(t.notes) + ([LEGEND] if t.has_marks else [])
    for n in notes:  # one paragraph each (consecutive lines would join into one)
        out += ["", f"*{_md_escape(n)}*"]
    return "\n".join(out)


def latex_escape(text: str) -> str:
    """Escape text for LaTeX (one function for every report; see :func:`latex.escape`).

    >>> latex_escape("du2019.thm4.1 & 50%")
    'du2019.thm4.1 \\\\& 50\\\\%'
    """
    return escape(text)


def _json(t: Table) -> str:
    def cell(c):
        if isinstance(c, Magnitude):
            return c.json()
        if isinstance(c, Marked):
            return {"text": c.text, "provenance": c.provenance}
        if isinstance(c, Formula):
            return c.text
        if isinstance(c, float) and not math.isfinite(c):
            return None
        return c

    rows = t.json_rows
    columns = list(t.columns)
    if rows is None:
        rows = [dict(zip(t.columns, (cell(c) for c in r), strict=True)) for r in t.rows]
    else:  # a richer payload: its columns are its keys, in first-seen order
        columns = list(dict.fromkeys(k for r in rows for k in r))
    return dumps({"caption": t.caption, "columns": columns, "rows": rows,
                  "notes": list(t.notes)}, indent=2, default=str, ensure_ascii=False)


#: Renderers by format; :mod:`prooftools.reporting.latex_tables` adds "latex" (the package
#: imports it), so this module never imports its LaTeX renderer back.
RENDERERS: dict[str, Callable[[Table], str]] = {"markdown": _markdown, "json": _json}
