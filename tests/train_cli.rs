//! `steepest train` through the binary: CONTRACT keys on good input, exit 2 and no output file on
//! bad input.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_steepest"))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run_ok(args: &[&str]) -> Value {
    let out = bin().args(args).output().expect("binary runs");
    assert!(
        out.status.success(),
        "steepest {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn train_reports_the_contract_keys_and_converges_to_gamma() {
    let data = fixture("dataset.small.json");
    let v = run_ok(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--optimizer",
        "nsd:norm=spectral",
        "--schedule",
        "power:eta0=0.5,a=0.5",
        "--steps",
        "20000",
    ]);
    assert!(v["optimizer"].as_str().unwrap().starts_with("nsd"));
    assert_eq!(v["steps"], 20000);
    let traj = v["trajectory"].as_array().unwrap();
    let ts: Vec<u64> = traj.iter().map(|r| r["t"].as_u64().unwrap()).collect();
    assert_eq!(*ts.last().unwrap(), 20000);
    assert!(ts.windows(2).all(|w| w[0] < w[1]), "t increasing: {ts:?}");
    assert!(ts.len() >= 10, "log-spaced, 4 per decade: {ts:?}");
    for r in traj {
        assert!(r["loss"].is_number());
        for n in ["fro", "spectral", "max"] {
            assert!(r["margins"][n].is_number(), "margin {n} in {r}");
        }
    }
    assert_eq!(&v["final"], traj.last().unwrap());
    // file 00 §6: NSD(spectral) reaches 0.902111 at t = 1e4 and γ* = 0.904959
    let m = v["final"]["margins"]["spectral"].as_f64().unwrap();
    assert!(m > 0.9025 && m < 0.904959, "spectral margin {m}");
}

#[test]
fn record_steps_norms_and_margin_files() {
    let dir = tempfile::tempdir().unwrap();
    let margin = dir.path().join("m.json");
    // a margin file in the `steepest margin` shape, from the oracle's unique Frobenius solution
    let oracle: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("margin.small.json")).unwrap())
            .unwrap();
    let m =
        serde_json::json!({"norm": "fro", "gamma": oracle["gamma"]["fro"], "W": oracle["W_fro"]});
    std::fs::write(&margin, m.to_string()).unwrap();
    let report = dir.path().join("run.json");
    let data = fixture("dataset.small.json");
    let out = bin()
        .args([
            "train",
            "--data",
            data.to_str().unwrap(),
            "--optimizer",
            "nsd:norm=fro",
            "--schedule",
            "power:eta0=0.5,a=0.5",
            "--steps",
            "3000",
            "--record",
            "10,100",
            "--norms",
            "nuclear",
            "--margin",
            margin.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stdout.is_empty(),
        "--report writes the file, not stdout"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let ts: Vec<u64> = v["trajectory"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["t"].as_u64().unwrap())
        .collect();
    assert_eq!(ts, vec![10, 100, 3000]);
    let f = &v["final"];
    assert!(f["margins"]["nuclear"].is_number());
    let gap = f["gaps"]["fro"].as_f64().unwrap();
    assert!(gap > 0.0 && gap < 0.01, "gap to γ_fro {gap}");
    let corr = f["correlations"]["fro"].as_f64().unwrap();
    assert!(corr > 0.99 && corr <= 1.0 + 1e-12, "correlation {corr}");
}

fn run_bad(args: &[&str], needle: &str) {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("out.json");
    let mut all: Vec<&str> = args.to_vec();
    let rp = report.to_str().unwrap().to_string();
    all.extend(["--report", &rp]);
    let out = bin().args(&all).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(needle),
        "stderr of {args:?} lacks '{needle}': {err}"
    );
    assert!(!report.exists(), "no output file on bad input");
}

