//! The initialization W_0 of a training run and the seeds that draw it (`steepest train --init
//! normal:std=S --seeds A..B`).

use crate::error::{Error, Result};
use faer::Mat;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

/// The most seeds one call accepts (`--seeds`): 10⁴ (more is a typo such as 0..10000000).
pub const MAX_SEEDS: usize = 10_000;

/// How W_0 is chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// W_0 = 0 (deterministic: the implicit-bias theorems' start).
    Zero,
    /// W_0 with entries i.i.d. N(0, std²), drawn by ChaCha8 seeded with the run's seed.
    Normal {
        /// The standard deviation S > 0.
        std: f64,
    },
}

impl Init {
    /// Parse `zero` or `normal:std=S` (S finite, > 0).
    pub fn parse(s: &str) -> Result<Self> {
        let bad = || {
            Error::input(format!(
                "unknown --init '{s}'; use zero or normal:std=S with S > 0 (e.g. normal:std=0.01)"
            ))
        };
        match s.trim() {
            "zero" => Ok(Init::Zero),
            other => {
                let rest = other.strip_prefix("normal:std=").ok_or_else(bad)?;
                let std: f64 = rest.parse().map_err(|_| bad())?;
                if !(std.is_finite() && std > 0.0) {
                    return Err(bad());
                }
                Ok(Init::Normal { std })
            }
        }
    }

    /// The spec it was parsed from (`zero`, `normal:std=S`).
    pub fn name(&self) -> String {
        match self {
            Init::Zero => "zero".into(),
            Init::Normal { std } => format!("normal:std={std}"),
        }
    }

    /// Whether W_0 depends on the seed.
    pub fn is_random(&self) -> bool {
        matches!(self, Init::Normal { .. })
    }

    /// W_0 (k × d) for `seed`: zero, or std·z with z ~ N(0, 1) drawn row by row (W[0,0], W[0,1],
    /// …, W[1,0], …) from ChaCha8 seeded with `seed`. `None` for the zero start.
    pub fn draw(&self, k: usize, d: usize, seed: u64) -> Option<Mat<f64>> {
        match *self {
            Init::Zero => None,
            Init::Normal { std } => {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                let mut w = Mat::<f64>::zeros(k, d);
                for i in 0..k {
                    for j in 0..d {
                        let z: f64 = rng.sample(StandardNormal);
                        w[(i, j)] = std * z;
                    }
                }
                Some(w)
            }
        }
    }
}

/// Parse `--seeds`: `A..B` (A, A+1, …, B−1, as Rust ranges), `A..=B` (B included) or a comma
/// list `a,b,c` (in that order, no repeats); 1 to [`MAX_SEEDS`] seeds.
pub fn parse_seeds(s: &str) -> Result<Vec<u64>> {
    let bad = |why: &str| {
        Error::input(format!(
            "--seeds '{s}': {why}; pass a range A..B (B excluded), A..=B, or a list a,b,c of non-negative integers"
        ))
    };
    let num = |t: &str| {
        t.trim()
            .parse::<u64>()
            .map_err(|_| bad(&format!("'{}' is not a non-negative integer", t.trim())))
    };
    let seeds: Vec<u64> = if let Some((a, b)) = s.split_once("..") {
        let (b, inclusive) = match b.strip_prefix('=') {
            Some(b) => (b, true),
            None => (b, false),
        };
        let (a, b) = (num(a)?, num(b)?);
        let end = if inclusive { b.checked_add(1) } else { Some(b) };
        match end {
            Some(end) if end > a => {
                if end - a > MAX_SEEDS as u64 {
                    return Err(bad(&format!("more than {MAX_SEEDS} seeds")));
                }
                (a..end).collect()
            }
            _ => return Err(bad("the range is empty")),
        }
    } else {
        s.split(',').map(num).collect::<Result<_>>()?
    };
    if seeds.len() > MAX_SEEDS {
        return Err(bad(&format!("more than {MAX_SEEDS} seeds")));
    }
    for (i, x) in seeds.iter().enumerate() {
        if seeds[..i].contains(x) {
            return Err(bad(&format!("seed {x} is repeated")));
        }
    }
    Ok(seeds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_parse_as_documented() {
        assert_eq!(parse_seeds("0..4").unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(parse_seeds("2..=4").unwrap(), vec![2, 3, 4]);
        assert_eq!(parse_seeds("7,3, 5").unwrap(), vec![7, 3, 5]);
        assert_eq!(parse_seeds("9").unwrap(), vec![9]);
        for bad in ["4..4", "5..2", "a..3", "1,1", "-1", "0..100000", ""] {
            let e = parse_seeds(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.to_string().contains("--seeds"), "{e}");
        }
    }

    #[test]
    fn inits_parse_and_draw_reproducibly() {
        assert_eq!(Init::parse("zero").unwrap(), Init::Zero);
        assert_eq!(Init::Zero.draw(2, 3, 1), None);
        let n = Init::parse("normal:std=0.5").unwrap();
        assert_eq!(n, Init::Normal { std: 0.5 });
        assert_eq!(n.name(), "normal:std=0.5");
        let (a, b, c) = (n.draw(2, 3, 1), n.draw(2, 3, 1), n.draw(2, 3, 2));
        assert_eq!(a, b, "same seed, same W_0");
        assert_ne!(a, c, "another seed, another W_0");
        for bad in [
            "normal",
            "normal:std=0",
            "normal:std=-1",
            "normal:std=nan",
            "ones",
        ] {
            assert_eq!(Init::parse(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }
}
