//! `P10-real`: the natural-gradient metrics of every step of real optimizer trajectories (Shoji,
//! Suzuki & Kozachkov, arXiv 2409.16422, T2, T3, T5), by two independent routes.
//!
//! * **Geometry route** (independent of the metric module's construction): for each optimizer with
//!   a known geometry, the closed-form metric of that geometry — I/η for gradient descent,
//!   diag(|g|)/η for sign descent (steepest descent under ‖·‖_∞), (I ⊗ (G Gᵀ)^{1/2})/η for spectral
//!   descent and (I ⊗ (N Nᵀ)^{1/2})/(η s) for Muon (the polar factor's metric), diag(√v̂ + ε)/η for
//!   Adam — must reproduce the optimizer's actual update u = −M⁻¹b, be SPD with the stated κ, and
//!   be compared with the canonical form of the same pair: κ(M_geo) ≥ κ* (T5) and
//!   M_geo − b bᵀ/(aᵀb) ⪰ 0 (T2).
//! * **Mean-value route** (T3): per step a = W_{t+1} − W_t and b = −∇L at W_t (pointwise) or at
//!   the mean-value point W_t + c·a where ∇L(W_t + c a)ᵀa = L(W_{t+1}) − L(W_t), and the same for
//!   windows of steps (net update); aᵀb = −ΔL exactly, c = ½ for a quadratic, and M_opt SPD with
//!   M a = b and κ(M_opt) = κ*.

#![allow(non_snake_case)]

use super::{crate_impl, MetricImpl, PAPER, SUITE};
use crate::error::{Error, Result};
use crate::metric::{self, SecantPair};
use crate::norms::{parse_norm, Norm};
use crate::optim::{parse_optimizer, Optimizer};
use crate::validate::stats::median;
use crate::validate::{Check, CheckMeta, Ctx, Expectation, Outcome, Planted};
use faer::Mat;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use serde_json::{json, Map, Value};

/// A smooth convex loss on one k×d parameter block.
#[derive(Clone, Debug)]
pub enum Problem {
    /// Softmax cross-entropy L(W) = −(1/n)Σ log S_{y_i}(W h_i); ∇L = (1/n)Σ (S(W h_i) − e_{y_i}) h_iᵀ.
    Multiclass {
        /// Samples, n×d (row i is h_i).
        x: Mat<f64>,
        /// Labels in 0..k.
        y: Vec<usize>,
        /// Classes.
        k: usize,
    },
    /// Least squares L(W) = (1/2n)‖H Wᵀ − Y‖_F²; ∇L = (1/n)(W Hᵀ − Yᵀ) H.
    Quadratic {
        /// Design, n×d.
        h: Mat<f64>,
        /// Targets, n×k.
        y: Mat<f64>,
        /// A planted-bug knob: the gradient is multiplied by this (1 in the real problem).
        grad_factor: f64,
    },
}

impl Problem {
    /// A Gaussian-cluster multiclass problem: k classes, means 2·N(0, I), unit noise, n samples.
    pub fn multiclass(rng: &mut ChaCha8Rng, n: usize, d: usize, k: usize) -> Self {
        let means = Mat::from_fn(k, d, |_, _| 2.0 * rng.sample::<f64, _>(StandardNormal));
        let y: Vec<usize> = (0..n).map(|i| i % k).collect();
        let x = Mat::from_fn(n, d, |i, j| {
            means[(y[i], j)] + rng.sample::<f64, _>(StandardNormal)
        });
        Problem::Multiclass { x, y, k }
    }

    /// A least-squares problem with a Gaussian design and a noisy linear teacher.
    pub fn quadratic(rng: &mut ChaCha8Rng, n: usize, d: usize, k: usize) -> Self {
        let h = Mat::from_fn(n, d, |_, _| rng.sample::<f64, _>(StandardNormal));
        let w = Mat::from_fn(k, d, |_, _| rng.sample::<f64, _>(StandardNormal));
        let mut y = &h * w.transpose();
        y += Mat::from_fn(n, k, |_, _| 0.1 * rng.sample::<f64, _>(StandardNormal));
        Problem::Quadratic {
            h,
            y,
            grad_factor: 1.0,
        }
    }

    /// The parameter shape (k, d).
    pub fn shape(&self) -> (usize, usize) {
        match self {
            Problem::Multiclass { x, k, .. } => (*k, x.ncols()),
            Problem::Quadratic { h, y, .. } => (y.ncols(), h.ncols()),
        }
    }

    /// L(W).
    pub fn loss(&self, W: &Mat<f64>) -> f64 {
        match self {
            Problem::Multiclass { x, y, .. } => {
                let z = x * W.transpose();
                let n = x.nrows();
                let mut s = 0.0;
                for i in 0..n {
                    let m = (0..z.ncols()).fold(f64::NEG_INFINITY, |a, c| a.max(z[(i, c)]));
                    let lse = m
                        + (0..z.ncols())
                            .map(|c| (z[(i, c)] - m).exp())
                            .sum::<f64>()
                            .ln();
                    s += lse - z[(i, y[i])];
                }
                s / n as f64
            }
            Problem::Quadratic { h, y, .. } => {
                let r = h * W.transpose() - y;
                let f = r.norm_l2(); // Frobenius
                0.5 * f * f / h.nrows() as f64
            }
        }
    }

