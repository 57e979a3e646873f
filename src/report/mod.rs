//! Rendering a `steepest.report/v1` document (see `docs/report.schema.json`) for papers:
//! a Markdown summary ([`markdown`]), a LaTeX booktabs table of the checks with measured vs
//! expected ([`latex`]), and SVG figures ([`figures`]) drawn with `plotters` (SVG backend only,
//! text as SVG `<text>` elements, so no system font files are needed).
//!
//! Figures are drawn only from data the report records:
//! * `ns-map.svg` — the Newton–Schulz scalar map x ↦ φ^k(x), φ(x) = a x + b x³ + c x⁵, for the
//!   coefficients and step count in the `params` of `P8-a[envelope]`, with the measured envelope
//!   [min σ_out, max σ_out] from its `details` as a band (Jordan et al., Muon; file 08 §1.2).
//! * `hasd-bound.svg` — HASD optimality gap f(x_T) − f* and the theorem's bound against T on
//!   log–log axes, from `details.samples` of each `P5-a[bound,…]` record (file 05).
//! * `margin-gap.svg` — the margin gap γ − (normalized margin) of each optimizer's own norm against
//!   the step t on log–log axes (mean over seeds), labelled with the mean fitted slope, from
//!   `details.seeds[*].{t, gap, slope}` of each `P1-c[…]` record (multiclass paper, Fig. 1).
//! * `correlation-curves.svg` — the correlation ⟨W_t, V_N⟩/(‖W_t‖_F‖V_N‖_F) of each optimizer's
//!   iterate with the max-margin solution V_N of each norm N against the step t (log axis), one
//!   panel per N, mean over seeds, from `details.seeds[*].{t, correlation_curves}` of each
//!   `P1-b[…]` record (multiclass paper, Fig. 2).
//! * `aion-slice.svg` — the AION loss L(θ0 + s(θ1 − θ0)) along the Infinite Descent step, with the
//!   one-step jump from s = 0 to s = 1, from `details.loss_slice` of each `V3[…]` record (file 09).
//! * `lr-basin.svg` — final held-out loss (mean over seeds) against the learning rate η on a log
//!   axis, one curve per method, grid points inside the method's basin (loss ≤ best + 0.05) filled,
//!   runs off the scale or diverged marked on the top edge, from `details.table` of the first
//!   `P3-c[…]` record (suite `lr-robustness`; Crawshaw et al., Fig. 1).

use crate::error::{Error, Result};
use serde_json::Value;
use std::fmt::Write as _;

/// The schema tag a renderable report must carry.
pub const SCHEMA: &str = "steepest.report/v1";

/// Check that `v` is a `steepest.report/v1` report with a `records` array; `what` names the file.
pub fn check_report(v: &Value, what: &str) -> Result<()> {
    match v.get("schema").and_then(Value::as_str) {
        Some(SCHEMA) => {}
        Some(other) => {
            return Err(Error::input(format!(
                "'{what}' has schema '{other}', not '{SCHEMA}'; give a report written by `steepest validate --report`"
            )))
        }
        None => {
            return Err(Error::input(format!(
                "'{what}' has no \"schema\" key, so it is not a steepest report; give a report written by `steepest validate --report`"
            )))
        }
    }
    if !v.get("records").is_some_and(Value::is_array) {
        return Err(Error::input(format!(
            "'{what}' has no \"records\" array; give a report written by `steepest validate --report`"
        )));
    }
    Ok(())
}

