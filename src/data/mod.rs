//! Classification datasets: the contract's JSON format, CSV and NumPy input, validation, the
//! binary view, the synthetic generator of Fan, Schmidt & Thrampoulidis (2025) and a separability
//! check.
//!
//! A dataset holds n samples h_i ∈ R^d (the rows of `x`) with labels y_i ∈ {0, …, k−1}. The
//! multiclass classifier is W ∈ R^{k×d}; the margin of pair (i, c ≠ y_i) is
//! ⟨A_ic, W⟩ = (w_{y_i} − w_c)ᵀ h_i with A_ic = (e_{y_i} − e_c) h_iᵀ (`../shared/papers/00` §4).
//!
//! # Input formats ([`Dataset::load`], chosen by the file extension)
//!
//! * `.json` — `{"classes": k, "x": [[…d floats…], …n rows], "y": [labels in 0..k]}`; other keys
//!   are ignored (`../shared/CONTRACT.md`).
//! * `.csv` — one sample per line, comma-separated: the d features, then the label (an integer in
//!   0..k) as the **last column**. Blank lines and lines starting with `#` are skipped; a first line
//!   that is not numeric is taken as a header and skipped. k = (largest label) + 1, unless a comment
//!   line `# classes: K` sets it.
//! * `.npy` — a 2-D array (n × (d+1), any float or integer dtype, C or Fortran order) in the CSV
//!   layout: features then the label in the last column; k = (largest label) + 1.
//! * `.npz` — arrays `x` (n × d) and `y` (n), any float or integer dtypes, and optionally a scalar
//!   `classes` (else k = (largest label) + 1), as written by `numpy.savez(path, x=x, y=y, classes=k)`.
//!
//! Every format goes through [`Dataset::new`], which rejects n = 0, k < 2, labels outside 0..k,
//! non-finite features, ragged rows and empty classes with an [`Error::input`] message naming the
//! problem and the fix.

mod load;
mod separable;
mod synthetic;

pub use separable::{separability, Separability};
pub use synthetic::{synthetic, SyntheticSpec};

use crate::error::{Error, Result};
use faer::Mat;
use std::path::Path;

/// A validated classification dataset: n samples (rows of `x`, n × d) with labels in 0..k.
#[derive(Debug, Clone)]
pub struct Dataset {
    classes: usize,
    x: Mat<f64>,
    y: Vec<usize>,
}

impl Dataset {
    /// Build a dataset from a sample matrix (n × d, row i = h_i) and labels, validating it:
    /// n ≥ 1, d ≥ 1, k ≥ 2, finite features, one label per row, labels in 0..k, every class
    /// non-empty. `what` names the source in error messages (e.g. a file name).
    pub fn new(classes: usize, x: Mat<f64>, y: Vec<usize>, what: &str) -> Result<Self> {
        let (n, d) = (x.nrows(), x.ncols());
        if n == 0 {
            return Err(Error::input(format!(
                "{what}: the dataset has no samples (n = 0); give at least one sample per class"
            )));
        }
        if d == 0 {
            return Err(Error::input(format!(
                "{what}: the samples have no features (d = 0); every row of x needs at least one number"
            )));
        }
        if classes < 2 {
            return Err(Error::input(format!(
                "{what}: classes = {classes}, but classification needs k ≥ 2; set \"classes\" to the number of classes (at least 2)"
            )));
        }
        if y.len() != n {
            return Err(Error::input(format!(
                "{what}: x has {n} rows but y has {} labels; give exactly one label per row of x",
                y.len()
            )));
        }
        for i in 0..n {
            for j in 0..d {
                if !x[(i, j)].is_finite() {
                    return Err(Error::input(format!(
                        "{what}: feature x[{i}][{j}] is {}; remove or impute NaN/Inf features",
                        x[(i, j)]
                    )));
                }
            }
        }
        if let Some((i, &l)) = y.iter().enumerate().find(|(_, &l)| l >= classes) {
            return Err(Error::input(format!(
                "{what}: label y[{i}] = {l} is outside 0..{classes}; labels must be integers in 0..k−1 (or raise \"classes\")"
            )));
        }
        let mut count = vec![0usize; classes];
        for &l in &y {
            count[l] += 1;
        }
        if let Some(c) = count.iter().position(|&m| m == 0) {
            return Err(Error::input(format!(
                "{what}: class {c} has no samples; every class in 0..{classes} needs at least one sample (or lower \"classes\" and relabel)"
            )));
        }
        Ok(Self { classes, x, y })
    }

