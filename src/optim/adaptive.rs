//! Coordinate-wise and trust-ratio scalings: sign, Adam, Prodigy, Fromage.

use super::elementwise::{apply, sum_map, zip_apply};
use super::transform::{rescale_buffers, StepCtx, Transform};
use crate::error::Result;
use faer::Mat;

pub use crate::norms::entrywise::sign;

/// u ← sign(u) entry-wise, with sign(0) = 0 (optax `scale_by_sign`). Sign descent is normalized
/// steepest descent under the entry-wise ℓ∞ norm (Bernstein & Newhouse, Prop. 2).
#[derive(Clone, Copy, Debug, Default)]
pub struct ScaleBySign;

impl Transform for ScaleBySign {
    type State = ();
    fn init(&self, _: &[Mat<f64>]) {}
    fn update(&self, updates: &mut [Mat<f64>], _: &mut (), _: &StepCtx<'_>) -> Result<()> {
        for u in updates.iter_mut() {
            apply(u, sign);
        }
        Ok(())
    }
    fn degree(&self, _: i32) -> Option<i32> {
        Some(0)
    }
}

/// Adam's scaling (Kingma & Ba 2015; Bernstein & Newhouse §"Adam as sign descent"):
///
/// m_t = β1 m + (1−β1) g, v_t = β2 v + (1−β2) g², u = m̂/(√v̂ + ε), with m̂ = m/(1−β1^t),
/// v̂ = v/(1−β2^t) when `bias_correction` (torch/optax) and m̂ = m, v̂ = v otherwise.
///
/// **Convention at v = 0** (file 00 gotcha 7.4): a coordinate with √v̂ + ε = 0 (only possible with
/// ε = 0, when every gradient of that coordinate so far — or the last one, if β2 = 0 — was exactly
/// 0) gets update 0, never NaN. With β1 = β2 = 0 and ε = 0 this is sign descent with sign(0) = 0.
#[derive(Clone, Copy, Debug)]
pub struct ScaleByAdam {
    /// β1 ∈ [0, 1).
    pub beta1: f64,
    /// β2 ∈ [0, 1).
    pub beta2: f64,
    /// ε ≥ 0 (may be 0).
    pub eps: f64,
    /// Divide the moments by (1−β^t).
    pub bias_correction: bool,
}

/// Adam's moment buffers.
#[derive(Clone, Debug)]
pub struct AdamState {
    /// First moments m.
    pub m: Vec<Mat<f64>>,
    /// Second moments v.
    pub v: Vec<Mat<f64>>,
}

impl Transform for ScaleByAdam {
    type State = AdamState;
    fn init(&self, params: &[Mat<f64>]) -> AdamState {
        let z: Vec<Mat<f64>> = params
            .iter()
            .map(|p| Mat::zeros(p.nrows(), p.ncols()))
            .collect();
        AdamState { m: z.clone(), v: z }
    }
    fn update(&self, updates: &mut [Mat<f64>], s: &mut AdamState, ctx: &StepCtx<'_>) -> Result<()> {
        let (b1, b2, eps) = (self.beta1, self.beta2, self.eps);
        let t = ctx.t as i32;
        let (c1, c2) = if self.bias_correction {
            (1.0 - b1.powi(t), 1.0 - b2.powi(t))
        } else {
            (1.0, 1.0)
        };
        for ((u, m), v) in updates.iter_mut().zip(&mut s.m).zip(&mut s.v) {
            zip_apply(m, u, |m, g| b1 * m + (1.0 - b1) * g);
            zip_apply(v, u, |v, g| b2 * v + (1.0 - b2) * g * g);
            *u = Mat::from_fn(u.nrows(), u.ncols(), |i, j| {
                let den = (v[(i, j)] / c2).sqrt() + eps;
                if den == 0.0 {
                    0.0
                } else {
                    (m[(i, j)] / c1) / den
                }
            });
        }
        Ok(())
    }
    /// m̂/√v̂ has degree 0 when ε = 0 (or when the input already has degree 0).
    fn degree(&self, input: i32) -> Option<i32> {
        (self.eps == 0.0 || input == 0).then_some(0)
    }
    fn remembers_gradients(&self) -> bool {
        true
    }
    fn rescale_state(&self, s: &mut AdamState, input: i32, log_c: f64) -> Result<()> {
        rescale_buffers(&mut s.m, input, log_c)?;
        rescale_buffers(&mut s.v, 2 * input, log_c)
    }
}

/// Prodigy (Mishchenko & Defazio, Algorithm 3, as restated by Bernstein & Newhouse §"Prodigy",
/// file 04 §2), with one step size η_t shared by all blocks:
///
/// m_t = β1 m + (1−β1) η_t g, v_t = β2 v + (1−β2) η_t² g², r_t = √β2 r + (1−√β2) η_t² ⟨g, W_0 − W_t⟩,
/// s_t = √β2 s + (1−√β2) η_t² g, u = η_t m_t/(√v_t + ε), η_{t+1} = max(η_t, r_t/‖s_t‖_1).
///
/// The learning rate of the schedule multiplies u afterwards (Prodigy's `lr`, 1 by default).
/// With β1 = β2 = 0 and ε = 0 this is the sign-descent form, eqs. (28)–(29):
/// η_{t+1} = max(η_t, g_tᵀ(W_0 − W_t)/‖g_t‖_1), W ← W − η_t sign(g_t). Coordinates with
/// √v + ε = 0 get 0 (as for Adam); η is kept when ‖s‖_1 = 0.
#[derive(Clone, Copy, Debug)]
pub struct ScaleByProdigy {
    /// β1 ∈ [0, 1).
    pub beta1: f64,
    /// β2 ∈ [0, 1).
    pub beta2: f64,
    /// ε ≥ 0.
    pub eps: f64,
    /// η_0 > 0 (Prodigy's d0).
    pub eta0: f64,
}

