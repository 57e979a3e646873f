//! Small statistics used by validators: least-squares fits on log–log points, and medians.

/// Least-squares slope of log(y) against log(x). Points with non-positive or non-finite x or y
/// are dropped; fewer than two remaining points give NaN (which fails every expectation).
pub fn loglog_slope(x: &[f64], y: &[f64]) -> f64 {
    let pts: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite() && **a > 0.0 && **b > 0.0)
        .map(|(a, b)| (a.ln(), b.ln()))
        .collect();
    linear_slope(&pts)
}

/// Least-squares slope of the points (x, y); NaN for fewer than two points or constant x.
pub fn linear_slope(pts: &[(f64, f64)]) -> f64 {
    if pts.len() < 2 {
        return f64::NAN;
    }
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if sxx == 0.0 {
        return f64::NAN;
    }
    sxy / sxx
}

/// The median of `v` (NaN for an empty slice). NaN entries sort last.
pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let m = s.len() / 2;
    if s.len() % 2 == 1 {
        s[m]
    } else {
        0.5 * (s[m - 1] + s[m])
    }
}

/// Sample mean and sample standard deviation (n − 1 in the denominator; 0 for one sample).
pub fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = if v.len() > 1 {
        (v.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    (mean, sd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_a_power_law_is_its_exponent() {
        let x: Vec<f64> = (1..50).map(|i| i as f64 * 10.0).collect();
        let y: Vec<f64> = x.iter().map(|t| 3.0 * t.powf(-0.5)).collect();
        assert!((loglog_slope(&x, &y) + 0.5).abs() < 1e-12);
        // a planted bug (the square root dropped) is seen
        let y2: Vec<f64> = x.iter().map(|t| 3.0 / t).collect();
        assert!((loglog_slope(&x, &y2) + 0.5).abs() > 0.4);
    }

    #[test]
    fn degenerate_fits_are_nan() {
        assert!(loglog_slope(&[1.0], &[1.0]).is_nan());
        assert!(linear_slope(&[(1.0, 1.0), (1.0, 2.0)]).is_nan());
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
    }
}
