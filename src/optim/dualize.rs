//! Dualizers as transforms: orthogonalization (exact polar or Newton–Schulz) with Muon's shape
//! scales, product-norm steepest descent over blocks (normalized or sharp), the Adam norms of
//! Crawshaw et al., Shampoo's preconditioner, and Gauss–Southwell coordinate descent.

use super::elementwise::{map, zip_apply};
use super::transform::{Role, StepCtx, Transform};
use crate::error::{Error, Result};
use crate::norms::{Aggregation, Block, Norm, ProductNorm};
use faer::{Mat, MatRef};
use std::sync::Arc;

// The norms these transforms use live in `crate::norms` (by concept); re-exported for the
// optimizer paths that name them.
pub use crate::norms::{
    AdamInfNorm, AdamL2Norm, OrthogonalizedSpectral, Orthogonalizer, SharedNorm,
};

/// u_l ← O(u_l) for every block (Muon's dualizer; Spectral Descent with [`Orthogonalizer::Exact`]).
#[derive(Clone, Debug)]
pub struct Orthogonalize(pub Orthogonalizer);

impl Transform for Orthogonalize {
    type State = ();
    fn init(&self, _: &[Mat<f64>]) {}
    fn update(&self, updates: &mut [Mat<f64>], _: &mut (), _: &StepCtx<'_>) -> Result<()> {
        for u in updates.iter_mut() {
            *u = self.0.try_apply(u.as_ref())?;
        }
        Ok(())
    }
    /// The exact polar factor has degree 0; Newton–Schulz normalizes by ‖X‖_F + ε, which is
    /// scale-invariant only for ε = 0.
    fn degree(&self, input: i32) -> Option<i32> {
        match &self.0 {
            Orthogonalizer::Exact => Some(0),
            Orthogonalizer::NewtonSchulz { eps, .. } => (*eps == 0.0 || input == 0).then_some(0),
        }
    }
}

/// Muon's shape-dependent scale s(rows, cols) of the orthogonalized update (file 08 §2.2), for a
/// block stored as (rows, cols) = (fan_out, fan_in) as in torch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MuonScale {
    /// s = √max(1, rows/cols) (KellerJordan/Muon; torch `adjust_lr_fn=None`/`"original"`).
    Original,
    /// s = √(rows/cols) (torch `"spectral_unclamped"`, Dion, the RMS→RMS dual map).
    Spectral,
    /// s = 0.2·√max(rows, cols) (Moonlight; torch `"match_rms_adamw"`).
    Rms,
    /// s = 1 (the raw LMO, for theorem checks).
    None,
    /// s = √max(1, cols/rows): optax `contrib.muon` with its default dimension numbers, which
    /// read axis 0 as fan_in (the transpose of torch's convention).
    Optax,
}

impl MuonScale {
    /// The names accepted by the `scale` key.
    pub const NAMES: &'static [&'static str] = &["original", "spectral", "rms", "none", "optax"];
    /// Parse a `scale=` value.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "original" => MuonScale::Original,
            "spectral" => MuonScale::Spectral,
            "rms" => MuonScale::Rms,
            "none" => MuonScale::None,
            "optax" => MuonScale::Optax,
            _ => return None,
        })
    }
    /// s(rows, cols).
    pub fn factor(self, rows: usize, cols: usize) -> f64 {
        let (r, c) = (rows as f64, cols as f64);
        match self {
            MuonScale::Original => (r / c).max(1.0).sqrt(),
            MuonScale::Spectral => (r / c).sqrt(),
            MuonScale::Rms => 0.2 * r.max(c).sqrt(),
            MuonScale::None => 1.0,
            MuonScale::Optax => (c / r).max(1.0).sqrt(),
        }
    }
}

/// u_l ← s(rows_l, cols_l)·u_l ([`MuonScale`]).
#[derive(Clone, Copy, Debug)]
pub struct ScaleByShape(pub MuonScale);

