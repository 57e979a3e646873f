//! Equivalence and bad-input tests of the optimizer library. Each equivalence compares two
//! independently implemented recipes, so it fails if either side drifts.

use super::*;
use crate::error::Error;
use crate::linalg::polar;
use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

fn gaussian(rng: &mut ChaCha8Rng, m: usize, n: usize) -> Mat<f64> {
    Mat::from_fn(m, n, |_, _| StandardNormal.sample(rng))
}

/// Gaussian with about a quarter of the entries exactly 0.
fn sparse_gaussian(rng: &mut ChaCha8Rng, m: usize, n: usize) -> Mat<f64> {
    Mat::from_fn(m, n, |_, _| {
        let x: f64 = StandardNormal.sample(rng);
        if x.abs() < 0.3 {
            0.0
        } else {
            x
        }
    })
}

fn max_abs_diff(a: &[Mat<f64>], b: &[Mat<f64>]) -> f64 {
    let mut d: f64 = 0.0;
    for (x, y) in a.iter().zip(b) {
        for j in 0..x.ncols() {
            for i in 0..x.nrows() {
                d = d.max((x[(i, j)] - y[(i, j)]).abs());
            }
        }
    }
    d
}

/// Run `spec` on the given gradient sequence from `w0`; the parameters after every step.
fn run(
    spec: &str,
    w0: &[Mat<f64>],
    grads: &[Vec<Mat<f64>>],
    losses: Option<&[f64]>,
) -> Vec<Vec<Mat<f64>>> {
    let shapes: Vec<_> = w0.iter().map(|w| (w.nrows(), w.ncols())).collect();
    let mut opt = parse_optimizer(spec, &shapes).unwrap();
    let mut w = w0.to_vec();
    let mut out = Vec::new();
    for (t, g) in grads.iter().enumerate() {
        opt.step(&mut w, g, losses.map(|l| l[t])).unwrap();
        out.push(w.clone());
    }
    out
}

fn trajectory_gap(a: &[Vec<Mat<f64>>], b: &[Vec<Mat<f64>>]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| max_abs_diff(x, y))
        .fold(0.0, f64::max)
}

fn problem(
    seed: u64,
    shapes: &[(usize, usize)],
    steps: usize,
    sparse: bool,
) -> (Vec<Mat<f64>>, Vec<Vec<Mat<f64>>>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let w0 = shapes
        .iter()
        .map(|&(m, n)| gaussian(&mut rng, m, n))
        .collect();
    let grads = (0..steps)
        .map(|_| {
            shapes
                .iter()
                .map(|&(m, n)| {
                    if sparse {
                        sparse_gaussian(&mut rng, m, n)
                    } else {
                        gaussian(&mut rng, m, n)
                    }
                })
                .collect()
        })
        .collect();
    (w0, grads)
}

const SHAPES: &[(usize, usize)] = &[(6, 4), (3, 5), (4, 1)];

#[test]
fn nsd_max_is_sign_descent() {
    let (w0, g) = problem(1, SHAPES, 5, true);
    let a = run("nsd:norm=max,lr=0.03", &w0, &g, None);
    let b = run("sign:lr=0.03", &w0, &g, None);
    assert!(
        trajectory_gap(&a, &b) <= 1e-15,
        "gap {}",
        trajectory_gap(&a, &b)
    );
    // The unnormalized form is ‖G‖_sum·sign(G) per block for one block (Prop. 2).
    let (w0, g) = problem(2, &[(5, 5)], 1, true);
    let a = run("sd:norm=max,lr=0.5", &w0, &g, None);
    let l1: f64 = (0..5)
        .flat_map(|i| (0..5).map(move |j| (i, j)))
        .map(|(i, j)| g[0][0][(i, j)].abs())
        .sum();
    let expect = Mat::from_fn(5, 5, |i, j| {
        w0[0][(i, j)] - 0.5 * l1 * adaptive::sign(g[0][0][(i, j)])
    });
    assert!(max_abs_diff(&a[0], &[expect]) <= 1e-13);
}

