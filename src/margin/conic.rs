//! A small builder for conic programs handed to the Clarabel interior-point solver
//! (Goulart & Chen 2024, <https://github.com/oxfordcontrol/Clarabel.rs>):
//!
//! minimize qᵀx subject to s = b − A x ∈ K, K a product of zero, nonnegative, second-order,
//! power and PSD-triangle cones.
//!
//! Each cone block is given as a list of affine expressions e_r(x) = Σ a_rj x_j + c_r with the
//! meaning (e_1(x), …, e_m(x)) ∈ K, so the rows are A_r = −a_r and b_r = c_r. The dual variable z of
//! a block lies in the dual cone; for a nonnegative block of constraints e_r(x) ≥ 0 it is the
//! Lagrange multiplier of each constraint.
//!
//! Setting the environment variable `STEEPEST_CLARABEL_VERBOSE` prints Clarabel's iteration log
//! (on stdout: for diagnosis only, not with `steepest margin` when its JSON goes to stdout).

use crate::error::{Error, Result};
use clarabel::algebra::CscMatrix;
use clarabel::solver::{DefaultSettings, DefaultSolver, IPSolver, SolverStatus, SupportedConeT};

// OpenBLAS (linked through `openblas-src` for Clarabel's PSD cone) starts one thread per core
// and spins them in every dense kernel. The PSD blocks here are small, and on machines where
// vCPUs share a core (../shared/notes/faer.md) the threads cost far more wall time than they save:
// a paper-size nuclear-norm solve measured 0.9 s of CPU but 9–42 s of wall time under load with
// threaded OpenBLAS, 4.6 s with one thread. Sweeps parallelize over independent solves instead.
extern "C" {
    fn openblas_set_num_threads(num_threads: std::os::raw::c_int);
    #[cfg(test)]
    fn openblas_get_num_threads() -> std::os::raw::c_int;
}

/// Pin OpenBLAS to one thread (once per process).
fn single_threaded_blas() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: plain C calls into the linked OpenBLAS with a valid thread count; they take no
    // pointers and OpenBLAS documents them as callable at any time outside its kernels.
    ONCE.call_once(|| unsafe { openblas_set_num_threads(1) });
}

/// The number of threads OpenBLAS will use (1 once a conic program has been solved).
#[cfg(test)]
pub fn blas_threads() -> usize {
    // SAFETY: a plain C getter without arguments.
    unsafe { openblas_get_num_threads() as usize }
}

/// An affine expression Σ a_j x_j + c.
#[derive(Debug, Clone, Default)]
pub(crate) struct Affine {
    pub terms: Vec<(usize, f64)>,
    pub constant: f64,
}

impl Affine {
    /// The constant c.
    pub fn constant(c: f64) -> Self {
        Self {
            terms: Vec::new(),
            constant: c,
        }
    }
    /// a·x_j.
    pub fn var(j: usize, a: f64) -> Self {
        Self {
            terms: vec![(j, a)],
            constant: 0.0,
        }
    }
    /// Add a·x_j.
    pub fn plus(mut self, j: usize, a: f64) -> Self {
        self.terms.push((j, a));
        self
    }
}

/// A conic program under construction.
#[derive(Debug, Default)]
pub(crate) struct Program {
    nvar: usize,
    q: Vec<f64>,
    rows_i: Vec<usize>,
    rows_j: Vec<usize>,
    rows_v: Vec<f64>,
    b: Vec<f64>,
    cones: Vec<SupportedConeT<f64>>,
}

/// What the solver returned.
#[derive(Debug, Clone)]
pub(crate) struct Solution {
    pub status: SolverStatus,
    pub x: Vec<f64>,
    pub z: Vec<f64>,
    pub objective: f64,
    pub iterations: u32,
}

impl Solution {
    /// Solved to full or reduced accuracy.
    pub fn solved(&self) -> bool {
        matches!(
            self.status,
            SolverStatus::Solved | SolverStatus::AlmostSolved
        )
    }
    /// Certified (possibly to reduced accuracy) primal infeasibility.
    pub fn infeasible(&self) -> bool {
        matches!(
            self.status,
            SolverStatus::PrimalInfeasible | SolverStatus::AlmostPrimalInfeasible
        )
    }
}

