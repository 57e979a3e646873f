//! Accelerated steepest descent for ℓp-smooth convex problems: HASD (Bai & Bullins, *Faster
//! Acceleration for Steepest Descent*, arXiv 2409.19200; file `05-faster-acceleration.md`, with
//! the constants 18 and 324 of the Lean formalization), and its baselines.
//!
//! f is convex and L-smooth with respect to ‖·‖_p, p ≥ 2: ‖∇f(y) − ∇f(x)‖_q ≤ L‖y − x‖_p. With
//! A₀ = 0, v₀ = x₀, iteration t = 0, 1, … chooses ρ_t > 0 and then
//!
//! ```text
//! a_{t+1} = [1 + √(1 + 144 L ρ_t A_t)]/(36 L ρ_t)        (a² = (A_t + A_{t+1})/(18 L ρ_t))
//! A_{t+1} = A_t + a_{t+1}
//! y_t     = (1 − a_{t+1}/A_{t+1}) x_t + (a_{t+1}/A_{t+1}) v_t
//! x_{t+1} = y_t − ∇f(y_t)^#/(2L)                           (ℓp steepest-descent step, g^# = ‖g‖_q·LMO_p(g))
//! v_{t+1} = v_t − a_{t+1} ∇f(x_{t+1})                       (Euclidean dual averaging)
//! ```
//!
//! with the **implicit** interpolation parameter ρ_t in the sandwich ½ r_{t+1} ≤ ρ_t ≤ 2 r_{t+1},
//! r_{t+1} = ‖∇f(x_{t+1})‖₂²/‖∇f(x_{t+1})‖_q², found by bisection on log ρ over
//! [d^{−(2/q−1)}, 1] (r always lies in that interval, so the bracket is valid). The theorem:
//! f(x_T) − f* ≤ 324 L ‖x₀ − x*‖₂²/(𝒢_T² T²) with 𝒢_T = (1/T) Σ ‖∇f(x_{t+1})‖_q/‖∇f(x_{t+1})‖₂.
//!
//! Baselines: the same recursion with ρ ≡ 1 ([`RhoRule::Fixed`]), non-accelerated ℓp steepest
//! descent x ← x − ∇f(x)^#/L ([`lp_steepest_descent`]), and Euclidean accelerated gradient with
//! step 1/L ([`euclidean_agd`]; L is a valid ℓ2 constant since ‖·‖_q ≥ ‖·‖₂ and ‖·‖_p ≤ ‖·‖₂).
//!
//! The primal ℓp steps use the ℓp dualizer of [`crate::norms::Entrywise`]. The step rule's
//! constants are data in [`HasdParams`] (the ρ rule, a factor on a_{t+1}, the primal step's
//! divisor 2, the dual-averaging direction), so that a planted bug in the validation suite is one
//! changed entry of the same recursion, not a second copy of it.
//!
//! HASD is not an [`crate::optim::Optimizer`]: its ρ search evaluates ∇f at trial points it
//! chooses itself (two gradients per trial, several trials per iteration), while an optimizer's
//! step receives one gradient at the current parameters. `steepest accel` runs it on a
//! least-squares problem given as data ([`LeastSquares`]).

use crate::error::{Error, Result};
use crate::norms::{Entrywise, Norm};
use faer::{Mat, MatRef};

