//! TeX text in both directions: [`latex_escape`] turns report text (claims, ids, names) into TeX
//! that pdflatex compiles; [`to_svg`] draws the small TeX subset our figure labels use
//! (`$\|W_t\|_F$`, `$V_{\max}$`, `$10^{-3}$`) as SVG `<tspan>`s with real sub- and superscripts,
//! so every label is written once, in TeX, for both renderers.

/// Report text escaped for LaTeX (text mode): the special characters escaped, common Unicode
/// mathematics mapped to math-mode commands, and any other non-ASCII character replaced by `?`
/// (pdflatex stops on a character it has no glyph for).
pub fn latex_escape(t: &str) -> String {
    let mut o = String::with_capacity(t.len());
    // math-mode pieces are merged with a math piece just before them (`$\|$$x$` would read as
    // display math); superscript and subscript characters are collected into one `^{…}`/`_{…}`
    let math = |o: &mut String, tex: &str| {
        if o.ends_with('$') && !o.ends_with("\\$") {
            o.pop();
        } else {
            o.push('$');
        }
        o.push_str(tex);
        o.push('$');
    };
    let chars: Vec<char> = t.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let ch = chars[i];
        i += 1;
        if let Some(s) = script_char(ch) {
            let (mark, mut body) = (s.0, String::from(s.1));
            while let Some(n) = chars
                .get(i)
                .and_then(|&c| script_char(c))
                .filter(|n| n.0 == mark)
            {
                body.push(n.1);
                i += 1;
            }
            let body = if body == "T" {
                "\\top".to_string()
            } else {
                body
            };
            math(&mut o, &format!("{mark}{{{body}}}"));
            continue;
        }
        match ch {
            '\\' => o.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                o.push('\\');
                o.push(ch);
            }
            '~' => o.push_str("\\textasciitilde{}"),
            '^' => o.push_str("\\textasciicircum{}"),
            '<' => math(&mut o, "<"),
            '>' => math(&mut o, ">"),
            '|' => math(&mut o, "|"),
            '–' => o.push_str("--"),
            '—' => o.push_str("---"),
            '’' => o.push('\''),
            '“' => o.push_str("``"),
            '”' => o.push_str("''"),
            '…' => o.push_str("\\dots{}"),
            'é' => o.push_str("\\'e"),
            'ö' => o.push_str("\\\"o"),
            'ü' => o.push_str("\\\"u"),
            'ä' => o.push_str("\\\"a"),
            '✓' => o.push_str("yes"),
            c if c.is_ascii() => o.push(c),
            c => match math_symbol(c) {
                Some(cmd) => math(&mut o, cmd),
                None => o.push('?'),
            },
        }
    }
    o
}

/// A superscript (`^`) or subscript (`_`) character and what it raises or lowers.
fn script_char(c: char) -> Option<(char, char)> {
    const SUP: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    const SUB: [char; 10] = ['₀', '₁', '₂', '₃', '₄', '₅', '₆', '₇', '₈', '₉'];
    let digit = |i: usize| char::from(b'0' + i as u8);
    if let Some(i) = SUP.iter().position(|&s| s == c) {
        return Some(('^', digit(i)));
    }
    if let Some(i) = SUB.iter().position(|&s| s == c) {
        return Some(('_', digit(i)));
    }
    match c {
        '⁻' => Some(('^', '-')),
        '⁺' => Some(('^', '+')),
        'ᵀ' => Some(('^', 'T')),
        'ᵢ' => Some(('_', 'i')),
        'ⱼ' => Some(('_', 'j')),
        'ₖ' => Some(('_', 'k')),
        'ₜ' => Some(('_', 't')),
        _ => None,
    }
}

/// The math-mode TeX of a Unicode mathematical symbol or Greek letter, if known.
fn math_symbol(c: char) -> Option<&'static str> {
    MATH.iter().find(|m| m.1 == c).map(|m| m.0)
}

