//! Dense linear algebra for the geometry: thin SVD, the exact polar factor, and Newton–Schulz
//! orthogonalization (the Muon map), all on faer.
//!
//! * [`svd_thin`]: G = U diag(s) Vᵀ with s descending, U m×r, V n×r, r = min(m, n).
//! * [`polar`]: the exact polar factor UVᵀ (the spectral-norm LMO, file 00 §5).
//! * [`newton_schulz`] / [`newton_schulz_f32`]: the quintic iteration of Muon (file 08 §1.1), which
//!   maps singular values into an envelope around 1 but does **not** converge to UVᵀ (file 08 §1.2).

mod eigen;
pub use eigen::{symmetric_eigen, symmetric_eigenvalues};

use crate::error::{Error, Result};
use faer::linalg::matmul::matmul;
use faer::{Accum, Mat, MatRef, Par};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Threads of the dense products of a single large job (`orthogonalize`, `dualize`, `margin`,
/// `replay` with `--threads N`): 1 (sequential) unless [`set_job_threads`] was called, so
/// `validate` and every library caller keep `Par::Seq` inside a check and parallelize over
/// independent checks instead.
static JOB_THREADS: AtomicUsize = AtomicUsize::new(1);

/// Let the dense kernels of the one job this process runs use `threads` threads (faer's
/// `Par::rayon(threads)` for Newton–Schulz's products and, through faer's global parallelism, for
/// SVDs and the other factorizations); 1 is sequential. For the command line only: `validate`
/// never calls it.
pub fn set_job_threads(threads: usize) {
    let threads = threads.max(1);
    JOB_THREADS.store(threads, Ordering::Relaxed);
    faer::set_global_parallelism(job_par());
}

/// The parallelism of a single job's dense products (see [`set_job_threads`]): `Par::Seq` unless
/// the command line asked for more threads.
pub fn job_par() -> Par {
    match JOB_THREADS.load(Ordering::Relaxed) {
        0 | 1 => Par::Seq,
        n => Par::rayon(n),
    }
}

/// A thin singular value decomposition G = U diag(s) Vᵀ.
#[derive(Debug, Clone)]
pub struct Svd {
    /// Left singular vectors, m×r with orthonormal columns.
    pub u: Mat<f64>,
    /// Singular values, nonnegative and descending, length r = min(m, n).
    pub s: Vec<f64>,
    /// Right singular vectors, n×r with orthonormal columns.
    pub v: Mat<f64>,
}

/// One thin SVD through faer's low-level `svd` with a given `recursion_threshold` (faer's default
/// is 128: bidiagonal divide and conquer from min(m, n) ≥ 128 on; `usize::MAX` forces the
/// implicit-QR bidiagonal SVD).
fn faer_svd(a: MatRef<'_, f64>, recursion_threshold: usize) -> Result<Svd> {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::svd::{svd, svd_scratch, ComputeSvdVectors, SvdParams};
    let (m, n) = (a.nrows(), a.ncols());
    let r = m.min(n);
    let mut params = <SvdParams as faer::Auto<f64>>::auto();
    params.recursion_threshold = recursion_threshold;
    let par = faer::get_global_parallelism();
    let mut s = faer::diag::Diag::<f64>::zeros(r);
    let mut u = Mat::<f64>::zeros(m, r);
    let mut v = Mat::<f64>::zeros(n, r);
    let req = svd_scratch::<f64>(
        m,
        n,
        ComputeSvdVectors::Thin,
        ComputeSvdVectors::Thin,
        par,
        params.into(),
    );
    let mut mem = MemBuffer::new(req);
    svd(
        a,
        s.as_mut(),
        Some(u.as_mut()),
        Some(v.as_mut()),
        par,
        MemStack::new(&mut mem),
        params.into(),
    )
    .map_err(|e| {
        Error::failed(format!(
            "thin SVD of a {m}×{n} matrix did not converge ({e:?}); check the input is finite"
        ))
    })?;
    Ok(Svd {
        u,
        s: s.column_vector().iter().copied().collect(),
        v,
    })
}

/// ‖QᵀQ − I‖_F for a matrix with (supposedly) orthonormal columns.
pub fn orthonormality_error(q: MatRef<'_, f64>) -> f64 {
    let k = q.ncols();
    let mut g = Mat::<f64>::identity(k, k);
    matmul(g.as_mut(), Accum::Add, q.transpose(), q, -1.0, Par::Seq);
    g.norm_l2()
}

/// The residual of an SVD: max(‖A − U diag(s) Vᵀ‖_F/‖A‖_F, ‖UᵀU − I‖_F, ‖VᵀV − I‖_F).
/// Small residual ⇒ s are the singular values to that relative accuracy (Weyl).
pub fn svd_check(a: MatRef<'_, f64>, svd: &Svd) -> f64 {
    svd_residual(a, svd)
        .max(orthonormality_error(svd.u.as_ref()))
        .max(orthonormality_error(svd.v.as_ref()))
}

/// ‖A − U diag(s) Vᵀ‖_F / ‖A‖_F (0 for A = 0).
pub fn svd_residual(a: MatRef<'_, f64>, svd: &Svd) -> f64 {
    let r = svd.s.len();
    let mut rec = a.to_owned();
    let us = Mat::from_fn(a.nrows(), r, |i, k| svd.u[(i, k)] * svd.s[k]);
    matmul(
        rec.as_mut(),
        Accum::Add,
        us.as_ref(),
        svd.v.as_ref().transpose(),
        -1.0,
        Par::Seq,
    );
    let na = a.norm_l2();
    if na == 0.0 {
        0.0
    } else {
        rec.norm_l2() / na
    }
}

/// The accepted reconstruction error of [`try_svd_thin`]: 64·ε·max(m, n) relative (a backward
/// stable SVD achieves O(ε·max(m,n)); observed ≈ 0.2·ε·n).
pub fn svd_tolerance(m: usize, n: usize) -> f64 {
    64.0 * f64::EPSILON * (m.max(n) as f64)
}

/// max_ij |a_ij| (0 for an empty matrix; NaN-free inputs assumed).
pub fn max_abs(a: MatRef<'_, f64>) -> f64 {
    (0..a.ncols()).fold(0.0f64, |acc, j| {
        (0..a.nrows()).fold(acc, |acc, i| acc.max(a[(i, j)].abs()))
    })
}

/// ⌊log₂ m⌋ for a finite m > 0, exactly (read from the bits; subnormals included).
pub fn exponent_of(m: f64) -> i32 {
    debug_assert!(m > 0.0 && m.is_finite());
    let bits = m.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    if biased > 0 {
        biased - 1023
    } else {
        let mant = bits & ((1u64 << 52) - 1);
        63 - mant.leading_zeros() as i32 - 1074
    }
}

/// x·2^e, applied as two exact halves so that neither factor over- or underflows; exact whenever
/// the result is a normal number.
pub fn scale_pow2(x: f64, e: i32) -> f64 {
    let (e1, e2) = (e / 2, e - e / 2);
    x * 2f64.powi(e1) * 2f64.powi(e2)
}

/// The power-of-two scale of a matrix: e with max|a_ij|·2^−e ∈ [1, 2), or 0 when max|a_ij| is
/// already in [0.5, 4] (so inputs of ordinary size are used as they are, bit for bit) or is 0.
pub fn scale_exponent(a: MatRef<'_, f64>) -> i32 {
    let amax = max_abs(a);
    if amax > 0.0 && amax.is_finite() && !(0.5..=4.0).contains(&amax) {
        exponent_of(amax)
    } else {
        0
    }
}

/// The thin SVD of a·2^−e, verified, with e = [`scale_exponent`]`(a)`: the SVD is
/// scale-equivariant, and inputs near the underflow or overflow threshold otherwise lose digits
/// (or fail to converge) inside the factorization. U and V are those of `a`; the singular values
/// of `a` are s·2^e, which may not be representable (σ₁ of a matrix of 1e308s overflows) — so the
/// norms and dualizers work on the scaled values. A zero matrix gives s = 0 with U, V the leading
/// columns of the identity, without a factorization.
pub fn svd_thin_scaled(a: MatRef<'_, f64>) -> Result<(Svd, i32)> {
    let (m, n) = (a.nrows(), a.ncols());
    let r = m.min(n);
    if r == 0 || max_abs(a) == 0.0 {
        return Ok((
            Svd {
                u: Mat::from_fn(m, r, |i, j| if i == j { 1.0 } else { 0.0 }),
                s: vec![0.0; r],
                v: Mat::from_fn(n, r, |i, j| if i == j { 1.0 } else { 0.0 }),
            },
            0,
        ));
    }
    let e = scale_exponent(a);
    if e == 0 {
        return Ok((verified_svd(a)?, 0));
    }
    let scaled = Mat::from_fn(m, n, |i, j| scale_pow2(a[(i, j)], -e));
    Ok((verified_svd(scaled.as_ref())?, e))
}

/// The thin SVD of `a`, verified.
///
/// faer 0.24's divide-and-conquer SVD (used from min(m, n) ≥ 128 on) can return singular vectors
/// that do not reconstruct a rank-deficient input: on a 128×128 matrix of rank 64 we measured
/// ‖A − USVᵀ‖_F/‖A‖_F = 1.3e-6 with orthonormal U, V and correct singular values. So every SVD is
/// checked ([`svd_check`]: reconstruction and orthonormality of U and V within [`svd_tolerance`];
/// three extra products, about 10–20 % of the SVD's cost); on failure it is recomputed with the
/// implicit-QR bidiagonal SVD, then on Aᵀ. The input is scaled by a power of two first
/// ([`svd_thin_scaled`]); singular values that overflow f64 are +∞.
/// [`Error::Failed`] if faer does not converge (non-finite input) or no attempt is accurate.
pub fn try_svd_thin(a: MatRef<'_, f64>) -> Result<Svd> {
    let (mut svd, e) = svd_thin_scaled(a)?;
    if e != 0 {
        for s in &mut svd.s {
            *s = scale_pow2(*s, e);
        }
    }
    Ok(svd)
}

/// The verified SVD of an input of ordinary scale (see [`try_svd_thin`]).
fn verified_svd(a: MatRef<'_, f64>) -> Result<Svd> {
    let (m, n) = (a.nrows(), a.ncols());
    let tol = svd_tolerance(m, n);
    let first = faer_svd(a, 128)?;
    let r0 = svd_check(a, &first);
    if r0 <= tol {
        return Ok(first);
    }
    let second = faer_svd(a, usize::MAX)?;
    let r1 = svd_check(a, &second);
    if r1 <= tol {
        return Ok(second);
    }
    let t = faer_svd(a.transpose(), usize::MAX)?;
    let third = Svd {
        u: t.v,
        s: t.s,
        v: t.u,
    };
    let r2 = svd_check(a, &third);
    if r2 <= tol {
        return Ok(third);
    }
    Err(Error::failed(format!(
        "thin SVD of a {m}×{n} matrix is inaccurate: relative residuals {r0:.1e}, {r1:.1e}, {r2:.1e} > {tol:.1e}"
    )))
}

/// The singular values of a·2^−e, descending, without vectors, with e = [`scale_exponent`]`(a)`
/// (see [`svd_thin_scaled`]); the singular values of `a` are s·2^e.
///
/// Computed with faer's implicit-QR bidiagonal SVD (`recursion_threshold = usize::MAX`), not the
/// default divide and conquer, which returned a spurious σ ≈ 1.3e-3 (true value ≈ 1e-14) on a
/// 128×128 matrix of rank 64 (see [`try_svd_thin`]). A zero matrix gives zeros without a
/// factorization. Panics only on non-finite input.
pub fn singular_values_scaled(a: MatRef<'_, f64>) -> (Vec<f64>, i32) {
    use faer::dyn_stack::{MemBuffer, MemStack};
    use faer::linalg::svd::{svd, svd_scratch, ComputeSvdVectors, SvdParams};
    let (m, n) = (a.nrows(), a.ncols());
    if m == 0 || n == 0 {
        return (Vec::new(), 0);
    }
    if max_abs(a) == 0.0 {
        return (vec![0.0; m.min(n)], 0);
    }
    let e = scale_exponent(a);
    let scaled;
    let a = if e == 0 {
        a
    } else {
        scaled = Mat::from_fn(m, n, |i, j| scale_pow2(a[(i, j)], -e));
        scaled.as_ref()
    };
    let mut params = <SvdParams as faer::Auto<f64>>::auto();
    params.recursion_threshold = usize::MAX;
    let par = faer::get_global_parallelism();
    let mut s = faer::diag::Diag::<f64>::zeros(m.min(n));
    let req = svd_scratch::<f64>(
        m,
        n,
        ComputeSvdVectors::No,
        ComputeSvdVectors::No,
        par,
        params.into(),
    );
    let mut mem = MemBuffer::new(req);
    if let Err(e) = svd(
        a,
        s.as_mut(),
        None,
        None,
        par,
        MemStack::new(&mut mem),
        params.into(),
    ) {
        panic!(
            "singular values of a {m}×{n} matrix did not converge ({e:?}); input must be finite"
        );
    }
    (s.column_vector().iter().copied().collect(), e)
}

/// The singular values of `a`, descending ([`singular_values_scaled`] scaled back; a value that
/// overflows f64 is +∞). Panics only on non-finite input.
pub fn singular_values(a: MatRef<'_, f64>) -> Vec<f64> {
    let (s, e) = singular_values_scaled(a);
    if e == 0 {
        s
    } else {
        s.into_iter().map(|x| scale_pow2(x, e)).collect()
    }
}

/// The thin SVD of `a` (faer): s descending, u m×r, v n×r, r = min(m, n).
///
/// # Panics
/// If faer's SVD fails to converge, which happens only for non-finite input; callers that take
/// user input check finiteness first (the CLI does) or use [`try_svd_thin`].
pub fn svd_thin(a: MatRef<'_, f64>) -> Svd {
    match try_svd_thin(a) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

/// The relative threshold below which a singular value counts as zero in [`polar`]:
/// σ_i is kept iff σ_i > max(m, n)·ε·σ_1 (the usual numerical-rank cut-off, as in LAPACK's `rank`).
pub fn rank_threshold(m: usize, n: usize, sigma1: f64) -> f64 {
    (m.max(n) as f64) * f64::EPSILON * sigma1
}

/// The number of singular values above [`rank_threshold`].
pub fn numerical_rank(svd: &Svd) -> usize {
    let (m, n) = (svd.u.nrows(), svd.v.nrows());
    let s1 = svd.s.first().copied().unwrap_or(0.0);
    if s1 <= 0.0 {
        return 0;
    }
    let tol = rank_threshold(m, n, s1);
    svd.s.iter().take_while(|&&s| s > tol).count()
}

/// U_k V_kᵀ from an SVD, keeping the first `k` singular pairs.
pub fn polar_from_svd(svd: &Svd, k: usize) -> Mat<f64> {
    let (m, n) = (svd.u.nrows(), svd.v.nrows());
    let mut out = Mat::zeros(m, n);
    if k > 0 {
        matmul(
            out.as_mut(),
            Accum::Replace,
            svd.u.as_ref().subcols(0, k),
            svd.v.as_ref().subcols(0, k).transpose(),
            1.0,
            Par::Seq,
        );
    }
    out
}

/// The exact polar factor UVᵀ of `a` from its thin SVD.
///
/// Rank deficiency: only singular pairs with σ_i > max(m, n)·ε·σ_1 ([`rank_threshold`]) are used,
/// so the result is the partial isometry on the range of `a` (it maps the row space isometrically
/// onto the column space and annihilates the null space). The zero matrix maps to 0.
pub fn polar(a: MatRef<'_, f64>) -> Mat<f64> {
    let svd = svd_thin(a);
    polar_from_svd(&svd, numerical_rank(&svd))
}

/// Coefficient schedules (a, b, c) of the Newton–Schulz step X ← aX + (bA + cA²)X, A = XXᵀ.
#[derive(Debug, Clone, PartialEq)]
pub enum NsCoefficients {
    /// Keller Jordan's Muon quintic, (3.4445, −4.7750, 2.0315) at every step
    /// (KellerJordan/Muon, torch.optim.Muon defaults; file 08 §1.1). Maps singular values into
    /// [0.6818, 1.1344] after 5 steps, not to 1 (file 08 §1.2).
    Keller,
    /// Dion's 5 per-step triples (microsoft/dion `dion/muon.py`, optax `ns_coeffs='dion'`;
    /// file 08 §1.3). Steps beyond the fifth repeat the last triple.
    Dion,
    /// The classical cubic (1.5, −0.5, 0) at every step: φ(x) = 1.5x − 0.5x³ converges to 1 for
    /// x ∈ (0, √3) (Bernstein & Newhouse App. A item 4; file 04).
    Cubic,
    /// User-given per-step triples; steps beyond the list repeat the last triple.
    Custom(Vec<[f64; 3]>),
}

/// Keller's quintic triple (file 08 §1.1).
const KELLER: [f64; 3] = [3.4445, -4.7750, 2.0315];
/// Dion's 5 triples, in order (file 08 §1.3, microsoft/dion `dion/muon.py`).
const DION: [[f64; 3]; 5] = [
    [4.0848, -6.8946, 2.9270],
    [3.9505, -6.3029, 2.6377],
    [3.7418, -5.5913, 2.3037],
    [2.8769, -3.1427, 1.2046],
    [2.8366, -3.0525, 1.2012],
];
/// The classical cubic Newton–Schulz triple (file 04, App. A item 4).
const CUBIC: [f64; 3] = [1.5, -0.5, 0.0];

impl NsCoefficients {
    /// Parse `keller`, `dion` or `cubic` (the CONTRACT's `--coefficients` names).
    pub fn parse(name: &str) -> Result<Self> {
        match name.trim() {
            "keller" => Ok(Self::Keller),
            "dion" => Ok(Self::Dion),
            "cubic" => Ok(Self::Cubic),
            other => Err(Error::unknown(
                "Newton–Schulz coefficients",
                other,
                "use one of: keller, dion, cubic",
            )),
        }
    }

    /// The triple (a, b, c) used at step `step` (0-based). Per-step schedules repeat their last
    /// triple beyond their length; an empty custom schedule is the identity map (1, 0, 0).
    pub fn triple(&self, step: usize) -> [f64; 3] {
        match self {
            Self::Keller => KELLER,
            Self::Dion => DION[step.min(DION.len() - 1)],
            Self::Cubic => CUBIC,
            Self::Custom(v) => v
                .get(step)
                .or_else(|| v.last())
                .copied()
                .unwrap_or([1.0, 0.0, 0.0]),
        }
    }

    /// The default number of steps: 5 for keller, dion and cubic (CONTRACT), the schedule length
    /// for a custom schedule.
    pub fn default_steps(&self) -> usize {
        match self {
            Self::Keller | Self::Dion | Self::Cubic => 5,
            Self::Custom(v) => v.len(),
        }
    }

    /// The canonical name (`keller`, `dion`, `cubic`, `custom`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Keller => "keller",
            Self::Dion => "dion",
            Self::Cubic => "cubic",
            Self::Custom(_) => "custom",
        }
    }
}

