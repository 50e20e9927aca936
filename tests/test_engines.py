"""The engine seam: RunConfig, the engine registry, the observable contract, routing, overrides."""

from __future__ import annotations

import hashlib
import json
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prooftools.api import verify
from prooftools.checking.verdict import Verdict
from prooftools.checking.verify import verify as verify_config
from prooftools.engines import RunConfig
from prooftools.engines import registry as engine_registry
from prooftools.engines.base import Engine, Measurements, Option
from prooftools.engines.contract import unproduced_observables
from prooftools.engines.registry import (
    engine_for,
    register_engine,
    registered_engines,
    unregister_engine,
)
from prooftools.errors import UserInputError
from prooftools.numerics.data.datasets import load_dataset
from prooftools.numerics.trajectory import Trajectory
from prooftools.reporting.verify_reports import render_report
from prooftools.theory import load_registry


@pytest.fixture(scope="module")
def reg():
    return load_registry()


@pytest.fixture(scope="module")
def sphere():
    return load_dataset("sphere:n=8,d=6,seed=2")


# ----------------------------------------------------------------------------- RunConfig

_names = st.sampled_from(["lambda0", "sep", "C_du_m", "mu", "loss", "flow_tol"])
_values = st.one_of(st.floats(allow_nan=False, allow_infinity=False, width=64),
                    st.integers(-10**12, 10**12), st.booleans(), st.text(max_size=8),
                    st.none())
_configs = st.builds(
    RunConfig,
    width=st.one_of(st.none(), st.integers(1, 10**9)),
    depth=st.one_of(st.none(), st.integers(1, 50)),
    steps=st.one_of(st.none(), st.integers(0, 10**6)),
    step_size=st.one_of(st.none(), st.floats(1e-300, 1e300)),
    seed=st.integers(0, 2**63),
    delta=st.floats(1e-12, 1 - 1e-12),
    stride=st.integers(1, 1000),
    overrides=st.dictionaries(_names, st.floats(-1e300, 1e300), max_size=3),
    options=st.dictionaries(_names, _values, max_size=3),
)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_configs)
def test_config_json_round_trip_is_exact_and_the_key_is_the_hash_of_canonical_json(cfg):
    back = RunConfig.from_json(cfg.to_json())
    assert back == cfg and back.to_json() == cfg.to_json()
    canonical = json.dumps(cfg.to_dict(), sort_keys=True, separators=(",", ":"))
    assert cfg.key == hashlib.sha256(canonical.encode()).hexdigest()[:16]


def test_key_ignores_the_order_options_were_given_in_and_changes_with_any_field():
    a = RunConfig(width=8, options={"mu": 0.5, "loss": "exponential"})
    b = RunConfig(width=8, options={"loss": "exponential", "mu": 0.5})
    assert a.key == b.key
    assert a.key != a.replace(seed=1).key != a.replace(options={"mu": 0.25}).key


@pytest.mark.parametrize("bad, match", [
    (dict(width=0), "width"), (dict(delta=1.5), "delta"), (dict(seed=-1), "seed"),
    (dict(step_policy="fixed"), "step_size"), (dict(algorithm="adam"), "algorithm"),
    (dict(step_size=float("nan")), "step_size"), (dict(options={"mu": float("inf")}), "mu"),
    (dict(overrides={"eta": 0.1}, step_size=0.2), "contradicts"),
])
def test_bad_configurations_are_refused_with_the_field_named(bad, match):
    with pytest.raises(UserInputError, match=match):
        RunConfig(**bad)


def test_unknown_key_in_json_is_named():
    with pytest.raises(UserInputError, match="lr"):
        RunConfig.from_json('{"lr": 0.1}')


def test_run_symbol_overrides_drive_the_run():
    # --set eta=… / m=… is the step size / width, not a number recorded and ignored
    assert RunConfig(overrides={"eta": 0.01, "m": 64}) == RunConfig(step_size=0.01, width=64)


# ----------------------------------------------------------------------------- verify

