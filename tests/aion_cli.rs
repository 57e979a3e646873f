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

/// An example model file of docs/example/.
fn example(name: &str) -> String {
    format!("{}/docs/example/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn model_files_with_unknown_keys_or_bad_expressions_exit_2_in_every_build() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            r#"{"expr":"a*x0","data":{"x0":[1,2],"y":[1,2]},"theta0":{"a":1},"activation":"tanh"}"#,
            "unknown key \"activation\"",
        ),
        (
            r#"{"expr":"a*x0","data":{"x0":[1,2],"y":[1,2]},"theta0":{"a":1},"solver":{"lr":1}}"#,
            "unknown key \"lr\"",
        ),
        (
            r#"{"expr":"a*(x0","data":{"x0":[1,2],"y":[1,2]},"theta0":{"a":1}}"#,
            "missing ')'",
        ),
        (
            r#"{"expr":"a*x0+b","data":{"x0":[1,2],"y":[1,2]},"theta0":{"a":1}}"#,
            "no start value for the parameter \"b\"",
        ),
    ];
    for (k, (text, part)) in cases.iter().enumerate() {
        let p = dir.path().join(format!("m{k}.json"));
        std::fs::write(&p, text).unwrap();
        let r = dir.path().join("r.json");
        let (code, out, err) = steepest(&[
            "aion",
            "solve",
            "--model",
            p.to_str().unwrap(),
            "--report",
            r.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "case {k}: {err}");
        assert!(err.contains(part), "case {k}: {err}");
        assert!(!out.contains('{'), "case {k}: {out}");
        assert!(!r.exists(), "case {k}: partial output");
    }
}

#[cfg(not(feature = "symbolic"))]
#[test]
fn model_solve_without_the_feature_exits_2_with_the_fix() {
    let (code, out, err) = steepest(&["aion", "solve", "--model", &example("fig1.model.json")]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("--features symbolic"), "{err}");
}

/// The symbolic path from model files, run one process after another in one test (one Symbolica
/// thread per user: never two processes at once). Checked against known optima, not against
/// Symbolica's output or the hand-derived path.
#[cfg(feature = "symbolic")]
#[test]
fn model_files_solve_in_one_outer_step_and_tanh_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let solve = |name: &str| {
        let r = dir.path().join(format!("{name}.json"));
        let (code, _, err) = steepest(&[
            "aion",
            "solve",
            "--model",
            &example(name),
            "--report",
            r.to_str().unwrap(),
        ]);
        (code, err, r)
    };
    // θ* of the realisable examples (docs/example/make_models.py).
    let known: [(&str, &[(&str, f64)]); 2] = [
        (
            "fig1.model.json",
            &[("A", 1.5), ("al", -0.7), ("om", 4.0), ("ph", 0.5)],
        ),
        (
            "poly.model.json",
            &[
                ("c0", 0.5),
                ("c1", -1.0),
                ("c2", 2.0),
                ("c3", 0.3),
                ("c4", -0.7),
            ],
        ),
    ];
    for (name, star) in known {
        let (code, err, r) = solve(name);
        assert_eq!(code, 0, "{name}: {err}");
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&r).unwrap()).unwrap();
        assert_eq!(v["outer_steps"], 1, "{name}");
        assert_eq!(v["infinity_class"]["member"], true, "{name}");
        assert!(v["grad_norm_after"].as_f64().unwrap() <= 1e-10, "{name}");
        assert!(v["inner_iterations"].as_u64().unwrap() >= 1, "{name}");
        // Realisable data and a strict minimum: θ1 = θ* up to the conditioning of the fit.
        for (p, t) in star {
            let got = v["theta"][p].as_f64().unwrap();
            assert!((got - t).abs() <= 1e-7, "{name}: {p} = {got}, θ* = {t}");
        }
        // The derived gradient agrees with central differences of L evaluated directly in f64
        // (relative error ~ ε^{2/3} ≈ 4e-11 for smooth L; 1e-6 leaves room for curvature).
        assert!(
            v["gradient_check"]["relative_error"].as_f64().unwrap() <= 1e-6,
            "{name}: {}",
            v["gradient_check"]
        );
        let tex = v["equation"]["latex"].as_str().unwrap();
        assert!(!tex.contains("th0") && !tex.contains("xc0"), "{tex}");
    }
    let (code, err, r) = solve("rank2.model.json");
    assert_eq!(code, 0, "rank2: {err}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&r).unwrap()).unwrap();
    assert_eq!(v["model"]["parameters"].as_array().unwrap().len(), 32);
    assert!(v["grad_norm_after"].as_f64().unwrap() <= 1e-10);
    assert!(v["loss_after"].as_f64().unwrap() <= 1e-20);
    assert!(v["equation"]["latex"]
        .as_str()
        .unwrap()
        .contains("\\alpha_{1,1,1}"));

    let (code, err, r) = solve("tanh.model.json");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("outside the Infinity Class") && err.contains("C1"),
        "{err}"
    );
    assert!(err.contains("tanh(w*x0+b)"), "{err}");
    assert!(!r.exists());

    let (code, err, r) = solve("rational.model.json");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("C1") && err.contains("--baselines-only"),
        "{err}"
    );
    assert!(!r.exists());

    // Without --report the JSON would share stdout with Symbolica's banner: refused.
    let (code, _, err) = steepest(&["aion", "solve", "--model", &example("fig1.model.json")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--report") && err.contains("--out"), "{err}");

    // Outside the class on request: the baselines only, the refusal and its reason in the report
    // (--out is --report). The data are realisable (y = 1.3 tanh(0.8x − 0.2)): L* = 0.
    let r = dir.path().join("tanh-baselines.json");
    let (code, _, err) = steepest(&[
        "aion",
        "solve",
        "--model",
        &example("tanh.model.json"),
        "--baselines-only",
        "--out",
        r.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&r).unwrap()).unwrap();
    assert_eq!(v["infinity_class"]["member"], false);
    assert_eq!(v["infinite_descent"]["refused"], true);
    assert!(v["infinite_descent"]["reason"]
        .as_str()
        .unwrap()
        .contains("C1"));
    let before = v["loss_before"].as_f64().unwrap();
    for m in ["gradient_descent", "newton", "newton_cg", "lbfgs"] {
        let b = &v["baselines"][m];
        assert!(b["iterations"].as_u64().is_some(), "{m}: {b}");
        assert!(b["loss"].as_f64().unwrap() < before, "{m}: {b}");
    }
    assert!(
        ["newton", "lbfgs"]
            .iter()
            .any(|m| v["baselines"][m]["converged"] == true),
        "{}",
        v["baselines"]
    );

    // `aion derive --out`: the derivation goes to the file, only the banner (if any) to stdout.
    let t = dir.path().join("aion.txt");
    let (code, out, err) = steepest(&[
        "aion",
        "derive",
        "--order",
        "2",
        "--out",
        t.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&t).unwrap();
    assert!(
        text.contains("Result: the resummed F equals the Taylor tower"),
        "{text}"
    );
    assert!(!out.contains("Resummed update equation"), "{out}");
}