/// The scalar map of one Newton–Schulz step on a singular value: φ(x) = a x + b x³ + c x⁵.
pub fn ns_scalar_step(x: f64, t: [f64; 3]) -> f64 {
    let x2 = x * x;
    x * (t[0] + x2 * (t[1] + t[2] * x2))
}

/// The real scalars Newton–Schulz runs in: `f64` and `f32`.
pub trait NsFloat:
    faer::traits::RealField
    + Copy
    + std::ops::Add<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
    + std::ops::AddAssign
{
    /// Conversion from the f64 coefficients.
    fn from_f64(x: f64) -> Self;
    /// Conversion to f64.
    fn to_f64(self) -> f64;
}
impl NsFloat for f64 {
    fn from_f64(x: f64) -> Self {
        x
    }
    fn to_f64(self) -> f64 {
        self
    }
}
impl NsFloat for f32 {
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
}

/// How Newton–Schulz scales its input before iterating: X₀ = G/(‖G‖_F + ε) or X₀ = G/max(‖G‖_F, ε).
/// The two agree to O(ε/‖G‖_F) relative; after 100 Muon steps they differ by about 2e-10 in f64.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NsNormalization {
    /// X₀ = G/(‖G‖_F + ε): the original Muon code (Keller Jordan), optax, the `orthogonalize`
    /// command.
    #[default]
    AddEps,
    /// X₀ = G/max(‖G‖_F, ε): torch.optim.Muon (`G.norm().clamp(min=eps)`).
    ClampEps,
}

