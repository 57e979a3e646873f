//! `steepest dualize`: the dual norm and the dualizer (LMO) of a matrix under a named norm.

use super::Output;
use crate::error::Result;
use crate::io::{finite, finite_matrix, matrix_to_json, read_matrix};
use crate::norms::parse_norm;
use serde_json::json;
use std::path::PathBuf;

/// Dual norm ‖G‖_* and direction argmax_{‖D‖≤1}⟨G, D⟩ (0 for G = 0) of the matrix under "G".
///
/// Norms: fro, spectral, nuclear, max, sum, entrywise:P, schatten:P (P ≥ 1 or inf), l1, l2, linf,
/// lp:P, op:1->P, op:P->inf, rms-rms.
///
/// Examples:
///   steepest dualize --norm spectral --input g.json          # g.json: {"G": [[1, 2], [3, 4]]}
///   steepest dualize --norm schatten:3 --input g.json --report out.json
///
/// Output: {"norm": name, "dual_norm": ‖G‖_*, "direction": D, "norm_value": ‖G‖}.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The norm (see above).
    #[arg(long, value_name = "N")]
    pub norm: String,
    /// JSON file with the matrix under "G" (or a bare matrix).
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Write the JSON here (atomically) instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
}

/// Run the command. Every norm is scale-safe (power-of-two scaling around the SVD, scaled ℓp
/// sums), so the direction is right over the whole f64 range; a dual norm or norm that is not
/// representable in f64 (it exceeds 1.8e308) is refused with exit 2 rather than printed as null.
pub fn run(args: &Args) -> Result<Output> {
    let norm = parse_norm(&args.norm)?;
    if let Some(p) = &args.report {
        crate::io::check_writable(p)?;
    }
    let g = read_matrix(&args.input, "G")?;
    let (dual, dir) = norm.dual_and_dualize(g.as_ref());
    let fix = "scale G down by a power of two (norms are positively homogeneous: ‖cG‖ = c‖G‖, and the direction does not change)";
    let dual = finite(
        dual,
        &format!("the dual norm ‖G‖_* of G in '{}'", args.input.display()),
        fix,
    )?;
    let value = finite(
        norm.norm(g.as_ref()),
        &format!("the norm ‖G‖ of G in '{}'", args.input.display()),
        fix,
    )?;
    finite_matrix(dir.as_ref(), "the direction", fix)?;
    Ok(Output::ok(json!({
        "norm": norm.name(),
        "dual_norm": dual,
        "direction": matrix_to_json(dir.as_ref()),
        "norm_value": value,
    })))
}
