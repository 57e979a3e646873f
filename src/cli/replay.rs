//! `steepest replay`: replay a gradient sequence through an optimizer and print the parameters
//! after every step (CONTRACT: `{"W0": matrix, "grads": [matrix, …]}` → `{"params": [...]}`).

use super::Output;
use crate::error::{Error, Result};
use crate::io::{matrix_from_json, matrix_to_json, read_json};
use crate::optim::{parse_optimizer_with_schedule, Schedule};
use serde_json::{json, Value};
use std::path::PathBuf;

/// Replay fixed gradients through an optimizer: W_{t+1} = W_t + u_t(g_t).
///
/// The input file is {"W0": matrix, "grads": [matrix, …]} (matrices as arrays of rows), plus an
/// optional "losses": [f(W_0), f(W_1), …] (one per gradient) for Momo-type optimizers. The output
/// has "params" (W after each step), "optimizer" (the canonical spec with every default filled in)
/// and "steps".
///
/// Examples:
///   steepest replay --optimizer muon:lr=0.02,momentum=0.95,nesterov=true --input run.json
///   steepest replay --optimizer adam:lr=1e-3,eps=0 --input run.json --report out.json
///   steepest replay --optimizer nsd:norm=spectral --schedule power:eta0=0.5,a=0.5 --input run.json
///   # optax.contrib.muon semantics (bias-corrected EMA, optax's shape scale, its defaults):
///   steepest replay --optimizer muon:lr=0.02,momentum=0.95,eps=1e-8,wd=0,bias_correction=true,scale=optax --input run.json
///
/// Optimizers: gd, ngd, nsd, sd, nmd, spectral, muon, sign, signum, adam, adamw, shampoo, prodigy,
/// fromage, nesgd, scion, polargrad, muonadam, muonmax, momo, muonadam-momo, muonmax-momo, muon-adam,
/// muon-signum, cd. An unknown key is an error that lists the optimizer's keys.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// Optimizer spec NAME[:key=value,…]; defaults are filled in and echoed under "optimizer".
    #[arg(long, value_name = "SPEC")]
    pub optimizer: String,
    /// JSON file with "W0" and "grads" (and optionally "losses").
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Learning-rate schedule replacing the spec's lr: const:LR, power:eta0=…,a=…, …
    #[arg(long, value_name = "SPEC")]
    pub schedule: Option<String>,
    /// Write the JSON here (atomically) instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
}

/// Run the command.
pub fn run(args: Args) -> Result<Output> {
    if let Some(p) = &args.report {
        crate::io::check_writable(p)?;
    }
    let file = args.input.display().to_string();
    let v = read_json(&args.input)?;
    let obj = v.as_object().ok_or_else(|| {
        Error::input(format!(
            "'{file}' must hold an object {{\"W0\": matrix, \"grads\": [matrix, …]}}"
        ))
    })?;
    let w0 = obj.get("W0").ok_or_else(|| {
        Error::input(format!(
            "'{file}' has no key \"W0\"; put the initial parameters under \"W0\""
        ))
    })?;
    let mut w = vec![matrix_from_json(w0, &format!("\"W0\" in '{file}'"))?];
    let grads = obj.get("grads").and_then(Value::as_array).ok_or_else(|| {
        Error::input(format!(
            "'{file}' needs \"grads\": a list of matrices with W0's shape"
        ))
    })?;
    let (r, c) = (w[0].nrows(), w[0].ncols());
    let grads = grads
        .iter()
        .enumerate()
        .map(|(t, g)| {
            let g = matrix_from_json(g, &format!("\"grads\"[{t}] in '{file}'"))?;
            if (g.nrows(), g.ncols()) != (r, c) {
                return Err(Error::input(format!(
                    "\"grads\"[{t}] in '{file}' is {}×{} but W0 is {r}×{c}; every gradient must have W0's shape",
                    g.nrows(),
                    g.ncols()
                )));
            }
            Ok(g)
        })
        .collect::<Result<Vec<_>>>()?;
    let losses: Option<Vec<f64>> = match obj.get("losses") {
        None | Some(Value::Null) => None,
        Some(l) => {
            let arr = l.as_array().ok_or_else(|| {
                Error::input(format!("\"losses\" in '{file}' must be a list of numbers"))
            })?;
            if arr.len() != grads.len() {
                return Err(Error::input(format!(
                    "\"losses\" in '{file}' has {} entries but there are {} gradients; give one loss per gradient",
                    arr.len(),
                    grads.len()
                )));
            }
            Some(
                arr.iter()
                    .enumerate()
                    .map(|(t, x)| {
                        x.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
                            Error::input(format!(
                                "\"losses\"[{t}] in '{file}' is {x}, not a finite number"
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
            )
        }
    };
    let schedule = args.schedule.as_deref().map(Schedule::parse).transpose()?;
    let mut opt = parse_optimizer_with_schedule(&args.optimizer, schedule, &[(r, c)])?;
    let mut params = Vec::with_capacity(grads.len());
    for (t, g) in grads.into_iter().enumerate() {
        let loss = losses.as_ref().map(|l| l[t]);
        if loss.is_none() && opt.needs_loss() {
            return Err(Error::input(format!(
                "optimizer '{}' (Momo-type) needs the loss f(W_t) at every step: add \"losses\": [f(W_0), f(W_1), …] (one number per gradient) to '{file}'",
                args.optimizer
            )));
        }
        opt.step(&mut w, std::slice::from_ref(&g), loss)?;
        params.push(matrix_to_json(w[0].as_ref()));
    }
    Ok(Output::ok(json!({
        "optimizer": opt.name(),
        "steps": params.len(),
        "params": params,
    })))
}