/// TeX math commands and the Unicode characters they draw (both directions use this table).
const MATH: &[(&str, char)] = &[
    ("\\le", '≤'),
    ("\\ge", '≥'),
    ("\\ne", '≠'),
    ("\\approx", '≈'),
    ("\\in", '∈'),
    ("\\notin", '∉'),
    ("\\cdot", '·'),
    ("\\times", '×'),
    ("-", '−'),
    ("\\pm", '±'),
    ("\\|", '‖'),
    ("\\surd", '√'),
    ("\\infty", '∞'),
    ("\\to", '→'),
    ("\\mapsto", '↦'),
    ("\\Rightarrow", '⇒'),
    ("\\langle", '⟨'),
    ("\\rangle", '⟩'),
    ("\\nabla", '∇'),
    ("\\partial", '∂'),
    ("\\sum", 'Σ'),
    ("\\prod", '∏'),
    ("\\int", '∫'),
    ("\\ell", 'ℓ'),
    ("\\circ", '∘'),
    ("\\star", '⋆'),
    ("\\ast", '∗'),
    ("\\subseteq", '⊆'),
    ("\\forall", '∀'),
    ("\\exists", '∃'),
    ("\\sim", '∼'),
    ("\\propto", '∝'),
    ("\\lceil", '⌈'),
    ("\\rceil", '⌉'),
    ("\\lfloor", '⌊'),
    ("\\rfloor", '⌋'),
    ("\\mathbb{R}", 'ℝ'),
    ("_{*}", '⁎'),
    ("\\alpha", 'α'),
    ("\\beta", 'β'),
    ("\\gamma", 'γ'),
    ("\\delta", 'δ'),
    ("\\varepsilon", 'ε'),
    ("\\zeta", 'ζ'),
    ("\\eta", 'η'),
    ("\\theta", 'θ'),
    ("\\kappa", 'κ'),
    ("\\lambda", 'λ'),
    ("\\mu", 'μ'),
    ("\\nu", 'ν'),
    ("\\xi", 'ξ'),
    ("\\pi", 'π'),
    ("\\rho", 'ρ'),
    ("\\sigma", 'σ'),
    ("\\tau", 'τ'),
    ("\\varphi", 'φ'),
    ("\\phi", 'ϕ'),
    ("\\chi", 'χ'),
    ("\\psi", 'ψ'),
    ("\\omega", 'ω'),
    ("\\Gamma", 'Γ'),
    ("\\Delta", 'Δ'),
    ("\\Theta", 'Θ'),
    ("\\Lambda", 'Λ'),
    ("\\Sigma", 'Σ'),
    ("\\Phi", 'Φ'),
    ("\\Psi", 'Ψ'),
    ("\\Omega", 'Ω'),
];

/// Commands of [`to_svg`] that stand for one character, beyond the table above.
fn command_char(cmd: &str) -> Option<char> {
    match cmd {
        "epsilon" => Some('ϵ'),
        "vartheta" => Some('ϑ'),
        "lvert" | "rvert" | "vert" | "mid" => Some('|'),
        "lVert" | "rVert" | "Vert" => Some('‖'),
        "cdots" | "dots" | "ldots" => Some('…'),
        "leq" => Some('≤'),
        "geq" => Some('≥'),
        "top" => Some('ᵀ'),
        "sqrt" => Some('√'),
        _ => MATH
            .iter()
            .find(|m| m.0.strip_prefix('\\') == Some(cmd))
            .map(|m| m.1),
    }
}

/// One run of SVG text in one style.
#[derive(Clone, Debug, PartialEq)]
struct Run {
    text: String,
    italic: bool,
    bold: bool,
    mono: bool,
    /// 0 on the baseline, −1 subscript, +1 superscript (deeper levels clamp to ±1 steps).
    level: i32,
}

/// Parser state of [`to_svg`].
struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    runs: Vec<Run>,
    src: &'a str,
    /// The last character set in math mode (`None` at the start of a formula).
    prev: Option<char>,
    /// A relation was set: the next math character gets a space before it.
    pending_space: bool,
}

#[derive(Clone, Copy)]
struct Mode {
    math: bool,
    upright: bool,
    bold: bool,
    mono: bool,
    level: i32,
}

