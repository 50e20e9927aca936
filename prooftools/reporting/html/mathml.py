"""Formulas as presentation MathML (sympy's printer): native in browsers, read by screen readers,
no JavaScript library and no network.

>>> import sympy
>>> n, lam = sympy.symbols("n lambda0", positive=True)
>>> out = math_html(sympy.Symbol("m") >= n**2 / lam)
>>> out.startswith('<math') and "<msup><mi>n</mi><mn>2</mn></msup>" in out and "**" not in out
True
>>> eta = sympy.Symbol("eta", positive=True)
>>> math_html(1 - eta * lam / 2).startswith("<math><mrow><mn>1</mn><mo>-</mo>")  # not -ηλ0/2 + 1
True
"""

from __future__ import annotations

from prooftools.reporting.html.markup import esc, tag

__all__ = ["formula_html", "math_html"]


def math_html(expr, *, text: str = "", display: bool = False) -> str:
    """``expr`` (a sympy object) as a ``<math>`` element (screen readers read MathML itself);
    an expression sympy cannot print is shown as ``text``, the formula as written, in
    ``<code>``."""
    try:
        inner = _printer().doprint(expr)
    except Exception:  # any printing failure: the source text, escaped
        return tag("code", text or str(expr))
    mode = ' display="block"' if display else ""
    return f"<math{mode}>{inner}</math>"


def _printer():
    """sympy's presentation printer, a sum's terms in the papers' order (``1 − ηλ0/2``)."""
    from sympy.printing.mathml import MathMLPresentationPrinter

    from prooftools.reporting.latex import lead_term_first

    class PaperOrder(MathMLPresentationPrinter):
        def _as_ordered_terms(self, expr, order=None):
            return lead_term_first(super()._as_ordered_terms(expr, order=order))

    return PaperOrder()


def formula_html(cell) -> str:
    """A :class:`~prooftools.reporting.tables.Formula` cell: its words and sympy expressions
    (``cell.math``) as text and MathML; its source text in ``<code>`` when it has no sympy form.
    """
    parts = getattr(cell, "math", ())
    if not parts:
        return tag("code", str(cell))
    return "".join(esc(p) if isinstance(p, str) else math_html(p, text=cell.text)
                   for p in parts)
