"""Centre lines and control limits, one function per chart type (reference: spc.md §3).

Each function works on the points of **one part** and returns a :class:`Limits` whose
``lcl``/``ucl``/``lcl_95``/``ucl_95`` are either one number for the whole part (constant
limits) or a list with one entry per point (limits that vary with the denominator or the
subgroup size). ``None`` means "no limit" (run charts, missing points, undefined sigma).

Arguments shared by the functions:

``ys``
    plotted values of the part (floats, ``None`` when missing), before ``multiply``;
``base``
    per point, True when the point is in the baseline and included — centre lines and
    sigma are estimated from these points only, then written onto every point of the part
    (``None`` when every point of the part is);
``screened``
    Nelson moving-range screening (I, T, P', U' and I' charts);
``complete``
    a promise from the caller that the values hold no None (lets the functions take
    loop-free paths; the results are the same).

Constants: I/MR-based charts use the rounded constants 1.128 (d2) and 3.267 (D4) as
qicharts2 does; c4-based constants (Xbar, S) are computed exactly with log-gamma.
"""

from __future__ import annotations

import math
from itertools import compress, islice, repeat
from operator import add, mul, sub, truediv
from typing import NamedTuple

__all__ = [
    "D2",
    "D4",
    "Limits",
    "TooFewPoints",
    "c4",
    "c_chart",
    "g_chart",
    "i_chart",
    "ip_chart",
    "mr_chart",
    "p_chart",
    "pp_chart",
    "run_chart",
    "s_chart",
    "t_chart",
    "u_chart",
    "u_chart_latest",
    "up_chart",
    "xbar_chart",
]

D2 = 1.128  # mean moving range of two normal values / sigma (rounded, as in qicharts2)
D4 = 3.267  # upper limit of a moving range / its mean (rounded, as in qicharts2)
T_POWER = 3.6  # Nelson's transformation of exponential times to near-normal values
_SQRT_HALF_PI = math.sqrt(math.pi / 2)

_sqrt = math.sqrt


class TooFewPoints(Exception):
    """Raised when a part has too few usable points to estimate a centre line or sigma."""

    def __init__(self, need: int, got: int | str, what: str = "non-missing point",
                 purpose: str = "limits"):
        super().__init__(need, got, what, purpose)
        self.need = need
        self.got = got
        self.purpose = purpose
        # "2 non-missing points", "1 subgroup with 2 or more values"
        if need == 1:
            self.what = what
        elif " with " in what:
            head, _, tail = what.partition(" with ")
            self.what = f"{head}s with {tail}"
        else:
            self.what = what + "s"


class Limits(NamedTuple):
    cl: float | None
    lcl: float | list[float | None] | None
    ucl: float | list[float | None] | None
    lcl_95: float | list[float | None] | None
    ucl_95: float | list[float | None] | None
    ys: list[float | None] | None = None  # replaced plotted values (MR chart only)


def _finite(v):
    """Non-finite limits become missing."""
    if v is None or v - v != 0:
        return None
    return v


def _median(values: list[float]) -> float:
    s = sorted(values)
    k = len(s)
    h = k // 2
    if k % 2:
        return s[h]
    return (s[h - 1] + s[h]) / 2


def _select(values, base):
    return values if base is None else list(compress(values, base))


def _base_values(ys, base, complete: bool = False) -> list[float]:
    vals = _select(ys, base)
    return vals if complete else [y for y in vals if y is not None]


def _mr_sigma(vals, centre: float, screened: bool, complete: bool = False) -> float | None:
    """Sigma from the mean moving range of ``vals`` (in order; None breaks the chain).

    Moving ranges are taken on deviations from ``centre``. With screening, moving ranges
    ≥ 3.267·MR̄ are dropped and MR̄ recomputed once (Nelson 1982). None when there is no
    moving range at all.
    """
    if complete:
        d = [v - centre for v in vals]
        mrs = list(map(abs, map(sub, islice(d, 1, None), d)))
    else:
        mrs = []
        append = mrs.append
        prev = None
        for v in vals:
            if v is None:
                prev = None
                continue
            dv = v - centre
            if prev is not None:
                append(abs(dv - prev))
            prev = dv
    if not mrs:
        return None
    amr = sum(mrs) / len(mrs)
    if screened:
        limit = D4 * amr
        kept = [m for m in mrs if m < limit]
        # All moving ranges 0 (constant data): nothing is kept and sigma stays 0.
        if kept and len(kept) != len(mrs):
            amr = sum(kept) / len(kept)
    return amr / D2


def run_chart(ys, base, complete: bool = False) -> Limits:
    vals = _base_values(ys, base, complete)
    if not vals:
        raise TooFewPoints(1, 0, purpose="a centre line")
    return Limits(_median(vals), None, None, None, None)


