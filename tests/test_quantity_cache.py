"""The on-disk cache of data quantities: a second `check` reads it (no certificate is
recomputed) and prints the same numbers; one changed data value, another normalization or
--no-cache recompute; a corrupt entry is ignored; concurrent writers leave a whole entry."""

import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from prooftools.checking.data_hypotheses import check_dataset
from prooftools.cli import main
from prooftools.numerics.data import quantities
from prooftools.numerics.data.cache import (
    CACHE_FORMAT,
    QuantityCache,
    default_cache_dir,
    measure_cached,
)
from prooftools.numerics.data.datasets import load_dataset, make_dataset
from prooftools.numerics.quantity import Quantity

IDS = ["du2019.asm3.1", "allenzhu2019.asm2.1"]  # λ0 (unit_norm) and sep (last-coordinate)


@pytest.fixture(scope="module")
def registry():
    from prooftools.theory import load_registry

    return load_registry()


@pytest.fixture
def counted(monkeypatch):
    """Count the λ0 certificates and separation scans actually computed."""
    calls = {"lambda0": 0, "sep": 0}

    def wrap(name, fn):
        def inner(*a, **k):
            calls[name] += 1
            return fn(*a, **k)
        return inner

    monkeypatch.setattr(quantities, "certified_lambda_min_and_quadratic",
                        wrap("lambda0", quantities.certified_lambda_min_and_quadratic))
    monkeypatch.setattr(quantities, "certified_lambda_min",
                        wrap("lambda0", quantities.certified_lambda_min))
    monkeypatch.setattr(quantities, "min_pairwise_distance",
                        wrap("sep", quantities.min_pairwise_distance))
    return calls


def _numbers(report) -> dict:
    d = report.to_dict()
    d.pop("cache")
    return d


def test_tests_never_use_the_home_cache():
    home = Path.home() / ".cache" / "prooftools"
    assert default_cache_dir() != home
    assert os.environ["PROOFTOOLS_CACHE_DIR"] == str(default_cache_dir())


def test_second_check_reads_the_cache_and_gives_identical_output(registry, counted, tmp_path):
    ds = load_dataset("sphere:n=40,d=5")
    first = check_dataset(ds, registry, IDS, cache=tmp_path)
    assert counted == {"lambda0": 1, "sep": 1}
    assert first.cached == {"unit_norm": [], "unit_norm_last_coord": []}
    second = check_dataset(ds, registry, IDS, cache=tmp_path)
    assert counted == {"lambda0": 1, "sep": 1}  # nothing recomputed
    assert second.cached == {"unit_norm": ["ar_complexity", "lambda0"],
                             "unit_norm_last_coord": ["sep"]}
    assert json.dumps(_numbers(second)) == json.dumps(_numbers(first))
    assert second.to_dict()["cache"] == {
        "dir": str(tmp_path), "read": {"unit_norm": ["ar_complexity", "lambda0"],
                                       "unit_norm_last_coord": ["sep"]}}


def test_one_changed_value_misses(registry, counted, tmp_path):
    ds = load_dataset("sphere:n=40,d=5")
    check_dataset(ds, registry, IDS, cache=tmp_path)
    X = ds.X.copy()
    X[7, 2] = np.nextafter(X[7, 2], 2.0)  # one value, by one ulp
    check_dataset(make_dataset(X, ds.y, name="changed"), registry, IDS, cache=tmp_path)
    assert counted == {"lambda0": 2, "sep": 2}


def test_normalization_is_part_of_the_key(counted, tmp_path):
    ds = load_dataset("sphere:n=30,d=4")
    cache = QuantityCache(tmp_path)
    measure_cached(ds, "unit_norm", {"sep"}, cache=cache)
    _, hits = measure_cached(ds, "none", {"sep"}, cache=cache)
    assert hits == [] and counted["sep"] == 2
    _, hits = measure_cached(ds, "unit_norm", {"sep"}, cache=cache)
    assert hits == ["sep"] and counted["sep"] == 2


def test_parameters_are_part_of_the_key(counted, tmp_path):
    ds = load_dataset("sphere:n=30,d=4")
    cache = QuantityCache(tmp_path)
    measure_cached(ds, "unit_norm", {"lambda0"}, cache=cache)
    _, hits = measure_cached(ds, "unit_norm", {"lambda0"}, cache=cache, fast=True)
    assert hits == [] and counted["lambda0"] == 2


def test_no_cache_recomputes_and_writes_nothing(registry, counted, tmp_path):
    ds = load_dataset("sphere:n=40,d=5")
    check_dataset(ds, registry, IDS, cache=tmp_path)
    r = check_dataset(ds, registry, IDS, cache=False)
    assert counted == {"lambda0": 2, "sep": 2}
    assert r.to_dict()["cache"] == {"dir": None, "read": {}}
    empty = tmp_path / "empty"
    check_dataset(ds, registry, IDS, cache=False)
    assert not empty.exists()


