//! Norms with a bug planted in their mathematics (a dualizer without the transpose, the dual norm
//! computed with the wrong exponent, an unnormalized or ε-normalized LMO, block scales not
//! inverted, …): the negative controls of the `geometry` suite's law records and of the unit
//! tests (one definition, used by both). A law check must fail on them.

use super::laws::Law;
use super::{parse_norm, Norm, ProductNorm};
use crate::linalg::{newton_schulz, NsCoefficients};
use faer::{Mat, MatRef};
use std::sync::Arc;

/// A bug planted in a norm, its dual norm or its dualizer (LMO).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bug {
    /// dualize returns D(G)ᵀ on square inputs (a missing transpose, e.g. VUᵀ for UVᵀ).
    MissingTranspose,
    /// dualize returns the sharp operator ‖G‖_*·D(G): the LMO left unnormalized.
    Sharp,
    /// dual_norm returns the primal norm ‖G‖: the dual computed with the exponent q = p.
    DualIsPrimal,
    /// norm returns the dual norm ‖X‖_*: the norm computed with the exponent p = q.
    NormIsDual,
    /// norm returns ‖X‖² (a dropped square root).
    MissingSqrt,
    /// norm divided by √(mn): the RMS-normalized norm where the plain norm is meant.
    RmsScaled,
    /// dualize normalizes by ‖G‖_* + ε instead of ‖G‖_* (not scale-invariant).
    EpsNormalized(f64),
    /// dualize(0) = NaN (normalizing without a zero guard).
    NanAtZero,
    /// Product norms only: the dualizer multiplies block l by s_l instead of dividing by it
    /// (block scales not inverted).
    ScaleNotInverted,
    /// dual_norm multiplied by a factor.
    DualFactor(f64),
    /// norm multiplied by a factor.
    NormFactor(f64),
    /// dualize multiplied by a factor.
    DirFactor(f64),
}

impl Bug {
    /// What was planted, for the record's `control.bug`.
    pub fn describe(self) -> String {
        match self {
            Bug::MissingTranspose => "dualizer without the transpose: returns D(G)ᵀ".into(),
            Bug::Sharp => "dualizer returns ‖G‖_*·D(G) (LMO not normalized)".into(),
            Bug::DualIsPrimal => "dual norm with the wrong exponent q = p (returns ‖G‖)".into(),
            Bug::NormIsDual => "norm with the wrong exponent p = q (returns ‖X‖_*)".into(),
            Bug::MissingSqrt => "norm without its square root (returns ‖X‖²)".into(),
            Bug::RmsScaled => "norm divided by √(mn) (RMS normalization)".into(),
            Bug::EpsNormalized(e) => {
                format!("dualizer normalized by ‖G‖_* + {e:e} (not scale-invariant)")
            }
            Bug::NanAtZero => "dualizer without a zero guard: dualize(0) = NaN".into(),
            Bug::ScaleNotInverted => {
                "product dualizer multiplies block l by s_l instead of dividing".into()
            }
            Bug::DualFactor(f) => format!("dual norm multiplied by {f}"),
            Bug::NormFactor(f) => format!("norm multiplied by {f}"),
            Bug::DirFactor(f) => format!("dualizer multiplied by {f}"),
        }
    }
}

/// The bug a law's record runs as its control on the norm named `name` (a CONTRACT name or
/// `product:<aggregation>`): one the law catches.
pub fn law_bug(law: Law, name: &str) -> Bug {
    let product = name.starts_with("product:");
    // norms whose dual is smaller than the norm (p < 2 side): there an understated dual
    // norm is not what the wrong exponent gives, an understated norm is
    let p_below_2 = matches!(name, "nuclear" | "sum" | "entrywise:1.5" | "schatten:1.5");
    match law {
        Law::LmoValue if product => Bug::ScaleNotInverted,
        Law::LmoValue => Bug::MissingTranspose,
        Law::UnitNorm => Bug::Sharp,
        Law::Holder | Law::LmoOptimal if name == "fro" => Bug::MissingSqrt,
        Law::Holder | Law::LmoOptimal if p_below_2 => Bug::NormIsDual,
        Law::Holder | Law::LmoOptimal => Bug::DualIsPrimal,
        Law::Homogeneity => Bug::EpsNormalized(1e-2),
        Law::Zero => Bug::NanAtZero,
    }
}

/// The bug G-dual-pair runs as its control on `name`: the dual computed with q = p, except
/// for the self-dual Frobenius norm, whose square root is dropped.
pub fn dual_pair_bug(name: &str) -> Bug {
    if name == "fro" {
        Bug::MissingSqrt
    } else {
        Bug::DualIsPrimal
    }
}

/// A norm with `bug` planted; keeps the inner norm's name (same record id).
#[derive(Debug)]
pub struct Bugged {
    inner: Arc<dyn Norm>,
    bug: Bug,
    /// For a product norm: (entries, scale s_l) of each block of its stacked points, which
    /// [`Bug::ScaleNotInverted`] needs.
    blocks: Vec<(usize, f64)>,
}

/// The norm `inner` with `bug` planted in it.
pub fn bugged(inner: Arc<dyn Norm>, bug: Bug) -> Arc<dyn Norm> {
    Arc::new(Bugged {
        inner,
        bug,
        blocks: Vec::new(),
    })
}