def i_chart(ys, base, screened: bool, complete: bool = False) -> Limits:
    vals = _select(ys, base)
    if complete:
        present = vals
    else:
        present = [v for v in vals if v is not None]
        complete = len(present) == len(vals)
    k = len(present)
    if k < 2:
        raise TooFewPoints(2, k)
    cl = sum(present) / k
    sigma = _mr_sigma(vals, cl, screened, complete)
    if sigma is None:
        return Limits(cl, None, None, None, None)
    return Limits(cl, cl - 3 * sigma, cl + 3 * sigma, cl - 2 * sigma, cl + 2 * sigma)


def mr_chart(ys, base, complete: bool = False) -> Limits:
    """MR chart: plotted values |yᵢ - yᵢ₋₁| (first point of the part missing)."""
    if complete:
        mr: list[float | None] = [None, *map(abs, map(sub, islice(ys, 1, None), ys))]
    else:
        mr = [None]
        prev = ys[0] if ys else None
        for y in islice(ys, 1, None):
            mr.append(abs(y - prev) if y is not None and prev is not None else None)
            prev = y
    vals = _base_values(mr, base)
    if not vals:
        k = len(_base_values(ys, base))
        raise TooFewPoints(2, k) if k < 2 else TooFewPoints(
            2, "none in a row", "consecutive non-missing point")
    cl = sum(vals) / len(vals)
    return Limits(cl, 0.0, D4 * cl, 0.0, (D4 / 3) * 2 * cl, mr)


def t_chart(ys, base, screened: bool, complete: bool = False) -> Limits:
    """T chart: I chart on y^(1/3.6), back-transformed (y > 0 is checked on input); a
    negative lower limit before back-transformation becomes 0."""
    inv = 1 / T_POWER
    z = [y**inv for y in ys] if complete else [None if y is None else y**inv for y in ys]
    lim = i_chart(z, base, screened, complete)
    cl = lim.cl**T_POWER
    if lim.ucl is None:
        return Limits(cl, 0.0, None, 0.0, None)

    def low(v):
        return 0.0 if v < 0 else v**T_POWER

    return Limits(cl, low(lim.lcl), _finite(lim.ucl**T_POWER), low(lim.lcl_95),
                  _finite(lim.ucl_95**T_POWER))


def _ratio_cl(nums, dens, base, complete: bool = False) -> float:
    if complete:
        if base is not None:
            nums = list(compress(nums, base))
            dens = list(compress(dens, base))
        if not dens:
            raise TooFewPoints(1, 0, purpose="a centre line")
        return sum(nums) / sum(dens)
    total = 0.0
    size = 0.0
    k = 0
    for a, d, b in zip(nums, dens, base or repeat(True), strict=False):
        if b and d is not None:
            total += a
            size += d
            k += 1
    if k == 0:
        raise TooFewPoints(1, 0, purpose="a centre line")
    return total / size


def _sigmas(var: float, dens, complete: bool) -> list:
    """√(var / nᵢ) per point (None where the denominator is missing)."""
    if complete:
        return list(map(_sqrt, map(truediv, repeat(var), dens)))
    return [None if d is None else _sqrt(var / d) for d in dens]


def _around(cl: float, sigmas, lower: float, upper: float | None) -> Limits:
    """cl ± 3·sigma_i and cl ± 2·sigma_i per point, clipped to [lower, upper] (upper None:
    no cap)."""
    if None in sigmas:
        cols: list[list] = [[], [], [], []]
        for s in sigmas:
            if s is None:
                for col in cols:
                    col.append(None)
                continue
            lim = _around(cl, [s], lower, upper)
            for col, v in zip(cols, lim[1:5], strict=True):
                col.append(v[0])
        return Limits(cl, *cols)
    cls = repeat(cl)
    w3 = list(map(mul, repeat(3.0), sigmas))
    w2 = list(map(mul, repeat(2.0), sigmas))
    lcl = list(map(sub, cls, w3))
    lcl95 = list(map(sub, cls, w2))
    ucl = list(map(add, cls, w3))
    ucl95 = list(map(add, cls, w2))
    if min(lcl) < lower:  # lcl ≤ lcl95, so this covers both
        lcl = [v if v > lower else lower for v in lcl]
        lcl95 = [v if v > lower else lower for v in lcl95]
    if upper is not None and max(ucl) > upper:  # ucl ≥ ucl95
        ucl = [v if v < upper else upper for v in ucl]
        ucl95 = [v if v < upper else upper for v in ucl95]
    return Limits(cl, lcl, ucl, lcl95, ucl95)


def p_chart(nums, dens, base, complete: bool = False) -> Limits:
    """P chart: p̄ = Σy / Σn over the baseline; limits p̄ ± 3√(p̄(1-p̄)/nᵢ) within [0, 1]."""
    cl = _ratio_cl(nums, dens, base, complete)
    return _around(cl, _sigmas(cl * (1 - cl), dens, complete), 0.0, 1.0)


