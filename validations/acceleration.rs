//! Suite `acceleration`: HASD, accelerated steepest descent for ℓp-smooth convex problems (Bai &
//! Bullins, *Faster Acceleration for Steepest Descent*, arXiv 2409.19200, with the constants 18 and
//! 324 of the third-party Lean formalization of its main theorem).
//!
//! * P5-a[bound]: f(x_T) − f* ≤ 324·L·‖x₀ − x*‖₂²/(𝒢_T²T²) at every T ≤ 500, L computed
//!   independently of the library;
//! * P5-a[coupling]: the iterates of HASD satisfy its recursion — dual averaging along ∇f(x_{t+1}),
//!   the coupling a_{t+1}² = (A_t + A_{t+1})/(18Lρ_t), the primal step
//!   x_{t+1} = y_t − ∇f(y_t)^#/(2L) with an independently computed L and dualizer, and the ρ sandwich
//!   against an independently computed r — measured from x_t, v_t alone;
//! * P5-b: with dense gradients HASD needs ≈ 𝒢 times fewer iterations than the same recursion
//!   with ρ ≡ 1;
//! * P5-c: with 1-sparse gradients (𝒢 ≈ 1) there is no speedup.
//!
//! Each check runs an [`Implementation`]: the library's [`Hasd`], or (its negative control) the
//! same [`Hasd`] with a bug planted in its mathematics as one changed entry of its step rule
//! ([`planted`]; a unit test asserts that each bug changes exactly one entry).

use crate::accel::{
    euclidean_agd, lp_steepest_descent, DiagonalQuadratic, Hasd, HasdParams, Objective, RhoRule,
    Trace,
};
use crate::error::Result;
use crate::norms::Entrywise;
use crate::validate::{Check, CheckMeta, Ctx, Expectation, Outcome, Planted};
use faer::{Mat, MatRef};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde_json::{json, Value};

const SUITE: &str = "acceleration";
const PAPER: &str = "Bai & Bullins, Faster Acceleration for Steepest Descent, arXiv 2409.19200 (main theorem; constants 18 and 324 of the Lean formalization)";

/// A test problem: objective, minimum value, minimiser, claimed ℓp-smoothness constant, start.
pub struct TestProblem {
    /// The objective.
    pub f: Box<dyn Objective>,
    /// f*.
    pub f_star: f64,
    /// x*.
    pub x_star: Mat<f64>,
    /// The ℓp-smoothness constant the library computes ([`DiagonalQuadratic::smoothness`]); HASD
    /// runs with it.
    pub l: f64,
    /// x₀.
    pub x0: Mat<f64>,
}

/// Builds a problem of dimension d for exponent p.
pub type ProblemBuilder = fn(&mut ChaCha8Rng, usize, f64) -> TestProblem;

/// f = ½Σ h_i(x_i − x*_i)², h_i ~ U[0.5, 1.5], x* ~ N(0, I), x₀ = 0, L = ‖h‖_{p/(p−2)}.
pub fn dense_quadratic(rng: &mut ChaCha8Rng, d: usize, p: f64) -> TestProblem {
    let h: Vec<f64> = (0..d).map(|_| rng.random_range(0.5..1.5)).collect();
    let x_star: Vec<f64> = (0..d)
        .map(|_| rng.sample::<f64, _>(StandardNormal))
        .collect();
    let q = DiagonalQuadratic { h, x_star };
    let l = q.smoothness(p);
    TestProblem {
        x_star: q.minimiser(),
        f: Box::new(q),
        f_star: 0.0,
        l,
        x0: Mat::zeros(d, 1),
    }
}

/// f = ½h(x₁ − x*₁)² + ½ε Σ_{i>1} x_i², ε = 1e-6, h ~ U[0.5, 1.5]; x₀ has 1e-3·N(0, 1) entries off
/// the first coordinate, so the gradients are 1-sparse up to 1e-9.
pub fn sparse_quadratic(rng: &mut ChaCha8Rng, d: usize, p: f64) -> TestProblem {
    let mut h = vec![1e-6; d];
    h[0] = rng.random_range(0.5..1.5);
    let mut x_star = vec![0.0; d];
    x_star[0] = 1.0 + rng.sample::<f64, _>(StandardNormal).abs();
    let x0 = Mat::from_fn(d, 1, |i, _| {
        if i == 0 {
            0.0
        } else {
            1e-3 * rng.sample::<f64, _>(StandardNormal)
        }
    });
    let q = DiagonalQuadratic { h, x_star };
    let l = q.smoothness(p);
    TestProblem {
        x_star: q.minimiser(),
        f: Box::new(q),
        f_star: 0.0,
        l,
        x0,
    }
}