impl Parser<'_> {
    fn push(&mut self, s: &str, m: Mode, letter: bool) {
        // math spacing as TeX sets it: spaces around relations, around binary operators after
        // an operand, a thin space after a comma
        let spaced;
        let s = if m.math {
            let prev = self.prev;
            let pending = std::mem::take(&mut self.pending_space);
            let mut chars = s.chars();
            self.prev = s.chars().last().or(prev);
            let lead = if pending { " " } else { "" };
            match (chars.next(), chars.next()) {
                (Some(c), None) if "=≤≥≈∈↦→<>≠".contains(c) => {
                    // no space at either end of a formula, as in TeX
                    spaced = format!("{}{c}", if prev.is_some() { " " } else { "" });
                    self.pending_space = true;
                    &spaced
                }
                (Some(c), None)
                    if "+−·×±".contains(c)
                        && m.level == 0
                        && prev.is_some_and(|p| !"([{,=≤≥≈∈↦→<>≠".contains(p)) =>
                {
                    spaced = format!("{lead}\u{2005}{c}\u{2005}");
                    &spaced
                }
                (Some(','), None) => {
                    spaced = format!("{lead},\u{2009}");
                    &spaced
                }
                _ if pending => {
                    spaced = format!(" {s}");
                    &spaced
                }
                _ => s,
            }
        } else {
            s
        };
        let italic = m.math && letter && !m.upright;
        let run = Run {
            text: s.to_string(),
            italic,
            bold: m.bold,
            mono: m.mono,
            level: m.level,
        };
        match self.runs.last_mut() {
            Some(r)
                if r.italic == run.italic
                    && r.bold == run.bold
                    && r.mono == run.mono
                    && r.level == run.level =>
            {
                r.text.push_str(s)
            }
            _ => self.runs.push(run),
        }
    }

    fn err(&self, what: &str) -> String {
        format!("label '{}': {what}", self.src)
    }

    /// Parse until the end of input or an unmatched `}` (consumed when `in_group`).
    fn seq(&mut self, mut m: Mode, in_group: bool) -> Result<Mode, String> {
        while self.pos < self.chars.len() {
            let c = self.chars[self.pos];
            self.pos += 1;
            match c {
                '}' if in_group => return Ok(m),
                '}' => return Err(self.err("unmatched '}'")),
                '{' => {
                    self.seq(m, true)?;
                }
                '$' => {
                    m.math = !m.math;
                    self.prev = None;
                    self.pending_space = false;
                }
                '_' | '^' if m.math => {
                    let mut s = m;
                    s.level += if c == '_' { -1 } else { 1 };
                    self.atom(s)?;
                }
                '~' => self.push("\u{a0}", m, false),
                '-' if !m.math => {
                    if self.chars.get(self.pos) == Some(&'-') {
                        self.pos += 1;
                        self.push("–", m, false);
                    } else {
                        self.push("-", m, false);
                    }
                }
                '-' => self.push("−", m, false),
                '\\' => self.command(m)?,
                ' ' if m.math => {}
                c => self.push(&c.to_string(), m, c.is_alphabetic()),
            }
        }
        if in_group {
            Err(self.err("missing '}'"))
        } else {
            Ok(m)
        }
    }

    /// One token or `{group}` (the argument of `_`, `^`, `\mathrm`, …).
    fn atom(&mut self, m: Mode) -> Result<(), String> {
        match self.chars.get(self.pos) {
            Some('{') => {
                self.pos += 1;
                self.seq(m, true)?;
            }
            Some('\\') => {
                self.pos += 1;
                self.command(m)?;
            }
            Some(&c) => {
                self.pos += 1;
                self.push(&c.to_string(), m, c.is_alphabetic());
            }
            None => return Err(self.err("'_' or '^' at the end")),
        }
        Ok(())
    }

    fn command(&mut self, m: Mode) -> Result<(), String> {
        let start = self.pos;
        while self.pos < self.chars.len() && self.chars[self.pos].is_ascii_alphabetic() {
            self.pos += 1;
        }
        if self.pos == start {
            // a one-character command: \| \, \; \{ \} \% \& \_ \# \$ \!
            let Some(&c) = self.chars.get(self.pos) else {
                return Err(self.err("'\\' at the end"));
            };
            self.pos += 1;
            match c {
                '|' => self.push("‖", m, false),
                ',' => self.push("\u{2009}", m, false),
                ';' | ' ' => self.push(" ", m, false),
                '!' => {}
                '{' | '}' | '%' | '&' | '_' | '#' | '$' => self.push(&c.to_string(), m, false),
                _ => return Err(self.err(&format!("unknown command '\\{c}'"))),
            }
            return Ok(());
        }
        let cmd: String = self.chars[start..self.pos].iter().collect();
        let upright = |mut m: Mode| {
            m.upright = true;
            m
        };
        match cmd.as_str() {
            "mathrm" | "text" | "textrm" | "operatorname" | "mathsf" => self.atom(upright(m))?,
            "mathit" | "emph" | "textit" => {
                let mut i = m;
                i.math = true;
                i.upright = false;
                self.atom(i)?;
            }
            "textbf" | "mathbf" | "boldsymbol" => {
                let mut b = m;
                b.bold = true;
                self.atom(b)?;
            }
            "texttt" => {
                let mut t = upright(m);
                t.mono = true;
                self.atom(t)?;
            }
            "max" | "min" | "log" | "exp" | "sup" | "inf" | "arg" | "sign" | "tr" | "lim" => {
                self.push(&cmd, upright(m), true)
            }
            "quad" => self.push("\u{2003}", m, false),
            "qquad" => self.push("\u{2003}\u{2003}", m, false),
            "left" | "right" | "bigl" | "bigr" | "Bigl" | "Bigr" | "big" | "Big" => {}
            "textbackslash" => self.push("\\", m, false),
            "textasciitilde" => self.push("~", m, false),
            "textasciicircum" => self.push("^", m, false),
            _ => match command_char(&cmd) {
                Some(ch) => self.push(&ch.to_string(), m, false),
                None => return Err(self.err(&format!("unknown command '\\{cmd}'"))),
            },
        }
        // a command word swallows the spaces after it, as in TeX
        while self.chars.get(self.pos) == Some(&' ') && !m.math {
            self.pos += 1;
        }
        Ok(())
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A TeX label as SVG text content (`<tspan>` runs with sub/superscripts shifted and scaled for a
/// base font of `size` px) and its estimated width in px. Fails on TeX outside the subset
/// (an unknown command), naming the label.
pub fn to_svg(tex: &str, size: f64) -> Result<(String, f64), String> {
    let mut p = Parser {
        chars: tex.chars().collect(),
        pos: 0,
        runs: Vec::new(),
        src: tex,
        prev: None,
        pending_space: false,
    };
    let mode = Mode {
        math: false,
        upright: false,
        bold: false,
        mono: false,
        level: 0,
    };
    let end = p.seq(mode, false)?;
    if end.math {
        return Err(p.err("unbalanced '$'"));
    }
    let mut out = String::new();
    let mut width = 0.0;
    let mut shift = 0.0; // current baseline offset in px (positive: down)
    for r in &p.runs {
        let level = r.level.clamp(-2, 2);
        let scale = if level == 0 {
            1.0
        } else {
            0.72f64.powi(level.abs().min(2))
        };
        let target = match level {
            0 => 0.0,
            l if l < 0 => 0.28 * size * f64::from(-l),
            l => -0.38 * size * f64::from(l),
        };
        let fs = size * scale;
        let mut attrs = String::new();
        if (target - shift).abs() > 1e-9 {
            attrs.push_str(&format!(" dy=\"{:.2}\"", target - shift));
            shift = target;
        }
        if level != 0 {
            attrs.push_str(&format!(" font-size=\"{fs:.2}\""));
        }
        if r.italic {
            attrs.push_str(" font-style=\"italic\"");
        }
        if r.bold {
            attrs.push_str(" font-weight=\"bold\"");
        }
        if r.mono {
            attrs.push_str(" font-family=\"DejaVu Sans Mono, monospace\"");
        }
        let w_char = if r.mono { 0.6 } else { 0.52 };
        width += r.text.chars().count() as f64 * w_char * fs;
        if attrs.is_empty() {
            out.push_str(&xml_escape(&r.text));
        } else {
            out.push_str(&format!("<tspan{attrs}>{}</tspan>", xml_escape(&r.text)));
        }
    }
    if shift.abs() > 1e-9 {
        // back to the baseline, so text after this element is not shifted
        out.push_str(&format!("<tspan dy=\"{:.2}\">\u{200b}</tspan>", -shift));
    }
    Ok((out, width))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_specials() {
        assert_eq!(latex_escape("a_b & 50%"), "a\\_b \\& 50\\%");
        assert_eq!(latex_escape("≤"), "$\\le$");
        assert_eq!(latex_escape("‖W‖_F − 1"), "$\\|$W$\\|$\\_F $-$ 1");
        assert_eq!(latex_escape("漢"), "?");
    }

    #[test]
    fn svg_text_has_real_subscripts_and_no_tex_left() {
        let (s, w) = to_svg("$\\|W_t\\|_F$", 14.0).unwrap();
        assert!(
            s.contains("‖") && s.contains("dy=") && !s.contains('\\'),
            "{s}"
        );
        assert!(w > 0.0);
        let (s, _) = to_svg("$V_{\\max}$ and $10^{-18}$", 12.0).unwrap();
        assert!(s.contains(">max<") && s.contains(">−18<"), "{s}");
        let (s, _) = to_svg("$\\langle W_t, V_N\\rangle$", 12.0).unwrap();
        assert!(s.contains("⟨") && s.contains("⟩"), "{s}");
    }

    #[test]
    fn unknown_tex_is_an_error_naming_the_label() {
        let e = to_svg("$\\frobnicate$", 12.0).unwrap_err();
        assert!(e.contains("frobnicate"), "{e}");
        assert!(to_svg("$x", 12.0).is_err());
        assert!(to_svg("{x", 12.0).is_err());
    }

    #[test]
    fn escaped_text_reads_back_as_itself() {
        for t in [
            "spectral-gd",
            "nsd:norm=max",
            "P3-c[momo-widens:muonadam]",
            "a_b",
        ] {
            let (s, _) = to_svg(&latex_escape(t), 12.0).unwrap();
            assert_eq!(s, xml_escape(t), "{t}");
        }
    }
}
