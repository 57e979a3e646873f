//! Rendering of a researcher's own training runs: the output of `steepest train` (one run, or
//! `{"runs": [...]}` from several `--optimizer`s) as Markdown, a LaTeX table and figures of the
//! normalized margin, the gap to γ (with `--margin`) and the correlation with the max-margin
//! solutions against t, one panel per norm and one curve per run.
//!
//! Runs of one optimizer with several seeds (`train --init normal:std=S --seeds A..B`) are drawn
//! as one group: the median over the seeds at each recorded t as a solid line with markers, and
//! the minimum and maximum over the seeds as dashed lines of the same colour (a min–max
//! envelope); the tables keep one row per run, with its seed.

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

/// The optimizer without its schedule (" with schedule …", the same for every run of one call and
/// listed in runs.md): the name in legends and in the LaTeX table, which must fit a page.
fn short_name(run: &Value) -> &str {
    let n = name(run);
    n.split_once(" with schedule").map_or(n, |p| p.0)
}

fn seed(run: &Value) -> Option<u64> {
    run["seed"].as_u64()
}

fn any_seed(runs: &[&Value]) -> bool {
    runs.iter().any(|r| seed(r).is_some())
}

/// The runs grouped by optimizer, in order of first appearance: the seeded runs of one optimizer
/// form one group, every unseeded run its own.
fn groups<'a>(runs: &[&'a Value]) -> Vec<(String, Vec<&'a Value>)> {
    let mut out: Vec<(String, Vec<&'a Value>)> = Vec::new();
    for r in runs {
        let joins = |(n, g): &&mut (String, Vec<&Value>)| {
            n == short_name(r) && seed(r).is_some() && g.iter().all(|x| seed(x).is_some())
        };
        match out.iter_mut().find(|x| joins(x)) {
            Some((_, g)) => g.push(r),
            None => out.push((short_name(r).to_string(), vec![r])),
        }
    }
    out
}

/// The median of a non-empty list (the mean of the two middle values for an even count).
fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

/// Per recorded t of the first curve: (t, median, min, max) over the curves that recorded t.
fn envelope(curves: &[Curve]) -> Vec<(f64, f64, f64, f64)> {
    let Some(first) = curves.first() else {
        return Vec::new();
    };
    first
        .iter()
        .map(|&(t, _)| {
            let mut ys: Vec<f64> = curves
                .iter()
                .filter_map(|c| c.iter().find(|p| p.0 == t).map(|p| p.1))
                .collect();
            let lo = ys.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (t, median(&mut ys), lo, hi)
        })
        .collect()
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
    let seeded = any_seed(&runs);
    s.push_str("| optimizer | steps | schedule | loss | grad scale | start | robust ε |\n|---|---|---|---|---|---|---|\n");
    for r in &runs {
        let start = match seed(r) {
            Some(x) => format!("{} (seed {x})", r["init"].as_str().unwrap_or("?")),
            None => "zero".into(),
        };
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            name(r),
            r["steps"],
            r["schedule"].as_str().unwrap_or("(spec lr)"),
            r["loss_kind"].as_str().unwrap_or("?"),
            r["grad_scale"].as_str().unwrap_or("?"),
            start,
            r["robust_linf"]
                .as_f64()
                .map_or("–".to_string(), |e| format!("{e}")),
        ));
    }
    if runs.iter().any(|r| r["robust_linf"].is_number()) {
        s.push_str("\nRobust runs report the worst-case loss and margins over ‖δ‖_∞ ≤ ε.\n");
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
        let sc = if seeded { " seed |" } else { "" };
        s.push_str(&format!("\n## {what}\n\n| optimizer |{sc} loss |"));
        for n in &ns {
            s.push_str(&format!(" {n} |"));
        }
        s.push_str(if seeded {
            "\n|---|---|---|"
        } else {
            "\n|---|---|"
        });
        s.push_str(&"---|".repeat(ns.len()));
        s.push('\n');
        for r in &runs {
            s.push_str(&format!("| `{}` |", name(r)));
            if seeded {
                s.push_str(&format!(
                    " {} |",
                    seed(r).map_or("–".into(), |x| x.to_string())
                ));
            }
            s.push_str(&format!(" {} |", fmt(&r["final"]["loss"])));
            for n in &ns {
                s.push_str(&format!(" {} |", fmt(&r["final"][key][n])));
            }
            s.push('\n');
        }
        // across seeds: median [min, max] of the last value per optimizer
        let multi: Vec<_> = groups(&runs)
            .into_iter()
            .filter(|(_, g)| g.len() > 1)
            .collect();
        if seeded && !multi.is_empty() {
            s.push_str("\nAcross seeds, median [min, max]:\n\n| optimizer | seeds |");
            for n in &ns {
                s.push_str(&format!(" {n} |"));
            }
            s.push_str("\n|---|---|");
            s.push_str(&"---|".repeat(ns.len()));
            s.push('\n');
            for (opt, g) in &multi {
                s.push_str(&format!("| `{opt}` | {} |", g.len()));
                for n in &ns {
                    let mut ys: Vec<f64> = g
                        .iter()
                        .filter_map(|r| r["final"][key][n].as_f64())
                        .collect();
                    if ys.is_empty() {
                        s.push_str(" – |");
                        continue;
                    }
                    let lo = ys.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let m = median(&mut ys);
                    s.push_str(&format!(
                        " {} [{}, {}] |",
                        fmt(&m.into()),
                        fmt(&lo.into()),
                        fmt(&hi.into())
                    ));
                }
                s.push('\n');
            }
        }
    }
    s
}