fn records(v: &Value) -> &[Value] {
    v.get("records")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
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

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn fmt_num(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 1e-3 && x.abs() < 1e5 {
        format!("{}", (x * 1e4).round() / 1e4)
    } else {
        format!("{x:.3e}")
    }
}

fn fmt_value(v: &Value) -> String {
    match v {
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), fmt_num),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The expectation of a record in words: `≤ b`, `≥ b`, `∈ [lo, hi]`, `≈ v (abs, rel)`, or the JSON.
pub fn expected_text(e: &Value) -> String {
    let f = |v: &Value, k: &str| v.get(k).map(fmt_value).unwrap_or_default();
    if let Some(a) = e.get("at_most") {
        format!("≤ {}", f(a, "bound"))
    } else if let Some(a) = e.get("at_least") {
        format!("≥ {}", f(a, "bound"))
    } else if let Some(w) = e.get("within") {
        format!("∈ [{}, {}]", f(w, "lo"), f(w, "hi"))
    } else if let Some(c) = e.get("close") {
        format!(
            "≈ {} (abs {}, rel {})",
            f(c, "value"),
            f(c, "abs"),
            f(c, "rel")
        )
    } else {
        let mut o = e.clone();
        if let Some(m) = o.as_object_mut() {
            m.remove("why");
        }
        o.to_string()
    }
}

/// A record's verdict as written in the report; reports older than verdicts derive it from
/// `pass` and `skipped`.
fn verdict_of(r: &Value) -> &str {
    match r.get("verdict").and_then(Value::as_str) {
        Some(v) => v,
        None if r.get("skipped").is_some_and(|s| !s.is_null()) => "skipped",
        None => match r.get("pass").and_then(Value::as_bool) {
            Some(true) => "pass",
            Some(false) => "fail",
            None => "skipped",
        },
    }
}

/// The verdict kinds in report order, with their Markdown and LaTeX renderings.
const VERDICTS: [(&str, &str, &str); 5] = [
    ("pass", "✓ pass", "\\checkmark{} pass"),
    ("fail", "✗ **FAIL**", "\\textbf{fail}"),
    ("skipped", "– skipped", "skipped"),
    ("not-reached", "… not reached", "not reached"),
    ("no-power", "✗ **NO POWER**", "\\textbf{no power}"),
];

/// The Markdown rendering of a verdict (unknown kinds verbatim, flagged).
fn verdict_md(v: &str) -> String {
    VERDICTS
        .iter()
        .find(|k| k.0 == v)
        .map_or_else(|| format!("? `{v}`"), |k| k.1.to_string())
}

/// The LaTeX rendering of a verdict.
fn verdict_latex(v: &str) -> String {
    VERDICTS
        .iter()
        .find(|k| k.0 == v)
        .map_or_else(|| latex_escape(v), |k| k.2.to_string())
}

/// "N pass, N fail, …": the count of each verdict among `records`, every kind listed.
fn verdict_counts(records: &[Value]) -> Vec<(&'static str, usize)> {
    VERDICTS
        .iter()
        .map(|k| (k.0, records.iter().filter(|r| verdict_of(r) == k.0).count()))
        .collect()
}

/// A record's control as one cell: the planted bug and whether the check caught it.
fn control_text(r: &Value) -> String {
    match r.get("control") {
        Some(c) if c.is_object() => {
            let caught = !c.get("pass").and_then(Value::as_bool).unwrap_or(true);
            format!(
                "{} — {} (measured {})",
                s(c, "bug"),
                if caught { "caught" } else { "NOT caught" },
                fmt_value(c.get("measured").unwrap_or(&Value::Null))
            )
        }
        _ => "—".to_string(),
    }
}

fn md_escape(t: &str) -> String {
    t.replace('|', "\\|").replace('\n', " ")
}

/// A Markdown summary: environment, per-suite pass counts, and a table of every record.
pub fn markdown(report: &Value) -> String {
    let mut o = String::new();
    let env = report.get("environment").cloned().unwrap_or(Value::Null);
    let _ = writeln!(o, "# steepest validation report\n");
    let _ = writeln!(
        o,
        "- schema: `{}`; steepest {} (git {}); {}; {} cores",
        s(report, "schema"),
        s(report, "version"),
        s(&env, "git_revision"),
        s(&env, "rustc"),
        fmt_value(env.get("cores").unwrap_or(&Value::Null))
    );
    let _ = writeln!(
        o,
        "- profile `{}`, seed {}, wall time {} ms",
        s(report, "profile"),
        fmt_value(report.get("seed").unwrap_or(&Value::Null)),
        fmt_value(report.get("wall_ms").unwrap_or(&Value::Null))
    );
    let all = records(report);
    let counts: Vec<String> = verdict_counts(all)
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    let _ = writeln!(o, "- **{}**\n", counts.join(", "));
    let mut suites: Vec<(String, Vec<&Value>)> = Vec::new();
    for r in all {
        let name = s(r, "suite").to_string();
        match suites.iter_mut().find(|x| x.0 == name) {
            Some(x) => x.1.push(r),
            None => suites.push((name, vec![r])),
        }
    }
    let _ = writeln!(
        o,
        "## Suites\n\n| suite | pass | fail | skipped | not reached | no power |\n|---|---:|---:|---:|---:|---:|"
    );
    for (n, rs) in &suites {
        let owned: Vec<Value> = rs.iter().map(|r| (*r).clone()).collect();
        let c: Vec<String> = verdict_counts(&owned)
            .iter()
            .map(|(_, n)| n.to_string())
            .collect();
        let _ = writeln!(o, "| {n} | {} |", c.join(" | "));
    }
    let _ = writeln!(
        o,
        "\n## Records\n\n| id | suite | claim | measured | expected | verdict | control | source |\n|---|---|---|---:|---|:---:|---|---|"
    );
    for r in all {
        let expected = match (r.get("skipped").and_then(Value::as_str), r.get("error").and_then(Value::as_str)) {
            (Some(why), _) => format!("skipped: {why}"),
            (_, Some(e)) => format!("error: {e}"),
            _ => expected_text(r.get("expected").unwrap_or(&Value::Null)),
        };
        let _ = writeln!(
            o,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} |",
            s(r, "id"),
            s(r, "suite"),
            md_escape(s(r, "claim")),
            fmt_value(r.get("measured").unwrap_or(&Value::Null)),
            md_escape(&expected),
            verdict_md(verdict_of(r)),
            md_escape(&control_text(r)),
            md_escape(s(r, "source"))
        );
    }
    let _ = writeln!(
        o,
        "\nRerun: `steepest validate --rerun REPORT.json` (one record: `--only ID`)."
    );
    o
}

/// LaTeX special characters escaped; common Unicode math symbols mapped to LaTeX commands so the
/// table compiles with pdflatex.
pub fn latex_escape(t: &str) -> String {
    let mut o = String::with_capacity(t.len());
    for ch in t.chars() {
        match ch {
            '\\' => o.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                o.push('\\');
                o.push(ch);
            }
            '~' => o.push_str("\\textasciitilde{}"),
            '^' => o.push_str("\\textasciicircum{}"),
            '≤' => o.push_str("$\\le$"),
            '≥' => o.push_str("$\\ge$"),
            '≈' => o.push_str("$\\approx$"),
            '∈' => o.push_str("$\\in$"),
            '·' => o.push_str("$\\cdot$"),
            '−' => o.push('-'),
            '‖' => o.push_str("$\\|$"),
            '√' => o.push_str("$\\surd$"),
            '∞' => o.push_str("$\\infty$"),
            'σ' => o.push_str("$\\sigma$"),
            'φ' => o.push_str("$\\varphi$"),
            'γ' => o.push_str("$\\gamma$"),
            'κ' => o.push_str("$\\kappa$"),
            'η' => o.push_str("$\\eta$"),
            'ε' => o.push_str("$\\varepsilon$"),
            'ρ' => o.push_str("$\\rho$"),
            'μ' => o.push_str("$\\mu$"),
            'β' => o.push_str("$\\beta$"),
            '⟨' => o.push_str("$\\langle$"),
            '⟩' => o.push_str("$\\rangle$"),
            'ᵀ' => o.push_str("$^\\top$"),
            '✓' => o.push_str("yes"),
            c if c.is_ascii() => o.push(c),
            _ => o.push('?'),
        }
    }
    o
}

