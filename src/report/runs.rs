//! Rendering of a researcher's own training runs: the output of `steepest train` (one run, or
//! `{"runs": [...]}` from several `--optimizer`s) as Markdown, a LaTeX table and figures of the
//! normalized margin, the gap to γ (with `--margin`) and the correlation with the max-margin
//! solutions against t, one panel per norm and one curve per run.

use super::figure::{extent, Axis, Corner, Figure, Panel, Series, Style};
use super::latex_escape;
use serde_json::Value;

/// Whether `v` is the output of `steepest train`: a run (`optimizer` and `trajectory`) or an object
/// whose `runs` are such runs.
pub fn is_train_output(v: &Value) -> bool {
    is_run(v) || runs_of(v).is_some_and(|r| !r.is_empty() && r.iter().all(is_run))
}

fn is_run(v: &Value) -> bool {
    v.get("optimizer").is_some_and(Value::is_string)
        && v.get("trajectory").is_some_and(Value::is_array)
}

fn runs_of(v: &Value) -> Option<&Vec<Value>> {
    v.get("runs").and_then(Value::as_array)
}

/// The runs of a train output, in order.
pub fn runs(v: &Value) -> Vec<&Value> {
    if is_run(v) {
        vec![v]
    } else {
        runs_of(v).map(|r| r.iter().collect()).unwrap_or_default()
    }
}

fn name(run: &Value) -> &str {
    run["optimizer"].as_str().unwrap_or("?")
}

/// (t, value) of one key (`margins`, `gaps`, `correlations`) and norm along a run's trajectory.
fn curve(run: &Value, key: &str, norm: &str) -> Vec<(f64, f64)> {
    run["trajectory"]
        .as_array()
        .map(|tr| {
            tr.iter()
                .filter_map(|s| Some((s["t"].as_f64()?, s[key][norm].as_f64()?)))
                .filter(|&(t, y)| t > 0.0 && y.is_finite())
                .collect()
        })
        .unwrap_or_default()
}

/// The norms recorded under `key` in any run, in order of first appearance.
fn norms(runs: &[&Value], key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in runs {
        if let Some(m) = r["final"][key].as_object() {
            for n in m.keys() {
                if !out.contains(n) {
                    out.push(n.clone());
                }
            }
        }
    }
    out
}

fn fmt(v: &Value) -> String {
    match v.as_f64() {
        Some(x) if x != 0.0 && (x.abs() < 1e-3 || x.abs() >= 1e5) => format!("{x:.3e}"),
        Some(x) => format!("{x:.4}"),
        None => "–".into(),
    }
}

/// A Markdown summary: per run its settings and, at the last recorded step, the loss and every
/// normalized margin (and gap and correlation when recorded).
pub fn markdown(v: &Value) -> String {
    let runs = runs(v);
    let mut s = String::from("# Training runs\n\n");
    let d = &runs[0]["data"];
    s.push_str(&format!(
        "{} run(s) on data with n = {}, d = {}, k = {}.\n\n",
        runs.len(),
        d["n"],
        d["d"],
        d["classes"]
    ));
    s.push_str("| optimizer | steps | schedule | loss | grad scale |\n|---|---|---|---|---|\n");
    for r in &runs {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            name(r),
            r["steps"],
            r["schedule"].as_str().unwrap_or("(spec lr)"),
            r["loss_kind"].as_str().unwrap_or("?"),
            r["grad_scale"].as_str().unwrap_or("?"),
        ));
    }
    for (key, what) in [
        ("margins", "Normalized margin at the last step"),
        ("gaps", "Gap γ − margin at the last step"),
        (
            "correlations",
            "Correlation with the max-margin solution at the last step",
        ),
    ] {
        let ns = norms(&runs, key);
        if ns.is_empty() {
            continue;
        }
        s.push_str(&format!("\n## {what}\n\n| optimizer | loss |"));
        for n in &ns {
            s.push_str(&format!(" {n} |"));
        }
        s.push_str("\n|---|---|");
        s.push_str(&"---|".repeat(ns.len()));
        s.push('\n');
        for r in &runs {
            s.push_str(&format!("| `{}` | {} |", name(r), fmt(&r["final"]["loss"])));
            for n in &ns {
                s.push_str(&format!(" {} |", fmt(&r["final"][key][n])));
            }
            s.push('\n');
        }
    }
    s
}

