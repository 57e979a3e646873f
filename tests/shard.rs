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

/// The documented cluster path (docs/cluster.md): GNU parallel runs the cost-balanced slices as
/// separate processes, `steepest report merge` joins them, and the result equals the unsharded
/// report apart from timing fields. GNU parallel is installed by `.ci/setup` (Debian `parallel`).
#[test]
fn gnu_parallel_slices_merge_into_the_unsharded_report() {
    let have = Command::new("parallel").arg("--version").output();
    assert!(
        have.is_ok_and(|o| o.status.success()),
        "GNU parallel is not installed; run `bash .ci/setup` (Debian package `parallel`)"
    );
    let dir = tempfile::tempdir().unwrap();
    let base = [
        "--suite",
        "fromage",
        "--suite",
        "acceleration",
        "--seed",
        "5",
    ];
    let whole = dir.path().join("whole.json");
    assert_eq!(validate(&base, &whole), 0);
    let bin = env!("CARGO_BIN_EXE_steepest");
    let slice = dir.path().join("s{}.json");
    let out = Command::new("parallel")
        .args(["--halt", "never", "-j", "3", bin, "validate"])
        .args(base)
        .args(["--quiet", "--shard", "{}/3", "--report"])
        .arg(&slice)
        .args([":::", "1", "2", "3"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "parallel: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let merged = dir.path().join("merged.json");
    let mut merge = Command::new(bin);
    merge.args(["report", "merge"]);
    for i in 1..=3 {
        merge.arg(dir.path().join(format!("s{i}.json")));
    }
    let m = merge.arg("--out").arg(&merged).output().unwrap();
    assert!(m.status.success(), "{}", String::from_utf8_lossy(&m.stderr));
    let slices: Vec<Report> = (1..=3)
        .map(|i| read(&dir.path().join(format!("s{i}.json"))))
        .collect();
    // Sliced by cost: no slice is empty here, and together they hold every record once.
    let counts: Vec<usize> = slices.iter().map(|r| r.records.len()).collect();
    assert!(counts.iter().all(|&c| c >= 1), "{counts:?}");
    assert_eq!(
        counts.iter().sum::<usize>(),
        read(&whole).records.len(),
        "{counts:?}"
    );
    assert_eq!(
        read(&merged).without_timing(),
        read(&whole).without_timing()
    );
}

/// `--shard-costs` takes an earlier report's `elapsed_ms`: the heaviest check gets a slice of its
/// own when its cost exceeds the rest together, and the slices still merge into the whole.
#[test]
fn shard_costs_from_a_report_put_the_heaviest_check_alone() {
    let dir = tempfile::tempdir().unwrap();
    let base = ["--suite", "fromage", "--seed", "5", "--no-controls"];
    let whole_path = dir.path().join("whole.json");
    assert_eq!(validate(&base, &whole_path), 0);
    // Make the first record heavier than the rest together.
    let mut costs: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&whole_path).unwrap()).unwrap();
    let first = costs["records"][0]["id"].as_str().unwrap().to_string();
    costs["records"][0]["elapsed_ms"] = serde_json::json!(1e9);
    let costs_path = dir.path().join("costs.json");
    std::fs::write(&costs_path, costs.to_string()).unwrap();
    let mut slices = Vec::new();
    for s in ["1/2", "2/2"] {
        let p = dir.path().join(format!("s{}.json", &s[..1]));
        let mut args = base.to_vec();
        args.extend(["--shard", s, "--shard-costs", costs_path.to_str().unwrap()]);
        assert_eq!(validate(&args, &p), 0);
        slices.push(read(&p));
    }
    let ids: Vec<String> = slices[0].records.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids, vec![first]);
    assert_eq!(
        merge_reports(&slices).unwrap().without_timing(),
        read(&whole_path).without_timing()
    );
    // A cost file that is neither a report nor a table is refused before any work.
    std::fs::write(&costs_path, "{\"quick\": 3}").unwrap();
    let bad = dir.path().join("bad.json");
    let mut args = base.to_vec();
    args.extend([
        "--shard",
        "1/2",
        "--shard-costs",
        costs_path.to_str().unwrap(),
    ]);
    assert_eq!(validate(&args, &bad), 2);
    assert!(!bad.exists());
}
