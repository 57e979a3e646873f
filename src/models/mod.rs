//! Trainable models with exact, hand-derived gradients (checked against central finite
//! differences): the multiclass linear model and a two-layer sigmoid network (file 01), margin
//! losses with closed-form robust versions (file 06), two-layer homogeneous networks, diagonal and
//! deep linear networks (file 02), and a two-hidden-layer ReLU MLP with biases for the
//! learning-rate sweep (file 03).
//!
//! Every model is a [`Model`]: parameter shapes, and the training loss with its gradient in
//! scaled form ∇L = G̃·e^{s}, so that training past the underflow of L is the model's business
//! and one runner ([`crate::train::fit`]) trains them all. A model that needs data (the binary
//! networks, the robust linear loss, the MLP) is a [`Model`] on its data through [`OnData`].

pub mod deep_linear;
pub mod diagonal;
pub mod homogeneous;
pub mod loss;
pub mod mlp;
pub mod multiclass;
pub mod sigmoid_net;
pub mod tanh_mlp;
pub mod two_layer;

use faer::Mat;

/// One evaluation of a model at θ: the loss and its gradient ∇L(θ) = `grads`·e^{`log_scale`}
/// (`log_scale` = 0 for a model computed in plain arithmetic), plus what else the model measures
/// on the way (`measures`: the multiclass model's proxy and minimum margin; `()` for most).
#[derive(Clone, Debug)]
pub struct Evaluated<X = ()> {
    /// L(θ) (may underflow to 0; see `log_loss`).
    pub loss: f64,
    /// log L(θ).
    pub log_loss: f64,
    /// G̃, one matrix per parameter block: ∇L = G̃·e^{log_scale}.
    pub grads: Vec<Mat<f64>>,
    /// s with ∇L = G̃·e^{s}.
    pub log_scale: f64,
    /// The model's own by-products of the evaluation.
    pub measures: X,
}

impl Evaluated {
    /// A plain evaluation (L, ∇L): log_loss = ln L, log_scale = 0.
    pub fn plain(loss: f64, grads: Vec<Mat<f64>>) -> Self {
        Self {
            loss,
            log_loss: loss.ln(),
            grads,
            log_scale: 0.0,
            measures: (),
        }
    }
    /// A scaled evaluation (log L, G̃, s) with ∇L = G̃·e^{s}: loss = e^{log L}.
    pub fn scaled(log_loss: f64, grads: Vec<Mat<f64>>, log_scale: f64) -> Self {
        Self {
            loss: log_loss.exp(),
            log_loss,
            grads,
            log_scale,
            measures: (),
        }
    }
}

/// A trainable model: parameter blocks θ = [θ_1, …] of fixed shapes, a training loss L(θ) and
/// its gradient.
///
/// [`Model::evaluate`] is the underflow-safe form (∇L = G̃·e^{s} with G̃ of O(1) entries, exact
/// after L underflows); [`Model::evaluate_plain`] is the gradient in the model's plain arithmetic
/// (the default is `evaluate`, for models whose only form is the scaled one or the plain one).
pub trait Model {
    /// What an evaluation measures beside the loss and the gradient.
    type Measures;
    /// The shapes (rows, columns) of the parameter blocks.
    fn shapes(&self) -> Vec<(usize, usize)>;
    /// L(θ) and ∇L(θ) = G̃·e^{s}, exact when L underflows.
    fn evaluate(&self, params: &[Mat<f64>]) -> Evaluated<Self::Measures>;
    /// L(θ) and ∇L(θ) in the model's plain arithmetic (may underflow).
    fn evaluate_plain(&self, params: &[Mat<f64>]) -> Evaluated<Self::Measures> {
        self.evaluate(params)
    }
}

/// A model that is trained on data held outside it: `model` on the samples `x` (n × d, one per
/// row) with labels `y` (±1 for the binary models, class indices for the MLP), with parameter
/// blocks of the given shapes.
#[derive(Clone, Copy, Debug)]
pub struct OnData<'a, M, Y = f64> {
    /// The model.
    pub model: &'a M,
    /// The samples, one per row.
    pub x: &'a Mat<f64>,
    /// The labels.
    pub y: &'a [Y],
    /// The parameter shapes.
    pub shapes: &'a [(usize, usize)],
}

impl<'a, M, Y> OnData<'a, M, Y> {
    /// `model` on (x, y) with parameter blocks of these shapes.
    pub fn new(model: &'a M, x: &'a Mat<f64>, y: &'a [Y], shapes: &'a [(usize, usize)]) -> Self {
        Self {
            model,
            x,
            y,
            shapes,
        }
    }
}
