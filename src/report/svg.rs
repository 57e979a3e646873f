//! A [`Figure`] as SVG, for quick looks: sub-pixel coordinates (two decimals), the figure's own
//! ticks and ranges, legend keys drawn with the series' dashes and markers, labels set from their
//! TeX with real sub- and superscripts ([`super::tex::to_svg`]). Text is SVG `<text>` in a serif
//! font, so no font files are needed to write it.

use super::figure::{Axis, Corner, Figure, Line, Marker, Panel, Series, Style};
use super::tex::to_svg;
use crate::error::{Error, Result};
use std::fmt::Write as _;

/// px per pt (line widths and marker sizes are given in pt).
const PX: f64 = 1.5;
/// Plot-area size of one panel, px.
const PLOT_W: f64 = 500.0;
const PLOT_H: f64 = 320.0;
/// Room around a plot area: left (ticks and y label), right, top (panel title), bottom.
const LEFT: f64 = 78.0;
const RIGHT: f64 = 18.0;
const PANEL_TOP: f64 = 26.0;
const BOTTOM: f64 = 58.0;
/// Figure title band and note line heights.
const TITLE_H: f64 = 34.0;
const NOTE_H: f64 = 18.0;
const FONT: &str = "Latin Modern Roman, Latin Modern Math, CMU Serif, DejaVu Serif, serif";

fn label_err(e: String) -> Error {
    Error::failed(format!(
        "a figure label is not in the TeX subset the SVG renderer draws ({e}); this is a bug in steepest"
    ))
}

/// `tex` as an SVG `<text>` element at (x, y) with `anchor` and `size`; returns it and its
/// estimated width.
fn text(tex: &str, x: f64, y: f64, size: f64, anchor: &str, extra: &str) -> Result<(String, f64)> {
    let (body, w) = to_svg(tex, size).map_err(label_err)?;
    Ok((
        format!(
            "<text x=\"{x:.2}\" y=\"{y:.2}\" font-size=\"{size}\" text-anchor=\"{anchor}\" xml:space=\"preserve\"{extra}>{body}</text>\n"
        ),
        w,
    ))
}

fn rgb(c: (u8, u8, u8)) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

fn dasharray(line: Line) -> &'static str {
    match line {
        Line::Dashed => " stroke-dasharray=\"7 4\"",
        Line::Dotted => " stroke-dasharray=\"1.5 3\"",
        Line::DashDotted => " stroke-dasharray=\"7 3 1.5 3\"",
        Line::Solid | Line::None => "",
    }
}

/// The SVG of one marker of `style` centred at (x, y).
fn marker(style: &Style, x: f64, y: f64) -> String {
    let r = style.mark_size * PX;
    let c = rgb(style.color.rgb);
    // hollow markers are outlines only, so a marker under another stays visible
    let fill = if style.filled {
        c.clone()
    } else {
        "none".into()
    };
    let paint = format!("fill=\"{fill}\" stroke=\"{c}\" stroke-width=\"1.2\"");
    let poly = |pts: &[(f64, f64)]| {
        let p: Vec<String> = pts
            .iter()
            .map(|(dx, dy)| format!("{:.2},{:.2}", x + dx * r, y + dy * r))
            .collect();
        format!("<polygon points=\"{}\" {paint}/>", p.join(" "))
    };
    match style.marker {
        Marker::None => String::new(),
        Marker::Circle => format!("<circle cx=\"{x:.2}\" cy=\"{y:.2}\" r=\"{r:.2}\" {paint}/>"),
        Marker::Square => poly(&[(-0.85, -0.85), (0.85, -0.85), (0.85, 0.85), (-0.85, 0.85)]),
        Marker::Triangle => poly(&[(0.0, -1.15), (1.0, 0.6), (-1.0, 0.6)]),
        Marker::TriangleDown => poly(&[(0.0, 1.15), (1.0, -0.6), (-1.0, -0.6)]),
        Marker::Diamond => poly(&[(0.0, -1.2), (0.9, 0.0), (0.0, 1.2), (-0.9, 0.0)]),
        Marker::Pentagon => {
            let pts: Vec<(f64, f64)> = (0..5)
                .map(|k| {
                    let a = -std::f64::consts::FRAC_PI_2
                        + f64::from(k) * 2.0 * std::f64::consts::PI / 5.0;
                    (1.05 * a.cos(), 1.05 * a.sin())
                })
                .collect();
            poly(&pts)
        }
        Marker::Cross | Marker::Plus => {
            let (a, b) = if style.marker == Marker::Cross {
                ((r, r), (r, -r))
            } else {
                ((r * 1.2, 0.0), (0.0, r * 1.2))
            };
            format!(
                "<path d=\"M{:.2},{:.2}L{:.2},{:.2}M{:.2},{:.2}L{:.2},{:.2}\" stroke=\"{c}\" stroke-width=\"1.6\" fill=\"none\"/>",
                x - a.0, y - a.1, x + a.0, y + a.1, x - b.0, y - b.1, x + b.0, y + b.1
            )
        }
    }
}

