//! Parallel sweeps over independent runs (seeds × optimizers × learning rates).
//!
//! A sweep maps a pure function over a list of items on rayon's thread pool and returns the
//! results **in input order**. Each item must draw its randomness from its own stream (for example
//! `ctx.rng(&format!("{id}/seed={s}"))`) and must not share mutable state, so the results — and any
//! reduction done afterwards, in order, on the returned vector — are bit-identical whatever the
//! number of threads (`steepest validate --threads N`, or `RAYON_NUM_THREADS`).
//!
//! Dense kernels inside a sweep should stay single-threaded (`faer::Par::Seq`): on this project's
//! 2-core machines parallelism pays over independent runs, not inside one matmul
//! (`../shared/notes/faer.md`).

use crate::error::Result;
use rayon::prelude::*;

/// `items.map(f)` in parallel, results in input order.
pub fn par_map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    items.par_iter().map(f).collect()
}

/// Like [`par_map`] for fallible runs: every item runs, and the first error **in input order**
/// is returned (so the error, too, does not depend on the thread count).
pub fn try_par_map<T, R, F>(items: &[T], f: F) -> Result<Vec<R>>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> Result<R> + Sync + Send,
{
    par_map(items, f).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    fn work(i: &u64) -> f64 {
        // A long, order-sensitive floating-point reduction: any change of evaluation order in
        // the sweep itself would show up in the bits.
        (0..10_000u64).fold(0.0f64, |acc, k| {
            acc + ((i * 7919 + k) as f64).sin() / (1.0 + k as f64)
        })
    }

    #[test]
    fn results_are_in_input_order_and_identical_for_any_thread_count() {
        let items: Vec<u64> = (0..64).collect();
        let serial: Vec<f64> = items.iter().map(work).collect();
        for threads in [1, 2, 3, 8] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let par = pool.install(|| par_map(&items, work));
            let same = serial
                .iter()
                .zip(&par)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(same, "{threads} threads changed the results");
        }
    }

    #[test]
    fn first_error_in_input_order_wins() {
        let items: Vec<u64> = (0..32).collect();
        let r = try_par_map(&items, |&i| {
            if i == 5 || i == 20 {
                Err(Error::failed(format!("item {i}")))
            } else {
                Ok(i)
            }
        });
        assert!(r.unwrap_err().to_string().contains("item 5"));
        let ok = try_par_map(&items, |&i| Ok::<_, Error>(i * 2)).unwrap();
        assert_eq!(ok, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }
}
