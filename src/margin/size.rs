//! The memory estimate of a multiclass max-margin program, checked before anything of that size
//! is allocated.

use super::{span, Geometry};
use crate::error::Result;

/// Bytes per stored entry of a constraint row: the builder's (index, value) term (16 B), its
/// triplet (24 B) and the triplet copy handed to the CSC constructor (24 B), the CSC entry
/// (16 B) and Clarabel's KKT copy (16 B).
const BYTES_PER_ENTRY: u64 = 96;

/// Copies of a PSD cone's dense S × S scaling block in the estimate, S = m(m+1)/2 for a cone of
/// order m (from the measured peak RSS of the nuclear program at k + d = 122: 2.4 GB against
/// 8·S² = 450 MB).
const PSD_BLOCKS: u64 = 6;

/// 8·S²·[`PSD_BLOCKS`] bytes for a dense PSD cone of order m, `None` on overflow.
fn psd_bytes(m: u64) -> Option<u64> {
    let s = m.checked_mul(m + 1)? / 2;
    s.checked_mul(s)?.checked_mul(8 * PSD_BLOCKS)
}

/// Estimated peak bytes of the max-margin program for n samples, k classes, d features in the
/// geometry `g`, `None` if the count overflows u64:
///
/// * the pair list with its margins, 32 B a pair, and three n × d copies of the data (scaled,
///   reduced, margins);
/// * n(k−1) margin rows of 2d′ entries each, d′ = min(n, d) for unitarily invariant norms (the
///   row-span reduction, [`span`]) and d′ = d otherwise, plus the epigraph's ≤ 4kd′ entries, at
///   [`BYTES_PER_ENTRY`] each;
/// * nuclear: the dense PSD cone [[U, W], [Wᵀ, V]] of order k + d′;
/// * spectral: [[tI, W], [Wᵀ, tI]] is sparse, and Clarabel's chordal decomposition splits it
///   into d′ cliques of order k + 1 (the t I_d block is diagonal), each a dense PSD block.
pub(super) fn program_bytes(n: u64, k: u64, d: u64, g: Geometry) -> Option<u64> {
    let dr = if span::applies(g) { n.min(d) } else { d };
    let pairs = n.checked_mul(k.saturating_sub(1))?;
    let mut total = pairs
        .checked_mul(32)?
        .checked_add(n.checked_mul(d)?.checked_mul(24)?)?;
    let entries = pairs
        .checked_mul(2)?
        .checked_mul(dr)?
        .checked_add(k.checked_mul(dr)?.checked_mul(4)?)?;
    total = total.checked_add(entries.checked_mul(BYTES_PER_ENTRY)?)?;
    let cone = match g {
        Geometry::Schatten(1.0) => psd_bytes(k.checked_add(dr)?)?,
        Geometry::Schatten(p) if p.is_infinite() => psd_bytes(k + 1)?.checked_mul(dr)?,
        _ => 0,
    };
    total.checked_add(cone)
}

/// Refuse a max-margin program that would not fit in memory (more than
/// [`crate::io::memory_limit`]), from (n, k, d, norm) alone and before it is built: an input
/// error naming the size, the estimate and the fix.
pub fn check_program_size(n: usize, k: usize, d: usize, norm: &str) -> Result<()> {
    let g = Geometry::matrix(norm)?;
    let (n, k, d) = (n as u64, k as u64, d as u64);
    let dr = if span::applies(g) { n.min(d) } else { d };
    let mut what = format!("max-margin in '{norm}' on n = {n}, d = {d}, k = {k}");
    let fix = match g {
        Geometry::Schatten(1.0) => {
            what.push_str(&format!(
                " (a dense PSD cone of order k + min(n, d) = {})",
                k.saturating_add(dr)
            ));
            "give fewer samples or features (the nuclear cone's memory grows as (k + min(n, d))⁴), or use a norm without a dense PSD cone (spectral, fro, max, sum)"
        }
        _ if span::applies(g) => {
            "give fewer samples or classes (the program has n(k − 1) margin rows of 2·min(n, d) entries)"
        }
        _ => {
            "give fewer samples, classes or features (the program has n(k − 1) margin rows of 2d entries), or use a unitarily invariant norm (fro, spectral, nuclear), whose program shrinks to the span of the data"
        }
    };
    crate::io::check_size(&what, program_bytes(n, k, d, g), fix)
}
