#!/usr/bin/python3
"""Tests of the validation report generator (tools/validation), run by ctest.

    validation_test.py units                 pure-Python parts against hand-computed values
    validation_test.py report --sbtg BIN     the whole generator on a tiny synthetic data folder
    validation_test.py shared                the truth joins on the real shared data

A missing prerequisite (numpy/scipy/matplotlib, the CLI, the shared data) prints "skipping: ..."
(ctest's SKIP_REGULAR_EXPRESSION) and exits 0, unless SBTG_REQUIRE_DATA=1 (CI), where it fails.
"""
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile

SOURCE = os.environ.get("SBTG_SOURCE_DIR",
                        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
                            __file__)))))
TOOL = os.path.join(SOURCE, "tools", "validation")


def skip_or_fail(why):
    if os.environ.get("SBTG_REQUIRE_DATA") == "1":
        print(f"error: {why} (SBTG_REQUIRE_DATA=1)")
        sys.exit(1)
    print(f"skipping: {why}")
    sys.exit(0)


try:
    import numpy as np
    import scipy  # noqa: F401
    import matplotlib  # noqa: F401
except ImportError as e:
    skip_or_fail(f"{sys.executable} lacks {e.name} (install python3-numpy python3-scipy "
                 f"python3-matplotlib)")

sys.path.insert(0, TOOL)
import evaluate as ev  # noqa: E402
import fits  # noqa: E402
import metrics  # noqa: E402
import names as nm  # noqa: E402
import report  # noqa: E402
import truths as tr  # noqa: E402

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print(f"FAIL: {what}")


def close(a, b, tol=1e-12):
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol


# ---------------------------------------------------------------------------------------------

def test_names():
    # The examples of docs/evaluation.md, which the C++ tests pin for NormalizeNeuronName /
    # NeuronClass.
    for raw, key in [("VB01", "VB1"), ("DA09", "DA9"), ("AS10", "AS10"), (" RMF? ", "RMF"),
                     ("aval", "AVAL"), ("CEPshDL", "CEPSHDL"), ("VB00", "VB0")]:
        check(nm.normalize(raw) == key, f"normalize({raw!r}) = {nm.normalize(raw)!r}, not {key}")
    for raw, cls in [("AVAL", "AVA"), ("I1L", "I1"), ("MCL", "MC"), ("OLLL", "OLL"),
                     ("RMDDL", "RMD"), ("RMED", "RME"), ("IL1VR", "IL1"), ("SABD", "SAB"),
                     ("VB01", "VB"), ("AS10", "AS"), ("AVL", "AVL"), ("PVR", "PVR"),
                     ("ADL", "ADL"), ("OLL", "OLL"), ("RMDD?", "RMD"), ("CEPshDL", "CEPSH")]:
        check(nm.neuron_class(raw) == cls, f"neuron_class({raw!r}) = {nm.neuron_class(raw)!r}")
    classes, members = nm.class_groups(["AVAL", "RIML", "AVAR", "x_dup1"])
    check(classes == ["AVA", "RIM", "X_DUP1"] and members == [[0, 2], [1], [3]],
          f"class_groups: {classes} {members}")


def test_metrics():
    # AUROC = Mann-Whitney share with ties 1/2; AUPRC = average precision over distinct scores.
    scores = np.array([0.9, 0.8, 0.8, 0.3, np.nan, 0.1])
    labels = np.array([1, 0, 1, 0, 1, 0], dtype=bool)
    # positives 0.9, 0.8, NaN(lowest); negatives 0.8, 0.3, 0.1:
    # 0.9 beats 3; 0.8 ties 1 and beats 2 -> 2.5; NaN beats none -> 0; AUROC = 5.5 / 9.
    auroc, auprc = metrics.auroc_auprc(scores, labels)
    check(close(auroc, 5.5 / 9), f"AUROC {auroc}")
    # steps: {0.9}: R 1/3, P 1; {0.8,0.8}: R 2/3, P 2/3; {0.3}, {0.1}: R unchanged;
    # {NaN}: R 1, P 3/6. AP = 1/3 + (1/3)(2/3) + (1/3)(1/2).
    check(close(auprc, 1 / 3 + 2 / 9 + 1 / 6), f"AUPRC {auprc}")
    # A bootstrap with no resampling noise (all pairs drawn once) reproduces the point value.
    boot = metrics.Bootstrap(labels, 1, np.random.default_rng(0))
    boot.idx = np.arange(len(labels))[None, :]
    boot.pos_draws = labels[boot.idx]
    a, p = boot.metrics(scores)
    check(close(a[0], auroc) and close(p[0], auprc), f"bootstrap identity {a} {p}")
    # BH: p = (0.01, 0.04, 0.03, 0.5), m = 4 -> q = (0.04, 0.0533, 0.0533, 0.5).
    q = metrics.bh_adjust(np.array([0.01, 0.04, 0.03, 0.5, np.nan]))
    check(np.allclose(q[:4], [0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.5]) and np.isnan(q[4]),
          f"BH {q}")
    # Signed Stouffer: two worms with z = +1.96 and +1.96 give Z = 2.772, p = 0.00557; opposite
    # signs cancel to p = 1.
    z, p, k = metrics.signed_stouffer(np.array([[1.0, 1.0], [2.0, -2.0]]),
                                      np.array([[0.05, 0.05], [0.05, 0.05]]))
    check(close(z[0], 2 * 1.959963984540054 / math.sqrt(2), 1e-9) and close(z[1], 0, 1e-12)
          and close(p[1], 1.0, 1e-12) and list(k) == [2, 2], f"Stouffer {z} {p} {k}")