/// A non-smooth convex objective f = Σ h_i|x_i − x*_i| (a violation of the hypotheses).
pub struct Absolute {
    h: Vec<f64>,
    x_star: Vec<f64>,
}

impl Objective for Absolute {
    fn dim(&self) -> usize {
        self.h.len()
    }
    fn value(&self, x: MatRef<'_, f64>) -> f64 {
        (0..self.h.len())
            .map(|i| self.h[i] * (x[(i, 0)] - self.x_star[i]).abs())
            .sum()
    }
    fn gradient(&self, x: MatRef<'_, f64>) -> Mat<f64> {
        Mat::from_fn(self.h.len(), 1, |i, _| {
            self.h[i] * (x[(i, 0)] - self.x_star[i]).signum()
        })
    }
}

/// The non-smooth problem with the "L" of the dense quadratic (the theorem does not apply).
pub fn nonsmooth_problem(rng: &mut ChaCha8Rng, d: usize, p: f64) -> TestProblem {
    let TestProblem { l, x_star, .. } = dense_quadratic(rng, d, p);
    let h: Vec<f64> = (0..d).map(|_| rng.random_range(0.5..1.5)).collect();
    let xs: Vec<f64> = (0..d).map(|i| x_star[(i, 0)]).collect();
    TestProblem {
        f: Box::new(Absolute { h, x_star: xs }),
        f_star: 0.0,
        x_star,
        l,
        x0: Mat::zeros(d, 1),
    }
}

/// The implementation of HASD a check runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Implementation {
    /// The library's [`Hasd`] (the implementation under test).
    Library,
    /// The library's [`Hasd`] with one entry of its step rule changed (negative controls).
    Planted(planted::Bug),
}

impl Implementation {
    /// Start the method at x₀.
    pub fn start<'f>(
        self,
        f: &'f dyn Objective,
        x0: Mat<f64>,
        params: HasdParams,
    ) -> Result<Hasd<'f>> {
        match self {
            Implementation::Library => Hasd::new(f, x0, params),
            Implementation::Planted(bug) => {
                let primal = Box::new(Entrywise::vector(bug.step_exponent(params.p)));
                Hasd::with_primal_norm(f, x0, bug.plant(params), primal)
            }
        }
    }
}

/// The bugs planted in the mathematics of HASD for the negative controls: each is one changed
/// entry of the step rule ([`HasdParams`], or the primal norm's exponent) of the library's
/// [`Hasd`].
pub mod planted {
    use crate::accel::{DualStep, HasdParams, RhoRule};

    /// A bug planted in the mathematics of HASD.
    #[derive(Clone, Copy, Debug, PartialEq)]
    pub enum Bug {
        /// a_{t+1} doubled, 2·[1 + √(1 + 144LρA_t)]/(36Lρ): the coupling
        /// a² = (A_t + A_{t+1})/(18Lρ) no longer holds.
        DoubledA,
        /// The primal step with the dualizer of the conjugate exponent: x_{t+1} = y_t −
        /// ∇f(y_t)^{#_q}/(2L), the ℓ_q sharp operator in place of the ℓ_p one.
        StepExponent,
        /// The primal step twice too long: x_{t+1} = y_t − ∇f(y_t)^#/L.
        LongStep,
        /// Dual averaging with the sign flipped: v_{t+1} = v_t + a_{t+1}∇f(x_{t+1}).
        DualAscent,
        /// The ρ search dropped: ρ_t ≡ the given constant (1 is plain linear coupling).
        RhoConstant(f64),
        /// The ρ search dropped: ρ_t ≡ d^{−(2/q−1)}, the lower end of its bracket (the value of r
        /// for perfectly dense gradients).
        RhoFloor,
    }

