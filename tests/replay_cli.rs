//! `steepest replay` end to end through the binary: good input (against the torch-semantics
//! oracle), bad inputs (exit 2 with a message naming the problem), and atomic `--report`.

use serde_json::{json, Value};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_steepest"))
}

fn fixture_case() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/muon.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v["cases"][0].clone()
}

fn write(dir: &tempfile::TempDir, name: &str, v: &Value) -> std::path::PathBuf {
    let p = dir.path().join(name);
    std::fs::write(&p, v.to_string()).unwrap();
    p
}

#[test]
fn replays_the_real_torch_muon_trajectory() {
    let case = fixture_case();
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        &dir,
        "in.json",
        &json!({"W0": case["W0"], "grads": case["grads"]}),
    );
    let spec = "muon:lr=0.02,momentum=0.95,nesterov=true,ns=keller,ns_steps=5,eps=1e-7,wd=0,scale=original";
    let out = bin()
        .args(["replay", "--optimizer", spec, "--input"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let got = v["params"].as_array().unwrap();
    // torch.optim.Muon itself in float64 (its defaults: Newton–Schulz input / max(‖u‖_F, eps))
    let want = case["torch_exact"]["params"].as_array().unwrap();
    assert_eq!(got.len(), want.len());
    let mut worst: f64 = 0.0;
    for (g, w) in got.iter().zip(want) {
        for (gr, wr) in g.as_array().unwrap().iter().zip(w.as_array().unwrap()) {
            for (a, b) in gr.as_array().unwrap().iter().zip(wr.as_array().unwrap()) {
                worst = worst.max((a.as_f64().unwrap() - b.as_f64().unwrap()).abs());
            }
        }
    }
    assert!(worst <= 1e-12, "{worst}");
    assert!(v["optimizer"].as_str().unwrap().starts_with("muon:"));

    // --report writes the same document atomically.
    let report = dir.path().join("out.json");
    let st = bin()
        .args(["replay", "--optimizer", spec, "--input"])
        .arg(&input)
        .arg("--report")
        .arg(&report)
        .status()
        .unwrap();
    assert!(st.success());
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["params"], v["params"]);
}

#[test]
fn momo_reads_losses() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(
        &dir,
        "in.json",
        &json!({"W0": [[1.0, 2.0]], "grads": [[[0.5, -1.0]], [[0.2, 0.1]]], "losses": [3.0, 2.0]}),
    );
    let out = bin()
        .args(["replay", "--optimizer", "momo:lr=1", "--input"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Without losses Momo cannot run: exit 2 naming the loss.
    let input = write(
        &dir,
        "in2.json",
        &json!({"W0": [[1.0, 2.0]], "grads": [[[0.5, -1.0]]]}),
    );
    let out = bin()
        .args(["replay", "--optimizer", "momo", "--input"])
        .arg(&input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("loss"));
}

#[test]
fn bad_inputs_exit_2_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let good = json!({"W0": [[1.0, 2.0], [3.0, 4.0]], "grads": [[[0.1, 0.2], [0.3, 0.4]]]});
    let cases: Vec<(&str, Value, &str)> = vec![
        ("adamm", good.clone(), "unknown optimizer"),
        ("adam:lr=-1", good.clone(), "lr"),
        ("muon:momentum=1", good.clone(), "momentum ∈ [0, 1)"),
        ("muon:ns_steps=0", good.clone(), "ns_steps"),
        ("muon:bogus=3", good.clone(), "unknown key 'bogus'"),
        ("sign", json!({"grads": []}), "W0"),
        ("sign", json!({"W0": [[1.0]]}), "grads"),
        (
            "sign",
            json!({"W0": [[1.0, 2.0]], "grads": [[[1.0]]]}),
            "shape",
        ),
        (
            "sign",
            json!({"W0": [[1.0, 2.0]], "grads": [[[1.0, "x"]]]}),
            "not a number",
        ),
        (
            "sign",
            json!({"W0": [[1.0, 2.0], [1.0]], "grads": []}),
            "ragged",
        ),
    ];
    for (spec, input, needle) in cases {
        let p = write(&dir, "bad.json", &input);
        let out = bin()
            .args(["replay", "--optimizer", spec, "--input"])
            .arg(&p)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{spec} {input}: {err}");
        assert!(err.contains(needle), "{spec} {input}: {err}");
        assert!(out.stdout.is_empty());
    }
    // Missing file.
    let out = bin()
        .args([
            "replay",
            "--optimizer",
            "sign",
            "--input",
            "/nonexistent/x.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // A non-finite update: exit 1 naming the step, and no report file left behind.
    let p = write(
        &dir,
        "big.json",
        &json!({"W0": [[1.0]], "grads": [[[1.0]], [[1e300]]]}),
    );
    let report = dir.path().join("r.json");
    let out = bin()
        .args(["replay", "--optimizer", "gd:lr=1e300", "--input"])
        .arg(&p)
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("step 2"));
    assert!(!report.exists());
}
