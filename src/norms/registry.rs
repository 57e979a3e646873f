//! The one table of norm names ([`NORMS`]): each entry gives its grammar, one line about the
//! norm, its parser and the sample instances the tests and the `geometry` suite sweep. Everything
//! that lists or parses norms derives from it: [`parse_norm`] / [`parse`], the error messages
//! ([`names`]), the help of `steepest dualize`, the max-margin name parser (through
//! [`Norm::family`]), the unit-test law sweep ([`samples`]) and the suite's law records
//! ([`suite_samples`]).

use super::{Aggregation, Block, Entrywise, Norm, OperatorL1ToLp, OperatorLpToLinf, ProductNorm};
use super::{RmsToRms, Schatten};
use crate::error::{Error, Result};

/// What a norm name denotes: a norm on one matrix, or a product of norms over blocks.
#[derive(Debug)]
pub enum Parsed {
    /// A norm on R^{m×n} (any shape).
    Single(Box<dyn Norm>),
    /// A product norm over blocks; as a [`Norm`] it acts on stacked points once its block shapes
    /// are fixed ([`ProductNorm::at_shapes`]).
    Product(ProductNorm),
}

/// The ℓp / Schatten-p family of a norm ([`Norm::family`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Family {
    /// The entry-wise ℓp norm; `vector` if it was named as a vector norm (`l1`, `lp:P`, …).
    Entrywise {
        /// p ∈ [1, ∞].
        p: f64,
        /// Named as a vector norm.
        vector: bool,
    },
    /// The Schatten-p norm ‖σ(A)‖_p, p ∈ [1, ∞].
    Schatten {
        /// p ∈ [1, ∞].
        p: f64,
    },
    /// Any other norm.
    Other,
}

impl Family {
    /// The dual norm of an ℓp or Schatten-p norm: the same family at the conjugate exponent q,
    /// 1/p + 1/q = 1 (Hölder; von Neumann's trace inequality for Schatten); `None` for
    /// [`Family::Other`].
    pub fn conjugate(self) -> Option<Box<dyn Norm>> {
        use super::entrywise::conjugate_exponent;
        match self {
            Family::Entrywise { p, vector: false } => {
                Some(Box::new(Entrywise::new(conjugate_exponent(p))))
            }
            Family::Entrywise { p, vector: true } => {
                Some(Box::new(Entrywise::vector(conjugate_exponent(p))))
            }
            Family::Schatten { p } => {
                let q = conjugate_exponent(p);
                Some(if q == 2.0 {
                    Box::new(Entrywise::frobenius())
                } else {
                    Box::new(Schatten::new(q))
                })
            }
            Family::Other => None,
        }
    }
}

/// One row of [`NORMS`].
pub struct NormEntry {
    /// The names this entry parses (`P` a real ≥ 1 or `inf`).
    pub grammar: &'static str,
    /// One line: the norm's formula (and aliases).
    pub about: &'static str,
    /// `None` if `name` (trimmed) is not of this entry's grammar, else the norm or the reason the
    /// name is malformed.
    pub parse: fn(&str) -> Option<Result<Parsed>>,
    /// Sample names whose laws the `geometry` suite records (in report order).
    pub suite: &'static [&'static str],
    /// Further sample names the unit tests sweep with the laws.
    pub extra: &'static [&'static str],
}

