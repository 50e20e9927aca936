"""Curves in sweep rows, and `replicate du2019` as a preset of the sweep (one code path)."""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prooftools.cli import main
from prooftools.engines.config import RunConfig
from prooftools.errors import UserInputError
from prooftools.numerics.networks.two_layer.training import run_du
from prooftools.sweep import execute, presets, read_curves, read_rows
from prooftools.sweep.curves import curves_of, downsample
from prooftools.sweep.runner import load_point_data
from prooftools.sweep.spec import SweepSpec

SCHEMA = Path(__file__).resolve().parent.parent / "prooftools" / "schemas" / \
    "replicate.schema.json"
TINY = {"n": 12, "d": 10, "steps": 30, "widths": (32, 128)}


# ----------------------------------------------------------------------------- down-sampling


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 700), st.integers(2, 250), st.integers(1, 7), st.integers(0, 2**31))
def test_downsample_keeps_ends_caps_points_and_copies_values(n, points, gap, seed):
    rng = np.random.default_rng(seed)
    at = np.arange(n, dtype=float) * 3
    values = rng.standard_normal(n)
    values[rng.random(n) < 0.3] = np.nan  # not measured at these records
    values[::gap] = rng.standard_normal(len(values[::gap]))
    out = downsample(at, values, points)
    kept = np.asarray(out["at"]) // 3
    assert len(kept) <= points and kept[0] == 0 and kept[-1] == n - 1
    assert np.all(np.diff(kept) > 0)
    measured = [k for k in range(n) if not np.isnan(values[k]) or k in (0, n - 1)]
    if len(measured) <= points:
        assert kept.tolist() == measured  # nothing dropped but the unmeasured records
    for k, v in zip(kept, out["values"], strict=True):
        assert (v is None and np.isnan(values[k])) or v == values[k]  # exact, never rounded


def test_downsample_marks_a_divergence_at_the_last_step():
    out = downsample(np.arange(5.0), np.array([1.0, np.nan, 3.0, np.inf, np.nan]))
    assert out == {"at": [0, 2, 3, 4], "values": [1.0, 3.0, None, None]}


# ----------------------------------------------------------------------------- curves in rows


def test_curve_flag_is_part_of_the_key_only_when_set():
    plain = SweepSpec("du2019.lemma3.1", n=(16,))
    assert "curves" not in plain.to_dict()  # stores of specs without curves keep their key
    with_curves = SweepSpec("du2019.lemma3.1", n=(16,), curves=True)
    assert with_curves.key != plain.key
    assert SweepSpec.from_json(with_curves.to_json()) == with_curves
    with pytest.raises(UserInputError, match="curves"):
        SweepSpec("du2019.lemma3.1", curves="yes")


def test_rows_hold_the_run_curves_as_training_records_them(tmp_path):
    spec = presets.du2019_spec(widths=(64,))
    spec = SweepSpec.from_dict({**spec.to_dict(), "dataset": "sphere:d=10,n=12",
                                "base": {**spec.base.to_dict(), "steps": 400}})
    run = execute(spec, store=tmp_path, scheduler="synchronous", progress=False)
    (row,) = run.rows
    curves = curves_of(row)
    # the same network trained directly (the engine's practical step, read back from the row)
    X, y, _ = load_point_data("sphere:d=10,n=12", None, 0)
    tr = run_du(X, y, width=64, steps=400, lr=row["run"]["eta"], seed=0, stride=5,
                progress=False)
    at, loss = curves["loss"]
    assert at[0] == 0 and at[-1] == 400 and len(at) == 81  # every 5th step: not down-sampled
    np.testing.assert_allclose(loss, tr.observables["loss"], rtol=1e-12)
    at, rs = curves["resid_sq"]  # every step (401 records): down-sampled to 200
    assert len(at) == 200 and at[0] == 0 and at[-1] == 400
    np.testing.assert_allclose(rs, tr.dense["resid_sq"][at.astype(int)], rtol=1e-12)
    (read,) = read_curves(tmp_path)
    assert read["width"] == 64 and read["index"] == "k"
    np.testing.assert_array_equal(read["curves"]["flip_frac"][1], curves["flip_frac"][1])


