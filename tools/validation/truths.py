"""Ground truths by name: the report's specs and a pair-level join equal to `sbtg eval`'s.

A truth file is read in its own orientation, turned to [target, source], and joined to a list of
recording names (neuron level: normalised names; class level: NeuronClass), as in
engine/eval/truth.cpp: a pair (target j, source i) is defined when the target's key is on the
truth's target axis and the source's key on its source axis; the diagonal and two columns with the
same key are undefined (NaN). The value is the member entry of largest |value| (class level), and
with `undirected` the larger of the two directions.
"""
import csv
import os
from dataclasses import dataclass, field

import numpy as np

import names as nm


@dataclass
class TruthSpec:
    key: str            # short id used in tables and file names
    title: str          # what the report calls it
    path: str           # file, absolute
    kind: str = "matrix"        # "matrix" (ReadNamedMatrixCsv layouts) or "edges" (name,name,w)
    rows_are_sources: bool = True
    signed: bool = False
    undirected: bool = False
    note: str = ""

    def eval_args(self, class_level):
        """The `sbtg eval` options that load this truth."""
        args = ["--truth-matrix" if self.kind == "matrix" else "--truth-edges", self.path,
                "--orientation", "rows-are-sources" if self.rows_are_sources else "rows-are-targets"]
        if self.signed:
            args.append("--signed")
        if self.undirected:
            args.append("--undirected")
        if class_level:
            args.append("--class-level")
        return args


@dataclass
class TruthTable:
    """A truth file oriented [target, source] with its two name axes."""
    values: np.ndarray
    target_names: list
    source_names: list
    cache: dict = field(default_factory=dict)


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def read_named_matrix(path):
    """Cook layout (corner cell, named rows), named rows without corner, or no row names (Randi)."""
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f) if r]
    header = [h.strip() for h in rows[0]]
    first = rows[1]
    if len(first) == len(header) + 1:
        cols, named = header, True
    elif len(first) == len(header):
        named = not all(_is_number(v) for v in first)
        cols = header[1:] if named else header
    else:
        raise ValueError(f"{path}: first data line has {len(first)} fields, header {len(header)}")
    row_names = [r[0].strip() for r in rows[1:]] if named else list(cols)
    values = np.array([[float(v) for v in (r[1:] if named else r)] for r in rows[1:]])
    return values, row_names, cols


def read_edge_list(path):
    """name,name,weight lines (tab-separated for .tsv); a non-numeric first line is a header."""
    delim = "\t" if path.endswith(".tsv") else ","
    index, names, edges = {}, [], []
    with open(path, newline="") as f:
        for k, r in enumerate(csv.reader(f, delimiter=delim)):
            if not r:
                continue
            if k == 0 and not _is_number(r[2]):
                continue
            for nme in r[:2]:
                if nme not in index:
                    index[nme] = len(names)
                    names.append(nme)
            edges.append((index[r[0]], index[r[1]], float(r[2])))
    values = np.zeros((len(names), len(names)))
    for a, b, w in edges:
        values[a, b] = w
    return values, names, names


def load_table(spec):
    """The truth file as [target, source] values with target and source names."""
    if spec.kind == "matrix":
        values, row_names, col_names = read_named_matrix(spec.path)
    else:
        values, row_names, col_names = read_edge_list(spec.path)
    if spec.rows_are_sources:
        return TruthTable(values.T.copy(), list(col_names), list(row_names))
    return TruthTable(values, list(row_names), list(col_names))


def _axis(names_, class_level):
    axis = {}
    for k, n in enumerate(names_):
        key = nm.neuron_class(n) if class_level else nm.normalize(n)
        axis.setdefault(key, []).append(k)
    return axis


def _collapsed(table, class_level):
    """Key-level matrix: entry (target key, source key) = member value of largest |value|."""
    if class_level in table.cache:
        return table.cache[class_level]
    t_axis, s_axis = _axis(table.target_names, class_level), _axis(table.source_names, class_level)
    for axis, what in ((t_axis, "target"), (s_axis, "source")):
        dup = [k for k, v in axis.items() if len(v) > 1]
        if dup and not class_level:
            raise ValueError(f"truth {what} names normalise alike: {dup[:3]}")
    t_keys, s_keys = list(t_axis), list(s_axis)
    if class_level:
        out = np.zeros((len(t_keys), len(s_keys)))
        for a, tk in enumerate(t_keys):
            block_rows = table.values[t_axis[tk]]
            for b, sk in enumerate(s_keys):
                flat = block_rows[:, s_axis[sk]].ravel()
                out[a, b] = flat[int(np.argmax(np.abs(flat)))]
    else:
        out = table.values[np.ix_([t_axis[k][0] for k in t_keys], [s_axis[k][0] for k in s_keys])]
    result = ({k: i for i, k in enumerate(t_keys)}, {k: i for i, k in enumerate(s_keys)}, out)
    table.cache[class_level] = result
    return result