/// A booktabs table of the normalized margins at the last step (rows: runs, columns: norms).
pub fn latex(v: &Value) -> String {
    let runs = runs(v);
    let ns = norms(&runs, "margins");
    let seeded = any_seed(&runs);
    let mut s = String::from("% steepest train: normalized margins at the last step\n");
    s.push_str(&format!(
        "\\begin{{tabular}}{{l r{}{}}}\n\\toprule\noptimizer & {}steps",
        if seeded { " r" } else { "" },
        " r".repeat(ns.len()),
        if seeded { "seed & " } else { "" },
    ));
    for n in &ns {
        s.push_str(&format!(" & {}", latex_escape(n)));
    }
    s.push_str(" \\\\\n\\midrule\n");
    for r in &runs {
        s.push_str(&format!("\\texttt{{{}}} & ", latex_escape(short_name(r))));
        if seeded {
            s.push_str(&seed(r).map_or("--".into(), |x| x.to_string()));
            s.push_str(" & ");
        }
        s.push_str(&r["steps"].to_string());
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

/// A line of a panel: a run's curve or a seed group's median (labelled, solid), or the group's
/// min or max (unlabelled, drawn dashed).
struct Line {
    key: String,
    label: Option<String>,
    points: Curve,
}

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
    let keep = |c: Curve| -> Curve { c.into_iter().filter(|&(_, y)| !y_log || y > 0.0).collect() };
    // per group of runs (one run, or one optimizer's seeds) and per norm: the lines to draw
    let lines: Vec<Vec<Vec<Line>>> = groups(runs)
        .iter()
        .map(|(opt, g)| {
            ns.iter()
                .map(|n| {
                    let key_of = |suffix: &str| format!("{opt}-{n}{suffix}");
                    if let [r] = g.as_slice() {
                        return vec![Line {
                            key: key_of(""),
                            label: Some(latex_escape(opt)),
                            points: keep(curve(r, key, n)),
                        }];
                    }
                    let cs: Vec<Curve> = g.iter().map(|r| keep(curve(r, key, n))).collect();
                    let env = envelope(&cs);
                    let pick = |f: fn(&(f64, f64, f64, f64)) -> f64| -> Curve {
                        env.iter().map(|e| (e.0, f(e))).collect()
                    };
                    vec![
                        Line {
                            key: key_of(""),
                            label: Some(format!(
                                "{} (median, {} seeds)",
                                latex_escape(opt),
                                g.len()
                            )),
                            points: pick(|e| e.1),
                        },
                        Line {
                            key: key_of("-min"),
                            label: None,
                            points: pick(|e| e.2),
                        },
                        Line {
                            key: key_of("-max"),
                            label: None,
                            points: pick(|e| e.3),
                        },
                    ]
                })
                .collect()
        })
        .collect();
    let all = || {
        lines
            .iter()
            .flatten()
            .flatten()
            .flat_map(|l| l.points.iter())
    };
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
            series: lines
                .iter()
                .enumerate()
                .flat_map(|(i, per)| {
                    per[pi]
                        .iter()
                        .filter(|l| l.points.len() >= 2)
                        .map(move |l| match &l.label {
                            Some(label) => Series::new(
                                &l.key,
                                label.clone(),
                                l.points.clone(),
                                Style::series(i),
                            ),
                            None => Series::unlabelled(
                                &l.key,
                                l.points.clone(),
                                Style::bound(i).with_width(0.6),
                            ),
                        })
                })
                .collect(),
            legend: if pi == last {
                Corner::Below
            } else {
                Corner::Hidden
            },
        })
        .collect();
    Some(Figure {
        name: figure.into(),
        title: title.into(),
        panels,
        notes: if groups(runs).iter().any(|(_, g)| g.len() > 1) {
            vec!["One curve per optimizer (`steepest train`), one panel per norm; for several seeds the solid line is the median over the seeds and the dashed lines their minimum and maximum.".into()]
        } else {
            vec!["One curve per training run (`steepest train`), one panel per norm.".into()]
        },
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

/// The trajectories as one CSV table (`run,optimizer,t,loss,margin:N…,gap:N…,correlation:N…`, with
/// a `seed` column after `optimizer` when the runs were seeded), for pandas and NumPy users: one
/// row per run and recorded step; empty cells where a run did not record a column.
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
    let seeded = any_seed(&runs);
    let mut s = String::from(if seeded {
        "run,optimizer,seed,t,loss"
    } else {
        "run,optimizer,t,loss"
    });
    for (_, c) in &cols {
        s.push(',');
        s.push_str(c);
    }
    s.push('\n');
    for (i, r) in runs.iter().enumerate() {
        for snap in r["trajectory"].as_array().into_iter().flatten() {
            s.push_str(&format!("{i},\"{}\",", name(r).replace('"', "\"\"")));
            if seeded {
                if let Some(x) = seed(r) {
                    s.push_str(&x.to_string());
                }
                s.push(',');
            }
            s.push_str(&format!("{},{}", snap["t"], snap["loss"]));
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
