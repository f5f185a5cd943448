"""Inputs, fits and result directories: everything the report runs through the `sbtg` CLI.

Inputs are written once into the work directory (z-scored per neuron and per recording, so that
several worms can be segments of one fit without their baselines looking like slow dynamics).
Every fit is `sbtg fit --method M --lags P ...` with the method's documented defaults; a fit is
cached under a key made of the input files' and the binary's SHA-256 and the command line, so a
re-run reuses it and any change of data, code or settings refits.
"""
import collections
import concurrent.futures
import csv
import hashlib
import json
import os
import subprocess
import time

import numpy as np

import metrics
import names as nm

ZEBRAFISH_FRAME_PERIOD = 1 / 2.2  # seconds (authors' plot_data.m: imrate = 2.2)

# (CLI name, display name). Every method runs with its defaults; SBTG first.
METHODS = [("sbtg", "SBTG"), ("pearson", "lagged Pearson"), ("var", "VAR (ridge)"),
           ("granger", "Granger (conditional)"), ("granger_pairwise", "Granger (pairwise)")]
METHOD_NAMES = dict(METHODS)


def sha256(path, _cache={}):
    st = os.stat(path)
    key = (path, st.st_mtime_ns, st.st_size)
    if key not in _cache:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _cache[key] = h.hexdigest()
    return _cache[key]


def _write_if_changed(path, text):
    """Keeps the file's mtime (and the fit cache) when the content is unchanged."""
    if os.path.exists(path) and open(path).read() == text:
        return
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def zscore(x):
    return (x - x.mean(0)) / x.std(0)


def write_traces(path, times, values, names_):
    lines = [",".join((["time_s"] if times is not None else []) + list(names_))]
    for t in range(values.shape[0]):
        row = ["%.6g" % v for v in values[t]]
        lines.append(",".join((["%.3f" % times[t]] if times is not None else []) + row))
    _write_if_changed(path, "\n".join(lines) + "\n")


# ---------------------------------------------------------------------------------------------
# C. elegans recordings

Worm = collections.namedtuple("Worm", "uid times traces names keys info")


def fit_names(labels):
    """Column names for a worm's labelled neurons.

    A label ending in '?' (side unknown) keeps its '?': it is undefined at neuron level and joins
    its class at class level. Two columns with the same uncertain label get one more '?' so the
    CSV header is unique (same key, so the pair between them is never evaluated). Two columns with
    the same certain label are an ambiguous identity: both become '<label>_dup<k>', which no truth
    defines, and stay in the fit only as observed neurons.
    """
    counts = collections.Counter(labels)
    seen = collections.Counter()
    out = []
    for lab in labels:
        seen[lab] += 1
        if counts[lab] == 1:
            out.append(lab)
        elif lab.endswith("?"):
            out.append(lab + "?" * (seen[lab] - 1))
        else:
            out.append(f"{lab}_dup{seen[lab]}")
    return out


def certain_key(name):
    """Normalised key of a column identified with certainty, else None ('?' or duplicate)."""
    return None if name.endswith("?") or "_dup" in name else nm.normalize(name)


def load_worm(data, uid):
    folder = os.path.join(data, "flavell_dag2023_wholebrain", uid)
    with open(os.path.join(folder, "neurons.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    x = np.loadtxt(os.path.join(folder, "traces.csv"), delimiter=",", skiprows=1)
    cols = [k for k, r in enumerate(rows) if r["label"].strip()]
    names_ = fit_names([rows[k]["label"].strip() for k in cols])
    info = {"n_total": len(rows), "n_labelled": len(cols), "frames": x.shape[0],
            "uncertain": [n for n in names_ if n.endswith("?")],
            "duplicates": [n for n in names_ if "_dup" in n],
            "frame_period": float(np.median(np.diff(x[:, 0])))}
    return Worm(uid, x[:, 0], x[:, [1 + k for k in cols]], names_,
                [certain_key(n) for n in names_], info)


def shared_keys(worms, min_worms):
    """Certain keys labelled in at least `min_worms` worms, in first-seen order."""
    count = collections.Counter(k for w in worms for k in set(w.keys) if k)
    order = []
    for w in worms:
        order += [k for k in w.keys if k and count[k] >= min_worms and k not in order]
    return order


def circular_shift(values, rng):
    """Each column rolled by its own uniform offset in [0, T): cross-neuron timing destroyed,
    each neuron's autocorrelation kept. Returns the shifted array and the offsets."""
    t = values.shape[0]
    offsets = rng.integers(0, t, size=values.shape[1])
    shifted = np.column_stack([np.roll(values[:, k], offsets[k]) for k in range(values.shape[1])])
    return shifted, offsets


def load_zebrafish(data, fish):
    folder = os.path.join(data, "triplett2018_zebrafish_tectum")
    x = np.loadtxt(os.path.join(folder, f"{fish}_activity_matrix.csv"), delimiter=",").T
    assemblies = []
    with open(os.path.join(folder, f"{fish}_assembly_assignments.csv")) as f:
        for line in f:
            if line.strip():
                assemblies.append([int(v) - 1 for v in line.replace(",", " ").split()])
    coords = np.loadtxt(os.path.join(folder, f"{fish}_cell_coordinates.csv"), delimiter=",")
    names_ = ["n%03d" % (k + 1) for k in range(x.shape[1])]
    return x, names_, assemblies, coords


# ---------------------------------------------------------------------------------------------
# Running `sbtg fit` with a cache

class Runner:
    def __init__(self, sbtg, work, log):
        self.sbtg, self.work, self.log = sbtg, work, log
        self.binary_hash = sha256(sbtg)
        self.fit_seconds = {}   # result dir -> (method, seconds reported by the fit, reused?)

    def fit_dir(self, label, method, inputs, args):
        key = json.dumps([self.binary_hash, method, args, [sha256(p) for p in inputs]])
        digest = hashlib.sha256(key.encode()).hexdigest()[:12]
        return os.path.join(self.work, "fits", f"{label}__{method}__{digest}")

    def fit(self, label, method, inputs, args):
        out = self.fit_dir(label, method, inputs, args)
        reused = os.path.exists(os.path.join(out, "summary.json"))
        if not reused:
            cmd = [self.sbtg, "fit", "--method", method, "--out", out] + args + list(inputs)
            start = time.time()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
            self.log(f"  fit {label} {method}: {time.time() - start:.1f} s")
        summary = json.load(open(os.path.join(out, "summary.json")))
        self.fit_seconds[out] = (method, summary.get("timings", {}).get("total"), reused)
        return out

    def fit_many(self, jobs, workers=2):
        """jobs: list of (label, method, inputs, args); two at a time (the CLI fits are
        single-threaded and the machine has two cores). Returns the result dirs in job order."""
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda j: self.fit(*j), jobs))


