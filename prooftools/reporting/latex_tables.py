"""LaTeX rendering of a :class:`~prooftools.reporting.tables.Table`: booktabs, text columns
left and wrapped (tabularx), numbers in math aligned on the decimal point, long tables across
pages, a font size chosen so that the table fits the text width.

Decimal alignment needs no package (no siunitx, no dcolumn): a numeric column is a pair of
columns ``r@{}l``; the left one holds the sign and integer part, the right one the decimal point,
the fraction and any ``\times10^{k}``, each in its own math group.
"""

from __future__ import annotations

import math
import re

from prooftools.reporting.latex import REQUIRES, escape, number
from prooftools.reporting.latex_text import latex_text
from prooftools.reporting.tables import (
    LEGEND,
    NUMERIC,
    RENDERERS,
    Formula,
    Magnitude,
    Marked,
    Table,
    breakable,
    cell_text,
)

_MARK_LATEX = {"derived": r"\textsuperscript{\dag}", "secondary": r"\textsuperscript{\ddag}",
               "recollection": "?"}
#: math prints wider per character than text (italic letters, scripts, brackets)
_MATH_WIDTH = 1.3
#: tables with more rows than this become a ``longtable`` (xltabular) that breaks across pages
LONG_ROWS = 12
#: estimated width of one character of ``\small`` text, in em, and the line width in em
_EM_PER_CHAR = 0.52
#: font sizes tried in turn, with the width of an article's text (345 pt) in em of each
#: (small fonts are drawn wider in proportion: cmr7 is about 12% wider per em than cmr9)
_SIZES = (("\\small", 38.0), ("\\footnotesize", 43.0 / 1.04), ("\\scriptsize", 49.0 / 1.12))




def _is_number(c) -> bool:
    """Numbers, magnitudes, blanks and strings that spell a number (``"-2.22e-16"``)."""
    return (c is None or isinstance(c, (int, float, Magnitude)) or c in ("—", "")
            or (isinstance(c, str) and NUMERIC.match(c) is not None))


def _numeric_string(s: str) -> str:
    r"""A number kept as its string, in math: ``-2.22e-16`` → ``$-2.22\times10^{-16}$``."""
    mant, _, exp = s.partition("e")
    if not exp:
        return f"${mant}$"
    return f"${mant}\\times10^{{{int(exp)}}}$"


def _text_cell(text: str) -> str:
    return breakable(escape(text))


def _latex_cell(c, names: dict | None = None) -> str:
    """One cell; text cells have their formulas typeset with ``names`` (:func:`latex_text`)."""
    if isinstance(c, Magnitude):
        return c.latex()
    if isinstance(c, Marked):  # an id with its mark, or a formula (n^2 · λ0^-2 · log n)
        return latex_text(c.text, names, plain=_text_cell) + _MARK_LATEX.get(c.provenance, "")
    if isinstance(c, Formula):
        return c.latex_cell()
    if isinstance(c, str) and NUMERIC.match(c):
        return _numeric_string(c)
    if _is_number(c):
        return number(c) if c not in ("—", "") else ("---" if c == "—" else "")
    return latex_text(cell_text(c), names, plain=_text_cell)




def split_number(tex: str) -> tuple[str, str]:
    r"""A number cell as (integer part, the rest from the decimal point or the ``	imes``).

    >>> split_number(r"$-1.15\times10^{9}$"), split_number("$1797$")
    (('$-1$', '$.15\\times10^{9}$'), ('$1797$', ''))
    >>> split_number(r"$2\times10^{-5}$"), split_number("---")  # {}: × keeps its spacing
    (('$2$', '${}\\times10^{-5}$'), ('---', ''))
    """
    if len(tex) < 2 or not (tex.startswith("$") and tex.endswith("$")):
        return tex, ""
    body = tex[1:-1]
    cuts = [i for i in (body.find("."), body.find(r"\times")) if i > 0]
    if not cuts:
        return tex, ""
    i = min(cuts)
    rest = body[i:]
    return f"${body[:i]}$", f"${{}}{rest}$" if rest.startswith("\\") else f"${rest}$"


