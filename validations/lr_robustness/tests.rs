use super::*;
use crate::validate::run_one;
use crate::validate::testing::{control_fails, ctx, fails, passes};
use crate::validate::Verdict;

/// The real suite's sweep, run once for all tests of this module.
fn real_sweep() -> Arc<Sweep> {
    static SWEEP: std::sync::OnceLock<Arc<Sweep>> = std::sync::OnceLock::new();
    SWEEP
        .get_or_init(|| Arc::new(Sweep::new(methods())))
        .clone()
}

fn check(claim: Claim) -> LrBasin {
    LrBasin {
        claim,
        sweep: real_sweep(),
    }
}

/// The quick profile's verdicts, as written in theory/P3-c.md: the best-loss spread passes
/// with its control failing; the three strict width claims fail (no seed-paired widening at
/// this scale: the finding recorded there). Every record carries the full table and, for the
/// width claims, both per-seed widths as figures.
#[test]
fn lr_robustness_quick_verdicts_are_the_recorded_ones() {
    assert_eq!(checks().len(), Claim::ALL.len());
    passes(&check(Claim::BestLossSpread));
    let seeds = Sizes::of(Profile::Quick).seeds;
    for claim in Claim::ALL {
        let r = run_one(&check(claim), &ctx());
        let t = &r.details["table"];
        assert_eq!(t["methods"].as_array().map(Vec::len), Some(5));
        assert_eq!(t["lrs"].as_array().map(Vec::len), Some(10));
        if let Some((a, b)) = claim.pair() {
            assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
            for m in [a, b] {
                let w = &r.figures[format!("width[{m}]")];
                assert_eq!(w.as_array().map(Vec::len), Some(seeds), "{}", r.id);
            }
            let lb = r.figures["lower_bound"].as_f64().unwrap();
            assert!(lb <= 0.0, "{}: {lb}", r.id);
        }
    }
}

/// Each record's negative control (a bug in an optimizer of the sweep) fails.
#[test]
fn lr_robustness_controls_fail() {
    for claim in Claim::ALL {
        control_fails(&check(claim));
    }
}

/// Extra power: the Momo claims also fail with the other optimizer bugs — MuonAdam built
/// without the grid's η (a flat curve, basin = the whole grid) for the MuonAdam claim.
#[test]
fn lr_robustness_momo_claim_fails_with_flat_muonadam() {
    let bad = LrBasin {
        claim: Claim::MomoWidensMuonAdam,
        sweep: Arc::new(real_sweep().with_method(planted::muonadam_without_lr())),
    };
    fails(&bad);
}

/// The Momo variant without its step runs exactly the base recipe (same runs, bit for bit),
/// so every paired difference is 0 and the strict bound is 0.
#[test]
fn lr_robustness_momo_without_step_is_the_base_method() {
    let bad = real_sweep().with_method(planted::momo_without_step("muonmax-momo").unwrap());
    let t = bad.table(&ctx()).unwrap();
    let (a, b) = (
        t.index("muonmax-momo").unwrap(),
        t.index("muonmax").unwrap(),
    );
    let test = PairedWidths::of(&t.seed_widths(a), &t.seed_widths(b)).unwrap();
    assert!(test.differences.iter().all(|&d| d == 0.0));
    assert_eq!(test.lower_bound, 0.0);
    assert!(planted::momo_without_step("muonadam").is_err());
}

/// The paired t bound: known values, and no effect gives 0 (which the strict claim rejects).
#[test]
fn lr_robustness_paired_bound() {
    // d = (1, 1, 2): mean 4/3, sd 1/√3, bound 4/3 − 2.92·(1/√3)/√3 = 4/3 − 0.97333.
    let p = PairedWidths::of(&[2, 3, 4], &[1, 2, 2]).unwrap();
    assert!((p.lower_bound - (4.0 / 3.0 - 2.92 / 3.0)).abs() < 1e-12);
    assert_eq!(PairedWidths::of(&[2, 2], &[2, 2]).unwrap().lower_bound, 0.0);
    assert!(PairedWidths::of(&[1], &[1]).is_err());
    assert!(PairedWidths::of(&[1, 2], &[1]).is_err());
    assert_eq!(t95(1), Some(6.3138));
    assert_eq!(t95(30), Some(1.6973));
    assert_eq!(t95(0), None);
    assert_eq!(t95(31), None);
}

/// The table is bit-identical for 1 and 3 threads (per-run RNG streams, results in input
/// order); one method keeps the test short.
#[test]
fn lr_robustness_sweep_is_identical_for_any_thread_count() {
    let one = || {
        let m = methods().into_iter().find(|m| m.name == "muonmax").unwrap();
        Sweep::new(vec![m])
    };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let t = pool.install(|| one().table(&ctx()).unwrap());
        serde_json::to_string(&t.to_json()).unwrap()
    };
    assert_eq!(run(1), run(3));
}

#[test]
fn lr_robustness_basin_width_counts_grid_points() {
    // best 2.0: absolute cut 2.05 holds {2.0, 2.04}; relative cut 2.2 adds {2.1, 2.19}.
    let c = [f64::INFINITY, 2.3, 2.0, 2.04, 2.1, 2.19, f64::NAN];
    assert_eq!(basin_width(&c, false), 2);
    assert_eq!(basin_width(&c, true), 4);
    assert_eq!(basin_width(&[f64::INFINITY, f64::NAN], false), 0);
}
