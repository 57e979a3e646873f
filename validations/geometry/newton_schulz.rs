//! The Newton–Schulz facts of the geometry suite: P8-a (NS5's singular-value envelope) and P8-b (NS5 against the polar factor).

use super::*;

/// The source of NS5 (P8-a, P8-b).
const NS_SOURCE: &str = "Jordan, Jin, Boza, You, Cesista, Newhouse & Bernstein, Muon: An optimizer for hidden layers in neural networks (2024 blog post and reference code, zeropower_via_newtonschulz5: quintic Newton–Schulz with (a, b, c) = (3.4445, −4.7750, 2.0315), 5 steps)";

/// An orthogonalizer under test (Newton–Schulz with some schedule).
pub use crate::norms::planted::OrthogonalizerFn as Orthogonalizer;

/// NS5 with Keller's coefficients and eps = 1e-7, the implementation P8-a/P8-b test.
pub fn keller_ns5() -> Orthogonalizer {
    Arc::new(|g| newton_schulz(g, &NsCoefficients::Keller, 5, 1e-7))
}

/// φ⁵(x) for Keller's quintic, the reference map of P8-a.
fn phi5(x: f64) -> f64 {
    (0..5).fold(x, |y, k| {
        ns_scalar_step(y, NsCoefficients::Keller.triple(k))
    })
}

/// Random orthonormal columns: the thin Q of a Gaussian m×k matrix.
fn orthonormal(rng: &mut ChaCha8Rng, m: usize, k: usize) -> Mat<f64> {
    randn(rng, m, k).qr().compute_thin_Q()
}

/// G = U diag(s) Vᵀ with prescribed singular vectors; s log-uniform in [1, 100].
struct KnownSvd {
    g: Mat<f64>,
    u: Mat<f64>,
    v: Mat<f64>,
    s: Vec<f64>,
}

fn known_svd(rng: &mut ChaCha8Rng, m: usize, n: usize) -> KnownSvd {
    let r = m.min(n);
    let u = orthonormal(rng, m, r);
    let v = orthonormal(rng, n, r);
    let s: Vec<f64> = (0..r)
        .map(|_| 10f64.powf(rng.random_range(0.0..2.0)))
        .collect();
    let us = Mat::from_fn(m, r, |i, k| u[(i, k)] * s[k]);
    let g = &us * v.transpose();
    KnownSvd { g, u, v, s }
}

/// The aspects of P8-a.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Envelope {
    /// Output singular values of directions with x ≥ 0.01 lie in [0.6818, 1.1344] (±1e-6).
    Envelope,
    /// Output singular values of directions with x < 0.01 equal φ⁵(x) (to 1e-9).
    SmallX,
    /// The output keeps G's singular vectors: ‖O − U diag(uᵢᵀOvᵢ) Vᵀ‖_F/‖O‖_F ≤ 1e-8.
    Subspace,
}

/// `P8-a`: the NS5 singular-value envelope.
pub struct P8a {
    ns: Orthogonalizer,
    aspect: Envelope,
}

impl P8a {
    /// P8-a for the orthogonalizer `ns` and one aspect.
    pub fn new(ns: Orthogonalizer, aspect: Envelope) -> Self {
        Self { ns, aspect }
    }
}

/// The NS5 sweep of P8-a and P8-b: the common part of their `params`.
#[derive(Serialize)]
struct Ns5Sweep {
    shapes: [(usize, usize); 2],
    samples_per_shape: usize,
    coefficients: &'static str,
    steps: usize,
    eps: f64,
}

impl Ns5Sweep {
    fn of(profile: Profile) -> Self {
        Self {
            shapes: [(64, 256), (256, 64)],
            samples_per_shape: profile.pick(2, 6),
            coefficients: "keller",
            steps: 5,
            eps: 1e-7,
        }
    }
}

/// The `params` of [`P8a`].
#[derive(Serialize)]
struct P8aParams {
    #[serde(flatten)]
    sweep: Ns5Sweep,
    singular_values: &'static str,
}

/// The `params` of [`P8b`].
#[derive(Serialize)]
struct P8bParams {
    #[serde(flatten)]
    sweep: Ns5Sweep,
    #[serde(rename = "G")]
    g: &'static str,
    polar: &'static str,
}

