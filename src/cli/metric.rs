//! `steepest metric`: the natural-gradient metric of one update (file 10; `crate::metric`).

use super::Output;
use crate::error::{Error, Result};
use crate::io::{matrix_to_json, num, read_json};
use crate::metric::{self, SecantPair};
use serde_json::{json, Value};
use std::path::PathBuf;

/// The SPD metric M with M·a = b for an update a and b = −∇L (metric-tensor convention:
/// update = −M⁻¹∇L), by default the minimum-condition-number metric
/// M_opt = [b bᵀ + ‖b‖²(I − â âᵀ)]/(aᵀb) with κ(M_opt) = κ* = ((‖b‖ + ‖b_⊥‖)/b_∥)².
///
/// Input: {"a": [update...], "b": [−∇L...]}. Output keys: kappa_min, kappa (condition number of
/// the returned M, from its eigenvalues), M, spd; plus convention, metric, a_dot_b, cos_psi,
/// sin_psi, beta_star, eigenvalues, and P = M⁻¹ (the preconditioner, a = P b) with --preconditioner.
/// aᵀb ≤ 0: exit 2, no SPD metric exists.
///
/// Examples:
///   steepest metric --input step.json
///   steepest metric --input step.json --metric bfgs --report m.json
///   steepest metric --input step.json --metric beta:2.5 --preconditioner
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// JSON file {"a": [...], "b": [...]} (a = update, b = −∇L).
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Which metric: optimal (minimum κ), bfgs (BFGS of I = M(1)), dfp (DFP of I), beta:B (M(β)).
    #[arg(
        long,
        default_value = "optimal",
        value_name = "optimal|bfgs|dfp|beta:B"
    )]
    pub metric: String,
    /// Also output P = M⁻¹, the preconditioner with a = P·b.
    #[arg(long)]
    pub preconditioner: bool,
    /// Write the JSON here (atomically) instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
}

fn vector(v: &Value, key: &str, file: &str) -> Result<Vec<f64>> {
    let arr = v.get(key).ok_or_else(|| {
        Error::input(format!(
            "'{file}' has no key \"{key}\"; give {{\"a\": [update...], \"b\": [−∇L...]}}"
        ))
    })?;
    let arr = arr.as_array().ok_or_else(|| {
        Error::input(format!("\"{key}\" in '{file}' must be an array of numbers"))
    })?;
    arr.iter()
        .enumerate()
        .map(|(i, x)| match x.as_f64() {
            Some(f) if f.is_finite() => Ok(f),
            _ => Err(Error::input(format!(
                "\"{key}\"[{i}] in '{file}' is {x}, not a finite number; every entry must be a finite number"
            ))),
        })
        .collect()
}

/// Run the command.
pub fn run(args: Args) -> Result<Output> {
    let file = args.input.display().to_string();
    let v = read_json(&args.input)?;
    if !v.is_object() {
        return Err(Error::input(format!(
            "'{file}' must hold an object {{\"a\": [...], \"b\": [...]}}"
        )));
    }
    let a = vector(&v, "a", &file)?;
    let b = vector(&v, "b", &file)?;
    let pair = SecantPair::metric_tensor(&a, &b)?;
    let m = match args.metric.as_str() {
        "optimal" => pair.optimal(),
        "bfgs" => pair.bfgs_identity(),
        "dfp" => pair.dfp_identity(),
        other => match other.strip_prefix("beta:").map(str::parse::<f64>) {
            Some(Ok(beta)) => pair.family(beta)?,
            _ => {
                return Err(Error::input(format!(
                    "unknown --metric '{other}'; use optimal, bfgs, dfp or beta:B with B > 0"
                )))
            }
        },
    };
    let dense = match m.kind() {
        "optimal" => metric::dense_optimal(&pair),
        "dfp-identity" => metric::dense_dfp_identity(&pair),
        _ => metric::dense_family(&pair, m.complement_eigenvalue()),
    };
    let ev = metric::dense_eigenvalues(dense.as_ref())?;
    let (lo, hi) = (ev[0], ev[ev.len() - 1]);
    let spd = lo > 0.0 && metric::asymmetry(dense.as_ref()) <= 4.0 * f64::EPSILON;
    let kappa = if lo > 0.0 { hi / lo } else { f64::INFINITY };
    let mut out = json!({
        "kappa_min": num(pair.kappa_min()),
        "kappa": num(kappa),
        "M": matrix_to_json(dense.as_ref()),
        "spd": spd,
        "convention": "metric-tensor: a = update, b = −∇L, M a = b (update = −M⁻¹∇L)",
        "metric": m.kind(),
        "a_dot_b": num(pair.a_dot_b()),
        "cos_psi": num(pair.cos_psi()),
        "sin_psi": num(pair.sin_psi()),
        "beta_star": num(pair.beta_star()),
        "kappa_matrix_free": num(m.kappa()),
        "secant_residual": num(metric::secant_residual(dense.as_ref(), &a, &b)),
        "eigenvalues": ev.iter().map(|x| num(*x)).collect::<Vec<_>>(),
    });
    if args.preconditioner {
        out["P"] = matrix_to_json(m.to_dense_inverse().as_ref());
    }
    Ok(Output::ok(out))
}
