//! The one training loop: any [`Model`] under any [`Optimizer`], in argmin's executor shape
//! (a run spec, an observer with no-op defaults, a result that says why it stopped).
//!
//! Step t maps θ_{t−1} to θ_t = θ_{t−1} + u_t, u_t the optimizer's update from the gradient at
//! θ_{t−1} (on the scale chosen by [`GradScale`]). Before each step the model is evaluated at
//! θ_{t−1}; the run stops, before stepping, at the first of: log L(θ_{t−1}) < log of
//! [`FitSpec::stop_below_loss`], t − 1 = [`FitSpec::steps`], or (with
//! [`FitSpec::stop_at_zero_gradient`]) ∇L(θ_{t−1}) = 0 entry-wise.

use super::{CommonScale, GradScale};
use crate::error::{Error, Result};
use crate::models::{Evaluated, Model};
use crate::optim::Optimizer;
use faer::Mat;

/// What to run: the step budget, the gradient scale, the stop rules, the snapshot schedule and
/// θ_0.
#[derive(Clone, Debug)]
pub struct FitSpec {
    /// The step budget T.
    pub steps: usize,
    /// Which gradient the optimizer receives: [`GradScale::True`] uses [`Model::evaluate_plain`],
    /// the others [`Model::evaluate`].
    pub grad_scale: GradScale,
    /// Stop when L(θ_t) is below this (compared in log scale, so it works past the underflow).
    pub stop_below_loss: Option<f64>,
    /// Stop when the gradient is exactly 0 (nothing more to do).
    pub stop_at_zero_gradient: bool,
    /// Stop as [`Stop::Diverged`] at a non-finite loss or gradient or a failed optimizer step
    /// (a run at a too-large learning rate) instead of failing.
    pub stop_on_divergence: bool,
    /// Keep θ_t every this many steps (0: none).
    pub snapshot_every: usize,
    /// θ_0 (default 0).
    pub init: Option<Vec<Mat<f64>>>,
    /// Hand L(θ_{t−1}) to the optimizer with the gradient (default; the Momo methods need it, and
    /// a non-finite loss is then an input error); `false` hands it none.
    pub pass_loss: bool,
}

impl FitSpec {
    /// T steps from θ_0 = 0 on the true gradient, no stop rule, no snapshots.
    pub fn new(steps: usize) -> Self {
        Self {
            steps,
            grad_scale: GradScale::True,
            stop_below_loss: None,
            stop_at_zero_gradient: false,
            stop_on_divergence: false,
            snapshot_every: 0,
            init: None,
            pass_loss: true,
        }
    }
    /// Choose the gradient scaling.
    pub fn grad_scale(mut self, g: GradScale) -> Self {
        self.grad_scale = g;
        self
    }
    /// Stop when the loss is below `loss`.
    pub fn stop_below_loss(mut self, loss: f64) -> Self {
        self.stop_below_loss = Some(loss);
        self
    }
    /// Stop when the gradient vanishes.
    pub fn stop_at_zero_gradient(mut self) -> Self {
        self.stop_at_zero_gradient = true;
        self
    }
    /// Stop at a divergence instead of failing.
    pub fn stop_on_divergence(mut self) -> Self {
        self.stop_on_divergence = true;
        self
    }
    /// Keep θ_t every `k` steps.
    pub fn snapshot_every(mut self, k: usize) -> Self {
        self.snapshot_every = k;
        self
    }
    /// Hand the optimizer no loss.
    pub fn without_loss(mut self) -> Self {
        self.pass_loss = false;
        self
    }
    /// Start from θ_0.
    pub fn init(mut self, init: Vec<Mat<f64>>) -> Self {
        self.init = Some(init);
        self
    }
}

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The step budget was spent.
    Steps,
    /// The loss fell below [`FitSpec::stop_below_loss`].
    LossBelow,
    /// The gradient vanished ([`FitSpec::stop_at_zero_gradient`]).
    ZeroGradient,
    /// The loss or the gradient became non-finite, or the optimizer failed
    /// ([`FitSpec::stop_on_divergence`]); `params` are what the failed step left (the library's
    /// optimizers leave them unchanged) and `last` is the evaluation of the failed
    /// step, its `grads` as handed to the optimizer.
    Diverged,
}

