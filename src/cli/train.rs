//! `steepest train`: run an optimizer on a classification dataset and record the margins
//! (CONTRACT: `optimizer`, `steps`, `trajectory` of `{t, loss, margins: {norm: value}}` at
//! log-spaced t including T, `final`).

use super::Output;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::models::multiclass::{Loss, Multiclass};
use crate::norms::{parse_norm, Norm};
use crate::optim::{parse_optimizer_with_schedule, Optimizer, ScaleInvariance, Schedule};
use crate::train::init::{parse_seeds, Init};
use crate::train::robust::RobustLinf;
use crate::train::{log_spaced, run as run_training, GradScale, RunSpec, Snapshot};
use serde_json::{json, Map, Value};
use std::path::PathBuf;

/// Train the multiclass linear model W ∈ R^{k×d} (W_0 = 0) and record the normalized margins
/// min_{i,c≠y_i} (w_{y_i} − w_c)ᵀh_i / ‖W‖ at log-spaced steps.
///
/// The margins are reported in fro, spectral, max and the optimizer's own norm (nsd/sd/nmd: its
/// norm; sign, signum, adam: max; muon, spectral: spectral; ngd: fro; cd: sum), or in --norms.
/// With --margin FILE (the output of `steepest margin`) each record also has the gap
/// γ_N − margin_N and the correlation ⟨W, V⟩/(‖W‖_F‖V‖_F) with that solution V.
///
/// Examples:
///   steepest train --data data.json --optimizer nsd:norm=spectral --schedule power:eta0=0.05,a=0.5 --steps 100000
///   steepest train --data data.json --optimizer sign --schedule power:eta0=0.1,a=0.5 --steps 10000 --record 10,100,1000
///   steepest train --data data.json --optimizer muon:lr=0.05,momentum=0.9,ns=exact,wd=0 --steps 1000 --norms fro,nuclear
///   steepest train --data data.json --optimizer nsd:norm=fro --steps 1000 --margin gamma_fro.json --report run.json
///   steepest train --data data.json --optimizer sign --optimizer nsd:norm=fro --init normal:std=0.01 --seeds 0..4 --steps 1000
///   steepest train --data data.json --optimizer nsd:norm=fro --robust-linf 0.05 --steps 1000
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Dataset: {"classes": k, "x": [[…d floats…], …], "y": [labels in 0..k]} (or CSV/NPY, see `steepest::data`).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// Optimizer spec NAME[:key=value,…], e.g. nsd:norm=spectral, sign, muon:ns=exact. Repeat it
    /// to train several optimizers on the same data in one call (in parallel; the output is then
    /// {"runs": [one run per optimizer, in the order given]}, the same for any thread count).
    #[arg(long, value_name = "SPEC", required = true)]
    pub optimizer: Vec<String>,
    /// Number of steps, 1 ≤ T ≤ 10⁹.
    #[arg(long, value_name = "T")]
    pub steps: usize,
    /// Learning-rate schedule replacing the spec's lr: const:LR or power:eta0=…,a=… (η_t = η0 t^(−a)).
    #[arg(long, value_name = "SPEC")]
    pub schedule: Option<String>,
    /// Record at these steps (comma-separated, each in 1..=T; T is always added). Default: log-spaced.
    #[arg(long, value_name = "N1,N2,…", value_delimiter = ',')]
    pub record: Vec<usize>,
    /// Log-spaced records per decade when --record is not given (1 ≤ K ≤ 1000).
    #[arg(long, default_value_t = 4, value_name = "K")]
    pub per_decade: usize,
    /// Norms of the reported margins (comma-separated). Default: fro, spectral, max and the optimizer's own norm.
    #[arg(long, value_name = "N1,N2,…", value_delimiter = ',')]
    pub norms: Vec<String>,
    /// Loss: ce (cross-entropy), exp (multiclass exponential) or pairlog.
    #[arg(long, default_value = "ce", value_name = "ce|exp|pairlog")]
    pub loss: String,
    /// Gradient given to the optimizer: true (∇L; underflows once the margins pass ~745),
    /// shifted (∇L·e^{−s_t}, s_t the current log-scale; exact for NSD and sign descent, whose steps
    /// ignore the gradient's scale) or rescaled (∇L·e^{−r} with a reference r the optimizer's
    /// momenta follow; exact for every scale-invariant optimizer: Signum, NMD, Muon with ns=exact,
    /// Adam with eps=0). auto: shifted for the scale-invariant optimizers without gradient state
    /// (nsd, sign, cd, fromage, momentum-free spectral/ngd/nmd/signum), rescaled for the other
    /// scale-invariant optimizers, true otherwise.
    #[arg(
        long,
        default_value = "auto",
        value_name = "auto|true|shifted|rescaled"
    )]
    pub grad_scale: String,
    /// A `steepest margin` output (keys norm, gamma, W): adds the gap to γ and the correlation with W (repeatable).
    #[arg(long = "margin", value_name = "FILE")]
    pub margins: Vec<PathBuf>,
    /// Write the JSON here (atomically) instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Also write the trajectories, atomically: FILE.csv, one table (run, optimizer, [seed,] t, loss,
    /// margin:NORM…, gap:NORM…, correlation:NORM…) for pandas; FILE.npz, per run i the arrays
    /// run{i}/t, run{i}/loss, run{i}/margin:NORM…, and run{i}/W (W_t at the recorded steps,
    /// T_rec × k × d) for NumPy.
    #[arg(long, value_name = "FILE.csv|FILE.npz")]
    pub export: Option<PathBuf>,
    /// The start W_0: zero (default; the implicit-bias theorems' start) or normal:std=S (entries
    /// i.i.d. N(0, S²), drawn row by row by ChaCha8 seeded with the run's seed; seed 0 without
    /// --seeds). Each run records its "init", "seed" and "W0".
    #[arg(long, default_value = "zero", value_name = "zero|normal:std=S")]
    pub init: String,
    /// Seeds of the random start (needs --init normal:std=S): A..B (A to B−1), A..=B, or a list
    /// a,b,c. The seed drives only W_0 (data, optimizers and schedules are deterministic). With
    /// --seeds the output is {"runs": [...]}: one run per optimizer and seed, optimizers in the
    /// order given, seeds in the order given within each, computed in parallel and the same for
    /// any thread count (RAYON_NUM_THREADS).
    #[arg(long, value_name = "A..B|a,b,…")]
    pub seeds: Option<String>,
    /// Train robustly against ℓ∞ input perturbations ‖δ‖_∞ ≤ EPS: the loss is taken at the
    /// worst-case pair margins (w_y − w_c)ᵀh − EPS‖w_y − w_c‖_1 (Madry et al., arXiv:1706.06083),
    /// and the reported loss, margins and gaps are the robust ones. EPS ≥ 0.
    #[arg(long, value_name = "EPS", allow_negative_numbers = true)]
    pub robust_linf: Option<f64>,
}

