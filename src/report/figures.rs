//! The figures of a validation report. Each is built in two steps: the data are read from the
//! report's records into plain curves (`*_data`), and a function of plain curves draws the
//! [`Figure`] (`*_figure`), so another source of the same curves (a training run) can reuse it.
//!
//! * `ns-map` — the Newton–Schulz scalar map x ↦ φ^k(x), φ(x) = a x + b x³ + c x⁵, for the
//!   coefficients and step count in the `params` of `P8-a[envelope]`, with the measured envelope
//!   [min σ_out, max σ_out] from its `details` as a band (Jordan et al., Muon; Bernstein, "Deriving
//!   Muon", the NS5 envelope).
//! * `hasd-bound` — HASD optimality gap f(x_T) − f* and the theorem's bound against T on log–log
//!   axes, from `details.samples` of each `P5-a[bound,…]` record.
//! * `margin-gap` — the margin gap γ − (normalized margin) in each optimizer's own norm against the
//!   step t on log–log axes (mean over seeds), the legend giving the record's measured slope (the
//!   worst seed's fitted log–log slope, the value in the table), from
//!   `details.seeds[*].{t, gap, slope}` of each `P1-c[…]` record (Fan, Schmidt & Thrampoulidis,
//!   arXiv:2502.04664, Fig. 1).
//! * `correlation-curves` — the correlation ⟨W_t, V_N⟩/(‖W_t‖_F‖V_N‖_F) of each optimizer's
//!   iterate with the max-margin solution V_N of each norm N against t (log axis), one panel per
//!   N, mean over seeds, from `details.seeds[*].{t, correlation_curves}` of each `P1-b[…]` record
//!   (same paper, Fig. 2).
//! * `aion-slice` — the AION loss L(θ0 + s(θ1 − θ0)) along the Infinite Descent step, with the
//!   one-step jump from s = 0 to s = 1, from `details.loss_slice` of each `V3[…]` record.
//! * `lr-basin` — final held-out loss (mean over seeds) against the learning rate η, one curve per
//!   method, grid points inside the method's basin filled, runs off the scale or diverged marked on
//!   the top edge, from `details.table` of the first `P3-c[…]` record (Crawshaw et al., Fig. 1).

use super::figure::{
    extent, Axis, Band, Corner, Figure, Line, Marker, Panel, Series, Style, GREY, PALETTE,
};
use super::tex::latex_escape;
use super::{fmt_num, records, s};
use crate::error::Result;
use serde_json::Value;

/// The most Newton–Schulz steps the NS-map figure draws (as `orthogonalize --steps`): the map is
/// at its fixed point or in its envelope long before, and a report asking for 10⁹ would take hours.
pub const MAX_FIGURE_NS_STEPS: usize = crate::cli::MAX_NS_STEPS;

/// Every figure the report has data for, in a fixed order. Empty if none. A report whose
/// `P8-a[envelope]` params ask for more than [`MAX_FIGURE_NS_STEPS`] steps is an input error.
pub fn figures(report: &Value) -> Result<Vec<Figure>> {
    let mut out = Vec::new();
    if let Some(d) = ns_map_data(report)? {
        out.push(ns_map_figure(&d));
    }
    let hasd = hasd_data(report);
    if !hasd.is_empty() {
        out.push(hasd_figure(&hasd));
    }
    let gaps = margin_gap_data(report);
    if !gaps.is_empty() {
        out.push(margin_gap_figure(&gaps));
    }
    let corr = correlation_data(report);
    if !corr.is_empty() {
        out.push(correlation_figure(&corr));
    }
    let slices = aion_data(report);
    if !slices.is_empty() {
        out.push(aion_figure(&slices));
    }
    if let Some(b) = lr_basin_data(report) {
        out.push(lr_basin_figure(&b));
    }
    Ok(out)
}

/// The records whose id starts with `prefix` and whose `details.<key>` is an array, with that array.
fn detail_arrays<'a>(
    report: &'a Value,
    prefix: &'a str,
    key: &'a str,
) -> impl Iterator<Item = (&'a Value, &'a Vec<Value>)> + 'a {
    records(report)
        .iter()
        .filter(move |r| s(r, "id").starts_with(prefix))
        .filter_map(move |r| Some((r, r.get("details")?.get(key)?.as_array()?)))
}

