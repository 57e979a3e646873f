//! The multiclass linear model of Fan, Schmidt & Thrampoulidis (arXiv 2502.04664; file 01 of
//! `../shared/papers`): logits W h_i with W ∈ R^{k×d}, losses written through the pair margins
//!
//! m_ic = (e_{y_i} − e_c)ᵀ W h_i = ⟨A_ic, W⟩,  A_ic = (e_{y_i} − e_c) h_iᵀ,  c ≠ y_i.
//!
//! | [`Loss`] | per-sample loss ℓ_i | residual r_ic = −∂ℓ_i/∂m_ic |
//! |---|---|---|
//! | cross-entropy | log(1 + Σ_{c≠y_i} e^{−m_ic}) | p_ic = S_c(W h_i) |
//! | exponential | Σ_{c≠y_i} e^{−m_ic} | e^{−m_ic} |
//! | PairLogLoss | Σ_{c≠y_i} log(1 + e^{−m_ic}) | σ(−m_ic) |
//!
//! and L(W) = (1/n) Σ_i ℓ_i, ∇L(W) = −(1/n) Σ_{i, c≠y_i} r_ic A_ic = (1/n) Rᵀ H with R_ic = r_ic
//! (c ≠ y_i) and R_{i y_i} = −Σ_{c≠y_i} r_ic. (The exponential and PairLogLoss forms are our reading
//! of the paper's App. F, which was not available.)
//!
//! **Numerics (file 00, gotcha 7.1).** Everything is computed from the margins in the log domain:
//! log r_ic in closed form, the correct-class residual as −Σ_{c≠y} r_ic (never P_y − 1, which
//! rounds to 0 once the loss is below ~1e-16), and the gradient as e^{s}·G̃ with the shift
//! s = max_ic log r_ic = −min margin + O(e^{−min margin}) ([`ScaledGradient`]), so the *direction*
//! stays exact when ∇L itself underflows (margins beyond ~745).

use super::{Evaluated, Model};
use crate::error::{Error, Result};
use crate::norms::Norm;
use faer::{Mat, MatRef};

/// The loss of the multiclass linear model (see the module table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// Softmax cross-entropy, ℓ_i = −log S_{y_i}(W h_i).
    CrossEntropy,
    /// Multiclass exponential loss, ℓ_i = Σ_{c≠y_i} exp(−m_ic).
    Exponential,
    /// PairLogLoss, ℓ_i = Σ_{c≠y_i} log(1 + exp(−m_ic)).
    PairLog,
}

impl Loss {
    /// Parse `ce` (or `cross-entropy`), `exp` (or `exponential`), `pairlog`.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "ce" | "cross-entropy" => Ok(Loss::CrossEntropy),
            "exp" | "exponential" => Ok(Loss::Exponential),
            "pairlog" | "pair-log" => Ok(Loss::PairLog),
            other => Err(Error::input(format!(
                "unknown loss '{other}'; use ce, exp or pairlog"
            ))),
        }
    }
    /// The canonical name (`ce`, `exp`, `pairlog`).
    pub fn name(self) -> &'static str {
        match self {
            Loss::CrossEntropy => "ce",
            Loss::Exponential => "exp",
            Loss::PairLog => "pairlog",
        }
    }
}

/// log(1 + eˣ), stable for every x.
pub fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// log(log(1 + eˣ)), stable for every x (≈ x for x ≪ 0).
pub fn log_softplus(x: f64) -> f64 {
    if x < -700.0 {
        x
    } else {
        softplus(x).ln()
    }
}

/// log Σ exp(v), −∞ for an empty or all −∞ input.
pub fn log_sum_exp(v: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = v.clone().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    if m == f64::INFINITY {
        return m;
    }
    m + v.map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// Loss, proxy and margin of one W, each also in log form so nothing underflows silently.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// L(W) (may underflow to 0; see `log_loss`).
    pub loss: f64,
    /// log L(W), finite while the margins are finite.
    pub log_loss: f64,
    /// The proxy G(W) = (1/n) Σ_i (1 − S_{y_i}(W h_i)) of Fan et al., eq. (8).
    pub proxy: f64,
    /// log G(W).
    pub log_proxy: f64,
    /// min_{i, c≠y_i} m_ic.
    pub min_margin: f64,
}

impl Evaluation {
    /// The evaluation from the per-sample log-losses ln ℓ_i and log-proxies ln(1 − S_{y_i}) (means
    /// taken in log space: log L = logsumexp(ln ℓ) − ln n) and the largest u_ic = −m_ic.
    pub fn from_log_terms(log_ell: &[f64], log_not_y: &[f64], max_u: f64) -> Self {
        let ln_n = (log_ell.len() as f64).ln();
        let log_loss = log_sum_exp(log_ell.iter().copied()) - ln_n;
        let log_proxy = log_sum_exp(log_not_y.iter().copied()) - ln_n;
        Evaluation {
            loss: log_loss.exp(),
            log_loss,
            proxy: log_proxy.exp(),
            log_proxy,
            min_margin: -max_u,
        }
    }
}

/// The gradient in scaled form: ∇L(W) = e^{log_scale} · direction, with the largest residual of
/// `direction` equal to 1 (the shift by the current minimum margin of file 00, gotcha 7.1).
#[derive(Clone, Debug)]
pub struct ScaledGradient {
    /// ∇L(W)·e^{−log_scale}.
    pub direction: Mat<f64>,
    /// log of the factor that turns `direction` into ∇L(W).
    pub log_scale: f64,
}

impl ScaledGradient {
    /// ∇L(W) = e^{log_scale}·direction (entries may underflow when the loss is astronomically small;
    /// use `direction` for scale-invariant methods).
    pub fn gradient(&self) -> Mat<f64> {
        let s = self.log_scale.exp();
        Mat::from_fn(self.direction.nrows(), self.direction.ncols(), |i, j| {
            self.direction[(i, j)] * s
        })
    }
}

/// A multiclass linear classification problem: data h_i ∈ R^d, labels y_i ∈ 0..k, a loss.
#[derive(Clone, Debug)]
pub struct Multiclass {
    h: Mat<f64>,
    y: Vec<usize>,
    k: usize,
    loss: Loss,
    bound_l1: f64,
}

