//! The Taylor tower of t ↦ ∇L(θ0 + tδ), computed numerically in f64 with truncated Taylor (jet)
//! arithmetic, independently of the closed form: the tower coefficients c_n = (1/n!) ∇^{n+1}L(θ0)[δ^{⊗n}]
//! come from the series e^{tλ} = Σ (tλ)^n/n! of every atom and truncated Cauchy products
//! (theory/V2.md). F_K(δ) = Σ_{n≤K} c_n; F_0 = ∇L(θ0), F_1 = ∇L(θ0) + H(θ0)δ.
//!
//! The tanh negative control (theory/V5.md) has the same structure with the atom tanh(wx + b), whose
//! series comes from the Riccati recurrence y' = (1 − y²)u'; its poles at u = ιπ(m + ½) give the
//! tower a finite radius of convergence in t.

#![allow(clippy::needless_range_loop)] // index loops mirror the formulas
use super::model::Problem;

/// Truncated product of two series (degree ≤ K = len − 1).
pub fn mul(a: &[f64], b: &[f64]) -> Vec<f64> {
    let k = a.len();
    let mut c = vec![0.0; k];
    for (n, cn) in c.iter_mut().enumerate() {
        let mut s = 0.0;
        for m in 0..=n {
            s += a[m] * b[n - m];
        }
        *cn = s;
    }
    c
}

