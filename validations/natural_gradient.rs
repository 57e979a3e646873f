//! Suite `natural-gradient`: every loss-decreasing update is natural-gradient descent for an SPD
//! metric, with a canonical form and a metric of minimum condition number (Shoji, Suzuki &
//! Kozachkov, *Is All Learning (Natural) Gradient Descent?*, arXiv 2409.16422: T2 canonical form,
//! T3 discrete-time reconstruction, T5 minimum condition number).
//!
//! Checks P10-a … P10-g (statements in `theory/P10-*.md`) on random secant pairs (1 in 7 nearly
//! orthogonal), the oracle fixture `tests/fixtures/ngd_metric.json`, and the metrics of real
//! optimizer steps (`P10-real`, in `natural_gradient_real.rs`).
//!
//! Each check holds the implementation under test as a [`MetricImpl`] of function pointers; its
//! negative control (`Check::control`) is the same check around one of the bugs of [`planted`],
//! which the unit tests reuse.

#![allow(non_snake_case)]

use crate::error::{Error, Result};
use crate::metric::{self, PlaneMetric, SecantPair};
use crate::validate::{Check, CheckMeta, Ctx, Expectation, Outcome, Planted};
use faer::Mat;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde_json::{json, Value};

#[path = "natural_gradient_real.rs"]
pub mod real;

const SUITE: &str = "natural-gradient";
const PAPER: &str =
    "Shoji, Suzuki & Kozachkov, Is All Learning (Natural) Gradient Descent?, arXiv 2409.16422";

/// The implementation under test, as data.
#[derive(Clone, Copy)]
pub struct MetricImpl {
    /// Accepts a secant pair (a = update, b = −∇L) or rejects it with an input error.
    pub admit: fn(&[f64], &[f64]) -> Result<SecantPair>,
    /// κ* (closed form).
    pub kappa_min: fn(&SecantPair) -> f64,
    /// M_opt as a dense matrix.
    pub optimal_dense: fn(&SecantPair) -> Mat<f64>,
    /// M_opt matrix-free.
    pub optimal: fn(&SecantPair) -> PlaneMetric,
    /// The claimed minimiser β* of κ(M(β)).
    pub beta_star: fn(&SecantPair) -> f64,
}

/// The crate's implementation.
pub fn crate_impl() -> MetricImpl {
    MetricImpl {
        admit: SecantPair::metric_tensor,
        kappa_min: SecantPair::kappa_min,
        optimal_dense: metric::dense_optimal,
        optimal: SecantPair::optimal,
        beta_star: SecantPair::beta_star,
    }
}

/// A random secant pair of dimension d with aᵀb > 0; when `near_orthogonal`, cos ψ ≈ 1e-3.
pub fn random_pair(rng: &mut ChaCha8Rng, d: usize, near_orthogonal: bool) -> (Vec<f64>, Vec<f64>) {
    let scale_a: f64 = 10f64.powf(rng.random_range(-2.0..2.0));
    let scale_b: f64 = 10f64.powf(rng.random_range(-2.0..2.0));
    let a: Vec<f64> = (0..d)
        .map(|_| scale_a * rng.sample::<f64, _>(StandardNormal))
        .collect();
    let mut b: Vec<f64> = (0..d)
        .map(|_| scale_b * rng.sample::<f64, _>(StandardNormal))
        .collect();
    let na2: f64 = a.iter().map(|x| x * x).sum();
    if near_orthogonal && d >= 2 {
        // b ← b_⊥ + 1e-3·‖b_⊥‖·â·(random in [0.5, 2])
        let c: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum::<f64>() / na2;
        b.iter_mut().zip(&a).for_each(|(y, x)| *y -= c * x);
        let nb = b.iter().map(|x| x * x).sum::<f64>().sqrt();
        let t: f64 = 1e-3 * rng.random_range(0.5..2.0) * nb / na2.sqrt();
        b.iter_mut().zip(&a).for_each(|(y, x)| *y += t * x);
    }
    let ab: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    if ab < 0.0 {
        b.iter_mut().for_each(|y| *y = -*y);
    }
    (a, b)
}

/// The random cases of a check: dimension 2..=11, every 7th nearly orthogonal.
fn cases(ctx: &Ctx, id: &str, n: usize) -> Vec<(Vec<f64>, Vec<f64>, bool)> {
    let mut rng = ctx.rng(id);
    (0..n)
        .map(|i| {
            let d = 2 + (i % 10);
            let near = i % 7 == 6;
            let (a, b) = random_pair(&mut rng, d, near);
            (a, b, near)
        })
        .collect()
}

fn n_cases(ctx: &Ctx) -> usize {
    ctx.profile.pick(300, 2000)
}

fn matvec(M: &Mat<f64>, v: &[f64]) -> Vec<f64> {
    (0..M.nrows())
        .map(|i| (0..M.ncols()).map(|k| M[(i, k)] * v[k]).sum())
        .collect()
}

fn rel_diff(x: &[f64], y: &[f64]) -> f64 {
    let num: f64 = x
        .iter()
        .zip(y)
        .map(|(p, q)| (p - q) * (p - q))
        .sum::<f64>()
        .sqrt();
    let den: f64 = y.iter().map(|q| q * q).sum::<f64>().sqrt();
    num / den
}

// ---------------------------------------------------------------------------------------------
// P10-a

/// P10-a: M_opt is symmetric, SPD and satisfies M a = b; the matrix-free operator agrees with the
/// dense matrix and its inverse undoes it.
pub struct SpdSecant {
    /// Implementation under test.
    pub imp: MetricImpl,
}