/// A booktabs table of the normalized margins at the last step (rows: runs, columns: norms).
pub fn latex(v: &Value) -> String {
    let runs = runs(v);
    let ns = norms(&runs, "margins");
    let mut s = String::from("% steepest train: normalized margins at the last step\n");
    s.push_str(&format!(
        "\\begin{{tabular}}{{l r{}}}\n\\toprule\noptimizer & steps",
        " r".repeat(ns.len())
    ));
    for n in &ns {
        s.push_str(&format!(" & {}", latex_escape(n)));
    }
    s.push_str(" \\\\\n\\midrule\n");
    for r in &runs {
        s.push_str(&format!(
            "\\texttt{{{}}} & {}",
            latex_escape(name(r)),
            r["steps"]
        ));
        for n in &ns {
            s.push_str(&format!(
                " & ${}$",
                fmt(&r["final"]["margins"][n]).replace('–', "-")
            ));
        }
        s.push_str(" \\\\\n");
    }
    s.push_str("\\bottomrule\n\\end{tabular}\n");
    s
}

/// (t, value) points of one curve.
type Curve = Vec<(f64, f64)>;

/// One figure with a panel per norm of `key` and a curve per run.
fn per_norm_figure(
    runs: &[&Value],
    key: &str,
    figure: &str,
    title: &str,
    ylabel: &str,
    y_log: bool,
) -> Option<Figure> {
    let ns = norms(runs, key);
    let curves: Vec<(String, Vec<Curve>)> = runs
        .iter()
        .map(|r| {
            let per: Vec<Curve> = ns
                .iter()
                .map(|n| {
                    curve(r, key, n)
                        .into_iter()
                        .filter(|&(_, y)| !y_log || y > 0.0)
                        .collect()
                })
                .collect();
            (name(r).to_string(), per)
        })
        .collect();
    let all = || curves.iter().flat_map(|(_, per)| per.iter().flatten());
    if all().count() < 2 {
        return None;
    }
    let (tlo, thi) = extent(all().map(|p| p.0), true)?;
    let (ylo, yhi) = extent(all().map(|p| p.1), y_log)?;
    let x = Axis::log("step $t$", tlo, thi);
    let x = if ns.len() > 1 {
        let k = x.ticks.len().div_ceil(4);
        x.thinned(k)
    } else {
        x
    };
    let y = if y_log {
        Axis::log(ylabel, ylo, yhi)
    } else {
        Axis::linear(ylabel, ylo, yhi)
    };
    let last = ns.len().saturating_sub(1);
    let panels = ns
        .iter()
        .enumerate()
        .map(|(pi, n)| Panel {
            title: (ns.len() > 1).then(|| format!("{} norm", latex_escape(n))),
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
                .filter(|(_, (_, per))| per[pi].len() >= 2)
                .map(|(i, (run, per))| {
                    Series::new(
                        &format!("{run}-{n}"),
                        latex_escape(run),
                        per[pi].clone(),
                        Style::series(i),
                    )
                })
                .collect(),
            legend: if pi == last {
                Corner::OutsideRight
            } else {
                Corner::Hidden
            },
        })
        .collect();
    Some(Figure {
        name: figure.into(),
        title: title.into(),
        panels,
        notes: vec!["One curve per training run (`steepest train`), one panel per norm.".into()],
    })
}