impl Check for P8a {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(
            SUITE,
            "P8-a",
            Some(
                match self.aspect {
                    Envelope::Envelope => "envelope",
                    Envelope::SmallX => "small-x",
                    Envelope::Subspace => "subspace",
                }
                .into(),
            ),
        )
    }
    fn claim(&self) -> String {
        match self.aspect {
            Envelope::Envelope => "NS5 (Keller) maps every singular value with x = σ/‖G‖_F ≥ 0.01 into [0.6818, 1.1344]".into(),
            Envelope::SmallX => "NS5 (Keller) maps a singular value x = σ/‖G‖_F < 0.01 to φ⁵(x), φ(x) = 3.4445x − 4.7750x³ + 2.0315x⁵".into(),
            Envelope::Subspace => "NS5 preserves the singular vectors of G: O = U diag(φ⁵(x)) Vᵀ".into(),
        }
    }
    fn source(&self) -> String {
        format!(
            "{NS_SOURCE}; the envelope derived by iterating φ in scalar arithmetic, theory/P8-a.md"
        )
    }
    fn params(&self, ctx: &Ctx) -> Value {
        to_params(&P8aParams {
            sweep: Ns5Sweep::of(ctx.profile),
            singular_values: "log-uniform in [1, 100]",
        })
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let sweep = Ns5Sweep::of(ctx.profile);
        let mut rng = ctx.rng(&self.id());
        let (lo, hi) = (0.6818, 1.1344);
        // envelope: the signed distance outside [lo, hi] (negative = inside, by that margin)
        let mut worst = if self.aspect == Envelope::Envelope {
            f64::NEG_INFINITY
        } else {
            0.0f64
        };
        let (mut smin, mut smax, mut n_small) = (f64::INFINITY, f64::NEG_INFINITY, 0usize);
        for (m, n) in sweep.shapes {
            for _ in 0..sweep.samples_per_shape {
                let p = known_svd(&mut rng, m, n);
                let o = (self.ns)(p.g.as_ref());
                let fro = p.s.iter().map(|s| s * s).sum::<f64>().sqrt();
                // σ_out_i = u_iᵀ O v_i along the planted directions
                let uo = p.u.transpose() * &o;
                let core = &uo * &p.v;
                let r = p.s.len();
                for i in 0..r {
                    let x = p.s[i] / (fro + 1e-7);
                    let so = core[(i, i)];
                    match self.aspect {
                        Envelope::Envelope if x >= 0.01 => {
                            smin = smin.min(so);
                            smax = smax.max(so);
                            worst = worse(worse(worst, lo - so), so - hi);
                        }
                        Envelope::SmallX if x < 0.01 => {
                            n_small += 1;
                            worst = worse(worst, (so - phi5(x)).abs());
                        }
                        _ => {}
                    }
                }
                if self.aspect == Envelope::Subspace {
                    let d: Vec<f64> = (0..r).map(|i| core[(i, i)]).collect();
                    let ud = Mat::from_fn(m, r, |i, k| p.u[(i, k)] * d[k]);
                    let resid = &o - &ud * p.v.transpose();
                    worst = worse(worst, resid.norm_l2() / o.norm_l2());
                }
            }
        }
        let worst = if worst.is_nan() { f64::INFINITY } else { worst };
        Ok(match self.aspect {
            Envelope::Envelope => Outcome::new(
                worst,
                Expectation::at_most_tolerance(Tolerance::absolute(1e-6, "signed distance outside [0.6818, 1.1344] (negative: inside by that margin); the ends are the scalar map's range over [0.01, 1] (0.681831, 1.134357) rounded outward to 4 decimals, plus 1e-6 slack")),
            )
            .with_figures(json!({"min_sigma_out": crate::io::num(smin), "max_sigma_out": crate::io::num(smax), "envelope_low": lo, "envelope_high": hi})),
            Envelope::SmallX => {
                if n_small == 0 {
                    return Err(crate::error::Error::failed(
                        "P8-a[small-x]: no singular value with x < 0.01 was drawn; the check measured nothing",
                    ));
                }
                Outcome::new(
                    worst,
                    Expectation::at_most_tolerance(Tolerance::absolute(1e-9, "max |σ_out − φ⁵(x)|; f64 rounding amplified by φ⁵'(0) = a⁵ ≈ 488 stays near 1e-13 (the tolerance of the check's protocol: 1e-9)")),
                )
                .with_details(json!({"small_values": n_small}))
            }
            Envelope::Subspace => Outcome::new(
                worst,
                Expectation::at_most_tolerance(Tolerance::absolute(1e-8, "relative off-diagonal residual, which bounds the subspace angle times the singular-value gap; f64 rounding gives ~1e-15 (the protocol's tolerance: 1e-8)")),
            ),
        })
    }
    fn control(&self) -> Option<Planted> {
        let (bug, ns) = match self.aspect {
            Envelope::Envelope => (
                "NS5 with the quintic coefficient c = 2.5 instead of 2.0315",
                planted::ns5_wrong_c(),
            ),
            Envelope::SmallX => (
                "NS5 with the linear coefficient a = 3.45 instead of 3.4445",
                planted::ns5_wrong_a(),
            ),
            Envelope::Subspace => (
                "NS5 with A² computed entry-wise (A⊙A instead of A·A)",
                planted::ns5_entrywise_square(),
            ),
        };
        Planted::new(bug, P8a::new(ns, self.aspect))
    }
}

