//! Robust training of the multiclass linear model against ℓ∞ input perturbations (`steepest train
//! --robust-linf ε`).
//!
//! For a perturbation ‖δ‖_∞ ≤ ε of the input h_i, the pair margin (w_y − w_c)ᵀ(h_i + δ) is
//! smallest at δ = −ε·sign(w_y − w_c) (Hölder's inequality with the dual norm of ℓ∞, ℓ1):
//!
//! m̃_ic(W) = min_{‖δ‖_∞ ≤ ε} (w_{y_i} − w_c)ᵀ(h_i + δ) = m_ic(W) − ε‖w_{y_i} − w_c‖_1.
//!
//! The robust loss is the loss at the robust pair margins, L̃(W) = (1/n) Σ_i ℓ(m̃_i·(W)). Since
//! min_δ min_c = min_c min_δ, the robust minimum margin min_ic m̃_ic is exactly the worst case over
//! the ℓ∞ ball; L̃ is an upper bound on the adversarial loss max_δ ℓ(W(h_i + δ), y_i) (one δ for all
//! classes) and equals it for k = 2, the linear case of the robust ERM objective of Madry, Makelov,
//! Schmidt, Tsipras & Vladu (arXiv:1706.06083, eq. (2.1)); the closed form for linear models is
//! the one of `models::loss` (binary robust loss ℓ(y⟨w, x⟩ − ε‖w‖_1)).
//!
//! Gradient: ∂m̃_ic/∂w_{y_i} = h_i − ε s_{y_i c}, ∂m̃_ic/∂w_c = −(h_i − ε s_{y_i c}) with
//! s_{ac} = sign(w_a − w_c) entry-wise (the subgradient of ‖·‖_1, 0 where w_a = w_c).

use crate::error::{Error, Result};
use crate::models::multiclass::{
    log_softplus, log_sum_exp, softplus, Evaluation, Loss, Multiclass, ScaledGradient,
};
use faer::{Mat, MatRef};

/// A subgradient of the penalty norm at v, written into `out` (same length).
pub type Subgradient = fn(v: &[f64], out: &mut [f64]);

/// The subgradient of ‖v‖_1, the dual norm of ℓ∞: sign(v_j), 0 where v_j = 0.
pub fn l1_subgradient(v: &[f64], out: &mut [f64]) {
    for (o, &x) in out.iter_mut().zip(v) {
        *o = if x > 0.0 {
            1.0
        } else if x < 0.0 {
            -1.0
        } else {
            0.0
        };
    }
}

/// The planted bug of the robust gradient: the dual norm taken as ℓ2 (self-dual, the norm of ℓ2
/// perturbations) in the gradient, v/‖v‖_2, while the loss keeps ε‖·‖_1. The finite-difference
/// test of the gradient must catch it.
pub fn planted_l2_subgradient(v: &[f64], out: &mut [f64]) {
    let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
    for (o, &x) in out.iter_mut().zip(v) {
        *o = if n > 0.0 { x / n } else { 0.0 };
    }
}

/// The worst case over ‖δ‖_∞ ≤ ε of the multiclass linear model: robust pair margins
/// m̃_ic = m_ic − ε‖w_{y_i} − w_c‖_1, the loss at those margins and its gradient.
#[derive(Clone, Copy, Debug)]
pub struct RobustLinf {
    eps: f64,
    subgradient: Subgradient,
}

impl RobustLinf {
    /// Radius ε ≥ 0 (finite). Errors (input): ε < 0 or not finite.
    pub fn new(eps: f64) -> Result<Self> {
        if !(eps.is_finite() && eps >= 0.0) {
            return Err(Error::input(format!(
                "--robust-linf {eps} is not a radius; pass a finite ε ≥ 0 (e.g. --robust-linf 0.05)"
            )));
        }
        Ok(Self {
            eps,
            subgradient: l1_subgradient,
        })
    }

    /// The same radius with another penalty subgradient (planted bugs).
    pub fn with_subgradient(mut self, subgradient: Subgradient) -> Self {
        self.subgradient = subgradient;
        self
    }

    /// ε.
    pub fn eps(&self) -> f64 {
        self.eps
    }

    /// ε‖w_a − w_c‖_1 for every class pair (k × k, symmetric, zero diagonal).
    pub fn pair_penalties(&self, w: MatRef<'_, f64>) -> Mat<f64> {
        let (k, d) = (w.nrows(), w.ncols());
        Mat::from_fn(k, k, |a, c| {
            self.eps * (0..d).map(|j| (w[(a, j)] - w[(c, j)]).abs()).sum::<f64>()
        })
    }

    /// The robust pair margins M̃ (n × k): M̃_ic = m̃_ic for c ≠ y_i, +∞ at c = y_i.
    pub fn pair_margins(&self, model: &Multiclass, w: MatRef<'_, f64>) -> Mat<f64> {
        let mut m = model.pair_margins(w);
        let pen = self.pair_penalties(w);
        let y = model.labels();
        for c in 0..model.k() {
            for (i, &yi) in y.iter().enumerate() {
                if c != yi {
                    m[(i, c)] -= pen[(yi, c)];
                }
            }
        }
        m
    }

