//! The optimizer algebra: gradient transformations with explicit state, composed in sequence.
//!
//! Following optax, an optimizer is a chain of [`Transform`]s. Each has an `init` that builds its
//! state from the parameters and an `update` that maps incoming updates (initially the gradients)
//! to outgoing updates while advancing its state. A chain is a tuple `(A, B, …)`: updates flow
//! through in order and the state is the tuple of states. The sign flip lives in exactly one
//! place, [`LearningRate`] (u ← −η_t·u); the runner ([`super::GradientTransformation`]) only
//! adds: W ← W + u.
//!
//! Transforms see all parameter blocks at once (a `&mut [Mat<f64>]`), because several rules are
//! global: product-norm aggregation (Bernstein & Newhouse, Prop. 7), Momo's step size, Prodigy's
//! distance estimate, Gauss–Southwell's global coordinate choice.

use crate::error::Result;
use faer::Mat;

/// What a transform may read at step t besides the incoming updates.
#[derive(Clone, Copy, Debug)]
pub struct StepCtx<'a> {
    /// The 1-based step counter.
    pub t: usize,
    /// The learning rate η_t of the schedule at this step.
    pub lr: f64,
    /// The parameters W_t before the step.
    pub params: &'a [Mat<f64>],
    /// The raw gradients g_t of this step.
    pub grads: &'a [Mat<f64>],
    /// The loss f(W_t), when the caller supplied it (Momo-type methods need it).
    pub loss: Option<f64>,
}

/// A gradient transformation with explicit state (optax's `GradientTransformation`).
pub trait Transform: Send {
    /// The per-run state (momentum buffers, second moments, step-size estimates, …).
    type State: Send;
    /// The state before the first step, built from the initial parameters.
    fn init(&self, params: &[Mat<f64>]) -> Self::State;
    /// Map the incoming updates in place and advance the state.
    fn update(
        &self,
        updates: &mut [Mat<f64>],
        state: &mut Self::State,
        ctx: &StepCtx<'_>,
    ) -> Result<()>;
    /// Homogeneity in a common gradient scale c > 0: if every input so far and from now on is
    /// multiplied by c^`input`, the outputs are multiplied by c^result. `None` when the output is not a
    /// power of c (an ε > 0 in a denominator, a step-size estimate, weight decay added to a scaled
    /// update). The default is `None`: a transform opts in by stating its degree and, if it has
    /// state, rescaling it in [`Transform::rescale_state`].
    fn degree(&self, input: i32) -> Option<i32> {
        let _ = input;
        None
    }
    /// Whether the state remembers past inputs, so that [`Transform::rescale_state`] has something
    /// to follow (momenta, second moments). Asked only of a chain with a degree; the default
    /// `false` fits the stateless transforms and those whose state does not hold gradients.
    fn remembers_gradients(&self) -> bool {
        false
    }
    /// The weight decay λ this transform adds to the update (u ← u + λW), 0 if none.
    fn weight_decay(&self) -> f64 {
        0.0
    }
    /// Whether [`Transform::update`] reads the loss ([`StepCtx::loss`]).
    fn needs_loss(&self) -> bool {
        false
    }
    /// Re-express the state for inputs multiplied by c = e^`log_c` (input degree `input`): afterwards
    /// the run continues exactly as if every earlier input had been c^`input` times larger. Called
    /// only when [`Transform::degree`] is `Some`; stateless transforms keep this default. A state
    /// that the factor would overflow → [`crate::error::Error::Failed`].
    fn rescale_state(&self, state: &mut Self::State, input: i32, log_c: f64) -> Result<()> {
        let _ = (state, input, log_c);
        Ok(())
    }
}

/// m ← e^{d·log_c}·m for every buffer (the state of a transform linear in its input of degree d).
/// An entry that overflows → [`crate::error::Error::Failed`]: the buffer then holds gradients more
/// than ~e^{709} times larger than the new scale, which f64 cannot keep side by side.
pub(crate) fn rescale_buffers(bufs: &mut [Mat<f64>], d: i32, log_c: f64) -> Result<()> {
    if d != 0 && log_c != 0.0 {
        let f = (f64::from(d) * log_c).exp();
        for m in bufs.iter_mut() {
            *m *= faer::Scale(f);
            if !super::elementwise::all_finite(m) {
                return Err(crate::error::Error::failed(format!(
                    "rescaling the optimizer state by e^{:.1} overflowed: it holds gradients more than e^709 times larger than the current ones (the loss fell by more than 709 nats within the momentum's memory); lower the learning rate",
                    f64::from(d) * log_c
                )));
            }
        }
    }
    Ok(())
}

/// The identity transform (plain gradient descent is `(Identity, LearningRate)`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Identity;