/// A panel's plot area in figure px.
#[derive(Clone, Copy)]
struct Area {
    x0: f64,
    y0: f64,
    w: f64,
    h: f64,
}

impl Area {
    fn px(&self, x: &Axis, y: &Axis, p: (f64, f64)) -> (f64, f64) {
        (
            self.x0 + x.frac(p.0) * self.w,
            self.y0 + (1.0 - y.frac(p.1)) * self.h,
        )
    }
}

/// The polyline pieces of a series in px: consecutive points with finite, plottable coordinates.
fn pieces(s: &Series, p: &Panel, a: Area) -> Vec<Vec<(f64, f64)>> {
    let ok = |v: f64, axis: &Axis| {
        v.is_finite() && (axis.scale == super::figure::Scale::Linear || v > 0.0)
    };
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for &(x, y) in &s.points {
        if ok(x, &p.x) && ok(y, &p.y) {
            out.last_mut()
                .expect("non-empty")
                .push(a.px(&p.x, &p.y, (x, y)));
        } else if !out.last().expect("non-empty").is_empty() {
            out.push(Vec::new());
        }
    }
    out.retain(|v| !v.is_empty());
    out
}

fn draw_panel(o: &mut String, fig: &Figure, pi: usize, p: &Panel, a: Area) -> Result<()> {
    let clip = format!("clip-{}-{pi}", super::figure::slug(&fig.name));
    // grid at the labelled ticks, then the frame
    let _ = writeln!(o, "<g stroke=\"#e4e4e4\" stroke-width=\"0.8\">");
    for t in &p.x.ticks {
        let (x, _) = a.px(&p.x, &p.y, (t.at, p.y.lo));
        let _ = writeln!(
            o,
            "<line x1=\"{x:.2}\" y1=\"{:.2}\" x2=\"{x:.2}\" y2=\"{:.2}\"/>",
            a.y0,
            a.y0 + a.h
        );
    }
    for t in &p.y.ticks {
        let (_, y) = a.px(&p.x, &p.y, (p.x.lo, t.at));
        let _ = writeln!(
            o,
            "<line x1=\"{:.2}\" y1=\"{y:.2}\" x2=\"{:.2}\" y2=\"{y:.2}\"/>",
            a.x0,
            a.x0 + a.w
        );
    }
    let _ = writeln!(o, "</g>");
    let _ = writeln!(
        o,
        "<clipPath id=\"{clip}\"><rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\"/></clipPath>",
        a.x0 - 8.0,
        a.y0 - 8.0,
        a.w + 16.0,
        a.h + 16.0
    );
    let _ = writeln!(o, "<g clip-path=\"url(#{clip})\">");
    for b in &p.bands {
        let (x0, y0) = a.px(&p.x, &p.y, (b.x.0, b.y.1));
        let (x1, y1) = a.px(&p.x, &p.y, (b.x.1, b.y.0));
        let _ = writeln!(
            o,
            "<rect x=\"{x0:.2}\" y=\"{y0:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"{}\" fill-opacity=\"0.3\"/>",
            x1 - x0,
            y1 - y0,
            rgb(b.color.rgb)
        );
    }
    // lines first, then markers, both in series order: a marker is never hidden by a line
    for s in &p.series {
        if s.style.line == Line::None {
            continue;
        }
        for piece in pieces(s, p, a) {
            let pts: Vec<String> = piece
                .iter()
                .map(|(x, y)| format!("{x:.2},{y:.2}"))
                .collect();
            let _ = writeln!(
                o,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{:.2}\" stroke-linejoin=\"round\"{}/>",
                pts.join(" "),
                rgb(s.style.color.rgb),
                s.style.width * PX,
                dasharray(s.style.line)
            );
        }
    }
    for s in &p.series {
        if s.style.marker == Marker::None {
            continue;
        }
        for piece in pieces(s, p, a) {
            for (x, y) in piece {
                let _ = writeln!(o, "{}", marker(&s.style, x, y));
            }
        }
    }
    let _ = writeln!(o, "</g>");
    let _ = writeln!(
        o,
        "<rect x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"none\" stroke=\"#000000\" stroke-width=\"0.9\"/>",
        a.x0, a.y0, a.w, a.h
    );
    // ticks (inside the frame) and their labels
    let _ = writeln!(o, "<g stroke=\"#000000\" stroke-width=\"0.8\">");
    for (v, len) in
        p.x.ticks
            .iter()
            .map(|t| (t.at, 5.0))
            .chain(p.x.minor.iter().map(|&m| (m, 3.0)))
    {
        let (x, _) = a.px(&p.x, &p.y, (v, p.y.lo));
        let yb = a.y0 + a.h;
        let _ = writeln!(
            o,
            "<line x1=\"{x:.2}\" y1=\"{yb:.2}\" x2=\"{x:.2}\" y2=\"{:.2}\"/>",
            yb - len
        );
    }
    for (v, len) in
        p.y.ticks
            .iter()
            .map(|t| (t.at, 5.0))
            .chain(p.y.minor.iter().map(|&m| (m, 3.0)))
    {
        let (_, y) = a.px(&p.x, &p.y, (p.x.lo, v));
        let _ = writeln!(
            o,
            "<line x1=\"{:.2}\" y1=\"{y:.2}\" x2=\"{:.2}\" y2=\"{y:.2}\"/>",
            a.x0,
            a.x0 + len
        );
    }
    let _ = writeln!(o, "</g>");
    for t in &p.x.ticks {
        let (x, _) = a.px(&p.x, &p.y, (t.at, p.y.lo));
        o.push_str(&text(&t.label, x, a.y0 + a.h + 17.0, 12.0, "middle", "")?.0);
    }
    for t in &p.y.ticks {
        let (_, y) = a.px(&p.x, &p.y, (p.x.lo, t.at));
        o.push_str(&text(&t.label, a.x0 - 6.0, y + 4.0, 12.0, "end", "")?.0);
    }
    o.push_str(
        &text(
            &p.x.label,
            a.x0 + a.w / 2.0,
            a.y0 + a.h + 42.0,
            14.0,
            "middle",
            "",
        )?
        .0,
    );
    if !p.y.label.is_empty() {
        let (cx, cy) = (a.x0 - LEFT + 18.0, a.y0 + a.h / 2.0);
        let rot = format!(" transform=\"rotate(-90 {cx:.2} {cy:.2})\"");
        o.push_str(&text(&p.y.label, cx, cy, 14.0, "middle", &rot)?.0);
    }
    if let Some(t) = &p.title {
        o.push_str(&text(t, a.x0 + a.w / 2.0, a.y0 - 9.0, 15.0, "middle", "")?.0);
    }
    legend(o, p, a)
}

