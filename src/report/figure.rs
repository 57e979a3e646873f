//! A figure as data: panels of series on linear or logarithmic axes, every label written once in
//! TeX. The same [`Figure`] is rendered to SVG for quick looks ([`super::svg`]) and to pgfplots
//! with its CSV data for papers ([`super::pgf`]), so the two agree on ranges, ticks, legend
//! entries and styles. Figures are built from plain series (a label and its points), so any
//! source of curves — a validation report, a training run — can feed them.

/// A colour of the Okabe–Ito palette (Okabe & Ito, *Color Universal Design*, 2008): distinct for
/// the common forms of colour blindness and in greyscale print. `name` is its pgf colour name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Color {
    /// The name under which the pgf output defines it (`\definecolor{name}{RGB}{r,g,b}`).
    pub name: &'static str,
    /// Red, green, blue in 0..=255.
    pub rgb: (u8, u8, u8),
}

/// The series colours in order (Okabe–Ito without yellow, which is unreadable on white).
pub const PALETTE: [Color; 7] = [
    Color {
        name: "oiblue",
        rgb: (0, 114, 178),
    },
    Color {
        name: "oivermillion",
        rgb: (213, 94, 0),
    },
    Color {
        name: "oigreen",
        rgb: (0, 158, 115),
    },
    Color {
        name: "oipurple",
        rgb: (204, 121, 167),
    },
    Color {
        name: "oiorange",
        rgb: (230, 159, 0),
    },
    Color {
        name: "oisky",
        rgb: (86, 180, 233),
    },
    Color {
        name: "oiblack",
        rgb: (0, 0, 0),
    },
];

/// Grey for reference lines (σ = 1, the exact polar factor).
pub const GREY: Color = Color {
    name: "oigrey",
    rgb: (110, 110, 110),
};

/// The line pattern of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// A solid line.
    Solid,
    /// Dashes (bounds and reference curves).
    Dashed,
    /// Dots.
    Dotted,
    /// Dashes and dots.
    DashDotted,
    /// No line: markers only.
    None,
}

/// The marker drawn at each point of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// No marker.
    None,
    /// ○
    Circle,
    /// □
    Square,
    /// △
    Triangle,
    /// ◇
    Diamond,
    /// ▽
    TriangleDown,
    /// ⬠
    Pentagon,
    /// ×
    Cross,
    /// +
    Plus,
}

/// The markers of series 0, 1, 2, … in order (cycled).
pub const MARKERS: [Marker; 8] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
    Marker::TriangleDown,
    Marker::Pentagon,
    Marker::Cross,
    Marker::Plus,
];

/// How a series is drawn.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    /// Line and marker colour.
    pub color: Color,
    /// Line pattern.
    pub line: Line,
    /// Line width in pt.
    pub width: f64,
    /// Marker shape.
    pub marker: Marker,
    /// Marker radius in pt.
    pub mark_size: f64,
    /// Filled markers (else hollow: white inside, so a marker under another stays visible).
    pub filled: bool,
}

impl Style {
    /// Series `i` of a line figure: the i-th palette colour and marker, a solid line, hollow
    /// markers.
    pub fn series(i: usize) -> Self {
        Self {
            color: PALETTE[i % PALETTE.len()],
            line: Line::Solid,
            width: 1.0,
            marker: MARKERS[i % MARKERS.len()],
            mark_size: 2.2,
            filled: false,
        }
    }
    /// A bound or reference curve in colour `i`: dashed, no markers.
    pub fn bound(i: usize) -> Self {
        Self {
            line: Line::Dashed,
            marker: Marker::None,
            ..Self::series(i)
        }
    }
    /// Markers only (no line), in colour `i` with `marker`.
    pub fn markers(i: usize, marker: Marker, filled: bool) -> Self {
        Self {
            line: Line::None,
            marker,
            filled,
            ..Self::series(i)
        }
    }
    /// The same style in another colour.
    pub fn with_color(self, color: Color) -> Self {
        Self { color, ..self }
    }
    /// The same style with another line pattern.
    pub fn with_line(self, line: Line) -> Self {
        Self { line, ..self }
    }
    /// The same style with another marker.
    pub fn with_marker(self, marker: Marker) -> Self {
        Self { marker, ..self }
    }
    /// The same style with another line width (pt).
    pub fn with_width(self, width: f64) -> Self {
        Self { width, ..self }
    }
    /// The same style with another marker radius (pt).
    pub fn with_mark_size(self, mark_size: f64) -> Self {
        Self { mark_size, ..self }
    }
}