#[test]
fn bad_input_exits_2_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let bad_label = dir.path().join("bad_label.json");
    std::fs::write(
        &bad_label,
        r#"{"classes": 2, "x": [[1.0, 0.0], [0.0, 1.0]], "y": [0, 2]}"#,
    )
    .unwrap();
    let ragged = dir.path().join("ragged.json");
    std::fs::write(
        &ragged,
        r#"{"classes": 2, "x": [[1.0, 0.0], [0.0]], "y": [0, 1]}"#,
    )
    .unwrap();
    let good = fixture("dataset.small.json");
    let g = good.to_str().unwrap();
    run_bad(
        &[
            "train",
            "--data",
            bad_label.to_str().unwrap(),
            "--optimizer",
            "sign",
            "--steps",
            "10",
        ],
        "label",
    );
    run_bad(
        &[
            "train",
            "--data",
            ragged.to_str().unwrap(),
            "--optimizer",
            "sign",
            "--steps",
            "10",
        ],
        "ragged",
    );
    run_bad(
        &["train", "--data", g, "--optimizer", "nope", "--steps", "10"],
        "nope",
    );
    run_bad(
        &["train", "--data", g, "--optimizer", "sign", "--steps", "0"],
        "--steps",
    );
    run_bad(
        &[
            "train",
            "--data",
            g,
            "--optimizer",
            "sign",
            "--steps",
            "10",
            "--record",
            "11",
        ],
        "--record",
    );
    run_bad(
        &[
            "train",
            "--data",
            g,
            "--optimizer",
            "sign",
            "--steps",
            "10",
            "--norms",
            "l7",
        ],
        "l7",
    );
    run_bad(
        &[
            "train",
            "--data",
            g,
            "--optimizer",
            "sign",
            "--steps",
            "10",
            "--schedule",
            "power:eta0=x",
        ],
        "eta0",
    );
    run_bad(
        &[
            "train",
            "--data",
            "/nonexistent.json",
            "--optimizer",
            "sign",
            "--steps",
            "10",
        ],
        "nonexistent",
    );
}

/// Several optimizers in one call: one run per optimizer in the order given, each equal to its
/// single-optimizer run (parallelism changes nothing); the output renders with `report` (md,
/// LaTeX, figures) and `--export` writes the trajectories as CSV.
#[test]
fn several_optimizers_render_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let data = fixture("dataset.small.json");
    let data = data.to_str().unwrap();
    let csv = dir.path().join("runs.csv");
    let common = ["--schedule", "power:eta0=0.5,a=0.5", "--steps", "2000"];
    let mut args = vec![
        "train",
        "--data",
        data,
        "--optimizer",
        "sign",
        "--optimizer",
        "nsd:norm=fro",
    ];
    args.extend(common);
    args.extend(["--export", csv.to_str().unwrap()]);
    let both = run_ok(&args);
    let runs = both["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 2);
    for (run, spec) in runs.iter().zip(["sign", "nsd:norm=fro"]) {
        let mut one = vec!["train", "--data", data, "--optimizer", spec];
        one.extend(common);
        assert_eq!(run, &run_ok(&one), "{spec}: the same as its own run");
    }
    let text = std::fs::read_to_string(&csv).unwrap();
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("run,optimizer,t,loss,margin:"),
        "{header}"
    );
    let rows = runs
        .iter()
        .map(|r| r["trajectory"].as_array().unwrap().len())
        .sum::<usize>();
    assert_eq!(text.lines().count(), 1 + rows);

    let input = dir.path().join("runs.json");
    std::fs::write(&input, serde_json::to_string(&both).unwrap()).unwrap();
    let out = dir.path().join("out");
    let v = run_ok(&[
        "report",
        "--input",
        input.to_str().unwrap(),
        "--format",
        "md,latex,svg,pgf",
        "--out",
        out.to_str().unwrap(),
    ]);
    let files: Vec<String> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            Path::new(f.as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    for f in [
        "runs.md",
        "runs.tex",
        "train-margins.svg",
        "train-margins.tex",
        "train-margins.csv",
    ] {
        assert!(files.iter().any(|g| g == f), "{f} in {files:?}");
    }
    let md = std::fs::read_to_string(out.join("runs.md")).unwrap();
    assert!(
        md.contains("| `sign")
            && md.contains("| `nsd:norm=fro")
            && md.contains("## Normalized margin"),
        "{md}"
    );
}

