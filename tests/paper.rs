//! From report to paper, compiled by a real LaTeX: the documented preamble with the generated
//! tables (compact and appendix) and every pgf figure compiles with pdflatex without an error or
//! an overfull box; `--format pdf` writes a PDF per figure; the worked example
//! (`docs/worked-example.md`) runs as written, from its CSV dataset to a PDF page.
//!
//! These tests need pdflatex (with pgfplots) and jq, which `.ci/setup` installs. Outside CI they
//! are skipped with a message when a tool is missing; under `CI=true` a missing tool is a failure.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether every tool runs (`TOOL --version`); under CI a missing tool fails the test, elsewhere
/// the test is skipped with a message naming it.
fn tools(names: &[&str]) -> bool {
    for name in names {
        let ok = Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("`{name}` is missing under CI; `bash .ci/setup` installs it");
            }
            eprintln!("skipped: `{name}` is not installed (run `bash .ci/setup`)");
            return false;
        }
    }
    true
}

fn steepest(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_steepest"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

/// The real quick report of the fixtures, with every verdict, a caught and an uncaught control,
/// figures and history planted into a few records, so every rendering path is compiled.
fn report() -> Value {
    let text = std::fs::read_to_string(root().join("tests/fixtures/report.quick.json")).unwrap();
    let mut r: Value = serde_json::from_str(&text).unwrap();
    let recs = r["records"].as_array_mut().unwrap();
    let control = |bug: &str, measured: f64, pass: bool| json!({"bug": bug, "measured": measured, "pass": pass});
    for (i, rec) in recs.iter_mut().enumerate() {
        if rec["verdict"] == "skipped" {
            continue;
        }
        rec["control"] = control(
            "the dual norm's exponent q = p (not p/(p−1)) — ‖G‖_* off",
            0.31 + i as f64,
            true,
        );
        match i % 50 {
            0 => {
                rec["verdict"] = json!("fail");
                rec["pass"] = json!(false);
                rec["control"]["pass"] = json!(false);
            }
            1 => {
                rec["verdict"] = json!("no-power");
                rec["pass"] = json!(false);
            }
            2 => {
                rec["verdict"] = json!("not-reached");
                rec["pass"] = json!(false);
                rec["figures"] = json!({"gap_at_horizons": [0.3, 0.2, 0.12, 0.08, 0.05, 0.03], "worst_seed_slope": -0.31});
                rec["history"] = json!(2);
            }
            _ => rec["control"]["pass"] = json!(false),
        }
    }
    r
}

/// Run pdflatex on `main` in `dir`; the log. Fails on an error, an overfull box, or no PDF.
fn compile(dir: &Path, main: &str) -> String {
    let out = Command::new("pdflatex")
        .args(["-interaction=nonstopmode", "-halt-on-error", main])
        .current_dir(dir)
        .output()
        .expect("pdflatex runs");
    let stem = main.trim_end_matches(".tex");
    let log = std::fs::read_to_string(dir.join(format!("{stem}.log"))).unwrap_or_default();
    let errors: Vec<&str> = log.lines().filter(|l| l.starts_with('!')).collect();
    assert!(
        out.status.success() && errors.is_empty(),
        "pdflatex failed on {main}: {errors:?}\n{}",
        tail(&log)
    );
    let overfull: Vec<&str> = log.lines().filter(|l| l.starts_with("Overfull")).collect();
    assert!(
        overfull.is_empty(),
        "overfull boxes in {main}: {overfull:?}"
    );
    assert!(
        dir.join(format!("{stem}.pdf")).is_file(),
        "no PDF from {main}"
    );
    log
}

fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// The guide's preamble block (after its `<!-- preamble` marker), without the indentation.
fn guide_preamble() -> String {
    let guide = std::fs::read_to_string(root().join("docs/guide.md")).unwrap();
    let at = guide
        .find("<!-- preamble")
        .expect("the guide marks its preamble block");
    let block = &guide[at..];
    let start = block
        .find("```latex\n")
        .expect("a latex block follows the marker")
        + 9;
    let end = block[start..].find("```").unwrap() + start;
    block[start..end]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_guides_preamble_is_the_one_the_outputs_need() {
    let want: Vec<&str> = steepest::report::pgf::PREAMBLE
        .lines()
        .map(str::trim)
        .collect();
    assert_eq!(guide_preamble(), want.join("\n"));
}

#[test]
fn generated_latex_and_pgf_compile_without_errors_or_overfull_boxes() {
    if !tools(&["pdflatex"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("r.json"), serde_json::to_string(&report()).unwrap()).unwrap();
    let out = steepest(
        &[
            "report",
            "--input",
            "r.json",
            "--format",
            "latex,pgf",
            "--out",
            "figs",
        ],
        d,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let figures = [
        "ns-map",
        "hasd-bound",
        "margin-gap",
        "correlation-curves",
        "aion-slice",
        "lr-basin",
    ];
    let mut body = String::from("\\input{figs/checks.tex}\n");
    for f in figures {
        assert!(d.join(format!("figs/{f}.csv")).is_file(), "{f}.csv");
        body.push_str(&format!(
            "\\begin{{figure}}[p]\\centering\\input{{figs/{f}.tex}}\\caption{{{f}}}\\end{{figure}}\n"
        ));
    }
    body.push_str("\\clearpage\n\\appendix\n\\input{figs/checks-appendix.tex}\n");
    let main = format!(
        "\\documentclass{{article}}\n{}\n\\begin{{document}}\n{body}\\end{{document}}\n",
        guide_preamble()
    );
    std::fs::write(d.join("paper.tex"), main).unwrap();
    let log = compile(d, "paper.tex");
    // every figure was drawn (pgfplots read its data) and the tables are there
    assert!(!log.contains("could not read table file"), "{}", tail(&log));
    let tex = std::fs::read_to_string(d.join("figs/checks-appendix.tex")).unwrap();
    for want in [
        "\\textbf{fail}",
        "\\textbf{no power}",
        "not reached",
        "\\textbf{not caught}",
        "protocol changed 2 times",
        "$-0.31$",
    ] {
        assert!(tex.contains(want), "appendix lacks {want}");
    }
}

#[test]
fn pdf_format_writes_one_pdf_per_figure() {
    if !tools(&["pdflatex"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("r.json"), serde_json::to_string(&report()).unwrap()).unwrap();
    let out = steepest(
        &[
            "report", "--input", "r.json", "--format", "pdf", "--out", "pdf",
        ],
        d,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = listed["files"].as_array().unwrap();
    assert_eq!(files.len(), 6, "{files:?}");
    for f in files {
        let bytes = std::fs::read(d.join(f.as_str().unwrap())).unwrap();
        assert!(bytes.starts_with(b"%PDF"), "{f}");
    }
    // nothing else is left in the output directory (the compilation ran elsewhere)
    assert_eq!(std::fs::read_dir(d.join("pdf")).unwrap().count(), 6);
}

#[test]
fn worked_example_runs_as_written() {
    if !tools(&["pdflatex", "jq"]) {
        return;
    }
    let doc = std::fs::read_to_string(root().join("docs/worked-example.md")).unwrap();
    // every ```sh block, in order; `cargo run --release --` is the binary under test (a nested
    // cargo would wait for this test's build lock)
    let mut script = String::from("set -euo pipefail\n");
    let mut rest = doc.as_str();
    while let Some(at) = rest.find("```sh\n") {
        let start = at + 6;
        let end = rest[start..].find("```").expect("closed block") + start;
        script.push_str(&rest[start..end]);
        rest = &rest[end + 3..];
    }
    assert!(
        script.matches("cargo run --release --").count() >= 6,
        "the example runs steepest"
    );
    let bin = env!("CARGO_BIN_EXE_steepest");
    let script = script.replace("cargo run --release --", &format!("'{bin}'"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("docs/example")).unwrap();
    std::fs::copy(
        root().join("docs/example/blobs.csv"),
        d.join("docs/example/blobs.csv"),
    )
    .unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(d)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "the worked example failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let ex = d.join("paper-example");
    let log = std::fs::read_to_string(ex.join("page.log")).unwrap();
    assert!(
        !log.lines()
            .any(|l| l.starts_with("Overfull") || l.starts_with('!')),
        "{}",
        tail(&log)
    );
    assert!(std::fs::read(ex.join("page.pdf"))
        .unwrap()
        .starts_with(b"%PDF"));
    // the table holds one row per norm, with γ from `margin`
    let table = std::fs::read_to_string(ex.join("table.tex")).unwrap();
    let gamma: Value =
        serde_json::from_str(&std::fs::read_to_string(ex.join("gamma-fro.json")).unwrap()).unwrap();
    let g = (gamma["gamma"].as_f64().unwrap() * 1e4).round() / 1e4;
    assert!(
        table.contains(&format!("Frobenius & NGD & ${g}$")),
        "{table}"
    );
    assert_eq!(
        table.lines().filter(|l| l.ends_with("\\\\")).count(),
        4,
        "{table}"
    );
    // each figure column file has a header and the trajectory's records
    for run in ["ngd", "spectral", "sign"] {
        let csv = std::fs::read_to_string(ex.join(format!("{run}.csv"))).unwrap();
        assert!(
            csv.starts_with("t,gap\n") && csv.lines().count() > 10,
            "{run}.csv"
        );
    }
}

#[test]
fn pdf_without_pdflatex_exits_2_naming_what_to_install() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("r.json"), serde_json::to_string(&report()).unwrap()).unwrap();
    let empty = d.join("no-tools");
    std::fs::create_dir(&empty).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_steepest"))
        .args([
            "report", "--input", "r.json", "--format", "svg,pdf", "--out", "out",
        ])
        .current_dir(d)
        .env("PATH", &empty)
        .output()
        .expect("the binary runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("pdflatex") && err.contains("texlive-pictures"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty() && !d.join("out").exists(),
        "nothing written"
    );
}

/// A researcher's own runs: two optimizers × two seeds from `train` render to md, LaTeX, SVG and
/// pgf, and the table and the figures (median and min–max envelope per optimizer) compile with
/// the documented preamble without an error or an overfull box.
#[test]
fn two_optimizers_two_seeds_render_and_compile() {
    if !tools(&["pdflatex"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = root().join("tests/fixtures/dataset.small.json");
    let margin: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/fixtures/margin.small.json")).unwrap(),
    )
    .unwrap();
    let m = json!({"norm": "fro", "gamma": margin["gamma"]["fro"], "W": margin["W_fro"]});
    std::fs::write(d.join("m.json"), m.to_string()).unwrap();
    let out = steepest(
        &[
            "train",
            "--data",
            data.to_str().unwrap(),
            "--optimizer",
            "sign",
            "--optimizer",
            "nsd:norm=fro",
            "--schedule",
            "power:eta0=0.5,a=0.5",
            "--steps",
            "1000",
            "--init",
            "normal:std=0.1",
            "--seeds",
            "0..2",
            "--margin",
            "m.json",
            "--report",
            "runs.json",
        ],
        d,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = steepest(
        &[
            "report",
            "--input",
            "runs.json",
            "--format",
            "md,latex,svg,pgf",
            "--out",
            "figs",
        ],
        d,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(d.join("figs/runs.md")).unwrap();
    assert!(
        md.contains("(seed 1)") && md.contains("Across seeds, median [min, max]"),
        "{md}"
    );
    let svg = std::fs::read_to_string(d.join("figs/train-gaps.svg")).unwrap();
    assert!(
        svg.contains("median, 2 seeds"),
        "the legend names the median"
    );
    let mut body = String::from("\\input{figs/runs.tex}\n");
    for f in ["train-margins", "train-gaps", "train-correlations"] {
        let csv = std::fs::read_to_string(d.join(format!("figs/{f}.csv"))).unwrap();
        assert!(
            csv.contains("-min_y") && csv.contains("-max_y"),
            "{f}: envelope columns"
        );
        body.push_str(&format!(
            "\\begin{{figure}}[p]\\centering\\input{{figs/{f}.tex}}\\caption{{{f}}}\\end{{figure}}\n"
        ));
    }
    let main = format!(
        "\\documentclass{{article}}\n{}\n\\begin{{document}}\n{body}\\end{{document}}\n",
        guide_preamble()
    );
    std::fs::write(d.join("runs.tex"), main).unwrap();
    let log = compile(d, "runs.tex");
    assert!(!log.contains("could not read table file"), "{}", tail(&log));
}
