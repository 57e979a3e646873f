use super::{sd_spec, Curvature};
use crate::error::Result;
use crate::norms::{inner, parse_norm, Norm};
use crate::optim::{
    factory, inverse_root, Factory, GradientTransformation, LearningRate, Optimizer, ScaleBySign,
    Schedule, StepCtx, Transform,
};
use faer::{Mat, MatRef};
use std::sync::Arc;

/// P4-a (one block): `nsd` (the LMO −LMO(g)/λ) in place of the sharp step −‖g‖_*·LMO(g)/λ.
pub fn normalized_step(norm: &'static str) -> Arc<dyn Fn(f64) -> Factory + Send + Sync> {
    Arc::new(move |lr| factory(&sd_spec(norm, lr).replacen("sd:", "nsd:", 1)))
}

/// P4-a (three layers): ℓ2 aggregation of the sharp step (each layer moved by its own
/// ‖G_l‖_*/λ) in place of the max norm's global step size.
pub fn per_layer_step(norm: &'static str) -> Arc<dyn Fn(f64) -> Factory + Send + Sync> {
    Arc::new(move |lr| factory(&sd_spec(norm, lr).replace("agg=max", "agg=l2")))
}

/// P4-b: Shampoo with inverse p-th roots, L^{−1/p} G R^{−1/p} (p = 4 is Shampoo; p = 2 gives
/// UΣ^{−1}Vᵀ), no accumulation.
#[derive(Clone, Copy, Debug)]
pub struct ShampooRoot(pub f64);

impl Transform for ShampooRoot {
    type State = ();
    fn init(&self, _: &[Mat<f64>]) {}
    fn update(&self, u: &mut [Mat<f64>], _: &mut (), _: &StepCtx<'_>) -> Result<()> {
        for g in u.iter_mut() {
            let l = inverse_root((&*g * g.transpose()).as_ref(), self.0)?;
            let r = inverse_root((g.transpose() * &*g).as_ref(), self.0)?;
            *g = &l * &*g * &r;
        }
        Ok(())
    }
}

/// P4-b: [`ShampooRoot`] as an optimizer at lr = 1.
pub fn shampoo_with_root(p: f64) -> Factory {
    Arc::new(move |shapes: &[(usize, usize)]| {
        Ok(Box::new(GradientTransformation::new(
            format!("shampoo[root {p}]"),
            (ShampooRoot(p), LearningRate),
            Schedule::Constant(1.0),
            shapes,
        )) as Box<dyn Optimizer>)
    })
}

/// P4-c: ½‖ΔW‖²_{ℓ2→ℓ2} without Prop. 6's factor d_in/d_out.
pub fn curvature_without_dimension_factor() -> Curvature {
    Arc::new(|dw, _, _| {
        let s = parse_norm("spectral")
            .expect("spectral parses")
            .norm(dw.as_ref());
        0.5 * s * s
    })
}

/// An operator norm evaluated on Mᵀ: max row norms where Prop. 8 has max column norms (and
/// vice versa).
#[derive(Debug)]
pub struct Transposed(pub Box<dyn Norm>);

impl Norm for Transposed {
    fn name(&self) -> String {
        format!("{}[transposed]", self.0.name())
    }
    fn norm(&self, x: MatRef<'_, f64>) -> f64 {
        self.0.norm(x.transpose())
    }
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64 {
        self.0.dual_norm(g.transpose())
    }
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        self.0.dualize(g.transpose()).transpose().to_owned()
    }
}

/// P4-d: the planted operator norm of a record and its description. ℓ1→ℓ∞ is max|M_ij|,
/// invariant under transposition, so there the column norm takes the conjugate exponent
/// (ℓ1 in place of ℓ∞); every other record gets the transposed formula.
pub fn operator_norm(name: &str) -> (&'static str, Box<dyn Norm>) {
    let parsed = |n: &str| parse_norm(n).expect("operator norm names parse");
    if name == "op:1->inf" {
        (
            "column norm with the conjugate exponent: max_j ‖col_j‖_1 in place of max_j ‖col_j‖_∞",
            parsed("op:1->1"),
        )
    } else {
        (
            "row norms where the formula has column norms (a missing transpose)",
            Box::new(Transposed(parsed(name))),
        )
    }
}

/// P4-e: Prodigy without its η update: sign descent at the initial η_0 = 1e-6.
pub fn prodigy_without_eta_update() -> Factory {
    factory("sign:lr=1e-6")
}

/// P4-e: Prodigy (β1 = β2 = 0, η_0 = 1e-6) with the η update missing the max:
/// η_{t+1} = g_tᵀ(w_0 − w_t)/‖g_t‖_1.
pub struct ProdigyWithoutMax;

impl Transform for ProdigyWithoutMax {
    /// (η_t, w_0).
    type State = (f64, Vec<Mat<f64>>);
    fn init(&self, p: &[Mat<f64>]) -> Self::State {
        (1e-6, p.to_vec())
    }
    fn update(&self, u: &mut [Mat<f64>], s: &mut Self::State, ctx: &StepCtx<'_>) -> Result<()> {
        let g = u[0].clone();
        let gw = inner(g.as_ref(), (&s.1[0] - &ctx.params[0]).as_ref());
        let l1: f64 = (0..g.nrows()).map(|i| g[(i, 0)].abs()).sum();
        let eta = s.0;
        s.0 = gw / l1;
        ScaleBySign.update(u, &mut (), ctx)?;
        u[0] *= faer::Scale(eta);
        Ok(())
    }
}

/// P4-e: [`ProdigyWithoutMax`] as an optimizer.
pub fn prodigy_without_max() -> Factory {
    Arc::new(|shapes: &[(usize, usize)]| {
        Ok(Box::new(GradientTransformation::new(
            "prodigy[no max]",
            (ProdigyWithoutMax, LearningRate),
            Schedule::Constant(1.0),
            shapes,
        )) as Box<dyn Optimizer>)
    })
}
