//! The AION model, its squared-error loss, and the exact gradient and Hessian (hand-derived).
//!
//! f(x; θ) = Σ_{j<r} Π_{i<d} ψ_{ji}(x_i),  ψ_{ji}(x) = Σ_{p<P} A e^{αx} cos(ωx + φ)  (one (A, α, ω, φ)
//! per term), L(θ) = (1/2N) Σ_k (f(x_k; θ) − y_k)² (Batley & Saha 2025, arXiv 2510.05489, AION; the squared-error loss is our assumption).
//!
//! θ is ordered by rank j, then input i, then term p, each term as (A, α, ω, φ) (contract "AION
//! config"): the term index is `t = (j·d + i)·P + p` and its parameters sit at `4t .. 4t + 4`.
//!
//! Every evaluation goes through one kernel, [`assemble`], that takes the *atom values* per term and
//! sample — the amplitude a = A, and c = Re w, s = Im w with w = e^{(α+ιω)x + ιφ} — so that the
//! direct evaluation (w computed from θ) and the resummed one (w = E·μ(δ) from a cache, see
//! [`super::resum`]) share the algebra but not the exponentials.

#![allow(clippy::needless_range_loop)] // index loops mirror the formulas
use crate::error::{Error, Result};
use faer::Mat;

/// Shape of an AION model: rank r, input dimension d, terms per atom P.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Rank r (number of separable products summed).
    pub rank: usize,
    /// Input dimension d.
    pub dim: usize,
    /// Terms P per atom.
    pub terms: usize,
}

impl Shape {
    /// Number of atom terms T = r·d·P.
    pub fn n_terms(&self) -> usize {
        self.rank * self.dim * self.terms
    }
    /// Number of parameters 4·r·d·P.
    pub fn n_params(&self) -> usize {
        4 * self.n_terms()
    }
    /// Term index t = (j·d + i)·P + p.
    pub fn term(&self, j: usize, i: usize, p: usize) -> usize {
        (j * self.dim + i) * self.terms + p
    }
    /// Indices of the amplitudes fixed by the product-scale gauge: A_{j,i,0} for every j and
    /// every i ≥ 1 (the product-scale symmetry ψ_{j,0} → cψ_{j,0}, ψ_{j,i} → ψ_{j,i}/c). Empty for d = 1.
    pub fn gauge_fixed(&self) -> Vec<usize> {
        let mut v = Vec::new();
        for j in 0..self.rank {
            for i in 1..self.dim {
                v.push(4 * self.term(j, i, 0));
            }
        }
        v
    }
    /// Indices that remain free after gauge fixing, in increasing order.
    pub fn gauge_free(&self) -> Vec<usize> {
        let fixed = self.gauge_fixed();
        (0..self.n_params())
            .filter(|k| !fixed.contains(k))
            .collect()
    }
}

/// An AION least-squares problem: a shape and data (x_k ∈ R^d, y_k), validated finite and non-empty.
#[derive(Clone, Debug)]
pub struct Problem {
    /// The model shape.
    pub shape: Shape,
    /// Inputs, row-major N × d.
    pub x: Vec<f64>,
    /// Targets, N.
    pub y: Vec<f64>,
}

impl Problem {
    /// Build a problem; rejects r = 0, P = 0, N = 0, ragged or non-finite x, non-finite y, and a
    /// length mismatch between x and y (all as input errors, exit 2).
    pub fn new(rank: usize, terms: usize, x: &[Vec<f64>], y: &[f64]) -> Result<Self> {
        if rank == 0 || terms == 0 {
            return Err(Error::input(format!(
                "AION rank = {rank}, terms = {terms}: both must be at least 1; set \"rank\" and \"terms\" to positive integers"
            )));
        }
        if x.is_empty() {
            return Err(Error::input(
                "AION data has N = 0 samples; give at least one row in \"x\" and one value in \"y\"",
            ));
        }
        if x.len() != y.len() {
            return Err(Error::input(format!(
                "AION data has {} rows in \"x\" but {} values in \"y\"; give one target per input row",
                x.len(),
                y.len()
            )));
        }
        let dim = x[0].len();
        if dim == 0 {
            return Err(Error::input(
                "AION inputs have dimension d = 0; every row of \"x\" must hold d ≥ 1 numbers",
            ));
        }
        let mut flat = Vec::with_capacity(x.len() * dim);
        for (k, row) in x.iter().enumerate() {
            if row.len() != dim {
                return Err(Error::input(format!(
                    "AION input row {k} has {} entries but row 0 has {dim}; every row of \"x\" must have the same dimension d",
                    row.len()
                )));
            }
            for (i, v) in row.iter().enumerate() {
                if !v.is_finite() {
                    return Err(Error::input(format!(
                        "AION input x[{k}][{i}] = {v} is not finite; remove NaN/Inf from the data"
                    )));
                }
            }
            flat.extend_from_slice(row);
        }
        for (k, v) in y.iter().enumerate() {
            if !v.is_finite() {
                return Err(Error::input(format!(
                    "AION target y[{k}] = {v} is not finite; remove NaN/Inf from the data"
                )));
            }
        }
        Ok(Self {
            shape: Shape { rank, dim, terms },
            x: flat,
            y: y.to_vec(),
        })
    }

