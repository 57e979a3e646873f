//! `steepest report`: a real quick-profile report renders to Markdown, LaTeX, SVG and pgf; bad input
//! (missing report, wrong schema, unknown format, unwritable --out) exits 2 and leaves nothing;
//! `steepest report merge` joins shard slices into the unsharded report.

use std::path::Path;
use std::process::{Command, Output};

fn steepest(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_steepest"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn renders_markdown_latex_svg_and_pgf_from_a_real_report() {
    let dir = tempfile::tempdir().unwrap();
    // a real quick-profile report of every suite (tests/fixtures/README.md)
    let r = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/report.quick.json"
    );
    let out_dir = dir.path().join("out");
    let o = out_dir.to_str().unwrap();
    let out = steepest(&[
        "report",
        "--input",
        r,
        "--format",
        "md,latex,svg,pgf",
        "--out",
        o,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // report.md, checks.tex, checks-appendix.tex, 6 SVG, 6 × (pgf .tex + .csv)
    assert_eq!(listed["files"].as_array().unwrap().len(), 3 + 6 + 12);
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(md.contains("| `P8-a[envelope]` |") && md.contains("✓ pass"));
    let tex = std::fs::read_to_string(out_dir.join("checks-appendix.tex")).unwrap();
    assert!(tex.contains("\\toprule") && tex.contains("\\midrule") && tex.contains("\\bottomrule"));
    assert!(tex.contains("P8-a[\\allowbreak{}envelope]"));
    let compact = std::fs::read_to_string(out_dir.join("checks.tex")).unwrap();
    // one table per suite, one row per claim, titled by its theory file
    assert_eq!(compact.matches("\\begin{tabularx}").count(), 12);
    assert!(compact.contains("\\texttt{P8-a} the NS5 singular-value envelope"));
    for fig in [
        "ns-map",
        "hasd-bound",
        "margin-gap",
        "correlation-curves",
        "aion-slice",
        "lr-basin",
    ] {
        let svg = std::fs::read_to_string(out_dir.join(format!("{fig}.svg"))).unwrap();
        assert!(
            svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
            "{fig}"
        );
        assert!(
            svg.contains("<text") && svg.contains("<polyline"),
            "{fig}: text and curves"
        );
        // sub-pixel coordinates, no TeX left in the SVG text
        assert!(svg.contains(".5") || svg.contains(".2"), "{fig}");
        assert!(!svg.contains("\\"), "{fig}: TeX left in the SVG");
        let pgf = std::fs::read_to_string(out_dir.join(format!("{fig}.tex"))).unwrap();
        assert!(pgf.contains("\\begin{axis}") && pgf.contains(&format!("{fig}.csv")));
        let csv = std::fs::read_to_string(out_dir.join(format!("{fig}.csv"))).unwrap();
        assert!(
            csv.lines().count() > 2 && csv.lines().next().unwrap().contains("_x,"),
            "{fig}.csv"
        );
    }
}

#[test]
fn bad_input_exits_2_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let wrong = d.join("wrong.json");
    std::fs::write(&wrong, r#"{"schema": "other/v9", "records": []}"#).unwrap();
    let good = d.join("good.json");
    std::fs::write(&good, r#"{"schema": "steepest.report/v1", "records": []}"#).unwrap();
    std::fs::write(d.join("a_file"), "x").unwrap();
    let p = |n: &str| d.join(n).to_str().unwrap().to_string();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![p("missing.json"), "md".into(), p("out")],
            "missing.json",
        ),
        (vec![p("wrong.json"), "md".into(), p("out")], "other/v9"),
        (
            vec![p("good.json"), "png".into(), p("out")],
            "unknown format 'png'",
        ),
        (
            vec![p("good.json"), "md,png".into(), p("out")],
            "unknown format 'png'",
        ),
        (
            vec![p("good.json"), "svg".into(), p("out")],
            "no record with figure data",
        ),
        (vec![p("good.json"), "md".into(), p("a_file/out")], "a_file"),
        (vec![p("good.json"), "md".into(), p("no_dir/out")], "no_dir"),
        (
            vec![p("good.json"), "md".into(), p("a_file")],
            "not a directory",
        ),
    ];
    for (args, says) in cases {
        let out = steepest(&[
            "report", "--input", &args[0], "--format", &args[1], "--out", &args[2],
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(
            !err.contains("panicked") && out.stdout.is_empty(),
            "{args:?}"
        );
        assert!(!d.join("out").exists(), "{args:?}: output left behind");
        let mut names: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["a_file", "good.json", "wrong.json"], "{args:?}");
    }
}

/// The report as JSON with the timing fields (`wall_ms`, every `elapsed_ms`) removed.
fn without_timing(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v.as_object_mut().unwrap().remove("wall_ms");
    for r in v["records"].as_array_mut().unwrap() {
        r.as_object_mut().unwrap().remove("elapsed_ms");
    }
    v
}

#[test]
fn merge_of_shards_equals_the_unsharded_report() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let base = ["validate", "--quiet", "--suite", "fromage", "--seed", "3"];
    for (shard, file) in [
        (None, "whole.json"),
        (Some("1/2"), "s1.json"),
        (Some("2/2"), "s2.json"),
    ] {
        let mut args = base.to_vec();
        if let Some(s) = shard {
            args.extend(["--shard", s]);
        }
        let f = p(file);
        args.extend(["--report", &f]);
        let out = steepest(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Slices given out of order, once positionally and once with --input.
    let merged = p("merged.json");
    let out = steepest(&[
        "report",
        "merge",
        &p("s2.json"),
        "--input",
        &p("s1.json"),
        "--out",
        &merged,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["merged"], merged.as_str());
    assert_eq!(
        without_timing(dir.path().join("merged.json").as_path()),
        without_timing(dir.path().join("whole.json").as_path())
    );
    // Without --out the merged report goes to stdout.
    let out = steepest(&["report", "merge", &p("s1.json"), &p("s2.json")]);
    assert_eq!(out.status.code(), Some(0));
    std::fs::write(dir.path().join("stdout.json"), &out.stdout).unwrap();
    assert_eq!(
        without_timing(dir.path().join("stdout.json").as_path()),
        without_timing(dir.path().join("whole.json").as_path())
    );
    // The same slice twice: duplicate record ids, exit 2, nothing written.
    let again = p("again.json");
    let out = steepest(&[
        "report",
        "merge",
        &p("s1.json"),
        &p("s1.json"),
        "--out",
        &again,
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("appears in two slices"), "{err}");
    assert!(!dir.path().join("again.json").exists());
    // The rendering form of `steepest report` is unchanged next to the merge action.
    let out = steepest(&[
        "report",
        "--input",
        &merged,
        "--format",
        "md",
        "--out",
        &p("md"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn correlation_curves_figure_from_p1b_records() {
    // P1-b records as `validate --suite multiclass` writes them (details.seeds[*].t and
    // correlation_curves per max-margin solution); the full study is too slow for a test.
    let dir = tempfile::tempdir().unwrap();
    let seed = |shift: f64| {
        serde_json::json!({"seed": 0, "t": [1, 10, 100, 1000],
            "correlation_curves": {"max": [0.7, 0.8 + shift, 0.9, 0.97],
                                   "fro": [0.72, 0.8, 0.85, 0.83],
                                   "spectral": [0.7, 0.78, 0.8, 0.8]}})
    };
    let report = serde_json::json!({"schema": "steepest.report/v1", "records": [
        {"id": "P1-b[signgd]", "details": {"seeds": [seed(0.0), seed(0.01)]}},
        {"id": "P1-b[ngd]", "details": {"seeds": [seed(-0.05)]}}]});
    let r = dir.path().join("r.json");
    std::fs::write(&r, serde_json::to_string(&report).unwrap()).unwrap();
    let out_dir = dir.path().join("out");
    let out = steepest(&[
        "report",
        "--input",
        r.to_str().unwrap(),
        "--format",
        "svg",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = std::fs::read_to_string(out_dir.join("correlation-curves.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    // one panel per max-margin solution, titled with real subscripts (no TeX left)
    assert!(svg.contains("<polyline") && svg.contains("spectral norm") && svg.contains("signgd"));
    assert!(svg.contains(">spec<") && !svg.contains("V_"));
}