/// A JSON array of numbers, if it is one.
fn numbers(v: Option<&Value>) -> Option<Vec<f64>> {
    v?.as_array()?.iter().map(Value::as_f64).collect()
}

/// The variant of a record id (`P1-c[ngd]` → `ngd`), else the id.
fn variant(id: &str) -> &str {
    id.split_once('[')
        .map_or(id, |(_, v)| v.trim_end_matches(']'))
}

/// `n` points log-spaced on [lo, hi].
fn log_grid(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 10f64.powf(lo.log10() + (hi / lo).log10() * i as f64 / (n - 1) as f64))
        .collect()
}

// ---------------------------------------------------------------- ns-map

/// The Newton–Schulz map of one coefficient set: its name, step count, the map's points and the
/// measured envelope [min σ_out, max σ_out] for x ≥ 0.01, if recorded.
#[derive(Clone, Debug, PartialEq)]
pub struct NsMap {
    /// Coefficient set name (keller, dion, cubic).
    pub name: String,
    /// Number of steps k.
    pub steps: usize,
    /// (x, φ^k(x)).
    pub points: Vec<(f64, f64)>,
    /// The measured envelope, if recorded.
    pub envelope: Option<(f64, f64)>,
}

fn ns_map_data(report: &Value) -> Result<Option<NsMap>> {
    let Some(rec) = records(report)
        .iter()
        .find(|r| s(r, "id") == "P8-a[envelope]")
    else {
        return Ok(None);
    };
    let params = rec.get("params").cloned().unwrap_or(Value::Null);
    let Ok(coeffs) = crate::linalg::NsCoefficients::parse(s(&params, "coefficients")) else {
        return Ok(None);
    };
    let steps = match params.get("steps").and_then(Value::as_u64) {
        None => coeffs.default_steps(),
        Some(k) if (1..=MAX_FIGURE_NS_STEPS as u64).contains(&k) => k as usize,
        Some(k) => {
            return Err(crate::error::Error::input(format!(
                "P8-a[envelope] asks for a Newton–Schulz figure of {k} steps; the figure draws 1 to {MAX_FIGURE_NS_STEPS} steps (2001 points × steps evaluations) — fix \"steps\" in the record's params or render without figures"
            )))
        }
    };
    let det = rec.get("details").cloned().unwrap_or(Value::Null);
    let lo = det.get("min_sigma_out").and_then(Value::as_f64);
    let hi = det.get("max_sigma_out").and_then(Value::as_f64);
    let points = log_grid(1e-3, 1.0, 400)
        .into_iter()
        .map(|x| {
            let y = (0..steps).fold(x, |y, k| crate::linalg::ns_scalar_step(y, coeffs.triple(k)));
            (x, y)
        })
        .collect();
    Ok(Some(NsMap {
        name: coeffs.name().to_string(),
        steps,
        points,
        envelope: lo.zip(hi),
    }))
}

/// The Newton–Schulz map figure.
pub fn ns_map_figure(d: &NsMap) -> Figure {
    let mut bands = Vec::new();
    if let Some((lo, hi)) = d.envelope {
        bands.push(Band {
            label: format!(
                "measured envelope for $x \\ge 0.01$: $[{}, {}]$",
                fmt_num(lo),
                fmt_num(hi)
            ),
            x: (0.01, 1.0),
            y: (lo, hi),
            color: PALETTE[4],
        });
    }
    let k = d.steps;
    Figure {
        name: "ns-map".into(),
        title: format!(
            "Newton--Schulz ({}, {k} steps): singular value $x = \\sigma/\\|G\\|_F$ mapped to $\\varphi^{{{k}}}(x)$",
            latex_escape(&d.name)
        ),
        panels: vec![Panel {
            title: None,
            x: Axis::log_fixed("$x = \\sigma/\\|G\\|_F$", 1e-3, 1.0),
            y: Axis::linear_fixed(format!("output singular value $\\varphi^{{{k}}}(x)$"), 0.0, 1.3),
            bands,
            series: vec![
                Series::new(
                    "sigma-out-1",
                    "$\\sigma_{\\mathrm{out}} = 1$ (exact polar factor)",
                    vec![(1e-3, 1.0), (1.0, 1.0)],
                    Style::bound(0).with_color(GREY),
                ),
                Series::new(
                    "ns-map",
                    format!("$\\varphi^{{{k}}}(x)$, $\\varphi(x) = ax + bx^3 + cx^5$"),
                    d.points.clone(),
                    Style::series(0).with_marker(Marker::None).with_width(1.2),
                ),
            ],
            legend: Corner::SouthEast,
        }],
        notes: vec![
            "The map must stay inside the measured band for $x \\ge 0.01$ (check P8-a).".into(),
        ],
    }
}