fn axpy(y: &mut [f64], a: f64, x: &[f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// How the atom series are formed (the correct law or a planted bug for the validation tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AtomSeries {
    /// e^{tλ} = Σ (tλ)^n/n!, A(t) = A0 + tδA.
    Exact,
    /// Planted bug: the 1/n! is dropped (a geometric series).
    NoFactorial,
    /// Planted bug: the amplitude step δA is dropped.
    NoAmplitudeStep,
}

/// Tower coefficients c_0 … c_K (each of length 4·r·d·P) of t ↦ ∇L(θ0 + tδ) for an AION problem.
pub fn aion_tower(prob: &Problem, theta0: &[f64], delta: &[f64], order: usize) -> Vec<Vec<f64>> {
    aion_tower_with(prob, theta0, delta, order, AtomSeries::Exact)
}

/// [`aion_tower`] with a choice of atom series (for planted-bug tests).
pub fn aion_tower_with(
    prob: &Problem,
    theta0: &[f64],
    delta: &[f64],
    order: usize,
    law: AtomSeries,
) -> Vec<Vec<f64>> {
    let sh = prob.shape;
    let (r, d, pp) = (sh.rank, sh.dim, sh.terms);
    let len = order + 1;
    let np = sh.n_params();
    let tt = sh.n_terms();
    let n = prob.n_samples();
    let at0 = prob.atoms(theta0);
    let mut out = vec![vec![0.0; np]; len];
    let inv_n = 1.0 / n as f64;
    for k in 0..n {
        let mut a = vec![vec![0.0; len]; tt];
        let mut c = vec![vec![0.0; len]; tt];
        let mut s = vec![vec![0.0; len]; tt];
        let mut xs = vec![0.0; tt];
        for j in 0..r {
            for i in 0..d {
                let x = prob.x[k * d + i];
                for p in 0..pp {
                    let t = sh.term(j, i, p);
                    xs[t] = x;
                    a[t][0] = theta0[4 * t];
                    if len > 1 && law != AtomSeries::NoAmplitudeStep {
                        a[t][1] = delta[4 * t];
                    }
                    let (lr, li) = (
                        delta[4 * t + 1] * x,
                        delta[4 * t + 2] * x + delta[4 * t + 3],
                    );
                    let (mut wr, mut wi) = (at0.c[k * tt + t], at0.s[k * tt + t]);
                    for m in 0..len {
                        c[t][m] = wr;
                        s[t][m] = wi;
                        let div = if law == AtomSeries::NoFactorial {
                            1.0
                        } else {
                            (m + 1) as f64
                        };
                        let (nr, ni) = (wr * lr - wi * li, wr * li + wi * lr);
                        wr = nr / div;
                        wi = ni / div;
                    }
                }
            }
        }
        let mut psi = vec![vec![0.0; len]; r * d];
        let mut ac = vec![vec![0.0; len]; tt];
        let mut asn = vec![vec![0.0; len]; tt];
        for j in 0..r {
            for i in 0..d {
                let mut v = vec![0.0; len];
                for p in 0..pp {
                    let t = sh.term(j, i, p);
                    ac[t] = mul(&a[t], &c[t]);
                    asn[t] = mul(&a[t], &s[t]);
                    axpy(&mut v, 1.0, &ac[t]);
                }
                psi[j * d + i] = v;
            }
        }
        let mut f = vec![0.0; len];
        let mut other = vec![vec![0.0; len]; r * d];
        for j in 0..r {
            let mut prod = vec![0.0; len];
            prod[0] = 1.0;
            for i in 0..d {
                prod = mul(&prod, &psi[j * d + i]);
                let mut o = vec![0.0; len];
                o[0] = 1.0;
                for i2 in 0..d {
                    if i2 != i {
                        o = mul(&o, &psi[j * d + i2]);
                    }
                }
                other[j * d + i] = o;
            }
            axpy(&mut f, 1.0, &prod);
        }
        f[0] -= prob.y[k];
        for j in 0..r {
            for i in 0..d {
                let o = &other[j * d + i];
                let of = mul(o, &f);
                for p in 0..pp {
                    let t = sh.term(j, i, p);
                    let x = xs[t];
                    let parts = [
                        mul(&of, &c[t]),
                        mul(&of, &ac[t]),
                        mul(&of, &asn[t]),
                        mul(&of, &asn[t]),
                    ];
                    let scale = [1.0, x, -x, -1.0];
                    for q in 0..4 {
                        for m in 0..len {
                            out[m][4 * t + q] += inv_n * scale[q] * parts[q][m];
                        }
                    }
                }
            }
        }
    }
    out
}

/// F_K(δ) = Σ_{n≤K} c_n from tower coefficients.
pub fn partial_sum(coeffs: &[Vec<f64>], order: usize) -> Vec<f64> {
    let mut s = vec![0.0; coeffs[0].len()];
    for c in coeffs.iter().take(order + 1) {
        axpy(&mut s, 1.0, c);
    }
    s
}

/// The tanh negative control: one neuron f(x) = a·tanh(w x + b), θ = (a, w, b), on scalar data,
/// with L = (1/2N) Σ (f − y)².
#[derive(Clone, Debug)]
pub struct TanhProblem {
    /// Inputs.
    pub x: Vec<f64>,
    /// Targets.
    pub y: Vec<f64>,
}

impl TanhProblem {
    /// ∇L(θ).
    pub fn gradient(&self, th: &[f64]) -> Vec<f64> {
        let n = self.x.len() as f64;
        let mut g = vec![0.0; 3];
        for (x, y) in self.x.iter().zip(&self.y) {
            let tnh = (th[1] * x + th[2]).tanh();
            let sech2 = 1.0 - tnh * tnh;
            let r = th[0] * tnh - y;
            g[0] += r * tnh / n;
            g[1] += r * th[0] * x * sech2 / n;
            g[2] += r * th[0] * sech2 / n;
        }
        g
    }

    /// Distance from t = 0 to the nearest complex singularity of t ↦ ∇L(θ0 + tδ): the poles of
    /// tanh at u = ±ιπ/2 give |t| = √(u0² + π²/4)/|v| per sample (u0 = w0x + b0, v = δw·x + δb).
    pub fn radius(&self, th: &[f64], delta: &[f64]) -> f64 {
        let h = std::f64::consts::FRAC_PI_2;
        self.x
            .iter()
            .map(|x| {
                let u0 = th[1] * x + th[2];
                let v = delta[1] * x + delta[2];
                (u0 * u0 + h * h).sqrt() / v.abs()
            })
            .fold(f64::INFINITY, f64::min)
    }
}

/// The tanh series law (correct Riccati recurrence, or a planted bug that drops the −y² term).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TanhSeries {
    /// (n+1) y_{n+1} = v (δ_{n0} − (y²)_n).
    Riccati,
    /// Planted bug: (n+1) y_{n+1} = v δ_{n0} (the −y² term dropped: a linear "tanh").
    Linearized,
}

