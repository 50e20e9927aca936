"""Formulas as presentation MathML (sympy's printer): native in browsers, read by screen readers,
no JavaScript library and no network.

>>> import sympy
>>> n, lam = sympy.symbols("n lambda0", positive=True)
>>> out = math_html(sympy.Symbol("m") >= n**2 / lam)
>>> out.startswith('<math') and "<msup><mi>n</mi><mn>2</mn></msup>" in out and "**" not in out
True
"""

from __future__ import annotations

from prooftools.reporting.html.markup import esc, tag

__all__ = ["formula_html", "math_html"]


def math_html(expr, *, text: str = "", display: bool = False) -> str:
    """``expr`` (a sympy object) as a ``<math>`` element (screen readers read MathML itself);
    an expression sympy cannot print is shown as ``text``, the formula as written, in
    ``<code>``."""
    from sympy.printing.mathml import mathml

    try:
        inner = mathml(expr, printer="presentation")
    except Exception:  # any printing failure: the source text, escaped
        return tag("code", text or str(expr))
    mode = ' display="block"' if display else ""
    return f"<math{mode}>{inner}</math>"


def formula_html(cell) -> str:
    """A :class:`~prooftools.reporting.tables.Formula` cell: its words and sympy expressions
    (``cell.math``) as text and MathML; its source text in ``<code>`` when it has no sympy form.
    """
    parts = getattr(cell, "math", ())
    if not parts:
        return tag("code", str(cell))
    return "".join(esc(p) if isinstance(p, str) else math_html(p, text=cell.text)
                   for p in parts)
