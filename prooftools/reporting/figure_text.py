"""Text for figures: the registry's plain formulas without raw TeX, wrapped between formulas.

Statement titles mix words and formulas written plainly (``(X Xᵀ)^{-1}``, ``n^30``,
``h_{i,ℓ}``). :func:`plain_math` prints TeX-style scripts with Unicode super- and subscripts
where every character has one, and :func:`wrap_words` wraps a title only between words, never
inside a formula (``(1 − βη/2)² r² α`` stays on one line).
"""

from __future__ import annotations

import re
import textwrap

__all__ = ["plain_math", "wrap_words"]

_SUP = dict(zip("0123456789+-−=()nijklmTt*", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱʲᵏˡᵐᵀᵗ*", strict=True))
_SUB = dict(zip("0123456789+-−=()aehijklmnoprstuvx",
                "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_SCRIPT = re.compile(r"([\^_])(\{([^{}]*)\}|(\d+)|\(([^()]*)\)|(\w)(?!\w))")
#: words of prose that may stand alone between formulas (other short tokens are math)
_SHORT_WORDS = {"a", "an", "as", "at", "be", "by", "if", "in", "is", "it", "no", "of", "on",
                "or", "to", "and", "are", "for", "its", "not", "the", "via", "with"}
_WORD = re.compile(r"^[(\"']?[A-Za-z][a-z]{2,}(?:-[a-z]+)*[)\"']?[,.;:]?$")


def plain_math(text: str) -> str:
    """Raw TeX scripts as Unicode: ``^{-1}`` → ``⁻¹``, ``n^30`` → ``n³⁰``, ``W_{l}`` → ``Wₗ``;
    a script some character of which has no Unicode form keeps its brackets as ``(…)``.

    >>> plain_math("Y Xᵀ(X Xᵀ)^{-1}"), plain_math("width n^30 L^30"), plain_math("W_l^{(0)}")
    ('Y Xᵀ(X Xᵀ)⁻¹', 'width n³⁰ L³⁰', 'Wₗ⁽⁰⁾')
    >>> plain_math("‖h_{i,ℓ}‖ and e^{−αt}; W_ℓ⋯W_1, C_az_rate")
    '‖h_(i,ℓ)‖ and e^(−αt); W_ℓ⋯W₁, C_az_rate'
    """
    def one(m: re.Match) -> str:
        body = next(g for g in m.groups()[2:] if g is not None)
        table = _SUP if m.group(1) == "^" else _SUB
        if body and all(ch in table for ch in body):
            return "".join(table[ch] for ch in body)
        return m.group(0) if m.group(6) else f"{m.group(1)}({body})"

    return _SCRIPT.sub(one, text)


def _is_word(token: str) -> bool:
    return token.lower() in _SHORT_WORDS or _WORD.match(token) is not None


def wrap_words(text: str, width: int) -> str:
    """``text`` wrapped to lines of about ``width`` characters, breaking only between words of
    prose: a run of formula tokens is one unit (longer than ``width`` only when it must be).

    >>> print(wrap_words("Gradient descent under the strengthened criterion "
    ...                  "4 f(x0) < (1 − βη/2)² r² α", 48))
    Gradient descent under the strengthened
    criterion 4 f(x0) < (1 − βη/2)² r² α
    """
    tokens = text.split()
    units: list[str] = []
    for i, tok in enumerate(tokens):
        glued = i > 0 and not _is_word(tok) and not _is_word(tokens[i - 1])
        if glued:
            units[-1] += "\u00a0" + tok  # no break inside a formula
        else:
            units.append(tok)
    lines = textwrap.wrap(" ".join(units), width, break_long_words=False,
                          break_on_hyphens=False)
    return "\n".join(lines).replace("\u00a0", " ") or text