def test_corrupt_or_truncated_entry_is_ignored_and_rewritten(counted, tmp_path):
    ds = load_dataset("sphere:n=30,d=4")
    cache = QuantityCache(tmp_path)
    first, _ = measure_cached(ds, "unit_norm", {"sep"}, cache=cache)
    (entry,) = (tmp_path / f"quantities-v{CACHE_FORMAT}").rglob("*.json")
    good = entry.read_text()
    for bad in (good[: len(good) // 2], "", "[1, 2]", good.replace('"sep"', '"phi"'),
                good.replace('"value": ', '"value": "x", "v": ')):
        entry.write_text(bad)
        again, hits = measure_cached(ds, "unit_norm", {"sep"}, cache=cache)
        assert hits == [] and again["sep"] == first["sep"]
        assert json.loads(entry.read_text()) == json.loads(good)  # recomputed and rewritten
    assert counted["sep"] == 6


def test_nan_is_never_stored(tmp_path):
    ds = make_dataset([[1.0, 0.0], [0.0, 0.0]], [1.0, 1.0], name="zero row")  # λ0: NaN
    cache = QuantityCache(tmp_path)
    qs, _ = measure_cached(ds, "none", {"lambda0"}, cache=cache)
    assert np.isnan(qs["lambda0"].value)
    assert not list(tmp_path.rglob("*.json"))


def test_concurrent_writers_leave_one_whole_entry(tmp_path):
    ds = load_dataset("sphere:n=30,d=4")
    cache = QuantityCache(tmp_path)
    qs, _ = measure_cached(ds, "unit_norm", {"sep"}, cache=cache)
    (entry,) = (tmp_path / f"quantities-v{CACHE_FORMAT}").rglob("*.json")
    key = entry.stem
    threads = [threading.Thread(target=lambda: [cache.put(key, "sep", qs["sep"])
                                                for _ in range(20)]) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert cache.get(key, "sep") == qs["sep"]
    assert [p.name for p in entry.parent.iterdir()] == [entry.name]  # no temporary left


def test_unwritable_cache_folder_is_not_an_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    qs, hits = measure_cached(load_dataset("sphere:n=10,d=3"), "unit_norm", {"sep"},
                              cache=QuantityCache(blocker / "cache"))
    assert hits == [] and qs["sep"].value > 0


def test_cli_check_says_what_came_from_the_cache(capsys, counted):
    args = ["check", "sphere:n=40,d=5", "--theorem", "du2019.asm3.1", "--wide"]
    assert main(args) == 0
    cold = capsys.readouterr().out
    assert "cache" not in cold
    assert main(args) == 0
    warm = capsys.readouterr().out
    assert counted["lambda0"] == 1
    assert "read from the on-disk cache (--no-cache recomputes): ar_complexity, lambda0" in warm
    assert warm.replace(
        "\nread from the on-disk cache (--no-cache recomputes): ar_complexity, lambda0", "") == cold
    assert main([*args, "--no-cache"]) == 0
    assert capsys.readouterr().out == cold and counted["lambda0"] == 2


_floats = st.floats(allow_nan=True, allow_infinity=True)


@given(value=_floats, lower=st.none() | _floats, upper=st.none() | _floats,
       witness=st.none() | st.text(max_size=40), note=st.none() | st.text(max_size=200))
@settings(max_examples=60, deadline=None)
def test_an_entry_reads_back_exactly_what_was_stored(value, lower, upper, witness, note):
    import math
    import tempfile

    q = Quantity(value, lower=lower, upper=upper, witness=witness, note=note)
    with tempfile.TemporaryDirectory() as folder:
        cache = QuantityCache(folder)
        stored = cache.put("ab" * 32, "ar_complexity", q)  # a quantity that may be infinite
        back = cache.get("ab" * 32, "ar_complexity")
    bounds = [b for b in (lower, upper) if b is not None]
    consistent = not any(math.isnan(x) for x in (value, *bounds)) and \
        (lower is None or lower <= value) and (upper is None or value <= upper)
    assert stored == consistent
    if stored:
        assert back is not None
        for f in ("value", "lower", "upper"):
            a, b = getattr(q, f), getattr(back, f)
            assert (a is None and b is None) or (a == b or (math.isnan(a) and math.isnan(b)))
        assert (back.witness, back.note) == (witness, note)


def test_digest_sees_every_row_block():
    X = np.zeros((300_000, 4))  # 9.6 MB: more than one hashing block
    from prooftools.numerics.data.cache import data_digest

    a = data_digest(make_dataset(X, np.zeros(X.shape[0]), name="z"))
    X[-1, -1] = 1e-300
    assert data_digest(make_dataset(X, np.zeros(X.shape[0]), name="z")) != a
