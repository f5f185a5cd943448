#!/usr/bin/python3
"""Validation on real brains: one command that fits SBTG and every baseline on the shared data,
scores them against measured and anatomical circuits, and writes docs/validation.md + figures.

    /usr/bin/python3 tools/validation/report.py --data ../shared/data --out docs

Prerequisite: a release build of the CLI (`cmake --preset release && cmake --build --preset
release`, giving build/release/tools/sbtg/sbtg; --sbtg picks another binary) and Debian's python3
with numpy, scipy and matplotlib. Fits are cached in --work (default build/validation-work, outside
what git tracks), keyed by the inputs', the binary's and the settings' hashes, so a re-run only
re-renders. Nothing here is tuned to the data: every method runs with its documented defaults.
"""
import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import subprocess
import sys
import time

import numpy as np
from scipy import stats

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import evaluate as ev  # noqa: E402
import figures  # noqa: E402
import fits  # noqa: E402
import metrics  # noqa: E402
import render  # noqa: E402
import truths as tr  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
ALPHA = 0.1            # BH level of every method's `selected` (each method's default)
FAR_SHIFT = 0.25       # null pairs whose circular offsets differ by >= T/4 count as "far"
SHIFT_SEED = 20260503  # seeds are fixed and stated; they are not chosen after looking
BOOT_SEED = 7


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"),
                   help="shared data folder (default ../shared/data)")
    p.add_argument("--out", default=os.path.join(REPO, "docs"),
                   help="writes OUT/validation.md and OUT/validation/*.png")
    p.add_argument("--sbtg", default=os.path.join(REPO, "build", "release", "tools", "sbtg", "sbtg"))
    p.add_argument("--work", default=os.path.join(REPO, "build", "validation-work"),
                   help="inputs, fits and eval caches (not part of the repository)")
    p.add_argument("--lags", type=int, default=3, help="P: lags 1..P (frames)")
    p.add_argument("--methods", default=",".join(m for m, _ in fits.METHODS),
                   help="comma-separated subset of the methods (default: all five)")
    p.add_argument("--bootstrap", type=int, default=1000, help="pair-bootstrap resamples")
    p.add_argument("--permutations", type=int, default=10000, help="zebrafish label permutations")
    p.add_argument("--min-labelled", type=int, default=10,
                   help="a Flavell recording is used when it has at least this many labels")
    p.add_argument("--no-null", action="store_true", help="skip the circular-shift refits")
    return p.parse_args(argv)


class Log:
    def __init__(self):
        self.start = time.time()

    def __call__(self, msg):
        print(f"[{time.time() - self.start:7.1f} s] {msg}", flush=True)


