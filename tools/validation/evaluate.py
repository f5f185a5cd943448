"""Scoring result directories against the truths: `sbtg eval` for the point metrics, this module
for what `sbtg eval` does not give (intervals, paired differences, sign shares by edge sign).

`pairs()` rebuilds the exact pair set of `sbtg eval` (same names, same class aggregation, same
truth join); `check_against_cli()` compares the two on pairs, positives, AUROC, AUPRC and sign
accuracy and raises on any difference, so the published intervals belong to the published points.
"""
import hashlib
import json
import math
import os
import subprocess

import numpy as np

import metrics
import names as nm
import truths as tr

TOLERANCE = 1e-9


def aggregate_to_classes(names_, lag):
    """Class-level effect and p of one lag: for each class pair, over member pairs of different
    neurons, the member effect of largest |effect| (sign kept) and the smallest p."""
    classes, members = nm.class_groups(names_)
    m = len(classes)
    effect, p = np.full((m, m), np.nan), np.full((m, m), np.nan)
    e_all, p_all = lag["effect"], lag["p"]
    for a in range(m):
        for b in range(m):
            ja, ib = members[a], members[b]
            block_e = e_all[np.ix_(ja, ib)].copy()
            block_p = p_all[np.ix_(ja, ib)].copy()
            same = np.array(ja)[:, None] == np.array(ib)[None, :]
            block_e[same], block_p[same] = np.nan, np.nan
            mag = np.where(np.isnan(block_e), -1.0, np.abs(block_e)).ravel()
            if mag.size and mag.max() >= 0:
                effect[a, b] = block_e.ravel()[int(np.argmax(mag))]
            if np.any(~np.isnan(block_p)):
                p[a, b] = np.nanmin(block_p)
    return classes, {"effect": effect, "p": p}


class Pairs:
    """The evaluated pairs of one result against one truth at one level, per lag."""

    def __init__(self, result, table, spec, class_level):
        self.spec, self.class_level = spec, class_level
        names_ = result["names"]
        if class_level:
            # Class aggregation depends on the result only: computed once per result.
            if "class_lags" not in result:
                result["class_lags"] = {r: aggregate_to_classes(names_, lag)[1]
                                        for r, lag in result["lags"].items()}
            self.lags = result["class_lags"]
        else:
            self.lags = result["lags"]
        self.keys, truth = tr.joined_truth(table, names_, class_level, spec.undirected)
        n = len(self.keys)
        self.mask = ~np.isnan(truth) & ~np.eye(n, dtype=bool)
        self.truth = truth[self.mask]
        self.labels = self.truth != 0
        self.target, self.source = np.nonzero(self.mask)

    def effect(self, r):
        return self.lags[r]["effect"][self.mask]

    def pvalue(self, r):
        return self.lags[r]["p"][self.mask]

    def point(self, r):
        """pairs, positives, AUROC |effect|, AUPRC |effect|, sign accuracy (signed truths)."""
        e = self.effect(r)
        auroc, auprc = metrics.auroc_auprc(np.abs(e), self.labels)
        return {"pairs": int(self.mask.sum()), "positives": int(self.labels.sum()),
                "auroc_effect": auroc, "auprc_effect": auprc, "sign_accuracy": self.sign(r)[0]}

    def sign(self, r):
        """(overall share, excitatory share, n excitatory, inhibitory share, n inhibitory) of
        truth edges with a non-zero effect whose effect sign equals the truth's sign."""
        if not self.spec.signed:
            return (math.nan,) * 5
        e = self.effect(r)
        ok = self.labels & ~np.isnan(e) & (e != 0)
        exc, inh = ok & (self.truth > 0), ok & (self.truth < 0)
        agree = np.sign(e) == np.sign(self.truth)
        share = lambda m: float(agree[m].mean()) if m.any() else math.nan  # noqa: E731
        return (share(ok), share(exc), int(exc.sum()), share(inh), int(inh.sum()))


def cli_eval(sbtg, work, result_dir, spec, class_level):
    """`sbtg eval --json` for one result and truth (cached by content)."""
    key = json.dumps([os.path.realpath(sbtg), result_dir, spec.path, spec.eval_args(class_level),
                      os.path.getmtime(os.path.join(result_dir, "summary.json")),
                      os.path.getmtime(spec.path), os.path.getmtime(sbtg)])
    out = os.path.join(work, "evals", hashlib.sha256(key.encode()).hexdigest()[:16] + ".json")
    if not os.path.exists(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        cmd = [sbtg, "eval", "--result", result_dir, "--json", out + ".tmp"]
        proc = subprocess.run(cmd + spec.eval_args(class_level), capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
        os.replace(out + ".tmp", out)
    return {m["lag"]: m for m in json.load(open(out))["lags"]}


def check_against_cli(pairs, cli, where):
    """Raise when this module's pair set or metrics differ from `sbtg eval`'s."""
    for r in pairs.lags:
        mine, theirs = pairs.point(r), cli[r]
        for k, v in mine.items():
            t = theirs[k]
            t = math.nan if t is None else t
            same = (math.isnan(v) and math.isnan(t)) or abs(v - t) <= TOLERANCE
            if not same:
                raise RuntimeError(f"{where}, lag {r}: {k} is {v} here but {t} in `sbtg eval`")


def bootstrap(pairs_by_method, lag, reps, seed, reference="pearson"):
    """Pair bootstrap of AUROC and AUPRC for every method on one shared pair set.

    The same resamples serve every method, so the interval of the difference to `reference`
    is paired. Returns {method: {auroc_ci, auprc_ci, diff_ci}} (95 % percentile intervals).
    """
    any_pairs = next(iter(pairs_by_method.values()))
    resamples = metrics.Bootstrap(any_pairs.labels, reps, np.random.default_rng(seed))
    boot = {}
    for method, pairs in pairs_by_method.items():
        assert np.array_equal(pairs.labels, any_pairs.labels), "methods scored on other pairs"
        boot[method] = resamples.metrics(np.abs(pairs.effect(lag)))
    out = {}
    for method, (a, p) in boot.items():
        out[method] = {"auroc_ci": metrics.percentile_interval(a),
                       "auprc_ci": metrics.percentile_interval(p)}
        if reference in boot:
            out[method]["diff_ci"] = metrics.percentile_interval(a - boot[reference][0])
    return out
