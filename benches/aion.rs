//! Criterion benches of one Infinite Descent step (file 09 §6 problems): `fig1` (target < 1 ms) and
//! `rank2` (target < 100 ms). The inner cost per outer step is printed once before timing.

use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use steepest::aion::presets;
use steepest::solve::{infinite_descent, Inner, Options};

fn bench(c: &mut Criterion) {
    for (name, inner) in [
        ("fig1", Inner::TrustRegion),
        ("fig1", Inner::LevenbergMarquardt),
        ("rank2", Inner::LevenbergMarquardt),
        ("rank2", Inner::TrustRegion),
    ] {
        let inst = presets::preset(name).expect("preset");
        let opts = Options {
            inner,
            ..Options::default()
        };
        match infinite_descent(&inst.problem, &inst.theta0, &opts) {
            Ok(s) => eprintln!(
                "{name}/{}: 1 outer step, {} inner iterations, {} evaluations ({} with Jacobian), ‖∇L‖ = {:.2e}",
                inner.name(),
                s.counts.iterations,
                s.counts.evaluations,
                s.counts.jacobian_evaluations,
                s.grad_norm_after
            ),
            Err(e) => {
                eprintln!("{name}/{}: {e}", inner.name());
                continue;
            }
        }
        c.bench_function(&format!("aion_solve_{name}_{}", inner.name()), |b| {
            b.iter(|| {
                infinite_descent(black_box(&inst.problem), black_box(&inst.theta0), &opts)
                    .map(|s| s.loss_after)
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
