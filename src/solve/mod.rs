//! Root solves of the resummed update equation F(δ) = 0 (Method of Infinite Descent, Batley & Saha
//! 2025; file 09 §5), and the baselines it is compared with.
//!
//! * [`infinite_descent`]: one outer step θ1 = θ0 + δ, where δ solves F(δ) = ∇L(θ0+δ) = 0 from the
//!   cache at θ0 ([`crate::aion::resum::Cache`]) with a globalized inner solver:
//!   - [`Inner::TrustRegion`]: trust-region Newton on the resummed loss Λ(δ) = L(θ0+δ) with the
//!     exact Jacobian J = ∂F/∂δ = ∇²Λ; step s = argmin_{‖s‖≤Δ} gᵀs + ½sᵀJs (Moré–Sorensen via the
//!     eigendecomposition of J);
//!   - [`Inner::LevenbergMarquardt`]: (JᵣᵀJᵣ + μI) h = −Jᵣᵀρ on the resummed residuals ρ(δ) (Nielsen's
//!     damping update);
//!   - [`Inner::Newton`]: undamped Newton δ ← δ − J⁻¹F, kept to show that an unglobalized solver
//!     may stop at a non-minimizing point — which is detected and reported as a failure.
//! * Gauge: for d ≥ 2, ψ_{j,0} → cψ_{j,0}, ψ_{j,i} → ψ_{j,i}/c leaves f unchanged (one continuous
//!   scale symmetry per rank and input i ≥ 1), so the Hessian is singular along those orbits. The
//!   solver fixes the gauge by freezing δA_{j,i,0} = 0 for i ≥ 1 ([`Shape::gauge_fixed`]) and works in
//!   the remaining coordinates; the orbit through θ0 meets every equivalent solution with
//!   A_{j,i,0} ≠ 0 (negative scales are allowed), so nothing is lost.
//! * At the solution: ‖∇L(θ1)‖ (evaluated directly, not from the cache) ≤ tol and the gauge-reduced
//!   Hessian ∇²L(θ1) is positive semidefinite, λ_min ≥ −100·ε·n·λ_max (no descent direction of
//!   negative curvature: not a saddle or maximum); `strict_minimum` reports λ_min > 100·ε·n·λ_max
//!   (positive definite modulo gauge). Otherwise
//!   [`Error::failed`] with the residual norm and the iteration count.
//! * Baselines on the same problem and tolerance, on any [`Objective`] (AION's [`Problem`] is one):
//!   [`gradient_descent`] (Armijo backtracking), [`damped_newton`] (Levenberg-shifted Newton with
//!   Armijo backtracking, gauge-reduced), [`newton_cg`] (line-search Newton–CG, the paper's
//!   comparison) and [`lbfgs`] (m = 10, strong Wolfe); [`multistart`] runs all of them and Infinite
//!   Descent from random starts θ* + N(0, σ²) and reports success rates and cost distributions.
//!
//! Caveat (file 09 §5): Newton iterations on F from δ = 0 are Newton iterations on L from θ0, since
//! F(δ) ≡ ∇L(θ0+δ). The gain of the resummation is that the equation is exact and global and that
//! every inner evaluation reuses the cache (only the multipliers μ(δ) are recomputed); the inner
//! cost is reported, never hidden.

#![allow(clippy::needless_range_loop)] // index loops mirror the formulas

mod baselines;
pub mod multistart;
pub mod objective;

pub use baselines::{
    damped_newton, gradient_descent, lbfgs, newton_cg, run_all as run_baselines, truncated_cg,
    Baseline, LBFGS_MEMORY,
};
pub use objective::{Calls, Counted, Objective};

use crate::aion::model::{Eval, Problem, Shape, Want};
use crate::aion::resum::Cache;
use crate::error::{Error, Result};
use faer::linalg::solvers::Solve;
use faer::{Mat, Side};

/// The inner root solver of an Infinite Descent step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inner {
    /// Trust-region Newton on Λ with the exact Jacobian.
    TrustRegion,
    /// Levenberg–Marquardt on the resummed residuals.
    LevenbergMarquardt,
    /// Undamped Newton on F (not globalized).
    Newton,
}