    /// The robust loss, proxy and minimum margin.
    pub fn evaluate(&self, model: &Multiclass, w: MatRef<'_, f64>) -> Evaluation {
        self.residuals(model, w).0
    }

    /// The evaluation and the scaled gradient ∇L̃(W) = e^{log_scale}·direction.
    pub fn evaluate_with_gradient(
        &self,
        model: &Multiclass,
        w: MatRef<'_, f64>,
    ) -> (Evaluation, ScaledGradient) {
        let (eval, r, shift) = self.residuals(model, w);
        let (n, k, d) = (model.n(), model.k(), model.d());
        let y = model.labels();
        // data part (1/n) R̃ᵀ H with R̃_{i y_i} = −Σ_{c≠y_i} R̃_ic
        let mut full = r.clone();
        for (i, &yi) in y.iter().enumerate() {
            full[(i, yi)] = -(0..k).filter(|&c| c != yi).map(|c| r[(i, c)]).sum::<f64>();
        }
        let mut g = full.transpose() * model.data();
        // penalty part: Q_ac = Σ_{i: y_i = a} R̃_ic; row c gets −ε Q_ac s_ac, row a gets +ε Q_ac s_ac
        if self.eps > 0.0 {
            let mut q = Mat::<f64>::zeros(k, k);
            for (i, &yi) in y.iter().enumerate() {
                for c in (0..k).filter(|&c| c != yi) {
                    q[(yi, c)] += r[(i, c)];
                }
            }
            let mut diff = vec![0.0; d];
            let mut s = vec![0.0; d];
            for a in 0..k {
                for c in (0..k).filter(|&c| c != a && q[(a, c)] != 0.0) {
                    for (j, dj) in diff.iter_mut().enumerate() {
                        *dj = w[(a, j)] - w[(c, j)];
                    }
                    (self.subgradient)(&diff, &mut s);
                    let f = self.eps * q[(a, c)];
                    for (j, sj) in s.iter().enumerate() {
                        g[(c, j)] -= f * sj;
                        g[(a, j)] += f * sj;
                    }
                }
            }
        }
        g *= faer::Scale(1.0 / n as f64);
        (
            eval,
            ScaledGradient {
                direction: g,
                log_scale: shift,
            },
        )
    }