/// Every norm name of the workbench, in the order of `--help` and of the suite's records.
pub const NORMS: &[NormEntry] = &[
    NormEntry {
        grammar: "fro",
        about: "Frobenius (Σ_ij A_ij²)^{1/2} (= entrywise:2 = schatten:2; alias frobenius)",
        parse: |n| exact(n, &["fro", "frobenius"], Entrywise::frobenius),
        suite: &["fro"],
        extra: &[],
    },
    NormEntry {
        grammar: "spectral",
        about: "largest singular value σ_1(A), the ℓ2→ℓ2 operator norm (= schatten:inf)",
        parse: |n| exact(n, &["spectral"], Schatten::spectral),
        suite: &["spectral"],
        extra: &[],
    },
    NormEntry {
        grammar: "nuclear",
        about: "sum of singular values Σ_i σ_i(A) (= schatten:1)",
        parse: |n| exact(n, &["nuclear"], Schatten::nuclear),
        suite: &["nuclear"],
        extra: &[],
    },
    NormEntry {
        grammar: "max",
        about: "max_ij |A_ij| (= entrywise:inf)",
        parse: |n| exact(n, &["max"], Entrywise::max),
        suite: &["max"],
        extra: &[],
    },
    NormEntry {
        grammar: "sum",
        about: "Σ_ij |A_ij| (= entrywise:1)",
        parse: |n| exact(n, &["sum"], Entrywise::sum),
        suite: &["sum"],
        extra: &[],
    },
    NormEntry {
        grammar: "entrywise:P",
        about: "(Σ_ij |A_ij|^P)^{1/P}",
        parse: |n| exponent(n, "entrywise:", |p| Box::new(Entrywise::new(p))),
        suite: &["entrywise:3", "entrywise:1.5"],
        extra: &[],
    },
    NormEntry {
        grammar: "schatten:P",
        about: "‖σ(A)‖_P, the ℓP norm of the singular values",
        parse: |n| {
            exponent(n, "schatten:", |p| {
                if p == 2.0 {
                    Box::new(Entrywise::frobenius())
                } else {
                    Box::new(Schatten::new(p))
                }
            })
        },
        suite: &["schatten:3", "schatten:1.5"],
        extra: &[],
    },
    NormEntry {
        grammar: "l1, l2, linf, lp:P",
        about: "vector ℓp on one-column matrices (the entry-wise norm, keeping the vector name)",
        parse: |n| match n {
            "l1" => Some(Ok(single(Entrywise::vector(1.0)))),
            "l2" => Some(Ok(single(Entrywise::vector(2.0)))),
            "linf" => Some(Ok(single(Entrywise::vector(f64::INFINITY)))),
            _ => exponent(n, "lp:", |p| Box::new(Entrywise::vector(p))),
        },
        suite: &[],
        extra: &["l1", "l2", "linf", "lp:3"],
    },
    NormEntry {
        grammar: "op:1->P, op:P->inf",
        about: "ℓ1→ℓP operator norm max_j ‖A_{:j}‖_P; ℓP→ℓ∞ operator norm max_i ‖A_{i:}‖_q, 1/P + 1/q = 1",
        parse: operator,
        suite: &["op:1->2", "op:2->inf"],
        extra: &["op:1->1", "op:inf->inf", "op:1->3", "op:1.5->inf"],
    },
    NormEntry {
        grammar: "rms-rms",
        about: "RMS→RMS operator norm √(d_in/d_out)·σ_1(W) of W ∈ R^{d_out×d_in}",
        parse: |n| exact(n, &["rms-rms"], || RmsToRms),
        suite: &["rms-rms"],
        extra: &[],
    },
    NormEntry {
        grammar: "product:AGG(BLOCK,…)",
        about: "product over blocks, AGG max | l2 | hybrid, BLOCK [!]NAME[*SCALE]; acts on the stacked column (vec W_1; …; vec W_L)",
        parse: |n| n.strip_prefix("product:").map(|_| product(n)),
        suite: &[],
        extra: &[
            "product:max(spectral*2,sum*0.5,l2)",
            "product:l2(nuclear,op:1->2*3)",
            "product:hybrid(!spectral*2,!rms-rms,sum*0.5,linf)",
        ],
    },
];

/// The grammar of product-norm names, for `--help` and error messages.
pub const PRODUCT_GRAMMAR: &str = "product:AGG(BLOCK,BLOCK,…) with AGG one of max, l2, hybrid and BLOCK = [!]NAME[*SCALE]: NAME a single-matrix norm name, SCALE > 0 (default 1), ! puts the block in the matrix group M of hybrid; e.g. product:max(spectral,linf), product:hybrid(!spectral*2,l2*0.5)";

/// The valid names, for error messages: every grammar of [`NORMS`].
pub fn names() -> String {
    let all: Vec<&str> = NORMS.iter().map(|e| e.grammar).collect();
    format!("{} (P a real ≥ 1 or inf)", all.join(", "))
}

/// The grammars of the entries whose samples all lie in a family accepted by `keep` (e.g. the
/// ℓp and Schatten-p names the max-margin solver accepts), joined by ", ".
pub fn grammars(keep: impl Fn(Family) -> bool) -> String {
    let family = |s: &str| match parse(s) {
        Ok(Parsed::Single(n)) => n.family(),
        _ => Family::Other,
    };
    NORMS
        .iter()
        .filter(|e| {
            let mut all = e.suite.iter().chain(e.extra);
            all.clone().next().is_some() && all.all(|s| keep(family(s)))
        })
        .map(|e| e.grammar)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table as help text: one line per entry, `grammar  about`.
pub fn help() -> String {
    NORMS
        .iter()
        .map(|e| format!("  {:<22} {}", e.grammar, e.about))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every sample name of the table (the suite's and the extra ones), in table order.
pub fn samples() -> impl Iterator<Item = &'static str> {
    NORMS
        .iter()
        .flat_map(|e| e.suite.iter().chain(e.extra).copied())
}

/// The sample names whose laws the `geometry` suite records, in report order.
pub fn suite_samples() -> impl Iterator<Item = &'static str> {
    NORMS.iter().flat_map(|e| e.suite.iter().copied())
}

/// Parse any norm name of [`NORMS`]: a single-matrix norm or a product. Special exponents map to
/// canonical norms (`entrywise:2` and `schatten:2` are `fro`, `entrywise:inf` is `max`,
/// `entrywise:1` is `sum`, `schatten:inf` is `spectral`, `schatten:1` is `nuclear`). An unknown
/// name, P < 1 or NaN is bad input ([`Error::is_input`]) listing the valid names.
pub fn parse(name: &str) -> Result<Parsed> {
    let n = name.trim();
    NORMS.iter().find_map(|e| (e.parse)(n)).unwrap_or_else(|| {
        Err(Error::unknown(
            "norm",
            n,
            format!("valid names: {}", names()),
        ))
    })
}

/// Parse the name of a norm on one matrix (every entry of [`NORMS`] but products, which act on
/// a tuple of blocks: [`parse_product`]).
pub fn parse_norm(name: &str) -> Result<Box<dyn Norm>> {
    match parse(name)? {
        Parsed::Single(n) => Ok(n),
        Parsed::Product(p) => Err(Error::input(format!(
            "norm '{}' is a product norm over blocks, which is not available here; give a norm on one matrix: {}",
            p.name(),
            names()
        ))),
    }
}

/// Parse a product-norm name ([`PRODUCT_GRAMMAR`]).
pub fn parse_product(name: &str) -> Result<ProductNorm> {
    match parse(name)? {
        Parsed::Product(p) => Ok(p),
        Parsed::Single(n) => Err(Error::input(format!(
            "norm '{}' is not a product norm; write {PRODUCT_GRAMMAR}",
            n.name()
        ))),
    }
}

fn single(n: impl Norm + 'static) -> Parsed {
    Parsed::Single(Box::new(n))
}

fn exact<N: Norm + 'static>(
    n: &str,
    names: &[&str],
    make: impl Fn() -> N,
) -> Option<Result<Parsed>> {
    names.contains(&n).then(|| Ok(single(make())))
}