/// A curve: points (x, y) in order; a non-finite y breaks the line there.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The CSV column stem (`KEY_x`, `KEY_y`): ASCII letters, digits and `-`, unique in a figure.
    pub key: String,
    /// The legend entry (TeX); `None` keeps the series out of the legend.
    pub label: Option<String>,
    /// The points.
    pub points: Vec<(f64, f64)>,
    /// How it is drawn.
    pub style: Style,
}

impl Series {
    /// A series with a legend entry.
    pub fn new(key: &str, label: impl Into<String>, points: Vec<(f64, f64)>, style: Style) -> Self {
        Self {
            key: slug(key),
            label: Some(label.into()),
            points,
            style,
        }
    }
    /// A series without a legend entry.
    pub fn unlabelled(key: &str, points: Vec<(f64, f64)>, style: Style) -> Self {
        Self {
            key: slug(key),
            label: None,
            points,
            style,
        }
    }
}

/// A shaded rectangle [x0, x1] × [y0, y1] (a measured envelope), with a legend entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    /// The legend entry (TeX).
    pub label: String,
    /// x range.
    pub x: (f64, f64),
    /// y range.
    pub y: (f64, f64),
    /// Fill colour (drawn at 30 % opacity).
    pub color: Color,
}

/// Where a panel's legend sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corner {
    /// Top right.
    NorthEast,
    /// Top left.
    NorthWest,
    /// Bottom right.
    SouthEast,
    /// Bottom left.
    SouthWest,
    /// Outside the plot area, to the right of the panel (many entries over dense data).
    OutsideRight,
    /// Below the row of panels, centred, in two columns (long entries beside several panels:
    /// the panels keep the whole line's width).
    Below,
    /// No legend in this panel.
    Hidden,
}

/// Linear or logarithmic (base 10) axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Linear.
    Linear,
    /// Base-10 logarithmic.
    Log,
}

/// A tick: its position and its label (TeX).
#[derive(Clone, Debug, PartialEq)]
pub struct Tick {
    /// Position in data coordinates.
    pub at: f64,
    /// Label (TeX), e.g. `$10^{-3}$` or `$0.05$`.
    pub label: String,
}

/// An axis: label, scale, range and ticks, all decided here once for both renderers.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// The axis label (TeX).
    pub label: String,
    /// Linear or log.
    pub scale: Scale,
    /// Lower end of the range.
    pub lo: f64,
    /// Upper end of the range.
    pub hi: f64,
    /// Labelled ticks, inside [lo, hi].
    pub ticks: Vec<Tick>,
    /// Unlabelled minor ticks, inside [lo, hi].
    pub minor: Vec<f64>,
}