    impl Bug {
        /// What was planted, in a few words.
        pub fn describe(self) -> String {
            match self {
                Bug::DoubledA => "HASD with a_{t+1} doubled (coupling coefficient 1/(18Lρ) in place of 1/(36Lρ))".into(),
                Bug::StepExponent => "HASD's primal step with the ℓ_q dualizer in place of the ℓ_p one (exponents swapped)".into(),
                Bug::LongStep => "HASD's primal step y − ∇f(y)^#/L, twice the 1/(2L) of the method".into(),
                Bug::DualAscent => "HASD's dual averaging with the sign flipped: v_{t+1} = v_t + a_{t+1}∇f(x_{t+1})".into(),
                Bug::RhoConstant(c) => format!("HASD without the ρ search: ρ_t ≡ {c}"),
                Bug::RhoFloor => "HASD without the ρ search: ρ_t ≡ d^(−(2/q−1)), the bracket's lower end".into(),
            }
        }

        /// The step rule with this bug planted: one changed entry (a fixed ρ overrides
        /// [`Bug::RhoFloor`], as it overrides the search).
        pub fn plant(self, params: HasdParams) -> HasdParams {
            match self {
                Bug::DoubledA => HasdParams {
                    coupling_scale: 2.0,
                    ..params
                },
                Bug::LongStep => HasdParams {
                    step_divisor: 1.0,
                    ..params
                },
                Bug::DualAscent => HasdParams {
                    dual: DualStep::Ascent,
                    ..params
                },
                Bug::RhoConstant(c) => HasdParams {
                    rho: RhoRule::Fixed(c),
                    ..params
                },
                Bug::RhoFloor if params.rho == RhoRule::Implicit => HasdParams {
                    rho: RhoRule::Floor,
                    ..params
                },
                Bug::RhoFloor | Bug::StepExponent => params,
            }
        }

        /// The exponent of the primal step's dualizer: p, or its conjugate q for
        /// [`Bug::StepExponent`].
        pub fn step_exponent(self, p: f64) -> f64 {
            if self == Bug::StepExponent {
                crate::norms::entrywise::conjugate_exponent(p)
            } else {
                p
            }
        }
    }
}

fn pname(p: f64) -> String {
    if p.is_infinite() {
        "inf".into()
    } else {
        format!("{p}")
    }
}

fn dist2(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    let n = (a - b).norm_l2();
    n * n
}

/// ‖v‖_p by its defining sum (max for p = ∞), independent of the library's norms.
fn lp_sum(v: &[f64], p: f64) -> f64 {
    if p.is_infinite() {
        v.iter().fold(0.0f64, |m, x| m.max(x.abs()))
    } else {
        v.iter().map(|x| x.abs().powf(p)).sum::<f64>().powf(1.0 / p)
    }
}

fn column(m: &Mat<f64>) -> Vec<f64> {
    (0..m.nrows()).map(|i| m[(i, 0)]).collect()
}

/// The conjugate exponent q = p/(p − 1) (1 for p = ∞).
fn conjugate(p: f64) -> f64 {
    if p.is_infinite() {
        1.0
    } else {
        p / (p - 1.0)
    }
}

/// The ℓp sharp operator in closed form, g^#_i = ‖g‖_q^{2−q}·sign(g_i)|g_i|^{q−1}
/// (‖g^#‖_p = ‖g‖_q, ⟨g, g^#⟩ = ‖g‖_q²; for p = ∞, ‖g‖₁·sign(g)), written independently of the
/// library's dualizers.
fn sharp_closed_form(g: &[f64], p: f64) -> Vec<f64> {
    let q = conjugate(p);
    let nq = lp_sum(g, q);
    g.iter()
        .map(|&x| {
            if x == 0.0 {
                0.0
            } else {
                nq.powf(2.0 - q) * x.signum() * x.abs().powf(q - 1.0)
            }
        })
        .collect()
}

