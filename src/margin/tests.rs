use super::*;
use crate::data::Dataset;
use serde_json::Value;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn oracle(name: &str) -> Value {
    crate::io::read_json(&fixture(name)).unwrap()
}

/// γ agrees with the oracle to `rel` and the bracket contains the oracle value (up to the
/// oracle's own certified bracket width).
fn check_against(data: &Dataset, oracle: &Value, norms: &[&str], rel: f64) {
    for &norm in norms {
        let want = oracle["gamma"][norm].as_f64().unwrap();
        let ob = &oracle["gamma_bracket"][norm];
        let (olo, ohi) = (ob[0].as_f64().unwrap(), ob[1].as_f64().unwrap());
        let t = std::time::Instant::now();
        let m = max_margin(data, norm, &MarginOptions::default()).unwrap();
        let err = (m.gamma - want).abs() / want;
        eprintln!(
            "{norm:>14}: gamma {:.12} oracle {want:.12} rel err {err:.2e} bracket [{:.12}, {:.12}] width {:.1e} ({:.0} ms)",
            m.gamma, m.lower, m.upper, m.upper - m.lower, t.elapsed().as_secs_f64() * 1e3
        );
        assert!(m.separable);
        assert!(
            err <= rel,
            "{norm}: γ = {} vs oracle {want} (rel {err:e})",
            m.gamma
        );
        // The true γ lies in both certified brackets, so they must overlap; and the oracle value
        // itself must lie in ours (to the oracle bracket's width).
        assert!(
            m.lower <= ohi && olo <= m.upper,
            "{norm}: brackets do not overlap"
        );
        let slack = ohi - olo;
        assert!(
            m.lower <= want + slack && want - slack <= m.upper,
            "{norm}: oracle {want} outside [{}, {}]",
            m.lower,
            m.upper
        );
    }
}

#[test]
fn small_dataset_matches_oracle_in_every_norm() {
    let data = Dataset::load(&fixture("dataset.small.json")).unwrap();
    let o = oracle("margin.small.json");
    check_against(
        &data,
        &o,
        &[
            "fro",
            "spectral",
            "max",
            "sum",
            "nuclear",
            "entrywise:3",
            "entrywise:1.5",
        ],
        1e-6,
    );
}

#[test]
fn small_dataset_constraint_generation_matches_full_program() {
    let data = Dataset::load(&fixture("dataset.small.json")).unwrap();
    let o = oracle("margin.small.json");
    let opts = MarginOptions {
        full_pairs: Some(0),
        init_per_sample: 1,
        ..MarginOptions::default()
    };
    for norm in ["spectral", "nuclear", "max"] {
        let m = max_margin(&data, norm, &opts).unwrap();
        let want = o["gamma"][norm].as_f64().unwrap();
        assert!(
            (m.gamma - want).abs() <= 1e-6 * want,
            "{norm}: {} vs {want}",
            m.gamma
        );
        assert!(!m.info["rounds"].as_array().unwrap().is_empty());
    }
}

#[test]
#[ignore = "paper dataset (k = 10, d = 25, 4500 pairs): a few seconds per norm; run with --ignored"]
fn paper_dataset_matches_oracle_in_every_norm() {
    let data = Dataset::load(&fixture("dataset.paper.json")).unwrap();
    let o = oracle("margin.paper.json");
    check_against(
        &data,
        &o,
        &[
            "fro",
            "max",
            "sum",
            "entrywise:3",
            "entrywise:1.5",
            "spectral",
            "nuclear",
        ],
        1e-6,
    );
}

#[test]
fn schatten_p_bracket_is_honest_and_between_neighbours() {
    let data = Dataset::load(&fixture("dataset.small.json")).unwrap();
    let o = oracle("margin.small.json");
    let g = |n: &str| o["gamma"][n].as_f64().unwrap();
    let m = max_margin(&data, "schatten:3", &MarginOptions::default()).unwrap();
    assert!(m.lower <= m.gamma && m.gamma <= m.upper);
    assert!(
        m.upper - m.lower <= 1e-5 * m.upper,
        "width {}",
        m.upper - m.lower
    );
    // Schatten norms decrease in p, so the margins increase: γ_fro ≤ γ_S3 ≤ γ_spectral.
    assert!(g("fro") <= m.upper && m.lower <= g("spectral"));
    // p = 2 through the Schatten name is the Frobenius program.
    let s2 = max_margin(&data, "schatten:2", &MarginOptions::default()).unwrap();
    assert!((s2.gamma - g("fro")).abs() <= 1e-8);
}

#[test]
fn robust_binary_margins_match_oracle() {
    let data = Dataset::load(&fixture("dataset.robust_d50.json")).unwrap();
    let o = oracle("robust.robust_d50.json");
    let eps_star = o["eps_star"].as_f64().unwrap();
    let eps: Vec<f64> = o["eps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for (r, name) in [("2", "l2"), ("1", "l1")] {
        for (j, &e) in eps.iter().enumerate() {
            let want = o["gamma_rob"][r][j].as_f64().unwrap();
            let m = binary_margin(&data, name, Some(e), &MarginOptions::default()).unwrap();
            eprintln!(
                "{name} eps {e}: {} vs {want} [{}, {}]",
                m.gamma, m.lower, m.upper
            );
            assert!(
                (m.gamma - want).abs() <= 1e-6 * want.max(1e-3),
                "{name} ε = {e}: {} vs {want}",
                m.gamma
            );
            assert_eq!(m.separable, want > 0.0, "{name} ε = {e}");
            if m.separable {
                assert!(m.lower <= want + 1e-9 && want - 1e-9 <= m.upper);
            }
            let es = m.info["eps_star"].as_f64().unwrap();
            assert!((es - eps_star).abs() <= 1e-8 * eps_star);
        }
    }
    // ℓ∞ geometry: no oracle; the bracket must be tight and ordered: γ_∞ ≥ γ_2 ≥ γ_1 at ε = 0.
    let linf = binary_margin(&data, "linf", Some(0.053), &MarginOptions::default()).unwrap();
    assert!(linf.upper - linf.lower <= 1e-7 * linf.upper);
    let l2 = binary_margin(&data, "l2", Some(0.053), &MarginOptions::default()).unwrap();
    assert!(linf.gamma >= l2.gamma);
}