    /// ∇L(W).
    pub fn grad(&self, W: &Mat<f64>) -> Mat<f64> {
        match self {
            Problem::Multiclass { x, y, k } => {
                let z = x * W.transpose();
                let n = x.nrows();
                let mut r = Mat::<f64>::zeros(n, *k);
                for i in 0..n {
                    let m = (0..*k).fold(f64::NEG_INFINITY, |a, c| a.max(z[(i, c)]));
                    let e: Vec<f64> = (0..*k).map(|c| (z[(i, c)] - m).exp()).collect();
                    let s: f64 = e.iter().sum();
                    // the correct-class residual as −Σ_{c≠y} P_c (file 00 gotcha 7.1)
                    let mut off = 0.0;
                    for c in 0..*k {
                        if c != y[i] {
                            r[(i, c)] = e[c] / s;
                            off += e[c] / s;
                        }
                    }
                    r[(i, y[i])] = -off;
                }
                let mut g = r.transpose() * x;
                g *= faer::Scale(1.0 / n as f64);
                g
            }
            Problem::Quadratic { h, y, grad_factor } => {
                let r = h * W.transpose() - y;
                let mut g = r.transpose() * h;
                g *= faer::Scale(grad_factor / h.nrows() as f64);
                g
            }
        }
    }

    fn is_quadratic(&self) -> bool {
        matches!(self, Problem::Quadratic { .. })
    }
}

/// Normalized steepest descent W ← W − η·LMO(∇L) under a norm of `crate::norms` (spectral
/// descent for the spectral norm, sign descent for the max-norm, normalized GD for Frobenius);
/// used when the optimizer registry has no `nsd` recipe.
pub struct LocalNsd {
    norm: Box<dyn Norm>,
    lr: f64,
}

impl Optimizer for LocalNsd {
    fn name(&self) -> String {
        format!(
            "nsd:norm={},lr={} (local, norms dualizer)",
            self.norm.name(),
            self.lr
        )
    }
    fn step(
        &mut self,
        params: &mut [Mat<f64>],
        grads: &[Mat<f64>],
        _loss: Option<f64>,
    ) -> Result<()> {
        for (w, g) in params.iter_mut().zip(grads) {
            let mut d = self.norm.dualize(g.as_ref());
            d *= faer::Scale(self.lr);
            *w -= d;
        }
        Ok(())
    }
}

/// The optimizers, by label and spec. `fallback_norm` names a norm for the local NSD used when
/// the spec does not parse.
pub const OPTIMIZERS: &[(&str, &str, Option<&str>)] = &[
    ("gd", "gd:lr=0.1", None),
    ("sign-descent", "sign:lr=0.01", Some("max")),
    (
        "spectral-descent",
        "nsd:norm=spectral,lr=0.05",
        Some("spectral"),
    ),
    ("muon", "muon:lr=0.05,momentum=0.9", None),
    (
        "muon-polar",
        "muon:lr=0.05,momentum=0.9,ns=exact,wd=0",
        None,
    ),
    ("adam", "adam:lr=0.02", None),
    ("fromage", "fromage:lr=0.02", None),
    ("muonmax", "muonmax:lr=0.01", None),
];

/// The closed-form metric of an optimizer's geometry: the update is u = −M⁻¹ b with b = −g (the
/// gradient) or b = −(the momentum the optimizer preconditions).
#[derive(Clone, Copy, Debug)]
pub enum Geometry {
    /// Gradient descent u = −η g: M = I/η, b = −g, κ = 1.
    Euclidean {
        /// η.
        lr: f64,
    },
    /// Sign descent u = −η sign(g), steepest descent under ‖·‖_∞: M = diag(|g|)/η, b = −g,
    /// κ = max|g_i|/min|g_i|.
    Sign {
        /// η.
        lr: f64,
    },
    /// Spectral descent u = −η polar(G), steepest descent under the spectral norm:
    /// M = (I_d ⊗ (G Gᵀ)^{1/2})/η (k ≤ d), b = −g, κ = σ_max(G)/σ_min(G).
    Polar {
        /// η.
        lr: f64,
    },
    /// Muon with the exact polar factor, no weight decay: Nesterov momentum buf ← β buf + g,
    /// N = g + β buf (Jordan et al. 2024), u = −η s polar(N) with s = √max(1, k/d):
    /// M = (I_d ⊗ (N Nᵀ)^{1/2})/(η s), b = −N, κ = σ_max(N)/σ_min(N).
    MuonPolar {
        /// η.
        lr: f64,
        /// β.
        beta: f64,
    },
    /// Adam (Kingma & Ba 2015, bias-corrected): u = −η m̂/(√v̂ + ε): M = diag(√v̂ + ε)/η, b = −m̂,
    /// κ = max/min of √v̂ + ε.
    Adam {
        /// η.
        lr: f64,
        /// β1.
        beta1: f64,
        /// β2.
        beta2: f64,
        /// ε.
        eps: f64,
    },
}

/// The geometry of an optimizer label of [`OPTIMIZERS`], when its metric has a closed form
/// (Muon with Newton–Schulz, Fromage and MuonMax have none here: only the mean-value route).
pub fn geometry_of(label: &str) -> Option<Geometry> {
    match label {
        "gd" => Some(Geometry::Euclidean { lr: 0.1 }),
        "sign-descent" => Some(Geometry::Sign { lr: 0.01 }),
        "spectral-descent" => Some(Geometry::Polar { lr: 0.05 }),
        "muon-polar" => Some(Geometry::MuonPolar {
            lr: 0.05,
            beta: 0.9,
        }),
        "adam" => Some(Geometry::Adam {
            lr: 0.02,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }),
        _ => None,
    }
}

/// The optimizer state a geometry needs, recomputed here from the gradients (not read from the
/// optimizer).
struct GeometryState {
    t: i32,
    m: Mat<f64>,
    v: Mat<f64>,
    buf: Mat<f64>,
}