def _visible_len(tex: str) -> float:
    r"""About how many characters wide ``tex`` prints (``\times`` one, exponents smaller)."""
    tex = re.sub(r"\^\{([^}]*)\}", lambda m: "x" * math.ceil(0.7 * len(m.group(1))), tex)
    tex = re.sub(r"\\[A-Za-z]+", "x", tex)
    return float(len(re.sub(r"[${}]", "", tex)))


def _halves(cells: list) -> tuple[float, float]:
    """Widths in characters of the widest integer part and of the widest rest."""
    parts = [split_number(_latex_cell(c)) for c in cells]
    return (max([0.0, *(_visible_len(a) for a, _ in parts)]),
            max([0.0, *(_visible_len(b) for _, b in parts)]))


def _aligned_len(cells: list) -> float:
    """Width in characters of a decimal-aligned column: widest integer part + widest rest."""
    return sum(_halves(cells))


def _number_column(t: Table, i: int, names: dict | None = None) -> tuple[str, str]:
    r"""(column spec, header cell) of numeric column ``i``, two columns ``r@{}l``.

    The header spans both halves, centred (wrapped when its words allow and it is wider than
    the numbers). A header still wider than the numbers would give all its excess to the last
    half and push the numbers left; the integer half then takes half of it, so the numbers sit
    centred under the header like its dashes.
    """
    h, em = t.columns[i], _EM_PER_CHAR
    left, right = _halves([r[i] for r in t.rows])
    width = max([3, *(len(w) for w in h.split()), left + right]) * em
    if len(h) * em > width:
        head_fmt, head_width = f">{{\\centering\\arraybackslash}}p{{{width:.1f}em}}", width
    else:
        head_fmt, head_width = "c", len(h) * em
    spec = "r@{}l"  # integer part, then the decimal point and what follows
    excess = head_width - (left + right) * em
    if excess > 0.5:  # half of it before the numbers: the block sits centred under the header
        spec = f">{{\\raggedleft\\arraybackslash}}p{{{left * em + excess / 2:.1f}em}}@{{}}l"
    return spec, f"\\multicolumn{{2}}{{{head_fmt}}}{{{latex_text(h, names)}}}"


def _number_cells(c) -> str:
    """The two cells ``int & rest`` of a number; a dash or a blank spans both, centred."""
    tex = _latex_cell(c)
    left, right = split_number(tex)
    if not right and not tex.startswith("$"):
        return f"\\multicolumn{{2}}{{c}}{{{tex}}}" if tex else " & "
    return f"{left} & {right}"


def _plain_len(c) -> int:
    if isinstance(c, Formula):
        return int(len(c.text) * 0.8)
    return len(cell_text(c))


def _token_len(c, names: dict | None = None) -> float:
    """Length of the longest piece of a cell that LaTeX cannot break."""
    if isinstance(c, Formula) and c.latex:  # pieces between the places math may break
        pieces = re.split(r"\\allowbreak\{\}| [+-] |\\[lg]eq? |[<>=] ", _top_level(c.latex))
        return max(len(re.sub(r"[{}^_ ]", "", re.sub(r"\\[A-Za-z]+", "M", p)))
                   for p in pieces)
    if isinstance(c, str) and names:  # formulas typeset in math do not break: measure them
        parts = latex_text(c, names, plain=lambda s: "\x00" + s + "\x00").split("\x00")
        return max([0.0, *(_math_len(p) for p in parts if p.startswith("$")),
                    *(_word_len(w) for p in parts if not p.startswith("$")
                      for w in p.split())])
    return max([0, *(_word_len(w) for w in cell_text(c).split())])


