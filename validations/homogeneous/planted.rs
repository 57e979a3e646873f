use super::{schedule, Competitor, Factory};
use crate::error::Result;
use crate::optim::{
    GradientTransformation, LearningRate, Momentum, Optimizer, Partition, Role, Scale, ScaleByAdam,
    ScaleBySign, Schedule, StepCtx, Transform,
};
use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use std::sync::Arc;

/// u_l ← u_l/‖u_l‖_F for every block separately (0 stays 0). In Muon it replaces the polar
/// factor polar(M) = UVᵀ (the spectral LMO) by M/‖M‖_F (the Frobenius LMO); in NGD it
/// replaces the one global normalization m/‖m‖₂ by one per block.
pub struct PerBlockFrobenius;

impl Transform for PerBlockFrobenius {
    type State = ();
    fn init(&self, _: &[Mat<f64>]) {}
    fn update(&self, updates: &mut [Mat<f64>], _: &mut (), _: &StepCtx<'_>) -> Result<()> {
        for u in updates.iter_mut() {
            let n = u.norm_l2();
            if n > 0.0 {
                *u *= faer::Scale(1.0 / n);
            }
        }
        Ok(())
    }
    fn degree(&self, _: i32) -> Option<i32> {
        Some(0)
    }
}

/// u ← u/max_l max_ij |u_l,ij| (0 stays 0): Signum's entrywise sign(m) (the ℓ∞ LMO) replaced by
/// m/‖m‖_∞, which keeps the direction of m.
pub struct GlobalMaxNormalize;

impl Transform for GlobalMaxNormalize {
    type State = ();
    fn init(&self, _: &[Mat<f64>]) {}
    fn update(&self, updates: &mut [Mat<f64>], _: &mut (), _: &StepCtx<'_>) -> Result<()> {
        let n = updates
            .iter()
            .flat_map(|u| {
                (0..u.nrows()).flat_map(move |i| (0..u.ncols()).map(move |j| u[(i, j)].abs()))
            })
            .fold(0.0, f64::max);
        if n > 0.0 {
            for u in updates.iter_mut() {
                *u *= faer::Scale(1.0 / n);
            }
        }
        Ok(())
    }
    fn degree(&self, _: i32) -> Option<i32> {
        Some(0)
    }
}

/// The real optimizer's step Δ_t replaced by a uniformly random direction of the same
/// Euclidean length (a fresh random rotation of the update at every step; the rotations come
/// from a fixed ChaCha8 stream, so runs are reproducible). Its iterates do not follow any
/// direction: the control of directional convergence (P2-c).
pub struct RandomlyRotated {
    inner: Box<dyn Optimizer>,
    rng: ChaCha8Rng,
}

impl Optimizer for RandomlyRotated {
    fn name(&self) -> String {
        format!("{} with each update randomly rotated", self.inner.name())
    }
    fn step(
        &mut self,
        params: &mut [Mat<f64>],
        grads: &[Mat<f64>],
        loss: Option<f64>,
    ) -> Result<()> {
        let before = params.to_vec();
        self.inner.step(params, grads, loss)?;
        let delta: Vec<Mat<f64>> = params.iter().zip(&before).map(|(a, b)| a - b).collect();
        let len = delta
            .iter()
            .map(|d| d.squared_norm_l2())
            .sum::<f64>()
            .sqrt();
        let z: Vec<Mat<f64>> = delta
            .iter()
            .map(|d| {
                Mat::from_fn(d.nrows(), d.ncols(), |_, _| {
                    StandardNormal.sample(&mut self.rng)
                })
            })
            .collect();
        let nz = z.iter().map(|d| d.squared_norm_l2()).sum::<f64>().sqrt();
        for ((p, b), zl) in params.iter_mut().zip(&before).zip(&z) {
            *p = b + zl * faer::Scale(len / nz);
        }
        Ok(())
    }
    fn scale_invariant(&self) -> bool {
        self.inner.scale_invariant()
    }
    fn rescale_gradients(&mut self, log_c: f64) -> Result<()> {
        self.inner.rescale_gradients(log_c)
    }
}