// ---------------------------------------------------------------- hasd-bound

/// One HASD run: the label of its norm parameter p and its samples (T, gap, bound).
pub type HasdRun = (String, Vec<(f64, f64, f64)>);

fn hasd_data(report: &Value) -> Vec<HasdRun> {
    let mut sets = Vec::new();
    for (r, samples) in detail_arrays(report, "P5-a[bound", "samples") {
        let pts: Vec<(f64, f64, f64)> = samples
            .iter()
            .filter_map(|p| {
                Some((
                    p.get("T")?.as_f64()?,
                    p.get("gap")?.as_f64()?,
                    p.get("bound")?.as_f64()?,
                ))
            })
            .filter(|&(t, g, b)| t > 0.0 && g > 0.0 && b > 0.0)
            .collect();
        if !pts.is_empty() {
            let p = r
                .get("params")
                .and_then(|p| p.get("p"))
                .map(super::fmt_value)
                .unwrap_or_default();
            sets.push((p, pts));
        }
    }
    sets
}

/// `inf` as `\infty`, other parameter values escaped.
fn tex_param(p: &str) -> String {
    if p == "inf" {
        "\\infty".into()
    } else {
        latex_escape(p)
    }
}

/// HASD's gap and bound against T.
pub fn hasd_figure(sets: &[HasdRun]) -> Figure {
    let all = || sets.iter().flat_map(|(_, v)| v.iter());
    let (tlo, thi) = extent(all().map(|p| p.0), true).unwrap_or((1.0, 10.0));
    let (ylo, yhi) = extent(all().flat_map(|p| [p.1, p.2]), true).unwrap_or((1e-3, 1.0));
    let mut series = Vec::new();
    for (i, (p, pts)) in sets.iter().enumerate() {
        let tp = tex_param(p);
        series.push(Series::new(
            &format!("bound-p{p}"),
            format!("bound, $p = {tp}$"),
            pts.iter().map(|&(t, _, b)| (t, b)).collect(),
            Style::bound(i),
        ));
        series.push(Series::new(
            &format!("gap-p{p}"),
            format!("gap $f(x_T) - f^\\star$, $p = {tp}$"),
            pts.iter().map(|&(t, g, _)| (t, g)).collect(),
            Style::series(i),
        ));
    }
    Figure {
        name: "hasd-bound".into(),
        title: "HASD: optimality gap $f(x_T) - f^\\star$ under the theorem's bound".into(),
        panels: vec![Panel {
            title: None,
            x: Axis::log("iteration $T$", tlo, thi),
            y: Axis::log("$f(x_T) - f^\\star$", ylo, yhi),
            bands: Vec::new(),
            series,
            legend: Corner::SouthWest,
        }],
        notes: vec![
            "Solid with markers: the measured gap; dashed: the bound of check P5-a.".into(),
        ],
    }
}

// ---------------------------------------------------------------- margin-gap

/// One optimizer's margin gap: its name, the mean gap over seeds at each recorded t, the slope
/// the legend states (the record's measured value: the worst seed's fitted slope) and the number
/// of seeds.
#[derive(Clone, Debug, PartialEq)]
pub struct GapCurve {
    /// Optimizer name.
    pub name: String,
    /// (t, mean gap).
    pub points: Vec<(f64, f64)>,
    /// The worst (largest) per-seed fitted log–log slope.
    pub slope: f64,
    /// Number of seeds averaged.
    pub seeds: usize,
}