def git_version():
    def git(*a):
        r = subprocess.run(["git", "-C", REPO, *a], capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else ""
    commit = git("rev-parse", "HEAD") or "unknown"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return commit, dirty


def check_cli(sbtg, methods):
    if not os.path.exists(sbtg):
        sys.exit(f"report.py: {sbtg} does not exist; build it first (cmake --preset release && "
                 f"cmake --build --preset release) or pass --sbtg")
    help_text = subprocess.run([sbtg, "fit", "--help"], capture_output=True, text=True).stdout
    missing = [m for m in methods if m not in help_text]
    if missing:
        sys.exit(f"report.py: {sbtg} fit does not offer --method {', '.join(missing)}")
    return fits.sha256(sbtg)[:12]


def project_version():
    for line in open(os.path.join(REPO, "CMakeLists.txt")):
        if line.startswith("project("):
            parts = line.split()
            return parts[parts.index("VERSION") + 1] if "VERSION" in parts else ""
    return ""


def seed_of(*parts):
    return int(hashlib.sha256(repr(parts).encode()).hexdigest()[:8], 16)


# ---------------------------------------------------------------------------------------------
# Inputs

def prepare_worms(args, log):
    root = os.path.join(args.data, "flavell_dag2023_wholebrain")
    uids = []
    for uid in sorted(os.listdir(root)):
        f = os.path.join(root, uid, "neurons.csv")
        if os.path.exists(f):
            labelled = sum(1 for line in open(f).read().splitlines()[1:] if line.split(",")[2])
            if labelled >= args.min_labelled:
                uids.append(uid)
    worms = [fits.load_worm(args.data, uid) for uid in uids]
    inputs = os.path.join(args.work, "inputs")
    os.makedirs(inputs, exist_ok=True)
    for w in worms:
        fits.write_traces(os.path.join(inputs, f"{w.uid}.csv"), w.times, fits.zscore(w.traces),
                          w.names)
        rng = np.random.default_rng(seed_of(SHIFT_SEED, w.uid))
        shifted, offsets = fits.circular_shift(fits.zscore(w.traces), rng)
        w.info["null_offsets"] = offsets
        fits.write_traces(os.path.join(inputs, f"{w.uid}-shift.csv"), w.times, shifted, w.names)
    joint = fits.shared_keys(worms, len(worms))
    joint_files = []
    for w in worms:
        cols = [w.keys.index(k) for k in joint]
        path = os.path.join(inputs, "joint", f"{w.uid}.csv")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fits.write_traces(path, w.times, fits.zscore(w.traces[:, cols]), joint)
        joint_files.append(path)
    log(f"{len(worms)} worms ({', '.join(uids)}); joint fit on {len(joint)} shared neurons")
    return worms, joint, joint_files


def prepare_zebrafish(args):
    root = os.path.join(args.data, "triplett2018_zebrafish_tectum")
    fish = sorted(f[:-len("_activity_matrix.csv")] for f in os.listdir(root)
                  if f.endswith("_activity_matrix.csv"))
    out = []
    for name in fish:
        x, names_, assemblies, coords = fits.load_zebrafish(args.data, name)
        path = os.path.join(args.work, "inputs", f"{name}.csv")
        fits.write_traces(path, None, fits.zscore(x), names_)
        rng = np.random.default_rng(seed_of(SHIFT_SEED, name))
        shifted, offsets = fits.circular_shift(fits.zscore(x), rng)
        null_path = os.path.join(args.work, "inputs", f"{name}-shift.csv")
        fits.write_traces(null_path, None, shifted, names_)
        out.append({"name": name, "n": x.shape[1], "frames": x.shape[0], "assemblies": assemblies,
                    "coords": coords, "input": path, "null_input": null_path,
                    "offsets": offsets})
    return out


# ---------------------------------------------------------------------------------------------
# Fits

def run_fits(args, runner, methods, worms, joint_files, fish, log):
    lag_args = ["--lags", str(args.lags), "--alpha", str(ALPHA)]
    inputs = os.path.join(args.work, "inputs")
    zf_args = lag_args + ["--frame-period", repr(fits.ZEBRAFISH_FRAME_PERIOD)]
    jobs, keys = [], []
    for m in methods:  # SBTG first: the longest fits start first
        for w in worms:
            jobs.append((w.uid, m, [os.path.join(inputs, f"{w.uid}.csv")], lag_args))
            keys.append(("worm", m, w.uid))
            if not args.no_null:
                jobs.append((w.uid + "-shift", m, [os.path.join(inputs, f"{w.uid}-shift.csv")],
                             lag_args))
                keys.append(("worm-null", m, w.uid))
        jobs.append(("joint", m, joint_files, lag_args))
        keys.append(("joint", m, None))
        for f in fish:
            jobs.append((f["name"], m, [f["input"]], zf_args))
            keys.append(("fish", m, f["name"]))
            if not args.no_null:
                jobs.append((f["name"] + "-shift", m, [f["null_input"]], zf_args))
                keys.append(("fish-null", m, f["name"]))
    cached = sum(os.path.exists(os.path.join(runner.fit_dir(*j), "summary.json")) for j in jobs)
    log(f"{len(jobs)} fits ({cached} cached)")
    return dict(zip(keys, runner.fit_many(jobs)))


def combined_results(args, methods, worms, fit_dirs, log):
    """Per-worm fits of each method combined over worms (see fits.combine_worms).

    Neurons labelled in more than half of the worms (3 of 5): any two of them are labelled
    together in at least one worm, so every pair of the combined result has a value."""
    min_worms = len(worms) // 2 + 1
    keys = fits.shared_keys(worms, min_worms)
    out = {}
    for m in methods:
        results = [fits.load_result(fit_dirs[("worm", m, w.uid)]) for w in worms]
        # Keyed by the source fits and by the combination code, so a change of either recombines.
        src = "".join(sorted(fit_dirs[("worm", m, w.uid)] for w in worms)) + \
            fits.sha256(fits.__file__) + str(min_worms)
        d = os.path.join(args.work, "combined",
                         f"{m}__{hashlib.sha256(src.encode()).hexdigest()[:12]}")
        if not os.path.exists(os.path.join(d, "summary.json")):
            lags = fits.combine_worms(results, [w.keys for w in worms], keys, ALPHA)
            settings = {"combination": "per-worm fits; effect = mean over worms with the pair; "
                                       "p = signed Stouffer; BH per lag",
                        "worms": [w.uid for w in worms], "min_worms": min_worms,
                        "alpha": ALPHA, "source_results": [r["dir"] for r in results]}
            fits.write_result(d, f"{m}-combined", keys,
                              {r: {k: v for k, v in lag.items() if k != "worms"}
                               for r, lag in lags.items()},
                              results[0]["summary"]["frame_period"], settings,
                              sum(r["summary"]["frames"] for r in results), len(results),
                              sum(r["summary"]["windows"] for r in results))
        out[m] = d
    log(f"combined per-worm fits on {len(keys)} neurons labelled in >= {min_worms} worms")
    return out, keys, min_worms


# ---------------------------------------------------------------------------------------------
# Scores against the truths

def score_group(args, specs, tables, methods, dirs, group, log):
    """Every truth x level x lag for one group of fits (one result dir per method).

    Point metrics are `sbtg eval`'s (checked against this tool's pair set); intervals are a pair
    bootstrap shared by all methods.
    """
    rows = []
    results = {m: fits.load_result(dirs[m]) for m in methods}
    for spec in specs:
        for class_level in (False, True):
            pairs = {}
            for m in methods:
                pairs[m] = ev.Pairs(results[m], tables[spec.key], spec, class_level)
                cli = ev.cli_eval(args.sbtg, args.work, dirs[m], spec, class_level)
                ev.check_against_cli(pairs[m], cli, f"{group} {m} vs {spec.key}")
                pairs[m].cli = cli
            for r in range(1, args.lags + 1):
                boot = ev.bootstrap(pairs, r, args.bootstrap,
                                    seed_of(BOOT_SEED, group, spec.key, class_level, r))
                for m in methods:
                    c = {k: (math.nan if v is None else v) for k, v in pairs[m].cli[r].items()}
                    rows.append({"group": group, "truth": spec.key, "class_level": class_level,
                                 "lag": r, "method": m, "pairs": c["pairs"],
                                 "positives": c["positives"], "prevalence": c["prevalence"],
                                 "auroc": c["auroc_effect"], "auprc": c["auprc_effect"],
                                 "auroc_logp": c["auroc_logp"], "auprc_logp": c["auprc_logp"],
                                 "selected": c["selected"], "true_selected": c["true_selected"],
                                 "realized_fdr": c["realized_fdr"],
                                 "sign": pairs[m].sign(r), **boot[m]})
    log(f"scored {group}: {len(rows)} rows (all points equal to `sbtg eval`)")
    return rows


def per_worm_scores(args, specs, tables, methods, worms, fit_dirs):
    """AUROC of every single-worm fit (point values from `sbtg eval`, checked)."""
    rows = []
    for w in worms:
        for m in methods:
            res = fits.load_result(fit_dirs[("worm", m, w.uid)])
            for spec in specs:
                for class_level in (False, True):
                    pairs = ev.Pairs(res, tables[spec.key], spec, class_level)
                    cli = ev.cli_eval(args.sbtg, args.work, res["dir"], spec, class_level)
                    ev.check_against_cli(pairs, cli, f"{w.uid} {m} vs {spec.key}")
                    for r, c in cli.items():
                        c = {k: (math.nan if v is None else v) for k, v in c.items()}
                        rows.append({"worm": w.uid, "method": m, "truth": spec.key,
                                     "class_level": class_level, "lag": r,
                                     "auroc": c["auroc_effect"], "auprc": c["auprc_effect"],
                                     "pairs": c["pairs"], "positives": c["positives"]})
    return rows


def lag1_autocorrelation(x):
    """Lag-1 autocorrelation of every column of a frames x neurons array."""
    c = x - x.mean(0)
    return (c[1:] * c[:-1]).sum(0) / (c * c).sum(0)


def node_dynamics(specs, tables, methods, worms, fit_dirs):
    """What per-neuron dynamics alone explain, on every single-worm fit (lag 1, neuron level).

    For each method: the Spearman correlation, over off-diagonal pairs, of |effect| (and of
    −log p) with the target neuron's and with the source neuron's lag-1 autocorrelation. For each
    truth: the AUROC
    of those two node properties used as edge scores by themselves (no pair information)."""
    effect_rows, truth_rows = [], []
    for w in worms:
        ac = lag1_autocorrelation(w.traces)
        n = len(ac)
        target = np.repeat(ac[:, None], n, axis=1)  # [target, source]: row = target
        off = ~np.eye(n, dtype=bool)
        for m in methods:
            res = fits.load_result(fit_dirs[("worm", m, w.uid)])
            if len(res["names"]) != n:
                raise RuntimeError(f"{w.uid} {m}: {len(res['names'])} neurons in the fit, {n} traces")
            e = np.abs(res["lags"][1]["effect"])[off]
            logp = -np.log(np.maximum(res["lags"][1]["p"][off], 1e-300))
            effect_rows.append({"worm": w.uid, "method": m,
                                "rho_target": float(stats.spearmanr(e, target[off])[0]),
                                "rho_source": float(stats.spearmanr(e, target.T[off])[0]),
                                "rho_target_logp": float(stats.spearmanr(logp, target[off])[0]),
                                "rho_source_logp": float(stats.spearmanr(logp, target.T[off])[0])})
        res = fits.load_result(fit_dirs[("worm", "pearson", w.uid)])
        for spec in specs:
            pairs = ev.Pairs(res, tables[spec.key], spec, False)
            if pairs.labels.all() or not pairs.labels.any():
                continue
            truth_rows.append({"worm": w.uid, "truth": spec.key,
                               "auroc_target": metrics.auroc_auprc(ac[pairs.target], pairs.labels)[0],
                               "auroc_source": metrics.auroc_auprc(ac[pairs.source], pairs.labels)[0]})
    return {"effect": effect_rows, "truth": truth_rows}


# ---------------------------------------------------------------------------------------------
# Calibration

def share_stats(result, r, pairs_mask=None):
    lag = result["lags"][r]
    n = len(result["names"])
    mask = ~np.eye(n, dtype=bool) if pairs_mask is None else pairs_mask
    p = lag["p"][mask]
    p = p[~np.isnan(p)]
    return {"selected": float((lag["selected"][mask] != 0).mean()),
            "p05": float((p < 0.05).mean()) if p.size else math.nan,
            "pairs": int(mask.sum())}


def far_mask(offsets, frames):
    d = np.abs(offsets[:, None] - offsets[None, :]) % frames
    d = np.minimum(d, frames - d)
    return (d >= FAR_SHIFT * frames) & ~np.eye(len(offsets), dtype=bool)


def calibration(args, methods, worms, fish, fit_dirs):
    rows, hist = [], {}
    recs = [("worm", w.uid, w.info["null_offsets"], w.info["frames"]) for w in worms]
    recs += [("fish", f["name"], f["offsets"], f["frames"]) for f in fish]
    for kind, uid, offsets, frames in recs:
        for m in methods:
            real = fits.load_result(fit_dirs[(kind, m, uid)])
            null = fits.load_result(fit_dirs[(kind + "-null", m, uid)])
            far = far_mask(offsets, frames)
            for r in range(1, args.lags + 1):
                rows.append({"recording": uid, "kind": kind, "method": m, "lag": r,
                             "n": len(real["names"]), "real": share_stats(real, r),
                             "null": share_stats(null, r), "null_far": share_stats(null, r, far)})
                if kind == "worm" and r == 1:
                    off = ~np.eye(len(real["names"]), dtype=bool)
                    h = hist.setdefault(m, {"real": [], "null": []})
                    h["real"].append(real["lags"][1]["p"][off])
                    h["null"].append(null["lags"][1]["p"][off])
    return rows, {m: {k: np.concatenate(v) for k, v in h.items()} for m, h in hist.items()}


def miscalibration_flags(cal_rows, methods):
    """A method is flagged when it declares most pairs significant on real data (> 50 % of
    pairs BH-selected at any lag of any recording), or when on the circular-shift null its share
    of p < 0.05 among far-shifted pairs exceeds 0.10 (twice nominal) on average over recordings.
    Returns {method: list of reasons} (empty = not flagged)."""
    flags = {}
    for m in methods:
        rows = [c for c in cal_rows if c["method"] == m]
        most = sorted({c["recording"] for c in rows if c["real"]["selected"] > 0.5})
        far = [c["null_far"]["p05"] for c in rows if not math.isnan(c["null_far"]["p05"])]
        null_p05 = float(np.mean(far)) if far else math.nan
        reasons = []
        if most:
            top = max(c["real"]["selected"] for c in rows)
            reasons.append(f"declares > 50 % of pairs significant on {', '.join(most)} "
                           f"(up to {100 * top:.0f} %)")
        if null_p05 > 0.10:
            reasons.append(f"null share of p < 0.05 among far-shifted pairs is {null_p05:.2f}")
        flags[m] = reasons
    return flags


# ---------------------------------------------------------------------------------------------
# Zebrafish assemblies

def assembly_test(result, assemblies, coords, reps, seed, lag=1):
    """Do a method's edges concentrate within the published assemblies?

    within[i, j]: neurons i and j share an assembly. Statistics: (a) the share of BH-selected
    directed edges that are within-assembly, (b) the AUROC of |effect| for within vs between
    pairs. Null: the neuron labels of the assembly map are permuted (reps times), which keeps the
    assemblies' sizes and overlaps; one-sided p = (1 + #{null >= observed}) / (1 + reps).
    """
    n = len(result["names"])
    member = np.zeros((n, len(assemblies)), dtype=bool)
    for a, cells in enumerate(assemblies):
        member[cells, a] = True
    within = (member.astype(int) @ member.T.astype(int)) > 0
    off = ~np.eye(n, dtype=bool)
    lag_r = result["lags"][lag]
    sel = (lag_r["selected"] != 0) & off
    mag = np.abs(lag_r["effect"])
    mag = np.where(np.isnan(mag), -np.inf, mag)
    ranks = np.zeros((n, n))
    ranks[off] = stats.rankdata(mag[off])
    n_pos = int(within[off].sum())
    n_neg = int(off.sum()) - n_pos

    def stats_for(w):
        share = float(w[sel].mean()) if sel.any() else math.nan
        auroc = ((ranks[w & off].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
        return share, auroc

    obs_share, obs_auroc = stats_for(within)
    rng = np.random.default_rng(seed)
    null_share, null_auroc = np.empty(reps), np.empty(reps)
    for k in range(reps):
        perm = rng.permutation(n)
        null_share[k], null_auroc[k] = stats_for(within[np.ix_(perm, perm)])
    dist = np.hypot(*(coords[:, None, :] - coords[None, :, :]).transpose(2, 0, 1))
    share_p = (1 + np.sum(null_share >= obs_share)) / (1 + reps) if sel.any() else math.nan
    return {"selected": int(sel.sum()), "within_share": obs_share,
            "within_share_all": float(within[off].mean()),
            "share_p": float(share_p),
            "auroc": float(obs_auroc),
            "auroc_p": float((1 + np.sum(null_auroc >= obs_auroc)) / (1 + reps)),
            "auroc_null_mean": float(null_auroc.mean()),
            "dist_selected": float(np.median(dist[sel])) if sel.any() else math.nan,
            "dist_all": float(np.median(dist[off])),
            "dist_within": float(np.median(dist[within & off]))}


def zebrafish(args, methods, fish, fit_dirs):
    rows = []
    for f in fish:
        for m in methods:
            d = fit_dirs[("fish", m, f["name"])]
            res = fits.load_result(d)
            test = assembly_test(res, f["assemblies"], f["coords"], args.permutations,
                                 seed_of(BOOT_SEED, f["name"], m))
            t = res["summary"].get("timings", {}).get("total")
            rows.append({"fish": f["name"], "method": m, "n": f["n"], "frames": f["frames"],
                         "fit_seconds": t, "lag_selected": {
                             r: int(res["summary"]["counts"]["per_lag"][str(r)]["selected"])
                             for r in res["summary"]["lags"]}, **test})
    return rows


# ---------------------------------------------------------------------------------------------

def main(argv=None):
    args = parse_args(argv)
    args.data, args.out = os.path.abspath(args.data), os.path.abspath(args.out)
    args.sbtg, args.work = os.path.abspath(args.sbtg), os.path.abspath(args.work)
    methods = [m for m in args.methods.split(",") if m]
    unknown = [m for m in methods if m not in fits.METHOD_NAMES]
    if unknown:
        sys.exit(f"report.py: unknown --methods {unknown} (known: {list(fits.METHOD_NAMES)})")
    if "pearson" not in methods:
        sys.exit("report.py: --methods must include pearson (the reference of the comparisons)")
    if not os.path.isdir(args.data):
        sys.exit(f"report.py: the data folder {args.data} does not exist (--data)")
    log = Log()
    cli_version = check_cli(args.sbtg, methods)
    os.makedirs(args.work, exist_ok=True)
    started = datetime.datetime.now(datetime.timezone.utc)

    worms, joint_keys, joint_files = prepare_worms(args, log)
    fish = prepare_zebrafish(args)
    specs = tr.report_truths(args.data)
    witv = os.path.join(args.data, "celegans_connectome_and_celltypes",
                        "connectome_witvliet_2020_8_edges.csv")
    if os.path.exists(witv):
        specs.append(tr.write_witvliet_edges(witv, os.path.join(args.work, "inputs",
                                                                "witvliet8_chemical.csv")))
    tables = {s.key: tr.load_table(s) for s in specs}

    runner = fits.Runner(args.sbtg, args.work, log)
    fit_dirs = run_fits(args, runner, methods, worms, joint_files, fish, log)
    combined, combined_keys, min_worms = combined_results(args, methods, worms, fit_dirs, log)
    joint_dirs = {m: fit_dirs[("joint", m, None)] for m in methods}

    scores = score_group(args, specs, tables, methods, combined, "combined", log)
    scores += score_group(args, specs, tables, methods, joint_dirs, "joint", log)
    worm_scores = per_worm_scores(args, specs, tables, methods, worms, fit_dirs)
    dynamics = node_dynamics(specs, tables, methods, worms, fit_dirs)
    log("per-worm scores done")
    cal_rows, hist = ([], {}) if args.no_null else calibration(args, methods, worms, fish,
                                                               fit_dirs)
    flags = miscalibration_flags(cal_rows, methods) if cal_rows else {}
    zf_rows = zebrafish(args, methods, fish, fit_dirs)
    log("zebrafish assembly tests done")

    fig_dir = os.path.join(args.out, "validation")
    os.makedirs(fig_dir, exist_ok=True)
    ctx = {
        "args": args, "methods": methods, "worms": worms, "joint_keys": joint_keys,
        "combined_keys": combined_keys, "fish": fish, "specs": specs, "tables": tables,
        "fit_dirs": fit_dirs, "combined": combined, "joint_dirs": joint_dirs, "scores": scores,
        "worm_scores": worm_scores, "dynamics": dynamics, "cal_rows": cal_rows, "hist": hist, "flags": flags,
        "zf_rows": zf_rows, "runner": runner, "alpha": ALPHA, "min_worms": min_worms,
        "far_shift": FAR_SHIFT, "shift_seed": SHIFT_SEED, "boot_seed": BOOT_SEED,
    }
    ctx["figures"] = figures.make_all(ctx, fig_dir, log)
    commit, dirty = git_version()
    ctx["version"] = {"commit": commit, "dirty": dirty, "binary_sha": cli_version,
                      "project": project_version(), "sbtg": args.sbtg,
                      "started": started.strftime("%Y-%m-%d %H:%M UTC"),
                      "seconds": time.time() - log.start, "python": platform.python_version(),
                      "numpy": np.__version__, "machine": f"{os.cpu_count()} CPUs, "
                      f"{platform.machine()}"}
    text = render.markdown(ctx)
    with open(os.path.join(args.out, "validation.md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.work, "numbers.json"), "w") as f:
        json.dump({"scores": scores, "node_dynamics": dynamics, "calibration": cal_rows, "zebrafish": zf_rows,
                   "flags": flags}, f, indent=1, default=float)
    log(f"wrote {os.path.join(args.out, 'validation.md')} and {len(ctx['figures'])} figures")


if __name__ == "__main__":
    main()