#[test]
fn adam_without_ema_and_eps_is_sign_descent_on_nonzero_coordinates() {
    let (w0, g) = problem(3, SHAPES, 6, true);
    for bc in ["true", "false"] {
        let a = run(
            &format!("adam:lr=0.01,beta1=0,beta2=0,eps=0,bias_correction={bc}"),
            &w0,
            &g,
            None,
        );
        let b = run("sign:lr=0.01", &w0, &g, None);
        assert!(
            trajectory_gap(&a, &b) <= 1e-15,
            "bias_correction={bc}: {}",
            trajectory_gap(&a, &b)
        );
    }
}

#[test]
fn adam_with_eps_zero_never_produces_nan_on_zero_coordinates() {
    // Coordinate (0, 0) has gradient exactly 0 at every step; (1, 1) becomes 0 after step 1.
    let w0 = vec![Mat::from_fn(2, 2, |i, j| (i + j) as f64)];
    let g1 = Mat::from_fn(2, 2, |i, j| {
        if (i, j) == (0, 0) {
            0.0
        } else {
            1.0 + i as f64
        }
    });
    let g2 = Mat::from_fn(2, 2, |i, j| if i == j { 0.0 } else { -1.0 });
    let out = run("adam:lr=0.1,eps=0", &w0, &[vec![g1], vec![g2]], None);
    for w in &out {
        assert!(
            w[0][(0, 0)] == 0.0,
            "untouched coordinate moved: {:?}",
            w[0]
        );
        for i in 0..2 {
            for j in 0..2 {
                assert!(w[0][(i, j)].is_finite());
            }
        }
    }
}

#[test]
fn shampoo_without_accumulation_is_the_polar_factor() {
    let (w0, g) = problem(4, &[(20, 12), (7, 9)], 3, false);
    let a = run("shampoo:accumulate=false,lr=0.1", &w0, &g, None);
    let mut w = w0.clone();
    for (t, gt) in g.iter().enumerate() {
        for (wl, gl) in w.iter_mut().zip(gt) {
            *wl -= faer::Scale(0.1) * polar(gl.as_ref());
        }
        let gap = max_abs_diff(&a[t], &w);
        assert!(gap <= 1e-11, "step {t}: {gap}");
    }
}

#[test]
fn muon_without_momentum_and_exact_polar_is_spectral_descent() {
    let (w0, g) = problem(5, SHAPES, 5, false);
    for nesterov in ["true", "false"] {
        let a = run(
            &format!("muon:lr=0.02,momentum=0,nesterov={nesterov},ns=exact,wd=0,scale=none"),
            &w0,
            &g,
            None,
        );
        let b = run("spectral:lr=0.02", &w0, &g, None);
        assert!(
            trajectory_gap(&a, &b) <= 1e-14,
            "{}",
            trajectory_gap(&a, &b)
        );
    }
}

#[test]
fn ema_and_classical_momentum_give_the_same_muon_direction() {
    let (w0, g) = problem(6, SHAPES, 6, false);
    for nesterov in ["true", "false"] {
        let a = run(
            &format!("muon:lr=0.02,momentum=0.9,nesterov={nesterov},ns=exact,wd=0.1"),
            &w0,
            &g,
            None,
        );
        let b = run(
            &format!("muon:lr=0.02,momentum=0.9,nesterov={nesterov},ns=exact,wd=0.1,momentum_type=classical"),
            &w0,
            &g,
            None,
        );
        assert!(
            trajectory_gap(&a, &b) <= 1e-12,
            "{}",
            trajectory_gap(&a, &b)
        );
    }
}

