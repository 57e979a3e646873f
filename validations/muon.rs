//! Suite `muon`: Muon and Spectral Descent (Jordan, Jin, Boza, You, Cesista, Newhouse & Bernstein,
//! *Muon: An optimizer for hidden layers in neural networks*, 2024, github.com/KellerJordan/Muon;
//! Carlson, Cevher & Carin, *Stochastic Spectral Descent for Restricted Boltzmann Machines*,
//! AISTATS 2015), checks P8-c, P8-d and P8-e on the library's optimizers (P8-a/b, Newton–Schulz
//! itself, belong to the geometry suite). Every record runs beside a negative control built from
//! [`planted`]: the same check around a Muon with a bug planted in its mathematics.

use crate::error::Result;
use crate::io::matrix_from_json;
use crate::linalg::singular_values;
use crate::norms::inner;
use crate::optim::{factory, parse_optimizer, Factory, Optimizer};
use crate::validate::{to_params, Check, CheckMeta, Ctx, Expectation, Outcome, Planted};
use faer::{mat, Mat};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;

const SUITE: &str = "muon";
const SOURCE: &str =
    "Jordan et al. 2024 (Muon, github.com/KellerJordan/Muon); Carlson, Cevher & Carin, AISTATS 2015 (Spectral Descent)";

/// Parses an optimizer spec for given shapes: the implementation under test of P8-e.
pub type Parser = Arc<dyn Fn(&str, &[(usize, usize)]) -> Result<Box<dyn Optimizer>> + Send + Sync>;

fn gaussian(rng: &mut ChaCha8Rng, m: usize, n: usize) -> Mat<f64> {
    Mat::from_fn(m, n, |_, _| StandardNormal.sample(rng))
}

/// U diag(s) Vᵀ with Haar-like U, V (thin QR of Gaussians) and s log-uniform in [1, 100].
fn spread_matrix(rng: &mut ChaCha8Rng, m: usize, n: usize) -> Mat<f64> {
    let r = m.min(n);
    let u = gaussian(rng, m, r).qr().compute_thin_Q();
    let v = gaussian(rng, n, r).qr().compute_thin_Q();
    let s: Vec<f64> = (0..r)
        .map(|_| 10f64.powf(rng.random_range(0.0..2.0)))
        .collect();
    let mut us = u.clone();
    for j in 0..r {
        for i in 0..m {
            us[(i, j)] *= s[j];
        }
    }
    &us * v.transpose()
}

fn step_from_zero(f: &Factory, g: &Mat<f64>) -> Result<Mat<f64>> {
    let mut opt = f(&[(g.nrows(), g.ncols())])?;
    let mut w = vec![Mat::zeros(g.nrows(), g.ncols())];
    opt.step(&mut w, std::slice::from_ref(g), None)?;
    Ok(w.pop().expect("one block"))
}

// ---------------------------------------------------------------------------------------------
// P8-c
// ---------------------------------------------------------------------------------------------

/// P8-c: EMA and classical (sum) momentum give the same Muon update with the exact polar factor.
pub struct MomentumEquivalence {
    /// Variant label.
    pub label: &'static str,
    /// The EMA implementation.
    pub ema: Factory,
    /// The classical implementation.
    pub classical: Factory,
}

/// The `params` of [`MomentumEquivalence`] (β is the one of both optimizers' specs).
#[derive(Serialize)]
struct MomentumParams {
    shapes: [(usize, usize); 3],
    steps: usize,
    beta: f64,
}

impl MomentumEquivalence {
    fn setup(&self, ctx: &Ctx) -> MomentumParams {
        MomentumParams {
            shapes: [(24, 16), (16, 40), (12, 1)],
            steps: ctx.profile.pick(10, 100),
            beta: 0.9,
        }
    }
}