def u_chart(nums, dens, base, complete: bool = False) -> Limits:
    """U chart: ū = Σy / Σn over the baseline; limits ū ± 3√(ū/nᵢ), lower limit ≥ 0."""
    cl = _ratio_cl(nums, dens, base, complete)
    return _around(cl, _sigmas(cl, dens, complete), 0.0, None)


def u_chart_latest(nums, dens) -> Limits:
    """The U chart of complete data in one part without a baseline, limits for the last
    point only: the same numbers as the last entries of ``u_chart(nums, dens, None, True)``
    (the same functions on the same values, and clipping at 0 is decided point by point),
    at a fraction of the cost — the signal watch's cheap test of thousands of series."""
    cl = _ratio_cl(nums, dens, None, True)
    return _around(cl, _sigmas(cl, dens[-1:], True), 0.0, None)


def _laney(ys, dens, base, cl: float, var: float, screened: bool, upper: float | None,
           complete: bool) -> Limits:
    """Laney P' (var = p̄(1-p̄), upper = 1) and U' (var = ū, upper = None): the binomial or
    Poisson sigmas widened by sigma_z, the moving-range sigma of zᵢ = (yᵢ - cl)/sigma_i."""
    if var <= 0:
        # p̄ of 0 or 1, or ū of 0: every sigma is 0 and the limits sit on the centre line.
        return _around(cl, [None if d is None else 0.0 for d in dens], 0.0, upper)
    sigmas = _sigmas(var, dens, complete)
    if complete:
        z = [(y - cl) / s for y, s in zip(_select(ys, base), _select(sigmas, base), strict=True)]
    else:
        z = [None if y is None else (y - cl) / s
             for y, s in zip(_select(ys, base), _select(sigmas, base), strict=True)]
    sigma_z = _mr_sigma(z, 0.0, screened, complete)
    if sigma_z is None:
        return _around(cl, [None] * len(dens), 0.0, upper)
    return _around(cl, [None if s is None else s * sigma_z for s in sigmas], 0.0, upper)


def pp_chart(ys, nums, dens, base, screened: bool, complete: bool = False) -> Limits:
    cl = _ratio_cl(nums, dens, base, complete)
    return _laney(ys, dens, base, cl, cl * (1 - cl), screened, 1.0, complete)


def up_chart(ys, nums, dens, base, screened: bool, complete: bool = False) -> Limits:
    cl = _ratio_cl(nums, dens, base, complete)
    return _laney(ys, dens, base, cl, cl, screened, None, complete)


def c_chart(ys, base, complete: bool = False) -> Limits:
    """C chart: mean count over the baseline ± 3√mean, lower limit ≥ 0."""
    vals = _base_values(ys, base, complete)
    if not vals:
        raise TooFewPoints(1, 0, purpose="a centre line")
    cl = sum(vals) / len(vals)
    s = _sqrt(cl)
    lcl = cl - 3 * s
    lcl95 = cl - 2 * s
    return Limits(cl, 0.0 if lcl < 0 else lcl, cl + 3 * s, 0.0 if lcl95 < 0 else lcl95, cl + 2 * s)


def g_chart(ys, base, complete: bool = False) -> Limits:
    """G chart: centre line is the median; limits come from the mean m, sigma = √(m(m+1))."""
    vals = _base_values(ys, base, complete)
    if not vals:
        raise TooFewPoints(1, 0, purpose="a centre line")
    m = sum(vals) / len(vals)
    s = _sqrt(m * (m + 1))
    lcl = m - 3 * s
    lcl95 = m - 2 * s
    return Limits(_median(vals), 0.0 if lcl < 0 else lcl, m + 3 * s,
                  0.0 if lcl95 < 0 else lcl95, m + 2 * s)


_C4_CACHE: dict[int, float | None] = {}


def c4(n: int) -> float | None:
    """Bias correction of the sample standard deviation, exact (log-gamma); None for n < 2."""
    value = _C4_CACHE.get(n, 0.0)
    if value != 0.0:
        return value
    if n < 2:
        value = None
    else:
        value = _sqrt(2 / (n - 1)) * math.exp(math.lgamma(n / 2) - math.lgamma((n - 1) / 2))
    _C4_CACHE[n] = value
    return value