/// The product norm `p` (block shapes set, [`ProductNorm::at_shapes`]) with `bug` planted at the
/// product level: its aggregated norm, dual norm and dualizer.
pub fn bugged_product(p: &ProductNorm, bug: Bug) -> Arc<dyn Norm> {
    let blocks = p
        .shapes()
        .iter()
        .zip(&p.blocks)
        .map(|(&(m, n), b)| (m * n, b.scale))
        .collect();
    Arc::new(Bugged {
        inner: Arc::new(p.clone()),
        bug,
        blocks,
    })
}

/// [`bugged`] of the norm named `name`.
pub fn bugged_name(name: &str, bug: Bug) -> Arc<dyn Norm> {
    bugged(
        Arc::from(parse_norm(name).expect("suite norm names parse")),
        bug,
    )
}

impl Norm for Bugged {
    fn name(&self) -> String {
        self.inner.name()
    }
    fn norm(&self, x: MatRef<'_, f64>) -> f64 {
        match self.bug {
            Bug::NormFactor(f) => f * self.inner.norm(x),
            Bug::MissingSqrt => self.inner.norm(x).powi(2),
            Bug::NormIsDual => self.inner.dual_norm(x),
            Bug::RmsScaled => self.inner.norm(x) / ((x.nrows() * x.ncols()) as f64).sqrt(),
            _ => self.inner.norm(x),
        }
    }
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64 {
        match self.bug {
            Bug::DualFactor(f) => f * self.inner.dual_norm(g),
            Bug::DualIsPrimal => self.inner.norm(g),
            _ => self.inner.dual_norm(g),
        }
    }
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        self.dual_and_dualize(g).1
    }
    fn dual_and_dualize(&self, g: MatRef<'_, f64>) -> (f64, Mat<f64>) {
        // one decomposition, as the honest norm does (the control costs what the check costs)
        let (d, dir) = self.inner.dual_and_dualize(g);
        let planted_d = match self.bug {
            Bug::DualFactor(f) => f * d,
            Bug::DualIsPrimal => self.inner.norm(g),
            _ => d,
        };
        let dir = match self.bug {
            Bug::ScaleNotInverted => {
                // block l of the stacked direction times s_l², so s_l instead of 1/s_l
                let mut dir = dir;
                let mut k = 0;
                for &(len, s) in &self.blocks {
                    for i in k..k + len {
                        dir[(i, 0)] *= s * s;
                    }
                    k += len;
                }
                dir
            }
            bug => bug.dir(d, dir, g.norm_l2() == 0.0),
        };
        (planted_d, dir)
    }
    fn inner(&self, a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
        self.inner.inner(a, b)
    }
}

impl Bug {
    /// The planted dualizer from the honest dual norm `d` and direction `dir` of one block.
    fn dir(self, d: f64, dir: Mat<f64>, zero: bool) -> Mat<f64> {
        match self {
            Bug::MissingTranspose if dir.nrows() == dir.ncols() => dir.transpose().to_owned(),
            Bug::Sharp => dir * faer::Scale(d),
            Bug::EpsNormalized(e) => dir * faer::Scale(d / (d + e)),
            Bug::DirFactor(f) => dir * faer::Scale(f),
            Bug::NanAtZero if zero => Mat::from_fn(dir.nrows(), dir.ncols(), |_, _| f64::NAN),
            _ => dir,
        }
    }
}

/// An orthogonalizer under test: a map G ↦ O(G) (Newton–Schulz with some schedule).
pub type OrthogonalizerFn = Arc<dyn Fn(MatRef<'_, f64>) -> Mat<f64> + Send + Sync>;

/// NS5 with Keller's a and b but the quintic coefficient c = 2.5 instead of 2.0315.
pub fn ns5_wrong_c() -> OrthogonalizerFn {
    Arc::new(|g| {
        newton_schulz(
            g,
            &NsCoefficients::Custom(vec![[3.4445, -4.7750, 2.5]]),
            5,
            1e-7,
        )
    })
}

/// NS5 with the linear coefficient a = 3.45 instead of 3.4445 (the slope at 0).
pub fn ns5_wrong_a() -> OrthogonalizerFn {
    Arc::new(|g| {
        newton_schulz(
            g,
            &NsCoefficients::Custom(vec![[3.45, -4.7750, 2.0315]]),
            5,
            1e-7,
        )
    })
}

/// Keller's NS5 with A² computed entry-wise (A ⊙ A instead of the matrix product A·A, the
/// `*` for `@` bug): X ← aX + (bA + c A⊙A)X, A = XXᵀ. No longer a matrix polynomial in X.
pub fn ns5_entrywise_square() -> OrthogonalizerFn {
    Arc::new(|g| {
        let transposed = g.nrows() > g.ncols();
        let g = if transposed { g.transpose() } else { g };
        let [a, b, c] = NsCoefficients::Keller.triple(0);
        let mut x = g * faer::Scale(1.0 / (g.norm_l2() + 1e-7));
        for _ in 0..5 {
            let am = &x * x.transpose();
            let a2 = Mat::from_fn(am.nrows(), am.ncols(), |i, j| am[(i, j)] * am[(i, j)]);
            let bm = &am * faer::Scale(b) + &a2 * faer::Scale(c);
            x = &x * faer::Scale(a) + &bm * &x;
        }
        if transposed {
            x.transpose().to_owned()
        } else {
            x
        }
    })
}

/// Newton–Schulz stopped after 1 of its 5 steps.
pub fn ns_one_step() -> OrthogonalizerFn {
    Arc::new(|g| newton_schulz(g, &NsCoefficients::Keller, 1, 1e-7))
}
