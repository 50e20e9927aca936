"""LaTeX pieces shared by every report: text escaping, formulas, numbers, standalone documents.

Text goes through one function, :func:`escape`, backed by pylatexenc's Unicode-to-LaTeX tables
(Ω, −, ‖, ², accents, arrows …), so nothing reaches pdflatex that it cannot typeset with the
default OT1 fonts. Formulas are printed by sympy's LaTeX printer with the registry's own symbol
names (the ``latex`` field of each symbol), never as Python.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import sympy
from pylatexenc.latexencode import RULE_DICT, UnicodeToLatexConversionRule, UnicodeToLatexEncoder
from sympy.core.function import AppliedUndef
from sympy.printing.latex import LatexPrinter

#: The packages every fragment needs (one line, also stated in each fragment's first comment).
PACKAGES = ("amsmath", "amssymb", "booktabs", "xltabular")
REQUIRES = "% requires \\usepackage{" + ",".join(PACKAGES) + "}"

# Characters OT1 fonts print wrongly (< > | as ¡ ¿ —) or that pylatexenc leaves alone.
_OWN = {ord("|"): r"\textbar{}", ord("<"): r"\textless{}", ord(">"): r"\textgreater{}",
        ord("\n"): " ", ord("\t"): " ", ord("\u00a0"): "~",
        ord("\u1d40"): r"\ensuremath{^{\mathsf{T}}}", ord("\u0303"): r"\~{}",
        ord("\u2009"): r"\,", ord("\u200b"): "", ord("♯"): r"\ensuremath{\sharp}",
        ord("♭"): r"\ensuremath{\flat}", ord("♮"): r"\ensuremath{\natural}",
        ord("«"): r"\ensuremath{\ll}", ord("»"): r"\ensuremath{\gg}"}
#: Code points whose pylatexenc replacement needs fonts or packages beyond amsmath/amssymb and
#: OT1 (T1-only letters, Cyrillic, script capitals, rare arrows). They print as ``[U+XXXX]``.
#: tests/test_latex_compile.py compiles every pylatexenc replacement, so this list stays complete.
_UNSUPPORTED = (
    (0x00D0,), (0x00DE,), (0x00F0,), (0x00FE,), (0x0104, 0x0105), (0x0110, 0x0111),
    (0x0118, 0x0119), (0x012E, 0x012F), (0x0149, 0x014B), (0x0172, 0x0173), (0x0195,), (0x019E,),
    (0x0259,), (0x025B,), (0x0278,), (0x0294,), (0x029E,), (0x02DB,), (0x0390,), (0x03D2,),
    (0x0400, 0x04FF), (0x201A,), (0x201E,), (0x2039, 0x203A), (0x210B,), (0x2110,), (0x2112,),
    (0x211B,), (0x212C,), (0x2130, 0x2131), (0x2133,), (0x2153, 0x215E), (0x219C, 0x219D),
    (0x21C5,), (0x21F5,), (0x221F,), (0x222F, 0x2231), (0x223B,), (0x223E,), (0x2246,),
    (0x224B, 0x224C), (0x2259,), (0x225B,), (0x2278, 0x2279), (0x22A7, 0x22A8), (0x22AB,),
    (0x22B6, 0x22B7), (0x22B9,), (0x22BE,), (0x22D8, 0x22D9), (0x22E8,), (0x22F0,), (0x2306,),
    (0x2315,), (0x2669,), (0x2A0F,), (0x2A16,),
)
for _r in _UNSUPPORTED:
    for _cp in range(_r[0], _r[-1] + 1):
        _OWN.setdefault(_cp, f"[\\texttt{{U+{_cp:04X}}}]")
_ENCODER = UnicodeToLatexEncoder(
    conversion_rules=[UnicodeToLatexConversionRule(RULE_DICT, _OWN), "defaults"],
    non_ascii_only=False,
    unknown_char_policy=lambda ch: f"[\\texttt{{U+{ord(ch):04X}}}]",
    unknown_char_warning=False,
    replacement_latex_protection="braces-after-macro",
)


def escape(text: object) -> str:
    r"""Any text as LaTeX that compiles with the default fonts.

    >>> escape("a_b & 50% < |x|")
    'a\\_b \\& 50\\% \\textless{} \\textbar{}x\\textbar{}'
    >>> escape("Ω(n) − 1")
    '\\ensuremath{\\Omega}(n) \\ensuremath{-} 1'
    >>> escape("--no-cache")  # no en-dash ligature: a flag prints as typed
    '-{}-no-cache'
    """
    return re.sub(r"-(?=-)", "-{}", _ENCODER.unicode_to_latex(str(text)))


def number(x: float | int | None, digits: int = 4) -> str:
    r"""A number in math mode, ``$1.15\times10^{9}$`` style (no siunitx needed).

    >>> number(1.15e9), number(0.0486), number(-0.998), number(1797), number(None)
    ('$1.15\\times10^{9}$', '$0.0486$', '$-0.998$', '$1797$', '---')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "---"
    if isinstance(x, bool):
        return escape(str(x))
    if isinstance(x, int) and abs(x) < 10**7:
        return f"${x}$"
    x = float(x)
    if math.isinf(x):
        return "$\\infty$" if x > 0 else "$-\\infty$"
    if x == 0 or 1e-3 <= abs(x) < 1e5:
        return f"${x:.{digits}g}$"
    mant, exp = f"{x:.{digits - 1}e}".split("e")
    mant = mant.rstrip("0").rstrip(".")
    if mant in ("1", "-1"):
        return f"${'-' if mant == '-1' else ''}10^{{{int(exp)}}}$"
    return f"${mant}\\times10^{{{int(exp)}}}$"


