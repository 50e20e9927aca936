"""Issue 20, item 3: the quantity cache read as data anyone may have changed.

On data with two equal rows λ0 is exactly 0, so ``du2019.asm3.1 lambda0_positive`` fails. An
entry edited to λ0 = 0.5 (the value alone, or value and bounds together) must not turn that into
a certified "holds": its checksum does not match, it is ignored and recomputed. An entry whose
checksum matches but whose bounds do not enclose its value, or whose λ0 is infinite, is ignored
too; so is an entry that is a symlink to /dev/zero, a FIFO, deeply nested or too large.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from prooftools.cli import main
from prooftools.numerics.data import cache as cache_mod
from prooftools.numerics.data.cache import QuantityCache, measure_cached
from prooftools.numerics.data.datasets import load_dataset

THEOREM = "du2019.asm3.1"


@pytest.fixture
def duplicate_rows(tmp_path, monkeypatch) -> Path:
    """A CSV whose rows 2 and 5 are equal; the cache in a fresh folder."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((12, 3))
    X[5] = X[2]
    path = tmp_path / "dup.csv"
    np.savetxt(path, np.c_[X, rng.standard_normal(12)], delimiter=",", header="a,b,c,y",
               comments="")
    monkeypatch.setenv("PROOFTOOLS_CACHE_DIR", str(tmp_path / "cache"))
    return path


def _check(data: Path, capsys, *extra: str) -> str:
    """The report without its cache line (λ0 must not be among the numbers read)."""
    assert main(["check", str(data), "--theorem", THEOREM, *extra]) == 0
    lines = capsys.readouterr().out.splitlines()
    read = [ln for ln in lines if ln.startswith("read from the on-disk cache")]
    assert not any("lambda0" in ln for ln in read), read
    return "\n".join(ln for ln in lines if ln not in read)


def _verdict_line(out: str) -> str:
    (line,) = [ln for ln in out.splitlines() if "lambda0_positive" in ln]
    return line


def _lambda0_entry(folder: Path) -> Path:
    entries = [p for p in folder.rglob("*.json") if json.loads(p.read_text())["name"] == "lambda0"]
    assert len(entries) == 1, entries
    return entries[0]


def _edit(entry: Path, *, rechecksum: bool = False, **fields) -> None:
    data = json.loads(entry.read_text())
    data["quantity"].update(fields)
    if rechecksum:
        data["checksum"] = cache_mod._checksum(entry.stem, data["name"], data["quantity"])
    entry.write_text(json.dumps(data))


@pytest.mark.parametrize("fields", [{"value": 0.5}, {"value": 0.5, "lower": 0.5, "upper": 0.5}],
                         ids=["value", "value_and_bounds"])
def test_an_edited_lambda0_entry_does_not_certify_a_false_hypothesis(duplicate_rows, capsys,
                                                                    fields):
    cold = _check(duplicate_rows, capsys)
    assert " fails " in _verdict_line(cold)
    entry = _lambda0_entry(duplicate_rows.parent / "cache")
    _edit(entry, **fields)
    warm = _check(duplicate_rows, capsys)
    line = _verdict_line(warm)
    assert " holds " not in line and " fails " in line, line
    assert warm == cold  # recomputed: the same report, nothing read from the edited entry
    assert json.loads(entry.read_text())["quantity"]["value"] == 0.0  # and rewritten


@pytest.mark.parametrize("fields", [{"value": 0.5}, {"lower": 0.5}, {"value": {"float": "inf"},
                                                                    "upper": {"float": "inf"}}],
                         ids=["above_upper", "lower_above_value", "infinite"])
def test_a_checksummed_but_inconsistent_entry_is_ignored(duplicate_rows, capsys, fields):
    cold = _check(duplicate_rows, capsys)
    entry = _lambda0_entry(duplicate_rows.parent / "cache")
    _edit(entry, rechecksum=True, **fields)
    assert _check(duplicate_rows, capsys) == cold


def test_no_cache_recomputes_even_over_a_forged_entry(duplicate_rows, capsys):
    """The documented way out: a forged entry (checksum recomputed) is never read with
    --no-cache."""
    cold = _check(duplicate_rows, capsys)
    entry = _lambda0_entry(duplicate_rows.parent / "cache")
    _edit(entry, rechecksum=True, value=0.5, lower=0.5, upper=0.5)
    assert _check(duplicate_rows, capsys, "--no-cache") == cold


def test_docs_say_who_can_change_results():
    text = (Path(__file__).resolve().parents[2] / "docs" / "checking-data.md").read_text()
    assert "Anyone who can write the cache folder can change the results" in text
    assert "checksum" in text and "`--no-cache` to recompute" in text


def _entry_path(tmp_path) -> tuple[QuantityCache, str, Path]:
    ds = load_dataset("sphere:n=20,d=4")
    cache = QuantityCache(tmp_path)
    measure_cached(ds, "unit_norm", {"sep"}, cache=cache)
    (entry,) = tmp_path.rglob("*.json")
    return cache, entry.stem, entry


@pytest.mark.parametrize("kind", ["dev_zero", "fifo", "deep", "huge", "folder"])
def test_a_special_entry_is_ignored_and_rewritten(tmp_path, kind):
    cache, key, entry = _entry_path(tmp_path)
    good = json.loads(entry.read_text())
    entry.unlink()
    if kind == "dev_zero":
        entry.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(entry)
    elif kind == "deep":
        entry.write_text("[" * 100_000 + "]" * 100_000)
    elif kind == "huge":
        entry.write_text('{"pad": "' + "x" * (cache_mod.MAX_ENTRY_BYTES + 10) + '"}')
    else:
        entry.mkdir()
    assert cache.get(key, "sep") is None  # and promptly: no read of /dev/zero, no FIFO wait
    ds = load_dataset("sphere:n=20,d=4")
    _, hits = measure_cached(ds, "unit_norm", {"sep"}, cache=cache)
    assert hits == []
    if kind != "folder":
        assert entry.is_file() and not entry.is_symlink()
        assert json.loads(entry.read_text()) == good
