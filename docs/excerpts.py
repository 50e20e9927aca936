"""Keep the output excerpts in README.md and docs/*.md true: regenerate them, or check them.

A document opts in per excerpt with a marker line right before a fenced block::

    <!-- prooftools-run: bounds du2019.thm4.1 --n 1000 --lambda0 1e-3 --delta 0.1 -->
    ```text
    (what the command prints; rewritten by this script)
    ```

The command is run in-process (``prooftools.cli.main``) with the arguments after the marker's
colon, with an empty on-disk cache (so an excerpt never depends on earlier runs); what it prints
replaces the block. ``python docs/excerpts.py`` rewrites every
excerpt; ``--check`` exits 1 and lists the excerpts that differ (tests/test_docs.py runs the
check, so a doc cannot drift from the tool).
"""

from __future__ import annotations

import contextlib
import io
import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"^<!-- prooftools-run: (?P<cmd>.+?) -->\n```(?P<lang>\w*)\n(?P<body>.*?)^```$",
                    re.M | re.S)


def documents() -> list[Path]:
    """README.md and every Markdown file under docs/."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def run(command: str) -> str:
    """What ``prooftools COMMAND`` prints (stdout), as the documents show it."""
    import os
    import tempfile

    from prooftools.cli import main

    out = io.StringIO()
    saved = os.environ.get("PROOFTOOLS_CACHE_DIR")
    with tempfile.TemporaryDirectory() as cache, contextlib.redirect_stdout(out):
        os.environ["PROOFTOOLS_CACHE_DIR"] = cache  # a cold cache: the same output every time
        try:
            status = main(shlex.split(command))
        finally:
            if saved is None:
                os.environ.pop("PROOFTOOLS_CACHE_DIR", None)
            else:
                os.environ["PROOFTOOLS_CACHE_DIR"] = saved
    if status != 0:
        raise RuntimeError(f"documented command failed ({status}): prooftools {command}")
    return out.getvalue().rstrip("\n") + "\n"


def excerpts(path: Path) -> list[tuple[str, str]]:
    """(command, excerpt shown) for each marked block of one document."""
    return [(m["cmd"], m["body"]) for m in MARKER.finditer(path.read_text(encoding="utf-8"))]


def regenerate(path: Path) -> bool:
    """Rewrite every marked excerpt of ``path``; return whether anything changed."""
    text = path.read_text(encoding="utf-8")
    new = MARKER.sub(lambda m: f"<!-- prooftools-run: {m['cmd']} -->\n```{m['lang']}\n"
                               f"{run(m['cmd'])}```", text)
    if new != text:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(new, encoding="utf-8")
        tmp.replace(path)
    return new != text


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--check" in argv:
        stale = [f"{p.relative_to(ROOT)}: prooftools {cmd}" for p in documents()
                 for cmd, body in excerpts(p) if run(cmd) != body]
        print("\n".join(stale) or "every excerpt matches")
        return 1 if stale else 0
    for p in documents():
        if regenerate(p):
            print(f"updated {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
