//! `steepest margin` end to end: the CONTRACT keys on good inputs (JSON, CSV, --binary,
//! --robust-linf, --report), oracle values through the binary, non-separable data answered with
//! exit 0, bad inputs exiting 2 with nothing on stdout and no report file.

use serde_json::Value;
use std::path::PathBuf;
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

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let p = dir.path().join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

fn oracle(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

#[test]
fn small_dataset_every_norm_matches_oracle_through_the_binary() {
    let o = oracle("margin.small.json");
    let data = fixture("dataset.small.json");
    for norm in [
        "fro",
        "spectral",
        "nuclear",
        "max",
        "sum",
        "entrywise:3",
        "entrywise:1.5",
    ] {
        let (code, out, err) = run(&["margin", "--data", &data, "--norm", norm]);
        assert_eq!(code, 0, "{norm}: {err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["norm"], norm);
        assert_eq!(v["separable"], true);
        let g = v["gamma"].as_f64().unwrap();
        let (lo, hi) = (v["lower"].as_f64().unwrap(), v["upper"].as_f64().unwrap());
        let want = o["gamma"][norm].as_f64().unwrap();
        assert!((g - want).abs() <= 1e-6 * want, "{norm}: {g} vs {want}");
        assert!(lo <= g && g <= hi);
        let w = v["W"].as_array().unwrap();
        assert_eq!((w.len(), w[0].as_array().unwrap().len()), (3, 5));
    }
}

#[test]
fn csv_input_and_report_file() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(
        &dir,
        "d.csv",
        "x1,x2,label\n2.0,0.1,0\n1.5,-0.2,0\n-1.0,2.0,1\n-0.5,1.5,1\n0.1,-2.0,2\n-0.2,-1.7,2\n",
    );
    let rep = dir.path().join("out.json");
    let (code, out, err) = run(&[
        "margin",
        "--data",
        &csv,
        "--norm",
        "spectral",
        "--report",
        rep.to_str().unwrap(),
    ]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&rep).unwrap()).unwrap();
    for key in ["norm", "separable", "gamma", "lower", "upper", "W"] {
        assert!(v.get(key).is_some(), "missing key {key}");
    }
    assert_eq!(v["separable"], true);
    assert!(v["gamma"].as_f64().unwrap() > 0.0);
}

#[test]
fn binary_and_robust_margins_match_oracle() {
    let o = oracle("robust.robust_d50.json");
    let data = fixture("dataset.robust_d50.json");
    let eps = o["eps"].as_array().unwrap();
    for (r, norm) in [("2", "l2"), ("1", "l1")] {
        for j in [0usize, 2, 6] {
            let e = eps[j].as_f64().unwrap();
            let es = format!("{e}");
            let (code, out, err) = run(&[
                "margin",
                "--data",
                &data,
                "--norm",
                norm,
                "--binary",
                "--robust-linf",
                &es,
            ]);
            assert_eq!(code, 0, "{err}");
            let v: Value = serde_json::from_str(&out).unwrap();
            let want = o["gamma_rob"][r][j].as_f64().unwrap();
            let g = v["gamma"].as_f64().unwrap();
            assert!(
                (g - want).abs() <= 1e-6 * want.max(1e-3),
                "{norm} ε={e}: {g} vs {want}"
            );
            assert_eq!(v["separable"], want > 0.0);
            assert_eq!(v["w"].as_array().unwrap().len(), 50);
        }
    }
    let (code, out, _) = run(&["margin", "--data", &data, "--norm", "linf", "--binary"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["gamma"].as_f64().unwrap() >= o["gamma_rob"]["2"][0].as_f64().unwrap());
}

#[test]
fn non_separable_dataset_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    // Duplicate points with different labels.
    let d = write(
        &dir,
        "dup.json",
        r#"{"classes": 2, "x": [[1.0, 2.0], [1.0, 2.0], [0.0, -1.0]], "y": [0, 1, 0]}"#,
    );
    for (norm, binary) in [("fro", false), ("spectral", false), ("l2", true)] {
        let mut args = vec!["margin", "--data", &d, "--norm", norm];
        if binary {
            args.push("--binary");
        }
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{norm}: {err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["separable"], false);
        assert_eq!(v["gamma"].as_f64(), Some(0.0));
    }
}