impl Inner {
    /// Parse `tr`, `lm` or `newton`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "tr" | "trust-region" => Ok(Inner::TrustRegion),
            "lm" | "levenberg-marquardt" => Ok(Inner::LevenbergMarquardt),
            "newton" => Ok(Inner::Newton),
            o => Err(Error::unknown(
                "inner solver",
                o,
                "use --inner tr, --inner lm or --inner newton",
            )),
        }
    }
    /// The other globalized inner solvers, as CLI flags (for error messages).
    pub fn alternatives(self) -> &'static str {
        match self {
            Inner::TrustRegion => "--inner lm",
            Inner::LevenbergMarquardt => "--inner tr",
            Inner::Newton => "a globalized inner solver (--inner tr or --inner lm)",
        }
    }
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Inner::TrustRegion => "trust-region-newton",
            Inner::LevenbergMarquardt => "levenberg-marquardt",
            Inner::Newton => "newton-undamped",
        }
    }
}

/// Options of an Infinite Descent step.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Inner solver.
    pub inner: Inner,
    /// Stop when ‖F(δ)‖₂ ≤ tol/2 over all parameters, gauge-fixed ones included (and require
    /// ‖∇L(θ1)‖₂ ≤ tol evaluated directly).
    pub tol: f64,
    /// Inner iteration budget.
    pub max_inner: usize,
    /// Fix the product-scale gauge (d ≥ 2).
    pub gauge: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            inner: Inner::LevenbergMarquardt,
            tol: 1e-12,
            max_inner: 500,
            gauge: true,
        }
    }
}

/// Honest cost counts of an inner solve.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Inner iterations (subproblem solves, accepted or rejected).
    pub iterations: usize,
    /// Evaluations of the resummed system (Λ and F, or the residuals), every call counted.
    pub evaluations: usize,
    /// Of those, evaluations that also formed a Jacobian (J = ∇²Λ or the residual Jacobian).
    pub jacobian_evaluations: usize,
}

/// The result of one Infinite Descent step.
#[derive(Clone, Debug)]
pub struct Step {
    /// θ1 = θ0 + δ.
    pub theta1: Vec<f64>,
    /// δ.
    pub delta: Vec<f64>,
    /// Outer steps (always 1).
    pub outer_steps: usize,
    /// Inner cost.
    pub counts: Counts,
    /// L(θ0).
    pub loss_before: f64,
    /// L(θ1), evaluated directly.
    pub loss_after: f64,
    /// ‖∇L(θ1)‖₂, evaluated directly.
    pub grad_norm_after: f64,
    /// λ_min of the gauge-reduced ∇²L(θ1).
    pub curvature_min: f64,
    /// λ_max of the gauge-reduced ∇²L(θ1).
    pub curvature_max: f64,
    /// Whether the gauge-reduced Hessian is positive definite beyond round-off (a strict local
    /// minimum); false means positive semidefinite with flat directions beyond the gauge.
    pub strict_minimum: bool,
    /// The inner solver used.
    pub inner: Inner,
}

/// The resummed system seen by an inner solver, in gauge-reduced coordinates z (δ = embed(z)),
/// counting every evaluation.
pub trait System {
    /// Number of free coordinates.
    fn dim(&self) -> usize;
    /// Λ, ρ, and as requested F = ∇Λ, Jᵣ = ∂ρ/∂z, J = ∇²Λ at z; `grad_norm` is ‖∇L(θ0+δ)‖₂ over
    /// all parameters (the stopping test).
    fn eval(&self, z: &[f64], want: Want) -> Eval;
}

/// The cache restricted to the gauge-free coordinates.
pub struct Gauged<'c, 'a> {
    cache: &'c Cache<'a>,
    free: Vec<usize>,
}

impl<'c, 'a> Gauged<'c, 'a> {
    /// Restrict `cache` to `free` coordinates.
    pub fn new(cache: &'c Cache<'a>, free: Vec<usize>) -> Self {
        Self { cache, free }
    }
    /// δ from z.
    pub fn embed(&self, z: &[f64]) -> Vec<f64> {
        let mut d = vec![0.0; self.cache.prob.shape.n_params()];
        for (k, &c) in self.free.iter().enumerate() {
            d[c] = z[k];
        }
        d
    }
}

/// Restrict an evaluation to the coordinates `free`.
pub fn restrict(e: Eval, free: &[usize], full: usize) -> Eval {
    if free.len() == full {
        return e;
    }
    let m = free.len();
    let grad = if e.grad.is_empty() {
        e.grad
    } else {
        free.iter().map(|&c| e.grad[c]).collect()
    };
    let jac = e
        .jac
        .map(|j| Mat::from_fn(j.nrows(), m, |r, c| j[(r, free[c])]));
    let hess = e
        .hess
        .map(|h| Mat::from_fn(m, m, |r, c| h[(free[r], free[c])]));
    Eval {
        grad,
        jac,
        hess,
        ..e
    }
}