class _RegistryPrinter(LatexPrinter):
    r"""sympy's LaTeX printer with the registry's names, in a form that fits table cells.

    Quotients print inline (``C\,n^{6}/(\lambda_0^{4}\delta^{3})``) and products may break
    between factors, so a long formula wraps inside a table column instead of overflowing it.
    """

    def __init__(self, names: Mapping[str, str], params: Mapping[str, tuple[str, ...]]):
        super().__init__({"mul_symbol": r"\,\allowbreak{}", "inv_trig_style": "abbreviated",
                          "fold_frac_powers": True})
        self._names = names
        self._params = params

    def _print_Symbol(self, expr, style="plain"):
        if expr.name in self._names:
            return self._names[expr.name]
        return super()._print_Symbol(expr, style=style)

    def _print_Function(self, expr, exp=None):
        if not isinstance(expr, AppliedUndef):  # \log{\left(x\right)}: a group, unbreakable
            tex = super()._print_Function(expr, exp)
            return re.sub(r"^(\\[A-Za-z]+|\\operatorname\{\w+\})\{\\left\((.*)\\right\)\}$",
                          r"\1(\2)", tex, flags=re.S)
        name = expr.func.__name__
        args = [self._print(a) for a in expr.args]
        head = self._names.get(name) or r"\operatorname{" + escape(name) + "}"
        params = self._params.get(name, ())
        # a LaTeX name that shows its own index (W^{(k)}) gets the argument put in its place
        if len(params) == len(args) and any(_token(p).search(head) for p in params):
            for p, a in zip(params, args, strict=True):
                head = _token(p).sub(lambda _m, a=a: a, head)
            tex = head
        elif not args and name in self._names:  # a scalar observable (‖H(0) − H^∞‖₂): its name
            tex = head
        else:
            tex = head + "(" + ",\\allowbreak{} ".join(args) + ")"
        return f"{{{tex}}}^{{{exp}}}" if exp else tex

    def _print_log(self, expr, exp=None):  # sympy's \log{\left(x\right)} is unbreakable
        head = r"\log" if exp is None else rf"\log^{{{exp}}}"
        return head + "(" + self._print(expr.args[0]) + ")"

    def _print_Add(self, expr, order=None):
        """Terms in sympy's order, except that a sum does not open with a minus when a term can
        lead: ``1 - η λ0/2`` as the papers write it, not ``-η λ0/2 + 1``."""
        terms = lead_term_first(self._as_ordered_terms(expr, order=order))
        tex = ""
        for i, term in enumerate(terms):
            if i and term.could_extract_minus_sign():
                tex, term = tex + " - ", -term
            elif i:
                tex += " + "
            term_tex = self._print(term)
            tex += rf"\left({term_tex}\right)" if self._needs_add_brackets(term) else term_tex
        return tex

    def _print_Mul(self, expr):
        num, den = sympy.fraction(expr, exact=True)
        if den == 1:
            return super()._print_Mul(expr)
        return self._slash(num, den)

    def _print_Pow(self, expr):
        if expr.exp.is_Rational and expr.exp.is_negative and expr.exp != -1 / 2:
            return self._slash(sympy.Integer(1), sympy.Pow(expr.base, -expr.exp, evaluate=False))
        if expr.exp == -1:
            return self._slash(sympy.Integer(1), expr.base)
        return super()._print_Pow(expr)

    def _slash(self, num, den) -> str:
        top = self._print(num)
        if isinstance(num, sympy.Add):
            top = f"({top})"
        bottom = self._print(den)
        if isinstance(den, (sympy.Add, sympy.Mul)) or (
                isinstance(den, sympy.Pow) and not den.exp.is_Integer):
            bottom = f"({bottom})"
        return f"{top}/{bottom}"