# ---------------------------------------------------------------------------------------------
# Result directories (docs/output-format.md)

def load_result(d):
    s = json.load(open(os.path.join(d, "summary.json")))
    lag = {}
    for r in s["lags"]:
        lag[r] = {k: np.load(os.path.join(d, f"{k}_lag{r}.npy")) for k in ("effect", "p", "q")}
        lag[r]["selected"] = np.load(os.path.join(d, f"selected_lag{r}.npy"))
    return {"summary": s, "names": s["names"], "lags": lag, "dir": d}


def write_result(d, method, names_, lags, frame_period, settings, frames, segments, windows):
    """A result directory in the sbtg-result/1 layout, readable by `sbtg eval`."""
    os.makedirs(d, exist_ok=True)
    per_lag = {}
    for r, m in lags.items():
        for k in ("effect", "p", "q"):
            np.save(os.path.join(d, f"{k}_lag{r}.npy"), np.ascontiguousarray(m[k], dtype="<f8"))
        sel = np.ascontiguousarray(m["selected"], dtype="|i1")
        np.save(os.path.join(d, f"selected_lag{r}.npy"), sel)
        off = ~np.eye(len(names_), dtype=bool)
        per_lag[str(r)] = {"tested": int(off.sum()), "selected": int((sel[off] != 0).sum()),
                           "excitatory": int((sel[off] > 0).sum()),
                           "inhibitory": int((sel[off] < 0).sum())}
    summary = {"format": "sbtg-result/1", "method": method, "orientation": "[target, source]",
               "names": list(names_), "n": len(names_), "frames": int(frames),
               "segments": int(segments), "windows": int(windows), "frame_period": frame_period,
               "lags": sorted(lags), "extras": {str(r): [] for r in lags}, "settings": settings,
               "timings": {}, "counts": {"per_lag": per_lag}}
    with open(os.path.join(d, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)


def combine_worms(results, worm_keys, keys, alpha):
    """Per-worm fits of one method combined over the worms in which each pair was recorded.

    effect = mean over those worms of the per-worm effect; p = signed Stouffer combination
    (metrics.signed_stouffer); q = BH over the off-diagonal pairs per lag; selected = sign(effect)
    where q <= alpha. `worm_keys[w]` maps worm w's columns to certain keys (None = not used).
    """
    n, index = len(keys), {k: a for a, k in enumerate(keys)}
    lags = {}
    for r in results[0]["lags"]:
        eff = np.full((len(results), n, n), np.nan)
        pv = np.full((len(results), n, n), np.nan)
        for w, res in enumerate(results):
            cols = [(a, index[k]) for a, k in enumerate(worm_keys[w]) if k in index]
            src = np.array([a for a, _ in cols])
            dst = np.array([b for _, b in cols])
            eff[w][np.ix_(dst, dst)] = res["lags"][r]["effect"][np.ix_(src, src)]
            pv[w][np.ix_(dst, dst)] = res["lags"][r]["p"][np.ix_(src, src)]
        present = ~np.isnan(eff)
        with np.errstate(invalid="ignore"):
            effect = np.where(present, eff, 0).sum(0) / present.sum(0)  # NaN where never recorded
        _, p, k = metrics.signed_stouffer(eff, pv)
        off = ~np.eye(n, dtype=bool)
        q = np.full((n, n), np.nan)
        q[off] = metrics.bh_adjust(p[off])
        selected = np.where(off & (q <= alpha), np.sign(np.nan_to_num(effect)), 0).astype(np.int8)
        lags[r] = {"effect": effect, "p": p, "q": q, "selected": selected, "worms": k}
    return lags
