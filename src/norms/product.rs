//! Product norms over parameter blocks (W_1, …, W_L), each block with its own norm ‖·‖_l and scale
//! s_l > 0 (Bernstein & Newhouse Prop. 7, file 04; the `linfty`/`l2`/`hybrid` aggregations of
//! GPT-opt, file 03 §1). Write n_l = s_l‖W_l‖_l for the scaled block norms, d_l = ‖G_l‖_{l,*} for
//! the block dual norms, e_l = d_l/s_l, and LMO_l for the block dualizers.
//!
//! | aggregation | ‖W‖ | ‖G‖_* | dualize(G)_l |
//! |---|---|---|---|
//! | `Max` | max_l n_l | Σ_l e_l | LMO_l(G_l)/s_l |
//! | `L2` | ‖(n_l)‖₂ | ‖(e_l)‖₂ | (e_l/‖G‖_*)·LMO_l(G_l)/s_l |
//! | `Hybrid` | √(N_M² + Σ_{l∈O} n_l²), N_M = max_{l∈M} n_l | √(E_M² + Σ_{l∈O} e_l²), E_M = Σ_{l∈M} e_l | M: (E_M/‖G‖_*)·LMO_l/s_l; O: (e_l/‖G‖_*)·LMO_l/s_l |
//!
//! M is the group of blocks flagged `matrix`, O the others [derived]. Derivation: the scaled block
//! norms form the vector (n_l); the product norm is an outer norm ρ of that vector (ℓ∞, ℓ2, or
//! ℓ2 of (ℓ∞ over M, the O entries)). Since max_{‖W_l‖_l ≤ t_l/s_l}⟨G_l, W_l⟩ = e_l t_l, the dual is
//! the dual outer norm ρ_* of (e_l) (ℓ1, ℓ2, ℓ2 of (ℓ1 over M, the O entries)), and the maximizer
//! takes W_l = t_l·LMO_l(G_l)/s_l with t = the ρ-LMO of (e_l). For `Max` this is Prop. 7's
//! global step η = Σ_k ‖G_k‖†/s_k (Bernstein & Newhouse, Old Optimizer, New Norm: An Anthology,
//! arXiv 2409.20325, Prop. 7; Large et al., Scalable Optimization in the Modular Norm, arXiv
//! 2405.14813). dualize(0) = 0; a block with G_l = 0 gets 0.
//!
//! # A product point as one matrix
//!
//! The inherent methods take the blocks as a list `&[Mat<f64>]`. As a [`Norm`] (one matrix in,
//! one matrix out) a product norm acts on the **stacked column** of its blocks,
//!
//! $$ \operatorname{stack}(W_1, …, W_L) = \begin{pmatrix} \operatorname{vec} W_1 \\ ⋮ \\
//! \operatorname{vec} W_L \end{pmatrix} \in \mathbb{R}^{\sum_l m_l n_l \times 1}, $$
//!
//! vec column-major (faer's storage order), once its block shapes are fixed with
//! [`ProductNorm::at_shapes`] (the name does not carry them, as a matrix norm's name does not carry
//! m × n). The stacking is an isometry of the trace inner products (⟨stack A, stack B⟩ =
//! Σ_l ⟨A_l, B_l⟩), so norm, dual norm and dualizer of the stacked point are those of the tuple.
//! [`ProductNorm::stack`] and [`ProductNorm::split`] convert.

use super::{inner, Norm};
use faer::{Mat, MatRef};
use std::sync::Arc;

/// How block norms combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    /// max_l s_l‖W_l‖_l (the modular norm of Prop. 7; GPT-opt `linfty`).
    Max,
    /// √(Σ_l (s_l‖W_l‖_l)²) (GPT-opt `l2`).
    L2,
    /// √((max_{l∈M} s_l‖W_l‖_l)² + Σ_{l∉M} (s_l‖W_l‖_l)²), M = the `matrix` blocks (GPT-opt `hybrid`).
    Hybrid,
}

impl Aggregation {
    /// The lowercase name (`max`, `l2`, `hybrid`).
    pub fn name(self) -> &'static str {
        match self {
            Aggregation::Max => "max",
            Aggregation::L2 => "l2",
            Aggregation::Hybrid => "hybrid",
        }
    }
}

/// One block of a [`ProductNorm`].
#[derive(Debug, Clone)]
pub struct Block {
    /// The block's norm ‖·‖_l.
    pub norm: Arc<dyn Norm>,
    /// The scale s_l > 0.
    pub scale: f64,
    /// Whether the block belongs to the "matrix" group M of [`Aggregation::Hybrid`].
    pub matrix: bool,
}