impl Axis {
    /// A linear axis covering [lo, hi] (widened to whole tick steps), 4–8 ticks of step 1, 2 or
    /// 5 × 10^k.
    pub fn linear(label: impl Into<String>, lo: f64, hi: f64) -> Self {
        let (lo, hi) = sane_range(lo, hi);
        let step = nice_step((hi - lo) / 5.0);
        let (lo, hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
        Self::linear_fixed(label, lo, hi)
    }

    /// A linear axis on exactly [lo, hi], ticks of step 1, 2 or 5 × 10^k inside it.
    pub fn linear_fixed(label: impl Into<String>, lo: f64, hi: f64) -> Self {
        let (lo, hi) = sane_range(lo, hi);
        let step = nice_step((hi - lo) / 5.0);
        let decimals = (-step.log10().floor()).max(0.0) as usize;
        let first = (lo / step - 1e-9).ceil() as i64;
        let last = (hi / step + 1e-9).floor() as i64;
        let ticks = (first..=last)
            .map(|k| {
                let at = k as f64 * step;
                Tick {
                    at,
                    label: tex_fixed(at, decimals),
                }
            })
            .collect();
        Self {
            label: label.into(),
            scale: Scale::Linear,
            lo,
            hi,
            ticks,
            minor: Vec::new(),
        }
    }

    /// A log axis covering positive data in [lo, hi]. Over three decades or more the range is
    /// widened to whole decades and labelled at decades (every k-th decade from the lowest, so
    /// both ends are labelled when k divides the span); over less, it is widened to the nearest
    /// 1, 2, 5 × 10^k and labelled there (or at every 1…9 × 10^k for narrow ranges), so a range
    /// of less than a decade still gets readable ticks.
    pub fn log(label: impl Into<String>, lo: f64, hi: f64) -> Self {
        let (lo, hi) = sane_log_range(lo, hi);
        let (a, b) = (lo.log10(), hi.log10());
        if b - a >= 3.0 - 1e-9 {
            // whole decades, widened to multiples of the label step k, so both ends are labelled
            let (j0, j1) = (a.floor() as i32, b.ceil() as i32);
            // the label step k with at most 10 labels that widens the range least (ties: larger k)
            let widened = |k: i32| (j0.div_euclid(k) * k, -((-j1).div_euclid(k)) * k);
            let k = (1..=12)
                .filter(|&k| {
                    let (a, b) = widened(k);
                    (b - a) / k < 10
                })
                .min_by_key(|&k| {
                    let (a, b) = widened(k);
                    ((b - a) - (j1 - j0), -k)
                })
                .unwrap_or(12);
            let (j0, j1) = widened(k);
            Self::log_ticks(label.into(), 10f64.powi(j0), 10f64.powi(j1), Some(k))
        } else {
            Self::log_ticks(
                label.into(),
                round_125(lo, false),
                round_125(hi, true),
                None,
            )
        }
    }

    /// A log axis on exactly [lo, hi] (both > 0), with ticks chosen as in [`Axis::log`].
    pub fn log_fixed(label: impl Into<String>, lo: f64, hi: f64) -> Self {
        let (lo, hi) = sane_log_range(lo, hi);
        Self::log_ticks(label.into(), lo, hi, None)
    }

    /// Ticks of a log axis on [lo, hi]: over three decades or more, labels at the decades
    /// 10^j with j a multiple of `k` (default: the smallest step giving at most 8 labels), minor
    /// ticks at the other decades (and at 2…9 × 10^j over at most 6 decades); over fewer, labels
    /// at 1, 2, 5 × 10^j (or at every 1…9 × 10^j in ranges narrower than a factor 8).
    fn log_ticks(label: String, lo: f64, hi: f64, k: Option<i32>) -> Self {
        let (j0, j1) = (
            (lo.log10() - 1e-9).ceil() as i32,
            (hi.log10() + 1e-9).floor() as i32,
        );
        let inside = |x: f64| x >= lo * (1.0 - 1e-9) && x <= hi * (1.0 + 1e-9);
        let decades: Vec<i32> = (j0..=j1).collect();
        let (ticks, minor): (Vec<Tick>, Vec<f64>) = if decades.len() >= 3 {
            let k = k.unwrap_or_else(|| decade_step(j0, j1));
            let ticks = decades
                .iter()
                .filter(|&&j| j.rem_euclid(k) == 0)
                .map(|&j| Tick {
                    at: 10f64.powi(j),
                    label: format!("$10^{{{j}}}$"),
                })
                .collect();
            let mut minor: Vec<f64> = decades
                .iter()
                .filter(|&&j| j.rem_euclid(k) != 0)
                .map(|&j| 10f64.powi(j))
                .collect();
            if decades.len() <= 6 {
                for j in (j0 - 1)..=j1 {
                    for m in 2..=9 {
                        let x = f64::from(m) * 10f64.powi(j);
                        if inside(x) {
                            minor.push(x);
                        }
                    }
                }
            }
            (ticks, minor)
        } else {
            let mults: &[i32] = if hi / lo >= 8.0 {
                &[1, 2, 5]
            } else {
                &[1, 2, 3, 4, 5, 6, 7, 8, 9]
            };
            let mut ticks = Vec::new();
            let mut minor = Vec::new();
            for j in (j0 - 1)..=j1 {
                for m in 1..=9 {
                    let x = f64::from(m) * 10f64.powi(j);
                    if !inside(x) {
                        continue;
                    }
                    if mults.contains(&m) {
                        ticks.push(Tick {
                            at: x,
                            label: tex_plain(x),
                        });
                    } else {
                        minor.push(x);
                    }
                }
            }
            (ticks, minor)
        };
        Self {
            label,
            scale: Scale::Log,
            lo,
            hi,
            ticks,
            minor,
        }
    }

    /// The same axis with only every `k`-th labelled tick kept labelled (the others become minor
    /// ticks), for narrow panels.
    pub fn thinned(mut self, k: usize) -> Self {
        let k = k.max(1);
        let ticks = std::mem::take(&mut self.ticks);
        for (i, t) in ticks.into_iter().enumerate() {
            if i % k == 0 {
                self.ticks.push(t);
            } else {
                self.minor.push(t.at);
            }
        }
        self
    }

    /// The position of `v` on [0, 1] along the axis (outside [0, 1] when out of range).
    pub fn frac(&self, v: f64) -> f64 {
        match self.scale {
            Scale::Linear => (v - self.lo) / (self.hi - self.lo),
            Scale::Log => (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10()),
        }
    }
}

/// A panel: one pair of axes with its series.
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    /// The panel's title (TeX), for figures of several panels.
    pub title: Option<String>,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// Shaded bands, drawn first.
    pub bands: Vec<Band>,
    /// Curves, drawn in order (later on top).
    pub series: Vec<Series>,
    /// Where the legend goes.
    pub legend: Corner,
}

