#!/usr/bin/env python3
"""One NSD step on the paper setup (n = 500, k = 10, d = 25) in NumPy versus `steepest train`.

Both run the same loop: W_0 = 0, eta_t = eta0 / sqrt(t), W <- W - eta_t * LMO(grad CE(W)), for T steps on
tests/fixtures/dataset.paper.json, with the stable cross-entropy gradient (correct-class residual as
-sum of the other probabilities). LMOs: sign (max norm), G/||G||_F (Frobenius), U V^T from the thin SVD
(spectral). The Rust side is timed end to end through the release binary (process start, JSON loading and
the few log-spaced records included, so its figure is an upper bound per step).

Usage: python3 benches/nsd_step_numpy.py [--steps T] [--reps R] [--binary target/release/steepest]
Prints a JSON summary: median (over R alternating repetitions) wall-clock and CPU microseconds per step
for each geometry and the speed-ups NumPy/Rust (CPU time is the fairer figure on a shared machine; NumPy's BLAS may use several threads).
The spectral W differ by ~1e-2 because np.linalg.svd keeps the null singular direction of the rank-(k−1)
gradient (rows of ∇L sum to 0) while the library's polar factor truncates at the numerical rank, the
paper's "truncated SVD".
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
DATA = os.path.join(ROOT, "tests", "fixtures", "dataset.paper.json")


def lmo(name, g):
    if name == "max":
        return np.sign(g)
    if name == "fro":
        n = np.linalg.norm(g)
        return g / n if n > 0 else g
    u, _, vt = np.linalg.svd(g, full_matrices=False)
    return u @ vt


def nsd_numpy(x, y, k, norm, eta0, steps):
    n, d = x.shape
    w = np.zeros((k, d))
    ar = np.arange(n)
    for t in range(1, steps + 1):
        z = x @ w.T
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        p[ar, y] = 0.0
        p[ar, y] = -p.sum(axis=1)
        g = p.T @ x / n
        w -= eta0 / np.sqrt(t) * lmo(norm, g)
    return w


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--reps", type=int, default=3, help="alternating NumPy/Rust repetitions (medians)")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "steepest"))
    args = ap.parse_args()
    data = json.load(open(DATA))
    x = np.asarray(data["x"], dtype=np.float64)
    y = np.asarray(data["y"], dtype=np.int64)
    k = int(data["classes"])
    out = {"steps": args.steps, "reps": args.reps, "n": x.shape[0], "d": x.shape[1], "k": k,
           "numpy": np.__version__, "load_average": os.getloadavg(), "results": {}}
    for norm, spec, eta0 in [("max", "sign", 0.1), ("fro", "nsd:norm=fro", 0.1), ("spectral", "nsd:norm=spectral", 0.05)]:
        t_np, c_np, t_rs, c_rs = [], [], [], []
        for _ in range(args.reps):
            t0, c0 = time.perf_counter(), time.process_time()
            w = nsd_numpy(x, y, k, norm, eta0, args.steps)
            t_np.append((time.perf_counter() - t0) / args.steps)
            c_np.append((time.process_time() - c0) / args.steps)
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            res = subprocess.run(
                [args.binary, "train", "--data", DATA, "--optimizer", spec, "--schedule",
                 f"power:eta0={eta0},a=0.5", "--steps", str(args.steps), "--per-decade", "1", "--norms", norm],
                check=True, capture_output=True, text=True)
            t_rs.append((time.perf_counter() - t0) / args.steps)
            ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            c_rs.append(((ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)) / args.steps)
        w_rs = np.asarray(json.loads(res.stdout)["W"])
        med = statistics.median
        out["results"][norm] = {
            "numpy_us_per_step": med(t_np) * 1e6,
            "rust_us_per_step": med(t_rs) * 1e6,
            "speedup": med(t_np) / med(t_rs),
            "numpy_cpu_us_per_step": med(c_np) * 1e6,
            "rust_cpu_us_per_step": med(c_rs) * 1e6,
            "cpu_speedup": med(c_np) / med(c_rs),
            "max_abs_diff_W": float(np.abs(w - w_rs).max()),
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
