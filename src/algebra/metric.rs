//! Symbolic proofs of the natural-gradient metric identities that [`crate::metric`] relies on
//! (Shoji, Suzuki & Kozachkov, arXiv 2409.16422, T2 and T5; theory/ID-metric.md).
//!
//! **Coordinates.** Every identity is invariant under rotations, so it suffices to prove it in an
//! orthonormal basis (â, ê, e₃) with a = (‖a‖, 0, 0) and b = (b_∥, ‖b_⊥‖, 0); the third axis
//! stands for span{a, b}^⊥. The scalar invariants determine these coordinates:
//! ‖a‖ = √‖a‖², b_∥ = aᵀb/‖a‖, ‖b_⊥‖ = √(‖b‖² − b_∥²). In the formulas below the symbols are
//! `na` = ‖a‖, `bp` = b_∥, `bq` = ‖b_⊥‖, `nb` = ‖b‖ and the family parameter `beta`.
//!
//! **The relation ‖b‖² = b_∥² + ‖b_⊥‖².** Before simplification every difference is rewritten
//! with the polynomial parametrisation b_∥ = pq, ‖b_⊥‖ = (q² − p²)/2, ‖b‖ = (p² + q²)/2, which
//! satisfies the relation identically and reaches every admissible b (p = √(‖b‖ − ‖b_⊥‖) > 0,
//! q = √(‖b‖ + ‖b_⊥‖) ≥ p). Every denominator of the formulas (‖a‖, b_∥, aᵀb) is then a monomial
//! in (na, p, q), so "the difference expands to 0" is an identity of Laurent polynomials: a proof.
//!
//! **What is proved and what is compared.** Each identity compares a closed form transcribed from
//! the theory file (the 2×2 blocks, determinants, β*, κ*, the eigenvalues of M_opt — the formulas
//! that `crate::metric` implements in f64) with its definition written out symbolically (the
//! dense formulas bbᵀ/aᵀb + β(I − ââᵀ), the BFGS and DFP updates of the identity, the secant
//! equation M a = b, the characteristic polynomial). No numeric output of ours is compared with
//! Symbolica's, nor the reverse. All Symbolica calls run on the worker thread ([`super::worker`]).

use super::worker;
use crate::error::Result;
use symbolica::prelude::*;

/// The closed forms under proof, in Symbolica syntax over `na`, `bp`, `bq`, `nb`, `beta`
/// (see the module docs), transcribed from theory/ID-metric.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricFormulas {
    /// The scale of the rank-one term of the canonical form, aᵀb = ‖a‖ b_∥ (T2).
    pub canonical_scale: &'static str,
    /// The 2×2 block (p, r, q) of M(β) = bbᵀ/(aᵀb) + β(I − ââᵀ) on span{â, ê}.
    pub family_block: [&'static str; 3],
    /// det of that block.
    pub family_det: &'static str,
    /// β* = ‖b‖²/(aᵀb), the member of minimum condition number.
    pub beta_star: &'static str,
    /// The two eigenvalues (λ₊, λ₋) of the block of M_opt = M(β*).
    pub optimal_eigenvalues: [&'static str; 2],
    /// κ* = ((‖b‖ + ‖b_⊥‖)/b_∥)² (T5).
    pub kappa_star: &'static str,
    /// The 2×2 block (p, r, q) of DFP(I) on span{â, ê} (the complement eigenvalue is 1).
    pub dfp_block: [&'static str; 3],
    /// det of that block.
    pub dfp_det: &'static str,
}

/// The formulas of theory/ID-metric.md (and of `crate::metric`'s documentation).
pub const FORMULAS: MetricFormulas = MetricFormulas {
    canonical_scale: "na*bp",
    family_block: ["bp/na", "bq/na", "bq^2/(na*bp)+beta"],
    family_det: "beta*bp/na",
    beta_star: "nb^2/(na*bp)",
    optimal_eigenvalues: ["nb*(nb+bq)/(na*bp)", "nb*(nb-bq)/(na*bp)"],
    kappa_star: "((nb+bq)/bp)^2",
    dfp_block: ["bp/na", "bq/na", "1+(bq/bp)^2+bq^2/(na*bp)"],
    dfp_det: "nb^2/(na*bp)",
};

/// The groups of identities, one record each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// T2: the canonical form M = bbᵀ/(aᵀb) + UUᵀ, Uᵀa = 0, and its converse.
    Canonical,
    /// M·update = −∇L (M a = b) for the constructed family, its dense formula and determinant.
    Secant,
    /// T5: the eigenvalues of M_opt, κ(M_opt) = κ*, and the tightness of Wielandt's bound at κ*.
    Kappa,
    /// BFGS(I) = M(1) and DFP(I) ∈ S(a→b) in canonical form.
    BfgsDfp,
}

impl Group {
    /// Every group, in report order.
    pub const ALL: [Group; 4] = [
        Group::Canonical,
        Group::Secant,
        Group::Kappa,
        Group::BfgsDfp,
    ];

    /// The record variant.
    pub fn name(self) -> &'static str {
        match self {
            Group::Canonical => "canonical",
            Group::Secant => "secant",
            Group::Kappa => "kappa",
            Group::BfgsDfp => "bfgs-dfp",
        }
    }
}

