//! `steepest validate`: run suites of theorem checks and write a `steepest.report/v1` report.

use super::Output;
use crate::error::{Error, Result};
use crate::validate::{
    registry::{self, SUITES},
    run_checks_with, Check, Ctx, Profile, Progress, Record, Report, RunOptions, Verdict,
};
use std::path::PathBuf;

/// Run validation suites (default: all quick suites) and write a JSON report.
///
/// Examples:
///   steepest validate                                  # every suite, quick profile, seed 0
///   steepest validate --suite geometry --report r.json
///   steepest validate --profile paper --seed 7 --suite muon
///   steepest validate --list
///   steepest validate --rerun r.json --only P8-a     # reproduce a record, say whether it matches
///   steepest validate --suite multiclass --only P1-b --only P1-c   # these statements only
///   steepest validate --shard 2/4 --report s2.json   # slice 2 of 4, sliced by cost (job arrays)
///   steepest validate --threads 1                    # one worker thread (default: all cores)
///
/// Checks run in parallel; the report is the same for any --threads (records in registry order,
/// every random stream fixed by the seed and the check id).
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Suite to run (repeatable); default: every suite.
    #[arg(long = "suite", value_name = "S")]
    pub suites: Vec<String>,
    /// Problem sizes: quick (seconds, the default) or paper (the papers' sizes).
    #[arg(long, value_name = "quick|paper")]
    pub profile: Option<String>,
    /// Seed of every random stream (default 0; same seed ⇒ same report apart from timing fields).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Write the report here (atomically) instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// List suites and checks with their sources, then exit.
    #[arg(long)]
    pub list: bool,
    /// Rerun the records of an earlier report (its seed, profile and suites) and compare.
    #[arg(long, value_name = "REPORT.json")]
    pub rerun: Option<PathBuf>,
    /// Run only slice I of N (1 ≤ I ≤ N) of the selected checks, sliced by cost: longest first,
    /// each to the least-loaded slice, with the costs measured per profile in
    /// validations/costs.json (or --shard-costs). Every job of an array computes the same
    /// partition. Slices join into the unsharded report with `steepest report merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// With --shard: estimate each check's cost from this report's `elapsed_ms` (or a cost table
    /// like validations/costs.json) instead of the built-in table. Give every job the same file.
    #[arg(long = "shard-costs", value_name = "R.json", requires = "shard")]
    pub shard_costs: Option<PathBuf>,
    /// Worker threads for the checks and the sweeps inside them (1 ≤ N ≤ 256; default: all
    /// cores, or RAYON_NUM_THREADS). The report does not depend on N.
    #[arg(long, value_name = "N", value_parser = parse_threads)]
    pub threads: Option<usize>,
    /// Only these checks (repeatable): a record id (`P1-b[signum]`) or a theory id (`P1-b`, every
    /// variant). With --rerun: only these records of the earlier report. The records of such a
    /// run merge with other runs of the same seed and profile (`steepest report merge`).
    #[arg(long = "only", value_name = "ID")]
    pub only: Vec<String>,
    /// Skip the negative controls (each check's planted-bug variant) for speed. The default
    /// report runs them: a record's `control` shows that its check can fail, and a check whose
    /// control passes too is `no-power`. Without controls no record can show its power.
    #[arg(long = "no-controls")]
    pub no_controls: bool,
}

/// The checks named by `--only` (record ids or theory ids); all of them if `only` is empty. An id
/// that names no check → [`Error::Input`].
fn select_only(checks: Vec<Box<dyn Check>>, only: &[String]) -> Result<Vec<Box<dyn Check>>> {
    if only.is_empty() {
        return Ok(checks);
    }
    if let Some(id) = only.iter().find(|id| {
        !checks
            .iter()
            .any(|c| named_by(c.as_ref(), std::slice::from_ref(id)))
    }) {
        return Err(Error::argument(
            "--only",
            id,
            "no selected check has this record or theory id",
            "see `steepest validate --list` (and the --suite/--shard selection)",
        ));
    }
    Ok(checks
        .into_iter()
        .filter(|c| named_by(c.as_ref(), only))
        .collect())
}

