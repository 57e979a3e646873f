//! Every registered check has `theory/<theory_id>.md`, and every theory file has a check.

use std::collections::BTreeSet;

#[test]
fn theory_files_and_checks_match() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("theory");
    let files: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("theory/ exists")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".md").map(str::to_string)
        })
        .filter(|n| n != "README")
        .collect();
    let mut ids = BTreeSet::new();
    let mut record_ids = BTreeSet::new();
    for suite in steepest::validate::registry::SUITES {
        for c in (suite.checks)() {
            assert_eq!(
                c.suite(),
                suite.name,
                "check {} is registered under the wrong suite",
                c.id()
            );
            assert!(record_ids.insert(c.id()), "duplicate record id {}", c.id());
            ids.insert(c.theory_id().to_string());
        }
    }
    let missing: Vec<_> = ids.difference(&files).collect();
    let orphans: Vec<_> = files.difference(&ids).collect();
    assert!(
        missing.is_empty(),
        "checks without theory/<id>.md: {missing:?}"
    );
    assert!(
        orphans.is_empty(),
        "theory files without a registered check: {orphans:?}"
    );
    for id in &ids {
        let text = std::fs::read_to_string(dir.join(format!("{id}.md"))).unwrap();
        for heading in ["## Statement", "## Hypotheses", "## Source"] {
            assert!(
                text.contains(heading),
                "theory/{id}.md lacks a '{heading}' section"
            );
        }
    }
}