#[test]
fn prodigy_beta_zero_is_eqs_28_29() {
    let (w0, g) = problem(7, &[(5, 4)], 8, false);
    let a = run("prodigy:beta1=0,beta2=0,eps=0,d0=0.001", &w0, &g, None);
    let mut w = w0[0].clone();
    let mut eta: f64 = 1e-3;
    for (t, gt) in g.iter().enumerate() {
        let gt = &gt[0];
        let gw = crate::norms::inner(gt.as_ref(), (&w0[0] - &w).as_ref());
        let l1: f64 = (0..5)
            .flat_map(|i| (0..4).map(move |j| (i, j)))
            .map(|(i, j)| gt[(i, j)].abs())
            .sum();
        let next = eta.max(gw / l1);
        w = Mat::from_fn(5, 4, |i, j| w[(i, j)] - eta * adaptive::sign(gt[(i, j)]));
        eta = next;
        let gap = max_abs_diff(&a[t], std::slice::from_ref(&w));
        assert!(gap <= 1e-14, "step {t}: {gap}");
    }
}

#[test]
fn fromage_preserves_the_norm_for_orthogonal_gradients() {
    let (w0, g) = problem(8, &[(6, 5)], 1, false);
    let w = &w0[0];
    let gp = &g[0][0]
        - faer::Scale(crate::norms::inner(w.as_ref(), g[0][0].as_ref()) / w.norm_l2().powi(2)) * w;
    let out = run("fromage:lr=0.3", &w0, &[vec![gp]], None);
    assert!((out[0][0].norm_l2() / w.norm_l2() - 1.0).abs() <= 1e-14);
    // p_bound caps the norm at p‖W_0‖_F.
    let big = vec![vec![Mat::from_fn(6, 5, |i, j| -w[(i, j)])]; 20];
    let out = run("fromage:lr=0.5,p_bound=1.2", &w0, &big, None);
    let worst = out
        .iter()
        .map(|x| x[0].norm_l2() / w.norm_l2())
        .fold(0.0, f64::max);
    assert!(worst <= 1.2 + 1e-12, "{worst}");
}

#[test]
fn momo_matches_the_euclidean_rule() {
    // Schaipp et al.: d = βd + (1−β)g, f̄ and γ first-value initialized, τ = min(lr, (f̄ − lb + ⟨d,w⟩ − γ)_+/‖d‖²).
    let (w0, g) = problem(9, &[(4, 3)], 6, false);
    let losses = [3.0, 2.5, 2.2, 1.0, 0.5, 0.1];
    let a = run("momo:lr=0.7,beta=0.8,lb=0.05", &w0, &g, Some(&losses));
    let (beta, lr, lb): (f64, f64, f64) = (0.8, 0.7, 0.05);
    let mut w = w0[0].clone();
    let (mut d, mut fbar, mut gamma) = (Mat::<f64>::zeros(4, 3), 0.0, 0.0);
    for (t, gt) in g.iter().enumerate() {
        let gt = &gt[0];
        let wg = crate::norms::inner(w.as_ref(), gt.as_ref());
        if t == 0 {
            d = gt.clone();
            fbar = losses[0];
            gamma = wg;
        } else {
            d = faer::Scale(beta) * &d + faer::Scale(1.0 - beta) * gt;
            fbar = beta * fbar + (1.0 - beta) * losses[t];
            gamma = beta * gamma + (1.0 - beta) * wg;
        }
        let num = fbar - lb + crate::norms::inner(d.as_ref(), w.as_ref()) - gamma;
        let tau = lr.min(num.max(0.0) / d.norm_l2().powi(2));
        w -= faer::Scale(tau) * &d;
        let gap = max_abs_diff(&a[t], std::slice::from_ref(&w));
        assert!(gap <= 1e-12, "step {t}: {gap}");
    }
}

