//! `steepest replay`: replay a gradient sequence through an optimizer and print the parameters
//! after every step (CONTRACT: `{"W0": matrix, "grads": [matrix, …]}` → `{"params": [...]}`).

use crate::error::{Error, Result};
use crate::io::flat::{read_arrays, Want};
use crate::io::npy::{Array, Npz};
use crate::io::{check_finite, matrix_from_array, push_rows, Document, Format, NamedArray};
use crate::optim::{parse_optimizer_with_schedule, Schedule};
use faer::Mat;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Replay fixed gradients through an optimizer: W_{t+1} = W_t + u_t(g_t).
///
/// The input file is {"W0": matrix, "grads": [matrix, …]} (matrices as arrays of rows), plus an
/// optional "losses": [f(W_0), f(W_1), …] (one per gradient) for Momo-type optimizers. The output
/// has "params" (W after each step), "optimizer" (the canonical spec with every default filled in)
/// and "steps", as compact JSON streamed to the sink. The input may also be a .npz archive with
/// arrays W0 (r × c), grads (T × r × c) and optionally losses (T), as numpy.savez writes them; with
/// --report PATH.npy the params alone (a T × r × c array), with PATH.npz the arrays params and
/// steps. Memory: the gradients and the parameters, 16·T·r·c bytes, and no JSON tree.
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
    /// JSON file with "W0" and "grads" (and optionally "losses"), or .npz with those arrays.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Learning-rate schedule replacing the spec's lr: const:LR, power:eta0=…,a=…, …
    #[arg(long, value_name = "SPEC")]
    pub schedule: Option<String>,
    /// Write the output here (atomically) instead of stdout: JSON, or .npy/.npz by extension.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Threads for the dense products of each step (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// The replay input: W0, the gradients stacked (T × r × c, row-major) and the optional losses.
struct Input {
    w0: Mat<f64>,
    grads: Array,
    losses: Option<Vec<f64>>,
}

/// Read the input (JSON straight into flat buffers, or .npz) and check its shapes.
fn read_input(path: &Path) -> Result<Input> {
    let file = path.display().to_string();
    let what = |key: &str| format!("\"{key}\" in '{file}'");
    let (w0, grads, losses) = match Format::of(path) {
        Format::Npz => {
            let mut z = Npz::open(path, &format!("'{file}'"))?;
            let hint = "save the run as numpy.savez(path, W0=W0, grads=grads) with grads of shape (T, rows, cols)";
            let w0 = z.require("W0", 2, hint)?;
            let grads = z.require("grads", 2, hint)?;
            let losses = z.get("losses", 2)?;
            (Some(w0), Some(grads), losses)
        }
        Format::Npy => {
            return Err(Error::input(format!(
                "'{file}': a replay input holds W0 and the gradients, more than one .npy holds; give a .npz archive (numpy.savez(path, W0=W0, grads=grads)) or JSON"
            )))
        }
        Format::Json => {
            let want = |key, depth, nullable| Want {
                key,
                depth,
                empty_outer: depth != 2,
                nullable,
            };
            let mut a = read_arrays(
                path,
                &[
                    want("W0", 2, false),
                    want("grads", 3, false),
                    want("losses", 1, true),
                ],
            )?;
            let losses = a.pop().flatten();
            let grads = a.pop().flatten();
            (a.pop().flatten(), grads, losses)
        }
    };
    let w0 = w0.ok_or_else(|| {
        Error::input(format!(
            "'{file}' has no key \"W0\"; put the initial parameters under \"W0\""
        ))
    })?;
    let w0 = matrix_from_array(&w0, &what("W0"))?;
    let grads = grads.ok_or_else(|| {
        Error::input(format!(
            "'{file}' needs \"grads\": a list of matrices with W0's shape"
        ))
    })?;
    let (r, c) = (w0.nrows(), w0.ncols());
    let t = match grads.shape[..] {
        [0, ..] => 0,
        [t, gr, gc] if (gr, gc) == (r, c) => t,
        [_, gr, gc] => {
            return Err(Error::input(format!(
            "{} holds {gr}×{gc} matrices but W0 is {r}×{c}; every gradient must have W0's shape",
            what("grads")
        )))
        }
        _ => {
            return Err(Error::input(format!(
            "{} has shape {:?}; it must be a list of matrices (T × rows × cols) with W0's shape",
            what("grads"),
            grads.shape
        )))
        }
    };
    check_finite(&grads.data, &grads.shape, &what("grads"))?;
    let losses = match losses {
        None => None,
        Some(l) if l.shape.len() != 1 => {
            return Err(Error::input(format!(
                "{} must be a list of numbers, one per gradient, but has shape {:?}",
                what("losses"),
                l.shape
            )))
        }
        Some(l) if l.data.len() != t => {
            return Err(Error::input(format!(
                "{} has {} entries but there are {t} gradients; give one loss per gradient",
                what("losses"),
                l.data.len()
            )))
        }
        Some(l) => {
            check_finite(&l.data, &l.shape, &what("losses"))?;
            Some(l.data)
        }
    };
    Ok(Input { w0, grads, losses })
}

/// Run the command.
pub fn run(args: Args) -> Result<Document> {
    Document::check_path(args.report.as_deref(), true)?;
    let file = args.input.display().to_string();
    let input = read_input(&args.input)?;
    let (r, c) = (input.w0.nrows(), input.w0.ncols());
    let steps = input.grads.shape[0];
    let schedule = args.schedule.as_deref().map(Schedule::parse).transpose()?;
    let mut opt = parse_optimizer_with_schedule(&args.optimizer, schedule, &[(r, c)])?;
    if input.losses.is_none() && opt.needs_loss() && steps > 0 {
        return Err(Error::input(format!(
            "optimizer '{}' (Momo-type) needs the loss f(W_t) at every step: add \"losses\": [f(W_0), f(W_1), …] (one number per gradient) to '{file}' (in a .npz: an array losses of length T)",
            args.optimizer
        )));
    }
    crate::io::check_size(
        &format!("the parameters of {steps} steps of a {r}×{c} matrix"),
        crate::io::bytes_of_f64(&[steps as u64, r as u64, c as u64]),
        "replay fewer steps per call",
    )?;
    super::job_threads(args.threads)?;
    let mut w = vec![input.w0];
    let mut g = Mat::<f64>::zeros(r, c);
    let mut params = Vec::with_capacity(steps * r * c);
    for t in 0..steps {
        let block = &input.grads.data[t * r * c..(t + 1) * r * c];
        for j in 0..c {
            for i in 0..r {
                g[(i, j)] = block[i * c + j];
            }
        }
        let loss = input.losses.as_ref().map(|l| l[t]);
        opt.step(&mut w, std::slice::from_ref(&g), loss)?;
        push_rows(&mut params, w[0].as_ref());
    }
    let head = json!({ "optimizer": opt.name(), "steps": steps });
    Ok(Document {
        head: head.as_object().cloned().unwrap_or_default(),
        arrays: vec![NamedArray {
            name: "params".into(),
            shape: vec![steps, r, c],
            data: params,
        }],
    })
}