/// The ℓp-smoothness constant of a separable quadratic computed from the objective alone: the
/// Hessian diagonal h = ∇f(𝟙) − ∇f(0), and ‖h∘z‖_q/‖z‖_p at Hölder's extremal direction
/// z = h^{1/(p−2)} (z = 𝟙 for p = ∞), which attains sup_z ‖h∘z‖_q/‖z‖_p = ‖diag h‖_{p→q}.
fn independent_smoothness(f: &dyn Objective, p: f64) -> f64 {
    let d = f.dim();
    let g1 = f.gradient(Mat::<f64>::from_fn(d, 1, |_, _| 1.0).as_ref());
    let g0 = f.gradient(Mat::<f64>::zeros(d, 1).as_ref());
    let h: Vec<f64> = (0..d).map(|i| g1[(i, 0)] - g0[(i, 0)]).collect();
    let z: Vec<f64> = if p.is_infinite() {
        vec![1.0; d]
    } else {
        h.iter().map(|x| x.abs().powf(1.0 / (p - 2.0))).collect()
    };
    let hz: Vec<f64> = h.iter().zip(&z).map(|(a, b)| a * b).collect();
    lp_sum(&hz, conjugate(p)) / lp_sum(&z, p)
}

/// Which part of P5-a a [`HasdBound`] measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundPart {
    /// max_T (f(x_T) − f*)/(324 L̂ R²/(𝒢_T² T²)) ≤ 1, L̂ computed independently.
    Bound,
    /// The recursion's identities measured from the iterates (see [`HasdBound`]).
    Coupling,
}

/// P5-a: the HASD bound at every T ≤ 500, or HASD's recursion measured from its iterates.
pub struct HasdBound {
    /// Primal exponent.
    pub p: f64,
    /// Which part.
    pub part: BoundPart,
    /// Problem builder.
    pub problem: ProblemBuilder,
    /// The implementation under test.
    pub method: Implementation,
}

/// Relative residual tolerance of the coupling identities. Each is exact algebra evaluated in
/// double precision, but â_{t+1} is read off v_t − v_{t+1}, which cancels: by t ≈ 500,
/// ‖a_{t+1}∇f(x_{t+1})‖ is ~1e-9 of ‖v_t‖, so â carries relative errors up to ~1e-7 and the
/// rebuilt y_t shifts the primal-step residual up to ~2e-5 (quick runs, seed 0). A changed
/// coefficient, exponent, sign or step length leaves a residual ≥ 0.1.
const IDENTITY_TOL: f64 = 1e-3;