fn margin_gap_data(report: &Value) -> Vec<GapCurve> {
    let mut curves = Vec::new();
    for (r, seeds) in detail_arrays(report, "P1-c[", "seeds") {
        let mut t_ref: Option<Vec<f64>> = None;
        let (mut sums, mut slopes, mut n) = (Vec::<f64>::new(), Vec::<f64>::new(), 0usize);
        for sd in seeds {
            let (Some(t), Some(g)) = (numbers(sd.get("t")), numbers(sd.get("gap"))) else {
                continue;
            };
            if t.len() != g.len() || t.is_empty() || t_ref.as_ref().is_some_and(|r| *r != t) {
                continue;
            }
            if sums.is_empty() {
                sums = vec![0.0; g.len()];
            }
            for (a, b) in sums.iter_mut().zip(&g) {
                *a += b;
            }
            if let Some(sl) = sd.get("slope").and_then(Value::as_f64) {
                slopes.push(sl);
            }
            t_ref = Some(t);
            n += 1;
        }
        let Some(t) = t_ref else { continue };
        let points: Vec<(f64, f64)> = t
            .iter()
            .zip(&sums)
            .map(|(&t, &g)| (t, g / n as f64))
            .filter(|&(t, g)| t > 0.0 && g > 0.0)
            .collect();
        // the table's number: the record's measured value (the worst seed's slope); reports
        // without it fall back to the largest seed slope, which is how it is computed
        let slope = r
            .get("measured")
            .and_then(Value::as_f64)
            .unwrap_or_else(|| slopes.iter().copied().fold(f64::NEG_INFINITY, f64::max));
        if points.len() >= 2 {
            curves.push(GapCurve {
                name: variant(s(r, "id")).to_string(),
                points,
                slope,
                seeds: n,
            });
        }
    }
    curves
}

/// The margin gap against t, one curve per optimizer.
pub fn margin_gap_figure(curves: &[GapCurve]) -> Figure {
    let pts = || curves.iter().flat_map(|c| c.points.iter());
    let (tlo, thi) = extent(pts().map(|p| p.0), true).unwrap_or((1.0, 10.0));
    let (glo, ghi) = extent(pts().map(|p| p.1), true).unwrap_or((0.1, 1.0));
    let series = curves
        .iter()
        .enumerate()
        .map(|(i, c)| {
            Series::new(
                &c.name,
                format!(
                    "{}: slope ${:.2}$ (worst of {} seeds)",
                    latex_escape(&c.name),
                    c.slope,
                    c.seeds
                ),
                c.points.clone(),
                Style::series(i),
            )
        })
        .collect();
    Figure {
        name: "margin-gap".into(),
        title: "Margin gap $\\gamma_N - \\mathrm{margin}_N(W_t)$ in each optimizer's own norm $N$".into(),
        panels: vec![Panel {
            title: None,
            x: Axis::log("step $t$", tlo, thi),
            y: Axis::log("margin gap", glo, ghi),
            bands: Vec::new(),
            series,
            legend: Corner::SouthWest,
        }],
        notes: vec![
            "Curves: mean gap over seeds. Slope: the worst seed's fitted log--log slope, the measured value of check P1-c in the table.".into(),
        ],
    }
}

// ---------------------------------------------------------------- correlation-curves

/// One optimizer's correlation curves: its name and, per reference norm, (t, mean correlation).
pub type CorrCurves = (String, Vec<(String, Vec<(f64, f64)>)>);

fn correlation_data(report: &Value) -> Vec<CorrCurves> {
    let mut curves = Vec::new();
    for (r, seeds) in detail_arrays(report, "P1-b[", "seeds") {
        // per norm: (t of the first usable seed, running sums, seed count)
        let mut acc: Vec<(String, Vec<f64>, Vec<f64>, usize)> = Vec::new();
        for sd in seeds {
            let Some(t) = numbers(sd.get("t")) else {
                continue;
            };
            let Some(cc) = sd.get("correlation_curves").and_then(Value::as_object) else {
                continue;
            };
            for (norm, vals) in cc {
                let Some(v) = numbers(Some(vals)) else {
                    continue;
                };
                if v.len() != t.len() || t.is_empty() {
                    continue;
                }
                match acc.iter_mut().find(|a| &a.0 == norm) {
                    Some(a) if a.1 == t => {
                        for (x, y) in a.2.iter_mut().zip(&v) {
                            *x += y;
                        }
                        a.3 += 1;
                    }
                    Some(_) => {}
                    None => acc.push((norm.clone(), t.clone(), v, 1)),
                }
            }
        }
        let per_norm: Vec<(String, Vec<(f64, f64)>)> = acc
            .into_iter()
            .map(|(norm, t, sums, n)| {
                let pts = t
                    .iter()
                    .zip(&sums)
                    .map(|(&t, &c)| (t, c / n as f64))
                    .filter(|&(t, c)| t > 0.0 && c.is_finite())
                    .collect::<Vec<_>>();
                (norm, pts)
            })
            .filter(|(_, pts)| pts.len() >= 2)
            .collect();
        if !per_norm.is_empty() {
            curves.push((variant(s(r, "id")).to_string(), per_norm));
        }
    }
    curves
}

