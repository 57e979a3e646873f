//! The Adam block norms of Crawshaw, Modi, Liu & Gower (An Exploration of Non-Euclidean Gradient
//! Descent: Muon and its Many Variants, arXiv 2510.09827), built at fixed momentum m and second
//! moment v: the geometry that makes Adam steepest descent ([`crate::optim::ProductSteepest`]).

use super::entrywise::sign;
use super::Norm;
use faer::{Mat, MatRef};

/// Crawshaw et al.'s `adam_infty` block norm (file 03 §1) at fixed momentum m and D = ε + √v:
/// ‖x‖ = max_i |x_i| D_i/|m_i|, with weights stored inverted, `inv` = |m|/D (an entry with
/// inv = 0 forces x_i = 0). Dual Σ|g|·inv; LMO sign(g)·inv, which is m/D at g = m (Adam's
/// direction without bias correction).
#[derive(Debug, Clone)]
pub struct AdamInfNorm {
    /// |m_i|/D_i.
    pub inv: Mat<f64>,
}

impl Norm for AdamInfNorm {
    fn name(&self) -> String {
        "adam_infty".into()
    }
    fn norm(&self, x: MatRef<'_, f64>) -> f64 {
        let mut n: f64 = 0.0;
        for j in 0..x.ncols() {
            for i in 0..x.nrows() {
                let (xi, w) = (x[(i, j)].abs(), self.inv[(i, j)]);
                if xi == 0.0 {
                    continue;
                }
                n = n.max(if w > 0.0 { xi / w } else { f64::INFINITY });
            }
        }
        n
    }
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64 {
        let mut s = 0.0;
        for j in 0..g.ncols() {
            for i in 0..g.nrows() {
                s += g[(i, j)].abs() * self.inv[(i, j)];
            }
        }
        s
    }
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        Mat::from_fn(g.nrows(), g.ncols(), |i, j| {
            sign(g[(i, j)]) * self.inv[(i, j)]
        })
    }
}

/// Crawshaw et al.'s `adam_2` block norm (file 03 §1): ‖x‖ = √(Σ D_i x_i²) with D = ε + √v
/// (entries of D must be > 0). Dual √(Σ g²/D); LMO g/(D·dual).
#[derive(Debug, Clone)]
pub struct AdamL2Norm {
    /// D_i > 0.
    pub d: Mat<f64>,
}

impl Norm for AdamL2Norm {
    fn name(&self) -> String {
        "adam_2".into()
    }
    fn norm(&self, x: MatRef<'_, f64>) -> f64 {
        let mut s = 0.0;
        for j in 0..x.ncols() {
            for i in 0..x.nrows() {
                s += self.d[(i, j)] * x[(i, j)] * x[(i, j)];
            }
        }
        s.sqrt()
    }
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64 {
        let mut s = 0.0;
        for j in 0..g.ncols() {
            for i in 0..g.nrows() {
                s += g[(i, j)] * g[(i, j)] / self.d[(i, j)];
            }
        }
        s.sqrt()
    }
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        let dn = self.dual_norm(g);
        if dn == 0.0 {
            return Mat::zeros(g.nrows(), g.ncols());
        }
        Mat::from_fn(g.nrows(), g.ncols(), |i, j| {
            g[(i, j)] / (self.d[(i, j)] * dn)
        })
    }
}
