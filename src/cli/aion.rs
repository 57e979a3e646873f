//! `steepest aion`: one-step AION training by the Method of Infinite Descent (`solve`) and the
//! symbolic derivation of the resummed update equation (`derive`, feature `symbolic`).

use super::Output;
use crate::aion::presets::{self, Instance};
use crate::error::{Error, Result};
use crate::solve::{self, Inner, Options};
use serde_json::{json, Value};
use std::path::PathBuf;

/// AION: one-step training by Infinite Descent (`solve`), symbolic derivation (`derive`).
///
/// AION and the Method of Infinite Descent (Batley & Saha 2025).
///
/// Examples:
///   steepest aion solve --preset fig1
///   steepest aion solve --config my_aion.json --report aion.json
///   cargo run --release --features symbolic -- aion derive --order 6
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    #[command(subcommand)]
    pub command: AionCommand,
}

/// The `aion` subcommands.
#[derive(clap::Subcommand, Debug)]
pub enum AionCommand {
    Solve(SolveArgs),
    Derive(DeriveArgs),
}

/// One Infinite Descent step θ1 = θ0 + δ with ∇L(θ0 + δ) = 0 solved from the resummed equation,
/// next to gradient descent, damped Newton, Newton–CG and L-BFGS on the same problem and tolerance
/// (JSON report); `--multistart N` runs every method from N random starts θ* + N(0, σ²) and prints
/// success rates and cost quantiles on stderr (numbers under "multistart" in the JSON).
///
/// Examples:
///   steepest aion solve --preset fig1
///   steepest aion solve --preset rank2 --report rank2.json
///   steepest aion solve --preset fig1 --inner tr --no-baselines
///   steepest aion solve --config my_aion.json --tol 1e-10
///   steepest aion solve --preset fig1 --multistart 20 --sigma 0.1 --seed 0
///   steepest aion solve --model docs/example/fig1.model.json --out fig1.json   (--features symbolic)
///   steepest aion solve --model docs/example/tanh.model.json --baselines-only --out tanh.json
///
/// Config (contract "AION config"):
///   {"rank": r, "terms": P, "x": [[d floats], …], "y": [N floats], "theta0": [4·r·d·P floats]}
/// θ ordered by rank, input, term; each term (A, α, ω, φ). Exit 1 if the step does not converge
/// to a minimum, 2 on bad input.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct SolveArgs {
    /// A built-in problem: fig1 (d = r = P = 1, N = 64) or rank2 (d = r = P = 2, N = 400).
    #[arg(
        long,
        value_name = "fig1|rank2",
        conflicts_with_all = ["config", "model"],
        required_unless_present_any = ["config", "model"]
    )]
    pub preset: Option<String>,
    /// An AION config JSON file.
    #[arg(long, value_name = "FILE", conflicts_with = "model")]
    pub config: Option<PathBuf>,
    /// A model file (JSON): f(x; θ) written as an expression over named parameters and data
    /// columns, the data, the loss, θ0 by name and solver settings (docs/guide.md, "Writing a
    /// model"). Needs --features symbolic and --report (Symbolica prints its banner on stdout).
    #[arg(long, value_name = "FILE")]
    pub model: Option<PathBuf>,
    /// Write the JSON report here (atomically) instead of stdout. `--out` is the same option
    /// (with --model, Symbolica's licence banner stays on the terminal and the JSON goes here).
    #[arg(long, visible_alias = "out", value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Inner root solver of the Infinite Descent step: lm (Levenberg–Marquardt on the resummed
    /// residuals), tr (trust-region Newton with the exact Jacobian), newton (undamped; may stop at a
    /// non-minimizing point, which is then reported as a failure).
    #[arg(long, default_value = "lm", value_name = "lm|tr|newton")]
    pub inner: String,
    /// Tolerance on ‖∇L‖₂ for Infinite Descent and every baseline.
    #[arg(long, default_value_t = 1e-12)]
    pub tol: f64,
    /// Inner iteration budget of the Infinite Descent step.
    #[arg(long, default_value_t = 500)]
    pub max_inner: usize,
    /// Iteration budget of gradient descent.
    #[arg(long, default_value_t = 20000)]
    pub gd_max_iter: usize,
    /// Iteration budget of damped Newton and of Newton–CG.
    #[arg(long, default_value_t = 500)]
    pub newton_max_iter: usize,
    /// Iteration budget of L-BFGS.
    #[arg(long, default_value_t = 2000)]
    pub lbfgs_max_iter: usize,
    /// Skip the baselines (`baselines` is then null; `--multistart` runs Infinite Descent alone).
    #[arg(long)]
    pub no_baselines: bool,
    /// With --model: run only the baselines (gradient descent, damped Newton, Newton–CG, L-BFGS)
    /// from θ0 to solver.tol, not Infinite Descent — the way to solve a model outside the
    /// Infinity Class (the report states why Infinite Descent was refused).
    #[arg(long, requires = "model", conflicts_with_all = ["no_baselines", "multistart"])]
    pub baselines_only: bool,
    /// Also run every method from N random starts θ_c + N(0, σ²) (θ_c = θ* of a preset, else θ0)
    /// and report success rates and cost quantiles (table on stderr, "multistart" in the JSON).
    #[arg(long, value_name = "N")]
    pub multistart: Option<usize>,
    /// σ of the multi-start perturbation.
    #[arg(long, default_value_t = solve::multistart::DEFAULT_SIGMA, requires = "multistart")]
    pub sigma: f64,
    /// Seed of the multi-start perturbations (ChaCha8).
    #[arg(long, default_value_t = 0, requires = "multistart")]
    pub seed: u64,
    /// Multi-start success needs L ≤ L_best + loss_tol·(1 + |L_best|).
    #[arg(long, default_value_t = solve::multistart::DEFAULT_LOSS_TOL, requires = "multistart")]
    pub loss_tol: f64,
}