def test_truth_join():
    tmp = tempfile.mkdtemp()
    # Cook layout: corner cell, rows = presynaptic. AVAL -> DA01 = 6, DA01 -> AVAL = 0.
    cook = os.path.join(tmp, "chem.csv")
    with open(cook, "w") as f:
        f.write("pre\\post,AVAL,DA01,CANL\nAVAL,0,6,1\nDA01,0,0,0\n")
    spec = tr.TruthSpec("c", "c", cook)
    keys, t = tr.joined_truth(tr.load_table(spec), ["DA1", "AVAL", "CANL", "RMF?"], False, False)
    check(t[0, 1] == 6 and t[1, 0] == 0, f"Cook orientation: {t[:2, :2]}")
    # CANL appears only as a column (target): defined as target, undefined as source.
    check(t[2, 1] == 1 and np.isnan(t[1, 2]), f"CANL target-only: {t}")
    check(np.all(np.isnan(t[3])) and np.all(np.isnan(t[:, 3])), "'?' label is undefined")
    # Undirected: either direction counts.
    keys, u = tr.joined_truth(tr.load_table(spec), ["DA1", "AVAL"], False, True)
    check(u[0, 1] == 6 and u[1, 0] == 6, f"undirected: {u}")
    # Randi layout: no row names, rows in the header's order, row = stimulated = source.
    randi = os.path.join(tmp, "randi.csv")
    with open(randi, "w") as f:
        f.write("ADAL,ADEL,AVAR\n0,22,-3\n0,0,0\n5,0,0\n")
    rs = tr.TruthSpec("r", "r", randi, signed=True)
    keys, t = tr.joined_truth(tr.load_table(rs), ["ADEL", "ADAL", "AVAL", "AVAR"], False, False)
    check(t[0, 1] == 22 and t[1, 0] == 0 and t[3, 1] == -3 and np.isnan(t[2, 1]),
          f"Randi orientation: {t}")
    # Class level: AVA <- ADA takes the member of largest |value| (AVAR <- ADAL = -3).
    keys, c = tr.joined_truth(tr.load_table(rs), ["ADEL", "ADAL", "AVAL", "AVAR"], True, False)
    check(keys == ["ADE", "ADA", "AVA"] and c[2, 1] == -3 and c[1, 2] == 5, f"class: {keys} {c}")
    # Class-level result aggregation: the member effect of largest |effect|, the smallest p.
    lag = {"effect": np.array([[0, 0.2, -0.5], [0.1, 0, 0.3], [0.4, 0.05, 0]]),
           "p": np.array([[np.nan, 0.2, 0.01], [0.3, np.nan, 0.04], [0.5, 0.02, np.nan]])}
    classes, agg = ev.aggregate_to_classes(["AVAL", "AVAR", "RIML"], lag)
    check(classes == ["AVA", "RIM"] and close(agg["effect"][0, 1], -0.5) and
          close(agg["p"][0, 1], 0.01) and close(agg["effect"][1, 0], 0.4) and
          close(agg["p"][1, 0], 0.02) and close(agg["effect"][0, 0], 0.2), f"aggregate {agg}")
    shutil.rmtree(tmp)