_UNSIZED = {r"\left(": "(", r"\right)": ")", r"\left[": "[", r"\right]": "]",
            r"\left|": "|", r"\right|": "|", r"\left\{": r"\{", r"\right\}": r"\}",
            r"\left\lceil{": r"\lceil ", r"}\right\rceil": r"\rceil ",
            r"\left\lfloor{": r"\lfloor ", r"}\right\rfloor": r"\rfloor "}


def lead_term_first(terms: list) -> list:
    """A sum's terms in sympy's order, except that the sum does not open with a minus when a
    term can lead (a positive number first): ``1 - η λ0/2``, not ``-η λ0/2 + 1``.

    >>> import sympy
    >>> eta = sympy.Symbol("eta")
    >>> lead_term_first([-eta / 2, sympy.Integer(1)])
    [1, -eta/2]
    """
    if terms and terms[0].could_extract_minus_sign():
        lead = next((t for t in terms if t.is_Number and t > 0), None) or next(
            (t for t in terms if not t.could_extract_minus_sign()), None)
        if lead is not None:
            return [lead, *(t for t in terms if t is not lead)]
    return list(terms)


def _token(name: str) -> re.Pattern:
    """``name`` as a whole token of a LaTeX string (not inside a longer word or macro)."""
    return re.compile(rf"(?<![A-Za-z\\]){re.escape(name)}(?![A-Za-z])")


def formula(expr: sympy.Basic, names: Mapping[str, str],
            params: Mapping[str, tuple[str, ...]] | None = None) -> str:
    r"""A sympy expression or relation as LaTeX math (no dollars), with the given symbol names.

    ``params`` gives the index arguments of observables, so that a name which shows its index
    (``W^{(k)}``) is printed with the actual argument in place (``W^{(0)}``).

    >>> m, n, C, lam = sympy.symbols("m n C_du_m lambda0", positive=True)
    >>> formula(m >= C * n**6 / lam**4, {"C_du_m": "C", "lambda0": r"\lambda_0"})
    'm \\geq C\\,\\allowbreak{}n^{6}/\\lambda_0^{4}'
    """
    tex = _RegistryPrinter(names, params or {}).doprint(expr)
    for sized, plain in _UNSIZED.items():  # \left( … \right) would forbid line breaks inside
        tex = tex.replace(sized, plain)
    # a quotient of two groups may break after its slash (a long ratio of logs fits a column)
    return tex.replace(", ", r",\allowbreak{} ").replace(")/", r")/\allowbreak{}")


def registry_names(registry) -> dict[str, str]:
    """Each symbol's LaTeX name from the registry (its ``latex`` field)."""
    return {name: s.latex for name, s in registry.symbols.items() if s.latex}


def registry_params(registry) -> dict[str, tuple[str, ...]]:
    """Each observable's declared index arguments (``dist_max(k)``: ``("k",)``)."""
    return {name: tuple(s.args) for name, s in registry.symbols.items() if s.args}


def standalone(body: str) -> str:
    """Wrap fragments in a complete document that pdflatex compiles as it is."""
    return "\n".join([
        "\\documentclass{article}",
        "\\usepackage{" + ",".join(PACKAGES) + "}",
        "\\begin{document}",
        body.rstrip(),
        "\\end{document}",
        "",
    ])
