//! One normalized-steepest-descent step on the paper setup of Fan, Schmidt & Thrampoulidis
//! (n = 500, k = 10, d = 25; `tests/fixtures/dataset.paper.json`): the stable cross-entropy
//! gradient in scaled form, then W ← W − η·LMO(∇L) through the library optimizer, for the sign
//! (max-norm), Frobenius and spectral geometries. Compare with `benches/nsd_step_numpy.py`, which
//! runs the same loop in NumPy and through `steepest train`, alternating, and prints medians.
//!
//! Run: `cargo bench --bench multiclass`, then right after it
//! `python3 benches/nsd_step_numpy.py --steps 3000 --reps 3`.
//!
//! ## Measured (2026-11-28, 2-core Zen 4 shared with other builds, load average 12–14)
//! Wall-clock figures are meaningless at that load (each process got ~20 % of a core); the CPU
//! time per step (`getrusage`/`process_time`) is the comparable figure. Same run, medians of 3
//! alternating repetitions of 3000 steps, NumPy 2.4.6 (OpenBLAS):
//!
//! | geometry | NumPy CPU µs/step | Rust CPU µs/step (before) | Rust CPU µs/step (now) | NumPy/Rust now |
//! |---|---|---|---|---|
//! | sign (max) | 88.9 | 132–148 | 39.2 | 2.27× |
//! | Frobenius | 92.6 | 142–157 | 42.8 | 2.17× |
//! | spectral | 123.7 | 165–178 | 64.4 | 1.92× |
//!
//! Re-measured on a quieter machine (third session, load average 1–2, NumPy with
//! `OPENBLAS_NUM_THREADS=1`): NumPy 86.9 / 90.2 / 114.1 CPU µs per step, Rust 39.6 / 43.3 / 61.9 →
//! 2.20×, 2.08×, 1.84× (sign, Frobenius, spectral); this criterion bench (every iteration from the
//! same W, faer `Par::Seq`): 41.7, 40.8, 62.3 µs.
//!
//! ("before": the same script on the previous implementation, 0.61–0.77×; the Rust figure includes
//! process start, JSON loading and the few log-spaced records of `steepest train`.)
//!
//! What changed: the pass over the n×k logits runs column by column (contiguous, vectorized
//! loops: u = z − z_y, row max, e = exp(u − u*), row sums, R̃ = e·exp(o − s)); the pair
//! exponentials use `models::multiclass::exp_fast` (Cody–Waite reduction, degree-13 Taylor in
//! Estrin form, ≤ 4 ulp, no FMA so bit-identical on every CPU) instead of libm's scalar `exp`,
//! which was 54 % of the step; the pass is compiled twice and dispatched to AVX2 at run time; L and
//! G are summed in the linear domain (the log domain only when they underflow). Profile after:
//! faer's two matmuls ≈ 30 %, the vector exponential ≈ 20 %, the remaining per-sample scalar
//! `ln`/`exp`/`ln_1p` (3 per sample) and the element-wise passes ≈ 30 %, the optimizer step the rest.
//!
//! ## The 20× target of issue #4
//! NumPy's loop is not interpreter-bound at this size: ≈ 90 µs of CPU per step for ≈ 15 array
//! operations, each of which runs vectorized C (its `exp` is SIMD). 20× would mean ≈ 4.5 µs per
//! step. The step's arithmetic floor: the two products H Wᵀ and R̃ᵀ H are 2·(500·25·10)·2 =
//! 0.5 MFLOP, ≈ 10 µs at the 51 GFLOP/s single-core f64 peak measured on this machine
//! (`../shared/notes/faer.md`; small matrices run below peak), plus 4500 exponentials (≈ 2–3 µs
//! at AVX2 width). So the step cannot go below ≈ 12–13 µs, i.e. ≈ 7× NumPy's CPU time, on this
//! hardware, whatever the implementation; 20× is not reachable and the target should be restated
//! (e.g. "within 2× of the matmul floor"). We are at ≈ 3× the floor; the remaining gap is the
//! per-sample scalar transcendentals and process/record overhead included in the CLI figure.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use faer::Mat;
use steepest::data::Dataset;
use steepest::models::multiclass::{Loss, Multiclass};
use steepest::optim::parse_optimizer;

fn nsd_step(c: &mut Criterion) {
    // As in `steepest train`/`validate`: faer single-threaded (no thread hand-off per product).
    faer::set_global_parallelism(faer::Par::Seq);
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
        // every iteration steps from the same trained-ish W (the softmax is not uniform): a
        // drifting W would reach the log-domain branch of the loss after ~10^5 iterations and
        // time a different computation per geometry
        let w0 = vec![Mat::<f64>::from_fn(shape.0, shape.1, |i, j| {
            ((i * 7 + j * 3) % 5) as f64 * 0.1 - 0.2
        })];
        c.bench_function(&format!("nsd_step/{name}/n500_k10_d25"), |b| {
            b.iter_batched_ref(
                || w0.clone(),
                |w| {
                    let (e, g) = model.evaluate_with_gradient(w[0].as_ref());
                    opt.step(w, std::slice::from_ref(&g.direction), Some(e.loss))
                        .expect("step");
                },
                BatchSize::SmallInput,
            )
        });
    }
}

criterion_group!(benches, nsd_step);
criterion_main!(benches);
