"""The on-disk store of hidden exponents (prooftools/theory/derivation/exponent_store.py).

A later process reads what an earlier one derived instead of deriving again; anything wrong with
the entry — truncated, edited, a forged checksum over a value that is not a formula of hidden
constants, a device, a FIFO, a folder, an unwritable cache folder — is ignored and the
exponents are derived again, with the same values.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import shutil
from pathlib import Path

import pytest
import sympy

from prooftools.theory import load_registry
from prooftools.theory.derivation import exponent_store, exponents
from prooftools.theory.derivation.exponents import hidden_exponent

THEOREMS = Path(__file__).resolve().parents[2] / "theorems"
SYMBOL = "a_zou_gd_T"  # the trajectory time's log power: 3, derived from zou2018 Lemma 5.4/5.5


@pytest.fixture
def files(tmp_path):
    """vocabulary + zou2018 only, in a folder of their own (a registry of its own content)."""
    d = tmp_path / "theorems"
    d.mkdir()
    for name in ("vocabulary.toml", "zou2018.toml"):
        shutil.copy(THEOREMS / name, d)
    return d


@pytest.fixture
def derives(monkeypatch):
    """The statements derived from here on (the in-process cache emptied first)."""
    module = importlib.import_module("prooftools.theory.derivation.derive")
    calls: list[str] = []
    real = module.derive
    monkeypatch.setattr(module, "derive",
                        lambda reg, sid, *a, **k: calls.append(sid) or real(reg, sid, *a, **k))
    exponents._CACHE.clear()
    return calls


def _fresh(files: Path):
    """A registry as a new process would load it: nothing of it in memory."""
    exponents._CACHE.clear()
    return load_registry(extra_dirs=[files], builtin=False)


def _stored(files: Path) -> tuple[Path, dict]:
    path = exponent_store.store_path(_fresh(files))
    return path, json.loads(path.read_text())


def test_a_later_process_reads_the_exponents_instead_of_deriving(files, derives):
    assert hidden_exponent(_fresh(files), SYMBOL)[0] == 3
    assert derives  # derived once
    path, entry = _stored(files)
    assert entry["found"][SYMBOL][0] == "3" and path.stat().st_size < 4096
    derives.clear()
    value, source = hidden_exponent(_fresh(files), SYMBOL)
    assert value == 3 and source.startswith("zou2018.") and derives == []


def test_an_edited_theorem_file_is_derived_again(files, derives):
    hidden_exponent(_fresh(files), SYMBOL)
    path = files / "zou2018.toml"
    text = path.read_text(encoding="utf-8")
    old = 'expr = "C_zou_54_tau*phi**3/(n**9*L**17*log(zou_M)**(3/2))"'
    assert old in text
    path.write_text(text.replace(old, old.replace("(3/2)", "(5/2)")), encoding="utf-8")
    derives.clear()
    assert hidden_exponent(_fresh(files), SYMBOL)[0] == 5 and derives


def _forge(entry: dict, path: Path, found: dict) -> None:
    """Rewrite the entry with ``found`` and a checksum recomputed as the store does."""
    key = path.stem
    entry = {**entry, "found": found, "checksum": hashlib.sha256(
        json.dumps([key, found], sort_keys=True).encode()).hexdigest()}
    path.write_text(json.dumps(entry))


BAD_VALUES = {
    "code": "__import__('os').system('true')",
    "a_data_symbol": "n + 3",
    "not_a_formula": "3 +",
    "a_relation": "a_zou_gd_Keta < 3",
}


@pytest.mark.parametrize("kind", ["truncated", "edited", "empty", "list", "deep", *BAD_VALUES])
def test_a_bad_entry_is_ignored_and_derived_again(files, derives, kind):
    hidden_exponent(_fresh(files), SYMBOL)
    path, entry = _stored(files)
    text = path.read_text()
    if kind == "truncated":
        path.write_text(text[: len(text) // 2])
    elif kind == "edited":  # the checksum no longer matches
        path.write_text(text.replace('["3", ', '["30", '))
    elif kind == "empty":
        path.write_text("")
    elif kind == "list":
        path.write_text("[]")
    elif kind == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000)
    else:  # a forger who recomputes the checksum still cannot make the store run or hold text
        _forge(entry, path, {**entry["found"], SYMBOL: [BAD_VALUES[kind], "x"]})
    derives.clear()
    assert hidden_exponent(_fresh(files), SYMBOL)[0] == 3 and derives


def test_a_forged_but_well_formed_value_is_what_the_store_says(files, derives):
    """Control: the checks above are not vacuous — a forged entry that passes them is used (the
    checksum is no signature: anyone who can write the cache folder can change results)."""
    hidden_exponent(_fresh(files), SYMBOL)
    path, entry = _stored(files)
    _forge(entry, path, {**entry["found"], SYMBOL: ["7", "forged"]})
    derives.clear()
    assert hidden_exponent(_fresh(files), SYMBOL) == (sympy.Integer(7), "forged")
    assert derives == []


@pytest.mark.parametrize("kind", ["dev_zero", "fifo", "folder"])
def test_a_special_file_in_place_of_the_entry_is_ignored(files, derives, kind):
    hidden_exponent(_fresh(files), SYMBOL)
    path, _ = _stored(files)
    path.unlink()
    if kind == "dev_zero":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    derives.clear()
    assert hidden_exponent(_fresh(files), SYMBOL)[0] == 3 and derives  # and nothing blocked
    if kind != "folder":  # the store's own file: the planted link or FIFO is replaced, never
        assert path.is_file() and not path.is_symlink()  # written through
        assert json.loads(path.read_text())["found"][SYMBOL][0] == "3"


def test_an_unwritable_cache_folder_is_no_failure(files, derives, monkeypatch, tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x")
    monkeypatch.setenv("PROOFTOOLS_CACHE_DIR", str(blocker / "cache"))
    assert hidden_exponent(_fresh(files), SYMBOL)[0] == 3
    assert blocker.read_text() == "x"
    derives.clear()
    assert hidden_exponent(_fresh(files), SYMBOL)[0] == 3 and derives  # derived again