impl Block {
    /// A block with norm `norm` (a `Box<dyn Norm>` or an `Arc<dyn Norm>`), scale `scale` and
    /// group flag `matrix`.
    pub fn new(norm: impl Into<Arc<dyn Norm>>, scale: f64, matrix: bool) -> Self {
        let norm = norm.into();
        assert!(
            scale > 0.0 && scale.is_finite(),
            "block scale must be > 0, got {scale}"
        );
        Self {
            norm,
            scale,
            matrix,
        }
    }
}

/// A norm on a tuple of matrices (W_1, …, W_L); see the module docs for the formulas and for the
/// layout of a tuple as one matrix.
#[derive(Debug, Clone)]
pub struct ProductNorm {
    /// The blocks, in parameter order.
    pub blocks: Vec<Block>,
    /// How the scaled block norms combine.
    pub aggregation: Aggregation,
    /// The block shapes (m_l, n_l) of a stacked point (empty until [`ProductNorm::at_shapes`]).
    shapes: Vec<(usize, usize)>,
}

fn l2(v: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = v.collect();
    super::entrywise::lp_norm(&v, 2.0)
}

impl ProductNorm {
    /// A product norm from its blocks and aggregation.
    pub fn new(aggregation: Aggregation, blocks: Vec<Block>) -> Self {
        Self {
            blocks,
            aggregation,
            shapes: Vec::new(),
        }
    }

    /// The same norm acting, as a [`Norm`], on stacked points whose blocks have the shapes
    /// `shapes` (one (m_l, n_l) per block). Panics if the count differs from the blocks' or a
    /// block is empty.
    pub fn at_shapes(&self, shapes: &[(usize, usize)]) -> Self {
        self.check_len(shapes.len());
        assert!(
            shapes.iter().all(|&(m, n)| m > 0 && n > 0),
            "product norm blocks need at least one entry, got shapes {shapes:?}"
        );
        Self {
            shapes: shapes.to_vec(),
            ..self.clone()
        }
    }

    /// The block shapes of a stacked point (empty if not set).
    pub fn shapes(&self) -> &[(usize, usize)] {
        &self.shapes
    }

    /// The stacked column (vec W_1; …; vec W_L) of a tuple of blocks (see the module docs).
    pub fn stack(blocks: &[Mat<f64>]) -> Mat<f64> {
        let len = blocks.iter().map(|b| b.nrows() * b.ncols()).sum();
        let mut out = Mat::zeros(len, 1);
        let mut k = 0;
        for b in blocks {
            for j in 0..b.ncols() {
                for i in 0..b.nrows() {
                    out[(k, 0)] = b[(i, j)];
                    k += 1;
                }
            }
        }
        out
    }

    /// The blocks of a stacked point, by the shapes of [`ProductNorm::at_shapes`]. Panics if `x`
    /// is not a column of length Σ m_l n_l (a programming error, as for [`inner`]).
    pub fn split(&self, x: MatRef<'_, f64>) -> Vec<Mat<f64>> {
        let len: usize = self.shapes.iter().map(|&(m, n)| m * n).sum();
        assert!(
            !self.shapes.is_empty() && x.ncols() == 1 && x.nrows() == len,
            "product norm {} acts on a stacked column of length {len} (block shapes {:?}, set by at_shapes), got a {}×{} matrix",
            self.name(),
            self.shapes,
            x.nrows(),
            x.ncols()
        );
        let mut k = 0;
        self.shapes
            .iter()
            .map(|&(m, n)| {
                let b = Mat::from_fn(m, n, |i, j| x[(k + j * m + i, 0)]);
                k += m * n;
                b
            })
            .collect()
    }

    /// A name like `product:max(spectral*1,sum*2)` listing each block's norm and scale (M blocks
    /// of a hybrid product carry a `!`).
    pub fn name(&self) -> String {
        let parts: Vec<String> = self
            .blocks
            .iter()
            .map(|b| {
                format!(
                    "{}{}*{}",
                    if b.matrix && self.aggregation == Aggregation::Hybrid {
                        "!"
                    } else {
                        ""
                    },
                    b.norm.name(),
                    b.scale
                )
            })
            .collect();
        format!("product:{}({})", self.aggregation.name(), parts.join(","))
    }

    fn check_len(&self, n: usize) {
        assert_eq!(
            n,
            self.blocks.len(),
            "product norm has {} blocks, got {n} matrices",
            self.blocks.len()
        );
    }

    /// Combine per-block values v_l with the outer norm of the aggregation (ℓ∞/ℓ2/hybrid).
    fn outer(&self, v: &[f64]) -> f64 {
        match self.aggregation {
            Aggregation::Max => v.iter().fold(0.0, |a, &x| a.max(x)),
            Aggregation::L2 => l2(v.iter().copied()),
            Aggregation::Hybrid => {
                let nm = self
                    .blocks
                    .iter()
                    .zip(v)
                    .filter(|(b, _)| b.matrix)
                    .fold(0.0f64, |a, (_, &x)| a.max(x));
                let rest = self
                    .blocks
                    .iter()
                    .zip(v)
                    .filter(|(b, _)| !b.matrix)
                    .map(|(_, &x)| x);
                l2(std::iter::once(nm).chain(rest))
            }
        }
    }

