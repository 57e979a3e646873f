//! `steepest metric` through the binary: the oracle fixture's κ*, the contract's keys, bad input.

use serde_json::{json, Value};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_steepest"))
}

fn run(input: &Value, extra: &[&str]) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.json");
    std::fs::write(&path, input.to_string()).unwrap();
    let out = bin()
        .args(["metric", "--input", path.to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let v = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    (code, v, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn vecf(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn matches_the_oracle_fixture() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ngd_metric.json"),
    )
    .unwrap();
    let fx: Value = serde_json::from_str(&text).unwrap();
    for c in fx["cases"].as_array().unwrap() {
        let (a, b) = (vecf(&c["a"]), vecf(&c["b"]));
        let (code, out, err) = run(&json!({"a": a, "b": b}), &[]);
        assert_eq!(code, 0, "{}: {err}", c["label"]);
        for key in ["kappa_min", "kappa", "M", "spd"] {
            assert!(out.get(key).is_some(), "missing key {key}");
        }
        let want = c["kappa_min"].as_f64().unwrap();
        let got = out["kappa_min"].as_f64().unwrap();
        assert!(
            (got - want).abs() <= 1e-8 * want,
            "{}: {got} vs {want}",
            c["label"]
        );
        let kappa = out["kappa"].as_f64().unwrap();
        // eigenvalue round-off: relative 64·D·ε·κ (κ up to ~1.3e4 here)
        let d = a.len() as f64;
        assert!((kappa - want).abs() <= (64.0 * d * f64::EPSILON * want).max(1e-10) * want);
        assert_eq!(out["spd"], json!(true));
        let m: Vec<Vec<f64>> = out["M"].as_array().unwrap().iter().map(vecf).collect();
        assert_eq!(m.len(), a.len());
        // M a = b
        for (i, row) in m.iter().enumerate() {
            let ma: f64 = row.iter().zip(&a).map(|(x, y)| x * y).sum();
            let nb = b.iter().map(|x| x * x).sum::<f64>().sqrt();
            assert!((ma - b[i]).abs() <= 1e-10 * nb, "{}: row {i}", c["label"]);
        }
    }
}

#[test]
fn other_metrics_and_the_preconditioner() {
    let input = json!({"a": [1.0, 0.5, -0.2], "b": [0.9, 0.1, 0.3]});
    for m in ["bfgs", "dfp", "beta:2.0"] {
        let (code, out, err) = run(&input, &["--metric", m, "--preconditioner"]);
        assert_eq!(code, 0, "{m}: {err}");
        assert!(
            out["kappa"].as_f64().unwrap() >= out["kappa_min"].as_f64().unwrap() * (1.0 - 1e-12)
        );
        // P b = a
        let p: Vec<Vec<f64>> = out["P"].as_array().unwrap().iter().map(vecf).collect();
        let b = [0.9, 0.1, 0.3];
        let a = [1.0, 0.5, -0.2];
        for i in 0..3 {
            let pb: f64 = (0..3).map(|k| p[i][k] * b[k]).sum();
            assert!((pb - a[i]).abs() < 1e-12, "{m}");
        }
    }
}

#[test]
fn bad_input_exits_2_with_the_reason() {
    let cases = [
        (
            json!({"a": [1.0, 0.0], "b": [-1.0, 0.5]}),
            "no SPD metric exists",
        ),
        (
            json!({"a": [1.0, 1.0], "b": [1.0, -1.0]}),
            "no SPD metric exists",
        ),
        (json!({"a": [1.0, 2.0], "b": [1.0]}), "same length"),
        (json!({"a": [0.0, 0.0], "b": [1.0, 1.0]}), "zero"),
        (json!({"a": [1.0, "x"], "b": [1.0, 1.0]}), "finite number"),
        (json!({"a": [1.0]}), "no key \"b\""),
        (json!({"a": [1.0], "b": [1.0]}), ""),
    ];
    for (input, msg) in cases {
        let (code, _, err) = run(&input, &[]);
        if msg.is_empty() {
            assert_eq!(code, 0);
            continue;
        }
        assert_eq!(code, 2, "{input}: {err}");
        assert!(err.contains(msg), "{input}: {err}");
    }
    // NaN is not JSON: a parse error, also exit 2
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nan.json");
    std::fs::write(&path, r#"{"a": [NaN, 1.0], "b": [1.0, 1.0]}"#).unwrap();
    let out = bin()
        .args(["metric", "--input", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn report_is_written_atomically_and_not_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.json");
    let report = dir.path().join("out.json");
    std::fs::write(
        &input,
        json!({"a": [1.0, 2.0], "b": [2.0, 1.0]}).to_string(),
    )
    .unwrap();
    let st = bin()
        .args([
            "metric",
            "--input",
            input.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(0));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(v["spd"], json!(true));
    let bad = dir.path().join("bad.json");
    let report2 = dir.path().join("out2.json");
    std::fs::write(&bad, json!({"a": [1.0, 0.0], "b": [-2.0, 1.0]}).to_string()).unwrap();
    let st = bin()
        .args([
            "metric",
            "--input",
            bad.to_str().unwrap(),
            "--report",
            report2.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(2));
    assert!(!report2.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        3,
        "no temporary files left"
    );
}
