//! `steepest accel`: accelerated ℓp steepest descent (HASD, Bai & Bullins arXiv 2409.19200) and
//! its baselines on a least-squares problem given as data.
//!
//! A command of its own, not `train --optimizer hasd`: HASD's ρ search evaluates ∇f at trial
//! points it chooses (two gradients per trial, several trials per iteration), which the
//! `Optimizer` step — one gradient at the current parameters — cannot give it.

use super::Output;
use crate::accel::{
    euclidean_agd, lp_steepest_descent, Hasd, HasdParams, LeastSquares, Objective, RhoRule, Trace,
};
use crate::error::{Error, Result};
use crate::io::{finite, matrix_from_json, num, read_json};
use crate::optim::spec::KeyValues;
use faer::Mat;
use serde_json::{json, Value};
use std::path::PathBuf;

/// Minimize f(x) = ½‖Ax − b‖₂² by HASD (accelerated ℓp steepest descent) or a baseline and
/// print f(x_t) for t = 0..=T.
///
/// Input: {"A": [[…d floats…], … m rows], "b": [m floats], "x0": [d floats] (optional, default 0)}.
/// Methods (NAME[:key=value,…]):
///   hasd:p=inf,L=…,rho=implicit   HASD: a_{t+1} = [1 + √(1 + 144LρA_t)]/(36Lρ),
///                                 y = (1 − a/A')x + (a/A')v, x' = y − ∇f(y)^#/(2L),
///                                 v' = v − a∇f(x'); rho=implicit (the search ½r ≤ ρ ≤ 2r),
///                                 floor (ρ ≡ d^(−(2/q−1))) or a number (fixed ρ; 1 is linear coupling)
///   lpsd:p=inf,L=…                ℓp steepest descent x ← x − ∇f(x)^#/L
///   agd:L=…                       Euclidean accelerated gradient, step 1/L
/// p ∈ [2, ∞] (inf for ℓ∞); L is the ℓp-smoothness constant ‖AᵀA‖_{p→q} (ℓ2 for agd); without
/// L the bound min(Σ_ij |H_ij|, d^(1−2/p)‖H‖_F), H = AᵀA, is used (valid, possibly loose).
/// Output keys: method, objective, m, d, L, L_from, iters, values (f(x_t), t = 0..=T), final
/// {value, x}; for hasd also rho (ρ_t per iteration) and G_T (the mean of ‖∇f(x_t)‖_q/‖∇f(x_t)‖₂).
///
/// Examples:
///   steepest accel --input ls.json --method hasd:p=inf --iters 500
///   steepest accel --input ls.json --method hasd:p=4,L=12.5,rho=1 --report linear-coupling.json
///   steepest accel --input ls.json --method lpsd:p=inf --iters 500
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct Args {
    /// JSON file {"A": matrix, "b": vector, "x0": vector (optional)}.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Method spec: hasd[:p=P,L=L,rho=implicit|floor|R], lpsd[:p=P,L=L] or agd[:L=L].
    #[arg(long, default_value = "hasd", value_name = "SPEC")]
    pub method: String,
    /// Iterations T, 1 ≤ T ≤ 10⁶.
    #[arg(long, default_value_t = 1000, value_name = "T")]
    pub iters: usize,
    /// Write the JSON here (atomically) instead of stdout.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
}

/// The most iterations `--iters` accepts (the output lists f(x_t) for every t).
pub const MAX_ITERS: usize = 1_000_000;

/// The method names `--method` accepts.
pub const METHODS: &[&str] = &["hasd", "lpsd", "agd"];

fn vector(v: &Value, what: &str) -> Result<Vec<f64>> {
    let arr = v.as_array().ok_or_else(|| {
        Error::input(format!(
            "{what} must be an array of numbers like [1.0, 2.0]"
        ))
    })?;
    arr.iter()
        .enumerate()
        .map(|(i, x)| match x.as_f64() {
            Some(f) if f.is_finite() => Ok(f),
            _ => Err(Error::input(format!(
                "{what}[{i}] is {x}, not a finite number; every entry must be a finite number"
            ))),
        })
        .collect()
}

/// The problem and the start x₀ from the input file.
fn load(args: &Args) -> Result<(LeastSquares, Mat<f64>)> {
    let file = args.input.display().to_string();
    let v = read_json(&args.input)?;
    let obj = v.as_object().ok_or_else(|| {
        Error::input(format!(
            "'{file}' must hold an object {{\"A\": matrix, \"b\": vector, \"x0\": vector (optional)}}"
        ))
    })?;
    if let Some(k) = obj.keys().find(|k| !["A", "b", "x0"].contains(&k.as_str())) {
        return Err(Error::input(format!(
            "'{file}' has an unknown key \"{k}\"; the keys are \"A\", \"b\" and \"x0\""
        )));
    }
    let get = |key: &str, what: &str| {
        obj.get(key).ok_or_else(|| {
            Error::input(format!(
                "'{file}' has no key \"{key}\"; put {what} under \"{key}\""
            ))
        })
    };
    let a = matrix_from_json(
        get("A", "the matrix A (m rows of d numbers)")?,
        &format!("\"A\" in '{file}'"),
    )?;
    let b = vector(
        get("b", "the vector b (m numbers)")?,
        &format!("\"b\" in '{file}'"),
    )?;
    let d = a.ncols();
    let problem = LeastSquares::new(a, &b)?;
    let x0 = match obj.get("x0") {
        None | Some(Value::Null) => Mat::zeros(d, 1),
        Some(x) => {
            let x = vector(x, &format!("\"x0\" in '{file}'"))?;
            if x.len() != d {
                return Err(Error::input(format!(
                    "\"x0\" in '{file}' has {} entries but A has {d} columns; give one entry per column",
                    x.len()
                )));
            }
            Mat::from_fn(d, 1, |i, _| x[i])
        }
    };
    Ok((problem, x0))
}