/// The closed-form metric of one step: b (k×d), the dense M (D×D, vec column-major) and its
/// stated κ.
struct GeometryMetric {
    b: Mat<f64>,
    M: Mat<f64>,
    kappa: f64,
}

/// The SPD metric of the polar factor: (X Xᵀ)^{1/2} by the symmetric EVD of X Xᵀ (k×k), with σ_max
/// on the kernel of X Xᵀ (a softmax gradient has 1ᵀG = 0, so rank G ≤ k − 1; polar(X) has no
/// component there, and any positive value keeps P·polar(X) = X), and its κ = σ_max/σ_min⁺ from the
/// SVD of X (σ_min⁺ the smallest singular value above the numerical-rank cut-off).
fn polar_metric(x: &Mat<f64>) -> Result<(Mat<f64>, f64)> {
    let xxt = x * x.transpose();
    let xxt = Mat::from_fn(xxt.nrows(), xxt.ncols(), |i, j| {
        0.5 * (xxt[(i, j)] + xxt[(j, i)])
    });
    let evd = xxt
        .self_adjoint_eigen(faer::Side::Lower)
        .map_err(|e| Error::failed(format!("EVD of X Xᵀ failed: {e:?}")))?;
    let S = evd.S().column_vector();
    let V = evd.U();
    let k = xxt.nrows();
    let smax = S[k - 1];
    // the kernel of X Xᵀ: eigenvalues at its round-off level
    let cut = 64.0 * k as f64 * f64::EPSILON * smax;
    let root: Vec<f64> = (0..k)
        .map(|l| if S[l] > cut { S[l].sqrt() } else { smax.sqrt() })
        .collect();
    let P = Mat::from_fn(k, k, |i, j| {
        (0..k).map(|l| V[(i, l)] * root[l] * V[(j, l)]).sum()
    });
    let svd = crate::linalg::svd_thin(x.as_ref());
    let thr = crate::linalg::rank_threshold(x.nrows(), x.ncols(), svd.s[0]);
    let smin = svd
        .s
        .iter()
        .cloned()
        .filter(|&v| v > thr)
        .fold(f64::INFINITY, f64::min);
    Ok((P, svd.s[0] / smin))
}

impl GeometryState {
    fn new(shape: (usize, usize)) -> Self {
        let z = Mat::<f64>::zeros(shape.0, shape.1);
        Self {
            t: 0,
            m: z.clone(),
            v: z.clone(),
            buf: z,
        }
    }

    /// Advance the state with the gradient g of step t and return that step's metric.
    fn step(&mut self, geo: Geometry, g: &Mat<f64>) -> Result<GeometryMetric> {
        self.t += 1;
        let (k, d) = (g.nrows(), g.ncols());
        let dim = k * d;
        let neg = |x: &Mat<f64>| Mat::from_fn(k, d, |i, j| -x[(i, j)]);
        let diag = |w: &dyn Fn(usize, usize) -> f64| {
            Mat::from_fn(dim, dim, |r, c| if r == c { w(r % k, r / k) } else { 0.0 })
        };
        // vec(P X) = (I_d ⊗ P) vec(X): d diagonal copies of P
        let kron = |P: &Mat<f64>, scale: f64| {
            Mat::from_fn(dim, dim, |r, c| {
                if r / k == c / k {
                    P[(r % k, c % k)] * scale
                } else {
                    0.0
                }
            })
        };
        Ok(match geo {
            Geometry::Euclidean { lr } => GeometryMetric {
                b: neg(g),
                M: diag(&|_, _| 1.0 / lr),
                kappa: 1.0,
            },
            Geometry::Sign { lr } => {
                let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
                for j in 0..d {
                    for i in 0..k {
                        lo = lo.min(g[(i, j)].abs());
                        hi = hi.max(g[(i, j)].abs());
                    }
                }
                GeometryMetric {
                    b: neg(g),
                    M: diag(&|i, j| g[(i, j)].abs() / lr),
                    kappa: hi / lo,
                }
            }
            Geometry::Polar { lr } => {
                if k > d {
                    return Err(Error::failed("the polar metric here needs k ≤ d"));
                }
                let (P, kappa) = polar_metric(g)?;
                GeometryMetric {
                    b: neg(g),
                    M: kron(&P, 1.0 / lr),
                    kappa,
                }
            }
            Geometry::MuonPolar { lr, beta } => {
                if k > d {
                    return Err(Error::failed("the polar metric here needs k ≤ d"));
                }
                self.buf = Mat::from_fn(k, d, |i, j| beta * self.buf[(i, j)] + g[(i, j)]);
                let n = Mat::from_fn(k, d, |i, j| g[(i, j)] + beta * self.buf[(i, j)]);
                let s = (k as f64 / d as f64).max(1.0).sqrt();
                let (P, kappa) = polar_metric(&n)?;
                GeometryMetric {
                    b: neg(&n),
                    M: kron(&P, 1.0 / (lr * s)),
                    kappa,
                }
            }
            Geometry::Adam {
                lr,
                beta1,
                beta2,
                eps,
            } => {
                self.m = Mat::from_fn(k, d, |i, j| {
                    beta1 * self.m[(i, j)] + (1.0 - beta1) * g[(i, j)]
                });
                self.v = Mat::from_fn(k, d, |i, j| {
                    beta2 * self.v[(i, j)] + (1.0 - beta2) * g[(i, j)] * g[(i, j)]
                });
                let (c1, c2) = (1.0 - beta1.powi(self.t), 1.0 - beta2.powi(self.t));
                let den = Mat::from_fn(k, d, |i, j| (self.v[(i, j)] / c2).sqrt() + eps);
                let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
                for j in 0..d {
                    for i in 0..k {
                        lo = lo.min(den[(i, j)]);
                        hi = hi.max(den[(i, j)]);
                    }
                }
                GeometryMetric {
                    b: Mat::from_fn(k, d, |i, j| -self.m[(i, j)] / c1),
                    M: diag(&|i, j| den[(i, j)] / lr),
                    kappa: hi / lo,
                }
            }
        })
    }
}

