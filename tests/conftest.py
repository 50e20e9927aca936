"""Test configuration: deterministic property tests under CI.

Locally hypothesis explores new examples on every run (that is how it finds bugs); with CI=true
it replays a fixed, derandomized search so that a green CI is reproducible.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")
