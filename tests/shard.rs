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

/// `--only` runs the named records (a record id, or a theory id for all its variants); the
/// pieces merge with the rest of the run into the whole report. An id that names no check is an
/// input error (exit 2) and writes nothing.
#[test]
fn only_selects_records_and_merges_with_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let base = ["--suite", "fromage", "--seed", "5"];
    let whole = read_whole(dir.path(), &base);
    let ids: Vec<String> = whole.records.iter().map(|r| r.id.clone()).collect();
    assert!(ids.len() >= 2, "{ids:?}");
    let one = dir.path().join("one.json");
    let mut args = base.to_vec();
    args.extend(["--only", &ids[0]]);
    assert_eq!(validate(&args, &one), 0);
    let first = read(&one);
    assert_eq!(first.records.len(), 1);
    assert_eq!(first.records[0].id, ids[0]);
    let rest = dir.path().join("rest.json");
    let mut args = base.to_vec();
    for id in &ids[1..] {
        args.extend(["--only", id]);
    }
    assert_eq!(validate(&args, &rest), 0);
    let merged = merge_reports(&[read(&rest), first]).unwrap();
    assert_eq!(merged.without_timing(), whole.without_timing());
    let bad = dir.path().join("bad.json");
    assert_eq!(validate(&["--suite", "fromage", "--only", "P1-a"], &bad), 2);
    assert!(!bad.exists());
}

fn read_whole(dir: &Path, base: &[&str]) -> Report {
    let whole = dir.join("whole.json");
    assert_eq!(validate(base, &whole), 0);
    read(&whole)
}