fn chain<T, F>(label: &'static str, eta0: f64, make: F) -> Factory
where
    T: Transform + 'static,
    T::State: 'static,
    F: Fn(&[(usize, usize)]) -> T + Send + Sync + 'static,
{
    Arc::new(move |shapes: &[(usize, usize)]| {
        let s = Schedule::parse(&schedule(eta0))?;
        Ok(
            Box::new(GradientTransformation::new(label, make(shapes), s, shapes))
                as Box<dyn Optimizer>,
        )
    })
}

fn with(c: &Competitor, factory: Factory) -> Competitor {
    Competitor {
        factory,
        ..c.clone()
    }
}

/// β of an `ngd[:beta=β]` spec (0 without the key).
fn ngd_beta(c: &Competitor) -> f64 {
    c.spec
        .strip_prefix("ngd:beta=")
        .and_then(|b| b.parse().ok())
        .unwrap_or(0.0)
}

/// NGD (and MomentumNGD) without the normalization: W ← W − η_t m_t, plain gradient descent
/// (with the same EMA momentum) instead of W ← W − η_t m_t/‖m_t‖₂.
pub fn ngd_unnormalized(c: &Competitor) -> Competitor {
    let beta = ngd_beta(c);
    with(
        c,
        chain("planted: ngd without normalization", c.eta0, move |_| {
            (Momentum::ema(beta), LearningRate)
        }),
    )
}

/// NGD (and MomentumNGD) normalized block by block, W_l ← W_l − η_t m_l/‖m_l‖_F, instead of by
/// the one global norm ‖m‖₂ over all blocks (the steepest descent of max_l ‖W_l‖_F, not of ℓ2).
pub fn ngd_per_block(c: &Competitor) -> Competitor {
    let beta = ngd_beta(c);
    with(
        c,
        chain("planted: ngd normalized per block", c.eta0, move |_| {
            (Momentum::ema(beta), PerBlockFrobenius, LearningRate)
        }),
    )
}

/// Signum with a flipped sign: W ← W + η_t sign(m_t) (ascent).
pub fn signum_flipped(c: &Competitor) -> Competitor {
    with(
        c,
        chain("planted: signum with a flipped sign", c.eta0, |_| {
            (Momentum::ema(0.9), ScaleBySign, Scale(-1.0), LearningRate)
        }),
    )
}

/// Signum with sign(m) replaced by m/‖m‖_∞: W ← W − η_t m_t/‖m_t‖_∞ (not the ℓ∞ LMO).
pub fn signum_max_normalized(c: &Competitor) -> Competitor {
    with(
        c,
        chain("planted: signum as m/‖m‖_∞", c.eta0, |_| {
            (Momentum::ema(0.9), GlobalMaxNormalize, LearningRate)
        }),
    )
}

/// Adam (β = (0.9, 0.99), ε = 1e-20) with a flipped sign: W ← W + η_t m̂_t/(√v̂_t + ε).
pub fn adam_flipped(c: &Competitor) -> Competitor {
    with(
        c,
        chain("planted: adam with a flipped sign", c.eta0, |_| {
            (
                ScaleByAdam {
                    beta1: 0.9,
                    beta2: 0.99,
                    eps: 1e-20,
                    bias_correction: true,
                },
                Scale(-1.0),
                LearningRate,
            )
        }),
    )
}

/// Muon (EMA momentum 0.9, no Nesterov) with the polar factor polar(M) = UVᵀ replaced by
/// M/‖M‖_F in every block.
pub fn muon_frobenius(c: &Competitor) -> Competitor {
    with(
        c,
        chain(
            "planted: muon normalized by the Frobenius norm",
            c.eta0,
            |_| (Momentum::ema(0.9), PerBlockFrobenius, LearningRate),
        ),
    )
}

/// Muon-Adam with its Muon block's polar factor replaced by M/‖M‖_F (the Adam block, scaled by
/// η0^A/η0^M = 0.1, unchanged).
pub fn muon_adam_frobenius(c: &Competitor) -> Competitor {
    with(
        c,
        chain(
            "planted: muon-adam with a Frobenius-normalized Muon block",
            c.eta0,
            |shapes| {
                let roles = shapes.iter().map(|&(r, c)| Role::of_shape(r, c)).collect();
                (
                    Partition {
                        roles,
                        matrix: (Momentum::ema(0.9), PerBlockFrobenius),
                        other: (
                            ScaleByAdam {
                                beta1: 0.9,
                                beta2: 0.99,
                                eps: 1e-20,
                                bias_correction: true,
                            },
                            Scale(super::HYBRID_RATIO),
                        ),
                    },
                    LearningRate,
                )
            },
        ),
    )
}

/// Muon-Adam with the Adam block's factor η0^A/η0^M = 0.1 missing (both blocks at η0^M: the
/// steepest descent of max(‖W‖_msp, ‖a‖_∞) instead of the hybrid norm max(0.1‖W‖_msp, ‖a‖_∞)).
pub fn muon_adam_unscaled(c: &Competitor) -> Competitor {
    with(
        c,
        chain(
            "planted: muon-adam without the Adam block's ratio",
            c.eta0,
            |shapes| {
                let roles = shapes.iter().map(|&(r, c)| Role::of_shape(r, c)).collect();
                (
                    Partition {
                        roles,
                        matrix: (
                            Momentum::ema(0.9),
                            crate::optim::Orthogonalize(
                                crate::optim::dualize::Orthogonalizer::Exact,
                            ),
                        ),
                        other: ScaleByAdam {
                            beta1: 0.9,
                            beta2: 0.99,
                            eps: 1e-20,
                            bias_correction: true,
                        },
                    },
                    LearningRate,
                )
            },
        ),
    )
}

/// The competitor's real optimizer with every update replaced by a random direction of the
/// same length ([`RandomlyRotated`]).
pub fn randomly_rotated(c: &Competitor) -> Competitor {
    let real = c.factory.clone();
    with(
        c,
        Arc::new(move |shapes: &[(usize, usize)]| {
            Ok(Box::new(RandomlyRotated {
                inner: real(shapes)?,
                rng: ChaCha8Rng::seed_from_u64(0x5eed_0f2c),
            }) as Box<dyn Optimizer>)
        }),
    )
}