/// A differentiable objective on R^d (vectors are one-column matrices).
pub trait Objective: Send + Sync {
    /// The dimension d.
    fn dim(&self) -> usize;
    /// f(x).
    fn value(&self, x: MatRef<'_, f64>) -> f64;
    /// ∇f(x).
    fn gradient(&self, x: MatRef<'_, f64>) -> Mat<f64>;
}

/// f(x) = ½ Σ_i h_i (x_i − x*_i)², h_i > 0: convex, minimum 0 at x*.
#[derive(Clone, Debug)]
pub struct DiagonalQuadratic {
    /// The diagonal Hessian.
    pub h: Vec<f64>,
    /// The minimiser.
    pub x_star: Vec<f64>,
}

impl DiagonalQuadratic {
    /// The ℓp-smoothness constant L_p = ‖diag(h)‖_{p→q} = ‖h‖_{p/(p−2)} (Hölder, attained), p ≥ 2:
    /// ‖h‖₁ for p = ∞, ‖h‖₂ for p = 4, max h for p = 2.
    pub fn smoothness(&self, p: f64) -> f64 {
        let r = if p.is_infinite() {
            1.0
        } else if p == 2.0 {
            f64::INFINITY
        } else {
            p / (p - 2.0)
        };
        crate::norms::entrywise::lp_norm(&self.h, r)
    }
    /// The minimiser as a column.
    pub fn minimiser(&self) -> Mat<f64> {
        Mat::from_fn(self.h.len(), 1, |i, _| self.x_star[i])
    }
}

impl Objective for DiagonalQuadratic {
    fn dim(&self) -> usize {
        self.h.len()
    }
    fn value(&self, x: MatRef<'_, f64>) -> f64 {
        (0..self.h.len())
            .map(|i| {
                let e = x[(i, 0)] - self.x_star[i];
                0.5 * self.h[i] * e * e
            })
            .sum()
    }
    fn gradient(&self, x: MatRef<'_, f64>) -> Mat<f64> {
        Mat::from_fn(self.h.len(), 1, |i, _| {
            self.h[i] * (x[(i, 0)] - self.x_star[i])
        })
    }
}

/// f(x) = ½‖Ax − b‖₂² (least squares): convex, ∇f(x) = Aᵀ(Ax − b), ℓp-smooth with
/// L = ‖AᵀA‖_{p→q} (the objective of `steepest accel`).
#[derive(Clone, Debug)]
pub struct LeastSquares {
    a: Mat<f64>,
    b: Mat<f64>,
}

impl LeastSquares {
    /// The problem for A (m × d) and b (m entries); a length mismatch is [`Error::Input`].
    pub fn new(a: Mat<f64>, b: &[f64]) -> Result<Self> {
        if b.len() != a.nrows() {
            return Err(Error::input(format!(
                "b has {} entries but A has {} rows; give one entry of b per row of A",
                b.len(),
                a.nrows()
            )));
        }
        let b = Mat::from_fn(b.len(), 1, |i, _| b[i]);
        Ok(Self { a, b })
    }

    /// The number m of rows of A (equations).
    pub fn rows(&self) -> usize {
        self.a.nrows()
    }

    /// An upper bound on the ℓp-smoothness constant ‖H‖_{p→q}, H = AᵀA, p ≥ 2:
    /// min(Σ_ij |H_ij|, d^{1−2/p}‖H‖_F). Both hold for every p ≥ 2: ‖Hx‖_q ≤ ‖Hx‖₁ ≤
    /// Σ_ij |H_ij|·‖x‖_∞ ≤ Σ_ij |H_ij|·‖x‖_p, and ‖Hx‖_q ≤ d^{1/q−1/2}‖Hx‖₂ ≤
    /// d^{1/q−1/2}‖H‖_F‖x‖₂ ≤ d^{1/q−1/p}‖H‖_F‖x‖_p with 1/q − 1/p = 1 − 2/p (Hölder).
    pub fn smoothness_bound(&self, p: f64) -> f64 {
        let h = self.a.transpose() * &self.a;
        let mut sum = 0.0;
        for j in 0..h.ncols() {
            for i in 0..h.nrows() {
                sum += h[(i, j)].abs();
            }
        }
        let exponent = if p.is_infinite() { 1.0 } else { 1.0 - 2.0 / p };
        let frobenius = (h.ncols() as f64).powf(exponent) * h.norm_l2();
        sum.min(frobenius)
    }
}

impl Objective for LeastSquares {
    fn dim(&self) -> usize {
        self.a.ncols()
    }
    fn value(&self, x: MatRef<'_, f64>) -> f64 {
        let r = &self.a * x - &self.b;
        let n = r.norm_l2();
        0.5 * n * n
    }
    fn gradient(&self, x: MatRef<'_, f64>) -> Mat<f64> {
        self.a.transpose() * (&self.a * x - &self.b)
    }
}

/// How ρ_t is chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum RhoRule {
    /// HASD: ρ_t implicit, ½ r_{t+1} ≤ ρ_t ≤ 2 r_{t+1}, by bracketing search.
    Implicit,
    /// The same recursion with a fixed ρ (ρ ≡ 1 is standard linear coupling).
    Fixed(f64),
    /// ρ_t ≡ d^{−(2/q−1)}, the lower end of the search bracket (the value of r for perfectly
    /// dense gradients).
    Floor,
}

/// The direction of the dual-averaging update.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DualStep {
    /// v_{t+1} = v_t − a_{t+1}∇f(x_{t+1}) (the method).
    Descent,
    /// v_{t+1} = v_t + a_{t+1}∇f(x_{t+1}) (uphill; a planted bug).
    Ascent,
}

