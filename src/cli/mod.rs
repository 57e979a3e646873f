//! The `steepest` command line. Names, input formats and JSON keys fixed by
//! `../shared/CONTRACT.md` are kept exactly; JSON goes to stdout (or `--report PATH`), messages and
//! progress to stderr. Exit codes: 0 success, 1 a check or solve failed, 2 bad input or usage.

use crate::error::Result;
use clap::{Parser, Subcommand};
use serde_json::Value;
use std::path::Path;

mod accel;
mod aion;
mod dualize;
mod margin;
mod metric;
mod orthogonalize;
pub use orthogonalize::MAX_NS_STEPS;
mod replay;
mod report;
mod train;
mod validate;

/// steepest: norms, dualizers, optimizers as steepest descent, and theorem checks.
#[derive(Parser, Debug)]
#[command(
    name = "steepest",
    version,
    about,
    long_about = None,
    after_help = "Examples:\n  steepest validate --list\n  steepest validate --report r.json\n  steepest report --input r.json --format md,latex,svg --out out\n  steepest report merge s1.json s2.json --out r.json\n  steepest dualize --norm spectral --input g.json\n\nEvery command: steepest <command> --help. Exit codes: 0 success, 1 a check or solve failed, 2 bad input."
)]
pub struct Cli {
    /// No progress bars.
    #[arg(long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    Validate(validate::Args),
    Dualize(dualize::Args),
    Orthogonalize(orthogonalize::Args),
    Metric(metric::Args),
    Replay(replay::Args),
    Margin(margin::Args),
    Report(report::Args),
    Aion(aion::Args),
    Train(train::Args),
    Accel(accel::Args),
}

/// What a command produced: a JSON document and the exit code (0, or 1 for a failed check).
pub struct Output {
    /// The document to print or write.
    pub json: Value,
    /// Exit code.
    pub code: i32,
}

impl Output {
    /// A successful output.
    pub fn ok(json: Value) -> Self {
        Self { json, code: 0 }
    }
}

/// Write the output to `report` (atomically) or to stdout.
fn emit(out: &Output, report: Option<&Path>) -> Result<()> {
    let text = crate::io::to_json_string(&out.json);
    match report {
        Some(p) => crate::io::write_atomic(p, text.as_bytes()),
        None => crate::io::write_stdout(&text),
    }
}

/// Let the dense kernels of this process's one job use `threads` threads (default: all cores;
/// [`crate::linalg::set_job_threads`]). For the single-job commands (`orthogonalize`, `dualize`,
/// `margin`, `replay`); `validate` keeps one thread per check.
fn job_threads(threads: Option<usize>) -> Result<()> {
    let n = match threads {
        Some(0) => {
            return Err(crate::error::Error::input(
                "--threads 0 runs nothing; give --threads N with N ≥ 1 (default: all cores)",
            ))
        }
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, usize::from),
    };
    crate::linalg::set_job_threads(n);
    Ok(())
}

/// One line on stderr; a closed or broken stderr is ignored (there is nowhere left to report to),
/// never a panic.
pub(crate) fn say(line: &str) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(line.as_bytes());
    let _ = err.write_all(b"\n");
}

/// Whether progress bars should be drawn: not with `--quiet`, not when stderr is no terminal.
pub fn show_progress(quiet: bool) -> bool {
    use std::io::IsTerminal;
    !quiet && std::io::stderr().is_terminal()
}

/// A progress bar of `len` steps on stderr (`None` with `--quiet` or when stderr is no terminal);
/// `len = 0` gives a spinner for work of unknown length.
pub fn progress_bar(len: u64, quiet: bool, what: &str) -> Option<indicatif::ProgressBar> {
    if !show_progress(quiet) {
        return None;
    }
    let (b, template) = if len == 0 {
        (
            indicatif::ProgressBar::new_spinner(),
            "{spinner} {elapsed} {msg}",
        )
    } else {
        (
            indicatif::ProgressBar::new(len),
            "{bar:30} {pos}/{len} {elapsed} eta {eta} {msg}",
        )
    };
    b.set_style(indicatif::ProgressStyle::with_template(template).expect("valid template"));
    b.set_message(what.to_string());
    if len == 0 {
        b.enable_steady_tick(std::time::Duration::from_millis(120));
    }
    Some(b)
}

/// Parse the arguments, run, print; returns the process exit code.
pub fn main() -> i32 {
    // Dense kernels single-threaded everywhere: on the project's 2-core machines faer's own
    // threading is slower (../shared/notes/faer.md), and parallelism goes over independent checks
    // and runs instead (rayon, `validate --threads`), so results do not depend on the pool.
    faer::set_global_parallelism(faer::Par::Seq);
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            // `--help` and `--version` go to stdout: a closed stdout there is an error too.
            if !e.use_stderr() {
                if let Err(w) = crate::io::write_stdout(&e.render().to_string()) {
                    say(&format!("error: {w}"));
                    return 2;
                }
                return 0;
            }
            let _ = e.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            say(&format!("error: {e}"));
            e.exit_code()
        }
    }
}

fn run(cli: Cli) -> Result<i32> {
    let quiet = cli.quiet;
    let (out, report) = match cli.command {
        Command::Validate(mut a) => {
            // on a terminal the report goes to a new file, named in the summary line
            if let Some(p) = validate::terminal_report_path(&a) {
                a.report = Some(p);
            }
            let report = a.report.clone();
            match validate::run(a, quiet)? {
                Some(out) => (out, report),
                None => return Ok(0),
            }
        }
        Command::Dualize(a) => {
            dualize::run(&a)?.emit(a.report.as_deref())?;
            return Ok(0);
        }
        Command::Orthogonalize(a) => {
            orthogonalize::run(&a)?.emit(a.report.as_deref())?;
            return Ok(0);
        }
        Command::Metric(a) => {
            let report = a.report.clone();
            (metric::run(a)?, report)
        }
        Command::Replay(a) => {
            let report = a.report.clone();
            replay::run(a)?.emit(report.as_deref())?;
            return Ok(0);
        }
        Command::Margin(a) => (margin::run(&a, quiet)?, a.report),
        Command::Report(a) => match &a.action {
            Some(report::Action::Merge(m)) => (report::merge(m, quiet)?, None),
            Some(report::Action::Costs(c)) => (report::costs(c)?, None),
            None => (report::run(&a)?, None),
        },
        Command::Aion(a) => match a.command {
            aion::AionCommand::Solve(s) => {
                let report = s.report.clone();
                (aion::solve(&s)?, report)
            }
            aion::AionCommand::Derive(d) => {
                aion::derive(&d)?;
                return Ok(0);
            }
        },
        Command::Train(a) => {
            let report = a.report.clone();
            (train::run(a, quiet)?, report)
        }
        Command::Accel(a) => (accel::run(&a)?, a.report),
    };
    emit(&out, report.as_deref())?;
    Ok(out.code)
}