impl Check for MomentumEquivalence {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P8-c", Some(self.label.into()))
    }
    fn claim(&self) -> String {
        "EMA momentum M ← βM + (1−β)g and classical B ← βB + g (Nesterov u = g + β(M − g) vs g + βB) give the same Muon update, since B = M/(1−β) and polar is scale-invariant".into()
    }
    fn source(&self) -> String {
        format!("{SOURCE} §2.1, §2.3; theory/P8-c.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        to_params(&self.setup(ctx))
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let setup = self.setup(ctx);
        let mut rng = ctx.rng(&self.id());
        let shapes = setup.shapes;
        let mut a = (self.ema)(&shapes)?;
        let mut b = (self.classical)(&shapes)?;
        let mut wa: Vec<Mat<f64>> = shapes
            .iter()
            .map(|&(m, n)| gaussian(&mut rng, m, n))
            .collect();
        let mut wb = wa.clone();
        let mut worst: f64 = 0.0;
        for _ in 0..setup.steps {
            let g: Vec<Mat<f64>> = shapes
                .iter()
                .map(|&(m, n)| gaussian(&mut rng, m, n))
                .collect();
            let (pa, pb) = (wa.clone(), wb.clone());
            a.step(&mut wa, &g, None)?;
            b.step(&mut wb, &g, None)?;
            for l in 0..shapes.len() {
                let da = &wa[l] - &pa[l];
                let db = &wb[l] - &pb[l];
                worst = worst.max((&da - &db).norm_l2() / da.norm_l2());
            }
            wb.clone_from(&wa);
        }
        Ok(Outcome::new(
            worst,
            Expectation::at_most(1e-12, "algebraically identical updates; the SVD of a (1−β)-rescaled input differs by rounding only (~1e-15·n)"),
        ))
    }
    fn control(&self) -> Option<Planted> {
        let nesterov = self.label == "nesterov";
        Planted::new(
            if nesterov {
                "classical momentum without the Nesterov look-ahead"
            } else {
                "classical momentum with a spurious Nesterov look-ahead"
            },
            MomentumEquivalence {
                label: self.label,
                ema: self.ema.clone(),
                classical: planted::classical_flipped_lookahead(nesterov),
            },
        )
    }
}

/// The EMA-momentum Muon of P8-c (exact polar factor, β = 0.9, wd = 0.01).
pub fn ema_spec(nesterov: bool) -> String {
    format!("muon:lr=0.02,momentum=0.9,nesterov={nesterov},ns=exact,wd=0.01")
}

/// The classical-momentum Muon of P8-c.
pub fn classical_spec(nesterov: bool) -> String {
    format!("{},momentum_type=classical", ema_spec(nesterov))
}

// ---------------------------------------------------------------------------------------------
// P8-d
// ---------------------------------------------------------------------------------------------

/// P8-d: UVᵀ maximizes ⟨G, Δ⟩ over the spectral unit ball (value |||G|||_1); NS5 rescaled to
/// spectral norm 1 reaches ≥ 0.60|||G|||_1.
pub struct SpectralLmo {
    /// `polar` (Spectral Descent) or `ns5` (Muon with Keller's quintic).
    pub label: &'static str,
    /// The optimizer whose first step from 0 is −lr·direction.
    pub opt: Factory,
    /// The shape of G.
    pub shape: (usize, usize),
}

/// The `params` of [`SpectralLmo`].
#[derive(Serialize)]
struct LmoParams {
    shape: (usize, usize),
    singular_values: &'static str,
    random_directions: usize,
}

impl SpectralLmo {
    fn setup(&self, ctx: &Ctx) -> LmoParams {
        LmoParams {
            shape: self.shape,
            singular_values: "log-uniform in [1, 100]",
            random_directions: ctx.profile.pick(1000, 10000),
        }
    }
}