impl Transform for ScaleByShape {
    type State = ();
    fn init(&self, _: &[Mat<f64>]) {}
    fn update(&self, updates: &mut [Mat<f64>], _: &mut (), _: &StepCtx<'_>) -> Result<()> {
        if self.0 != MuonScale::None {
            for u in updates.iter_mut() {
                let s = self.0.factor(u.nrows(), u.ncols());
                *u *= faer::Scale(s);
            }
        }
        Ok(())
    }
    fn degree(&self, input: i32) -> Option<i32> {
        Some(input)
    }
}

/// The geometry of one block in [`ProductSteepest`].
#[derive(Debug, Clone)]
pub enum BlockGeometry {
    /// A fixed norm (e.g. from [`crate::norms::parse_norm`]).
    Fixed(Arc<dyn Norm>),
    /// [`AdamInfNorm`] built each step from the incoming momentum m and
    /// v ← β2 v + (1−β2) g² (v_1 = g_1², GPT-opt), D = ε + √v.
    AdamInf {
        /// β2 ∈ [0, 1).
        beta2: f64,
        /// ε > 0.
        eps: f64,
    },
    /// [`AdamL2Norm`] with the same D.
    AdamL2 {
        /// β2 ∈ [0, 1).
        beta2: f64,
        /// ε > 0.
        eps: f64,
    },
}

/// One block of a [`ProductSteepest`]: its geometry, its scale s_l (the block norm is
/// s_l‖·‖_l) and its group (matrix or not, for [`Aggregation::Hybrid`]).
#[derive(Debug, Clone)]
pub struct BlockSpec {
    /// The block geometry.
    pub geometry: BlockGeometry,
    /// s_l > 0.
    pub scale: f64,
    /// The block's role.
    pub role: Role,
}

/// Steepest descent under a product norm over the blocks ([`crate::norms::ProductNorm`];
/// Bernstein & Newhouse Prop. 7; Crawshaw et al.'s framework, file 03 §1):
///
/// normalized (`sharp = false`, constrained/LMO): u = dualize(M) = argmax_{‖D‖≤1} ⟨M, D⟩;
/// sharp (`sharp = true`, regularized): u = M^# = ‖M‖_*·dualize(M).
///
/// With [`Aggregation::Max`] block l gets LMO_l(M_l)/s_l, and the sharp step size is the global
/// Σ_k ‖M_k‖_{k,*}/s_k (Props. 3, 5, 7).
#[derive(Debug, Clone)]
pub struct ProductSteepest {
    /// The blocks, in parameter order.
    pub blocks: Vec<BlockSpec>,
    /// How block norms combine.
    pub aggregation: Aggregation,
    /// Regularized (sharp) instead of constrained (normalized) steepest descent.
    pub sharp: bool,
}

impl ProductSteepest {
    /// The same norm on every block, scale 1.
    pub fn uniform(
        norm: Arc<dyn Norm>,
        roles: &[Role],
        aggregation: Aggregation,
        sharp: bool,
    ) -> Self {
        Self {
            blocks: roles
                .iter()
                .map(|&role| BlockSpec {
                    geometry: BlockGeometry::Fixed(norm.clone()),
                    scale: 1.0,
                    role,
                })
                .collect(),
            aggregation,
            sharp,
        }
    }

    /// The product norm at this step, given the Adam second moments `v` (one per block, used by the
    /// Adam geometries) and the momentum `m`.
    pub fn product_norm(&self, m: &[Mat<f64>], v: &[Option<Mat<f64>>]) -> ProductNorm {
        let blocks = self
            .blocks
            .iter()
            .enumerate()
            .map(|(l, b)| {
                let norm: Box<dyn Norm> = match &b.geometry {
                    BlockGeometry::Fixed(n) => Box::new(SharedNorm(n.clone())),
                    BlockGeometry::AdamInf { eps, .. } => {
                        let v = v[l].as_ref().expect("Adam geometry has a second moment");
                        let ml = &m[l];
                        Box::new(AdamInfNorm {
                            inv: Mat::from_fn(ml.nrows(), ml.ncols(), |i, j| {
                                ml[(i, j)].abs() / (eps + v[(i, j)].sqrt())
                            }),
                        })
                    }
                    BlockGeometry::AdamL2 { eps, .. } => {
                        let v = v[l].as_ref().expect("Adam geometry has a second moment");
                        Box::new(AdamL2Norm {
                            d: map(v, |x| eps + x.sqrt()),
                        })
                    }
                };
                Block::new(norm, b.scale, b.role == Role::Matrix)
            })
            .collect();
        ProductNorm::new(self.aggregation, blocks)
    }
}

