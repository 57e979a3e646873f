//! `steepest report`: render a validation report as Markdown, LaTeX tables, or figures (SVG, pgfplots + CSV, PDF)
//! (`crate::report`); `steepest report merge` joins the slices of a sharded run
//! (`steepest validate --shard I/N`) into one report.

use super::Output;
use crate::error::{Error, Result};
use crate::validate::{merge_reports, Report};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Render a steepest.report/v1 JSON report — or the output of `steepest train` — for a paper.
///
/// Formats (repeat --format or separate by commas):
///   md     report.md            — summary, per-suite counts, every record with measured vs
///                                 expected, control, figures and history
///   latex  checks.tex           — one table per suite, one row per claim (the record closest
///                                 to its bound shown), and checks-appendix.tex — every record
///                                 with its control (longtable, for an appendix)
///   svg    NAME.svg             — figures for quick looks (Okabe–Ito colours, a marker per series)
///   pgf    NAME.tex + NAME.csv  — the same figures as pgfplots code and their data, set in the
///                                 paper's fonts; \input{DIR/NAME.tex} with \steepestdatadir = DIR
///   pdf    NAME.pdf             — the pgf figures compiled by pdflatex (exit 2 naming what to
///                                 install when pdflatex or pgfplots is missing)
/// Figures (drawn from the records' details): ns-map (Newton–Schulz singular-value map, P8-a),
/// hasd-bound (HASD gap vs bound, P5-a), margin-gap (margin gap vs t per optimizer, P1-c),
/// correlation-curves (correlation with each max-margin solution vs t, P1-b), aion-slice (AION
/// loss along the one-step jump, V3), lr-basin (held-out loss vs learning rate per method, P3-c).
///
/// A `steepest train` output (one run, or several optimizers in one call) renders as runs.md,
/// runs.tex (normalized margins at the last step) and the figures train-margins, train-gaps and
/// train-correlations (the last two when trained with --margin): a panel per norm, a curve per run.
///
/// Preamble for the LaTeX and pgf outputs:
///   \usepackage{amssymb,booktabs,longtable,tabularx}
///   \usepackage{pgfplots} \pgfplotsset{compat=1.18}
///   \newcommand{\steepestdatadir}{DIR}
///
/// The --out directory is created if its parent exists. Everything is rendered in memory first,
/// every output path is checked, and the files are written all or nothing (temporary files, then
/// renames), so bad input leaves nothing behind. An earlier rendering's files of the same names
/// are replaced; a directory, FIFO, device or read-only file under one of those names is refused
/// (exit 2) and nothing is written; other files in DIR are never touched. Prints {"files": [...]}.
///
/// Merging: `steepest report merge S1.json S2.json … --out merged.json` (see `report merge --help`);
/// the cost table that `validate --shard` slices by: `steepest report costs` (see its --help).
///
/// Examples:
///   steepest validate --report r.json && steepest report --input r.json --format md --out out
///   steepest report --input r.json --format latex,pgf --out paper/figs
///   steepest report --input r.json --format svg,pdf --out figures
///   steepest report merge s1.json s2.json --out r.json
#[derive(clap::Args, Debug)]
#[command(
    verbatim_doc_comment,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Args {
    /// The report, as written by `steepest validate --report`, or a `steepest train` output.
    #[arg(long, value_name = "R.json", required = true)]
    pub input: Option<PathBuf>,
    /// Output format(s): md, latex, svg, pgf, pdf.
    #[arg(
        long,
        value_name = "md|latex|svg|pgf|pdf",
        required = true,
        value_delimiter = ','
    )]
    pub format: Vec<String>,
    /// Output directory (created if absent; its parent must exist).
    #[arg(long, value_name = "DIR", required = true)]
    pub out: Option<PathBuf>,
    /// Another action instead of rendering.
    #[command(subcommand)]
    pub action: Option<Action>,
}

/// Actions of `steepest report` other than rendering.
#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Join report slices (`steepest validate --shard I/N`) into one report.
    Merge(MergeArgs),
    /// Build the cost table `--shard` slices by from measured reports.
    Costs(CostsArgs),
}

