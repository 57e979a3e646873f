//! The main job (`steepest validate`, quick profile) passes, its report validates against the
//! published schema `docs/report.schema.json`, and the same seed gives the same report apart from
//! timing fields.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn schema() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).expect("the published schema is a valid JSON Schema")
}

fn validate(args: &[&str], report: &Path) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_steepest"))
        .arg("validate")
        .args(args)
        .arg("--report")
        .arg(report)
        .arg("--quiet")
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    if cfg!(feature = "symbolic") {
        // Symbolica prints its licence banner on stdout and we never hide it; the report itself
        // must still go only to the file.
        assert!(
            !stdout.contains("\"schema\""),
            "with --report the report is not printed"
        );
    } else {
        assert!(
            stdout.is_empty(),
            "with --report nothing goes to stdout: {stdout}"
        );
    }
    let text = std::fs::read_to_string(report).unwrap_or_else(|_| {
        panic!(
            "no report written; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        out.status.code().unwrap_or(-1),
        serde_json::from_str(&text).unwrap(),
    )
}

fn strip_timing(mut v: Value) -> Value {
    v.as_object_mut().unwrap().remove("wall_ms");
    for r in v["records"].as_array_mut().unwrap() {
        r.as_object_mut().unwrap().remove("elapsed_ms");
    }
    v
}

#[test]
fn main_job_passes_and_its_report_follows_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.json");
    let (code, report) = validate(&[], &path);
    let failed: Vec<String> = report["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["pass"] == Value::Bool(false))
        .map(|r| {
            format!(
                "{}: measured {} expected {} {}",
                r["id"], r["measured"], r["expected"], r["error"]
            )
        })
        .collect();
    let findings = readme_findings();
    let quick_findings: Vec<&Finding> = findings.iter().filter(|f| f.profile == "quick").collect();
    let listed = |id: &str| quick_findings.iter().any(|f| f.id == id);
    let unlisted_failures: Vec<&String> = report["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["pass"] == Value::Bool(false))
        .zip(&failed)
        .filter(|(r, _)| !listed(r["id"].as_str().unwrap()))
        .map(|(_, line)| line)
        .collect();
    assert!(
        unlisted_failures.is_empty(),
        "failing records not listed as quick findings in README.md:\n{unlisted_failures:?}"
    );
    verdicts_are_honest(&report);
    // The README's findings agree with the records: every quick row names a record with that verdict.
    let records = report["records"].as_array().unwrap();
    for f in &quick_findings {
        let r = records
            .iter()
            .find(|r| r["id"] == f.id.as_str())
            .unwrap_or_else(|| panic!("README finding {} names no record", f.id));
        assert_eq!(r["verdict"], f.verdict.as_str(), "README finding {}", f.id);
    }
    for r in records {
        let v = r["verdict"].as_str().unwrap();
        if v == "fail" || v == "not-reached" {
            assert!(
                listed(r["id"].as_str().unwrap()),
                "record {} is {v} but README.md does not list it as a quick finding",
                r["id"]
            );
        }
    }
    let any_failure = records
        .iter()
        .any(|r| r["verdict"] == "fail" || r["verdict"] == "no-power");
    assert_eq!(code, if any_failure { 1 } else { 0 });
    let validator = schema();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report violates docs/report.schema.json:\n{}",
        errors.join("\n")
    );
    // the schema is not vacuous: a record without `pass` is rejected
    let mut broken = report.clone();
    broken["records"] = serde_json::json!([{ "id": "x", "suite": "s" }]);
    assert!(!validator.is_valid(&broken));
}

#[test]
fn same_seed_same_report_apart_from_timing() {
    let dir = tempfile::tempdir().unwrap();
    let suites: Vec<&str> = steepest::validate::registry::SUITES
        .iter()
        .map(|s| s.name)
        .filter(|n| *n == "geometry" || *n == "muon")
        .collect();
    let mut args = vec!["--seed", "3"];
    for s in &suites {
        args.push("--suite");
        args.push(s);
    }
    let (_, a) = validate(&args, &dir.path().join("a.json"));
    let (_, b) = validate(&args, &dir.path().join("b.json"));
    assert_eq!(strip_timing(a.clone()), strip_timing(b));
    args[1] = "4";
    let (_, c) = validate(&args, &dir.path().join("c.json"));
    if !a["records"].as_array().unwrap().is_empty() {
        assert_ne!(strip_timing(a), strip_timing(c), "the seed must matter");
    }
}

/// Every non-skipped record carries a negative control that failed (its planted bug was caught), no
/// record is `no-power`, `pass` is true exactly for the verdict `pass`, and the summary counts every
/// verdict.
fn verdicts_are_honest(report: &Value) {
    let records = report["records"].as_array().unwrap();
    let mut counts = std::collections::BTreeMap::<String, u64>::new();
    for r in records {
        let id = &r["id"];
        let verdict = r["verdict"].as_str().expect("every record has a verdict");
        *counts.entry(verdict.to_string()).or_default() += 1;
        assert_eq!(r["pass"] == Value::Bool(true), verdict == "pass", "{id}");
        assert_ne!(verdict, "no-power", "{id}: its control passes too: {r}");
        if verdict == "skipped" {
            assert!(r["skipped"].is_string(), "{id}: a skip says why");
            continue;
        }
        let c = &r["control"];
        assert!(
            c["bug"].as_str().is_some_and(|b| !b.is_empty()),
            "{id}: no control: {r}"
        );
        assert_eq!(
            c["pass"],
            Value::Bool(false),
            "{id}: planted bug not caught: {c}"
        );
    }
    let summary = &report["summary"];
    for (verdict, key) in [
        ("pass", "passed"),
        ("fail", "failed"),
        ("skipped", "skipped"),
        ("not-reached", "not_reached"),
        ("no-power", "no_power"),
    ] {
        assert_eq!(
            summary[key].as_u64().unwrap_or(0),
            counts.get(verdict).copied().unwrap_or(0),
            "summary.{key}"
        );
    }
}

/// A row of the findings table in README.md: a record whose paper claim is not reproduced.
struct Finding {
    id: String,
    profile: String,
    verdict: String,
}

/// The rows between `<!-- findings:begin -->` and `<!-- findings:end -->` in README.md
/// (`| `ID` | profile | verdict | what |`). Rows of the paper profile (which CI does not run) are
/// checked against their theory file, which must name the verdict; quick rows against the records.
fn readme_findings() -> Vec<Finding> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme
        .find("<!-- findings:begin -->")
        .expect("README.md has a findings table");
    let end = readme
        .find("<!-- findings:end -->")
        .expect("findings table ends");
    let rows: Vec<Finding> = readme[start..end]
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            assert!(cells.len() >= 4, "findings row {l}");
            Finding {
                id: cells[0].trim_matches('`').to_string(),
                profile: cells[1].to_string(),
                verdict: cells[2].to_string(),
            }
        })
        .collect();
    for f in &rows {
        assert!(
            f.profile == "quick" || f.profile == "paper",
            "finding {}: profile {}",
            f.id,
            f.profile
        );
        assert!(
            ["fail", "not-reached"].contains(&f.verdict.as_str()),
            "finding {}: verdict {}",
            f.id,
            f.verdict
        );
        let theory_id = f.id.split('[').next().unwrap();
        let theory = std::fs::read_to_string(root.join("theory").join(format!("{theory_id}.md")))
            .unwrap_or_else(|_| panic!("finding {}: no theory/{theory_id}.md", f.id));
        assert!(
            theory.contains(&format!("`{}`", f.verdict)),
            "finding {}: theory/{theory_id}.md does not state the verdict `{}`",
            f.id,
            f.verdict
        );
    }
    rows
}

#[test]
fn readme_findings_table_is_well_formed() {
    // parsing asserts the shape, profile and verdict of every row and that its theory file agrees
    let rows = readme_findings();
    // A record may have a row per profile (quick and paper), not two in one profile.
    let mut ids: Vec<(&str, &str)> = rows
        .iter()
        .map(|f| (f.id.as_str(), f.profile.as_str()))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        ids.len(),
        rows.len(),
        "a record listed twice in one profile"
    );
}
