"""Sweep core: bisection, fits, store, resume — against planted answers (no theorem is run)."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prooftools.engines.config import RunConfig
from prooftools.errors import UserInputError
from prooftools.sweep import Store, SweepSpec, ThresholdSearch, execute, read_rows
from prooftools.sweep.analysis import analyze
from prooftools.sweep.fit import bootstrap_exponent, fit_power_law
from prooftools.sweep.synthetic import planted_threshold
from prooftools.sweep.threshold import m_star

PLANTED = "prooftools.sweep.synthetic:planted"


def _drive(search: ThresholdSearch, pred) -> list[int]:
    asked = []
    while not search.done:
        for w in search.pending():
            asked.append(w)
            search.tell(w, [pred(w)])
    return asked


def _spec(**kw) -> SweepSpec:
    opts = kw.pop("options", {"c": 2.0, "a": 1.7, "noise": 0.1})
    base = dict(statement="planted", targets=("planted.holds",), dataset="sphere:d=3",
                n=(16, 32, 64), seeds=tuple(range(4)), m_range=(4, 2**20), resolution=0.0,
                runner=PLANTED, base=RunConfig(steps=0, options=opts))
    base.update(kw)
    return SweepSpec(**base)


# ----------------------------------------------------------------------------- bisection


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=9, max_value=65536))
def test_bisection_finds_a_planted_threshold_exactly(t):
    s = ThresholdSearch(8, 65536, q=1.0, resolution=0.0, check_above=0)
    asked = _drive(s, lambda w: w >= t)
    r = s.result()
    assert (r.m_star, r.status, r.monotone) == (t, "found", True)
    assert len(asked) <= 24  # bracket + about log2(65528) halvings: never a full grid


def test_bisection_with_a_resolution_stops_within_it():
    s = ThresholdSearch(8, 65536, q=1.0, resolution=0.05, check_above=0)
    _drive(s, lambda w: w >= 1000)
    lo, hi = s.result().bracket
    assert lo < 1000 <= hi <= lo * 1.05 + 1
    assert hi >= 1000  # never below the true threshold


@pytest.mark.parametrize("grow, expected", [(None, (4096, "found")), (4.0, (None, "above"))])
def test_a_non_monotone_predicate_is_reported(grow, expected):
    # holds from 100 on, except in a failing window [300, 600): the probes above m* catch it
    s = ThresholdSearch(8, 4096, q=1.0, resolution=0.0, check_above=2, grow=grow)
    _drive(s, lambda w: w >= 100 and not 300 <= w < 600)
    r = s.result()
    assert not r.monotone
    assert any("not monotone" in n for n in r.notes)
    # m* is the smallest evaluated width from which on it always held (none when the largest
    # width run failed)
    assert (r.m_star, r.status) == expected


def test_monotone_predicate_is_not_flagged_even_with_probes():
    s = ThresholdSearch(8, 4096, q=1.0, resolution=0.0, check_above=3)
    _drive(s, lambda w: w >= 100)
    assert s.result().monotone and s.result().m_star == 100


def test_bracket_check_reports_censoring():
    below = ThresholdSearch(8, 4096, q=1.0, check_above=0)
    _drive(below, lambda w: True)
    assert below.result().status == "below" and below.result().m_star == 8
    above = ThresholdSearch(8, 4096, q=1.0, check_above=0, grow=None)
    asked = _drive(above, lambda w: 50 <= w < 60)
    assert above.result().status == "above" and above.result().m_star is None
    assert sorted(asked) == [8, 4096]  # no bisection without a bracket
    climb = ThresholdSearch(8, 4096, q=1.0, check_above=0, grow=4.0)
    assert _drive(climb, lambda w: 50 <= w < 60) == [8, 32, 128, 512, 2048, 4096]
    assert climb.result().status == "above"


def test_the_bracket_climb_never_runs_far_above_the_threshold():
    s = ThresholdSearch(8, 2**16, q=1.0, resolution=0.0, check_above=0, grow=4.0)
    asked = _drive(s, lambda w: w >= 300)
    assert s.result().m_star == 300 and max(asked) == 512 < 4 * 300


def test_fraction_of_seeds_decides():
    outcomes = {8: [False, False, False, True], 16: [True, True, False, True],
                32: [True, True, True, True]}
    assert m_star(outcomes, 0.75) == (16, "found")
    assert m_star(outcomes, 1.0) == (32, "found")


# ----------------------------------------------------------------------------- fits


def test_fit_recovers_a_planted_power_law_from_a_sweep(tmp_path):
    spec = _spec(n=(16, 32, 64, 128, 256, 512), seeds=tuple(range(8)), q=0.5)
    run = execute(spec, store=tmp_path, scheduler="synchronous", progress=False)
    rep = analyze(run, resamples=300)
    (w,) = rep.width_fits
    assert abs(w.fit.slope - 1.7) < 0.05
    assert w.fit.low < w.fit.slope < w.fit.high
    # each m* is the median of the planted per-seed thresholds (q = 0.5 of 8 seeds: 4th smallest)
    for t in rep.thresholds:
        per_seed = sorted(planted_threshold(t.point["n"], s, 2.0, 1.7, 0.1) for s in range(8))
        assert t.m_star == math.ceil(per_seed[3])


def test_fit_detects_a_wrong_exponent():
    x = np.array([16, 32, 64, 128.0])
    assert abs(fit_power_law(x, 5 * x**2.5).slope - 2.5) < 1e-12
    rng = np.random.default_rng(0)
    data = [xi**2.5 * np.exp(0.05 * rng.standard_normal(10)) for xi in x]
    f = bootstrap_exponent(x, lambda i, ix: float(np.exp(np.log(
        data[i] if ix is None else data[i][ix]).mean())), [10] * 4, resamples=300)
    assert not f.contains(2.0) and f.contains(2.5)


# ----------------------------------------------------------------------------- store


def test_store_resumes_without_recomputing(tmp_path):
    spec = _spec()
    first = execute(spec, store=tmp_path, scheduler="synchronous", progress=False)
    assert first.computed == len(first.rows) > 0
    again = execute(spec, store=tmp_path, scheduler="synchronous", progress=False)
    assert again.computed == 0
    assert {k: v.m_star for k, v in again.thresholds.items()} == \
        {k: v.m_star for k, v in first.thresholds.items()}
    rows = read_rows(tmp_path)
    assert len(rows) == len({r["run_id"] for r in rows}) == len(first.rows)
    assert not list((tmp_path / "runs").glob(".tmp-*"))
    assert all(r["spec_key"] == spec.key for r in rows)


def test_a_changed_spec_never_mixes(tmp_path):
    execute(_spec(), store=tmp_path, scheduler="synchronous", progress=False)
    with pytest.raises(UserInputError, match="holds another sweep"):
        Store.open(_spec(seeds=(0, 1, 2)), tmp_path)
    assert _spec().key != _spec(options={"c": 2.0, "a": 1.8, "noise": 0.1}).key


def test_a_partial_store_is_completed_not_duplicated(tmp_path):
    spec = _spec()
    full = execute(spec, store=tmp_path / "a", scheduler="synchronous", progress=False)
    # keep a third of the rows, as if the sweep had been killed, and resume
    part = tmp_path / "b"
    Store.open(spec, part)
    for r in full.rows[: len(full.rows) // 3]:
        (part / "runs" / f"{r['run_id']}.json").write_text(json.dumps(r))
    (part / "runs" / ".tmp-half.json").write_text('{"run_id": "trunc')  # a killed write
    # one of atomic.py's, its writer killed (no process has that pid)
    (part / "runs" / ".x.json.4194999.k1ll3d.tmp").write_text('{"run_id"')
    resumed = execute(spec, store=part, scheduler="synchronous", progress=False)
    assert resumed.computed == len(full.rows) - len(full.rows) // 3
    assert sorted(r["run_id"] for r in read_rows(part)) == sorted(r["run_id"] for r in full.rows)
    assert not list((part / "runs").glob(".tmp-*")) and not list((part / "runs").glob(".*.tmp"))


def test_spec_validation_is_one_line():
    with pytest.raises(UserInputError, match="scaling mode needs the widths"):
        SweepSpec("x", mode="scaling")
    with pytest.raises(UserInputError, match="width range"):
        SweepSpec("x", m_range=(64, 8))
    with pytest.raises(UserInputError, match="at least one seed"):
        SweepSpec("x", seeds=())


# ----------------------------------------------------------------------------- scaling


def test_scaling_mode_fits_the_planted_observable(tmp_path):
    spec = _spec(mode="scaling", widths=(64, 256, 1024, 4096), n=(16, 64))
    rep = analyze(execute(spec, store=tmp_path, scheduler="synchronous", progress=False),
                  resamples=100)
    fits = {(o.observable, o.axis, o.at.get("n", o.at.get("m"))): o.fit
            for o in rep.observable_fits}
    assert abs(fits[("planted_obs", "m", 16)].slope + 0.5) < 1e-9  # planted: 3·n^½·m^-½
    assert abs(fits[("planted_obs", "n", 256)].slope - 0.5) < 1e-9
    assert not rep.thresholds


# ----------------------------------------------------------------------------- data and targets


def test_real_dataset_n_is_a_stratified_subsample():
    from prooftools.numerics.data.datasets import load_dataset
    from prooftools.sweep.runner import load_point_data

    full = load_dataset("digits:0-vs-1")
    X, y, name = load_point_data("digits:0-vs-1", 40, data_seed=3)
    assert X.shape == (40, full.d) and "stratified" in name
    share = np.mean(full.y == full.y[0])
    assert abs(np.mean(y == full.y[0]) - share) <= 1 / 40 + 1e-12  # proportions kept
    rows = {tuple(r) for r in full.X}
    assert all(tuple(r) in rows for r in X)  # a subsample, not new points
    with pytest.raises(UserInputError, match="cannot take n"):
        load_point_data("digits:0-vs-1", 10_000)
    with pytest.raises(UserInputError, match="fixes n"):
        load_point_data("sphere:n=10,d=3", 20)


def test_default_targets_are_the_statements_conclusions():
    from prooftools.sweep.execute import default_targets

    assert default_targets(SweepSpec("du2019.lemma3.1")) == (
        "du2019.lemma3.1.init_deviation", "du2019.lemma3.1.init_eigenvalue")


def test_full_grid_only_when_asked():
    s = ThresholdSearch(8, 4096, q=1.0, widths=[16, 64, 256, 1024])
    asked = _drive(s, lambda w: w >= 100)
    assert sorted(asked) == [16, 64, 256, 1024]  # exactly the grid, nothing else
    assert s.result().m_star == 256 and s.result().bracket == (64, 256)
