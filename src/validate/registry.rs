//! The registry of validation suites. Each suite is a function returning its checks, built from the
//! real implementations. Add a suite by adding a line to [`SUITES`].

use super::Check;
use crate::validations::{
    acceleration, aion, anthology, fromage, geometry, homogeneous, lr_robustness, multiclass, muon,
    natural_gradient, robust, variants,
};

/// A named suite.
pub struct Suite {
    /// The name used with `--suite`.
    pub name: &'static str,
    /// One line on what it checks.
    pub about: &'static str,
    /// Its checks, in report order.
    pub checks: fn() -> Vec<Box<dyn Check>>,
}

/// Every suite, in the order `steepest validate` runs them by default.
pub const SUITES: &[Suite] = &[
    Suite {
        name: "geometry",
        about: "norm/dualizer laws, ℓp and Schatten duality, max ≤ ‖·‖ ≤ sum, Newton–Schulz envelope (P8-a, P8-b)",
        checks: geometry::checks,
    },
    Suite {
        name: "anthology",
        about: "Bernstein & Newhouse, Old optimizer, new norm: an anthology (arXiv 2409.20325): steepest-descent closed forms, Shampoo = UVᵀ, Prop. 6, Prop. 8, Prodigy escape velocity",
        checks: anthology::checks,
    },
    Suite {
        name: "fromage",
        about: "Fromage (Bernstein et al., arXiv 2002.03432): exact one-step identities and relative step sizes on a 3-layer perceptron",
        checks: fromage::checks,
    },
    Suite {
        name: "muon",
        about: "Muon (Jordan et al. 2024) and Spectral Descent: momentum-convention equivalence, LMO optimality, agreement with torch/optax fixtures",
        checks: muon::checks,
    },
    Suite {
        name: "variants",
        about: "Muon variants (Crawshaw et al., arXiv 2510.09827): every aggregation × embed norm × lmo configuration solves its steepest-descent problem; Momo minimizes its truncated model",
        checks: variants::checks,
    },
    Suite {
        name: "natural-gradient",
        about: "natural-gradient metrics of learning rules: canonical form, minimum condition number κ*, real optimizer steps (Shoji et al., arXiv 2409.16422)",
        checks: natural_gradient::checks,
    },
    Suite {
        name: "acceleration",
        about: "HASD, accelerated ℓp steepest descent (Bai & Bullins, arXiv 2409.19200): the 324·L·R²/(𝒢²T²) bound, its recursion read off the iterates, speedup ≈ 𝒢",
        checks: acceleration::checks,
    },
    Suite {
        name: "aion",
        about: "Method of Infinite Descent on AION: resummation identity, tower convergence, one-step optimality, cost, tanh control",
        checks: aion::checks,
    },
    Suite {
        name: "multiclass",
        about: "Fan, Schmidt & Thrampoulidis 2025: lemmas, implicit bias of NSD/NMD/Adam, rates, momentum error, two-layer net (P1-a..P1-e)",
        checks: multiclass::checks,
    },
    Suite {
        name: "robust",
        about: "price of implicit bias (Tsilivis et al., arXiv 2406.04981): closed-form robust loss, GD → ℓ2- and CD → ℓ1-robust max-margin, robust generalization gap GD − CD",
        checks: robust::checks,
    },
    Suite {
        name: "homogeneous",
        about: "implicit bias on homogeneous networks (Gronich & Vardi, arXiv 2602.16340): each optimizer maximizes the normalized margin in its own norm (P2-a: ℓ2, ℓ∞, max-spectral, hybrid), alignment r_t → 1 (P2-b), directional convergence (P2-c), KKT residual (P2-d)",
        checks: homogeneous::checks,
    },
    Suite {
        name: "lr-robustness",
        about: "learning-rate basins (Crawshaw et al., arXiv 2510.09827, §4–5, P3-c): MuonAdam, Scion, MuonMax and the Momo variants on a teacher-MLP, η ∈ 10^{−4…0.5}",
        checks: lr_robustness::checks,
    },
];

/// Look a suite up by name.
pub fn find(name: &str) -> Option<&'static Suite> {
    SUITES.iter().find(|s| s.name == name)
}
