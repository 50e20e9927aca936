"""Every family's reference runs, pinned bit for bit (issue 22: one observer, one record type).

The fingerprints below were computed by the code *before* the families were moved onto the
training loop's one record type; a refactor of the observation path must reproduce them. Each
run is fingerprinted twice: ``exact`` hashes the JSON of every recorded value (``repr`` of each
float: every bit), ``rounded`` the same values at 9 significant digits. The exact pin holds on
the platform that recorded it (the same numpy and BLAS); elsewhere only the rounded one is
compared, since a BLAS with other kernels may change the last bits of a product.
"""

from __future__ import annotations

import hashlib
import json
import math
import platform

import numpy as np
import pytest

from prooftools.numerics.networks.deep.network import allen_zhu_network, zou_inputs, zou_network
from prooftools.numerics.networks.deep.observed import PaperObserver, run_deep_observed
from prooftools.numerics.networks.deep.training import train_deep_loop
from prooftools.numerics.networks.smooth import network as ch
from prooftools.numerics.networks.two_layer.training import run_du

RECORDED_ON = ("x86_64", "2.")  # machine, numpy major version of the exact pins


def _plain(v):
    if isinstance(v, dict):
        return {str(k): _plain(w) for k, w in sorted(v.items(), key=lambda kv: str(kv[0]))}
    if isinstance(v, list | tuple):
        return [_plain(w) for w in v]
    if isinstance(v, np.ndarray):
        return [_plain(w) for w in v.tolist()]
    if isinstance(v, np.generic):
        return _plain(v.item())
    if isinstance(v, float):
        return repr(v) if not math.isfinite(v) else v
    return v


def _round(v):
    if isinstance(v, dict):
        return {k: _round(w) for k, w in v.items()}
    if isinstance(v, list):
        return [_round(w) for w in v]
    if isinstance(v, float):
        return float(f"{v:.9g}")
    return v


def fingerprint(record) -> tuple[str, str]:
    """(exact, rounded) sha256 prefixes of ``record`` (nested dicts, lists, arrays, numbers)."""
    plain = _plain(record)
    exact = json.dumps(plain, sort_keys=True)
    rounded = json.dumps(_round(plain), sort_keys=True)
    return (hashlib.sha256(exact.encode()).hexdigest()[:16],
            hashlib.sha256(rounded.encode()).hexdigest()[:16])