/// A finished run.
#[derive(Clone, Debug)]
pub struct Fit<X> {
    /// θ_T.
    pub params: Vec<Mat<f64>>,
    /// T, the number of steps taken.
    pub steps: usize,
    /// Why it stopped.
    pub stop: Stop,
    /// The evaluation at θ_T (on the scale of [`FitSpec::grad_scale`]).
    pub last: Evaluated<X>,
    /// (t, θ_t) every [`FitSpec::snapshot_every`] steps.
    pub snapshots: Vec<(usize, Vec<Mat<f64>>)>,
}

/// Per-step measures. Both methods default to doing nothing; an error stops the run.
pub trait Observer<X> {
    /// Before step t: θ_{t−1} and its evaluation (∇L = grads·e^{log_scale}).
    fn before_step(&mut self, t: usize, params: &[Mat<f64>], eval: &Evaluated<X>) -> Result<()> {
        let _ = (t, params, eval);
        Ok(())
    }
    /// After step t: θ_t and the gradient the optimizer received.
    fn after_step(&mut self, t: usize, params: &[Mat<f64>], grads: &[Mat<f64>]) -> Result<()> {
        let _ = (t, params, grads);
        Ok(())
    }
}

/// The observer that observes nothing.
impl<X> Observer<X> for () {}

