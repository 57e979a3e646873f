//! One optimizer step on a 1024×1024 block and on 10 blocks of 256×256, and the overhead of the
//! Muon, Spectral Descent and sign-descent steps over their bare dualizers.
//!
//! Run: `cargo bench --bench optim` (all), or filter, e.g. `cargo bench --bench optim -- overhead`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use faer::Mat;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use std::hint::black_box;
use steepest::linalg::{newton_schulz, polar, NsCoefficients};
use steepest::optim::{parse_optimizer, OPTIMIZERS};

fn gaussian(rng: &mut ChaCha8Rng, m: usize, n: usize) -> Mat<f64> {
    Mat::from_fn(m, n, |_, _| StandardNormal.sample(rng))
}

fn spec(name: &str) -> String {
    match name {
        "nsd" | "sd" | "nmd" => format!("{name}:norm=spectral"),
        // Benchmark Muon as torch runs it (Newton–Schulz), and the exact-polar variants separately.
        n => n.to_string(),
    }
}

/// One step (after a warm-up step, so that momentum buffers and second moments are populated).
fn bench_steps(c: &mut Criterion, label: &str, shapes: &[(usize, usize)]) {
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let w: Vec<Mat<f64>> = shapes
        .iter()
        .map(|&(m, n)| gaussian(&mut rng, m, n))
        .collect();
    let g: Vec<Mat<f64>> = shapes
        .iter()
        .map(|&(m, n)| gaussian(&mut rng, m, n))
        .collect();
    let mut group = c.benchmark_group(format!("step_{label}"));
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(2));
    group.warm_up_time(std::time::Duration::from_millis(300));
    for name in OPTIMIZERS {
        let s = spec(name);
        let mut opt = parse_optimizer(&s, shapes).expect("spec parses");
        let mut p = w.clone();
        opt.step(&mut p, &g, Some(1.0)).expect("warm-up step");
        group.bench_function(*name, |b| {
            b.iter_batched_ref(
                || p.clone(),
                |p| {
                    opt.step(black_box(p), black_box(&g), Some(1.0))
                        .expect("step")
                },
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn steps_1024(c: &mut Criterion) {
    bench_steps(c, "1024x1024", &[(1024, 1024)]);
}

fn steps_10x256(c: &mut Criterion) {
    bench_steps(c, "10x256x256", &[(256, 256); 10]);
}

/// Optimizer step versus its bare dualizer on the same blocks.
fn overhead(c: &mut Criterion) {
    for (label, shapes) in [
        ("1024x1024", vec![(1024usize, 1024usize)]),
        ("10x256x256", vec![(256, 256); 10]),
    ] {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let w: Vec<Mat<f64>> = shapes
            .iter()
            .map(|&(m, n)| gaussian(&mut rng, m, n))
            .collect();
        let g: Vec<Mat<f64>> = shapes
            .iter()
            .map(|&(m, n)| gaussian(&mut rng, m, n))
            .collect();
        let mut group = c.benchmark_group(format!("overhead_{label}"));
        group.sample_size(10);
        group.measurement_time(std::time::Duration::from_secs(3));
        group.warm_up_time(std::time::Duration::from_millis(300));
        let keller = NsCoefficients::Keller;
        group.bench_function("bare_newton_schulz", |b| {
            b.iter(|| {
                g.iter()
                    .map(|x| newton_schulz(black_box(x.as_ref()), &keller, 5, 1e-7))
                    .collect::<Vec<_>>()
            })
        });
        group.bench_function("bare_polar", |b| {
            b.iter(|| {
                g.iter()
                    .map(|x| polar(black_box(x.as_ref())))
                    .collect::<Vec<_>>()
            })
        });
        group.bench_function("bare_sign", |b| {
            b.iter(|| {
                g.iter()
                    .map(|x| {
                        let mut out = Mat::zeros(x.nrows(), x.ncols());
                        faer::zip!(&mut out, black_box(x)).for_each(|faer::unzip!(o, x)| {
                            *o = if *x > 0.0 {
                                1.0
                            } else if *x < 0.0 {
                                -1.0
                            } else {
                                0.0
                            }
                        });
                        out
                    })
                    .collect::<Vec<_>>()
            })
        });
        let max = steepest::norms::parse_norm("max").unwrap();
        group.bench_function("bare_dualize_max", |b| {
            b.iter(|| {
                g.iter()
                    .map(|x| max.dualize(black_box(x.as_ref())))
                    .collect::<Vec<_>>()
            })
        });
        for s in ["muon", "spectral", "sign"] {
            let mut opt = parse_optimizer(s, &shapes).unwrap();
            let mut p = w.clone();
            opt.step(&mut p, &g, None).unwrap();
            group.bench_function(format!("step_{s}"), |b| {
                b.iter_batched_ref(
                    || p.clone(),
                    |p| opt.step(black_box(p), black_box(&g), None).expect("step"),
                    BatchSize::LargeInput,
                )
            });
        }
        group.finish();
    }
}

/// Paired measurement, robust to a shared, loaded machine: alternate the bare dualizer and the
/// optimizer step `reps` times on the same blocks and report the ratio of the medians.
fn paired(c: &mut Criterion) {
    let _ = c;
    if !std::env::args().any(|a| a.contains("paired")) {
        return;
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let sign_kernel = |x: &Mat<f64>| {
        let mut out = Mat::zeros(x.nrows(), x.ncols());
        faer::zip!(&mut out, x).for_each(|faer::unzip!(o, x)| {
            *o = if *x > 0.0 {
                1.0
            } else if *x < 0.0 {
                -1.0
            } else {
                0.0
            }
        });
        out
    };
    let max = steepest::norms::parse_norm("max").unwrap();
    for (label, shapes, reps) in [
        ("1024x1024", vec![(1024usize, 1024usize)], 7),
        ("10x256x256", vec![(256, 256); 10], 15),
    ] {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let w: Vec<Mat<f64>> = shapes
            .iter()
            .map(|&(m, n)| gaussian(&mut rng, m, n))
            .collect();
        let g: Vec<Mat<f64>> = shapes
            .iter()
            .map(|&(m, n)| gaussian(&mut rng, m, n))
            .collect();
        type Bare<'a> = Box<dyn Fn(&Mat<f64>) -> Mat<f64> + 'a>;
        let cases: Vec<(&str, Vec<(&str, Bare)>)> = vec![
            (
                "muon",
                vec![(
                    "newton_schulz",
                    Box::new(|x: &Mat<f64>| {
                        newton_schulz(x.as_ref(), &NsCoefficients::Keller, 5, 1e-7)
                    }),
                )],
            ),
            (
                "spectral",
                vec![("polar", Box::new(|x: &Mat<f64>| polar(x.as_ref())))],
            ),
            (
                "sign",
                vec![
                    ("sign_kernel", Box::new(sign_kernel)),
                    (
                        "dualize_max",
                        Box::new(|x: &Mat<f64>| max.dualize(x.as_ref())),
                    ),
                ],
            ),
        ];
        for (spec, bares) in cases {
            let mut opt = parse_optimizer(spec, &shapes).unwrap();
            let mut p = w.clone();
            opt.step(&mut p, &g, None).unwrap();
            for (bare_name, bare) in bares {
                let (mut tb, mut ts) = (Vec::new(), Vec::new());
                for _ in 0..reps {
                    let t0 = std::time::Instant::now();
                    black_box(g.iter().map(|x| bare(black_box(x))).collect::<Vec<_>>());
                    tb.push(t0.elapsed().as_secs_f64());
                    let mut q = p.clone();
                    let t0 = std::time::Instant::now();
                    opt.step(black_box(&mut q), black_box(&g), None).unwrap();
                    ts.push(t0.elapsed().as_secs_f64());
                }
                let (b, s) = (median(tb), median(ts));
                eprintln!(
                    "paired {label}: {spec} step {:.3} ms vs bare {bare_name} {:.3} ms: overhead {:+.1}%",
                    s * 1e3,
                    b * 1e3,
                    (s / b - 1.0) * 100.0
                );
            }
        }
    }
}

criterion_group!(benches, paired, overhead, steps_10x256, steps_1024);
criterion_main!(benches);
