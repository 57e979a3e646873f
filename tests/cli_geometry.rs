//! The `dualize` and `orthogonalize` commands end to end: good inputs give the CONTRACT keys,
//! bad inputs exit 2 with one line on stderr and nothing on stdout.

use serde_json::Value;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_steepest"))
        .args(args)
        .output()
        .expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

const G: &str = r#"{"G": [[0.3,-0.1,0.2],[-0.4,0.5,0.0],[0.1,0.2,-0.3],[0.0,-0.2,0.6]]}"#;

#[test]
fn dualize_good_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let g = write(&dir, "g.json", G);
    let (code, out, _) = run(&["dualize", "--norm", "nuclear", "--input", &g]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["norm"], "nuclear");
    assert!((v["dual_norm"].as_f64().unwrap() - 0.827183745).abs() < 1e-8);
    assert_eq!(v["direction"].as_array().unwrap().len(), 4);
    // zero matrix, bare-matrix form, and --report
    let z = write(&dir, "z.json", "[[0, 0], [0, 0]]");
    let rep = dir.path().join("r.json");
    let (code, out, _) = run(&[
        "dualize",
        "--norm",
        "schatten:3",
        "--input",
        &z,
        "--report",
        rep.to_str().unwrap(),
    ]);
    assert_eq!((code, out.as_str()), (0, ""));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&rep).unwrap()).unwrap();
    assert_eq!(v["dual_norm"].as_f64(), Some(0.0));
    assert_eq!(v["direction"], serde_json::json!([[0.0, 0.0], [0.0, 0.0]]));
}

#[test]
fn orthogonalize_good_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let g = write(&dir, "g.json", G);
    let (code, out, _) = run(&[
        "orthogonalize",
        "--coefficients",
        "cubic",
        "--steps",
        "40",
        "--input",
        &g,
    ]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    // the cubic converges to UVᵀ (file 08 §1.4)
    assert!((v["output"][2][0].as_f64().unwrap() - 0.4290171191783).abs() < 1e-12);
    let (code, out, _) = run(&["orthogonalize", "--coefficients", "dion", "--input", &g]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["steps"], 5);
    assert_eq!(v["output"].as_array().unwrap().len(), 4);
}

fn assert_bad(args: &[&str], needle: &str) {
    let (code, out, err) = run(args);
    assert_eq!(code, 2, "{args:?}: {err}");
    assert!(out.is_empty(), "{args:?} printed to stdout: {out}");
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{args:?}: not one line: {err}"
    );
    assert!(err.contains(needle), "{args:?}: {err}");
}

