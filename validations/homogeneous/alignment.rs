//! P2-b of the homogeneous suite: each optimizer's update aligns with its norm's steepest-descent direction.

use super::*;

/// P2-b: the update Δ_t of `subject` is aligned with its norm's steepest-descent direction:
/// 1 − r_t ≤ 0.05 over the last 10 % of the steps, r_t = ⟨−g_t, Δ_t⟩/(‖g_t‖_*‖Δ_t‖), in every seed.
pub struct Alignment {
    /// The optimizer under test.
    pub subject: Competitor,
    /// The norm of r_t (the subject's own; a planted-bug test swaps it).
    pub norm: Arc<ProductNorm>,
    /// Optimizers whose r_t (in their own norm) is reported in the details, not required.
    pub reported: Vec<Competitor>,
}

/// One P2-b run: max of 1 − r_t over the last 10 % of the steps up to each horizon of
/// [`HORIZONS`], T, whether it separated, and (for the msp norm) the decomposition of 1 − r at
/// the worst step of the last 10 % ([`msp_deficit`]).
struct AlignRun {
    worst: Vec<f64>,
    steps: usize,
    separated: bool,
    decomposition: Value,
}

/// The decomposition of 1 − r for the max-spectral norm max(‖W‖₂, ‖a‖₂) (dual ‖G_W‖_nuc + ‖g_a‖₂)
/// at one step: with Δ̂ = Δ/‖Δ‖_msp and G_W = Σ σ_i u_i v_iᵀ,
/// 1 − r = [Σ_i σ_i (1 − u_iᵀ(−Δ̂_W)v_i) + (‖g_a‖₂ − ⟨−g_a, Δ̂_a⟩)]/(‖G_W‖_nuc + ‖g_a‖₂):
/// the W block's deficit split by singular direction of the gradient, and the a block's.
pub fn msp_deficit(g: &[Mat<f64>], delta: &[Mat<f64>]) -> Value {
    let spectral = Schatten::spectral();
    let nd = spectral.norm(delta[0].as_ref()).max(delta[1].norm_l2());
    let svd = crate::linalg::svd_thin(g[0].as_ref());
    let na = g[1].norm_l2();
    let den = svd.s.iter().sum::<f64>() + na;
    let step_w = &delta[0] * faer::Scale(-1.0 / nd);
    let align: Vec<f64> = (0..svd.s.len())
        .map(|i| {
            let u = svd.u.col(i);
            let v = svd.v.col(i);
            (0..step_w.nrows())
                .map(|r| {
                    u[r] * (0..step_w.ncols())
                        .map(|c| step_w[(r, c)] * v[c])
                        .sum::<f64>()
                })
                .sum()
        })
        .collect();
    let by_dir: Vec<f64> = svd
        .s
        .iter()
        .zip(&align)
        .map(|(s, a)| s * (1.0 - a) / den)
        .collect();
    let ip_a: f64 = -inner(g[1].as_ref(), delta[1].as_ref()) / nd;
    json!({
        "deficit_W": by_dir.iter().sum::<f64>(),
        "deficit_a": (na - ip_a) / den,
        "sigma_over_dual": svd.s.iter().map(|s| s / den).collect::<Vec<_>>(),
        "g_a_over_dual": na / den,
        "alignment_by_direction": align,
        "deficit_by_direction": by_dir,
        "step_norms_W_a": [spectral.norm(delta[0].as_ref()) / nd, delta[1].norm_l2() / nd],
    })
}

impl Alignment {
    fn runs(
        ctx: &Ctx,
        id: &str,
        c: &Competitor,
        norm: &ProductNorm,
        s: &Sizes,
        decompose: bool,
    ) -> Result<Vec<AlignRun>> {
        let seeds: Vec<usize> = (0..s.trace_seeds).collect();
        let model = model();
        try_par_map(&seeds, |&seed| {
            let (x, y, init) = problem(ctx, id, seed, s);
            let run = train(
                &OnData::new(&model, &x, &y, &TwoLayer::shapes(s.d, s.width)),
                &c.factory,
                &init,
                &Protocol {
                    max_steps: s.trace_steps,
                    stop_loss: 0.0, // no protocol stop (see LOSS_GUARD)
                    align: Some(norm),
                    snapshot_every: 0,
                },
            )?;
            let separated = min(&normalized_margins(&model, &run.params, &x, &y, norm)) > 0.0;
            let t = run.alignment.len();
            let worst = HORIZONS
                .iter()
                .map(|h| {
                    let end = ((h * s.trace_steps as f64).round() as usize).min(t);
                    run.alignment[end - end.div_ceil(10)..end]
                        .iter()
                        .map(|r| 1.0 - r)
                        .fold(
                            f64::NEG_INFINITY,
                            |a, b| if b.is_nan() { b } else { a.max(b) },
                        )
                })
                .collect();
            let decomposition = match (&run.worst_tail, decompose) {
                (Some((_, g, d)), true) => msp_deficit(g, d),
                _ => Value::Null,
            };
            Ok(AlignRun {
                worst,
                steps: t,
                separated,
                decomposition,
            })
        })
    }
}

