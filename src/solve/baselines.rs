//! Baselines for the Infinite Descent step, on any [`Objective`], each run to ‖∇L(θ)‖₂ ≤ tol (the
//! Infinite Descent tolerance) or its iteration budget, with its cost counted by an independent
//! [`Counted`] wrapper and its wall time:
//!
//! * [`gradient_descent`]: θ ← θ − η∇L with Armijo backtracking;
//! * [`damped_newton`]: Levenberg-shifted Newton with Armijo backtracking on the gauge-free
//!   coordinates;
//! * [`newton_cg`]: line-search Newton–CG (truncated conjugate gradients on the Newton system),
//!   the comparison of Batley & Saha 2025 (arXiv 2510.05489, Fig. 1); Nocedal & Wright,
//!   *Numerical Optimization*, 2nd ed., Algorithm 7.1;
//! * [`lbfgs`]: L-BFGS, two-loop recursion with memory m = 10 and a strong-Wolfe line search;
//!   Nocedal & Wright Algorithms 7.4, 7.5, 3.5 and 3.6.
//!
//! Written here rather than taken from `argmin` (whose L-BFGS and Newton–CG fit): the second-order
//! methods must move only the gauge-free coordinates ([`Objective::gauge_free`]) and the costs must
//! be counted by kind (loss / gradient / Hessian calls, Hessian-vector products), and argmin with
//! `argmin-math` would be a new dependency tree (not in this machine's cargo cache) for ≈ 300
//! lines of well-known algorithms.

use super::multistart::Budgets;
use super::objective::{Counted, Objective};
use super::{dot, norm2};
use faer::linalg::solvers::Solve;
use faer::{Mat, Side};
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::time::Instant;

/// A baseline run: iterations to ‖∇L‖₂ ≤ tol (or the budget), its final point and its cost.
#[derive(Clone, Debug)]
pub struct Baseline {
    /// Method name.
    pub method: &'static str,
    /// Iterations taken (accepted steps, one direction each).
    pub iterations: usize,
    /// Calls of the objective of any kind (L only, L and ∇L, or L, ∇L and ∇²L), line-search trials
    /// included.
    pub evaluations: usize,
    /// Of those, calls that computed ∇L.
    pub gradient_evaluations: usize,
    /// Of those, calls that formed ∇²L.
    pub hessian_evaluations: usize,
    /// Hessian-vector products (the conjugate-gradient iterations of Newton–CG; 0 otherwise).
    pub hessian_vector_products: usize,
    /// Whether ‖∇L‖ ≤ tol was reached within the budget.
    pub converged: bool,
    /// Final L.
    pub loss: f64,
    /// Final ‖∇L‖₂.
    pub grad_norm: f64,
    /// Final θ.
    pub theta: Vec<f64>,
    /// Wall time of the run in milliseconds (a timing field: not reproducible).
    pub wall_ms: f64,
}

impl Baseline {
    /// The run as an entry of the report's `baselines` object (without the final θ).
    pub fn to_json(&self) -> Value {
        json!({
            "method": self.method,
            "iterations": self.iterations,
            "evaluations": self.evaluations,
            "gradient_evaluations": self.gradient_evaluations,
            "hessian_evaluations": self.hessian_evaluations,
            "hessian_vector_products": self.hessian_vector_products,
            "converged": self.converged,
            "loss": crate::io::num(self.loss),
            "grad_norm": crate::io::num(self.grad_norm),
            "wall_ms": crate::io::num(self.wall_ms),
        })
    }
}

/// Gradient descent, damped Newton, Newton–CG and L-BFGS from `theta0`, each to ‖∇L‖₂ ≤ `tol`
/// within its budget: the report's `baselines` object.
pub fn run_all<O: Objective + ?Sized>(o: &O, theta0: &[f64], tol: f64, budgets: &Budgets) -> Value {
    let gd = gradient_descent(o, theta0, tol, budgets.gradient_descent);
    let nt = damped_newton(o, theta0, tol, budgets.newton);
    let ncg = newton_cg(o, theta0, tol, budgets.newton);
    let lb = lbfgs(o, theta0, tol, budgets.lbfgs);
    json!({
        "gradient_descent": gd.to_json(),
        "newton": nt.to_json(),
        "newton_cg": ncg.to_json(),
        "lbfgs": lb.to_json(),
        "tol": tol,
    })
}

