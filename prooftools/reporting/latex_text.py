r"""Report text as LaTeX with its formulas in math: ``delta = 0.1`` → ``$\delta = 0.1$``.

Captions, notes and text cells are written for the terminal (``lambda0=0.02911``, ``holds iff
C_du_y >= 1``, ``10^k``, ``n^6, 1/delta^3``). :func:`latex_text` finds the formula runs in such
text (a term, then operator and term, as often as they follow) and typesets each in math with
the registry's LaTeX names (:func:`tex_name`); the prose around them is escaped as before. A run
is typeset only when every name of more than one letter in it is a registry symbol, so ids
(``du2019.thm4.1``), flags (``--no-cache``) and words stay text. Any report can reuse these with
:func:`prooftools.reporting.latex.formula`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from prooftools.reporting.latex import escape

__all__ = ["Tex", "latex_text", "tex_name"]

_NUMBER = r"\d+(?:\.\d+)?(?:e[+-]?\d+)?(?![A-Za-z_\d])"
_NAME = r"[A-Za-z_\u0391-\u03c9][A-Za-z0-9_]*"
_TERM = rf"(?:{_NUMBER}|{_NAME}|\?)"  # ? an unknown exponent (L^?)
_OP = r"(?:>=|<=|!=|==|\*\*|[=<>≥≤≠^ˆ*/+−-])"
#: a formula run: term (operator term)+, not glued to an id, a path or a flag on either side
_RUN = re.compile(rf"(?<![\w.:/\\\-,=]){_TERM}(?: ?{_OP} ?-?{_TERM})+(?![\w(]|\.\w)")
_TOKEN = re.compile(rf"({_NUMBER}|{_NAME}|\?|>=|<=|!=|==|\*\*|[=<>≥≤≠^ˆ*/+−-])")
_OPS = {">=": r"\geq ", "<=": r"\leq ", "!=": r"\neq ", "==": "=", "≥": r"\geq ", "≤": r"\leq ",
        "≠": r"\neq ", "−": "-", "*": r"\,"}
_RAISE = ("^", "ˆ", "**")
_GREEK = re.compile(r"\\(?:alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|iota|kappa|"
                    r"lambda|mu|nu|xi|pi|rho|sigma|tau|phi|varphi|chi|psi|omega)(?![A-Za-z])",
                    re.I)


class Tex(str):
    """Text (what the terminal shows) that carries its own LaTeX (a table note already typeset).

    >>> note = Tex("m > 6", "$m > 6$")
    >>> str(note), note.latex
    ('m > 6', '$m > 6$')
    """

    latex: str

    def __new__(cls, text: str, latex: str) -> Tex:
        obj = super().__new__(cls, text)
        obj.latex = latex
        return obj


def tex_name(name: str, names: Mapping[str, str]) -> str | None:
    r"""The registry's LaTeX for ``name``; a hidden constant whose LaTeX is a bare letter keeps
    its identity as a subscript (``C_du_y`` → ``C_{\text{du\_y}}``, not a bare ``C``).

    >>> tex_name("lambda0", {"lambda0": r"\lambda_0"}), tex_name("C_du_y", {"C_du_y": "C"})
    ('\\lambda_0', 'C_{\\text{du\\_y}}')
    >>> tex_name("ar_kappa", {"ar_kappa": r"\kappa"})  # its own letter: no subscript
    '\\kappa'
    """
    tex = names.get(name)
    if tex is None:
        return None
    if re.fullmatch(r"[A-Za-z]", tex) and name.startswith(tex + "_"):
        return f"{tex}_{{\\text{{{escape(name.split('_', 1)[1])}}}}}"
    return tex


def _number(tok: str) -> str:
    mant, _, exp = tok.partition("e")
    if not exp:
        return tok
    return f"10^{{{int(exp)}}}" if float(mant) == 1 else f"{mant}\\times10^{{{int(exp)}}}"


def _math(run: str, names: Mapping[str, str]) -> str | None:
    """``run`` in math, or None when a name in it is neither a registry symbol nor one letter."""
    out: list[str] = []
    power = ""  # "^" after a raise operator, "^-" after a raise and a minus
    for tok in _TOKEN.findall(run):
        if tok in _RAISE:
            power = "^"
            continue
        if power == "^" and tok in ("-", "−"):
            power = "^-"
            continue
        if re.fullmatch(r"[\u0391-\u03c9]\d*", tok):  # a Greek letter as printed: η, λ0
            tex = escape(tok[0]) + (f"_{{{tok[1:]}}}" if tok[1:] else "")
        elif re.fullmatch(_NAME, tok):
            tex = tex_name(tok, names) or (tok if len(tok) == 1 else None)
            if tex is None:
                return None
        elif tok[0].isdigit():
            tex = _number(tok)
        else:
            tex = _OPS.get(tok, tok)
        if power:
            tex = f"^{{{power[1:]}{tex}}}"
            power = ""
        out.append(tex)
    return "".join(out).strip()


def _standalone_names(text: str, names: Mapping[str, str], plain: Callable[[str], str]) -> str:
    """Registry names standing alone in prose (``…: ar_complexity, lambda0``): those with a digit
    or an underscore, or a Greek letter's name, in math, and every name of a list of names
    (``needs d, eta, m``); other words stay text (``loss``, ``a``)."""
    out, last = [], 0
    for m in re.finditer(rf"(?<![\w.:/\\\-]){_NAME}(?:, {_NAME})*(?![\w(]|\.\w)", text):
        items = m.group(0).split(", ")
        texs = [tex_name(x, names) for x in items]
        if len(items) == 1 or not all(texs):  # alone, or a list with words: each on its own
            texs = [t if t and (re.search(r"[\d_]", x) or _GREEK.match(t)) else None
                    for x, t in zip(items, texs, strict=True)]
        if not any(texs):
            continue
        out += [plain(text[last:m.start()]), plain(", ").join(
            f"${t}$" if t else plain(x) for x, t in zip(items, texs, strict=True))]
        last = m.end()
    return "".join(out) + plain(text[last:])


def latex_text(text: str, names: Mapping[str, str] | None = None,
               plain: Callable[[str], str] = escape) -> str:
    r"""``text`` as LaTeX: formula runs in math with the registry's names, the rest ``plain``.

    >>> names = {"delta": r"\delta", "lambda0": r"\lambda_0", "C_du_y": "C", "n": "n"}
    >>> latex_text("n = 1000, delta = 0.1, lambda0 = 1e-3; hidden", names)
    '$n=1000$, $\\delta=0.1$, $\\lambda_0=10^{-3}$; hidden'
    >>> latex_text("holds iff C_du_y >= 1.4 (lambda0=0.02911)", names)
    'holds iff $C_{\\text{du\\_y}}\\geq 1.4$ ($\\lambda_0=0.02911$)'
    >>> latex_text("a width of 10^k; n^6, 1/delta^3, 1/lambda0^-4, L^?", names)
    'a width of $10^{k}$; $n^{6}$, $1/\\delta^{3}$, $1/\\lambda_0^{-4}$, $L^{?}$'
    >>> latex_text("m=256, η=0.00076, λ0 = 0.28", names)
    '$m=256$, $\\ensuremath{\\eta}=0.00076$, $\\ensuremath{\\lambda}_{0}=0.28$'
    >>> latex_text("needs n, delta; read: ar_complexity, lambda0; a, b and loss", names)
    'needs $n$, $\\delta$; read: ar\\_complexity, $\\lambda_0$; a, b and loss'
    >>> latex_text("du2019.thm4.1 at n=8: --no-cache, step-size, resid_sq <= 2", names)
    'du2019.thm4.1 at $n=8$: -{}-no-cache, step-size, resid\\_sq \\textless{}= 2'
    >>> latex_text("give it with --set delta=VALUE", names)  # what the user types stays text
    'give it with -{}-set delta=VALUE'
    """
    names = names or {}
    parts = _TYPED.split(text)
    if len(parts) > 1:  # odd parts are typed commands: verbatim
        return "".join(plain(p) if i % 2 else _latex_text(p, names, plain)
                       for i, p in enumerate(parts))
    return _latex_text(text, names, plain)


#: what a user types on the command line (``--set NAME=VALUE``): never typeset
_TYPED = re.compile(r"(--set(?: [A-Za-z_]\w*=\S*)+)")


def _latex_text(text: str, names: Mapping[str, str], plain: Callable[[str], str]) -> str:
    out, last = [], 0
    for m in _RUN.finditer(text):
        tex = _math(m.group(0), names)
        if tex is None:
            continue
        out += [_standalone_names(text[last:m.start()], names, plain), f"${tex}$"]
        last = m.end()
    return "".join(out) + _standalone_names(text[last:], names, plain)