/// Whether one of `ids` is the check's record id or its theory id.
fn named_by(c: &dyn Check, ids: &[String]) -> bool {
    ids.iter().any(|id| c.id() == *id || c.theory_id() == id)
}

/// Parse `--shard I/N` into (I, N) with 1 ≤ I ≤ N.
pub fn parse_shard(s: &str) -> Result<(usize, usize)> {
    let bad = || {
        Error::input(format!(
            "--shard '{s}': expected I/N with integers 1 ≤ I ≤ N (e.g. --shard 2/4)"
        ))
    };
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let i: usize = i.trim().parse().map_err(|_| bad())?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    if i == 0 || n == 0 || i > n {
        return Err(bad());
    }
    Ok((i, n))
}

/// The most worker threads `--threads` accepts. Each worker runs a whole check (with its own
/// memory) at once, the report does not depend on the count, and no machine this targets has
/// more than a few hundred cores; 10⁶ threads would exhaust the process limits before any check.
pub const MAX_THREADS: usize = 256;

/// Parse `--threads N` (an integer 1 ≤ N ≤ [`MAX_THREADS`]).
pub fn parse_threads(s: &str) -> std::result::Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        Ok(n) if n > MAX_THREADS => Err(format!(
            "{n} worker threads is above the limit of {MAX_THREADS}; give --threads N with 1 ≤ N ≤ {MAX_THREADS} (the report is the same for any N)"
        )),
        _ => Err(format!(
            "expected an integer 1 ≤ N ≤ {MAX_THREADS} (worker threads), e.g. --threads 2; omit --threads to use all cores"
        )),
    }
}

/// Flags that the chosen mode would ignore are refused up front (exit 2), with the fix.
fn check_flags(args: &Args) -> Result<()> {
    let conflict = |mode: &str, flag: &str, why: &str| {
        Err(Error::input(format!(
            "{mode} cannot be combined with {flag}: {why}; drop {flag}"
        )))
    };
    if args.rerun.is_some() {
        let why = "a rerun takes its seed, profile, suites and controls from the report";
        if args.seed.is_some() {
            return conflict("--rerun", "--seed", why);
        }
        if args.profile.is_some() {
            return conflict("--rerun", "--profile", why);
        }
        if !args.suites.is_empty() {
            return conflict("--rerun", "--suite", why);
        }
        if args.no_controls {
            return conflict("--rerun", "--no-controls", why);
        }
        if args.shard.is_some() {
            return conflict(
                "--rerun",
                "--shard",
                "a rerun repeats the records of the report (select some with --only)",
            );
        }
        if args.list {
            return conflict("--rerun", "--list", "--list only prints the checks");
        }
    }
    if args.list {
        let why = "--list only prints the suites and checks (it runs nothing)";
        if args.report.is_some() {
            return conflict("--list", "--report", why);
        }
        if args.seed.is_some() {
            return conflict("--list", "--seed", why);
        }
        if args.shard.is_some() {
            return conflict("--list", "--shard", why);
        }
        if args.no_controls {
            return conflict("--list", "--no-controls", why);
        }
    }
    Ok(())
}

/// Build rayon's global pool with `threads` workers (`None`: rayon's default, all cores).
fn init_pool(threads: Option<usize>) -> Result<()> {
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| {
                Error::failed(format!(
                    "could not start {n} worker threads ({e}); retry with fewer, e.g. --threads 1"
                ))
            })?;
    }
    Ok(())
}

fn select(names: &[String]) -> Result<Vec<&'static registry::Suite>> {
    if names.is_empty() {
        return Ok(SUITES.iter().collect());
    }
    names
        .iter()
        .map(|n| {
            registry::find(n).ok_or_else(|| {
                let valid: Vec<&str> = SUITES.iter().map(|s| s.name).collect();
                Error::unknown("suite", n, format!("valid suites: {}", valid.join(", ")))
            })
        })
        .collect()
}