def test_fits_helpers():
    check(fits.fit_names(["AVAL", "RMF?", "RMF?", "URADL", "URADL"]) ==
          ["AVAL", "RMF?", "RMF??", "URADL_dup1", "URADL_dup2"], "fit_names")
    check([fits.certain_key(n) for n in ["VB02", "RMF?", "URADL_dup1"]] == ["VB2", None, None],
          "certain_key")
    x = np.arange(20.0).reshape(10, 2)
    shifted, off = fits.circular_shift(x, np.random.default_rng(3))
    check(all(np.array_equal(np.roll(x[:, k], off[k]), shifted[:, k]) for k in range(2)),
          "circular_shift rolls each column by its offset")
    # Combination: worm 0 has (A, B), worm 1 has (A, B, C): pair B <- A in both worms.
    res = []
    for e in (0.2, 0.4):
        n = 2 if e == 0.2 else 3
        eff = np.full((n, n), e)
        p = np.full((n, n), 0.05)
        res.append({"lags": {1: {"effect": eff, "p": p}}})
    lags = fits.combine_worms(res, [["A", "B"], ["A", "B", "C"]], ["A", "B", "C"], 0.1)
    e, p = lags[1]["effect"], lags[1]["p"]
    check(close(e[1, 0], 0.3) and close(e[2, 0], 0.4), f"combined mean effect {e}")
    check(close(p[1, 0], 2 * metrics.stats.norm.sf(2 * 1.959963984540054 / math.sqrt(2)), 1e-9)
          and close(p[2, 0], 0.05, 1e-9), f"combined p {p}")
    check(np.isnan(lags[1]["q"][0, 0]) and lags[1]["selected"][0, 0] == 0, "diagonal untested")
    # Lag-1 autocorrelation, by hand: column 0 = (1, 2, 3, 4): centred (-1.5, -0.5, 0.5, 1.5),
    # Σ c_t c_{t-1} = 0.75 - 0.25 + 0.75 = 1.25, Σ c² = 5 → 0.25; column 1 alternates → -0.75.
    ac = report.lag1_autocorrelation(np.array([[1.0, 1.0], [2.0, -1.0], [3.0, 1.0], [4.0, -1.0]]))
    check(close(ac[0], 0.25) and close(ac[1], -0.75), f"lag1_autocorrelation {ac}")


def test_assembly_test():
    # 8 neurons, assembly {0,1,2,3}; the selected edges are all within it -> share 1, small p.
    n = 8
    eff = np.zeros((n, n))
    sel = np.zeros((n, n), dtype=np.int8)
    for j, i in [(1, 0), (2, 1), (3, 2), (0, 3)]:
        eff[j, i], sel[j, i] = 1.0, 1
    res = {"names": [f"n{k}" for k in range(n)],
           "lags": {1: {"effect": eff, "p": np.full((n, n), 0.5), "selected": sel}}}
    coords = np.column_stack([np.arange(n), np.zeros(n)])
    out = report.assembly_test(res, [[0, 1, 2, 3]], coords, 2000, seed=1)
    # Null share: 4 edges drawn among relabelled neurons; P(all within) is small (~0.01).
    check(out["within_share"] == 1.0 and out["share_p"] < 0.05 and out["auroc"] > 0.6,
          f"assembly test {out}")


# ---------------------------------------------------------------------------------------------
# The whole generator on a tiny synthetic data folder

WORM_LABELS = [["AVAL", "AVAR", "AVBL", "RIML", "RIMR", "AIBL", "SMDVL", "", ""],
               ["AVAL", "AVAR", "AVBL", "RIML", "RIML", "AIBL", "SAAD?", "SMDVL", ""],
               ["AVAL", "AVAR", "AVBL", "RIML", "RIMR", "AIBR", "SMDVL", "", "ASEL"]]
NODES = ["AVAL", "AVAR", "AVBL", "AVBR", "RIML", "RIMR", "AIBL", "AIBR", "SMDVL", "ASEL"]