impl HasdBound {
    fn d(&self, ctx: &Ctx) -> usize {
        ctx.profile.pick(200, 1000)
    }
    fn bound(&self, prob: &TestProblem, l_hat: f64) -> Result<Outcome> {
        let iters = 500;
        let params = HasdParams::new(self.p, prob.l);
        let mut m = self
            .method
            .start(prob.f.as_ref(), prob.x0.clone(), params)?;
        let r2 = dist2(&prob.x0, &prob.x_star);
        let mut worst = 0.0f64;
        let (mut worst_t, mut worst_gap, mut worst_bound) = (0usize, f64::NAN, f64::NAN);
        let mut sum_ratio = 0.0;
        let mut lemma_gap = 0.0f64;
        let mut lemma_growth = 0.0f64;
        let mut samples = Vec::new();
        for t in 1..=iters {
            let s = m.step()?;
            sum_ratio += s.ratio_q2;
            let g = sum_ratio / t as f64;
            let gap = prob.f.value(m.x().as_ref()) - prob.f_star;
            let bound = 324.0 * l_hat * r2 / (g * g * (t * t) as f64);
            let v = gap / bound;
            let v = if v.is_nan() { f64::INFINITY } else { v };
            if v > worst || t == 1 {
                worst = worst.max(v);
                worst_t = t;
                worst_gap = gap;
                worst_bound = bound;
            }
            // lemmas of the formalization: gap ≤ R²/(2A_T), √A_T ≥ 𝒢 T/(18√L)
            lemma_gap = lemma_gap.max(gap * 2.0 * s.big_a / r2);
            lemma_growth =
                lemma_growth.max((g * t as f64 / (18.0 * l_hat.sqrt())) / s.big_a.sqrt());
            if t.is_power_of_two() || t == iters {
                samples.push(json!({"T": t, "gap": gap, "bound": bound, "G_T": g}));
            }
        }
        let d = prob.f.dim();
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                1.0,
                "exact bound of the theorem (no slack): max over T ≤ 500 of gap/bound",
            ),
        )
        .with_figures(json!({
            "worst_gap_over_bound": worst, "worst_T": worst_t,
            "gap_at_worst_T": worst_gap, "bound_at_worst_T": worst_bound,
            "L_used": prob.l, "L_independent": l_hat,
        }))
        .with_details(json!({
            "G_500": sum_ratio / iters as f64,
            "G_max": (d as f64).powf(0.5 - 1.0 / self.p),
            "lemma_gap_ratio_max": lemma_gap,
            "lemma_growth_ratio_max": lemma_growth,
            "samples": samples,
        })))
    }

    /// The recursion measured from (x_t, v_t, x_{t+1}, v_{t+1}), ρ_t and the objective alone.
    fn coupling(&self, prob: &TestProblem, l_hat: f64) -> Result<Outcome> {
        let iters = 500;
        let params = HasdParams::new(self.p, prob.l);
        let f = prob.f.as_ref();
        let mut m = self.method.start(f, prob.x0.clone(), params)?;
        let q = conjugate(self.p);
        // worst residual and its step, per identity
        let mut worst = [(0.0f64, 0usize); 4];
        let mut note = |k: usize, r: f64, t: usize| {
            let r = if r.is_nan() { f64::INFINITY } else { r };
            if r > worst[k].0 {
                worst[k] = (r, t);
            }
        };
        let mut big_a = 0.0f64;
        let (mut rho_lo, mut rho_hi) = (f64::INFINITY, 0.0f64);
        for t in 0..iters {
            let (x_t, v_t) = (m.x().clone(), m.v().clone());
            let s = m.step()?;
            let (x1, v1) = (m.x(), m.v());
            let g1 = f.gradient(x1.as_ref());
            let gg = g1.norm_l2().powi(2);
            // dual averaging: v_t − v_{t+1} = a_{t+1}∇f(x_{t+1}); â by least squares
            let dv = &v_t - v1;
            let a_hat = crate::norms::inner(dv.as_ref(), g1.as_ref()) / gg;
            let resid = &dv - faer::Scale(a_hat) * &g1;
            note(0, resid.norm_l2() / dv.norm_l2(), t);
            // coupling: 18 L̂ ρ_t â² = Â_t + Â_{t+1}
            let a_prev = big_a;
            big_a += a_hat;
            note(
                1,
                (18.0 * l_hat * s.rho * a_hat * a_hat / (a_prev + big_a) - 1.0).abs(),
                t,
            );
            // primal step: x_{t+1} = y_t − ∇f(y_t)^#/(2L̂), y_t = (1 − τ)x_t + τv_t, τ = â/Â_{t+1}
            let tau = a_hat / big_a;
            let y = faer::Scale(1.0 - tau) * &x_t + faer::Scale(tau) * &v_t;
            let gy = column(&f.gradient(y.as_ref()));
            let sharp = sharp_closed_form(&gy, self.p);
            let mut err = 0.0f64;
            let mut len = 0.0f64;
            for (i, g_sharp) in sharp.iter().enumerate() {
                let step = g_sharp / (2.0 * l_hat);
                err += (x1[(i, 0)] - (y[(i, 0)] - step)).powi(2);
                len += step * step;
            }
            note(2, (err / len).sqrt(), t);
            // the sandwich ½r̂ ≤ ρ_t ≤ 2r̂ with r̂ = ‖∇f(x_{t+1})‖₂²/‖∇f(x_{t+1})‖_q²
            let gv = column(&g1);
            let r_hat = (lp_sum(&gv, 2.0) / lp_sum(&gv, q)).powi(2);
            let ratio = s.rho / r_hat;
            rho_lo = rho_lo.min(ratio);
            rho_hi = rho_hi.max(ratio);
            note(
                3,
                (s.rho / (2.0 * r_hat) - 1.0)
                    .max(r_hat / (2.0 * s.rho) - 1.0)
                    .max(0.0),
                t,
            );
        }
        let l_resid = (prob.l / l_hat - 1.0).abs();
        let measured = worst.iter().map(|w| w.0).fold(l_resid, f64::max);
        Ok(Outcome::new(
            measured,
            Expectation::at_most(
                IDENTITY_TOL,
                "exact algebra in double precision: the worst relative residual of the dual-averaging, coupling and primal-step identities, the ρ sandwich (0 when it holds) and |L_used/L̂ − 1| over 500 steps; reading a_{t+1} off v_t − v_{t+1} (cancellation ~1e-9 by t = 500) leaves up to ~2e-5, a changed coefficient, exponent, sign or step length ≥ 0.1",
            ),
        )
        .with_figures(json!({
            "dual_averaging_residual": worst[0].0, "dual_averaging_worst_t": worst[0].1,
            "coupling_residual": worst[1].0, "coupling_worst_t": worst[1].1,
            "primal_step_residual": worst[2].0, "primal_step_worst_t": worst[2].1,
            "sandwich_excess": worst[3].0, "sandwich_worst_t": worst[3].1,
            "rho_over_r_min": rho_lo, "rho_over_r_max": rho_hi,
            "L_used": prob.l, "L_independent": l_hat, "L_residual": l_resid,
        }))
        .with_details(json!({
            "note": "â_{t+1} = ⟨v_t − v_{t+1}, ∇f(x_{t+1})⟩/‖∇f(x_{t+1})‖₂², Â = Σâ; coupling residual |18L̂ρ_tâ²/(Â_t + Â_{t+1}) − 1|; primal-step residual ‖x_{t+1} − (y_t − g^#/(2L̂))‖/‖g^#/(2L̂)‖ with y_t rebuilt from x_t, v_t, â, Â and g^# in closed form; L̂ from the Hessian diagonal at Hölder's extremal direction",
        })))
    }
}

