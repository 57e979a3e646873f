//! `steepest metric`: the natural-gradient metric of one update (file 10; `crate::metric`).

use super::Output;
use crate::error::{Error, Result};
use crate::io::{finite, finite_matrix, matrix_to_json, read_json};
use crate::metric::{self, SecantPair};
use serde_json::{json, Value};
use std::path::PathBuf;

/// The SPD metric M with M·a = b for an update a and b = −∇L (metric-tensor convention:
/// update = −M⁻¹∇L), by default the minimum-condition-number metric
/// M_opt = [b bᵀ + ‖b‖²(I − â âᵀ)]/(aᵀb) with κ(M_opt) = κ* = ((‖b‖ + ‖b_⊥‖)/b_∥)².
///
/// Input: {"a": [update...], "b": [−∇L...]}. Output keys: kappa_min, kappa (condition number of
/// the returned M, from its closed-form eigenvalues), M, spd; plus convention, metric, a_dot_b, cos_psi,
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

/// The bytes the dense output of a D-dimensional metric takes: M (and P) as f64s, then as JSON
/// values (32 bytes each) and as text (about 25 bytes each).
fn dense_output_bytes(d: usize, with_p: bool) -> Option<u64> {
    let per_entry = 8 + 32 + 25;
    let mats = if with_p { 2 } else { 1 };
    (d as u64)
        .checked_mul(d as u64)?
        .checked_mul(per_entry * mats)
}

/// Run the command.
///
/// Scale safety: every metric here is invariant under (a, b) → (c·a, c·b), so a and b are scaled
/// by one common power of two (the larger max-entry into [1, 2)) before any formula, and only aᵀb
/// is scaled back; the spectrum, κ and spd come from the matrix-free closed forms (a dense
/// eigensolver loses λ_min to round-off once κ ≳ 1/ε). A number that is not representable in f64
/// (κ* of a nearly orthogonal pair, or aᵀb) is refused with exit 2, never printed as null.
pub fn run(args: Args) -> Result<Output> {
    if let Some(p) = &args.report {
        crate::io::check_writable(p)?;
    }
    let file = args.input.display().to_string();
    let v = read_json(&args.input)?;
    if !v.is_object() {
        return Err(Error::input(format!(
            "'{file}' must hold an object {{\"a\": [...], \"b\": [...]}}"
        )));
    }
    let a = vector(&v, "a", &file)?;
    let b = vector(&v, "b", &file)?;
    crate::io::check_size(
        &format!("the dense {}×{} metric of '{file}'", a.len(), a.len()),
        dense_output_bytes(a.len(), args.preconditioner),
        "the dense matrix is printed, so D is limited; use the library's matrix-free PlaneMetric for large D",
    )?;
    let amax = a.iter().chain(&b).fold(0.0f64, |m, x| m.max(x.abs()));
    let e = if amax > 0.0 {
        crate::linalg::exponent_of(amax)
    } else {
        0
    };
    let scaled = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .map(|&x| crate::linalg::scale_pow2(x, -e))
            .collect()
    };
    let (a_s, b_s) = (scaled(&a), scaled(&b));
    for (name, orig, sc) in [("a", &a, &a_s), ("b", &b, &b_s)] {
        if orig.iter().any(|&x| x != 0.0) && sc.iter().all(|&x| x == 0.0) {
            return Err(Error::input(format!(
                "'{file}': ‖a‖ and ‖b‖ differ by more than the f64 range (max |{name}_i| = {:e} against max {amax:e}); the metric's entries (of order ‖b‖/‖a‖) are not representable — give a and b of comparable scale",
                orig.iter().fold(0.0f64, |m, x| m.max(x.abs()))
            )));
        }
    }
    let pair = SecantPair::metric_tensor(&a_s, &b_s)?;
    let m = match args.metric.as_str() {
        "optimal" => pair.optimal(),
        "bfgs" => pair.bfgs_identity(),
        "dfp" => pair.dfp_identity(),
        other => match other.strip_prefix("beta:").map(str::parse::<f64>) {
            Some(Ok(beta)) => pair.family(beta)?,
            _ => {
                return Err(Error::unknown(
                    "--metric",
                    other,
                    "use optimal, bfgs, dfp or beta:B with B > 0",
                ))
            }
        },
    };
    let dense = match m.kind() {
        "optimal" => metric::dense_optimal(&pair),
        "dfp-identity" => metric::dense_dfp_identity(&pair),
        _ => metric::dense_family(&pair, m.complement_eigenvalue()),
    };
    let ev: Vec<f64> = m
        .spectrum()
        .into_iter()
        .flat_map(|(x, k)| std::iter::repeat_n(x, k))
        .collect();
    let (lo, hi) = m.extreme_eigenvalues();
    let spd = lo > 0.0 && metric::asymmetry(dense.as_ref()) <= 4.0 * f64::EPSILON;
    let fix = "the pair is too close to orthogonal (cos ψ ≈ 0) or too far apart in scale for f64; give an update a with a larger component along b = −∇L";
    let field = |name: &str, x: f64| finite(x, &format!("'{file}': {name}"), fix);
    let kappa = field("κ(M) = λ_max/λ_min", hi / lo)?;
    let a_dot_b = crate::linalg::scale_pow2(pair.a_dot_b(), 2 * e);
    if !(a_dot_b.is_finite() && a_dot_b > 0.0) {
        return Err(Error::input(format!(
            "'{file}': aᵀb = {:e}·2^{} is outside the f64 range; scale a and b by one common power of two (the metric is invariant under (a, b) → (c·a, c·b))",
            pair.a_dot_b(),
            2 * e
        )));
    }
    finite_matrix(dense.as_ref(), &format!("'{file}': M"), fix)?;
    let mut out = json!({
        "kappa_min": field("κ* = ((‖b‖ + ‖b_⊥‖)/b_∥)²", pair.kappa_min())?,
        "kappa": kappa,
        "M": matrix_to_json(dense.as_ref()),
        "spd": spd,
        "convention": "metric-tensor: a = update, b = −∇L, M a = b (update = −M⁻¹∇L)",
        "metric": m.kind(),
        "a_dot_b": a_dot_b,
        "cos_psi": field("cos ψ", pair.cos_psi())?,
        "sin_psi": field("sin ψ", pair.sin_psi())?,
        "beta_star": field("β* = ‖b‖²/aᵀb", pair.beta_star())?,
        "kappa_matrix_free": field("κ(M)", m.kappa())?,
        "secant_residual": field(
            "‖Ma − b‖/‖b‖",
            metric::secant_residual(dense.as_ref(), &a_s, &b_s)
        )?,
        "eigenvalues": ev
            .iter()
            .map(|&x| field("an eigenvalue of M", x))
            .collect::<Result<Vec<_>>>()?,
    });
    if args.preconditioner {
        let p = m.to_dense_inverse();
        finite_matrix(p.as_ref(), &format!("'{file}': P = M⁻¹"), fix)?;
        out["P"] = matrix_to_json(p.as_ref());
    }
    Ok(Output::ok(out))
}