impl Check for SpdSecant {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P10-a", Some("optimal".into()))
    }
    fn claim(&self) -> String {
        "M_opt = [b bᵀ + ‖b‖²(I − â âᵀ)]/(aᵀb) is symmetric positive definite with M_opt a = b; the matrix-free M·v and M⁻¹·v agree with it".into()
    }
    fn source(&self) -> String {
        format!("{PAPER}, T2 (canonical form) and T5; theory/P10-a.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({"cases": n_cases(ctx), "dims": "2..=11", "near_orthogonal": "every 7th case, cos ψ ≈ 1e-3"})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let mut worst = 0.0f64;
        let mut worst_secant = 0.0f64;
        let mut worst_sym = 0.0f64;
        let mut worst_free = 0.0f64;
        let mut worst_round = 0.0f64;
        let mut min_eig_ratio = f64::INFINITY;
        for (a, b, _) in cases(ctx, "P10-a", n_cases(ctx)) {
            let p = (self.imp.admit)(&a, &b)?;
            let M = (self.imp.optimal_dense)(&p);
            let d = p.dim() as f64;
            let tol_sec = metric::secant_tolerance(&p);
            let sym = metric::asymmetry(M.as_ref());
            let ev = metric::dense_eigenvalues(M.as_ref())?;
            let spd = ev[0] > 0.0;
            min_eig_ratio = min_eig_ratio.min(ev[0] / ev[ev.len() - 1]);
            let sec = metric::secant_residual(M.as_ref(), &a, &b);
            worst_secant = worst_secant.max(sec);
            let F = (self.imp.optimal)(&p);
            let v: Vec<f64> = (0..p.dim()).map(|i| (i as f64 + 1.0).sin()).collect();
            let free_raw = rel_diff(&F.apply(&v), &matvec(&M, &v));
            let round_raw = rel_diff(&F.apply_inverse(&F.apply(&v)), &v);
            worst_sym = worst_sym.max(sym);
            worst_free = worst_free.max(free_raw);
            worst_round = worst_round.max(round_raw);
            let free = free_raw / tol_sec;
            let round = round_raw / (64.0 * d * f64::EPSILON * p.kappa_min());
            let viol = [
                sym / (4.0 * f64::EPSILON),
                sec / tol_sec,
                free,
                round,
                if spd { 0.0 } else { f64::INFINITY },
            ];
            worst = viol.iter().fold(
                worst,
                |w, x| if x.is_nan() { f64::INFINITY } else { w.max(*x) },
            );
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                1.0,
                "worst violation normalized by its round-off tolerance: secant ‖Ma − b‖ ≤ 16·D·ε·‖b‖/cos ψ (entries of size ‖b‖/(‖a‖cos ψ)), symmetry ≤ 4ε, matrix-free vs dense ≤ the secant tolerance, M⁻¹(Mv) = v to 64·D·ε·κ*; non-SPD counts as ∞",
            ),
        )
        .with_figures(json!({
            "max_secant_residual": worst_secant,
            "max_asymmetry": worst_sym,
            "max_matrix_free_vs_dense": worst_free,
            "max_inverse_round_trip": worst_round,
            "min_eigenvalue_over_max": min_eig_ratio,
        })))
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "M_opt with the rank-2 correction's −β*·â âᵀ added instead of subtracted",
            SpdSecant {
                imp: MetricImpl {
                    optimal_dense: planted::optimal_projector_sign_flipped,
                    ..self.imp
                },
            },
        )
    }
}

/// The T2 (⇒) factorization under test: M ↦ (U, remaining eigenvalue) with M = b bᵀ/(aᵀb) + U Uᵀ.
pub type CanonicalFactor = fn(&SecantPair, faer::MatRef<'_, f64>) -> Result<(Mat<f64>, f64)>;

/// P10-a[canonical]: T2 is a complete characterisation — every SPD M with M a = b is
/// b bᵀ/(aᵀb) + U Uᵀ with Uᵀa = 0 and rank U = D − 1.
pub struct CanonicalComplete {
    /// Implementation under test.
    pub imp: MetricImpl,
    /// The factorization under test.
    pub factor: CanonicalFactor,
}

impl Check for CanonicalComplete {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P10-a", Some("canonical".into()))
    }
    fn claim(&self) -> String {
        "every SPD M with M a = b equals b bᵀ/(aᵀb) + U Uᵀ with Uᵀa = 0 and rank U = D − 1 (the remainder M − b bᵀ/(aᵀb) is PSD with kernel span{a})".into()
    }
    fn source(&self) -> String {
        format!("{PAPER}, T2 (⇒, completeness of the canonical form); theory/P10-a.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({"cases": ctx.profile.pick(200, 2000), "dims": "2..=11", "M": "G Gᵀ + 0.1·I, G Gaussian D×D; a ~ N(0, I); b = M a"})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let mut rng = ctx.rng("P10-a/canonical");
        let n = ctx.profile.pick(200, 2000);
        let mut worst = 0.0f64;
        let (mut max_dropped, mut max_rec, mut min_gram) = (0.0f64, 0.0f64, f64::INFINITY);
        let mut max_orth = 0.0f64;
        for i in 0..n {
            let d = 2 + i % 10;
            let G = Mat::from_fn(d, d, |_, _| rng.sample::<f64, _>(StandardNormal));
            let mut M = &G * G.transpose();
            M += Mat::from_fn(d, d, |r, c| if r == c { 0.1 } else { 0.0 });
            let M = Mat::from_fn(d, d, |r, c| 0.5 * (M[(r, c)] + M[(c, r)]));
            let a: Vec<f64> = (0..d)
                .map(|_| rng.sample::<f64, _>(StandardNormal))
                .collect();
            let b = matvec(&M, &a);
            let p = (self.imp.admit)(&a, &b)?;
            let (U, rest) = (self.factor)(&p, M.as_ref())?;
            let ev = metric::dense_eigenvalues(M.as_ref())?;
            let scale = ev[d - 1] + p.beta_star();
            let tol = 64.0 * d as f64 * f64::EPSILON * scale;
            // Uᵀa = 0: the worst |uᵢᵀâ|/‖uᵢ‖ against canonical_dense's threshold 1e-10
            let orth = (0..U.ncols())
                .map(|j| {
                    let col: Vec<f64> = (0..d).map(|i| U[(i, j)]).collect();
                    let c: f64 = col.iter().zip(p.a_hat()).map(|(x, h)| x * h).sum();
                    let n = col.iter().map(|x| x * x).sum::<f64>().sqrt();
                    c.abs() / n.max(f64::MIN_POSITIVE)
                })
                .fold(0.0f64, f64::max);
            max_orth = max_orth.max(orth);
            let rec = match p.canonical_dense(U.as_ref()) {
                Ok(B) => (B - &M).norm_l2(),
                // rejected (Uᵀa ≠ 0): the orthogonality leg below carries the violation
                Err(_) => 0.0,
            };
            // rank D − 1: the Gram matrix UᵀU has no eigenvalue below the round-off level
            let gram = U.transpose() * &U;
            let gev = metric::dense_eigenvalues(gram.as_ref())?;
            // normalized: ≤ 1 exactly when the smallest eigenvalue of UᵀU exceeds 1e3·tol
            // (a zero or negative eigenvalue gives a huge finite value, not ∞, so the size shows)
            let rank_v = 1e3 * tol / gev[0].max(f64::MIN_POSITIVE);
            max_dropped = max_dropped.max(rest.abs() / scale);
            max_rec = max_rec.max(rec / scale);
            min_gram = min_gram.min(gev[0] / scale);
            let v = (rest.abs() / tol)
                .max(rec / (d as f64 * tol))
                .max(orth / 1e-10)
                .max(rank_v);
            worst = if v.is_nan() {
                f64::INFINITY
            } else {
                worst.max(v)
            };
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                1.0,
                "normalized: the dropped eigenvalue of M − bbᵀ/aᵀb within 64·D·ε·(λ_max(M) + ‖b‖²/aᵀb) of 0, ‖bbᵀ/aᵀb + UUᵀ − M‖_F within D times that (EVD round-off), Uᵀa = 0 (max |uᵢᵀâ|/‖uᵢ‖ ≤ 1e-10, canonical_dense's threshold) and UᵀU nonsingular (rank D − 1)",
            ),
        )
        .with_figures(json!({
            "max_dropped_eigenvalue_over_scale": max_dropped,
            "max_reconstruction_error_over_scale": max_rec,
            "min_gram_eigenvalue_over_scale": min_gram,
            "max_cos_u_a": max_orth,
        })))
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "T2 factor from the D − 1 smallest eigenpairs of M − bbᵀ/aᵀb instead of the largest",
            CanonicalComplete {
                imp: self.imp,
                factor: planted::factor_keeps_smallest_eigenpairs,
            },
        )
    }
}

