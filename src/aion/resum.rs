//! The closed-form resummation of the Taylor tower (theory/V1.md): F(δ) = exp(δ·∇_θ) ∇L(θ0) = ∇L(θ0+δ)
//! evaluated from quantities cached at θ0.
//!
//! Each atom term is A·Re z with z = e^{(α+ιω)x+ιφ}. The parameter derivations act diagonally on z
//! (∂_α z = x z, ∂_ω z = ιx z, ∂_φ z = ι z), so the shift operator acts by a scalar multiplier,
//! T_δ z = μ(δ)·z with μ(δ) = e^{(δα + ιδω)x + ιδφ}, exactly for every δ; the amplitude enters
//! linearly, T_δ A = A + δA. The Leibniz rule makes T_δ an algebra homomorphism, so products over
//! inputs, sums over ranks, residuals and the polynomial loss follow. The cache holds
//! E_{k,t} = z_{k,t}(θ0) and A0; an evaluation at δ recomputes only the multipliers μ.

#![allow(clippy::needless_range_loop)] // index loops mirror the formulas
use super::model::{assemble, Atoms, Eval, Problem, Want};
use faer::Mat;

/// Quantities cached at θ0: the complex exponentials E_{k,t} (as real and imaginary parts), the
/// amplitudes A0, and the per-sample inputs of every term.
#[derive(Clone, Debug)]
pub struct Cache<'a> {
    /// The problem.
    pub prob: &'a Problem,
    /// θ0.
    pub theta0: Vec<f64>,
    /// Re E, N × T.
    pub er: Vec<f64>,
    /// Im E, N × T.
    pub ei: Vec<f64>,
    /// x_{k, i(t)}, N × T (the input each term sees).
    pub xt: Vec<f64>,
}

impl<'a> Cache<'a> {
    /// Build the cache at θ0 (one exponential per sample and term, computed once).
    pub fn new(prob: &'a Problem, theta0: &[f64]) -> Self {
        let at = prob.atoms(theta0);
        let sh = prob.shape;
        let n = prob.n_samples();
        let tt = sh.n_terms();
        let mut xt = vec![0.0; n * tt];
        for k in 0..n {
            for j in 0..sh.rank {
                for i in 0..sh.dim {
                    for p in 0..sh.terms {
                        xt[k * tt + sh.term(j, i, p)] = prob.x[k * sh.dim + i];
                    }
                }
            }
        }
        Self {
            prob,
            theta0: theta0.to_vec(),
            er: at.c,
            ei: at.s,
            xt,
        }
    }

    /// Atom values at θ0 + δ from the cache: a = A0 + δA, w = E·μ(δ).
    pub fn atoms(&self, delta: &[f64]) -> Atoms {
        shifted_atoms(self, delta, 1.0)
    }

    /// Evaluate the resummed system at δ: Λ(δ) = L(θ0+δ), and as requested F(δ) = ∇L(θ0+δ), the
    /// residual Jacobian, and J(δ) = ∂F/∂δ = ∇²L(θ0+δ).
    pub fn eval(&self, delta: &[f64], want: Want) -> Eval {
        assemble(self.prob, &self.atoms(delta), want)
    }

    /// F(δ), the exact resummed update equation (theory/V1.md).
    pub fn update_equation(&self, delta: &[f64]) -> Vec<f64> {
        self.eval(delta, Want::Gradient).grad
    }

    /// J(δ) = ∂F/∂δ, exact.
    pub fn jacobian(&self, delta: &[f64]) -> Mat<f64> {
        self.eval(delta, Want::Hessian)
            .hess
            .expect("Hessian requested")
    }
}

/// Atom values at θ0 + δ with the phase multiplier's ω/φ sign set by `sign` (+1 is the correct
/// law; −1 is the conjugate multiplier, a planted bug used by the validation tests).
pub fn shifted_atoms(cache: &Cache<'_>, delta: &[f64], sign: f64) -> Atoms {
    let sh = cache.prob.shape;
    let n = cache.prob.n_samples();
    let tt = sh.n_terms();
    let mut at = Atoms {
        a: (0..tt)
            .map(|t| cache.theta0[4 * t] + delta[4 * t])
            .collect(),
        c: vec![0.0; n * tt],
        s: vec![0.0; n * tt],
    };
    for k in 0..n {
        for t in 0..tt {
            let idx = k * tt + t;
            let x = cache.xt[idx];
            let (da, dw, dp) = (delta[4 * t + 1], delta[4 * t + 2], delta[4 * t + 3]);
            let m = (da * x).exp();
            let (sn, cs) = (sign * (dw * x + dp)).sin_cos();
            let (mr, mi) = (m * cs, m * sn);
            let (er, ei) = (cache.er[idx], cache.ei[idx]);
            at.c[idx] = er * mr - ei * mi;
            at.s[idx] = er * mi + ei * mr;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aion::model::tests::random_problem;
    use rand::{Rng, SeedableRng};

    #[test]
    fn cached_update_equation_equals_direct_gradient_at_unit_steps() {
        for &(r, d, p) in &[(1, 1, 1), (2, 2, 2)] {
            let (prob, th) = random_problem(r, d, p, 40, 11);
            let cache = Cache::new(&prob, &th);
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
            for _ in 0..5 {
                let mut delta: Vec<f64> =
                    (0..th.len()).map(|_| rng.random_range(-1.0..1.0)).collect();
                let nrm = delta.iter().map(|v| v * v).sum::<f64>().sqrt();
                delta.iter_mut().for_each(|v| *v /= nrm);
                let f = cache.update_equation(&delta);
                let t1: Vec<f64> = th.iter().zip(&delta).map(|(a, b)| a + b).collect();
                let (_, g, h) = prob.hessian(&t1);
                let gn = g.iter().map(|v| v * v).sum::<f64>().sqrt();
                let err = f
                    .iter()
                    .zip(&g)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    .sqrt();
                assert!(err <= 1e-12 * gn.max(1e-300), "rel err {}", err / gn);
                let j = cache.jacobian(&delta);
                assert!((&j - &h).norm_l2() <= 1e-12 * h.norm_l2());
            }
        }
    }
}