impl Multiclass {
    /// The problem with data rows `x` (n×d), labels `y` (length n, values in 0..k) and `loss`.
    /// Errors (input): k < 2, empty data, length mismatch, a label outside 0..k, non-finite data.
    pub fn new(x: Mat<f64>, y: Vec<usize>, k: usize, loss: Loss) -> Result<Self> {
        if k < 2 {
            return Err(Error::input(format!(
                "a multiclass problem needs k ≥ 2 classes, got {k}; set \"classes\" to at least 2"
            )));
        }
        let (n, d) = (x.nrows(), x.ncols());
        if n == 0 || d == 0 {
            return Err(Error::input(
                "the dataset is empty; give at least one sample with at least one feature",
            ));
        }
        if y.len() != n {
            return Err(Error::input(format!(
                "the dataset has {n} samples but {} labels; give one label per row of x",
                y.len()
            )));
        }
        if let Some((i, &c)) = y.iter().enumerate().find(|(_, &c)| c >= k) {
            return Err(Error::input(format!(
                "label {c} of sample {i} is outside 0..{k}; labels must be class indices below \"classes\""
            )));
        }
        let mut bound_l1: f64 = 0.0;
        for i in 0..n {
            let mut s = 0.0;
            for j in 0..d {
                let v = x[(i, j)];
                if !v.is_finite() {
                    return Err(Error::input(format!(
                        "feature ({i}, {j}) is not finite; remove NaN/Inf values from x"
                    )));
                }
                s += v.abs();
            }
            bound_l1 = bound_l1.max(s);
        }
        Ok(Self {
            h: x,
            y,
            k,
            loss,
            bound_l1,
        })
    }