/// The panel title of the max-margin solution of norm `n`.
fn v_title(n: &str) -> String {
    match n {
        "max" => "$V_{\\max}$ (entry-wise max norm)".into(),
        "fro" => "$V_F$ (Frobenius norm)".into(),
        "spectral" => "$V_{\\mathrm{spec}}$ (spectral norm)".into(),
        other => format!("$V$ ({} norm)", latex_escape(other)),
    }
}

/// Correlation with each max-margin solution against t: one panel per norm, one curve per
/// optimizer.
pub fn correlation_figure(curves: &[CorrCurves]) -> Figure {
    let mut norms: Vec<String> = Vec::new();
    for (_, per) in curves {
        for (n, _) in per {
            if !norms.contains(n) {
                norms.push(n.clone());
            }
        }
    }
    // the paper's panel order: V_∞, V_2, V_spec
    let rank = |n: &str| match n {
        "max" => 0,
        "fro" => 1,
        "spectral" => 2,
        _ => 3,
    };
    norms.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    let all = || {
        curves
            .iter()
            .flat_map(|(_, per)| per.iter().flat_map(|(_, p)| p.iter()))
    };
    let (tlo, thi) = extent(all().map(|p| p.0), true).unwrap_or((1.0, 10.0));
    let (clo, chi) = extent(all().map(|p| p.1), false).unwrap_or((0.0, 1.0));
    let x = Axis::log("step $t$", tlo, thi);
    // side-by-side panels are narrow: at most four labels on t
    let k = x.ticks.len().div_ceil(4);
    let x = x.thinned(k);
    let y = Axis::linear("correlation", clo, chi.min(1.0));
    let last = norms.len().saturating_sub(1);
    let panels = norms
        .iter()
        .enumerate()
        .map(|(pi, norm)| Panel {
            title: Some(v_title(norm)),
            x: x.clone(),
            y: Axis {
                label: if pi == 0 {
                    y.label.clone()
                } else {
                    String::new()
                },
                ..y.clone()
            },
            bands: Vec::new(),
            series: curves
                .iter()
                .enumerate()
                .filter_map(|(i, (name, per))| {
                    let (_, pts) = per.iter().find(|(n, _)| n == norm)?;
                    Some(Series::new(
                        name,
                        latex_escape(name),
                        pts.clone(),
                        Style::series(i),
                    ))
                })
                .collect(),
            legend: if pi == last {
                Corner::OutsideRight
            } else {
                Corner::Hidden
            },
        })
        .collect();
    Figure {
        name: "correlation-curves".into(),
        title: "Correlation $\\langle W_t, V_N\\rangle/(\\|W_t\\|_F\\,\\|V_N\\|_F)$ with the max-margin solution $V_N$ of each norm (mean over seeds)".into(),
        panels,
        notes: vec![
            "Each optimizer has its own colour and marker: curves that coincide (spectral-gd and muon, its momentum variant) show both markers.".into(),
        ],
    }
}

// ---------------------------------------------------------------- aion-slice

/// One AION loss slice: the record id, (s, L(θ(s))) points.
pub type LossSlice = (String, Vec<(f64, f64)>);

fn aion_data(report: &Value) -> Vec<LossSlice> {
    let mut sets = Vec::new();
    for (r, slice) in detail_arrays(report, "V3[", "loss_slice") {
        let pts: Vec<(f64, f64)> = slice
            .iter()
            .filter_map(|p| Some((p.get("s")?.as_f64()?, p.get("loss")?.as_f64()?)))
            .filter(|&(_, l)| l.is_finite() && l >= 0.0)
            .collect();
        if pts.len() >= 2 {
            sets.push((s(r, "id").to_string(), pts));
        }
    }
    sets
}

