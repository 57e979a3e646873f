#!/usr/bin/env python3
"""Big inputs/outputs and the second core (issue #17, items 6 and 7): steepest against NumPy (and
torch when it is importable), both sides in the same run, ratios printed.

1. replay: T Muon steps (torch.optim.Muon semantics in f64: momentum 0.95, Nesterov, Keller's
   quintic, 5 Newton–Schulz steps, X/max(||X||_F, eps), lr 0.02, wd 0) on one r x r matrix, from
   the same gradients. steepest runs `replay --threads 1` JSON -> JSON and .npz -> .npz under
   /usr/bin/time -v (CPU seconds = user + sys, max RSS); the peers load the .npz, run the same
   loop on one thread (OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)) and save the params as
   .npz, also under /usr/bin/time -v. The largest |difference| of the final W to steepest's is
   printed (the products are summed in different orders: expect ~1e-12, not 0).
2. Newton–Schulz on an n x n matrix (Keller's coefficients): GFLOP/s per thread count. steepest is
   timed as `orthogonalize --input g.npy --report o.npy --threads N` at S1 and S2 steps and the
   rate taken from the difference (process start and I/O cancel); NumPy runs the same loop in
   process with OPENBLAS_NUM_THREADS=N. Nominal flops per step: 4 m^2 n + 2 m^3 (XX^T, A^2, BX; m =
   n here: 6 n^3) on both sides, although NumPy may compute X @ X.T with syrk (half the work).
   Also prints whether steepest's output with N threads equals (bit for bit) its 1-thread output,
   and the largest difference if not.

Usage: python3 benches/io_replay_ns.py [--steps 1000] [--rows 256] [--ns-n 1024]
       [--binary target/release/steepest] [--skip-json] [--only replay|ns]
Needs numpy (e.g. a venv with `pip install numpy`; torch optional). Writes scratch files under a
temporary directory (the JSON input of the default replay is about 1.3 GB).
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

PEER_NUMPY = r"""
import sys, time
import numpy as np
src, dst = sys.argv[1], sys.argv[2]
z = np.load(src)
W = z["W0"].copy(); G = z["grads"]
lr, mu, eps = 0.02, 0.95, 1e-7
a, b, c = 3.4445, -4.7750, 2.0315
s = max(1.0, W.shape[0] / W.shape[1]) ** 0.5
buf = np.zeros_like(W)
P = np.empty((G.shape[0],) + W.shape)
t0 = time.perf_counter()
for t in range(G.shape[0]):
    g = G[t]
    buf += (1 - mu) * (g - buf)
    u = g + mu * (buf - g)
    X = u.T if u.shape[0] > u.shape[1] else u
    X = X / max(np.linalg.norm(X), eps)
    for _ in range(5):
        A = X @ X.T
        B = b * A + c * (A @ A)
        X = a * X + B @ X
    if u.shape[0] > u.shape[1]:
        X = X.T
    W = W - lr * s * X
    P[t] = W
loop = time.perf_counter() - t0
np.savez(dst, params=P)
print(loop)
"""

PEER_TORCH = r"""
import sys, time
import numpy as np
import torch
torch.set_num_threads(1)
src, dst = sys.argv[1], sys.argv[2]
z = np.load(src)
W = torch.nn.Parameter(torch.from_numpy(z["W0"].copy()))
G = torch.from_numpy(z["grads"])
opt = torch.optim.Muon([W], lr=0.02, weight_decay=0.0, momentum=0.95, nesterov=True)
P = np.empty((G.shape[0],) + tuple(W.shape))
t0 = time.perf_counter()
for t in range(G.shape[0]):
    W.grad = G[t].clone()
    opt.step()
    P[t] = W.detach().numpy()
loop = time.perf_counter() - t0
np.savez(dst, params=P)
print(loop)
"""

PEER_NS = r"""
import sys, time
import numpy as np
n, steps = int(sys.argv[1]), int(sys.argv[2])
X = np.load(sys.argv[3])
X = X / (np.linalg.norm(X) + 1e-7)
a, b, c = 3.4445, -4.7750, 2.0315
A = X @ X.T  # warm-up
t0 = time.perf_counter()
for _ in range(steps):
    A = X @ X.T
    B = b * A + c * (A @ A)
    X = a * X + B @ X