/// A warning when the optimizer's settings break the assumptions of the implicit-bias theorems a
/// margin run is compared with: weight decay (torch's Muon and AdamW default to wd > 0) pulls W
/// toward 0 every step, so ‖W_t‖ stays bounded and W_t/‖W_t‖ converges to a regularized solution,
/// not to the max-margin one.
fn implicit_bias_warning(opt: &dyn Optimizer) -> Option<String> {
    let wd = opt.weight_decay();
    let canonical = opt.name();
    let name = canonical
        .split([':', ' '])
        .next()
        .unwrap_or(canonical.as_str());
    (wd != 0.0).then(|| {
        format!(
            "warning: {name} runs with weight decay wd={wd}, which keeps ‖W_t‖ bounded: the normalized margins then converge to a regularized solution, not to the max-margin one of the implicit-bias theorems; pass wd=0 in the optimizer spec for an implicit-bias run"
        )
    })
}

/// `auto`: shifted for the optimizers that are scale-invariant step by step and keep no gradient
/// state (each gradient may be rescaled on its own), rescaled for the other scale-invariant
/// optimizers (the state follows one common scale), the true gradient otherwise.
fn auto_grad_scale(opt: &dyn Optimizer) -> GradScale {
    match opt.scale_invariance() {
        ScaleInvariance::Memoryless => GradScale::Shifted,
        ScaleInvariance::Stateful => GradScale::Rescaled,
        ScaleInvariance::None => GradScale::True,
    }
}

