//! `steepest dualize`: the dual norm and the dualizer (LMO) of a matrix under a named norm.

use crate::error::{Error, Result};
use crate::io::{
    finite, finite_matrix, matrix_from_json, matrix_to_json, read_json, read_matrix, Document,
    Format, NamedArray,
};
use crate::norms::{parse, registry, Norm, Parsed, ProductNorm};
use faer::Mat;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Dual norm ‖G‖_* and direction argmax_{‖D‖≤1}⟨G, D⟩ (0 for G = 0) of the matrix under "G".
///
/// A product norm acts on a tuple of blocks: give "G" as a list of matrices, one per block; the
/// direction comes back as a list too (the norm is evaluated on the stacked column
/// (vec G_1; …; vec G_L), see `steepest::norms::product`).
///
/// Examples:
///   steepest dualize --norm spectral --input g.json          # g.json: {"G": [[1, 2], [3, 4]]}
///   steepest dualize --norm schatten:3 --input g.json --report out.json
///   steepest dualize --norm 'product:max(spectral,linf)' --input gb.json
///                                          # gb.json: {"G": [[[1, 2], [3, 4]], [[5], [6]]]}
///
/// Input: JSON (the matrix under "G", or bare), .npy (a 2-D array) or .npz (array "G"); the blocks
/// of a product norm are read from JSON.
/// Output: {"norm": name, "dual_norm": ‖G‖_*, "direction": D, "norm_value": ‖G‖} as compact JSON;
/// with --report PATH.npy the direction D alone, with PATH.npz the arrays direction (direction_0,
/// direction_1, … for a product norm), dual_norm and norm_value.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment, after_help = after_help())]
pub struct Args {
    /// The norm (see above).
    #[arg(long, value_name = "N")]
    pub norm: String,
    /// The matrix: JSON (under "G", or bare), .npy, or .npz (array "G").
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Write the output here (atomically) instead of stdout: JSON, or .npy/.npz by extension.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Threads for the SVD and matrix products (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// The norm table of `--help`, from the registry ([`crate::norms::NORMS`]).
fn after_help() -> String {
    format!(
        "Norms (P a real ≥ 1 or inf):\n{}\n\nProduct norms: {}",
        registry::help(),
        registry::PRODUCT_GRAMMAR
    )
}

/// The blocks of a product point: the list of `count` matrices under "G" (or the bare list).
fn read_blocks(path: &Path, count: usize, norm: &str) -> Result<Vec<Mat<f64>>> {
    let v = read_json(path)?;
    let list = match &v {
        Value::Object(map) => map.get("G").ok_or_else(|| {
            Error::input(format!(
                "'{}' has no key \"G\"; put the blocks under \"G\" as a list of matrices",
                path.display()
            ))
        })?,
        _ => &v,
    };
    let shape_hint = format!(
        "the product norm {norm} has {count} blocks, so \"G\" in '{}' must be a list of {count} matrices like [[[1, 2], [3, 4]], [[5], [6]]]",
        path.display()
    );
    let items = list
        .as_array()
        .filter(|a| a.iter().all(|m| m.get(0).is_some_and(Value::is_array)))
        .ok_or_else(|| Error::input(format!("{shape_hint}; it is not a list of matrices")))?;
    if items.len() != count {
        return Err(Error::input(format!(
            "{shape_hint}; it has {}",
            items.len()
        )));
    }
    items
        .iter()
        .enumerate()
        .map(|(l, m)| matrix_from_json(m, &format!("block {l} of \"G\" in '{}'", path.display())))
        .collect()
}

/// Run the command. Every norm is scale-safe (power-of-two scaling around the SVD, scaled ℓp
/// sums), so the direction is right over the whole f64 range; a dual norm or norm that is not
/// representable in f64 (it exceeds 1.8e308) is refused with exit 2 rather than printed as null.
pub fn run(args: &Args) -> Result<Document> {
    let parsed = parse(&args.norm)?;
    let product_norm = matches!(parsed, Parsed::Product(_));
    Document::check_path(args.report.as_deref(), !product_norm)?;
    if product_norm && Format::of(&args.input) != Format::Json {
        return Err(Error::input(format!(
            "'{}': the blocks of a product norm are read from JSON (\"G\": a list of matrices); give a .json input",
            args.input.display()
        )));
    }
    super::job_threads(args.threads)?;
    // a product norm: its blocks' shapes from the input, the point stacked (one matrix)
    let (norm, g, product): (Box<dyn Norm>, Mat<f64>, Option<ProductNorm>) = match parsed {
        Parsed::Single(norm) => (norm, read_matrix(&args.input, "G")?, None),
        Parsed::Product(p) => {
            let blocks = read_blocks(&args.input, p.blocks.len(), &p.name())?;
            let shapes: Vec<(usize, usize)> =
                blocks.iter().map(|b| (b.nrows(), b.ncols())).collect();
            let p = p.at_shapes(&shapes);
            (Box::new(p.clone()), ProductNorm::stack(&blocks), Some(p))
        }
    };
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
    let mut head = json!({
        "norm": norm.name(),
        "dual_norm": dual,
        "norm_value": value,
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    let arrays = match &product {
        None => vec![NamedArray::matrix("direction", dir.as_ref())],
        Some(p) => {
            let blocks = p.split(dir.as_ref());
            if args.report.as_deref().map(Format::of) == Some(Format::Npz) {
                blocks
                    .iter()
                    .enumerate()
                    .map(|(l, b)| NamedArray::matrix(&format!("direction_{l}"), b.as_ref()))
                    .collect()
            } else {
                let list = blocks.iter().map(|b| matrix_to_json(b.as_ref())).collect();
                head.insert("direction".into(), Value::Array(list));
                Vec::new()
            }
        }
    };
    Ok(Document { head, arrays })
}
