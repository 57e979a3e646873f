#!/usr/bin/env python3
"""Wide-data max margins (issue 17 item 4): `steepest margin` on n samples, k classes, d >> n features.

Generates a Gaussian-mixture dataset (class means N(0, I_d)/sqrt(d) * 3, noise N(0, sigma^2 I_d), balanced
labels, numpy seed --seed), writes it as JSON, and runs `steepest margin --data ... --norm N` under
`/usr/bin/time -v` for each norm, printing per norm: wall seconds, peak RSS (MB), gamma, the certified
bracket and its relative width, and the reduction info (rank of the data). For k = 2 every unitarily
invariant norm has the same gamma (the optimum W = [-v/2; v/2] is rank one), which the output shows.

Measured 2026-12-02 (n = 40, k = 2, d = 3000, sigma = 1, seed 0; load average 17-18 on the 2 cores, so
CPU time is the comparable figure and wall time is mostly waiting for a core):

| norm | CPU s | wall s | peak RSS MB | gamma [certified bracket] | rel. width | rank used |
|---|---|---|---|---|---|---|
| nuclear | 1.48 | 16.6 | 52 | 12.638971334 [12.6389713335, 12.6389713340] | 3.7e-11 | 40 |
| spectral | 0.03 | 0.40 | 18 | 12.638971334 [12.6389713339, 12.6389713340] | 7.5e-12 | 40 |
| fro | 0.02 | 0.42 | 16 | 12.638971334 [12.6389713340, 12.6389713340] | 2.1e-12 | 40 |
| max | 0.41 | 3.9 | 50 | 774.08847288 (no reduction: not unitarily invariant) | 1.8e-11 | - |
| sum | 2.14 | 27.8 | 59 | 0.46167214157 (no reduction) | 2.7e-11 | - |

Before the reduction the nuclear program had a dense PSD cone of order k + d = 3002 (the issue measured
16 GB at d = 300); it is now refused up front if it would not fit, and solved at order k + rank = 42.

Needs numpy and a release binary. Run from the repository root:
    cargo build --release && python3 benches/margin_wide.py [--n 40 --k 2 --d 3000] [--norms nuclear,spectral]
"""
import argparse
import json
import os
import re
import subprocess
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def dataset(n, k, d, sigma, seed):
    rng = np.random.default_rng(seed)
    means = 3.0 * rng.standard_normal((k, d)) / np.sqrt(d)
    y = np.arange(n) % k
    x = means[y] + sigma * rng.standard_normal((n, d))
    return {"classes": k, "x": x.tolist(), "y": y.tolist()}


def run(binary, path, norm):
    res = subprocess.run(["/usr/bin/time", "-v", binary, "margin", "--data", path, "--norm", norm],
                         capture_output=True, text=True)
    if res.returncode != 0:
        return {"exit": res.returncode, "stderr": res.stderr.strip().splitlines()[0]}
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", res.stderr).group(1)
    parts = [float(p) for p in wall.split(":")]
    secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", res.stderr).group(1))
    cpu = sum(float(re.search(rf"{k} time \(seconds\): (\S+)", res.stderr).group(1)) for k in ("User", "System"))
    out = json.loads(res.stdout)
    return {
        "wall_s": secs,
        "cpu_s": cpu,
        "peak_rss_mb": rss_kb / 1024,
        "gamma": out["gamma"],
        "bracket": [out["lower"], out["upper"]],
        "relative_width": (out["upper"] - out["lower"]) / out["upper"],
        "reduction": out["info"].get("row_span_reduction", {}).get("rank"),
        "solver_wall_ms": out["info"].get("wall_ms"),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--k", type=int, default=2)
    ap.add_argument("--d", type=int, default=3000)
    ap.add_argument("--sigma", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--norms", default="nuclear,spectral,fro,max,sum")
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "steepest"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "wide.json")
        with open(path, "w") as f:
            json.dump(dataset(args.n, args.k, args.d, args.sigma, args.seed), f)
        summary = {"data": {"n": args.n, "k": args.k, "d": args.d, "sigma": args.sigma, "seed": args.seed},
                   "load_average": os.getloadavg(), "results": {}}
        for norm in args.norms.split(","):
            summary["results"][norm] = run(args.binary, path, norm)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
