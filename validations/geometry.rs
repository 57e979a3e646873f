//! Suite `geometry`: the laws of every norm/dualizer pair, the duality of the ℓp and Schatten
//! pairs, the ordering max ≤ ‖·‖ ≤ sum, and the Newton–Schulz facts P8-a and P8-b.
//!
//! Every check holds the implementation under test as data (an `Arc<dyn Norm>`, a
//! [`ProductNorm`], an orthogonalizer closure). Each record's negative control is the same check
//! around an implementation with a bug planted in its mathematics ([`planted`]: a dualizer without
//! the transpose, the dual norm computed with the wrong exponent, an unnormalized or ε-normalized
//! LMO, block scales not inverted, wrong Newton–Schulz coefficients, …); the unit tests use the
//! same constructors.
//!
//! Tolerances of exact identities are C·ε·n, n the largest dimension of the sweep: the thin SVD is
//! backward stable with error O(ε·n)‖G‖ and a sum of n² terms rounds to O(ε·n) relative for
//! square inputs in the typical (√(mn)) case; C = 64 leaves a margin over the measured worst
//! cases, which are reported in each record's `details`.

use crate::error::Result;
use crate::linalg::{newton_schulz, ns_scalar_step, polar, NsCoefficients};
use crate::norms::laws::{rel as rel_gap, worse, Law};
use crate::norms::planted::{self, Bug};
use crate::norms::registry::suite_samples;
use crate::norms::{inner, parse_norm, Aggregation, Block, Entrywise, Norm, ProductNorm, Schatten};
use crate::validate::{
    to_params, Check, CheckMeta, Ctx, Expectation, Outcome, Planted, Profile, Tolerance,
};
use faer::Mat;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;

const SUITE: &str = "geometry";
/// The multiple of ε·n used for exact identities (see the module docs).
const C_EPS: f64 = 64.0;

fn randn(rng: &mut ChaCha8Rng, m: usize, n: usize) -> Mat<f64> {
    Mat::from_fn(m, n, |_, _| {
        rng.sample::<f64, _>(rand_distr::StandardNormal)
    })
}

/// The sweep of shapes: quick up to 64, paper up to 512.
fn shapes(profile: Profile) -> Vec<(usize, usize)> {
    let mut s = vec![(1, 1), (7, 1), (4, 3), (3, 8), (16, 16), (64, 48)];
    if profile == Profile::Paper {
        s.extend([(128, 128), (300, 200), (512, 512)]);
    }
    s
}

/// Random inputs of one shape: Gaussian, and (when min(m, n) ≥ 3) a rank-deficient product of
/// thin Gaussians, the hard case of the spectral and Schatten LMOs.
fn samples(rng: &mut ChaCha8Rng, m: usize, n: usize) -> Vec<Mat<f64>> {
    let mut v = vec![randn(rng, m, n), randn(rng, m, n)];
    let r = m.min(n);
    if r >= 3 {
        let k = r / 2;
        v.push(randn(rng, m, k) * randn(rng, k, n));
    }
    v
}

/// The norm under test: one on a matrix, or a product whose block shapes follow the sweep.
#[derive(Clone)]
enum Under {
    Norm(Arc<dyn Norm>),
    Product(Arc<ProductNorm>),
}

/// What is under test: a norm (possibly with a planted bug) and the block shapes of its points
/// for a base shape (m, n) of the sweep.
#[derive(Clone)]
pub struct Subject {
    /// A display name (the variant of the record ids).
    pub name: String,
    under: Under,
    bug: Option<Bug>,
}

/// The block shapes of the suite's product points for the base shape (m, n).
fn product_blocks(m: usize, n: usize) -> Vec<(usize, usize)> {
    vec![(m, n), (n, m.max(2)), (m + 1, 1)]
}

impl Subject {
    /// The block shapes of a point for the base shape (m, n).
    fn blocks(&self, m: usize, n: usize) -> Vec<(usize, usize)> {
        match &self.under {
            Under::Norm(_) => vec![(m, n)],
            Under::Product(_) => product_blocks(m, n),
        }
    }

    /// The norm's name (a product's without its block shapes).
    fn norm_name(&self) -> String {
        match &self.under {
            Under::Norm(n) => n.name(),
            Under::Product(p) => p.name(),
        }
    }