/// Print the closed-form resummed update equation derived symbolically (needs `--features symbolic`).
///
/// Examples:
///   cargo run --release --features symbolic -- aion derive
///   steepest aion derive --rank 1 --dim 2 --terms 1 --order 6 --latex
///   steepest aion derive --latex --out aion.tex     (the banner stays on the terminal)
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct DeriveArgs {
    /// Rank r.
    #[arg(long, default_value_t = 1)]
    pub rank: usize,
    /// Input dimension d.
    #[arg(long, default_value_t = 1)]
    pub dim: usize,
    /// Terms per atom P.
    #[arg(long, default_value_t = 1)]
    pub terms: usize,
    /// Order K up to which the resummed series is proved equal to the Taylor tower.
    #[arg(long, default_value_t = 6)]
    pub order: u32,
    /// Print LaTeX instead of text.
    #[arg(long)]
    pub latex: bool,
    /// Write the derivation to this file (atomically) instead of stdout; Symbolica's licence
    /// banner stays on the terminal.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

fn load(a: &SolveArgs) -> Result<Instance> {
    match (&a.preset, &a.config) {
        (Some(p), None) => presets::preset(p),
        (None, Some(path)) => {
            let v = crate::io::read_json(path)?;
            presets::from_config(&v, &format!("'{}'", path.display()))
        }
        _ => Err(Error::input(
            "give exactly one of --preset fig1|rank2 or --config FILE",
        )),
    }
}

/// Run `aion solve --model FILE`: parse and check the file (errors exit 2 in every build), then
/// decide the Infinity Class and solve with the derived update (feature `symbolic`).
fn solve_model(a: &SolveArgs, path: &std::path::Path) -> Result<Output> {
    let v = crate::io::read_json(path)?;
    let mf = crate::aion::lang::ModelFile::from_json(&v, &format!("'{}'", path.display()))?;
    #[cfg(feature = "symbolic")]
    {
        if a.report.is_none() {
            return Err(Error::input(
                "aion solve --model runs Symbolica, which prints its licence banner on stdout; give --out PATH (or --report PATH) for the JSON",
            ));
        }
        if a.baselines_only {
            return crate::algebra::model::solve_baselines_only(&mf, budgets(a)).map(Output::ok);
        }
        crate::algebra::model::solve(&mf).map(Output::ok)
    }
    #[cfg(not(feature = "symbolic"))]
    {
        let _ = (a, mf);
        Err(Error::input(
            "aion solve --model derives the update with Symbolica (feature `symbolic`, its own licence; see README); the model file is valid — rebuild with: cargo run --release --features symbolic -- aion solve --model FILE --report OUT.json",
        ))
    }
}

/// Run `aion solve`.
pub fn solve(a: &SolveArgs) -> Result<Output> {
    if !(a.tol > 0.0 && a.tol.is_finite()) {
        return Err(Error::input(format!(
            "--tol {} must be a positive finite number, e.g. --tol 1e-12",
            a.tol
        )));
    }
    if let Some(p) = &a.report {
        crate::io::check_writable(p)?;
    }
    if let Some(path) = &a.model {
        return solve_model(a, path);
    }
    let inst = load(a)?;
    let opts = Options {
        inner: Inner::parse(&a.inner)?,
        tol: a.tol,
        max_inner: a.max_inner,
        gauge: true,
    };
    let prob = &inst.problem;
    let multistart = multistart_protocol(a, opts)?;
    let start = std::time::Instant::now();
    let step = solve::infinite_descent(prob, &inst.theta0, &opts)?;
    let wall_ms = start.elapsed().as_secs_f64() * 1e3;
    let baselines = if a.no_baselines {
        Value::Null
    } else {
        solve::run_baselines(prob, &inst.theta0, a.tol, &budgets(a))
    };
    let multistart = match multistart {
        None => Value::Null,
        Some(p) => {
            let (centre, name) = match &inst.theta_star {
                Some(ts) => (ts, "theta_star"),
                None => (&inst.theta0, "theta0"),
            };
            let ms = solve::multistart::run(prob, centre, name, &p)?;
            super::say(&ms.table());
            ms.to_json()
        }
    };
    let sh = prob.shape;
    let theta_err = inst.theta_star.as_ref().map(|ts| {
        let fs = prob.predict(ts);
        let f1 = prob.predict(&step.theta1);
        fs.iter()
            .zip(&f1)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max)
    });
    let nums = |v: &[f64]| Value::Array(v.iter().map(|x| crate::io::num(*x)).collect());
    Ok(Output::ok(json!({
        "outer_steps": step.outer_steps,
        "inner_iterations": step.counts.iterations,
        "evaluations": {
            "residual": step.counts.evaluations,
            "jacobian": step.counts.jacobian_evaluations,
        },
        "loss_before": crate::io::num(step.loss_before),
        "loss_after": crate::io::num(step.loss_after),
        "grad_norm_after": crate::io::num(step.grad_norm_after),
        "theta": nums(&step.theta1),
        "wall_ms": crate::io::num(wall_ms),
        "baselines": baselines,
        "multistart": multistart,
        "inner_solver": step.inner.name(),
        "tol": a.tol,
        "curvature": {
            "lambda_min": crate::io::num(step.curvature_min),
            "lambda_max": crate::io::num(step.curvature_max),
            "positive_definite": step.strict_minimum,
            "gauge_fixed": sh.gauge_fixed(),
        },
        "shape": { "rank": sh.rank, "dim": sh.dim, "terms": sh.terms, "n_samples": prob.n_samples() },
        "theta0": nums(&inst.theta0),
        "max_abs_f_error_vs_theta_star": theta_err.map(crate::io::num),
    })))
}