impl Check for SpectralLmo {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P8-d", Some(self.label.into()))
    }
    fn claim(&self) -> String {
        if self.label == "polar" {
            "Spectral Descent's direction UVᵀ = argmax_{‖Δ‖₂≤1}⟨G,Δ⟩: ⟨G,UVᵀ⟩ = |||G|||_1, ‖UVᵀ‖₂ = 1, and no random Δ with ‖Δ‖₂ = 1 exceeds it".into()
        } else {
            "Muon's NS5 direction O, rescaled to spectral norm 1, reaches ⟨G, O/‖O‖₂⟩ ≥ 0.60·|||G|||_1".into()
        }
    }
    fn source(&self) -> String {
        format!("{SOURCE} §1.2, §5; theory/P8-d.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        to_params(&self.setup(ctx))
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let setup = self.setup(ctx);
        let mut rng = ctx.rng(&self.id());
        let (m, n) = setup.shape;
        let g = spread_matrix(&mut rng, m, n);
        let nuc: f64 = singular_values(g.as_ref()).iter().sum();
        let d = faer::Scale(-1.0) * step_from_zero(&self.opt, &g)?;
        let smax = singular_values(d.as_ref())[0];
        if self.label == "polar" {
            let value_err = (inner(g.as_ref(), d.as_ref()) - nuc).abs() / nuc;
            let unit_err = (smax - 1.0).abs();
            let mut best_random = f64::NEG_INFINITY;
            for _ in 0..setup.random_directions {
                let r = gaussian(&mut rng, m, n);
                let r = faer::Scale(1.0 / singular_values(r.as_ref())[0]) * &r;
                best_random = best_random.max(inner(g.as_ref(), r.as_ref()));
            }
            let exceed = ((best_random - nuc) / nuc).max(0.0);
            Ok(Outcome::new(
                value_err.max(unit_err).max(exceed),
                Expectation::at_most(
                    1e-12,
                    "exact identities of the SVD polar factor; rounding ~1e-15·n",
                ),
            )
            .with_figures(json!({"value_rel_err": value_err, "spectral_norm_err": unit_err,
                                 "random_excess": exceed, "nuclear": nuc,
                                 "<G,Δ>": inner(g.as_ref(), d.as_ref()), "best_random": best_random})))
        } else {
            let gd = inner(g.as_ref(), d.as_ref());
            let ratio = gd / smax / nuc;
            Ok(Outcome::new(
                ratio,
                Expectation::at_least(0.60, "guaranteed by Keller's NS5 singular-value envelope [0.6818, 1.1344]: ⟨G,O⟩/‖O‖₂ ≥ (0.6818/1.1344)·|||G|||_1 = 0.601·|||G|||_1"),
            )
            .with_figures(json!({"<G,O>": gd, "spectral_norm_O": smax, "nuclear": nuc})))
        }
    }
    fn control(&self) -> Option<Planted> {
        let (bug, opt) = if self.label == "polar" {
            (
                "Spectral Descent with Keller's 5-step Newton–Schulz in place of the polar factor",
                planted::ns5_in_place_of_polar(),
            )
        } else {
            (
                "Muon normalized by ‖·‖_F instead of Newton–Schulz",
                planted::frobenius_direction(),
            )
        };
        Planted::new(
            bug,
            SpectralLmo {
                label: self.label,
                opt,
                shape: self.shape,
            },
        )
    }
}

// ---------------------------------------------------------------------------------------------
// P8-e
// ---------------------------------------------------------------------------------------------

/// The Muon oracle fixture: multi-step trajectories of a float64 numpy re-implementation of
/// torch.optim.Muon (cross-checked against torch 2.15.0 in fp64) and of optax 0.2.8
/// `contrib.muon` (jax 0.10.2, x64); its `description` field states the update formulas.
pub const MUON_FIXTURE: &str = include_str!("../tests/fixtures/muon.json");

/// Which reference P8-e compares with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference {
    /// `muon.json` torch_exact: the real torch.optim.Muon (torch 2.15) in float64 with a float64
    /// Newton–Schulz, whose input is divided by max(‖u‖_F, ε) — the library's default.
    TorchExact,
    /// `muon.json` torch_semantics (float64 re-implementation of the original Muon code, which
    /// divides by ‖u‖_F + ε: the spec's `eps_form=add`).
    TorchSemantics,
    /// `muon.json` optax (real optax 0.2.8 `contrib.muon`, float64).
    Optax,
    /// `muon.json` optax with torch's dimension numbers.
    OptaxTorchDims,
    /// The exact polar factor UVᵀ of the 4×3 G of [`g43`] (σ(G) = 0.8272, 0.5909, 0.2379),
    /// computed in float64 by SVD and printed to 8 decimals.
    Polar4x3,
    /// torch.optim.Muon 2.15.0 (CPU) golden steps on [`g43`] (bf16 Newton–Schulz).
    TorchBf16,
}