// ---------------------------------------------------------------------------------------------
// P10-b

/// P10-b: κ(M_opt) (dense eigenvalues, and matrix-free) equals the closed form κ*.
pub struct KappaClosedForm {
    /// Implementation under test.
    pub imp: MetricImpl,
}

impl Check for KappaClosedForm {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P10-b", Some("random".into()))
    }
    fn claim(&self) -> String {
        "κ(M_opt) = κ* = ((‖b‖ + ‖b_⊥‖)/b_∥)² = (1 + sin ψ)/(1 − sin ψ)".into()
    }
    fn source(&self) -> String {
        format!("{PAPER}, T5 (Kantorovich bound and its attainment); theory/P10-b.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({"cases": n_cases(ctx), "dims": "2..=11"})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let mut worst = 0.0f64;
        let mut max_rel = 0.0f64;
        let mut max_rel_free = 0.0f64;
        let mut max_rel_trig = 0.0f64;
        let mut max_kappa = 0.0f64;
        for (a, b, near) in cases(ctx, "P10-b", n_cases(ctx)) {
            let p = (self.imp.admit)(&a, &b)?;
            let ks = (self.imp.kappa_min)(&p);
            let tol = metric::kappa_tolerance(&p);
            let kd = metric::dense_kappa((self.imp.optimal_dense)(&p).as_ref())?;
            let kf = (self.imp.optimal)(&p).kappa();
            let rd = (kd - ks).abs() / ks;
            let rf = (kf - ks).abs() / ks;
            max_rel = max_rel.max(rd);
            max_rel_free = max_rel_free.max(rf);
            max_kappa = max_kappa.max(ks);
            let mut v = (rd / tol).max(rf / 1e-12);
            if !near {
                // the trigonometric form, where 1 − sin ψ does not cancel
                let s = p.sin_psi();
                let kt = (1.0 + s) / (1.0 - s);
                max_rel_trig = max_rel_trig.max((kt - ks).abs() / ks);
                // 1 − sin ψ carries an absolute error ε, i.e. a relative error ≈ ε·κ*/2
                v = v.max(((kt - ks).abs() / ks) / (4.0 * f64::EPSILON * ks).max(1e-12));
            }
            worst = if v.is_nan() {
                f64::INFINITY
            } else {
                worst.max(v)
            };
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                1.0,
                "normalized: |κ_EVD(M_opt) − κ*| ≤ max(1e-10, 64·D·ε·κ*)·κ* (a backward-stable EVD moves λ_min by ≤ c·D·ε·λ_max); matrix-free κ within 1e-12 relative (a few flops); (1+sin ψ)/(1−sin ψ) (not nearly orthogonal) within max(1e-12, 4ε·κ*) (cancellation in 1 − sin ψ)",
            ),
        )
        .with_figures(json!({
            "max_rel_err_dense": max_rel,
            "max_rel_err_matrix_free": max_rel_free,
            "max_rel_err_trigonometric": max_rel_trig,
            "max_kappa_star": max_kappa,
        })))
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "κ* = (‖b‖ + ‖b_⊥‖)/b_∥ without the square",
            KappaClosedForm {
                imp: MetricImpl {
                    kappa_min: planted::kappa_unsquared,
                    ..self.imp
                },
            },
        )
    }
}

/// The oracle fixture `ngd_metric.json` (see `tests/fixtures/README.md`).
pub const NGD_FIXTURE: &str = include_str!("../tests/fixtures/ngd_metric.json");

/// P10-b[oracle]: κ* agrees with the independent oracle fixture (SDP- and scipy-confirmed) to 1e-8
/// relative, and no oracle-found feasible metric beats it.
pub struct KappaOracle {
    /// Implementation under test.
    pub imp: MetricImpl,
    /// The fixture's JSON text.
    pub fixture: &'static str,
}