fn snapshot_json(s: &Snapshot) -> Value {
    let obj = |v: &[(String, f64)]| {
        Value::Object(
            v.iter()
                .map(|(k, x)| (k.clone(), crate::io::num(*x)))
                .collect::<Map<String, Value>>(),
        )
    };
    let mut out = json!({
        "t": s.t,
        "loss": crate::io::num(s.loss),
        "log_loss": crate::io::num(s.log_loss),
        "proxy": crate::io::num(s.proxy),
        "min_margin": crate::io::num(s.min_margin),
        "margins": obj(&s.margins),
    });
    if !s.gaps.is_empty() {
        out["gaps"] = obj(&s.gaps);
    }
    if !s.correlations.is_empty() {
        out["correlations"] = obj(&s.correlations);
    }
    out
}

/// A `steepest margin` output: (norm, γ, W).
fn read_margin_file(
    path: &std::path::Path,
    k: usize,
    d: usize,
) -> Result<(String, f64, faer::Mat<f64>)> {
    let v = crate::io::read_json(path)?;
    let what = path.display();
    let norm = v.get("norm").and_then(Value::as_str).ok_or_else(|| {
        Error::input(format!(
            "'{what}' has no string \"norm\"; give the output of `steepest margin`"
        ))
    })?;
    let gamma = v.get("gamma").and_then(Value::as_f64).ok_or_else(|| {
        Error::input(format!(
            "'{what}' has no number \"gamma\"; give the output of `steepest margin`"
        ))
    })?;
    let wv = v.get("W").ok_or_else(|| {
        Error::input(format!(
            "'{what}' has no matrix \"W\"; give the output of `steepest margin` (not --binary)"
        ))
    })?;
    let w = crate::io::matrix_from_json(wv, &format!("\"W\" in '{what}'"))?;
    if (w.nrows(), w.ncols()) != (k, d) {
        return Err(Error::input(format!(
            "\"W\" in '{what}' is {}×{} but this dataset needs {k}×{d}; compute the margin on the same dataset",
            w.nrows(),
            w.ncols()
        )));
    }
    Ok((norm.to_string(), gamma, w))
}

/// The most steps `--steps` accepts: 10⁹ (a step costs at least a microsecond, so this is at
/// least a quarter of an hour; anything larger is a typo, e.g. 2⁶⁴ − 1, not a run).
pub const MAX_STEPS: usize = 1_000_000_000;

/// The most log-spaced records per decade (`--per-decade`): 1000 (a record per 0.23 % of t).
pub const MAX_PER_DECADE: usize = 1000;