/// A standalone-includable LaTeX `table` (booktabs) of the checks: id, measured, expected, pass.
/// Needs `\usepackage{booktabs,longtable}` in the preamble.
pub fn latex(report: &Value) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "% steepest {} report (profile {}, seed {}); needs \\usepackage{{booktabs,longtable}}",
        latex_escape(s(report, "schema")),
        latex_escape(s(report, "profile")),
        fmt_value(report.get("seed").unwrap_or(&Value::Null))
    );
    let _ = writeln!(o, "\\begin{{longtable}}{{llrlc}}");
    let _ = writeln!(
        o,
        "\\caption{{Theorem checks: {} (steepest {}, profile {}, seed {}).}}\\\\",
        verdict_counts(records(report))
            .iter()
            .map(|(k, n)| format!("{n} {}", latex_escape(k)))
            .collect::<Vec<_>>()
            .join(", "),
        latex_escape(s(report, "version")),
        latex_escape(s(report, "profile")),
        fmt_value(report.get("seed").unwrap_or(&Value::Null))
    );
    let header = "\\toprule\nCheck & Suite & Measured & Expected & Verdict \\\\\n\\midrule";
    let _ = writeln!(o, "{header}\n\\endfirsthead\n{header}\n\\endhead");
    let _ = writeln!(o, "\\bottomrule\n\\endlastfoot");
    for r in records(report) {
        let _ = writeln!(
            o,
            "\\texttt{{{}}} & {} & {} & {} & {} \\\\",
            latex_escape(s(r, "id")),
            latex_escape(s(r, "suite")),
            latex_escape(&fmt_value(r.get("measured").unwrap_or(&Value::Null))),
            latex_escape(&expected_text(r.get("expected").unwrap_or(&Value::Null))),
            verdict_latex(verdict_of(r))
        );
    }
    let _ = writeln!(o, "\\end{{longtable}}");
    o
}

/// A labelled series of (T, gap, bound) samples.
type GapSeries = (String, Vec<(f64, f64, f64)>);
/// A labelled loss slice of (s, L/L(θ0)) points with its L(θ0).
type Slice = (String, Vec<(f64, f64)>, f64);

fn plot_err(e: impl std::fmt::Display) -> Error {
    Error::failed(format!("drawing a figure failed: {e}"))
}

/// The colour of series `i` in the line figures (cycled; the LR-basin figure orders its own
/// palette so that each Momo variant gets a hue close to its base method's).
fn series_color(i: usize) -> plotters::style::RGBColor {
    use plotters::style::{RGBColor, BLACK, BLUE, CYAN, GREEN, MAGENTA, RED};
    const SERIES: [RGBColor; 7] = [
        BLUE,
        RED,
        GREEN,
        MAGENTA,
        CYAN,
        BLACK,
        RGBColor(230, 120, 0),
    ];
    SERIES[i % SERIES.len()]
}

/// An SVG figure of `size` pixels: a white canvas handed to `draw`, then rendered to text.
fn svg_figure(
    size: (u32, u32),
    draw: impl FnOnce(
        &plotters::prelude::DrawingArea<plotters::prelude::SVGBackend<'_>, plotters::coord::Shift>,
    ) -> Result<()>,
) -> Result<String> {
    use plotters::prelude::*;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        draw(&root)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// A series' legend key: a short horizontal line drawn in `style`.
fn line_key(
    style: impl Into<plotters::style::ShapeStyle>,
) -> impl Fn((i32, i32)) -> plotters::element::PathElement<(i32, i32)> {
    let style = style.into();
    move |(x, y)| plotters::element::PathElement::new(vec![(x, y), (x + 18, y)], style)
}

/// The series legend of `chart` at `position`, on a translucent white box (every figure's style).
fn draw_legend<'a, DB, CT>(
    chart: &mut plotters::chart::ChartContext<'a, DB, CT>,
    position: plotters::chart::SeriesLabelPosition,
) -> Result<()>
where
    DB: plotters::prelude::DrawingBackend + 'a,
    CT: plotters::coord::CoordTranslate,
{
    use plotters::prelude::*;
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .draw()
        .map_err(plot_err)
}

