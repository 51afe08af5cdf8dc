"""A synthetic site table for the bulk benchmark: the five numeric rules' columns plus a name, a
list of spaces, 0-3 latrines and staffing, so every rule of the pack has input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.synthetic import make_sites
from mcrules.models.site import SanitationKind, Space


def site_table(n: int, seed: int = 0) -> Any:
    """A pyarrow Table of `n` sites with dotted column names and list columns."""
    import pyarrow as pa

    cols = make_sites(n, seed)
    rng = np.random.default_rng(seed + 1)
    data: dict[str, Any] = {k: pa.array(v) for k, v in cols.items()}
    data["name"] = pa.array([f"site-{i:07d}" for i in range(n)])
    spaces = [s.value for s in Space]
    pick = rng.random((n, len(spaces))) < 0.7
    data["spaces"] = pa.array([[s for s, p in zip(spaces, row, strict=True) if p]
                               for row in pick.tolist()])
    kinds = [k.value for k in SanitationKind]
    counts = rng.integers(0, 4, n).tolist()
    distances = rng.integers(10, 60, sum(counts)).tolist()
    latrines, used = [], 0
    for i, k in enumerate(counts):
        latrines.append([{"id": f"L{j + 1}", "kind": kinds[(i + j) % len(kinds)],
                          "distance_to_water_source": float(distances[used + j]),
                          "pit_bottom_above_groundwater": 1.0 + (j % 2)} for j in range(k)])
        used += k
    data["sanitation"] = pa.array(latrines)
    data["staffing.hours_per_week"] = pa.array(rng.choice([40.0, 120.0, 168.0], n))
    return pa.table(data)


def write_parquet(path: Path, n: int, seed: int = 0) -> Path:
    import pyarrow.parquet as pq

    pq.write_table(site_table(n, seed), path, row_group_size=131_072)
    return path