const LEGEND_PAD: f64 = 7.0;
const LEGEND_ROW: f64 = 18.0;
const LEGEND_KEY: f64 = 30.0;

/// A legend row: the prepared `<text>` (at 0, 0), its width, and the series or band it keys.
type LegendRow<'a> = (
    String,
    f64,
    Option<&'a Series>,
    Option<&'a super::figure::Band>,
);

/// The rows of a panel's legend and the box's width and height; `None` when nothing is labelled.
fn legend_rows(p: &Panel) -> Result<Option<(Vec<LegendRow<'_>>, f64, f64)>> {
    let size = 12.0;
    let mut rows: Vec<LegendRow<'_>> = Vec::new();
    for b in &p.bands {
        let (t, w) = text(&b.label, 0.0, 0.0, size, "start", "")?;
        rows.push((t, w, None, Some(b)));
    }
    for s in &p.series {
        if let Some(l) = &s.label {
            let (t, w) = text(l, 0.0, 0.0, size, "start", "")?;
            rows.push((t, w, Some(s), None));
        }
    }
    if rows.is_empty() {
        return Ok(None);
    }
    let tw = rows.iter().map(|r| r.1).fold(0.0, f64::max);
    let bw = LEGEND_PAD * 3.0 + LEGEND_KEY + tw;
    let bh = LEGEND_PAD * 2.0 + LEGEND_ROW * rows.len() as f64 - 4.0;
    Ok(Some((rows, bw, bh)))
}