/// P8-e: agreement with peer implementations.
pub struct FixtureAgreement {
    /// The reference.
    pub reference: Reference,
    /// The spec parser under test.
    pub parser: Parser,
}

/// `keller` or `dion` from a fixture case's coefficient list.
fn ns_name(case: &Value) -> &'static str {
    let keller = json!([3.4445, -4.775, 2.0315]);
    if case["coefficients"]
        .as_array()
        .is_some_and(|c| c.iter().all(|t| *t == keller))
    {
        "keller"
    } else {
        "dion"
    }
}

/// The spec reproducing `semantics` of a fixture case.
pub fn fixture_spec(case: &Value, semantics: &str) -> String {
    // torch_exact is torch.optim.Muon itself: the spec's defaults (eps_form=clamp); the original
    // code and optax divide the Newton–Schulz input by ‖u‖_F + ε (eps_form=add)
    let (bias, scale, form) = match semantics {
        "optax" => (true, "optax", ",eps_form=add"),
        "optax_torch_dims" => (true, "original", ",eps_form=add"),
        "torch_exact" => (false, "original", ""),
        _ => (false, "original", ",eps_form=add"),
    };
    format!(
        "muon:lr={},momentum={},nesterov={},ns={},ns_steps={},eps={},wd={},scale={scale},bias_correction={bias}{form}",
        case["lr"],
        case["momentum"],
        case["nesterov"],
        ns_name(case),
        case["coefficients"].as_array().map_or(0, Vec::len),
        case["eps"],
        case["weight_decay"],
    )
}

fn replay(parser: &Parser, spec: &str, w0: &Mat<f64>, grads: &[Mat<f64>]) -> Result<Vec<Mat<f64>>> {
    let mut opt = parser(spec, &[(w0.nrows(), w0.ncols())])?;
    let mut w = vec![w0.clone()];
    let mut out = Vec::new();
    for g in grads {
        opt.step(&mut w, std::slice::from_ref(g), None)?;
        out.push(w[0].clone());
    }
    Ok(out)
}

fn max_abs(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
    (a - b).norm_max()
}

impl FixtureAgreement {
    fn semantics(&self) -> &'static str {
        match self.reference {
            Reference::TorchExact => "torch_exact",
            Reference::TorchSemantics => "torch_semantics",
            Reference::Optax => "optax",
            Reference::OptaxTorchDims => "optax_torch_dims",
            Reference::Polar4x3 => "polar_4x3",
            Reference::TorchBf16 => "torch_bf16",
        }
    }
}