def test_eta_override_changes_the_run_it_claims_to_change(reg, sphere):
    base = verify(reg, "du2019.thm4.1", sphere.X, sphere.y, width=64, steps=30)
    over = verify(reg, "du2019.thm4.1", sphere.X, sphere.y, width=64, steps=30,
                  overrides={"eta": 0.2})
    assert over.config["eta"] == 0.2 and base.config["eta"] != 0.2
    assert over.config["overridden"]["eta"]["value"] == 0.2
    # the run really used η = 0.2: one GD step of the same network from the same init
    assert not np.allclose(over.trajectory.observables["resid_sq"],
                           base.trajectory.observables["resid_sq"])
    same = verify(reg, "du2019.thm4.1", sphere.X, sphere.y, width=64, steps=30, lr=0.2)
    assert np.array_equal(same.trajectory.observables["resid_sq"],
                          over.trajectory.observables["resid_sq"])


def test_data_override_reaches_the_theorem_step_size(reg, sphere):
    # η = λ0/(4n²)·(1 − rounding): overriding λ0 must change the step the run takes
    rep = verify(reg, "du2019.thm4.1", sphere.X, sphere.y, width=32, steps=2,
                 overrides={"lambda0": 0.08})
    n = sphere.X.shape[0]
    assert rep.config["eta"] == pytest.approx(0.08 / (4 * n * n), rel=1e-12)
    assert rep.config["overridden"]["lambda0"]["value"] == 0.08


def test_same_seed_and_configuration_give_byte_identical_json(reg, sphere):
    cfg = RunConfig(width=48, steps=20, seed=3)
    a = render_report(verify_config(reg, "du2019.thm4.1", sphere, cfg), "json")
    b = render_report(verify_config(reg, "du2019.thm4.1", sphere, cfg), "json")
    assert a == b
    assert json.loads(a)["config"]["config_key"] == cfg.key


def test_engine_option_checked_in_one_place_with_one_message(reg, sphere):
    with pytest.raises(UserInputError, match=r"option flow_tol \(--flow-tol\) must be a number "
                                             r"in \(0, 1\); got 2.0"):
        verify(reg, "du2019.thm3.2", sphere.X, sphere.y, width=16, steps=2, flow=True,
               flow_tol=2.0)
    with pytest.raises(UserInputError, match="has no option"):
        verify(reg, "du2019.thm4.1", sphere.X, sphere.y, width=16, steps=2, loss="hinge")


def test_joint_training_statements_are_routed_and_train_both_layers(reg, sphere):
    for sid in ("du2019.thm3.3", "du2019.lemmaA.6"):
        assert engine_for(reg.get(sid)).name == "two_layer_relu"
    joint = verify(reg, "du2019.thm3.3", sphere.X, sphere.y, width=32, steps=5, lr=0.1)
    assert joint.config["trained"] == "W and a (joint training)"
    lemma = verify(reg, "du2019.lemmaA.6", sphere.X, sphere.y, width=32, steps=5, lr=0.1)
    assert lemma.config["trained"] == "W and a (joint training)"
    first = verify(reg, "du2019.thm3.2", sphere.X, sphere.y, width=32, steps=5, lr=0.1,
                   flow=True)
    # same init and horizon, a trained too: the residual path must differ
    assert not np.allclose(joint.trajectory.observables["resid_sq"][1:],
                           first.trajectory.observables["resid_sq"][1:])


# ----------------------------------------------------------------------------- contract

def test_built_in_theorems_name_only_observables_their_engines_account_for(reg):
    assert unproduced_observables(reg) == []


def test_each_engine_records_what_it_declares(reg):
    runs = {
        "two_layer_relu": ("du2019.thm4.1", "sphere:n=8,d=5", dict(width=16, steps=3)),
        "deep_relu": ("zou2018.thm4.1", "breast_cancer", dict(depth=2, width=8, steps=2)),
        "smooth_deep": ("chatterjee.gd", "wine:standardized", dict(depth=2, width=4, steps=3)),
    }
    observables = {n for n, s in reg.symbols.items() if s.role == "observable"}
    for name, (sid, spec, kw) in runs.items():
        ds = load_dataset(spec)
        rep = verify(reg, sid, ds.X[:40], ds.y[:40], **kw)
        tr = rep.trajectory
        recorded = (set(tr.observables) | set(tr.dense) | set(tr.scalars)) & observables
        engine = registered_engines()[name]
        declared = set(engine.declared_observables())
        assert recorded <= declared, (name, recorded - declared)