/// `P8-b`: NS5 is close to, but not equal to, the polar factor.
pub struct P8b {
    ns: Orthogonalizer,
    cosine: bool,
}

impl P8b {
    /// P8-b for `ns`: the cosine (`cosine = true`) or the relative error.
    pub fn new(ns: Orthogonalizer, cosine: bool) -> Self {
        Self { ns, cosine }
    }
}

impl Check for P8b {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(
            SUITE,
            "P8-b",
            Some(if self.cosine { "cos" } else { "rel-err" }.into()),
        )
    }
    fn claim(&self) -> String {
        if self.cosine {
            "cos(NS5(G), UVᵀ) = ⟨NS5(G), UVᵀ⟩/(‖NS5(G)‖_F‖UVᵀ‖_F) ≥ 0.97 for Gaussian G".into()
        } else {
            "‖NS5(G) − UVᵀ‖_F/‖UVᵀ‖_F ≤ 0.25 for Gaussian G".into()
        }
    }
    fn source(&self) -> String {
        format!(
            "{NS_SOURCE}; the bounds are the worst cases over the P8-a envelope, theory/P8-b.md"
        )
    }
    fn params(&self, ctx: &Ctx) -> Value {
        to_params(&P8bParams {
            sweep: Ns5Sweep::of(ctx.profile),
            g: "i.i.d. standard normal entries",
            polar: "exact UVᵀ from the thin SVD",
        })
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let sweep = Ns5Sweep::of(ctx.profile);
        let mut rng = ctx.rng(&self.id());
        let mut worst = if self.cosine { f64::INFINITY } else { 0.0f64 };
        for (m, n) in sweep.shapes {
            for _ in 0..sweep.samples_per_shape {
                let g = randn(&mut rng, m, n);
                let o = (self.ns)(g.as_ref());
                let p = polar(g.as_ref());
                let v = if self.cosine {
                    inner(o.as_ref(), p.as_ref()) / (o.norm_l2() * p.norm_l2())
                } else {
                    (&o - &p).norm_l2() / p.norm_l2()
                };
                worst = if v.is_nan() {
                    f64::NAN
                } else if self.cosine {
                    worst.min(v)
                } else {
                    worst.max(v)
                };
            }
        }
        Ok(if self.cosine {
            Outcome::new(
                worst,
                Expectation::at_least(
                    0.97,
                    "worst case over the envelope (half the singular values at each end, 0.6818 and 1.1344) is 0.9703; typical Gaussian ≈ 0.98",
                ),
            )
        } else {
            Outcome::new(
                worst,
                Expectation::at_most(
                    0.25,
                    "worst case over the envelope (half the singular values at each end) is 0.2442; typical ≈ 0.21",
                ),
            )
        })
    }
    fn control(&self) -> Option<Planted> {
        // the cosine of two matrices with the same singular vectors stays near 1 for any
        // moderate spread of singular values, so its control breaks the singular vectors
        if self.cosine {
            Planted::new(
                "NS5 with A² computed entry-wise (A⊙A instead of A·A)",
                P8b::new(planted::ns5_entrywise_square(), true),
            )
        } else {
            Planted::new(
                "Newton–Schulz stopped after 1 of its 5 steps",
                P8b::new(planted::ns_one_step(), false),
            )
        }
    }
}
