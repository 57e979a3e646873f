//! Shared helpers for the tests of the validation suites (compiled in tests only).

use super::{run_one, Check, Ctx, Profile, Record, Verdict};

/// The context every suite test uses: quick profile, seed 0.
pub fn ctx() -> Ctx {
    Ctx {
        profile: Profile::Quick,
        seed: 0,
    }
}

/// Run `check` in [`ctx`] with its negative control and assert that the measurement passes and,
/// when the check has a control, that the control (its planted bug) fails: the verdict `pass`.
/// The record is returned for further asserts.
pub fn passes(check: &dyn Check) -> Record {
    let r = run_one(check, &ctx());
    match &r.control {
        Some(c) => {
            assert!(!c.pass, "planted bug '{}' not caught: {r:?}", c.bug);
            assert_eq!(
                r.verdict,
                Verdict::Pass,
                "real implementation failed: {r:?}"
            );
        }
        None => assert!(
            matches!(r.verdict, Verdict::Pass | Verdict::NoPower),
            "real implementation failed: {r:?}"
        ),
    }
    r
}

/// Run `check` (built around a planted bug) in [`ctx`] and assert that it fails.
pub fn fails(check: &dyn Check) -> Record {
    let r = run_one(check, &ctx());
    assert_eq!(r.pass, Some(false), "planted bug not caught: {r:?}");
    r
}

/// Run the negative control of `check` and assert that it exists and fails (the planted bug of
/// the report's record is caught).
pub fn control_fails(check: &dyn Check) -> Record {
    let planted = check
        .control()
        .unwrap_or_else(|| panic!("{} has no negative control", check.id()));
    let r = fails(planted.check.as_ref());
    assert_eq!(
        r.id,
        check.id(),
        "a control is the same check (same id, same streams)"
    );
    r
}

/// Every check of a suite, built from the real implementations, passes in the quick profile, and
/// each one's control fails.
pub fn assert_all_pass(checks: Vec<Box<dyn Check>>) {
    for c in checks {
        passes(c.as_ref());
    }
}

/// The two tests a suite's test module opens with: every real check passes with its control
/// failing ([`assert_all_pass`]), and every record has a control that fails ([`control_fails`]).
/// Expands to `#[test] fn real_checks_pass_and_their_controls_fail` and
/// `#[test] fn every_record_has_a_failing_control` over the suite's `checks()`.
macro_rules! suite_tests {
    () => {
        #[test]
        fn real_checks_pass_and_their_controls_fail() {
            crate::validate::testing::assert_all_pass(checks());
        }

        #[test]
        fn every_record_has_a_failing_control() {
            for c in checks() {
                crate::validate::testing::control_fails(c.as_ref());
            }
        }
    };
}
pub(crate) use suite_tests;
