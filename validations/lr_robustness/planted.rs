use super::*;

/// `momo_name` (`muonadam-momo` or `muonmax-momo`) without its step: η_eff = η, the
/// truncation min(η, (F̄ − F_* + ⟨W, m⟩)_+/⟨m, u⟩) dropped, i.e. the Momo variant reduced to
/// its base recipe (same momentum, direction and η). Its runs are the base method's.
pub fn momo_without_step(momo_name: &'static str) -> Result<Method> {
    let base = methods()
        .into_iter()
        .find(|m| Some(m.name) == momo_name.strip_suffix("-momo"))
        .ok_or_else(|| Error::input(format!("P3-c: '{momo_name}' is not a Momo method")))?;
    Ok(Method::real(momo_name, &base.spec))
}

/// MuonAdam built without the grid's η: every run uses the recipe's default η = 10^{−3}, so
/// its loss-vs-η "curve" is flat and its basin is the whole grid.
pub fn muonadam_without_lr() -> Method {
    let spec = format!("muonadam:s={S}");
    let run_spec = spec.clone();
    Method {
        name: "muonadam",
        spec: format!("{spec} [planted: grid η ignored]"),
        factory: Arc::new(move |_lr: f64, shapes: &[(usize, usize)]| {
            parse_optimizer(&run_spec, shapes)
        }),
    }
}

/// Scion with the wrong sign: W ← W − u where the method has W ← W + u (gradient ascent
/// along Scion's direction).
pub fn scion_ascent() -> Method {
    let scion = Method::real("scion", &format!("scion:s={S}"));
    let inner = scion.factory.clone();
    Method {
        spec: format!("{} [planted: update sign flipped]", scion.spec),
        factory: Arc::new(move |lr: f64, shapes: &[(usize, usize)]| {
            Ok(Box::new(Ascent(inner(lr, shapes)?)) as Box<dyn Optimizer>)
        }),
        ..scion
    }
}

/// W ← W − u instead of W ← W + u: an optimizer whose update has the wrong sign.
struct Ascent(Box<dyn Optimizer>);

impl Optimizer for Ascent {
    fn name(&self) -> String {
        format!("ascent({})", self.0.name())
    }
    fn step(
        &mut self,
        params: &mut [Mat<f64>],
        grads: &[Mat<f64>],
        loss: Option<f64>,
    ) -> Result<()> {
        let old = params.to_vec();
        self.0.step(params, grads, loss)?;
        for (p, o) in params.iter_mut().zip(&old) {
            *p = faer::Scale(2.0) * o - &*p;
        }
        Ok(())
    }
}

/// The planted bug of each claim's negative control: (what was planted, the broken method).
pub fn of(claim: Claim) -> Result<(&'static str, Method)> {
    Ok(match claim {
        Claim::MomoWidensMuonAdam => (
            "MuonAdam-Momo without its step (η_eff = η: the truncation dropped, MuonAdam-Momo reduced to MuonAdam)",
            momo_without_step("muonadam-momo")?,
        ),
        Claim::MomoWidensMuonMax => (
            "MuonMax-Momo without its step (η_eff = η: the truncation dropped, MuonMax-Momo reduced to MuonMax)",
            momo_without_step("muonmax-momo")?,
        ),
        Claim::MuonMaxVsMuonAdam => (
            "MuonAdam built without the grid's η (every run at the recipe's default 10^-3)",
            muonadam_without_lr(),
        ),
        Claim::BestLossSpread => (
            "Scion with a flipped update sign (W ← W − u)",
            scion_ascent(),
        ),
    })
}
