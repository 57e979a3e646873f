use super::*;
use crate::validate::testing::{fails, passes};

/// Every record of P10-a … P10-g passes with a control (its planted bug) that fails.
#[test]
fn real_implementation_passes_p10_a_to_g_and_every_control_fails() {
    for c in checks().into_iter().filter(|c| c.theory_id() != "P10-real") {
        let r = passes(c.as_ref());
        assert!(r.control.is_some(), "{} has no negative control", r.id);
    }
}

/// Further planted bugs, beyond the records' controls, that the checks catch.
#[test]
fn more_planted_bugs_fail() {
    let ok = crate_impl();
    let no_cos = MetricImpl {
        optimal_dense: planted::optimal_beta_without_cos,
        ..ok
    };
    let bad_free = MetricImpl {
        optimal: planted::optimal_wrong_block,
        ..ok
    };
    let over = MetricImpl {
        kappa_min: planted::kappa_overestimated,
        ..ok
    };
    let unsquared = MetricImpl {
        kappa_min: planted::kappa_unsquared,
        ..ok
    };
    fails(&SpdSecant { imp: no_cos });
    fails(&SpdSecant { imp: bad_free });
    fails(&KappaClosedForm { imp: no_cos });
    fails(&KappaOracle {
        imp: unsquared,
        fixture: NGD_FIXTURE,
    });
    fails(&EigenStructure { imp: bad_free });
    fails(&DirectMinimisation { imp: over });
    fails(&KappaClosedForm {
        imp: MetricImpl {
            kappa_min: planted::kappa_sin_without_root,
            ..ok
        },
    });
}