    /// The dual outer norm (ℓ1/ℓ2/hybrid-dual) of e and the weights t_l of its LMO.
    fn outer_dual(&self, e: &[f64]) -> (f64, Vec<f64>) {
        match self.aggregation {
            Aggregation::Max => (e.iter().sum(), vec![1.0; e.len()]),
            Aggregation::L2 => {
                let d = l2(e.iter().copied());
                let t = e
                    .iter()
                    .map(|&x| if d > 0.0 { x / d } else { 0.0 })
                    .collect();
                (d, t)
            }
            Aggregation::Hybrid => {
                let em: f64 = self
                    .blocks
                    .iter()
                    .zip(e)
                    .filter(|(b, _)| b.matrix)
                    .map(|(_, &x)| x)
                    .sum();
                let rest = self
                    .blocks
                    .iter()
                    .zip(e)
                    .filter(|(b, _)| !b.matrix)
                    .map(|(_, &x)| x);
                let d = l2(std::iter::once(em).chain(rest));
                let t = self
                    .blocks
                    .iter()
                    .zip(e)
                    .map(|(b, &x)| {
                        if d == 0.0 {
                            0.0
                        } else if b.matrix {
                            em / d
                        } else {
                            x / d
                        }
                    })
                    .collect();
                (d, t)
            }
        }
    }

    /// ‖(W_l)‖.
    pub fn norm(&self, w: &[Mat<f64>]) -> f64 {
        self.check_len(w.len());
        let v: Vec<f64> = self
            .blocks
            .iter()
            .zip(w)
            .map(|(b, x)| b.scale * b.norm.norm(x.as_ref()))
            .collect();
        self.outer(&v)
    }

    /// ‖(G_l)‖_* = max over the product unit ball of Σ_l ⟨G_l, D_l⟩.
    pub fn dual_norm(&self, g: &[Mat<f64>]) -> f64 {
        self.check_len(g.len());
        let e: Vec<f64> = self
            .blocks
            .iter()
            .zip(g)
            .map(|(b, x)| b.norm.dual_norm(x.as_ref()) / b.scale)
            .collect();
        self.outer_dual(&e).0
    }

    /// Dual norm and the argmax (D_l) of Σ_l ⟨G_l, D_l⟩ over the product unit ball.
    pub fn dual_and_dualize(&self, g: &[Mat<f64>]) -> (f64, Vec<Mat<f64>>) {
        self.check_len(g.len());
        let per: Vec<(f64, Mat<f64>)> = self
            .blocks
            .iter()
            .zip(g)
            .map(|(b, x)| b.norm.dual_and_dualize(x.as_ref()))
            .collect();
        let e: Vec<f64> = per
            .iter()
            .zip(&self.blocks)
            .map(|((d, _), b)| d / b.scale)
            .collect();
        let (d, t) = self.outer_dual(&e);
        let dirs = per
            .into_iter()
            .zip(&self.blocks)
            .zip(t)
            .map(|(((_, mut dir), b), t)| {
                dir *= faer::Scale(t / b.scale);
                dir
            })
            .collect();
        (d, dirs)
    }

    /// argmax over the product unit ball of Σ_l ⟨G_l, D_l⟩ (0 for G = 0).
    pub fn dualize(&self, g: &[Mat<f64>]) -> Vec<Mat<f64>> {
        self.dual_and_dualize(g).1
    }

    /// The sharp operator G^# = ‖G‖_*·dualize(G).
    pub fn sharp(&self, g: &[Mat<f64>]) -> Vec<Mat<f64>> {
        let (d, mut dirs) = self.dual_and_dualize(g);
        for x in &mut dirs {
            *x *= faer::Scale(d);
        }
        dirs
    }
}

/// The product norm on stacked points (module docs, "A product point as one matrix").
impl Norm for ProductNorm {
    fn name(&self) -> String {
        ProductNorm::name(self)
    }
    fn norm(&self, x: MatRef<'_, f64>) -> f64 {
        ProductNorm::norm(self, &self.split(x))
    }
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64 {
        ProductNorm::dual_norm(self, &self.split(g))
    }
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        Norm::dual_and_dualize(self, g).1
    }
    fn dual_and_dualize(&self, g: MatRef<'_, f64>) -> (f64, Mat<f64>) {
        let (d, dirs) = ProductNorm::dual_and_dualize(self, &self.split(g));
        (d, Self::stack(&dirs))
    }
    /// Σ_l ⟨A_l, B_l⟩, block by block (equal to ⟨A, B⟩ of the stacked columns up to rounding).
    fn inner(&self, a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
        self.split(a)
            .iter()
            .zip(&self.split(b))
            .map(|(x, y)| inner(x.as_ref(), y.as_ref()))
            .sum()
    }
}