    /// The norm acting on the points of base shape (m, n), with the planted bug if any.
    fn norm_at(&self, m: usize, n: usize) -> Arc<dyn Norm> {
        match (&self.under, self.bug) {
            (Under::Norm(norm), None) => norm.clone(),
            (Under::Norm(norm), Some(bug)) => planted::bugged(norm.clone(), bug),
            (Under::Product(p), bug) => {
                let p = p.at_shapes(&product_blocks(m, n));
                match bug {
                    None => Arc::new(p),
                    Some(bug) => planted::bugged_product(&p, bug),
                }
            }
        }
    }

    /// Random points of the base shape (m, n): the block-wise [`samples`], stacked for a
    /// product ([`ProductNorm::stack`]).
    fn points(&self, rng: &mut ChaCha8Rng, m: usize, n: usize) -> Vec<Mat<f64>> {
        let per_block: Vec<Vec<Mat<f64>>> = self
            .blocks(m, n)
            .into_iter()
            .map(|(a, b)| samples(rng, a, b))
            .collect();
        let k = per_block.iter().map(Vec::len).min().unwrap_or(0);
        (0..k)
            .map(|i| match &self.under {
                Under::Norm(_) => per_block[0][i].clone(),
                Under::Product(_) => {
                    let blocks: Vec<Mat<f64>> = per_block.iter().map(|b| b[i].clone()).collect();
                    ProductNorm::stack(&blocks)
                }
            })
            .collect()
    }

    /// The same subject with `bug` planted (same name, so same record id and random stream).
    fn with_bug(&self, bug: Bug) -> Self {
        Self {
            bug: Some(bug),
            ..self.clone()
        }
    }
}

/// A single-matrix norm as a subject.
pub fn norm_subject(norm: Arc<dyn Norm>) -> Subject {
    Subject {
        name: norm.name(),
        under: Under::Norm(norm),
        bug: None,
    }
}

/// The 3-block product norm of the suite: spectral (scale 2, matrix group), rms-rms (scale 1,
/// matrix group) and sum (scale 0.5, other group).
pub fn product_norm(agg: Aggregation) -> ProductNorm {
    ProductNorm::new(
        agg,
        vec![
            Block::new(Arc::new(Schatten::spectral()) as Arc<dyn Norm>, 2.0, true),
            Block::new(parse_norm("rms-rms").expect("known name"), 1.0, true),
            Block::new(Arc::new(Entrywise::sum()) as Arc<dyn Norm>, 0.5, false),
        ],
    )
}

/// A product norm as a subject, named `product:<aggregation>`; its points are stacked columns
/// of blocks of shapes (m, n), (n, max(m, 2)), (m + 1, 1) for the base shape (m, n).
pub fn product_subject(p: ProductNorm) -> Subject {
    Subject {
        name: format!("product:{}", p.aggregation.name()),
        under: Under::Product(Arc::new(p)),
        bug: None,
    }
}

/// One law on one subject over the size sweep.
pub struct LawCheck {
    law: Law,
    subject: Subject,
}

impl LawCheck {
    /// The check of `law` on `subject`.
    pub fn new(law: Law, subject: Subject) -> Self {
        Self { law, subject }
    }

    fn setup(&self, ctx: &Ctx) -> LawParams {
        LawParams {
            sweep: Sweep::of(ctx.profile),
            norm: self.subject.norm_name(),
            block_shapes: self.subject.blocks(7, 3),
            c: (self.law == Law::Homogeneity).then_some(Law::HOMOGENEITY_C),
        }
    }

    fn measure(&self, ctx: &Ctx, sweep: &Sweep) -> (f64, Value) {
        let mut rng = ctx.rng(&self.id_string());
        let start = if self.law.is_ratio() {
            f64::NEG_INFINITY
        } else {
            0.0
        };
        let mut worst = start;
        let mut per_shape = Vec::new();
        for &(m, n) in &sweep.shapes {
            let g = self.subject.norm_at(m, n);
            let mut w_shape = start;
            for x in self.subject.points(&mut rng, m, n) {
                let mut partner = || self.subject.points(&mut rng, m, n).swap_remove(0);
                w_shape = worse(w_shape, self.law.measure(&*g, &x, &mut partner));
            }
            per_shape.push(json!({"shape": [m, n], "worst": crate::io::num(w_shape)}));
            worst = worse(worst, w_shape);
        }
        (worst, json!({ "per_shape": per_shape }))
    }