/// Common end of a run: counts from the wrapper, final point, wall time.
#[allow(clippy::too_many_arguments)]
fn finish<O: Objective + ?Sized>(
    method: &'static str,
    o: &Counted<'_, O>,
    iterations: usize,
    products: usize,
    tol: f64,
    loss: f64,
    g: &[f64],
    theta: Vec<f64>,
    start: Instant,
) -> Baseline {
    let c = o.calls();
    let gn = norm2(g);
    Baseline {
        method,
        iterations,
        evaluations: c.total(),
        gradient_evaluations: c.gradients(),
        hessian_evaluations: c.hessian,
        hessian_vector_products: products,
        converged: gn <= tol,
        loss,
        grad_norm: gn,
        theta,
        wall_ms: start.elapsed().as_secs_f64() * 1e3,
    }
}

/// Gradient descent θ ← θ − η∇L with Armijo backtracking (η starts at twice the last accepted
/// step, halves until L decreases by ≥ 10⁻⁴·η‖∇L‖²), to ‖∇L‖₂ ≤ tol.
pub fn gradient_descent<O: Objective + ?Sized>(
    obj: &O,
    theta0: &[f64],
    tol: f64,
    max_iter: usize,
) -> Baseline {
    let start = Instant::now();
    let o = Counted::new(obj);
    let mut th = theta0.to_vec();
    let (mut l, mut g) = o.gradient(&th);
    let mut eta: f64 = 1.0;
    let mut it = 0;
    while norm2(&g) > tol && it < max_iter {
        it += 1;
        let g2 = dot(&g, &g);
        eta *= 2.0;
        let mut accepted = false;
        for _ in 0..60 {
            let tt: Vec<f64> = th.iter().zip(&g).map(|(a, b)| a - eta * b).collect();
            let lt = o.loss(&tt);
            if lt <= l - 1e-4 * eta * g2 {
                th = tt;
                accepted = true;
                break;
            }
            eta *= 0.5;
        }
        if !accepted {
            break;
        }
        (l, g) = o.gradient(&th);
    }
    finish("gradient-descent-armijo", &o, it, 0, tol, l, &g, th, start)
}

/// Armijo backtracking along d on the coordinates `free`, from step 1, halving up to 60 times
/// until L(θ + s·d) ≤ L(θ) + 10⁻⁴·s·∇Lᵀd. The accepted point, or None.
fn armijo_backtrack<O: Objective + ?Sized>(
    o: &O,
    th: &[f64],
    free: &[usize],
    d: &[f64],
    l: f64,
    slope: f64,
) -> Option<Vec<f64>> {
    let mut step = 1.0;
    for _ in 0..60 {
        let mut tt = th.to_vec();
        for (k, &c) in free.iter().enumerate() {
            tt[c] += step * d[k];
        }
        if o.loss(&tt) <= l + 1e-4 * step * slope {
            return Some(tt);
        }
        step *= 0.5;
    }
    None
}

/// ∇²L and ∇L restricted to the coordinates `free`.
fn reduce(h: &Mat<f64>, g: &[f64], free: &[usize]) -> (Mat<f64>, Vec<f64>) {
    let m = free.len();
    (
        Mat::from_fn(m, m, |r, c| h[(free[r], free[c])]),
        free.iter().map(|&c| g[c]).collect(),
    )
}

