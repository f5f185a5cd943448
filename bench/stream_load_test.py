#!/usr/bin/env python3
"""Whole-program load test of the live engine on loopback (acceptance 6; bench/README.md, "Streaming").

Starts `sbtg stream` with a ZeroMQ PULL source and training running, starts a sender process
(tools/examples/send_frames.py --rate 0) that pushes frames as fast as the engine accepts (block
policy: backpressure, nothing dropped), follows the engine's stats heartbeats, and once every frame
was processed stops the engine with SIGINT. Prints sustained frames/s (median of the heartbeats while
the engine was saturated) and the frame-to-update / frame-to-publish latency percentiles.

  python3 bench/stream_load_test.py --sbtg build/release/tools/sbtg/sbtg --n 300 --frames 30000

SBTG_LOAD_VERBOSE=1 also prints the engine's own output (its exit summary).
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time

import zmq

HERE = os.path.dirname(os.path.abspath(__file__))
SENDER = os.path.join(HERE, "..", "tools", "examples", "send_frames.py")


def free_port(ctx):
    s = ctx.socket(zmq.REP)
    port = s.bind_to_random_port("tcp://127.0.0.1")
    s.close(0)
    return port


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sbtg", required=True, help="path to the sbtg binary")
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--frames", type=int, default=30000)
    ap.add_argument("--model", default="linear")
    ap.add_argument("--window", type=int, default=1000)
    ap.add_argument("--max-hac-lag", type=int, default=16)
    ap.add_argument("--warm-frames", type=int, default=2000,
                    help="frames sent first at --warm-rate so a model exists and training runs before the blast")
    ap.add_argument("--warm-rate", type=float, default=500.0)
    ap.add_argument("--extra", default="", help="more sbtg stream options, space-separated")
    args = ap.parse_args()

    ctx = zmq.Context()
    ingest, pub = free_port(ctx), free_port(ctx)
    cmd = [args.sbtg, "stream", "--source", "zmq:tcp://127.0.0.1:%d?n=%d&period=0.05" % (ingest, args.n),
           "--model", args.model, "--hidden", "64", "--window", str(args.window), "--max-hac-lag",
           str(args.max_hac_lag), "--publish", "tcp://127.0.0.1:%d" % pub, "--snapshot-interval", "1",
           "--heartbeat", "0.5", "--status-interval", "0"] + args.extra.split()
    engine = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sub = ctx.socket(zmq.SUB)
    sub.setsockopt_string(zmq.SUBSCRIBE, "stats")
    sub.setsockopt(zmq.RCVTIMEO, 2000)
    sub.connect("tcp://127.0.0.1:%d" % pub)
    time.sleep(1.0)
    def send(frames, rate, start):
        return subprocess.run([sys.executable, SENDER, "--endpoint", "tcp://127.0.0.1:%d" % ingest, "--n",
                               str(args.n), "--frames", str(frames), "--rate", str(rate), "--start-seq", str(start),
                               "--period", "0.05"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=True)
    paced = None
    if args.warm_frames > 0:
        send(args.warm_frames, args.warm_rate, 0)
        # Latency at a sustainable rate: the heartbeat once the paced warm-up frames are all processed.
        while True:
            h = json.loads(sub.recv_multipart()[1])
            if h["frames_processed"] >= args.warm_frames:
                paced = h
                break
    total = args.warm_frames + args.frames
    sender = subprocess.Popen([sys.executable, SENDER, "--endpoint", "tcp://127.0.0.1:%d" % ingest, "--n",
                               str(args.n), "--frames", str(args.frames), "--rate", "0", "--start-seq",
                               str(args.warm_frames), "--period", "0.05"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    beats, last = [], None
    deadline = time.time() + 600
    while time.time() < deadline:
        try:
            parts = sub.recv_multipart()
        except zmq.Again:
            if engine.poll() is not None:
                break
            continue
        last = json.loads(parts[1])
        if last["frames_processed"] > args.warm_frames:
            beats.append(last)  # the blast phase only
        if last["frames_processed"] >= total:
            break
    engine.send_signal(signal.SIGINT)
    out, _ = engine.communicate(timeout=60)
    sender_out, _ = sender.communicate(timeout=60)
    final = None
    try:
        while True:
            h = json.loads(sub.recv_multipart()[1])
            if h.get("final"):
                final = h
                break
    except zmq.Again:
        pass
    final = final or last
    saturated = [b["frames_per_second"] for b in beats if b["queue_depth"] > 0 and b["frames_per_second"] > 0]
    busy = [b for b in beats if b["frames_per_second"] > 0]
    span = (busy[-1]["uptime_s"] - busy[0]["uptime_s"] + 0.5) if len(busy) > 1 else float("nan")
    u, p = final["latency_update_total"], final["latency_publish_total"]
    print("n=%d frames=%d model=%s window=%d L=%d | engine exit %s" % (
        args.n, final["frames_processed"], args.model, args.window, args.max_hac_lag, engine.returncode))
    print("  sustained frames/s (median of saturated heartbeats): %s" % (
        "%.0f" % statistics.median(saturated) if saturated else "n/a (never saturated)"))
    print("  overall frames/s (processed / busy span): %.0f" % (final["frames_processed"] / span))
    if paced is not None:
        w = paced["latency_update_total"]
        print("  paced phase (%d frames at %.0f/s): frame->update latency us: p50 %.0f  p90 %.0f  p99 %.0f  max %.0f" % (
            args.warm_frames, args.warm_rate, w["p50_us"], w["p90_us"], w["p99_us"], w["max_us"]))
    print("  whole run incl. saturated blast: frame->update latency us: p50 %.0f  p90 %.0f  p99 %.0f  max %.0f" % (
        u["p50_us"], u["p90_us"], u["p99_us"], u["max_us"]))
    print("  frame->publish latency us: p50 %.0f  p99 %.0f (%d snapshots)" % (p["p50_us"], p["p99_us"], p["count"]))
    print("  trainer: %d steps, %.1f steps/s at the end, model v%d; dropped %d, rejected %d, handoff dropped %d" % (
        final["trainer_steps"], final["steps_per_second"], final["model_version"],
        final["dropped_oldest"] + final["dropped_newest"], final["rejected_total"],
        final["trainer_handoff_dropped"]))
    if os.environ.get("SBTG_LOAD_VERBOSE"): print(out)
    print("  sender: " + sender_out.strip().splitlines()[-1] if sender_out.strip() else "  sender: (no output)")
    return 0 if engine.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