impl NsNormalization {
    /// The spec names: `add` and `clamp`.
    pub const NAMES: &'static [&'static str] = &["add", "clamp"];
    /// Parse `add` or `clamp`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "add" => Some(NsNormalization::AddEps),
            "clamp" => Some(NsNormalization::ClampEps),
            _ => None,
        }
    }
    /// The spec name.
    pub fn name(self) -> &'static str {
        match self {
            NsNormalization::AddEps => "add",
            NsNormalization::ClampEps => "clamp",
        }
    }
    /// The divisor for a Frobenius norm `fro` and guard `eps`: fro + eps or max(fro, eps).
    pub fn divisor(self, fro: f64, eps: f64) -> f64 {
        match self {
            NsNormalization::AddEps => fro + eps,
            NsNormalization::ClampEps => fro.max(eps),
        }
    }
}

/// Newton–Schulz orthogonalization in the precision `T` (generic form of [`newton_schulz`] and
/// [`newton_schulz_f32`]).
///
/// Rule (CONTRACT `orthogonalize`, file 08 §1.1): transpose to wide (rows ≤ cols);
/// X ← X/(‖X‖_F + eps) (or X/max(‖X‖_F, eps), see [`NsNormalization`]); for each step k with
/// (a, b, c) = `coeffs.triple(k)`: A = XXᵀ,
/// X ← aX + (bA + cA²)X; transpose back. The Frobenius norm is accumulated in f64. All buffers
/// (X, A, B = bA + cA², and the next X) are allocated once; the loop allocates nothing and runs the
/// three products per step through faer's `matmul` into them, with [`job_par`]: `Par::Seq` unless a
/// single-job command set `--threads N` ([`set_job_threads`]).
pub fn newton_schulz_generic<T: NsFloat>(
    g: MatRef<'_, T>,
    coeffs: &NsCoefficients,
    steps: usize,
    eps: f64,
    normalization: NsNormalization,
) -> Mat<T> {
    let transposed = g.nrows() > g.ncols();
    let g = if transposed { g.transpose() } else { g };
    let (m, n) = (g.nrows(), g.ncols());
    let mut fro2 = 0.0f64;
    for j in 0..n {
        for i in 0..m {
            let v = g[(i, j)].to_f64();
            fro2 += v * v;
        }
    }
    let mut x = if fro2.is_finite() && fro2 >= f64::MIN_POSITIVE {
        let inv = T::from_f64(1.0 / normalization.divisor(fro2.sqrt(), eps));
        Mat::<T>::from_fn(m, n, |i, j| g[(i, j)] * inv)
    } else {
        // ‖G‖_F² over- or underflowed: X = G/(‖G‖_F + eps) computed on G·2^−e (max|G_ij|·2^−e ∈
        // [1, 2)) as (G·2^−e)/(‖G·2^−e‖_F + eps·2^−e), which is exact in scale; for tiny G the
        // denominator is eps (‖G‖_F ≪ eps) and the direct quotient is safe.
        let amax = (0..n).fold(0.0f64, |acc, j| {
            (0..m).fold(acc, |acc, i| acc.max(g[(i, j)].to_f64().abs()))
        });
        if amax == 0.0 {
            Mat::<T>::zeros(m, n)
        } else {
            let e = exponent_of(amax);
            let mut s2 = 0.0f64;
            for j in 0..n {
                for i in 0..m {
                    let v = scale_pow2(g[(i, j)].to_f64(), -e);
                    s2 += v * v;
                }
            }
            if e >= 0 {
                let denom = normalization.divisor(s2.sqrt(), scale_pow2(eps, -e));
                Mat::<T>::from_fn(m, n, |i, j| {
                    T::from_f64(scale_pow2(g[(i, j)].to_f64(), -e) / denom)
                })
            } else {
                let denom = normalization.divisor(scale_pow2(s2.sqrt(), e), eps);
                Mat::<T>::from_fn(m, n, |i, j| T::from_f64(g[(i, j)].to_f64() / denom))
            }
        }
    };
    let par = job_par();
    let mut x_next = Mat::<T>::zeros(m, n);
    let mut a = Mat::<T>::zeros(m, m);
    let mut b = Mat::<T>::zeros(m, m);
    for k in 0..steps {
        let [ca, cb, cc] = coeffs.triple(k);
        let (ca, cb, cc) = (T::from_f64(ca), T::from_f64(cb), T::from_f64(cc));
        // A = X Xᵀ
        matmul(
            a.as_mut(),
            Accum::Replace,
            x.as_ref(),
            x.as_ref().transpose(),
            T::from_f64(1.0),
            par,
        );
        // B = c·A·A + b·A
        matmul(b.as_mut(), Accum::Replace, a.as_ref(), a.as_ref(), cc, par);
        for j in 0..m {
            for i in 0..m {
                b[(i, j)] += cb * a[(i, j)];
            }
        }
        // X_next = a·X + B·X
        for j in 0..n {
            for i in 0..m {
                x_next[(i, j)] = ca * x[(i, j)];
            }
        }
        matmul(
            x_next.as_mut(),
            Accum::Add,
            b.as_ref(),
            x.as_ref(),
            T::from_f64(1.0),
            par,
        );
        std::mem::swap(&mut x, &mut x_next);
    }
    if transposed {
        x.transpose().to_owned()
    } else {
        x
    }
}