def write_synthetic_data(root, rng):
    """Same folder layout as ../shared/data, a few neurons, a sparse VAR(1) as the traces."""
    flav = os.path.join(root, "flavell_dag2023_wholebrain")
    for w, labels in enumerate(WORM_LABELS):
        d = os.path.join(flav, f"worm{w}")
        os.makedirs(d)
        n, t = len(labels), 420
        a = 0.8 * np.eye(n)
        a[1, 0], a[3, 2], a[5, 4] = 0.3, 0.3, -0.3  # [target, source]
        x = np.zeros((t, n))
        for k in range(1, t):
            x[k] = a @ x[k - 1] + rng.normal(size=n)
        with open(os.path.join(d, "traces.csv"), "w") as f:
            f.write("time_s," + ",".join(f"n{k + 1:03d}" for k in range(n)) + "\n")
            for k in range(t):
                f.write(f"{0.6 * k:.3f}," + ",".join(f"{v + 5:.6g}" for v in x[k]) + "\n")
        with open(os.path.join(d, "neurons.csv"), "w") as f:
            f.write("column,trace_index_1based,label,neuron_class,LR,DV,label_confidence_1to5,"
                    "neuropal_roi_id,roi_match_confidence\n")
            for k, lab in enumerate(labels):
                f.write(f"n{k + 1:03d},{k + 1},{lab},,,,,,\n")
    randi = os.path.join(root, "leifer_randi2023_funconn")
    os.makedirs(randi)
    for kind in ("wt", "unc31"):
        m = rng.integers(-1, 3, size=(len(NODES), len(NODES))) * (rng.random((10, 10)) < 0.3)
        np.fill_diagonal(m, 0)
        m[0, 1] = 20  # AVAL -> AVAR, row = stimulated
        with open(os.path.join(randi, f"funconn_{kind}_matrix.csv"), "w") as f:
            f.write(",".join(NODES) + "\n")
            f.write("\n".join(",".join(str(v) for v in row) for row in m) + "\n")
    conn = os.path.join(root, "connectome")
    os.makedirs(conn)
    cook_names = ["AVAL", "AVAR", "AVBL", "AVBR", "RIML", "RIMR", "AIBL", "AIBR", "SMDVL", "ASEL"]
    for name in ("herm_chem_cells.csv", "herm_gap_sym_cells.csv"):
        m = rng.integers(0, 4, size=(10, 10)) * (rng.random((10, 10)) < 0.3)
        if "gap" in name:
            m = m + m.T
        with open(os.path.join(conn, name), "w") as f:
            f.write("pre\\post," + ",".join(cook_names) + "\n")
            for r, row in zip(cook_names, m):
                f.write(r + "," + ",".join(str(v) for v in row) + "\n")
    cells = os.path.join(root, "celegans_connectome_and_celltypes")
    os.makedirs(cells)
    with open(os.path.join(cells, "connectome_witvliet_2020_8_edges.csv"), "w") as f:
        f.write("pre,post,type,n_synapses\nAVAL,AVAR,chemical,3\nRIML,AVBL,chemical,1\n"
                "AIBL,RIML,electrical,2\nSMDVL,ASEL,chemical,1\n")
    with open(os.path.join(cells, "nemanode_cells.csv"), "w") as f:
        f.write("name,class,type_codes,neurotransmitter_codes,inhead,intail,embryonic\n"
                "AVAL,AVA,i,a,1,0,1\nAVAR,AVA,i,a,1,0,1\nRIML,RIM,mn,t,1,0,1\nASEL,ASE,s,l,1,0,1\n")
    zf = os.path.join(root, "triplett2018_zebrafish_tectum")
    os.makedirs(zf)
    n, t = 10, 600
    x = np.zeros((t, n))
    for k in range(1, t):
        x[k] = 0.7 * x[k - 1] + rng.normal(size=n)
        x[k, 1] += 0.4 * x[k - 1, 0]
    np.savetxt(os.path.join(zf, "zf_test-f1_activity_matrix.csv"), x.T, delimiter=",", fmt="%.5g")
    with open(os.path.join(zf, "zf_test-f1_assembly_assignments.csv"), "w") as f:
        f.write("1, 2, 3\n4, 5, 6, 3\n")
    np.savetxt(os.path.join(zf, "zf_test-f1_cell_coordinates.csv"), rng.random((n, 2)) * 100,
               delimiter=",")