def joined_truth(table, recording_names, class_level, undirected):
    """Truth over the recording's names (or its classes), NaN where undefined.

    Returns (keys, matrix): keys are the class names (class level, in order of first appearance)
    or the recording names' normalised keys.
    """
    if class_level:
        keys, _ = nm.class_groups(recording_names)
    else:
        keys = [nm.normalize(n) for n in recording_names]
    t_index, s_index, m = _collapsed(table, class_level)
    ti = np.array([t_index.get(k, -1) for k in keys])
    si = np.array([s_index.get(k, -1) for k in keys])
    # forward[j, i] = truth(target key j, source key i), NaN when either key is absent.
    padded = np.full((m.shape[0] + 1, m.shape[1] + 1), np.nan)
    padded[:-1, :-1] = m
    forward = padded[np.ix_(ti, si)]
    out = forward
    if undirected:
        backward = forward.T  # truth(target key i, source key j): the other direction
        larger = np.abs(np.nan_to_num(backward)) > np.abs(np.nan_to_num(forward))
        take_back = np.isnan(forward) | larger
        out = np.where(take_back, backward, forward)
    same = np.array(keys)[:, None] == np.array(keys)[None, :]
    out = np.where(same, np.nan, out)
    return keys, out


def node_names(spec):
    """Every neuron key the truth defines (either axis), neuron level."""
    table = load_table(spec)
    return {nm.normalize(n) for n in table.target_names + table.source_names}


def report_truths(data):
    """The truths of the report, in table order."""
    conn = os.path.join(data, "connectome")
    randi = os.path.join(data, "leifer_randi2023_funconn")
    return [
        TruthSpec("randi_wt", "Randi 2023 atlas, wild type",
                  os.path.join(randi, "funconn_wt_matrix.csv"), signed=True,
                  note="row = stimulated = source; signed; 0 = not significant or not measured"),
        TruthSpec("randi_unc31", "Randi 2023 atlas, unc-31",
                  os.path.join(randi, "funconn_unc31_matrix.csv"), signed=True,
                  note="neuropeptide-release mutant: mostly fast synaptic propagation"),
        TruthSpec("cook_chem", "Cook 2019 chemical synapses",
                  os.path.join(conn, "herm_chem_cells.csv"),
                  note="row = presynaptic = source (transposed to [target, source])"),
        TruthSpec("cook_gap", "Cook 2019 gap junctions",
                  os.path.join(conn, "herm_gap_sym_cells.csv"), undirected=True,
                  note="electrical, undirected: an edge in both directions"),
    ]


def write_witvliet_edges(src, dst):
    """Witvliet 2021 chemical synapses as a `sbtg eval` edge list (pre,post,n_synapses).

    Every cell of the dataset (also cells with only electrical contacts) is listed through a
    zero-weight self pair, so the truth's node set is the reconstructed cells, not only the cells
    that happen to have a chemical synapse; self pairs are never evaluated.
    """
    weights, cells = {}, []
    with open(src, newline="") as f:
        for row in csv.DictReader(f):
            for c in (row["pre"], row["post"]):
                if c not in cells:
                    cells.append(c)
            if row["type"] == "chemical":
                key = (row["pre"], row["post"])
                weights[key] = weights.get(key, 0.0) + float(row["n_synapses"])
    tmp = dst + ".tmp"
    with open(tmp, "w") as f:
        f.write("pre,post,n_synapses\n")
        for (a, b), w in weights.items():
            f.write(f"{a},{b},{w:g}\n")
        for c in cells:
            if (c, c) not in weights:
                f.write(f"{c},{c},0\n")
    os.replace(tmp, dst)
    return TruthSpec("witvliet8", "Witvliet 2021 adult (dataset 8) chemical", dst, kind="edges",
                     note="row = presynaptic; nerve-ring cells only; number of synapses")