/// The iteration budgets of the baselines.
fn budgets(a: &SolveArgs) -> solve::multistart::Budgets {
    solve::multistart::Budgets {
        gradient_descent: a.gd_max_iter,
        newton: a.newton_max_iter,
        lbfgs: a.lbfgs_max_iter,
    }
}

/// The multi-start protocol of `--multistart N` (None without the flag); bad settings exit 2
/// before anything runs.
fn multistart_protocol(a: &SolveArgs, id: Options) -> Result<Option<solve::multistart::Protocol>> {
    use solve::multistart::{Method, Protocol};
    let Some(n) = a.multistart else {
        return Ok(None);
    };
    let methods = if a.no_baselines {
        vec![Method::InfiniteDescent]
    } else {
        Method::ALL.to_vec()
    };
    let p = Protocol {
        starts: n,
        sigma: a.sigma,
        seed: a.seed,
        loss_tol: a.loss_tol,
        id,
        budgets: budgets(a),
        methods,
    };
    p.check()?;
    Ok(Some(p))
}

/// Run `aion derive`: text on stdout (never JSON) or, with `--out`, in that file (written
/// atomically, checked before the derivation runs); exit 2 when the feature is off.
pub fn derive(a: &DeriveArgs) -> Result<()> {
    if let Some(p) = &a.out {
        crate::io::check_writable(p)?;
    }
    #[cfg(feature = "symbolic")]
    {
        let text = crate::algebra::derive_report(a.rank, a.dim, a.terms, a.order, a.latex)?;
        match &a.out {
            Some(p) => {
                crate::io::write_atomic(p, format!("{text}\n").as_bytes())?;
                super::say(&format!(
                    "aion derive: derivation written to {}",
                    p.display()
                ));
            }
            None => println!("{text}"),
        }
        Ok(())
    }
    #[cfg(not(feature = "symbolic"))]
    {
        let _ = a;
        Err(Error::input(
            "`aion derive` needs the symbolic feature (Symbolica, its own licence; see README); rebuild with: cargo run --release --features symbolic -- aion derive",
        ))
    }
}