/// The legend box in the panel's corner: one row per labelled band and series, the key drawn in
/// the series' own dash pattern and marker.
fn legend(o: &mut String, p: &Panel, a: Area) -> Result<()> {
    if p.legend == Corner::Hidden {
        return Ok(());
    }
    let Some((rows, bw, bh)) = legend_rows(p)? else {
        return Ok(());
    };
    let (pad, row, key) = (LEGEND_PAD, LEGEND_ROW, LEGEND_KEY);
    let (bx, by) = match p.legend {
        Corner::NorthEast => (a.x0 + a.w - bw - 8.0, a.y0 + 8.0),
        Corner::NorthWest => (a.x0 + 8.0, a.y0 + 8.0),
        Corner::SouthEast => (a.x0 + a.w - bw - 8.0, a.y0 + a.h - bh - 8.0),
        // an SVG has no line width to keep: a legend below sits to the right as well
        Corner::OutsideRight | Corner::Below => (a.x0 + a.w + 14.0, a.y0 + (a.h - bh) / 2.0),
        Corner::SouthWest | Corner::Hidden => (a.x0 + 8.0, a.y0 + a.h - bh - 8.0),
    };
    let _ = writeln!(
        o,
        "<rect x=\"{bx:.2}\" y=\"{by:.2}\" width=\"{bw:.2}\" height=\"{bh:.2}\" fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"#999999\" stroke-width=\"0.7\"/>"
    );
    for (i, (t, _, s, b)) in rows.iter().enumerate() {
        let cy = by + pad + row * i as f64 + row / 2.0 - 2.0;
        let kx = bx + pad;
        if let Some(b) = b {
            let _ = writeln!(
                o,
                "<rect x=\"{kx:.2}\" y=\"{:.2}\" width=\"{key:.2}\" height=\"10\" fill=\"{}\" fill-opacity=\"0.3\"/>",
                cy - 5.0,
                rgb(b.color.rgb)
            );
        }
        if let Some(s) = s {
            if s.style.line != Line::None {
                let _ = writeln!(
                    o,
                    "<line x1=\"{kx:.2}\" y1=\"{cy:.2}\" x2=\"{:.2}\" y2=\"{cy:.2}\" stroke=\"{}\" stroke-width=\"{:.2}\"{}/>",
                    kx + key,
                    rgb(s.style.color.rgb),
                    s.style.width * PX,
                    dasharray(s.style.line)
                );
            }
            let _ = writeln!(o, "{}", marker(&s.style, kx + key / 2.0, cy));
        }
        // the row's text, placed by rewriting the (0, 0) position of the prepared element
        let placed = t.replacen(
            "x=\"0.00\" y=\"0.00\"",
            &format!("x=\"{:.2}\" y=\"{:.2}\"", kx + key + pad, cy + 4.0),
            1,
        );
        o.push_str(&placed);
    }
    Ok(())
}

/// `tex` split into lines of at most `width` px at `size`, breaking at spaces outside math.
fn wrap(tex: &str, size: f64, width: f64) -> Result<Vec<String>> {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut math = false;
    for c in tex.chars() {
        if c == '$' {
            math = !math;
        }
        if c == ' ' && !math {
            words.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    words.push(cur);
    let mut lines: Vec<String> = Vec::new();
    for w in words {
        let trial = match lines.last() {
            Some(l) => format!("{l} {w}"),
            None => w.clone(),
        };
        let fits = to_svg(&trial, size).map_err(label_err)?.1 <= width;
        match lines.last_mut() {
            Some(l) if fits => *l = trial,
            _ => lines.push(w),
        }
    }
    Ok(lines)
}

/// The SVG document of `fig`.
pub fn render(fig: &Figure) -> Result<String> {
    let n = fig.panels.len().max(1) as f64;
    let panel_w = LEFT + PLOT_W + RIGHT;
    let panel_h = PANEL_TOP + PLOT_H + BOTTOM;
    // room for legends outside the plot area
    let mut outside = 0.0f64;
    for p in fig
        .panels
        .iter()
        .filter(|p| matches!(p.legend, Corner::OutsideRight | Corner::Below))
    {
        if let Some((_, bw, _)) = legend_rows(p)? {
            outside = outside.max(bw + 20.0);
        }
    }
    let width = panel_w * n + outside + 10.0;
    let mut notes: Vec<String> = Vec::new();
    for note in &fig.notes {
        notes.extend(wrap(note, 12.5, width - LEFT - 20.0)?);
    }
    let height = TITLE_H + panel_h + NOTE_H * notes.len() as f64 + 8.0;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" font-family=\"{FONT}\">"
    );
    let _ = writeln!(o, "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>");
    let (_, tw) = to_svg(&fig.title, 17.0).map_err(label_err)?;
    let tsize = if tw > width - 20.0 {
        17.0 * (width - 20.0) / tw
    } else {
        17.0
    };
    o.push_str(
        &text(
            &fig.title,
            width / 2.0,
            24.0,
            (tsize * 10.0).floor() / 10.0,
            "middle",
            "",
        )?
        .0,
    );
    for (pi, p) in fig.panels.iter().enumerate() {
        let a = Area {
            x0: 5.0 + panel_w * pi as f64 + LEFT,
            y0: TITLE_H + PANEL_TOP,
            w: PLOT_W,
            h: PLOT_H,
        };
        draw_panel(&mut o, fig, pi, p, a)?;
    }
    for (i, note) in notes.iter().enumerate() {
        let y = TITLE_H + panel_h + NOTE_H * i as f64 + 4.0;
        o.push_str(&text(note, 5.0 + LEFT, y, 12.5, "start", "")?.0);
    }
    o.push_str("</svg>\n");
    Ok(o)
}
