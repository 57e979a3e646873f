//! The LaTeX tables of a report: [`compact`] — one table per suite, one row per claim (the theory
//! file's title), showing the record closest to its bound — and [`latex`] — the long table of
//! every record, for an appendix, with its negative control, figures and history. Numbers are
//! set in math mode (`$-1$`, `$4.28\cdot10^{-5}$`); both need the preamble of
//! [`super::pgf::PREAMBLE`] (`amssymb`, `booktabs`, `longtable`, `tabularx`).

use super::tex::latex_escape;
use super::{fmt_value, json_without_why, records, s, verdict_of, VERDICTS};
use crate::validate::Expectation;
use serde_json::Value;
use std::fmt::Write as _;

/// A number in math mode: 4 decimals in [10⁻³, 10⁵), else 3 significant digits times a power of
/// ten; a real minus sign.
pub fn tex_num(x: f64) -> String {
    if x == 0.0 {
        "$0$".into()
    } else if !x.is_finite() {
        if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "$\\infty$".into()
        } else {
            "$-\\infty$".into()
        }
    } else if x.abs() >= 1e-3 && x.abs() < 1e5 {
        format!("${}$", (x * 1e4).round() / 1e4)
    } else {
        let e = x.abs().log10().floor() as i32;
        let mut m = x / 10f64.powi(e);
        let mut e = e;
        if (m.abs() * 100.0).round() >= 1000.0 {
            m /= 10.0;
            e += 1;
        }
        let m = (m * 100.0).round() / 100.0;
        if (m.abs() - 1.0).abs() < 1e-12 {
            format!("${}10^{{{e}}}$", if m < 0.0 { "-" } else { "" })
        } else {
            format!("${m}\\cdot10^{{{e}}}$")
        }
    }
}

/// A JSON value as TeX: numbers in math mode, other values escaped.
fn tex_value(v: &Value) -> String {
    match v {
        Value::Number(n) => n
            .as_f64()
            .map_or_else(|| latex_escape(&n.to_string()), tex_num),
        Value::Null => "--".into(),
        other => latex_escape(&fmt_value(other)),
    }
}

/// The expectation in TeX ([`Expect::tex`](crate::validate::Expect::tex), numbers by
/// [`tex_num`]; a bound written as `null` shows as `--`).
pub fn expected_tex(e: &Value) -> String {
    if e.is_null() {
        return "--".into();
    }
    match Expectation::from_record(e) {
        Some(e) => e
            .expect
            .tex(|x| if x.is_nan() { "--".into() } else { tex_num(x) }),
        None => latex_escape(&json_without_why(e)),
    }
}

/// How far a record is from failing, relative to its bound's scale (negative: failing; see
/// [`Expect::margin`](crate::validate::Expect::margin)); `None` when it has no measured value or
/// expectation.
fn slack(r: &Value) -> Option<f64> {
    let m = r.get("measured")?.as_f64()?;
    let e = Expectation::from_record(r.get("expected")?)?;
    Some(e.expect.margin(m)).filter(|x| !x.is_nan())
}

/// The severity of a verdict: the compact row shows its group's worst.
fn severity(v: &str) -> usize {
    match v {
        "fail" => 4,
        "no-power" => 3,
        "not-reached" => 2,
        "pass" => 1,
        _ => 0,
    }
}

/// The LaTeX of a verdict.
pub fn verdict_latex(v: &str) -> String {
    VERDICTS
        .iter()
        .find(|k| k.0 == v)
        .map_or_else(|| latex_escape(v), |k| k.2.to_string())
}

/// The theory id of a record id (`P1-c[ngd]` → `P1-c`).
fn theory_id(id: &str) -> &str {
    id.split_once('[').map_or(id, |(t, _)| t)
}

/// The short claim of a record: its theory file's title, else its claim.
fn short_claim(r: &Value) -> String {
    crate::validate::theory::title(theory_id(s(r, "id")))
        .map_or_else(|| s(r, "claim").to_string(), str::to_string)
}

/// The records grouped by suite, in report order.
fn by_suite(report: &Value) -> Vec<(String, Vec<&Value>)> {
    let mut suites: Vec<(String, Vec<&Value>)> = Vec::new();
    for r in records(report) {
        let name = s(r, "suite").to_string();
        match suites.iter_mut().find(|x| x.0 == name) {
            Some(x) => x.1.push(r),
            None => suites.push((name, vec![r])),
        }
    }
    suites
}

