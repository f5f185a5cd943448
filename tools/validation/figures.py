"""The report's figures (matplotlib, Agg backend, small PNGs).

Each function takes the report context built by report.py and writes one PNG; make_all returns
{figure key: file name} for render.py. Figures show what the tables show, nothing else.
"""
import csv
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import fits  # noqa: E402
import names as nm  # noqa: E402
import truths as tr  # noqa: E402

DPI = 80
COLORS = {"sbtg": "#d62728", "pearson": "#1f77b4", "var": "#2ca02c", "granger": "#9467bd",
          "granger_pairwise": "#8c564b"}
TYPE_COLORS = {"sensory": "#e377c2", "inter": "#17becf", "motor": "#ff7f0e",
               "neuromodulatory": "#bcbd22", "other": "#7f7f7f"}


def _save(fig, out_dir, name):
    path = os.path.join(out_dir, name)
    fig.savefig(path, dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return name


def auroc_by_lag(ctx, out_dir):
    """AUROC (|effect|) by lag for every truth and method, neuron level, both fit groups."""
    specs, methods, lags = ctx["specs"], ctx["methods"], ctx["args"].lags
    groups = [("combined", "per-worm fits combined"), ("joint", "worms as segments of one fit")]
    fig, axes = plt.subplots(len(groups), len(specs), figsize=(2.6 * len(specs), 5.4),
                             sharey=True, squeeze=False)
    for gi, (group, gtitle) in enumerate(groups):
        for si, spec in enumerate(specs):
            ax = axes[gi][si]
            for k, m in enumerate(methods):
                rows = [s for s in ctx["scores"] if s["group"] == group and s["truth"] == spec.key
                        and not s["class_level"] and s["method"] == m]
                rows.sort(key=lambda s: s["lag"])
                x = np.array([s["lag"] for s in rows]) + (k - len(methods) / 2) * 0.06
                y = np.array([s["auroc"] for s in rows], dtype=float)
                lo = np.array([s["auroc_ci"][0] for s in rows])
                hi = np.array([s["auroc_ci"][1] for s in rows])
                ax.errorbar(x, y, yerr=[y - lo, hi - y], marker="o", ms=3, lw=1, capsize=2,
                            color=COLORS.get(m), label=fits.METHOD_NAMES[m])
            ax.axhline(0.5, color="0.6", lw=0.8, ls=":")
            ax.set_xticks(range(1, lags + 1))
            if gi == 0:
                ax.set_title(spec.title, fontsize=8)
            if gi == len(groups) - 1:
                dt = np.median([w.info["frame_period"] for w in ctx["worms"]])
                ax.set_xlabel(f"lag (frames of {dt:.2f} s)", fontsize=8)
            if si == 0:
                ax.set_ylabel(f"AUROC |effect|\n{gtitle}", fontsize=8)
            ax.tick_params(labelsize=7)
    axes[0][0].legend(fontsize=6, loc="upper left")
    fig.suptitle("AUROC by lag and truth (neuron level; bars: 95 % pair-bootstrap interval)",
                 fontsize=9)
    return _save(fig, out_dir, "auroc_by_lag.png")


def pvalue_histograms(ctx, out_dir):
    """p-values at lag 1 pooled over the worms: real recordings vs the circular-shift null."""
    methods = [m for m in ctx["methods"] if m in ctx["hist"]]
    fig, axes = plt.subplots(1, len(methods), figsize=(2.5 * len(methods), 2.4), sharey=True,
                             squeeze=False)
    bins = np.linspace(0, 1, 21)
    for ax, m in zip(axes[0], methods):
        for key, color, label in (("real", COLORS.get(m), "real"), ("null", "0.4", "shift null")):
            p = ctx["hist"][m][key]
            p = p[~np.isnan(p)]
            ax.hist(p, bins=bins, density=True, histtype="step" if key == "null" else "stepfilled",
                    color=color, alpha=0.6 if key == "real" else 1.0, lw=1.2, label=label)
        ax.axhline(1.0, color="k", lw=0.6, ls=":")
        ax.set_title(fits.METHOD_NAMES[m], fontsize=8)
        ax.set_xlabel("p (lag 1)", fontsize=8)
        ax.tick_params(labelsize=7)
    axes[0][0].set_ylabel("density", fontsize=8)
    axes[0][0].legend(fontsize=6)
    fig.suptitle("p-value histograms, worms pooled: real vs circularly shifted traces "
                 "(uniform = density 1)", fontsize=9, y=1.04)
    return _save(fig, out_dir, "pvalue_histograms.png")


def effect_vs_atlas(ctx, out_dir):
    """Estimated effect (lag 1, combined fit) against the Randi wild-type atlas weight."""
    spec = next(s for s in ctx["specs"] if s.key == "randi_wt")
    table = ctx["tables"][spec.key]
    shown = [m for m in ("sbtg", "pearson") if m in ctx["methods"]]
    fig, axes = plt.subplots(1, len(shown), figsize=(3.8 * len(shown), 3.0), squeeze=False)
    fig.subplots_adjust(wspace=0.35)
    for ax, m in zip(axes[0], shown):
        res = fits.load_result(ctx["combined"][m])
        _, truth = tr.joined_truth(table, res["names"], False, False)
        eff = res["lags"][1]["effect"]
        ok = ~np.isnan(truth) & ~np.eye(len(truth), dtype=bool) & ~np.isnan(eff)
        zero = ok & (truth == 0)
        edge = ok & (truth != 0)
        ax.scatter(np.zeros(zero.sum()) + np.random.default_rng(1).normal(0, 1.5, zero.sum()),
                   eff[zero], s=2, color="0.75", label="no edge (jittered)", rasterized=True)
        ax.scatter(truth[edge], eff[edge], s=6, color=COLORS.get(m), label="atlas edge")
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(0, color="k", lw=0.5)
        r = np.corrcoef(truth[edge], eff[edge])[0, 1] if edge.sum() > 2 else math.nan
        ax.set_title(f"{fits.METHOD_NAMES[m]} (r on edges = {r:.2f})", fontsize=8)
        ax.set_xlabel("atlas weight (100 x dF/F, row = stimulated)", fontsize=8)
        ax.set_ylabel("effect, lag 1 (combined)", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6, markerscale=2)
    return _save(fig, out_dir, "effect_vs_atlas.png")


def cell_types(data):
    """NemaNode cell table: normalised name -> one of TYPE_COLORS' keys."""
    out = {}
    path = os.path.join(data, "celegans_connectome_and_celltypes", "nemanode_cells.csv")
    if not os.path.exists(path):
        return out
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            codes = row["type_codes"]
            kind = ("sensory" if "s" in codes else "motor" if "m" in codes else
                    "inter" if "i" in codes else "neuromodulatory" if "n" in codes else "other")
            out[nm.normalize(row["name"])] = (kind, "n" in codes)
    return out


def top_edges(ctx, out_dir, count=40):
    """The SBTG graph's strongest edges (lag 1, combined fit), on a circle ordered by cell type.

    Solid arrows are supported by a reference (Cook chemical or gap junction, or a Randi
    wild-type edge, in either direction); dashed arrows by none.
    """
    m = "sbtg" if "sbtg" in ctx["methods"] else "pearson"
    res = fits.load_result(ctx["combined"][m])
    names_ = res["names"]
    lag = res["lags"][1]
    n = len(names_)
    off = ~np.eye(n, dtype=bool)
    p = np.where(off & ~np.isnan(lag["p"]), lag["p"], np.inf)
    order = np.argsort(p, axis=None, kind="stable")[:count]
    edges = [(int(k // n), int(k % n)) for k in order if np.isfinite(p.flat[k])]
    support = np.zeros((n, n), dtype=bool)
    for spec in ctx["specs"]:
        if spec.key in ("cook_chem", "cook_gap", "randi_wt"):
            _, t = tr.joined_truth(ctx["tables"][spec.key], names_, False, spec.undirected)
            t = np.nan_to_num(t)
            support |= (t != 0) | (t.T != 0)
    nodes = sorted({k for e in edges for k in e})
    types = cell_types(ctx["args"].data)
    kind = {k: types.get(nm.normalize(names_[k]), ("other", False)) for k in nodes}
    rank = list(TYPE_COLORS)
    nodes.sort(key=lambda k: (rank.index(kind[k][0]), names_[k]))
    angle = {k: 2 * math.pi * i / max(len(nodes), 1) for i, k in enumerate(nodes)}
    pos = {k: (math.cos(a), math.sin(a)) for k, a in angle.items()}
    fig, ax = plt.subplots(figsize=(6.2, 6.2))
    for j, i in edges:  # [target, source]: arrow source -> target
        e = lag["effect"][j, i]
        ax.annotate("", xy=pos[j], xytext=pos[i],
                    arrowprops=dict(arrowstyle="-|>", lw=1.0, shrinkA=7, shrinkB=7,
                                    color="#b2182b" if e > 0 else "#2166ac",
                                    ls="-" if support[j, i] else "--", alpha=0.8,
                                    connectionstyle="arc3,rad=0.12"))
    for k in nodes:
        t, modulatory = kind[k]
        ax.scatter(*pos[k], s=110, color=TYPE_COLORS[t], zorder=3,
                   edgecolors="k" if modulatory else "none", linewidths=1.5)
        x, y = pos[k]
        ax.text(1.13 * x, 1.13 * y, names_[k], fontsize=7, ha="center", va="center")
    for t, c in TYPE_COLORS.items():
        ax.scatter([], [], color=c, label=t)
    ax.plot([], [], color="#b2182b", label="excitatory (effect > 0)")
    ax.plot([], [], color="#2166ac", label="inhibitory (effect < 0)")
    ax.plot([], [], color="k", ls="--", label="no reference edge")
    ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=3)
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    sel = int((lag["selected"][off] != 0).sum())
    ax.set_title(f"{fits.METHOD_NAMES[m]}: {len(edges)} smallest-p edges at lag 1, combined fit "
                 f"({sel} BH-selected)\nnode colour = NemaNode type, black ring = neuromodulatory",
                 fontsize=8)
    return _save(fig, out_dir, "top_edges.png")


def zebrafish_edges(ctx, out_dir, count=60):
    """Each fish: cells at their image coordinates coloured by assembly, with the SBTG graph's
    smallest-p edges at lag 1."""
    m = "sbtg" if "sbtg" in ctx["methods"] else "pearson"
    fish = ctx["fish"]
    fig, axes = plt.subplots(1, len(fish), figsize=(4.2 * len(fish), 3.8), squeeze=False)
    palette = plt.get_cmap("tab10")
    for ax, f in zip(axes[0], fish):
        res = fits.load_result(ctx["fit_dirs"][("fish", m, f["name"])])
        lag = res["lags"][1]
        n = len(res["names"])
        xy = f["coords"]
        first = np.full(n, -1)
        for a, cells in reversed(list(enumerate(f["assemblies"]))):
            first[cells] = a
        p = np.where(~np.eye(n, dtype=bool) & ~np.isnan(lag["p"]), lag["p"], np.inf)
        for k in np.argsort(p, axis=None, kind="stable")[:count]:
            j, i = divmod(int(k), n)
            if np.isfinite(p[j, i]):
                ax.plot([xy[i, 0], xy[j, 0]], [xy[i, 1], xy[j, 1]], color="0.3", lw=0.6,
                        alpha=0.6)
        colors = [palette(a % 10) if a >= 0 else "0.85" for a in first]
        ax.scatter(xy[:, 0], xy[:, 1], s=18, c=colors, zorder=3, edgecolors="k", linewidths=0.3)
        ax.invert_yaxis()
        ax.set_aspect("equal")
        ax.set_title(f"{f['name']}: {count} smallest-p {fits.METHOD_NAMES[m]} edges (lag 1)\n"
                     "colour = first assembly, grey = none", fontsize=8)
        ax.tick_params(labelsize=6)
    return _save(fig, out_dir, "zebrafish_edges.png")


def make_all(ctx, out_dir, log):
    out = {"auroc_by_lag": auroc_by_lag(ctx, out_dir)}
    if ctx["hist"]:
        out["pvalue_histograms"] = pvalue_histograms(ctx, out_dir)
    out["effect_vs_atlas"] = effect_vs_atlas(ctx, out_dir)
    out["top_edges"] = top_edges(ctx, out_dir)
    if ctx["fish"]:
        out["zebrafish_edges"] = zebrafish_edges(ctx, out_dir)
    for key, name in out.items():
        size = os.path.getsize(os.path.join(out_dir, name)) / 1024
        log(f"figure {name}: {size:.0f} KB")
    return out
