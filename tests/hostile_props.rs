//! The hostile-input property suite (issue #14): generated matrices, vectors and datasets with
//! magnitudes from 1e-300 to 1e308 (and subnormals), zeros, rank deficiency, NaN/Inf, ragged and
//! empty shapes and huge declared sizes, driven through the library entry points and the command
//! line. Properties: no panic; exit 0, 1 or 2 as specified (2 with one stderr line); JSON output
//! parses and holds no null; an output file exists exactly when the command succeeded; no file is
//! left behind and none that existed is removed or changed.
//!
//! Case count: `PROPTEST_CASES` (default 32 per property, chosen for CI's budget; see the README).

use proptest::prelude::*;
use serde_json::{json, Value};
use std::path::Path;
use std::process::Command;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(32),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// One entry: ±mantissa·10^k with k ∈ [−300, 308], exact zeros, or subnormals.
fn entry() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => (-300i32..=307, 1.0f64..9.99, any::<bool>())
            .prop_map(|(k, m, neg)| {
                let x = m * 10f64.powi(k);
                let x = if x.is_finite() { x } else { f64::MAX };
                if neg { -x } else { x }
            }),
        2 => Just(0.0),
        1 => (1u64..1 << 20, any::<bool>())
            .prop_map(|(b, neg)| if neg { -f64::from_bits(b) } else { f64::from_bits(b) }),
    ]
}

/// A matrix of 1–5 × 1–5 entries, one common scale 10^s times O(1) entries (or mixed magnitudes),
/// optionally of rank one.
fn matrix() -> impl Strategy<Value = Vec<Vec<f64>>> {
    (1usize..=5, 1usize..=5).prop_flat_map(|(m, n)| {
        prop_oneof![
            // mixed magnitudes
            proptest::collection::vec(proptest::collection::vec(entry(), n), m),
            // one scale, O(1) entries, possibly rank one
            (
                -300i32..=307,
                proptest::collection::vec(proptest::collection::vec(-4.0f64..4.0, n), m),
                any::<bool>()
            )
                .prop_map(move |(s, base, rank1)| {
                    let c = 10f64.powi(s);
                    (0..m)
                        .map(|i| {
                            (0..n)
                                .map(|j| {
                                    let b = if rank1 {
                                        base[i][0] * base[0][j]
                                    } else {
                                        base[i][j]
                                    };
                                    let x = b * c;
                                    if x.is_finite() {
                                        x
                                    } else {
                                        f64::MAX.copysign(b)
                                    }
                                })
                                .collect()
                        })
                        .collect()
                }),
        ]
    })
}

fn to_mat(rows: &[Vec<f64>]) -> faer::Mat<f64> {
    faer::Mat::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

const NORMS: &[&str] = &[
    "fro",
    "spectral",
    "nuclear",
    "schatten:3",
    "schatten:1.5",
    "max",
    "sum",
    "entrywise:3",
    "op:1->2",
    "op:2->inf",
    "rms-rms",
];

fn no_null(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Array(a) => a.iter().all(no_null),
        Value::Object(m) => m.values().all(no_null),
        _ => true,
    }
}

fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            (e.file_name().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    v.sort();
    v
}

/// Run the binary on `args` (with `@` replaced by `dir`) once to stdout and once with
/// `--report @/out.json`, and check every property of the module docs. Returns the exit code.
fn check_cli(dir: &Path, args: &[&str]) -> Result<i32, TestCaseError> {
    let d = dir.to_str().unwrap();
    let args: Vec<String> = args.iter().map(|a| a.replace('@', d)).collect();
    let before = listing(dir);
    let o = Command::new(env!("CARGO_BIN_EXE_steepest"))
        .args(&args)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    let code = o.status.code();
    prop_assert!(!err.contains("panicked"), "{args:?}: {err}");
    prop_assert!(
        matches!(code, Some(0..=2)),
        "{args:?}: exit {code:?}: {err}"
    );
    if code == Some(0) {
        let v: Value = serde_json::from_slice(&o.stdout)
            .map_err(|e| TestCaseError::fail(format!("{args:?}: stdout is not JSON: {e}")))?;
        prop_assert!(no_null(&v), "{args:?}: null in {v}");
    } else {
        prop_assert!(o.stdout.is_empty(), "{args:?}: stdout on failure");
        prop_assert_eq!(err.trim_end().lines().count(), 1, "{:?}: {}", args, err);
    }
    prop_assert_eq!(
        listing(dir),
        before.clone(),
        "{:?} changed the directory",
        args
    );
    // The same with --report: the file exists exactly on success, nothing else appears.
    let out = dir.join("out.json");
    let mut with_report = args.clone();
    with_report.extend(["--report".to_string(), out.to_str().unwrap().to_string()]);
    let o2 = Command::new(env!("CARGO_BIN_EXE_steepest"))
        .args(&with_report)
        .output()
        .unwrap();
    prop_assert_eq!(o2.status.code(), code, "{:?}", with_report);
    prop_assert!(o2.stdout.is_empty());
    prop_assert_eq!(out.exists(), code == Some(0), "{:?}", with_report);
    if out.exists() {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        prop_assert!(no_null(&v));
        std::fs::remove_file(&out).unwrap();
    }
    prop_assert_eq!(listing(dir), before, "{:?} left files", with_report);
    Ok(code.unwrap_or(-1))
}

