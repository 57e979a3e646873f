//! `steepest margin`: the exact max-margin classifier of a dataset in a norm, with a certified
//! bracket on γ (see [`crate::margin`]).

use super::Output;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::margin::{binary_margin, max_margin, MarginOptions};
use std::path::PathBuf;

/// Exact max-margin classifier γ_N = max_{‖W‖_N ≤ 1} min_{i,c≠y_i} (w_{y_i} − w_c)ᵀ h_i, with a
/// certified bracket [lower, upper] ∋ γ (lower from the returned W, upper from the dual formula
/// ‖Σλ A‖_* at the solver's multipliers).
///
/// The dataset is `{"classes": k, "x": [[...], ...], "y": [...]}` (.json), or .csv (label in the
/// last column), .npy (same layout) or .npz (arrays x, y, optional classes).
/// Non-separable data are answered with "separable": false, "gamma": 0 (exit 0).
///
/// Examples:
///   steepest margin --data data.json --norm spectral
///   steepest margin --data data.csv --norm entrywise:3 --report margin.json
///   steepest margin --data binary.json --norm l2 --binary --robust-linf 0.05
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// The dataset (.json, .csv, .npy or .npz).
    #[arg(long, value_name = "FILE")]
    pub data: PathBuf,
    /// The norm (P ≥ 1 or inf; the list comes from the norm table).
    #[arg(long, value_name = "N", help = norm_help())]
    pub norm: String,
    /// Binary view: k = 2, label 1 ↦ +1, label 0 ↦ −1; the model is one vector w.
    #[arg(long)]
    pub binary: bool,
    /// With --binary: reduce each margin by EPS·‖w‖₁ (worst-case ℓ∞ perturbation of radius EPS ≥ 0).
    #[arg(long, value_name = "EPS", allow_negative_numbers = true)]
    pub robust_linf: Option<f64>,
    /// Write the JSON here (atomically) instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Threads for the dense kernels (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// Run the command.
pub fn run(a: &Args, quiet: bool) -> Result<Output> {
    if let Some(p) = &a.report {
        crate::io::check_writable(p)?;
    }
    if a.robust_linf.is_some() && !a.binary {
        return Err(Error::input(
            "--robust-linf applies to binary linear classifiers; add --binary (and a vector norm such as l2)",
        ));
    }
    // `max_margin` refuses a program too large for memory before building it
    // (`crate::margin::check_program_size`).
    super::job_threads(a.threads)?;
    let data = Dataset::load(&a.data)?;
    let opts = MarginOptions::default();
    let spinner = super::progress_bar(0, quiet, &format!("max-margin in {}", a.norm));
    let m = if a.binary {
        binary_margin(&data, &a.norm, a.robust_linf, &opts)
    } else {
        max_margin(&data, &a.norm, &opts)
    };
    if let Some(s) = &spinner {
        s.finish_and_clear();
    }
    let m = m?;
    let fix = "the data's scale puts γ beyond f64 (max-margin is homogeneous: γ(c·X) = c·γ(X)); scale the features down by a power of two";
    for (name, x) in [("gamma", m.gamma), ("lower", m.lower), ("upper", m.upper)] {
        crate::io::finite(x, &format!("{name} for '{}'", a.data.display()), fix)?;
    }
    crate::io::finite_matrix(m.w.as_ref(), "the classifier", fix)?;
    let mut json = m.to_json(a.binary);
    json["data"] = serde_json::json!({
        "file": a.data.display().to_string(),
        "n": data.n(),
        "d": data.d(),
        "classes": data.classes(),
    });
    if let Some(e) = a.robust_linf {
        json["robust_linf"] = serde_json::json!(e);
    }
    Ok(Output::ok(json))
}

/// `--norm`'s help: the names the max-margin solver accepts, from the norm table.
fn norm_help() -> String {
    use crate::margin::Geometry;
    format!(
        "The norm: {} (P ≥ 1 or inf); with --binary: {}",
        Geometry::matrix_names(),
        Geometry::vector_names()
    )
}