/// The Newton–Schulz singular-value map of `P8-a[envelope]` (see the module docs), if present.
fn ns_map(report: &Value) -> Result<Option<String>> {
    use plotters::prelude::*;
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
    let steps = params
        .get("steps")
        .and_then(Value::as_u64)
        .map_or(coeffs.default_steps(), |k| k as usize);
    let det = rec.get("details").cloned().unwrap_or(Value::Null);
    let band = (
        det.get("min_sigma_out").and_then(Value::as_f64),
        det.get("max_sigma_out").and_then(Value::as_f64),
    );
    let curve: Vec<(f64, f64)> = (0..=2000)
        .map(|i| {
            let x = 10f64.powf(-3.0 + 3.0 * f64::from(i) / 2000.0);
            let y = (0..steps).fold(x, |y, k| crate::linalg::ns_scalar_step(y, coeffs.triple(k)));
            (x, y)
        })
        .collect();
    svg_figure((720, 460), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "Newton–Schulz ({}, {} steps): σ/‖G‖_F ↦ output singular value",
                    coeffs.name(),
                    steps
                ),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(55)
            .build_cartesian_2d((1e-3f64..1.0f64).log_scale(), 0.0f64..1.3f64)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("x = σ / ‖G‖_F (log scale)")
            .y_desc("σ_out")
            .draw()
            .map_err(plot_err)?;
        if let (Some(lo), Some(hi)) = band {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(0.01, lo), (1.0, hi)],
                    RGBColor(255, 200, 120).mix(0.35).filled(),
                )))
                .map_err(plot_err)?
                .label(format!(
                    "measured envelope for x ≥ 0.01: [{lo:.4}, {hi:.4}]"
                ))
                .legend(|(x, y)| {
                    Rectangle::new(
                        [(x, y - 5), (x + 18, y + 5)],
                        RGBColor(255, 200, 120).filled(),
                    )
                });
        }
        chart
            .draw_series(LineSeries::new(curve, BLUE.stroke_width(2)))
            .map_err(plot_err)?
            .label(format!("φ^{steps}(x), φ(x) = ax + bx³ + cx⁵"))
            .legend(line_key(BLUE.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                vec![(1e-3, 1.0), (1.0, 1.0)],
                BLACK.mix(0.5),
            ))
            .map_err(plot_err)?
            .label("σ_out = 1 (exact polar factor)")
            .legend(line_key(BLACK.mix(0.5)));
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
        Ok(())
    })
    .map(Some)
}

/// HASD gap vs bound from every `P5-a[bound,…]` record (see the module docs), if present.
fn hasd_bound(report: &Value) -> Result<Option<String>> {
    use plotters::prelude::*;
    let mut sets: Vec<GapSeries> = Vec::new();
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
                .map(fmt_value)
                .unwrap_or_default();
            sets.push((p, pts));
        }
    }
    if sets.is_empty() {
        return Ok(None);
    }
    let all = sets.iter().flat_map(|(_, v)| v.iter());
    let (mut tmax, mut ymin, mut ymax) = (1.0f64, f64::INFINITY, 0.0f64);
    for &(t, g, b) in all {
        tmax = tmax.max(t);
        ymin = ymin.min(g).min(b);
        ymax = ymax.max(g).max(b);
    }
    let (ylo, yhi) = (
        10f64.powf(ymin.log10().floor()),
        10f64.powf(ymax.log10().ceil()),
    );
    svg_figure((720, 460), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "HASD: optimality gap f(x_T) − f* vs the theorem's bound",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d((1f64..tmax * 1.2).log_scale(), (ylo..yhi).log_scale())
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("iteration T (log scale)")
            .y_desc("f(x_T) − f* (log scale)")
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .draw()
            .map_err(plot_err)?;
        for (i, (p, pts)) in sets.iter().enumerate() {
            let c = series_color(i);
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|&(t, g, _)| (t, g)),
                    c.stroke_width(2),
                ))
                .map_err(plot_err)?
                .label(format!("gap, p = {p}"))
                .legend(line_key(c.stroke_width(2)));
            chart
                .draw_series(
                    pts.iter()
                        .map(|&(t, g, _)| Circle::new((t, g), 3, c.filled())),
                )
                .map_err(plot_err)?;
            let dashed: Vec<(f64, f64)> = pts.iter().map(|&(t, _, b)| (t, b)).collect();
            chart
                .draw_series(DashedLineSeries::new(dashed, 6, 4, c.stroke_width(1)))
                .map_err(plot_err)?
                .label(format!("bound, p = {p}"))
                .legend(line_key(c));
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerLeft)?;
        Ok(())
    })
    .map(Some)
}

/// A labelled margin-gap curve: (label, [(t, mean gap)], mean slope).
type GapCurve = (String, Vec<(f64, f64)>, f64);