impl System for Gauged<'_, '_> {
    fn dim(&self) -> usize {
        self.free.len()
    }
    fn eval(&self, z: &[f64], want: Want) -> Eval {
        let e = self.cache.eval(&self.embed(z), want);
        restrict(e, &self.free, self.cache.prob.shape.n_params())
    }
}

fn norm2(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn matvec(h: &Mat<f64>, v: &[f64]) -> Vec<f64> {
    (0..h.nrows())
        .map(|r| (0..h.ncols()).map(|c| h[(r, c)] * v[c]).sum())
        .collect()
}

/// Eigenvalues (ascending) and eigenvectors of a symmetric matrix (faer).
fn sym_eig(h: &Mat<f64>) -> Result<(Vec<f64>, Mat<f64>)> {
    crate::linalg::symmetric_eigen(h.as_ref())
        .map_err(|_| Error::failed("symmetric eigendecomposition of the Jacobian did not converge"))
}

/// λ_min and λ_max of a symmetric matrix.
pub fn extreme_eigenvalues(h: &Mat<f64>) -> Result<(f64, f64)> {
    let v = crate::linalg::symmetric_eigenvalues(h.as_ref()).map_err(|_| {
        Error::failed("symmetric eigenvalue computation of the Hessian did not converge")
    })?;
    Ok((v[0], v[v.len() - 1]))
}

/// The trust-region subproblem argmin_{‖s‖≤Δ} gᵀs + ½sᵀHs (Moré–Sorensen, through the
/// eigendecomposition H = QΛQᵀ, including the hard case). Returns the step and whether it lies on
/// the boundary.
pub fn trust_region_step(h: &Mat<f64>, g: &[f64], radius: f64) -> Result<(Vec<f64>, bool)> {
    let n = g.len();
    let (lam, q) = sym_eig(h)?;
    let gh: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|k| q[(k, i)] * g[k]).sum())
        .collect();
    let coords = |shift: f64| -> Vec<f64> {
        (0..n)
            .map(|i| {
                let den = lam[i] + shift;
                if den > 0.0 {
                    -gh[i] / den
                } else {
                    0.0
                }
            })
            .collect()
    };
    let back = |c: &[f64]| -> Vec<f64> {
        (0..n)
            .map(|k| (0..n).map(|i| q[(k, i)] * c[i]).sum())
            .collect()
    };
    let scale = lam.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    if lam[0] > 1e-14 * scale {
        let c = coords(0.0);
        if norm2(&c) <= radius {
            return Ok((back(&c), false));
        }
    }
    let lo = (-lam[0]).max(0.0);
    let gn = norm2(g);
    // Hard case: the step at the smallest admissible shift is still inside the region.
    let eps_shift = 1e-12 * scale;
    let c_lo = coords(lo + eps_shift);
    if norm2(&c_lo) < radius {
        let mut c = coords(lo + eps_shift);
        let rest = (radius * radius - norm2(&c).powi(2)).max(0.0).sqrt();
        c[0] += if gh[0] > 0.0 { -rest } else { rest };
        return Ok((back(&c), true));
    }
    let (mut a, mut b) = (lo + eps_shift, lo + gn / radius + scale);
    for _ in 0..200 {
        let mid = 0.5 * (a + b);
        if norm2(&coords(mid)) > radius {
            a = mid;
        } else {
            b = mid;
        }
        if b - a <= 1e-15 * b {
            break;
        }
    }
    Ok((back(&coords(b)), true))
}

/// Inner result in reduced coordinates.
struct InnerOut {
    z: Vec<f64>,
    counts: Counts,
    fnorm: f64,
    converged: bool,
}

/// The inner solvers' common stopping test: converged once ‖F‖ ≤ tol; stopped unconverged at the
/// iteration budget or on a non-finite residual (NaN never counts as converged).
fn stopped(z: &[f64], counts: &Counts, gn: f64, tol: f64, max_iter: usize) -> Option<InnerOut> {
    let converged = gn <= tol;
    (converged || counts.iterations >= max_iter || !gn.is_finite()).then(|| InnerOut {
        z: z.to_vec(),
        counts: *counts,
        fnorm: gn,
        converged,
    })
}

