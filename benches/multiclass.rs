//! One normalized-steepest-descent step on the paper setup of Fan, Schmidt & Thrampoulidis
//! (n = 500, k = 10, d = 25; `tests/fixtures/dataset.paper.json`): the stable cross-entropy
//! gradient in scaled form, then W ← W − η·LMO(∇L) through the library optimizer, for the sign
//! (max-norm), Frobenius and spectral geometries. Compare with `benches/nsd_step_numpy.py`.

use criterion::{criterion_group, criterion_main, Criterion};
use faer::Mat;
use std::hint::black_box;
use steepest::data::Dataset;
use steepest::models::multiclass::{Loss, Multiclass};
use steepest::optim::parse_optimizer;

fn nsd_step(c: &mut Criterion) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dataset.paper.json");
    let data = Dataset::load(&path).expect("paper dataset");
    let model = Multiclass::new(
        data.x().clone(),
        data.y().to_vec(),
        data.classes(),
        Loss::CrossEntropy,
    )
    .expect("valid model");
    let shape = model.shape();
    for (name, spec) in [
        ("sign", "sign:lr=0.001"),
        ("fro", "nsd:norm=fro,lr=0.001"),
        ("spectral", "nsd:norm=spectral,lr=0.001"),
    ] {
        let mut opt = parse_optimizer(spec, &[shape]).expect("optimizer");
        // start from a trained-ish W so that the softmax is not uniform
        let mut w = vec![Mat::<f64>::from_fn(shape.0, shape.1, |i, j| {
            ((i * 7 + j * 3) % 5) as f64 * 0.1 - 0.2
        })];
        c.bench_function(&format!("nsd_step/{name}/n500_k10_d25"), |b| {
            b.iter(|| {
                let (e, g) = model.evaluate_with_gradient(w[0].as_ref());
                opt.step(&mut w, std::slice::from_ref(&g.direction), Some(e.loss))
                    .expect("step");
                black_box(&w);
            })
        });
    }
}

criterion_group!(benches, nsd_step);
criterion_main!(benches);