impl Transform for ProductSteepest {
    /// The Adam second moments v (for Adam geometries; `None` otherwise).
    type State = Vec<Option<Mat<f64>>>;
    fn init(&self, params: &[Mat<f64>]) -> Self::State {
        self.blocks
            .iter()
            .zip(params)
            .map(|(b, p)| match b.geometry {
                BlockGeometry::Fixed(_) => None,
                _ => Some(Mat::zeros(p.nrows(), p.ncols())),
            })
            .collect()
    }
    fn update(
        &self,
        updates: &mut [Mat<f64>],
        v: &mut Self::State,
        ctx: &StepCtx<'_>,
    ) -> Result<()> {
        if updates.len() != self.blocks.len() {
            return Err(Error::input(format!(
                "product steepest descent built for {} blocks got {}",
                self.blocks.len(),
                updates.len()
            )));
        }
        for (l, b) in self.blocks.iter().enumerate() {
            if let BlockGeometry::AdamInf { beta2, .. } | BlockGeometry::AdamL2 { beta2, .. } =
                b.geometry
            {
                let vl = v[l].as_mut().expect("Adam geometry has a second moment");
                let g = &ctx.grads[l];
                if ctx.t == 1 {
                    *vl = map(g, |x| x * x);
                } else {
                    zip_apply(vl, g, |v, g| beta2 * v + (1.0 - beta2) * g * g);
                }
            }
        }
        if let Some(l) = updates
            .iter()
            .position(|u| !super::elementwise::all_finite(u))
        {
            return Err(Error::failed(format!(
                "step {}: the input of the product-norm dualizer is not finite in block {l} (overflow in the momentum?); lower the learning rate or rescale the gradients",
                ctx.t
            )));
        }
        let product = self.product_norm(updates, v);
        let out = if self.sharp {
            product.sharp(updates)
        } else {
            product.dualize(updates)
        };
        for (u, o) in updates.iter_mut().zip(out) {
            *u = o;
        }
        Ok(())
    }
    /// A norm's LMO has degree 0 and its sharp map ‖g‖_*·LMO(g) degree 1 (in the input); the
    /// Adam geometries (norms built from √v + ε) are not homogeneous.
    fn degree(&self, input: i32) -> Option<i32> {
        if self
            .blocks
            .iter()
            .any(|b| !matches!(b.geometry, BlockGeometry::Fixed(_)))
        {
            return None;
        }
        Some(if self.sharp { input } else { 0 })
    }
}

/// Shampoo's preconditioner (Gupta et al. 2018; Bernstein & Newhouse eqs. (15)–(16), file 04 §1):
///
/// L ← L + GGᵀ, R ← R + GᵀG (with `accumulate`; L = GGᵀ, R = GᵀG without), u = L^{−1/4} G R^{−1/4},
///
/// with L_0 = R_0 = εI. Inverse fourth roots are pseudo-inverse roots on the range: from faer's
/// symmetric eigendecomposition, eigenvalues λ ≤ n·ε_mach·λ_max count as 0. Without accumulation
/// and ε = 0 the update is exactly UVᵀ (App. A), the spectral-norm LMO.
#[derive(Clone, Copy, Debug)]
pub struct ShampooPrecond {
    /// Sum the Gram matrices over steps.
    pub accumulate: bool,
    /// ε ≥ 0 added to the diagonals of L and R.
    pub eps: f64,
}

