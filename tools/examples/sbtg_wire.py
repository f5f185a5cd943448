"""Helpers for the sbtg ZeroMQ wire formats, version 1 (see docs/wire-format.md).

Ingest (rig -> engine):  [topic][JSON header][n little-endian float32 values]
Graphs (engine -> you):  [graph/lag{r}][JSON header][arrays...], plus [edges][JSON] and [stats][JSON]

Only pyzmq and numpy are needed (Debian: python3-zmq, python3-numpy).
"""
import json
import math

import numpy as np

WIRE_VERSION = 1


def encode_frame(values, seq, t=None, stream="rig", topic="frames", segment=None, names=None, missing=None):
    """Returns the three parts of one ingest frame message for a 1-D array of n values."""
    v = np.ascontiguousarray(values, dtype="<f4").ravel()
    header = {
        "schema": "sbtg.frame",
        "version": WIRE_VERSION,
        "stream": stream,
        "seq": int(seq),
        "t": None if t is None or not math.isfinite(t) else float(t),
        "n": int(v.size),
        "dtype": "float32",
    }
    if segment is not None:
        header["segment"] = str(segment)
    if names is not None:
        header["names"] = [str(x) for x in names]
    if missing is not None:
        header["missing"] = [int(i) for i in missing]
    return [topic.encode(), json.dumps(header).encode(), v.tobytes()]


def encode_meta(names, frame_period=0.0, stream="rig", topic="frames"):
    """A metadata message: neuron names (and the frame period) for the stream."""
    header = {"schema": "sbtg.meta", "version": WIRE_VERSION, "stream": stream, "n": len(names),
              "names": [str(x) for x in names], "frame_period": float(frame_period)}
    return [topic.encode(), json.dumps(header).encode()]


_DTYPES = {"<f8": np.dtype("<f8"), "|i1": np.dtype("i1")}


def decode_graph(parts):
    """(header dict, {name: n x n array}) for a graph message; arrays are [target, source]."""
    header = json.loads(parts[1])
    if header.get("schema") != "sbtg.graph" or header.get("version") != WIRE_VERSION:
        raise ValueError("not a version-%d sbtg.graph message" % WIRE_VERSION)
    arrays = {}
    for desc, raw in zip(header["arrays"], parts[2:]):
        a = np.frombuffer(raw, dtype=_DTYPES[desc["dtype"]])
        arrays[desc["name"]] = a.reshape(desc["shape"])
    if len(arrays) != len(header["arrays"]):
        raise ValueError("graph message is missing arrays")
    return header, arrays


def decode_json(parts):
    """The header of an edges or stats message."""
    return json.loads(parts[1])