impl Check for FixtureAgreement {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P8-e", Some(self.semantics().into()))
    }
    fn claim(&self) -> String {
        match self.reference {
            Reference::TorchExact
            | Reference::TorchSemantics
            | Reference::Optax
            | Reference::OptaxTorchDims => format!(
                "the library's Muon reproduces the {} trajectories of muon.json (8 cases × 4 steps) to 1e-12",
                self.semantics()
            ),
            Reference::Polar4x3 => "exact-polar Spectral Descent on the 4×3 G gives its float64 UVᵀ (printed to 8 decimals)".into(),
            Reference::TorchBf16 => format!("the f64 Muon's step Δ = W_T − W_0 matches torch.optim.Muon 2.15.0's (bf16 Newton–Schulz) golden steps: ‖Δ − Δ_torch‖_F ≤ {BF16_REL_TOL}·‖Δ_torch‖_F"),
        }
    }
    fn source(&self) -> String {
        format!("{SOURCE}; torch.optim.Muon 2.15.0; optax 0.2.8 contrib.muon; tests/fixtures/muon.json; theory/P8-e.md")
    }
    fn params(&self, _: &Ctx) -> Value {
        json!({"reference": self.semantics()})
    }
    fn run(&self, _: &Ctx) -> Result<Outcome> {
        match self.reference {
            Reference::TorchExact
            | Reference::TorchSemantics
            | Reference::Optax
            | Reference::OptaxTorchDims => {
                let fx: Value =
                    serde_json::from_str(MUON_FIXTURE).expect("the embedded fixture is valid JSON");
                let sem = self.semantics();
                let mut worst: f64 = 0.0;
                let cases = fx["cases"].as_array().cloned().unwrap_or_default();
                for case in &cases {
                    let w0 = matrix_from_json(&case["W0"], "W0")?;
                    let grads = case["grads"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .iter()
                        .map(|g| matrix_from_json(g, "grads"))
                        .collect::<Result<Vec<_>>>()?;
                    let got = replay(&self.parser, &fixture_spec(case, sem), &w0, &grads)?;
                    let want = case[sem]["params"].as_array().cloned().unwrap_or_default();
                    for (g, w) in got.iter().zip(&want) {
                        worst = worst.max(max_abs(g, &matrix_from_json(w, "params")?));
                    }
                }
                Ok(Outcome::new(
                    worst,
                    Expectation::at_most(1e-12, "both sides are float64 with the same operations up to order; the fixture's own numpy/optax agreement is ≤ 3e-16"),
                )
                .with_details(json!({"cases": cases.len(), "steps_per_case": 4})))
            }
            Reference::Polar4x3 => {
                let g = g43();
                let want = mat![
                    [0.76953494, 0.24715941, 0.36202718],
                    [-0.47023835, 0.84106087, 0.20471661],
                    [0.42901711, 0.46276040, -0.32325938],
                    [-0.05134380, -0.13183945, 0.85001812],
                ];
                let mut opt = (self.parser)("spectral:lr=1", &[(4, 3)])?;
                let mut w = vec![Mat::zeros(4, 3)];
                opt.step(&mut w, &[g], None)?;
                Ok(Outcome::new(
                    max_abs(&(faer::Scale(-1.0) * &w[0]), &want),
                    Expectation::at_most(1e-8, "the reference is printed to 8 decimals: agreement to one unit of the last printed digit"),
                ))
            }
            Reference::TorchBf16 => {
                let w0 = mat![
                    [1.0, -2.0, 0.5],
                    [0.0, 1.0, -1.0],
                    [2.0, 0.5, 1.5],
                    [-1.0, 0.0, 3.0]
                ];
                let g1 = g43();
                let g2 = mat![
                    [-0.2, 0.4, 0.1],
                    [0.3, 0.0, -0.5],
                    [0.2, -0.1, 0.0],
                    [0.5, 0.3, -0.1]
                ];
                type Golden<'a> = (&'a str, Vec<Mat<f64>>, Mat<f64>);
                let cases: Vec<Golden> = vec![
                    (
                        "muon",
                        vec![g1.clone()],
                        mat![
                            [0.99919182, -1.99991608, 0.49952826],
                            [0.00045331, 0.99904752, -0.99987859],
                            [1.99950004, 0.49944931, 1.50022221],
                            [-0.99997330, 0.00029952, 2.99881148]
                        ],
                    ),
                    (
                        "muon:lr=0.1,wd=0",
                        vec![g1.clone()],
                        mat![
                            [0.92918438, -2.01161456, 0.45782638],
                            [0.04533102, 0.91475064, -0.99785751],
                            [1.97000480, 0.44993290, 1.53721201],
                            [-1.00732958, 0.02999515, 2.91114211]
                        ],
                    ),
                    (
                        "muon:lr=0.1,wd=0,scale=rms",
                        vec![g1.clone()],
                        mat![
                            [0.97546875, -2.00402355, 0.48539063],
                            [0.01570312, 0.97046876, -0.99925780],
                            [1.98960936, 0.48265624, 1.51289058],
                            [-1.00253904, 0.01039062, 2.96921873]
                        ],
                    ),
                    (
                        "muon:lr=0.1,wd=0,nesterov=true",
                        vec![g1.clone(), g2.clone()],
                        mat![
                            [0.96639639, -2.11851454, 0.42783123],
                            [0.02582289, 0.85070086, -0.91576552],
                            [1.90956342, 0.46583259, 1.56202006],
                            [-1.11242533, -0.00157869, 2.88937879]
                        ],
                    ),
                    (
                        "muon:lr=0.1,wd=0,nesterov=false",
                        vec![g1, g2],
                        mat![
                            [0.95139885, -2.07611537, 0.39873818],
                            [0.07216878, 0.84303290, -0.93922037],
                            [1.89422762, 0.47045591, 1.59810448],
                            [-1.08310676, 0.02678138, 2.85385823]
                        ],
                    ),
                ];
                // The claim is about the step Δ = W_T − W_0, not about W_T: the default-lr step
                // moves the weights by ≈ 8e-4, so an absolute tolerance on W_T of the size of the
                // bf16 error would accept a no-op optimizer.
                let (mut rel, mut step, mut abs) = (Vec::new(), Vec::new(), Vec::new());
                let mut specs = Vec::new();
                for (spec, grads, want) in cases {
                    let got = replay(&self.parser, spec, &w0, &grads)?;
                    let last = got.last().expect("at least one step");
                    let d_ref = &want - &w0;
                    let d_got = last - &w0;
                    rel.push((&d_got - &d_ref).norm_l2() / d_ref.norm_l2());
                    step.push(d_ref.norm_l2());
                    abs.push(max_abs(last, &want));
                    specs.push(spec);
                }
                let worst = rel.iter().fold(0.0f64, |a, &b| a.max(b));
                Ok(Outcome::new(
                    worst,
                    Expectation::at_most(BF16_REL_TOL, BF16_WHY),
                )
                .with_figures(json!({"rel_step_err": rel, "step_fro_norm": step, "max_abs_diff_W": abs}))
                .with_details(json!({"specs": specs})))
            }
        }
    }
    fn control(&self) -> Option<Planted> {
        let (bug, parser) = match self.reference {
            Reference::Optax => (
                "Muon without optax's bias correction of the momentum",
                planted::without_bias_correction(),
            ),
            Reference::TorchExact => (
                "Newton–Schulz input divided by ‖u‖_F + ε (the original code) instead of torch's max(‖u‖_F, ε)",
                planted::eps_added(),
            ),
            Reference::TorchSemantics | Reference::OptaxTorchDims => (
                "Muon without its shape factor √max(1, rows/cols)",
                planted::without_shape_scale(),
            ),
            Reference::Polar4x3 => (
                "Spectral Descent normalized by ‖·‖_F instead of the polar factor",
                planted::frobenius_spectral(),
            ),
            Reference::TorchBf16 => (
                "Muon normalized by ‖·‖_F instead of Newton–Schulz",
                planted::frobenius_muon(),
            ),
        };
        Planted::new(
            bug,
            FixtureAgreement {
                reference: self.reference,
                parser,
            },
        )
    }
}