/// The progress bar: completed count, and the ids of the checks in flight (or the last one
/// finished). Callbacks arrive from several worker threads.
struct Bar {
    bar: indicatif::ProgressBar,
    /// Checks running now, by registry position.
    running: std::sync::Mutex<std::collections::BTreeMap<usize, String>>,
}

impl Bar {
    fn show(&self, running: &std::collections::BTreeMap<usize, String>, last: Option<&str>) {
        let msg = if running.is_empty() {
            last.map(|id| format!("done {id}")).unwrap_or_default()
        } else {
            let ids: Vec<&str> = running.values().map(String::as_str).collect();
            format!("running {}", ids.join(", "))
        };
        self.bar.set_message(msg);
    }
}

impl Progress for Bar {
    fn start(&self, index: usize, _total: usize, id: &str) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.insert(index, id.to_string());
        self.show(&running, None);
    }
    fn finish(&self, record: &Record) {
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        running.retain(|_, id| *id != record.id);
        self.bar.inc(1);
        self.show(&running, Some(&record.id));
    }
}

/// The short claim of a record: its theory file's title, cut to `width` characters.
fn short_claim(id: &str, width: usize) -> String {
    let theory_id = id.split('[').next().unwrap_or(id);
    let title = crate::validate::theory::title(theory_id).unwrap_or("");
    if title.chars().count() <= width {
        title.to_string()
    } else {
        let mut t: String = title.chars().take(width.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The stderr name of a verdict (failures in capitals).
fn verdict_label(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "FAIL",
        Verdict::Skipped => "skip",
        Verdict::NotReached => "not-reached",
        Verdict::NoPower => "NO-POWER",
    }
}

/// Print a human table of the records to stderr: id, short claim, verdict, measured, expected,
/// and whether the control failed as it must.
fn print_table(report: &Report) {
    const CLAIM: usize = 34;
    let w = report
        .records
        .iter()
        .map(|r| r.id.chars().count())
        .max()
        .unwrap_or(2)
        .max(2);
    super::say(&format!(
        "{:<w$}  {:<CLAIM$}  {:<11}  {:>14}  {:<24}  control",
        "id", "claim", "verdict", "measured", "expected"
    ));
    for r in &report.records {
        let measured = match r.measured.as_f64() {
            Some(x) => format!("{x:>14.6e}"),
            None => format!("{:>14}", "—"),
        };
        let expected = if let Some(e) = &r.error {
            format!("error: {e}")
        } else if let Some(s) = &r.skipped {
            format!("skipped: {s}")
        } else {
            r.expected
                .as_ref()
                .map_or_else(String::new, ToString::to_string)
        };
        let control = match &r.control {
            Some(c) if c.pass => "PASSED (no power)".to_string(),
            Some(c) => match c.measured.as_f64() {
                Some(x) => format!("fails ({x:.3e})"),
                None => "fails (error)".to_string(),
            },
            None if r.verdict == Verdict::Skipped => String::new(),
            None => "—".to_string(),
        };
        super::say(&format!(
            "{:<w$}  {:<CLAIM$}  {:<11}  {measured}  {expected:<24}  {control}",
            r.id,
            short_claim(&r.id, CLAIM),
            verdict_label(r.verdict)
        ));
    }
    let s = &report.summary;
    super::say(&format!(
        "{} passed, {} failed, {} no-power, {} not-reached, {} skipped ({:.1} s)",
        s.passed,
        s.failed,
        s.no_power,
        s.not_reached,
        s.skipped,
        report.wall_ms / 1e3
    ));
}

/// Where the report of a run goes when `--report` is not given: stdout, unless stdout is a
/// terminal — ≈ 1 MB of JSON is no use there — in which case a new file in the working directory,
/// `steepest-report.json` or, if that exists, the first free `steepest-report-N.json` (an existing
/// file is never touched). `--list` and `--rerun` print to stdout as usual.
pub fn terminal_report_path(args: &Args) -> Option<PathBuf> {
    use std::io::IsTerminal;
    if args.report.is_some()
        || args.list
        || args.rerun.is_some()
        || !std::io::stdout().is_terminal()
    {
        return None;
    }
    (0..10_000)
        .map(|n| match n {
            0 => PathBuf::from("steepest-report.json"),
            n => PathBuf::from(format!("steepest-report-{n}.json")),
        })
        .find(|p| std::fs::symlink_metadata(p).is_err())
}

/// Run the command. `None` means the output was already printed (e.g. `--list`).
pub fn run(args: Args, quiet: bool) -> Result<Option<Output>> {
    check_flags(&args)?;
    if let Some(p) = &args.report {
        // Fail early on an unwritable path, before minutes of work.
        crate::io::check_writable(p)?;
    }
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    init_pool(args.threads)?;
    if let Some(path) = &args.rerun {
        return rerun(path, &args.only, quiet).map(Some);
    }
    let profile = Profile::parse(args.profile.as_deref().unwrap_or("quick"))?;
    let suites = select(&args.suites)?;
    if args.list {
        let all: Vec<Box<dyn Check>> = suites.iter().flat_map(|s| (s.checks)()).collect();
        select_only(all, &args.only)?;
        let mut text = String::new();
        for s in &suites {
            let checks = (s.checks)();
            let shown: Vec<&Box<dyn Check>> = checks
                .iter()
                .filter(|c| args.only.is_empty() || named_by(c.as_ref(), &args.only))
                .collect();
            if shown.is_empty() {
                continue;
            }
            text.push_str(&format!("{}: {}\n", s.name, s.about));
            for c in shown {
                text.push_str(&format!("  {:<28} {}\n", c.id(), c.source()));
            }
        }
        crate::io::write_stdout(&text)?;
        return Ok(None);
    }
    // Symbolica prints its licence banner on stdout: symbolic checks only run when the report
    // goes to a file (they are recorded as skipped otherwise).
    #[cfg(feature = "symbolic")]
    crate::algebra::checks::reserve_stdout(args.report.is_none());
    let ctx = Ctx {
        profile,
        seed: args.seed.unwrap_or(0),
    };
    let checks: Vec<Box<dyn Check>> = suites.iter().flat_map(|s| (s.checks)()).collect();
    let checks = select_only(checks, &args.only)?;
    let checks = match shard {
        None => checks,
        Some((i, n)) => {
            let table = match &args.shard_costs {
                Some(p) => crate::validate::shard::read_costs(p)?,
                None => crate::validate::shard::CostTable::built_in(),
            };
            let ids: Vec<String> = checks.iter().map(|c| c.id()).collect();
            let slice = crate::validate::shard::assign(&table.estimate(profile, &ids), n);
            checks
                .into_iter()
                .zip(slice)
                .filter(|(_, s)| *s == i - 1)
                .map(|(c, _)| c)
                .collect()
        }
    };
    let names = suites.iter().map(|s| s.name.to_string()).collect();
    let bar = if super::show_progress(quiet) {
        let b = indicatif::ProgressBar::new(checks.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {elapsed} {msg}")
                .expect("valid template"),
        );
        Some(Bar {
            bar: b,
            running: Default::default(),
        })
    } else {
        None
    };
    let progress: &dyn Progress = match &bar {
        Some(b) => b,
        None => &(),
    };
    let report = run_checks_with(
        &checks,
        &ctx,
        names,
        crate::validate::environment(),
        progress,
        RunOptions {
            controls: !args.no_controls,
        },
    );
    if let Some(b) = &bar {
        b.bar.finish_and_clear();
    }
    if !quiet {
        print_table(&report);
        if let Some(p) = &args.report {
            super::say(&format!("report: {}", p.display()));
        }
    }
    let code = if report.summary.failures() > 0 { 1 } else { 0 };
    let json = serde_json::to_value(&report).expect("report serializes");
    Ok(Some(Output { json, code }))
}

/// `--rerun`: run the recorded checks again with the recorded seed and profile, and compare every
/// record with its timing field removed. Exit 1 if any record differs.
fn rerun(path: &std::path::Path, only: &[String], quiet: bool) -> Result<Output> {
    let value = crate::io::read_json(path)?;
    let old: Report = serde_json::from_value(value).map_err(|e| {
        Error::input(format!(
            "'{}' is not a steepest.report/v1 report ({e}); give a file written by `steepest validate`",
            path.display()
        ))
    })?;
    if old.schema != crate::validate::REPORT_SCHEMA {
        return Err(Error::input(format!(
            "'{}' has schema '{}', expected '{}'; rerun needs a report of this version",
            path.display(),
            old.schema,
            crate::validate::REPORT_SCHEMA
        )));
    }
    // `--only` takes record ids (`P1-c[ngd]`) or theory ids (`P1-c`: all its records), as in a run
    let ids: Vec<&str> = if only.is_empty() {
        old.records.iter().map(|r| r.id.as_str()).collect()
    } else {
        let matches = |r: &Record, sel: &str| {
            r.id == sel || r.id.split('[').next() == Some(sel) && r.id.starts_with(sel)
        };
        for sel in only {
            if !old.records.iter().any(|r| matches(r, sel)) {
                return Err(Error::input(format!(
                    "no record '{sel}' (record id or theory id) in '{}'; list its ids with `jq '.records[].id'`",
                    path.display()
                )));
            }
        }
        old.records
            .iter()
            .filter(|r| only.iter().any(|sel| matches(r, sel)))
            .map(|r| r.id.as_str())
            .collect()
    };
    let suites = select(&old.suites)?;
    let ctx = Ctx {
        profile: old.profile,
        seed: old.seed,
    };
    let checks: Vec<Box<dyn Check>> = suites.iter().flat_map(|s| (s.checks)()).collect();
    let mut results = Vec::new();
    let mut mismatched = 0usize;
    for id in ids {
        let old_rec = old
            .records
            .iter()
            .find(|r| r.id == id)
            .expect("id checked above");
        let new_rec = match checks.iter().find(|c| c.id() == id) {
            // the record is rerun as it was written: with its control if it has one
            Some(c) => crate::validate::run_one_with(
                c.as_ref(),
                &ctx,
                RunOptions {
                    controls: old_rec.control.is_some(),
                },
            ),
            None => {
                return Err(Error::input(format!(
                    "record '{id}' has no check in this version of steepest; rerun it with the version that wrote it ({})",
                    old.version
                )))
            }
        };
        let strip = |r: &Record| {
            let mut r = r.clone();
            r.elapsed_ms = 0.0;
            r
        };
        let same = strip(old_rec) == strip(&new_rec);
        if !same {
            mismatched += 1;
        }
        if !quiet {
            super::say(&format!(
                "{:<32} {}",
                id,
                if same { "match" } else { "DIFFERS" }
            ));
        }
        results.push(serde_json::json!({
            "id": id,
            "match": same,
            "old": { "measured": old_rec.measured, "pass": old_rec.pass, "verdict": old_rec.verdict },
            "new": { "measured": new_rec.measured, "pass": new_rec.pass, "verdict": new_rec.verdict },
        }));
    }
    let json = serde_json::json!({
        "schema": "steepest.rerun/v1",
        "report": path.display().to_string(),
        "seed": old.seed,
        "profile": old.profile,
        "matched": results.len() - mismatched,
        "mismatched": mismatched,
        "results": results,
    });
    Ok(Output {
        json,
        code: if mismatched > 0 { 1 } else { 0 },
    })
}