impl Transform for Identity {
    type State = ();
    fn init(&self, _: &[Mat<f64>]) {}
    fn update(&self, _: &mut [Mat<f64>], _: &mut (), _: &StepCtx<'_>) -> Result<()> {
        Ok(())
    }
    fn degree(&self, input: i32) -> Option<i32> {
        Some(input)
    }
}

macro_rules! chain_impl {
    ($($T:ident $i:tt),+) => {
        /// Sequential composition: updates flow through the components in order; the state is
        /// the tuple of the components' states.
        impl<$($T: Transform),+> Transform for ($($T,)+) {
            type State = ($($T::State,)+);
            fn init(&self, params: &[Mat<f64>]) -> Self::State {
                ($(self.$i.init(params),)+)
            }
            fn update(
                &self,
                updates: &mut [Mat<f64>],
                state: &mut Self::State,
                ctx: &StepCtx<'_>,
            ) -> Result<()> {
                $(self.$i.update(updates, &mut state.$i, ctx)?;)+
                Ok(())
            }
            fn degree(&self, input: i32) -> Option<i32> {
                let d = input;
                $(let d = self.$i.degree(d)?;)+
                Some(d)
            }
            fn remembers_gradients(&self) -> bool {
                false $(|| self.$i.remembers_gradients())+
            }
            fn weight_decay(&self) -> f64 {
                0.0 $(+ self.$i.weight_decay())+
            }
            fn needs_loss(&self) -> bool {
                false $(|| self.$i.needs_loss())+
            }
            fn rescale_state(&self, state: &mut Self::State, input: i32, log_c: f64) -> Result<()> {
                let d = input;
                $(
                    self.$i.rescale_state(&mut state.$i, d, log_c)?;
                    #[allow(unused_variables)]
                    let d = self.$i.degree(d).unwrap_or(0);
                )+
                Ok(())
            }
        }
    };
}
chain_impl!(A 0);
chain_impl!(A 0, B 1);
chain_impl!(A 0, B 1, C 2);
chain_impl!(A 0, B 1, C 2, D 3);
chain_impl!(A 0, B 1, C 2, D 3, E 4);
chain_impl!(A 0, B 1, C 2, D 3, E 4, F 5);

/// Boxed transforms compose too (used when a recipe picks a piece at run time).
impl<S: Send + 'static> Transform for Box<dyn Transform<State = S>> {
    type State = S;
    fn init(&self, params: &[Mat<f64>]) -> S {
        (**self).init(params)
    }
    fn update(&self, u: &mut [Mat<f64>], s: &mut S, ctx: &StepCtx<'_>) -> Result<()> {
        (**self).update(u, s, ctx)
    }
    fn degree(&self, input: i32) -> Option<i32> {
        (**self).degree(input)
    }
    fn rescale_state(&self, state: &mut S, input: i32, log_c: f64) -> Result<()> {
        (**self).rescale_state(state, input, log_c)
    }
    fn remembers_gradients(&self) -> bool {
        (**self).remembers_gradients()
    }
    fn weight_decay(&self) -> f64 {
        (**self).weight_decay()
    }
    fn needs_loss(&self) -> bool {
        (**self).needs_loss()
    }
}

/// The role of a parameter block: which geometry a hybrid recipe gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A hidden weight matrix (both dimensions ≥ 2): spectral-type geometry.
    Matrix,
    /// Everything else (vectors, biases, gains, embeddings given as one column): ℓ∞/Adam geometry.
    Other,
}

impl Role {
    /// The default role of a block of this shape: [`Role::Matrix`] iff rows ≥ 2 and cols ≥ 2.
    pub fn of_shape(rows: usize, cols: usize) -> Role {
        if rows >= 2 && cols >= 2 {
            Role::Matrix
        } else {
            Role::Other
        }
    }
}

/// Apply `matrix` to the blocks with role [`Role::Matrix`] and `other` to the rest (optax's
/// `partition`; Muon's "2-D → Muon, else Adam").
pub struct Partition<A, B> {
    /// The role of each block, in order.
    pub roles: Vec<Role>,
    /// The transform of the matrix blocks.
    pub matrix: A,
    /// The transform of the other blocks.
    pub other: B,
}

fn select(xs: &[Mat<f64>], idx: &[usize]) -> Vec<Mat<f64>> {
    idx.iter().map(|&i| xs[i].clone()).collect()
}

impl<A: Transform, B: Transform> Partition<A, B> {
    fn indices(&self, role: Role) -> Vec<usize> {
        (0..self.roles.len())
            .filter(|&i| self.roles[i] == role)
            .collect()
    }
}