/// Run the command.
pub fn run(args: Args, quiet: bool) -> Result<Output> {
    if args.steps == 0 {
        return Err(Error::input(
            "--steps must be at least 1; pass --steps T with T ≥ 1",
        ));
    }
    if args.steps > MAX_STEPS {
        return Err(Error::input(format!(
            "--steps {} is above the limit of {MAX_STEPS} steps; pass --steps T with 1 ≤ T ≤ {MAX_STEPS}",
            args.steps
        )));
    }
    if args.per_decade == 0 || args.per_decade > MAX_PER_DECADE {
        return Err(Error::input(format!(
            "--per-decade {} is outside 1..={MAX_PER_DECADE}; pass --per-decade K with 1 ≤ K ≤ {MAX_PER_DECADE} (default 4)",
            args.per_decade
        )));
    }
    if let Some(&t) = args.record.iter().find(|&&t| t == 0 || t > args.steps) {
        return Err(Error::input(format!(
            "--record step {t} is outside 1..={}; record only steps of the run",
            args.steps
        )));
    }
    if let Some(p) = &args.report {
        crate::io::check_writable(p)?;
    }
    if let Some(p) = &args.export {
        if !matches!(p.extension().and_then(|e| e.to_str()), Some("csv" | "npz")) {
            return Err(Error::input(format!(
                "--export '{}': CSV or NumPy .npz is written; give a path ending in .csv or .npz",
                p.display()
            )));
        }
        crate::io::check_writable(p)?;
    }
    let init = Init::parse(&args.init)?;
    let seeds = args.seeds.as_deref().map(parse_seeds).transpose()?;
    if seeds.is_some() && !init.is_random() {
        return Err(Error::input(
            "--seeds draws random starts, but --init zero is deterministic (every seed would give the same run); pass --init normal:std=S (e.g. normal:std=0.01) or drop --seeds",
        ));
    }
    let robust = args.robust_linf.map(RobustLinf::new).transpose()?;
    let loss = Loss::parse(&args.loss)?;
    let grad_scale = match args.grad_scale.as_str() {
        "auto" => None,
        other => Some(GradScale::parse(other).map_err(|_| {
            Error::input(format!(
                "unknown --grad-scale '{other}'; use auto, true, shifted or rescaled"
            ))
        })?),
    };
    let data = Dataset::load(&args.data)?;
    let model = Multiclass::new(data.x().clone(), data.y().to_vec(), data.classes(), loss)?;
    let (k, d) = model.shape();
    let schedule = args.schedule.as_deref().map(Schedule::parse).transpose()?;
    // every spec is checked before any run starts
    for spec in &args.optimizer {
        let opt = parse_optimizer_with_schedule(spec, schedule.clone(), &[(k, d)])?;
        if let Some(warning) = implicit_bias_warning(opt.as_ref()) {
            // a warning, not an error: decayed runs are legitimate experiments, but not the
            // theorem's
            super::say(&warning);
        }
    }
    let setup = Setup {
        model: &model,
        loss,
        grad_scale,
        init,
        robust,
    };
    // (optimizer, seed) in the documented order: optimizers as given, seeds within each
    let jobs: Vec<(&str, Option<u64>)> = args
        .optimizer
        .iter()
        .flat_map(|spec| match &seeds {
            Some(s) => s.iter().map(|&x| (spec.as_str(), Some(x))).collect(),
            None => vec![(spec.as_str(), init.is_random().then_some(0))],
        })
        .collect();
    let output = if let ([(spec, seed)], None) = (jobs.as_slice(), &seeds) {
        train_one(&args, spec, *seed, &setup, quiet)?
    } else {
        use rayon::prelude::*;
        // each run depends only on its own (spec, seed); collect keeps the order of `jobs`
        let runs = jobs
            .par_iter()
            .map(|&(spec, seed)| train_one(&args, spec, seed, &setup, true))
            .collect::<Result<Vec<Value>>>()?;
        json!({ "runs": runs })
    };
    let mut output = output;
    if let Some(p) = &args.export {
        if crate::io::Format::of(p) == crate::io::Format::Npz {
            export_npz(p, &mut output)?;
        } else {
            crate::io::write_atomic(p, crate::report::runs::csv(&output).as_bytes())?;
        }
    }
    Ok(Output::ok(output))
}

/// The key under which a run carries W_t at its recorded steps for `--export FILE.npz` only
/// (taken out of the JSON before it is printed).
const W_AT: &str = "W_at_records";