def test_a_run_function_without_curves_is_refused(tmp_path):
    spec = SweepSpec("planted", targets=("planted.holds",), dataset="sphere:d=3", n=(8,),
                     seeds=(0,), mode="scaling", widths=(4,), curves=True,
                     runner="prooftools.sweep.synthetic:planted",
                     base=RunConfig(steps=0, options={"c": 1.0, "a": 2.0}))
    with pytest.raises(UserInputError, match="records no curves"):
        execute(spec, store=tmp_path, scheduler="synchronous", progress=False)
    plain = SweepSpec.from_dict({k: v for k, v in spec.to_dict().items() if k != "curves"})
    (row,) = execute(plain, store=tmp_path / "p", scheduler="synchronous", progress=False).rows
    with pytest.raises(UserInputError, match="no curves"):
        curves_of(row)


# ----------------------------------------------------------------------------- the data law


def test_preset_data_are_uniform_on_the_sphere_with_gaussian_labels():
    """The generator of the preset draws the paper's law (checked against the exact marginals)."""
    from scipy import stats

    spec = presets.du2019_spec()
    assert spec.dataset == "sphere:d=200,n=200" and spec.base.steps == 300
    full = presets.du2019_spec(full=True, seeds=3, seed=5)
    assert (full.dataset, full.base.steps, full.widths) == \
        ("sphere:d=1000,n=1000", 100, (1000, 2000, 4000, 8000, 16000))
    assert full.seeds == (5, 6, 7) and full.data_seed == 5 and full.key != spec.key
    X, y, _ = load_point_data("sphere:d=20,n=3000", None, 0)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, rtol=1e-12)
    # a coordinate of a uniform point on S^{d-1}: (1 + x)/2 ~ Beta((d-1)/2, (d-1)/2)
    assert stats.kstest((1 + X[:, 0]) / 2, stats.beta(9.5, 9.5).cdf).pvalue > 1e-3
    assert stats.kstest(y, "norm").pvalue > 1e-3


# ----------------------------------------------------------------------------- replicate


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setitem(presets.DU2019, "default", TINY)


def _replicate(out, *extra):
    return main(["replicate", "du2019", "--out", str(out), "--scheduler", "synchronous", *extra])


def test_replicate_is_the_sweep_and_resumes(tiny, tmp_path, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    out = tmp_path / "rep"
    assert _replicate(out, "--seeds", "2") == 0
    text = capsys.readouterr().out
    assert "4 runs (4 computed now)" in text
    data = json.loads((out / "du2019_replication.json").read_text())
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))
    store = Path(data["config"]["store"])
    assert store.parent == out / "sweeps"
    rows = {r["run_id"]: r for r in read_rows(store)}
    assert len(rows) == len(data["runs"]) == 4
    for run in data["runs"]:  # every number of the replication is the stored row's
        row = rows[run["run_id"]]
        assert (row["width"], row["seed"]) == (run["width"], run["seed"])
        assert run["final_loss"] == row["curves"]["series"]["loss"]["values"][-1] \
            == row["observables"]["loss"]["last"]
        assert run["final_dist_max"] == row["observables"]["dist_max"]["last"]
        assert run["flip_frac"] == row["curves"]["series"]["flip_frac"]
        assert row["config"]["step_policy"] == "practical" and row["config"]["steps"] == 30
    assert data["config"]["lambda_max_Hinf"] == pytest.approx(0.5 / data["config"]["eta"])
    before = {p.name: p.stat().st_mtime_ns for p in (store / "runs").iterdir()}
    assert _replicate(out, "--seeds", "2") == 0  # resumes: nothing recomputed
    assert "4 runs (0 computed now)" in capsys.readouterr().out
    assert {p.name: p.stat().st_mtime_ns for p in (store / "runs").iterdir()} == before
    again = json.loads((out / "du2019_replication.json").read_text())
    assert again["runs"] == data["runs"] and again["config"]["computed"] == 0
    assert (out / "du2019_replication.png").stat().st_size > 10_000