impl Check for KappaOracle {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P10-b", Some("oracle".into()))
    }
    fn claim(&self) -> String {
        "κ* and κ(M_opt) agree with kappa_min of tests/fixtures/ngd_metric.json (cvxpy/Clarabel SDP and scipy) to 1e-8 relative".into()
    }
    fn source(&self) -> String {
        format!("{PAPER}, T5; oracle fixture ngd_metric.json; theory/P10-b.md")
    }
    fn params(&self, _ctx: &Ctx) -> Value {
        json!({"fixture": "tests/fixtures/ngd_metric.json"})
    }
    fn run(&self, _ctx: &Ctx) -> Result<Outcome> {
        let v: Value = serde_json::from_str(self.fixture)
            .map_err(|e| Error::failed(format!("oracle fixture does not parse: {e}")))?;
        let cases = v["cases"]
            .as_array()
            .ok_or_else(|| Error::failed("oracle fixture has no \"cases\""))?;
        let vecf = |x: &Value| -> Vec<f64> {
            x.as_array()
                .map(|r| r.iter().filter_map(Value::as_f64).collect())
                .unwrap_or_default()
        };
        let mut worst = 0.0f64;
        let (mut max_rel, mut max_rel_dense, mut n_beaten) = (0.0f64, 0.0f64, 0usize);
        let mut rows = Vec::new();
        for c in cases {
            let (a, b) = (vecf(&c["a"]), vecf(&c["b"]));
            let want = c["kappa_min"].as_f64().unwrap_or(f64::NAN);
            let p = (self.imp.admit)(&a, &b)?;
            let ks = (self.imp.kappa_min)(&p);
            let kd = metric::dense_kappa((self.imp.optimal_dense)(&p).as_ref())?;
            let rel = (ks - want).abs() / want;
            let rel_dense = (kd - want).abs() / want;
            let scipy = c["scipy_min_cond"].as_f64().unwrap_or(f64::INFINITY);
            // a feasible point found by scipy never beats κ* (beyond its round-off)
            let beaten = scipy < ks * (1.0 - 1e-9);
            max_rel = max_rel.max(rel);
            max_rel_dense = max_rel_dense.max(rel_dense);
            n_beaten += usize::from(beaten);
            let m = rel
                .max(rel_dense.min(1.0) * (1e-8 / metric::kappa_tolerance(&p)).min(1.0))
                .max(if beaten { f64::INFINITY } else { 0.0 });
            worst = if m.is_nan() {
                f64::INFINITY
            } else {
                worst.max(m)
            };
            rows.push(json!({"label": c["label"], "kappa_min": want, "ours": ks, "rel_err": rel, "dense_rel_err": rel_dense}));
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                1e-8,
                "the oracle was computed in float64 from the same closed form and confirmed by an SDP to 1.4e-11; 1e-8 is the agreement the issue requires (the dense EVD term is scaled by its own round-off tolerance)",
            ),
        )
        .with_figures(json!({
            "max_rel_err": max_rel,
            "max_rel_err_dense": max_rel_dense,
            "scipy_feasible_below_kappa_star": n_beaten,
            "cases": rows.len(),
        }))
        .with_details(json!({"cases": rows})))
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "κ* = ((‖b‖ − ‖b_⊥‖)/b_∥)² (sign of ‖b_⊥‖ flipped)",
            KappaOracle {
                imp: MetricImpl {
                    kappa_min: planted::kappa_perp_sign_flipped,
                    ..self.imp
                },
                fixture: self.fixture,
            },
        )
    }
}

// ---------------------------------------------------------------------------------------------
// P10-c

/// P10-c: the eigenvalues of M_opt are ρ·[(1−s)/c, 1/c (×D−2), (1+s)/c].
pub struct EigenStructure {
    /// Implementation under test.
    pub imp: MetricImpl,
}

fn predicted_spectrum(p: &SecantPair) -> Vec<f64> {
    let (rho, c, s) = (p.rho(), p.cos_psi(), p.sin_psi());
    let d = p.dim();
    let mut v = vec![rho * (1.0 - s) / c];
    v.extend(std::iter::repeat_n(rho / c, d - 2));
    v.push(rho * (1.0 + s) / c);
    v.sort_by(|x, y| x.total_cmp(y));
    v
}

impl Check for EigenStructure {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P10-c", None)
    }
    fn claim(&self) -> String {
        "spec(M_opt) = ρ·{(1 − sin ψ)/cos ψ, 1/cos ψ (multiplicity D − 2), (1 + sin ψ)/cos ψ}, ρ = ‖b‖/‖a‖".into()
    }
    fn source(&self) -> String {
        format!("{PAPER}, T5 (spectrum of the minimiser); theory/P10-c.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({"cases": n_cases(ctx), "dims": "2..=11"})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let mut worst = 0.0f64;
        let (mut worst_dense, mut worst_free) = (0.0f64, 0.0f64);
        let (mut max_dense_raw, mut max_free_raw) = (0.0f64, 0.0f64);
        for (a, b, _) in cases(ctx, "P10-c", n_cases(ctx)) {
            let p = (self.imp.admit)(&a, &b)?;
            let ev = metric::dense_eigenvalues((self.imp.optimal_dense)(&p).as_ref())?;
            let want = predicted_spectrum(&p);
            let lmax = want[want.len() - 1];
            // aᵀb (and b_∥) carry a relative error D·ε/cos ψ that every formula inherits
            let tol = 64.0 * p.dim() as f64 * f64::EPSILON * lmax * (1.0 + 1.0 / p.cos_psi());
            for (x, y) in ev.iter().zip(&want) {
                let v = (x - y).abs() / tol;
                worst_dense = worst_dense.max(v);
                max_dense_raw = max_dense_raw.max((x - y).abs() / lmax);
                worst = if v.is_nan() {
                    f64::INFINITY
                } else {
                    worst.max(v)
                };
            }
            // the matrix-free spectrum, to a few flops
            let mut free: Vec<f64> = Vec::new();
            for (x, m) in (self.imp.optimal)(&p).spectrum() {
                free.extend(std::iter::repeat_n(x, m));
            }
            for (x, y) in free.iter().zip(&want) {
                let v = (x - y).abs() / (1e-13 * lmax);
                worst_free = worst_free.max(v);
                max_free_raw = max_free_raw.max((x - y).abs() / lmax);
                worst = if v.is_nan() {
                    f64::INFINITY
                } else {
                    worst.max(v)
                };
            }
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                1.0,
                "normalized: each dense eigenvalue within 64·D·ε·λ_max·(1 + 1/cos ψ) (backward-stable EVD; aᵀb carries a relative error D·ε/cos ψ), each matrix-free eigenvalue within 1e-13·λ_max",
            ),
        )
        .with_figures(json!({"max_dense_eigenvalue_error_over_lambda_max": max_dense_raw, "max_matrix_free_eigenvalue_error_over_lambda_max": max_free_raw}))
        .with_details(json!({"worst_dense_normalized": worst_dense, "worst_matrix_free_normalized": worst_free})))
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "M_opt built with β = ‖b‖/‖a‖ (the factor 1/cos ψ of β* missing)",
            EigenStructure {
                imp: MetricImpl {
                    optimal_dense: planted::optimal_beta_without_cos,
                    ..self.imp
                },
            },
        )
    }
}

// ---------------------------------------------------------------------------------------------
// P10-d

/// P10-d: no canonical-form competitor (random U, and the BFGS(I), DFP(I), M(β) members) has a
/// smaller condition number than κ*.
pub struct NothingBeatsKappa {
    /// Implementation under test.
    pub imp: MetricImpl,
}

fn random_canonical(p: &SecantPair, rng: &mut ChaCha8Rng) -> Result<Mat<f64>> {
    let d = p.dim();
    let Q = p.complement_basis();
    let scale = 10f64.powf(rng.random_range(-2.0..2.0)) * p.beta_star().sqrt();
    let R = Mat::from_fn(d - 1, d - 1, |_, _| {
        scale * rng.sample::<f64, _>(StandardNormal)
    });
    p.canonical_dense((&Q * &R).as_ref())
}

