//! Hostile input (issue #14): one regression test per class, each with several inputs of the
//! class, through the binary. Every refusal is exit 2 with one stderr line naming the problem, no
//! panic, nothing on stdout, no output file; every answer is exit 0 with JSON whose promised
//! numbers are numbers (never null).

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_steepest"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run steepest")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit 2, one stderr line containing `says`, no panic, nothing on stdout.
fn refused(o: &Output, says: &str, what: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert!(o.stdout.is_empty(), "{what}: stdout not empty");
    assert!(err.contains(says), "{what}: message lacks {says:?}: {err}");
    let clap = err.contains("For more information");
    assert!(
        clap || err.trim_end().lines().count() == 1,
        "{what}: not one line: {err}"
    );
}

/// Exit 0 and the JSON on stdout, with no null anywhere.
fn answered(o: &Output, what: &str) -> Value {
    assert_eq!(o.status.code(), Some(0), "{what}: {}", stderr(o));
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert!(no_null(&v), "{what}: null in {v}");
    v
}

fn no_null(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Array(a) => a.iter().all(no_null),
        Value::Object(m) => m.values().all(no_null),
        _ => true,
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write input");
    p
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn matrix(v: &Value) -> Vec<Vec<f64>> {
    v.as_array()
        .expect("matrix")
        .iter()
        .map(|r| {
            r.as_array()
                .expect("row")
                .iter()
                .map(|x| x.as_f64().expect("number"))
                .collect()
        })
        .collect()
}

fn max_diff(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    a.iter()
        .flatten()
        .zip(b.iter().flatten())
        .fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

/// Class 1: finite input never panics; norms, dualizers and Newton–Schulz are scale-safe over the
/// whole f64 range; a value beyond f64 is refused, never printed as null or 0.
#[test]
fn class1_scale_safe_norms_dualizers_and_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let base = [[1.0, 1.0, 0.5], [1.0, -1.0, 0.25]];
    let rank1 = [[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]];
    let norms = [
        "fro",
        "spectral",
        "nuclear",
        "schatten:3",
        "max",
        "sum",
        "entrywise:3",
        "op:1->2",
        "rms-rms",
    ];
    let subnormal = f64::from_bits(1) * 4.0; // 2e-323, exact
    for (name, m) in [("base", base), ("rank1", rank1)] {
        let at = |c: f64| -> PathBuf {
            let g: Vec<Vec<f64>> = m
                .iter()
                .map(|r| r.iter().map(|x| x * c).collect())
                .collect();
            write(
                dir.path(),
                &format!("{name}_{c:e}.json"),
                &json!({ "G": g }).to_string(),
            )
        };
        for norm in norms {
            let one = answered(
                &run(&["dualize", "--norm", norm, "--input", s(&at(1.0))]),
                norm,
            );
            let d1 = one["dual_norm"].as_f64().unwrap();
            let dir1 = matrix(&one["direction"]);
            let biggest = m.iter().flatten().fold(0.0f64, |a, x| a.max(x.abs()));
            for c in [1e-300, subnormal, 1e-10, 1e10, 1e300, 1e308] {
                if biggest * c > f64::MAX {
                    continue; // not a finite input
                }
                let what = format!("dualize {norm} of {name}·{c:e}");
                let o = run(&["dualize", "--norm", norm, "--input", s(&at(c))]);
                if d1 * c > f64::MAX * 0.999
                    || one["norm_value"].as_f64().unwrap() * c > f64::MAX * 0.999
                {
                    refused(&o, "not representable in f64", &what);
                    continue;
                }
                let v = answered(&o, &what);
                // The direction is scale-free (subnormal input: its entries have a few bits, but
                // 4·2^-1074 times small integers and halves is exact).
                let dir_c = matrix(&v["direction"]);
                let tol = if c == subnormal { 1e-6 } else { 1e-9 };
                assert!(max_diff(&dir_c, &dir1) <= tol, "{what}: direction differs");
                let dc = v["dual_norm"].as_f64().unwrap();
                if c >= 1e-300 {
                    assert!((dc / c - d1).abs() <= 1e-9 * d1, "{what}: dual {dc:e}");
                }
            }
        }
    }
    // The issue's example: finite, all four entries ±1e308 (‖G‖_F = 2e308): refused, not 0/null.
    let big = write(
        dir.path(),
        "big.json",
        r#"{"G": [[1e308, 1e308], [1e308, -1e308]]}"#,
    );
    for norm in ["spectral", "schatten:3", "fro", "max"] {
        refused(
            &run(&["dualize", "--norm", norm, "--input", s(&big)]),
            "not representable in f64",
            norm,
        );
    }
    // Newton–Schulz: the same output at every scale ≥ 1 (where eps = 1e-7 is negligible), and
    // finite at every scale.
    let one = answered(
        &run(&[
            "orthogonalize",
            "--coefficients",
            "keller",
            "--input",
            s(&big),
        ]),
        "ns big",
    );
    let unit = write(dir.path(), "unit.json", r#"{"G": [[1, 1], [1, -1]]}"#);
    let u = answered(
        &run(&[
            "orthogonalize",
            "--coefficients",
            "keller",
            "--input",
            s(&unit),
        ]),
        "ns unit",
    );
    assert!(max_diff(&matrix(&one["output"]), &matrix(&u["output"])) <= 1e-6);
    for c in [1e-300, subnormal, 1e300, 1.7e308] {
        let g = write(
            dir.path(),
            "ns.json",
            &json!({"G": [[c, 0.5 * c], [0.0, c]]}).to_string(),
        );
        for coeffs in ["keller", "cubic", "dion"] {
            answered(
                &run(&["orthogonalize", "--coefficients", coeffs, "--input", s(&g)]),
                &format!("ns {coeffs} at {c:e}"),
            );
        }
    }
    // Metrics: a = b gives M = I at any representable scale; aᵀb beyond f64 is refused; a pair
    // whose κ* overflows is refused; a nearly orthogonal pair still gives an SPD metric.
    for c in [1e-150, 1.0, 1e150] {
        let f = write(
            dir.path(),
            "m.json",
            &json!({"a": [c, c], "b": [c, c]}).to_string(),
        );
        let v = answered(
            &run(&["metric", "--input", s(&f)]),
            &format!("a = b = {c:e}"),
        );
        assert!(max_diff(&matrix(&v["M"]), &[vec![1.0, 0.0], vec![0.0, 1.0]]) <= 1e-12);
        assert_eq!(v["spd"], json!(true));
    }
    for (a, b, says) in [
        (
            json!([1e308, 1e308]),
            json!([1e308, 1e308]),
            "outside the f64 range",
        ),
        (
            json!([1e-200, 1e-200]),
            json!([1e-200, 1e-200]),
            "outside the f64 range",
        ),
        (
            json!([1.0, 0.0]),
            json!([1e-300, 1.0]),
            "not representable in f64",
        ),
        (json!([1e300, 0.0]), json!([1e-300, 1e-300]), "f64 range"),
    ] {
        let f = write(dir.path(), "m.json", &json!({"a": a, "b": b}).to_string());
        refused(
            &run(&["metric", "--input", s(&f)]),
            says,
            &format!("{a} {b}"),
        );
    }
    // D = 1: b ∥ a exactly, whatever the rounding of b − b_∥ â (found by the property suite).
    for x in [0.0025327057115864557, 3.0, 1e-150] {
        let f = write(
            dir.path(),
            "m.json",
            &json!({"a": [x], "b": [x]}).to_string(),
        );
        let v = answered(
            &run(&["metric", "--input", s(&f)]),
            &format!("D = 1, {x:e}"),
        );
        assert!((v["M"][0][0].as_f64().unwrap() - 1.0).abs() <= 1e-15, "{v}");
    }
    let f = write(dir.path(), "m.json", r#"{"a": [1, 0], "b": [1e-10, 1]}"#);
    let v = answered(&run(&["metric", "--input", s(&f)]), "κ* = 4e20");
    assert_eq!(v["spd"], json!(true), "{v}");
    let (k, k0) = (
        v["kappa"].as_f64().unwrap(),
        v["kappa_min"].as_f64().unwrap(),
    );
    assert!((k / k0 - 1.0).abs() <= 1e-9, "κ {k:e} vs κ* {k0:e}");
    // the metric's (0,0) entry b₀²/aᵀb = 1e-10 is not lost to underflow
    assert!((v["M"][0][0].as_f64().unwrap() - 1e-10).abs() <= 1e-20);
}

/// A `.npy` file whose header declares `shape` over `data` bytes.
fn npy(dir: &Path, name: &str, shape: &str, data: &[u8]) -> PathBuf {
    let dict = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
    let mut h = dict.into_bytes();
    while (10 + h.len() + 1) % 64 != 0 {
        h.push(b' ');
    }
    h.push(b'\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(h.len() as u16).to_le_bytes());
    bytes.extend_from_slice(&h);
    bytes.extend_from_slice(data);
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// An `.npz` archive (stored, not compressed) holding the given `.npy` files.
fn npz(dir: &Path, name: &str, members: &[(&str, &Path)]) -> PathBuf {
    let p = dir.join(name);
    let mut z = zip::ZipWriter::new(std::fs::File::create(&p).unwrap());
    let opts =
        zip::write::FileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (m, path) in members {
        z.start_file(*m, opts).unwrap();
        std::io::Write::write_all(&mut z, &std::fs::read(path).unwrap()).unwrap();
    }
    z.finish().unwrap();
    p
}

/// NumPy matrix inputs of orthogonalize, dualize and replay (issue #17, item 6): malformed,
/// wrong-dtype, wrong-rank, non-finite and huge-declared-shape files are refused with exit 2 and
/// a message, nothing on stdout, no output file; a good `.npy` round-trips through `.npy` output.
#[test]
fn npy_matrix_inputs_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let eight = 1.0f64.to_le_bytes();
    let nan: Vec<u8> = [1.0f64, f64::NAN]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let four: Vec<u8> = [1.0f64, 2.0, 3.0, 4.0]
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    let garbage = write(d, "garbage.npy", "not a numpy file at all");
    let mut c8 = b"\x93NUMPY\x01\x00".to_vec();
    let dict = b"{'descr': '|S8', 'fortran_order': False, 'shape': (1, 1), }";
    c8.extend_from_slice(&(dict.len() as u16 + 1).to_le_bytes());
    c8.extend_from_slice(dict);
    c8.push(b'\n');
    c8.extend_from_slice(b"abcdefgh");
    let strings = d.join("strings.npy");
    std::fs::write(&strings, c8).unwrap();
    let cases: Vec<(PathBuf, &str)> = vec![
        (garbage, "not a readable NumPy array"),
        (strings, "not supported"),
        (
            npy(d, "huge.npy", "(4294967296, 4294967296)", &eight),
            "overflows 64 bits",
        ),
        (
            npy(d, "short.npy", "(100000, 100000)", &eight),
            "holds only",
        ),
        (npy(d, "vec.npy", "(1,)", &eight), "2-D"),
        (npy(d, "nan.npy", "(1, 2)", &nan), "not finite"),
        (npy(d, "empty.npy", "(0, 3)", &[]), "at least one row"),
        (
            npz(
                d,
                "noG.npz",
                &[("H.npy", &npy(d, "h.npy", "(1, 1)", &eight))],
            ),
            "no array 'G'",
        ),
        (write(d, "zip.npz", "PK not really"), "not a readable .npz"),
    ];
    let out = d.join("out.npy");
    for (input, says) in &cases {
        let i = s(input);
        let o = s(&out);
        for args in [
            vec![
                "orthogonalize",
                "--coefficients",
                "keller",
                "--input",
                i,
                "--report",
                o,
            ],
            vec!["dualize", "--norm", "spectral", "--input", i, "--report", o],
        ] {
            refused(&run(&args), says, &args.join(" "));
            assert!(!out.exists(), "{}: an output file was left", args.join(" "));
        }
    }
    // replay: a .npz with W0 and grads; a grads of the wrong shape or rank is refused
    let w0 = npy(d, "w0.npy", "(2, 2)", &four);
    let g_bad = npy(d, "g_bad.npy", "(1, 4)", &four);
    let g_shape = npy(d, "g_shape.npy", "(1, 1, 4)", &four);
    let replays = [
        (npz(d, "r1.npz", &[("W0.npy", &w0)]), "no array 'grads'"),
        (
            npz(d, "r2.npz", &[("W0.npy", &w0), ("grads.npy", &g_bad)]),
            "T × rows × cols",
        ),
        (
            npz(d, "r3.npz", &[("W0.npy", &w0), ("grads.npy", &g_shape)]),
            "W0's shape",
        ),
        (w0.clone(), "give a .npz archive"),
    ];
    for (input, says) in &replays {
        let args = [
            "replay",
            "--optimizer",
            "sign",
            "--input",
            s(input),
            "--report",
            s(&out),
        ];
        refused(&run(&args), says, &args.join(" "));
        assert!(!out.exists());
    }
    // .npy in, .npy out: the same numbers as the JSON path (compact JSON on stdout)
    let g = npy(d, "g.npy", "(2, 2)", &four);
    let j = write(d, "g.json", r#"{"G": [[1, 2], [3, 4]]}"#);
    let from_json = run(&[
        "orthogonalize",
        "--coefficients",
        "keller",
        "--input",
        s(&j),
    ]);
    let from_npy = run(&[
        "orthogonalize",
        "--coefficients",
        "keller",
        "--input",
        s(&g),
    ]);
    assert_eq!(from_json.status.code(), Some(0));
    assert_eq!(from_json.stdout, from_npy.stdout);
    let o = run(&[
        "orthogonalize",
        "--coefficients",
        "keller",
        "--input",
        s(&g),
        "--report",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"\x93NUMPY") && bytes.len() > 32);
    let v: Value = serde_json::from_slice(&from_json.stdout).unwrap();
    let first = v["output"][0][0].as_f64().unwrap();
    assert_eq!(
        &bytes[bytes.len() - 32..bytes.len() - 24],
        &first.to_le_bytes()
    );
    // a replay output of several steps is one T × r × c array: .npy is fine, JSON too
    let grads = npy(d, "grads.npy", "(1, 2, 2)", &four);
    let run_npz = npz(d, "run.npz", &[("W0.npy", &w0), ("grads.npy", &grads)]);
    let o = run(&["replay", "--optimizer", "sign", "--input", s(&run_npz)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["steps"], 1);
    assert_eq!(v["params"].as_array().unwrap().len(), 1);
}

/// Class 2: sizes are checked before anything is allocated, against what the work needs; what has
/// no sane upper value is capped; trivial answers cost no work. Each refusal is quick.
#[test]
fn class2_sizes_are_checked_before_allocating() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let eight = 1.0f64.to_le_bytes();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![s(&npy(d, "a.npy", "(4294967296, 4294967296)", &eight)).into()],
            "overflows 64 bits",
        ),
        (
            vec![s(&npy(d, "b.npy", "(9223372036854775808, 2)", &eight)).into()],
            "overflows 64 bits",
        ),
        (
            vec![s(&npy(d, "c.npy", "(3, 1099511627776)", &eight)).into()],
            "holds only",
        ),
        (
            vec![s(&npy(d, "e.npy", "(0, 4611686018427387904)", &[])).into()],
            "shape (0, ",
        ),
        (
            vec![s(&npy(d, "f.npy", "(1000000, 3)", &eight)).into()],
            "holds only",
        ),
    ]
    .into_iter()
    .map(|(f, says): (Vec<String>, &str)| {
        (
            vec![
                "margin".into(),
                "--data".into(),
                f[0].clone(),
                "--norm".into(),
                "fro".into(),
            ],
            says,
        )
    })
    .collect();
    let x0 = npy(d, "x0.npy", "(0, 4611686018427387904)", &[]);
    let y0 = npy(d, "y0.npy", "(0,)", &[]);
    let xbig = npy(d, "xbig.npy", "(4294967296, 4294967296)", &[]);
    let zero = npz(d, "zero.npz", &[("x.npy", &x0), ("y.npy", &y0)]);
    let huge = npz(d, "huge.npz", &[("x.npy", &xbig), ("y.npy", &y0)]);
    let mut cases = cases;
    cases.push((
        vec![
            "margin".into(),
            "--data".into(),
            s(&zero).into(),
            "--norm".into(),
            "fro".into(),
        ],
        "shape (0, ",
    ));
    cases.push((
        vec![
            "margin".into(),
            "--data".into(),
            s(&huge).into(),
            "--norm".into(),
            "fro".into(),
        ],
        "overflows 64 bits",
    ));
    // metric: a dense 10⁵ × 10⁵ matrix (80 GB) and 10⁶ × 10⁶.
    for n in [100_000usize, 1_000_000] {
        let f = write(
            d,
            &format!("m{n}.json"),
            &json!({"a": vec![1.0; n], "b": vec![1.0; n]}).to_string(),
        );
        cases.push((
            vec!["metric".into(), "--input".into(), s(&f).into()],
            "more than the limit",
        ));
    }
    // margin in the nuclear norm: the dense PSD cone of order k + min(n, d) (wide data are solved in
    // the span of the samples, so only n and d both large make the cone too big).
    for dim in [300usize, 600] {
        let x: Vec<Vec<f64>> = (0..dim)
            .map(|i| {
                (0..dim)
                    .map(|j| ((i * 7 + j * 3 + i * j) % 5) as f64 - 2.0)
                    .collect()
            })
            .collect();
        let y: Vec<usize> = (0..dim).map(|i| i % 2).collect();
        let f = write(
            d,
            &format!("n{dim}.json"),
            &json!({"classes": 2, "x": x, "y": y}).to_string(),
        );
        cases.push((
            vec![
                "margin".into(),
                "--data".into(),
                s(&f).into(),
                "--norm".into(),
                "nuclear".into(),
            ],
            "PSD cone of order",
        ));
    }
    let data = write(
        d,
        "data.json",
        r#"{"classes": 2, "x": [[1, 0], [-1, 0]], "y": [1, 0]}"#,
    );
    let g = write(d, "g.json", r#"{"G": [[1, 2], [3, 4]]}"#);
    for steps in ["18446744073709551615", "1000000001"] {
        cases.push((
            [
                "train",
                "--data",
                s(&data),
                "--optimizer",
                "sign",
                "--steps",
                steps,
            ]
            .map(String::from)
            .to_vec(),
            "above the limit",
        ));
    }
    for k in ["0", "1000000000000000000"] {
        cases.push((
            [
                "train",
                "--data",
                s(&data),
                "--optimizer",
                "sign",
                "--steps",
                "10",
                "--per-decade",
                k,
            ]
            .map(String::from)
            .to_vec(),
            "--per-decade",
        ));
    }
    for steps in ["1000000000", "1001"] {
        cases.push((
            [
                "orthogonalize",
                "--coefficients",
                "cubic",
                "--steps",
                steps,
                "--input",
                s(&g),
            ]
            .map(String::from)
            .to_vec(),
            "above the limit",
        ));
    }
    for t in ["1000000", "257"] {
        cases.push((
            ["validate", "--threads", t, "--suite", "geometry"]
                .map(String::from)
                .to_vec(),
            "above the limit",
        ));
    }
    // A report whose params ask for a figure of 10⁹ Newton–Schulz steps.
    let report = json!({"schema": "steepest.report/v1", "records": [{
        "id": "P8-a[envelope]", "params": {"coefficients": "keller", "steps": 1_000_000_000u64},
        "details": {}}]});
    let r = write(d, "r.json", &report.to_string());
    let out = d.join("figs");
    cases.push((
        [
            "report",
            "--input",
            s(&r),
            "--format",
            "svg",
            "--out",
            s(&out),
        ]
        .map(String::from)
        .to_vec(),
        "1000000000 steps",
    ));
    for (args, says) in &cases {
        let t = Instant::now();
        let o = bin().args(args).output().unwrap();
        refused(&o, says, &args.join(" "));
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "{args:?} took {:?}",
            t.elapsed()
        );
    }
    assert!(!out.exists(), "report left its --out directory");
    // Trivial answers cost no work: the spectral dualizer of a 600×600 zero matrix is 0.
    let zero = vec![vec![0.0; 600]; 600];
    let f = write(d, "zero.json", &json!({ "G": zero }).to_string());
    for norm in ["spectral", "nuclear", "schatten:3"] {
        let t = Instant::now();
        let v = answered(&run(&["dualize", "--norm", norm, "--input", s(&f)]), norm);
        assert_eq!(v["dual_norm"], json!(0.0));
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "{norm}: {:?}",
            t.elapsed()
        );
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Class 3: nothing that existed before a command is deleted or replaced unasked; symbolic links
/// are followed, FIFOs, devices and directories refused, read-only files refused.
#[test]
fn class3_files_the_user_did_not_ask_us_to_touch() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let g = write(d, "g.json", r#"{"G": [[1, 2], [3, 4]]}"#);
    let dualize = |report: &Path| {
        run(&[
            "dualize",
            "--norm",
            "fro",
            "--input",
            s(&g),
            "--report",
            s(report),
        ])
    };
    // A symbolic link is followed: the link stays a link, its target gets the JSON.
    let target = write(d, "target.json", "old");
    std::os::unix::fs::symlink("target.json", d.join("link.json")).unwrap();
    assert_eq!(dualize(&d.join("link.json")).status.code(), Some(0));
    assert!(std::fs::symlink_metadata(d.join("link.json"))
        .unwrap()
        .file_type()
        .is_symlink());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert!(v["dual_norm"].is_number());
    // An existing regular file is replaced atomically, keeping its permissions.
    let mine = write(d, "mine.json", "old");
    std::fs::set_permissions(&mine, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(dualize(&mine).status.code(), Some(0));
    assert_eq!(
        std::fs::metadata(&mine).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // Refused, each leaving everything as it was: a dangling link, a FIFO (no hang), a device, a
    // directory, a read-only file.
    std::os::unix::fs::symlink("nowhere.json", d.join("dangling.json")).unwrap();
    let fifo = d.join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let ro = write(d, "ro.json", "keep");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::create_dir(d.join("sub")).unwrap();
    let before = listing(d);
    for (p, says) in [
        (d.join("dangling.json"), "symbolic link"),
        (fifo.clone(), "FIFO"),
        (PathBuf::from("/dev/null"), "character device"),
        (d.join("sub"), "is a directory"),
        (ro.clone(), "read-only"),
    ] {
        let t = Instant::now();
        refused(&dualize(&p), says, &p.display().to_string());
        assert!(t.elapsed() < Duration::from_secs(10));
    }
    assert_eq!(listing(d), before);
    assert_eq!(std::fs::read_to_string(&ro).unwrap(), "keep");
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo_like());
    // report --out DIR: an existing report.md and a directory named checks.tex: exit 2, and
    // report.md is not deleted (the issue's example); unrelated files are never touched.
    let r = d.join("r.json");
    let o = run(&[
        "validate",
        "--quiet",
        "--no-controls",
        "--suite",
        "fromage",
        "--report",
        s(&r),
    ]);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
    let out = d.join("out");
    std::fs::create_dir(&out).unwrap();
    write(&out, "report.md", "my notes");
    write(&out, "notes.txt", "unrelated");
    std::fs::create_dir(out.join("checks.tex")).unwrap();
    for fmt in ["md,latex", "latex,md", "latex"] {
        let o = run(&[
            "report",
            "--input",
            s(&r),
            "--format",
            fmt,
            "--out",
            s(&out),
        ]);
        refused(&o, "checks.tex", fmt);
        assert_eq!(
            std::fs::read_to_string(out.join("report.md")).unwrap(),
            "my notes"
        );
        assert_eq!(listing(&out), ["checks.tex", "notes.txt", "report.md"]);
    }
    // A read-only report.md: refused, nothing written.
    std::fs::remove_dir(out.join("checks.tex")).unwrap();
    std::fs::set_permissions(
        out.join("report.md"),
        std::fs::Permissions::from_mode(0o444),
    )
    .unwrap();
    refused(
        &run(&[
            "report",
            "--input",
            s(&r),
            "--format",
            "latex,md",
            "--out",
            s(&out),
        ]),
        "read-only",
        "read-only report.md",
    );
    assert_eq!(listing(&out), ["notes.txt", "report.md"]);
    // Asked for, files of an earlier rendering are replaced; the rest is untouched.
    std::fs::set_permissions(
        out.join("report.md"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let o = run(&[
        "report",
        "--input",
        s(&r),
        "--format",
        "md,latex",
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        listing(&out),
        [
            "checks-appendix.tex",
            "checks.tex",
            "notes.txt",
            "report.md"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "unrelated"
    );
    assert!(std::fs::read_to_string(out.join("report.md"))
        .unwrap()
        .starts_with('#'));
}

trait FifoLike {
    fn is_fifo_like(&self) -> bool;
}
impl FifoLike for std::fs::FileType {
    fn is_fifo_like(&self) -> bool {
        std::os::unix::fs::FileTypeExt::is_fifo(self)
    }
}

/// Run with stdout closed (`>&-`).
fn with_closed_stdout(args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg("exec \"$@\" >&-")
        .arg("sh")
        .arg(env!("CARGO_BIN_EXE_steepest"))
        .args(args)
        .output()
        .unwrap()
}

/// Run with stdout a pipe whose reader is already closed (`| true`, deterministically).
fn with_broken_pipe(args: &[&str]) -> Output {
    let mut fds = [0i32; 2];
    // SAFETY: pipe() fills two new descriptors; we own both.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: fds[0] and fds[1] are open descriptors returned by pipe() and owned here.
    let (read, write) = unsafe {
        use std::os::fd::FromRawFd;
        (
            std::os::fd::OwnedFd::from_raw_fd(fds[0]),
            std::os::fd::OwnedFd::from_raw_fd(fds[1]),
        )
    };
    drop(read);
    bin()
        .args(args)
        .stdout(Stdio::from(write))
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// Class 4: a closed or broken stdout is an error with one stderr line, never a panic and never
/// silently lost output.
#[test]
fn class4_closed_or_broken_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let g = write(dir.path(), "g.json", r#"{"G": [[1, 2], [3, 4]]}"#);
    let m = write(dir.path(), "m.json", r#"{"a": [1, 0.5], "b": [1, 0]}"#);
    let commands: [&[&str]; 5] = [
        &["validate", "--list"],
        &["dualize", "--norm", "spectral", "--input", s(&g)],
        &[
            "orthogonalize",
            "--coefficients",
            "keller",
            "--input",
            s(&g),
        ],
        &["metric", "--input", s(&m)],
        &["--help"],
    ];
    for args in commands {
        for (how, o) in [
            ("closed", with_closed_stdout(args)),
            ("broken", with_broken_pipe(args)),
        ] {
            let err = stderr(&o);
            let what = format!("{how} stdout: {args:?}");
            assert_eq!(o.status.code(), Some(2), "{what}: {err}");
            assert!(!err.contains("panicked"), "{what}: {err}");
            assert_eq!(err.trim_end().lines().count(), 1, "{what}: {err}");
            assert!(err.contains("stdout"), "{what}: {err}");
        }
    }
    // With --report the JSON goes to the file: a closed stdout does not matter.
    let r = dir.path().join("r.json");
    let o = with_closed_stdout(&[
        "dualize",
        "--norm",
        "fro",
        "--input",
        s(&g),
        "--report",
        s(&r),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(r.exists());
}

fn margin_json(path: &Path, norm: &str, extra: &[&str]) -> Value {
    let mut args = vec!["margin", "--data", s(path), "--norm", norm];
    args.extend_from_slice(extra);
    answered(
        &run(&args),
        &format!("margin {norm} {extra:?} on {}", path.display()),
    )
}

/// Class 5: max-margin is positively homogeneous in the data; the answer and its certificate hold
/// at any scale (γ(c·X) = c·γ(X)), also for --binary, robust margins and subnormal data.
#[test]
fn class5_margin_at_extreme_scales() {
    let dir = tempfile::tempdir().unwrap();
    let x = [
        [1.0, 0.0],
        [-1.0, 0.0],
        [0.0, 1.0],
        [0.0, -1.0],
        [0.5, 0.7],
        [-0.6, -0.4],
    ];
    let data = |c: f64| -> PathBuf {
        let xs: Vec<Vec<f64>> = x
            .iter()
            .map(|r| r.iter().map(|v| v * c).collect())
            .collect();
        write(
            dir.path(),
            &format!("d{c:e}.json"),
            &json!({"classes": 2, "x": xs, "y": [1, 0, 1, 0, 1, 0]}).to_string(),
        )
    };
    let subnormal = f64::from_bits(1) * 64.0;
    let runs: [(&str, &[&str]); 6] = [
        ("fro", &[]),
        ("max", &[]),
        ("spectral", &[]),
        ("l2", &["--binary"]),
        ("linf", &["--binary"]),
        ("l2", &["--binary", "--robust-linf", "0.1"]),
    ];
    for (norm, extra) in runs {
        let one = margin_json(&data(1.0), norm, extra);
        let g1 = one["gamma"].as_f64().unwrap();
        assert_eq!(one["separable"], json!(true));
        for c in [1e-12, 1e-10, 1e-300, 1e300, subnormal, 2f64.powi(-1000)] {
            // the robust radius scales with the data
            let eps = format!("{:e}", 0.1 * c);
            let extra: Vec<&str> = extra
                .iter()
                .map(|&a| if a == "0.1" { eps.as_str() } else { a })
                .collect();
            let v = margin_json(&data(c), norm, &extra);
            let what = format!("{norm} {extra:?} at {c:e}");
            assert_eq!(v["separable"], json!(true), "{what}");
            let (g, lo, hi) = (
                v["gamma"].as_f64().unwrap(),
                v["lower"].as_f64().unwrap(),
                v["upper"].as_f64().unwrap(),
            );
            let tol = if c == subnormal { 0.05 } else { 1e-6 };
            assert!(
                (g / c - g1).abs() <= tol * g1,
                "{what}: γ = {g:e}, expected {:e}",
                g1 * c
            );
            assert!(
                lo <= g && lo / c >= g1 * (1.0 - tol),
                "{what}: lower {lo:e}"
            );
            assert!(hi / c >= g1 * (1.0 - tol), "{what}: upper {hi:e}");
        }
    }
}

/// Class 6: a CSV's BOM is stripped; a first row is a header only when no field is a number;
/// otherwise the row is refused with its line and column.
#[test]
fn class6_input_read_as_something_else() {
    let dir = tempfile::tempdir().unwrap();
    let rows = "1,0,1\n-1,0,0\n0,1,1\n0,-1,0\n";
    let ok = [
        format!("\u{feff}{rows}"),
        format!("\u{feff}f1,f2,label\n{rows}"),
        format!("f1,f2,label\n{rows}"),
        format!("# classes: 2\n\u{feff}{rows}").replace('\u{feff}', ""),
    ];
    for (k, text) in ok.iter().enumerate() {
        let f = write(dir.path(), &format!("ok{k}.csv"), text);
        let v = margin_json(&f, "fro", &[]);
        assert_eq!(v["data"]["n"], json!(4), "{text:?}");
    }
    for (text, says) in [
        ("1,O,0\n-1,0,0\n0,1,1\n0,-1,0\n", "line 1, column 2: 'O'"),
        ("\u{feff}1,0,l\n-1,0,0\n", "line 1, column 3: 'l'"),
        ("O,1,1\n-1,0,0\n", "line 1, column 1"),
        ("x,y,label\n1,0,1\n-1,0x,0\n", "line 3, column 2: '0x'"),
        ("1,0,1\n,0,0\n", "line 2, column 1"),
    ] {
        let f = write(dir.path(), "bad.csv", text);
        refused(
            &run(&["margin", "--data", s(&f), "--norm", "fro"]),
            says,
            text,
        );
    }
    // JSON inputs with a BOM are read too.
    let f = write(dir.path(), "g.json", "\u{feff}{\"G\": [[1, 2], [3, 4]]}");
    answered(
        &run(&["dualize", "--norm", "fro", "--input", s(&f)]),
        "BOM json",
    );
}

/// Class 7: bad input is exit 2 everywhere, every argument is validated up front, conflicting
/// flags are refused with the fix, and messages never name internal files.
#[test]
fn class7_exit_codes_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let replay = write(
        d,
        "replay.json",
        r#"{"W0": [[1, 0], [0, 1]], "grads": [[[1, 0], [0, 1]]]}"#,
    );
    let report = write(
        d,
        "r.json",
        r#"{"schema": "steepest.report/v1", "version": "0.1.0", "profile": "quick", "seed": 0, "suites": ["geometry"], "environment": {}, "records": [], "summary": {"passed": 0, "failed": 0, "skipped": 0}, "wall_ms": 1.0}"#,
    );
    let rr = s(&report).to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "validate",
                "--rerun",
                &rr,
                "--seed",
                "5",
                "--profile",
                "paper",
            ],
            "--rerun cannot be combined with --seed",
        ),
        (
            vec!["validate", "--rerun", &rr, "--profile", "paper"],
            "--rerun cannot be combined with --profile",
        ),
        (
            vec!["validate", "--rerun", &rr, "--suite", "geometry"],
            "--rerun cannot be combined with --suite",
        ),
        (
            vec!["validate", "--rerun", &rr, "--no-controls"],
            "--no-controls",
        ),
        (
            vec!["validate", "--rerun", &rr, "--shard", "1/2"],
            "--shard",
        ),
        (vec!["validate", "--list", "--only", "NOPE"], "--only NOPE"),
        (
            vec!["validate", "--list", "--report", "x.json"],
            "--list cannot be combined with --report",
        ),
        (vec!["validate", "--list", "--seed", "3"], "--seed"),
        (
            vec![
                "replay",
                "--optimizer",
                "sign",
                "--schedule",
                "const:lr=inf",
                "--input",
                s(&replay),
            ],
            "lr",
        ),
        (
            vec![
                "replay",
                "--optimizer",
                "sign",
                "--schedule",
                "const:inf",
                "--input",
                s(&replay),
            ],
            "inf",
        ),
        (
            vec![
                "replay",
                "--optimizer",
                "sign",
                "--schedule",
                "const:lr=nan",
                "--input",
                s(&replay),
            ],
            "lr",
        ),
        (
            vec![
                "replay",
                "--optimizer",
                "sign",
                "--schedule",
                "power:eta0=1e999,a=0.5",
                "--input",
                s(&replay),
            ],
            "eta0",
        ),
        (
            vec![
                "replay",
                "--optimizer",
                "sign",
                "--schedule",
                "cosine:eta0=inf,steps=10",
                "--input",
                s(&replay),
            ],
            "eta0",
        ),
    ];
    for (args, says) in &cases {
        refused(&run(args), says, &args.join(" "));
    }
    // --report is checked before any work: a directory, a path under a file, a read-only place.
    let sub = d.join("sub");
    std::fs::create_dir(&sub).unwrap();
    let under_file = report.join("x.json");
    for (p, says) in [
        (s(&sub).to_string(), "is a directory"),
        (s(&under_file).to_string(), "r.json"),
        ("/proc/steepest-report.json".to_string(), "/proc"),
    ] {
        let t = Instant::now();
        let o = run(&["validate", "--report", &p]);
        refused(&o, says, &p);
        let err = stderr(&o);
        assert!(
            !err.contains("probe") && !err.contains(".tmp'") && !err.contains("write-check"),
            "{err}"
        );
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "{p}: checks ran first ({:?})",
            t.elapsed()
        );
    }
}