/// Damped Newton: d = −(H + τI)⁻¹∇L on the gauge-free coordinates (τ = 0 if H is positive definite,
/// else the smallest τ = 10^k·10⁻⁸‖H‖ that makes the Cholesky factorization succeed), then Armijo
/// backtracking from step 1, to ‖∇L‖₂ ≤ tol.
pub fn damped_newton<O: Objective + ?Sized>(
    obj: &O,
    theta0: &[f64],
    tol: f64,
    max_iter: usize,
) -> Baseline {
    let start = Instant::now();
    let o = Counted::new(obj);
    let free = o.gauge_free();
    let m = free.len();
    let mut th = theta0.to_vec();
    let (mut l, mut g, mut h) = o.hessian(&th);
    let mut it = 0;
    while norm2(&g) > tol && it < max_iter {
        it += 1;
        let (hr, gr) = reduce(&h, &g, &free);
        let rhs = Mat::from_fn(m, 1, |k, _| -gr[k]);
        let hn = hr.norm_l2().max(1e-300);
        let mut tau = 0.0;
        let dir = loop {
            let mut a = hr.clone();
            for k in 0..m {
                a[(k, k)] += tau;
            }
            if let Ok(ch) = a.llt(Side::Lower) {
                break Some(ch.solve(&rhs));
            }
            tau = if tau == 0.0 { 1e-8 * hn } else { tau * 10.0 };
            if tau > 1e20 * hn {
                break None;
            }
        };
        let Some(dir) = dir else { break };
        let d: Vec<f64> = (0..m).map(|k| dir[(k, 0)]).collect();
        let Some(tt) = armijo_backtrack(&o, &th, &free, &d, l, dot(&gr, &d)) else {
            break;
        };
        th = tt;
        (l, g, h) = o.hessian(&th);
    }
    finish("damped-newton", &o, it, 0, tol, l, &g, th, start)
}

/// Truncated conjugate gradients on H p = −g (the inner loop of Nocedal & Wright Algorithm 7.1):
/// from p = 0, stop when the residual ‖Hp + g‖ ≤ `eps`, or on a direction of non-positive
/// curvature dᵀHd ≤ 0 (then return the current p, or −g if that happens at the first iteration),
/// or after `max_iter` iterations. Returns p and the number of products H·d.
pub fn truncated_cg(h: &Mat<f64>, g: &[f64], eps: f64, max_iter: usize) -> (Vec<f64>, usize) {
    let n = g.len();
    let mut p = vec![0.0; n];
    let mut r = g.to_vec();
    let mut d: Vec<f64> = g.iter().map(|v| -v).collect();
    let mut rr = dot(&r, &r);
    let mut products = 0;
    for j in 0..max_iter {
        if rr.sqrt() <= eps {
            break;
        }
        let hd = super::matvec(h, &d);
        products += 1;
        let dhd = dot(&d, &hd);
        if dhd <= 0.0 || !dhd.is_finite() {
            if j == 0 {
                return (d, products);
            }
            break;
        }
        let alpha = rr / dhd;
        for k in 0..n {
            p[k] += alpha * d[k];
            r[k] += alpha * hd[k];
        }
        let rr_new = dot(&r, &r);
        let beta = rr_new / rr;
        rr = rr_new;
        for k in 0..n {
            d[k] = -r[k] + beta * d[k];
        }
    }
    (p, products)
}