/// `--export FILE.npz`: per run i, the arrays run{i}/t, run{i}/loss, run{i}/margin:NORM,
/// run{i}/gap:NORM, run{i}/correlation:NORM along the trajectory and run{i}/W (W_t at the recorded
/// steps, stacked); the runs' W_t are removed from `output`.
fn export_npz(path: &std::path::Path, output: &mut Value) -> Result<()> {
    use crate::io::NamedArray;
    let several = output.get("runs").is_some_and(Value::is_array);
    let mut runs: Vec<&mut Value> = if several {
        output["runs"]
            .as_array_mut()
            .into_iter()
            .flatten()
            .collect()
    } else {
        vec![output]
    };
    let mut arrays: Vec<NamedArray> = Vec::new();
    for (i, run) in runs.iter_mut().enumerate() {
        let w_at = run
            .as_object_mut()
            .and_then(|o| o.remove(W_AT))
            .unwrap_or(Value::Null);
        let traj = run["trajectory"].as_array().cloned().unwrap_or_default();
        let column = |f: &dyn Fn(&Value) -> Option<f64>| -> Vec<f64> {
            traj.iter().map(|s| f(s).unwrap_or(f64::NAN)).collect()
        };
        let n = traj.len();
        let mut push = |name: String, data: Vec<f64>| {
            arrays.push(NamedArray {
                name,
                shape: vec![data.len()],
                data,
            })
        };
        push(format!("run{i}/t"), column(&|s| s["t"].as_f64()));
        push(format!("run{i}/loss"), column(&|s| s["loss"].as_f64()));
        for (key, label) in [
            ("margins", "margin"),
            ("gaps", "gap"),
            ("correlations", "correlation"),
        ] {
            let names: Vec<String> = run["final"][key]
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            for norm in names {
                push(
                    format!("run{i}/{label}:{norm}"),
                    column(&|s| s[key][&norm].as_f64()),
                );
            }
        }
        let (k, d) = (
            run["data"]["classes"].as_u64().unwrap_or(0) as usize,
            run["data"]["d"].as_u64().unwrap_or(0) as usize,
        );
        let data: Vec<f64> = w_at
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|m| m.as_array().into_iter().flatten())
            .flat_map(|row| row.as_array().into_iter().flatten())
            .filter_map(Value::as_f64)
            .collect();
        if data.len() != n * k * d {
            return Err(Error::failed(format!(
                "--export: run {i} kept {} numbers of W_t for {n} records of a {k}×{d} W; this is a bug in steepest",
                data.len()
            )));
        }
        arrays.push(NamedArray {
            name: format!("run{i}/W"),
            shape: vec![n, k, d],
            data,
        });
    }
    let doc = crate::io::Document {
        head: Map::new(),
        arrays,
    };
    doc.emit(Some(path))
}

/// What every run of one call shares.
struct Setup<'a> {
    model: &'a Multiclass,
    loss: Loss,
    grad_scale: Option<GradScale>,
    init: Init,
    robust: Option<RobustLinf>,
}

