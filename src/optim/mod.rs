//! Optimizers as steepest descent, in optax's algebra with Rust types.
//!
//! * [`transform`]: the [`Transform`] trait (explicit `init`/`update` state), sequential
//!   composition by tuples, [`Partition`] by block role, and the one sign flip
//!   [`LearningRate`].
//! * [`schedule`]: learning-rate schedules ([`Schedule::parse`]).
//! * [`runner`]: the [`Optimizer`] trait a training loop calls, and [`GradientTransformation`].
//! * [`recipes`]: named optimizers and [`parse_optimizer`] for the contract's
//!   `NAME[:key=value,…]` specs; typed constructors such as
//!   `recipes::muon(MuonConfig { lr: 0.02, ..Default::default() }, shapes)`, whose `Default` is the
//!   spec's defaults and which the parser calls.
//!
//! Every optimizer answers for itself what a caller needs beside its steps ([`Optimizer`]): the
//! norm it is steepest descent under ([`Optimizer::norm`], set by its recipe), how it responds to a
//! common gradient scale ([`Optimizer::scale_invariance`], from the chain's `degree` and whether
//! its state remembers gradients), its weight decay and whether it needs the loss (both from its
//! transforms). `steepest train` and `replay` read these instead of the spec string.
//!
//! Adding an optimizer: its transforms (if new) in their own file with their `degree`; one arm
//! in [`parse_optimizer_with_schedule`] (or a typed config and constructor in [`recipes`]) that
//! states its norm; its name in [`OPTIMIZERS`] and its row in the table below.
//!
//! Parameters are a list of blocks (`faer::Mat<f64>`, vectors as one column). Conventions:
//! W_{t+1} = W_t + u_t with u_t the chain's output; t is 1-based; η_t is the schedule (`lr=` gives a
//! constant). A block is a *matrix* (role [`Role::Matrix`]) iff both dimensions are ≥ 2, else
//! *other*. "max product" means steepest descent under max_l ‖W_l‖ (Bernstein & Newhouse Prop. 7):
//! each block gets its own LMO, and the sharp step size is the global Σ_l ‖G_l‖_*.
//!
//! # The optimizers
//!
//! | spec (defaults) | rule (one step) | source |
//! |---|---|---|
//! | `gd:lr=0.1` | W ← W − η g | — |
//! | `ngd:lr=0.1,beta=0` | W ← W − η m/‖m‖_F (one global Frobenius norm over all blocks; m = EMA of g, β = 0 ⇒ g) | file 02 §4 (NGD, MomentumNGD) |
//! | `nsd:norm=N,lr=0.01,agg=max` | W ← W − η·dualize_N(g) (LMO, 0 for g = 0); `agg=max\|l2\|hybrid` over blocks | file 00 §3, 04 Prop. 1 |
//! | `sd:norm=N,lr=0.01,agg=max` | W ← W − η·g^# = −η‖g‖_*·dualize_N(g) (sharp operator; global dual norm over blocks) | file 00 §3, 04 Props. 1–3, 5, 7 |
//! | `nmd:norm=N,beta=0.9,lr=0.01,agg=max` | m ← βm + (1−β)g; W ← W − η·dualize_N(m) | file 01 (Fan et al. NMD) |
//! | `spectral:lr=0.01,beta=0` | W ← W − η·UVᵀ of m (exact SVD polar; β = 0 ⇒ of g) | file 08 §5 (Carlson et al.) |
//! | `muon:lr=1e-3,momentum=0.95,nesterov=true,momentum_type=ema,bias_correction=false,ns=keller,ns_steps=5,eps=1e-7,eps_form=clamp,wd=0.1,scale=original` | buf ← buf + (1−μ)(g − buf); u = g + μ(buf − g) (Nesterov) or buf; W ← W(1 − η·wd) − η·s·O(u). `momentum_type=classical`: buf ← μ buf + g, u = g + μ buf. `bias_correction=true` (optax): u = μ buf/(1−μ^{t+1}) + (1−μ)g/(1−μ^t) (Nesterov) or buf/(1−μ^t). `ns=keller\|dion\|cubic` (Newton–Schulz; its input normalized by max(‖u‖_F, eps) with `eps_form=clamp` as torch.optim.Muon, or by ‖u‖_F + eps with `eps_form=add` as the original Muon code and optax) or `exact` (UVᵀ). s: `original` √max(1, r/c), `spectral` √(r/c), `rms` 0.2√max(r, c), `none` 1, `optax` √max(1, c/r). Defaults are torch.optim.Muon's | CONTRACT; file 08 §2–4 |
//! | `sign:lr=0.01` | W ← W − η sign(g), sign(0) = 0 | file 04 Prop. 2 |
//! | `signum:lr=0.01,beta=0.9,wd=0` | m ← βm + (1−β)g; W ← W(1 − η wd) − η sign(m) | file 02 (Signum), optax `signum` |
//! | `adam:lr=1e-3,beta1=0.9,beta2=0.999,eps=1e-8,bias_correction=true` | m, v EMAs; W ← W − η m̂/(√v̂ + ε); entries with √v̂ + ε = 0 get 0 (never NaN; file 00 gotcha 7.4) | Kingma & Ba; file 04 eqs. (6)–(7) |
//! | `adamw:…,wd=0.01` | Adam with decoupled decay W ← W(1 − η wd) − η m̂/(√v̂ + ε) | Loshchilov & Hutter |
//! | `shampoo:lr=0.01,accumulate=true,eps=0` | L ← L + GGᵀ, R ← R + GᵀG (or L = GGᵀ, R = GᵀG); W ← W − η L^{−1/4} G R^{−1/4} (pseudo-inverse roots from faer's symmetric eigendecomposition; L_0 = R_0 = εI) | file 04 eqs. (15)–(16) |
//! | `prodigy:lr=1,beta1=0.9,beta2=0.999,eps=1e-8,d0=1e-6` | file 04 §2's Algorithm 3 with one η_t for all blocks; W ← W − lr·η_t m_t/(√v_t + ε), η_{t+1} = max(η_t, r_t/‖s_t‖₁); `beta1=0,beta2=0,eps=0` is the sign form (28)–(29) | Mishchenko & Defazio Alg. 3 via file 04 |
//! | `fromage:lr=0.01,p_bound=0` | W ← (W − η(‖W‖_F/‖g‖_F) g)/√(1+η²) per block (plain step if a norm is 0); `p_bound=p>0`: W ← W·min(1, p‖W_0‖_F/‖W‖_F) | file 07 §2 |
//! | `nesgd:agg=max,embed=adam_infty,sharp=false,lr=1e-3,momentum=0.95,beta2=0.95,eps=1e-8,s=1,ns=exact,wd=0` | Crawshaw et al.'s framework: M ← βM + (1−β)g (buffers start at the first value), v likewise for `adam_*` blocks, D = ε + √v; matrix blocks have norm (1/s)‖W‖₂ (LMO s·O(M)), other blocks `linfty`, `adam_infty` (LMO M/D) or `adam_2` (LMO M/(D·d)); aggregated by `max`/`l2`/`hybrid`; `sharp=false`: W ← W(1 − η wd) − η·dualize(M), `sharp=true`: − η·M^# | file 03 §1 (GPT-opt `nesgd.py`) |
//! | `scion:…` | `nesgd` with agg=max, embed=linfty, sharp=false | file 03 §2 |
//! | `polargrad:…` | `nesgd` with agg=l2, sharp=true (matrix step η s²·nuc(M_l)·polar(M_l), nuc the nuclear norm); embed=adam_2 is our choice (GPT-opt's default not read) | file 03 §2 |
//! | `muonadam:…` | `nesgd` with agg=max, embed=adam_infty, sharp=false ("practical Muon") | file 03 §2 |
//! | `muonmax:…,s=√10` | `nesgd` with agg=hybrid, embed=adam_2, sharp=true: W_l ← W_l − η s²(Σ_k nuc(M_k)) polar(M_l), θ ← θ − η m/(ε+√v) | file 03 §2 |
//! | `momo:lr=1,beta=0.9,lb=0,bias_correction=false,wd=0` | Euclidean Momo: d ← βd + (1−β)g, τ = min(η/ρ, (f̄ − ρ·lb + ⟨d,w⟩ − γ)_+/‖d‖²), W ← (W − τd)/(1+ηλ) (numerator ×(1+ηλ)); needs the loss | Schaipp et al. 2024 via file 03 §3 |
//! | `muonadam-momo:…,lr=0.1,lb=0`, `muonmax-momo:…,lr=0.1,lb=0` | the `muonadam`/`muonmax` direction u with η_eff = min(η, (F̄ − F_* + ⟨W, m⟩)_+/⟨m, u⟩) ([`Momo`]); decoupled wd with η; need the loss | file 03 §3 (GPT-opt `muonadam_momo.py`, `muonmax_momo.py`) with MoMo's clamp |
//! | `muon-adam:lr=0.05,adam_ratio=0.1,momentum=0.9,nesterov=false,ns=exact,scale=none,beta1=0.9,beta2=0.99,eps=1e-20,bias_correction=true,wd=0` | matrix blocks: Muon (EMA, polar); other blocks: bias-corrected Adam scaled by η^A/η^M; the steepest descent of max{(η^A/η^M)‖W‖_msp, ‖u‖_∞} | file 02 §2 (Cor. 3.4, Thm 3.6), P2-a defaults |
//! | `muon-signum:lr=0.05,momentum=0.9,nesterov=false,ns=exact,scale=none,wd=0` | one EMA for all blocks; matrix blocks polar(m), other blocks sign(m) | file 02 §2 |
//! | `cd:lr=0.01,sharp=false` | Gauss–Southwell: only the entry of largest magnitude over all blocks moves, by η·sign (normalized; the ℓ1 LMO) or η·g_ij (`sharp=true`, the ℓ1 sharp operator); ties: first in block, then row-major order | file 00 §2 |
//!
//! **Normalized or sharp.** Steepest descent under a norm N comes in two forms, and the library
//! has one name for the choice: the *normalized* (constrained) step −η·dualize_N(g), the LMO, and
//! the *sharp* (regularized) step −η·g^# = −η‖g‖_*·dualize_N(g). Recipe names fix it where the
//! contract names both (`nsd` normalized, `sd` sharp); elsewhere the key is `sharp=true|false`
//! (`cd`, `nesgd`; default `false`), as the `sharp` field of [`ProductSteepest`] and
//! [`GaussSouthwell`]. (GPT-opt's `lmo=true` is `sharp=false`; the former `cd:normalized=true` is
//! `cd:sharp=false`.)
//!
//! Ranges (any violation is an [`crate::Error::Input`] naming the key and its range): lr, wd, eps,
//! lb finite (lr, wd, eps ≥ 0; eps > 0 for the `nesgd` family); every β ∈ [0, 1); ns_steps ∈
//! 1..=1000; d0 > 0; s > 0; p_bound ≥ 0. Unknown names and keys are input errors listing the valid
//! ones; `lr` together with a schedule override is an input error. Canonical names
//! ([`Optimizer::name`]) list every resolved key and parse back to the same optimizer.
//!
//! # Equivalences (tests in `src/optim/tests.rs` and the validation suites)
//!
//! NSD(max) = sign descent; Adam(β1 = β2 = 0, ε = 0) = sign descent with sign(0) = 0; Shampoo without
//! accumulation = UVᵀ; Muon(β = 0, exact) = Spectral Descent; EMA and classical momentum give the same
//! Muon update; Prodigy(β = 0) = eqs. (28)–(29); `momo` = Schaipp et al.'s rule; every
//! `nesgd` configuration solves its steepest-descent problem (P3-a); Momo minimizes its truncated model
//! (P3-b); Muon reproduces torch-semantics and optax float64 trajectories to ≤ 4.4e-16
//! (`tests/optim_oracles.rs`, P8-e).
//!
//! ```
//! use faer::Mat;
//! use steepest::optim::parse_optimizer;
//! let mut opt = parse_optimizer("sign:lr=0.1", &[(2, 2)]).unwrap();
//! let mut w = vec![Mat::<f64>::zeros(2, 2)];
//! let g = vec![Mat::from_fn(2, 2, |i, j| i as f64 - j as f64)];
//! opt.step(&mut w, &g, None).unwrap();
//! assert_eq!(w[0][(0, 1)], 0.1); // −0.1·sign(−1)
//! assert_eq!(w[0][(0, 0)], 0.0); // sign(0) = 0
//! ```