/// Trust-region Newton on Λ with the exact Jacobian.
fn solve_trust_region(sys: &dyn System, tol: f64, max_iter: usize) -> Result<InnerOut> {
    let n = sys.dim();
    let mut counts = Counts::default();
    let mut z = vec![0.0; n];
    let mut cur = sys.eval(&z, Want::Hessian);
    counts.evaluations += 1;
    counts.jacobian_evaluations += 1;
    let mut radius = 1.0;
    loop {
        let gn = cur.grad_norm;
        if let Some(out) = stopped(&z, &counts, gn, tol, max_iter) {
            return Ok(out);
        }
        counts.iterations += 1;
        let h = cur.hess.as_ref().expect("Hessian evaluated");
        let (s, boundary) = trust_region_step(h, &cur.grad, radius)?;
        let hs = matvec(h, &s);
        let pred = -(dot(&cur.grad, &s) + 0.5 * dot(&s, &hs));
        let zt: Vec<f64> = z.iter().zip(&s).map(|(a, b)| a + b).collect();
        let trial = sys.eval(&zt, Want::Hessian);
        counts.evaluations += 1;
        counts.jacobian_evaluations += 1;
        let actual = cur.loss - trial.loss;
        let rho = if pred > 0.0 { actual / pred } else { -1.0 };
        let sn = norm2(&s);
        if !trial.loss.is_finite() || rho < 0.25 {
            radius = 0.25 * sn;
        } else if rho > 0.75 && boundary {
            radius = (2.0 * radius).min(1e3);
        }
        if trial.loss.is_finite() && rho > 1e-4 {
            z = zt;
            cur = trial;
        }
        if radius <= 1e-15 * (1.0 + norm2(&z)) {
            return Ok(InnerOut {
                z,
                counts,
                fnorm: gn,
                converged: false,
            });
        }
    }
}

/// Levenberg–Marquardt on the resummed residuals (Nielsen's damping update).
fn solve_levenberg_marquardt(sys: &dyn System, tol: f64, max_iter: usize) -> Result<InnerOut> {
    let n = sys.dim();
    let mut counts = Counts::default();
    let mut z = vec![0.0; n];
    let mut cur = sys.eval(&z, Want::Jacobian);
    counts.evaluations += 1;
    counts.jacobian_evaluations += 1;
    let normal = |e: &Eval| -> Mat<f64> {
        let j = e.jac.as_ref().expect("Jacobian evaluated");
        j.transpose() * j
    };
    let mut a = normal(&cur);
    let mut mu = 1e-3 * (0..n).map(|k| a[(k, k)]).fold(0.0, f64::max).max(1e-300);
    let mut nu = 2.0;
    loop {
        let gn = cur.grad_norm;
        if let Some(out) = stopped(&z, &counts, gn, tol, max_iter) {
            return Ok(out);
        }
        counts.iterations += 1;
        let mut m = a.clone();
        for k in 0..n {
            m[(k, k)] += mu;
        }
        let rhs = Mat::from_fn(n, 1, |k, _| -cur.grad[k]);
        let h = match m.llt(Side::Lower) {
            Ok(l) => l.solve(&rhs),
            Err(_) => {
                mu *= nu;
                nu *= 2.0;
                continue;
            }
        };
        let h: Vec<f64> = (0..n).map(|k| h[(k, 0)]).collect();
        let zt: Vec<f64> = z.iter().zip(&h).map(|(a, b)| a + b).collect();
        let trial = sys.eval(&zt, Want::Jacobian);
        counts.evaluations += 1;
        counts.jacobian_evaluations += 1;
        let pred = 0.5
            * h.iter()
                .zip(&cur.grad)
                .map(|(hk, gk)| hk * (mu * hk - gk))
                .sum::<f64>();
        let rho = (cur.loss - trial.loss) / pred;
        if trial.loss.is_finite() && rho > 0.0 {
            z = zt;
            cur = trial;
            a = normal(&cur);
            mu *= (1.0f64 / 3.0).max(1.0 - (2.0 * rho - 1.0).powi(3));
            nu = 2.0;
        } else {
            mu *= nu;
            nu *= 2.0;
            if !mu.is_finite() || mu > 1e300 {
                return Ok(InnerOut {
                    z,
                    counts,
                    fnorm: gn,
                    converged: false,
                });
            }
        }
    }
}