/// Line-search Newton–CG (Nocedal & Wright Algorithm 7.1; the baseline of Batley & Saha 2025,
/// arXiv 2510.05489, Fig. 1): at θ_k form ∇²L once (gauge-free coordinates), solve
/// ∇²L p = −∇L by [`truncated_cg`] to the forcing tolerance ‖r‖ ≤ min(½, √‖∇L‖)·‖∇L‖
/// (superlinear convergence, N&W Theorem 7.2) within 2n iterations, then Armijo backtracking from
/// step 1; to ‖∇L‖₂ ≤ tol.
pub fn newton_cg<O: Objective + ?Sized>(
    obj: &O,
    theta0: &[f64],
    tol: f64,
    max_iter: usize,
) -> Baseline {
    let start = Instant::now();
    let o = Counted::new(obj);
    let free = o.gauge_free();
    let mut th = theta0.to_vec();
    let (mut l, mut g, mut h) = o.hessian(&th);
    let mut it = 0;
    let mut products = 0;
    while norm2(&g) > tol && it < max_iter {
        it += 1;
        let (hr, gr) = reduce(&h, &g, &free);
        let gn = norm2(&gr);
        let (d, k) = truncated_cg(&hr, &gr, gn.sqrt().min(0.5) * gn, 2 * free.len());
        products += k;
        let slope = dot(&gr, &d);
        if slope.is_nan() || slope >= 0.0 {
            break;
        }
        let Some(tt) = armijo_backtrack(&o, &th, &free, &d, l, slope) else {
            break;
        };
        th = tt;
        (l, g, h) = o.hessian(&th);
    }
    finish("newton-cg", &o, it, products, tol, l, &g, th, start)
}

/// Memory of [`lbfgs`] (Nocedal & Wright recommend 3 ≤ m ≤ 20).
pub const LBFGS_MEMORY: usize = 10;

/// Sufficient-decrease and curvature constants of the strong-Wolfe line search (c₁, c₂), the
/// values Nocedal & Wright give for quasi-Newton methods (§3.1).
const WOLFE: (f64, f64) = (1e-4, 0.9);

/// A point on the search line: step α, φ(α) = L(θ + αd), φ'(α) = ∇L(θ + αd)ᵀd, and ∇L there.
#[derive(Clone)]
struct LinePoint {
    alpha: f64,
    phi: f64,
    dphi: f64,
    grad: Vec<f64>,
}

/// The minimizer of the cubic interpolating φ and φ' at a and b (Nocedal & Wright (3.59)),
/// safeguarded to the middle 80 % of the interval; the midpoint if the cubic has no minimizer.
fn cubic_step(a: &LinePoint, b: &LinePoint) -> f64 {
    let (lo, hi) = (a.alpha.min(b.alpha), a.alpha.max(b.alpha));
    let w = hi - lo;
    let d1 = a.dphi + b.dphi - 3.0 * (a.phi - b.phi) / (a.alpha - b.alpha);
    let disc = d1 * d1 - a.dphi * b.dphi;
    let t = if disc >= 0.0 {
        let d2 = (b.alpha - a.alpha).signum() * disc.sqrt();
        b.alpha - (b.alpha - a.alpha) * (b.dphi + d2 - d1) / (b.dphi - a.dphi + 2.0 * d2)
    } else {
        f64::NAN
    };
    if t.is_finite() {
        t.clamp(lo + 0.1 * w, hi - 0.1 * w)
    } else {
        lo + 0.5 * w
    }
}