def test_replicate_seed_and_store_options(tiny, tmp_path, capsys):
    store = tmp_path / "store"
    assert _replicate(tmp_path / "a", "--seed", "3", "--store", str(store)) == 0
    data = json.loads((tmp_path / "a" / "du2019_replication.json").read_text())
    assert data["config"]["seeds"] == [3] and data["config"]["data_seed"] == 3
    assert {r["seed"] for r in read_rows(store)} == {3}
    capsys.readouterr()
    assert main(["replicate", "chatterjee", "--seeds", "2"]) != 0  # one line, nothing run
    assert "--seeds: only for replicate du2019" in capsys.readouterr().err


def test_schema_rejects_a_wrong_shape(tiny, tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    assert _replicate(tmp_path) == 0
    good = json.loads((tmp_path / "du2019_replication.json").read_text())
    jsonschema.validate(good, schema)
    for broken in ({**good, "runs": []},
                   {**good, "runs": [{**good["runs"][0], "final_loss": "0.1"}]},
                   {k: v for k, v in good.items() if k != "summary"}):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(broken, schema)


def test_a_diverged_run_writes_nothing(tmp_path):
    from prooftools.reporting.replication_plots import write_du_replication

    result = {"config": {"eta": 3.0}, "runs": [{"width": 8, "final_loss": None}]}
    with pytest.raises(UserInputError, match="diverged"):
        write_du_replication(result, tmp_path)
    assert not list(tmp_path.iterdir())


def test_chatterjee_json_matches_the_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    from prooftools.numerics.replication import chatterjee as rc
    from prooftools.reporting.replication_plots import write_chatterjee_replication

    res = rc.replicate_chatterjee([rc.Size(3, 6, 4, 2)], seeds=(0, 1), steps=40, n_uniform=2)
    write_chatterjee_replication(res, tmp_path)
    data = json.loads((tmp_path / "chatterjee_replication.json").read_text())
    jsonschema.validate(data, json.loads(SCHEMA.read_text()))


def test_the_documented_sweep_command_is_the_same_spec(tiny, tmp_path, capsys):
    """`prooftools sweep` with the preset's settings finds every replicate run already stored."""
    assert _replicate(tmp_path) == 0
    data = json.loads((tmp_path / "du2019_replication.json").read_text())
    capsys.readouterr()
    argv = ["sweep", "du2019.thm4.1", "--target", "du2019.thm4.1.linear_rate", "--dataset",
            "sphere:d=10,n=12", "--mode", "scaling", "--widths", "32", "128", "--steps", "30",
            "--step-policy", "practical", "--stride", "5", "--seeds", "1", "--curves",
            "--scheduler", "synchronous", "--store", data["config"]["store"], "--no-progress"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"sweep {data['config']['spec_key']}" in out and "(0 computed now)" in out


def test_data_quantities_are_measured_once_per_data(monkeypatch):
    """The two-layer engine measures λ0 & co. once per data in a process (sweep runs at one grid
    point share their data); the memo returns what a fresh measurement gives."""
    from prooftools.engines import two_layer
    from prooftools.numerics.data.datasets import make_dataset
    from prooftools.numerics.data.quantities import measure

    calls = []
    real = two_layer._measure_two_layer_data
    monkeypatch.setattr(two_layer, "_measure_two_layer_data",
                        lambda X, y, progress: calls.append(1) or real(X, y, progress))
    X, y, _ = load_point_data("sphere:d=7,n=9", None, 123)
    first = two_layer.measure_two_layer_data(X, y)
    again = two_layer.measure_two_layer_data(X.copy(), y.copy())
    assert len(calls) == 1 and again == first and again is not first
    fresh = measure(make_dataset(X, y, name="fresh"))
    assert first["lambda0"].value == fresh["lambda0"].value
    X2 = X.copy()
    X2[0, 0] = np.nextafter(X2[0, 0], 2.0)  # one ulp: other data, measured again
    two_layer.measure_two_layer_data(X2, y)
    assert len(calls) == 2