/// A^{−1/p} on the range of the symmetric positive semi-definite A (eigenvalues
/// λ ≤ n·ε_mach·λ_max are treated as 0).
pub fn inverse_root(a: MatRef<'_, f64>, p: f64) -> Result<Mat<f64>> {
    let n = a.nrows();
    if !(0..n).all(|j| (0..n).all(|i| a[(i, j)].is_finite())) {
        return Err(Error::failed(format!(
            "a {n}×{n} Shampoo statistic is not finite (overflow in the accumulated Gram matrix?); rescale the gradients"
        )));
    }
    let (s, u) = crate::linalg::symmetric_eigen(a).map_err(|e| {
        Error::failed(format!(
            "symmetric eigendecomposition of a {n}×{n} Shampoo statistic failed ({e:?})"
        ))
    })?;
    let lmax = (0..n).map(|i| s[i].abs()).fold(0.0, f64::max);
    let tol = (n as f64) * f64::EPSILON * lmax;
    let w: Vec<f64> = (0..n)
        .map(|i| if s[i] > tol { s[i].powf(-1.0 / p) } else { 0.0 })
        .collect();
    let mut uw = u.to_owned();
    for j in 0..n {
        for i in 0..n {
            uw[(i, j)] *= w[j];
        }
    }
    Ok(&uw * u.transpose())
}

impl Transform for ShampooPrecond {
    /// (L, R) per block.
    type State = Vec<(Mat<f64>, Mat<f64>)>;
    fn init(&self, params: &[Mat<f64>]) -> Self::State {
        params
            .iter()
            .map(|p| {
                let (m, n) = (p.nrows(), p.ncols());
                (
                    Mat::from_fn(m, m, |i, j| if i == j { self.eps } else { 0.0 }),
                    Mat::from_fn(n, n, |i, j| if i == j { self.eps } else { 0.0 }),
                )
            })
            .collect()
    }
    fn update(
        &self,
        updates: &mut [Mat<f64>],
        st: &mut Self::State,
        _: &StepCtx<'_>,
    ) -> Result<()> {
        for (g, (l, r)) in updates.iter_mut().zip(st.iter_mut()) {
            let ggt = &*g * g.transpose();
            let gtg = g.transpose() * &*g;
            if self.accumulate {
                *l += ggt;
                *r += gtg;
            } else {
                let (m, n) = (g.nrows(), g.ncols());
                *l = ggt + Mat::from_fn(m, m, |i, j| if i == j { self.eps } else { 0.0 });
                *r = gtg + Mat::from_fn(n, n, |i, j| if i == j { self.eps } else { 0.0 });
            }
            let li = inverse_root(l.as_ref(), 4.0)?;
            let ri = inverse_root(r.as_ref(), 4.0)?;
            *g = &li * &*g * &ri;
        }
        Ok(())
    }
}

/// Gauss–Southwell coordinate descent: steepest descent under the entry-wise ℓ1 norm of all
/// parameters together (file 00 §2, LMO row "entry-wise ℓ1"). Only the entry with the largest
/// |u_ij| over all blocks moves: normalized u = sign(u_{i*j*}) e_{i*}e_{j*}ᵀ, sharp
/// u = u_{i*j*} e_{i*}e_{j*}ᵀ. Ties go to the first maximal entry in block order, then row-major
/// order. u = 0 maps to 0.
#[derive(Clone, Copy, Debug)]
pub struct GaussSouthwell {
    /// Keep the magnitude (sharp form) instead of the sign.
    pub sharp: bool,
}

impl Transform for GaussSouthwell {
    type State = ();
    fn init(&self, _: &[Mat<f64>]) {}
    fn update(&self, updates: &mut [Mat<f64>], _: &mut (), _: &StepCtx<'_>) -> Result<()> {
        let mut best: Option<(usize, usize, usize, f64)> = None;
        for (l, u) in updates.iter().enumerate() {
            for i in 0..u.nrows() {
                for j in 0..u.ncols() {
                    let x = u[(i, j)];
                    if x != 0.0 && best.is_none_or(|b| x.abs() > b.3.abs()) {
                        best = Some((l, i, j, x));
                    }
                }
            }
        }
        for u in updates.iter_mut() {
            *u = Mat::zeros(u.nrows(), u.ncols());
        }
        if let Some((l, i, j, x)) = best {
            updates[l][(i, j)] = if self.sharp { x } else { x.signum() };
        }
        Ok(())
    }
}
