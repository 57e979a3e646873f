use super::*;
use crate::validate::run_one;
use crate::validate::testing::{ctx, fails, passes};

#[test]
fn real_updates_pass_with_failing_controls_and_report_kappa_per_optimizer() {
    for c in checks() {
        let r = passes(c.as_ref());
        assert!(r.control.is_some(), "{} has no control", r.id);
        let gd = &r.details["per_optimizer"]["gd"]["step/pointwise"];
        // gradient descent is natural-gradient descent with the Euclidean metric: κ* = 1
        assert!(
            (gd["kappa_star_max"].as_f64().unwrap() - 1.0).abs() < 1e-12,
            "{gd}"
        );
        // every optimizer with a closed-form geometry was checked on every step
        for label in [
            "gd",
            "sign-descent",
            "spectral-descent",
            "muon-polar",
            "adam",
        ] {
            let g = &r.details["per_optimizer"][label]["geometry"];
            assert_eq!(g["steps"].as_u64(), Some(40), "{label}: {g}");
        }
    }
}

#[test]
fn gradient_matches_finite_differences() {
    let mut rng = ctx().rng("fd");
    for p in [
        Problem::multiclass(&mut rng, 20, 4, 3),
        Problem::quadratic(&mut rng, 20, 4, 3),
    ] {
        let (k, d) = p.shape();
        let W = Mat::from_fn(k, d, |i, j| 0.3 * (i as f64 - j as f64).sin());
        let g = p.grad(&W);
        for i in 0..k {
            for j in 0..d {
                let h = 1e-6;
                let mut wp = W.clone();
                wp[(i, j)] += h;
                let mut wm = W.clone();
                wm[(i, j)] -= h;
                let fd = (p.loss(&wp) - p.loss(&wm)) / (2.0 * h);
                assert!((fd - g[(i, j)]).abs() < 1e-7, "{fd} vs {}", g[(i, j)]);
            }
        }
    }
}

fn no_registry(spec: &str, _shapes: &[(usize, usize)]) -> Result<Box<dyn Optimizer>> {
    Err(Error::input(format!("unknown optimizer '{spec}'")))
}

#[test]
fn without_the_registry_sign_and_spectral_descent_fall_back_to_local_nsd() {
    let c = RealUpdates {
        problem: "multiclass",
        imp: crate_impl(),
        factory: no_registry,
        grad_factor: 1.0,
    };
    let r = run_one(&c, &ctx());
    assert_eq!(
        r.measured.as_f64().map(|m| m <= 1.0),
        Some(true),
        "{:?} {}",
        r.error,
        r.details
    );
    let per = &r.details["per_optimizer"];
    assert!(per["spectral-descent"]["optimizer"]
        .as_str()
        .unwrap()
        .contains("local"));
    assert!(per["sign-descent"]["optimizer"]
        .as_str()
        .unwrap()
        .contains("norm=max"));
    assert!(per["adam"]["unavailable"].is_string());
}

/// Further planted bugs, beyond the records' controls, that the check catches.
#[test]
fn more_planted_bugs_fail() {
    let base = RealUpdates {
        problem: "multiclass",
        imp: crate_impl(),
        factory: parse_optimizer,
        grad_factor: 1.0,
    };
    // a metric bug: M_opt with the rank-2 correction's sign flipped
    fails(&RealUpdates {
        imp: MetricImpl {
            optimal_dense: super::super::planted::optimal_projector_sign_flipped,
            ..crate_impl()
        },
        ..base
    });
    // an optimizer bug: sign descent with the ℓ2 dualizer
    fails(&RealUpdates {
        factory: planted::sign_descent_with_l2_dualizer,
        ..base
    });
    // an overestimated κ*: the closed-form geometries beat it (T5 leg)
    fails(&RealUpdates {
        imp: MetricImpl {
            kappa_min: super::super::planted::kappa_overestimated,
            ..crate_impl()
        },
        ..base
    });
    // a gradient with a spurious factor 2 moves the quadratic's mean-value point off ½
    fails(&RealUpdates {
        problem: "quadratic",
        grad_factor: 2.0,
        ..base
    });
}