#[test]
fn robust_radius_must_be_non_negative() {
    let data = Dataset::load(&fixture("dataset.robust_d50.json")).unwrap();
    let r = binary_margin(&data, "l2", Some(-0.1), &MarginOptions::default());
    assert!(matches!(r, Err(crate::Error::Input(_))));
    let r = binary_margin(&data, "fro", None, &MarginOptions::default());
    assert!(matches!(r, Err(crate::Error::Input(_))));
    let small = Dataset::load(&fixture("dataset.small.json")).unwrap();
    assert!(matches!(
        max_margin(&small, "l2", &MarginOptions::default()),
        Err(crate::Error::Input(_))
    ));
    assert!(matches!(
        max_margin(&small, "entrywise:0.5", &MarginOptions::default()),
        Err(crate::Error::Input(_))
    ));
}

#[test]
fn non_separable_data_answer_gamma_zero() {
    let data = Dataset::from_json(
        &serde_json::json!({"classes": 3, "x": [[1.0, 2.0], [1.0, 2.0], [0.0, 1.0], [3.0, -1.0]], "y": [0, 1, 2, 0]}),
        "dup",
    )
    .unwrap();
    for norm in ["fro", "spectral", "max"] {
        let m = max_margin(&data, norm, &MarginOptions::default()).unwrap();
        assert!(!m.separable);
        assert_eq!(m.gamma, 0.0);
        assert!(m.upper < 1e-7, "{norm}: Farkas upper bound {}", m.upper);
    }
}

#[test]
fn simplex_projection() {
    let p = schatten::project_simplex(&[0.5, 2.0, -1.0]);
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-15);
    assert_eq!(p, vec![0.0, 1.0, 0.0]);
    let q = schatten::project_simplex(&[0.3, 0.3, 0.3]);
    assert!(q.iter().all(|&v| (v - 1.0 / 3.0).abs() < 1e-15));
}

/// A Frobenius norm with a planted bug: its dual norm is half the true one.
#[derive(Debug)]
struct HalvedDual(Box<dyn crate::norms::Norm>);

impl crate::norms::Norm for HalvedDual {
    fn name(&self) -> String {
        "fro".into()
    }
    fn norm(&self, x: faer::MatRef<'_, f64>) -> f64 {
        self.0.norm(x)
    }
    fn dual_norm(&self, g: faer::MatRef<'_, f64>) -> f64 {
        0.5 * self.0.dual_norm(g)
    }
    fn dualize(&self, g: faer::MatRef<'_, f64>) -> Mat<f64> {
        self.0.dualize(g)
    }
}

#[test]
fn planted_wrong_dual_norm_breaks_the_certificate() {
    let data = Dataset::load(&fixture("dataset.small.json")).unwrap();
    let good = max_margin(&data, "fro", &MarginOptions::default()).unwrap();
    let start = std::time::Instant::now();
    let honest = crate::norms::parse_norm("fro").unwrap();
    let ok = multiclass::certify(
        &data,
        "fro",
        honest.as_ref(),
        good.w.clone(),
        good.lambda.clone(),
        good.gamma,
        start,
        serde_json::json!({}),
    );
    assert!(ok.is_ok());
    let broken = HalvedDual(crate::norms::parse_norm("fro").unwrap());
    let r = multiclass::certify(
        &data,
        "fro",
        &broken,
        good.w.clone(),
        good.lambda.clone(),
        good.gamma,
        start,
        serde_json::json!({}),
    );
    assert!(matches!(r, Err(crate::Error::Failed(m)) if m.contains("inconsistent certificate")));
}

#[test]
fn first_order_dual_method_matches_conic_solver() {
    // The method of the Schatten-p path, run on norms the conic solver handles exactly, from the
    // uniform λ: its certified bracket must contain the oracle γ and be narrow.
    let data = Dataset::load(&fixture("dataset.small.json")).unwrap();
    let o = oracle("margin.small.json");
    let pairs = data.pairs().len();
    let uniform = vec![1.0 / pairs as f64; pairs];
    for norm in ["fro", "entrywise:3"] {
        let cert = crate::norms::parse_norm(norm).unwrap();
        let m = schatten::first_order_max_margin(
            &data,
            norm,
            Geometry::matrix(norm).unwrap(),
            cert.as_ref(),
            &uniform,
            &MarginOptions::default(),
            std::time::Instant::now(),
        )
        .unwrap();
        let want = o["gamma"][norm].as_f64().unwrap();
        assert!(
            m.lower <= want * (1.0 + 1e-12) && want <= m.upper * (1.0 + 1e-12),
            "{norm}"
        );
        assert!(
            (m.gamma - want).abs() <= 1e-6 * want,
            "{norm}: {} vs {want}",
            m.gamma
        );
    }
}

#[test]
fn openblas_runs_single_threaded_after_a_psd_solve() {
    let data = Dataset::load(&fixture("dataset.small.json")).unwrap();
    max_margin(&data, "nuclear", &MarginOptions::default()).unwrap();
    assert_eq!(super::conic::blas_threads(), 1);
}