pub mod adaptive;
pub mod dualize;
mod elementwise;
pub mod momentum;
pub mod momo;
pub mod recipes;
pub mod runner;
pub mod schedule;
pub mod spec;
pub mod transform;

pub use adaptive::{FromageRetraction, ScaleByAdam, ScaleByProdigy, ScaleBySign, TrustRatio};
pub use dualize::{
    inverse_root, AdamInfNorm, AdamL2Norm, BlockGeometry, BlockSpec, GaussSouthwell, MuonScale,
    Orthogonalize, OrthogonalizedSpectral, Orthogonalizer, ProductSteepest, ScaleByShape,
    ShampooPrecond, SharedNorm,
};
pub use momentum::{Momentum, MomentumForm, MomentumInit};
pub use momo::Momo;
pub use recipes::{parse_optimizer, parse_optimizer_with_schedule, OPTIMIZERS};
pub use runner::{GradientTransformation, Optimizer, ScaleInvariance};
pub use schedule::Schedule;
pub use transform::{
    AddDecayedWeights, Identity, LearningRate, Partition, Role, Scale, StepCtx, Transform,
};

#[cfg(test)]
mod tests;

/// Builds an optimizer for blocks of the given shapes: how validation checks hold "the
/// implementation under test" as data (a planted-bug test swaps in a broken factory).
pub type Factory =
    std::sync::Arc<dyn Fn(&[(usize, usize)]) -> crate::Result<Box<dyn Optimizer>> + Send + Sync>;

/// The [`Factory`] of a spec: `parse_optimizer(spec, shapes)`.
pub fn factory(spec: &str) -> Factory {
    let spec = spec.to_string();
    std::sync::Arc::new(move |shapes: &[(usize, usize)]| parse_optimizer(&spec, shapes))
}
