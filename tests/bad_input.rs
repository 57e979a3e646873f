//! The bad-input matrix (issue #7, item 4): one table of bad inputs across every command.
//!
//! Each row gives the arguments, the exit code the contract requires (2 bad input or usage, 1 a
//! failed solve), and a substring the one-line stderr message must contain (naming the problem).
//! For every row the test asserts: that exit code, a single-line message (clap usage errors
//! excepted: clap adds its usage hint), no panic, nothing on stdout, and no output file.
//! Non-separable data is a valid question with an answer (`separable: false`, exit 0); it is in a
//! second table of inputs that must be *answered*.

use std::path::Path;
use std::process::Command;

/// Input files written into the test's temporary directory before the rows run.
const FILES: &[(&str, &str)] = &[
    ("g.json", r#"{"G": [[1.0, 2.0], [3.0, 4.0]]}"#),
    ("ragged.json", r#"{"G": [[1.0, 2.0], [3.0]]}"#),
    ("empty.json", r#"{"G": []}"#),
    ("empty_row.json", r#"{"G": [[]]}"#),
    ("truncated.json", r#"{"G": [[1.0, 2.0"#),
    ("string_entry.json", r#"{"G": [[1.0, "x"], [3.0, 4.0]]}"#),
    ("overflow.json", r#"{"G": [[1e400, 2.0], [3.0, 4.0]]}"#),
    ("nan.json", r#"{"G": [[NaN, 2.0], [3.0, 4.0]]}"#),
    ("no_g.json", r#"{"H": [[1.0]]}"#),
    ("metric_neg.json", r#"{"a": [1.0, 0.0], "b": [-1.0, 0.0]}"#),
    ("metric_ok.json", r#"{"a": [1.0, 0.5], "b": [1.0, 0.0]}"#),
    ("metric_zero.json", r#"{"a": [1.0, 0.0], "b": [0.0, 1.0]}"#),
    (
        "metric_len.json",
        r#"{"a": [1.0, 0.0, 2.0], "b": [1.0, 0.0]}"#,
    ),
    ("metric_inf.json", r#"{"a": [1.0, 1e999], "b": [1.0, 0.0]}"#),
    ("metric_no_b.json", r#"{"a": [1.0, 0.0]}"#),
    (
        "replay.json",
        r#"{"W0": [[1.0, 0.0], [0.0, 1.0]], "grads": [[[1.0, 0.0], [0.0, 1.0]]]}"#,
    ),
    (
        "replay_shape.json",
        r#"{"W0": [[1.0, 0.0], [0.0, 1.0]], "grads": [[[1.0, 0.0, 0.0]]]}"#,
    ),
    ("replay_no_w0.json", r#"{"grads": [[[1.0]]]}"#),
    (
        "data.json",
        r#"{"classes": 2, "x": [[1.0, 0.0], [-1.0, 0.0]], "y": [1, 0]}"#,
    ),
    (
        "data_label.json",
        r#"{"classes": 2, "x": [[1.0, 0.0], [-1.0, 0.0]], "y": [1, 5]}"#,
    ),
    (
        "data_len.json",
        r#"{"classes": 2, "x": [[1.0, 0.0], [-1.0, 0.0]], "y": [1]}"#,
    ),
    (
        "data_ragged.json",
        r#"{"classes": 2, "x": [[1.0, 0.0], [-1.0]], "y": [1, 0]}"#,
    ),
    ("data_empty.json", r#"{"classes": 2, "x": [], "y": []}"#),
    ("data.csv", "1.0,0.0,1\n-1.0,zero,0\n"),
    ("data_ragged.csv", "1.0,0.0,1\n-1.0,0\n"),
    ("data.npy", "this is not a NumPy file"),
    ("data.xyz", "1 2 3"),
    (
        "nonsep.json",
        r#"{"classes": 2, "x": [[1.0, 0.0], [1.0, 0.0]], "y": [1, 0]}"#,
    ),
    (
        "not_a_report.json",
        r#"{"schema": "something/else", "records": []}"#,
    ),
    ("a_file", "not a directory"),
    // Hostile input (issue #14).
    ("big.json", r#"{"G": [[1e308, 1e308], [1e308, -1e308]]}"#),
    ("typo.csv", "1,O,0\n-1,0,0\n0,1,1\n0,-1,0\n"),
    (
        "metric_orth.json",
        r#"{"a": [1.0, 0.0], "b": [1e-300, 1.0]}"#,
    ),
    (
        "metric_huge.json",
        r#"{"a": [1e308, 1e308], "b": [1e308, 1e308]}"#,
    ),
    // Report slices (`steepest report merge`): one run's slices must share seed and profile.
    (
        "slice_seed0.json",
        r#"{"schema": "steepest.report/v1", "version": "0.1.0", "profile": "quick", "seed": 0, "suites": ["geometry"], "environment": {}, "records": [], "summary": {"passed": 0, "failed": 0, "skipped": 0}, "wall_ms": 1.0}"#,
    ),
    (
        "slice_seed1.json",
        r#"{"schema": "steepest.report/v1", "version": "0.1.0", "profile": "quick", "seed": 1, "suites": ["geometry"], "environment": {}, "records": [], "summary": {"passed": 0, "failed": 0, "skipped": 0}, "wall_ms": 1.0}"#,
    ),
    (
        "slice_paper.json",
        r#"{"schema": "steepest.report/v1", "version": "0.1.0", "profile": "paper", "seed": 0, "suites": ["geometry"], "environment": {}, "records": [], "summary": {"passed": 0, "failed": 0, "skipped": 0}, "wall_ms": 1.0}"#,
    ),
    (
        "slice_v9.json",
        r#"{"schema": "steepest.report/v1", "version": "9.9.9", "profile": "quick", "seed": 0, "suites": ["geometry"], "environment": {}, "records": [], "summary": {"passed": 0, "failed": 0, "skipped": 0}, "wall_ms": 1.0}"#,
    ),
    // AION: e^{60x} on x ∈ [0.1, 0.9] makes the resummed residual blow up (‖F‖ ~ 1e23).
    (
        "aion_diverge.json",
        r#"{"rank": 1, "terms": 1, "x": [[0.1], [0.5], [0.9]], "y": [1, -2, 3], "theta0": [1, 60, 3, 0.1]}"#,
    ),
    (
        "aion_saddle.json",
        r#"{"rank": 1, "terms": 1, "x": [[0.1], [0.5], [0.9]], "y": [1, -2, 3], "theta0": [1, 0.5, 3, 0.1]}"#,
    ),
    (
        "aion_theta.json",
        r#"{"rank": 1, "terms": 1, "x": [[0.1], [0.5]], "y": [1, 2], "theta0": [1, 2, 3]}"#,
    ),
];

/// One row of the matrix: arguments (`@` is replaced by the temporary directory), expected exit
/// code, a substring of the message.
struct Row {
    args: &'static str,
    code: i32,
    says: &'static str,
}

const fn row(args: &'static str, code: i32, says: &'static str) -> Row {
    Row { args, code, says }
}

/// Every row writes (if it got that far) to `@/out.json`, which must never appear.
const ROWS: &[Row] = &[
    // Unknown names.
    row("dualize --norm bogus --input @/g.json --report @/out.json", 2, "unknown norm 'bogus'"),
    row("dualize --norm schatten:0.5 --input @/g.json --report @/out.json", 2, "not ≥ 1"),
    row("dualize --norm lp:abc --input @/g.json --report @/out.json", 2, "lp:abc"),
    row("orthogonalize --coefficients quintic --input @/g.json --report @/out.json", 2, "quintic"),
    row("replay --optimizer adamw9 --input @/replay.json --report @/out.json", 2, "adamw9"),
    row("replay --optimizer muon:lr=fast --input @/replay.json --report @/out.json", 2, "lr"),
    row("replay --optimizer muon:lr=0.1 --schedule cosine:1 --input @/replay.json --report @/out.json", 2, "cosine"),
    row("margin --data @/data.json --norm bogus --report @/out.json", 2, "bogus"),
    row("metric --input @/metric_ok.json --metric banana --report @/out.json", 2, "banana"),
    row("validate --suite nope --report @/out.json", 2, "unknown suite 'nope'"),
    row("validate --profile huge --report @/out.json", 2, "unknown profile 'huge'"),
    row("frobnicate", 2, "frobnicate"),
    row("report --input @/not_a_report.json --format docx --out @/rendered", 2, "unknown format 'docx'"),
    row("report --input @/not_a_report.json --format md --out @/rendered", 2, "something/else"),
    row("report --input @/missing.json --format md --out @/rendered", 2, "missing.json"),
    // Out-of-range values.
    row("orthogonalize --coefficients keller --steps 0 --input @/g.json --report @/out.json", 2, "--steps 0"),
    row("replay --optimizer muon:lr=-1 --input @/replay.json --report @/out.json", 2, "lr"),
    row("margin --data @/data.json --norm l2 --binary --robust-linf -0.5 --report @/out.json", 2, "robust-linf"),
    row("margin --data @/data_label.json --norm fro --report @/out.json", 2, "label"),
    // Malformed JSON / CSV / NPY.
    row("dualize --norm fro --input @/truncated.json --report @/out.json", 2, "not valid JSON"),
    row("dualize --norm fro --input @/nan.json --report @/out.json", 2, "not valid JSON"),
    row("dualize --norm fro --input @/string_entry.json --report @/out.json", 2, "\"G\""),
    row("dualize --norm fro --input @/no_g.json --report @/out.json", 2, "\"G\""),
    row("margin --data @/data.csv --norm fro --report @/out.json", 2, "data.csv"),
    row("margin --data @/data_ragged.csv --norm fro --report @/out.json", 2, "data_ragged.csv"),
    row("margin --data @/data.npy --norm fro --report @/out.json", 2, "data.npy"),
    row("margin --data @/data.xyz --norm fro --report @/out.json", 2, "unknown dataset format"),
    row("margin --data @/data_len.json --norm fro --report @/out.json", 2, "data_len.json"),
    row("metric --input @/metric_no_b.json --report @/out.json", 2, "\"b\""),
    row("replay --optimizer sign --input @/replay_no_w0.json --report @/out.json", 2, "\"W0\""),
    row("validate --rerun @/not_a_report.json", 2, "not_a_report.json"),
    row("validate --threads 0 --report @/out.json", 2, "--threads"),
    row("validate --threads many --report @/out.json", 2, "--threads"),
    row("report merge @/slice_seed0.json @/slice_seed1.json --out @/out.json", 2, "has seed 1 but"),
    row("report merge @/slice_seed0.json @/slice_paper.json --out @/out.json", 2, "has profile paper but"),
    row("report merge @/slice_seed0.json @/slice_v9.json --out @/out.json", 2, "has version 9.9.9 but"),
    row("report merge @/slice_seed0.json @/missing.json --out @/out.json", 2, "missing.json"),
    row("report merge @/slice_seed0.json @/truncated.json --out @/out.json", 2, "not valid JSON"),
    row("report merge @/slice_seed0.json @/not_a_report.json --out @/out.json", 2, "something/else"),
    row("report merge --out @/out.json", 2, "no slices given"),
    row("report merge @/slice_seed0.json --out @/a_file/out.json", 2, "a_file"),
    // Ragged and empty matrices, shape mismatches.
    row("dualize --norm spectral --input @/ragged.json --report @/out.json", 2, "ragged"),
    row("orthogonalize --coefficients keller --input @/ragged.json --report @/out.json", 2, "ragged"),
    row("dualize --norm nuclear --input @/empty.json --report @/out.json", 2, "empty"),
    row("dualize --norm fro --input @/empty_row.json --report @/out.json", 2, "empty"),
    row("margin --data @/data_ragged.json --norm fro --report @/out.json", 2, "data_ragged.json"),
    row("margin --data @/data_empty.json --norm fro --report @/out.json", 2, "data_empty.json"),
    row("replay --optimizer sign --input @/replay_shape.json --report @/out.json", 2, "shape"),
    row("metric --input @/metric_len.json --report @/out.json", 2, "length"),
    // NaN / Inf.
    row("dualize --norm fro --input @/overflow.json --report @/out.json", 2, "overflow.json"),
    row("metric --input @/metric_inf.json --report @/out.json", 2, "metric_inf.json"),
    // Missing files.
    row("dualize --norm fro --input @/missing.json --report @/out.json", 2, "missing.json"),
    row("margin --data @/missing.json --norm fro --report @/out.json", 2, "missing.json"),
    row("validate --rerun @/missing.json", 2, "missing.json"),
    // Unwritable output paths (the parent is a regular file, or does not exist).
    row("dualize --norm fro --input @/g.json --report @/a_file/out.json", 2, "a_file"),
    row("metric --input @/metric_ok.json --report @/no_such_dir/out.json", 2, "no_such_dir"),
    // AION: bad configs exit 2; a config from which Infinite Descent does not converge exits 1.
    row("aion solve --preset fig9 --report @/out.json", 2, "fig9"),
    row("aion solve --config @/aion_theta.json --report @/out.json", 2, "theta0"),
    row("aion solve --config @/aion_saddle.json --tol 0 --report @/out.json", 2, "--tol 0"),
    row("aion solve --config @/missing.json --report @/out.json", 2, "missing.json"),
    row("aion solve --config @/aion_diverge.json --report @/out.json", 1, "did not converge"),
    row("aion solve --config @/aion_saddle.json --inner newton --no-baselines --report @/out.json", 1, "not a minimum"),
    // train.
    row("train --data @/data.json --optimizer bogus --steps 10 --report @/out.json", 2, "unknown optimizer 'bogus'"),
    row("train --data @/data.json --optimizer sign --steps 0 --report @/out.json", 2, "--steps"),
    row("train --data @/data.json --optimizer sign --steps 10 --schedule power:eta0=0.1,a=-1 --report @/out.json", 2, "a=-1"),
    row("train --data @/data.json --optimizer sign --steps 10 --record 5,abc --report @/out.json", 2, "abc"),
    row("train --data @/data_ragged.json --optimizer sign --steps 10 --report @/out.json", 2, "data_ragged.json"),
    row("train --data @/data.json --optimizer sign --steps 10 --report @/a_file/out.json", 2, "a_file"),
    row("train --data @/data.json --optimizer sign --steps 10 --grad-scale bogus --report @/out.json", 2, "bogus"),
    row("train --data @/data.json --optimizer gd:lr=0.1 --steps 10 --grad-scale rescaled --report @/out.json", 2, "use true"),
    row("validate --suite fromage --only P1-a --report @/out.json", 2, "--only P1-a"),
    // Hostile input (issue #14): values beyond f64, sizes and caps, flags, CSV rows, output paths.
    row("dualize --norm spectral --input @/big.json --report @/out.json", 2, "not representable in f64"),
    row("dualize --norm fro --input @/big.json --report @/out.json", 2, "not representable in f64"),
    row("metric --input @/metric_orth.json --report @/out.json", 2, "not representable in f64"),
    row("metric --input @/metric_huge.json --report @/out.json", 2, "outside the f64 range"),
    row("orthogonalize --coefficients keller --steps 1000000000 --input @/g.json --report @/out.json", 2, "above the limit"),
    row("validate --threads 1000000 --report @/out.json", 2, "above the limit"),
    row("train --data @/data.json --optimizer sign --steps 18446744073709551615 --report @/out.json", 2, "above the limit"),
    row("train --data @/data.json --optimizer sign --steps 10 --per-decade 0 --report @/out.json", 2, "--per-decade"),
    row("train --data @/data.json --optimizer sign --steps 10 --schedule const:lr=inf --report @/out.json", 2, "lr"),
    row("margin --data @/typo.csv --norm fro --report @/out.json", 2, "line 1, column 2"),
    row("validate --rerun @/slice_seed0.json --seed 5 --profile paper", 2, "--rerun cannot be combined with --seed"),
    row("validate --list --only NOPE", 2, "--only NOPE"),
    row("validate --list --report @/out.json", 2, "--list cannot be combined with --report"),
    row("validate --suite geometry --report @", 2, "is a directory"),
    row("dualize --norm fro --input @/g.json --report /dev/null", 2, "character device"),
    // aᵀb ≤ 0: no SPD metric exists.
    row("metric --input @/metric_neg.json --report @/out.json", 2, "no SPD metric exists"),
    row("metric --input @/metric_zero.json --report @/out.json", 2, "no SPD metric exists"),
];

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_steepest"))
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, text) in FILES {
        std::fs::write(dir.path().join(name), text).expect("write fixture");
    }
    dir
}

fn args(row: &str, dir: &Path) -> Vec<String> {
    let d = dir.to_str().expect("utf-8 temp path");
    row.split_whitespace().map(|a| a.replace('@', d)).collect()
}

#[test]
fn bad_input_matrix() {
    assert!(ROWS.len() >= 30, "the matrix must hold at least 30 rows");
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    assert!(
        readme.contains(&format!("`tests/bad_input.rs`, {} rows", ROWS.len())),
        "README must state the matrix's row count ({})",
        ROWS.len()
    );
    let dir = setup();
    let mut failures = Vec::new();
    for r in ROWS {
        let out = bin()
            .args(args(r.args, dir.path()))
            .output()
            .expect("run steepest");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let code = out.status.code();
        let clap_usage = stderr.contains("Usage:") || stderr.contains("For more information");
        let mut why = Vec::new();
        if code != Some(r.code) {
            why.push(format!("exit {code:?}, expected {}", r.code));
        }
        if stderr.contains("panicked") {
            why.push("panicked".to_string());
        }
        if !stdout.is_empty() {
            why.push(format!("stdout not empty: {stdout:.200}"));
        }
        if !stderr.contains(r.says) {
            why.push(format!("message lacks {:?}", r.says));
        }
        if !clap_usage && stderr.trim_end().lines().count() != 1 {
            why.push("message is not one line".to_string());
        }
        if dir.path().join("out.json").exists() {
            why.push("output file created".to_string());
            let _ = std::fs::remove_file(dir.path().join("out.json"));
        }
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("read tempdir")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !FILES.iter().any(|(f, _)| f == n))
            .collect();
        if !leftovers.is_empty() {
            why.push(format!("files left behind: {leftovers:?}"));
        }
        if !why.is_empty() {
            failures.push(format!(
                "`steepest {}`: {}\n    stderr: {}",
                r.args,
                why.join("; "),
                stderr.trim_end()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows misbehave:\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n")
    );
}

/// Inputs that look bad but are valid questions with an answer: non-separable data has
/// `separable: false`, `gamma: 0`, exit 0 (CONTRACT).
#[test]
fn non_separable_data_is_answered() {
    let dir = setup();
    for extra in [&["--norm", "fro"][..], &["--norm", "l2", "--binary"][..]] {
        let out = bin()
            .arg("margin")
            .arg("--data")
            .arg(dir.path().join("nonsep.json"))
            .args(extra)
            .output()
            .expect("run steepest");
        assert_eq!(out.status.code(), Some(0), "{extra:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
        assert_eq!(v["separable"], serde_json::Value::Bool(false), "{extra:?}");
        assert_eq!(v["gamma"].as_f64(), Some(0.0), "{extra:?}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    }
}