    /// Number of samples N.
    pub fn n_samples(&self) -> usize {
        self.y.len()
    }

    /// Check that θ has length 4·r·d·P and finite entries (input error otherwise).
    pub fn check_theta(&self, theta: &[f64], what: &str) -> Result<()> {
        let n = self.shape.n_params();
        if theta.len() != n {
            return Err(Error::input(format!(
                "{what} has {} entries but rank {} × dim {} × terms {} needs 4·r·d·P = {n}; give (A, α, ω, φ) per term, ordered by rank, input, term",
                theta.len(),
                self.shape.rank,
                self.shape.dim,
                self.shape.terms
            )));
        }
        if let Some(k) = theta.iter().position(|v| !v.is_finite()) {
            return Err(Error::input(format!(
                "{what}[{k}] = {} is not finite; give finite starting parameters",
                theta[k]
            )));
        }
        Ok(())
    }

    /// Atom values at θ computed directly: a_t = A_t, c = e^{α x} cos(ωx+φ), s = e^{αx} sin(ωx+φ).
    pub fn atoms(&self, theta: &[f64]) -> Atoms {
        let sh = self.shape;
        let n = self.n_samples();
        let tt = sh.n_terms();
        let mut at = Atoms {
            a: (0..tt).map(|t| theta[4 * t]).collect(),
            c: vec![0.0; n * tt],
            s: vec![0.0; n * tt],
        };
        for k in 0..n {
            for j in 0..sh.rank {
                for i in 0..sh.dim {
                    let xi = self.x[k * sh.dim + i];
                    for p in 0..sh.terms {
                        let t = sh.term(j, i, p);
                        let (al, om, ph) = (theta[4 * t + 1], theta[4 * t + 2], theta[4 * t + 3]);
                        let e = (al * xi).exp();
                        let (sn, cs) = (om * xi + ph).sin_cos();
                        at.c[k * tt + t] = e * cs;
                        at.s[k * tt + t] = e * sn;
                    }
                }
            }
        }
        at
    }

    /// Model values f(x_k; θ).
    pub fn predict(&self, theta: &[f64]) -> Vec<f64> {
        assemble(self, &self.atoms(theta), Want::Residuals).f
    }

    /// L(θ) = (1/2N) Σ (f − y)².
    pub fn loss(&self, theta: &[f64]) -> f64 {
        assemble(self, &self.atoms(theta), Want::Residuals).loss
    }

    /// (L, ∇L).
    pub fn gradient(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        let e = assemble(self, &self.atoms(theta), Want::Gradient);
        (e.loss, e.grad)
    }

    /// (L, ∇L, ∇²L) exact.
    pub fn hessian(&self, theta: &[f64]) -> (f64, Vec<f64>, Mat<f64>) {
        let e = assemble(self, &self.atoms(theta), Want::Hessian);
        (e.loss, e.grad, e.hess.expect("Hessian requested"))
    }
}

/// Atom values: amplitude per term, c = Re w and s = Im w per sample and term (row-major N × T).
#[derive(Clone, Debug)]
pub struct Atoms {
    /// Amplitude A per term (T).
    pub a: Vec<f64>,
    /// Re w, N × T.
    pub c: Vec<f64>,
    /// Im w, N × T.
    pub s: Vec<f64>,
}

/// What [`assemble`] computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Want {
    /// f, residuals, loss.
    Residuals,
    /// … and the gradient ∇L.
    Gradient,
    /// … and the residual Jacobian J_{k,·} = ∇f_k / √N (for Levenberg–Marquardt).
    Jacobian,
    /// … and the exact Hessian ∇²L.
    Hessian,
}

/// The result of [`assemble`].
#[derive(Clone, Debug)]
pub struct Eval {
    /// f(x_k).
    pub f: Vec<f64>,
    /// Scaled residuals ρ_k = (f_k − y_k)/√N, so that L = ½‖ρ‖².
    pub residuals: Vec<f64>,
    /// L.
    pub loss: f64,
    /// ∇L (empty for [`Want::Residuals`]).
    pub grad: Vec<f64>,
    /// ‖∇L‖₂ over *all* parameters (NaN for [`Want::Residuals`]); kept when an evaluation is
    /// restricted to gauge-free coordinates, so that stopping tests see the full stationarity.
    pub grad_norm: f64,
    /// ∂ρ/∂θ (N × n) for [`Want::Jacobian`] and [`Want::Hessian`].
    pub jac: Option<Mat<f64>>,
    /// ∇²L for [`Want::Hessian`].
    pub hess: Option<Mat<f64>>,
}