/// The relative tolerance of `P8-e[torch_bf16]` on the step (see [`BF16_WHY`]).
pub const BF16_REL_TOL: f64 = 3e-2;

/// Why [`BF16_REL_TOL`].
const BF16_WHY: &str = "torch runs Newton–Schulz in bfloat16 (8-bit significand, unit roundoff u = 2⁻⁸ = 3.9e-3): each of the 5 quintic steps rounds its products to bf16, so the orthogonalized direction, and with it the step, carries a relative error of a few u (the torch direction differs from the float64 one by 7e-3 max-abs on entries of size ≈ 0.7); 3e-2 ≈ 8u. The golden W are printed to 8 decimals (5e-9, ≤ 1e-5 of the smallest step)";

/// The 4×3 G of the golden values (σ(G) = 0.8272, 0.5909, 0.2379).
fn g43() -> Mat<f64> {
    mat![
        [0.3, -0.1, 0.2],
        [-0.4, 0.5, 0.0],
        [0.1, 0.2, -0.3],
        [0.0, -0.2, 0.6]
    ]
}

/// The bugs planted in the mathematics of Muon and Spectral Descent: one definition each, used by
/// the records' negative controls and by the tests.
pub mod planted {
    use super::{classical_spec, Parser};
    use crate::linalg::NsCoefficients;
    use crate::norms::{Aggregation, Entrywise, Norm};
    use crate::optim::spec::KeyValues;
    use crate::optim::{
        factory, parse_optimizer, AddDecayedWeights, Factory, GradientTransformation, LearningRate,
        Momentum, MuonScale, Optimizer, Orthogonalize, Orthogonalizer, ProductSteepest, Role,
        ScaleByShape, Schedule,
    };
    use std::sync::Arc;

