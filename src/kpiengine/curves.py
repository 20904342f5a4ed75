"""Payout curves: piecewise linear between points, flat beyond the first and the last."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal

Point = tuple[Decimal, Decimal]


def curve_value(x: Decimal, points: Sequence[Point]) -> tuple[Decimal, str]:
    """y at x, and which part of the curve gave it (for explain)."""
    (x0, y0), (xn, yn) = points[0], points[-1]
    if x <= x0:
        return y0, f"at or below the first point ({x0:f}, {y0:f})"
    if x >= xn:
        return yn, f"at or beyond the last point ({xn:f}, {yn:f})"
    for (xa, ya), (xb, yb) in itertools.pairwise(points):
        if xa <= x <= xb:
            y = ya + (yb - ya) * (x - xa) / (xb - xa)
            return y, f"between ({xa:f}, {ya:f}) and ({xb:f}, {yb:f})"
    raise AssertionError("points rise strictly, so x falls in one segment")