    fn id_string(&self) -> String {
        format!("{}[{}]", self.law.id(), self.subject.name)
    }
}

const EPS_WHY: &str = "exact identity up to rounding: C·ε·n with C = 64, n the largest dimension of the sweep (backward-stable SVD and sums of n² terms err O(ε·n) relative)";

/// The size sweep of the law, duality and ordering checks: the common part of their `params`.
#[derive(Serialize)]
struct Sweep {
    shapes: Vec<(usize, usize)>,
    samples_per_shape: &'static str,
    #[serde(rename = "C_eps")]
    c_eps: f64,
}

impl Sweep {
    fn of(profile: Profile) -> Self {
        Self {
            shapes: shapes(profile),
            samples_per_shape: "2 Gaussian + 1 rank-deficient (min(m,n)/2) when min(m,n) ≥ 3",
            c_eps: C_EPS,
        }
    }
    /// C·ε·n, n the largest dimension of the sweep.
    fn tolerance(&self) -> Tolerance {
        let n = self
            .shapes
            .iter()
            .map(|&(m, n)| m.max(n))
            .max()
            .unwrap_or(1);
        Tolerance::eps_n(self.c_eps, n, EPS_WHY)
    }
}

/// The `params` of a [`LawCheck`].
#[derive(Serialize)]
struct LawParams {
    #[serde(flatten)]
    sweep: Sweep,
    norm: String,
    #[serde(rename = "block_shapes_of_(m,n)")]
    block_shapes: Vec<(usize, usize)>,
    /// The scalars of the homogeneity law.
    #[serde(skip_serializing_if = "Option::is_none")]
    c: Option<[f64; 3]>,
}

/// The `params` of a [`DualPairCheck`].
#[derive(Serialize)]
struct DualPairParams {
    #[serde(flatten)]
    sweep: Sweep,
    norm: String,
    conjugate: String,
}

/// The `params` of an [`OrderingCheck`].
#[derive(Serialize)]
struct OrderingParams {
    #[serde(flatten)]
    sweep: Sweep,
    norm: String,
    extra_samples: &'static str,
}

impl Check for LawCheck {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, self.law.id(), Some(self.subject.name.clone()))
    }
    fn claim(&self) -> String {
        format!("{}: {}", self.subject.norm_name(), self.law.claim())
    }
    fn source(&self) -> String {
        format!(
            "definition of the dual norm and LMO, ‖G‖_* = max_{{‖D‖≤1}}⟨G, D⟩ (Bernstein & Newhouse, Old Optimizer, New Norm: An Anthology, arXiv 2409.20325, Prop. 1 and Table 1; Prop. 7 for products); theory/{}.md",
            self.law.id()
        )
    }
    fn params(&self, ctx: &Ctx) -> Value {
        to_params(&self.setup(ctx))
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let p = self.setup(ctx);
        let (v, details) = self.measure(ctx, &p.sweep);
        let tolerance = p.sweep.tolerance();
        let tol = tolerance.value();
        let expected = match self.law {
            Law::Zero => Expectation::at_most(
                0.0,
                "exact: the zero input is handled by a branch, no rounding involved",
            ),
            Law::Holder | Law::LmoOptimal => Expectation::at_most(
                1.0 + tol,
                format!("ratio ≤ 1 is the theorem; slack {tol:.1e} = {EPS_WHY}"),
            )
            .with_tolerance(tolerance),
            _ => Expectation::at_most_tolerance(tolerance),
        };
        Ok(Outcome::new(v, expected).with_details(details))
    }
    /// The same law on the subject with the bug [`planted::law_bug`] planted; a subject that
    /// already carries a bug has no control of its own.
    fn control(&self) -> Option<Planted> {
        if self.subject.bug.is_some() {
            return None;
        }
        let bug = planted::law_bug(self.law, &self.subject.name);
        Planted::new(
            bug.describe(),
            LawCheck::new(self.law, self.subject.with_bug(bug)),
        )
    }
}