impl Check for HasdBound {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P5-a", {
            let part = match self.part {
                BoundPart::Bound => "bound",
                BoundPart::Coupling => "coupling",
            };
            Some(format!("{part},p={}", pname(self.p)))
        })
    }
    fn claim(&self) -> String {
        match self.part {
            BoundPart::Bound => "HASD: f(x_T) − f* ≤ 324·L·‖x₀ − x*‖₂²/(𝒢_T²·T²) for every T ≤ 500, 𝒢_T = (1/T)Σ‖∇f(x_{t+1})‖_q/‖∇f(x_{t+1})‖₂, L computed independently".into(),
            BoundPart::Coupling => "HASD's iterates satisfy its recursion: v_t − v_{t+1} ∥ ∇f(x_{t+1}), a_{t+1}² = (A_t + A_{t+1})/(18Lρ_t), x_{t+1} = y_t − ∇f(y_t)^#/(2L), ½r_{t+1} ≤ ρ_t ≤ 2r_{t+1}, with L, ^# and r computed independently".into(),
        }
    }
    fn source(&self) -> String {
        format!("{PAPER}, the HASD algorithm and its convergence theorem; theory/P5-a.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({"p": pname(self.p), "d": self.d(ctx), "T": 500, "problem": "½Σh_i(x_i − x*_i)², h ~ U[0.5,1.5], x* ~ N(0,I), x0 = 0", "L": "‖h‖_{p/(p−2)} (library) against ‖h∘z‖_q/‖z‖_p at z = h^{1/(p−2)} (independent)"})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let mut rng = ctx.rng(&format!("P5-a/p={}", pname(self.p)));
        let d = self.d(ctx);
        let prob = (self.problem)(&mut rng, d, self.p);
        let l_hat = independent_smoothness(prob.f.as_ref(), self.p);
        match self.part {
            BoundPart::Bound => self.bound(&prob, l_hat),
            BoundPart::Coupling => self.coupling(&prob, l_hat),
        }
    }
    fn control(&self) -> Option<Planted> {
        let bug = match self.part {
            BoundPart::Bound => planted::Bug::DualAscent,
            BoundPart::Coupling => planted::Bug::DoubledA,
        };
        Planted::new(
            bug.describe(),
            HasdBound {
                method: Implementation::Planted(bug),
                problem: self.problem,
                ..*self
            },
        )
    }
}

/// Iterations to reach f − f* ≤ ε, or None within the budget.
fn t_eps(tr: &Trace, f_star: f64, eps: f64) -> Option<usize> {
    tr.first_below(f_star, eps)
}

/// P5-b / P5-c: iterations to ε = 1e-6·(f(x₀) − f*) of HASD against the library's recursion with
/// ρ ≡ 1 (and, for the record, ℓp steepest descent and Euclidean AGD with step 1/L).
pub struct Speedup {
    /// Primal exponent.
    pub p: f64,
    /// "P5-b" (dense gradients) or "P5-c" (sparse).
    pub id: &'static str,
    /// Problem builder.
    pub problem: ProblemBuilder,
    /// The HASD implementation under test.
    pub method: Implementation,
    /// Dimension for the quick and the paper profile.
    pub dims: (usize, usize),
}

