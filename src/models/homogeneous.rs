//! The margin geometry of two-layer homogeneous networks θ = [W, a] (Gronich & Vardi, *The
//! Implicit Bias of Adam and Muon on Smooth Homogeneous Neural Networks*, arXiv 2602.16340,
//! Thms 1–3): the margin norms N paired with each optimizer (ℓ2 with NGD, ℓ∞ with Signum and
//! Adam, max-spectral with Muon, the hybrid max(0.1·‖W‖₂, ‖a‖_∞) with Muon-Adam), the dual blocks
//! of their KKT conditions, the normalized margins q_i = y_i f(x_i; θ)/N(θ)^L, the alignment
//! r = ⟨−g, Δ⟩/(‖g‖_*‖Δ‖) of a step with steepest descent in N, and the teacher data of the
//! check protocol (theory/P2-a.md).

use crate::error::{Error, Result};
use crate::margin::{DualBlock, Geometry};
use crate::models::loss::MarginLoss;
use crate::models::two_layer::{Activation, TwoLayer};
use crate::norms::{inner, Aggregation, Block, Entrywise, Norm, ProductNorm, Schatten};
use faer::Mat;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// η0^Adam/η0^Muon of Muon-Adam in the check protocol, and the W-scale of the hybrid norm
/// max(0.1·‖W‖₂, ‖a‖_∞).
pub const HYBRID_RATIO: f64 = 0.1;

/// The margin norms of θ = [W, a] as product norms: `l2` = √(‖W‖_F² + ‖a‖²),
/// `linf` = max(max|W_ij|, max|a_j|), `msp` = max(‖W‖₂, ‖a‖₂) (a as a one-column matrix: its
/// spectral norm is ‖a‖₂), `hybrid` = max(0.1·‖W‖₂, ‖a‖_∞).
pub fn margin_norm(name: &str) -> Result<ProductNorm> {
    let b = |n: Box<dyn Norm>, s: f64| Block::new(n, s, false);
    Ok(match name {
        "l2" => ProductNorm::new(
            Aggregation::L2,
            vec![
                b(Box::new(Entrywise::frobenius()), 1.0),
                b(Box::new(Entrywise::frobenius()), 1.0),
            ],
        ),
        "linf" => ProductNorm::new(
            Aggregation::Max,
            vec![
                b(Box::new(Entrywise::max()), 1.0),
                b(Box::new(Entrywise::max()), 1.0),
            ],
        ),
        "msp" => ProductNorm::new(
            Aggregation::Max,
            vec![
                b(Box::new(Schatten::spectral()), 1.0),
                b(Box::new(Schatten::spectral()), 1.0),
            ],
        ),
        "hybrid" => ProductNorm::new(
            Aggregation::Max,
            vec![
                b(Box::new(Schatten::spectral()), HYBRID_RATIO),
                b(Box::new(Entrywise::max()), 1.0),
            ],
        ),
        other => {
            return Err(Error::input(format!(
                "homogeneous: unknown margin norm '{other}'; use l2, linf, msp or hybrid"
            )))
        }
    })
}

/// The blocks of the dual of a max-aggregated margin norm for [`crate::margin::best_dual_alignment`] (W: h × d,
/// a: h × 1): `linf` → ℓ1 + ℓ1, `msp` → nuclear + ℓ2, `hybrid` → nuclear/0.1 + ℓ1.
pub fn dual_blocks(name: &str, d: usize, h: usize) -> Result<Vec<DualBlock>> {
    let blk = |shape, scale, dual| DualBlock { shape, scale, dual };
    let (w, a) = ((h, d), (h, 1));
    Ok(match name {
        "linf" => vec![
            blk(w, 1.0, Geometry::Entrywise(1.0)),
            blk(a, 1.0, Geometry::Entrywise(1.0)),
        ],
        "msp" => vec![
            blk(w, 1.0, Geometry::Schatten(1.0)),
            blk(a, 1.0, Geometry::Entrywise(2.0)),
        ],
        "hybrid" => vec![
            blk(w, HYBRID_RATIO, Geometry::Schatten(1.0)),
            blk(a, 1.0, Geometry::Entrywise(1.0)),
        ],
        other => {
            return Err(Error::input(format!(
                "homogeneous: no max-aggregated dual for '{other}'; use linf, msp or hybrid (l2 uses NNLS)"
            )))
        }
    })
}

