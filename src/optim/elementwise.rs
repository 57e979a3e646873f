//! Entry-wise kernels shared by the transforms (a leaf module: it depends on no transform).

use faer::Mat;

/// a_ij ← f(a_ij, b_ij).
pub(crate) fn zip_apply(a: &mut Mat<f64>, b: &Mat<f64>, f: impl Fn(f64, f64) -> f64) {
    faer::zip!(a, b).for_each(|faer::unzip!(a, b)| *a = f(*a, *b));
}

/// The matrix f(a_ij, b_ij).
pub(crate) fn zip_map(a: &Mat<f64>, b: &Mat<f64>, f: impl Fn(f64, f64) -> f64) -> Mat<f64> {
    let mut out = Mat::zeros(a.nrows(), a.ncols());
    faer::zip!(&mut out, a, b).for_each(|faer::unzip!(o, a, b)| *o = f(*a, *b));
    out
}

/// a_ij ← f(a_ij).
pub(crate) fn apply(a: &mut Mat<f64>, f: impl Fn(f64) -> f64) {
    faer::zip!(a).for_each(|faer::unzip!(a)| *a = f(*a));
}

/// The matrix f(a_ij).
pub(crate) fn map(a: &Mat<f64>, f: impl Fn(f64) -> f64) -> Mat<f64> {
    let mut out = Mat::zeros(a.nrows(), a.ncols());
    faer::zip!(&mut out, a).for_each(|faer::unzip!(o, a)| *o = f(*a));
    out
}

/// Σ_ij f(a_ij).
pub(crate) fn sum_map(a: &Mat<f64>, f: impl Fn(f64) -> f64) -> f64 {
    let mut s = 0.0;
    faer::zip!(a).for_each(|faer::unzip!(a)| s += f(*a));
    s
}

/// Whether every entry is finite.
pub(crate) fn all_finite(a: &Mat<f64>) -> bool {
    let mut ok = true;
    faer::zip!(a).for_each(|faer::unzip!(a)| ok &= a.is_finite());
    ok
}