def _subgroup_sigma(sizes, sds, base) -> float:
    """sigma-hat for Xbar and S: mean of subgroup SDs when all non-empty subgroups of the
    part have the same size, otherwise the pooled SD √(Σ(nᵢ-1)sᵢ² / Σ(nᵢ-1)); both over baseline
    subgroups with an SD (2 or more values)."""
    kinds = set(sizes)
    kinds.discard(0)
    pairs = [(k, s) for k, s in zip(_select(sizes, base), _select(sds, base), strict=True)
             if s is not None]
    if not pairs:
        raise TooFewPoints(1, 0, "subgroup with 2 or more values")
    if len(kinds) == 1:
        return sum(s for _, s in pairs) / len(pairs)
    return _sqrt(sum((k - 1) * s * s for k, s in pairs) / sum(k - 1 for k, _ in pairs))


def _by_size(sizes, limits) -> Limits | tuple:
    """Apply ``limits(k) -> (lcl, ucl, lcl_95, ucl_95)`` per subgroup size: one tuple of
    numbers when every subgroup has the same size, else four lists."""
    kinds = set(sizes)
    if len(kinds) == 1:
        return limits(sizes[0])
    table = {k: limits(k) for k in kinds}
    return tuple(map(list, zip(*[table[k] for k in sizes], strict=True)))


def xbar_chart(ys, sizes, sds, base) -> Limits:
    """Xbar chart: CL = Σnᵢx̄ᵢ / Σnᵢ over the baseline; limits CL ± A3(nᵢ)·sigma-hat with
    A3(n) = 3 / (c4(n)·√n)."""
    pairs = [(k, y) for k, y in zip(_select(sizes, base), _select(ys, base), strict=True)
             if y is not None]
    weight = sum(k for k, _ in pairs)
    if not weight:
        raise TooFewPoints(1, 0, "non-missing subgroup", "a centre line")
    cl = math.sumprod([k for k, _ in pairs], [y for _, y in pairs]) / weight
    sigma = _subgroup_sigma(sizes, sds, base)

    def limits(k):
        c = c4(k)
        if c is None:
            return None, None, None, None
        w = sigma / (c * _sqrt(k))
        return cl - 3 * w, cl + 3 * w, cl - 2 * w, cl + 2 * w

    return Limits(cl, *_by_size(sizes, limits))


def s_chart(sizes, sds, base) -> Limits:
    """S chart: CL = sigma-hat as for Xbar; limits B3(nᵢ)·CL and B4(nᵢ)·CL, B4 = 1 + 3·c5/c4,
    B3 = max(0, 1 - 3·c5/c4), c5 = √(1 - c4²)."""
    cl = _subgroup_sigma(sizes, sds, base)

    def limits(k):
        c = c4(k)
        if c is None:
            return None, None, None, None
        r = _sqrt(1 - c * c) / c  # c5 / c4
        return (max(0.0, 1 - 3 * r) * cl, (1 + 3 * r) * cl,
                max(0.0, 1 - 2 * r) * cl, (1 + 2 * r) * cl)

    return Limits(cl, *_by_size(sizes, limits))


def ip_chart(ys, dens, base, screened: bool) -> Limits:
    """I' (EXPERIMENTAL; qicharts2 ≥ 0.8.0): CL = Σyᵢnᵢ / Σnᵢ over baseline points;
    sᵢ = √(π/2)·|yᵢ - yᵢ₋₁| / √(1/nᵢ₋₁ + 1/nᵢ) over all points of the part, optionally
    screened at 3.2665·mean(s); sigma_i = mean(s)·√(1/nᵢ); limits CL ± 3·sigma_i."""
    total = 0.0
    weight = 0.0
    for y, d, b in zip(ys, dens, base or repeat(True), strict=False):
        if b and y is not None and d is not None:
            total += y * d
            weight += d
    if not weight:
        raise TooFewPoints(2, 0)
    cl = total / weight
    ss = []
    prev_y = prev_d = None
    for y, d in zip(ys, dens, strict=True):
        if y is not None and d is not None and prev_y is not None:
            ss.append(_SQRT_HALF_PI * abs(y - prev_y) / _sqrt(1 / prev_d + 1 / d))
        prev_y, prev_d = (y, d) if y is not None and d is not None else (None, None)
    if not ss:
        k = sum(1 for y in ys if y is not None)
        raise TooFewPoints(2, k) if k < 2 else TooFewPoints(
            2, "none in a row", "consecutive non-missing point")
    mean_s = sum(ss) / len(ss)
    if screened:
        kept = [s for s in ss if s < 3.2665 * mean_s]
        if kept:
            mean_s = sum(kept) / len(kept)
    lcl, ucl, lcl95, ucl95 = [], [], [], []
    for d in dens:
        if d is None:
            lcl.append(None)
            ucl.append(None)
            lcl95.append(None)
            ucl95.append(None)
            continue
        s = mean_s * _sqrt(1 / d)
        lcl.append(cl - 3 * s)
        ucl.append(cl + 3 * s)
        lcl95.append(cl - 2 * s)
        ucl95.append(cl + 2 * s)
    return Limits(cl, lcl, ucl, lcl95, ucl95)