    /// P8-c: the classical-momentum Muon with the Nesterov look-ahead flipped (dropped when the
    /// EMA side has it, added when it has not).
    pub fn classical_flipped_lookahead(nesterov: bool) -> Factory {
        factory(&classical_spec(!nesterov))
    }

    /// P8-d[ns5]: the direction G/‖G‖_F (Muon's Newton–Schulz replaced by its Frobenius
    /// pre-normalization alone).
    pub fn frobenius_direction() -> Factory {
        factory("ngd:lr=1")
    }

    /// P8-d[polar]: Spectral Descent whose "polar factor" is Keller's 5-step quintic
    /// Newton–Schulz, singular values in [0.68, 1.13] instead of 1.
    pub fn ns5_in_place_of_polar() -> Factory {
        Arc::new(|shapes: &[(usize, usize)]| {
            let ns = Orthogonalizer::NewtonSchulz {
                coeffs: NsCoefficients::Keller,
                steps: 5,
                eps: 0.0,
                normalization: crate::linalg::NsNormalization::AddEps,
            };
            Ok(Box::new(GradientTransformation::new(
                "spectral[ns5]",
                (Orthogonalize(ns), LearningRate),
                Schedule::Constant(1.0),
                shapes,
            )) as Box<dyn Optimizer>)
        })
    }

    /// P8-e[optax]: a spec parser that drops optax's bias correction.
    pub fn without_bias_correction() -> Parser {
        Arc::new(|spec: &str, shapes: &[(usize, usize)]| {
            parse_optimizer(
                &spec.replace("bias_correction=true", "bias_correction=false"),
                shapes,
            )
        })
    }

    /// P8-e[torch_exact]: a spec parser that divides the Newton–Schulz input by ‖u‖_F + ε where
    /// torch divides by max(‖u‖_F, ε).
    pub fn eps_added() -> Parser {
        Arc::new(|spec: &str, shapes: &[(usize, usize)]| {
            let s = spec.replace(",eps_form=clamp", "");
            parse_optimizer(&format!("{s},eps_form=add"), shapes)
        })
    }

    /// P8-e[torch_semantics, optax_torch_dims]: a spec parser that drops Muon's shape factor.
    pub fn without_shape_scale() -> Parser {
        Arc::new(|spec: &str, shapes: &[(usize, usize)]| {
            let s = spec
                .replace("scale=original", "scale=none")
                .replace("scale=optax", "scale=none")
                .replace("scale=rms", "scale=none");
            let s = if s.contains("scale=") {
                s
            } else {
                format!("{s}{}scale=none", if s.contains(':') { "," } else { ":" })
            };
            parse_optimizer(&s, shapes)
        })
    }

    /// P8-e[polar_4x3]: "Spectral Descent" with the Frobenius-normalized step G/‖G‖_F.
    pub fn frobenius_spectral() -> Parser {
        Arc::new(|spec: &str, shapes: &[(usize, usize)]| {
            parse_optimizer(&spec.replace("spectral", "ngd"), shapes)
        })
    }