/// Margin-gap curves of every `P1-c[…]` record with per-seed `t`, `gap`, `slope` (module docs).
fn margin_gap(report: &Value) -> Result<Option<String>> {
    use plotters::prelude::*;
    let mut curves: Vec<GapCurve> = Vec::new();
    for (r, seeds) in detail_arrays(report, "P1-c[", "seeds") {
        let mut t_ref: Option<Vec<f64>> = None;
        let (mut sums, mut slopes, mut n) = (Vec::<f64>::new(), Vec::<f64>::new(), 0usize);
        for sd in seeds {
            let nums = |k: &str| -> Option<Vec<f64>> {
                sd.get(k)?.as_array()?.iter().map(Value::as_f64).collect()
            };
            let (Some(t), Some(g)) = (nums("t"), nums("gap")) else {
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
        let pts: Vec<(f64, f64)> = t
            .iter()
            .zip(&sums)
            .map(|(&t, &g)| (t, g / n as f64))
            .filter(|&(t, g)| t > 0.0 && g > 0.0)
            .collect();
        let slope = slopes.iter().sum::<f64>() / slopes.len().max(1) as f64;
        let label = s(r, "id")
            .trim_start_matches("P1-c[")
            .trim_end_matches(']')
            .to_string();
        if pts.len() >= 2 {
            curves.push((format!("{label} (slope {slope:.2}, {n} seeds)"), pts, slope));
        }
    }
    if curves.is_empty() {
        return Ok(None);
    }
    let (mut tlo, mut thi, mut glo, mut ghi) = (f64::INFINITY, 0.0f64, f64::INFINITY, 0.0f64);
    for (_, pts, _) in &curves {
        for &(t, g) in pts {
            tlo = tlo.min(t);
            thi = thi.max(t);
            glo = glo.min(g);
            ghi = ghi.max(g);
        }
    }
    svg_figure((720, 460), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Margin gap γ − normalized margin in each optimizer's own norm",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(70)
            .build_cartesian_2d(
                (tlo / 1.2..thi * 1.2).log_scale(),
                // log10 of the gap on a linear axis, labelled with the gap itself (plotters' log
                // axis labels only powers of ten, too few for a decade-wide range)
                (glo.log10() - 0.05)..(ghi.log10() + 0.05),
            )
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("step t (log scale)")
            .y_desc("margin gap (log scale)")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{:.3}", 10f64.powf(*v)))
            .draw()
            .map_err(plot_err)?;
        for (i, (label, pts, _)) in curves.iter().enumerate() {
            let c = series_color(i);
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|&(t, g)| (t, g.log10())),
                    c.stroke_width(2),
                ))
                .map_err(plot_err)?
                .label(label.clone())
                .legend(line_key(c.stroke_width(2)));
            chart
                .draw_series(
                    pts.iter()
                        .map(|&(t, g)| Circle::new((t, g.log10()), 3, c.filled())),
                )
                .map_err(plot_err)?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerLeft)?;
        Ok(())
    })
    .map(Some)
}

/// A labelled correlation curve: (algorithm, [(t, mean correlation)] per reference norm).
type CorrCurve = (String, Vec<(String, Vec<(f64, f64)>)>);

/// Correlation curves of every `P1-b[…]` record with per-seed `t` and `correlation_curves`
/// (module docs): the mean over seeds per algorithm and reference norm.
fn correlation_curves(report: &Value) -> Result<Option<String>> {
    use plotters::prelude::*;
    let mut curves: Vec<CorrCurve> = Vec::new();
    let mut norms: Vec<String> = Vec::new();
    for (r, seeds) in detail_arrays(report, "P1-b[", "seeds") {
        // per norm: (t of the first usable seed, running sums, seed count)
        let mut acc: Vec<(String, Vec<f64>, Vec<f64>, usize)> = Vec::new();
        for sd in seeds {
            let Some(t) = sd
                .get("t")
                .and_then(Value::as_array)
                .and_then(|a| a.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>())
            else {
                continue;
            };
            let Some(cc) = sd.get("correlation_curves").and_then(Value::as_object) else {
                continue;
            };
            for (norm, vals) in cc {
                let Some(v) = vals
                    .as_array()
                    .and_then(|a| a.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>())
                else {
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
        if per_norm.is_empty() {
            continue;
        }
        for (norm, _) in &per_norm {
            if !norms.contains(norm) {
                norms.push(norm.clone());
            }
        }
        let label = s(r, "id")
            .trim_start_matches("P1-b[")
            .trim_end_matches(']')
            .to_string();
        curves.push((label, per_norm));
    }
    if curves.is_empty() {
        return Ok(None);
    }
    // the paper's panel order: V_∞, V_2, V_spec
    let rank = |n: &str| match n {
        "max" => 0,
        "fro" => 1,
        "spectral" => 2,
        _ => 3,
    };
    norms.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    let (mut tlo, mut thi, mut clo) = (f64::INFINITY, 0.0f64, 1.0f64);
    for (_, per_norm) in &curves {
        for (_, pts) in per_norm {
            for &(t, c) in pts {
                tlo = tlo.min(t);
                thi = thi.max(t);
                clo = clo.min(c);
            }
        }
    }
    let clo = (clo - 0.02).max(-1.0);
    let width = 380 * norms.len() as u32 + 40;
    svg_figure((width, 460), |root| {
        let root = root
            .titled(
                "Correlation ⟨W_t, V_N⟩/(‖W_t‖_F ‖V_N‖_F) with each max-margin solution (mean over seeds)",
                ("sans-serif", 18),
            )
            .map_err(plot_err)?;
        let panels = root.split_evenly((1, norms.len()));
        for (pi, (panel, norm)) in panels.iter().zip(&norms).enumerate() {
            let mut chart = ChartBuilder::on(panel)
                .caption(format!("V_{norm}"), ("sans-serif", 16))
                .margin(10)
                .x_label_area_size(40)
                .y_label_area_size(50)
                .build_cartesian_2d((tlo / 1.2..thi * 1.2).log_scale(), clo..1.005)
                .map_err(plot_err)?;
            chart
                .configure_mesh()
                .x_desc("step t (log scale)")
                .y_desc(if pi == 0 { "correlation" } else { "" })
                .x_label_formatter(&|v| format!("{v:.0}"))
                .y_label_formatter(&|v| format!("{v:.2}"))
                .draw()
                .map_err(plot_err)?;
            for (i, (label, per_norm)) in curves.iter().enumerate() {
                let Some((_, pts)) = per_norm.iter().find(|(n, _)| n == norm) else {
                    continue;
                };
                let c = series_color(i);
                chart
                    .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(2)))
                    .map_err(plot_err)?
                    .label(label.clone())
                    .legend(line_key(c.stroke_width(2)));
            }
            if pi + 1 == norms.len() {
                draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
            }
        }
        Ok(())
    })
    .map(Some)
}

/// The AION loss slice of every `V3[…]` record with `details.loss_slice` (see the module docs).
fn aion_slice(report: &Value) -> Result<Option<String>> {
    use plotters::prelude::*;
    let mut sets: Vec<(String, Vec<(f64, f64)>)> = Vec::new();
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
    if sets.is_empty() {
        return Ok(None);
    }
    // Each slice is scaled by its own L(θ0), so problems of different size share the axes.
    let scaled: Vec<Slice> = sets
        .into_iter()
        .map(|(id, pts)| {
            let l0 = pts
                .iter()
                .min_by(|a, b| a.0.abs().total_cmp(&b.0.abs()))
                .map_or(1.0, |p| p.1);
            let l0 = if l0 > 0.0 { l0 } else { 1.0 };
            (id, pts.into_iter().map(|(t, l)| (t, l / l0)).collect(), l0)
        })
        .collect();
    let ymax = scaled
        .iter()
        .flat_map(|(_, p, _)| p.iter().map(|q| q.1))
        .fold(1.0f64, f64::max)
        .min(5.0);
    svg_figure((720, 460), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "AION: loss along the Infinite Descent step θ0 + s(θ1 − θ0)",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(60)
            .build_cartesian_2d(-0.5f64..1.5f64, 0.0f64..ymax * 1.05)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("s (0: θ0, 1: θ1 after one step)")
            .x_label_formatter(&|v| format!("{:.1}", if v.abs() < 1e-9 { 0.0 } else { *v }))
            .y_desc("L(θ(s)) / L(θ0)")
            .draw()
            .map_err(plot_err)?;
        for (i, (id, pts, l0)) in scaled.iter().enumerate() {
            let c = series_color(i);
            let clipped: Vec<(f64, f64)> =
                pts.iter().map(|&(t, l)| (t, l.min(ymax * 1.05))).collect();
            chart
                .draw_series(LineSeries::new(clipped, c.stroke_width(2)))
                .map_err(plot_err)?
                .label(format!("{id} (L(θ0) = {})", fmt_num(*l0)))
                .legend(line_key(c.stroke_width(2)));
            let at = |s0: f64| {
                pts.iter()
                    .min_by(|a, b| (a.0 - s0).abs().total_cmp(&(b.0 - s0).abs()))
                    .copied()
            };
            if let (Some(a), Some(b)) = (at(0.0), at(1.0)) {
                chart
                    .draw_series([Circle::new(a, 5, c.filled()), Circle::new(b, 5, c.filled())])
                    .map_err(plot_err)?;
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![a, b],
                        c.mix(0.5).stroke_width(1),
                    )))
                    .map_err(plot_err)?;
            }
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
        Ok(())
    })
    .map(Some)
}

