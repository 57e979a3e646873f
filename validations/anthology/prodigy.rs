//! P4-e of the anthology suite: Prodigy's escape velocity, eqs. (28)–(29), on f(w) = ½‖w − w*‖².

use super::*;

/// What P4-e measures on the Prodigy run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EscapeMeasure {
    /// Median η_{t+1}/η_t over the first 10 steps.
    Growth,
    /// min_t η_{t+1}/η_t (non-decreasing η).
    Monotone,
    /// η_T/‖w*‖_RMS.
    Plateau,
    /// f(w_T)/f(w_0) ÷ (η_T/‖w*‖_RMS)²: sign descent then oscillates at the scale η.
    Oscillation,
}

/// P4-e: Prodigy's escape velocity, eqs. (28)–(29), on f(w) = ½‖w − w*‖².
pub struct ProdigyEscape {
    /// `prodigy:beta1=0,beta2=0,eps=0,d0=1e-6,lr=1` (or a planted bug).
    pub prodigy: Factory,
    /// What to measure.
    pub measure: EscapeMeasure,
}

/// The P4-e run: (η_t for t = 0..T, f_t for t = 0..T, ‖w*‖_RMS), with η_t read off the sign steps
/// (η_t = max_i |w_{t+1,i} − w_{t,i}|).
fn prodigy_run(
    f: &Factory,
    ctx: &Ctx,
    n: usize,
    steps: usize,
) -> Result<(Vec<f64>, Vec<f64>, f64)> {
    let mut rng = ctx.rng("P4-e");
    let wstar = gaussian(&mut rng, n, 1);
    let mut opt = f(&[(n, 1)])?;
    let mut w = vec![Mat::<f64>::zeros(n, 1)];
    let loss = |w: &Mat<f64>| 0.5 * (w - &wstar).norm_l2().powi(2);
    let mut etas = Vec::new();
    let mut fs = vec![loss(&w[0])];
    for _ in 0..steps {
        let g = &w[0] - &wstar;
        let before = w[0].clone();
        let f = loss(&w[0]);
        opt.step(&mut w, std::slice::from_ref(&g), Some(f))?;
        etas.push((&w[0] - &before).norm_max());
        fs.push(loss(&w[0]));
    }
    Ok((etas, fs, wstar.norm_l2() / (n as f64).sqrt()))
}

/// The `params` of [`ProdigyEscape`] (η₀ is the `d0` of the optimizer's spec).
#[derive(Serialize)]
struct EscapeParams {
    n: usize,
    steps: usize,
    eta0: f64,
    w0: usize,
    wstar: &'static str,
}

const ESCAPE: EscapeParams = EscapeParams {
    n: 1000,
    steps: 100,
    eta0: 1e-6,
    w0: 0,
    wstar: "N(0, I)",
};

impl Check for ProdigyEscape {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(
            SUITE,
            "P4-e",
            Some(format!("{:?}", self.measure).to_lowercase()),
        )
    }
    fn claim(&self) -> String {
        match self.measure {
            EscapeMeasure::Growth => "Prodigy (β=0) grows η geometrically while ‖w_t − w_0‖_RMS ≫ η_t: median η_{t+1}/η_t over the first 10 steps in [1.5, 2.5]",
            EscapeMeasure::Monotone => "Prodigy's η_t is non-decreasing",
            EscapeMeasure::Plateau => "η_t plateaus at O(‖w*‖_RMS): η_T/‖w*‖_RMS ∈ [1/3, 3]",
            EscapeMeasure::Oscillation => "after the escape, sign descent oscillates at the scale η: f(w_T)/f(w_0) ≤ (η_T/‖w*‖_RMS)²",
        }
        .into()
    }
    fn source(&self) -> String {
        format!("{SOURCE}, §Prodigy eqs. (28)–(30) (Mishchenko & Defazio, Alg. 3); theory/P4-e.md")
    }
    fn params(&self, _: &Ctx) -> Value {
        to_params(&ESCAPE)
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let (etas, fs, rms) = prodigy_run(&self.prodigy, ctx, ESCAPE.n, ESCAPE.steps)?;
        let ratios: Vec<f64> = etas.windows(2).map(|w| w[1] / w[0]).collect();
        let details = json!({"eta_first_12": &etas[..12], "eta_T": etas[etas.len() - 1], "rms_wstar": rms,
                             "f_ratio_T": fs[fs.len() - 1] / fs[0], "f_ratio_min": fs.iter().fold(f64::INFINITY, |a, &b| a.min(b)) / fs[0]});
        let eta_t = etas[etas.len() - 1];
        let f_ratio = fs[fs.len() - 1] / fs[0];
        let out = match self.measure {
            EscapeMeasure::Growth => {
                let mut r = ratios[..10].to_vec();
                r.sort_by(f64::total_cmp);
                Outcome::new(0.5 * (r[4] + r[5]), Expectation::within(1.5, 2.5, "the exact early recursion η_{t+1} = η_t + Σ_{s<t} η_s grows by the golden ratio 1.618 per step; the band accepts geometric growth near it and rejects a constant η (ratio 1) or mere doubling drift beyond 2.5"))
                    .with_figures(json!({"ratios_first_10": &ratios[..10]}))
            }
            EscapeMeasure::Monotone => Outcome::new(
                ratios.iter().fold(f64::INFINITY, |a, &b| a.min(b)),
                Expectation::at_least(
                    1.0 - 1e-12,
                    "η_{t+1} = max(η_t, ·) cannot decrease; 1e-12 covers reading η off the step",
                ),
            ),
            EscapeMeasure::Plateau => Outcome::new(
                eta_t / rms,
                Expectation::within(
                    1.0 / 3.0,
                    3.0,
                    "the escape velocity is O(‖w*‖_RMS) (eq. (30)); a factor 3 either way",
                ),
            )
            .with_figures(json!({"eta_T": eta_t, "rms_wstar": rms})),
            EscapeMeasure::Oscillation => Outcome::new(
                f_ratio / (eta_t / rms).powi(2),
                Expectation::at_most(
                    1.0,
                    "each coordinate ends within η of w*, so f_T ≤ ½nη² = f_0·(η/‖w*‖_RMS)²",
                ),
            )
            .with_figures(json!({"f_T_over_f_0": f_ratio, "eta_T": eta_t, "rms_wstar": rms})),
        };
        Ok(out.with_details(details))
    }
    fn control(&self) -> Option<Planted> {
        let (bug, prodigy) = match self.measure {
            EscapeMeasure::Monotone => (
                "η update without the max: η_{t+1} = g_tᵀ(w_0 − w_t)/‖g_t‖_1",
                planted::prodigy_without_max(),
            ),
            _ => (
                "Prodigy without its η update (sign descent at η_0 = 1e-6)",
                planted::prodigy_without_eta_update(),
            ),
        };
        Planted::new(
            bug,
            ProdigyEscape {
                prodigy,
                measure: self.measure,
            },
        )
    }
}
