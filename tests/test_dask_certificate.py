"""Certified λ0 on a Dask cluster whose workers each hold less memory than the matrix
(issue 14): tiles formed on the workers, blocked Cholesky, the in-memory certified value."""

from __future__ import annotations

import numpy as np
import pytest

from prooftools.numerics.kernels.infinite import relu_gram_h_inf
from prooftools.numerics.spectra import certified_lambda_min

distributed = pytest.importorskip("dask.distributed")


@pytest.mark.slow
def test_dask_certificate_equals_in_memory_with_small_workers(monkeypatch):
    import dask

    from prooftools.numerics.spectra.distributed import certified_lambda0_dask

    n, d = 4000, 16
    X = np.random.default_rng(0).standard_normal((n, d))
    # 64 MB per worker < the 128 MB matrix: tiles spill to disk. A Python worker's own footprint
    # exceeds 64 MB, so pausing/terminating on total memory is switched off (spilling is not).
    cfg = {"distributed.worker.memory.pause": False, "distributed.worker.memory.terminate": False,
           "distributed.logging.distributed": "error"}
    with dask.config.set(cfg), distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, memory_limit="64MB", processes=True,
        dashboard_address=None,
    ) as cluster, distributed.Client(cluster) as client:
        q = certified_lambda0_dask(X, client, tile=1000)
    assert 8 * n * n > 64e6
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    H, err = relu_gram_h_inf(U, return_error=True)
    ev = np.linalg.eigvalsh(H)[0]
    one_shot = certified_lambda_min(H, error_bound=err, exact_limit=0)  # float32 estimate
    assert (1 - 1e-3) * ev <= one_shot.lower <= ev
    # the Dask route runs the in-memory two-step scheme (no float32 estimate on tiles)
    from prooftools.numerics.spectra import certified

    monkeypatch.setattr(certified, "_factor32", lambda *a: False)
    ref = certified_lambda_min(H, error_bound=err, exact_limit=0, in_place=True)
    assert 0 < q.lower <= ev and q.proven_positive
    assert q.lower == pytest.approx(ref.lower, rel=1e-9)  # the in-memory certified value
    assert q.value == pytest.approx(ref.value, rel=1e-9)


def test_check_scheduler_option_certifies_lambda0_on_the_cluster(capsys):
    import json

    from prooftools.cli import main

    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        rc = main(["check", "sphere:n=60,d=5", "--theorem", "du2019.thm3.2", "--scheduler",
                   cluster.scheduler_address, "--format", "json"])
    assert rc == 0
    lam = json.loads(capsys.readouterr().out)["quantities"]["lambda0"]
    assert "Dask cluster" in lam["note"] and lam["lower_bound"] > 0
    assert lam["lower_bound"] <= lam["value"]