/// A method's curve of the LR-basin figure: (name, [(η, mean loss or None if diverged)], width).
type BasinCurve = (String, Vec<(f64, Option<f64>)>, usize);

/// The learning-rate basins of the first `P3-c[…]` record with `details.table` (module docs).
fn lr_basin(report: &Value) -> Result<Option<String>> {
    use plotters::prelude::*;
    let Some(table) = records(report)
        .iter()
        .filter(|r| s(r, "id").starts_with("P3-c["))
        .find_map(|r| r.get("details").and_then(|d| d.get("table")))
    else {
        return Ok(None);
    };
    let Some(lrs) = table
        .get("lrs")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().map(Value::as_f64).collect::<Option<Vec<f64>>>())
    else {
        return Ok(None);
    };
    let tol = report_basin_tol(table);
    let mut curves: Vec<BasinCurve> = Vec::new();
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
        let pts: Vec<(f64, Option<f64>)> = lrs
            .iter()
            .zip(vals)
            .map(|(&lr, v)| (lr, v.as_f64().filter(|x| x.is_finite())))
            .collect();
        let width = m.get("width_test_abs").and_then(Value::as_u64).unwrap_or(0) as usize;
        curves.push((s(m, "name").to_string(), pts, width));
    }
    let finite: Vec<f64> = curves
        .iter()
        .flat_map(|c| c.1.iter().filter_map(|p| p.1))
        .collect();
    if curves.is_empty() || finite.is_empty() || lrs.iter().any(|&x| x <= 0.0) {
        return Ok(None);
    }
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(0.0f64, f64::max);
    // Losses of runs that nearly diverged reach 10⁴ and more: the axis stops at 3 × the best
    // loss, and points above it are drawn as triangles on the top edge (diverged runs: crosses).
    let top = hi.min(3.0 * lo).max(lo * 1.2);
    let ymax = top + 0.06 * (top - lo);
    let ymin = (lo - 0.08 * (top - lo)).max(0.0);
    let (xlo, xhi) = (
        lrs.iter().copied().fold(f64::INFINITY, f64::min),
        lrs.iter().copied().fold(0.0f64, f64::max),
    );
    let colors = [
        BLUE,
        RGBColor(230, 120, 0),
        RED,
        RGBColor(0, 150, 200),
        MAGENTA,
        GREEN,
        BLACK,
    ];
    svg_figure((760, 520), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Learning-rate basins: final held-out loss vs η (mean over seeds)",
                ("sans-serif", 18),
            )
            .margin(12)
            .margin_bottom(36)
            .x_label_area_size(62)
            .y_label_area_size(60)
            .build_cartesian_2d((xlo / 1.6..xhi * 1.6).log_scale(), ymin..ymax)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .x_desc("learning rate η (log scale)")
            .y_desc("held-out cross-entropy")
            .x_label_formatter(&|v| format!("{v:.0e}"))
            .y_label_formatter(&|v| format!("{v:.2}"))
            .draw()
            .map_err(plot_err)?;
        for (i, (name, pts, width)) in curves.iter().enumerate() {
            let c = colors[i % colors.len()];
            let best = pts.iter().filter_map(|p| p.1).fold(f64::INFINITY, f64::min);
            // Momo variants are drawn thinner on top of their (thicker) base methods, so equal
            // curves stay visible as two.
            let stroke = if name.ends_with("momo") { 1 } else { 3 };
            // The line runs through consecutive on-scale points only (it breaks at runs that are
            // off the scale or diverged); the first piece carries the legend entry.
            let mut pieces: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
            for &(x, y) in pts {
                match y.filter(|&y| y <= top) {
                    Some(y) => pieces.last_mut().expect("non-empty").push((x, y)),
                    None => pieces.push(Vec::new()),
                }
            }
            pieces.retain(|p| !p.is_empty());
            if pieces.is_empty() {
                // Nothing on the scale: an empty piece still carries the legend entry.
                pieces.push(Vec::new());
            }
            for (k, piece) in pieces.iter().enumerate() {
                let series = chart
                    .draw_series(LineSeries::new(
                        piece.iter().copied(),
                        c.mix(0.85).stroke_width(stroke),
                    ))
                    .map_err(plot_err)?;
                if k == 0 {
                    series
                        .label(format!("{name} (basin width {width})"))
                        .legend(line_key(c.stroke_width(stroke)));
                }
            }
            // Markers on the top edge are spread sideways by method so they do not hide each other.
            let shift = 10f64.powf(0.045 * (i as f64 - (curves.len() as f64 - 1.0) / 2.0));
            for &(x, y) in pts {
                match y {
                    Some(y) if y > top => {
                        chart
                            .draw_series(std::iter::once(TriangleMarker::new(
                                (x * shift, top),
                                5,
                                c.filled(),
                            )))
                            .map_err(plot_err)?;
                    }
                    Some(y) => {
                        let inside = y <= best + tol;
                        let style = if inside {
                            c.filled()
                        } else {
                            c.stroke_width(1)
                        };
                        let r = if inside { 5 } else { 3 };
                        chart
                            .draw_series(std::iter::once(Circle::new((x, y), r, style)))
                            .map_err(plot_err)?;
                    }
                    None => {
                        chart
                            .draw_series(std::iter::once(Cross::new(
                                (x * shift, top),
                                5,
                                c.stroke_width(2),
                            )))
                            .map_err(plot_err)?;
                    }
                }
            }
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        root.draw(&Text::new(
            format!("filled: in the basin (loss ≤ best + {tol}); ▲ above {top:.2}; × diverged"),
            (150, 500),
            ("sans-serif", 13),
        ))
        .map_err(plot_err)?;
        Ok(())
    })
    .map(Some)
}