/// A line search for a step satisfying the strong Wolfe conditions φ(α) ≤ φ(0) + c₁αφ'(0),
/// |φ'(α)| ≤ c₂|φ'(0)| (Nocedal & Wright Algorithms 3.5 and 3.6: bracketing by doubling from
/// `alpha0`, then zoom by safeguarded cubic interpolation). If it does not finish within its trial
/// budget, the best trial satisfying sufficient decrease; None if there is none.
fn strong_wolfe<O: Objective + ?Sized>(
    o: &O,
    th: &[f64],
    d: &[f64],
    phi0: f64,
    g0: &[f64],
    alpha0: f64,
) -> Option<LinePoint> {
    let (c1, c2) = WOLFE;
    let dphi0 = dot(g0, d);
    let at = |alpha: f64| -> LinePoint {
        let tt: Vec<f64> = th.iter().zip(d).map(|(a, b)| a + alpha * b).collect();
        let (phi, grad) = o.gradient(&tt);
        LinePoint {
            alpha,
            phi,
            dphi: dot(&grad, d),
            grad,
        }
    };
    let armijo = |p: &LinePoint| p.phi.is_finite() && p.phi <= phi0 + c1 * p.alpha * dphi0;
    let curvature = |p: &LinePoint| p.dphi.abs() <= -c2 * dphi0;
    let zero = LinePoint {
        alpha: 0.0,
        phi: phi0,
        dphi: dphi0,
        grad: g0.to_vec(),
    };
    // Algorithm 3.6 (zoom) on a bracket whose `lo` satisfies sufficient decrease with the lowest φ.
    let zoom = |mut lo: LinePoint, mut hi: LinePoint| -> Option<LinePoint> {
        for _ in 0..30 {
            let p = at(cubic_step(&lo, &hi));
            if !armijo(&p) || p.phi >= lo.phi {
                hi = p;
            } else {
                if curvature(&p) {
                    return Some(p);
                }
                if p.dphi * (hi.alpha - lo.alpha) >= 0.0 {
                    hi = lo;
                }
                lo = p;
            }
            if (hi.alpha - lo.alpha).abs() <= f64::EPSILON * lo.alpha.abs().max(1.0) {
                break;
            }
        }
        (lo.alpha > 0.0).then_some(lo)
    };
    // Algorithm 3.5 (bracketing).
    let mut prev = zero;
    let mut alpha = alpha0;
    for i in 0..30 {
        let p = at(alpha);
        if !armijo(&p) || (i > 0 && p.phi >= prev.phi) {
            return zoom(prev, p);
        }
        if curvature(&p) {
            return Some(p);
        }
        if p.dphi >= 0.0 {
            return zoom(p, prev);
        }
        alpha *= 2.0;
        prev = p;
    }
    (prev.alpha > 0.0).then_some(prev)
}

/// The L-BFGS direction −H_k g by the two-loop recursion (Nocedal & Wright Algorithm 7.4) over the
/// stored pairs (s_i, y_i), oldest first, with H_k⁰ = γI, γ = sᵀy/yᵀy of the newest pair ((7.20)).
fn two_loop(g: &[f64], pairs: &VecDeque<(Vec<f64>, Vec<f64>)>) -> Vec<f64> {
    let mut q = g.to_vec();
    let mut alphas = Vec::with_capacity(pairs.len());
    for (s, y) in pairs.iter().rev() {
        let a = dot(s, &q) / dot(y, s);
        for (qk, yk) in q.iter_mut().zip(y) {
            *qk -= a * yk;
        }
        alphas.push(a);
    }
    let gamma = pairs.back().map_or(1.0, |(s, y)| dot(s, y) / dot(y, y));
    let mut r: Vec<f64> = q.iter().map(|v| gamma * v).collect();
    for ((s, y), a) in pairs.iter().zip(alphas.iter().rev()) {
        let b = dot(y, &r) / dot(y, s);
        for (rk, sk) in r.iter_mut().zip(s) {
            *rk += (a - b) * sk;
        }
    }
    r.iter().map(|v| -v).collect()
}