/// Undamped Newton on F: z ← z − J⁻¹F (LU with partial pivoting).
fn solve_newton(sys: &dyn System, tol: f64, max_iter: usize) -> Result<InnerOut> {
    let n = sys.dim();
    let mut counts = Counts::default();
    let mut z = vec![0.0; n];
    loop {
        let cur = sys.eval(&z, Want::Hessian);
        counts.evaluations += 1;
        counts.jacobian_evaluations += 1;
        let gn = cur.grad_norm;
        if gn <= tol || counts.iterations >= max_iter || !gn.is_finite() {
            return Ok(InnerOut {
                z,
                counts,
                fnorm: gn,
                converged: gn <= tol,
            });
        }
        counts.iterations += 1;
        let h = cur.hess.as_ref().expect("Hessian evaluated");
        let rhs = Mat::from_fn(n, 1, |k, _| -cur.grad[k]);
        let s = h.partial_piv_lu().solve(&rhs);
        for (k, zk) in z.iter_mut().enumerate() {
            *zk += s[(k, 0)];
        }
    }
}

/// Run an inner solver on a system.
pub fn inner_solve(
    sys: &dyn System,
    inner: Inner,
    tol: f64,
    max_iter: usize,
) -> Result<(Vec<f64>, Counts, f64, bool)> {
    let o = match inner {
        Inner::TrustRegion => solve_trust_region(sys, tol, max_iter)?,
        Inner::LevenbergMarquardt => solve_levenberg_marquardt(sys, tol, max_iter)?,
        Inner::Newton => solve_newton(sys, tol, max_iter)?,
    };
    Ok((o.z, o.counts, o.fnorm, o.converged))
}

/// The gauge-free coordinates of `shape` (all of them if `gauge` is false).
pub fn free_coordinates(shape: Shape, gauge: bool) -> Vec<usize> {
    if gauge {
        shape.gauge_free()
    } else {
        (0..shape.n_params()).collect()
    }
}

/// λ_min, λ_max of ∇²L(θ) restricted to the gauge-free coordinates ([`Objective::gauge_free`];
/// all coordinates if `gauge` is false).
pub fn reduced_curvature<O: Objective + ?Sized>(
    obj: &O,
    theta: &[f64],
    gauge: bool,
) -> Result<(f64, f64)> {
    let free = if gauge {
        obj.gauge_free()
    } else {
        (0..obj.dim()).collect()
    };
    let (_, _, h) = obj.hessian(theta);
    let hr = Mat::from_fn(free.len(), free.len(), |r, c| h[(free[r], free[c])]);
    extreme_eigenvalues(&hr)
}

/// Whether curvature (λ_min, λ_max) of an n-dimensional Hessian is positive beyond round-off:
/// λ_min > 100·ε·n·λ_max.
pub fn positive_curvature(lmin: f64, lmax: f64, n: usize) -> bool {
    lmax > 0.0 && lmin > 100.0 * f64::EPSILON * n as f64 * lmax
}

/// Whether curvature (λ_min, λ_max) of an n-dimensional Hessian is positive semidefinite up to
/// round-off: λ_min ≥ −100·ε·n·λ_max (a second-order necessary condition for a minimum).
pub fn psd_curvature(lmin: f64, lmax: f64, n: usize) -> bool {
    lmax >= 0.0 && lmin >= -100.0 * f64::EPSILON * n as f64 * lmax.max(f64::MIN_POSITIVE)
}

/// One Infinite Descent step with a solver given as data (see [`infinite_descent`]); the solver
/// maps (system, tolerance, budget) to (z, counts, ‖F‖, converged).
pub type InnerFn = dyn Fn(&dyn System, f64, usize) -> Result<(Vec<f64>, Counts, f64, bool)>;

/// One Infinite Descent step: θ1 = θ0 + δ with F(δ) = 0 solved from the cache at θ0.
///
/// Errors: [`Error::failed`] if the inner solver does not reach ‖F‖ ≤ tol, if the direct gradient at
/// θ1 exceeds tol, or if the gauge-reduced Hessian at θ1 has negative curvature
/// (λ_min < −100·ε·n·λ_max): each message names
/// the residual norm and the inner iterations.
pub fn infinite_descent(prob: &Problem, theta0: &[f64], opts: &Options) -> Result<Step> {
    let inner = opts.inner;
    infinite_descent_with(prob, theta0, opts, &move |s, t, m| {
        inner_solve(s, inner, t, m)
    })
}