/// The verdict on one identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// What is claimed (formula = definition).
    pub name: String,
    /// Whether the difference expands to 0.
    pub proved: bool,
}

type M3 = [[Atom; 3]; 3];

fn at(s: &str) -> Atom {
    parse!(s)
}

fn num(n: i64) -> Atom {
    Atom::num(n)
}

fn mat(f: impl Fn(usize, usize) -> Atom) -> M3 {
    std::array::from_fn(|i| std::array::from_fn(|j| f(i, j)))
}

fn mul(a: &M3, b: &M3) -> M3 {
    mat(|i, j| {
        let mut s = num(0);
        for (k, bk) in b.iter().enumerate() {
            s += &a[i][k] * &bk[j];
        }
        s
    })
}

fn apply(a: &M3, v: &[Atom; 3]) -> [Atom; 3] {
    std::array::from_fn(|i| {
        let mut s = num(0);
        for (k, vk) in v.iter().enumerate() {
            s += &a[i][k] * vk;
        }
        s
    })
}

fn outer(u: &[Atom; 3], v: &[Atom; 3], scale: &Atom) -> M3 {
    mat(|i, j| &u[i] * &v[j] / scale)
}

fn identity3() -> M3 {
    mat(|i, j| num(i64::from(i == j)))
}

fn a_vec() -> [Atom; 3] {
    [at("na"), num(0), num(0)]
}

fn b_vec() -> [Atom; 3] {
    [at("bp"), at("bq"), num(0)]
}

/// The metric of a 2×2 block on span{â, ê} and eigenvalue `c` on the complement.
fn block_metric(block: &[&str; 3], c: Atom) -> M3 {
    let [p, r, q] = block.map(at);
    [[p, r.clone(), num(0)], [r, q, num(0)], [num(0), num(0), c]]
}