impl Program {
    /// `n` variables, zero objective.
    pub fn new(n: usize) -> Self {
        Self {
            nvar: n,
            q: vec![0.0; n],
            ..Self::default()
        }
    }
    /// A new variable; returns its index.
    pub fn add_var(&mut self) -> usize {
        self.nvar += 1;
        self.q.push(0.0);
        self.nvar - 1
    }
    /// `m` new variables; returns the index of the first.
    pub fn add_vars(&mut self, m: usize) -> usize {
        let first = self.nvar;
        for _ in 0..m {
            self.add_var();
        }
        first
    }
    /// Set the objective coefficient of x_j.
    pub fn cost(&mut self, j: usize, c: f64) {
        self.q[j] = c;
    }
    /// Append the block (e_1(x), …, e_m(x)) ∈ cone; returns the index of its first row.
    pub fn block(&mut self, cone: SupportedConeT<f64>, exprs: Vec<Affine>) -> usize {
        let first = self.b.len();
        for e in exprs {
            let r = self.b.len();
            for (j, a) in e.terms {
                self.rows_i.push(r);
                self.rows_j.push(j);
                self.rows_v.push(-a);
            }
            self.b.push(e.constant);
        }
        self.cones.push(cone);
        first
    }
    /// e_r(x) ≥ 0 for every r; returns the first row.
    pub fn nonneg(&mut self, exprs: Vec<Affine>) -> usize {
        let m = exprs.len();
        self.block(SupportedConeT::NonnegativeConeT(m), exprs)
    }

    /// Solve with Clarabel at tolerance `tol` (gap and feasibility).
    pub fn solve(&self, tol: f64, max_iter: u32) -> Result<Solution> {
        let m = self.b.len();
        let n = self.nvar;
        let a = CscMatrix::new_from_triplets(
            m,
            n,
            self.rows_i.clone(),
            self.rows_j.clone(),
            self.rows_v.clone(),
        );
        let p = CscMatrix::zeros((n, n));
        let settings = DefaultSettings {
            verbose: std::env::var_os("STEEPEST_CLARABEL_VERBOSE").is_some(),
            max_iter,
            tol_gap_abs: tol,
            tol_gap_rel: tol,
            tol_feas: tol,
            tol_ktratio: 1e-7,
            max_threads: 1,
            ..DefaultSettings::default()
        };
        single_threaded_blas();
        let mut solver = DefaultSolver::new(&p, &self.q, &a, &self.b, &self.cones, settings)
            .map_err(|e| Error::failed(format!("conic solver set-up failed: {e}")))?;
        solver.solve();
        let s = &solver.solution;
        Ok(Solution {
            status: s.status,
            x: s.x.clone(),
            z: s.z.clone(),
            objective: s.obj_val,
            iterations: s.iterations,
        })
    }
}

/// The index of entry (i, j), i ≤ j, of a symmetric matrix in Clarabel's PSD-triangle vector
/// (upper triangle, column by column).
pub(crate) fn svec_index(i: usize, j: usize) -> usize {
    let (i, j) = if i <= j { (i, j) } else { (j, i) };
    j * (j + 1) / 2 + i
}

/// The PSD block [e_ij] ⪰ 0 of a symmetric m × m matrix given by `entry(i, j)` for i ≤ j
/// (affine expressions; off-diagonal entries are scaled by √2 as Clarabel's svec requires).
pub(crate) fn psd_block(
    prog: &mut Program,
    m: usize,
    mut entry: impl FnMut(usize, usize) -> Affine,
) -> usize {
    let mut exprs = vec![Affine::default(); m * (m + 1) / 2];
    for j in 0..m {
        for i in 0..=j {
            let mut e = entry(i, j);
            if i != j {
                let r2 = std::f64::consts::SQRT_2;
                e.constant *= r2;
                for t in &mut e.terms {
                    t.1 *= r2;
                }
            }
            exprs[svec_index(i, j)] = e;
        }
    }
    prog.block(SupportedConeT::PSDTriangleConeT(m), exprs)
}