#[test]
fn bad_inputs_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let g = write(&dir, "g.json", G);
    let ragged = write(&dir, "ragged.json", r#"{"G": [[1, 2], [3]]}"#);
    let empty = write(&dir, "empty.json", r#"{"G": []}"#);
    let text = write(&dir, "text.json", r#"{"G": [[1, "two"]]}"#);
    let nokey = write(&dir, "nokey.json", r#"{"H": [[1]]}"#);
    let missing = dir.path().join("nope.json");
    let missing = missing.to_str().unwrap();
    assert_bad(
        &["dualize", "--norm", "frobenius2", "--input", &g],
        "unknown norm",
    );
    assert_bad(
        &["dualize", "--norm", "entrywise:0.5", "--input", &g],
        "≥ 1",
    );
    assert_bad(&["dualize", "--norm", "schatten:nan", "--input", &g], "≥ 1");
    assert_bad(
        &["dualize", "--norm", "spectral", "--input", &ragged],
        "ragged",
    );
    assert_bad(
        &["dualize", "--norm", "spectral", "--input", &empty],
        "empty",
    );
    assert_bad(
        &["dualize", "--norm", "spectral", "--input", &text],
        "not a number",
    );
    assert_bad(
        &["dualize", "--norm", "spectral", "--input", &nokey],
        "\"G\"",
    );
    assert_bad(
        &["dualize", "--norm", "spectral", "--input", missing],
        "nope.json",
    );
    assert_bad(
        &[
            "orthogonalize",
            "--coefficients",
            "keller",
            "--steps",
            "0",
            "--input",
            &g,
        ],
        "--steps",
    );
    assert_bad(
        &["orthogonalize", "--coefficients", "polar", "--input", &g],
        "keller, dion, cubic",
    );
    assert_bad(
        &[
            "orthogonalize",
            "--coefficients",
            "keller",
            "--input",
            &ragged,
        ],
        "ragged",
    );
    assert_bad(
        &[
            "orthogonalize",
            "--coefficients",
            "keller",
            "--input",
            missing,
        ],
        "nope.json",
    );
}

/// A product norm by name: blocks in, blocks out, with the known formulas of the max product
/// (dual Σ_l ‖G_l‖_{l,*}/s_l, direction LMO_l(G_l)/s_l per block, norm max_l s_l‖G_l‖_l;
/// Bernstein & Newhouse, arXiv 2409.20325, Prop. 7).
#[test]
fn dualize_a_product_norm() {
    let dir = tempfile::tempdir().unwrap();
    let g = write(&dir, "g.json", r#"{"G": [[[1, 2], [3, 4]], [[5], [-6]]]}"#);
    let (code, out, err) = run(&[
        "dualize",
        "--norm",
        "product:max(spectral, linf*2)",
        "--input",
        &g,
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["norm"], "product:max(spectral*1,linf*2)");
    // the spectral block's dual is the nuclear norm σ1 + σ2 = √(‖A‖_F² + 2|det A|) = √34 for
    // A = [[1,2],[3,4]]; the ℓ∞ block's dual is ‖(5, −6)‖_1 = 11, divided by its scale 2
    assert!((v["dual_norm"].as_f64().unwrap() - (34f64.sqrt() + 5.5)).abs() < 1e-12);
    // max(σ1, 2·max|b|) = 12
    assert!((v["norm_value"].as_f64().unwrap() - 12.0).abs() < 1e-12);
    let d = v["direction"].as_array().unwrap();
    assert_eq!(d.len(), 2);
    // the ℓ∞ block's LMO is sign(b)/s = (0.5, −0.5)
    assert_eq!(d[1], serde_json::json!([[0.5], [-0.5]]));
    // the spectral block's LMO is the polar factor: orthogonal 2×2
    let p: Vec<Vec<f64>> = serde_json::from_value(d[0].clone()).unwrap();
    let col_dot = p[0][0] * p[0][1] + p[1][0] * p[1][1];
    let col_norm = p[0][0] * p[0][0] + p[1][0] * p[1][0];
    assert!(col_dot.abs() < 1e-12 && (col_norm - 1.0).abs() < 1e-12);
}

#[test]
fn product_norm_bad_names_and_blocks_give_the_grammar() {
    let dir = tempfile::tempdir().unwrap();
    let g = write(&dir, "g.json", r#"{"G": [[[1, 2], [3, 4]], [[5], [-6]]]}"#);
    let one = write(&dir, "one.json", G);
    for bad in [
        "product:max(spectral",
        "product:mean(spectral,l2)",
        "product:max(spectral,bogus)",
        "product:max(spectral*-1,l2)",
    ] {
        assert_bad(
            &["dualize", "--norm", bad, "--input", &g],
            "product:AGG(BLOCK",
        );
    }
    // three blocks named, two given; a plain matrix where blocks are due
    assert_bad(
        &["dualize", "--norm", "product:l2(fro,l1,l2)", "--input", &g],
        "list of 3 matrices",
    );
    assert_bad(
        &["dualize", "--norm", "product:l2(fro,l1)", "--input", &one],
        "list of 2 matrices",
    );
}

#[test]
fn dualize_help_lists_the_norm_table() {
    let (code, out, _) = run(&["dualize", "--help"]);
    assert_eq!(code, 0);
    for name in [
        "fro",
        "schatten:P",
        "op:1->P",
        "rms-rms",
        "product:AGG(BLOCK",
    ] {
        assert!(out.contains(name), "{name} missing from:\n{out}");
    }
}