def test_report(sbtg, scratch):
    if not sbtg or not os.path.exists(sbtg):
        skip_or_fail(f"the sbtg CLI {sbtg!r} is not built")
    shutil.rmtree(scratch, ignore_errors=True)
    data, out, work = (os.path.join(scratch, k) for k in ("data", "docs", "work"))
    write_synthetic_data(data, np.random.default_rng(11))
    cmd = [sys.executable, os.path.join(TOOL, "report.py"), "--data", data, "--out", out,
           "--work", work, "--sbtg", sbtg, "--lags", "2", "--bootstrap", "50",
           "--permutations", "200", "--min-labelled", "3"]
    if os.environ.get("SBTG_TEST_SCALE") == "small":  # sanitizer builds: SBTG and the reference
        cmd += ["--methods", "sbtg,pearson"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
    check(proc.returncode == 0, "report.py runs on the synthetic data folder")
    if proc.returncode != 0:
        return
    text = open(os.path.join(out, "validation.md")).read()
    for section in ("## Summary", "## Calibration", "## Sign analysis", "## Zebrafish",
                    "### AUROC — per-worm fits combined, neuron level", "## Figures",
                    "### What per-neuron dynamics explain"):
        check(section in text, f"validation.md has {section!r}")
    check("| SBTG |" in text or "| combined | " in text, "SBTG appears in the tables")
    check("all points equal to `sbtg eval`" in proc.stdout, "points checked against sbtg eval")
    figs = os.listdir(os.path.join(out, "validation"))
    check(len(figs) == 5 and all(f.endswith(".png") for f in figs), f"figures: {figs}")
    check(all(m in text for m in ("SBTG", "lagged Pearson")), "methods named in the report")
    for f in figs:
        size = os.path.getsize(os.path.join(out, "validation", f))
        check(size < 200_000, f"{f} is {size} bytes (> 200 KB)")
    # A second run reuses every fit (the cache key is stable) and writes the same numbers.
    again = subprocess.run(cmd, capture_output=True, text=True)
    counts = re.search(r"(\d+) fits \((\d+) cached\)", again.stdout)
    check(again.returncode == 0 and counts is not None and counts.group(1) == counts.group(2),
          "a second run reuses every fit")
    text2 = open(os.path.join(out, "validation.md")).read()
    def stable(page):  # the lines that legitimately change between runs
        return [line for line in page.splitlines() if not line.startswith(("| run time", "| date"))]
    check(stable(text) == stable(text2), "a re-run writes the same report")


# ---------------------------------------------------------------------------------------------

def data_dir():
    env = os.environ.get("SBTG_DATA_DIR")
    return env if env else os.path.join(SOURCE, "..", "shared", "data")


def test_shared():
    data = data_dir()
    if not os.path.isdir(data):
        skip_or_fail(f"shared data directory {data} is absent (set SBTG_DATA_DIR)")
    specs = {s.key: s for s in tr.report_truths(data)}
    # The orientation facts of the READMEs: Cook AVAL -> DA01 = 6 (DA01 -> AVAL = 0); Randi
    # ADAL -> ADEL = 22 (reverse 0). [target, source] after the join.
    _, t = tr.joined_truth(tr.load_table(specs["cook_chem"]), ["DA1", "AVAL"], False, False)
    check(t[0, 1] == 6 and t[1, 0] == 0, f"Cook AVAL -> DA01: {t}")
    _, t = tr.joined_truth(tr.load_table(specs["randi_wt"]), ["ADEL", "ADAL"], False, False)
    check(t[0, 1] == 22 and t[1, 0] == 0, f"Randi ADAL -> ADEL: {t}")
    # Every certain Flavell label of the NeuroPAL worms is a Cook neuron (docs/evaluation.md).
    cook = tr.node_names(specs["cook_chem"])
    root = os.path.join(data, "flavell_dag2023_wholebrain")
    worms = [fits.load_worm(data, uid) for uid in sorted(os.listdir(root))
             if os.path.exists(os.path.join(root, uid, "neurons.csv"))]
    worms = [w for w in worms if w.info["n_labelled"] >= 10]
    check(len(worms) == 5, f"{len(worms)} NeuroPAL recordings, expected 5")
    for w in worms:
        missing = [n for n, k in zip(w.names, w.keys) if k and k not in cook]
        check(not missing, f"{w.uid}: labels not in Cook: {missing}")


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "units"
    if mode == "units":
        for t in (test_names, test_metrics, test_truth_join, test_fits_helpers,
                  test_assembly_test):
            t()
    elif mode == "report":
        args = dict(zip(sys.argv[2::2], sys.argv[3::2]))
        test_report(args.get("--sbtg"), args.get("--scratch", tempfile.mkdtemp()))
    elif mode == "shared":
        test_shared()
    else:
        sys.exit(f"unknown mode {mode}")
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        sys.exit(1)
    print(f"{mode}: all checks passed")


if __name__ == "__main__":
    main()
