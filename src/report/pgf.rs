//! A [`Figure`] as pgfplots code plus its data as CSV, for papers: vector output set in the
//! paper's own fonts, TeX labels as written, ranges and ticks as decided by the figure (so the PDF
//! and the SVG agree). The `.tex` reads `NAME.csv` from `\steepestdatadir` (default `.`); the
//! preamble it needs is [`PREAMBLE`]. [`compile_pdf`] turns a figure into a PDF with pdflatex.

use super::figure::{Axis, Corner, Figure, Line, Marker, Panel, Scale, Series};
use crate::error::{Error, Result};
use std::fmt::Write as _;

/// The preamble lines the generated `.tex` files need (tables and figures).
pub const PREAMBLE: &str = "\\usepackage{amssymb,booktabs,longtable,tabularx}\n\\usepackage{pgfplots}\n\\pgfplotsset{compat=1.18}\n\\newcommand{\\steepestdatadir}{figs} % the --out directory of `steepest report`\n";

/// A number for pgfplots options and CSV cells (`nan` for non-finite values).
fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:e}")
    } else {
        "nan".into()
    }
}

/// The CSV column names (`KEY_x`, `KEY_y`) of every series, unique within the figure: the
/// series key, prefixed with `pN-` in figures of several panels, numbered on a clash.
pub fn columns(fig: &Figure) -> Vec<Vec<(String, String)>> {
    let mut seen: Vec<String> = Vec::new();
    fig.panels
        .iter()
        .enumerate()
        .map(|(pi, p)| {
            p.series
                .iter()
                .map(|s| {
                    let base = if fig.panels.len() > 1 {
                        format!("p{}-{}", pi + 1, s.key)
                    } else {
                        s.key.clone()
                    };
                    let mut key = base.clone();
                    let mut k = 2;
                    while seen.contains(&key) {
                        key = format!("{base}-{k}");
                        k += 1;
                    }
                    seen.push(key.clone());
                    (format!("{key}_x"), format!("{key}_y"))
                })
                .collect()
        })
        .collect()
}

/// The figure's data: one pair of columns per series, shorter series padded with `nan`.
pub fn csv(fig: &Figure) -> String {
    let cols = columns(fig);
    let series: Vec<(&Series, &(String, String))> = fig
        .panels
        .iter()
        .zip(&cols)
        .flat_map(|(p, c)| p.series.iter().zip(c))
        .collect();
    let mut o = String::new();
    let header: Vec<String> = series
        .iter()
        .flat_map(|(_, (x, y))| [x.clone(), y.clone()])
        .collect();
    let _ = writeln!(o, "{}", header.join(","));
    let rows = series
        .iter()
        .map(|(s, _)| s.points.len())
        .max()
        .unwrap_or(0);
    for i in 0..rows {
        let cells: Vec<String> = series
            .iter()
            .flat_map(|(s, _)| match s.points.get(i) {
                Some(&(x, y)) => [num(x), num(y)],
                None => ["nan".into(), "nan".into()],
            })
            .collect();
        let _ = writeln!(o, "{}", cells.join(","));
    }
    o
}

fn axis_options(o: &mut String, c: char, a: &Axis) {
    if a.scale == Scale::Log {
        let _ = writeln!(o, "  {c}mode=log,");
    }
    let _ = writeln!(o, "  {c}min={}, {c}max={},", num(a.lo), num(a.hi));
    let at: Vec<String> = a.ticks.iter().map(|t| num(t.at)).collect();
    let labels: Vec<String> = a.ticks.iter().map(|t| format!("{{{}}}", t.label)).collect();
    let _ = writeln!(o, "  {c}tick={{{}}},", at.join(","));
    let _ = writeln!(o, "  {c}ticklabels={{{}}},", labels.join(","));
    if !a.minor.is_empty() {
        let m: Vec<String> = a.minor.iter().map(|&v| num(v)).collect();
        let _ = writeln!(o, "  minor {c}tick={{{}}},", m.join(","));
    }
    if !a.label.is_empty() {
        let _ = writeln!(o, "  {c}label={{{}}},", a.label);
    }
}