    /// P8-e[torch_bf16]: Muon (same momentum, Nesterov, shape factor, weight decay and learning
    /// rate as the spec) whose orthogonalization is replaced by u/‖u‖_F.
    pub fn frobenius_muon() -> Parser {
        Arc::new(|spec: &str, shapes: &[(usize, usize)]| {
            let (_, rest) = spec.split_once(':').unwrap_or((spec, ""));
            let mut kv = KeyValues::parse("planted muon", rest)?;
            let lr = kv.lr("lr", 1e-3)?;
            let beta = kv.beta("momentum", 0.95)?;
            let nesterov = kv.bool("nesterov", true)?;
            let wd = kv.f64_in("wd", Some(0.1), 0.0, f64::MAX, "finite wd ≥ 0")?;
            let scale = kv.choice("scale", "original", MuonScale::NAMES)?;
            let scale = MuonScale::parse(&scale).expect("choice() returns a listed name");
            let roles: Vec<Role> = shapes.iter().map(|&(r, c)| Role::of_shape(r, c)).collect();
            let fro: Arc<dyn Norm> = Arc::new(Entrywise::frobenius());
            let momentum = Momentum {
                nesterov,
                ..Momentum::ema(beta)
            };
            Ok(Box::new(GradientTransformation::new(
                "muon[frobenius]",
                (
                    momentum,
                    ProductSteepest::uniform(fro, &roles, Aggregation::L2, false),
                    ScaleByShape(scale),
                    AddDecayedWeights(wd),
                    LearningRate,
                ),
                Schedule::Constant(lr),
                shapes,
            )) as Box<dyn Optimizer>)
        })
    }
}

/// The registered checks.
pub fn checks() -> Vec<Box<dyn Check>> {
    let parser: Parser =
        Arc::new(|spec: &str, shapes: &[(usize, usize)]| parse_optimizer(spec, shapes));
    let mut v: Vec<Box<dyn Check>> = Vec::new();
    for nesterov in [true, false] {
        v.push(Box::new(MomentumEquivalence {
            label: if nesterov { "nesterov" } else { "plain" },
            ema: factory(&ema_spec(nesterov)),
            classical: factory(&classical_spec(nesterov)),
        }));
    }
    v.push(Box::new(SpectralLmo {
        label: "polar",
        opt: factory("spectral:lr=1"),
        shape: (40, 24),
    }));
    v.push(Box::new(SpectralLmo {
        label: "ns5",
        opt: factory("muon:lr=1,momentum=0,ns=keller,ns_steps=5,wd=0,scale=none"),
        shape: (64, 256),
    }));
    for reference in [
        Reference::TorchExact,
        Reference::TorchSemantics,
        Reference::Optax,
        Reference::OptaxTorchDims,
        Reference::Polar4x3,
        Reference::TorchBf16,
    ] {
        v.push(Box::new(FixtureAgreement {
            reference,
            parser: parser.clone(),
        }));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::testing::fails;

    crate::validate::testing::suite_tests!();

    #[test]
    fn p8d_catches_a_frobenius_polar_and_one_cubic_newton_schulz_step() {
        fails(&SpectralLmo {
            label: "polar",
            opt: planted::frobenius_direction(),
            shape: (40, 24),
        });
        fails(&SpectralLmo {
            label: "ns5",
            opt: factory("muon:lr=1,momentum=0,ns=cubic,ns_steps=1,wd=0,scale=none"),
            shape: (64, 256),
        });
    }

    #[test]
    fn p8e_torch_bf16_catches_a_no_op_optimizer() {
        // The old absolute 1e-2 on W_T accepted this: the default-lr step moves W by ≈ 8e-4.
        let no_op: Parser =
            Arc::new(|_: &str, shapes: &[(usize, usize)]| parse_optimizer("gd:lr=1e-300", shapes));
        fails(&FixtureAgreement {
            reference: Reference::TorchBf16,
            parser: no_op,
        });
    }

    #[test]
    fn p8e_shape_scale_bug_also_fails_the_bf16_reference() {
        fails(&FixtureAgreement {
            reference: Reference::TorchBf16,
            parser: planted::without_shape_scale(),
        });
    }
}