/// [`infinite_descent`] with the inner solver as data (used by planted-bug tests).
pub fn infinite_descent_with(
    prob: &Problem,
    theta0: &[f64],
    opts: &Options,
    solver: &InnerFn,
) -> Result<Step> {
    prob.check_theta(theta0, "theta0")?;
    let free = free_coordinates(prob.shape, opts.gauge);
    let cache = Cache::new(prob, theta0);
    let sys = Gauged::new(&cache, free.clone());
    let loss_before = prob.loss(theta0);
    let (z, counts, fnorm, converged) = solver(&sys, 0.5 * opts.tol, opts.max_inner)?;
    let name = opts.inner.name();
    if !converged {
        return Err(Error::failed(format!(
            "Infinite Descent inner solve ({name}) did not converge: ‖F(δ)‖ = {fnorm:.3e} > tol {:.1e} after {} inner iterations ({} evaluations); try {}, another theta0, or a larger --max-inner",
            opts.tol,
            counts.iterations,
            counts.evaluations,
            opts.inner.alternatives()
        )));
    }
    let delta = sys.embed(&z);
    let theta1: Vec<f64> = theta0.iter().zip(&delta).map(|(a, b)| a + b).collect();
    if theta1.iter().any(|v| !v.is_finite()) {
        return Err(Error::failed(format!(
            "Infinite Descent update is not finite after {} inner iterations ({name}); ‖F‖ = {fnorm:.3e}",
            counts.iterations
        )));
    }
    let (loss_after, g1) = prob.gradient(&theta1);
    let grad_norm_after = norm2(&g1);
    if grad_norm_after.is_nan() || grad_norm_after > opts.tol {
        return Err(Error::failed(format!(
            "Infinite Descent step ({name}): direct ‖∇L(θ1)‖ = {grad_norm_after:.3e} > tol {:.1e} (cached ‖F‖ = {fnorm:.3e}) after {} inner iterations",
            opts.tol, counts.iterations
        )));
    }
    let (lmin, lmax) = reduced_curvature(prob, &theta1, opts.gauge)?;
    if !psd_curvature(lmin, lmax, free.len()) {
        return Err(Error::failed(format!(
            "Infinite Descent step ({name}) stopped at a stationary point that is not a minimum modulo gauge (negative curvature): λ_min(∇²L) = {lmin:.3e} (λ_max = {lmax:.3e}), ‖∇L‖ = {grad_norm_after:.3e}, L = {loss_after:.3e}, after {} inner iterations; use a globalized inner solver (--inner tr or lm)",
            counts.iterations
        )));
    }
    Ok(Step {
        theta1,
        delta,
        outer_steps: 1,
        counts,
        loss_before,
        loss_after,
        grad_norm_after,
        curvature_min: lmin,
        curvature_max: lmax,
        strict_minimum: positive_curvature(lmin, lmax, free.len()),
        inner: opts.inner,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aion::presets;

    #[test]
    fn fig1_one_step_reaches_the_optimum() {
        let inst = presets::fig1();
        for inner in [Inner::TrustRegion, Inner::LevenbergMarquardt] {
            let opts = Options {
                inner,
                ..Options::default()
            };
            let s = infinite_descent(&inst.problem, &inst.theta0, &opts).unwrap();
            assert!(
                s.grad_norm_after <= 1e-10,
                "{inner:?}: {}",
                s.grad_norm_after
            );
            assert!(
                s.loss_after <= 1e-20 * s.loss_before,
                "{inner:?}: {}",
                s.loss_after
            );
            assert!(s.curvature_min > 0.0);
            eprintln!("{inner:?}: {:?} θ1 = {:?}", s.counts, s.theta1);
        }
    }

    #[test]
    fn trust_region_step_solves_the_subproblem() {
        // Indefinite H: the step lies on the boundary and beats random feasible points.
        let h = Mat::from_fn(3, 3, |r, c| {
            [[1.0, 0.2, 0.0], [0.2, -2.0, 0.1], [0.0, 0.1, 0.5]][r][c]
        });
        let g = [0.3, -0.1, 0.2];
        let (s, b) = trust_region_step(&h, &g, 0.7).unwrap();
        assert!(b);
        assert!((norm2(&s) - 0.7).abs() < 1e-10);
        let q = |v: &[f64]| dot(&g, v) + 0.5 * dot(v, &matvec(&h, v));
        let qs = q(&s);
        for k in 0..200 {
            let v: Vec<f64> = (0..3).map(|i| ((k * 7 + i * 13) as f64).sin()).collect();
            let nv = norm2(&v);
            let v: Vec<f64> = v.iter().map(|x| 0.7 * x / nv).collect();
            assert!(q(&v) >= qs - 1e-12);
        }
    }
}
