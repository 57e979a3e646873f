//! `steepest report`: render a validation report as Markdown, a LaTeX table, or SVG figures
//! (`crate::report`).

use super::Output;
use crate::error::{Error, Result};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Render a steepest.report/v1 JSON report for a paper.
///
/// Formats (repeat --format or separate by commas):
///   md     report.md   — summary, per-suite counts, every record with measured vs expected
///   latex  checks.tex  — booktabs longtable of the checks (needs \usepackage{booktabs,longtable})
///   svg    *.svg       — figures drawn from the records' details: ns-map.svg (Newton–Schulz
///                        singular-value map, P8-a), hasd-bound.svg (HASD gap vs bound, P5-a),
///                        margin-gap.svg (margin gap vs t per optimizer, P1-c),
///                        aion-slice.svg (AION loss along the one-step jump, V3)
///
/// The --out directory is created if its parent exists. Everything is rendered in memory first and
/// each file is written atomically, so bad input leaves nothing behind. Prints {"files": [...]}.
///
/// Examples:
///   steepest validate --report r.json && steepest report --input r.json --format md --out out
///   steepest report --input r.json --format md,latex,svg --out paper/figures
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The report, as written by `steepest validate --report`.
    #[arg(long, value_name = "R.json")]
    pub input: PathBuf,
    /// Output format(s): md, latex, svg.
    #[arg(
        long,
        value_name = "md|latex|svg",
        required = true,
        value_delimiter = ','
    )]
    pub format: Vec<String>,
    /// Output directory (created if absent; its parent must exist).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// Render everything in memory, then write.
pub fn run(args: &Args) -> Result<Output> {
    let mut formats = Vec::new();
    for f in &args.format {
        let f = f.trim();
        if !matches!(f, "md" | "latex" | "svg") {
            return Err(Error::input(format!(
                "unknown format '{f}'; use --format md, latex or svg (several: --format md,latex,svg)"
            )));
        }
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    let what = args.input.display().to_string();
    let report = crate::io::read_json(&args.input)?;
    crate::report::check_report(&report, &what)?;
    let mut files: Vec<(String, String)> = Vec::new();
    for f in formats {
        match f {
            "md" => files.push(("report.md".into(), crate::report::markdown(&report))),
            "latex" => files.push(("checks.tex".into(), crate::report::latex(&report))),
            _ => {
                let figs = crate::report::figures(&report)?;
                if figs.is_empty() {
                    return Err(Error::input(format!(
                        "'{what}' holds no record with figure data (P8-a[envelope], P5-a[bound,…], P1-c[…], V3[…]); validate the suites geometry, acceleration, multiclass or aion, e.g. `steepest validate --suite geometry --suite acceleration --report r.json`"
                    )));
                }
                files.extend(figs);
            }
        }
    }
    write_all(&args.out, &files)?;
    let names: Vec<String> = files
        .iter()
        .map(|(n, _)| args.out.join(n).display().to_string())
        .collect();
    Ok(Output::ok(json!({ "files": names })))
}

/// Create `dir` if needed and write every file atomically; on failure remove what was written
/// (and the directory, if this call created it).
fn write_all(dir: &Path, files: &[(String, String)]) -> Result<()> {
    let created = !dir.exists();
    if created {
        std::fs::create_dir(dir).map_err(|e| {
            Error::input(format!(
                "cannot create output directory '{}': {e}; choose --out inside an existing, writable directory",
                dir.display()
            ))
        })?;
    } else if !dir.is_dir() {
        return Err(Error::input(format!(
            "--out '{}' exists and is not a directory; give a directory path",
            dir.display()
        )));
    }
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(name);
        if let Err(e) = crate::io::write_atomic(&path, text.as_bytes()) {
            for p in &written {
                let _ = std::fs::remove_file(p);
            }
            if created {
                let _ = std::fs::remove_dir(dir);
            }
            return Err(e);
        }
        written.push(path);
    }
    Ok(())
}