/// A parsed `--method`.
struct Method {
    name: String,
    p: f64,
    l: Option<f64>,
    rho: RhoRule,
    canonical: String,
}

fn parse_method(spec: &str) -> Result<Method> {
    let spec = spec.trim();
    let (name, rest) = spec.split_once(':').unwrap_or((spec, ""));
    if !METHODS.contains(&name) {
        return Err(Error::unknown(
            "method",
            name,
            format!("valid methods: {}", METHODS.join(", ")),
        ));
    }
    let mut kv = KeyValues::parse(&format!("method '{name}'"), rest)?;
    let p = if name == "agd" {
        2.0
    } else {
        kv.f64_in(
            "p",
            Some(f64::INFINITY),
            2.0,
            f64::INFINITY,
            "p ∈ [2, ∞] (inf for ℓ∞)",
        )?
    };
    let l = if kv.has("L") {
        Some(kv.f64_in("L", None, f64::MIN_POSITIVE, f64::MAX, "finite L > 0")?)
    } else {
        None
    };
    let rho = if name == "hasd" {
        match kv.string("rho", Some("implicit"))?.as_str() {
            "implicit" => RhoRule::Implicit,
            "floor" => RhoRule::Floor,
            r => match r.parse::<f64>() {
                Ok(x) if x > 0.0 && x.is_finite() => RhoRule::Fixed(x),
                _ => {
                    return Err(Error::input(format!(
                        "method 'hasd': rho={r} is not allowed; allowed: implicit, floor or a finite number > 0"
                    )))
                }
            },
        }
    } else {
        RhoRule::Implicit
    };
    let canonical = kv.canonical();
    kv.finish()?;
    Ok(Method {
        name: name.to_string(),
        p,
        l,
        rho,
        canonical: if canonical.is_empty() {
            name.to_string()
        } else {
            format!("{name}:{canonical}")
        },
    })
}

/// Run the command.
pub fn run(args: &Args) -> Result<Output> {
    if args.iters == 0 || args.iters > MAX_ITERS {
        return Err(Error::input(format!(
            "--iters {} is outside 1..={MAX_ITERS}; pass --iters T with 1 ≤ T ≤ {MAX_ITERS}",
            args.iters
        )));
    }
    if let Some(p) = &args.report {
        crate::io::check_writable(p)?;
    }
    let method = parse_method(&args.method)?;
    let (f, x0) = load(args)?;
    let fix = "the entries of A, b or x0 are so large that f leaves the f64 range; scale the problem down";
    let (l, l_from) = match method.l {
        Some(l) => (l, "given"),
        None => (
            finite(
                f.smoothness_bound(method.p),
                "the smoothness bound of AᵀA",
                fix,
            )?,
            "bound min(Σ|H_ij|, d^(1−2/p)‖H‖_F), H = AᵀA",
        ),
    };
    if l == 0.0 {
        return Err(Error::input(
            "A is zero, so f is constant and there is nothing to minimize; give a nonzero A",
        ));
    }
    finite(f.value(x0.as_ref()), "f(x0)", fix)?;
    let mut extra = serde_json::Map::new();
    let trace = match method.name.as_str() {
        "hasd" => {
            let params = HasdParams {
                rho: method.rho,
                ..HasdParams::new(method.p, l)
            };
            let mut h = Hasd::new(&f, x0, params)?;
            let mut values = vec![f.value(h.x().as_ref())];
            let (mut rho, mut ratio) = (Vec::with_capacity(args.iters), 0.0);
            for _ in 0..args.iters {
                let s = h.step()?;
                rho.push(num(s.rho));
                ratio += s.ratio_q2;
                values.push(f.value(h.x().as_ref()));
            }
            extra.insert("rho".into(), Value::Array(rho));
            extra.insert("G_T".into(), num(ratio / args.iters as f64));
            Trace {
                values,
                steps: Vec::new(),
                x: h.x().clone(),
            }
        }
        "lpsd" => lp_steepest_descent(&f, x0, method.p, l, args.iters),
        _ => euclidean_agd(&f, x0, l, args.iters),
    };
    let (values, x) = (trace.values, trace.x);
    let last = *values.last().expect("f(x0) is always recorded");
    finite(
        last,
        &format!("f(x_{})", args.iters),
        "lower L's underestimate: give the true L or omit it for a valid bound",
    )?;
    crate::io::finite_matrix(x.as_ref(), "the final x", fix)?;
    let mut out = json!({
        "method": method.canonical,
        "objective": "least squares ½‖Ax − b‖₂²",
        "m": f.rows(),
        "d": f.dim(),
        "L": l,
        "L_from": l_from,
        "iters": args.iters,
        "values": values.iter().map(|&v| num(v)).collect::<Vec<_>>(),
        "final": {"value": num(last), "x": (0..x.nrows()).map(|i| num(x[(i, 0)])).collect::<Vec<_>>()},
    });
    for (k, v) in extra {
        out[k] = v;
    }
    Ok(Output::ok(out))
}