#[test]
fn bad_inputs_exit_2_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let small = fixture("dataset.small.json");
    let robust = fixture("dataset.robust_d50.json");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                write(
                    &dir,
                    "a.json",
                    r#"{"classes": 2, "x": [[1.0], [2.0]], "y": [0, 2]}"#,
                ),
                "fro".into(),
            ],
            "outside",
        ),
        (
            vec![
                write(&dir, "b.json", r#"{"classes": 1, "x": [[1.0]], "y": [0]}"#),
                "fro".into(),
            ],
            "k ≥ 2",
        ),
        (
            vec![
                write(
                    &dir,
                    "c.json",
                    r#"{"classes": 2, "x": [[1.0, 2.0], [2.0]], "y": [0, 1]}"#,
                ),
                "fro".into(),
            ],
            "ragged",
        ),
        (
            vec![
                write(
                    &dir,
                    "d.json",
                    r#"{"classes": 2, "x": [[NaN], [2.0]], "y": [0, 1]}"#,
                ),
                "fro".into(),
            ],
            "NaN",
        ),
        (
            vec![
                write(
                    &dir,
                    "e.json",
                    r#"{"classes": 3, "x": [[1.0], [2.0]], "y": [0, 1]}"#,
                ),
                "fro".into(),
            ],
            "no samples",
        ),
        (
            vec![
                write(&dir, "f.json", r#"{"classes": 2, "x": [], "y": []}"#),
                "fro".into(),
            ],
            "n = 0",
        ),
        (vec![small.clone(), "l7".into()], "unknown norm"),
        (vec![small.clone(), "l2".into()], "vector norm"),
        (vec![small.clone(), "entrywise:0.5".into()], "below 1"),
        (
            vec![write(&dir, "g.txt", "1,2,0\n"), "fro".into()],
            "unknown dataset format",
        ),
        (
            vec![
                dir.path()
                    .join("missing.json")
                    .to_string_lossy()
                    .into_owned(),
                "fro".into(),
            ],
            "cannot read",
        ),
    ];
    let rep = dir.path().join("never.json");
    for (args, msg) in &cases {
        let (code, out, err) = run(&[
            "margin",
            "--data",
            &args[0],
            "--norm",
            &args[1],
            "--report",
            rep.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(out.is_empty());
        assert!(err.contains(msg), "{args:?}: stderr '{err}' lacks '{msg}'");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(!rep.exists(), "no output file on bad input");
    }
    // --binary on a 3-class dataset, ε < 0, --robust-linf without --binary.
    for (args, msg) in [
        (
            vec!["--data", small.as_str(), "--norm", "l2", "--binary"],
            "two-class",
        ),
        (
            vec![
                "--data",
                robust.as_str(),
                "--norm",
                "l2",
                "--binary",
                "--robust-linf",
                "-0.1",
            ],
            "≥ 0",
        ),
        (
            vec![
                "--data",
                robust.as_str(),
                "--norm",
                "l2",
                "--robust-linf",
                "0.1",
            ],
            "--binary",
        ),
        (
            vec!["--data", robust.as_str(), "--norm", "fro", "--binary"],
            "not a vector norm",
        ),
    ] {
        let mut a = vec!["margin"];
        a.extend(args.iter().copied());
        let (code, out, err) = run(&a);
        assert_eq!(code, 2, "{a:?}: {err}");
        assert!(out.is_empty());
        assert!(err.contains(msg), "{a:?}: stderr '{err}' lacks '{msg}'");
    }
}

#[test]
fn robust_radius_above_eps_star_is_not_separable() {
    let o = oracle("robust.robust_d50.json");
    let e = format!("{}", o["eps_star"].as_f64().unwrap() * 1.01);
    let (code, out, _) = run(&[
        "margin",
        "--data",
        &fixture("dataset.robust_d50.json"),
        "--norm",
        "l2",
        "--binary",
        "--robust-linf",
        &e,
    ]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["separable"], false);
    assert_eq!(v["gamma"].as_f64(), Some(0.0));
}

#[test]
fn program_too_large_for_memory_is_refused_before_it_is_built() {
    // n = d = 600: the nuclear program's PSD cone has order k + min(n, d) = 602, whose dense
    // scaling blocks need terabytes; the refusal comes from the declared sizes, in milliseconds.
    let dir = tempfile::tempdir().unwrap();
    let (n, d) = (600usize, 600usize);
    let rows: Vec<String> = (0..n)
        .map(|i| {
            let row: Vec<&str> = (0..d)
                .map(|j| if (i * 7 + j * 3) % 5 == 0 { "1" } else { "0" })
                .collect();
            format!("[{}]", row.join(","))
        })
        .collect();
    let y: Vec<String> = (0..n).map(|i| (i % 2).to_string()).collect();
    let data = write(
        &dir,
        "huge.json",
        &format!(
            r#"{{"classes": 2, "x": [{}], "y": [{}]}}"#,
            rows.join(","),
            y.join(",")
        ),
    );
    let rep = dir.path().join("never.json");
    let t = std::time::Instant::now();
    let (code, out, err) = run(&[
        "margin",
        "--data",
        &data,
        "--norm",
        "nuclear",
        "--report",
        rep.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    for part in [
        "n = 600, d = 600, k = 2",
        "order k + min(n, d) = 602",
        "needs about",
        "fewer samples or features",
    ] {
        assert!(err.contains(part), "stderr '{err}' lacks '{part}'");
    }
    assert!(!rep.exists(), "no output file on a refused size");
    eprintln!("refused in {:.0} ms", t.elapsed().as_secs_f64() * 1e3);
}
