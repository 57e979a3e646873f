//! Momo: model-based momentum with truncation, for any steepest-descent direction.

use super::transform::{StepCtx, Transform};
use crate::error::{Error, Result};
use crate::norms::inner;
use faer::Mat;

/// Momo's step-size rule wrapped around a direction transform `inner` (Schaipp et al., ICML 2024;
/// the non-Euclidean form of Crawshaw et al., file 03 §3).
///
/// The incoming updates are the momentum m_t (all blocks); `inner` maps them to the unit-lr
/// direction u (identity for Euclidean Momo, a product-norm dualizer for MuonAdam-/MuonMax-Momo).
/// With x_t = f(W_t) − ⟨W_t, g_t⟩:
///
/// F̄_t = β F̄_{t−1} + (1−β) x_t,   τ_t = (F̄_t − ρ_t F_* + ⟨W_t, m_t⟩)_+ / ⟨m_t, u_t⟩,
/// η_eff = min(η_t/ρ_t, τ_t),   outgoing update (η_eff/η_t)·u (the learning rate follows),
///
/// which is the exact minimizer along u of the truncated model max{F̄_t + ⟨m_t, W⟩, F_*} with the
/// step's own regularizer or trust region (check P3-b). ⟨m, u⟩ is ‖m‖² for the Euclidean
/// direction, D_glob² for regularized and D_glob for constrained (LMO) product-norm directions,
/// which gives exactly the denominators of GPT-opt's `muonmax_momo.py` / `muonadam_momo.py`.
///
/// * `bias_correction = false`: F̄ starts at the first value and ρ_t = 1 (GPT-opt, MoMo default);
///   the momentum transform before Momo must then start at the first gradient too.
/// * `bias_correction = true`: F̄_0 = 0 and ρ_t = 1 − β^t (MoMo), momentum zero-initialized.
/// * The positive part (·)_+ is MoMo's clamp; GPT-opt has none (file 03 §3). We clamp.
/// * `coupled_wd = λ > 0` is MoMo's weight decay: the numerator is multiplied by (1 + η_tλ) and
///   W_new = (W − η_eff u)/(1 + η_tλ) (file 03 §3). The Crawshaw variants use decoupled decay
///   ([`super::AddDecayedWeights`] after Momo) instead.
#[derive(Clone, Debug)]
pub struct Momo<T> {
    /// The direction transform applied to the momentum.
    pub inner: T,
    /// β ∈ [0, 1): must equal the momentum's β.
    pub beta: f64,
    /// The loss lower bound F_*.
    pub lb: f64,
    /// MoMo's bias correction.
    pub bias_correction: bool,
    /// MoMo's coupled weight decay λ ≥ 0.
    pub coupled_wd: f64,
}

/// Momo's state: the inner state and the averaged model intercept F̄.
pub struct MomoState<S> {
    /// State of the direction transform.
    pub inner: S,
    /// F̄_t.
    pub fbar: f64,
    /// The last effective learning rate η_eff (for diagnostics).
    pub last_lr_eff: f64,
}

/// η_eff = min(cap, numerator_+/denominator), with η_eff = cap when the denominator is 0
/// (then the direction is 0 and any step is the same).
pub fn momo_lr(numerator: f64, denominator: f64, cap: f64) -> f64 {
    if denominator > 0.0 {
        cap.min(numerator.max(0.0) / denominator)
    } else {
        cap
    }
}

impl<T: Transform> Transform for Momo<T> {
    type State = MomoState<T::State>;
    fn init(&self, params: &[Mat<f64>]) -> Self::State {
        MomoState {
            inner: self.inner.init(params),
            fbar: 0.0,
            last_lr_eff: 0.0,
        }
    }
    fn update(
        &self,
        updates: &mut [Mat<f64>],
        st: &mut Self::State,
        ctx: &StepCtx<'_>,
    ) -> Result<()> {
        let f = ctx.loss.ok_or_else(|| {
            Error::input(format!(
                "Momo-type optimizers need the loss f(W_t) at every step (missing at step {}); pass the loss to step()",
                ctx.t
            ))
        })?;
        let b = self.beta;
        let wg: f64 = ctx
            .params
            .iter()
            .zip(ctx.grads)
            .map(|(w, g)| inner(w.as_ref(), g.as_ref()))
            .sum();
        let x = f - wg;
        st.fbar = if ctx.t == 1 && !self.bias_correction {
            x
        } else {
            b * st.fbar + (1.0 - b) * x
        };
        let rho = if self.bias_correction {
            1.0 - b.powi(ctx.t as i32)
        } else {
            1.0
        };
        let wm: f64 = ctx
            .params
            .iter()
            .zip(updates.iter())
            .map(|(w, m)| inner(w.as_ref(), m.as_ref()))
            .sum();
        let m = updates.to_vec();
        self.inner.update(updates, &mut st.inner, ctx)?;
        let den: f64 = m
            .iter()
            .zip(updates.iter())
            .map(|(m, u)| inner(m.as_ref(), u.as_ref()))
            .sum();
        let decay = 1.0 + ctx.lr * self.coupled_wd;
        let num = (st.fbar - rho * self.lb + wm) * decay;
        let lr_eff = momo_lr(num, den, ctx.lr / rho);
        st.last_lr_eff = lr_eff;
        let factor = if ctx.lr > 0.0 { lr_eff / ctx.lr } else { 0.0 };
        for (u, w) in updates.iter_mut().zip(ctx.params) {
            *u *= faer::Scale(factor / decay);
            if self.coupled_wd != 0.0 {
                *u += faer::Scale(self.coupled_wd / decay) * w;
            }
        }
        Ok(())
    }
    /// F̄ averages past losses and inner products with past gradients.
    fn remembers_gradients(&self) -> bool {
        true
    }
    fn weight_decay(&self) -> f64 {
        self.coupled_wd + self.inner.weight_decay()
    }
    fn needs_loss(&self) -> bool {
        true
    }
}