/// The figures of the geometry route (worst over every checked step).
struct GeometryFigures {
    steps: usize,
    max_secant: f64,
    max_kappa_rel_err: f64,
    min_kappa_over_kappa_star: f64,
    min_remainder_eig: f64,
    worst: f64,
}

impl GeometryFigures {
    fn merge(&mut self, o: &GeometryFigures) {
        self.steps += o.steps;
        self.max_secant = self.max_secant.max(o.max_secant);
        self.max_kappa_rel_err = self.max_kappa_rel_err.max(o.max_kappa_rel_err);
        self.min_kappa_over_kappa_star = self
            .min_kappa_over_kappa_star
            .min(o.min_kappa_over_kappa_star);
        self.min_remainder_eig = self.min_remainder_eig.min(o.min_remainder_eig);
        self.worst = self.worst.max(o.worst);
    }
}

impl Default for GeometryFigures {
    fn default() -> Self {
        Self {
            steps: 0,
            max_secant: 0.0,
            max_kappa_rel_err: 0.0,
            min_kappa_over_kappa_star: f64::INFINITY,
            min_remainder_eig: f64::INFINITY,
            worst: 0.0,
        }
    }
}

/// One step of the geometry route: M_geo a = b (the optimizer's actual update), κ_EVD(M_geo) =
/// the stated κ, κ(M_geo) ≥ κ*(a, b) (T5), M_geo − b bᵀ/(aᵀb) ⪰ 0 (T2), and M_opt(a, b) as in
/// `verify`. Returns the per-step κ(M_geo)/κ*.
fn check_geometry_step(
    imp: &MetricImpl,
    gm: &GeometryMetric,
    a: &[f64],
    w_norms: f64,
    fig: &mut GeometryFigures,
) -> Result<f64> {
    let b = metric::vec_colmajor(gm.b.as_ref());
    let dim = a.len() as f64;
    let eps = f64::EPSILON;
    let nb = b.iter().map(|x| x * x).sum::<f64>().sqrt();
    let na = a.iter().map(|x| x * x).sum::<f64>().sqrt();
    // a = W_{t+1} − W_t is known only to ε(‖W_t‖ + ‖W_{t+1}‖): its relative error (large once the
    // steps are small against the weights, e.g. gradient descent near its minimum)
    let delta_a = dim * eps * w_norms / na;
    let ev = metric::dense_eigenvalues(gm.M.as_ref())?;
    let (lo, hi) = (ev[0], ev[ev.len() - 1]);
    let mut viol = Vec::new();
    if lo.is_nan() || lo <= 0.0 {
        viol.push(f64::INFINITY);
    }
    // (1) the update reproduces the geometry: ‖M a − b‖/‖b‖; a = W_{t+1} − W_t carries the
    // round-off ε(|W_t| + |W_{t+1}|), amplified by λ_max; the polar factor's by κ
    let sec = metric::secant_residual(gm.M.as_ref(), a, &b);
    let sec_tol = 64.0 * dim * eps * (gm.kappa + hi * w_norms / nb);
    fig.max_secant = fig.max_secant.max(sec);
    viol.push(sec / sec_tol);
    // (2) SPD with the stated κ (the polar metric's eigenvalues are square roots of those of
    // X Xᵀ: relative error ε·κ²)
    let k_evd = hi / lo;
    let k_err = (k_evd / gm.kappa - 1.0).abs();
    fig.max_kappa_rel_err = fig.max_kappa_rel_err.max(k_err);
    viol.push(k_err / (64.0 * dim * eps * gm.kappa * gm.kappa).max(1e-10));
    // (3) against the canonical form of the same pair
    let ratio = match (imp.admit)(a, &b) {
        Ok(p) => {
            let ks = (imp.kappa_min)(&p);
            let ratio = k_evd / ks;
            fig.min_kappa_over_kappa_star = fig.min_kappa_over_kappa_star.min(ratio);
            // κ* moves with the direction of a: sin ψ by ≤ δ_a, κ* by ≤ 8·δ_a/cos ψ relative
            viol.push(
                (1.0 - ratio)
                    / ((64.0 * dim * eps * k_evd).max(1e-10) + 8.0 * delta_a / p.cos_psi()),
            );
            let s = p.a_dot_b();
            let n = a.len();
            let R = Mat::from_fn(n, n, |i, j| gm.M[(i, j)] - b[i] * (b[j] / s));
            let rev = metric::dense_eigenvalues(R.as_ref())?;
            fig.min_remainder_eig = fig.min_remainder_eig.min(rev[0] / hi);
            // b bᵀ/(aᵀb) ≤ λ_max carries the relative error of aᵀb: D·ε/cos ψ, plus δ_a/cos ψ
            viol.push(
                -rev[0] / (hi * (64.0 * dim * eps + 4.0 * delta_a) * (1.0 + 1.0 / p.cos_psi())),
            );
            viol.push(verify(imp, &p)?);
            ratio
        }
        // an SPD M_geo with M_geo a = b forces aᵀb = aᵀM_geo a > 0
        Err(_) => {
            viol.push(f64::INFINITY);
            f64::NAN
        }
    };
    fig.steps += 1;
    for v in viol {
        fig.worst = if v.is_nan() {
            f64::INFINITY
        } else {
            fig.worst.max(v)
        };
    }
    Ok(ratio)
}

