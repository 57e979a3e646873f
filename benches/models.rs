//! One training step (loss + gradient + optimizer update) of each trainable model of
//! `steepest::models` at the size its validation suite uses in the paper profile:
//! two-layer homogeneous network (P2-a), deep linear network, diagonal linear network and robust
//! linear classifier (file 06 sizes), and the MLP of the learning-rate sweep (P3-c: 64–128–128–10,
//! batch 256) under MuonAdam and MuonMax-Momo, and the two-layer sigmoid network of P1-e
//! (d = 100, hidden 100, k = 10, n = 1000; V and W trained) under Spectral-GD and SignGD.
//!
//! Run: `cargo bench --bench models` (or filter, e.g. `cargo bench --bench models -- mlp`).

use criterion::{criterion_group, criterion_main, Criterion};
use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use std::hint::black_box;
use steepest::data::{synthetic, SyntheticSpec};
use steepest::models::deep_linear::DeepLinear;
use steepest::models::diagonal::DiagonalLinear;
use steepest::models::loss::{MarginLoss, RobustLinear};
use steepest::models::mlp::{batch, teacher_data, Mlp};
use steepest::models::sigmoid_net::SigmoidNet;
use steepest::models::two_layer::{Activation, TwoLayer};
use steepest::optim::{parse_optimizer, Optimizer};

fn gaussian(rng: &mut ChaCha8Rng, m: usize, n: usize, s: f64) -> Mat<f64> {
    Mat::from_fn(m, n, |_, _| {
        let z: f64 = StandardNormal.sample(rng);
        s * z
    })
}

fn binary_data(rng: &mut ChaCha8Rng, n: usize, d: usize) -> (Mat<f64>, Vec<f64>) {
    let x = gaussian(rng, n, d, 1.0);
    let y = (0..n)
        .map(|i| if x[(i, 0)] >= 0.0 { 1.0 } else { -1.0 })
        .collect();
    (x, y)
}

/// Time `step` (one loss + gradient + update on persistent parameters and optimizer state).
fn bench<F: FnMut()>(c: &mut Criterion, name: &str, mut step: F) {
    let mut group = c.benchmark_group("train_step");
    group.sample_size(20);
    group.measurement_time(std::time::Duration::from_secs(2));
    group.warm_up_time(std::time::Duration::from_millis(300));
    group.bench_function(name, |b| b.iter(&mut step));
    group.finish();
}

fn step_with(
    opt: &mut dyn Optimizer,
    p: &mut [Mat<f64>],
    lg: impl Fn(&[Mat<f64>]) -> (f64, Vec<Mat<f64>>),
) {
    let (l, g) = lg(p);
    opt.step(black_box(p), black_box(&g), Some(l))
        .expect("step");
}