impl Check for NothingBeatsKappa {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P10-d", None)
    }
    fn claim(&self) -> String {
        "for every M = b bᵀ/(aᵀb) + U Uᵀ with Uᵀa = 0 (random U = Q_⊥R, BFGS(I), DFP(I), M(β)): M a = b and κ(M) ≥ κ*".into()
    }
    fn source(&self) -> String {
        format!("{PAPER}, T2 and T5 (Kantorovich bound); theory/P10-d.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({"cases": n_cases(ctx), "competitors_per_case": 20, "dims": "2..=11"})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let mut rng = ctx.rng("P10-d/competitors");
        let mut worst = f64::INFINITY;
        let mut beaten = 0usize;
        let mut total = 0usize;
        let mut worst_secant = 0.0f64;
        let mut worst_secant_normalized = 0.0f64;
        let mut min_ratio = f64::INFINITY;
        for (a, b, _) in cases(ctx, "P10-d", n_cases(ctx)) {
            let p = (self.imp.admit)(&a, &b)?;
            let ks = (self.imp.kappa_min)(&p);
            let mut comps: Vec<Mat<f64>> = Vec::new();
            for _ in 0..17 {
                comps.push(random_canonical(&p, &mut rng)?);
            }
            comps.push(p.bfgs_identity().to_dense());
            comps.push(p.dfp_identity().to_dense());
            let beta = p.beta_star() * 10f64.powf(rng.random_range(-1.0..1.0));
            comps.push(metric::dense_family(&p, beta));
            for M in comps {
                total += 1;
                let sec = metric::secant_residual(M.as_ref(), &a, &b);
                worst_secant = worst_secant.max(sec);
                let ev = metric::dense_eigenvalues(M.as_ref())?;
                let lo = ev[0];
                let hi = ev[ev.len() - 1];
                // M a = b: ‖Ma − b‖/‖b‖ within 64·D·ε·λ_max(M)·‖a‖/‖b‖ (entries of size λ_max;
                // U Uᵀa = 0 only up to the round-off of Q_⊥ᵀa)
                let sec_tol =
                    64.0 * p.dim() as f64 * f64::EPSILON * hi.abs() * p.norm_a() / p.norm_b();
                let sec_v = sec / sec_tol;
                worst_secant_normalized = worst_secant_normalized.max(sec_v);
                worst = worst.min(if sec_v.is_nan() {
                    f64::NEG_INFINITY
                } else {
                    -sec_v
                });
                // κ(M) − κ* in units of the EVD round-off of κ(M) (relative c·D·ε·κ(M))
                let k = hi / lo;
                if lo.is_nan() || lo <= 0.0 {
                    // a singular competitor (rank-deficient U) has κ = ∞ ≥ κ*
                    continue;
                }
                let tol = (64.0 * p.dim() as f64 * f64::EPSILON * k).max(1e-12);
                let margin = (k / ks - 1.0) / tol;
                min_ratio = min_ratio.min(k / ks);
                if margin < -1.0 {
                    beaten += 1;
                }
                worst = worst.min(if margin.is_nan() {
                    f64::NEG_INFINITY
                } else {
                    margin
                });
            }
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_least(
                -1.0,
                "min over competitors of (κ(M)/κ* − 1)/tol with tol = max(1e-12, 64·D·ε·κ(M)) (EVD round-off), and of −‖Ma − b‖/(‖b‖·64·D·ε·λ_max(M)‖a‖/‖b‖): ≥ −1 means every competitor satisfies M a = b and none beats κ* beyond round-off",
            ),
        )
        .with_figures(json!({
            "min_kappa_over_kappa_star": min_ratio,
            "beaten": beaten,
            "competitors": total,
            "max_secant_residual": worst_secant,
            "max_secant_residual_normalized": worst_secant_normalized,
        })))
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "κ* = (2‖b‖/b_∥)² (‖b‖ in place of ‖b_⊥‖: overestimated)",
            NothingBeatsKappa {
                imp: MetricImpl {
                    kappa_min: planted::kappa_overestimated,
                    ..self.imp
                },
            },
        )
    }
}

// ---------------------------------------------------------------------------------------------
// P10-e

/// P10-e: direct minimisation of log κ over the canonical parametrisation reaches κ* (Nelder–Mead
/// with restarts over a lower-triangular R in M = b bᵀ/(aᵀb) + Q_⊥ R Rᵀ Q_⊥ᵀ).
pub struct DirectMinimisation {
    /// Implementation under test.
    pub imp: MetricImpl,
}

/// Nelder–Mead (standard coefficients 1, 2, ½, ½) minimising `f` from `x0` with initial step
/// `step`; stops after `max_evals` evaluations or when the simplex's value spread is below
/// `ftol`. Returns the best point and value.
pub fn nelder_mead(
    f: &mut dyn FnMut(&[f64]) -> f64,
    x0: &[f64],
    step: f64,
    max_evals: usize,
    ftol: f64,
) -> (Vec<f64>, f64) {
    let n = x0.len();
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(n + 1);
    let mut evals = 0usize;
    let mut eval = |x: &[f64], evals: &mut usize| {
        *evals += 1;
        let v = f(x);
        if v.is_nan() {
            f64::INFINITY
        } else {
            v
        }
    };
    let v0 = eval(x0, &mut evals);
    simplex.push((x0.to_vec(), v0));
    for i in 0..n {
        let mut x = x0.to_vec();
        x[i] += step * x[i].abs().max(1.0);
        let v = eval(&x, &mut evals);
        simplex.push((x, v));
    }
    while evals < max_evals {
        simplex.sort_by(|p, q| p.1.total_cmp(&q.1));
        if (simplex[n].1 - simplex[0].1).abs() <= ftol * simplex[0].1.abs().max(1e-300) {
            break;
        }
        let mut c = vec![0.0; n];
        for (x, _) in &simplex[..n] {
            for (ci, xi) in c.iter_mut().zip(x) {
                *ci += xi / n as f64;
            }
        }
        let worst = simplex[n].clone();
        let along = |t: f64| -> Vec<f64> {
            c.iter()
                .zip(&worst.0)
                .map(|(ci, wi)| ci + t * (ci - wi))
                .collect()
        };
        let xr = along(1.0);
        let fr = eval(&xr, &mut evals);
        if fr < simplex[0].1 {
            let xe = along(2.0);
            let fe = eval(&xe, &mut evals);
            simplex[n] = if fe < fr { (xe, fe) } else { (xr, fr) };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (xr, fr);
        } else {
            let (xc, fc) = if fr < worst.1 {
                let x = along(0.5);
                let v = eval(&x, &mut evals);
                (x, v)
            } else {
                let x = along(-0.5);
                let v = eval(&x, &mut evals);
                (x, v)
            };
            if fc < worst.1.min(fr) {
                simplex[n] = (xc, fc);
            } else {
                let best = simplex[0].0.clone();
                for s in simplex.iter_mut().skip(1) {
                    let x: Vec<f64> = best
                        .iter()
                        .zip(&s.0)
                        .map(|(b, y)| b + 0.5 * (y - b))
                        .collect();
                    let v = eval(&x, &mut evals);
                    *s = (x, v);
                }
            }
        }
    }
    simplex.sort_by(|p, q| p.1.total_cmp(&q.1));
    simplex.swap_remove(0)
}

