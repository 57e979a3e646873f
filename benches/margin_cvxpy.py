#!/usr/bin/env python3
"""CVXPY + Clarabel reference timing for the max-margin programs of benches/margin.rs.

Solves gamma_N = 1 / min{ ||W||_N : (w_{y_i} - w_c)^T h_i >= 1 for all c != y_i } on
tests/fixtures/dataset.paper.json (k = 10, d = 25, n = 500) for the spectral and nuclear norms (and
fro, max), with the Clarabel options of the oracle (tol 1e-10, max_iter 400), and prints the wall time
of each solve (problem construction included, as a user would see it) and gamma.

Needs: pip install cvxpy clarabel numpy. Run from the repository root, next to `cargo bench --bench margin`:
    python3 benches/margin_cvxpy.py
"""
import json
import time

import cvxpy as cp
import numpy as np

data = json.load(open("tests/fixtures/dataset.paper.json"))
X = np.asarray(data["x"], dtype=float)
y = np.asarray(data["y"], dtype=int)
k = int(data["classes"])
n, d = X.shape

# Pair matrix rows: margin of (i, c) = <A_ic, W> with A_ic = (e_{y_i} - e_c) h_i^T.
rows = []
for i in range(n):
    for c in range(k):
        if c != y[i]:
            a = np.zeros((k, d))
            a[y[i]] += X[i]
            a[c] -= X[i]
            rows.append(a.ravel())
A = np.asarray(rows)

norms = {
    "spectral": lambda W: cp.sigma_max(W),
    "nuclear": lambda W: cp.normNuc(W),
    "fro": lambda W: cp.norm(W, "fro"),
    "max": lambda W: cp.max(cp.abs(W)),
}
opts = dict(tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10, max_iter=400)
for name, f in norms.items():
    t0 = time.perf_counter()
    W = cp.Variable((k, d))
    prob = cp.Problem(cp.Minimize(f(W)), [A @ cp.vec(W, order="C") >= 1])
    prob.solve(solver=cp.CLARABEL, **opts)
    dt = time.perf_counter() - t0
    print(f"{name:>9}: {dt:8.3f} s  gamma = {1.0 / prob.value:.12f}  status = {prob.status}")