impl Check for Speedup {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, self.id, Some(format!("p={}", pname(self.p))))
    }
    fn claim(&self) -> String {
        if self.id == "P5-b" {
            "with dense gradients HASD reaches f − f* ≤ 1e-6·(f(x₀) − f*) in ≈ 1/𝒢 of the iterations of the same recursion with ρ ≡ 1".into()
        } else {
            "with 1-sparse gradients (𝒢 ≈ 1) HASD and the ρ ≡ 1 recursion need the same iterations within a factor 1.5".into()
        }
    }
    fn source(&self) -> String {
        format!(
            "{PAPER}, comparison with standard linear coupling (speedup by the factor 𝒢); theory/{}.md",
            self.id
        )
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({"p": pname(self.p), "d": ctx.profile.pick(self.dims.0, self.dims.1), "eps": "1e-6·(f(x0) − f*)", "max_iters": 200000})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let mut rng = ctx.rng(&format!("{}/p={}", self.id, pname(self.p)));
        let d = ctx.profile.pick(self.dims.0, self.dims.1);
        let prob = (self.problem)(&mut rng, d, self.p);
        let f0 = prob.f.value(prob.x0.as_ref());
        let eps = 1e-6 * (f0 - prob.f_star);
        let max_iters = 200_000;
        // run each method until it reaches ε (or the budget)
        let until = |method: Implementation, rho: RhoRule| -> Result<(Option<usize>, f64)> {
            let params = HasdParams {
                rho,
                ..HasdParams::new(self.p, prob.l)
            };
            let mut h = method.start(prob.f.as_ref(), prob.x0.clone(), params)?;
            let mut sum = 0.0;
            for t in 1..=max_iters {
                let s = h.step()?;
                sum += s.ratio_q2;
                if prob.f.value(h.x().as_ref()) - prob.f_star <= eps {
                    return Ok((Some(t), sum / t as f64));
                }
            }
            Ok((None, sum / max_iters as f64))
        };
        let (t_hasd, g) = until(self.method, RhoRule::Implicit)?;
        let (t_one, _) = until(Implementation::Library, RhoRule::Fixed(1.0))?;
        let cap = t_one.unwrap_or(max_iters).max(t_hasd.unwrap_or(max_iters)) * 2;
        let sd = lp_steepest_descent(
            prob.f.as_ref(),
            prob.x0.clone(),
            self.p,
            prob.l,
            cap.min(max_iters),
        );
        let agd = euclidean_agd(prob.f.as_ref(), prob.x0.clone(), prob.l, cap.min(max_iters));
        let speed = match (t_hasd, t_one) {
            (Some(a), Some(b)) => b as f64 / a as f64,
            _ => f64::NAN,
        };
        let figures = json!({
            "T_eps_hasd": t_hasd, "T_eps_rho_one": t_one, "G_hasd": g, "speedup": speed,
        });
        let details = json!({
            "T_eps_lp_steepest_descent": t_eps(&sd, prob.f_star, eps),
            "T_eps_euclidean_agd": t_eps(&agd, prob.f_star, eps),
            "G_max": (d as f64).powf(0.5 - 1.0 / self.p),
        });
        let expected = if self.id == "P5-b" {
            Expectation::within(
                (g / 3.0).max(g.sqrt()),
                3.0 * g,
                "fit: the theory predicts speedup ≈ 𝒢 (measured 𝒢 of the HASD run); we accept [max(𝒢/3, √𝒢), 3𝒢] — the order of the gain (the bound is an upper bound on both methods), and at least the geometric midpoint √𝒢 between no gain (1) and 𝒢, so that no acceleration fails even when 𝒢 < 3",
            )
        } else {
            Expectation::within(
                1.0 / 1.5,
                1.5,
                "fit: with 𝒢 ≈ 1 the theory predicts no gain; a factor 1.5 either way allows for the different ρ of the two runs in the transient",
            )
        };
        Ok(Outcome::new(speed, expected)
            .with_figures(figures)
            .with_details(details))
    }
    fn control(&self) -> Option<Planted> {
        let bug = if self.id == "P5-b" {
            planted::Bug::RhoConstant(1.0)
        } else {
            planted::Bug::RhoFloor
        };
        Planted::new(
            bug.describe(),
            Speedup {
                method: Implementation::Planted(bug),
                ..*self
            },
        )
    }
}

