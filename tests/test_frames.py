"""Notebook views: DataCheckReport, VerifyReport, the sweep summary and a stored sweep as
DataFrames (checked against the JSON they come from) and as HTML tables."""

import json
import math

import numpy as np
import pytest

from prooftools import api
from prooftools.engines.config import RunConfig
from prooftools.sweep import SweepSpec, execute, read_rows
from prooftools.sweep.analysis import analyze

pd = pytest.importorskip("pandas")


def _same(a, b) -> bool:
    """Equal, or both missing (JSON null / NaN)."""
    missing = [x is None or (isinstance(x, float) and math.isnan(x)) for x in (a, b)]
    return all(missing) if any(missing) else a == b


@pytest.fixture(scope="module")
def reg():
    return api.load_registry()


def test_check_report_as_a_data_frame_and_html(reg):
    ds = api.load_dataset("sphere:n=12,d=5")
    rep = api.check_dataset(ds, reg, ["du2019.thm4.1"], cache=False, progress=False)
    df = rep.to_pandas()
    got = json.loads(rep.to_json())["hypotheses"]
    assert len(df) == len(got) == 3
    for row, h in zip(df.to_dict("records"), got, strict=True):
        assert (row["statement"], row["hypothesis"], row["verdict"]) == (
            h["statement"], h["hypothesis"], h["verdict"])
        assert _same(row["margin"], h["margin"])
        for name, value in h["value"].items():
            assert _same(row[f"value:{name}"], value)
    page = rep._repr_html_()
    assert page.startswith("<table>") and page.count("<tr>") == len(got) + 1
    assert "lambda0_positive" in page


def test_verify_report_round_trips_through_a_data_frame(reg, tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((6, 8)), rng.standard_normal(6)
    rep = api.verify(reg, "du2019.thm4.1", X, y, width=64, steps=10, progress=False)
    df = rep.to_pandas()
    rows = rep.to_dict()["verdicts"]
    assert len(df) == len(rows) == len(rep.items)
    back = pd.read_csv(_csv(df, tmp_path)).to_dict("records")
    for row, want in zip(back, rows, strict=True):
        assert (row["statement"], row["item"], row["verdict"]) == (
            want["statement"], want["item"], want["verdict"])
        assert _same(row["margin"], want["margin"])
    assert rep._repr_html_().count("<tr>") == len(rows) + 1


def _csv(df, tmp_path):
    path = tmp_path / "frame.csv"
    df.to_csv(path, index=False)
    return path


def test_load_sweep_gives_one_row_per_run_and_target(tmp_path):
    spec = SweepSpec(statement="planted", targets=("planted.holds",), dataset="sphere:d=3",
                     n=(16, 32), seeds=(0, 1), m_range=(4, 2**12), resolution=0.0,
                     runner="prooftools.sweep.synthetic:planted",
                     base=RunConfig(steps=0, options={"c": 2.0, "a": 1.7, "noise": 0.1}))
    run = execute(spec, store=tmp_path, scheduler="synchronous", progress=False)
    stored = read_rows(tmp_path)
    loaded = api.load_sweep(tmp_path)
    df = loaded.to_pandas()
    assert len(df) == len(stored) == len(run.rows)  # one target: one row per run
    by_id = {r["run_id"]: r for r in stored}
    for row in df.to_dict("records"):
        want = by_id[row["run_id"]]
        assert (row["n"], row["width"], row["seed"]) == (
            want["point"]["n"], want["width"], want["seed"])
        assert row["verdict"] == want["targets"]["planted.holds"]["verdict"]
        assert row["planted_obs (max)"] == want["observables"]["planted_obs"]["max"]
    back = pd.read_csv(_csv(df, tmp_path))
    assert back["width"].tolist() == df["width"].tolist()
    summary = analyze(run, resamples=50).to_pandas()
    assert sorted(summary["n"]) == [16, 32] and set(summary["target"]) == {"planted.holds"}
    assert "<table>" in loaded._repr_html_()


def test_load_sweep_names_a_folder_that_is_no_store(tmp_path):
    from prooftools.errors import UserInputError

    with pytest.raises(UserInputError, match="not a sweep store"):
        api.load_sweep(tmp_path)
