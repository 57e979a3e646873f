//! Observers of [`super::fit`] that measure the steps themselves.

use super::Observer;
use crate::error::Result;
use crate::models::homogeneous::alignment_ratio;
use crate::models::Evaluated;
use crate::norms::ProductNorm;
use faer::Mat;

/// (r_t, g_t, Δ_t) of one step.
pub type TailStep = (f64, Vec<Mat<f64>>, Vec<Mat<f64>>);

/// The alignment of every step with steepest descent in a norm N:
/// r_t = ⟨−g_t, Δ_t⟩/(‖g_t‖_*‖Δ_t‖) ([`alignment_ratio`]) with Δ_t = θ_t − θ_{t−1} and g_t the
/// gradient the optimizer received (r_t does not depend on its positive scale); r_t = 1 exactly
/// for a normalized steepest-descent step in N (Gronich & Vardi, arXiv 2602.16340, Thm 2).
pub struct StepAlignment<'a> {
    norm: &'a ProductNorm,
    tail_from: usize,
    before: Vec<Mat<f64>>,
    /// r_t of every step.
    pub ratios: Vec<f64>,
    /// (r_t, g_t, Δ_t) at the smallest r_t over the steps t > `tail_from`.
    pub worst_tail: Option<TailStep>,
}

impl<'a> StepAlignment<'a> {
    /// Measure r_t in `norm`; keep the worst step after `tail_from`.
    pub fn new(norm: &'a ProductNorm, tail_from: usize) -> Self {
        Self {
            norm,
            tail_from,
            before: Vec::new(),
            ratios: Vec::new(),
            worst_tail: None,
        }
    }
}

impl<X> Observer<X> for StepAlignment<'_> {
    fn before_step(&mut self, _: usize, params: &[Mat<f64>], _: &Evaluated<X>) -> Result<()> {
        self.before = params.to_vec();
        Ok(())
    }
    fn after_step(&mut self, t: usize, params: &[Mat<f64>], grads: &[Mat<f64>]) -> Result<()> {
        let delta: Vec<Mat<f64>> = params
            .iter()
            .zip(&self.before)
            .map(|(a, b)| a - b)
            .collect();
        let r = alignment_ratio(grads, &delta, self.norm);
        self.ratios.push(r);
        if t > self.tail_from && self.worst_tail.as_ref().is_none_or(|w| r < w.0) {
            self.worst_tail = Some((r, grads.to_vec(), delta));
        }
        Ok(())
    }
}

/// An observer from a closure called after every step with (t, θ_t).
pub struct AfterStep<F>(pub F);

impl<X, F: FnMut(usize, &[Mat<f64>]) -> Result<()>> Observer<X> for AfterStep<F> {
    fn after_step(&mut self, t: usize, params: &[Mat<f64>], _: &[Mat<f64>]) -> Result<()> {
        (self.0)(t, params)
    }
}
