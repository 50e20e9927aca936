"""docs/adding-an-observable.md, followed literally: its vocabulary entry and its one marked
method (monkeypatched onto DuObserver) make a new observable that verify records and judges —
on both sides of an independent truth, ‖e‖∞ ≤ ‖e‖₂ ≤ √n ‖e‖∞."""

import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

from prooftools.checking.verdict import Verdict
from prooftools.engines.registry import registered_engines
from prooftools.numerics import observables
from prooftools.numerics.networks.two_layer import observers
from prooftools.numerics.networks.two_layer.observers import DuObserver
from prooftools.theory import load_registry

DOC = Path(__file__).resolve().parent.parent / "docs" / "adding-an-observable.md"

STATEMENTS = '''
format = 1
[paper]
key = "obsdoc"
title = "The residual's largest entry"
authors = ["A. Author"]
year = 2026

{vocabulary}

[[statements]]
id = "thm"
kind = "theorem"
title = "Max entry within the residual's norms"
source = "linear algebra"
provenance = "derived"
[statements.tags]
network = "two_layer_relu"
[[statements.conclusions]]
name = "below_norm"
expr = "resid_max(k) <= sqrt(resid_sq(k))"
forall = ["k"]
[[statements.conclusions]]
name = "norm_below"
expr = "sqrt(resid_sq(k)) <= resid_max(k)"
forall = ["k"]
'''


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_guide_says_two_edits():
    text = DOC.read_text(encoding="utf-8")
    assert "**two edits**" in text and len(_blocks("toml")) == 1 and len(_blocks("python")) == 1


@pytest.fixture
def with_the_method(monkeypatch):
    """Edit 2: the guide's method, defined in the observers module's namespace, on DuObserver."""
    scope = dict(vars(observers), observable=observables.observable)
    exec("class _Edit:\n" + _blocks("python")[0], scope)  # the guide's own code, as written
    method = scope["_Edit"].__dict__["resid_max"]
    monkeypatch.setattr(DuObserver, "resid_max", method, raising=False)
    return method


def test_the_two_edits_make_an_observable_verify_records_and_judges(tmp_path, with_the_method):
    (tmp_path / "obsdoc.toml").write_text(
        textwrap.dedent(STATEMENTS).replace("{vocabulary}", _blocks("toml")[0]))  # edit 1
    reg = load_registry(extra_dirs=[tmp_path])
    engine = registered_engines()["two_layer_relu"]
    declared = engine.declared_observables()["resid_max"]
    assert (declared.cost, declared.summary, declared.shape) == ("cheap", "max", "series")
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 4)), rng.standard_normal(6)
    from prooftools.api import verify

    rep = verify(reg, "obsdoc.thm", X, y, width=32, steps=5, stride=1, progress=False)
    got = rep.trajectory.observables["resid_max"]
    resid = np.sqrt(rep.trajectory.observables["resid_sq"])
    assert got.shape == resid.shape and np.all(got <= resid) and np.all(resid <= np.sqrt(6) * got)
    assert rep.verdict("obsdoc.thm", "below_norm") == Verdict.HOLDS
    assert rep.verdict("obsdoc.thm", "norm_below") == Verdict.FAILS


def test_without_the_method_the_statement_is_refused(tmp_path):
    from prooftools.errors import UserInputError

    (tmp_path / "obsdoc.toml").write_text(
        textwrap.dedent(STATEMENTS).replace("{vocabulary}", _blocks("toml")[0]))
    reg = load_registry(extra_dirs=[tmp_path])
    from prooftools.api import verify

    with pytest.raises(UserInputError, match="resid_max"):
        verify(reg, "obsdoc.thm", np.eye(3), np.ones(3), width=8, steps=1, progress=False)
