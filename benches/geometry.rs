//! Criterion benches of the geometry: dualizers (spectral, nuclear, Schatten-3), Newton–Schulz vs
//! the exact polar factor, and a plain f64 matmul of the same size as the GFLOP/s yardstick.
//!
//! Throughput is reported in floating-point operations ("elements" = flops), so criterion prints
//! GFLOP/s directly for the matmul (2n³) and Newton–Schulz (per step 4m²n + 2m³ = 6n³ for square
//! inputs: A = XXᵀ, A·A, B·X; 5 steps = 30n³). NS and the matmul both run single-threaded
//! (`Par::Seq`); the SVD uses faer's global parallelism.
//!
//! Sizes 64..1024 (square); set `STEEPEST_BENCH_MAX=512` to stop earlier. Sample size 10 and a
//! short measurement time keep a full run to minutes on a shared machine.
//!
//! Run: `cargo bench --bench geometry` (or `STEEPEST_BENCH_MAX=512 cargo bench --bench geometry`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, Par};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;
use std::time::Duration;
use steepest::linalg::{newton_schulz, newton_schulz_f32, polar, NsCoefficients};
use steepest::norms::parse_norm;

fn sizes() -> Vec<usize> {
    let max: usize = std::env::var("STEEPEST_BENCH_MAX")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1024);
    [64, 128, 256, 512, 1024]
        .into_iter()
        .filter(|&n| n <= max)
        .collect()
}

fn randn(n: usize, seed: u64) -> Mat<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Mat::from_fn(n, n, |_, _| {
        rng.sample::<f64, _>(rand_distr::StandardNormal)
    })
}

fn dualize(c: &mut Criterion) {
    let mut g = c.benchmark_group("dualize");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(300));
    for n in sizes() {
        let x = randn(n, 1);
        for name in ["spectral", "nuclear", "schatten:3"] {
            let norm = parse_norm(name).unwrap();
            g.bench_with_input(BenchmarkId::new(name, n), &x, |b, x| {
                b.iter(|| black_box(norm.dual_and_dualize(black_box(x.as_ref()))))
            });
        }
    }
    g.finish();
}

fn orthogonalize(c: &mut Criterion) {
    let mut g = c.benchmark_group("orthogonalize");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(300));
    for n in sizes() {
        let x = randn(n, 2);
        let x32 = Mat::<f32>::from_fn(n, n, |i, j| x[(i, j)] as f32);
        let nf = n as u64;
        g.throughput(Throughput::Elements(30 * nf * nf * nf));
        g.bench_with_input(BenchmarkId::new("newton_schulz_keller5", n), &x, |b, x| {
            b.iter(|| {
                black_box(newton_schulz(
                    black_box(x.as_ref()),
                    &NsCoefficients::Keller,
                    5,
                    1e-7,
                ))
            })
        });
        g.bench_with_input(
            BenchmarkId::new("newton_schulz_keller5_f32", n),
            &x32,
            |b, x| {
                b.iter(|| {
                    black_box(newton_schulz_f32(
                        black_box(x.as_ref()),
                        &NsCoefficients::Keller,
                        5,
                        1e-7,
                    ))
                })
            },
        );
        // polar is charged NS's flop count, so its "GFLOP/s" is NS-equivalent work per second
        g.throughput(Throughput::Elements(30 * nf * nf * nf));
        g.bench_with_input(BenchmarkId::new("polar_svd", n), &x, |b, x| {
            b.iter(|| black_box(polar(black_box(x.as_ref()))))
        });
        g.throughput(Throughput::Elements(2 * nf * nf * nf));
        let y = randn(n, 3);
        let mut out = Mat::<f64>::zeros(n, n);
        g.bench_with_input(
            BenchmarkId::new("matmul_f64", n),
            &(x.clone(), y),
            |b, (x, y)| {
                b.iter(|| {
                    matmul(
                        out.as_mut(),
                        Accum::Replace,
                        x.as_ref(),
                        y.as_ref(),
                        1.0,
                        Par::Seq,
                    );
                    black_box(&out);
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, dualize, orthogonalize);
criterion_main!(benches);
