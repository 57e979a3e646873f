//! `steepest aion solve` / `aion derive`: contract keys, one outer step on fig1, exit codes on bad
//! input and on an undamped inner solve that stops at a saddle.

use std::process::Command;

fn steepest(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_steepest"))
        .args(args)
        .output()
        .expect("run steepest");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn fig1_reaches_the_optimum_in_one_outer_step_with_contract_keys() {
    let (code, out, err) =
        steepest(&["aion", "solve", "--preset", "fig1", "--gd-max-iter", "2000"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("pure JSON on stdout");
    for k in [
        "outer_steps",
        "inner_iterations",
        "evaluations",
        "loss_before",
        "loss_after",
        "grad_norm_after",
        "theta",
        "baselines",
    ] {
        assert!(v.get(k).is_some(), "missing key {k}");
    }
    assert_eq!(v["outer_steps"], 1);
    assert!(v["grad_norm_after"].as_f64().unwrap() <= 1e-10);
    assert!(v["inner_iterations"].as_u64().unwrap() >= 1);
    assert!(
        v["baselines"]["gradient_descent"]["iterations"]
            .as_u64()
            .unwrap()
            > 1
    );
}

#[test]
fn bad_input_exits_2_and_saddle_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        r#"{"rank":1,"terms":1,"x":[[0.1],[0.2]],"y":[1,2],"theta0":[1,2,3]}"#,
        r#"{"rank":1,"terms":1,"x":[],"y":[],"theta0":[1,2,3,4]}"#,
        r#"{"rank":1,"terms":1,"x":[[0.1],[0.2,0.3]],"y":[1,2],"theta0":[1,2,3,4]}"#,
        r#"{"rank":1,"terms":1,"x":[[0.1],[NaN]],"y":[1,2],"theta0":[1,2,3,4]}"#,
    ];
    for (k, c) in cases.iter().enumerate() {
        let p = dir.path().join(format!("c{k}.json"));
        std::fs::write(&p, c).unwrap();
        let (code, _, err) = steepest(&["aion", "solve", "--config", p.to_str().unwrap()]);
        assert_eq!(code, 2, "case {k}: {err}");
        assert!(err.contains("error:"), "{err}");
    }
    let (code, out, err) = steepest(&["aion", "solve", "--preset", "fig1", "--inner", "newton"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("not a minimum"), "{err}");
}

#[test]
fn unknown_config_keys_exit_2_naming_the_key_and_the_accepted_keys() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("tanh.json");
    std::fs::write(
        &p,
        r#"{"rank":1,"terms":1,"x":[[0.1],[0.5],[0.9]],"y":[1,-2,3],"theta0":[1,0.5,3,0.1],"activation":"tanh"}"#,
    )
    .unwrap();
    let (code, out, err) = steepest(&["aion", "solve", "--config", p.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("\"activation\""), "{err}");
    for k in ["rank", "terms", "x", "y", "theta0"] {
        assert!(err.contains(&format!("\"{k}\"")), "{err}");
    }
}

#[cfg(not(feature = "symbolic"))]
#[test]
fn derive_without_the_feature_exits_2_with_the_fix() {
    let (code, _, err) = steepest(&["aion", "derive"]);
    assert_eq!(code, 2);
    assert!(err.contains("--features symbolic"), "{err}");
}