/// The AION loss along the Infinite Descent step, each slice scaled by its own L(θ0).
pub fn aion_figure(sets: &[LossSlice]) -> Figure {
    const LINES: [Line; 3] = [Line::Solid, Line::DashDotted, Line::Dotted];
    let mut series = Vec::new();
    let mut top = 1.0f64;
    for (i, (id, pts)) in sets.iter().enumerate() {
        let at = |s0: f64| {
            pts.iter()
                .min_by(|a, b| (a.0 - s0).abs().total_cmp(&(b.0 - s0).abs()))
                .copied()
        };
        let l0 = at(0.0).map_or(1.0, |p| p.1);
        let l0 = if l0 > 0.0 { l0 } else { 1.0 };
        let scaled: Vec<(f64, f64)> = pts.iter().map(|&(t, l)| (t, l / l0)).collect();
        top = top.max(scaled.iter().map(|p| p.1).fold(0.0, f64::max).min(5.0));
        series.push(Series::new(
            id,
            format!("{} ($L(\\theta_0) = {}$)", latex_escape(id), fmt_num(l0)),
            scaled.clone(),
            Style::series(i)
                .with_marker(Marker::None)
                .with_line(LINES[i % LINES.len()]),
        ));
        if let (Some(a), Some(b)) = (at(0.0), at(1.0)) {
            let ends = vec![(a.0, a.1 / l0), (b.0, b.1 / l0)];
            // hollow endpoint markers growing with the series index: the slices all meet at
            // (0, 1), and at (1, 0) when the step solves the problem, so they are drawn
            // concentric instead of on top of each other
            series.push(Series::unlabelled(
                &format!("{id}-step"),
                ends,
                Style::series(i)
                    .with_line(Line::Dotted)
                    .with_width(0.8)
                    .with_mark_size(2.4 + 1.4 * i as f64),
            ));
        }
    }
    Figure {
        name: "aion-slice".into(),
        title: "AION: loss along the Infinite Descent step $\\theta_0 + s(\\theta_1 - \\theta_0)$"
            .into(),
        panels: vec![Panel {
            title: None,
            x: Axis::linear_fixed(
                "$s$ ($0$: $\\theta_0$; $1$: $\\theta_1$, after one step)",
                -0.5,
                1.5,
            ),
            y: Axis::linear("$L(\\theta(s))/L(\\theta_0)$", 0.0, top),
            bands: Vec::new(),
            series,
            legend: Corner::NorthEast,
        }],
        notes: vec!["Markers: $s = 0$ and $s = 1$, joined by the one-step jump (dotted).".into()],
    }
}

// ---------------------------------------------------------------- lr-basin

/// The learning-rate table of the lr-robustness suite: the grid, the basin tolerance, and per
/// method its name, mean held-out loss per η (`None`: diverged) and basin width.
#[derive(Clone, Debug, PartialEq)]
pub struct Basins {
    /// The learning-rate grid.
    pub lrs: Vec<f64>,
    /// A point is in the basin when its loss ≤ best + tol.
    pub tol: f64,
    /// (name, loss per η, basin width in grid points).
    pub methods: Vec<(String, Vec<Option<f64>>, usize)>,
}

fn lr_basin_data(report: &Value) -> Option<Basins> {
    let table = records(report)
        .iter()
        .filter(|r| s(r, "id").starts_with("P3-c["))
        .find_map(|r| r.get("details").and_then(|d| d.get("table")))?;
    let lrs = numbers(table.get("lrs"))?;
    if lrs.iter().any(|&x| x <= 0.0) {
        return None;
    }
    let tol = table
        .get("basin")
        .and_then(|b| b.get("abs"))
        .and_then(Value::as_str)
        .and_then(|t| t.rsplit('+').next())
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0.05);
    let mut methods = Vec::new();
    for m in table
        .get("methods")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
    {
        let Some(vals) = m.get("test_mean").and_then(Value::as_array) else {
            continue;
        };
        if vals.len() != lrs.len() {
            continue;
        }
        let loss: Vec<Option<f64>> = vals
            .iter()
            .map(|v| v.as_f64().filter(|x| x.is_finite()))
            .collect();
        let width = m.get("width_test_abs").and_then(Value::as_u64).unwrap_or(0) as usize;
        methods.push((s(m, "name").to_string(), loss, width));
    }
    let any = methods.iter().any(|m| m.1.iter().any(Option::is_some));
    (any && !methods.is_empty()).then_some(Basins { lrs, tol, methods })
}