/// Builds an optimizer from a spec for the given shapes.
pub type OptimizerFactory = fn(&str, &[(usize, usize)]) -> Result<Box<dyn Optimizer>>;

fn build(
    factory: OptimizerFactory,
    spec: &str,
    fallback: Option<&str>,
    shape: (usize, usize),
) -> std::result::Result<(Box<dyn Optimizer>, String), String> {
    match factory(spec, &[shape]) {
        Ok(o) => {
            let n = o.name();
            Ok((o, n))
        }
        Err(e) => match fallback {
            Some(norm) => {
                let lr: f64 = spec
                    .split("lr=")
                    .nth(1)
                    .and_then(|s| s.split(',').next())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0.01);
                let norm = parse_norm(norm).map_err(|e| e.to_string())?;
                let o = LocalNsd { norm, lr };
                let n = o.name();
                Ok((Box::new(o), n))
            }
            None => Err(format!("not available in this build: {e}")),
        },
    }
}

/// The mean-value point c ∈ [0, 1] with ∇L(W + cΔ)ᵀΔ = L(W + Δ) − L(W), by bisection on the
/// increasing function φ(c) = ∇L(W + cΔ)ᵀΔ − ΔL (convex L). Returns (c, ∇L at that point).
fn mean_value_point(p: &Problem, W: &Mat<f64>, delta: &Mat<f64>, dl: f64) -> (f64, Mat<f64>) {
    let at = |c: f64| {
        let mut x = delta.clone();
        x *= faer::Scale(c);
        x += W;
        p.grad(&x)
    };
    let phi = |g: &Mat<f64>| crate::norms::inner(g.as_ref(), delta.as_ref()) - dl;
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if phi(&at(mid)) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let c = 0.5 * (lo + hi);
    (c, at(c))
}

#[derive(Default)]
struct Tally {
    kappas: Vec<f64>,
    no_metric: usize,
    not_descent: usize,
}

impl Tally {
    fn summary(&self) -> Value {
        let k = &self.kappas;
        let mn = k.iter().cloned().fold(f64::INFINITY, f64::min);
        let mx = k.iter().cloned().fold(0.0f64, f64::max);
        json!({
            "n": k.len(),
            "kappa_star_min": crate::io::num(mn),
            "kappa_star_median": crate::io::num(median(k)),
            "kappa_star_max": crate::io::num(mx),
            "no_spd_metric": self.no_metric,
            "loss_not_decreased": self.not_descent,
        })
    }
}

/// P10-real: metrics of real optimizer steps on one problem.
#[derive(Clone, Copy)]
pub struct RealUpdates {
    /// `multiclass` or `quadratic`.
    pub problem: &'static str,
    /// The metric implementation under test.
    pub imp: MetricImpl,
    /// Builds optimizers from specs (the crate's `parse_optimizer`).
    pub factory: OptimizerFactory,
    /// Planted-bug knob for the quadratic's gradient (1 = correct).
    pub grad_factor: f64,
}

impl RealUpdates {
    fn steps(&self, ctx: &Ctx) -> usize {
        ctx.profile.pick(40, 300)
    }
    fn make_problem(&self, ctx: &Ctx) -> Problem {
        let mut rng = ctx.rng(&format!("P10-real/{}", self.problem));
        match self.problem {
            "quadratic" => match Problem::quadratic(&mut rng, 60, 6, 3) {
                Problem::Quadratic { h, y, .. } => Problem::Quadratic {
                    h,
                    y,
                    grad_factor: self.grad_factor,
                },
                other => other,
            },
            _ => Problem::multiclass(&mut rng, 60, 6, 3),
        }
    }
}

/// Windows of this many steps are also checked (net update), plus the whole run.
const WINDOW: usize = 5;