/// Tower coefficients of t ↦ ∇L(θ0 + tδ) for the tanh neuron.
pub fn tanh_tower(
    prob: &TanhProblem,
    th: &[f64],
    delta: &[f64],
    order: usize,
    law: TanhSeries,
) -> Vec<Vec<f64>> {
    let len = order + 1;
    let n = prob.x.len() as f64;
    let mut out = vec![vec![0.0; 3]; len];
    for (x, y) in prob.x.iter().zip(&prob.y) {
        let u0 = th[1] * x + th[2];
        let v = delta[1] * x + delta[2];
        let mut t = vec![0.0; len];
        t[0] = u0.tanh();
        for m in 0..order {
            let sq = if law == TanhSeries::Riccati {
                (0..=m).map(|l| t[l] * t[m - l]).sum::<f64>()
            } else {
                0.0
            };
            let one = if m == 0 { 1.0 } else { 0.0 };
            t[m + 1] = v * (one - sq) / (m + 1) as f64;
        }
        let t2 = mul(&t, &t);
        let mut sech2: Vec<f64> = t2.iter().map(|v| -v).collect();
        sech2[0] += 1.0;
        let mut a = vec![0.0; len];
        a[0] = th[0];
        if len > 1 {
            a[1] = delta[0];
        }
        let mut r = mul(&a, &t);
        r[0] -= y;
        let g0 = mul(&r, &t);
        let ras = mul(&mul(&r, &a), &sech2);
        for m in 0..len {
            out[m][0] += g0[m] / n;
            out[m][1] += x * ras[m] / n;
            out[m][2] += ras[m] / n;
        }
    }
    out
}

/// Estimate the radius of convergence of a vector power series from its coefficients c_lo … c_hi:
/// a least-squares fit of log max_{window} ‖c_n‖₂ against n (window of 8 absorbs the oscillation of
/// complex-conjugate singularities); R = e^{−slope}. Vanishing coefficients give +∞.
pub fn radius_estimate(coeffs: &[Vec<f64>], lo: usize, hi: usize) -> f64 {
    let norms: Vec<f64> = coeffs
        .iter()
        .map(|c| c.iter().map(|v| v * v).sum::<f64>().sqrt())
        .collect();
    let mut pts = Vec::new();
    for n in lo..=hi.min(norms.len() - 1) {
        let w0 = n.saturating_sub(7);
        let m = norms[w0..=n].iter().cloned().fold(0.0, f64::max);
        if m == 0.0 {
            return f64::INFINITY;
        }
        pts.push((n as f64, m.ln()));
    }
    let k = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / k;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / k;
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    (-(sxy / sxx)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aion::model::tests::random_problem;

    #[test]
    fn tower_order_one_is_the_newton_model_and_converges() {
        let (prob, th) = random_problem(2, 2, 2, 30, 7);
        let delta: Vec<f64> = (0..th.len())
            .map(|k| 0.3 * ((k as f64) * 0.7).sin())
            .collect();
        let co = aion_tower(&prob, &th, &delta, 40);
        let (_, g, h) = prob.hessian(&th);
        let f1 = partial_sum(&co, 1);
        for c in 0..th.len() {
            let hd: f64 = (0..th.len()).map(|k| h[(c, k)] * delta[k]).sum();
            assert!((f1[c] - g[c] - hd).abs() <= 1e-12 * (1.0 + g[c].abs() + hd.abs()));
        }
        let t1: Vec<f64> = th.iter().zip(&delta).map(|(a, b)| a + b).collect();
        let (_, g1) = prob.gradient(&t1);
        let f40 = partial_sum(&co, 40);
        let err: f64 = f40
            .iter()
            .zip(&g1)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(err <= 1e-12, "{err}");
    }

    #[test]
    fn tanh_radius_matches_poles() {
        let x: Vec<f64> = (0..16).map(|k| -1.0 + 2.0 * k as f64 / 15.0).collect();
        let y: Vec<f64> = x.iter().map(|x| 0.8 * (1.3 * x - 0.2).tanh()).collect();
        let p = TanhProblem { x, y };
        let th = [0.5, 0.7, 0.1];
        let d0 = [0.3, 1.0, -0.4];
        let r0 = p.radius(&th, &d0);
        let co = tanh_tower(&p, &th, &d0, 60, TanhSeries::Riccati);
        let est = radius_estimate(&co, 30, 60);
        assert!((est / r0 - 1.0).abs() < 0.1, "{est} vs {r0}");
        // The tower series at t reproduces the gradient inside the radius.
        let tq = 0.5 * r0;
        let mut s = [0.0; 3];
        for (m, c) in co.iter().enumerate() {
            for q in 0..3 {
                s[q] += c[q] * tq.powi(m as i32);
            }
        }
        let t1: Vec<f64> = th.iter().zip(&d0).map(|(a, b)| a + tq * b).collect();
        let g = p.gradient(&t1);
        for q in 0..3 {
            assert!((s[q] - g[q]).abs() < 1e-12, "{} {}", s[q], g[q]);
        }
    }
}