impl<A: Transform, B: Transform> Transform for Partition<A, B> {
    type State = (A::State, B::State);
    fn init(&self, params: &[Mat<f64>]) -> Self::State {
        (
            self.matrix
                .init(&select(params, &self.indices(Role::Matrix))),
            self.other.init(&select(params, &self.indices(Role::Other))),
        )
    }
    fn update(
        &self,
        updates: &mut [Mat<f64>],
        state: &mut Self::State,
        ctx: &StepCtx<'_>,
    ) -> Result<()> {
        for (role, which) in [(Role::Matrix, 0), (Role::Other, 1)] {
            let idx = self.indices(role);
            if idx.is_empty() {
                continue;
            }
            let params = select(ctx.params, &idx);
            let grads = select(ctx.grads, &idx);
            let sub = StepCtx {
                params: &params,
                grads: &grads,
                ..*ctx
            };
            let mut u: Vec<Mat<f64>> = idx
                .iter()
                .map(|&i| std::mem::replace(&mut updates[i], Mat::zeros(0, 0)))
                .collect();
            if which == 0 {
                self.matrix.update(&mut u, &mut state.0, &sub)?;
            } else {
                self.other.update(&mut u, &mut state.1, &sub)?;
            }
            for (k, &i) in idx.iter().enumerate() {
                updates[i] = std::mem::replace(&mut u[k], Mat::zeros(0, 0));
            }
        }
        Ok(())
    }
    /// Both groups must have the same degree (otherwise the blocks' updates scale differently).
    fn degree(&self, input: i32) -> Option<i32> {
        let (a, b) = (self.matrix.degree(input)?, self.other.degree(input)?);
        (a == b).then_some(a)
    }
    fn rescale_state(&self, state: &mut Self::State, input: i32, log_c: f64) -> Result<()> {
        self.matrix.rescale_state(&mut state.0, input, log_c)?;
        self.other.rescale_state(&mut state.1, input, log_c)
    }
    fn remembers_gradients(&self) -> bool {
        self.matrix.remembers_gradients() || self.other.remembers_gradients()
    }
    /// The larger of the two groups' decays.
    fn weight_decay(&self) -> f64 {
        self.matrix.weight_decay().max(self.other.weight_decay())
    }
    fn needs_loss(&self) -> bool {
        self.matrix.needs_loss() || self.other.needs_loss()
    }
}

/// u ← −η_t · u: **the only sign flip** of the library (optax's
/// `scale_by_learning_rate(flip_sign=True)`). η_t comes from the run's schedule.
#[derive(Clone, Copy, Debug, Default)]
pub struct LearningRate;

impl Transform for LearningRate {
    type State = ();
    fn init(&self, _: &[Mat<f64>]) {}
    fn update(&self, updates: &mut [Mat<f64>], _: &mut (), ctx: &StepCtx<'_>) -> Result<()> {
        for u in updates.iter_mut() {
            *u *= faer::Scale(-ctx.lr);
        }
        Ok(())
    }
    fn degree(&self, input: i32) -> Option<i32> {
        Some(input)
    }
}

/// u ← c · u for a fixed c > 0 (optax's `scale`), e.g. a per-group learning-rate ratio.
#[derive(Clone, Copy, Debug)]
pub struct Scale(pub f64);

impl Transform for Scale {
    type State = ();
    fn init(&self, _: &[Mat<f64>]) {}
    fn update(&self, updates: &mut [Mat<f64>], _: &mut (), _: &StepCtx<'_>) -> Result<()> {
        for u in updates.iter_mut() {
            *u *= faer::Scale(self.0);
        }
        Ok(())
    }
    fn degree(&self, input: i32) -> Option<i32> {
        Some(input)
    }
}

/// u ← u + λ·W (optax's `add_decayed_weights`). Placed before [`LearningRate`] it gives decoupled
/// weight decay W ← W(1 − η_t λ) − η_t·(direction) (AdamW, torch.optim.Muon), with the
/// *unadjusted* learning rate as in torch.
#[derive(Clone, Copy, Debug)]
pub struct AddDecayedWeights(pub f64);

impl Transform for AddDecayedWeights {
    type State = ();
    fn init(&self, _: &[Mat<f64>]) {}
    fn update(&self, updates: &mut [Mat<f64>], _: &mut (), ctx: &StepCtx<'_>) -> Result<()> {
        if self.0 != 0.0 {
            for (u, w) in updates.iter_mut().zip(ctx.params) {
                *u += faer::Scale(self.0) * w;
            }
        }
        Ok(())
    }
    /// λW does not scale with the gradients: homogeneous only if λ = 0 or the update already has
    /// degree 0 (a normalized direction).
    fn degree(&self, input: i32) -> Option<i32> {
        (self.0 == 0.0 || input == 0).then_some(input)
    }
    fn weight_decay(&self) -> f64 {
        self.0
    }
}
