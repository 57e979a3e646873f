use super::*;
use approx::{abs_diff_eq, assert_abs_diff_eq, assert_relative_eq, relative_eq};

fn pair(a: &[f64], b: &[f64]) -> SecantPair {
    SecantPair::metric_tensor(a, b).unwrap()
}

#[test]
fn optimal_metric_matches_its_dense_formula_and_closed_form_kappa() {
    let p = pair(&[1.0, 2.0, -0.5, 0.3], &[0.7, 1.1, 0.9, -0.2]);
    let M = p.optimal();
    let D = dense_optimal(&p);
    let F = M.to_dense();
    for i in 0..4 {
        for k in 0..4 {
            assert!((D[(i, k)] - F[(i, k)]).abs() < 1e-13, "{i},{k}");
        }
    }
    assert_relative_eq!(M.kappa(), p.kappa_min(), max_relative = 1e-13);
    assert_relative_eq!(
        dense_kappa(D.as_ref()).unwrap(),
        p.kappa_min(),
        max_relative = 1e-12
    );
    assert!(secant_residual(D.as_ref(), p.a(), p.b()) < 1e-14);
    let s = p.sin_psi();
    assert!((p.kappa_min() - (1.0 + s) / (1.0 - s)).abs() < 1e-12);
}

#[test]
fn inverse_and_dfp_and_bfgs_are_consistent() {
    let p = pair(&[0.3, -1.0, 2.0], &[1.0, -0.2, 0.4]);
    for M in [
        p.optimal(),
        p.bfgs_identity(),
        p.dfp_identity(),
        p.family(3.7).unwrap(),
    ] {
        let v = [0.2, -0.7, 1.3];
        let w = M.apply_inverse(&M.apply(&v));
        for i in 0..3 {
            assert!(abs_diff_eq!(w[i], v[i], epsilon = 1e-13), "{}", M.kind());
        }
        let ma = M.apply(p.a());
        for i in 0..3 {
            assert!(
                abs_diff_eq!(ma[i], p.b()[i], epsilon = 1e-13),
                "{}",
                M.kind()
            );
        }
        let kd = dense_kappa(M.to_dense().as_ref()).unwrap();
        assert!(
            relative_eq!(kd, M.kappa(), max_relative = 1e-12),
            "{}",
            M.kind()
        );
        assert!(M.kappa() >= p.kappa_min() * (1.0 - 1e-12));
    }
    let dfp = dense_dfp_identity(&p);
    let f = p.dfp_identity().to_dense();
    for i in 0..3 {
        for k in 0..3 {
            assert!((dfp[(i, k)] - f[(i, k)]).abs() < 1e-13);
        }
    }
    // BFGS(I) = M(1); its dense formula I − ââᵀ + bbᵀ/aᵀb.
    let b1 = dense_family(&p, 1.0);
    let f1 = p.bfgs_identity().to_dense();
    for i in 0..3 {
        for k in 0..3 {
            assert!((b1[(i, k)] - f1[(i, k)]).abs() < 1e-13);
        }
    }
}

#[test]
fn conventions_swap_roles_and_share_kappa() {
    let u = [1.0, 0.5, -0.25];
    let g = [0.8, 0.9, 0.1];
    let m = SecantPair::metric_tensor(&u, &g).unwrap();
    let p = SecantPair::preconditioner(&g, &u).unwrap();
    assert_eq!(m.convention(), Convention::MetricTensor);
    assert_eq!(p.convention(), Convention::Preconditioner);
    assert_relative_eq!(m.kappa_min(), p.kappa_min(), max_relative = 1e-13);
    // P·(−∇L) = update
    let pu = p.optimal().apply(&g);
    for i in 0..3 {
        assert_abs_diff_eq!(pu[i], u[i], epsilon = 1e-13);
    }
}

#[test]
fn matrix_parameters_are_vectorized_column_major() {
    let u = Mat::from_fn(2, 3, |i, j| (i as f64 + 1.0) * (j as f64 - 0.5));
    let g = Mat::from_fn(2, 3, |i, j| (i as f64 + 1.0) * (j as f64 - 0.4) + 0.05);
    let p = SecantPair::metric_tensor_mats(u.as_ref(), g.as_ref()).unwrap();
    let mu = p.optimal().apply_mat(u.as_ref());
    for i in 0..2 {
        for j in 0..3 {
            assert!((mu[(i, j)] - g[(i, j)]).abs() < 1e-13);
        }
    }
    let back = p.optimal().apply_inverse_mat(g.as_ref());
    for i in 0..2 {
        for j in 0..3 {
            assert!((back[(i, j)] - u[(i, j)]).abs() < 1e-13);
        }
    }
    let col = Mat::from_fn(3, 1, |i, _| i as f64 + 1.0);
    assert!(SecantPair::metric_tensor_mats(col.as_ref(), g.as_ref()).is_err());
}

#[test]
fn bad_inputs_are_input_errors() {
    let cases: Vec<(Vec<f64>, Vec<f64>, &str)> = vec![
        (vec![1.0, 0.0], vec![-1.0, 0.0], "no SPD metric exists"),
        (vec![1.0, 0.0], vec![0.0, 1.0], "no SPD metric exists"),
        (vec![1.0], vec![1.0, 2.0], "same length"),
        (vec![], vec![], "empty"),
        (vec![0.0, 0.0], vec![1.0, 0.0], "zero"),
        (vec![1.0, 0.0], vec![0.0, 0.0], "zero"),
        (vec![f64::NAN, 1.0], vec![1.0, 1.0], "not finite"),
    ];
    for (a, b, msg) in cases {
        match SecantPair::metric_tensor(&a, &b) {
            Err(Error::Input(m)) => assert!(m.contains(msg), "{m}"),
            other => panic!("{a:?},{b:?}: {other:?}"),
        }
    }
}

#[test]
fn parallel_and_one_dimensional_pairs() {
    let p = pair(&[2.0], &[3.0]);
    assert_eq!(p.kappa_min(), 1.0);
    assert_eq!(p.optimal().kappa(), 1.0);
    let q = pair(&[1.0, 2.0, 2.0], &[2.0, 4.0, 4.0]);
    assert_abs_diff_eq!(q.kappa_min(), 1.0, epsilon = 1e-15);
    assert_abs_diff_eq!(q.optimal().kappa(), 1.0, epsilon = 1e-14);
}

#[test]
fn canonical_form_round_trip() {
    let p = pair(&[1.0, -1.0, 0.5, 2.0], &[0.5, 0.1, 0.2, 1.0]);
    let Q = p.complement_basis();
    let R = Mat::from_fn(3, 3, |i, j| {
        if i >= j {
            1.0 + (i + 2 * j) as f64 * 0.3
        } else {
            0.0
        }
    });
    let U = &Q * &R;
    let M = p.canonical_dense(U.as_ref()).unwrap();
    assert!(secant_residual(M.as_ref(), p.a(), p.b()) < 1e-13);
    let (U2, zero) = p.canonical_factor(M.as_ref()).unwrap();
    assert!(zero.abs() < 1e-12);
    let back = p.canonical_dense(U2.as_ref()).unwrap();
    for i in 0..4 {
        for k in 0..4 {
            assert!((back[(i, k)] - M[(i, k)]).abs() < 1e-12);
        }
    }
    assert!(dense_kappa(M.as_ref()).unwrap() >= p.kappa_min() * (1.0 - 1e-12));
}