impl Check for DirectMinimisation {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P10-e", None)
    }
    fn claim(&self) -> String {
        "min over lower-triangular R of κ(b bᵀ/(aᵀb) + Q_⊥RRᵀQ_⊥ᵀ), found by Nelder–Mead with restarts, equals κ*".into()
    }
    fn source(&self) -> String {
        format!("{PAPER}, T5 (κ* is attained and not beaten); theory/P10-e.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({"dims": [2, 3, 4], "cases_per_dim": ctx.profile.pick(3, 10), "restarts": 6, "evals_per_restart": 4000})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let mut rng = ctx.rng("P10-e");
        let per = ctx.profile.pick(3, 10);
        let mut worst_above = 0.0f64;
        let mut worst_below = 0.0f64;
        let mut worst = 0.0f64;
        let mut rows = Vec::new();
        for d in [2usize, 3, 4] {
            for _ in 0..per {
                let (a, b) = random_pair(&mut rng, d, false);
                let p = (self.imp.admit)(&a, &b)?;
                let ks = (self.imp.kappa_min)(&p);
                let Q = p.complement_basis();
                let m = d - 1;
                let idx: Vec<(usize, usize)> =
                    (0..m).flat_map(|i| (0..=i).map(move |j| (i, j))).collect();
                let s = p.a_dot_b();
                let mut f = |x: &[f64]| -> f64 {
                    let R = Mat::from_fn(m, m, |i, j| {
                        idx.iter()
                            .position(|&ij| ij == (i, j))
                            .map_or(0.0, |k| x[k])
                    });
                    let U = &Q * &R;
                    let mut M = Mat::from_fn(d, d, |i, k| p.b()[i] * p.b()[k] / s);
                    M += &U * U.transpose();
                    metric::dense_kappa(M.as_ref()).map_or(f64::INFINITY, f64::ln)
                };
                let sc = p.beta_star().sqrt();
                let mut best = f64::INFINITY;
                for _ in 0..6 {
                    let mut x0: Vec<f64> = (0..idx.len())
                        .map(|_| sc * rng.sample::<f64, _>(StandardNormal))
                        .collect();
                    // polish: restart from the best point with a fresh simplex
                    let mut v = f64::INFINITY;
                    for step in [0.5, 0.1, 0.01, 1e-3] {
                        let (x, fx) = nelder_mead(&mut f, &x0, step, 1000, 1e-15);
                        x0 = x;
                        v = fx;
                    }
                    best = best.min(v.exp());
                }
                let gap = best / ks - 1.0;
                worst_above = worst_above.max(gap);
                worst_below = worst_below.min(gap);
                // below κ* only by the EVD round-off of κ (the search selects favourable
                // round-off): 4·max(1e-10, 64·D·ε·κ*); above by at most 1e-6
                let low = 4.0 * metric::kappa_tolerance(&p);
                let v = (-gap / low).max(gap / 1e-6);
                worst = if v.is_nan() {
                    f64::INFINITY
                } else {
                    worst.max(v)
                };
                rows.push(json!({"D": d, "kappa_star": ks, "nelder_mead": best, "rel_gap": gap}));
            }
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                1.0,
                "normalized relative gap g = (κ_NM − κ*)/κ*: max(−g/(4·max(1e-10, 64·D·ε·κ*)), g/1e-6) ≤ 1 — never below κ* beyond EVD round-off (κ* is a lower bound; minimising over round-off noise picks favourable errors), and within 1e-6 above (derivative-free search on a smooth minimum reaches ε-level values; 1e-6 leaves room for slow simplex contraction)",
            ),
        )
        .with_figures(json!({"max_rel_gap": worst_above, "min_rel_gap": worst_below}))
        .with_details(json!({"cases": rows})))
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "κ* = (‖b‖ + ‖b_⊥‖)/b_∥ without the square",
            DirectMinimisation {
                imp: MetricImpl {
                    kappa_min: planted::kappa_unsquared,
                    ..self.imp
                },
            },
        )
    }
}

// ---------------------------------------------------------------------------------------------
// P10-f

/// P10-f: κ(M(β)) is minimised at β* = ‖b‖²/(aᵀb), where it equals κ*.
pub struct FamilyMinimiser {
    /// Implementation under test.
    pub imp: MetricImpl,
}

/// Golden-section search for the minimiser of `f` on [lo, hi]; returns the midpoint of the final
/// bracket after `iters` reductions.
pub fn golden_section(f: &dyn Fn(f64) -> f64, mut lo: f64, mut hi: f64, iters: usize) -> f64 {
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let mut x1 = hi - g * (hi - lo);
    let mut x2 = lo + g * (hi - lo);
    let (mut f1, mut f2) = (f(x1), f(x2));
    for _ in 0..iters {
        if f1 <= f2 {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - g * (hi - lo);
            f1 = f(x1);
        } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + g * (hi - lo);
            f2 = f(x2);
        }
    }
    0.5 * (lo + hi)
}

