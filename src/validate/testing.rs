//! Shared helpers for the tests of the validation suites (compiled in tests only).

use super::{run_one, Check, Ctx, Profile, Record};

/// The context every suite test uses: quick profile, seed 0.
pub fn ctx() -> Ctx {
    Ctx {
        profile: Profile::Quick,
        seed: 0,
    }
}

/// Run `check` in [`ctx`] and assert that it passes; the record is returned for further asserts.
pub fn passes(check: &dyn Check) -> Record {
    let r = run_one(check, &ctx());
    assert_eq!(r.pass, Some(true), "real implementation failed: {r:?}");
    r
}

/// Run `check` (built around a planted bug) in [`ctx`] and assert that it fails.
pub fn fails(check: &dyn Check) -> Record {
    let r = run_one(check, &ctx());
    assert_eq!(r.pass, Some(false), "planted bug not caught: {r:?}");
    r
}

/// Every check of a suite, built from the real implementations, passes in the quick profile.
pub fn assert_all_pass(checks: Vec<Box<dyn Check>>) {
    for c in checks {
        passes(c.as_ref());
    }
}