    /// The evaluation, the scaled residuals R̃_ic = r_ic·e^{−s} (n × k, r_ic = −∂ℓ_i/∂m̃_ic for
    /// c ≠ y_i, 0 at y_i) and the shift s = max log r_ic; all in the log domain, as
    /// [`Multiclass::evaluate_with_gradient`] does, so nothing underflows silently.
    fn residuals(&self, model: &Multiclass, w: MatRef<'_, f64>) -> (Evaluation, Mat<f64>, f64) {
        let m = self.pair_margins(model, w);
        let (n, k) = (model.n(), model.k());
        let y = model.labels();
        let loss = model.loss_kind();
        let mut log_r = Mat::<f64>::from_fn(n, k, |_, _| f64::NEG_INFINITY);
        let mut log_ell = vec![0.0; n];
        let mut log_not_y = vec![0.0; n];
        let mut max_u = f64::NEG_INFINITY;
        let m = &m;
        for (i, &yi) in y.iter().enumerate() {
            let us = || (0..k).filter(move |&c| c != yi).map(move |c| -m[(i, c)]);
            let mx = us().fold(f64::NEG_INFINITY, f64::max);
            max_u = max_u.max(mx);
            let lsm = log_sum_exp(us());
            let tail = (-lsm.abs()).exp().ln_1p();
            let sp_pos = lsm.max(0.0) + tail;
            log_not_y[i] = -((-lsm).max(0.0) + tail);
            for c in (0..k).filter(|&c| c != yi) {
                let u = -m[(i, c)];
                log_r[(i, c)] = match loss {
                    Loss::CrossEntropy => u - sp_pos,
                    Loss::Exponential => u,
                    Loss::PairLog => -softplus(-u),
                };
            }
            log_ell[i] = match loss {
                Loss::CrossEntropy => {
                    if lsm < -700.0 {
                        lsm
                    } else {
                        sp_pos.ln()
                    }
                }
                Loss::Exponential => lsm,
                Loss::PairLog => log_sum_exp(us().map(log_softplus)),
            };
        }
        let eval = Evaluation::from_log_terms(&log_ell, &log_not_y, max_u);
        let mut shift = f64::NEG_INFINITY;
        for c in 0..k {
            for i in 0..n {
                shift = shift.max(log_r[(i, c)]);
            }
        }
        if !shift.is_finite() {
            shift = 0.0;
        }
        let r = Mat::from_fn(n, k, |i, c| (log_r[(i, c)] - shift).exp());
        (eval, r, shift)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::multiclass::tests::clusters;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    fn problem(loss: Loss) -> (Multiclass, Mat<f64>) {
        let (x, y) = clusters(3, 4, 6, 0.3, 5);
        let model = Multiclass::new(x, y, 3, loss).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        let w = Mat::from_fn(3, 4, |_, _| StandardNormal.sample(&mut rng));
        (model, w)
    }

    /// The largest entry-wise difference between the analytic gradient of L̃ and central
    /// differences (h = 1e-6), relative to the largest gradient entry.
    fn fd_error(robust: &RobustLinf, model: &Multiclass, w: &Mat<f64>) -> f64 {
        let (_, sg) = robust.evaluate_with_gradient(model, w.as_ref());
        let g = sg.gradient();
        let h = 1e-6;
        let mut worst: f64 = 0.0;
        for i in 0..w.nrows() {
            for j in 0..w.ncols() {
                let mut p = w.clone();
                p[(i, j)] += h;
                let mut q = w.clone();
                q[(i, j)] -= h;
                let fd = (robust.evaluate(model, p.as_ref()).loss
                    - robust.evaluate(model, q.as_ref()).loss)
                    / (2.0 * h);
                worst = worst.max((fd - g[(i, j)]).abs());
            }
        }
        worst / g.norm_max()
    }

    /// ∇L̃ against central differences at a random W (its class differences w_a − w_c have no
    /// zero entry, so L̃ is smooth there): the error of a central difference is O(h²) plus
    /// rounding O(ε_mach/h) ≈ 1e-10, so a 1e-6 relative tolerance leaves room and still sees
    /// a wrong O(ε) penalty term (ε = 0.1 here); the planted ℓ2 dual norm in the gradient is
    /// caught.
    #[test]
    fn gradient_matches_finite_differences_and_the_wrong_dual_norm_is_caught() {
        for loss in [Loss::CrossEntropy, Loss::Exponential, Loss::PairLog] {
            let (model, w) = problem(loss);
            let robust = RobustLinf::new(0.1).unwrap();
            let err = fd_error(&robust, &model, &w);
            assert!(err < 1e-6, "{loss:?}: relative FD error {err}");
            let planted = robust.with_subgradient(planted_l2_subgradient);
            let bad = fd_error(&planted, &model, &w);
            assert!(
                bad > 1e-3,
                "{loss:?}: the planted ℓ2 dual norm should fail the FD test, error {bad}"
            );
        }
    }

    /// The robust pair margin is the minimum of the linear function (w_y − w_c)ᵀ(h + δ) over the
    /// ℓ∞ ball, attained at a vertex δ ∈ {−ε, ε}^d: compare with all 2^d vertices (d = 4), up to
    /// rounding of a sum of d + 1 terms (1e-12).
    #[test]
    fn robust_margins_are_the_worst_case_over_the_box() {
        let (model, w) = problem(Loss::CrossEntropy);
        let eps = 0.25;
        let robust = RobustLinf::new(eps).unwrap();
        let m = robust.pair_margins(&model, w.as_ref());
        let (h, y, d) = (model.data(), model.labels(), model.d());
        for (i, &yi) in y.iter().enumerate() {
            for c in (0..model.k()).filter(|&c| c != yi) {
                let worst = (0..1u32 << d)
                    .map(|bits| {
                        (0..d)
                            .map(|j| {
                                let delta = if bits >> j & 1 == 1 { eps } else { -eps };
                                (w[(yi, j)] - w[(c, j)]) * (h[(i, j)] + delta)
                            })
                            .sum::<f64>()
                    })
                    .fold(f64::INFINITY, f64::min);
                assert!(
                    (m[(i, c)] - worst).abs() < 1e-12,
                    "{} vs {worst}",
                    m[(i, c)]
                );
            }
        }
        let e = robust.evaluate(&model, w.as_ref());
        let plain = model.evaluate(w.as_ref());
        assert!(e.min_margin < plain.min_margin && e.loss > plain.loss);
    }

    /// With ε = 0 the robust evaluation is the plain one (a different summation order, so equal
    /// up to 1e-12 relative).
    #[test]
    fn zero_radius_is_the_plain_model() {
        for loss in [Loss::CrossEntropy, Loss::Exponential, Loss::PairLog] {
            let (model, w) = problem(loss);
            let robust = RobustLinf::new(0.0).unwrap();
            let (a, ga) = robust.evaluate_with_gradient(&model, w.as_ref());
            let (b, gb) = model.evaluate_with_gradient(w.as_ref());
            let close = |x: f64, y: f64| (x - y).abs() <= 1e-12 * x.abs().max(y.abs()).max(1e-300);
            assert!(close(a.loss, b.loss) && close(a.proxy, b.proxy), "{loss:?}");
            assert!(close(a.min_margin, b.min_margin), "{loss:?}");
            let (ga, gb) = (ga.gradient(), gb.gradient());
            assert!(
                (&ga - &gb).norm_max() <= 1e-12 * gb.norm_max(),
                "{loss:?}: {ga:?} vs {gb:?}"
            );
        }
    }

    #[test]
    fn negative_or_nan_radius_is_an_input_error() {
        for eps in [-0.1, f64::NAN, f64::INFINITY] {
            let e = RobustLinf::new(eps).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains("--robust-linf"), "{e}");
        }
    }
}