impl Check for FamilyMinimiser {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P10-f", None)
    }
    fn claim(&self) -> String {
        "argmin_{β>0} κ(b bᵀ/(aᵀb) + β(I − â âᵀ)) = β* = ‖b‖²/(aᵀb), and κ(M(β*)) = κ*".into()
    }
    fn source(&self) -> String {
        format!("{PAPER}, T5 and the one-parameter family M(β) containing BFGS(I); theory/P10-f.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({"cases": ctx.profile.pick(60, 400), "search": "golden section on log β over [β*/1e3, β*·1e3], 120 reductions, κ from the dense EVD of M(β)"})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let mut rng = ctx.rng("P10-f");
        let n = ctx.profile.pick(60, 400);
        let mut worst = 0.0f64;
        let mut max_dev = 0.0f64;
        let mut max_kappa_err = 0.0f64;
        for i in 0..n {
            let (a, b) = random_pair(&mut rng, 2 + i % 10, false);
            let p = (self.imp.admit)(&a, &b)?;
            let claimed = (self.imp.beta_star)(&p);
            let truth_scale = p.beta_star();
            let f = |lb: f64| {
                metric::dense_kappa(metric::dense_family(&p, lb.exp()).as_ref())
                    .unwrap_or(f64::INFINITY)
            };
            let c = truth_scale.ln();
            let found = golden_section(&f, c - 3.0 * 10f64.ln(), c + 3.0 * 10f64.ln(), 120).exp();
            let dev = (found / claimed - 1.0).abs();
            max_dev = max_dev.max(dev);
            // resolution: κ(β) ≈ κ*(1 + C·δ²) with EVD noise 64·D·ε·κ, so δ ~ √(noise)
            let tol = 30.0 * metric::kappa_tolerance(&p).sqrt();
            let kerr = (f(claimed.ln()) / (self.imp.kappa_min)(&p) - 1.0).abs();
            max_kappa_err = max_kappa_err.max(kerr);
            let kv = kerr / metric::kappa_tolerance(&p);
            let v = (dev / tol).max(kv);
            worst = if v.is_nan() {
                f64::INFINITY
            } else {
                worst.max(v)
            };
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                1.0,
                "normalized: |β_found/β* − 1| ≤ 30·√(κ tolerance) (a smooth minimum is located to the square root of the objective's round-off, here EVD noise max(1e-10, 64·D·ε·κ)), and κ(M(β*)) = κ* within the κ tolerance",
            ),
        )
        .with_figures(json!({"max_rel_dev_beta": max_dev, "max_rel_err_kappa_at_beta_star": max_kappa_err})))
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "β* = ‖b‖/(aᵀb) (‖b‖ not squared)",
            FamilyMinimiser {
                imp: MetricImpl {
                    beta_star: planted::beta_unsquared,
                    ..self.imp
                },
            },
        )
    }
}

// ---------------------------------------------------------------------------------------------
// P10-g

/// P10-g: aᵀb ≤ 0 (and b = 0) is rejected as "no SPD metric exists"; aᵀb > 0 is accepted.
pub struct Infeasible {
    /// Implementation under test.
    pub imp: MetricImpl,
}

impl Check for Infeasible {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P10-g", None)
    }
    fn claim(&self) -> String {
        "S(a→b) is empty when aᵀb ≤ 0 (aᵀMa > 0 for SPD M): such pairs are rejected with an input error saying no SPD metric exists, while aᵀb > 0 is always accepted".into()
    }
    fn source(&self) -> String {
        format!("{PAPER}, T1/T2 (aᵀb > 0 is necessary); theory/P10-g.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({"cases": ctx.profile.pick(200, 2000), "kinds": ["aᵀb < 0", "aᵀb = 0 exactly", "b = 0", "aᵀb > 0"]})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let mut rng = ctx.rng("P10-g");
        let n = ctx.profile.pick(200, 2000);
        let (mut infeasible_accepted, mut feasible_rejected) = (0usize, 0usize);
        // the worst wrong decisions: the largest cos ψ of an accepted infeasible pair (≤ 0; 0 for
        // b = 0) and the largest cos ψ of a rejected feasible pair (> 0)
        let (mut worst_accepted, mut worst_rejected) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        let mut examples: Vec<Value> = Vec::new();
        for i in 0..n {
            let d = 2 + i % 10;
            let kind = i % 4;
            let (a, mut b) = random_pair(&mut rng, d, i % 7 == 6);
            let (a, b) = match kind {
                0 => {
                    b.iter_mut().for_each(|y| *y = -*y);
                    (a, b)
                }
                1 => {
                    // exactly orthogonal integer pair: a = (1, 1, 0…)·k, b = (2, −2, sin 2, …)
                    let k = rng.random_range(1..5) as f64;
                    let a2: Vec<f64> = (0..d).map(|j| if j < 2 { k } else { 0.0 }).collect();
                    let b2: Vec<f64> = (0..d)
                        .map(|j| match j {
                            0 => 2.0,
                            1 => -2.0,
                            _ => (j as f64).sin(),
                        })
                        .collect();
                    (a2, b2)
                }
                2 => {
                    b.iter_mut().for_each(|y| *y = 0.0);
                    (a, b)
                }
                _ => (a, b),
            };
            let r = (self.imp.admit)(&a, &b);
            let ab: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
            let nb = b.iter().map(|y| y * y).sum::<f64>().sqrt();
            let na = a.iter().map(|x| x * x).sum::<f64>().sqrt();
            let cos = if nb > 0.0 { ab / (na * nb) } else { 0.0 };
            let wrong = if kind == 3 {
                let w = r.is_err();
                if w {
                    feasible_rejected += 1;
                    worst_rejected = worst_rejected.max(cos);
                }
                w
            } else {
                let w = !rejected(&r);
                if w {
                    infeasible_accepted += 1;
                    worst_accepted = worst_accepted.max(cos);
                }
                w
            };
            if wrong && examples.len() < 5 {
                examples.push(json!({"kind": kind, "a": a, "b": b}));
            }
        }
        let wrong = infeasible_accepted + feasible_rejected;
        let num = |x: f64| crate::io::num(if x.is_finite() { x } else { f64::NAN });
        Ok(Outcome::new(
            wrong as f64,
            Expectation::at_most(
                0.0,
                "exact: every infeasible pair must be rejected and every feasible one accepted",
            ),
        )
        .with_figures(json!({
            "infeasible_accepted": infeasible_accepted,
            "feasible_rejected": feasible_rejected,
            "max_cos_psi_infeasible_accepted": num(worst_accepted),
            "max_cos_psi_feasible_rejected": num(worst_rejected),
        }))
        .with_details(json!({"wrong_examples": examples})))
    }
    fn control(&self) -> Option<Planted> {
        Planted::new(
            "feasibility test aᵀb < 0 instead of aᵀb ≤ 0 (orthogonal pairs admitted)",
            Infeasible {
                imp: MetricImpl {
                    admit: planted::admit_orthogonal,
                    ..self.imp
                },
            },
        )
    }
}

fn rejected(r: &Result<SecantPair>) -> bool {
    match r {
        Err(Error::Input(m)) => m.contains("no SPD metric exists"),
        _ => false,
    }
}