/// L-BFGS (Nocedal & Wright Algorithm 7.5): d = −H_k∇L by the two-loop recursion (Algorithm 7.4,
/// H_k⁰ = γI with γ = sᵀy/yᵀy of the newest pair) over the last
/// [`LBFGS_MEMORY`] pairs s = θ_{k+1} − θ_k, y = ∇L_{k+1} − ∇L_k, then a strong-Wolfe line search
/// (c₁ = 10⁻⁴, c₂ = 0.9) from step 1 (from min(1, 1/‖∇L‖) on the first iteration, whose direction is −∇L);
/// a pair with sᵀy ≤ ε·yᵀy is not stored. To ‖∇L‖₂ ≤ tol, on all coordinates.
pub fn lbfgs<O: Objective + ?Sized>(
    obj: &O,
    theta0: &[f64],
    tol: f64,
    max_iter: usize,
) -> Baseline {
    let start = Instant::now();
    let o = Counted::new(obj);
    let mut th = theta0.to_vec();
    let (mut l, mut g) = o.gradient(&th);
    let mut pairs: VecDeque<(Vec<f64>, Vec<f64>)> = VecDeque::with_capacity(LBFGS_MEMORY);
    let mut it = 0;
    while norm2(&g) > tol && it < max_iter {
        it += 1;
        let mut d = two_loop(&g, &pairs);
        let slope = dot(&g, &d);
        if slope.is_nan() || slope >= 0.0 {
            pairs.clear();
            d = g.iter().map(|v| -v).collect();
        }
        let alpha0 = if pairs.is_empty() {
            (1.0 / norm2(&g)).min(1.0)
        } else {
            1.0
        };
        let Some(p) = strong_wolfe(&o, &th, &d, l, &g, alpha0) else {
            break;
        };
        let s: Vec<f64> = d.iter().map(|v| p.alpha * v).collect();
        let y: Vec<f64> = p.grad.iter().zip(&g).map(|(a, b)| a - b).collect();
        for (t, sk) in th.iter_mut().zip(&s) {
            *t += sk;
        }
        if dot(&s, &y) > f64::EPSILON * dot(&y, &y) {
            if pairs.len() == LBFGS_MEMORY {
                pairs.pop_front();
            }
            pairs.push_back((s, y));
        }
        l = p.phi;
        g = p.grad;
    }
    finish("l-bfgs", &o, it, 0, tol, l, &g, th, start)
}

#[cfg(test)]
mod tests {
    use super::super::objective::{Quadratic, Rosenbrock};
    use super::*;
    use rand::{Rng, SeedableRng};

