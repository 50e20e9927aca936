"""Fitting a text table to the terminal: column widths, and where a cell's lines break.

Identifier columns (every cell one word: statement ids, items, constants) keep their full
width, so an id is never split across lines; headers wrap at their spaces; other text columns
narrow, the widest first, and their long words break after an operator or a comma, or at a
dot before a letter or a colon — never inside a name where a better place exists.
"""

from __future__ import annotations

import re

__all__ = ["fit_widths", "wrap_cell"]

#: the narrowest a wrapped text column becomes (unless its header or an id needs more)
MIN_TEXT = 10
#: a longer word may break inside (formulas such as ``sperp_sum(c_R_gd*delta*lambda0/n**2)``)
MAX_WORD = 24

_BREAK = re.compile(r"(?<=[^*]\*)(?!\*)|(?<=[/,+=;])|(?<=\.)(?=[A-Za-z])|(?=:)")


def _blank(text: str) -> bool:
    return text in ("—", "")


def fit_widths(widths: list[int], heads: list[str], cells: list[list[str]], width: int,
               numeric) -> list[int]:
    """Column widths whose lines fit in ``width`` where the rules above allow it.

    >>> import re
    >>> fit_widths([8, 30], ["id", "formula"], [["du2019.a", "m >= n**6 / (x * y)"]], 24,
    ...            re.compile("^[0-9.]+$"))
    [8, 14]
    """
    out = list(widths)
    least = []
    for i, head in enumerate(heads):
        column = [r[i] for r in cells]
        words = [w for c in column for w in c.split()]
        filled = [c for c in column if not _blank(c)]
        if filled and all(numeric.match(c) or len(c.split()) == 1 for c in filled):
            least.append(out[i])  # numbers and identifiers stay whole
            continue
        head_word = max((len(w) for w in head.split()), default=0)
        longest = max((min(len(w), MAX_WORD) for w in words), default=0)
        least.append(min(out[i], max(MIN_TEXT, head_word, longest)))
    while sum(out) + 2 * (len(out) - 1) > width:
        free = [i for i in range(len(out)) if out[i] > least[i]]
        if not free:
            break
        i = max(free, key=out.__getitem__)
        out[i] -= 1
    return out


def wrap_cell(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, breaking at spaces, and inside a word
    too long for a line after an operator or comma, or at a dot before a letter or a colon
    (inside a name only as a last resort); such a word starts a line of its own.

    >>> wrap_cell("sperp_sum(c_R_gd*delta**2) <= C * m", 18)
    ['sperp_sum(c_R_gd*', 'delta**2) <= C * m']
    >>> wrap_cell("every run's judgement of du2019.lemma3.1:width", 20)
    ["every run's", 'judgement of', 'du2019.lemma3.1', ':width']
    """
    if len(text) <= width:
        return [text]
    pieces: list[tuple[str, str]] = []  # (joiner before it: " ", "" or "\n" for a new line)
    for word in text.split():
        if len(word) <= width:
            pieces.append((" ", word))
            continue
        joiner = "\n"  # a word that needs breaking starts its own line
        for part in (p for p in _BREAK.split(word) if p):
            while len(part) > width:  # no break point: cut it (a last resort)
                pieces.append((joiner, part[:width]))
                part, joiner = part[width:], ""
            pieces.append((joiner, part))
            joiner = ""
    lines: list[str] = []
    for joiner, piece in pieces:
        if lines and joiner != "\n" and len(lines[-1]) + len(joiner) + len(piece) <= width:
            lines[-1] += joiner + piece
        else:
            lines.append(piece)
    return lines or [""]