/// The suite's checks, built from the crate's implementation.
pub fn checks() -> Vec<Box<dyn Check>> {
    let imp = crate_impl();
    let mut v: Vec<Box<dyn Check>> = vec![
        Box::new(SpdSecant { imp }),
        Box::new(CanonicalComplete {
            imp,
            factor: SecantPair::canonical_factor,
        }),
        Box::new(KappaClosedForm { imp }),
        Box::new(KappaOracle {
            imp,
            fixture: NGD_FIXTURE,
        }),
        Box::new(EigenStructure { imp }),
        Box::new(NothingBeatsKappa { imp }),
        Box::new(DirectMinimisation { imp }),
        Box::new(FamilyMinimiser { imp }),
        Box::new(Infeasible { imp }),
    ];
    v.extend(real::checks());
    v
}

/// The bugs planted in the mathematics of the metric implementation: each is the negative control
/// of one record (see `Check::control`) and is reused by the unit tests.
pub mod planted {
    use super::*;

    /// M_opt = [b bᵀ + ‖b‖²(I + â âᵀ)]/(aᵀb): the rank-2 correction's −β*·â âᵀ with the wrong sign
    /// (M a = b breaks).
    pub fn optimal_projector_sign_flipped(p: &SecantPair) -> Mat<f64> {
        let (b, h) = (p.b(), p.a_hat());
        let s = p.a_dot_b();
        let beta = p.beta_star();
        Mat::from_fn(p.dim(), p.dim(), |i, k| {
            let delta = if i == k { 1.0 } else { 0.0 };
            b[i] * (b[k] / s) + beta * (delta + h[i] * h[k])
        })
    }
    /// M(β) at β = ‖b‖/‖a‖ = ρ instead of β* = ρ/cos ψ (in S(a→b), but not the minimiser).
    pub fn optimal_beta_without_cos(p: &SecantPair) -> Mat<f64> {
        metric::dense_family(p, p.norm_b() / p.norm_a())
    }
    /// The matrix-free M_opt with the complement eigenvalue 1.5·β*.
    pub fn optimal_wrong_block(p: &SecantPair) -> PlaneMetric {
        p.family(p.beta_star() * 1.5)
            .expect("1.5·β* > 0 for an admitted pair")
    }
    /// κ* = (‖b‖ + ‖b_⊥‖)/b_∥: the square missing.
    pub fn kappa_unsquared(p: &SecantPair) -> f64 {
        (p.norm_b() + p.b_perp_norm()) / p.b_parallel()
    }
    /// κ* = ((‖b‖ − ‖b_⊥‖)/b_∥)² = 1/κ*: the sign of ‖b_⊥‖ flipped.
    pub fn kappa_perp_sign_flipped(p: &SecantPair) -> f64 {
        let r = (p.norm_b() - p.b_perp_norm()) / p.b_parallel();
        r * r
    }
    /// κ* = (2‖b‖/b_∥)²: ‖b‖ in place of ‖b_⊥‖ (an overestimate).
    pub fn kappa_overestimated(p: &SecantPair) -> f64 {
        (2.0 * p.norm_b() / p.b_parallel()).powi(2)
    }
    /// κ* = (1 + s)/(1 − s) with s = 1 − cos²ψ = sin²ψ: the square root of sin ψ = √(1 − cos²ψ)
    /// missing.
    pub fn kappa_sin_without_root(p: &SecantPair) -> f64 {
        let c = p.cos_psi();
        let s = 1.0 - c * c;
        (1.0 + s) / (1.0 - s)
    }
    /// β* = ‖b‖/(aᵀb): ‖b‖ not squared.
    pub fn beta_unsquared(p: &SecantPair) -> f64 {
        p.norm_b() / p.a_dot_b()
    }
    /// A feasibility test aᵀb < 0 instead of aᵀb ≤ 0: an exactly orthogonal pair is admitted
    /// (nudged by 1e-9·a so that a `SecantPair` can be built).
    pub fn admit_orthogonal(a: &[f64], b: &[f64]) -> Result<SecantPair> {
        let ab: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
        if ab == 0.0 {
            let b2: Vec<f64> = b.iter().zip(a).map(|(y, x)| y + 1e-9 * x).collect();
            return SecantPair::metric_tensor(a, &b2);
        }
        SecantPair::metric_tensor(a, b)
    }
    /// The T2 factorization keeping the D − 1 smallest eigenpairs of M − b bᵀ/(aᵀb) instead of the
    /// largest (the kernel direction a is kept, a positive eigenvalue dropped).
    pub fn factor_keeps_smallest_eigenpairs(
        p: &SecantPair,
        M: faer::MatRef<'_, f64>,
    ) -> Result<(Mat<f64>, f64)> {
        let d = p.dim();
        let s = p.a_dot_b();
        let R = Mat::from_fn(d, d, |i, k| M[(i, k)] - p.b()[i] * p.b()[k] / s);
        let evd = R
            .self_adjoint_eigen(faer::Side::Lower)
            .map_err(|e| Error::failed(format!("EVD failed: {e:?}")))?;
        let S = evd.S().column_vector();
        let V = evd.U();
        let U = Mat::from_fn(d, d - 1, |i, j| V[(i, j)] * S[j].max(0.0).sqrt());
        Ok((U, S[d - 1]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::testing::{fails, passes};

    /// Every record of P10-a … P10-g passes with a control (its planted bug) that fails.
    #[test]
    fn real_implementation_passes_p10_a_to_g_and_every_control_fails() {
        for c in checks().into_iter().filter(|c| c.theory_id() != "P10-real") {
            let r = passes(c.as_ref());
            assert!(r.control.is_some(), "{} has no negative control", r.id);
        }
    }

    /// Further planted bugs, beyond the records' controls, that the checks catch.
    #[test]
    fn more_planted_bugs_fail() {
        let ok = crate_impl();
        let no_cos = MetricImpl {
            optimal_dense: planted::optimal_beta_without_cos,
            ..ok
        };
        let bad_free = MetricImpl {
            optimal: planted::optimal_wrong_block,
            ..ok
        };
        let over = MetricImpl {
            kappa_min: planted::kappa_overestimated,
            ..ok
        };
        let unsquared = MetricImpl {
            kappa_min: planted::kappa_unsquared,
            ..ok
        };
        fails(&SpdSecant { imp: no_cos });
        fails(&SpdSecant { imp: bad_free });
        fails(&KappaClosedForm { imp: no_cos });
        fails(&KappaOracle {
            imp: unsquared,
            fixture: NGD_FIXTURE,
        });
        fails(&EigenStructure { imp: bad_free });
        fails(&DirectMinimisation { imp: over });
        fails(&KappaClosedForm {
            imp: MetricImpl {
                kappa_min: planted::kappa_sin_without_root,
                ..ok
            },
        });
    }
}