/// Build the cost table that `steepest validate --shard I/N` slices a run by: each record's
/// `elapsed_ms`, per profile, from measured reports (a quick and a paper report; later reports win
/// for ids in two). The shipped table is validations/costs.json; regenerate it after adding checks
/// or changing their sizes, with reports from one machine.
///
/// Examples:
///   steepest validate --report quick.json
///   steepest validate --profile paper --report paper.json
///   steepest report costs quick.json paper.json --about "2 cores, commit abc123" --out validations/costs.json
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct CostsArgs {
    /// Measured reports (any profile; sharded slices are fine).
    #[arg(value_name = "R.json", required = true)]
    pub reports: Vec<PathBuf>,
    /// How the reports were measured (machine, commit), kept in the table's `about`.
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub about: String,
    /// Write the table here (atomically) instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// `steepest report costs`: the cost table of measured reports.
pub fn costs(args: &CostsArgs) -> Result<Output> {
    if let Some(out) = &args.out {
        crate::io::check_writable(out)?;
    }
    let reports = args
        .reports
        .iter()
        .map(|p| read_slice(p))
        .collect::<Result<Vec<_>>>()?;
    let table = crate::validate::shard::CostTable::from_reports(&reports, args.about.clone());
    let json = serde_json::to_value(&table).expect("cost table serializes");
    match &args.out {
        Some(out) => {
            crate::io::write_atomic(out, crate::io::to_json_string(&json).as_bytes())?;
            Ok(Output::ok(json!({
                "costs": out.display().to_string(),
                "quick": table.quick.len(),
                "paper": table.paper.len(),
            })))
        }
        None => Ok(Output::ok(json)),
    }
}

/// Join the slices of one sharded validation run into the report the unsharded run writes.
///
/// The slices must come from one run: same schema, version, profile, seed and suite list, and no
/// record id in two slices (otherwise exit 2, nothing written). Records are put in registry order
/// and the summary is recounted, so the result equals `steepest validate` without --shard apart
/// from the timing fields (wall_ms is the sum of the slices'). A merge that lacks some checks of
/// the suites is written, with a note on stderr naming how many are missing.
///
/// The merged report goes to --out (written atomically; stdout then gets
/// {"merged": PATH, "inputs": [...], "records": N, "summary": {...}}), or to stdout without --out.
///
/// Examples:
///   steepest validate --shard 1/2 --report s1.json
///   steepest validate --shard 2/2 --report s2.json
///   steepest report merge s1.json s2.json --out r.json
///   steepest report merge --input s1.json --input s2.json > r.json
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct MergeArgs {
    /// Slice reports written by `steepest validate --shard I/N --report …`.
    #[arg(value_name = "SLICE.json")]
    pub slices: Vec<PathBuf>,
    /// More slices (repeatable; joined after the positional ones).
    #[arg(long = "input", value_name = "SLICE.json")]
    pub inputs: Vec<PathBuf>,
    /// Write the merged report here (atomically) instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

/// Read one slice: valid JSON, a `steepest.report/v1` report.
fn read_slice(path: &Path) -> Result<Report> {
    let what = path.display().to_string();
    let value = crate::io::read_json(path)?;
    crate::report::check_report(&value, &what)?;
    serde_json::from_value(value).map_err(|e| {
        Error::input(format!(
            "'{what}' is not a complete steepest.report/v1 report ({e}); give a slice written by `steepest validate --shard I/N --report`"
        ))
    })
}

/// `steepest report merge`: the merged report (stdout), or a summary when it went to `--out`.
pub fn merge(args: &MergeArgs, quiet: bool) -> Result<Output> {
    let paths: Vec<&PathBuf> = args.slices.iter().chain(&args.inputs).collect();
    if paths.is_empty() {
        return Err(Error::input(
            "report merge: no slices given; pass the files written by `steepest validate --shard I/N --report`, e.g. `steepest report merge s1.json s2.json --out r.json`",
        ));
    }
    if let Some(out) = &args.out {
        crate::io::check_writable(out)?;
    }
    let parts = paths
        .iter()
        .map(|p| read_slice(p))
        .collect::<Result<Vec<_>>>()?;
    let (first, p0) = (&parts[0], paths[0].display());
    for (part, path) in parts.iter().zip(&paths).skip(1) {
        let differs = |what: &str, a: String, b: String| {
            Error::input(format!(
                "report merge: '{}' has {what} {b} but '{p0}' has {a}; merge only slices of one run (same seed, profile, suites and steepest version)",
                path.display()
            ))
        };
        if part.schema != first.schema {
            return Err(differs("schema", first.schema.clone(), part.schema.clone()));
        }
        if part.version != first.version {
            return Err(differs(
                "version",
                first.version.clone(),
                part.version.clone(),
            ));
        }
        if part.profile != first.profile {
            let name = |r: &Report| r.profile.as_str().to_string();
            return Err(differs("profile", name(first), name(part)));
        }
        if part.seed != first.seed {
            return Err(differs(
                "seed",
                first.seed.to_string(),
                part.seed.to_string(),
            ));
        }
        if part.suites != first.suites {
            let list = |r: &Report| format!("{:?}", r.suites);
            return Err(differs("suite list", list(first), list(part)));
        }
    }
    let merged = merge_reports(&parts)?;
    // Validate the result before writing: it must read back as a report, with the summary
    // matching its records.
    let json = serde_json::to_value(&merged).expect("report serializes");
    crate::report::check_report(&json, "merged report")?;
    let back: Report = serde_json::from_value(json.clone()).map_err(|e| {
        Error::failed(format!(
            "report merge: the merged report does not read back ({e}); this is a bug in steepest"
        ))
    })?;
    let counted = back.records.len();
    let s = &back.summary;
    if s.passed + s.failed + s.skipped != counted {
        return Err(Error::failed(format!(
            "report merge: summary counts {} records but the report holds {counted}; this is a bug in steepest",
            s.passed + s.failed + s.skipped
        )));
    }
    let expected: usize = merged
        .suites
        .iter()
        .filter_map(|n| crate::validate::registry::find(n))
        .map(|suite| (suite.checks)().len())
        .sum();
    if counted < expected && !quiet {
        super::say(&format!(
            "note: the merged report holds {counted} of the {expected} checks of {:?}; merge every slice 1/N … N/N for the full run",
            merged.suites
        ));
    }
    match &args.out {
        Some(out) => {
            crate::io::write_atomic(out, crate::io::to_json_string(&json).as_bytes())?;
            let inputs: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            let output = Output::ok(json!({
                "merged": out.display().to_string(),
                "inputs": inputs,
                "records": counted,
                "summary": merged.summary,
            }));
            Ok(output)
        }
        None => Ok(Output::ok(json)),
    }
}

/// The output formats of `steepest report`.
const FORMATS: [&str; 5] = ["md", "latex", "svg", "pgf", "pdf"];

/// Render everything in memory, then write.
pub fn run(args: &Args) -> Result<Output> {
    let (Some(input), Some(out)) = (&args.input, &args.out) else {
        return Err(Error::input(
            "steepest report needs --input R.json --format md|latex|svg|pgf|pdf --out DIR (or the action `merge`); see `steepest report --help`",
        ));
    };
    let mut formats = Vec::new();
    for f in &args.format {
        let f = f.trim();
        if !FORMATS.contains(&f) {
            return Err(Error::unknown(
                "format",
                f,
                "use --format md, latex, svg, pgf or pdf (several: --format md,latex,pgf)",
            ));
        }
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    if formats.contains(&"pdf") && !crate::report::pgf::pdflatex_available() {
        return Err(Error::input(format!(
            "--format pdf needs {}; pdflatex was not found on the PATH. Install it, or use --format pgf and compile the figures in your paper",
            crate::report::pgf::PDF_NEEDS
        )));
    }
    let what = input.display().to_string();
    let report = crate::io::read_json(input)?;
    let text = |name: &str, t: String| (name.to_string(), t.into_bytes());
    if crate::report::runs::is_train_output(&report) {
        let files = render_runs(&report, &formats)?;
        return finish(out, files);
    }
    crate::report::check_report(&report, &what)?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for f in formats {
        match f {
            "md" => files.push(text("report.md", crate::report::markdown(&report))),
            "latex" => {
                files.push(text("checks.tex", crate::report::latex::compact(&report)));
                files.push(text("checks-appendix.tex", crate::report::latex(&report)));
            }
            _ => {
                let figs = crate::report::figures(&report)?;
                if figs.is_empty() {
                    return Err(Error::input(format!(
                        "'{what}' holds no record with figure data (P8-a[envelope], P5-a[bound,…], P1-c[…], P1-b[…], V3[…], P3-c[…]); validate the suites geometry, acceleration, multiclass, aion or lr-robustness, e.g. `steepest validate --suite geometry --suite acceleration --report r.json`"
                    )));
                }
                for fig in &figs {
                    let n = &fig.name;
                    match f {
                        "svg" => {
                            files.push(text(&format!("{n}.svg"), crate::report::svg::render(fig)?))
                        }
                        "pgf" => {
                            files.push(text(&format!("{n}.tex"), crate::report::pgf::tex(fig)));
                            files.push(text(&format!("{n}.csv"), crate::report::pgf::csv(fig)));
                        }
                        _ => {
                            files.push((format!("{n}.pdf"), crate::report::pgf::compile_pdf(fig)?))
                        }
                    }
                }
            }
        }
    }
    finish(out, files)
}

/// Write the rendered files and list them.
fn finish(out: &Path, files: Vec<(String, Vec<u8>)>) -> Result<Output> {
    write_all(out, &files)?;
    let names: Vec<String> = files
        .iter()
        .map(|(n, _)| out.join(n).display().to_string())
        .collect();
    Ok(Output::ok(json!({ "files": names })))
}

/// Render the output of `steepest train` (one run or several): `runs.md`, `runs.tex` (the
/// margins at the last step) and the figures `train-margins`, `train-gaps`, `train-correlations`.
fn render_runs(v: &serde_json::Value, formats: &[&str]) -> Result<Vec<(String, Vec<u8>)>> {
    use crate::report::runs;
    let mut files = Vec::new();
    for f in formats {
        match *f {
            "md" => files.push(("runs.md".to_string(), runs::markdown(v).into_bytes())),
            "latex" => files.push(("runs.tex".to_string(), runs::latex(v).into_bytes())),
            _ => {
                for fig in &runs::figures(v) {
                    let n = &fig.name;
                    match *f {
                        "svg" => files.push((
                            format!("{n}.svg"),
                            crate::report::svg::render(fig)?.into_bytes(),
                        )),
                        "pgf" => {
                            files.push((
                                format!("{n}.tex"),
                                crate::report::pgf::tex(fig).into_bytes(),
                            ));
                            files.push((
                                format!("{n}.csv"),
                                crate::report::pgf::csv(fig).into_bytes(),
                            ));
                        }
                        _ => {
                            files.push((format!("{n}.pdf"), crate::report::pgf::compile_pdf(fig)?))
                        }
                    }
                }
            }
        }
    }
    Ok(files)
}

/// Create `dir` if needed and write every file, all or nothing, never touching anything else.
///
/// Every target is checked first ([`crate::io::OutputFile::prepare`]): a file of ours that exists
/// and is a regular file (an earlier rendering) is replaced — `--format` asked for it — while a
/// directory, FIFO, device or read-only file under one of our names is refused before anything is
/// written. Then every file is staged as a temporary file next to its target, and only when all
/// are staged are they renamed into place. A failure removes the temporary files (and `dir`, if
/// this call created it) and no file that existed before is deleted or changed. Files in `dir`
/// with other names are never touched.
fn write_all(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    let created = match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => false,
        Ok(_) => {
            return Err(Error::input(format!(
                "--out '{}' exists and is not a directory; give a directory path",
                dir.display()
            )))
        }
        Err(_) => true,
    };
    if created {
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            return Err(Error::input(format!(
                "cannot create output directory '{}': '{}' is not an existing directory; choose --out inside an existing, writable directory",
                dir.display(),
                parent.display()
            )));
        }
        std::fs::create_dir(dir).map_err(|e| {
            Error::input(format!(
                "cannot create output directory '{}': {e}; choose --out inside an existing, writable directory",
                dir.display()
            ))
        })?;
    }
    if let Some((name, _)) = files.iter().find(|(n, _)| dir.join(n).is_dir()) {
        return Err(Error::input(format!(
            "'{}' is a directory in the way of the output file {name}; move it away or choose another --out (nothing was written)",
            dir.join(name).display()
        )));
    }
    let targets = files
        .iter()
        .map(|(name, _)| crate::io::OutputFile::prepare(&dir.join(name)))
        .collect::<Result<Vec<_>>>();
    let remove_created = || {
        if created {
            let _ = std::fs::remove_dir(dir);
        }
    };
    let targets = match targets {
        Ok(t) => t,
        Err(e) => {
            remove_created();
            return Err(e);
        }
    };
    let mut staged = Vec::with_capacity(files.len());
    for (target, (_, text)) in targets.iter().zip(files) {
        match target.stage(text) {
            Ok(s) => staged.push(s),
            Err(e) => {
                drop(staged); // removes the temporary files
                remove_created();
                return Err(e);
            }
        }
    }
    for s in staged {
        s.commit()?;
    }
    Ok(())
}