def _math_len(tex: str) -> float:
    r"""About how many characters of text ``$…$`` is as wide as: scripts at 0.7, a macro one
    character, math letters :data:`_MATH_WIDTH` wide (``$a_{\text{az\_m}}$`` ≈ 5)."""
    tex = re.sub(r"\\(text|mathrm)\{", "{", tex.strip("$")).replace("\\_", "_")
    scripts = 0.0
    for m in re.finditer(r"[_^]\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}|[_^](\\?\w)", tex):
        scripts += 0.7 * len(re.sub(r"\\[A-Za-z]+", "x", re.sub(r"[{}]", "", m.group(0)[1:])))
    tex = re.sub(r"[_^]\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}|[_^](\\?\w)", "", tex)
    tex = re.sub(r"\\(sum|prod|int)", "xx", tex)  # large operators: two characters
    return _MATH_WIDTH * (len(re.sub(r"[{}]", "", re.sub(r"\\[A-Za-z]+", "x", tex))) + scripts)


def _word_len(word: str) -> int:
    """The longest unbreakable piece of one word: plain lower-case words hyphenate
    (``in-equality``), names do not, identifiers break after ``. : / _ (``."""
    if len(word) > 8 and word.isalpha() and word.islower():
        return 7
    pieces = breakable(word.replace("_", "\\_")).split(r"\allowbreak{}")
    return max(len(p.replace("\\_", "_")) + 1 for p in pieces)


def _header_word_len(word: str) -> int:
    """A header word's width: headers are typeset without break points (:func:`_latex_header`),
    so an identifier (``step_policy``) is one piece; plain lower-case words still hyphenate."""
    if len(word) > 8 and word.isalpha() and word.islower():
        return 7
    return len(word) + 1


def _top_level(tex: str) -> str:
    """``tex`` with everything inside braces replaced by ``#`` (math breaks only outside them)."""
    out, depth = [], 0
    for ch in tex:
        if ch == "}":
            depth -= 1
        out.append(ch if depth == 0 or ch in "{}" else "#")
        if ch == "{":
            depth += 1
    return "".join(out)


def _column_spec(t: Table, line_em: float) -> tuple[list[str], list[bool], bool]:
    r"""Column types: numbers right, short text left, long text in wrapping X columns.

    Widths are estimated in em of ``\small`` text; each wrapping column gets at least its longest
    unbreakable piece and a share of the rest in proportion to its content.
    """
    n, c = len(t.columns), _EM_PER_CHAR
    numeric = [all(_is_number(r[i]) for r in t.rows) for i in range(n)]
    formulas = [any(isinstance(r[i], Formula) for r in t.rows) for i in range(n)]
    least = [max([*(_header_word_len(w) for w in t.columns[i].split()),
                  *(_token_len(r[i], t.tex_names) for r in t.rows)])
             * 0.7 for i in range(n)]  # unbreakable pieces: a generous width per character
    natural = [max([least[i] / 0.7 if numeric[i] else len(t.columns[i]),  # headers over
                    *((_aligned_len([r[i] for r in t.rows]),) if numeric[i]  # numbers wrap
                      else (_plain_len(r[i]) for r in t.rows))]) * c
               for i in range(n)]
    wrap = [not numeric[i] and natural[i] > 9 for i in range(n)]

    def budget() -> float:  # 2 x 3pt of column separation, under 1 em at every size used
        return line_em - 1.0 * n - sum(natural[i] for i in range(n) if not wrap[i])

    def short() -> bool:
        return budget() < max(0.3 * line_em, 1.1 * sum(least[i] for i in range(n) if wrap[i]))

    while short() and not all(wrap[i] or numeric[i] for i in range(n)):
        i = max((i for i in range(n) if not (wrap[i] or numeric[i])),  # the most compressible
                key=lambda i: natural[i] - least[i])
        wrap[i] = True
    cols = [i for i in range(n) if wrap[i]]
    room = budget()
    width = {i: natural[i] for i in cols}
    if sum(natural[i] for i in cols) > room:
        extra = room - sum(least[i] for i in cols)
        spread = sum(natural[i] - least[i] for i in cols) or 1.0
        width = {i: least[i] + max(extra, 0.0) * (natural[i] - least[i]) / spread for i in cols}
        words = [i for i in cols if not formulas[i]]
        if extra < 0 and len(words) < len(cols):  # words cannot shrink, formulas share the rest
            share = sum(least[i] for i in cols if formulas[i])
            rest = max(room - sum(least[i] for i in words), min(share, 0.55 * room))
            width.update({i: rest * least[i] / share for i in cols if formulas[i]})
    elif cols:  # everything fits: share the spare room evenly
        spare = (room - sum(natural[i] for i in cols)) / len(cols)
        width = {i: natural[i] + spare for i in cols}
    mean = sum(width.values()) / len(cols) if cols else 1.0
    spec = []
    for i in range(n):
        if numeric[i]:
            spec.append(_number_column(t, i)[0])
        elif wrap[i]:
            spec.append(f">{{\\raggedright\\arraybackslash\\hsize={width[i] / mean:.3f}\\hsize"
                        "\\leavevmode\\nobreak\\hspace{0pt}}X")  # the first word may
            # hyphenate; \leavevmode\nobreak: no line break before it (an empty first line)
        else:
            spec.append("l")
    fits = budget() >= sum(least[i] for i in cols)
    return spec, numeric, fits