/// The identities of `group` as (claim, difference that must vanish).
fn differences(f: &MetricFormulas, group: Group) -> Vec<(String, Atom)> {
    let (a, b) = (a_vec(), b_vec());
    let mut out: Vec<(String, Atom)> = Vec::new();
    let push_vec = |out: &mut Vec<(String, Atom)>, what: &str, x: [Atom; 3], y: &[Atom; 3]| {
        for (i, (xi, yi)) in x.iter().zip(y).enumerate() {
            out.push((format!("{what} [component {i}]"), xi - yi));
        }
    };
    let push_mat = |out: &mut Vec<(String, Atom)>, what: &str, x: &M3, y: &M3| {
        for (i, (xr, yr)) in x.iter().zip(y).enumerate() {
            for (j, (xe, ye)) in xr.iter().zip(yr).enumerate().skip(i) {
                out.push((format!("{what} [entry {i}{j}]"), xe - ye));
            }
        }
    };
    let s = at(f.canonical_scale);
    let bbt = outer(&b, &b, &s);
    let aat = outer(&a, &a, &(at("na") * at("na")));
    match group {
        Group::Canonical => {
            // T2 (⇐): U with Uᵀa = 0 has a zero first row in these coordinates.
            let u = mat(|i, j| match (i, j) {
                (0, _) | (_, 2) => num(0),
                _ => at(&format!("u{i}{j}")),
            });
            let ut = mat(|i, j| u[j][i].clone());
            let uu = mul(&u, &ut);
            let m = mat(|i, j| &bbt[i][j] + &uu[i][j]);
            push_vec(
                &mut out,
                "T2 (⇐): (bbᵀ/(aᵀb) + UUᵀ)·a = b for every U with Uᵀa = 0",
                apply(&m, &a),
                &b,
            );
            // T2 (⇒): a symmetric M with M a = b has first column b/‖a‖; the remainder
            // R = M − bbᵀ/(aᵀb) then annihilates a, so R = UUᵀ with Uᵀa = 0 (R ⪰ 0 for SPD M).
            let mut m = mat(|i, j| {
                let (i, j) = (i.min(j), i.max(j));
                at(&format!("m{i}{j}"))
            });
            let col = [at("bp/na"), at("bq/na"), num(0)];
            for (i, c) in col.iter().enumerate() {
                m[i][0] = c.clone();
                m[0][i] = c.clone();
            }
            let r = mat(|i, j| &m[i][j] - &bbt[i][j]);
            push_vec(
                &mut out,
                "T2 (⇒): (M − bbᵀ/(aᵀb))·a = 0 for every symmetric M with M a = b",
                apply(&r, &a),
                &[num(0), num(0), num(0)],
            );
        }
        Group::Secant => {
            let fam = block_metric(&f.family_block, at("beta"));
            push_vec(
                &mut out,
                "M(β)·update = −∇L: the block (p, r, q) maps a to b",
                apply(&fam, &a),
                &b,
            );
            let dense = mat(|i, j| &bbt[i][j] + at("beta") * (&identity3()[i][j] - &aat[i][j]));
            push_mat(
                &mut out,
                "the block (p, r, q) ⊕ β equals bbᵀ/(aᵀb) + β(I − ââᵀ)",
                &fam,
                &dense,
            );
            let [p, r, q] = f.family_block.map(at);
            out.push((
                "det of the block = β b_∥/‖a‖".into(),
                &p * &q - &r * &r - at(f.family_det),
            ));
        }
        Group::Kappa => {
            let bs = at(f.beta_star);
            let [p, r, q0] = f.family_block.map(at);
            let q = q0.replace(at("beta")).with(bs.clone());
            let [lp, lm] = f.optimal_eigenvalues.map(at);
            for (name, l) in [("λ₊", &lp), ("λ₋", &lm)] {
                out.push((
                    format!("{name} is an eigenvalue of the block of M(β*): det(B − {name} I) = 0"),
                    (&p - l) * (&q - l) - &r * &r,
                ));
            }
            let gap = at("nb*bq/(na*bp)");
            out.push((
                "λ₊ − β* = ‖b‖‖b_⊥‖/(aᵀb) ≥ 0 (β* does not raise the largest eigenvalue)".into(),
                &lp - &bs - &gap,
            ));
            out.push((
                "β* − λ₋ = ‖b‖‖b_⊥‖/(aᵀb) ≥ 0 (β* does not lower the smallest eigenvalue)".into(),
                &bs - &lm - &gap,
            ));
            out.push((
                "β* = ‖b‖²/(aᵀb)".into(),
                bs.clone() * at("na") * at("bp") - at("nb^2"),
            ));
            let k = at(f.kappa_star);
            out.push(("κ(M_opt) = λ₊/λ₋ = κ*".into(), &lp - &k * &lm));
            out.push((
                "κ* = (1 + sin ψ)/(1 − sin ψ), sin ψ = ‖b_⊥‖/‖b‖".into(),
                &k * (at("nb") - at("bq")) - (at("nb") + at("bq")),
            ));
            // Wielandt: cos∠(a, Ma) ≥ 2√κ/(1 + κ) for SPD M; at κ* the bound equals cos ψ.
            let sk = at("(nb+bq)/bp");
            out.push(("√κ* = (‖b‖ + ‖b_⊥‖)/b_∥".into(), &k - &sk * &sk));
            out.push((
                "Wielandt's bound is tight at κ*: 2√κ*/(1 + κ*) = cos ψ = b_∥/‖b‖".into(),
                num(2) * &sk * at("nb") - (num(1) + &k) * at("bp"),
            ));
        }
        Group::BfgsDfp => {
            let i3 = identity3();
            // BFGS update of B = I with (s, y) = (a, b): I − s sᵀ/(sᵀs) + y yᵀ/(yᵀs).
            let bfgs = mat(|i, j| &i3[i][j] - &aat[i][j] + &bbt[i][j]);
            push_mat(
                &mut out,
                "BFGS(I) = M(1): the family block at β = 1, complement eigenvalue 1",
                &bfgs,
                &block_metric(&f.family_block, num(1))
                    .map(|row| row.map(|e| e.replace(at("beta")).with(num(1)))),
            );
            // DFP update of B = I: (I − y sᵀ/(yᵀs)) (I − s yᵀ/(yᵀs)) + y yᵀ/(yᵀs).
            let l = mat(|i, j| &i3[i][j] - &b[i] * &a[j] / &s);
            let rr = mat(|i, j| &i3[i][j] - &a[i] * &b[j] / &s);
            let lr = mul(&l, &rr);
            let dfp = mat(|i, j| &lr[i][j] + &bbt[i][j]);
            push_mat(
                &mut out,
                "DFP(I) = the DFP block ⊕ 1",
                &dfp,
                &block_metric(&f.dfp_block, num(1)),
            );
            let code = block_metric(&f.dfp_block, num(1));
            push_vec(
                &mut out,
                "DFP(I)·a = b (DFP(I) ∈ S(a→b))",
                apply(&code, &a),
                &b,
            );
            let rem = mat(|i, j| &code[i][j] - &bbt[i][j]);
            push_vec(
                &mut out,
                "DFP(I) in canonical form: (DFP(I) − bbᵀ/(aᵀb))·a = 0",
                apply(&rem, &a),
                &[num(0), num(0), num(0)],
            );
            let [p, r, q] = f.dfp_block.map(at);
            out.push((
                "det of the DFP block = ‖b‖²/(‖a‖ b_∥)".into(),
                &p * &q - &r * &r - at(f.dfp_det),
            ));
        }
    }
    out
}

/// Rewrite with b_∥ = pq, ‖b_⊥‖ = (q² − p²)/2, ‖b‖ = (p² + q²)/2 and expand.
fn vanishes(d: &Atom) -> bool {
    let e = d
        .replace(at("bp"))
        .with(at("p*q"))
        .replace(at("bq"))
        .with(at("(q^2-p^2)/2"))
        .replace(at("nb"))
        .with(at("(p^2+q^2)/2"));
    e.expand().is_zero()
}

/// Prove the identities of `group` for the formulas `f` (on the Symbolica worker thread).
pub fn prove(f: MetricFormulas, group: Group) -> Result<Vec<Identity>> {
    worker::run(move || {
        differences(&f, group)
            .into_iter()
            .map(|(name, d)| Identity {
                proved: vanishes(&d),
                name,
            })
            .collect()
    })
}