impl Check for RealUpdates {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P10-real", Some(self.problem.to_string()))
    }
    fn claim(&self) -> String {
        "every loss-decreasing optimizer step (and window of steps) is natural-gradient descent: with a = Δθ and b = −∇L at the mean-value point, M_opt is SPD, M_opt a = b, aᵀb = L(θ) − L(θ+Δ) and κ(M_opt) = κ*; the same where b = −∇L(θ_t) gives aᵀb > 0".into()
    }
    fn source(&self) -> String {
        format!("{PAPER}, T3 (discrete time, mean-value point, time windows), T2 and T5 against the closed-form metrics of the optimizers' geometries; theory/P10-real.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        json!({
            "problem": self.problem,
            "n": 60, "d": 6, "k": 3,
            "steps": self.steps(ctx),
            "window": WINDOW,
            "optimizers": OPTIMIZERS.iter().map(|(l, s, f)| json!({"label": l, "spec": s, "fallback_norm": f})).collect::<Vec<_>>(),
            "init": "W0 = 0.1·N(0, I)",
        })
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let prob = self.make_problem(ctx);
        let shape = prob.shape();
        let T = self.steps(ctx);
        let mut worst = 0.0f64;
        let mut per_opt = Map::new();
        let mut checked = 0usize;
        let mut ran = 0usize;
        let mut geo_fig = GeometryFigures::default();
        let mut max_ab_rel = 0.0f64;
        let mut max_c_all = 0.0f64;
        for (label, spec, fallback) in OPTIMIZERS {
            let (mut opt, name) = match build(self.factory, spec, *fallback, shape) {
                Ok(x) => x,
                Err(msg) => {
                    per_opt.insert(label.to_string(), json!({"spec": spec, "unavailable": msg}));
                    continue;
                }
            };
            ran += 1;
            let mut rng = ctx.rng(&format!("P10-real/{}/{label}/init", self.problem));
            let mut W = vec![Mat::from_fn(shape.0, shape.1, |_, _| {
                0.1 * rng.sample::<f64, _>(StandardNormal)
            })];
            let mut traj: Vec<Mat<f64>> = vec![W[0].clone()];
            let mut losses = vec![prob.loss(&W[0])];
            let geometry = geometry_of(label);
            let mut gstate = GeometryState::new(shape);
            let mut geo_ratios: Vec<f64> = Vec::new();
            let mut geo_kappas: Vec<f64> = Vec::new();
            let mut fig = GeometryFigures::default();
            for t in 0..T {
                let g = prob.grad(&W[0]);
                opt.step(&mut W, std::slice::from_ref(&g), Some(losses[t]))
                    .map_err(|e| Error::failed(format!("{label} step {t}: {e}")))?;
                traj.push(W[0].clone());
                losses.push(prob.loss(&W[0]));
                if let Some(geo) = geometry {
                    let gm = gstate.step(geo, &g)?;
                    let a = metric::vec_colmajor((&traj[t + 1] - &traj[t]).as_ref());
                    let wn = traj[t].norm_l2() + traj[t + 1].norm_l2();
                    geo_kappas.push(gm.kappa);
                    geo_ratios.push(check_geometry_step(&self.imp, &gm, &a, wn, &mut fig)?);
                }
            }
            let mut tallies: Vec<(String, Tally)> = Vec::new();
            let mut segments: Vec<(String, usize, usize)> =
                (0..T).map(|t| ("step".to_string(), t, t + 1)).collect();
            segments.extend(
                (0..T / WINDOW).map(|w| (format!("window{WINDOW}"), w * WINDOW, (w + 1) * WINDOW)),
            );
            segments.push(("whole-run".to_string(), 0, T));
            let mut max_c_err = 0.0f64;
            for (kind, s, e) in segments {
                let delta = &traj[e] - &traj[s];
                let a = metric::vec_colmajor(delta.as_ref());
                let g0 = prob.grad(&traj[s]);
                let dl = losses[e] - losses[s];
                // pointwise: b = −∇L(θ_s)
                let b0: Vec<f64> = metric::vec_colmajor(g0.as_ref())
                    .iter()
                    .map(|x| -x)
                    .collect();
                let mut pt = Tally::default();
                let mut mv = Tally::default();
                if a.iter().all(|x| *x == 0.0) {
                    continue;
                }
                match (self.imp.admit)(&a, &b0) {
                    Ok(p) => {
                        worst = worst.max(verify(&self.imp, &p)?);
                        checked += 1;
                        pt.kappas.push((self.imp.kappa_min)(&p));
                    }
                    Err(Error::Input(m)) if m.contains("no SPD metric exists") => pt.no_metric += 1,
                    Err(err) => return Err(err),
                }
                // mean-value point (T3): exists whenever the loss decreased
                if dl < 0.0 {
                    let (c, gc) = mean_value_point(&prob, &traj[s], &delta, dl);
                    let b: Vec<f64> = metric::vec_colmajor(gc.as_ref())
                        .iter()
                        .map(|x| -x)
                        .collect();
                    let ab: f64 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
                    let gn = g0.norm_l2() * delta.norm_l2();
                    let curv = (crate::norms::inner(prob.grad(&traj[e]).as_ref(), delta.as_ref())
                        - crate::norms::inner(g0.as_ref(), delta.as_ref()))
                    .abs();
                    let noise = 64.0 * f64::EPSILON * (losses[s].abs() + gn);
                    // aᵀb = −ΔL up to the round-off of ΔL and of the bisection
                    let v_ab = (ab + dl).abs() / (noise + 1e-12 * dl.abs());
                    max_ab_rel = max_ab_rel.max((ab + dl).abs() / dl.abs());
                    worst = worst.max(v_ab);
                    if prob.is_quadratic() {
                        // for a quadratic the mean-value point is the midpoint
                        let tol_c = 1e-6 + noise / curv.max(f64::MIN_POSITIVE);
                        max_c_err = max_c_err.max((c - 0.5).abs());
                        max_c_all = max_c_all.max((c - 0.5).abs());
                        worst = worst.max((c - 0.5).abs() / tol_c);
                    }
                    match (self.imp.admit)(&a, &b) {
                        Ok(p) => {
                            worst = worst.max(verify(&self.imp, &p)?);
                            checked += 1;
                            mv.kappas.push((self.imp.kappa_min)(&p));
                        }
                        Err(Error::Input(m)) if m.contains("no SPD metric exists") => {
                            // the theorem says this cannot happen for a decrease beyond round-off
                            if -dl > noise {
                                worst = f64::INFINITY;
                            }
                            mv.no_metric += 1;
                        }
                        Err(err) => return Err(err),
                    }
                } else {
                    mv.not_descent += 1;
                }
                for (suffix, t) in [("pointwise", pt), ("mean-value", mv)] {
                    let key = format!("{kind}/{suffix}");
                    match tallies.iter_mut().find(|(k, _)| *k == key) {
                        Some((_, acc)) => {
                            acc.kappas.extend(t.kappas);
                            acc.no_metric += t.no_metric;
                            acc.not_descent += t.not_descent;
                        }
                        None => tallies.push((key, t)),
                    }
                }
            }
            let mut o = Map::new();
            o.insert("optimizer".into(), json!(name));
            o.insert("loss_first".into(), crate::io::num(losses[0]));
            o.insert("loss_last".into(), crate::io::num(losses[T]));
            if prob.is_quadratic() {
                o.insert(
                    "max_abs_mean_value_c_minus_half".into(),
                    crate::io::num(max_c_err),
                );
            }
            for (k, t) in &tallies {
                o.insert(k.clone(), t.summary());
            }
            if geometry.is_some() {
                o.insert(
                    "geometry".into(),
                    json!({
                        "metric": geometry.map(|g| format!("{g:?}")),
                        "steps": geo_ratios.len(),
                        "kappa_geometry_median": crate::io::num(median(&geo_kappas)),
                        "kappa_geometry_over_kappa_star_median": crate::io::num(median(&geo_ratios)),
                        "kappa_geometry_over_kappa_star_min": crate::io::num(geo_ratios.iter().cloned().fold(f64::INFINITY, f64::min)),
                        "max_secant_residual": crate::io::num(fig.max_secant),
                        "worst_normalized_violation": crate::io::num(fig.worst),
                    }),
                );
            }
            geo_fig.merge(&fig);
            per_opt.insert(label.to_string(), Value::Object(o));
        }
        if ran == 0 {
            return Err(Error::failed(
                "no optimizer could be built; the suite needs the optimizer registry",
            ));
        }
        if geo_fig.steps == 0 {
            return Err(Error::failed(
                "no optimizer with a closed-form geometry could be built",
            ));
        }
        let num = |x: f64| crate::io::num(if x.is_finite() { x } else { f64::NAN });
        Ok(Outcome::new(
            worst.max(geo_fig.worst),
            Expectation::at_most(
                1.0,
                "worst violation normalized by its round-off tolerance. Geometry route: ‖M_geo a − b‖/‖b‖ ≤ 64·D·ε·(κ_geo + λ_max(M_geo)(‖W_t‖ + ‖W_{t+1}‖)/‖b‖) (a is a difference of weights; the polar factor's error grows with κ), |κ_EVD(M_geo)/κ_geo − 1| ≤ max(1e-10, 64·D·ε·κ_geo²), κ(M_geo) ≥ κ*·(1 − max(1e-10, 64·D·ε·κ(M_geo))), λ_min(M_geo − bbᵀ/aᵀb) ≥ −(64·D·ε + 4δ_a)·λ_max(1 + 1/cos ψ), with δ_a = D·ε(‖W_t‖ + ‖W_{t+1}‖)/‖a‖ the relative round-off of a = W_{t+1} − W_t (also 8δ_a/cos ψ added to the κ* leg). Both routes: M_opt SPD, ‖M a − b‖ ≤ 16·D·ε·‖b‖/cos ψ, |κ_EVD − κ*| ≤ max(1e-10, 64·D·ε·κ*)·κ*. Mean-value route: |aᵀb + ΔL| ≤ 64ε(|L| + ‖∇L‖‖Δ‖) + 1e-12|ΔL| (80 bisections); quadratic: |c − ½| ≤ 1e-6 + noise/curvature",
            ),
        )
        .with_figures(json!({
            "worst_geometry_route_normalized": num(geo_fig.worst),
            "worst_mean_value_route_normalized": num(worst),
            "geometry_steps_checked": geo_fig.steps,
            "max_geometry_secant_residual": num(geo_fig.max_secant),
            "max_geometry_kappa_rel_err": num(geo_fig.max_kappa_rel_err),
            "min_kappa_geometry_over_kappa_star": num(geo_fig.min_kappa_over_kappa_star),
            "min_remainder_eigenvalue_over_lambda_max": num(geo_fig.min_remainder_eig),
            "metrics_checked": checked,
            "max_rel_err_ab_plus_dL_mean_value": num(max_ab_rel),
            "max_abs_mean_value_c_minus_half": if prob.is_quadratic() { num(max_c_all) } else { Value::Null },
        }))
        .with_details(json!({"metrics_checked": checked, "per_optimizer": per_opt})))
    }
    fn control(&self) -> Option<Planted> {
        let (bug, check) = self.planted();
        Planted::new(bug, check)
    }
}

