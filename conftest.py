"""Root test configuration, for the tests and the doctests alike: every test gets its own empty
on-disk cache folder (``PROOFTOOLS_CACHE_DIR``), so no test reads what another wrote and no test
writes to the user's home. (tests/conftest.py holds the property-test profiles.)"""

import os

import pytest


@pytest.fixture(autouse=True)
def _private_cache_dir(tmp_path_factory):
    """``PROOFTOOLS_CACHE_DIR`` points at a fresh folder for the duration of one test (set
    directly, not with monkeypatch, so property tests see no function-scoped fixture)."""
    before = os.environ.get("PROOFTOOLS_CACHE_DIR")
    os.environ["PROOFTOOLS_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("PROOFTOOLS_CACHE_DIR", None)
    else:
        os.environ["PROOFTOOLS_CACHE_DIR"] = before