/// The absolute basin tolerance of an lr-robustness table (`basin.abs` = "loss ≤ best + T"),
/// 0.05 if absent.
fn report_basin_tol(table: &Value) -> f64 {
    table
        .get("basin")
        .and_then(|b| b.get("abs"))
        .and_then(Value::as_str)
        .and_then(|t| t.rsplit('+').next())
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0.05)
}

/// Every figure the report has data for, as (file name, SVG text). Empty if none.
pub fn figures(report: &Value) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    if let Some(svg) = ns_map(report)? {
        out.push(("ns-map.svg".to_string(), svg));
    }
    if let Some(svg) = hasd_bound(report)? {
        out.push(("hasd-bound.svg".to_string(), svg));
    }
    if let Some(svg) = margin_gap(report)? {
        out.push(("margin-gap.svg".to_string(), svg));
    }
    if let Some(svg) = correlation_curves(report)? {
        out.push(("correlation-curves.svg".to_string(), svg));
    }
    if let Some(svg) = aion_slice(report)? {
        out.push(("aion-slice.svg".to_string(), svg));
    }
    if let Some(svg) = lr_basin(report)? {
        out.push(("lr-basin.svg".to_string(), svg));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rejects_wrong_schema_and_missing_records() {
        assert!(check_report(&json!({"schema": "x", "records": []}), "r").is_err());
        assert!(check_report(&json!({"schema": SCHEMA}), "r").is_err());
        assert!(check_report(&json!({"schema": SCHEMA, "records": []}), "r").is_ok());
    }

    #[test]
    fn expectations_in_words() {
        assert_eq!(expected_text(&json!({"at_most": {"bound": 1.0}})), "≤ 1");
        assert_eq!(
            expected_text(&json!({"within": {"lo": 0.5, "hi": 2.0}})),
            "∈ [0.5, 2]"
        );
    }

    /// One record of each verdict kind, as `validate` writes them.
    fn five_verdicts() -> Value {
        let rec = |id: &str, verdict: &str, pass: Value, extra: Value| {
            let mut r = json!({"id": id, "suite": "s", "claim": "c", "source": "src",
                "measured": 1.0, "expected": {"at_most": {"bound": 2.0}, "why": "w"},
                "pass": pass, "verdict": verdict});
            for (k, v) in extra.as_object().unwrap() {
                r[k] = v.clone();
            }
            r
        };
        let control = |pass: bool| json!({"control": {"bug": "flipped sign", "measured": 3.0, "pass": pass}});
        json!({"schema": SCHEMA, "records": [
            rec("A-pass", "pass", json!(true), control(false)),
            rec("B-fail", "fail", json!(false), control(false)),
            rec("C-skip", "skipped", Value::Null, json!({"skipped": "paper profile only", "measured": null, "expected": null})),
            rec("D-nr", "not-reached", json!(false), control(false)),
            rec("E-np", "no-power", json!(false), control(true)),
        ]})
    }

    #[test]
    fn every_verdict_renders_as_itself_in_markdown_and_latex() {
        let report = five_verdicts();
        let md = markdown(&report);
        let tex = latex(&report);
        // read each record's row back and find its verdict cell
        let md_cell = |id: &str| -> String {
            let row = md
                .lines()
                .find(|l| l.starts_with(&format!("| `{id}`")))
                .unwrap_or_else(|| panic!("no Markdown row for {id}"));
            row.split(" | ").nth(5).unwrap().to_string()
        };
        let tex_cell = |id: &str| -> String {
            let row = tex
                .lines()
                .find(|l| l.starts_with(&format!("\\texttt{{{}}}", latex_escape(id))))
                .unwrap_or_else(|| panic!("no LaTeX row for {id}"));
            row.trim_end_matches(" \\\\").rsplit(" & ").next().unwrap().to_string()
        };
        for (id, md_want, tex_want) in [
            ("A-pass", "✓ pass", "\\checkmark{} pass"),
            ("B-fail", "✗ **FAIL**", "\\textbf{fail}"),
            ("C-skip", "– skipped", "skipped"),
            ("D-nr", "… not reached", "not reached"),
            ("E-np", "✗ **NO POWER**", "\\textbf{no power}"),
        ] {
            assert_eq!(md_cell(id), md_want, "{id} in Markdown");
            assert_eq!(tex_cell(id), tex_want, "{id} in LaTeX");
        }
        // the counts name every verdict once
        assert!(md.contains("1 pass, 1 fail, 1 skipped, 1 not-reached, 1 no-power"), "{md}");
        assert!(tex.contains("1 pass, 1 fail, 1 skipped, 1 not-reached, 1 no-power"), "{tex}");
        // the skipped row shows its reason, not a failure; the no-power row shows its control passed
        assert!(md.lines().any(|l| l.contains("C-skip") && l.contains("skipped: paper profile only")));
        assert!(md.lines().any(|l| l.contains("E-np") && l.contains("NOT caught")));
        assert!(md.lines().any(|l| l.contains("A-pass") && l.contains("flipped sign — caught")));
    }

    #[test]
    fn latex_escapes_specials() {
        assert_eq!(latex_escape("a_b & 50%"), "a\\_b \\& 50\\%");
        assert_eq!(latex_escape("≤"), "$\\le$");
    }

    #[test]
    fn margin_gap_from_seeds() {
        let r = json!({"schema": SCHEMA, "records": [{"id": "P1-c[ngd]", "details": {"seeds": [
            {"t": [10.0, 100.0], "gap": [0.1, 0.03], "slope": -0.52},
            {"t": [10.0, 100.0], "gap": [0.2, 0.05], "slope": -0.6}]}}]});
        let f = figures(&r).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "margin-gap.svg");
        assert!(f[0].1.contains("ngd (slope -0.56, 2 seeds)"));
    }

    #[test]
    fn correlation_curves_from_seeds() {
        let seed = |a: f64| {
            json!({"t": [1.0, 10.0, 100.0], "correlation_curves": {
                "max": [0.5, 0.7 + a, 0.9], "fro": [0.4, 0.6, 0.8], "spectral": [0.3, 0.5, 0.6]}})
        };
        let r = json!({"schema": SCHEMA, "records": [
            {"id": "P1-b[signgd]", "details": {"seeds": [seed(0.0), seed(0.02)]}},
            {"id": "P1-b[ngd]", "details": {"seeds": [seed(0.01)]}},
            // no curves (an older report): no figure from this record, no error
            {"id": "P1-b[adam]", "details": {"seeds": [{"correlations": []}]}}]});
        let f = figures(&r).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "correlation-curves.svg");
        let svg = &f[0].1;
        for text in ["V_max", "V_fro", "V_spectral", "signgd", "ngd"] {
            assert!(svg.contains(text), "{text} missing");
        }
        assert!(!svg.contains("adam"));
        let old = json!({"schema": SCHEMA, "records": [
            {"id": "P1-b[adam]", "details": {"seeds": [{"correlations": []}]}}]});
        assert!(figures(&old).unwrap().is_empty());
    }

    #[test]
    fn ns_map_from_params() {
        let r = json!({"schema": SCHEMA, "records": [{"id": "P8-a[envelope]",
            "params": {"coefficients": "keller", "steps": 5},
            "details": {"min_sigma_out": 0.68, "max_sigma_out": 1.13}}]});
        let f = figures(&r).unwrap();
        assert_eq!(f.len(), 1);
        assert!(f[0].1.starts_with("<svg") && f[0].1.contains("<text"));
    }

    #[test]
    fn lr_basin_from_lr_robustness_table() {
        let r = json!({"schema": SCHEMA, "records": [{"id": "P3-c[momo-widens:muonadam]", "details": {"table": {
            "lrs": [1e-3, 1e-2, 1e-1, 1.0],
            "basin": {"abs": "loss ≤ best + 0.05"},
            "methods": [
                {"name": "muonadam", "test_mean": [0.9, 0.6, 40.0, null], "width_test_abs": 1},
                {"name": "muonadam-momo", "test_mean": [0.9, 0.6, 0.63, 0.7], "width_test_abs": 2}]}}}]});
        let f = figures(&r).unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "lr-basin.svg");
        assert!(f[0].1.starts_with("<svg"));
        assert!(f[0].1.contains("muonadam-momo (basin width 2)"));
        assert!(f[0].1.contains("best + 0.05"));
    }
}
