//! Rendering a `steepest.report/v1` document (see `docs/report.schema.json`) for papers:
//! a Markdown summary ([`markdown`]); LaTeX tables ([`latex::compact`]: one table per suite, one
//! row per claim; [`latex::latex`]: every record with its control, figures and history, for an
//! appendix); and figures ([`figures::figures`]) as data ([`figure::Figure`]), rendered to SVG
//! for quick looks ([`svg::render`]) and to pgfplots + CSV for papers ([`pgf`]), or compiled to
//! PDF with pdflatex ([`pgf::compile_pdf`]). The module docs of [`figures`] list each figure and
//! the records it is drawn from.

pub mod figure;
pub mod figures;
pub mod latex;
pub mod pgf;
pub mod runs;
pub mod svg;
pub mod tex;

pub use figures::figures;
pub use latex::latex;
pub use tex::latex_escape;

use crate::error::{Error, Result};
pub(crate) use crate::validate::fmt_num;
use crate::validate::Expectation;
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

pub(crate) fn records(v: &Value) -> &[Value] {
    v.get("records")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
}

pub(crate) fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

pub(crate) fn fmt_value(v: &Value) -> String {
    match v {
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), fmt_num),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The expectation of a record in words ([`Expectation`]'s `Display`: `≤ b`, `≥ b`,
/// `∈ [lo, hi]`, `≈ v (abs, rel)`, …), or the JSON without its `why` if it is not one.
pub fn expected_text(e: &Value) -> String {
    match Expectation::from_record(e) {
        Some(e) => e.to_string(),
        None => json_without_why(e),
    }
}

/// An expectation that is not one of [`Expectation`]'s shapes, as JSON without its reason.
pub(crate) fn json_without_why(e: &Value) -> String {
    let mut o = e.clone();
    if let Some(m) = o.as_object_mut() {
        m.remove("why");
    }
    o.to_string()
}

/// A record's verdict as written in the report; reports older than verdicts derive it from
/// `pass` and `skipped`.
pub(crate) fn verdict_of(r: &Value) -> &str {
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
pub(crate) const VERDICTS: [(&str, &str, &str); 5] = [
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

/// A record's `figures` in one cell: `name = value` pairs (arrays in full), `—` when absent.
fn figures_text(f: &Value) -> String {
    match f.as_object() {
        Some(m) if !m.is_empty() => m
            .iter()
            .map(|(k, v)| match v {
                Value::Array(a) => format!(
                    "{k} = [{}]",
                    a.iter().map(fmt_value).collect::<Vec<_>>().join(", ")
                ),
                other => format!("{k} = {}", fmt_value(other)),
            })
            .collect::<Vec<_>>()
            .join("; "),
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
        "\n## Records\n\n| id | suite | claim | measured | expected | verdict | control | source | figures | history |\n|---|---|---|---:|---|:---:|---|---|---|---:|"
    );
    for r in all {
        let expected = match (
            r.get("skipped").and_then(Value::as_str),
            r.get("error").and_then(Value::as_str),
        ) {
            (Some(why), _) => format!("skipped: {why}"),
            (_, Some(e)) => format!("error: {e}"),
            _ => expected_text(r.get("expected").unwrap_or(&Value::Null)),
        };
        let _ = writeln!(
            o,
            "| `{}` | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s(r, "id"),
            s(r, "suite"),
            md_escape(s(r, "claim")),
            fmt_value(r.get("measured").unwrap_or(&Value::Null)),
            md_escape(&expected),
            verdict_md(verdict_of(r)),
            md_escape(&control_text(r)),
            md_escape(s(r, "source")),
            md_escape(&figures_text(r.get("figures").unwrap_or(&Value::Null))),
            r.get("history")
                .and_then(Value::as_u64)
                .map_or_else(|| "—".to_string(), |h| h.to_string())
        );
    }
    let _ = writeln!(
        o,
        "\nRerun: `steepest validate --rerun REPORT.json` (one record: `--only ID`)."
    );
    o
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
        let control =
            |pass: bool| json!({"control": {"bug": "flipped sign", "measured": 3.0, "pass": pass}});
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
            row.trim_end_matches(" \\\\")
                .rsplit(" & ")
                .next()
                .unwrap()
                .to_string()
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
        assert!(
            md.contains("1 pass, 1 fail, 1 skipped, 1 not-reached, 1 no-power"),
            "{md}"
        );
        assert!(
            tex.contains("1 pass, 1 fail, 1 skipped, 1 not-reached, 1 no-power"),
            "{tex}"
        );
        // the skipped row shows its reason, not a failure; the no-power row shows its control passed
        assert!(md
            .lines()
            .any(|l| l.contains("C-skip") && l.contains("skipped: paper profile only")));
        assert!(md
            .lines()
            .any(|l| l.contains("E-np") && l.contains("NOT caught")));
        assert!(md
            .lines()
            .any(|l| l.contains("A-pass") && l.contains("flipped sign — caught")));
    }

    #[test]
    fn markdown_shows_figures_and_history() {
        let mut report = five_verdicts();
        report["records"][0]["figures"] = json!({"width_momo": 4, "width_base": [3, 2]});
        report["records"][0]["history"] = json!(2);
        let md = markdown(&report);
        let row = md.lines().find(|l| l.starts_with("| `A-pass`")).unwrap();
        assert!(row.contains("width_base = [3, 2]; width_momo = 4"), "{row}");
        assert!(row.trim_end().ends_with("| 2 |"), "{row}");
        let tex = latex(&report);
        assert!(tex.contains(r"width\_momo = $4$"), "{tex}");
        assert!(tex.contains("protocol changed 2 times"), "{tex}");
    }

    #[test]
    fn latex_escapes_specials() {
        assert_eq!(latex_escape("a_b & 50%"), "a\\_b \\& 50\\%");
        assert_eq!(latex_escape("≤"), "$\\le$");
    }

    /// The (name, SVG) of every figure of `r`.
    fn svgs(r: &Value) -> Vec<(String, String)> {
        figures(r)
            .unwrap()
            .iter()
            .map(|f| (f.name.clone(), svg::render(f).unwrap()))
            .collect()
    }

    #[test]
    fn margin_gap_from_seeds_states_the_tables_slope() {
        let r = json!({"schema": SCHEMA, "records": [{"id": "P1-c[ngd]", "measured": -0.52, "details": {"seeds": [
            {"t": [10.0, 100.0], "gap": [0.1, 0.03], "slope": -0.52},
            {"t": [10.0, 100.0], "gap": [0.2, 0.05], "slope": -0.6}]}}]});
        let f = svgs(&r);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "margin-gap");
        // the legend gives the record's measured value (the worst seed), as the table does
        assert!(
            f[0].1.contains("ngd: slope −0.52 (worst of 2 seeds)"),
            "{}",
            f[0].1
        );
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
        let f = svgs(&r);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "correlation-curves");
        let svg = &f[0].1;
        for text in [">max<", "Frobenius", "spectral norm", "signgd", "ngd"] {
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
        let f = svgs(&r);
        assert_eq!(f.len(), 1);
        assert!(f[0].1.starts_with("<svg") && f[0].1.contains("<text"));
        assert!(f[0].1.contains("<polyline") && f[0].1.contains("fill-opacity=\"0.3\""));
    }

    #[test]
    fn lr_basin_from_lr_robustness_table() {
        let r = json!({"schema": SCHEMA, "records": [{"id": "P3-c[momo-widens:muonadam]", "details": {"table": {
            "lrs": [1e-3, 1e-2, 1e-1, 1.0],
            "basin": {"abs": "loss ≤ best + 0.05"},
            "methods": [
                {"name": "muonadam", "test_mean": [0.9, 0.6, 40.0, null], "width_test_abs": 1},
                {"name": "muonadam-momo", "test_mean": [0.9, 0.6, 0.63, 0.7], "width_test_abs": 2}]}}}]});
        let f = svgs(&r);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].0, "lr-basin");
        assert!(f[0].1.starts_with("<svg"));
        assert!(f[0].1.contains("muonadam-momo (basin width 2)"));
        assert!(f[0].1.contains("best +"));
    }
}