/// "N pass, N fail, …" over `rs`, every verdict kind named.
fn counts_text(rs: &[&Value]) -> String {
    VERDICTS
        .iter()
        .map(|k| {
            let n = rs.iter().filter(|r| verdict_of(r) == k.0).count();
            format!("{n} {}", latex_escape(k.0))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn provenance(report: &Value) -> String {
    format!(
        "steepest {}, profile {}, seed {}",
        latex_escape(s(report, "version")),
        latex_escape(s(report, "profile")),
        latex_escape(&fmt_value(report.get("seed").unwrap_or(&Value::Null)))
    )
}

/// One table per suite (a `table` float of `tabularx` rows), one row per claim: the claim (its
/// theory file's title), the measured value and expectation of its record closest to failing,
/// and the group's worst verdict with how many of its records have it.
pub fn compact(report: &Value) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "% steepest report: one table per suite ({}); needs \\usepackage{{amssymb,booktabs,tabularx}}",
        provenance(report)
    );
    for (suite, rs) in by_suite(report) {
        // group by theory id, in report order
        let mut groups: Vec<(&str, Vec<&Value>)> = Vec::new();
        for r in &rs {
            let t = theory_id(s(r, "id"));
            match groups.iter_mut().find(|g| g.0 == t) {
                Some(g) => g.1.push(r),
                None => groups.push((t, vec![r])),
            }
        }
        let _ = writeln!(o, "\\begin{{table}}[htbp]\n\\centering\\small");
        let _ = writeln!(
            o,
            "\\caption{{Suite \\emph{{{}}}: {} ({}).}}",
            latex_escape(&suite),
            counts_text(&rs),
            provenance(report)
        );
        let _ = writeln!(
            o,
            "\\begin{{tabularx}}{{\\linewidth}}{{@{{}}>{{\\raggedright\\arraybackslash}}X>{{\\raggedleft\\arraybackslash}}p{{0.15\\linewidth}}>{{\\raggedright\\arraybackslash}}p{{0.18\\linewidth}}>{{\\raggedright\\arraybackslash}}p{{0.17\\linewidth}}@{{}}}}"
        );
        let _ = writeln!(
            o,
            "\\toprule\nClaim & Measured & Expected & Verdict \\\\\n\\midrule"
        );
        for (tid, g) in &groups {
            let worst = g.iter().map(|r| severity(verdict_of(r))).max().unwrap_or(0);
            let of_worst: Vec<&&Value> = g
                .iter()
                .filter(|r| severity(verdict_of(r)) == worst)
                .collect();
            // the representative: among the worst verdict, the record closest to failing
            let rep = of_worst
                .iter()
                .min_by(|a, b| {
                    let (x, y) = (
                        slack(a).unwrap_or(f64::INFINITY),
                        slack(b).unwrap_or(f64::INFINITY),
                    );
                    x.total_cmp(&y)
                })
                .map_or(g[0], |r| **r);
            let v = verdict_of(rep);
            let mut claim = format!(
                "\\texttt{{{}}} {}",
                latex_escape(tid),
                latex_escape(&short_claim(rep))
            );
            if g.len() > 1 {
                let var = s(rep, "id")
                    .split_once('[')
                    .map_or("", |(_, v)| v.trim_end_matches(']'));
                let _ = write!(
                    claim,
                    " \\emph{{({} cases; shown: {})}}",
                    g.len(),
                    latex_escape(var)
                );
            }
            let count = if g.len() > 1 {
                format!(" ${}/{}$", of_worst.len(), g.len())
            } else {
                String::new()
            };
            let (measured, expected) = if v == "skipped" {
                ("--".to_string(), "skipped".to_string())
            } else {
                (
                    tex_value(rep.get("measured").unwrap_or(&Value::Null)),
                    expected_tex(rep.get("expected").unwrap_or(&Value::Null)),
                )
            };
            let _ = writeln!(
                o,
                "{claim} & {measured} & {expected} & {}{count} \\\\",
                verdict_latex(v)
            );
        }
        let _ = writeln!(o, "\\bottomrule\n\\end{{tabularx}}\n\\end{{table}}\n");
    }
    o
}

/// A record id in `\texttt` with break points after `[`, and after `,`, `:`, `=` and `-` in
/// the variant (`\texttt` does not hyphenate).
fn tt_id(id: &str) -> String {
    let mut o = String::new();
    let mut variant = false;
    for ch in latex_escape(id).chars() {
        o.push(ch);
        variant |= ch == '[';
        if ch == '[' || (variant && matches!(ch, ',' | ':' | '=' | '-')) {
            o.push_str("\\allowbreak{}");
        }
    }
    format!("\\texttt{{{o}}}")
}

/// The `figures` of a record in one line: scalars as numbers, arrays as their length and range.
fn figures_tex(f: &Value) -> Option<String> {
    let m = f.as_object()?;
    if m.is_empty() {
        return None;
    }
    let parts: Vec<String> = m
        .iter()
        .map(|(k, v)| {
            let val = match v {
                Value::Array(a) => {
                    let nums: Vec<f64> = a.iter().filter_map(Value::as_f64).collect();
                    if a.len() <= 4 {
                        format!(
                            "[{}]",
                            a.iter().map(tex_value).collect::<Vec<_>>().join(", ")
                        )
                    } else if let (Some(lo), Some(hi)) = (
                        nums.iter().copied().reduce(f64::min),
                        nums.iter().copied().reduce(f64::max),
                    ) {
                        format!("{} values in [{}, {}]", a.len(), tex_num(lo), tex_num(hi))
                    } else {
                        format!("{} values", a.len())
                    }
                }
                other => tex_value(other),
            };
            format!("{} = {val}", latex_escape(k))
        })
        .collect();
    Some(parts.join("; "))
}

/// The long table of every record (a `longtable`, grouped by suite), for an appendix: id, short
/// claim, measured, expected, verdict, and under each record its negative control (the planted
/// bug, whether the check caught it and what it measured), its figures and its protocol history.
pub fn latex(report: &Value) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "% steepest {} report ({}); needs \\usepackage{{amssymb,booktabs,longtable}}",
        latex_escape(s(report, "schema")),
        provenance(report)
    );
    let _ = writeln!(o, "{{\\footnotesize\\setlength{{\\tabcolsep}}{{3pt}}");
    let cols = "@{}>{\\raggedright\\arraybackslash}p{0.22\\linewidth}>{\\raggedright\\arraybackslash}p{0.27\\linewidth}>{\\raggedleft\\arraybackslash}p{0.13\\linewidth}>{\\raggedright\\arraybackslash}p{0.17\\linewidth}>{\\raggedright\\arraybackslash}p{0.09\\linewidth}@{}";
    let _ = writeln!(o, "\\begin{{longtable}}{{{cols}}}");
    let all: Vec<&Value> = records(report).iter().collect();
    let _ = writeln!(
        o,
        "\\caption{{Every theorem check: {} ({}).}}\\\\",
        counts_text(&all),
        provenance(report)
    );
    let header = "\\toprule\nCheck & Claim & Measured & Expected & Verdict \\\\\n\\midrule";
    let _ = writeln!(o, "{header}\n\\endfirsthead\n{header}\n\\endhead");
    let _ = writeln!(o, "\\bottomrule\n\\endlastfoot");
    for (suite, rs) in by_suite(report) {
        let _ = writeln!(
            o,
            "\\multicolumn{{5}}{{@{{}}l}}{{\\emph{{Suite {}}}}} \\\\*",
            latex_escape(&suite)
        );
        for r in rs {
            let v = verdict_of(r);
            let (measured, expected) = match (
                r.get("skipped").and_then(Value::as_str),
                r.get("error").and_then(Value::as_str),
            ) {
                (Some(_), _) => ("--".to_string(), "skipped".to_string()),
                (_, Some(_)) => ("--".to_string(), "error".to_string()),
                _ => (
                    tex_value(r.get("measured").unwrap_or(&Value::Null)),
                    expected_tex(r.get("expected").unwrap_or(&Value::Null)),
                ),
            };
            let _ = writeln!(
                o,
                "{} & {} & {measured} & {expected} & {} \\\\",
                tt_id(s(r, "id")),
                latex_escape(&short_claim(r)),
                verdict_latex(v)
            );
            let mut notes = Vec::new();
            if let Some(why) = r.get("skipped").and_then(Value::as_str) {
                notes.push(format!("skipped: {}", latex_escape(why)));
            }
            if let Some(e) = r.get("error").and_then(Value::as_str) {
                notes.push(format!("error: {}", latex_escape(e)));
            }
            if let Some(c) = r.get("control").filter(|c| c.is_object()) {
                let caught = !c.get("pass").and_then(Value::as_bool).unwrap_or(true);
                notes.push(format!(
                    "control: {} --- {} (measured {})",
                    latex_escape(s(c, "bug")),
                    if caught {
                        "caught"
                    } else {
                        "\\textbf{not caught}"
                    },
                    tex_value(c.get("measured").unwrap_or(&Value::Null))
                ));
            }
            if let Some(f) = r.get("figures").and_then(figures_tex) {
                notes.push(format!("figures: {f}"));
            }
            if let Some(h) = r.get("history").and_then(Value::as_u64) {
                notes.push(format!(
                    "protocol changed {h} time{} after a result was seen (theory file, History)",
                    if h == 1 { "" } else { "s" }
                ));
            }
            if !notes.is_empty() {
                let _ = writeln!(
                    o,
                    "\\multicolumn{{5}}{{@{{\\quad}}>{{\\raggedright\\arraybackslash}}p{{0.93\\linewidth}}@{{}}}}{{\\scriptsize {}}} \\\\[2pt]",
                    notes.join("; ")
                );
            }
        }
    }
    let _ = writeln!(o, "\\end{{longtable}}\n}}");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_in_math_mode_with_a_real_minus() {
        assert_eq!(tex_num(-1.0), "$-1$");
        assert_eq!(tex_num(-4.28072e-5), "$-4.28\\cdot10^{-5}$");
        assert_eq!(tex_num(1e-18), "$10^{-18}$");
        assert_eq!(tex_num(0.5), "$0.5$");
        assert_eq!(tex_num(9.996e-6), "$10^{-5}$");
    }

    #[test]
    fn expectations_in_tex() {
        use serde_json::json;
        assert_eq!(
            expected_tex(&json!({"at_most": {"bound": -0.35}})),
            "$\\le$ $-0.35$"
        );
        assert_eq!(
            expected_tex(&json!({"within": {"lo": 0.5, "hi": 2.0}})),
            "$\\in$ [$0.5$, $2$]"
        );
        assert_eq!(
            expected_tex(&json!({"close": {"value": 1.0, "abs": 1e-12, "rel": 0.0}})),
            "$1$ $\\pm$ $10^{-12}$"
        );
    }
}
