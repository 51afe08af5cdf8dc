"""Hypothesis profiles of the hostile-input suite: a bounded one in `make test`, a long one for
`make fuzz` (nightly). MCRULES_FUZZ_PROFILE chooses; only the fuzz tests read it."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

_COMMON = {"deadline": None, "derandomize": False, "print_blob": True,
           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.filter_too_much,
                                     HealthCheck.function_scoped_fixture]}
# In CI a failure is reported as found (with the blob to reproduce it), not shrunk for minutes,
# and the examples are the same on every run (derandomized): a merge is judged on what its author
# ran, and exploring for new hostile inputs is the nightly profile's job, whose finds become
# @examples here.
settings.register_profile("fuzz-ci", max_examples=25, phases=[Phase.explicit, Phase.reuse,
                                                             Phase.generate],
                          **{**_COMMON, "derandomize": True})
settings.register_profile("fuzz-nightly", max_examples=1500, **_COMMON)


def fuzz_settings() -> settings:
    """The profile in force for the fuzz tests."""
    return settings.get_profile(os.environ.get("MCRULES_FUZZ_PROFILE", "fuzz-ci"))