/// Settings of [`Hasd`].
#[derive(Clone, Copy, Debug)]
pub struct HasdParams {
    /// The primal norm's exponent p ∈ [2, ∞].
    pub p: f64,
    /// The ℓp-smoothness constant L.
    pub l: f64,
    /// The ρ rule.
    pub rho: RhoRule,
    /// Maximum bisection steps per iteration of the ρ search.
    pub max_bisections: usize,
    /// A factor on a_{t+1}: 1 in the method (a² = (A_t + A_{t+1})/(18Lρ)).
    pub coupling_scale: f64,
    /// The primal step x_{t+1} = y_t − ∇f(y_t)^#/(`step_divisor`·L): 2 in the method.
    pub step_divisor: f64,
    /// The dual-averaging direction: [`DualStep::Descent`] in the method.
    pub dual: DualStep,
}

impl HasdParams {
    /// HASD with the implicit ρ rule and at most 200 bisections.
    pub fn new(p: f64, l: f64) -> Self {
        Self {
            p,
            l,
            rho: RhoRule::Implicit,
            max_bisections: 200,
            coupling_scale: 1.0,
            step_divisor: 2.0,
            dual: DualStep::Descent,
        }
    }
}

/// What one iteration did.
#[derive(Clone, Copy, Debug)]
pub struct HasdStep {
    /// ρ_t.
    pub rho: f64,
    /// r_{t+1} = ‖∇f(x_{t+1})‖₂²/‖∇f(x_{t+1})‖_q² (1 at an exact minimiser).
    pub r: f64,
    /// ‖∇f(x_{t+1})‖_q/‖∇f(x_{t+1})‖₂, the summand of 𝒢_T (1 at an exact minimiser).
    pub ratio_q2: f64,
    /// a_{t+1}.
    pub a: f64,
    /// A_{t+1}.
    pub big_a: f64,
    /// Trial values of ρ evaluated (each costs two gradients).
    pub trials: usize,
}

/// The HASD state: x_t, v_t, A_t.
pub struct Hasd<'f> {
    f: &'f dyn Objective,
    params: HasdParams,
    primal: Box<dyn Norm>,
    q: f64,
    x: Mat<f64>,
    v: Mat<f64>,
    big_a: f64,
    rho_prev: Option<f64>,
    t: usize,
}

struct Trial {
    rho: f64,
    a: f64,
    x_next: Mat<f64>,
    g_next: Mat<f64>,
    r: f64,
    ratio: f64,
}

impl<'f> Hasd<'f> {
    /// Start at x₀ with the ℓp dualizer of [`Entrywise`] for the primal steps. p must be in
    /// [2, ∞] and L finite and positive ([`Error::Input`] otherwise).
    pub fn new(f: &'f dyn Objective, x0: Mat<f64>, params: HasdParams) -> Result<Self> {
        if params.p.is_nan() || params.p < 2.0 {
            return Err(Error::input(format!(
                "HASD needs p ≥ 2 (ℓp-smoothness with q = p/(p−1) ≤ 2), got p = {}",
                params.p
            )));
        }
        Self::with_primal_norm(f, x0, params, Box::new(Entrywise::vector(params.p)))
    }