/// A real P ≥ 1 or `inf` (`∞`); `whole` is the full name for the message.
fn parse_exponent(s: &str, whole: &str) -> Result<f64> {
    let s = s.trim();
    let p = if s == "inf" || s == "∞" {
        f64::INFINITY
    } else {
        s.parse::<f64>().map_err(|_| {
            Error::input(format!(
                "norm '{whole}': exponent '{s}' is not a number; use a real P ≥ 1 or inf. valid names: {}",
                names()
            ))
        })?
    };
    if p.is_nan() || p < 1.0 {
        return Err(Error::input(format!(
            "norm '{whole}': exponent {s} is not ≥ 1 (below 1, p is not a norm); use a real P ≥ 1 or inf. valid names: {}",
            names()
        )));
    }
    Ok(p)
}

/// `PREFIX` followed by an exponent.
fn exponent(n: &str, prefix: &str, make: impl Fn(f64) -> Box<dyn Norm>) -> Option<Result<Parsed>> {
    let p = n.strip_prefix(prefix)?;
    Some(parse_exponent(p, n).map(|p| Parsed::Single(make(p))))
}

fn operator(n: &str) -> Option<Result<Parsed>> {
    let rest = n.strip_prefix("op:")?;
    let Some((a, b)) = rest.split_once("->") else {
        return Some(Err(Error::input(format!(
            "operator norm '{n}' lacks '->'; use op:1->P or op:P->inf. valid names: {}",
            names()
        ))));
    };
    let (a, b) = (a.trim(), b.trim());
    Some(if a == "1" {
        parse_exponent(b, n).map(|p| single(OperatorL1ToLp::new(p)))
    } else if b == "inf" || b == "∞" {
        parse_exponent(a, n).map(|p| single(OperatorLpToLinf::new(p)))
    } else {
        Err(Error::input(format!(
            "operator norm '{n}' is not supported; use op:1->P or op:P->inf. valid names: {}",
            names()
        )))
    })
}

/// A product-norm name ([`PRODUCT_GRAMMAR`]).
fn product(n: &str) -> Result<Parsed> {
    let bad = |why: String| Error::input(format!("norm '{n}': {why}; write {PRODUCT_GRAMMAR}"));
    let rest = &n["product:".len()..];
    let (agg, blocks) = rest
        .split_once('(')
        .and_then(|(a, b)| Some((a.trim(), b.trim().strip_suffix(')')?)))
        .ok_or_else(|| bad("the blocks must follow in parentheses".into()))?;
    let aggregation = match agg {
        "max" => Aggregation::Max,
        "l2" => Aggregation::L2,
        "hybrid" => Aggregation::Hybrid,
        _ => return Err(bad(format!("unknown aggregation '{agg}'"))),
    };
    let blocks = blocks
        .split(',')
        .map(|b| {
            let b = b.trim();
            let (matrix, b) = match b.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, b),
            };
            let (name, scale) = match b.rsplit_once('*') {
                Some((name, s)) => {
                    let scale = s
                        .trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|s| *s > 0.0 && s.is_finite());
                    let scale = scale.ok_or_else(|| {
                        bad(format!(
                            "block scale '{}' is not a finite real > 0",
                            s.trim()
                        ))
                    })?;
                    (name.trim(), scale)
                }
                None => (b, 1.0),
            };
            if name.is_empty() {
                return Err(bad("a block has no norm name".into()));
            }
            if name.starts_with("product:") || name.contains(['(', ')']) {
                return Err(bad(format!(
                    "block '{name}' is not a single-matrix norm (products do not nest)"
                )));
            }
            let norm = parse_norm(name).map_err(|e| bad(format!("block '{name}': {e}")))?;
            Ok(Block::new(norm, scale, matrix))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Parsed::Product(ProductNorm::new(aggregation, blocks)))
}