impl Check for Alignment {
    fn meta(&self) -> CheckMeta {
        CheckMeta::new(SUITE, "P2-b", Some(self.subject.name.to_string()))
    }
    fn claim(&self) -> String {
        format!(
            "{} is approximate steepest descent in {}: 1 − ⟨−g_t, Δ_t⟩/(‖g_t‖_*‖Δ_t‖) ≤ 0.05 over the last 10 % of the steps under {} (t+1)^(−0.8), in every seed",
            self.subject.name, self.subject.norm, self.subject.eta0
        )
    }
    fn source(&self) -> String {
        format!("{SOURCE} Def. 5.1, Thm C.17, Lemma C.19; theory/P2-b.md")
    }
    fn params(&self, ctx: &Ctx) -> Value {
        let s = Sizes::of(ctx);
        json!({"sizes": s.to_json(s.trace_seeds), "subject": self.subject.to_json(),
               "norm": self.norm.name(), "tail": 0.1, "horizons": HORIZONS.map(|h| h * s.trace_steps as f64),
               "stop_loss": "none (whole budget)", "loss_guard_true_gradient": LOSS_GUARD,
               "reported": self.reported.iter().map(Competitor::to_json).collect::<Vec<_>>()})
    }
    fn run(&self, ctx: &Ctx) -> Result<Outcome> {
        let s = Sizes::of(ctx);
        let id = self.id();
        let decompose =
            self.subject.norm == "msp" && self.norm.name() == margin_norm("msp")?.name();
        let mine = Self::runs(ctx, &id, &self.subject, &self.norm, &s, decompose)?;
        let mut any_separated = true;
        let at: Vec<f64> = (0..HORIZONS.len())
            .map(|k| {
                let (v, sep) = separated_or_all(
                    &mine
                        .iter()
                        .map(|x| (x.worst[k], x.separated))
                        .collect::<Vec<_>>(),
                );
                any_separated &= sep;
                v.into_iter().fold(
                    f64::NEG_INFINITY,
                    |a, b| if b.is_nan() { b } else { a.max(b) },
                )
            })
            .collect();
        let mut reported = serde_json::Map::new();
        for c in &self.reported {
            let n = margin_norm(c.norm)?;
            let r = Self::runs(ctx, &id, c, &n, &s, false)?;
            reported.insert(
                c.name.to_string(),
                json!({"norm": c.norm, "eta0": c.eta0, "worst_one_minus_r": r.iter().map(|x| x.worst[HORIZONS.len() - 1]).collect::<Vec<_>>(),
                       "steps": r.iter().map(|x| x.steps).collect::<Vec<_>>(),
                       "separated": r.iter().map(|x| x.separated).collect::<Vec<_>>()}),
            );
        }
        let last = HORIZONS.len() - 1;
        let mut figures = json!({
            "worst_one_minus_r": mine.iter().map(|x| x.worst[last]).collect::<Vec<_>>(),
            "worst_one_minus_r_by_horizon": mine.iter().map(|x| x.worst.clone()).collect::<Vec<_>>(),
        });
        if decompose {
            figures["deficit_at_worst_step"] = json!(mine
                .iter()
                .map(|x| x.decomposition.clone())
                .collect::<Vec<_>>());
        }
        let t: Vec<f64> = HORIZONS.iter().map(|h| h * s.trace_steps as f64).collect();
        Ok(Outcome::new(
            at[last],
            Expectation::at_most(
                0.05,
                "the protocol's acceptance (the paper gives no tolerance; 1 − r_t ≤ 0.05 over the last 10 %): r_t → 1 only asymptotically (momentum tracks g_t as η_t decays), so a finite run gets 5 % slack",
            ),
        )
        .with_horizons(t, at)
        .with_figures(figures)
        .with_details(json!({
            "steps": mine.iter().map(|x| x.steps).collect::<Vec<_>>(),
            "separated": mine.iter().map(|x| x.separated).collect::<Vec<_>>(),
            "measured_over": if any_separated { "the separating runs" } else { "all runs (none separated the data)" },
            "note": "runs that do not separate the data (a point with f = 0: every hidden unit dead on it) violate the theory's positive-margin hypothesis and are left out of the measured value (if no run separates, the value is over all runs); worst_one_minus_r_by_horizon[s][k] is the max of 1 − r_t over the last 10 % of the first horizons[k] steps; deficit_at_worst_step splits 1 − r at the worst step of the last 10 % into the W block (by singular direction of G_W, weights σ_i/(‖G_W‖_nuc + ‖g_a‖)) and the a block",
            "reported": reported})))
    }
    fn control(&self) -> Option<Planted> {
        let (bug, subject) = match self.subject.name {
            "muon" => (
                "Muon normalized by the Frobenius norm (M/‖M‖_F instead of the polar factor)",
                planted::muon_frobenius(&self.subject),
            ),
            "signum" => (
                "Signum stepping along m/‖m‖_∞ instead of sign(m)",
                planted::signum_max_normalized(&self.subject),
            ),
            _ => (
                "MomentumNGD normalized per block (m_l/‖m_l‖_F) instead of by the global ‖m‖₂",
                planted::ngd_per_block(&self.subject),
            ),
        };
        Planted::new(
            bug,
            Alignment {
                subject,
                norm: self.norm.clone(),
                reported: Vec::new(),
            },
        )
    }
}