    /// A random SPD quadratic of dimension n (A = BBᵀ + I, entries of B and θ* uniform in [−1, 1]).
    fn quadratic(n: usize, seed: u64) -> (Quadratic, Vec<f64>) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let b = Mat::from_fn(n, n, |_, _| rng.random_range(-1.0..1.0));
        let a = &b * b.transpose() + Mat::<f64>::identity(n, n);
        let xs: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        (
            Quadratic {
                a,
                minimizer: xs.clone(),
            },
            xs,
        )
    }

    fn dist(a: &[f64], b: &[f64]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y).powi(2))
            .sum::<f64>()
            .sqrt()
    }

    #[test]
    fn conjugate_gradients_solve_an_spd_system_in_n_iterations() {
        // N&W Theorem 5.1: CG reaches the solution in at most n steps (exact arithmetic); in f64 on
        // κ(A) ≤ 50 the residual after n steps is ≤ 1e-10·‖g‖.
        for n in [2, 5, 8] {
            let (q, xs) = quadratic(n, n as u64);
            let g = q.gradient(&vec![0.0; n]).1; // ∇L(0) = −Aθ*, so p = θ*
            let (p, k) = truncated_cg(&q.a, &g, 0.0, n);
            assert_eq!(k, n);
            assert!(dist(&p, &xs) <= 1e-10 * norm2(&xs), "n = {n}");
        }
    }

    #[test]
    fn truncated_cg_returns_steepest_descent_on_negative_curvature() {
        let h = Mat::from_fn(2, 2, |r, c| [[-1.0, 0.0], [0.0, 2.0]][r][c]);
        let (p, k) = truncated_cg(&h, &[1.0, 0.0], 1e-12, 4);
        assert_eq!((p, k), (vec![-1.0, 0.0], 1));
    }

    #[test]
    fn newton_methods_on_a_quadratic() {
        let n = 6;
        let (q, xs) = quadratic(n, 7);
        let t0 = vec![0.0; n];
        // Newton's step solves a quadratic exactly: damped Newton in one iteration.
        let dn = damped_newton(&q, &t0, 1e-10, 50);
        assert_eq!(dn.iterations, 1);
        assert!(dn.converged && dist(&dn.theta, &xs) <= 1e-9);
        // Newton–CG's step is that step solved to the forcing tolerance: on a quadratic the CG
        // iterate p has pᵀAp = −gᵀp, so L decreases by ½|gᵀp| and the unit step passes Armijo,
        // and ∇L(θ + p) is the CG residual: ‖∇L_{k+1}‖ ≤ η_k‖∇L_k‖, η_k = min(½, √‖∇L_k‖)
        // (one step with exact CG; superlinear with this forcing, N&W Theorem 7.2).
        let one = newton_cg(&q, &t0, 1e-10, 1);
        let g0 = norm2(&q.gradient(&t0).1);
        assert!(one.grad_norm <= g0.sqrt().min(0.5) * g0 * (1.0 + 1e-12));
        assert_eq!(one.evaluations, 3); // ∇²L at θ0, one trial, ∇²L at θ1
                                        // The iterations that recursion allows to reach 1e-10, plus one for the rounding of the
                                        // recursively updated CG residual against ∇L evaluated afresh.
        let (mut g, mut bound) = (g0, 1);
        while g > 1e-10 {
            g *= g.sqrt().min(0.5);
            bound += 1;
        }
        let ncg = newton_cg(&q, &t0, 1e-10, 50);
        assert!(ncg.converged && ncg.iterations <= bound, "{bound}: {ncg:?}");
        assert!(dist(&ncg.theta, &xs) <= 1e-9);
        assert_eq!(ncg.hessian_evaluations, ncg.iterations + 1);
    }

    #[test]
    fn lbfgs_solves_a_quadratic() {
        // Finite termination in ≤ n steps holds for BFGS with exact line searches (N&W §6.1); a
        // strong-Wolfe search with c₂ = 0.9 accepts inexact steps, so only convergence within a
        // budget of 5n + 5 iterations (superlinear rate, memory m = 10 ≥ n) is asserted.
        for n in [2, 4, 6] {
            let (q, xs) = quadratic(n, 11 + n as u64);
            let b = lbfgs(&q, &vec![0.0; n], 1e-10, 500);
            assert!(b.converged && b.iterations <= 5 * n + 5, "n = {n}: {b:?}");
            assert!(dist(&b.theta, &xs) <= 1e-9);
            assert_eq!(b.hessian_evaluations, 0);
        }
    }

    #[test]
    fn second_order_and_quasi_newton_baselines_solve_rosenbrock() {
        let t0 = [-1.2, 1.0]; // the classic start (N&W Exercise 2.1)
        for b in [
            newton_cg(&Rosenbrock, &t0, 1e-10, 200),
            lbfgs(&Rosenbrock, &t0, 1e-10, 500),
            damped_newton(&Rosenbrock, &t0, 1e-10, 200),
        ] {
            assert!(b.converged, "{b:?}");
            assert!(dist(&b.theta, &[1.0, 1.0]) <= 1e-8, "{b:?}");
            assert!(b.loss <= 1e-18, "{b:?}");
        }
    }

    #[test]
    fn two_loop_gives_descent_only_with_the_true_curvature_pair() {
        // With the true pair (sᵀy > 0) H_k is positive definite and −H_k g a descent direction;
        // with y of the wrong sign (a planted bug: y = ∇L_k − ∇L_{k+1}) the direction ascends.
        let (q, _) = quadratic(6, 17);
        let g: Vec<f64> = q.gradient(&[0.0; 6]).1;
        let s: Vec<f64> = g.iter().map(|v| -0.1 * v).collect();
        let y_true: Vec<f64> = q
            .gradient(&s)
            .1
            .iter()
            .zip(&g)
            .map(|(a, b)| a - b)
            .collect();
        let y_bug: Vec<f64> = y_true.iter().map(|v| -v).collect();
        let g1 = q.gradient(&s).1;
        let mut pairs = VecDeque::new();
        pairs.push_back((s.clone(), y_true));
        assert!(dot(&two_loop(&g1, &pairs), &g1) < 0.0);
        pairs[0].1 = y_bug;
        assert!(dot(&two_loop(&g1, &pairs), &g1) > 0.0);
    }
}
