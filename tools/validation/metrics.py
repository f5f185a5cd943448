"""Rank metrics with bootstrap intervals, multiple testing, and p-value combination.

AUROC and AUPRC are defined as in docs/evaluation.md (Mann-Whitney with mid-ranks; average
precision over distinct score values; NaN scores rank below everything). Both come from the
positive and total counts per group of equal scores, so the bootstrap evaluates all resamples at
once with two bincounts and a cumulative sum instead of one sort per resample.
"""
import math

import numpy as np
from scipy import stats


def _keys(scores):
    s = np.asarray(scores, dtype=float)
    return np.where(np.isnan(s), -np.inf, s)


def _groups(scores):
    """Order by score descending and the start index of each group of equal scores."""
    key = _keys(scores)
    order = np.argsort(-key, kind="stable")
    sorted_key = key[order]
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    return order, starts


def _curves(pos, tot):
    """AUROC and AUPRC from per-group positive and total weights (B x G, groups by descending
    score): a positive-negative tie counts 1/2; a tie group enters average precision as one step."""
    neg = tot - pos  # integer counts: the cumulative sums below are exact
    total_pos, total_neg = pos.sum(1), neg.sum(1)
    neg_below = total_neg[:, None] - np.cumsum(neg, axis=1)            # negatives scored lower
    with np.errstate(invalid="ignore", divide="ignore"):
        auroc = (pos * (neg_below + 0.5 * neg)).sum(1) / (total_pos * total_neg)
        tp, called = np.cumsum(pos, axis=1), np.cumsum(tot, axis=1)
        precision = tp / np.maximum(called, 1)  # 0 where nothing is called yet (tp = 0 too)
        auprc = (pos * precision).sum(1) / total_pos
    auroc[(total_pos == 0) | (total_neg == 0)] = np.nan
    auprc[total_pos == 0] = np.nan
    return auroc, auprc


def score_groups(scores):
    """Group index of every pair, groups of equal scores numbered by descending score."""
    _, gid = np.unique(-_keys(scores), return_inverse=True)
    return gid.astype(np.int64), int(gid.max()) + 1 if len(gid) else 0


def auroc_auprc(scores, labels):
    gid, g = score_groups(scores)
    labels = np.asarray(labels, dtype=bool)
    pos = np.bincount(gid[labels], minlength=g)[None, :]
    tot = np.bincount(gid, minlength=g)[None, :]
    a, p = _curves(pos, tot)
    return float(a[0]), float(p[0])


class Bootstrap:
    """Pair-bootstrap resamples of one pair set, shared by every method scored on it."""

    def __init__(self, labels, reps, rng):
        self.labels = np.asarray(labels, dtype=bool)
        self.reps = reps
        self.idx = rng.integers(0, len(self.labels), size=(reps, len(self.labels)))
        self.pos_draws = self.labels[self.idx]

    def metrics(self, scores):
        """AUROC and AUPRC of `scores` in every resample (arrays of length reps)."""
        gid, g = score_groups(scores)
        flat = (gid[self.idx] + (np.arange(self.reps, dtype=np.int64) * g)[:, None]).ravel()
        pos = np.bincount(flat[self.pos_draws.ravel()], minlength=self.reps * g)
        tot = np.bincount(flat, minlength=self.reps * g)
        return _curves(pos.reshape(self.reps, g), tot.reshape(self.reps, g))


def percentile_interval(values, level=0.95):
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return (math.nan, math.nan)
    lo, hi = np.percentile(v, [50 * (1 - level), 50 * (1 + level)])
    return (float(lo), float(hi))


def bh_adjust(p):
    """Benjamini-Hochberg adjusted p-values (NaN stays NaN, not counted in m)."""
    p = np.asarray(p, dtype=float)
    q = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    pv = p[ok]
    m = pv.size
    if m == 0:
        return q
    order = np.argsort(pv)
    ranked = pv[order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    q[ok] = out
    return q


def signed_stouffer(effects, pvalues):
    """Combine per-worm two-sided tests (signed Stouffer).

    z_w = sign(effect_w) * Phi^-1(1 - p_w/2), Z = sum_w z_w / sqrt(k), p = 2 (1 - Phi(|Z|)).

    Arrays are (worms, ...) with NaN where a worm lacks the pair; returns (Z, two-sided p, k).
    """
    e, p = np.asarray(effects, float), np.asarray(pvalues, float)
    ok = ~np.isnan(p) & ~np.isnan(e)
    z = np.where(ok, np.sign(e) * stats.norm.isf(np.clip(np.where(ok, p, 1.0), 1e-300, 1) / 2), 0)
    k = ok.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        big_z = z.sum(0) / np.sqrt(k)
    big_z = np.where(k > 0, big_z, np.nan)
    return big_z, 2 * stats.norm.sf(np.abs(big_z)), k
