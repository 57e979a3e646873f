//! The laws every norm/dualizer pair must satisfy, written once and used by the unit tests and by
//! the `geometry` validation suite (one concept, one place).
//!
//! For a norm ‖·‖ with dual ‖·‖_* and LMO D(G) = argmax_{‖D‖≤1}⟨G, D⟩ (file 00 §2):
//! * LMO value: ⟨G, D(G)⟩ = ‖G‖_*;
//! * unit norm: ‖D(G)‖ = 1 for G ≠ 0;
//! * Hölder: ⟨X, G⟩ ≤ ‖X‖·‖G‖_*;
//! * homogeneity: ‖cX‖ = |c|·‖X‖;
//! * zero: D(0) = 0 and ‖0‖_* = 0;
//! * optimality: no feasible D beats the LMO, ⟨G, D⟩ ≤ ‖G‖_* for ‖D‖ ≤ 1.
//!
//! Each function returns a *measured* number (a relative gap or a ratio) so callers choose the
//! tolerance and state why.

use super::{inner, Norm, ProductNorm};
use faer::Mat;

/// A norm geometry on points of type `Point`: a single-matrix [`Norm`] (points `Mat<f64>`) or a
/// [`ProductNorm`] (points `Vec<Mat<f64>>`).
pub trait Geometry {
    /// The points (one matrix or a tuple of blocks).
    type Point: Clone;
    /// A display name.
    fn geometry_name(&self) -> String;
    /// ‖X‖.
    fn norm_of(&self, x: &Self::Point) -> f64;
    /// ‖G‖_*.
    fn dual_norm_of(&self, g: &Self::Point) -> f64;
    /// (‖G‖_*, D(G)).
    fn dual_and_dir(&self, g: &Self::Point) -> (f64, Self::Point);
    /// ⟨A, B⟩ (trace inner product, summed over blocks).
    fn dot(&self, a: &Self::Point, b: &Self::Point) -> f64;
    /// c·X.
    fn scaled(&self, x: &Self::Point, c: f64) -> Self::Point;
    /// A + B.
    fn added(&self, a: &Self::Point, b: &Self::Point) -> Self::Point;
    /// The zero point of the same shape as `x`.
    fn zero_like(&self, x: &Self::Point) -> Self::Point {
        self.scaled(x, 0.0)
    }
    /// max |entry| of a point.
    fn max_abs(&self, x: &Self::Point) -> f64;
    /// max |entry| of A − B.
    fn max_abs_diff(&self, a: &Self::Point, b: &Self::Point) -> f64;
}

/// max |x_ij|, NaN if any entry is NaN (`f64::max` would silently skip it).
fn max_abs_mat(x: &Mat<f64>) -> f64 {
    let mut m = 0.0f64;
    for j in 0..x.ncols() {
        for i in 0..x.nrows() {
            let v = x[(i, j)].abs();
            if v.is_nan() {
                return f64::NAN;
            }
            m = m.max(v);
        }
    }
    m
}

impl<N: Norm + ?Sized> Geometry for N {
    type Point = Mat<f64>;
    fn geometry_name(&self) -> String {
        self.name()
    }
    fn norm_of(&self, x: &Mat<f64>) -> f64 {
        self.norm(x.as_ref())
    }
    fn dual_norm_of(&self, g: &Mat<f64>) -> f64 {
        self.dual_norm(g.as_ref())
    }
    fn dual_and_dir(&self, g: &Mat<f64>) -> (f64, Mat<f64>) {
        self.dual_and_dualize(g.as_ref())
    }
    fn dot(&self, a: &Mat<f64>, b: &Mat<f64>) -> f64 {
        inner(a.as_ref(), b.as_ref())
    }
    fn scaled(&self, x: &Mat<f64>, c: f64) -> Mat<f64> {
        x * faer::Scale(c)
    }
    fn added(&self, a: &Mat<f64>, b: &Mat<f64>) -> Mat<f64> {
        a + b
    }
    fn max_abs(&self, x: &Mat<f64>) -> f64 {
        max_abs_mat(x)
    }
    fn max_abs_diff(&self, a: &Mat<f64>, b: &Mat<f64>) -> f64 {
        max_abs_mat(&(a - b))
    }
}

impl Geometry for ProductNorm {
    type Point = Vec<Mat<f64>>;
    fn geometry_name(&self) -> String {
        self.name()
    }
    fn norm_of(&self, x: &Vec<Mat<f64>>) -> f64 {
        self.norm(x)
    }
    fn dual_norm_of(&self, g: &Vec<Mat<f64>>) -> f64 {
        self.dual_norm(g)
    }
    fn dual_and_dir(&self, g: &Vec<Mat<f64>>) -> (f64, Vec<Mat<f64>>) {
        self.dual_and_dualize(g)
    }
    fn dot(&self, a: &Vec<Mat<f64>>, b: &Vec<Mat<f64>>) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| inner(x.as_ref(), y.as_ref()))
            .sum()
    }
    fn scaled(&self, x: &Vec<Mat<f64>>, c: f64) -> Vec<Mat<f64>> {
        x.iter().map(|m| m * faer::Scale(c)).collect()
    }
    fn added(&self, a: &Vec<Mat<f64>>, b: &Vec<Mat<f64>>) -> Vec<Mat<f64>> {
        a.iter().zip(b).map(|(x, y)| x + y).collect()
    }
    fn max_abs(&self, x: &Vec<Mat<f64>>) -> f64 {
        x.iter().map(max_abs_mat).fold(0.0, |a, v| {
            if a.is_nan() || v.is_nan() {
                f64::NAN
            } else {
                a.max(v)
            }
        })
    }
    fn max_abs_diff(&self, a: &Vec<Mat<f64>>, b: &Vec<Mat<f64>>) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| max_abs_mat(&(x - y)))
            .fold(0.0, f64::max)
    }
}