#[test]
fn gauss_southwell_moves_one_coordinate() {
    let w0 = vec![Mat::<f64>::zeros(2, 2), Mat::zeros(3, 1)];
    let g = vec![vec![
        Mat::from_fn(2, 2, |i, j| (i as f64) - (j as f64)),
        Mat::from_fn(3, 1, |i, _| if i == 1 { -4.0 } else { 0.5 }),
    ]];
    let out = run("cd:lr=0.1", &w0, &g, None);
    assert_eq!(out[0][1][(1, 0)], 0.1);
    let moved = out[0]
        .iter()
        .map(|m| {
            (0..m.nrows())
                .flat_map(|i| (0..m.ncols()).map(move |j| (i, j)))
                .filter(|&(i, j)| m[(i, j)] != 0.0)
                .count()
        })
        .sum::<usize>();
    assert_eq!(moved, 1);
    let out = run("cd:lr=0.1,sharp=true", &w0, &g, None);
    assert!((out[0][1][(1, 0)] - 0.4).abs() < 1e-15);
}

#[test]
fn every_optimizer_parses_steps_and_stays_finite() {
    let shapes = [(5, 4), (4, 1), (1, 3)];
    let (w0, g) = problem(10, &shapes, 4, true);
    let losses = [2.0, 1.5, 1.2, 1.0];
    for name in OPTIMIZERS {
        let spec = match *name {
            "nsd" | "sd" | "nmd" => format!("{name}:norm=spectral"),
            n => n.to_string(),
        };
        let out = run(&spec, &w0, &g, Some(&losses));
        for w in out.iter().flatten() {
            for i in 0..w.nrows() {
                for j in 0..w.ncols() {
                    assert!(w[(i, j)].is_finite(), "{spec}");
                }
            }
        }
        let opt = parse_optimizer(&spec, &shapes).unwrap();
        assert!(opt.name().starts_with(name), "{}", opt.name());
        // The canonical name parses back to the same optimizer.
        let again = parse_optimizer(&opt.name(), &shapes).unwrap();
        assert_eq!(again.name(), opt.name());
    }
}

#[test]
fn bad_specs_are_input_errors_naming_the_key() {
    let shapes = [(3, 2)];
    for (spec, needle) in [
        ("adamm", "unknown optimizer"),
        ("adam:lr=-1", "lr"),
        ("adam:beta1=1", "beta1 ∈ [0, 1)"),
        ("adam:beta2=1.5", "beta2"),
        ("muon:ns_steps=0", "ns_steps"),
        ("muon:ns=foo", "keller"),
        ("muon:scale=big", "original"),
        ("muon:momentum=-0.1", "momentum"),
        ("muon:foo=1", "unknown key 'foo'"),
        (
            "muon:momentum_type=classical,bias_correction=true",
            "bias_correction",
        ),
        ("nsd", "norm"),
        ("nsd:norm=banana", "unknown norm"),
        ("adam:eps=-1", "eps"),
        ("sign:lr", "key=value"),
        ("adam:lr=1,lr=2", "twice"),
        ("muon:ns=exact,ns_steps=3", "ns_steps"),
    ] {
        let e = parse_optimizer(spec, &shapes)
            .err()
            .unwrap_or_else(|| panic!("{spec} parsed"));
        assert!(e.is_input(), "{spec}: {e}");
        assert!(e.to_string().contains(needle), "{spec}: {e}");
    }
    let e = parse_optimizer_with_schedule("gd:lr=0.1", Some(Schedule::Constant(0.2)), &shapes)
        .err()
        .unwrap();
    assert!(e.to_string().contains("schedule"), "{e}");
    assert!(matches!(
        parse_optimizer("gd", &[]).err().unwrap(),
        Error::Input(_)
    ));
}