/// The figures of a train output: `train-margins` always, `train-gaps` and `train-correlations`
/// when the runs recorded them (`train --margin`).
pub fn figures(v: &Value) -> Vec<Figure> {
    let runs = runs(v);
    [
        per_norm_figure(
            &runs,
            "margins",
            "train-margins",
            "Normalized margin $\\min_i \\mathrm{margin}_i(W_t)/\\|W_t\\|_N$ against $t$",
            "normalized margin",
            false,
        ),
        per_norm_figure(
            &runs,
            "gaps",
            "train-gaps",
            "Gap $\\gamma_N - \\mathrm{margin}_N(W_t)$ to the max-margin value against $t$",
            "margin gap",
            true,
        ),
        per_norm_figure(
            &runs,
            "correlations",
            "train-correlations",
            "Correlation $\\langle W_t, V_N\\rangle/(\\|W_t\\|_F\\,\\|V_N\\|_F)$ with the max-margin solution $V_N$",
            "correlation",
            false,
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// The trajectories as one CSV table (`run,optimizer,t,loss,margin:N…,gap:N…,correlation:N…`), for
/// pandas and NumPy users: one row per run and recorded step; empty cells where a run did not
/// record a column.
pub fn csv(v: &Value) -> String {
    let runs = runs(v);
    let keys = [
        ("margins", "margin"),
        ("gaps", "gap"),
        ("correlations", "correlation"),
    ];
    let cols: Vec<(&str, String)> = keys
        .iter()
        .flat_map(|(k, label)| {
            norms(&runs, k)
                .into_iter()
                .map(move |n| (*k, format!("{label}:{n}")))
        })
        .collect();
    let mut s = String::from("run,optimizer,t,loss");
    for (_, c) in &cols {
        s.push(',');
        s.push_str(c);
    }
    s.push('\n');
    for (i, r) in runs.iter().enumerate() {
        for snap in r["trajectory"].as_array().into_iter().flatten() {
            s.push_str(&format!(
                "{i},\"{}\",{},{}",
                name(r).replace('"', "\"\""),
                snap["t"],
                snap["loss"]
            ));
            for (k, c) in &cols {
                let n = c.split_once(':').map(|x| x.1).unwrap_or("");
                s.push(',');
                if let Some(x) = snap[*k][n].as_f64() {
                    s.push_str(&format!("{x:e}"));
                }
            }
            s.push('\n');
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(opt: &str, m: f64) -> Value {
        json!({
            "optimizer": opt, "steps": 100, "schedule": null, "loss_kind": "ce",
            "grad_scale": "shifted", "data": {"n": 4, "d": 2, "classes": 2},
            "trajectory": [
                {"t": 1, "loss": 0.6, "margins": {"fro": m / 4.0, "max": m / 3.0}, "gaps": {"fro": 0.3}},
                {"t": 10, "loss": 0.2, "margins": {"fro": m / 2.0, "max": m / 2.5}, "gaps": {"fro": 0.1}},
                {"t": 100, "loss": 0.01, "margins": {"fro": m, "max": m / 2.0}, "gaps": {"fro": 0.01}}
            ],
            "final": {"t": 100, "loss": 0.01, "margins": {"fro": m, "max": m / 2.0}, "gaps": {"fro": 0.01}}
        })
    }

    #[test]
    fn one_run_and_several_render() {
        let one = run("sign", 0.5);
        assert!(is_train_output(&one));
        let many = json!({"runs": [run("sign", 0.5), run("nsd:norm=fro", 0.7)]});
        assert!(is_train_output(&many));
        assert!(!is_train_output(&json!({"schema": "steepest.report/v1"})));
        let md = markdown(&many);
        assert!(
            md.contains("| `nsd:norm=fro` | 0.0100 | 0.7000 | 0.3500 |"),
            "{md}"
        );
        assert!(md.contains("Gap γ − margin"), "{md}");
        let figs = figures(&many);
        let names: Vec<&str> = figs.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["train-margins", "train-gaps"]);
        assert_eq!(figs[0].panels.len(), 2, "a panel per norm");
        assert_eq!(figs[0].panels[0].series.len(), 2, "a curve per run");
        let tex = latex(&many);
        assert!(
            tex.contains("\\texttt{sign} & 100 & $0.5000$ & $0.2500$"),
            "{tex}"
        );
        let csv = csv(&many);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(
            lines[0],
            "run,optimizer,t,loss,margin:fro,margin:max,gap:fro"
        );
        assert_eq!(lines.len(), 1 + 2 * 3);
        assert!(
            lines[6].starts_with("1,\"nsd:norm=fro\",100,0.01,7e-1,"),
            "{csv}"
        );
    }
}