    /// Number of samples n.
    pub fn n(&self) -> usize {
        self.h.nrows()
    }
    /// Feature dimension d.
    pub fn d(&self) -> usize {
        self.h.ncols()
    }
    /// Number of classes k.
    pub fn k(&self) -> usize {
        self.k
    }
    /// The loss.
    pub fn loss_kind(&self) -> Loss {
        self.loss
    }
    /// The same data with another loss.
    pub fn with_loss(&self, loss: Loss) -> Self {
        Self {
            loss,
            ..self.clone()
        }
    }
    /// The data matrix H (n×d, row i = h_i).
    pub fn data(&self) -> MatRef<'_, f64> {
        self.h.as_ref()
    }
    /// The labels.
    pub fn labels(&self) -> &[usize] {
        &self.y
    }
    /// B = max_i ‖h_i‖_1 (Assumption 4 of Fan et al., our reading).
    pub fn data_bound_l1(&self) -> f64 {
        self.bound_l1
    }
    /// The shape (k, d) of W.
    pub fn shape(&self) -> (usize, usize) {
        (self.k, self.d())
    }

    fn check_shape(&self, w: MatRef<'_, f64>) {
        assert_eq!(
            (w.nrows(), w.ncols()),
            (self.k, self.d()),
            "W must be k×d = {}×{}",
            self.k,
            self.d()
        );
    }

    /// The logits Z = H Wᵀ (n×k), row i = W h_i.
    pub fn logits(&self, w: MatRef<'_, f64>) -> Mat<f64> {
        self.check_shape(w);
        let (n, d) = (self.n(), self.d());
        let mut z = Mat::<f64>::zeros(n, self.k);
        for c in 0..self.k {
            let zc = z.col_mut(c).try_as_col_major_mut().expect("owned column");
            let zc = zc.as_slice_mut();
            for j in 0..d {
                let wcj = w[(c, j)];
                if wcj == 0.0 {
                    continue;
                }
                let hj = self.h.col(j).try_as_col_major().expect("owned column");
                for (zi, hi) in zc.iter_mut().zip(hj.as_slice()) {
                    *zi += wcj * hi;
                }
            }
        }
        z
    }

    /// The pair margins M (n×k): M_ic = m_ic = z_{i y_i} − z_ic for c ≠ y_i, and M_{i y_i} = +∞
    /// (no pair).
    pub fn pair_margins(&self, w: MatRef<'_, f64>) -> Mat<f64> {
        let mut z = self.logits(w);
        for i in 0..self.n() {
            let zy = z[(i, self.y[i])];
            for c in 0..self.k {
                z[(i, c)] = if c == self.y[i] {
                    f64::INFINITY
                } else {
                    zy - z[(i, c)]
                };
            }
        }
        z
    }

    /// min_{i, c≠y_i} m_ic (the unnormalized margin).
    pub fn min_margin(&self, w: MatRef<'_, f64>) -> f64 {
        let m = self.pair_margins(w);
        let mut min = f64::INFINITY;
        for c in 0..self.k {
            for i in 0..self.n() {
                min = min.min(m[(i, c)]);
            }
        }
        min
    }

    /// min_ic m_ic / ‖W‖ in the given norm; 0 for W = 0 (convention: the margin of 0 is 0).
    pub fn normalized_margin(&self, w: MatRef<'_, f64>, norm: &dyn Norm) -> f64 {
        normalize(self.min_margin(w), norm.norm(w))
    }

    /// The margin gap γ − min_ic m_ic/‖W‖ (file 00, §4.3).
    pub fn margin_gap(&self, gamma: f64, w: MatRef<'_, f64>, norm: &dyn Norm) -> f64 {
        gamma - self.normalized_margin(w, norm)
    }

    /// The margin matrix A_ic = (e_{y_i} − e_c) h_iᵀ (k×d).
    pub fn pair_matrix(&self, i: usize, c: usize) -> Mat<f64> {
        let y = self.y[i];
        Mat::from_fn(self.k, self.d(), |r, j| {
            let e = f64::from(u8::from(r == y)) - f64::from(u8::from(r == c));
            e * self.h[(i, j)]
        })
    }

    /// log r_ic for every pair from the margins (the correct-class entries are −∞), plus per
    /// sample log ℓ_i and log(1 − S_{y_i}).
    fn log_residuals(&self, m: &Mat<f64>) -> (Mat<f64>, Vec<f64>, Vec<f64>) {
        let (n, k) = (self.n(), self.k);
        let mut logr = Mat::<f64>::from_fn(n, k, |_, _| f64::NEG_INFINITY);
        let mut log_ell = vec![0.0; n];
        let mut log_not_y = vec![0.0; n];
        for i in 0..n {
            let y = self.y[i];
            let pairs = (0..k).filter(move |&c| c != y);
            // lsm_i = log Σ_{c≠y} e^{−m_ic}; 1 − S_y = σ(lsm_i).
            let lsm = log_sum_exp(pairs.clone().map(|c| -m[(i, c)]));
            log_not_y[i] = -softplus(-lsm);
            match self.loss {
                Loss::CrossEntropy => {
                    let ell = softplus(lsm);
                    log_ell[i] = log_softplus(lsm);
                    for c in pairs {
                        logr[(i, c)] = -m[(i, c)] - ell;
                    }
                }
                Loss::Exponential => {
                    log_ell[i] = lsm;
                    for c in pairs {
                        logr[(i, c)] = -m[(i, c)];
                    }
                }
                Loss::PairLog => {
                    log_ell[i] = log_sum_exp(pairs.clone().map(|c| log_softplus(-m[(i, c)])));
                    for c in pairs {
                        logr[(i, c)] = -softplus(m[(i, c)]);
                    }
                }
            }
        }
        (logr, log_ell, log_not_y)
    }

    fn evaluation_from(&self, m: &Mat<f64>, log_ell: &[f64], log_not_y: &[f64]) -> Evaluation {
        let mut min_margin = f64::INFINITY;
        for c in 0..self.k {
            for i in 0..self.n() {
                min_margin = min_margin.min(m[(i, c)]);
            }
        }
        Evaluation::from_log_terms(log_ell, log_not_y, -min_margin)
    }

    /// G̃ = (1/n) R̃ᵀ H for the residual matrix R̃ (n × k), with ∇L = e^{shift}·G̃.
    fn scaled_gradient(&self, r: &Mat<f64>, shift: f64) -> ScaledGradient {
        let mut g = Mat::<f64>::zeros(self.k, self.d());
        faer::linalg::matmul::matmul(
            g.as_mut(),
            faer::Accum::Replace,
            r.transpose(),
            self.h.as_ref(),
            1.0 / self.n() as f64,
            faer::Par::Seq,
        );
        ScaledGradient {
            direction: g,
            log_scale: shift,
        }
    }

    /// Loss, proxy G(W) and minimum margin.
    pub fn evaluate(&self, w: MatRef<'_, f64>) -> Evaluation {
        let m = self.pair_margins(w);
        let (_, log_ell, log_not_y) = self.log_residuals(&m);
        self.evaluation_from(&m, &log_ell, &log_not_y)
    }

    /// L(W).
    pub fn loss(&self, w: MatRef<'_, f64>) -> f64 {
        self.evaluate(w).loss
    }

    /// The proxy G(W) = (1/n) Σ_i (1 − S_{y_i}(W h_i)) (eq. (8)), for every loss.
    pub fn proxy(&self, w: MatRef<'_, f64>) -> f64 {
        self.evaluate(w).proxy
    }

    /// Evaluation and the scaled gradient from one pass over the data: the logits H Wᵀ, then
    /// for the cross-entropy and exponential losses [`logit_pass`] (column by column, vectorized),
    /// then G̃ = (1/n) R̃ᵀ H. PairLogLoss has no per-sample factorization and takes log r per pair.
    pub fn evaluate_with_gradient(&self, w: MatRef<'_, f64>) -> (Evaluation, ScaledGradient) {
        self.check_shape(w);
        if self.loss == Loss::PairLog {
            return self.evaluate_with_gradient_pairwise(w);
        }
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 (checked just above).
            return unsafe { self.evaluate_with_gradient_avx2(w) };
        }
        self.evaluate_with_gradient_columns(w)
    }

    /// [`Multiclass::evaluate_with_gradient_columns`] compiled for AVX2: wider vectors, the same
    /// IEEE operations (no fused multiply–add), so bit-identical results.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn evaluate_with_gradient_avx2(
        &self,
        w: MatRef<'_, f64>,
    ) -> (Evaluation, ScaledGradient) {
        self.evaluate_with_gradient_columns(w)
    }

    /// Z = H Wᵀ (n×k) by one faer product, single-threaded (see notes/faer.md): the gradient
    /// paths' logits ([`Multiclass::logits`] is the entry-wise reference).
    fn logits_product(&self, w: MatRef<'_, f64>) -> Mat<f64> {
        let mut z = Mat::<f64>::zeros(self.n(), self.k);
        faer::linalg::matmul::matmul(
            z.as_mut(),
            faer::Accum::Replace,
            self.h.as_ref(),
            w.transpose(),
            1.0,
            faer::Par::Seq,
        );
        z
    }

    /// The column-wise pass of [`Multiclass::evaluate_with_gradient`] (cross-entropy and
    /// exponential losses): the logits product, then [`logit_pass`].
    #[inline(always)]
    fn evaluate_with_gradient_columns(&self, w: MatRef<'_, f64>) -> (Evaluation, ScaledGradient) {
        let mut r = self.logits_product(w);
        let (eval, shift) = logit_pass(&mut r, &self.y, self.loss);
        (eval, self.scaled_gradient(&r, shift))
    }

    /// [`Multiclass::evaluate_with_gradient`] pair by pair (PairLogLoss, whose residuals do not
    /// factor per sample).
    fn evaluate_with_gradient_pairwise(&self, w: MatRef<'_, f64>) -> (Evaluation, ScaledGradient) {
        self.check_shape(w);
        let (n, k) = (self.n(), self.k);
        // logits Z = H Wᵀ, overwritten by the residuals
        let mut r = self.logits_product(w);
        let mut offset = vec![0.0; n];
        let mut log_ell = vec![0.0; n];
        let mut log_not_y = vec![0.0; n];
        let mut max_u = f64::NEG_INFINITY;
        for i in 0..n {
            let y = self.y[i];
            let zy = r[(i, y)];
            let mut mx = f64::NEG_INFINITY;
            for c in 0..k {
                if c != y {
                    mx = mx.max(r[(i, c)] - zy);
                }
            }
            max_u = max_u.max(mx);
            let mut sum = 0.0;
            let mut pair_log_ell = f64::NEG_INFINITY;
            for c in 0..k {
                if c != y {
                    let u = r[(i, c)] - zy;
                    if self.loss == Loss::PairLog {
                        // log r_ic = −softplus(m_ic); ℓ_i = Σ softplus(u_c) accumulated in logs
                        r[(i, c)] = -softplus(-u);
                        sum += (u - mx).exp();
                        let ls = log_softplus(u);
                        pair_log_ell = if pair_log_ell >= ls {
                            pair_log_ell + (ls - pair_log_ell).exp().ln_1p()
                        } else {
                            ls + (pair_log_ell - ls).exp().ln_1p()
                        };
                    } else {
                        let e = (u - mx).exp();
                        r[(i, c)] = e;
                        sum += e;
                    }
                }
            }
            let lsm = mx + sum.ln();
            // softplus(±lsm) = max(±lsm, 0) + log1p(e^{−|lsm|}): one exp and one log1p for both
            let tail = (-lsm.abs()).exp().ln_1p();
            let sp_pos = lsm.max(0.0) + tail;
            log_not_y[i] = -((-lsm).max(0.0) + tail);
            match self.loss {
                Loss::CrossEntropy => {
                    offset[i] = mx - sp_pos;
                    log_ell[i] = if lsm < -700.0 { lsm } else { sp_pos.ln() };
                }
                Loss::Exponential => {
                    offset[i] = mx;
                    log_ell[i] = lsm;
                }
                Loss::PairLog => {
                    let mut o = f64::NEG_INFINITY;
                    for c in (0..k).filter(|&c| c != y) {
                        o = o.max(r[(i, c)]);
                    }
                    offset[i] = o;
                    log_ell[i] = pair_log_ell;
                }
            }
        }
        let eval = Evaluation::from_log_terms(&log_ell, &log_not_y, max_u);
        let mut shift = offset.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !shift.is_finite() {
            shift = 0.0;
        }
        // R̃_ic = e_ic·exp(o_i − s); R̃_{i y_i} = −Σ_{c≠y_i} R̃_ic (never P_y − 1).
        for i in 0..n {
            let y = self.y[i];
            let mut tot = 0.0;
            if self.loss == Loss::PairLog {
                for c in (0..k).filter(|&c| c != y) {
                    let v = (r[(i, c)] - shift).exp();
                    r[(i, c)] = v;
                    tot += v;
                }
            } else {
                let f = (offset[i] - shift).exp();
                for c in (0..k).filter(|&c| c != y) {
                    let v = r[(i, c)] * f;
                    r[(i, c)] = v;
                    tot += v;
                }
            }
            r[(i, y)] = -tot;
        }
        (eval, self.scaled_gradient(&r, shift))
    }

    /// ∇L(W), exact as far as f64 can represent it.
    pub fn gradient(&self, w: MatRef<'_, f64>) -> Mat<f64> {
        self.evaluate_with_gradient(w).1.gradient()
    }

    /// ∇L(W)·e^{−s} with s the log residual shift (≈ −min margin), and s itself: the direction
    /// for normalized methods, exact even when ∇L underflows.
    pub fn grad_direction_scaled(&self, w: MatRef<'_, f64>) -> ScaledGradient {
        self.evaluate_with_gradient(w).1
    }
}