proptest! {
    #![proptest_config(config())]

    /// Library: every norm's dual norm, dualizer and norm on finite input of any magnitude — no
    /// panic; a finite dual norm comes with ⟨G, D⟩ = ‖G‖_* and ‖D‖ = 1 (checked on G·2^−e so
    /// that the inner product itself cannot overflow).
    #[test]
    fn norms_are_scale_safe(g in matrix()) {
        let gm = to_mat(&g);
        let e = steepest::linalg::scale_exponent(gm.as_ref());
        let gs = faer::Mat::from_fn(gm.nrows(), gm.ncols(), |i, j| {
            steepest::linalg::scale_pow2(gm[(i, j)], -e)
        });
        for name in NORMS {
            let norm = steepest::norms::parse_norm(name).unwrap();
            let (dual, dir) = norm.dual_and_dualize(gm.as_ref());
            let value = norm.norm(gm.as_ref());
            prop_assert!(dual >= 0.0 && value >= 0.0, "{name}: {dual} {value}");
            for j in 0..dir.ncols() {
                for i in 0..dir.nrows() {
                    prop_assert!(dir[(i, j)].is_finite(), "{}: direction entry ({}, {})", name, i, j);
                }
            }
            if steepest::linalg::max_abs(gm.as_ref()) == 0.0 {
                prop_assert_eq!(dual, 0.0);
                continue;
            }
            if !dual.is_finite() {
                continue;
            }
            let dual_s = steepest::linalg::scale_pow2(dual, -e);
            let inner = steepest::norms::inner(gs.as_ref(), dir.as_ref());
            prop_assert!((inner - dual_s).abs() <= 1e-8 * dual_s.max(f64::MIN_POSITIVE) + 1e-300,
                "{}: ⟨G, D⟩ = {:e} vs ‖G‖_* = {:e}", name, inner, dual_s);
            let nd = norm.norm(dir.as_ref());
            prop_assert!(nd <= 1.0 + 1e-8, "{}: ‖D‖ = {}", name, nd);
        }
    }

    /// Library: Newton–Schulz and the polar factor stay finite and bounded at any magnitude.
    #[test]
    fn orthogonalizers_are_scale_safe(g in matrix()) {
        let gm = to_mat(&g);
        for c in ["keller", "cubic", "dion"] {
            let co = steepest::linalg::NsCoefficients::parse(c).unwrap();
            let x = steepest::linalg::newton_schulz(gm.as_ref(), &co, 5, 1e-7);
            prop_assert!(steepest::linalg::max_abs(x.as_ref()) <= 2.0, "{}: {:?}", c, x);
        }
        let p = steepest::linalg::polar(gm.as_ref());
        prop_assert!(steepest::linalg::max_abs(p.as_ref()) <= 1.0 + 1e-9);
    }

    /// Library: a secant pair is a metric or an input error, never a panic or a NaN.
    #[test]
    fn secant_pairs_never_panic(a in proptest::collection::vec(entry(), 1..5), b in proptest::collection::vec(entry(), 1..5)) {
        match steepest::metric::SecantPair::metric_tensor(&a, &b) {
            Ok(p) => {
                prop_assert!(p.a_dot_b() > 0.0 && p.a_dot_b().is_finite());
                prop_assert!(!p.kappa_min().is_nan());
            }
            Err(steepest::Error::Input(_)) => {}
            Err(e) => prop_assert!(false, "{e}"),
        }
    }

    /// CLI: dualize, orthogonalize and metric on generated matrices and vectors.
    #[test]
    fn cli_matrices(g in matrix(), norm in proptest::sample::select(NORMS), steps in 1usize..8) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("g.json"), json!({ "G": g }).to_string()).unwrap();
        std::fs::write(dir.path().join("keep.txt"), "a file that existed before").unwrap();
        let code = check_cli(dir.path(), &["dualize", "--norm", norm, "--input", "@/g.json"])?;
        prop_assert!(code == 0 || code == 2);
        let steps = steps.to_string();
        let code = check_cli(dir.path(), &["orthogonalize", "--coefficients", "keller", "--steps", &steps, "--input", "@/g.json"])?;
        prop_assert_eq!(code, 0);
        let (a, b): (Vec<f64>, Vec<f64>) = (g[0].clone(), g[g.len() - 1].clone());
        std::fs::write(dir.path().join("m.json"), json!({"a": a, "b": b}).to_string()).unwrap();
        let code = check_cli(dir.path(), &["metric", "--input", "@/m.json"])?;
        prop_assert!(code == 0 || code == 2);
    }

    /// CLI: malformed matrices (ragged, empty, NaN/Inf tokens, strings) are refused with exit 2.
    #[test]
    fn cli_malformed(kind in 0usize..6, n in 1usize..4) {
        let text = match kind {
            0 => format!("{{\"G\": [[{}], [1]]}}", vec!["1"; n + 1].join(",")),
            1 => "{\"G\": []}".to_string(),
            2 => "{\"G\": [[]]}".to_string(),
            3 => format!("{{\"G\": [[{}NaN]]}}", "1,".repeat(n)),
            4 => format!("{{\"G\": [[{}1e999]]}}", "1,".repeat(n)),
            _ => format!("{{\"G\": [[{}\"x\"]]}}", "1,".repeat(n)),
        };
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("g.json"), text).unwrap();
        for args in [&["dualize", "--norm", "spectral", "--input", "@/g.json"][..], &["orthogonalize", "--coefficients", "cubic", "--input", "@/g.json"][..]] {
            prop_assert_eq!(check_cli(dir.path(), args)?, 2);
        }
    }

    /// CLI: max-margin on generated two-class datasets at any scale: exit 0 (separable or not) or
    /// 2 (a γ beyond f64), never a panic or a null; separable answers carry a consistent bracket.
    #[test]
    fn cli_margins(scale in -300i32..=300, pts in proptest::collection::vec((-4.0f64..4.0, -4.0f64..4.0), 2..7), binary in any::<bool>()) {
        let c = 10f64.powi(scale);
        let x: Vec<Vec<f64>> = pts.iter().map(|(p, q)| vec![p * c, q * c]).collect();
        let y: Vec<usize> = (0..x.len()).map(|i| i % 2).collect();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("d.json"), json!({"classes": 2, "x": x, "y": y}).to_string()).unwrap();
        let args: &[&str] = if binary {
            &["margin", "--data", "@/d.json", "--norm", "l2", "--binary"]
        } else {
            &["margin", "--data", "@/d.json", "--norm", "max"]
        };
        let code = check_cli(dir.path(), args)?;
        prop_assert!(code == 0 || code == 2, "exit {}", code);
    }

    /// CLI: `.npy` headers declaring any shape (up to 2⁶⁴ − 1 per axis) over a few bytes are
    /// refused at once, before any allocation.
    #[test]
    fn cli_huge_declared_npy(r in any::<u64>(), c in any::<u64>(), small in any::<bool>()) {
        let (r, c) = if small { (r % 4, c % 4) } else { (r, c) };
        let dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': ({r}, {c}), }}");
        let mut h = dict.into_bytes();
        while (10 + h.len() + 1) % 64 != 0 {
            h.push(b' ');
        }
        h.push(b'\n');
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        bytes.extend_from_slice(&(h.len() as u16).to_le_bytes());
        bytes.extend_from_slice(&h);
        bytes.extend_from_slice(&[0u8; 16]);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("d.npy"), bytes).unwrap();
        let t = std::time::Instant::now();
        let code = check_cli(dir.path(), &["margin", "--data", "@/d.npy", "--norm", "fro"])?;
        prop_assert_eq!(code, 2);
        prop_assert!(t.elapsed() < std::time::Duration::from_secs(10));
    }
}
