"""Hypothesis profiles: "dev" (default, randomised) and "ci" (derandomised, fast, no deadline).

Pick one with HYPOTHESIS_PROFILE=dev|ci; when CI is set in the environment, "ci" is the default.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    max_examples=40,
    deadline=None,  # first calls pay numpy/torch warm-up; timing is not what these tests check
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=12,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)