/// A figure: a title, panels side by side, notes.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// File stem: `NAME.svg`, `NAME.tex` + `NAME.csv`, `NAME.pdf`.
    pub name: String,
    /// The title (TeX): the SVG heading; the suggested caption of the pgf output.
    pub title: String,
    /// Panels, left to right.
    pub panels: Vec<Panel>,
    /// How to read the figure (TeX): drawn under the SVG, a comment in the pgf output.
    pub notes: Vec<String>,
}

/// `key` reduced to ASCII letters, digits and `-` (other characters become `-`), for CSV columns.
pub fn slug(key: &str) -> String {
    let s: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    if out.is_empty() {
        "series".into()
    } else {
        out
    }
}

/// The smallest label step k (in decades) that labels at most 8 multiples of k in [j0, j1].
fn decade_step(j0: i32, j1: i32) -> i32 {
    (1..)
        .find(|&k| (j0..=j1).filter(|j| j.rem_euclid(k) == 0).count() <= 8)
        .unwrap_or(1)
}

/// 1, 2 or 5 × 10^k near `raw` (> 0).
fn nice_step(raw: f64) -> f64 {
    let raw = if raw > 0.0 && raw.is_finite() {
        raw
    } else {
        1.0
    };
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    let n = if m <= 1.5 {
        1.0
    } else if m <= 3.0 {
        2.0
    } else if m <= 7.0 {
        5.0
    } else {
        10.0
    };
    n * p
}

/// The nearest 1, 2 or 5 × 10^k below (`up` false) or above `x` > 0.
fn round_125(x: f64, up: bool) -> f64 {
    let p = 10f64.powf(x.log10().floor());
    let cands = [1.0, 2.0, 5.0, 10.0];
    if up {
        cands
            .iter()
            .map(|c| c * p)
            .find(|&v| v >= x * (1.0 - 1e-12))
            .unwrap_or(10.0 * p)
    } else {
        cands
            .iter()
            .rev()
            .map(|c| c * p)
            .find(|&v| v <= x * (1.0 + 1e-12))
            .unwrap_or(p)
    }
}

/// A finite range with hi > lo (a degenerate one is widened around its value).
fn sane_range(lo: f64, hi: f64) -> (f64, f64) {
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        (lo.min(hi), lo.max(hi))
    } else {
        (0.0, 1.0)
    };
    if hi - lo > 1e-12 * lo.abs().max(hi.abs()).max(1e-300) {
        (lo, hi)
    } else {
        let d = if lo == 0.0 { 1.0 } else { 0.1 * lo.abs() };
        (lo - d, hi + d)
    }
}

