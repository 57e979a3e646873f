//! Determinism for any thread count (issue #7, item 3): checks run in parallel on rayon's pool and
//! sweeps inside checks use `validate::sweep::par_map`, yet the report (minus the timing fields
//! `wall_ms` and `elapsed_ms`) is byte-identical with 1 and with 3 threads; the same holds for the
//! command line (`steepest validate --threads 1` vs `--threads 2`).

use std::process::Command;
use steepest::validate::{registry, run_checks, Check, Ctx, Profile};

/// Fast suites that exercise sweeps, randomness and dense kernels.
const SUITES: [&str; 5] = ["geometry", "muon", "variants", "robust", "natural-gradient"];

fn report_bytes(threads: usize) -> String {
    let checks: Vec<Box<dyn Check>> = SUITES
        .iter()
        .flat_map(|s| (registry::find(s).expect("registered suite").checks)())
        .collect();
    let ctx = Ctx {
        profile: Profile::Quick,
        seed: 11,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let report = pool.install(|| {
        run_checks(
            &checks,
            &ctx,
            SUITES.iter().map(|s| s.to_string()).collect(),
            steepest::validate::environment(),
            &(),
        )
    });
    assert!(report.records.len() > 100, "a real selection of checks");
    serde_json::to_string(&report.without_timing()).expect("serializes")
}

#[test]
fn report_is_byte_identical_for_1_and_3_threads() {
    let one = report_bytes(1);
    let three = report_bytes(3);
    assert!(
        one == three,
        "the report depends on the thread count (first difference at byte {})",
        one.bytes()
            .zip(three.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(one.len().min(three.len()))
    );
}

#[test]
fn cli_report_is_identical_for_1_and_2_threads() {
    let dir = tempfile::tempdir().unwrap();
    let mut reports = Vec::new();
    for threads in ["1", "2"] {
        let path = dir.path().join(format!("t{threads}.json"));
        let out = Command::new(env!("CARGO_BIN_EXE_steepest"))
            .args([
                "validate",
                "--quiet",
                "--suite",
                "geometry",
                "--threads",
                threads,
            ])
            .arg("--report")
            .arg(&path)
            .output()
            .expect("the binary runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: steepest::validate::Report =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        reports.push(report.without_timing());
    }
    assert_eq!(reports[0], reports[1]);
}