def test_a_misspelt_observable_is_an_error_not_a_silent_unknown(tmp_path, sphere):
    (tmp_path / "typo.toml").write_text(textwrap.dedent('''
        format = 1
        [paper]
        key = "typo"
        title = "A theorem with a misspelt observable"
        authors = ["A. Author"]
        year = 2026
        [[statements]]
        id = "thm"
        kind = "theorem"
        title = "Decay"
        source = "here"
        provenance = "derived"
        [statements.tags]
        network = "two_layer_relu"
        [[statements.conclusions]]
        name = "decay"
        expr = "dist_totl(k) <= 1"
        forall = ["k"]
        [symbols.dist_totl]
        role = "observable"
        args = ["k"]
        latex = "d"
        meaning = "a misspelling of dist_total"
    '''))
    reg = load_registry(extra_dirs=[tmp_path])
    with pytest.raises(UserInputError, match="dist_totl"):
        verify(reg, "typo.thm", sphere.X, sphere.y, width=8, steps=1)


# ----------------------------------------------------------------------------- a toy engine

TOY_THEOREMS = '''
format = 1
[paper]
key = "toy"
title = "Scalar gradient descent on a quadratic"
authors = ["A. Author"]
year = 2026

[symbols.toy_dist]
role = "observable"
args = ["k"]
latex = "|w_k|"
meaning = "distance of the scalar iterate from the minimizer 0"

[symbols.toy_rate]
role = "constant"
domain = "positive"
latex = "q"
meaning = "claimed contraction per step"
value = "{rate}"
value_provenance = "derived"

[[statements]]
id = "thm"
kind = "theorem"
title = "GD on w²/2 with step η contracts by |1 − η| per step"
source = "exercise"
provenance = "derived"
[statements.tags]
network = "toy_scalar"
[[statements.conclusions]]
name = "contraction"
expr = "toy_dist(k) <= toy_rate**k * toy_dist(0)"
forall = ["k"]
'''


class ToyEngine(Engine):
    """Gradient descent w ← w − η w on f(w) = w²/2 (exact: |w_k| = |1 − η|^k |w_0|)."""

    name = "toy_scalar"
    networks = ("toy_scalar",)
    algorithms = ("gd",)
    step_policies = ("fixed",)
    options = (Option("w0", float, 1.0, "starting point"),)
    observables = frozenset({"toy_dist"})

    def run(self, request):
        opts = self.validate(request.config)
        eta, steps = request.config.step_size, request.config.steps
        w = opts["w0"] * (1.0 - eta) ** np.arange(steps + 1)
        traj = Trajectory(config={"index": "k"}, index=np.arange(steps + 1.0),
                          observables={"toy_dist": np.abs(w)})
        return Measurements(values={}, trajectory=traj, settings={"eta": eta, "steps": steps})


@pytest.fixture
def toy_engine():
    register_engine(ToyEngine)
    yield
    unregister_engine("toy_scalar")


@pytest.mark.parametrize("rate, expect", [("0.75", Verdict.HOLDS), ("0.7", Verdict.FAILS)])
def test_a_toy_engine_registered_from_outside_verifies_a_statement(tmp_path, toy_engine, rate,
                                                                   expect):
    (tmp_path / "toy.toml").write_text(TOY_THEOREMS.replace("{rate}", rate))
    reg = load_registry(extra_dirs=[tmp_path])
    cfg = RunConfig(step_size=0.25, steps=10, options={"w0": 2.0})
    rep = verify_config(reg, "toy.thm", (np.zeros((2, 1)), np.zeros(2)), cfg)
    assert rep.config["engine"] == "toy_scalar"
    assert rep.verdict("toy.thm", "contraction") == expect
    # the report's header reads the typed settings: what the engine left out comes from the
    # data and the configuration, never "n=None … η: None"
    assert (rep.settings.n, rep.settings.d, rep.settings.steps) == (2, 1, 10)
    text = render_report(rep)
    assert "n=2, d=1, m=—, η=0.25" in text and "η: given by the engine" in text
    assert "None" not in text


