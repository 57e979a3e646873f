//! Max-margin solves on the paper dataset (k = 10, d = 25, n = 500, 4500 pair constraints;
//! `tests/fixtures/dataset.paper.json`): the spectral and nuclear SDPs (PSD cone), plus the
//! Frobenius SOCP and the max-norm LP for scale. Reference: CVXPY 1.9.3 + Clarabel 0.11.1 took
//! 1.58 s (spectral) and 5.30 s (nuclear) when the oracle `margin.paper.json` was made (its
//! `details.*.CLARABEL.time_s`); `benches/margin_cvxpy.py` re-measures it on this machine.
//!
//! Run: `cargo bench --bench margin`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::PathBuf;
use std::time::Duration;
use steepest::data::Dataset;
use steepest::margin::{max_margin, MarginOptions};

fn paper() -> Dataset {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dataset.paper.json");
    Dataset::load(&p).expect("paper dataset fixture")
}

fn bench(c: &mut Criterion) {
    let data = paper();
    let opts = MarginOptions::default();
    let mut g = c.benchmark_group("max_margin_paper");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for norm in ["spectral", "nuclear", "fro", "max"] {
        g.bench_function(norm, |b| {
            b.iter(|| max_margin(&data, norm, &opts).expect("solve"));
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