/// `G-dual-pair`: the dual norm of an ℓp (Schatten-p) norm is the ℓq (Schatten-q) norm.
pub struct DualPairCheck {
    norm: Arc<dyn Norm>,
    conjugate: Arc<dyn Norm>,
}

impl DualPairCheck {
    /// `norm.dual_norm` must equal `conjugate.norm` and vice versa.
    pub fn new(norm: Arc<dyn Norm>, conjugate: Arc<dyn Norm>) -> Self {
        Self { norm, conjugate }
    }

    fn setup(&self, ctx: &Ctx) -> DualPairParams {
        DualPairParams {
            sweep: Sweep::of(ctx.profile),
            norm: self.norm.name(),
            conjugate: self.conjugate.name(),
        }
    }
}

impl Check for DualPairCheck {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "G-dual-pair", Some(self.norm.name()))
    }
    fn claim(&self) -> String {
        format!(
            "the dual of {} is {}: dual_norm_{}(G) = ‖G‖_{} and dual_norm_{}(G) = ‖G‖_{} (1/p + 1/q = 1)",
            self.norm.name(),
            self.conjugate.name(),
            self.norm.name(),
            self.conjugate.name(),
            self.conjugate.name(),
            self.norm.name()
        )
    }
    fn source(&self) -> String {
        "duality of entry-wise ℓp/ℓq and Schatten-p/Schatten-q norms, 1/p + 1/q = 1 (Hölder's inequality; von Neumann's trace inequality for the Schatten case: Horn & Johnson, Matrix Analysis, 2nd ed., §5.5 and §7.4.1), as used by Fan, Schmidt & Thrampoulidis, arXiv 2502.04664; theory/G-dual-pair.md".into()
    }
    fn params(&self, ctx: &Ctx) -> Value {
        to_params(&self.setup(ctx))
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let p = self.setup(ctx);
        let mut rng = ctx.rng(&self.id());
        let mut worst = 0.0f64;
        for &(m, n) in &p.sweep.shapes {
            for g in samples(&mut rng, m, n) {
                let g = g.as_ref();
                worst = worse(
                    worst,
                    rel_gap(self.norm.dual_norm(g), self.conjugate.norm(g)),
                );
                worst = worse(
                    worst,
                    rel_gap(self.conjugate.dual_norm(g), self.norm.norm(g)),
                );
            }
        }
        let worst = if worst.is_nan() { f64::INFINITY } else { worst };
        Ok(Outcome::new(
            worst,
            Expectation::at_most_tolerance(p.sweep.tolerance()),
        ))
    }
    fn control(&self) -> Option<Planted> {
        let bug = planted::dual_pair_bug(&self.norm.name());
        Planted::new(
            bug.describe(),
            DualPairCheck::new(
                planted::bugged(self.norm.clone(), bug),
                self.conjugate.clone(),
            ),
        )
    }
}

/// `G-ordering`: ‖A‖_max ≤ ‖A‖ ≤ ‖A‖_sum and the same for the dual norm (Fan et al., eq. (7),
/// Lemma 11) for entry-wise and Schatten norms.
pub struct OrderingCheck {
    norm: Arc<dyn Norm>,
    max: Arc<dyn Norm>,
    sum: Arc<dyn Norm>,
}

impl OrderingCheck {
    /// The ordering of `norm` (and its dual) between the reference max- and sum-norms.
    pub fn new(norm: Arc<dyn Norm>) -> Self {
        Self {
            norm,
            max: Arc::new(Entrywise::max()),
            sum: Arc::new(Entrywise::sum()),
        }
    }

    fn setup(&self, ctx: &Ctx) -> OrderingParams {
        OrderingParams {
            sweep: Sweep::of(ctx.profile),
            norm: self.norm.name(),
            extra_samples:
                "a single nonzero entry and a rank-one ±1 matrix per shape (the equality cases)",
        }
    }
}