    /// As [`Hasd::new`] but with an explicit primal norm (its dualizer makes the primal step;
    /// validators use this to plant a wrong norm).
    pub fn with_primal_norm(
        f: &'f dyn Objective,
        x0: Mat<f64>,
        params: HasdParams,
        primal: Box<dyn Norm>,
    ) -> Result<Self> {
        if params.p.is_nan() || params.p < 2.0 {
            return Err(Error::input(format!(
                "HASD needs p ≥ 2 (ℓp-smoothness with q = p/(p−1) ≤ 2), got p = {}",
                params.p
            )));
        }
        let positive = |x: f64| x > 0.0 && x.is_finite();
        if !positive(params.coupling_scale) || !positive(params.step_divisor) {
            return Err(Error::input(format!(
                "HASD's coupling scale {} and step divisor {} must be finite and positive",
                params.coupling_scale, params.step_divisor
            )));
        }
        if !(params.l > 0.0 && params.l.is_finite()) {
            return Err(Error::input(format!(
                "the smoothness constant L = {} must be finite and positive",
                params.l
            )));
        }
        if let RhoRule::Fixed(r) = params.rho {
            if !(r > 0.0 && r.is_finite()) {
                return Err(Error::input(format!(
                    "fixed ρ = {r} must be finite and positive"
                )));
            }
        }
        if (x0.nrows(), x0.ncols()) != (f.dim(), 1) {
            return Err(Error::input(format!(
                "x0 is {}×{} but the objective needs a {}×1 column",
                x0.nrows(),
                x0.ncols(),
                f.dim()
            )));
        }
        let q = crate::norms::entrywise::conjugate_exponent(params.p);
        Ok(Self {
            f,
            params,
            primal,
            q,
            v: x0.clone(),
            x: x0,
            big_a: 0.0,
            rho_prev: None,
            t: 0,
        })
    }

    /// x_t.
    pub fn x(&self) -> &Mat<f64> {
        &self.x
    }
    /// v_t (the dual-averaging point).
    pub fn v(&self) -> &Mat<f64> {
        &self.v
    }
    /// A_t.
    pub fn big_a(&self) -> f64 {
        self.big_a
    }
    /// The iteration count t.
    pub fn iterations(&self) -> usize {
        self.t
    }
    /// The lower end of the ρ bracket: r ≥ d^{−(2/q − 1)} always.
    pub fn rho_min(&self) -> f64 {
        (self.f.dim() as f64).powf(-(2.0 / self.q - 1.0))
    }

    fn trial(&self, rho: f64) -> Trial {
        let l = self.params.l;
        let mut a = (1.0 + (1.0 + 144.0 * l * rho * self.big_a).sqrt()) / (36.0 * l * rho);
        a *= self.params.coupling_scale;
        let tau = a / (self.big_a + a);
        let mut y = self.x.clone();
        y *= faer::Scale(1.0 - tau);
        y += faer::Scale(tau) * &self.v;
        let g = self.f.gradient(y.as_ref());
        let mut x_next = self.primal.sharp(g.as_ref());
        x_next *= faer::Scale(-1.0 / (self.params.step_divisor * l));
        x_next += &y;
        let g_next = self.f.gradient(x_next.as_ref());
        let n2 = g_next.norm_l2(); // Euclidean norm of a column
        let nq = Entrywise::vector(self.q).norm(g_next.as_ref());
        let (r, ratio) = if n2 > 0.0 && nq > 0.0 {
            ((n2 / nq) * (n2 / nq), nq / n2)
        } else {
            (1.0, 1.0)
        };
        Trial {
            rho,
            a,
            x_next,
            g_next,
            r,
            ratio,
        }
    }