/// Train `model` with `opt` per `spec`, telling `observer` about every step.
///
/// The gradient the optimizer receives: [`GradScale::True`] ∇L = G̃·e^{s} from
/// [`Model::evaluate_plain`] (multiplied out only when s ≠ 0); [`GradScale::Shifted`] G̃ from
/// [`Model::evaluate`]; [`GradScale::Rescaled`] G̃·e^{s − r} with one reference r
/// ([`CommonScale`]), refused for an optimizer that is not scale-invariant. The loss handed to the
/// optimizer (unless [`FitSpec::pass_loss`] is off) is L(θ_{t−1}) of the same evaluation.
///
/// Errors: a θ_0 of the wrong shapes or `Rescaled` with a scale-dependent optimizer (input); an
/// optimizer failure (failed, naming the step); whatever the observer returns.
pub fn fit<M: Model + ?Sized>(
    model: &M,
    opt: &mut dyn Optimizer,
    spec: &FitSpec,
    observer: &mut dyn Observer<M::Measures>,
) -> Result<Fit<M::Measures>> {
    let shapes = model.shapes();
    let mut params = match &spec.init {
        Some(init) => {
            let got: Vec<(usize, usize)> = init.iter().map(|m| (m.nrows(), m.ncols())).collect();
            if got != shapes {
                return Err(Error::input(format!(
                    "θ_0 has blocks {got:?} but the model needs {shapes:?}; start from parameters of the model's shapes"
                )));
            }
            init.clone()
        }
        None => shapes.iter().map(|&(r, c)| Mat::zeros(r, c)).collect(),
    };
    if spec.grad_scale == GradScale::Rescaled && !opt.scale_invariant() {
        return Err(Error::input(format!(
            "gradient scaling 'rescaled' needs an optimizer whose steps do not depend on the gradients' scale (sign, nsd, signum, nmd, spectral, muon with ns=exact, adam with eps=0); {} is not: use true",
            opt.name()
        )));
    }
    let log_stop = spec.stop_below_loss.map(f64::ln);
    let mut common = CommonScale::default();
    let mut snapshots = Vec::new();
    let mut t = 0;
    loop {
        let eval = match spec.grad_scale {
            GradScale::True => model.evaluate_plain(&params),
            GradScale::Shifted | GradScale::Rescaled => model.evaluate(&params),
        };
        let stop = if log_stop.is_some_and(|s| eval.log_loss < s) {
            Some(Stop::LossBelow)
        } else if t == spec.steps {
            Some(Stop::Steps)
        } else if spec.stop_at_zero_gradient && eval.grads.iter().all(|g| g.norm_max() == 0.0) {
            Some(Stop::ZeroGradient)
        } else if spec.stop_on_divergence
            && (!eval.loss.is_finite() || eval.grads.iter().any(|g| !g.norm_max().is_finite()))
        {
            Some(Stop::Diverged)
        } else {
            None
        };
        if let Some(stop) = stop {
            return Ok(Fit {
                params,
                steps: t,
                stop,
                last: eval,
                snapshots,
            });
        }
        t += 1;
        observer.before_step(t, &params, &eval)?;
        let Evaluated {
            loss,
            log_loss,
            mut grads,
            log_scale,
            measures,
        } = eval;
        match spec.grad_scale {
            GradScale::True => {
                if log_scale != 0.0 {
                    let f = log_scale.exp();
                    for g in grads.iter_mut() {
                        *g *= faer::Scale(f);
                    }
                }
            }
            GradScale::Shifted => {}
            GradScale::Rescaled => common.apply(opt, &mut grads, log_scale)?,
        }
        match opt.step(&mut params, &grads, spec.pass_loss.then_some(loss)) {
            Ok(()) => {}
            Err(Error::Failed(_)) if spec.stop_on_divergence => {
                return Ok(Fit {
                    params,
                    steps: t - 1,
                    stop: Stop::Diverged,
                    last: Evaluated {
                        loss,
                        log_loss,
                        grads,
                        log_scale,
                        measures,
                    },
                    snapshots,
                });
            }
            Err(Error::Failed(m)) => {
                return Err(Error::failed(format!("step {t} of {}: {m}", spec.steps)))
            }
            Err(e) => return Err(e),
        }
        observer.after_step(t, &params, &grads)?;
        if spec.snapshot_every > 0 && t % spec.snapshot_every == 0 {
            snapshots.push((t, params.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::parse_optimizer;

    /// L(θ) = ½‖θ‖² on one 2 × 1 block, ∇L = θ.
    struct Quadratic;

    impl Model for Quadratic {
        type Measures = ();
        fn shapes(&self) -> Vec<(usize, usize)> {
            vec![(2, 1)]
        }
        fn evaluate(&self, params: &[Mat<f64>]) -> Evaluated {
            Evaluated::plain(0.5 * params[0].squared_norm_l2(), params.to_vec())
        }
    }

    fn start() -> Vec<Mat<f64>> {
        vec![Mat::from_fn(2, 1, |i, _| [1.0, -3.0][i])]
    }

    /// Counts the calls and keeps the losses the optimizer was shown.
    #[derive(Default)]
    struct Count {
        before: usize,
        after: usize,
        losses: Vec<f64>,
    }

    impl Observer<()> for Count {
        fn before_step(&mut self, t: usize, _: &[Mat<f64>], e: &Evaluated) -> Result<()> {
            self.before += 1;
            assert_eq!(t, self.before);
            self.losses.push(e.loss);
            Ok(())
        }
        fn after_step(&mut self, t: usize, _: &[Mat<f64>], _: &[Mat<f64>]) -> Result<()> {
            self.after += 1;
            assert_eq!(t, self.before);
            Ok(())
        }
    }

    /// GD with η = 1/2 on ½‖θ‖² halves θ exactly: θ_T = θ_0/2^T, the last evaluation is at θ_T,
    /// the observer sees T steps, snapshots every k steps hold θ_t.
    #[test]
    fn gradient_descent_on_a_quadratic_halves_theta_each_step() {
        let mut opt = parse_optimizer("gd:lr=0.5", &[(2, 1)]).unwrap();
        let spec = FitSpec::new(10).init(start()).snapshot_every(4);
        let mut count = Count::default();
        let fit = fit(&Quadratic, opt.as_mut(), &spec, &mut count).unwrap();
        assert_eq!((fit.steps, fit.stop), (10, Stop::Steps));
        assert_eq!((count.before, count.after), (10, 10));
        let want = |t: i32| Mat::from_fn(2, 1, |i, _| [1.0, -3.0][i] * 0.5f64.powi(t));
        assert_eq!(fit.params[0], want(10));
        assert_eq!(fit.last.loss, 0.5 * want(10).squared_norm_l2());
        let ts: Vec<usize> = fit.snapshots.iter().map(|s| s.0).collect();
        assert_eq!(ts, vec![4, 8]);
        assert_eq!(fit.snapshots[1].1[0], want(8));
    }

    /// The loss rule stops at the first θ_t with L(θ_t) below the threshold, before stepping.
    #[test]
    fn the_loss_rule_stops_at_the_first_iterate_below_it() {
        let mut opt = parse_optimizer("gd:lr=0.5", &[(2, 1)]).unwrap();
        let spec = FitSpec::new(100).init(start()).stop_below_loss(1e-3);
        let mut count = Count::default();
        let fit = fit(&Quadratic, opt.as_mut(), &spec, &mut count).unwrap();
        assert_eq!(fit.stop, Stop::LossBelow);
        assert!(fit.last.loss < 1e-3);
        assert!(
            count.losses.iter().all(|&l| l >= 1e-3),
            "{:?}",
            count.losses
        );
        // L(θ_t) = 5·4^{−t}: first below 1e-3 at t = 7
        assert_eq!(fit.steps, 7);
    }

    /// θ_0 = 0 has ∇L = 0: the zero-gradient rule stops before any step.
    #[test]
    fn a_vanishing_gradient_stops_the_run() {
        let mut opt = parse_optimizer("gd:lr=0.5", &[(2, 1)]).unwrap();
        let spec = FitSpec::new(5).stop_at_zero_gradient();
        let fit = fit(&Quadratic, opt.as_mut(), &spec, &mut ()).unwrap();
        assert_eq!((fit.steps, fit.stop), (0, Stop::ZeroGradient));
    }

    /// GD with η = 3 doubles |θ| each step: L overflows after ~510 steps. With the divergence
    /// rule the run stops there as `Diverged`; without it the infinite loss is refused (exit 2).
    #[test]
    fn divergence_stops_the_run_or_fails_it() {
        let mut opt = parse_optimizer("gd:lr=3", &[(2, 1)]).unwrap();
        let spec = FitSpec::new(2000).init(start()).stop_on_divergence();
        let fit = fit(&Quadratic, opt.as_mut(), &spec, &mut ()).unwrap();
        assert_eq!(fit.stop, Stop::Diverged);
        assert!(fit.steps > 400 && fit.steps < 600, "{}", fit.steps);
        assert!(!fit.last.loss.is_finite());
        let mut opt = parse_optimizer("gd:lr=3", &[(2, 1)]).unwrap();
        let spec = FitSpec::new(2000).init(start());
        let e = fit_err(opt.as_mut(), &spec);
        assert_eq!(e.exit_code(), 2, "{e}");
    }

    fn fit_err(opt: &mut dyn Optimizer, spec: &FitSpec) -> Error {
        fit(&Quadratic, opt, spec, &mut ()).unwrap_err()
    }

    /// θ_0 of the wrong shape is an input error naming both shapes.
    #[test]
    fn a_wrong_initial_shape_is_an_input_error() {
        let mut opt = parse_optimizer("gd:lr=0.5", &[(2, 1)]).unwrap();
        let spec = FitSpec::new(5).init(vec![Mat::zeros(3, 1)]);
        let e = fit_err(opt.as_mut(), &spec);
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("[(3, 1)]"), "{e}");
    }
}