def _du_data(n=8, d=4, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, rng.standard_normal(n)


def _du(**kw):
    X, y = _du_data()
    kw = {"width": 64, "steps": 30, "lr": 0.05, "seed": 0, "stride": 5, "expensive_stride": 10,
          "progress": False, **kw}
    return run_du(X, y, **kw).to_dict()


def _deep_data(n=8, d=4):
    rng = np.random.default_rng(0)
    X = zou_inputs(rng.standard_normal((n, d)), 0.5)
    return X, np.array([1.0, -1.0] * (n // 2))


def _deep(net, **kw):
    X, y = _deep_data()
    tr = run_deep_observed(net, X, y, **{"eta": 0.2, "steps": 12, "stride": 3,
                                         "progress": False, **kw})
    probe = {name: [f(arg) for arg in (0.05, 0.2, 0.5)]
             for name, f in sorted(tr.functions.items())}
    return {"trajectory": tr.to_dict(), "functions": probe}


def _deep_loop_eps():
    X, y = _deep_data()
    net = zou_network(5, 16, depth=2, loss="logistic", seed=0)
    res = train_deep_loop(net, X, y, PaperObserver(net, y), eta=0.5, steps=40,
                          algorithm="sgd", batch_size=4, seed=2, every=5, eps=0.2,
                          stop_at_eps=True, progress=False)
    return {"k": res.k, "columns": {k: res.column(k) for k in res.columns},
            "stopped": res.stopped, "iters_to_eps": res.iters_to_eps,
            "dense_loss": res.dense_loss}


def _smooth():
    rng = np.random.default_rng(0)
    prob = ch.SmoothMLP(rng.standard_normal((5, 3)), rng.standard_normal(5), 6, 2)
    run = ch.gd(prob, ch.positive_init(prob, 2.0), 0.02, 25, progress=False)
    obs = run.observables  # the values of the old dict, under its keys
    return {"loss": obs["loss"], "grad_norm_sq": obs["grad_norm_sq"], "dist": obs["dist"],
            "loss_ratio": obs["loss_ratio"][:-1], "path": run.scalars["path"],
            "final": run.scalars["final"], "eta": run.scalars["eta"]}


def _verify(sid, spec, **kw):
    """A whole verify run through the family's engine: the report's JSON (verdicts included)."""
    from prooftools.api import load_dataset, load_registry, verify

    ds = load_dataset(spec)
    return verify(load_registry(), sid, ds.X[:40], ds.y[:40], progress=False, **kw).to_dict()


RUNS = {
    "du_gd": lambda: _du(),
    "du_gd_joint": lambda: _du(train_output=True),
    "du_sgd": lambda: _du(algorithm="sgd", batch_size=3),
    "du_flow_rk45": lambda: _du(algorithm="flow", steps=6, stride=2, expensive_stride=4,
                                flow_tol=1e-6),
    "du_flow_euler": lambda: _du(algorithm="flow", flow_method="euler", steps=10, stride=2,
                                 expensive_stride=4, flow_substeps=2),
    "deep_zou_gd": lambda: _deep(zou_network(5, 16, depth=2, loss="logistic", seed=0)),
    "deep_zou_sgd": lambda: _deep(zou_network(5, 16, depth=2, loss="logistic", seed=0),
                                  algorithm="sgd", batch_size=4, seed=3),
    "deep_az_gd": lambda: _deep(allen_zhu_network(5, 16, 2, seed=0), eta=0.01),
    "deep_loop_eps": _deep_loop_eps,
    "smooth_gd": _smooth,
    "verify_two_layer": lambda: _verify("du2019.thm4.1", "sphere:n=8,d=5", width=16, steps=6,
                                        stride=2),
    "verify_deep": lambda: _verify("allenzhu2019.thm1", "sphere:n=10,d=6", depth=2, width=16,
                                   steps=4, lr=1e-3),
    "verify_smooth": lambda: _verify("chatterjee.gd", "wine:standardized", depth=2, width=4,
                                     steps=5),
    "verify_linear": lambda: _verify("zhouliang2017.linear", "synthetic-square:d=6", depth=3,
                                     near_minimizer=0.1, points=6),
}

PINNED: dict[str, tuple[str, str]] = {
    'deep_az_gd': ('710224e1c4435dba', 'ef4a3999f92f8fec'),
    'deep_loop_eps': ('5f17cb5fda6fbacc', '403936b3c06b7fe6'),
    'deep_zou_gd': ('1e6dada450a486c0', '946536acaf7b538d'),
    'deep_zou_sgd': ('1f5707be843481e5', 'fbdfa38159f7cfdf'),
    'du_flow_euler': ('0d6e152ad932a841', '1996c435b9287cbe'),
    'du_flow_rk45': ('39593f06ff3e2c7f', 'd62d6408f8637e05'),
    'du_gd': ('2817e6b321021fba', '6ec80a6a32dde7f9'),
    'du_gd_joint': ('f0c70df49003318d', '17f70623fea764bd'),
    'du_sgd': ('ea80f3f687ce254c', '52f1d78664362c53'),
    'smooth_gd': ('4df85a122c5550eb', '79013a7e65d6f891'),
    'verify_deep': ('d4a356cac864cd33', 'a1355cfbba26fe72'),
    'verify_linear': ('7dd65a23d177662c', '3177fa8ad9d7b1f1'),
    'verify_smooth': ('3ec3fe3e3c1f2bad', '9a61802690fe9460'),
    'verify_two_layer': ('45e55c43eced5685', '6621f5e0fcea756b'),
}


@pytest.mark.parametrize("name", sorted(RUNS))
def test_reference_run_is_unchanged(name):
    exact, rounded = fingerprint(RUNS[name]())
    want_exact, want_rounded = PINNED[name]
    assert rounded == want_rounded
    # every bit, for the training runs themselves; a whole verify report also carries data
    # quantities that may come from the on-disk cache another test filled (their last bits
    # depend on which certificate path computed them), so it is pinned to 9 digits only
    if (platform.machine(), np.__version__[:2]) == RECORDED_ON and not name.startswith("verify"):
        assert exact == want_exact


def test_the_fingerprints_see_one_ulp_and_the_rounded_one_forgives_it():
    run = {"loss": np.array([1.0, 0.5]), "k": [0, 1]}
    nudged = {"loss": np.array([1.0, np.nextafter(0.5, 1.0)]), "k": [0, 1]}
    (e1, r1), (e2, r2) = fingerprint(run), fingerprint(nudged)
    assert e1 != e2 and r1 == r2
    assert fingerprint({**run, "k": [0, 2]})[1] != r1


if __name__ == "__main__":  # print the pins (run once on the code being pinned)
    for key in sorted(RUNS):
        print(f"    {key!r}: {fingerprint(RUNS[key]())!r},")