def _latex_header(t: Table, numeric: list[bool]) -> str:
    cells = [_number_column(t, i, t.tex_names)[1] if numeric[i] else latex_text(h, t.tex_names)
             for i, h in enumerate(t.columns)]
    return " & ".join(cells) + " \\\\"


def _note(note: str, names: dict | None) -> str:
    """A note as LaTeX: its own when it carries one (:class:`~.latex_text.Tex`), else its
    formulas typeset with the registry's names."""
    return getattr(note, "latex", None) or latex_text(note, names)


def render_latex(t: Table) -> str:
    """A booktabs fragment that compiles as it is: a float with tabularx, or a longtable."""
    for size_, line_em in _SIZES:  # the largest size at which every column gets its least width
        spec, numeric, fits = _column_spec(t, line_em)
        size = size_
        if fits:
            break
    head = _latex_header(t, numeric)
    body = [" & ".join(_number_cells(c) if numeric[i] else _latex_cell(c, t.tex_names)
                       for i, c in enumerate(r)) + " \\\\" for r in t.rows]
    notes = list(t.notes) + ([LEGEND] if t.has_marks else [])
    note_lines = [f"\\par\\smallskip{{\\raggedright\\footnotesize {_note(n, t.tex_names)}\\par}}"
                  for n in notes]
    caption = f"\\caption{{{latex_text(t.caption, t.tex_names)}}}" if t.caption else ""
    label = f"\\label{{{t.label}}}" if t.label else ""
    colspec = "".join(spec)
    out = [REQUIRES]
    if len(t.rows) <= LONG_ROWS:
        out += ["\\begin{table}[htbp]", "\\centering", size + "\\setlength{\\tabcolsep}{3pt}"]
        out += [x for x in (caption, label) if x]
        out += [f"\\begin{{tabularx}}{{\\linewidth}}{{{colspec}}}", "\\toprule", head,
                "\\midrule", *body, "\\bottomrule", "\\end{tabularx}", *note_lines,
                "\\end{table}"]
        return "\n".join(out)
    n = len(t.columns) + sum(numeric)  # a number takes two columns
    out += ["\\begingroup" + size + "\\setlength{\\tabcolsep}{3pt}",
            f"\\begin{{xltabular}}{{\\linewidth}}{{{colspec}}}"]
    if caption:
        out.append(caption + label + " \\\\")
    out += ["\\toprule", head, "\\midrule", "\\endfirsthead",
            f"\\multicolumn{{{n}}}{{l}}{{\\footnotesize\\itshape (continued)}} \\\\",
            "\\toprule", head, "\\midrule", "\\endhead",
            f"\\midrule\\multicolumn{{{n}}}{{r}}{{\\footnotesize\\itshape continued on the next "
            f"page}} \\\\", "\\endfoot", "\\bottomrule", "\\endlastfoot",
            *body, "\\end{xltabular}", *note_lines, "\\endgroup"]
    return "\n".join(out)


RENDERERS["latex"] = render_latex