/// One optimizer's run from the start drawn with `seed`: its output object (CONTRACT keys
/// `optimizer`, `steps`, `trajectory`, `final`, plus the settings, the data's shape, the start and
/// the final W).
fn train_one(
    args: &Args,
    spec_text: &str,
    seed: Option<u64>,
    setup: &Setup<'_>,
    quiet: bool,
) -> Result<Value> {
    let (model, loss, grad_scale) = (setup.model, setup.loss, setup.grad_scale);
    let (k, d) = model.shape();
    let schedule = args.schedule.as_deref().map(Schedule::parse).transpose()?;
    let mut opt = parse_optimizer_with_schedule(spec_text, schedule, &[(k, d)])?;
    let grad_scale = grad_scale.unwrap_or_else(|| auto_grad_scale(opt.as_ref()));

    let mut names: Vec<String> = if args.norms.is_empty() {
        let mut v: Vec<String> = vec!["fro".into(), "spectral".into(), "max".into()];
        if let Some(own) = opt.norm() {
            v.push(own);
        }
        v
    } else {
        args.norms.iter().map(|s| s.trim().to_string()).collect()
    };
    let mut gammas: Vec<(String, f64)> = Vec::new();
    let mut refs = Vec::new();
    for p in &args.margins {
        let (norm, gamma, w) = read_margin_file(p, k, d)?;
        gammas.push((norm.clone(), gamma));
        refs.push((norm.clone(), w));
        names.push(norm);
    }
    let mut norms: Vec<Box<dyn Norm>> = Vec::new();
    for n in &names {
        let norm = parse_norm(n)?;
        if !norms.iter().any(|m| m.name() == norm.name()) {
            norms.push(norm);
        }
    }
    let record = if args.record.is_empty() {
        log_spaced(args.steps, args.per_decade)
    } else {
        args.record.clone()
    };
    // --export FILE.npz keeps W_t at the recorded steps: the observer sees W_{t−1} before step t,
    // and the final W is W_T
    let keep_w = args.export.as_deref().map(crate::io::Format::of) == Some(crate::io::Format::Npz);
    let mut recorded = record.clone();
    recorded.sort_unstable();
    recorded.dedup();
    let mut w_at: Vec<Value> = Vec::new();
    let mut spec = RunSpec::new(args.steps)
        .record_at(record)
        .grad_scale(grad_scale);
    for norm in norms {
        let canonical = norm.name();
        let gamma = gammas
            .iter()
            .find(|(n, _)| parse_norm(n).map(|m| m.name()).ok().as_deref() == Some(&canonical))
            .map(|g| g.1);
        spec = spec.norm(norm, gamma);
    }
    for (n, w) in refs {
        spec = spec.reference(n, w);
    }
    let w0 = seed.and_then(|s| setup.init.draw(k, d, s));
    if let Some(w0) = &w0 {
        spec = spec.w0(w0.clone());
    }
    if let Some(r) = setup.robust {
        spec = spec.robust(r);
    }
    let bar = super::progress_bar(args.steps as u64, quiet, spec_text);
    // Redraw about a thousand times per run at most.
    let tick = (args.steps / 1000).max(1);
    let traj = run_training(model, opt.as_mut(), &spec, &mut |v| {
        if keep_w && v.t > 1 && recorded.binary_search(&(v.t - 1)).is_ok() {
            w_at.push(crate::io::matrix_to_json(v.w));
        }
        if let Some(b) = &bar {
            if v.t % tick == 0 {
                b.set_position(v.t as u64);
            }
        }
        Ok(())
    });
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let traj = traj?;
    // No null where a number is promised: a loss or margin beyond f64 (features or a learning
    // rate near 1e300 push the logits past 1.8e308) is refused, naming the step.
    let fix = "the features or the learning rate are so large that the logits leave the f64 range; scale the features down or lower the learning rate";
    for r in &traj.records {
        let at = |name: &str| format!("the {name} at step {}", r.t);
        crate::io::finite(r.loss, &at("loss"), fix)?;
        crate::io::finite(r.log_loss, &at("log-loss"), fix)?;
        crate::io::finite(r.proxy, &at("loss proxy"), fix)?;
        crate::io::finite(r.min_margin, &at("minimum margin"), fix)?;
        for (n, x) in r.margins.iter().chain(&r.gaps).chain(&r.correlations) {
            crate::io::finite(*x, &at(&format!("value for '{n}'")), fix)?;
        }
    }
    crate::io::finite_matrix(traj.w.as_ref(), "the final W", fix)?;
    let trajectory: Vec<Value> = traj.records.iter().map(snapshot_json).collect();
    let last = trajectory.last().cloned().unwrap_or(Value::Null);
    if keep_w && recorded.last() == Some(&args.steps) {
        w_at.push(crate::io::matrix_to_json(traj.w.as_ref()));
    }
    let mut out = json!({
        "optimizer": traj.optimizer,
        "steps": traj.steps,
        "schedule": args.schedule,
        "loss_kind": loss.name(),
        "grad_scale": grad_scale.name(),
        "data": { "n": model.n(), "d": d, "classes": k },
        "trajectory": trajectory,
        "final": last,
        "W": crate::io::matrix_to_json(traj.w.as_ref()),
    });
    if let (Some(seed), Some(w0)) = (seed, &w0) {
        out["init"] = json!(setup.init.name());
        out["seed"] = json!(seed);
        out["W0"] = crate::io::matrix_to_json(w0.as_ref());
    }
    if let Some(r) = setup.robust {
        out["robust_linf"] = crate::io::num(r.eps());
    }
    if keep_w {
        out[W_AT] = Value::Array(w_at);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(spec: &str) -> Box<dyn Optimizer> {
        crate::optim::parse_optimizer(spec, &[(3, 4)]).expect("spec")
    }

    #[test]
    fn own_norms_and_auto_scaling() {
        assert_eq!(
            opt("nsd:norm=spectral,lr=0.1").norm().as_deref(),
            Some("spectral")
        );
        assert_eq!(opt("sign").norm().as_deref(), Some("max"));
        assert_eq!(opt("muon:ns=exact").norm().as_deref(), Some("spectral"));
        assert_eq!(opt("cd").norm().as_deref(), Some("sum"));
        assert_eq!(opt("shampoo").norm(), None);
        let auto = |spec: &str| auto_grad_scale(opt(spec).as_ref());
        assert_eq!(auto("nsd:norm=fro"), GradScale::Shifted);
        assert_eq!(auto("spectral"), GradScale::Shifted);
        assert_eq!(auto("spectral:beta=0.9"), GradScale::Rescaled);
        assert_eq!(auto("signum:beta=0.9"), GradScale::Rescaled);
        assert_eq!(auto("nmd:norm=fro,beta=0.9"), GradScale::Rescaled);
        assert_eq!(auto("muon:ns=exact"), GradScale::Rescaled);
        assert_eq!(auto("adam:eps=0"), GradScale::Rescaled);
        // equal optimizers get equal scales: NMD and Signum without momentum are NSD and sign
        // descent
        assert_eq!(auto("nmd:norm=fro,beta=0"), auto("nsd:norm=fro"));
        assert_eq!(auto("signum:beta=0"), auto("sign"));
        // GaussSouthwell states no degree (optim/dualize.rs), so cd keeps the true gradient
        assert_eq!(auto("cd"), GradScale::True);
        // Fromage's trust ratio makes each step independent of the gradient's scale, and it keeps
        // no gradient state: the shifted gradient is exact (its true gradient underflows on
        // separable data)
        assert_eq!(auto("fromage:lr=0.01"), GradScale::Shifted);
        assert!(opt("fromage").scale_invariant());
        // Newton–Schulz normalizes by ‖X‖_F + ε, Adam's default ε > 0, GD is linear in ∇L, the
        // sharp step ‖g‖_*·LMO(g) has degree 1
        assert_eq!(auto("muon"), GradScale::True);
        assert_eq!(auto("adam"), GradScale::True);
        assert_eq!(auto("gd"), GradScale::True);
        assert_eq!(auto("sd:norm=fro"), GradScale::True);
    }

    #[test]
    fn weight_decay_is_warned_about() {
        let w = implicit_bias_warning(opt("muon").as_ref()).expect("torch's default wd = 0.1");
        assert!(
            w.contains("muon runs") && w.contains("wd=0.1") && w.contains("wd=0"),
            "{w}"
        );
        assert_eq!(implicit_bias_warning(opt("muon:wd=0").as_ref()), None);
        assert_eq!(implicit_bias_warning(opt("sign").as_ref()), None);
        assert!(implicit_bias_warning(opt("momo:wd=0.01").as_ref()).is_some());
        assert!(implicit_bias_warning(opt("adamw").as_ref()).is_some());
    }
}
