//! The runner-facing API: [`Optimizer`] and [`GradientTransformation`], a chain of transforms with
//! its state, schedule and step counter.

use super::elementwise::all_finite;
use super::schedule::Schedule;
use super::transform::{StepCtx, Transform};
use crate::error::{Error, Result};
use faer::Mat;

/// An optimizer as a training loop sees it: one call per step, parameters updated in place.
pub trait Optimizer: Send {
    /// The canonical spec of this optimizer (e.g. `"muon:lr=0.02,momentum=0.95,…"`).
    fn name(&self) -> String;
    /// One step: W_l ← W_l + u_l for every block l, where u is the chain's output on the
    /// gradients. `loss` = f(W_t) is needed only by Momo-type methods (missing there →
    /// [`Error::Input`]). Shape mismatches, non-finite gradients or loss, and non-finite
    /// parameters that make the update non-finite → [`Error::Input`]; any other non-finite update →
    /// [`Error::Failed`] naming the step (the parameters are left unchanged).
    fn step(
        &mut self,
        params: &mut [Mat<f64>],
        grads: &[Mat<f64>],
        loss: Option<f64>,
    ) -> Result<()>;
    /// Whether the steps are invariant under one positive factor c applied to every gradient,
    /// past and future (the chain has degree 0 in c: sign descent, NSD, Signum, NMD, Muon with
    /// the exact polar factor, Adam with ε = 0, …). Only such optimizers accept
    /// [`Optimizer::rescale_gradients`].
    fn scale_invariant(&self) -> bool {
        false
    }
    /// How the steps depend on one positive factor c applied to every gradient: whether a caller
    /// may rescale each gradient on its own ([`ScaleInvariance::Memoryless`]), only all of them
    /// together with the state ([`ScaleInvariance::Stateful`], via
    /// [`Optimizer::rescale_gradients`]), or not at all. The default follows
    /// [`Optimizer::scale_invariant`] and assumes a state.
    fn scale_invariance(&self) -> ScaleInvariance {
        if self.scale_invariant() {
            ScaleInvariance::Stateful
        } else {
            ScaleInvariance::None
        }
    }
    /// The norm this optimizer is steepest descent under, as a [`crate::norms::parse_norm`] name
    /// (the norm whose max-margin solution its iterates approach on separable data, Fan, Schmidt &
    /// Thrampoulidis arXiv 2502.04664 and Gunasekar et al. arXiv 1802.08246), when it has one.
    fn norm(&self) -> Option<String> {
        None
    }
    /// The weight decay λ > 0 the steps add (W ← W(1 − ηλ) − …), 0 without decay.
    fn weight_decay(&self) -> f64 {
        0.0
    }
    /// Whether [`Optimizer::step`] needs the loss f(W_t) (Momo-type step sizes).
    fn needs_loss(&self) -> bool {
        false
    }
    /// From now on the gradients passed to [`Optimizer::step`] are e^`log_c` times what they
    /// were: rescale the state (momenta by e^{log_c}, second moments by e^{2 log_c}) so that the
    /// run is the one it would have been with every gradient so far rescaled too — the same
    /// run, since the steps are scale-invariant. This lets a caller keep gradients whose true
    /// scale underflows (e^{−margin}) in a representable range (`train::GradScale::Rescaled`).
    /// An optimizer that is not [`Optimizer::scale_invariant`] → [`Error::Input`].
    fn rescale_gradients(&mut self, log_c: f64) -> Result<()> {
        let _ = log_c;
        Err(not_rescalable(&self.name()))
    }
}

/// How an optimizer's steps respond to one factor c > 0 on every gradient ([`Optimizer::scale_invariance`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScaleInvariance {
    /// The steps change with c (gradient descent, sharp steepest descent, an ε > 0 in a
    /// denominator, weight decay added to a scaled update, …).
    None,
    /// Every step is invariant and no state remembers past gradients, so each gradient may be
    /// rescaled on its own (NSD, sign descent, Fromage, momentum-free spectral descent and NGD).
    Memoryless,
    /// Invariant when past and future gradients are rescaled together, which the state must
    /// follow ([`Optimizer::rescale_gradients`]: momenta, second moments).
    Stateful,
}

/// The error of [`Optimizer::rescale_gradients`] on an optimizer that is not scale-invariant.
fn not_rescalable(name: &str) -> Error {
    Error::input(format!(
        "optimizer {name}: its steps depend on the scale of the gradients, so they cannot be rescaled; use the true gradients"
    ))
}

/// A transform chain run as an optimizer: W_{t+1} = W_t + T(g_t; state, η_t).
pub struct GradientTransformation<T: Transform> {
    name: String,
    norm: Option<String>,
    transform: T,
    state: Option<T::State>,
    schedule: Schedule,
    shapes: Vec<(usize, usize)>,
    t: usize,
}

impl<T: Transform> GradientTransformation<T> {
    /// An optimizer named `name` for blocks of the given shapes.
    pub fn new(
        name: impl Into<String>,
        transform: T,
        schedule: Schedule,
        shapes: &[(usize, usize)],
    ) -> Self {
        Self {
            name: name.into(),
            norm: None,
            transform,
            state: None,
            schedule,
            shapes: shapes.to_vec(),
            t: 0,
        }
    }

    /// State the norm the optimizer is steepest descent under ([`Optimizer::norm`]).
    pub fn under_norm(mut self, norm: impl Into<String>) -> Self {
        self.norm = Some(norm.into());
        self
    }

    /// The number of steps taken so far.
    pub fn steps_taken(&self) -> usize {
        self.t
    }