fn plot_options(s: &Series, legend: bool) -> String {
    let st = &s.style;
    let mut opts = vec![st.color.name.to_string()];
    match st.line {
        Line::Solid => opts.push("solid".into()),
        Line::Dashed => opts.push("dashed".into()),
        Line::Dotted => opts.push("dotted".into()),
        Line::DashDotted => opts.push("dash dot".into()),
        Line::None => opts.push("only marks".into()),
    }
    opts.push(format!("line width={:.2}pt", st.width));
    // filled markers are pgf's starred marks; hollow ones its outlines (no fill, so a marker
    // under another stays visible)
    let (mark, rotate) = match st.marker {
        Marker::None => ("none", false),
        Marker::Circle => ("o", false),
        Marker::Square => ("square", false),
        Marker::Triangle => ("triangle", false),
        Marker::TriangleDown => ("triangle", true),
        Marker::Diamond => ("diamond", false),
        Marker::Pentagon => ("pentagon", false),
        Marker::Cross => ("x", false),
        Marker::Plus => ("+", false),
    };
    let star = if st.filled && !matches!(st.marker, Marker::Cross | Marker::Plus) {
        if mark == "o" {
            "*".to_string()
        } else {
            format!("{mark}*")
        }
    } else {
        mark.to_string()
    };
    opts.push(format!("mark={star}"));
    if st.marker != Marker::None {
        let fill = if st.filled {
            format!(", fill={}", st.color.name)
        } else {
            String::new()
        };
        let mut mo = format!("solid{fill}, line width=0.6pt");
        if rotate {
            mo.push_str(", rotate=180");
        }
        opts.push(format!("mark size={:.2}pt", st.mark_size));
        opts.push(format!("mark options={{{mo}}}"));
    }
    if !(legend && s.label.is_some()) {
        opts.push("forget plot".into());
    }
    opts.join(", ")
}

/// The pgfplots code of `fig` (a `tikzpicture` of its panels side by side, `\linewidth` wide),
/// reading the columns of [`csv`] from `\steepestdatadir/NAME.csv`.
pub fn tex(fig: &Figure) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "% steepest figure `{}` (pgfplots); data: {}.csv",
        fig.name, fig.name
    );
    let _ = writeln!(
        o,
        "% Preamble: \\usepackage{{pgfplots}} \\pgfplotsset{{compat=1.18}} and \\newcommand{{\\steepestdatadir}}{{DIR}},"
    );
    let _ = writeln!(
        o,
        "% DIR the directory holding {}.csv (default: the current one).",
        fig.name
    );
    let _ = writeln!(o, "% Suggested caption: {}", fig.title);
    for n in &fig.notes {
        let _ = writeln!(o, "%   {n}");
    }
    let _ = writeln!(o, "\\providecommand{{\\steepestdatadir}}{{.}}");
    let mut colors = Vec::new();
    for p in &fig.panels {
        for c in p
            .series
            .iter()
            .map(|s| s.style.color)
            .chain(p.bands.iter().map(|b| b.color))
        {
            if !colors.contains(&c) {
                colors.push(c);
            }
        }
    }
    for c in &colors {
        let _ = writeln!(
            o,
            "\\definecolor{{{}}}{{RGB}}{{{},{},{}}}",
            c.name, c.rgb.0, c.rgb.1, c.rgb.2
        );
    }
    let n = fig.panels.len().max(1);
    // pgfplots' `width` includes the tick labels only approximately: 0.92 of the line leaves
    // room for its estimate, so the picture never overflows the text width; a legend outside
    // the axes takes a quarter of it
    let outside = fig.panels.iter().any(|p| p.legend == Corner::OutsideRight);
    let w = if outside { 0.66 } else { 0.92 } / n as f64;
    let h = if n == 1 { 0.55 } else { 0.62 / n as f64 + 0.12 };
    let cols = columns(fig);
    let _ = writeln!(o, "\\begin{{tikzpicture}}");
    for (pi, p) in fig.panels.iter().enumerate() {
        let _ = writeln!(o, "\\begin{{axis}}[");
        let _ = writeln!(o, "  name=panel{pi},");
        if pi > 0 {
            let _ = writeln!(
                o,
                "  at={{(panel{}.outer east)}}, anchor=outer west,",
                pi - 1
            );
        }
        let _ = writeln!(o, "  width={w:.3}\\linewidth, height={h:.3}\\linewidth,");
        axis_options(&mut o, 'x', &p.x);
        axis_options(&mut o, 'y', &p.y);
        if let Some(t) = &p.title {
            let _ = writeln!(o, "  title={{{t}}},");
        }
        let pos = match p.legend {
            Corner::NorthEast => Some("north east"),
            Corner::NorthWest => Some("north west"),
            Corner::SouthEast => Some("south east"),
            Corner::SouthWest => Some("south west"),
            Corner::OutsideRight => Some("outside"),
            Corner::Below => Some("below"),
            Corner::Hidden => None,
        };
        if pos == Some("below") {
            // drawn once under the row of panels, after the last axis (below)
            let _ = writeln!(
                o,
                "  legend to name={}, legend columns={}, legend cell align=left,",
                legend_name(fig),
                below_columns(p)
            );
        } else if pos == Some("outside") {
            let _ = writeln!(
                o,
                "  legend style={{at={{(1.04,0.5)}}, anchor=west}}, legend cell align=left,"
            );
        } else if let Some(pos) = pos {
            let _ = writeln!(o, "  legend pos={pos}, legend cell align=left,");
        }
        if pos.is_some() {
            let _ = writeln!(
                o,
                "  legend style={{font=\\scriptsize, fill=white, fill opacity=0.9, text opacity=1, draw=black!40}},"
            );
        }
        let _ = writeln!(
            o,
            "  tick label style={{font=\\scriptsize}}, label style={{font=\\small}}, title style={{font=\\small}},"
        );
        let _ = writeln!(
            o,
            "  grid=major, major grid style={{black!12}}, tick align=inside,"
        );
        let _ = writeln!(
            o,
            "  unbounded coords=jump, filter discard warning=false, clip mode=individual,"
        );
        let _ = writeln!(o, "]");
        let legend = p.legend != Corner::Hidden;
        for b in &p.bands {
            let _ = writeln!(
                o,
                "\\fill[{}, opacity=0.3] (axis cs:{},{}) rectangle (axis cs:{},{});",
                b.color.name,
                num(b.x.0),
                num(b.y.0),
                num(b.x.1),
                num(b.y.1)
            );
            if legend {
                let _ = writeln!(
                    o,
                    "\\addlegendimage{{area legend, draw=none, fill={}, fill opacity=0.3}}",
                    b.color.name
                );
                let _ = writeln!(o, "\\addlegendentry{{{}}}", b.label);
            }
        }
        for (s, (cx, cy)) in p.series.iter().zip(&cols[pi]) {
            let _ = writeln!(
                o,
                "\\addplot[{}] table[x={cx}, y={cy}, col sep=comma] {{\\steepestdatadir/{}.csv}};",
                plot_options(s, legend),
                fig.name
            );
            if let (true, Some(l)) = (legend, &s.label) {
                let _ = writeln!(o, "\\addlegendentry{{{l}}}");
            }
        }
        let _ = writeln!(o, "\\end{{axis}}");
    }
    if fig.panels.iter().any(|p| p.legend == Corner::Below) {
        let _ = writeln!(
            o,
            "\\path (panel0.outer south west) -- (panel{}.outer south east) node[midway, below] {{\\pgfplotslegendfromname{{{}}}}};",
            n - 1,
            legend_name(fig)
        );
    }
    let _ = writeln!(o, "\\end{{tikzpicture}}");
    o
}

