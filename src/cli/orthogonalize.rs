//! `steepest orthogonalize`: Newton–Schulz orthogonalization (the Muon map) of a matrix.

use super::Output;
use crate::error::{Error, Result};
use crate::io::{matrix_to_json, read_matrix};
use crate::linalg::{newton_schulz, NsCoefficients};
use serde_json::json;
use std::path::PathBuf;

/// The eps of X ← X/(‖X‖_F + eps) (CONTRACT).
pub const NS_EPS: f64 = 1e-7;

/// Newton–Schulz on the matrix under "G": transpose to wide, X ← X/(‖X‖_F + 1e-7), per step
/// A = XXᵀ, X ← aX + (bA + cA²)X, transpose back.
///
/// Coefficients: keller (3.4445, −4.7750, 2.0315) every step; dion (its 5 per-step triples, the
/// last repeated beyond 5); cubic (1.5, −0.5, 0), which converges to the polar factor UVᵀ.
///
/// Examples:
///   steepest orthogonalize --coefficients keller --input g.json      # 5 steps
///   steepest orthogonalize --coefficients cubic --steps 30 --input g.json --report o.json
///
/// Output: {"output": X, "coefficients": name, "steps": n, "eps": 1e-7}.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// keller | dion | cubic.
    #[arg(long, value_name = "keller|dion|cubic")]
    pub coefficients: String,
    /// Number of steps (≥ 1; default 5).
    #[arg(long, value_name = "N")]
    pub steps: Option<usize>,
    /// JSON file with the matrix under "G" (or a bare matrix).
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Write the JSON here (atomically) instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
}

/// Run the command.
pub fn run(args: &Args) -> Result<Output> {
    let coeffs = NsCoefficients::parse(&args.coefficients)?;
    let steps = args.steps.unwrap_or_else(|| coeffs.default_steps());
    if steps == 0 {
        return Err(Error::input(
            "--steps 0 does no orthogonalization; give --steps N with N ≥ 1 (default 5)",
        ));
    }
    let g = read_matrix(&args.input, "G")?;
    if let Some(p) = &args.report {
        crate::io::check_writable(p)?;
    }
    let out = newton_schulz(g.as_ref(), &coeffs, steps, NS_EPS);
    Ok(Output::ok(json!({
        "output": matrix_to_json(out.as_ref()),
        "coefficients": coeffs.name(),
        "steps": steps,
        "eps": NS_EPS,
    })))
}