/// Column `c` of an owned matrix as a contiguous slice.
pub(crate) fn col_slice(m: &mut Mat<f64>, c: usize) -> &mut [f64] {
    m.col_mut(c)
        .try_as_col_major_mut()
        .expect("owned matrices are column-major")
        .as_slice_mut()
}

/// The per-sample pass of the cross-entropy and exponential losses over logits Z (n×k,
/// column-major, one row per sample, `labels[i]` the class of row i), in place: Z becomes the
/// residual matrix R̃ with ∂L/∂Z = (1/n)·e^{s}·R̃ (s returned with the evaluation), R̃_ic for
/// c ≠ y_i the pair residual and R̃_{i y_i} = −Σ_{c≠y_i} R̃_ic (never P_y − 1).
///
/// Per sample, with u_c = z_c − z_{y} = −m_ic and u* = max_c u_c: e_c = exp(u_c − u*) and
/// log r_ic = (u_c − u*) + o_i with o_i = u* − ℓ_i (cross-entropy) or u* (exponential), so a
/// pass costs k − 1 exponentials per sample plus a few per sample, and R̃ = e·exp(o_i − s) with
/// s = max_i o_i. Each loop runs down a contiguous column (vectorized, the exponentials through
/// [`exp_fast`]); L and G are summed in the linear domain and recomputed in the log domain only
/// when they underflow. PairLogLoss has no such factorization (see
/// [`Multiclass::evaluate_with_gradient`]).
#[inline(always)]
fn logit_pass(r: &mut Mat<f64>, labels: &[usize], loss: Loss) -> (Evaluation, f64) {
    debug_assert!(loss != Loss::PairLog, "PairLogLoss takes the pairwise pass");
    let (n, k) = (r.nrows(), r.ncols());
    let zy: Vec<f64> = (0..n).map(|i| r[(i, labels[i])]).collect();
    // u_ic = z_ic − z_{i y_i} = −m_ic, −∞ on the label (no pair); u*_i = max_c u_ic
    for c in 0..k {
        let col = col_slice(r, c);
        for (u, z) in col.iter_mut().zip(&zy) {
            *u -= *z;
        }
    }
    for i in 0..n {
        r[(i, labels[i])] = f64::NEG_INFINITY;
    }
    let mut mx = vec![f64::NEG_INFINITY; n];
    for c in 0..k {
        let col = col_slice(r, c);
        for (u, m) in col.iter().zip(mx.iter_mut()) {
            // NaN logits propagate through the exponentials below
            *m = if *u > *m { *u } else { *m };
        }
    }
    // e_ic = exp(u_ic − u*_i) (0 on the label), row sums
    let mut sum = vec![0.0; n];
    for c in 0..k {
        let col = col_slice(r, c);
        exp_shifted_accumulate(col, &mx, &mut sum);
    }
    // per sample, vectorized: lsm_i = u*_i + ln Σ_c e_ic (= log Σ_{c≠y} e^{−m_ic}), q = e^{−|lsm|},
    // softplus(lsm) = max(lsm, 0) + ln(1 + q) (= ℓ_i for the cross-entropy), 1 − S_y = σ(lsm), and
    // the log-residual offset o_i; `sum` becomes lsm, the sums over samples follow in order
    let mut offset = vec![0.0; n];
    let mut ell = vec![0.0; n];
    let mut not_y = vec![0.0; n];
    per_sample_kernel(&mx, &mut sum, &mut offset, &mut ell, &mut not_y, loss);
    let lsm = sum;
    let max_u = mx.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let loss_sum: f64 = ell.iter().sum();
    let proxy_sum: f64 = not_y.iter().sum();
    let ln_n = (n as f64).ln();
    // below this the linear sums lose digits to subnormals: redo them in the log domain
    const LINEAR_FLOOR: f64 = 1e-290;
    let (loss, log_loss) = if loss_sum >= LINEAR_FLOOR && loss_sum.is_finite() {
        (loss_sum / n as f64, loss_sum.ln() - ln_n)
    } else {
        let log_loss = log_sum_exp(lsm.iter().map(|&lsm| match loss {
            Loss::CrossEntropy => {
                if lsm < -700.0 {
                    lsm
                } else {
                    softplus(lsm).ln()
                }
            }
            _ => lsm,
        })) - ln_n;
        (log_loss.exp(), log_loss)
    };
    let (proxy, log_proxy) = if proxy_sum >= LINEAR_FLOOR {
        (proxy_sum / n as f64, proxy_sum.ln() - ln_n)
    } else {
        let log_proxy = log_sum_exp(lsm.iter().map(|&lsm| -softplus(-lsm))) - ln_n;
        (log_proxy.exp(), log_proxy)
    };
    let eval = Evaluation {
        loss,
        log_loss,
        proxy,
        log_proxy,
        min_margin: -max_u,
    };
    let mut shift = offset.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !shift.is_finite() {
        shift = 0.0;
    }
    // R̃_ic = e_ic·exp(o_i − s); R̃_{i y_i} = −Σ_{c≠y_i} R̃_ic (never P_y − 1).
    for o in offset.iter_mut() {
        *o -= shift;
    }
    let mut f = vec![0.0; n];
    exp_vec(&offset, &mut f);
    let mut tot = vec![0.0; n];
    for c in 0..k {
        let col = col_slice(r, c);
        for ((v, fi), t) in col.iter_mut().zip(&f).zip(tot.iter_mut()) {
            let x = *v * *fi;
            *v = x;
            *t += x;
        }
    }
    for i in 0..n {
        r[(i, labels[i])] = -tot[i];
    }
    (eval, shift)
}