/// Prodigy's state.
#[derive(Clone, Debug)]
pub struct ProdigyState {
    /// First moments.
    pub m: Vec<Mat<f64>>,
    /// Second moments.
    pub v: Vec<Mat<f64>>,
    /// The s accumulator.
    pub s: Vec<Mat<f64>>,
    /// W_0.
    pub w0: Vec<Mat<f64>>,
    /// The r accumulator.
    pub r: f64,
    /// The current step-size estimate η_t.
    pub eta: f64,
}

impl Transform for ScaleByProdigy {
    type State = ProdigyState;
    fn remembers_gradients(&self) -> bool {
        true
    }
    fn init(&self, params: &[Mat<f64>]) -> ProdigyState {
        let z: Vec<Mat<f64>> = params
            .iter()
            .map(|p| Mat::zeros(p.nrows(), p.ncols()))
            .collect();
        ProdigyState {
            m: z.clone(),
            v: z.clone(),
            s: z,
            w0: params.to_vec(),
            r: 0.0,
            eta: self.eta0,
        }
    }
    fn update(
        &self,
        updates: &mut [Mat<f64>],
        st: &mut ProdigyState,
        ctx: &StepCtx<'_>,
    ) -> Result<()> {
        let (b1, b2, eps) = (self.beta1, self.beta2, self.eps);
        let sb2 = b2.sqrt();
        let eta = st.eta;
        let mut gw = 0.0;
        for (l, g) in updates.iter().enumerate() {
            gw += crate::norms::inner(g.as_ref(), (&st.w0[l] - &ctx.params[l]).as_ref());
        }
        st.r = sb2 * st.r + (1.0 - sb2) * eta * eta * gw;
        let mut s_l1 = 0.0;
        for (l, u) in updates.iter_mut().enumerate() {
            zip_apply(&mut st.m[l], u, |m, g| b1 * m + (1.0 - b1) * eta * g);
            zip_apply(&mut st.v[l], u, |v, g| {
                b2 * v + (1.0 - b2) * eta * eta * g * g
            });
            zip_apply(&mut st.s[l], u, |s, g| {
                sb2 * s + (1.0 - sb2) * eta * eta * g
            });
            s_l1 += sum_map(&st.s[l], f64::abs);
            let (m, v) = (&st.m[l], &st.v[l]);
            *u = Mat::from_fn(u.nrows(), u.ncols(), |i, j| {
                let den = v[(i, j)].sqrt() + eps;
                if den == 0.0 {
                    0.0
                } else {
                    eta * m[(i, j)] / den
                }
            });
        }
        if s_l1 > 0.0 {
            st.eta = st.eta.max(st.r / s_l1);
        }
        Ok(())
    }
}

/// Fromage's trust ratio (Bernstein et al. 2020, file 07 §2; optax `scale_by_trust_ratio`):
/// u ← (‖W‖_F/‖g‖_F)·g per block when both norms are positive, u ← g otherwise.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrustRatio;

impl Transform for TrustRatio {
    type State = ();
    fn init(&self, _: &[Mat<f64>]) {}
    fn update(&self, updates: &mut [Mat<f64>], _: &mut (), ctx: &StepCtx<'_>) -> Result<()> {
        for (u, w) in updates.iter_mut().zip(ctx.params) {
            let (nw, ng) = (w.norm_l2(), u.norm_l2());
            if nw > 0.0 && ng > 0.0 {
                *u *= faer::Scale(nw / ng);
            }
        }
        Ok(())
    }
    /// (‖W‖_F/‖c g‖_F)·c g = (‖W‖_F/‖g‖_F)·g: degree 0 in any gradient scale.
    fn degree(&self, _input: i32) -> Option<i32> {
        Some(0)
    }
}

/// Fromage's norm correction, applied **after** [`super::LearningRate`]: with W' = W + u,
/// W_new = W'/√(1+η_t²), and with `p_bound = Some(p)`, W_new ← W_new·p‖W_0‖_F/‖W_new‖_F whenever
/// ‖W_new‖_F > p‖W_0‖_F (file 07 §2). The outgoing update is W_new − W.
#[derive(Clone, Copy, Debug, Default)]
pub struct FromageRetraction {
    /// Optional bound on ‖W‖_F relative to ‖W_0‖_F.
    pub p_bound: Option<f64>,
}

impl Transform for FromageRetraction {
    /// ‖W_0‖_F per block.
    type State = Vec<f64>;
    fn init(&self, params: &[Mat<f64>]) -> Vec<f64> {
        params.iter().map(|p| p.norm_l2()).collect()
    }
    fn update(&self, updates: &mut [Mat<f64>], n0: &mut Vec<f64>, ctx: &StepCtx<'_>) -> Result<()> {
        let c = 1.0 / (1.0 + ctx.lr * ctx.lr).sqrt();
        for (l, (u, w)) in updates.iter_mut().zip(ctx.params).enumerate() {
            let mut wn = (w + &*u) * faer::Scale(c);
            if let Some(p) = self.p_bound {
                let n = wn.norm_l2();
                if n > p * n0[l] {
                    wn *= faer::Scale(p * n0[l] / n);
                }
            }
            *u = wn - w;
        }
        Ok(())
    }
    /// A function of W and of its degree-0 input (the trust-ratio step); its state ‖W_0‖_F does
    /// not depend on the gradients.
    fn degree(&self, input: i32) -> Option<i32> {
        (input == 0).then_some(0)
    }
}