/// First derivatives of one term a·Re w with respect to (A, α, ω, φ).
#[inline]
fn term_grad(a: f64, c: f64, s: f64, x: f64) -> [f64; 4] {
    [c, x * a * c, -x * a * s, -a * s]
}

/// Second derivatives of one term a·Re w (symmetric 4 × 4).
#[inline]
fn term_hess(a: f64, c: f64, s: f64, x: f64) -> [[f64; 4]; 4] {
    let (xc, xs) = (x * c, x * s);
    let aa = 0.0;
    let al = xc;
    let ao = -xs;
    let ap = -s;
    let ll = a * x * xc;
    let lo = -a * x * xs;
    let lp = -a * xs;
    let oo = -a * x * xc;
    let op = -a * xc;
    let pp = -a * c;
    [
        [aa, al, ao, ap],
        [al, ll, lo, lp],
        [ao, lo, oo, op],
        [ap, lp, op, pp],
    ]
}

/// The shared kernel: loss, residuals, gradient, residual Jacobian and Hessian of
/// L = (1/2N) Σ_k (f_k − y_k)² from atom values.
///
/// ∂f/∂θ_{jip·} = other_{ji}·∂ψ_{ji}; ∇²f has blocks other_{ji}·∇²(term) on the diagonal of each
/// term, Π_{i''∉{i,i'}} ψ_{ji''}·∂ψ_{ji}∂ψ_{ji'}ᵀ between inputs i ≠ i' of the same rank, and 0
/// between ranks. ∇²L = (1/N) Σ_k (∇f_k∇f_kᵀ + (f_k − y_k)∇²f_k).
pub fn assemble(prob: &Problem, at: &Atoms, want: Want) -> Eval {
    let sh = prob.shape;
    let (r, d, pp) = (sh.rank, sh.dim, sh.terms);
    let n = prob.n_samples();
    let tt = sh.n_terms();
    let np = sh.n_params();
    let inv_n = 1.0 / n as f64;
    let sq = inv_n.sqrt();
    let mut f = vec![0.0; n];
    let mut res = vec![0.0; n];
    let mut loss = 0.0;
    let mut grad = if want >= Want::Gradient {
        vec![0.0; np]
    } else {
        Vec::new()
    };
    let mut jac = if want >= Want::Jacobian {
        Some(Mat::<f64>::zeros(n, np))
    } else {
        None
    };
    let mut hess = if want == Want::Hessian {
        Some(Mat::<f64>::zeros(np, np))
    } else {
        None
    };
    let mut psi = vec![0.0; r * d];
    let mut other = vec![0.0; r * d];
    let mut gf = vec![0.0; np];
    let mut tg = vec![[0.0; 4]; tt];
    for k in 0..n {
        let row_c = &at.c[k * tt..(k + 1) * tt];
        let row_s = &at.s[k * tt..(k + 1) * tt];
        for j in 0..r {
            for i in 0..d {
                let mut v = 0.0;
                for p in 0..pp {
                    let t = sh.term(j, i, p);
                    v += at.a[t] * row_c[t];
                }
                psi[j * d + i] = v;
            }
        }
        let mut fk = 0.0;
        for j in 0..r {
            let mut prod = 1.0;
            for i in 0..d {
                prod *= psi[j * d + i];
            }
            fk += prod;
            for i in 0..d {
                let mut o = 1.0;
                for i2 in 0..d {
                    if i2 != i {
                        o *= psi[j * d + i2];
                    }
                }
                other[j * d + i] = o;
            }
        }
        f[k] = fk;
        let rk = fk - prob.y[k];
        res[k] = rk * sq;
        loss += 0.5 * inv_n * rk * rk;
        if want < Want::Gradient {
            continue;
        }
        for j in 0..r {
            for i in 0..d {
                let xi = prob.x[k * d + i];
                for p in 0..pp {
                    let t = sh.term(j, i, p);
                    let g = term_grad(at.a[t], row_c[t], row_s[t], xi);
                    tg[t] = g;
                    let o = other[j * d + i];
                    for q in 0..4 {
                        gf[4 * t + q] = o * g[q];
                    }
                }
            }
        }
        for (g, v) in grad.iter_mut().zip(&gf) {
            *g += inv_n * rk * v;
        }
        if let Some(jm) = jac.as_mut() {
            for (c, v) in gf.iter().enumerate() {
                jm[(k, c)] = sq * v;
            }
        }
        if let Some(h) = hess.as_mut() {
            // r_k ∇²f_k part (the Gauss–Newton part is added below from the Jacobian).
            let w = inv_n * rk;
            for j in 0..r {
                for i in 0..d {
                    let xi = prob.x[k * d + i];
                    let o = other[j * d + i];
                    for p in 0..pp {
                        let t = sh.term(j, i, p);
                        let th = term_hess(at.a[t], row_c[t], row_s[t], xi);
                        for q1 in 0..4 {
                            for q2 in 0..4 {
                                h[(4 * t + q1, 4 * t + q2)] += w * o * th[q1][q2];
                            }
                        }
                    }
                    for i2 in 0..d {
                        if i2 == i {
                            continue;
                        }
                        let mut o2 = 1.0;
                        for i3 in 0..d {
                            if i3 != i && i3 != i2 {
                                o2 *= psi[j * d + i3];
                            }
                        }
                        for p in 0..pp {
                            let t = sh.term(j, i, p);
                            for p2 in 0..pp {
                                let t2 = sh.term(j, i2, p2);
                                for q1 in 0..4 {
                                    for q2 in 0..4 {
                                        h[(4 * t + q1, 4 * t2 + q2)] +=
                                            w * o2 * tg[t][q1] * tg[t2][q2];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    if let (Some(h), Some(jm)) = (hess.as_mut(), jac.as_ref()) {
        let gn = jm.transpose() * jm;
        *h += gn;
    }
    let grad_norm = if grad.is_empty() {
        f64::NAN
    } else {
        grad.iter().map(|g| g * g).sum::<f64>().sqrt()
    };
    Eval {
        f,
        residuals: res,
        loss,
        grad_norm,
        grad,
        jac,
        hess,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    pub(crate) fn random_problem(
        r: usize,
        d: usize,
        p: usize,
        n: usize,
        seed: u64,
    ) -> (Problem, Vec<f64>) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let x: Vec<Vec<f64>> = (0..n)
            .map(|_| (0..d).map(|_| rng.random_range(-1.0..1.0)).collect())
            .collect();
        let y: Vec<f64> = (0..n).map(|_| rng.random_range(-1.0..1.0)).collect();
        let prob = Problem::new(r, p, &x, &y).unwrap();
        let theta: Vec<f64> = (0..prob.shape.n_params())
            .map(|_| rng.random_range(-1.0..1.0))
            .collect();
        (prob, theta)
    }

    #[test]
    fn gradient_and_hessian_match_central_differences() {
        for &(r, d, p) in &[(1, 1, 1), (2, 2, 2), (1, 3, 2)] {
            let (prob, th) = random_problem(r, d, p, 17, 3 + r as u64);
            let (_, g, h) = prob.hessian(&th);
            let np = th.len();
            let hstep = 1e-5;
            for c in 0..np {
                let mut tp = th.clone();
                let mut tm = th.clone();
                tp[c] += hstep;
                tm[c] -= hstep;
                let fd = (prob.loss(&tp) - prob.loss(&tm)) / (2.0 * hstep);
                assert!(
                    (fd - g[c]).abs() <= 1e-8 * (1.0 + g[c].abs()),
                    "grad {c}: {fd} vs {}",
                    g[c]
                );
                let (_, gp) = prob.gradient(&tp);
                let (_, gm) = prob.gradient(&tm);
                for c2 in 0..np {
                    let fdh = (gp[c2] - gm[c2]) / (2.0 * hstep);
                    assert!(
                        (fdh - h[(c2, c)]).abs() <= 1e-7 * (1.0 + h[(c2, c)].abs()),
                        "hess ({c2},{c}) shape {r}{d}{p}: {fdh} vs {}",
                        h[(c2, c)]
                    );
                }
            }
            for a in 0..np {
                for b in 0..np {
                    assert!((h[(a, b)] - h[(b, a)]).abs() <= 1e-14 * (1.0 + h[(a, b)].abs()));
                }
            }
        }
    }

    #[test]
    fn bad_input_is_rejected() {
        assert!(Problem::new(1, 1, &[], &[]).is_err());
        assert!(Problem::new(1, 1, &[vec![0.0], vec![0.0, 1.0]], &[0.0, 1.0]).is_err());
        assert!(Problem::new(1, 1, &[vec![f64::NAN]], &[0.0]).is_err());
        assert!(Problem::new(1, 1, &[vec![0.0]], &[f64::INFINITY]).is_err());
        assert!(Problem::new(1, 1, &[vec![0.0]], &[0.0, 1.0]).is_err());
        let p = Problem::new(1, 1, &[vec![0.0]], &[0.0]).unwrap();
        assert!(p.check_theta(&[1.0, 2.0, 3.0], "theta0").is_err());
        assert!(p.check_theta(&[1.0, 2.0, 3.0, f64::NAN], "theta0").is_err());
        assert!(p.check_theta(&[1.0, 2.0, 3.0, 4.0], "theta0").is_ok());
    }
}
