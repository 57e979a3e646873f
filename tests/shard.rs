//! `steepest validate --shard I/N` slices, joined with `validate::merge_reports`, equal the
//! unsharded report apart from timing fields; a malformed `--shard` is an input error (exit 2).

use std::path::Path;
use std::process::Command;
use steepest::validate::{merge_reports, Report};

fn validate(args: &[&str], report: &Path) -> i32 {
    let out = Command::new(env!("CARGO_BIN_EXE_steepest"))
        .arg("validate")
        .args(args)
        .arg("--report")
        .arg(report)
        .arg("--quiet")
        .output()
        .expect("the binary runs");
    out.status.code().unwrap_or(-1)
}

fn read(path: &Path) -> Report {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn shards_merge_into_the_unsharded_report() {
    let dir = tempfile::tempdir().unwrap();
    let base = ["--suite", "fromage", "--seed", "5"];
    let whole = dir.path().join("whole.json");
    assert_eq!(validate(&base, &whole), 0);
    let mut slices = Vec::new();
    for s in ["2/2", "1/2"] {
        let p = dir.path().join(format!("s{}.json", &s[..1]));
        let mut args = base.to_vec();
        args.extend(["--shard", s]);
        assert_eq!(validate(&args, &p), 0);
        slices.push(read(&p));
    }
    assert!(slices.iter().all(|r| r.records.len() < 3));
    let merged = merge_reports(&slices).unwrap();
    assert_eq!(merged.without_timing(), read(&whole).without_timing());
    let bad = dir.path().join("bad.json");
    for s in ["0/2", "3/2", "1-2", "a/b"] {
        assert_eq!(
            validate(&["--suite", "fromage", "--shard", s], &bad),
            2,
            "{s}"
        );
    }
}