/// The per-sample step of [`logit_pass`], one contiguous loop on [`exp_fast`], [`ln_fast`] and
/// [`ln_1p_fast`] (no libm call, so it vectorizes): from u*_i (`mx`) and Σ_c e_ic (`sum`, replaced
/// by lsm_i) the offsets o_i, the loss terms ℓ_i (softplus(lsm_i) for the cross-entropy, e^{lsm_i}
/// for the exponential loss) and the proxy terms σ(lsm_i) = 1 − S_{y_i}.
#[inline(always)]
fn per_sample_kernel(
    mx: &[f64],
    sum: &mut [f64],
    offset: &mut [f64],
    ell: &mut [f64],
    not_y: &mut [f64],
    loss: Loss,
) {
    let cross_entropy = loss == Loss::CrossEntropy;
    for ((((&m, s), o), l), p) in mx
        .iter()
        .zip(sum.iter_mut())
        .zip(offset.iter_mut())
        .zip(ell.iter_mut())
        .zip(not_y.iter_mut())
    {
        let lsm = m + ln_fast(*s);
        *s = lsm;
        let q = exp_fast(-lsm.abs());
        let sp_pos = lsm.max(0.0) + ln_1p_fast(q);
        *p = if lsm <= 0.0 {
            q / (1.0 + q)
        } else {
            1.0 / (1.0 + q)
        };
        if cross_entropy {
            *o = m - sp_pos;
            *l = sp_pos;
        } else {
            *o = m;
            *l = exp_fast(lsm);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn logit_pass_avx2(z: &mut Mat<f64>, labels: &[usize], loss: Loss) -> (Evaluation, f64) {
    logit_pass(z, labels, loss)
}

/// [`logit_pass`] for a model whose logits come from elsewhere (the two-layer network): Z (n×k)
/// becomes R̃ with ∂L/∂Z = (1/n)·e^{s}·R̃; returns the evaluation and s. Cross-entropy or
/// exponential loss. AVX2 when the CPU has it (bit-identical either way).
pub(crate) fn logit_residuals(z: &mut Mat<f64>, labels: &[usize], loss: Loss) -> (Evaluation, f64) {
    assert!(
        loss != Loss::PairLog && labels.len() == z.nrows(),
        "logit_residuals: cross-entropy or exponential loss and one label per row of Z"
    );
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { logit_pass_avx2(z, labels, loss) };
    }
    logit_pass(z, labels, loss)
}

/// e^x for f64, written so that loops over slices vectorize: Cody–Waite reduction
/// x = k·ln 2 + r (|r| ≤ ln 2 / 2), the degree-13 Taylor polynomial of e^r (truncation
/// < 1e-17 relative) in Estrin form, and 2^k assembled from its bits. Within 4 ulp of libm's
/// `exp` (tested); e^x = 0 for x < −708 (the subnormal range is flushed: a residual that small
/// is below the rounding of the largest residual, which is 1 after the shift), +∞ above ln(f64::MAX),
/// NaN for NaN. No fused multiply–add, so results do not depend on the CPU.
#[inline(always)]
pub fn exp_fast(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // 1.5·2^52: adding and subtracting it rounds to the nearest integer
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    // fdlibm's split of ln 2: LN2_HI has 32 trailing zero bits, so k·LN2_HI is exact
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const LN_MAX: f64 = 709.782_712_893_384;
    let xc = x.clamp(-708.0, LN_MAX); // NaN stays NaN
    let t = xc * LOG2E + SHIFT;
    let kf = t - SHIFT;
    let r = (xc - kf * LN2_HI) - kf * LN2_LO;
    // Estrin's scheme (depth 4 instead of Horner's 13: the loop is throughput-, not latency-bound)
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let p01 = 1.0 + r;
    let p23 = 0.5 + r * (1.0 / 6.0);
    let p45 = 1.0 / 24.0 + r * (1.0 / 120.0);
    let p67 = 1.0 / 720.0 + r * (1.0 / 5_040.0);
    let p89 = 1.0 / 40_320.0 + r * (1.0 / 362_880.0);
    let p1011 = 1.0 / 3_628_800.0 + r * (1.0 / 39_916_800.0);
    let p1213 = 1.0 / 479_001_600.0 + r * (1.0 / 6_227_020_800.0);
    let q0 = p01 + p23 * r2;
    let q1 = p45 + p67 * r2;
    let q2 = p89 + p1011 * r2;
    let p = (q0 + q1 * r4) + (q2 + p1213 * r4) * r8;
    // k sits in the low mantissa bits of t (offset by SHIFT's bits)
    let k = t.to_bits().wrapping_sub(SHIFT.to_bits());
    // 2^k = 2^{k−1}·2 keeps the exponent field in range up to k = 1024
    let half = f64::from_bits(k.wrapping_add(1022) << 52);
    let y = p * half * 2.0;
    if x < -708.0 {
        0.0
    } else if x > LN_MAX {
        f64::INFINITY
    } else {
        y
    }
}

/// ln x for f64, written so that loops over slices vectorize: fdlibm's `e_log.c` algorithm
/// (x = 2^e·m with m ∈ [√2/2, √2), f = m − 1, s = f/(2 + f), ln m = f − f²/2 + s(f²/2 + R(s²))
/// with fdlibm's degree-7 minimax R, then e·ln 2 added in two parts), branch-free, with e turned
/// into a double by the 2^52 bit trick instead of an integer conversion (which AVX2 lacks). Within
/// 2 ulp of libm's `ln` (tested); subnormals are scaled by 2^54 first; ln 0 = −∞, ln ∞ = ∞,
/// NaN for x < 0 or NaN. No fused multiply–add, so results do not depend on the CPU.
#[inline(always)]
pub fn ln_fast(x: f64) -> f64 {
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const LG1: f64 = 6.666_666_666_666_735e-1;
    const LG2: f64 = 3.999_999_999_940_942e-1;
    const LG3: f64 = 2.857_142_874_366_239e-1;
    const LG4: f64 = 2.222_219_843_214_978_4e-1;
    const LG5: f64 = 1.818_357_216_161_805e-1;
    const LG6: f64 = 1.531_383_769_920_937_3e-1;
    const LG7: f64 = 1.479_819_860_511_658_6e-1;
    const TWO52: f64 = 4_503_599_627_370_496.0;
    // subnormals: x·2^54 is normal, and 54 comes off the exponent
    let tiny = x < f64::MIN_POSITIVE;
    let xs = if tiny {
        x * 18_014_398_509_481_984.0
    } else {
        x
    };
    let bits = xs.to_bits();
    // the mantissa with the exponent of 1 (m ∈ [1, 2)), halved when above √2 (0x6a09e: √2's top bits)
    let hi_mant = bits & 0x000f_ffff_ffff_ffff;
    let big = hi_mant > 0x0006_a09e_667f_3bcc;
    let m = f64::from_bits(
        hi_mant
            | if big {
                0x3fe0_0000_0000_0000
            } else {
                0x3ff0_0000_0000_0000
            },
    );
    // e = biased exponent − 1023 (+1 when m was halved, −54 for subnormals), as a double
    let biased = (bits >> 52) & 0x7ff;
    let ef = f64::from_bits(TWO52.to_bits() | biased) - TWO52;
    let e = ef - 1023.0 + if big { 1.0 } else { 0.0 } - if tiny { 54.0 } else { 0.0 };
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    let y = e * LN2_HI - ((hfsq - (s * (hfsq + r) + e * LN2_LO)) - f);
    if x > 0.0 && x < f64::INFINITY {
        y
    } else if x == 0.0 {
        f64::NEG_INFINITY
    } else if x == f64::INFINITY {
        x
    } else {
        f64::NAN
    }
}

/// ln(1 + q) for q ≥ 0 on [`ln_fast`]: with u = 1 + q rounded, ln(1 + q) = ln u − ((u − 1) − q)/u
/// (the rounding error of u corrected to first order), within 4 ulp of libm's `ln_1p` on [0, 1]
/// (tested).
#[inline(always)]
pub fn ln_1p_fast(q: f64) -> f64 {
    let u = 1.0 + q;
    ln_fast(u) - ((u - 1.0) - q) / u
}

#[inline(always)]
fn exp_vec_kernel(x: &[f64], out: &mut [f64]) {
    for (o, &v) in out.iter_mut().zip(x) {
        *o = exp_fast(v);
    }
}

#[inline(always)]
fn exp_shifted_accumulate_kernel(col: &mut [f64], shift: &[f64], sum: &mut [f64]) {
    for ((v, m), s) in col.iter_mut().zip(shift).zip(sum.iter_mut()) {
        let e = exp_fast(*v - *m);
        *v = e;
        *s += e;
    }
}

// The same kernels compiled for AVX2 (4 lanes instead of SSE2's 2). Only the vector width
// changes: every operation is an IEEE add, multiply, compare, select or integer shift (no fused
// multiply–add), so the results are bit-identical to the baseline build.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn exp_vec_avx2(x: &[f64], out: &mut [f64]) {
    exp_vec_kernel(x, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn exp_shifted_accumulate_avx2(col: &mut [f64], shift: &[f64], sum: &mut [f64]) {
    exp_shifted_accumulate_kernel(col, shift, sum)
}

/// out_i = e^{x_i} ([`exp_fast`] over a slice; vectorized, AVX2 when the CPU has it).
pub fn exp_vec(x: &[f64], out: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { exp_vec_avx2(x, out) };
    }
    exp_vec_kernel(x, out)
}

/// col_i ← e^{col_i − shift_i}, sum_i += col_i (one column of the pair exponentials).
fn exp_shifted_accumulate(col: &mut [f64], shift: &[f64], sum: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { exp_shifted_accumulate_avx2(col, shift, sum) };
    }
    exp_shifted_accumulate_kernel(col, shift, sum)
}

fn normalize(margin: f64, norm: f64) -> f64 {
    if norm == 0.0 {
        0.0
    } else {
        margin / norm
    }
}

/// The correlation ⟨W, V⟩/(‖W‖_F ‖V‖_F) of Fan et al., Fig. 2; 0 if either is 0.
pub fn correlation(w: MatRef<'_, f64>, v: MatRef<'_, f64>) -> f64 {
    let (a, b) = (w.norm_l2(), v.norm_l2());
    if a == 0.0 || b == 0.0 {
        0.0
    } else {
        crate::norms::inner(w, v) / (a * b)
    }
}

/// A multiclass evaluation and its scaled gradient as the [`Model`] answer (one block, ∇L = e^{s}·G̃).
pub(crate) fn evaluated(e: Evaluation, sg: ScaledGradient) -> Evaluated<Evaluation> {
    Evaluated {
        loss: e.loss,
        log_loss: e.log_loss,
        grads: vec![sg.direction],
        log_scale: sg.log_scale,
        measures: e,
    }
}

/// W ∈ R^{k×d} as one parameter block; [`Model::evaluate`] is
/// [`Multiclass::evaluate_with_gradient`] (∇L = e^{s}·G̃ with s the max log-residual), and its
/// measures are the loss, proxy and minimum margin.
impl Model for Multiclass {
    type Measures = Evaluation;
    fn shapes(&self) -> Vec<(usize, usize)> {
        vec![self.shape()]
    }
    fn evaluate(&self, params: &[Mat<f64>]) -> Evaluated<Evaluation> {
        let (e, sg) = self.evaluate_with_gradient(params[0].as_ref());
        evaluated(e, sg)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    /// Gaussian clusters: k centres ~ N(0, I_d), points ~ N(centre, σ²I), `per` per class.
    pub(crate) fn clusters(
        k: usize,
        d: usize,
        per: usize,
        sigma: f64,
        seed: u64,
    ) -> (Mat<f64>, Vec<usize>) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let centres = Mat::<f64>::from_fn(k, d, |_, _| StandardNormal.sample(&mut rng));
        let n = k * per;
        let y: Vec<usize> = (0..n).map(|i| i % k).collect();
        let x = Mat::<f64>::from_fn(n, d, |_, _| 0.0);
        let mut x = x;
        for i in 0..n {
            for j in 0..d {
                let e: f64 = StandardNormal.sample(&mut rng);
                x[(i, j)] = centres[(y[i], j)] + sigma * e;
            }
        }
        (x, y)
    }

    /// PLANTED BUG (file 00, gotcha 7.1): the textbook gradient (softmax − onehot)ᵀH/n, with the
    /// correct-class residual P_y − 1, which rounds to 0 once the loss is below ~1e-16.
    pub(crate) fn naive_softmax_gradient(
        p: &Multiclass,
        w: MatRef<'_, f64>,
    ) -> (Evaluation, ScaledGradient) {
        let z = p.logits(w);
        let (n, k, d) = (p.n(), p.k(), p.d());
        let mut r = Mat::<f64>::zeros(n, k);
        for i in 0..n {
            let m = (0..k).map(|c| z[(i, c)]).fold(f64::NEG_INFINITY, f64::max);
            let s: f64 = (0..k).map(|c| (z[(i, c)] - m).exp()).sum();
            for c in 0..k {
                r[(i, c)] = (z[(i, c)] - m).exp() / s - f64::from(u8::from(c == p.labels()[i]));
            }
        }
        let g = Mat::from_fn(k, d, |c, j| {
            (0..n).map(|i| r[(i, c)] * p.data()[(i, j)]).sum::<f64>() / n as f64
        });
        (
            p.evaluate(w),
            ScaledGradient {
                direction: g,
                log_scale: 0.0,
            },
        )
    }

    fn random_w(k: usize, d: usize, s: f64, rng: &mut ChaCha8Rng) -> Mat<f64> {
        Mat::from_fn(k, d, |_, _| {
            let e: f64 = StandardNormal.sample(rng);
            s * e
        })
    }

    /// The textbook loss in plain f64, for comparison at moderate margins.
    fn naive_loss(p: &Multiclass, w: MatRef<'_, f64>) -> f64 {
        let z = p.logits(w);
        let mut total = 0.0;
        for i in 0..p.n() {
            let y = p.labels()[i];
            let mut l = 0.0;
            match p.loss_kind() {
                Loss::CrossEntropy => {
                    let s: f64 = (0..p.k()).map(|c| z[(i, c)].exp()).sum();
                    l = -(z[(i, y)].exp() / s).ln();
                }
                Loss::Exponential => {
                    for c in (0..p.k()).filter(|&c| c != y) {
                        l += (-(z[(i, y)] - z[(i, c)])).exp();
                    }
                }
                Loss::PairLog => {
                    for c in (0..p.k()).filter(|&c| c != y) {
                        l += (1.0 + (-(z[(i, y)] - z[(i, c)])).exp()).ln();
                    }
                }
            }
            total += l;
        }
        total / p.n() as f64
    }

    #[test]
    fn gradients_match_central_differences_for_every_loss() {
        let (x, y) = clusters(3, 4, 5, 0.5, 1);
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        for loss in [Loss::CrossEntropy, Loss::Exponential, Loss::PairLog] {
            let p = Multiclass::new(x.clone(), y.clone(), 3, loss).unwrap();
            for s in [0.1, 1.0] {
                let w = random_w(3, 4, s, &mut rng);
                let g = p.gradient(w.as_ref());
                let f0 = p.loss(w.as_ref());
                // the one-pass evaluation agrees with the separate one
                let (a, b) = (
                    p.evaluate(w.as_ref()),
                    p.evaluate_with_gradient(w.as_ref()).0,
                );
                for (x, y) in [
                    (a.log_loss, b.log_loss),
                    (a.log_proxy, b.log_proxy),
                    (a.min_margin, b.min_margin),
                ] {
                    assert!(
                        (x - y).abs() <= 1e-12 * (1.0 + x.abs()),
                        "{loss:?}: {x} vs {y}"
                    );
                }
                assert!((f0 - naive_loss(&p, w.as_ref())).abs() <= 1e-12 * f0.max(1.0));
                let h = 1e-6;
                let mut worst: f64 = 0.0;
                for a in 0..3 {
                    for b in 0..4 {
                        let mut wp = w.clone();
                        wp[(a, b)] += h;
                        let mut wm = w.clone();
                        wm[(a, b)] -= h;
                        let fd = (p.loss(wp.as_ref()) - p.loss(wm.as_ref())) / (2.0 * h);
                        worst = worst.max((fd - g[(a, b)]).abs() / (1.0 + g[(a, b)].abs()));
                    }
                }
                assert!(worst < 1e-7, "{loss:?} s={s}: worst fd error {worst}");
            }
        }
    }

    #[test]
    fn tiny_losses_keep_their_gradient_direction() {
        // W = 50·V for a separating V: losses near e^{-50·margin} ≪ 1e-16.
        let (x, y) = clusters(3, 4, 5, 0.1, 3);
        let p = Multiclass::new(x, y, 3, Loss::CrossEntropy).unwrap();
        // a separating direction: the class means (tight clusters around far-apart centres)
        let mut v = Mat::<f64>::zeros(3, 4);
        for i in 0..p.n() {
            for j in 0..4 {
                v[(p.labels()[i], j)] += p.data()[(i, j)];
            }
        }
        let m1 = p.min_margin(v.as_ref());
        assert!(
            m1 > 0.0,
            "the test data must be separated by the class means"
        );
        let w_small = Mat::from_fn(3, 4, |i, j| v[(i, j)] * (5.0 / m1));
        let w_big = Mat::from_fn(3, 4, |i, j| v[(i, j)] * (2000.0 / m1));
        for w in [&w_small, &w_big] {
            let (e, sg) = p.evaluate_with_gradient(w.as_ref());
            // log-loss finite and ≈ −(min margin) up to log factors
            assert!(e.log_loss.is_finite());
            assert!(e.log_proxy <= e.log_loss + 1e-12 && e.log_loss <= e.log_proxy + (2.0f64).ln());
            // every row of the scaled residual sums to zero ⇒ columns of G̃ sum to zero
            for j in 0..4 {
                let s: f64 = (0..3).map(|c| sg.direction[(c, j)]).sum();
                let scale: f64 = (0..3).map(|c| sg.direction[(c, j)].abs()).sum();
                assert!(
                    s.abs() <= 1e-14 * scale.max(1e-300),
                    "column {j} sums to {s}"
                );
            }
            assert!(sg.direction.norm_l2() > 0.0);
        }
        // the loss of the big W underflows to exactly 0, the direction does not
        let e_big = p.evaluate(w_big.as_ref());
        assert_eq!(e_big.loss, 0.0);
        assert!((e_big.log_loss + e_big.min_margin).abs() < 5.0);
    }

    #[test]
    fn direction_is_scale_consistent_with_the_exact_gradient() {
        let (x, y) = clusters(4, 3, 6, 0.3, 5);
        let p = Multiclass::new(x, y, 4, Loss::CrossEntropy).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let w = random_w(4, 3, 1.0, &mut rng);
        let sg = p.grad_direction_scaled(w.as_ref());
        let g = p.gradient(w.as_ref());
        let gs = sg.gradient();
        for i in 0..4 {
            for j in 0..3 {
                assert!((g[(i, j)] - gs[(i, j)]).abs() <= 1e-15 * g.norm_l2());
            }
        }
        let _ = rng.random::<f64>();
    }

    #[test]
    fn fast_exp_is_within_four_ulp_of_libm() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut worst: f64 = 0.0;
        for _ in 0..200_000 {
            let x: f64 = rng.random_range(-708.0..709.78);
            let (a, b) = (exp_fast(x), x.exp());
            worst = worst.max((a - b).abs() / b);
        }
        for x in [0.0, -0.0, 1.0, -1.0, 0.3465, -0.3466, 1e-300, -707.9, 709.0] {
            let (a, b) = (exp_fast(x), f64::exp(x));
            worst = worst.max((a - b).abs() / b);
        }
        assert!(worst <= 4.0 * f64::EPSILON, "worst relative error {worst}");
        assert_eq!(exp_fast(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp_fast(-800.0), 0.0);
        assert_eq!(exp_fast(800.0), f64::INFINITY);
        assert!(exp_fast(f64::NAN).is_nan());
        let xs = [-3.0, 0.5, f64::NEG_INFINITY];
        let mut out = [0.0; 3];
        exp_vec(&xs, &mut out);
        assert_eq!(out, [exp_fast(-3.0), exp_fast(0.5), 0.0]);
    }

    /// ln_fast within 2 ulp of libm's `ln` (fdlibm's algorithm is < 1 ulp from the true value, and
    /// so is libm), ln_1p_fast within 4 ulp of `ln_1p` on q ∈ [0, 1] (the domain of the
    /// per-sample pass: one more rounding, in u = 1 + q, corrected to first order).
    #[test]
    fn fast_ln_and_ln_1p_are_within_a_few_ulp_of_libm() {
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let (mut worst_ln, mut worst_ln1p): (f64, f64) = (0.0, 0.0);
        for _ in 0..200_000 {
            let x = 10f64.powf(rng.random_range(-310.0..308.0));
            let near_one = 1.0 + rng.random_range(-0.5..0.5) * 10f64.powi(-rng.random_range(0..17));
            for x in [x, near_one] {
                let (a, b) = (ln_fast(x), x.ln());
                worst_ln =
                    worst_ln.max((a - b).abs() / (b.abs() * f64::EPSILON).max(f64::MIN_POSITIVE));
            }
            let q = 10f64.powf(rng.random_range(-320.0..0.0));
            let (a, b) = (ln_1p_fast(q), q.ln_1p());
            worst_ln1p =
                worst_ln1p.max((a - b).abs() / (b.abs() * f64::EPSILON).max(f64::MIN_POSITIVE));
        }
        assert!(worst_ln <= 2.0, "ln: worst error {worst_ln} ulp");
        assert!(worst_ln1p <= 4.0, "ln_1p: worst error {worst_ln1p} ulp");
        for x in [
            1.0,
            2.0,
            0.5,
            std::f64::consts::SQRT_2,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
        ] {
            let (a, b) = (ln_fast(x), x.ln());
            assert!(
                (a - b).abs() <= 2.0 * b.abs() * f64::EPSILON,
                "ln({x}) = {a}, libm {b}"
            );
        }
        assert_eq!(ln_fast(1.0), 0.0);
        assert_eq!(ln_fast(0.0), f64::NEG_INFINITY);
        assert_eq!(ln_fast(f64::INFINITY), f64::INFINITY);
        assert!(ln_fast(-1.0).is_nan() && ln_fast(f64::NAN).is_nan());
        assert_eq!(ln_1p_fast(0.0), 0.0);
        assert_eq!(ln_1p_fast(1.0), std::f64::consts::LN_2);
    }

    #[test]
    fn vectorized_pass_matches_the_pairwise_pass() {
        // the column-wise pass against the per-pair reference, at moderate and astronomically
        // small losses (W scaled until L underflows)
        let (x, y) = clusters(4, 5, 7, 0.2, 13);
        let mut rng = ChaCha8Rng::seed_from_u64(14);
        for loss in [Loss::CrossEntropy, Loss::Exponential] {
            let p = Multiclass::new(x.clone(), y.clone(), 4, loss).unwrap();
            let mut v = Mat::<f64>::zeros(4, 5);
            for i in 0..p.n() {
                for j in 0..5 {
                    v[(p.labels()[i], j)] += p.data()[(i, j)];
                }
            }
            let m1 = p.min_margin(v.as_ref());
            let mut ws = vec![random_w(4, 5, 0.7, &mut rng)];
            for scale in [1.0, 40.0, 900.0, 3000.0] {
                ws.push(Mat::from_fn(4, 5, |a, b| v[(a, b)] * (scale / m1)));
            }
            for w in &ws {
                let (e1, g1) = p.evaluate_with_gradient(w.as_ref());
                let (e2, g2) = p.evaluate_with_gradient_pairwise(w.as_ref());
                let rel = |a: f64, b: f64| (a - b).abs() / (1.0 + a.abs().max(b.abs()));
                assert!(
                    rel(e1.log_loss, e2.log_loss) <= 1e-13,
                    "{loss:?} {e1:?} {e2:?}"
                );
                assert!(
                    rel(e1.log_proxy, e2.log_proxy) <= 1e-13,
                    "{loss:?} {e1:?} {e2:?}"
                );
                assert_eq!(e1.min_margin, e2.min_margin);
                assert!(rel(g1.log_scale, g2.log_scale) <= 1e-13);
                let diff = Mat::from_fn(4, 5, |a, b| g1.direction[(a, b)] - g2.direction[(a, b)]);
                assert!(
                    diff.norm_l2() <= 1e-13 * g2.direction.norm_l2(),
                    "{loss:?}: direction differs by {}",
                    diff.norm_l2()
                );
            }
        }
    }

    #[test]
    fn bad_inputs_are_input_errors() {
        let x = Mat::<f64>::zeros(2, 2);
        assert!(Multiclass::new(x.clone(), vec![0, 1], 1, Loss::CrossEntropy).is_err());
        assert!(Multiclass::new(x.clone(), vec![0, 2], 2, Loss::CrossEntropy).is_err());
        assert!(Multiclass::new(x.clone(), vec![0], 2, Loss::CrossEntropy).is_err());
        let mut xn = x.clone();
        xn[(1, 1)] = f64::NAN;
        let e = Multiclass::new(xn, vec![0, 1], 2, Loss::CrossEntropy).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(Loss::parse("hinge").is_err());
    }

    #[test]
    fn correlation_and_pair_matrices() {
        let (x, y) = clusters(3, 2, 2, 0.3, 7);
        let p = Multiclass::new(x, y, 3, Loss::CrossEntropy).unwrap();
        let w = Mat::from_fn(3, 2, |i, j| (i as f64) - (j as f64) * 0.5);
        let m = p.pair_margins(w.as_ref());
        for i in 0..p.n() {
            for c in 0..3 {
                if c != p.labels()[i] {
                    let a = p.pair_matrix(i, c);
                    assert!(
                        (crate::norms::inner(a.as_ref(), w.as_ref()) - m[(i, c)]).abs() < 1e-13
                    );
                }
            }
        }
        assert!((correlation(w.as_ref(), w.as_ref()) - 1.0).abs() < 1e-15);
        let neg = Mat::from_fn(3, 2, |i, j| -w[(i, j)]);
        assert!((correlation(w.as_ref(), neg.as_ref()) + 1.0).abs() < 1e-15);
        assert_eq!(
            correlation(w.as_ref(), Mat::<f64>::zeros(3, 2).as_ref()),
            0.0
        );
    }
}