    /// One iteration, including the ρ search. A search that cannot satisfy the sandwich within
    /// `max_bisections` (f not C¹, non-finite gradients) is [`Error::Failed`] naming the step.
    pub fn step(&mut self) -> Result<HasdStep> {
        let mut trials = 0usize;
        let chosen = match self.params.rho {
            RhoRule::Fixed(r) => {
                trials += 1;
                self.trial(r)
            }
            RhoRule::Floor => {
                trials += 1;
                self.trial(self.rho_min())
            }
            RhoRule::Implicit => {
                let ok = |t: &Trial| t.rho >= 0.5 * t.r && t.rho <= 2.0 * t.r;
                // h(ρ) = ln ρ − ln r(ρ): h(1) ≥ 0 and h(ρ_min) ≤ 0 since r ∈ [ρ_min, 1].
                let (mut lo, mut hi) = (self.rho_min().ln(), 0.0f64);
                let mut found: Option<Trial> = None;
                let mut first: Vec<f64> = Vec::new();
                if let Some(p) = self.rho_prev {
                    first.push(p.ln().clamp(lo, hi));
                }
                first.push(hi);
                first.push(lo);
                for lr in first {
                    let t = self.trial(lr.exp());
                    trials += 1;
                    if ok(&t) {
                        found = Some(t);
                        break;
                    }
                    if !(t.r.is_finite()) {
                        return Err(Error::failed(format!(
                            "HASD step {}: non-finite gradient at the trial point",
                            self.t
                        )));
                    }
                    if t.rho > t.r {
                        hi = hi.min(lr);
                    } else {
                        lo = lo.max(lr);
                    }
                }
                let mut k = 0;
                while found.is_none() {
                    if k >= self.params.max_bisections {
                        return Err(Error::failed(format!(
                            "HASD step {}: no ρ with ½r ≤ ρ ≤ 2r after {} bisections (bracket [{:e}, {:e}]); f may not be C¹ or the gradient is not finite",
                            self.t,
                            k,
                            lo.exp(),
                            hi.exp()
                        )));
                    }
                    let mid = 0.5 * (lo + hi);
                    let t = self.trial(mid.exp());
                    trials += 1;
                    k += 1;
                    if ok(&t) {
                        found = Some(t);
                    } else if t.rho > t.r {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                found.expect("loop exits with a trial")
            }
        };
        let Trial {
            rho,
            a,
            x_next,
            g_next,
            r,
            ratio,
        } = chosen;
        if !x_next.norm_l2().is_finite() {
            return Err(Error::failed(format!(
                "HASD step {}: non-finite iterate",
                self.t
            )));
        }
        self.big_a += a;
        match self.params.dual {
            DualStep::Descent => self.v -= faer::Scale(a) * &g_next,
            DualStep::Ascent => self.v += faer::Scale(a) * &g_next,
        }
        self.x = x_next;
        self.rho_prev = Some(rho);
        self.t += 1;
        Ok(HasdStep {
            rho,
            r,
            ratio_q2: ratio,
            a,
            big_a: self.big_a,
            trials,
        })
    }
}

/// One trajectory: f(x_t) for t = 0..=T, the last iterate and, for HASD, the per-step records.
#[derive(Clone, Debug)]
pub struct Trace {
    /// f(x_t), t = 0..=T.
    pub values: Vec<f64>,
    /// HASD steps (empty for the baselines).
    pub steps: Vec<HasdStep>,
    /// x_T.
    pub x: Mat<f64>,
}

impl Trace {
    /// The first t with values[t] − f* ≤ eps, if any.
    pub fn first_below(&self, f_star: f64, eps: f64) -> Option<usize> {
        self.values.iter().position(|v| v - f_star <= eps)
    }
}

/// Run HASD (or the fixed-ρ recursion) for `iters` iterations.
pub fn run_hasd(
    f: &dyn Objective,
    x0: Mat<f64>,
    params: HasdParams,
    iters: usize,
) -> Result<Trace> {
    let mut h = Hasd::new(f, x0, params)?;
    let mut values = vec![f.value(h.x().as_ref())];
    let mut steps = Vec::with_capacity(iters);
    for _ in 0..iters {
        steps.push(h.step()?);
        values.push(f.value(h.x().as_ref()));
    }
    Ok(Trace {
        values,
        steps,
        x: h.x().clone(),
    })
}

/// Non-accelerated ℓp steepest descent x ← x − ∇f(x)^#/L (the regularized step with λ = L).
pub fn lp_steepest_descent(f: &dyn Objective, x0: Mat<f64>, p: f64, l: f64, iters: usize) -> Trace {
    let norm = Entrywise::vector(p);
    let mut x = x0;
    let mut values = vec![f.value(x.as_ref())];
    for _ in 0..iters {
        let g = f.gradient(x.as_ref());
        x -= faer::Scale(1.0 / l) * norm.sharp(g.as_ref());
        values.push(f.value(x.as_ref()));
    }
    Trace {
        values,
        steps: Vec::new(),
        x,
    }
}

/// Euclidean accelerated gradient (Nesterov, constant step 1/L):
/// y_t = x_t + (t − 1)/(t + 2)·(x_t − x_{t−1}), x_{t+1} = y_t − ∇f(y_t)/L.
pub fn euclidean_agd(f: &dyn Objective, x0: Mat<f64>, l: f64, iters: usize) -> Trace {
    let mut x = x0.clone();
    let mut x_prev = x0;
    let mut values = vec![f.value(x.as_ref())];
    for t in 1..=iters {
        let m = (t as f64 - 1.0) / (t as f64 + 2.0);
        let mut y = x.clone();
        y += faer::Scale(m) * (&x - &x_prev);
        let g = f.gradient(y.as_ref());
        x_prev = x;
        x = y - faer::Scale(1.0 / l) * &g;
        values.push(f.value(x.as_ref()));
    }
    Trace {
        values,
        steps: Vec::new(),
        x,
    }
}

#[cfg(test)]
#[allow(clippy::needless_range_loop)]
mod tests {
    use super::*;

    fn problem(d: usize) -> DiagonalQuadratic {
        DiagonalQuadratic {
            h: (0..d).map(|i| 0.5 + (i as f64 * 0.37).fract()).collect(),
            x_star: (0..d).map(|i| (i as f64 * 1.3).sin()).collect(),
        }
    }

    #[test]
    fn step_recursion_identities_hold() {
        let f = problem(50);
        let l = f.smoothness(f64::INFINITY);
        let mut h = Hasd::new(&f, Mat::zeros(50, 1), HasdParams::new(f64::INFINITY, l)).unwrap();
        let mut prev_a = 0.0;
        for _ in 0..30 {
            let s = h.step().unwrap();
            // a² = (A_t + A_{t+1})/(18 L ρ)
            let lhs = s.a * s.a;
            let rhs = (prev_a + s.big_a) / (18.0 * l * s.rho);
            assert!((lhs / rhs - 1.0).abs() < 1e-12);
            assert!(s.rho >= 0.5 * s.r && s.rho <= 2.0 * s.r);
            prev_a = s.big_a;
        }
    }

    #[test]
    fn p_infinity_step_is_l1_norm_times_sign() {
        // x_{t+1} = y − (‖g‖₁/(2L)) sign(g) for p = ∞ (first step: y = x0).
        let f = problem(5);
        let l = f.smoothness(f64::INFINITY);
        let x0 = Mat::zeros(5, 1);
        let g = f.gradient(x0.as_ref());
        let n1: f64 = (0..5).map(|i| g[(i, 0)].abs()).sum();
        let mut h = Hasd::new(
            &f,
            x0,
            HasdParams {
                rho: RhoRule::Fixed(1.0),
                ..HasdParams::new(f64::INFINITY, l)
            },
        )
        .unwrap();
        h.step().unwrap();
        for i in 0..5 {
            let s = if g[(i, 0)] == 0.0 {
                0.0
            } else {
                g[(i, 0)].signum()
            };
            let want = -(n1 / (2.0 * l)) * s;
            assert!((h.x()[(i, 0)] - want).abs() < 1e-14);
        }
    }

    #[test]
    fn smoothness_constants() {
        let f = DiagonalQuadratic {
            h: vec![1.0, 2.0, 2.0],
            x_star: vec![0.0; 3],
        };
        assert!((f.smoothness(f64::INFINITY) - 5.0).abs() < 1e-15);
        assert!((f.smoothness(4.0) - 3.0).abs() < 1e-15);
        assert!((f.smoothness(2.0) - 2.0).abs() < 1e-15);
    }

    #[test]
    fn bad_parameters_are_input_errors() {
        let f = problem(3);
        assert!(matches!(
            Hasd::new(&f, Mat::zeros(3, 1), HasdParams::new(1.5, 1.0)),
            Err(Error::Input(_))
        ));
        assert!(matches!(
            Hasd::new(&f, Mat::zeros(3, 1), HasdParams::new(4.0, 0.0)),
            Err(Error::Input(_))
        ));
        assert!(matches!(
            Hasd::new(&f, Mat::zeros(2, 1), HasdParams::new(4.0, 1.0)),
            Err(Error::Input(_))
        ));
    }
}