/// A positive range with hi > lo (a degenerate one is widened by a factor 2 each way).
fn sane_log_range(lo: f64, hi: f64) -> (f64, f64) {
    let ok = |x: f64| x.is_finite() && x > 0.0;
    let (lo, hi) = match (ok(lo), ok(hi)) {
        (true, true) => (lo.min(hi), lo.max(hi)),
        (true, false) => (lo, lo * 10.0),
        (false, true) => (hi / 10.0, hi),
        (false, false) => (1.0, 10.0),
    };
    if hi > lo * (1.0 + 1e-9) {
        (lo, hi)
    } else {
        (lo / 2.0, hi * 2.0)
    }
}

/// `x` with `decimals` decimals in math mode (`$-0.5$`: a real minus sign).
pub fn tex_fixed(x: f64, decimals: usize) -> String {
    let x = if x.abs() < 1e-12 { 0.0 } else { x };
    format!("${x:.decimals$}$")
}

/// A positive tick value of a short log axis in math mode, without trailing zeros (`$0.05$`,
/// `$2000$`; `$2\cdot10^{5}$` beyond 10⁵ or below 10⁻⁴).
pub fn tex_plain(x: f64) -> String {
    if (1e-4..1e5).contains(&x.abs()) {
        let s = format!("{:.6}", x);
        let s = s.trim_end_matches('0').trim_end_matches('.');
        format!("${s}$")
    } else {
        let e = x.abs().log10().floor() as i32;
        let m = x / 10f64.powi(e);
        let m = (m * 1000.0).round() / 1000.0;
        if (m - 1.0).abs() < 1e-9 {
            format!("$10^{{{e}}}$")
        } else {
            format!("${m}\\cdot10^{{{e}}}$")
        }
    }
}

/// The smallest and largest of `values` (ignoring non-finite ones, and with `positive` also
/// values ≤ 0); `None` if nothing is left.
pub fn extent(values: impl IntoIterator<Item = f64>, positive: bool) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite() && (!positive || *v > 0.0))
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((a, b)) => Some((a.min(v), b.max(v))),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(a: &Axis) -> Vec<&str> {
        a.ticks.iter().map(|t| t.label.as_str()).collect()
    }

    #[test]
    fn log_axis_over_many_decades_reaches_the_data_at_both_ends() {
        // HASD: gaps from 2e-19 to 1e5
        let a = Axis::log("", 2.2e-19, 1.02e5);
        assert!(a.lo <= 2.2e-19 && a.hi >= 1.02e5);
        let l = labels(&a);
        assert_eq!(a.ticks.first().map(|t| t.at), Some(a.lo), "{l:?}");
        assert_eq!(a.ticks.last().map(|t| t.at), Some(a.hi), "{l:?}");
        assert!(l.len() <= 10 && l.len() >= 4, "{l:?}");
        assert!(a.ticks.iter().all(|t| t.at >= a.lo && t.at <= a.hi));
    }

    #[test]
    fn log_axis_over_one_decade_has_readable_ticks() {
        // the margin gap: 0.06 … 0.3, less than a decade
        let a = Axis::log("", 0.063, 0.29);
        assert!(a.lo <= 0.063 && a.hi >= 0.29);
        let l = labels(&a);
        assert!(l.len() >= 3, "{l:?}");
        assert!(l.iter().all(|s| !s.contains("0.079")), "{l:?}");
        assert!(l.contains(&"$0.1$") && l.contains(&"$0.2$"), "{l:?}");
    }

    #[test]
    fn linear_ticks_are_round_and_signed_in_math_mode() {
        let a = Axis::linear("", -1.0, 0.93);
        assert_eq!(a.lo, -1.0);
        assert!(labels(&a).contains(&"$-0.5$"), "{:?}", labels(&a));
        assert!(a.hi >= 0.93);
    }

    #[test]
    fn slugs_are_csv_safe() {
        assert_eq!(slug("P1-c[nsd:norm=max]"), "p1-c-nsd-norm-max");
        assert_eq!(slug("§"), "series");
    }
}
