#!/usr/bin/env python3
"""Send frames to a running `sbtg stream --source zmq:...` (what rig software does).

  # terminal 1: the engine listens (PULL, bound) for 20 neurons and publishes graphs
  sbtg stream --source "zmq:tcp://127.0.0.1:5555?n=20&period=0.05" --publish tcp://127.0.0.1:5560
  # terminal 2: push 2000 frames at 20 Hz (random data, or --file recording.npy of frames x neurons)
  python3 tools/examples/send_frames.py --endpoint tcp://127.0.0.1:5555 --n 20 --frames 2000 --rate 20

--rate 0 sends as fast as the engine accepts (a load test). Exit status 0 when every frame was sent.
"""
import argparse
import sys
import time

import numpy as np
import zmq

import sbtg_wire


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--endpoint", default="tcp://127.0.0.1:5555")
    ap.add_argument("--socket", choices=["push", "pub"], default="push",
                    help="push connects to the engine's PULL (default); pub binds for the engine's SUB")
    ap.add_argument("--n", type=int, default=20, help="values per frame (ignored with --file)")
    ap.add_argument("--frames", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=20.0, help="frames per second; 0 = as fast as possible")
    ap.add_argument("--period", type=float, default=0.0,
                    help="seconds between source timestamps t = seq * period (default 1/rate, or 0.05 at rate 0);"
                         " must match the engine's period= or every frame counts as a time gap")
    ap.add_argument("--file", help=".npy array, frames x neurons (float)")
    ap.add_argument("--stream", default="rig")
    ap.add_argument("--segment", default=None)
    ap.add_argument("--start-seq", type=int, default=0)
    ap.add_argument("--names", action="store_true", help="send a metadata message with neuron names first")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    if args.file:
        data = np.load(args.file).astype("<f4")
    else:
        rng = np.random.default_rng(args.seed)
        # Independent AR(1) neurons, so the stream has realistic autocorrelation.
        data = np.zeros((args.frames, args.n), dtype="<f4")
        for t in range(1, args.frames):
            data[t] = 0.9 * data[t - 1] + rng.standard_normal(args.n)
    frames = min(args.frames, data.shape[0])
    n = data.shape[1]

    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUSH if args.socket == "push" else zmq.PUB)
    sock.setsockopt(zmq.SNDHWM, 100000)
    if args.socket == "push":
        sock.connect(args.endpoint)
    else:
        sock.bind(args.endpoint)
        time.sleep(0.5)  # let subscribers connect (PUB drops messages sent before they do)
    period = 1.0 / args.rate if args.rate > 0 else 0.0
    stamp = args.period if args.period > 0 else (period or 0.05)
    if args.names:
        sock.send_multipart(sbtg_wire.encode_meta(["neuron%d" % i for i in range(n)], stamp, args.stream))
    start = time.monotonic()
    for k in range(frames):
        if period > 0:
            delay = start + k * period - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        seq = args.start_seq + k
        sock.send_multipart(sbtg_wire.encode_frame(data[k], seq, t=seq * stamp,
                                                   stream=args.stream, segment=args.segment))
    elapsed = time.monotonic() - start
    sock.close(linger=5000)  # wait for queued frames to reach the engine
    ctx.term()
    print("sent %d frames of n=%d in %.2f s (%.0f frames/s)" % (frames, n, elapsed, frames / max(elapsed, 1e-9)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