impl Check for OrderingCheck {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "G-ordering", Some(self.norm.name()))
    }
    fn claim(&self) -> String {
        format!(
            "‖A‖_max ≤ ‖A‖ ≤ ‖A‖_sum for ‖·‖ = {} and for its dual norm",
            self.norm.name()
        )
    }
    fn source(&self) -> String {
        "Fan, Schmidt & Thrampoulidis, Implicit Bias of Spectral Descent and Muon on Multiclass Separable Data, arXiv 2502.04664, eq. (7) and Lemma 11; theory/G-ordering.md".into()
    }
    fn params(&self, ctx: &Ctx) -> Value {
        to_params(&self.setup(ctx))
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let p = self.setup(ctx);
        let mut rng = ctx.rng(&self.id());
        // the worst ‖A‖_max/‖A‖ and the worst ‖A‖/‖A‖_sum (norm and dual norm)
        let (mut worst_lo, mut worst_hi) = (0.0f64, 0.0f64);
        for &(m, n) in &p.sweep.shapes {
            let mut xs = samples(&mut rng, m, n);
            let (i, j) = (rng.random_range(0..m), rng.random_range(0..n));
            xs.push(Mat::from_fn(m, n, |a, b| {
                if (a, b) == (i, j) {
                    -3.0
                } else {
                    0.0
                }
            }));
            let su: Vec<f64> = (0..m)
                .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
                .collect();
            let sv: Vec<f64> = (0..n)
                .map(|_| if rng.random::<bool>() { 1.0 } else { -1.0 })
                .collect();
            xs.push(Mat::from_fn(m, n, |a, b| su[a] * sv[b]));
            for x in xs {
                let x = x.as_ref();
                let (lo, hi) = (self.max.norm(x), self.sum.norm(x));
                for v in [self.norm.norm(x), self.norm.dual_norm(x)] {
                    worst_lo = worse(worst_lo, lo / v);
                    worst_hi = worse(worst_hi, v / hi);
                }
            }
        }
        let worst = worse(worst_lo, worst_hi);
        let worst = if worst.is_nan() { f64::INFINITY } else { worst };
        let tolerance = p.sweep.tolerance();
        let tol = tolerance.value();
        Ok(Outcome::new(
            worst,
            Expectation::at_most(
                1.0 + tol,
                format!("ratio ≤ 1 is the theorem (equality on the extra samples); slack {tol:.1e} = {EPS_WHY}"),
            )
            .with_tolerance(tolerance),
        )
        .with_figures(json!({
            "max_over_norm": crate::io::num(worst_lo),
            "norm_over_sum": crate::io::num(worst_hi),
        })))
    }
    fn control(&self) -> Option<Planted> {
        let bug = planted::Bug::RmsScaled;
        Planted::new(
            bug.describe(),
            OrderingCheck {
                norm: planted::bugged(self.norm.clone(), bug),
                max: self.max.clone(),
                sum: self.sum.clone(),
            },
        )
    }
}

mod newton_schulz;
pub use newton_schulz::{keller_ns5, Envelope, Orthogonalizer, P8a, P8b};

fn arc(name: &str) -> Arc<dyn Norm> {
    Arc::from(parse_norm(name).expect("suite norm names parse"))
}

/// Every check of the suite, in report order.
pub fn checks() -> Vec<Box<dyn Check>> {
    let mut v: Vec<Box<dyn Check>> = Vec::new();
    for law in Law::ALL {
        for name in suite_samples() {
            v.push(Box::new(LawCheck::new(law, norm_subject(arc(name)))));
        }
        for agg in [Aggregation::Max, Aggregation::L2, Aggregation::Hybrid] {
            v.push(Box::new(LawCheck::new(
                law,
                product_subject(product_norm(agg)),
            )));
        }
    }
    // the ℓp and Schatten-p samples of the table: duality and ordering
    let lp: Vec<Arc<dyn Norm>> = suite_samples()
        .map(arc)
        .filter(|n| n.family().conjugate().is_some())
        .collect();
    for n in &lp {
        let q = Arc::from(n.family().conjugate().expect("filtered"));
        v.push(Box::new(DualPairCheck::new(n.clone(), q)));
    }
    for n in lp {
        v.push(Box::new(OrderingCheck::new(n)));
    }
    for aspect in [Envelope::Envelope, Envelope::SmallX, Envelope::Subspace] {
        v.push(Box::new(P8a::new(keller_ns5(), aspect)));
    }
    v.push(Box::new(P8b::new(keller_ns5(), true)));
    v.push(Box::new(P8b::new(keller_ns5(), false)));
    v
}

#[cfg(test)]
mod tests;