impl RealUpdates {
    /// The record's negative control: for the softmax problem, Adam without its bias correction
    /// (an optimizer bug the geometry route must see); for the quadratic, κ* with sin ψ = 1 − cos²ψ
    /// (a metric-formula bug the mean-value route must see).
    fn planted(&self) -> (String, RealUpdates) {
        if self.problem == "quadratic" {
            (
                "κ* = (1 + s)/(1 − s) with s = 1 − cos²ψ (the square root of sin ψ missing)".into(),
                RealUpdates {
                    imp: MetricImpl {
                        kappa_min: super::planted::kappa_sin_without_root,
                        ..self.imp
                    },
                    ..*self
                },
            )
        } else {
            (
                "Adam without its bias correction m̂ = m/(1 − β1ᵗ), v̂ = v/(1 − β2ᵗ)".into(),
                RealUpdates {
                    factory: planted::adam_without_bias_correction,
                    ..*self
                },
            )
        }
    }
}

/// Normalized worst violation of one metric: SPD, secant, κ = κ*.
fn verify(imp: &MetricImpl, p: &SecantPair) -> Result<f64> {
    let M = (imp.optimal_dense)(p);
    let ev = metric::dense_eigenvalues(M.as_ref())?;
    if ev[0].is_nan() || ev[0] <= 0.0 {
        return Ok(f64::INFINITY);
    }
    let sec = metric::secant_residual(M.as_ref(), p.a(), p.b()) / metric::secant_tolerance(p);
    let ks = (imp.kappa_min)(p);
    let k = ev[ev.len() - 1] / ev[0];
    let kv = ((k - ks).abs() / ks) / metric::kappa_tolerance(p);
    let v = sec.max(kv);
    Ok(if v.is_nan() { f64::INFINITY } else { v })
}

