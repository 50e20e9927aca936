"""One complete, self-contained HTML document: inline CSS and JS under a strict CSP, no URL.

The page works without JavaScript (graph, statements in MathML and tables are plain markup);
the inline script only adds the panel, focus, filters and sorting. The Content-Security-Policy
allows nothing but this page's own style and script (by their SHA-256) and ``data:`` images, so
even a theorem text that slipped through unescaped could neither run nor load anything.
The same input gives the same bytes: no dates, no random ids.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from prooftools.reporting.html.markup import esc, raw_tag, tag, void

__all__ = ["Document", "asset"]


@cache
def asset(name: str) -> str:
    """The text of a bundled asset (``report.css``, ``report.js``)."""
    return resources.files("prooftools.reporting.html").joinpath(name).read_text("utf-8")


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def csp(style: str, script: str) -> str:
    """The page's Content-Security-Policy: its own style and script, ``data:`` images only."""
    return ("default-src 'none'; img-src data:; style-src " + _sha(style) + "; script-src "
            + _sha(script) + "; base-uri 'none'; form-action 'none'")


@dataclass
class Document:
    """A report page: a title, a few header lines and sections of ready HTML."""

    title: str
    subtitle: list[str] = field(default_factory=list)
    sections: list[tuple[str, str]] = field(default_factory=list)

    def add(self, heading: str, inner_html: str) -> None:
        """Append a section (``heading`` is text, ``inner_html`` markup built by this package)."""
        self.sections.append((heading, inner_html))

    def render(self) -> str:
        """The whole document as a string (printing it adds the final newline)."""
        from prooftools import __version__

        style, script = asset("report.css"), asset("report.js")
        head = "".join((
            '<meta charset="utf-8">',
            void("meta", http_equiv="Content-Security-Policy", content=csp(style, script)),
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f'<meta name="generator" content="prooftools {esc(__version__)}">',
            tag("title", self.title),
            raw_tag("style", style),
        ))
        top = tag("h1", self.title) + "".join(tag("p", line) for line in self.subtitle)
        body = [raw_tag("header", top, cls="top")]
        for heading, inner in self.sections:
            h = tag("h2", heading) if heading else ""
            body.append(raw_tag("section", h + inner, cls="block"))
        body.append(raw_tag("script", script))
        return ("<!DOCTYPE html>\n" + raw_tag("html", raw_tag("head", head)
                                              + raw_tag("body", "\n".join(body)), lang="en"))
