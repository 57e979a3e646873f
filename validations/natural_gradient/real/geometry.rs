//! The closed-form metric of each optimizer's geometry (the update u = −M⁻¹b) and the check of one real step against it, for P10-real.

use super::*;

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
pub(super) struct GeometryState {
    pub(super) t: i32,
    pub(super) m: Mat<f64>,
    pub(super) v: Mat<f64>,
    pub(super) buf: Mat<f64>,
}

/// The closed-form metric of one step: b (k×d), the dense M (D×D, vec column-major) and its
/// stated κ.
pub(super) struct GeometryMetric {
    pub(super) b: Mat<f64>,
    M: Mat<f64>,
    pub(super) kappa: f64,
}

/// The SPD metric of the polar factor: (X Xᵀ)^{1/2} by the symmetric EVD of X Xᵀ (k×k), with σ_max
/// on the kernel of X Xᵀ (a softmax gradient has 1ᵀG = 0, so rank G ≤ k − 1; polar(X) has no
/// component there, and any positive value keeps P·polar(X) = X), and its κ = σ_max/σ_min⁺ from the
/// SVD of X (σ_min⁺ the smallest singular value above the numerical-rank cut-off).
pub(super) fn polar_metric(x: &Mat<f64>) -> Result<(Mat<f64>, f64)> {
    let xxt = x * x.transpose();
    let xxt = Mat::from_fn(xxt.nrows(), xxt.ncols(), |i, j| {
        0.5 * (xxt[(i, j)] + xxt[(j, i)])
    });
    let (S, V) = crate::linalg::symmetric_eigen(xxt.as_ref())
        .map_err(|e| Error::failed(format!("EVD of X Xᵀ failed: {e:?}")))?;
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
    pub(super) fn new(shape: (usize, usize)) -> Self {
        let z = Mat::<f64>::zeros(shape.0, shape.1);
        Self {
            t: 0,
            m: z.clone(),
            v: z.clone(),
            buf: z,
        }
    }

    /// Advance the state with the gradient g of step t and return that step's metric.
    pub(super) fn step(&mut self, geo: Geometry, g: &Mat<f64>) -> Result<GeometryMetric> {
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
pub(super) struct GeometryFigures {
    pub(super) steps: usize,
    pub(super) max_secant: f64,
    pub(super) max_kappa_rel_err: f64,
    pub(super) min_kappa_over_kappa_star: f64,
    pub(super) min_remainder_eig: f64,
    pub(super) worst: f64,
}

impl GeometryFigures {
    pub(super) fn merge(&mut self, o: &GeometryFigures) {
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
pub(super) fn check_geometry_step(
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

pub(super) fn build(
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
