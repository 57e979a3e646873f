//! Momentum buffers: EMA (torch.optim.Muon's `lerp`), classical (heavy ball), Nesterov, and
//! optax's bias-corrected form.

use super::elementwise::{zip_apply, zip_map};
use super::transform::{rescale_buffers, StepCtx, Transform};
use crate::error::Result;
use faer::Mat;

/// How the buffer accumulates gradients.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MomentumForm {
    /// Exponential moving average m ← m + (1−β)(g − m) = βm + (1−β)g (torch.optim.Muon,
    /// KellerJordan/Muon, optax, Fan et al.'s NMD).
    Ema,
    /// Classical (heavy-ball) sum B ← βB + g (modded-nanogpt, burn, GPT-opt `muon.py`). With a
    /// scale-invariant dualizer it gives the EMA direction, since B = m/(1−β) (file 08 §2.1).
    Classical,
}

/// The buffer before the first step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MomentumInit {
    /// m_0 = 0 (torch, optax).
    Zero,
    /// m_1 = g_1 (GPT-opt's NESGD and Momo without bias correction, file 03 §1).
    FirstValue,
}

/// Momentum on every block (file 08 §2.1, §2.3):
///
/// * EMA: m_t = β m_{t−1} + (1−β) g_t; output u = g + β(m − g) with Nesterov, else m.
/// * Classical: B_t = β B_{t−1} + g_t; output u = g + βB with Nesterov, else B.
/// * EMA with `bias_correction` (optax `contrib.muon`): output
///   u = β m_t/(1−β^{t+1}) + (1−β) g_t/(1−β^t) with Nesterov, else m_t/(1−β^t).
#[derive(Clone, Copy, Debug)]
pub struct Momentum {
    /// β ∈ [0, 1).
    pub beta: f64,
    /// Nesterov look-ahead.
    pub nesterov: bool,
    /// EMA or classical accumulation.
    pub form: MomentumForm,
    /// The initial buffer.
    pub init: MomentumInit,
    /// optax's bias correction (EMA only).
    pub bias_correction: bool,
}

impl Momentum {
    /// EMA momentum without Nesterov, zero-initialized, no bias correction.
    pub fn ema(beta: f64) -> Self {
        Self {
            beta,
            nesterov: false,
            form: MomentumForm::Ema,
            init: MomentumInit::Zero,
            bias_correction: false,
        }
    }
}

impl Transform for Momentum {
    type State = Vec<Mat<f64>>;
    fn init(&self, params: &[Mat<f64>]) -> Self::State {
        params
            .iter()
            .map(|p| Mat::zeros(p.nrows(), p.ncols()))
            .collect()
    }
    fn update(
        &self,
        updates: &mut [Mat<f64>],
        bufs: &mut Self::State,
        ctx: &StepCtx<'_>,
    ) -> Result<()> {
        let b = self.beta;
        if b == 0.0 && !self.bias_correction {
            // β = 0: every form outputs g itself; the buffer is never read again.
            return Ok(());
        }
        for (u, m) in updates.iter_mut().zip(bufs.iter_mut()) {
            let g = &*u;
            if ctx.t == 1 && self.init == MomentumInit::FirstValue {
                m.copy_from(g);
            } else {
                match self.form {
                    // torch: buf.lerp_(g, 1 − β)
                    MomentumForm::Ema => zip_apply(m, g, |m, g| m + (1.0 - b) * (g - m)),
                    MomentumForm::Classical => zip_apply(m, g, |m, g| b * m + g),
                }
            }
            let out = if self.bias_correction && self.form == MomentumForm::Ema {
                let t = ctx.t as i32;
                let c_t = 1.0 - b.powi(t);
                let c_next = 1.0 - b.powi(t + 1);
                if self.nesterov {
                    zip_map(m, g, |m, g| b * m / c_next + (1.0 - b) * g / c_t)
                } else {
                    zip_map(m, g, |m, _| m / c_t)
                }
            } else if self.nesterov {
                match self.form {
                    // torch: g.lerp(buf, β) = g + β(buf − g)
                    MomentumForm::Ema => zip_map(m, g, |m, g| g + b * (m - g)),
                    MomentumForm::Classical => zip_map(m, g, |m, g| g + b * m),
                }
            } else {
                m.clone()
            };
            *u = out;
        }
        Ok(())
    }
    /// Linear in the gradients (every form, Nesterov and bias correction included).
    fn degree(&self, input: i32) -> Option<i32> {
        Some(input)
    }
    /// β = 0 without bias correction outputs g itself and never reads its buffer.
    fn remembers_gradients(&self) -> bool {
        self.beta != 0.0 || self.bias_correction
    }
    fn rescale_state(&self, bufs: &mut Self::State, input: i32, log_c: f64) -> Result<()> {
        rescale_buffers(bufs, input, log_c)
    }
}
