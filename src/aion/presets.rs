//! Problem instances: the presets `fig1` and `rank2`, and the contract's "AION config" JSON.

use super::model::Problem;
use crate::error::{Error, Result};
use rand::{Rng, SeedableRng};
use serde_json::Value;

/// A problem with its starting point θ0 and, for synthetic presets, the planted θ*.
#[derive(Clone, Debug)]
pub struct Instance {
    /// The data and shape.
    pub problem: Problem,
    /// θ0.
    pub theta0: Vec<f64>,
    /// θ* that generated the (realisable) targets, if known.
    pub theta_star: Option<Vec<f64>>,
}

/// `fig1` (our reproducible version of the one-term test problem of Fig. 1 of arXiv 2510.05489): d = r = P = 1, x = linspace(−1, 1, 64), θ* = (1.5, −0.7, 4.0, 0.5),
/// θ0 = (1.0, −0.2, 3.3, 0.0), y = f(x; θ*).
pub fn fig1() -> Instance {
    let theta_star = vec![1.5, -0.7, 4.0, 0.5];
    let theta0 = vec![1.0, -0.2, 3.3, 0.0];
    let x: Vec<Vec<f64>> = (0..64)
        .map(|k| vec![-1.0 + 2.0 * k as f64 / 63.0])
        .collect();
    realisable(1, 1, x, theta_star, theta0)
}

/// θ* of the `rank2` preset (r = d = P = 2), ordered (j, i, p) with (A, α, ω, φ) per term.
pub const RANK2_THETA_STAR: [f64; 32] = [
    1.2, -0.5, 2.0, 0.3, /**/ 0.6, 0.4, 5.0, -0.8, // j=0, i=0
    1.0, 0.3, 1.5, -0.2, /**/ -0.5, -0.6, 4.0, 1.1, // j=0, i=1
    0.8, 0.2, 3.0, 0.9, /**/ 0.4, -0.3, 6.5, 0.1, // j=1, i=0
    1.1, -0.4, 2.5, 0.6, /**/ 0.7, 0.5, 0.8, -1.0, // j=1, i=1
];

/// The perturbation θ0 − θ* of the `rank2` preset.
pub const RANK2_PERTURBATION: [f64; 32] = [
    0.08, -0.06, 0.10, -0.05, /**/ -0.04, 0.07, -0.09, 0.06, //
    -0.07, 0.05, 0.08, 0.04, /**/ 0.06, -0.08, 0.05, -0.07, //
    0.05, 0.09, -0.06, 0.08, /**/ -0.09, 0.04, 0.07, -0.05, //
    0.06, -0.07, -0.08, 0.05, /**/ 0.07, 0.06, -0.04, 0.09, //
];

/// `rank2`: d = r = P = 2, N = 400 inputs uniform in [−1, 1]² drawn from ChaCha8 with seed 1,
/// realisable targets y = f(x; θ*) with θ* = [`RANK2_THETA_STAR`], θ0 = θ* + [`RANK2_PERTURBATION`].
pub fn rank2() -> Instance {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let x: Vec<Vec<f64>> = (0..400)
        .map(|_| vec![rng.random_range(-1.0..1.0), rng.random_range(-1.0..1.0)])
        .collect();
    let ts = RANK2_THETA_STAR.to_vec();
    let t0 = ts
        .iter()
        .zip(RANK2_PERTURBATION.iter())
        .map(|(a, b)| a + b)
        .collect();
    realisable(2, 2, x, ts, t0)
}

/// A realisable instance: y = f(x; θ*).
pub fn realisable(
    rank: usize,
    terms: usize,
    x: Vec<Vec<f64>>,
    theta_star: Vec<f64>,
    theta0: Vec<f64>,
) -> Instance {
    let zeros = vec![0.0; x.len()];
    let p0 = Problem::new(rank, terms, &x, &zeros).expect("preset data are valid");
    let y = p0.predict(&theta_star);
    let problem = Problem { y, ..p0 };
    Instance {
        problem,
        theta0,
        theta_star: Some(theta_star),
    }
}

/// A preset by name.
pub fn preset(name: &str) -> Result<Instance> {
    match name {
        "fig1" => Ok(fig1()),
        "rank2" => Ok(rank2()),
        other => Err(Error::input(format!(
            "unknown AION preset '{other}'; use --preset fig1 or --preset rank2"
        ))),
    }
}