/// Data of the check protocol: x ~ N(0, I_d), y = sign of a random width-5 squared-ReLU teacher,
/// points with |teacher(x)| < 0.1 dropped (resampled) so the data are separable with a margin.
pub fn teacher_data(rng: &mut ChaCha8Rng, n: usize, d: usize) -> (Mat<f64>, Vec<f64>) {
    let teacher = TwoLayer {
        activation: Activation::SquaredRelu,
        loss: MarginLoss::Logistic,
    };
    let tp = vec![
        Mat::from_fn(5, d, |_, _| StandardNormal.sample(rng)),
        Mat::from_fn(5, 1, |_, _| StandardNormal.sample(rng)),
    ];
    let mut rows: Vec<Vec<f64>> = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    while rows.len() < n {
        let xi = Mat::from_fn(1, d, |_, _| StandardNormal.sample(rng));
        let f = teacher.outputs(&tp, &xi)[0];
        if f.abs() >= 0.1 {
            rows.push((0..d).map(|j| xi[(0, j)]).collect());
            y.push(f.signum());
        }
    }
    (Mat::from_fn(n, d, |i, j| rows[i][j]), y)
}

/// r = ⟨−g, Δ⟩/(‖g‖_*‖Δ‖) in `norm` (0 when g or Δ vanishes: no descent direction).
pub fn alignment_ratio(g: &[Mat<f64>], delta: &[Mat<f64>], norm: &ProductNorm) -> f64 {
    let ip: f64 = g
        .iter()
        .zip(delta)
        .map(|(a, b)| inner(a.as_ref(), b.as_ref()))
        .sum();
    let den = norm.dual_norm(g) * norm.norm(delta);
    if den > 0.0 {
        -ip / den
    } else {
        0.0
    }
}

/// The normalized margins q_i = y_i f(x_i; θ)/N(θ)^L.
pub fn normalized_margins(
    model: &TwoLayer,
    p: &[Mat<f64>],
    x: &Mat<f64>,
    y: &[f64],
    norm: &ProductNorm,
) -> Vec<f64> {
    let scale = norm.norm(p).powi(model.degree() as i32);
    model
        .outputs(p, x)
        .iter()
        .zip(y)
        .map(|(f, yi)| yi * f / scale)
        .collect()
}

/// The near-support set S = {i : q_i ≤ (1 + slack)·min_j q_j} (for a positive minimum).
pub fn near_support(q: &[f64], slack: f64) -> Vec<usize> {
    let m = q.iter().copied().fold(f64::INFINITY, f64::min);
    (0..q.len())
        .filter(|&i| q[i] <= (1.0 + slack) * m)
        .collect()
}

/// The entries of the blocks, block after block, each row-major.
pub fn flatten(p: &[Mat<f64>]) -> Vec<f64> {
    let mut v = Vec::new();
    for m in p {
        for i in 0..m.nrows() {
            for j in 0..m.ncols() {
                v.push(m[(i, j)]);
            }
        }
    }
    v
}

/// The inverse of [`flatten`]: blocks shaped like `like`.
pub fn unflatten(v: &[f64], like: &[Mat<f64>]) -> Vec<Mat<f64>> {
    let mut k = 0;
    like.iter()
        .map(|m| {
            let out = Mat::from_fn(m.nrows(), m.ncols(), |i, j| v[k + i * m.ncols() + j]);
            k += m.nrows() * m.ncols();
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margin_norms_and_alignment_by_hand() {
        let w = Mat::from_fn(2, 2, |i, j| if i == j { [3.0, -1.0][i] } else { 0.0 });
        let a = Mat::from_fn(2, 1, |i, _| [0.5, -2.0][i]);
        let p = vec![w, a];
        let want = [
            ("l2", (9.0f64 + 1.0 + 0.25 + 4.0).sqrt()),
            ("linf", 3.0),
            ("msp", 3.0),
            ("hybrid", 2.0),
        ];
        for (name, v) in want {
            let got = margin_norm(name).unwrap().norm(&p);
            assert!((got - v).abs() < 1e-12, "{name}: {got} vs {v}");
        }
        // r = 1 for the steepest-descent step −η·dualize(g), −1 with the gradient's sign flipped.
        for name in ["l2", "linf", "msp", "hybrid"] {
            let n = margin_norm(name).unwrap();
            let step: Vec<Mat<f64>> = n
                .dualize(&p)
                .iter()
                .map(|m| m * faer::Scale(-0.3))
                .collect();
            assert!(
                (alignment_ratio(&p, &step, &n) - 1.0).abs() < 1e-12,
                "{name}"
            );
            let flipped: Vec<Mat<f64>> = p.iter().map(|m| m * faer::Scale(-1.0)).collect();
            assert!(
                (alignment_ratio(&flipped, &step, &n) + 1.0).abs() < 1e-12,
                "{name}"
            );
        }
    }
}
