//! `steepest orthogonalize`: Newton–Schulz orthogonalization (the Muon map) of a matrix.

use crate::error::{Error, Result};
use crate::io::{read_matrix, Document, NamedArray};
use crate::linalg::{newton_schulz, NsCoefficients};
use serde_json::json;
use std::path::PathBuf;

/// The eps of X ← X/(‖X‖_F + eps) (CONTRACT).
pub const NS_EPS: f64 = 1e-7;

/// The most steps `--steps` accepts. The cubic iteration reaches its fixed point in double
/// precision within about 100 steps from any singular value ≥ ε‖G‖_F (σ grows by 1.5× per step
/// while small: log_1.5(2^52) ≈ 89), and the quintics oscillate in their envelope from step 5 on;
/// 1000 leaves a 10× margin, and a typo such as 10⁹ steps is refused instead of running for hours.
pub const MAX_NS_STEPS: usize = 1000;

/// Newton–Schulz on the matrix under "G": transpose to wide, X ← X/(‖X‖_F + 1e-7), per step
/// A = XXᵀ, X ← aX + (bA + cA²)X, transpose back.
///
/// Coefficients: keller (3.4445, −4.7750, 2.0315) every step; dion (its 5 per-step triples, the
/// last repeated beyond 5); cubic (1.5, −0.5, 0), which converges to the polar factor UVᵀ.
///
/// Examples:
///   steepest orthogonalize --coefficients keller --input g.json      # 5 steps
///   steepest orthogonalize --coefficients cubic --steps 30 --input g.json --report o.json
///   steepest orthogonalize --coefficients keller --input g.npy --report o.npy --threads 2
///
/// Input: JSON (the matrix under "G", or a bare matrix), .npy (a 2-D array) or .npz (array "G").
/// Output: {"output": X, "coefficients": name, "steps": n, "eps": 1e-7} as compact JSON; with
/// --report PATH.npy the matrix X alone, with PATH.npz the arrays output, steps and eps.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// keller | dion | cubic.
    #[arg(long, value_name = "keller|dion|cubic")]
    pub coefficients: String,
    /// Number of steps (1 ≤ N ≤ 1000; default 5).
    #[arg(long, value_name = "N")]
    pub steps: Option<usize>,
    /// The matrix: JSON (under "G", or bare), .npy, or .npz (array "G").
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Write the output here (atomically) instead of stdout: JSON, or .npy/.npz by extension.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Threads for the matrix products (default: all cores; the result is deterministic for a
    /// given N).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// Run the command.
pub fn run(args: &Args) -> Result<Document> {
    let coeffs = NsCoefficients::parse(&args.coefficients)?;
    let steps = args.steps.unwrap_or_else(|| coeffs.default_steps());
    if steps == 0 {
        return Err(Error::input(
            "--steps 0 does no orthogonalization; give --steps N with N ≥ 1 (default 5)",
        ));
    }
    if steps > MAX_NS_STEPS {
        return Err(Error::input(format!(
            "--steps {steps} is above the limit of {MAX_NS_STEPS} Newton–Schulz steps (the iteration is at its fixed point or in its envelope long before); give --steps N with 1 ≤ N ≤ {MAX_NS_STEPS}"
        )));
    }
    Document::check_path(args.report.as_deref(), true)?;
    super::job_threads(args.threads)?;
    let g = read_matrix(&args.input, "G")?;
    // X ← X/(‖X‖_F + eps) is computed scale-safely, so ‖X‖_F ≤ 1 and every step stays finite.
    let out = newton_schulz(g.as_ref(), &coeffs, steps, NS_EPS);
    crate::io::finite_matrix(
        out.as_ref(),
        "the output",
        "this is a bug in steepest: Newton–Schulz on a normalized matrix stays bounded",
    )?;
    let head = json!({
        "coefficients": coeffs.name(),
        "steps": steps,
        "eps": NS_EPS,
    });
    Ok(Document {
        head: head.as_object().cloned().unwrap_or_default(),
        arrays: vec![NamedArray::matrix("output", out.as_ref())],
    })
}