/// The suite's checks.
pub fn checks() -> Vec<Box<dyn Check>> {
    let mut v: Vec<Box<dyn Check>> = Vec::new();
    for p in [f64::INFINITY, 4.0] {
        for part in [BoundPart::Bound, BoundPart::Coupling] {
            v.push(Box::new(HasdBound {
                p,
                part,
                problem: dense_quadratic,
                method: Implementation::Library,
            }));
        }
    }
    for (id, problem) in [
        ("P5-b", dense_quadratic as ProblemBuilder),
        ("P5-c", sparse_quadratic),
    ] {
        for p in [f64::INFINITY, 4.0] {
            v.push(Box::new(Speedup {
                p,
                id,
                problem,
                method: Implementation::Library,
                dims: (200, 1000),
            }));
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::planted::Bug;
    use super::*;
    use crate::validate::run_one;
    use crate::validate::testing::{assert_all_pass, ctx, fails};

    #[test]
    fn real_hasd_passes_and_every_control_fails() {
        assert_all_pass(checks());
    }

    #[test]
    fn each_bug_is_one_changed_entry_of_the_step_rule() {
        let params = HasdParams::new(4.0, 3.0);
        let changed = |b: HasdParams| {
            [
                b.coupling_scale != params.coupling_scale,
                b.step_divisor != params.step_divisor,
                b.dual != params.dual,
                b.rho != params.rho,
                b.p != params.p || b.l != params.l || b.max_bisections != params.max_bisections,
            ]
            .iter()
            .filter(|&&c| c)
            .count()
        };
        for bug in [
            Bug::DoubledA,
            Bug::LongStep,
            Bug::DualAscent,
            Bug::RhoConstant(1.0),
            Bug::RhoFloor,
        ] {
            assert_eq!(changed(bug.plant(params)), 1, "{bug:?}");
            assert_eq!(bug.step_exponent(4.0), 4.0);
        }
        assert_eq!(changed(Bug::StepExponent.plant(params)), 0);
        assert_eq!(Bug::StepExponent.step_exponent(4.0), 4.0 / 3.0);
    }

    fn bound(p: f64, part: BoundPart, bug: Bug) -> HasdBound {
        HasdBound {
            p,
            part,
            problem: dense_quadratic,
            method: Implementation::Planted(bug),
        }
    }

    #[test]
    fn the_coupling_check_catches_every_planted_optimizer_bug() {
        for p in [f64::INFINITY, 4.0] {
            for bug in [
                Bug::DoubledA,
                Bug::StepExponent,
                Bug::LongStep,
                Bug::DualAscent,
                Bug::RhoConstant(1.0),
            ] {
                let r = fails(&bound(p, BoundPart::Coupling, bug));
                eprintln!("coupling p={p} {bug:?}: {:?} {}", r.measured, r.figures);
            }
        }
    }

    /// The bound has ~200× slack on these problems (worst gap/bound ≈ 0.005): it catches a
    /// method that diverges (the control, dual averaging uphill) but not a doubled a_{t+1}, a
    /// wrong step exponent, a step twice too long or ρ ≡ 1 (all ≤ 0.05, theory/P5-a.md), which is
    /// why [coupling] exists.
    #[test]
    fn the_bound_has_slack_for_bugs_that_still_converge() {
        for p in [f64::INFINITY, 4.0] {
            for bug in [Bug::DoubledA, Bug::StepExponent, Bug::LongStep] {
                let r = run_one(&bound(p, BoundPart::Bound, bug), &ctx());
                assert_eq!(r.pass, Some(true), "p={p} {bug:?}: {r:?}");
            }
        }
    }

    #[test]
    fn a_nonsmooth_objective_fails_visibly() {
        let nonsmooth = HasdBound {
            p: f64::INFINITY,
            part: BoundPart::Bound,
            problem: nonsmooth_problem,
            method: Implementation::Library,
        };
        let r = fails(&nonsmooth);
        assert!(r.skipped.is_none());
    }
}
