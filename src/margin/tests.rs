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

/// The multiclass γ of the two-class dataset `robust_d50` (n = 40 < d = 50) in a unitarily
/// invariant norm: with W = [w_0; w_1] only v = w_1 − w_0 enters the margins, and the norm is
/// invariant under W ↦ −(row swap)·W, which keeps v; by convexity the optimum is [−v/2; v/2], of
/// rank one with every Schatten norm ‖v‖₂/√2, so γ = √2·γ_ℓ2 of the binary oracle (ε = 0).
fn wide_oracle() -> f64 {
    std::f64::consts::SQRT_2
        * oracle("robust.robust_d50.json")["gamma_rob"]["2"][0]
            .as_f64()
            .unwrap()
}

/// Whether an answer is a tight certificate of `want`: the bracket contains it (to the
/// oracle's agreement 1e-8, CVXPY vs SCS/HiGHS) and is narrower than 1e-6 relative (Clarabel at
/// tol 1e-10 closes it to ~1e-9).
fn tight_around(m: &Margin, want: f64) -> bool {
    m.separable
        && m.lower <= want * (1.0 + 1e-8)
        && want <= m.upper * (1.0 + 1e-8)
        && m.upper - m.lower <= 1e-6 * m.upper
}

#[test]
fn wide_data_are_solved_in_their_row_span() {
    let data = Dataset::load(&fixture("dataset.robust_d50.json")).unwrap();
    let want = wide_oracle();
    for norm in ["fro", "spectral", "nuclear", "schatten:3"] {
        let m = max_margin(&data, norm, &MarginOptions::default()).unwrap();
        eprintln!(
            "{norm}: γ {} want {want} [{}, {}] {}",
            m.gamma, m.lower, m.upper, m.info["row_span_reduction"]
        );
        assert_eq!(m.info["row_span_reduction"]["rank"], 40, "{norm}");
        assert!(tight_around(&m, want), "{norm}");
        assert_eq!((m.w.nrows(), m.w.ncols()), (2, 50));
        // W = W'Qᵀ lies in the row span: its component orthogonal to the data is rounding.
        let q = span::row_span_basis(data.x().as_ref());
        let resid = &m.w - (&m.w * &q) * q.transpose();
        assert!(resid.norm_max() <= 1e-12, "{norm}: {}", resid.norm_max());
    }
    // Entry-wise ℓ1 is not unitarily invariant: solved in the original space.
    let sum = max_margin(&data, "sum", &MarginOptions::default()).unwrap();
    assert!(sum.info.get("row_span_reduction").is_none());
}

#[test]
fn reduction_agrees_with_the_full_program_and_a_dropped_direction_is_caught() {
    let data = Dataset::load(&fixture("dataset.robust_d50.json")).unwrap();
    let want = wide_oracle();
    let opts = MarginOptions::default();
    let cert = crate::norms::parse_norm("nuclear").unwrap();
    let start = std::time::Instant::now();
    let q = span::row_span_basis(data.x().as_ref());
    let reduced =
        span::solve_in_span(&data, "nuclear", cert.as_ref(), q.as_ref(), &opts, start).unwrap();
    // The identity basis "reduces" to the full (k + d)-order program.
    let eye = Mat::<f64>::identity(data.d(), data.d());
    let full =
        span::solve_in_span(&data, "nuclear", cert.as_ref(), eye.as_ref(), &opts, start).unwrap();
    assert!(tight_around(&reduced, want) && tight_around(&full, want));
    assert!((reduced.gamma - full.gamma).abs() <= 1e-8 * full.gamma);
    // Control (a planted bug in the reduction): a basis missing one direction of the data solves
    // a different program; its bracket, certified on the original data, stays honest but is no
    // longer a tight certificate of γ.
    let short = q.get(.., ..q.ncols() - 1).to_owned();
    let planted = span::solve_in_span(
        &data,
        "nuclear",
        cert.as_ref(),
        short.as_ref(),
        &opts,
        start,
    )
    .unwrap();
    assert!(planted.lower <= want * (1.0 + 1e-8) && want <= planted.upper * (1.0 + 1e-8));
    assert!(!tight_around(&planted, want), "the control must fail");
}

#[test]
fn size_guard_refuses_huge_programs_before_building_them() {
    // Declared sizes only: nothing of this size is allocated.
    for (n, k, d, norm, msg) in [
        (1_000_000, 10, 1_000_000, "nuclear", "order k + min(n, d)"),
        (100_000, 10, 100_000, "max", "margin rows of 2d entries"),
        (10_000_000, 100, 50_000, "spectral", "2·min(n, d) entries"),
        (usize::MAX / 2, 3, 10, "fro", "overflows"),
    ] {
        let e = check_program_size(n, k, d, norm).unwrap_err();
        let text = e.to_string();
        assert!(matches!(e, crate::Error::Input(_)), "{norm}: {text}");
        assert!(
            text.contains(msg) && text.contains(&format!("n = {n}")),
            "{norm}: {text}"
        );
    }
    // The paper dataset and the wide target fit in every norm.
    for norm in ["fro", "spectral", "nuclear", "max", "sum", "entrywise:3"] {
        check_program_size(500, 10, 25, norm).unwrap();
        check_program_size(40, 2, 3000, norm).unwrap();
    }
    // Without the reduction the wide nuclear program would be refused: order 3002.
    assert!(size::program_bytes(40, 2, 3000, Geometry::Schatten(1.0)).unwrap() < 1 << 30);
    assert!(size::program_bytes(3000, 2, 3000, Geometry::Schatten(1.0)).unwrap() > 1 << 40);
}
