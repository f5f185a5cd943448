#!/usr/bin/env python3
"""Subscribe to the graphs a running `sbtg stream --publish ENDPOINT` publishes.

  python3 tools/examples/subscribe_graphs.py --endpoint tcp://127.0.0.1:5560 --count 5

Prints, for each graph snapshot, the strongest FDR-selected edges (source -> target, effect,
q-value). A late joiner first receives the latest cached graph (header "cached": true). Exit status 1
when nothing arrives within --timeout seconds.
"""
import argparse
import sys

import numpy as np
import zmq

import sbtg_wire


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--endpoint", default="tcp://127.0.0.1:5560")
    ap.add_argument("--lag", type=int, default=0, help="only this lag (0 = every lag)")
    ap.add_argument("--count", type=int, default=0, help="graphs to print before exiting (0 = forever)")
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for each message")
    args = ap.parse_args()

    ctx = zmq.Context()
    sock = ctx.socket(zmq.SUB)
    sock.setsockopt(zmq.RCVTIMEO, int(args.timeout * 1000))
    sock.setsockopt(zmq.LINGER, 0)
    # Note: "graph/lag1" is a prefix of "graph/lag10"; the header's "lag" field is authoritative.
    sock.setsockopt_string(zmq.SUBSCRIBE, "graph/lag%d" % args.lag if args.lag else "graph/")
    sock.connect(args.endpoint)
    seen = 0
    while args.count <= 0 or seen < args.count:
        try:
            parts = sock.recv_multipart()
        except zmq.Again:
            print("no graph within %.1f s from %s" % (args.timeout, args.endpoint), file=sys.stderr)
            return 1
        header, arrays = sbtg_wire.decode_graph(parts)
        if args.lag and header["lag"] != args.lag:
            continue
        seen += 1
        names = header["names"]
        effect, q, selected = arrays["effect"], arrays["q"], arrays["selected"]
        targets, sources = np.nonzero(selected)
        order = np.argsort(-np.abs(effect[targets, sources]))
        print("%s seq %d%s: n=%d windows=%d frames %d..%d model v%d, %d edges selected (FDR %s %.2g)" % (
            parts[0].decode(), header["seq"], " (cached)" if header["cached"] else "", header["n"],
            header["windows"], header["frames"]["first_sequence"], header["frames"]["last_sequence"],
            header["model"]["version"], header["selected"], header["test"]["fdr"], header["test"]["alpha"]))
        for k in order[: args.top]:
            j, i = targets[k], sources[k]
            print("    %s -> %s  effect %+.4f  q %.2g" % (names[i], names[j], effect[j, i], q[j, i]))
        sys.stdout.flush()
    sock.close()
    ctx.term()
    return 0


if __name__ == "__main__":
    sys.exit(main())
