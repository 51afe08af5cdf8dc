"""The array form of the scalar path's rounding of converted quantities to twelve digits.

`mcrules.units.convert` rounds every converted magnitude with ``float(f"{v:.12g}")`` so that
12 m^3/day reads back as 12000 L/day; the array conversion of a quantity must round alike.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
_POW10 = np.array([float(10**i) for i in range(23)])


def round12(x: FloatArray) -> FloatArray:
    """``float(f"{v:.12g}")`` for every element, as `mcrules.units.convert` rounds.

    A candidate is rounded in binary; where it comes back equal to the input with at most twelve
    digits, the input is already the double nearest a 12-digit decimal and formatting would return
    it unchanged. The rest (inputs with more digits) are formatted one by one, exactly.
    """
    out = np.array(x, dtype=np.float64, copy=True)
    finite = np.isfinite(out) & (out != 0.0)
    if not finite.any():
        return out
    idx = np.flatnonzero(finite)
    v = out[idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        k = 11 - np.floor(np.log10(np.abs(v))).astype(np.int64)
    ok = (k >= -22) & (k <= 22)
    same = np.zeros(len(v), dtype=np.bool_)
    up = ok & (k >= 0)
    if up.any():
        scale = _POW10[k[up]]
        n = np.round(v[up] * scale)
        same[up] = (np.abs(n) < 1e12) & (n / scale == v[up])
    down = ok & (k < 0)
    if down.any():
        scale = _POW10[-k[down]]
        n = np.round(v[down] / scale)
        same[down] = (np.abs(n) < 1e12) & (n * scale == v[down])
    for i in idx[~same].tolist():
        out[i] = float(f"{out[i]:.12g}")
    return out