fn run_with_threads(args: &[&str], threads: &str) -> Vec<u8> {
    let out = bin()
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("binary runs");
    assert!(
        out.status.success(),
        "steepest {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Several optimizers × several seeds: one run per (optimizer, seed), optimizers in the order
/// given and seeds within each; the seed draws W_0 (recorded with the run); the output is
/// byte-identical with 1 and 2 threads and each run equals its own single-seed call.
#[test]
fn seeds_times_optimizers_are_ordered_recorded_and_thread_independent() {
    let data = fixture("dataset.small.json");
    let data = data.to_str().unwrap();
    let base = [
        "train",
        "--data",
        data,
        "--schedule",
        "power:eta0=0.5,a=0.5",
        "--steps",
        "300",
        "--init",
        "normal:std=0.1",
    ];
    let mut args = base.to_vec();
    args.extend([
        "--optimizer",
        "sign",
        "--optimizer",
        "nsd:norm=fro",
        "--seeds",
        "3..5",
    ]);
    let one = run_with_threads(&args, "1");
    let two = run_with_threads(&args, "2");
    assert!(one == two, "the output depends on the thread count");
    let v: Value = serde_json::from_slice(&one).unwrap();
    let runs = v["runs"].as_array().expect("runs");
    let order: Vec<(String, u64)> = runs
        .iter()
        .map(|r| {
            let name = r["optimizer"].as_str().unwrap();
            (
                name.split([':', ' ']).next().unwrap().to_string(),
                r["seed"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [("sign", 3), ("sign", 4), ("nsd", 3), ("nsd", 4)].map(|(a, b)| (a.to_string(), b))
    );
    for r in runs {
        assert_eq!(r["init"], "normal:std=0.1");
        assert!(r["trajectory"].is_array() && r["final"].is_object() && r["steps"] == 300);
    }
    assert_eq!(runs[0]["W0"], runs[2]["W0"], "the seed alone draws W_0");
    assert_ne!(runs[0]["W0"], runs[1]["W0"], "another seed, another W_0");
    assert_ne!(
        runs[0]["final"], runs[1]["final"],
        "another start, another run"
    );
    // a run alone equals its place in the batch
    let mut single = base.to_vec();
    single.extend(["--optimizer", "nsd:norm=fro", "--seeds", "4"]);
    let s: Value = serde_json::from_slice(&run_with_threads(&single, "2")).unwrap();
    assert_eq!(s["runs"][0], runs[3]);
    // --init without --seeds is seed 0, one run object
    let mut plain = base.to_vec();
    plain.extend(["--optimizer", "sign"]);
    let p = run_ok(&plain);
    assert_eq!(p["seed"], 0);
    let mut zero = base.to_vec();
    zero.extend(["--optimizer", "sign", "--seeds", "0"]);
    let z: Value = serde_json::from_slice(&run_with_threads(&zero, "1")).unwrap();
    assert_eq!(z["runs"][0], p);
}

#[test]
fn seeds_need_a_random_start_and_bad_seeds_or_radii_exit_2() {
    let g = fixture("dataset.small.json");
    let g = g.to_str().unwrap();
    let common = ["train", "--data", g, "--optimizer", "sign", "--steps", "10"];
    let with = |extra: &[&'static str]| {
        let mut v: Vec<&str> = common.to_vec();
        v.extend(extra);
        v
    };
    run_bad(&with(&["--seeds", "0..4"]), "--init normal:std=S");
    run_bad(
        &with(&["--init", "normal:std=0.1", "--seeds", "4..2"]),
        "--seeds",
    );
    run_bad(&with(&["--init", "normal:std=-1"]), "--init");
    run_bad(&with(&["--robust-linf", "-0.1"]), "--robust-linf");
    run_bad(&with(&["--robust-linf", "NaN"]), "--robust-linf");
}

/// `--robust-linf ε`: the reported margins are the worst case over ‖δ‖_∞ ≤ ε, recomputed here
/// from the final W as min_{i,c≠y_i} ((w_y − w_c)ᵀh_i − ε‖w_y − w_c‖_1)/‖W‖ (a sum of a few
/// dozen terms: 1e-12 relative); robust training ends with a larger robust margin than plain
/// training of the same length.
#[test]
fn robust_training_reports_worst_case_margins() {
    let path = fixture("dataset.small.json");
    let data = steepest::data::Dataset::load(&path).unwrap();
    let eps = 0.05;
    let run = |robust: bool| {
        let mut args = vec![
            "train",
            "--data",
            path.to_str().unwrap(),
            "--optimizer",
            "nsd:norm=fro",
            "--schedule",
            "power:eta0=0.5,a=0.5",
            "--steps",
            "2000",
            "--norms",
            "fro,max",
        ];
        if robust {
            args.extend(["--robust-linf", "0.05"]);
        }
        run_ok(&args)
    };
    let robust_margin = |w: &Value| {
        let w: Vec<Vec<f64>> = serde_json::from_value(w.clone()).unwrap();
        let (x, y) = (data.x(), data.y());
        let mut m = f64::INFINITY;
        for (i, &yi) in y.iter().enumerate() {
            for c in (0..w.len()).filter(|&c| c != yi) {
                let mut v = 0.0;
                let mut l1 = 0.0;
                for j in 0..x.ncols() {
                    let diff = w[yi][j] - w[c][j];
                    v += diff * x[(i, j)];
                    l1 += diff.abs();
                }
                m = m.min(v - eps * l1);
            }
        }
        let fro = w.iter().flatten().map(|a| a * a).sum::<f64>().sqrt();
        m / fro
    };
    let r = run(true);
    assert_eq!(r["robust_linf"], eps);
    let reported = r["final"]["margins"]["fro"].as_f64().unwrap();
    let want = robust_margin(&r["W"]);
    assert!(
        (reported - want).abs() <= 1e-12 * want.abs(),
        "{reported} vs {want}"
    );
    let plain = run(false);
    let plain_robust = robust_margin(&plain["W"]);
    assert!(
        want > plain_robust,
        "robust training {want} should beat plain training {plain_robust} on the robust margin"
    );
}