#[test]
fn runtime_errors() {
    let mut opt = parse_optimizer("gd:lr=1", &[(2, 2)]).unwrap();
    let mut w = vec![Mat::<f64>::zeros(2, 2)];
    // Shape mismatch.
    let e = opt.step(&mut w, &[Mat::zeros(2, 3)], None).unwrap_err();
    assert!(
        matches!(e, Error::Input(_)) && e.to_string().contains("2×3"),
        "{e}"
    );
    // Wrong number of blocks.
    let e = opt.step(&mut w, &[], None).unwrap_err();
    assert!(matches!(e, Error::Input(_)), "{e}");
    // Non-finite gradient.
    let e = opt
        .step(&mut w, &[Mat::from_fn(2, 2, |_, _| f64::NAN)], None)
        .unwrap_err();
    assert!(matches!(e, Error::Input(_)), "{e}");
    // Non-finite gradients never reach an SVD or eigendecomposition unguarded: input errors.
    for spec in [
        "muon:ns=exact",
        "spectral",
        "nsd:norm=spectral",
        "shampoo",
        "muonmax",
        "muonmax-momo",
        "sd:norm=nuclear",
    ] {
        let mut opt = parse_optimizer(spec, &[(3, 2), (2, 1)]).unwrap();
        let mut w = vec![Mat::<f64>::zeros(3, 2), Mat::zeros(2, 1)];
        let g = vec![
            Mat::from_fn(3, 2, |i, _| if i == 1 { f64::INFINITY } else { 1.0 }),
            Mat::zeros(2, 1),
        ];
        let e = opt.step(&mut w, &g, Some(1.0)).unwrap_err();
        assert!(
            matches!(e, Error::Input(_)) && e.to_string().contains("gradient"),
            "{spec}: {e}"
        );
    }
    // Non-finite update: failed, naming the step; parameters unchanged.
    let mut opt = parse_optimizer("gd:lr=1e300", &[(2, 2)]).unwrap();
    opt.step(&mut w, &[Mat::from_fn(2, 2, |_, _| 1.0)], None)
        .unwrap();
    let before = w.clone();
    let e = opt
        .step(&mut w, &[Mat::from_fn(2, 2, |_, _| 1e10)], None)
        .unwrap_err();
    assert!(
        matches!(e, Error::Failed(_)) && e.to_string().contains("step 2"),
        "{e}"
    );
    assert_eq!(max_abs_diff(&w, &before), 0.0);
    // Momo without a loss.
    let mut opt = parse_optimizer("momo", &[(2, 2)]).unwrap();
    let e = opt
        .step(&mut w, &[Mat::from_fn(2, 2, |_, _| 1.0)], None)
        .unwrap_err();
    assert!(
        matches!(e, Error::Input(_)) && e.to_string().contains("loss"),
        "{e}"
    );
}

#[test]
fn schedule_override_is_used() {
    let (w0, g) = problem(11, &[(3, 3)], 4, false);
    let a = run("gd:lr=0.5", &w0, &g[..1], None);
    let mut opt = parse_optimizer_with_schedule(
        "gd",
        Some(Schedule::parse("power:eta0=0.5,a=1").unwrap()),
        &[(3, 3)],
    )
    .unwrap();
    let mut w = w0.clone();
    opt.step(&mut w, &g[0], None).unwrap();
    assert_eq!(max_abs_diff(&w, &a[0]), 0.0);
    let w1 = w.clone();
    opt.step(&mut w, &g[1], None).unwrap();
    let expect = vec![&w1[0] - faer::Scale(0.25) * &g[1][0]];
    assert!(max_abs_diff(&w, &expect) <= 1e-15);
}