/// Newton–Schulz orthogonalization in f64, exactly as CONTRACT `orthogonalize`: transpose to wide,
/// X ← X/(‖X‖_F + eps), per step A = XXᵀ, X ← aX + (bA + cA²)X, transpose back.
/// The CLI uses eps = 1e-7. G = 0 maps to 0.
pub fn newton_schulz(
    g: MatRef<'_, f64>,
    coeffs: &NsCoefficients,
    steps: usize,
    eps: f64,
) -> Mat<f64> {
    newton_schulz_generic(g, coeffs, steps, eps, NsNormalization::AddEps)
}

/// [`newton_schulz`] in f32 (same rule; the Frobenius norm is accumulated in f64, everything else
/// is f32; both are instances of [`newton_schulz_generic`]). On the 4×3 matrix of file 00 §2.1 it
/// agrees with the f64 result to 1e-4 (unit test); f32 rounding is amplified by the iteration's
/// slope a = 3.4445 per step.
pub fn newton_schulz_f32(
    g: MatRef<'_, f32>,
    coeffs: &NsCoefficients,
    steps: usize,
    eps: f64,
) -> Mat<f32> {
    newton_schulz_generic(g, coeffs, steps, eps, NsNormalization::AddEps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use faer::mat;

    fn g43() -> Mat<f64> {
        mat![
            [0.3, -0.1, 0.2],
            [-0.4, 0.5, 0.0],
            [0.1, 0.2, -0.3],
            [0.0, -0.2, 0.6]
        ]
    }

    fn max_abs_diff(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> f64 {
        let mut d: f64 = 0.0;
        for j in 0..a.ncols() {
            for i in 0..a.nrows() {
                d = d.max((a[(i, j)] - b[(i, j)]).abs());
            }
        }
        d
    }

    #[test]
    fn svd_of_tiny_and_huge_matrices_is_accurate() {
        // Regression: a Muon momentum of order 1e-300 (homogeneous suite, seed 2) made all three
        // SVD attempts miss the accuracy check (residual 8e-4); power-of-two scaling fixes it.
        let a = Mat::from_fn(16, 10, |i, j| {
            ((i * 7 + j * 3) % 11) as f64 - 5.0 + 0.1 * i as f64
        });
        let base = try_svd_thin(a.as_ref()).unwrap();
        for scale in [1e-300, 1e-200, 1e-10, 1e200, 1e300] {
            let b = Mat::from_fn(16, 10, |i, j| a[(i, j)] * scale);
            let svd = try_svd_thin(b.as_ref()).unwrap();
            let rel = svd_check(
                a.as_ref(),
                &Svd {
                    u: svd.u.clone(),
                    s: svd.s.iter().map(|x| x / scale).collect(),
                    v: svd.v.clone(),
                },
            );
            assert!(
                rel <= svd_tolerance(16, 10),
                "scale {scale:e}: residual {rel:e}"
            );
            for (x, y) in svd.s.iter().zip(&base.s) {
                assert!(
                    (x / scale - y).abs() <= 1e-13 * base.s[0],
                    "scale {scale:e}: σ {x:e} vs {y:e}"
                );
            }
        }
    }

    #[test]
    fn svd_of_a_subnormal_matrix_gives_the_right_vectors() {
        // Regression: for max|a_ij| < 2^−1022 the scale factor 2^−e overflowed to ∞ and the SVD
        // failed (a sigmoid network's gradient underflowing in the multiclass paper profile, P1-e).
        // Small integers times 2^−1060 are exact subnormals; their singular vectors must be those
        // of the integer matrix (the singular values keep only the subnormal's few bits).
        let a = Mat::from_fn(12, 9, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
        let tiny = 2f64.powi(-530) * 2f64.powi(-530);
        assert!(tiny > 0.0 && !tiny.is_normal());
        let b = Mat::from_fn(12, 9, |i, j| a[(i, j)] * tiny);
        let svd = try_svd_thin(b.as_ref()).unwrap();
        let base = try_svd_thin(a.as_ref()).unwrap();
        let r = numerical_rank(&base);
        let (p, q) = (polar_from_svd(&svd, r), polar_from_svd(&base, r));
        assert!((&p - &q).norm_max() <= 1e-12, "{:e}", (&p - &q).norm_max());
        for (x, y) in svd.s.iter().zip(&base.s) {
            assert!((x / tiny - y).abs() <= 1e-3 * base.s[0], "σ {x:e} vs {y:e}");
        }
    }

    #[test]
    fn polar_matches_reference_uvt() {
        // file 08 §1.4
        let r = mat![
            [0.76953494, 0.24715941, 0.36202718],
            [-0.47023835, 0.84106087, 0.20471661],
            [0.42901711, 0.46276040, -0.32325938],
            [-0.05134380, -0.13183945, 0.85001812]
        ];
        let p = polar(g43().as_ref());
        assert!(max_abs_diff(p.as_ref(), r.as_ref()) < 1e-8);
    }

    #[test]
    fn svd_reconstructs() {
        let g = g43();
        let s = svd_thin(g.as_ref());
        assert_eq!(s.s.len(), 3);
        assert!(s.s[0] >= s.s[1] && s.s[1] >= s.s[2]);
        let mut rec = Mat::<f64>::zeros(4, 3);
        for k in 0..3 {
            for j in 0..3 {
                for i in 0..4 {
                    rec[(i, j)] += s.u[(i, k)] * s.s[k] * s.v[(j, k)];
                }
            }
        }
        assert!(max_abs_diff(rec.as_ref(), g.as_ref()) < 1e-14);
    }

    #[test]
    fn polar_of_zero_and_rank_one() {
        let z = Mat::<f64>::zeros(3, 5);
        assert_eq!(polar(z.as_ref()), z);
        // rank one: u vᵀ·7 → u vᵀ with unit u, v
        let g = Mat::<f64>::from_fn(3, 4, |i, j| 7.0 * [1.0, 2.0, 2.0][i] / 3.0 * [0.5; 4][j]);
        let p = polar(g.as_ref());
        let expect = Mat::<f64>::from_fn(3, 4, |i, _| [1.0, 2.0, 2.0][i] / 3.0 * 0.5);
        assert!(max_abs_diff(p.as_ref(), expect.as_ref()) < 1e-14);
    }

    #[test]
    fn cubic_converges_and_keller_does_not() {
        let g = g43();
        let uvt = polar(g.as_ref());
        let c = newton_schulz(g.as_ref(), &NsCoefficients::Cubic, 30, 1e-7);
        assert!(max_abs_diff(c.as_ref(), uvt.as_ref()) < 1e-12);
        let k = newton_schulz(g.as_ref(), &NsCoefficients::Keller, 5, 1e-7);
        let d = max_abs_diff(k.as_ref(), uvt.as_ref());
        assert!((d - 0.2216).abs() < 1e-3, "{d}");
        let d = newton_schulz(g.as_ref(), &NsCoefficients::Dion, 5, 1e-7);
        let dd = max_abs_diff(d.as_ref(), uvt.as_ref());
        assert!((dd - 1.281e-2).abs() < 1e-4, "{dd}");
    }

    #[test]
    fn ns_zero_and_f32() {
        let z = Mat::<f64>::zeros(2, 3);
        assert_eq!(
            newton_schulz(z.as_ref(), &NsCoefficients::Keller, 5, 1e-7),
            z
        );
        let g = g43();
        let g32 = Mat::<f32>::from_fn(4, 3, |i, j| g[(i, j)] as f32);
        let a = newton_schulz(g.as_ref(), &NsCoefficients::Keller, 5, 1e-7);
        let b = newton_schulz_f32(g32.as_ref(), &NsCoefficients::Keller, 5, 1e-7);
        let b64 = Mat::<f64>::from_fn(4, 3, |i, j| b[(i, j)] as f64);
        assert!(max_abs_diff(a.as_ref(), b64.as_ref()) < 1e-4);
    }

    #[test]
    fn coefficient_names() {
        assert_eq!(NsCoefficients::parse("dion").unwrap().triple(9), DION[4]);
        assert_eq!(NsCoefficients::parse("keller").unwrap().default_steps(), 5);
        let e = NsCoefficients::parse("polar").unwrap_err().to_string();
        assert!(e.contains("keller, dion, cubic"));
    }
}
