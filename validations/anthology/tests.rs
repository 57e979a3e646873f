use super::*;
use crate::validate::testing::fails;

crate::validate::testing::suite_tests!();

#[test]
fn p4a_catches_the_normalized_step_on_three_layers_too() {
    fails(&SteepestDescentMinimizer {
        label: "max-spectral",
        norm: "max-spectral",
        shapes: vec![(20, 12), (12, 8), (8, 5)],
        lambdas: vec![0.5, 2.0],
        make: planted::normalized_step("max-spectral"),
    });
}

#[test]
fn p4b_catches_a_frobenius_normalized_step() {
    fails(&ShampooIsPolar {
        shampoo: factory("ngd:lr=1"),
        shape: (20, 12),
    });
}

#[test]
fn p4b_planted_shampoo_with_quarter_roots_is_shampoo() {
    // The planted transform with the right exponent reproduces the library's Shampoo, so the
    // control differs from the real implementation only in the exponent.
    crate::validate::testing::passes(&ShampooIsPolar {
        shampoo: planted::shampoo_with_root(4.0),
        shape: (20, 12),
    });
}