/// Gradients multiplied by c_t = 2^{k_t} (k_t piecewise constant), with `rescale_gradients` called
/// whenever k_t changes, give the run of the unscaled gradients: bit for bit for the
/// sign-based methods (the state factor e^{k ln 2} is 2^k only up to rounding, which the sign
/// does not see), to 1e-13 for NMD and Adam (that rounding, and faer's internally rescaled
/// ‖·‖_F: a few ulp of the O(1) weights after 40 steps) and 1e-12 with the SVD-based polar factor
/// (the SVD's rounding, ~ε·n per step). Planted bug: skipping the state rescale changes the run.
#[test]
fn rescaled_gradients_give_the_same_run_for_scale_invariant_optimizers() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let shapes = [(4, 3), (3, 1)];
    let w0: Vec<Mat<f64>> = shapes
        .iter()
        .map(|&(r, c)| gaussian(&mut rng, r, c))
        .collect();
    let grads: Vec<Vec<Mat<f64>>> = (0..40)
        .map(|_| {
            shapes
                .iter()
                .map(|&(r, c)| sparse_gaussian(&mut rng, r, c))
                .collect()
        })
        .collect();
    // log2 of the gradient scale: jumps up and down by up to 2^±300
    let k_of = |t: usize| -> i32 { [0, -300, -300, 120, -40][t / 8] };
    let run_scaled = |spec: &str, rescale: bool| -> Vec<Mat<f64>> {
        let mut opt = parse_optimizer(spec, &shapes).expect("spec");
        assert!(opt.scale_invariant(), "{spec} should be scale-invariant");
        let mut w = w0.clone();
        let mut k_prev = 0;
        for (t, g) in grads.iter().enumerate() {
            let k = k_of(t);
            if k != k_prev && rescale {
                opt.rescale_gradients(f64::from(k - k_prev) * std::f64::consts::LN_2)
                    .expect("rescale");
            }
            k_prev = k;
            let c = 2f64.powi(k);
            let gs: Vec<Mat<f64>> = g.iter().map(|x| x * faer::Scale(c)).collect();
            opt.step(&mut w, &gs, None).expect("step");
        }
        w
    };
    for (spec, tol) in [
        ("signum:beta=0.9,lr=0.1", 0.0),
        ("signum:beta=0.9,wd=0.1,lr=0.1", 0.0),
        ("nmd:norm=fro,beta=0.9,lr=0.1", 1e-13),
        ("nmd:norm=max,beta=0.5,lr=0.1", 1e-13),
        ("adam:beta1=0.9,beta2=0.99,eps=0,lr=0.1", 1e-13),
        ("spectral:beta=0.9,lr=0.1", 1e-12),
        (
            "muon:momentum=0.9,nesterov=true,ns=exact,wd=0,lr=0.1",
            1e-12,
        ),
    ] {
        let mut opt = parse_optimizer(spec, &shapes).expect("spec");
        let mut reference = w0.clone();
        for g in &grads {
            opt.step(&mut reference, g, None).expect("step");
        }
        let rescaled = run_scaled(spec, true);
        let gap = max_abs_diff(&reference, &rescaled);
        assert!(
            gap <= tol,
            "{spec}: rescaled run differs by {gap:e} (tolerance {tol:e})"
        );
        let stale = run_scaled(spec, false);
        assert!(
            max_abs_diff(&reference, &stale) > 1e-6,
            "{spec}: without the state rescale the run should change"
        );
    }
}

/// Optimizers whose steps depend on the gradients' scale refuse to be rescaled, with a message
/// that names the optimizer and the fix.
#[test]
fn scale_dependent_optimizers_refuse_rescaling() {
    for spec in [
        "gd",
        "adam",
        "muon",
        "momo",
        "prodigy",
        "shampoo",
        "nsd:norm=fro,sharp=true",
        "sd:norm=fro",
        "signum:wd=0.1,beta=0",
    ] {
        let Ok(mut opt) = parse_optimizer(spec, &[(3, 2)]) else {
            continue;
        };
        if spec.starts_with("signum") {
            // weight decay added to a normalized direction keeps degree 0
            assert!(opt.scale_invariant(), "{spec}");
            continue;
        }
        assert!(!opt.scale_invariant(), "{spec} is not scale-invariant");
        let err = opt.rescale_gradients(1.0).expect_err(spec);
        assert!(
            matches!(&err, Error::Input(m) if m.contains("use the true gradients")),
            "{spec}: {err}"
        );
    }
}