fn models(c: &mut Criterion) {
    // As in `steepest validate`: dense kernels single-threaded (parallelism is over runs), so the
    // numbers are the per-step cost a sweep pays, not faer's thread hand-off.
    faer::set_global_parallelism(faer::Par::Seq);
    let mut rng = ChaCha8Rng::seed_from_u64(0);

    // Two-layer squared-ReLU network, P2-a paper size (d = 20, n = 100, width 64), Muon.
    let (x, y) = binary_data(&mut rng, 100, 20);
    let m = TwoLayer {
        activation: Activation::SquaredRelu,
        loss: MarginLoss::Logistic,
    };
    let shapes = TwoLayer::shapes(20, 64);
    let mut p: Vec<Mat<f64>> = shapes
        .iter()
        .map(|&(r, c)| gaussian(&mut rng, r, c, 0.1))
        .collect();
    let mut opt = parse_optimizer(
        "muon:lr=1e-4,momentum=0.9,nesterov=false,ns=exact,wd=0,scale=none",
        &shapes,
    )
    .expect("spec");
    bench(c, "two_layer_d20_h64_n100_muon", || {
        step_with(opt.as_mut(), &mut p, |q| m.loss_and_grad(q, &x, &y))
    });

    // Deep linear network d = 20, widths 32, 32, n = 100, gradient descent.
    let dl = DeepLinear {
        loss: MarginLoss::Logistic,
    };
    let shapes = DeepLinear::shapes(20, &[32, 32]);
    let mut p: Vec<Mat<f64>> = shapes
        .iter()
        .map(|&(r, c)| gaussian(&mut rng, r, c, 0.2))
        .collect();
    let mut opt = parse_optimizer("gd:lr=1e-4", &shapes).expect("spec");
    bench(c, "deep_linear_d20_w32x32_n100_gd", || {
        step_with(opt.as_mut(), &mut p, |q| dl.loss_and_grad(q, &x, &y))
    });

    // Diagonal linear network and robust linear classifier, d = 200, n = 100, ℓ∞ radius 0.05.
    let (x, y) = binary_data(&mut rng, 100, 200);
    let diag = DiagonalLinear {
        objective: RobustLinear::lp(MarginLoss::Logistic, 0.05, f64::INFINITY),
    };
    let mut p = vec![
        gaussian(&mut rng, 200, 1, 0.1),
        gaussian(&mut rng, 200, 1, 0.1),
    ];
    let mut opt = parse_optimizer("gd:lr=1e-4", &[(200, 1), (200, 1)]).expect("spec");
    bench(c, "diagonal_d200_n100_linf_gd", || {
        step_with(opt.as_mut(), &mut p, |q| diag.loss_and_grad(q, &x, &y))
    });
    let rob = RobustLinear::lp(MarginLoss::Logistic, 0.05, f64::INFINITY);
    let mut p = vec![gaussian(&mut rng, 200, 1, 0.1)];
    let mut opt = parse_optimizer("ngd:lr=1e-4", &[(200, 1)]).expect("spec");
    bench(c, "robust_linear_d200_n100_linf_ngd", || {
        step_with(opt.as_mut(), &mut p, |q| {
            let (l, g) = rob.loss_and_grad(&q[0], &x, &y);
            (l, vec![g])
        })
    });

    // The P3-c MLP, paper size: 64–128–128–10, batch 256 (mini-batch gathered in the step).
    let mlp = Mlp {
        d: 64,
        h1: 128,
        h2: 128,
        k: 10,
    };
    let (x, y) = teacher_data(&mlp, 4096, 0.05, &mut rng);
    let init = mlp.init(&mut rng);
    for spec in ["muonadam:s=3.1622776601683795", "muonmax-momo:lb=0"] {
        let mut p = init.clone();
        let mut opt = parse_optimizer(&format!("{spec},lr=1e-4"), &mlp.shapes()).expect("spec");
        let mut start = 0usize;
        let name = format!(
            "mlp_64_128_128_10_b256_{}",
            spec.split(':').next().unwrap_or(spec)
        );
        bench(c, &name, || {
            let idx: Vec<usize> = (0..256).map(|i| (start + i) % 4096).collect();
            start = (start + 256) % 4096;
            let (xb, yb) = batch(&x, &y, &idx);
            step_with(opt.as_mut(), &mut p, |q| {
                mlp.loss_and_grad(q, xb.as_ref(), &yb)
            })
        });
    }

    // The P1-e two-layer sigmoid network, paper size, setting (b): V and W trained.
    let data = synthetic(&SyntheticSpec {
        classes: 10,
        dim: 100,
        per_class: 100,
        sigma: 0.5,
        seed: 0,
    })
    .expect("data");
    let net = SigmoidNet::new(data.x().clone(), data.y().to_vec(), 10).expect("net");
    let v0 = gaussian(&mut rng, 100, 100, 0.1);
    let w0 = gaussian(&mut rng, 10, 100, 0.1);
    for spec in ["nsd:norm=spectral,lr=1e-4", "sign:lr=1e-4"] {
        let mut p = vec![v0.clone(), w0.clone()];
        let mut opt = parse_optimizer(spec, &[(100, 100), (10, 100)]).expect("spec");
        let name = format!(
            "sigmoid_net_d100_h100_n1000_{}",
            spec.split(':').next().unwrap_or(spec)
        );
        bench(c, &name, || {
            step_with(opt.as_mut(), &mut p, |q| {
                let (l, gv, gw) = net.loss_and_gradients(q[0].as_ref(), q[1].as_ref());
                (l, vec![gv, gw])
            })
        });
    }
}

criterion_group!(benches, models);
criterion_main!(benches);
