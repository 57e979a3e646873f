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
    assert!(failed.is_empty(), "failing records:\n{}", failed.join("\n"));
    assert_eq!(code, 0);
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