    /// Read a dataset from `path`; the format follows the extension (`.json`, `.csv`, `.npy`,
    /// `.npz`; see the module documentation).
    pub fn load(path: &Path) -> Result<Self> {
        load::load(path)
    }

    /// Parse the contract's JSON object `{"classes": k, "x": [...], "y": [...]}`.
    pub fn from_json(value: &serde_json::Value, what: &str) -> Result<Self> {
        load::from_json(value, what)
    }

    /// The number of classes k.
    pub fn classes(&self) -> usize {
        self.classes
    }
    /// The number of samples n.
    pub fn n(&self) -> usize {
        self.x.nrows()
    }
    /// The feature dimension d.
    pub fn d(&self) -> usize {
        self.x.ncols()
    }
    /// The samples, n × d (row i = h_i).
    pub fn x(&self) -> &Mat<f64> {
        &self.x
    }
    /// The labels y_i ∈ 0..k.
    pub fn y(&self) -> &[usize] {
        &self.y
    }

    /// The pairs (i, c) with c ≠ y_i, sample-major: the index of the margin constraints.
    pub fn pairs(&self) -> Vec<(usize, usize)> {
        let k = self.classes;
        let mut out = Vec::with_capacity(self.n() * (k - 1));
        for (i, &yi) in self.y.iter().enumerate() {
            for c in 0..k {
                if c != yi {
                    out.push((i, c));
                }
            }
        }
        out
    }

    /// The n × k matrix of logits margins: entry (i, c) = (w_{y_i} − w_c)ᵀ h_i (0 at c = y_i).
    pub fn pair_margins(&self, w: faer::MatRef<'_, f64>) -> Mat<f64> {
        assert_eq!((w.nrows(), w.ncols()), (self.classes, self.d()));
        let logits = &self.x * w.transpose(); // n × k
        Mat::from_fn(self.n(), self.classes, |i, c| {
            logits[(i, self.y[i])] - logits[(i, c)]
        })
    }

    /// min_{i, c ≠ y_i} (w_{y_i} − w_c)ᵀ h_i, the unnormalized multiclass margin of W (k × d).
    pub fn min_margin(&self, w: faer::MatRef<'_, f64>) -> f64 {
        let m = self.pair_margins(w);
        let mut best = f64::INFINITY;
        for i in 0..self.n() {
            for c in 0..self.classes {
                if c != self.y[i] {
                    best = best.min(m[(i, c)]);
                }
            }
        }
        best
    }

    /// Σ_ic λ_ic A_ic = C H for multipliers λ indexed like [`Dataset::pairs`], where
    /// C[y_i, i] = Σ_c λ_ic and C[c, i] = −λ_ic (a k × d matrix).
    pub fn combine_pairs(&self, lambda: &[f64]) -> Mat<f64> {
        let pairs = self.pairs();
        assert_eq!(lambda.len(), pairs.len());
        let mut coef = Mat::<f64>::zeros(self.classes, self.n());
        for (&(i, c), &l) in pairs.iter().zip(lambda) {
            coef[(self.y[i], i)] += l;
            coef[(c, i)] -= l;
        }
        &coef * &self.x
    }

    /// The binary view (`--binary`): k must be 2; label 1 ↦ +1, label 0 ↦ −1.
    pub fn binary_signs(&self) -> Result<Vec<f64>> {
        if self.classes != 2 {
            return Err(Error::input(format!(
                "--binary needs a two-class dataset (labels 0 and 1) but this one has classes = {}; drop --binary for multiclass margins or relabel to 0/1",
                self.classes
            )));
        }
        Ok(self
            .y
            .iter()
            .map(|&l| if l == 1 { 1.0 } else { -1.0 })
            .collect())
    }

    /// The dataset as the contract's JSON object.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "classes": self.classes,
            "x": crate::io::matrix_to_json(self.x.as_ref()),
            "y": self.y,
        })
    }
}

#[cfg(test)]
mod tests;
