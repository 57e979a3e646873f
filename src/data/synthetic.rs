//! The synthetic multiclass data of Fan, Schmidt & Thrampoulidis (2025, §5): k class centres
//! μ_c ~ N(0, I_d), then `per_class` points h ~ N(μ_c, σ² I_d) per class.

use super::Dataset;
use crate::error::{Error, Result};
use faer::Mat;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// Parameters of [`synthetic`]. The paper's setting is k = 10, d = 25, 50 per class, σ = 0.1.
#[derive(Debug, Clone, Copy)]
pub struct SyntheticSpec {
    /// Number of classes k ≥ 2.
    pub classes: usize,
    /// Feature dimension d ≥ 1.
    pub dim: usize,
    /// Points per class (≥ 1).
    pub per_class: usize,
    /// Within-class standard deviation σ ≥ 0.
    pub sigma: f64,
    /// Seed of the ChaCha8 generator.
    pub seed: u64,
}

impl SyntheticSpec {
    /// The paper's setting (k = 10, d = 25, 50 per class, σ = 0.1) with the given seed.
    pub fn paper(seed: u64) -> Self {
        Self {
            classes: 10,
            dim: 25,
            per_class: 50,
            sigma: 0.1,
            seed,
        }
    }
}

/// Draw the dataset: first the k centres (row by row), then the points class by class
/// (sample i has label i / per_class). Same spec ⇒ bit-identical data.
pub fn synthetic(spec: &SyntheticSpec) -> Result<Dataset> {
    if spec.classes < 2 || spec.dim == 0 || spec.per_class == 0 {
        return Err(Error::input(format!(
            "synthetic data needs classes ≥ 2, dim ≥ 1 and per_class ≥ 1 (got {}, {}, {})",
            spec.classes, spec.dim, spec.per_class
        )));
    }
    if !(spec.sigma >= 0.0 && spec.sigma.is_finite()) {
        return Err(Error::input(format!(
            "synthetic data needs a finite σ ≥ 0 (got {}); pass e.g. 0.1",
            spec.sigma
        )));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let (k, d, m) = (spec.classes, spec.dim, spec.per_class);
    let mut centres = Mat::<f64>::zeros(k, d);
    for c in 0..k {
        for j in 0..d {
            centres[(c, j)] = rng.sample(StandardNormal);
        }
    }
    let n = k * m;
    let mut x = Mat::<f64>::zeros(n, d);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let c = i / m;
        for j in 0..d {
            let z: f64 = rng.sample(StandardNormal);
            x[(i, j)] = centres[(c, j)] + spec.sigma * z;
        }
        y.push(c);
    }
    Dataset::new(k, x, y, "synthetic data")
}
