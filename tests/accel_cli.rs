//! `steepest accel` end to end through the binary: HASD on a user's least-squares problem,
//! against its baselines and its own recursion, and bad inputs (exit 2 naming the problem).

use serde_json::{json, Value};
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_steepest"))
}

/// A consistent system A x* = b (f* = 0) with a dense, well-spread spectrum.
fn problem() -> Value {
    let (m, d) = (12, 8);
    let a: Vec<Vec<f64>> = (0..m)
        .map(|i| {
            (0..d)
                .map(|j| ((i * 7 + j * 3) as f64 * 0.61).sin() + if i == j { 2.0 } else { 0.0 })
                .collect()
        })
        .collect();
    let x_star: Vec<f64> = (0..d).map(|j| (j as f64 * 1.3).cos()).collect();
    let b: Vec<f64> = a
        .iter()
        .map(|row| row.iter().zip(&x_star).map(|(r, x)| r * x).sum())
        .collect();
    json!({"A": a, "b": b})
}

fn run(input: &Value, method: &str, iters: usize) -> (i32, Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ls.json");
    std::fs::write(&p, input.to_string()).unwrap();
    let out = bin()
        .args([
            "accel",
            "--method",
            method,
            "--iters",
            &iters.to_string(),
            "--input",
        ])
        .arg(&p)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn values(v: &Value) -> Vec<f64> {
    v["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

#[test]
fn hasd_minimizes_a_users_least_squares_problem() {
    let (code, v, err) = run(&problem(), "hasd:p=inf", 300);
    assert_eq!(code, 0, "{err}");
    let f = values(&v);
    assert_eq!(f.len(), 301);
    assert_eq!(v["method"], "hasd:p=inf,rho=implicit");
    assert_eq!(v["rho"].as_array().unwrap().len(), 300);
    // f* = 0: after 300 iterations HASD is far below f(x0) (the theorem's bound
    // 324 L‖x0 − x*‖²/(𝒢²T²) is ~1e-2·f(x0) here; the run does much better)
    assert!(
        f[300] < 1e-3 * f[0],
        "f(x0) = {}, f(x_300) = {}",
        f[0],
        f[300]
    );
    // ρ_t within the search bracket [d^(−(2/q−1)), 1] = [1/8, 1] for q = 1, d = 8
    for r in v["rho"].as_array().unwrap() {
        let r = r.as_f64().unwrap();
        assert!((0.125..=1.0).contains(&r), "ρ = {r}");
    }
    // the same problem with L given explicitly (the bound the command reports) is the same run
    let l = v["L"].as_f64().unwrap();
    let (_, w, _) = run(&problem(), &format!("hasd:p=inf,L={l:?}"), 300);
    assert_eq!(values(&w), f);
    assert_eq!(w["L_from"], "given");
}

#[test]
fn baselines_run_and_plain_steepest_descent_is_monotone() {
    let (code, v, err) = run(&problem(), "lpsd:p=4", 200);
    assert_eq!(code, 0, "{err}");
    let f = values(&v);
    // x ← x − ∇f^#/L with L a valid ℓp constant decreases f every step (descent lemma)
    assert!(f.windows(2).all(|w| w[1] <= w[0] * (1.0 + 1e-12)), "{f:?}");
    let (code, v, err) = run(&problem(), "agd", 200);
    assert_eq!(code, 0, "{err}");
    assert!(values(&v)[200] < values(&v)[0]);
    let (code, v, err) = run(&problem(), "hasd:p=4,rho=1", 50);
    assert_eq!(code, 0, "{err}");
    assert!(v["rho"].as_array().unwrap().iter().all(|r| r == 1.0));
}

#[test]
fn bad_inputs_exit_2_naming_the_problem() {
    let cases: Vec<(Value, &str, usize, &str)> = vec![
        (problem(), "newton", 10, "unknown method 'newton'"),
        (problem(), "hasd:p=1.5", 10, "p=1.5 is out of range"),
        (problem(), "hasd:rho=-1", 10, "rho=-1 is not allowed"),
        (problem(), "agd:p=4", 10, "unknown key 'p'"),
        (problem(), "hasd", 0, "--iters 0 is outside"),
        (
            json!({"A": [[1.0, 2.0]], "b": [1.0, 2.0]}),
            "hasd",
            10,
            "b has 2 entries but A has 1 rows",
        ),
        (json!({"A": [[1.0, 2.0]]}), "hasd", 10, "no key \"b\""),
        (
            json!({"A": [[1.0, 2.0]], "b": [1.0], "x0": [0.0]}),
            "hasd",
            10,
            "\"x0\"",
        ),
        (
            json!({"A": [[0.0, 0.0]], "b": [1.0]}),
            "hasd",
            10,
            "A is zero",
        ),
        (
            json!({"A": [[1.0]], "b": [1.0], "c": 3}),
            "hasd",
            10,
            "unknown key \"c\"",
        ),
    ];
    for (input, method, iters, want) in cases {
        let (code, v, err) = run(&input, method, iters);
        assert_eq!(code, 2, "{method} {input}: {err}");
        assert!(err.contains(want), "{method}: expected '{want}' in: {err}");
        assert_eq!(v, Value::Null, "no output on bad input");
    }
}