def test_a_toy_engine_found_through_the_entry_point_group(tmp_path, monkeypatch, sphere):
    # a minimal installed distribution: a module and its entry point, on sys.path
    (tmp_path / "toy_plugin.py").write_text(textwrap.dedent("""
        from prooftools.engines.base import Engine

        class PluginEngine(Engine):
            name = "toy_plugin"
            networks = ("toy_plugin_net",)

            def run(self, request):
                raise NotImplementedError
    """))
    dist = tmp_path / "toy_plugin-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-plugin\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(
        "[prooftools.engines]\ntoy = toy_plugin:PluginEngine\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(engine_registry, "_ENGINES", {})
    monkeypatch.setattr(engine_registry, "_LOADED", False)
    engines = registered_engines()
    assert "toy_plugin" in engines and "two_layer_relu" in engines
    sys.modules.pop("toy_plugin", None)


def test_cli_option_and_set_reach_the_run(capsys):
    from prooftools.cli import main

    args = ["verify", "du2019.thm3.2", "--dataset", "sphere:n=6,d=4", "--width", "16",
            "--steps", "2", "--flow", "--format", "json"]
    assert main([*args, "--option", "flow_tol=1e-5", "--set", "eta=0.3"]) == 0
    cfg = json.loads(capsys.readouterr().out)["config"]
    assert cfg["run_config"]["options"] == {"flow_tol": 1e-5}
    assert cfg["eta"] == 0.3 and cfg["run_config"]["step_size"] == 0.3
    assert main([*args, "--option", "bogus=1"]) == 2
    assert "has no option(s) bogus" in capsys.readouterr().err


def test_the_smallest_dataset_runs_without_a_traceback(reg):
    # n = 2, d = 1: every 2×2 and 1×1 spectrum on the path (σ_min(X) of one column included)
    ds = load_dataset("sphere:n=2,d=1")
    rep = verify(reg, "du2019.thm4.1", ds.X, ds.y, width=8, steps=3)
    assert rep.config["n"] == 2 and rep.config["d"] == 1


@pytest.mark.parametrize("argv", [
    ["du2019.thm4.1", "--dataset", "sphere:n=20,d=5", "--width", "100000000"],
    # two label classes: Zou et al.'s labels are checked before anything else (issue 20)
    ["zou2018.thm4.1", "--dataset", "wine:0-vs-1", "--depth", "3", "--width", "2000000"],
])
def test_a_run_that_cannot_fit_is_refused_before_allocating(capsys, argv):
    from prooftools.cli import main

    assert main(["verify", *argv, "--steps", "2"]) == 2
    err = capsys.readouterr().err.strip()
    assert "of memory" in err and "is available" in err and len(err.splitlines()) == 1


def test_engines_and_check_read_the_normalization_by_one_rule(reg):
    """Registry.chain_tag is the one rule: du2019.cor4.1 carries no tag of its own and neither
    does anything it rests on, so the paper's tag (unit_norm) applies, for `verify` as for
    `check` (the two-layer engine used to leave such a statement's data as given)."""
    rng = np.random.default_rng(0)
    X, y = 3.0 * rng.standard_normal((6, 4)), rng.standard_normal(6)
    chain = (*reg.dependencies("du2019.cor4.1"), "du2019.cor4.1")
    assert not any(reg.get(s).tags.get("normalization") for s in chain)
    rep = verify(reg, "du2019.cor4.1", X, y, width=16, steps=2)
    assert rep.settings.normalization == reg.chain_tag(chain, "normalization") == "unit_norm"
    assert np.allclose(rep.data["norm_max"], 1.0)  # measured after the normalization
    assert any("scaled every input to unit norm" in c for c in rep.changes)
    # the deep engine reads the same rule and refuses a tag its input map cannot satisfy
    assert reg.chain_tag(["zou2018.thm4.1"], "normalization") == "unit_norm_last_coord"