dt = time.perf_counter() - t0
print(dt / steps)
"""


def timed(cmd, env=None):
    """Run cmd under /usr/bin/time -v: (stdout, wall s, CPU s, max RSS MiB)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
    user = float(re.search(r"User time \(seconds\): ([\d.]+)", p.stderr).group(1))
    sys_ = float(re.search(r"System time \(seconds\): ([\d.]+)", p.stderr).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return p.stdout, wall, user + sys_, rss / 1024


def one_thread_env(threads=1):
    env = dict(os.environ)
    for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[k] = str(threads)
    return env


def replay(args, tmp, np):
    rng = np.random.default_rng(20261202)
    r, T = args.rows, args.steps
    W0 = rng.standard_normal((r, r)) / r**0.5
    G = rng.standard_normal((T, r, r))
    npz_in = os.path.join(tmp, "run.npz")
    np.savez(npz_in, W0=W0, grads=G)
    spec = "muon:lr=0.02,momentum=0.95,nesterov=true,wd=0"
    rows = []
    npz_out = os.path.join(tmp, "out.npz")
    _, wall, cpu, rss = timed(
        [args.binary, "--quiet", "replay", "--optimizer", spec, "--input", npz_in,
         "--report", npz_out, "--threads", "1"])
    rows.append(("steepest npz->npz", wall, cpu, rss))
    ours = np.load(npz_out)["params"]
    data_mib = G.nbytes / 2**20
    if not args.skip_json:
        js_in = os.path.join(tmp, "run.json")
        with open(js_in, "w") as f:
            f.write('{"W0": ')
            json.dump(W0.tolist(), f)
            f.write(', "grads": [')
            for t in range(T):
                if t:
                    f.write(", ")
                json.dump(G[t].tolist(), f)
            f.write("]}")
        js_out = os.path.join(tmp, "out.json")
        _, wall, cpu, rss = timed(
            [args.binary, "--quiet", "replay", "--optimizer", spec, "--input", js_in,
             "--report", js_out, "--threads", "1"])
        rows.append(("steepest json->json", wall, cpu, rss))
        with open(js_out) as f:
            last = np.array(json.load(f)["params"][-1])
        assert np.array_equal(last, ours[-1]), "JSON and npz paths must agree bit for bit"
        sizes = (os.path.getsize(js_in) / 2**20, os.path.getsize(js_out) / 2**20)
        os.remove(js_in)
        os.remove(js_out)
    else:
        sizes = None
    peers = [("numpy", PEER_NUMPY)]
    try:
        subprocess.run([sys.executable, "-c", "import torch; torch.optim.Muon"], check=True,
                       capture_output=True)
        peers.append(("torch", PEER_TORCH))
    except subprocess.CalledProcessError:
        print("torch (with torch.optim.Muon) is not importable: the NumPy Muon is the peer",
              file=sys.stderr)
    diffs = {}
    for name, code in peers:
        out = os.path.join(tmp, f"{name}.npz")
        _, wall, cpu, rss = timed([sys.executable, "-c", code, npz_in, out], env=one_thread_env())
        rows.append((f"{name} npz->npz (1 thread)", wall, cpu, rss))
        diffs[name] = float(np.max(np.abs(np.load(out)["params"][-1] - ours[-1])))
    best_peer_cpu = min(cpu for n, _, cpu, _ in rows if not n.startswith("steepest"))
    print(f"\n## replay: {T} Muon steps on {r}x{r} (gradients {data_mib:.0f} MiB of f64)")
    if sizes:
        print(f"JSON input {sizes[0]:.0f} MiB, JSON output {sizes[1]:.0f} MiB")
    print(f"{'side':32} {'wall s':>8} {'CPU s':>8} {'max RSS MiB':>12} {'CPU / best peer':>16}")
    for name, wall, cpu, rss in rows:
        print(f"{name:32} {wall:8.2f} {cpu:8.2f} {rss:12.0f} {cpu / best_peer_cpu:16.2f}")
    for name, d in diffs.items():
        print(f"max |W_T(steepest) - W_T({name})| = {d:.2e}")


def ns(args, tmp, np):
    n = args.ns_n
    rng = np.random.default_rng(7)
    g = os.path.join(tmp, "g.npy")
    np.save(g, rng.standard_normal((n, n)))
    flops = 6.0 * n**3
    s1, s2 = 5, 5 + args.ns_extra
    print(f"\n## Newton–Schulz {n}x{n} (Keller), GFLOP/s at 6 n^3 per step")
    print(f"{'threads':>7} {'steepest':>9} {'numpy':>9} {'steepest / numpy':>17}")
    outs = {}
    nproc = os.cpu_count() or 1
    for threads in sorted({1, nproc}):
        def run(steps):
            out = os.path.join(tmp, f"o{threads}_{steps}.npy")
            _, wall, _, _ = timed(
                [args.binary, "--quiet", "orthogonalize", "--coefficients", "keller", "--steps",
                 str(steps), "--input", g, "--report", out, "--threads", str(threads)])
            return wall, out
        best = None
        for _ in range(args.reps):
            w1, o = run(s1)
            w2, _ = run(s2)
            per = (w2 - w1) / (s2 - s1)
            best = per if best is None else min(best, per)
        outs[threads] = np.load(o)
        peer = min(
            float(subprocess.run([sys.executable, "-c", PEER_NS, str(n), str(args.ns_extra), g],
                                 capture_output=True, text=True, check=True,
                                 env=one_thread_env(threads)).stdout)
            for _ in range(args.reps))
        ours_rate, peer_rate = flops / best / 1e9, flops / peer / 1e9
        print(f"{threads:7d} {ours_rate:9.1f} {peer_rate:9.1f} {ours_rate / peer_rate:17.2f}")
    base = outs[1]
    for threads, o in outs.items():
        if threads != 1:
            same = np.array_equal(o, base)
            print(f"{threads} threads vs 1: bit-identical = {same}, "
                  f"max |difference| = {float(np.max(np.abs(o - base))):.2e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--rows", type=int, default=256)
    ap.add_argument("--ns-n", type=int, default=1024)
    ap.add_argument("--ns-extra", type=int, default=20, help="extra NS steps timed")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "steepest"))
    ap.add_argument("--skip-json", action="store_true")
    ap.add_argument("--only", choices=["replay", "ns"])
    args = ap.parse_args()
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # this process's own NumPy (data generation)
    import numpy as np

    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "replay"):
            replay(args, tmp, np)
        if args.only in (None, "ns"):
            ns(args, tmp, np)


if __name__ == "__main__":
    main()