/// Columns of a legend below the panels: two while two entries fit in a line (≈ 28 characters
/// each at `\scriptsize` beside their keys), else one.
fn below_columns(p: &Panel) -> usize {
    let longest = p
        .series
        .iter()
        .filter_map(|s| s.label.as_deref())
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0);
    if longest > 28 {
        1
    } else {
        2
    }
}

/// The name under which a figure's legend below its panels is stored (`legend to name`).
fn legend_name(fig: &Figure) -> String {
    format!("steepest-legend-{}", fig.name)
}

/// Whether `pdflatex` can be started (it is on the PATH).
pub fn pdflatex_available() -> bool {
    std::process::Command::new("pdflatex")
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What to install for `--format pdf`.
pub const PDF_NEEDS: &str = "pdflatex with pgfplots (Debian: apt-get install texlive-latex-base texlive-latex-recommended texlive-pictures)";

/// A scratch directory for one compilation, removed on drop.
struct Scratch(std::path::PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn scratch_dir() -> Result<Scratch> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "steepest-pdf-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.clone(),
        source,
    })?;
    Ok(Scratch(dir))
}

/// Run pdflatex on `main` (a complete document) in a scratch directory holding `files`; the
/// PDF's bytes. Reproducible: fixed dates (`SOURCE_DATE_EPOCH=0`) and no random trailer id.
pub fn pdflatex(main: &str, files: &[(String, String)], what: &str) -> Result<Vec<u8>> {
    let dir = scratch_dir()?;
    let write = |name: &str, text: &str| {
        let p = dir.0.join(name);
        std::fs::write(&p, text).map_err(|source| Error::Io { path: p, source })
    };
    for (name, text) in files {
        write(name, text)?;
    }
    write("main.tex", main)?;
    let out = std::process::Command::new("pdflatex")
        .args(["-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "main.tex"])
        .current_dir(&dir.0)
        .env("SOURCE_DATE_EPOCH", "0")
        .env("FORCE_SOURCE_DATE", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            Error::argument(
                "--format",
                "pdf",
                format!("cannot start pdflatex ({e})"),
                format!("install {PDF_NEEDS}, or use --format pgf and compile the figures in your paper"),
            )
        })?;
    let log = std::fs::read_to_string(dir.0.join("main.log")).unwrap_or_default();
    let pdf = std::fs::read(dir.0.join("main.pdf")).ok();
    match pdf {
        Some(bytes) if out.status.success() => Ok(bytes),
        _ => {
            if let Some(l) = log
                .lines()
                .find(|l| l.contains(".sty' not found") || l.contains(".cls' not found"))
            {
                return Err(Error::argument(
                    "--format",
                    "pdf",
                    format!("pdflatex lacks a package ({})", l.trim()),
                    format!("install {PDF_NEEDS}"),
                ));
            }
            let errors: Vec<&str> = log.lines().filter(|l| l.starts_with('!')).take(3).collect();
            Err(Error::failed(format!(
                "pdflatex could not compile {what} ({}); this is a bug in steepest",
                if errors.is_empty() {
                    "no error line in its log".to_string()
                } else {
                    errors.join(" / ")
                }
            )))
        }
    }
}

/// `fig` as a PDF page cropped to the figure, set for a text width of 15 cm in Computer Modern.
pub fn compile_pdf(fig: &Figure) -> Result<Vec<u8>> {
    let main = format!(
        "\\documentclass{{article}}\n\\usepackage{{pgfplots}}\n\\pgfplotsset{{compat=1.18}}\n\\newcommand{{\\steepestdatadir}}{{.}}\n\\setlength{{\\textwidth}}{{15cm}}\n\\pdftrailerid{{}}\n\\pagestyle{{empty}}\n\\begin{{document}}\n\\newsavebox{{\\steepestfig}}\n\\sbox{{\\steepestfig}}{{\\input{{{name}.tex}}}}\n\\pdfpagewidth=\\dimexpr\\wd\\steepestfig+4pt\\relax\n\\pdfpageheight=\\dimexpr\\ht\\steepestfig+\\dp\\steepestfig+4pt\\relax\n\\hoffset=-1in \\voffset=-1in \\oddsidemargin=2pt \\evensidemargin=2pt \\topmargin=2pt \\headheight=0pt \\headsep=0pt \\topskip=0pt\n\\noindent\\usebox{{\\steepestfig}}\n\\end{{document}}\n",
        name = fig.name
    );
    pdflatex(
        &main,
        &[
            (format!("{}.tex", fig.name), tex(fig)),
            (format!("{}.csv", fig.name), csv(fig)),
        ],
        &format!("figure {}", fig.name),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::figure::{Axis, Panel, Style};

    fn fig() -> Figure {
        Figure {
            name: "f".into(),
            title: "t".into(),
            panels: vec![Panel {
                title: None,
                x: Axis::log("$t$", 1.0, 100.0),
                y: Axis::linear("$y$", 0.0, 1.0),
                bands: Vec::new(),
                series: vec![
                    Series::new(
                        "a b",
                        "$a$",
                        vec![(1.0, 0.5), (10.0, f64::NAN), (100.0, 0.1)],
                        Style::series(0),
                    ),
                    Series::new("a b", "$b$", vec![(1.0, 0.2)], Style::bound(1)),
                    Series::unlabelled("c", vec![(2.0, 0.3)], Style::series(2)),
                ],
                legend: Corner::NorthEast,
            }],
            notes: Vec::new(),
        }
    }

    #[test]
    fn csv_has_unique_columns_and_pads_with_nan() {
        let c = csv(&fig());
        let mut lines = c.lines();
        assert_eq!(lines.next(), Some("a-b_x,a-b_y,a-b-2_x,a-b-2_y,c_x,c_y"));
        assert_eq!(lines.next(), Some("1e0,5e-1,1e0,2e-1,2e0,3e-1"));
        assert_eq!(lines.next(), Some("1e1,nan,nan,nan,nan,nan"));
        assert_eq!(lines.count(), 1);
    }

    #[test]
    fn legend_entries_only_for_labelled_series_and_bounds_dashed() {
        let t = tex(&fig());
        assert_eq!(t.matches("\\addlegendentry").count(), 2);
        assert_eq!(t.matches("forget plot").count(), 1);
        assert!(
            t.contains("dashed") && t.contains("xmode=log") && t.contains("unbounded coords=jump")
        );
        assert!(t.contains("{\\steepestdatadir/f.csv}"));
    }
}