/// The colour of method `name` among `names`: base methods take blue, vermillion, green,
/// purple in order of appearance, `…-momo` variants sky blue, orange, black (each its own colour;
/// the variant is also dashed).
fn basin_color(names: &[&str], name: &str) -> usize {
    const BASE: [usize; 4] = [0, 1, 2, 3];
    const MOMO: [usize; 3] = [5, 4, 6];
    let momo = |n: &&str| n.ends_with("-momo");
    let pos = |list: Vec<&str>| list.iter().position(|n| *n == name).unwrap_or(0);
    if momo(&name) {
        MOMO[pos(names.iter().copied().filter(momo).collect()) % MOMO.len()]
    } else {
        BASE[pos(names.iter().copied().filter(|n| !momo(n)).collect()) % BASE.len()]
    }
}

/// Held-out loss against the learning rate per method (module docs).
pub fn lr_basin_figure(b: &Basins) -> Figure {
    let finite: Vec<f64> = b
        .methods
        .iter()
        .flat_map(|m| m.1.iter().flatten().copied())
        .collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(0.0f64, f64::max);
    // Losses of runs that nearly diverged reach 10⁴ and more: the axis stops at 3 × the best
    // loss, and points above it are drawn as triangles on the top edge (diverged runs: crosses).
    let cap = hi.min(3.0 * lo).max(lo * 1.2);
    let y = Axis::linear("held-out cross-entropy", lo, cap);
    let top = y.hi;
    let (xlo, xhi) = extent(b.lrs.iter().copied(), true).unwrap_or((1e-3, 1.0));
    let names: Vec<&str> = b.methods.iter().map(|m| m.0.as_str()).collect();
    let mut series = Vec::new();
    let n = b.methods.len() as f64;
    for (i, (name, loss, width)) in b.methods.iter().enumerate() {
        let c = PALETTE[basin_color(&names, name)];
        let momo = name.ends_with("-momo");
        let marker = super::figure::MARKERS[i % 6];
        let base = Style::series(i).with_color(c).with_marker(marker);
        // Momo variants are drawn thinner and dashed on top of their base methods, so equal
        // curves stay visible as two
        let line = if momo {
            base.with_width(0.9).with_line(Line::Dashed)
        } else {
            base.with_width(1.6)
        };
        let best = loss.iter().flatten().copied().fold(f64::INFINITY, f64::min);
        let on_scale: Vec<(f64, f64)> = b
            .lrs
            .iter()
            .zip(loss)
            .map(|(&x, y)| (x, y.filter(|&y| y <= top).unwrap_or(f64::NAN)))
            .collect();
        series.push(Series::new(
            name,
            format!("{} (basin width {width})", latex_escape(name)),
            on_scale.clone(),
            line,
        ));
        let in_basin: Vec<(f64, f64)> = on_scale
            .iter()
            .copied()
            .filter(|&(_, y)| y.is_finite() && y <= best + b.tol)
            .collect();
        series.push(Series::unlabelled(
            &format!("{name}-in-basin"),
            in_basin,
            Style::markers(i, marker, true).with_color(c),
        ));
        // off the scale or diverged: on the top edge, spread sideways by method
        let shift = 10f64.powf(0.04 * (i as f64 - (n - 1.0) / 2.0));
        let edge = |want_diverged: bool| -> Vec<(f64, f64)> {
            b.lrs
                .iter()
                .zip(loss)
                .filter(|(_, y)| match y {
                    Some(y) => !want_diverged && *y > top,
                    None => want_diverged,
                })
                .map(|(&x, _)| (x * shift, top))
                .collect()
        };
        series.push(Series::unlabelled(
            &format!("{name}-above"),
            edge(false),
            Style::markers(i, Marker::Triangle, true).with_color(c),
        ));
        series.push(Series::unlabelled(
            &format!("{name}-diverged"),
            edge(true),
            Style::markers(i, Marker::Cross, false).with_color(c),
        ));
    }
    Figure {
        name: "lr-basin".into(),
        title: "Learning-rate basins: final held-out loss against $\\eta$ (mean over seeds)".into(),
        panels: vec![Panel {
            title: None,
            x: Axis::log("learning rate $\\eta$", xlo, xhi),
            y,
            bands: Vec::new(),
            series,
            legend: Corner::NorthWest,
        }],
        notes: vec![
            format!(
                "Filled markers: in the basin (loss $\\le$ best $+\\,{}$); hollow: outside; triangles on the top edge: loss above ${}$; crosses: diverged. Momo variants: dashed.",
                fmt_num(b.tol),
                fmt_num(top)
            ),
        ],
    }
}