fn usize_field(v: &Value, key: &str, what: &str) -> Result<usize> {
    v.get(key)
        .and_then(Value::as_u64)
        .map(|u| u as usize)
        .ok_or_else(|| {
            Error::input(format!(
                "{what}: \"{key}\" is missing or not a non-negative integer; the AION config is {{\"rank\": r, \"terms\": P, \"x\": [[…]], \"y\": […], \"theta0\": […]}}"
            ))
        })
}

fn floats(v: &Value, what: &str) -> Result<Vec<f64>> {
    let arr = v
        .as_array()
        .ok_or_else(|| Error::input(format!("{what} must be an array of numbers")))?;
    arr.iter()
        .enumerate()
        .map(|(k, e)| {
            e.as_f64().ok_or_else(|| {
                Error::input(format!(
                    "{what}[{k}] is {e}, not a number; every entry must be a finite number"
                ))
            })
        })
        .collect()
}

/// The keys of the AION config, all required.
pub const CONFIG_KEYS: [&str; 5] = ["rank", "terms", "x", "y", "theta0"];

/// Parse the contract's "AION config":
/// `{"rank": r, "terms": P, "x": [[d floats], … N rows], "y": [N floats], "theta0": [4·r·d·P floats]}`.
/// Unknown keys are an input error naming the key and the accepted keys (a misspelt or unsupported
/// setting such as `"activation": "tanh"` must not be ignored while an AION model is solved anyway).
pub fn from_config(v: &Value, what: &str) -> Result<Instance> {
    let obj = v.as_object().ok_or_else(|| {
        Error::input(format!(
            "{what}: the AION config must be a JSON object {{\"rank\": r, \"terms\": P, \"x\": [[…]], \"y\": […], \"theta0\": […]}}"
        ))
    })?;
    if let Some(k) = obj.keys().find(|k| !CONFIG_KEYS.contains(&k.as_str())) {
        return Err(Error::input(format!(
            "{what}: unknown key \"{k}\"; the AION config accepts only {}",
            CONFIG_KEYS
                .iter()
                .map(|k| format!("\"{k}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let rank = usize_field(v, "rank", what)?;
    let terms = usize_field(v, "terms", what)?;
    let xv = v.get("x").ok_or_else(|| {
        Error::input(format!(
            "{what}: \"x\" is missing; give the inputs as an array of rows [[x_1, …, x_d], …]"
        ))
    })?;
    let rows = xv.as_array().ok_or_else(|| {
        Error::input(format!("{what}: \"x\" must be an array of rows of numbers"))
    })?;
    let x: Vec<Vec<f64>> = rows
        .iter()
        .enumerate()
        .map(|(k, r)| floats(r, &format!("{what}: x[{k}]")))
        .collect::<Result<_>>()?;
    let y = floats(
        v.get("y").ok_or_else(|| {
            Error::input(format!(
                "{what}: \"y\" is missing; give one target per input row"
            ))
        })?,
        &format!("{what}: y"),
    )?;
    let theta0 = floats(
        v.get("theta0").ok_or_else(|| {
            Error::input(format!(
                "{what}: \"theta0\" is missing; give 4·r·d·P starting parameters (A, α, ω, φ per term)"
            ))
        })?,
        &format!("{what}: theta0"),
    )?;
    let problem = Problem::new(rank, terms, &x, &y)?;
    problem.check_theta(&theta0, &format!("{what}: theta0"))?;
    Ok(Instance {
        problem,
        theta0,
        theta_star: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> Value {
        json!({"rank": 1, "terms": 1, "x": [[0.1], [0.5]], "y": [1.0, 2.0], "theta0": [1.0, 0.5, 3.0, 0.1]})
    }

    #[test]
    fn a_valid_config_parses() {
        let inst = from_config(&config(), "cfg").unwrap();
        assert_eq!(inst.theta0.len(), 4);
    }

    #[test]
    fn unknown_keys_are_an_input_error_naming_the_key_and_the_accepted_keys() {
        let mut v = config();
        v["activation"] = json!("tanh");
        let e = from_config(&v, "cfg").unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let m = e.to_string();
        assert!(m.contains("\"activation\""), "{m}");
        for k in CONFIG_KEYS {
            assert!(m.contains(&format!("\"{k}\"")), "{m}");
        }
        let e = from_config(&json!([1, 2]), "cfg").unwrap_err();
        assert_eq!(e.exit_code(), 2);
    }
}
