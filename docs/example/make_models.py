#!/usr/bin/env python3
"""Write the example model files of `steepest aion solve --model` (docs/guide.md, "Writing a model").

Run from the repository root: python3 docs/example/make_models.py
Targets are realisable, y = f(x; theta_star), computed here in double precision.
"""
import json
import math
import random

OUT = "docs/example/"


def linspace(a, b, n):
    return [a + (b - a) * k / (n - 1) for k in range(n)]


def write(name, doc):
    with open(OUT + name, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")


# fig1: the data, theta_star and theta0 of `--preset fig1` (d = r = P = 1, N = 64).
ts = dict(A=1.5, al=-0.7, om=4.0, ph=0.5)
x0 = linspace(-1.0, 1.0, 64)
f1 = lambda t, x: t["A"] * math.exp(t["al"] * x) * math.cos(t["om"] * x + t["ph"])
write("fig1.model.json", {
    "expr": "A*exp(al*x0)*cos(om*x0 + ph)",
    "data": {"x0": x0, "y": [f1(ts, x) for x in x0]},
    "loss": "squared",
    "theta0": dict(A=1.0, al=-0.2, om=3.3, ph=0.0),
    "solver": {"inner": "lm", "tol": 1e-12},
})

# rank2: AION with r = d = P = 2 (32 parameters), theta_star and theta0 of `--preset rank2`,
# N = 400 inputs uniform in [-1, 1]^2 from Python's random.Random(1).
STAR = [1.2, -0.5, 2.0, 0.3, 0.6, 0.4, 5.0, -0.8,
        1.0, 0.3, 1.5, -0.2, -0.5, -0.6, 4.0, 1.1,
        0.8, 0.2, 3.0, 0.9, 0.4, -0.3, 6.5, 0.1,
        1.1, -0.4, 2.5, 0.6, 0.7, 0.5, 0.8, -1.0]
PERT = [0.08, -0.06, 0.10, -0.05, -0.04, 0.07, -0.09, 0.06,
        -0.07, 0.05, 0.08, 0.04, 0.06, -0.08, 0.05, -0.07,
        0.05, 0.09, -0.06, 0.08, -0.09, 0.04, 0.07, -0.05,
        0.06, -0.07, -0.08, 0.05, 0.07, 0.06, -0.04, 0.09]
names = []
for j in (1, 2):
    for i in (1, 2):
        for p in (1, 2):
            names += [f"{b}_{j}_{i}_{p}" for b in ("A", "al", "om", "ph")]
rng = random.Random(1)
X = [[rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0)] for _ in range(400)]


def aion(theta, x):
    t = dict(zip(names, theta))
    tot = 0.0
    for j in (1, 2):
        prod = 1.0
        for i in (1, 2):
            s = 0.0
            for p in (1, 2):
                k = f"_{j}_{i}_{p}"
                s += t["A" + k] * math.exp(t["al" + k] * x[i - 1]) * math.cos(t["om" + k] * x[i - 1] + t["ph" + k])
            prod *= s
        tot += prod
    return tot


def psi(j, i):
    return "(" + " + ".join(
        f"A_{j}_{i}_{p}*exp(al_{j}_{i}_{p}*x{i - 1})*cos(om_{j}_{i}_{p}*x{i - 1} + ph_{j}_{i}_{p})" for p in (1, 2)) + ")"


y = [aion(STAR, x) for x in X]
theta0 = [a + b for a, b in zip(STAR, PERT)]
write("rank2.model.json", {
    "expr": " + ".join("*".join(psi(j, i) for i in (1, 2)) for j in (1, 2)),
    "data": {"x0": [x[0] for x in X], "x1": [x[1] for x in X], "y": y},
    "loss": "squared",
    "theta0": dict(zip(names, theta0)),
    # the product-scale gauge psi_{j,1} -> c psi_{j,1}, psi_{j,2} -> psi_{j,2}/c: hold A_{j,2,1} at theta0
    "solver": {"inner": "lm", "tol": 1e-12, "fixed": ["A_1_2_1", "A_2_2_1"]},
})
# The same problem as an AION config for the hand-derived path (`aion solve --config`).
write("rank2.config.json", {"rank": 2, "terms": 2, "x": X, "y": y, "theta0": theta0})

# poly: a polynomial model in two inputs (linear in its parameters: one Newton step is exact).
g = linspace(-1.0, 1.0, 7)
P = [(a, b) for a in g for b in g]
cs = dict(c0=0.5, c1=-1.0, c2=2.0, c3=0.3, c4=-0.7)
fp = lambda c, x: c["c0"] + c["c1"] * x[0] + c["c2"] * x[0] ** 2 + c["c3"] * x[0] * x[1] + c["c4"] * x[1] ** 3
write("poly.model.json", {
    "expr": "c0 + c1*x0 + c2*x0^2 + c3*x0*x1 + c4*x1^3",
    "data": {"x0": [p[0] for p in P], "x1": [p[1] for p in P], "y": [fp(cs, p) for p in P]},
    "theta0": dict(c0=0.0, c1=0.0, c2=0.0, c3=0.0, c4=0.0),
})

# tanh: one tanh neuron; outside the Infinity Class (refused for Infinite Descent).
xt = linspace(-2.0, 2.0, 41)
write("tanh.model.json", {
    "expr": "a*tanh(w*x0 + b)",
    "data": {"x0": xt, "y": [1.3 * math.tanh(0.8 * x - 0.2) for x in xt]},
    "theta0": dict(a=1.0, w=1.0, b=0.0),
})

# rational: a rational atom a/(1 + w x^2); outside the Infinity Class (its translates in w leave every
# finite linear span), refused for Infinite Descent.
xr = linspace(-2.0, 2.0, 41)
write("rational.model.json", {
    "expr": "a/(1 + w*x0^2)",
    "data": {"x0": xr, "y": [1.4 / (1.0 + 0.7 * x * x) for x in xr]},
    "theta0": dict(a=1.0, w=1.0),
})
