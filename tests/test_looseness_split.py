"""The three-part looseness of item 5: log10(stated / m*) = log10(stated / proof) + log10(proof /
m*), in sweep threshold rows (text, JSON, figure) and in verify's width lines.

The proof's width comes from the statement's derivation; here a stand-in derivation returns the
stated width divided by an exact factor, so the statement's part is known exactly (log10 of the
factor) and the proof's part is what is left — the split must reproduce both.
"""

import json
import math
from pathlib import Path
from types import SimpleNamespace

import pytest

from prooftools.reporting.sweep_plots import plot_thresholds
from prooftools.reporting.sweep_reports import render_sweep
from prooftools.sweep import sweep
from prooftools.sweep.analysis import analyze
from prooftools.theory import load_registry
from prooftools.theory.proof_width import split


def _scaled_derivation(registry, factor):
    def derive(reg, sid):
        st = reg.get(sid)
        return SimpleNamespace(derived={b.name: b.expr / factor for b in st.bounds
                                        if b.kind == "width"})
    return derive


@pytest.fixture(scope="module")
def lemma31(tmp_path_factory):
    return sweep("du2019.lemma3.1", targets=("du2019.lemma3.1.init_deviation",),
                 dataset="sphere:d=50", n=(16, 32), seeds=(0, 1), m_range=(8, 2**14),
                 resolution=0.25, scheduler="synchronous",
                 store=tmp_path_factory.mktemp("split"), progress=False, resamples=50)


@pytest.mark.parametrize("factor", [100, "1/1000"])
def test_split_parts_are_exact(lemma31, factor):
    reg = load_registry()
    import sympy
    f = sympy.Rational(factor)
    rep = analyze(lemma31.run, reg, resamples=50, derive=_scaled_derivation(reg, f))
    assert rep.thresholds
    for t in rep.thresholds:
        assert t.m_star is not None
        s = t.split
        # the statement's part is log10 of the factor, whatever the sign (1/1000: the stated
        # width would be below the proof's — a statement tighter than its proof)
        assert s.statement == pytest.approx(math.log10(f), abs=1e-9)
        assert s.proof == pytest.approx(t.proof_log10 - math.log10(t.m_star), abs=1e-12)
        assert s.statement + s.proof == pytest.approx(t.looseness_derived, abs=1e-9)
    row = json.loads(render_sweep(rep, "json"))["thresholds"][0]
    assert row["looseness_statement"] == pytest.approx(math.log10(f), abs=1e-9)
    assert row["looseness_proof"] + row["looseness_statement"] == pytest.approx(
        row["looseness_derived"], abs=1e-9)
    text = render_sweep(rep, "text")
    assert "proof m" in text and "= statement" in text and "+ proof" in text
    assert f"{math.log10(f):.2f}" in text


def test_without_a_derivation_the_parts_are_unknown(lemma31):
    rep = analyze(lemma31.run, load_registry(), resamples=50,
                  derive=lambda reg, sid: None)
    for t in rep.thresholds:
        assert t.proof_log10 is None
        assert t.split.statement is None and t.split.proof is None
        assert t.split.total == pytest.approx(t.looseness_derived)


def test_split_arithmetic_fails_on_a_wrong_split():
    s = split(33.0, 30.5, 2.0)
    assert (s.statement, s.proof, s.total) == (2.5, 28.5, 31.0)
    assert split(None, 30.5, 2.0).statement is None
    assert split(33.0, None, 2.0).proof is None and split(33.0, None, 2.0).total == 31.0


def test_figure_has_the_proof_line(lemma31, tmp_path, monkeypatch):
    reg = load_registry()
    rep = analyze(lemma31.run, reg, resamples=50, derive=_scaled_derivation(reg, 100))
    labels = []
    from prooftools.reporting import sweep_plots

    real = sweep_plots.save_figure

    def spy(fig, out_dir, stem, **kw):
        for ax in fig.axes:
            labels.extend(line.get_label() for line in ax.get_lines())
        return real(fig, out_dir, stem, **kw)

    monkeypatch.setattr(sweep_plots, "save_figure", spy)
    paths = plot_thresholds(rep, tmp_path)
    assert any(p.endswith(".png") for p in paths)
    proof = [lab for lab in labels if lab.startswith("width the proof implies")]
    assert proof and "statement's looseness 2.00 decades" in proof[0]


def test_verify_reports_each_width_beside_the_proofs(tmp_path):
    import jsonschema
    import numpy as np

    from prooftools.checking.verify import verify
    from prooftools.checking.widths import width_lines
    from prooftools.engines.config import RunConfig
    from prooftools.reporting.verify_reports import render_report
    from prooftools.theory.proof_width import values_for_bounds

    reg = load_registry()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 5))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    rep = verify(reg, "du2019.thm4.1", (X, rng.standard_normal(6)),
                 RunConfig(width=128, steps=10, constants="derived"), progress=False)
    lines = {(w.statement, w.bound): w for w in rep.widths}
    w = lines[("du2019.thm4.1", "width")]
    assert w.run_width == 128 and w.proof_log10 is not None
    assert lines[("du2019.lemma3.1", "width")].proof_log10 is None  # no derivation there
    doc = rep.to_dict()
    schema = json.loads((Path(__file__).resolve().parent.parent / "prooftools" / "schemas"
                         / "verify.schema.json").read_text())
    jsonschema.validate(doc, schema)
    assert any(r["statement"] == "du2019.thm4.1" and r["looseness_statement"] is not None
               for r in doc["widths"])
    assert "the proof implies m ≥ 10^" in render_report(rep, "text")
    # a stand-in derivation 1000 times below the stated width: exactly 3 decades
    ids = ("du2019.thm4.1",)
    (line,) = width_lines(reg, ids, rep.data | {"m": 128}, constants="derived",
                          derive=_scaled_derivation(reg, 1000))
    assert line.looseness_statement == pytest.approx(3.0, abs=1e-9)
    assert values_for_bounds({"n": 6, "lambda0": 0.5, "flag": True, "x": float("nan")}) == {
        "n": "6", "lambda0": "0.5"}