/// A rescale that would overflow the stored momentum is an error naming the cause, not a silent
/// Inf (which sign(·) would turn into a frozen step).
#[test]
fn rescaling_past_the_float_range_is_an_error() {
    let mut opt = parse_optimizer("signum:beta=0.9,lr=0.1", &[(2, 2)]).unwrap();
    let mut w = vec![Mat::<f64>::zeros(2, 2)];
    let g = vec![Mat::from_fn(2, 2, |i, j| 1e300 * (1.0 + (i + j) as f64))];
    opt.step(&mut w, &g, None).unwrap();
    opt.rescale_gradients(-700.0).expect("shrinking is fine");
    let err = opt.rescale_gradients(2000.0).expect_err("overflow");
    assert!(
        matches!(&err, Error::Failed(m) if m.contains("overflowed")),
        "{err}"
    );
}

/// The typed constructor `recipes::muon` is what the spec parser builds: same canonical name
/// (which parses back to itself), same steps, same range errors.
#[test]
fn typed_muon_is_the_spec_parsers_muon() {
    use super::recipes::{muon, MuonConfig};
    let shapes = [(4, 3)];
    let torch = "muon:lr=0.001,momentum=0.95,nesterov=true,momentum_type=ema,bias_correction=false,ns=keller,ns_steps=5,eps=1e-7,eps_form=clamp,wd=0.1,scale=original";
    assert_eq!(parse_optimizer("muon", &shapes).unwrap().name(), torch);
    assert_eq!(muon(MuonConfig::default(), &shapes).unwrap().name(), torch);
    for spec in [
        "muon",
        "muon:ns=exact,wd=0",
        "muon:ns=exact,eps=1e-8,eps_form=add",
        "muon:lr=0.02,momentum=0.9,nesterov=false,momentum_type=classical,ns=dion,ns_steps=3,eps=1e-8,eps_form=add,wd=0,scale=rms",
        "muon:bias_correction=true,scale=optax,ns=cubic",
    ] {
        let name = parse_optimizer(spec, &shapes).unwrap().name();
        assert_eq!(parse_optimizer(&name, &shapes).unwrap().name(), name, "{spec}");
    }
    let sched = Schedule::parse("power:eta0=0.1,a=0.5").unwrap();
    let typed = MuonConfig {
        schedule: Some(sched.clone()),
        ns: None,
        wd: 0.0,
        ..MuonConfig::default()
    };
    let parsed = parse_optimizer_with_schedule("muon:ns=exact,wd=0", Some(sched), &shapes).unwrap();
    let mut typed = muon(typed, &shapes).unwrap();
    assert_eq!(typed.name(), parsed.name());
    assert!(typed
        .name()
        .ends_with(" with schedule power:eta0=0.1,a=0.5"));
    let mut parsed = parsed;
    let (mut w1, mut w2) = (vec![Mat::<f64>::zeros(4, 3)], vec![Mat::<f64>::zeros(4, 3)]);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for _ in 0..4 {
        let g = vec![gaussian(&mut rng, 4, 3)];
        typed.step(&mut w1, &g, None).unwrap();
        parsed.step(&mut w2, &g, None).unwrap();
    }
    assert_eq!(w1, w2);
    for (cfg, key) in [
        (
            MuonConfig {
                momentum: 1.0,
                ..MuonConfig::default()
            },
            "momentum=1",
        ),
        (
            MuonConfig {
                ns: None,
                ns_steps: Some(5),
                ..MuonConfig::default()
            },
            "ns_steps",
        ),
        (
            MuonConfig {
                wd: -1.0,
                ..MuonConfig::default()
            },
            "wd=-1",
        ),
    ] {
        let err = muon(cfg, &shapes).err().expect(key);
        assert!(matches!(&err, Error::Input(m) if m.contains(key)), "{err}");
    }
}