fn rel(a: f64, b: f64) -> f64 {
    let s = a.abs().max(b.abs());
    if s == 0.0 {
        0.0
    } else {
        (a - b).abs() / s
    }
}

/// |⟨G, D(G)⟩ − ‖G‖_*| / ‖G‖_* (relative gap of the LMO value; also compares the dual norm from
/// `dual_and_dualize` with `dual_norm`, returning the larger gap).
pub fn lmo_value_gap<G: Geometry + ?Sized>(n: &G, g: &G::Point) -> f64 {
    let (d, dir) = n.dual_and_dir(g);
    let standalone = n.dual_norm_of(g);
    rel(n.dot(g, &dir), d).max(rel(d, standalone))
}

/// |‖D(G)‖ − 1| for G ≠ 0.
pub fn unit_norm_gap<G: Geometry + ?Sized>(n: &G, g: &G::Point) -> f64 {
    let (_, dir) = n.dual_and_dir(g);
    (n.norm_of(&dir) - 1.0).abs()
}

/// ⟨X, G⟩ / (‖X‖·‖G‖_*), which Hölder's inequality bounds by 1.
pub fn holder_ratio<G: Geometry + ?Sized>(n: &G, x: &G::Point, g: &G::Point) -> f64 {
    let denom = n.norm_of(x) * n.dual_norm_of(g);
    if denom == 0.0 {
        0.0
    } else {
        n.dot(x, g) / denom
    }
}

/// Relative homogeneity gap of the norm and of the dual norm and LMO:
/// max(|‖cX‖ − |c|‖X‖|/(|c|‖X‖), |‖cX‖_* − |c|‖X‖_*|/(|c|‖X‖_*), max|D(cX) − sign(c)D(X)|) for c ≠ 0.
/// The LMO part compares directions, so for non-unique LMOs (sum, nuclear with ties) pass inputs
/// without ties (random inputs have none almost surely).
pub fn homogeneity_gap<G: Geometry + ?Sized>(n: &G, x: &G::Point, c: f64) -> f64 {
    let cx = n.scaled(x, c);
    let a = rel(n.norm_of(&cx), c.abs() * n.norm_of(x));
    let b = rel(n.dual_norm_of(&cx), c.abs() * n.dual_norm_of(x));
    let (_, d1) = n.dual_and_dir(&cx);
    let (_, d0) = n.dual_and_dir(x);
    let d0s = n.scaled(&d0, c.signum());
    // max|D(cX) − sign(c)D(X)| / max(1, max|D(X)|)
    let worst = n.max_abs_diff(&d1, &d0s) / n.max_abs(&d0s).max(1.0);
    a.max(b).max(worst)
}

/// max |D(0)| + |‖0‖_*| + |‖0‖|, with non-finite values mapped to ∞ (must be exactly 0).
pub fn zero_gap<G: Geometry + ?Sized>(n: &G, like: &G::Point) -> f64 {
    let z = n.zero_like(like);
    let (d, dir) = n.dual_and_dir(&z);
    let v = n.max_abs(&dir) + d.abs() + n.dual_norm_of(&z).abs() + n.norm_of(&z).abs();
    if v.is_finite() {
        v
    } else {
        f64::INFINITY
    }
}

/// max over the candidates D of ⟨G, D/‖D‖⟩ / ‖G‖_*: no feasible point beats the LMO, so this is
/// ≤ 1 (and the LMO itself attains 1).
pub fn best_candidate_ratio<G: Geometry + ?Sized>(
    n: &G,
    g: &G::Point,
    candidates: &[G::Point],
) -> f64 {
    let dual = n.dual_norm_of(g);
    candidates
        .iter()
        .filter_map(|d| {
            let nd = n.norm_of(d);
            (nd > 0.0).then(|| n.dot(g, d) / nd / dual)
        })
        .fold(f64::NEG_INFINITY, f64::max)
}

/// All the laws at once with one tolerance `tol` (relative); `Err` names the first law broken.
/// Used by unit tests; the validation suite reports each law as its own record.
pub fn check_dual_pair<G: Geometry + ?Sized>(
    n: &G,
    g: &G::Point,
    x: &G::Point,
    tol: f64,
) -> Result<(), String> {
    let name = n.geometry_name();
    let v = lmo_value_gap(n, g);
    if v > tol {
        return Err(format!("{name}: ⟨G, D⟩ ≠ ‖G‖_* (relative gap {v:e})"));
    }
    let u = unit_norm_gap(n, g);
    if u > tol {
        return Err(format!("{name}: ‖D‖ ≠ 1 (gap {u:e})"));
    }
    let h = holder_ratio(n, x, g);
    if h > 1.0 + tol {
        return Err(format!("{name}: Hölder violated, ⟨X,G⟩/(‖X‖‖G‖_*) = {h}"));
    }
    let c = homogeneity_gap(n, x, -2.5);
    if c > tol {
        return Err(format!("{name}: not homogeneous (gap {c:e})"));
    }
    let z = zero_gap(n, g);
    if z != 0.0 {
        return Err(format!("{name}: dualize(0) ≠ 0 or ‖0‖ ≠ 0 ({z})"));
    }
    Ok(())
}