    /// The updates u_t of the next step (W_{t+1} = W_t + u_t), without applying them.
    pub fn updates(
        &mut self,
        params: &[Mat<f64>],
        grads: &[Mat<f64>],
        loss: Option<f64>,
    ) -> Result<Vec<Mat<f64>>> {
        self.check_inputs(params, grads, loss)?;
        let state = self
            .state
            .get_or_insert_with(|| self.transform.init(params));
        let t = self.t + 1;
        let ctx = StepCtx {
            t,
            lr: self.schedule.at(t),
            params,
            grads,
            loss,
        };
        let mut u = grads.to_vec();
        let result = self.transform.update(&mut u, state, &ctx);
        self.t = t;
        // Non-finite inputs are the caller's problem (exit 2). They are looked for only on the cold
        // path (a failed transform or a non-finite update), so that the hot path reads every entry
        // as few times as possible; the SVD-based dualizers guard themselves against NaN.
        let bad_block = match result {
            Ok(()) => u.iter().position(|ul| !all_finite(ul)),
            Err(e) => {
                self.check_finite_inputs(params, grads)?;
                return Err(e);
            }
        };
        if let Some(l) = bad_block {
            self.check_finite_inputs(params, grads)?;
            let (i, j) = first_non_finite(&u[l]).unwrap_or((0, 0));
            return Err(Error::failed(format!(
                "optimizer {} produced a non-finite update at step {t} (block {l}, entry ({i}, {j})); \
                 lower the learning rate or check the gradients and loss",
                self.name
            )));
        }
        Ok(u)
    }

    fn check_finite_inputs(&self, params: &[Mat<f64>], grads: &[Mat<f64>]) -> Result<()> {
        let step = self.t;
        for (l, (p, g)) in params.iter().zip(grads).enumerate() {
            for (what, m) in [("gradient", g), ("parameter", p)] {
                if let Some((i, j)) = first_non_finite(m) {
                    return Err(Error::input(format!(
                        "optimizer {}: step {step}, block {l}: {what} entry ({i}, {j}) is not finite; remove NaN/Inf values",
                        self.name
                    )));
                }
            }
        }
        Ok(())
    }

    fn check_inputs(
        &self,
        params: &[Mat<f64>],
        grads: &[Mat<f64>],
        loss: Option<f64>,
    ) -> Result<()> {
        let step = self.t + 1;
        if params.len() != self.shapes.len() || grads.len() != self.shapes.len() {
            return Err(Error::input(format!(
                "optimizer {}: step {step} got {} parameter blocks and {} gradient blocks, but it was built for {}; pass one gradient per block",
                self.name,
                params.len(),
                grads.len(),
                self.shapes.len()
            )));
        }
        for (l, ((p, g), &(r, c))) in params.iter().zip(grads).zip(&self.shapes).enumerate() {
            for (what, m) in [("parameter", p), ("gradient", g)] {
                if (m.nrows(), m.ncols()) != (r, c) {
                    return Err(Error::input(format!(
                        "optimizer {}: step {step}, block {l}: {what} is {}×{} but the block is {r}×{c}; every gradient must have its parameter's shape",
                        self.name,
                        m.nrows(),
                        m.ncols()
                    )));
                }
            }
        }
        if let Some(f) = loss {
            if !f.is_finite() {
                return Err(Error::input(format!(
                    "optimizer {}: step {step}: the loss {f} is not finite; pass a finite loss",
                    self.name
                )));
            }
        }
        Ok(())
    }
}

fn first_non_finite(m: &Mat<f64>) -> Option<(usize, usize)> {
    for i in 0..m.nrows() {
        for j in 0..m.ncols() {
            if !m[(i, j)].is_finite() {
                return Some((i, j));
            }
        }
    }
    None
}

impl<T: Transform> Optimizer for GradientTransformation<T> {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn step(
        &mut self,
        params: &mut [Mat<f64>],
        grads: &[Mat<f64>],
        loss: Option<f64>,
    ) -> Result<()> {
        let u = self.updates(params, grads, loss)?;
        for (p, ul) in params.iter_mut().zip(&u) {
            faer::zip!(p, ul).for_each(|faer::unzip!(p, u)| *p += *u);
        }
        Ok(())
    }
    fn scale_invariant(&self) -> bool {
        self.transform.degree(1) == Some(0)
    }
    fn scale_invariance(&self) -> ScaleInvariance {
        if !self.scale_invariant() {
            ScaleInvariance::None
        } else if self.transform.remembers_gradients() {
            ScaleInvariance::Stateful
        } else {
            ScaleInvariance::Memoryless
        }
    }
    fn norm(&self) -> Option<String> {
        self.norm.clone()
    }
    fn weight_decay(&self) -> f64 {
        self.transform.weight_decay()
    }
    fn needs_loss(&self) -> bool {
        self.transform.needs_loss()
    }
    fn rescale_gradients(&mut self, log_c: f64) -> Result<()> {
        if !self.scale_invariant() {
            return Err(not_rescalable(&self.name));
        }
        if !log_c.is_finite() {
            return Err(Error::input(format!(
                "optimizer {}: rescaling by e^{log_c} is not finite",
                self.name
            )));
        }
        match self.state.as_mut() {
            Some(state) => self
                .transform
                .rescale_state(state, 1, log_c)
                .map_err(|e| match e {
                    Error::Failed(m) => Error::failed(format!(
                        "optimizer {} after step {}: {m}",
                        self.name, self.t
                    )),
                    other => other,
                }),
            None => Ok(()),
        }
    }
}
