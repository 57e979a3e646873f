//! Criterion benches: matrix-free natural-gradient metrics (construction, κ*, M·v, M⁻¹·v) for
//! D up to 10⁴ (no D×D matrix formed), the dense M_opt + EVD route for small D, and one HASD
//! iteration (including the ρ search) at d = 10⁴.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use faer::Mat;
use std::hint::black_box;
use steepest::accel::{DiagonalQuadratic, Hasd, HasdParams};
use steepest::metric::{self, SecantPair};

fn pair(d: usize) -> (Vec<f64>, Vec<f64>) {
    let a: Vec<f64> = (0..d).map(|i| ((i as f64) * 0.7).sin() + 0.1).collect();
    let b: Vec<f64> = a
        .iter()
        .enumerate()
        .map(|(i, x)| x + 0.3 * ((i as f64) * 1.3).cos())
        .collect();
    (a, b)
}

fn bench_metric(c: &mut Criterion) {
    let mut g = c.benchmark_group("metric");
    for d in [100usize, 1_000, 10_000] {
        let (a, b) = pair(d);
        let p = SecantPair::metric_tensor(&a, &b).unwrap();
        let m = p.optimal();
        let v: Vec<f64> = (0..d).map(|i| (i as f64).sqrt()).collect();
        let mut out = vec![0.0; d];
        g.bench_with_input(BenchmarkId::new("construct+kappa_min", d), &d, |bch, _| {
            bch.iter(|| {
                let p = SecantPair::metric_tensor(black_box(&a), black_box(&b)).unwrap();
                black_box(p.kappa_min())
            })
        });
        g.bench_with_input(
            BenchmarkId::new("optimal+kappa(matrix-free)", d),
            &d,
            |bch, _| bch.iter(|| black_box(p.optimal().kappa())),
        );
        g.bench_with_input(BenchmarkId::new("M*v", d), &d, |bch, _| {
            bch.iter(|| m.apply_into(black_box(&v), &mut out))
        });
        g.bench_with_input(BenchmarkId::new("Minv*v", d), &d, |bch, _| {
            bch.iter(|| m.apply_inverse_into(black_box(&v), &mut out))
        });
    }
    for d in [10usize, 100] {
        let (a, b) = pair(d);
        let p = SecantPair::metric_tensor(&a, &b).unwrap();
        g.bench_with_input(
            BenchmarkId::new("dense M_opt + EVD kappa", d),
            &d,
            |bch, _| {
                bch.iter(|| {
                    black_box(metric::dense_kappa(metric::dense_optimal(&p).as_ref()).unwrap())
                })
            },
        );
    }
    g.finish();
}

fn bench_hasd(c: &mut Criterion) {
    let mut g = c.benchmark_group("hasd");
    let d = 10_000;
    let f = DiagonalQuadratic {
        h: (0..d).map(|i| 0.5 + ((i as f64) * 0.618).fract()).collect(),
        x_star: (0..d).map(|i| ((i as f64) * 2.1).sin()).collect(),
    };
    for (name, p) in [("p=inf", f64::INFINITY), ("p=4", 4.0)] {
        let l = f.smoothness(p);
        // warm up 20 iterations so the step is a typical one, then time single iterations
        let mut h = Hasd::new(&f, Mat::zeros(d, 1), HasdParams::new(p, l)).unwrap();
        for _ in 0..20 {
            h.step().unwrap();
        }
        g.bench_function(
            BenchmarkId::new("one iteration incl. rho search, d=1e4", name),
            |bch| bch.iter(|| black_box(h.step().unwrap().trials)),
        );
    }
    g.finish();
}

criterion_group!(benches, bench_metric, bench_hasd);
criterion_main!(benches);