/// The real-update checks, on the crate's optimizers.
pub fn checks() -> Vec<Box<dyn Check>> {
    ["multiclass", "quadratic"]
        .into_iter()
        .map(|problem| {
            Box::new(RealUpdates {
                problem,
                imp: crate_impl(),
                factory: parse_optimizer,
                grad_factor: 1.0,
            }) as Box<dyn Check>
        })
        .collect()
}

/// The optimizer bugs planted for P10-real (the metric bugs are in `super::planted`).
pub mod planted {
    use super::*;

    /// The crate's optimizers, except that Adam runs without its bias correction (a missing
    /// factor 1/(1 − β1ᵗ) on m and 1/(1 − β2ᵗ) on v).
    pub fn adam_without_bias_correction(
        spec: &str,
        shapes: &[(usize, usize)],
    ) -> Result<Box<dyn Optimizer>> {
        if spec.starts_with("adam:") {
            parse_optimizer(&format!("{spec},bias_correction=false"), shapes)
        } else {
            parse_optimizer(spec, shapes)
        }
    }

    /// The crate's optimizers, except that sign descent is replaced by normalized gradient
    /// descent (the ℓ2 dualizer g/‖g‖ instead of the ℓ∞ one, sign(g)).
    pub fn sign_descent_with_l2_dualizer(
        spec: &str,
        shapes: &[(usize, usize)],
    ) -> Result<Box<dyn Optimizer>> {
        if spec.starts_with("sign:") {
            Ok(Box::new(LocalNsd {
                norm: parse_norm("frobenius")?,
                lr: 0.01,
            }))
        } else {
            parse_optimizer(spec, shapes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::run_one;
    use crate::validate::testing::{ctx, fails, passes};

    #[test]
    fn real_updates_pass_with_failing_controls_and_report_kappa_per_optimizer() {
        for c in checks() {
            let r = passes(c.as_ref());
            assert!(r.control.is_some(), "{} has no control", r.id);
            let gd = &r.details["per_optimizer"]["gd"]["step/pointwise"];
            // gradient descent is natural-gradient descent with the Euclidean metric: κ* = 1
            assert!(
                (gd["kappa_star_max"].as_f64().unwrap() - 1.0).abs() < 1e-12,
                "{gd}"
            );
            // every optimizer with a closed-form geometry was checked on every step
            for label in [
                "gd",
                "sign-descent",
                "spectral-descent",
                "muon-polar",
                "adam",
            ] {
                let g = &r.details["per_optimizer"][label]["geometry"];
                assert_eq!(g["steps"].as_u64(), Some(40), "{label}: {g}");
            }
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let mut rng = ctx().rng("fd");
        for p in [
            Problem::multiclass(&mut rng, 20, 4, 3),
            Problem::quadratic(&mut rng, 20, 4, 3),
        ] {
            let (k, d) = p.shape();
            let W = Mat::from_fn(k, d, |i, j| 0.3 * (i as f64 - j as f64).sin());
            let g = p.grad(&W);
            for i in 0..k {
                for j in 0..d {
                    let h = 1e-6;
                    let mut wp = W.clone();
                    wp[(i, j)] += h;
                    let mut wm = W.clone();
                    wm[(i, j)] -= h;
                    let fd = (p.loss(&wp) - p.loss(&wm)) / (2.0 * h);
                    assert!((fd - g[(i, j)]).abs() < 1e-7, "{fd} vs {}", g[(i, j)]);
                }
            }
        }
    }

    fn no_registry(spec: &str, _shapes: &[(usize, usize)]) -> Result<Box<dyn Optimizer>> {
        Err(Error::input(format!("unknown optimizer '{spec}'")))
    }

    #[test]
    fn without_the_registry_sign_and_spectral_descent_fall_back_to_local_nsd() {
        let c = RealUpdates {
            problem: "multiclass",
            imp: crate_impl(),
            factory: no_registry,
            grad_factor: 1.0,
        };
        let r = run_one(&c, &ctx());
        assert_eq!(
            r.measured.as_f64().map(|m| m <= 1.0),
            Some(true),
            "{:?} {}",
            r.error,
            r.details
        );
        let per = &r.details["per_optimizer"];
        assert!(per["spectral-descent"]["optimizer"]
            .as_str()
            .unwrap()
            .contains("local"));
        assert!(per["sign-descent"]["optimizer"]
            .as_str()
            .unwrap()
            .contains("norm=max"));
        assert!(per["adam"]["unavailable"].is_string());
    }

    /// Further planted bugs, beyond the records' controls, that the check catches.
    #[test]
    fn more_planted_bugs_fail() {
        let base = RealUpdates {
            problem: "multiclass",
            imp: crate_impl(),
            factory: parse_optimizer,
            grad_factor: 1.0,
        };
        // a metric bug: M_opt with the rank-2 correction's sign flipped
        fails(&RealUpdates {
            imp: MetricImpl {
                optimal_dense: super::super::planted::optimal_projector_sign_flipped,
                ..crate_impl()
            },
            ..base
        });
        // an optimizer bug: sign descent with the ℓ2 dualizer
        fails(&RealUpdates {
            factory: planted::sign_descent_with_l2_dualizer,
            ..base
        });
        // an overestimated κ*: the closed-form geometries beat it (T5 leg)
        fails(&RealUpdates {
            imp: MetricImpl {
                kappa_min: super::super::planted::kappa_overestimated,
                ..crate_impl()
            },
            ..base
        });
        // a gradient with a spurious factor 2 moves the quadratic's mean-value point off ½
        fails(&RealUpdates {
            problem: "quadratic",
            grad_factor: 2.0,
            ..base
        });
    }
}
