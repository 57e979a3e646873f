//! The model language of `steepest aion solve --model FILE`: a model f(x; θ) written as an
//! expression over named parameters θ and input columns x, parsed by a small parser of our own into
//! an [`Expr`] tree with a direct f64 evaluator (used for the loss L(θ) = (1/2N) Σ_k (f(x_k; θ) − y_k)²
//! and for finite-difference checks, never derived from Symbolica's output).
//!
//! Grammar (usual precedence, `^` binds tightest and is right-associative, unary minus below `^`):
//! ```text
//! expr  = term (('+' | '-') term)*
//! term  = unary (('*' | '/') unary)*
//! unary = '-' unary | power
//! power = atom ('^' unary)?
//! atom  = number | name | func '(' expr ')' | '(' expr ')'
//! func  = exp | log | sin | cos | tanh | sqrt
//! ```
//! A name is a column if the data have a column of that name, else a parameter; every parameter
//! needs a start value in `theta0`.

use crate::error::{Error, Result};
use serde_json::Value;

/// An elementary function of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// e^u.
    Exp,
    /// ln u.
    Log,
    /// sin u.
    Sin,
    /// cos u.
    Cos,
    /// tanh u.
    Tanh,
    /// √u.
    Sqrt,
}

/// The functions, by name (one table for the parser, the printers and the messages).
pub const FUNCS: [(&str, Func); 6] = [
    ("exp", Func::Exp),
    ("log", Func::Log),
    ("sin", Func::Sin),
    ("cos", Func::Cos),
    ("tanh", Func::Tanh),
    ("sqrt", Func::Sqrt),
];

impl Func {
    /// The name used in model files (and understood by Symbolica for exp, log, sin, cos, sqrt).
    pub fn name(self) -> &'static str {
        FUNCS
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }
    fn apply(self, u: f64) -> f64 {
        match self {
            Func::Exp => u.exp(),
            Func::Log => u.ln(),
            Func::Sin => u.sin(),
            Func::Cos => u.cos(),
            Func::Tanh => u.tanh(),
            Func::Sqrt => u.sqrt(),
        }
    }
}

/// An expression over parameters (indices into θ) and columns (indices into a data row).
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A constant.
    Num(f64),
    /// Parameter θ_k.
    Param(usize),
    /// Input column x_c.
    Col(usize),
    /// −a.
    Neg(Box<Expr>),
    /// a + b.
    Add(Box<Expr>, Box<Expr>),
    /// a − b.
    Sub(Box<Expr>, Box<Expr>),
    /// a · b.
    Mul(Box<Expr>, Box<Expr>),
    /// a / b.
    Div(Box<Expr>, Box<Expr>),
    /// a ^ b.
    Pow(Box<Expr>, Box<Expr>),
    /// g(a).
    Call(Func, Box<Expr>),
}

impl Expr {
    /// The value at parameters `theta` and data row `x`.
    pub fn eval(&self, theta: &[f64], x: &[f64]) -> f64 {
        match self {
            Expr::Num(v) => *v,
            Expr::Param(k) => theta[*k],
            Expr::Col(c) => x[*c],
            Expr::Neg(a) => -a.eval(theta, x),
            Expr::Add(a, b) => a.eval(theta, x) + b.eval(theta, x),
            Expr::Sub(a, b) => a.eval(theta, x) - b.eval(theta, x),
            Expr::Mul(a, b) => a.eval(theta, x) * b.eval(theta, x),
            Expr::Div(a, b) => a.eval(theta, x) / b.eval(theta, x),
            Expr::Pow(a, b) => {
                let (u, p) = (a.eval(theta, x), b.eval(theta, x));
                if p.fract() == 0.0 && p.abs() <= i32::MAX as f64 {
                    u.powi(p as i32)
                } else {
                    u.powf(p)
                }
            }
            Expr::Call(g, a) => g.apply(a.eval(theta, x)),
        }
    }

    /// Whether any parameter occurs.
    pub fn has_params(&self) -> bool {
        match self {
            Expr::Num(_) | Expr::Col(_) => false,
            Expr::Param(_) => true,
            Expr::Neg(a) | Expr::Call(_, a) => a.has_params(),
            Expr::Add(a, b)
            | Expr::Sub(a, b)
            | Expr::Mul(a, b)
            | Expr::Div(a, b)
            | Expr::Pow(a, b) => a.has_params() || b.has_params(),
        }
    }

    /// The parameters that occur, in order of first appearance.
    pub fn params(&self, out: &mut Vec<usize>) {
        match self {
            Expr::Num(_) | Expr::Col(_) => {}
            Expr::Param(k) => {
                if !out.contains(k) {
                    out.push(*k)
                }
            }
            Expr::Neg(a) | Expr::Call(_, a) => a.params(out),
            Expr::Add(a, b)
            | Expr::Sub(a, b)
            | Expr::Mul(a, b)
            | Expr::Div(a, b)
            | Expr::Pow(a, b) => {
                a.params(out);
                b.params(out);
            }
        }
    }

    /// The expression as text with the given names (fully parenthesised where needed; parses back
    /// to the same tree). `param`/`col` name θ_k and x_c.
    pub fn print(&self, param: &dyn Fn(usize) -> String, col: &dyn Fn(usize) -> String) -> String {
        let p = |e: &Expr| e.print(param, col);
        let wrap = |e: &Expr| match e {
            Expr::Num(v) if *v >= 0.0 => p(e),
            Expr::Param(_) | Expr::Col(_) | Expr::Call(..) => p(e),
            _ => format!("({})", p(e)),
        };
        match self {
            Expr::Num(v) => num_text(*v),
            Expr::Param(k) => param(*k),
            Expr::Col(c) => col(*c),
            Expr::Neg(a) => format!("-{}", wrap(a)),
            Expr::Add(a, b) => format!("{}+{}", p(a), p(b)),
            Expr::Sub(a, b) => format!("{}-{}", p(a), wrap(b)),
            Expr::Mul(a, b) => format!("{}*{}", wrap(a), wrap(b)),
            Expr::Div(a, b) => format!("{}/{}", wrap(a), wrap(b)),
            Expr::Pow(a, b) => format!("{}^{}", wrap(a), wrap(b)),
            Expr::Call(g, a) => format!("{}({})", g.name(), p(a)),
        }
    }

    /// LaTeX of the expression with the given LaTeX names.
    pub fn latex(&self, param: &dyn Fn(usize) -> String, col: &dyn Fn(usize) -> String) -> String {
        let l = |e: &Expr| e.latex(param, col);
        let wrap = |e: &Expr| match e {
            Expr::Num(v) if *v >= 0.0 => l(e),
            Expr::Param(_) | Expr::Col(_) | Expr::Call(..) | Expr::Pow(..) => l(e),
            _ => format!("\\left({}\\right)", l(e)),
        };
        match self {
            Expr::Num(v) => num_text(*v),
            Expr::Param(k) => param(*k),
            Expr::Col(c) => col(*c),
            Expr::Neg(a) => format!("-{}", wrap(a)),
            Expr::Add(a, b) => format!("{} + {}", l(a), l(b)),
            Expr::Sub(a, b) => format!("{} - {}", l(a), wrap(b)),
            Expr::Mul(a, b) => format!("{} \\, {}", wrap(a), wrap(b)),
            Expr::Div(a, b) => format!("\\frac{{{}}}{{{}}}", l(a), l(b)),
            Expr::Pow(a, b) => format!("{{{}}}^{{{}}}", wrap(a), l(b)),
            Expr::Call(Func::Exp, a) => format!("e^{{{}}}", l(a)),
            Expr::Call(Func::Sqrt, a) => format!("\\sqrt{{{}}}", l(a)),
            Expr::Call(g, a) => format!("\\{}\\left({}\\right)", g.name(), l(a)),
        }
    }
}

fn num_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v:?}")
    }
}

/// LaTeX of a parameter or column name: a Greek base (`al`/`alpha` → `\alpha`, `om` → `\omega`,
/// `ph`/`phi` → `\varphi`, …) and the indices after it as a subscript, `_` or digit runs separating
/// them: `al_1_1` → `\alpha_{1,1}`, `A12` → `A_{12}`, `x0` → `x_{0}`.
pub fn latex_name(name: &str) -> String {
    let (base, rest) = match name.find(|c: char| c == '_' || c.is_ascii_digit()) {
        Some(i) => name.split_at(i),
        None => (name, ""),
    };
    const GREEK: [(&str, &str); 18] = [
        ("al", "\\alpha"),
        ("alpha", "\\alpha"),
        ("beta", "\\beta"),
        ("gamma", "\\gamma"),
        ("delta", "\\delta"),
        ("eps", "\\varepsilon"),
        ("theta", "\\theta"),
        ("th", "\\theta"),
        ("lambda", "\\lambda"),
        ("mu", "\\mu"),
        ("sigma", "\\sigma"),
        ("tau", "\\tau"),
        ("om", "\\omega"),
        ("omega", "\\omega"),
        ("ph", "\\varphi"),
        ("phi", "\\varphi"),
        ("psi", "\\psi"),
        ("rho", "\\rho"),
    ];
    let b = GREEK
        .iter()
        .find(|(k, _)| *k == base)
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| {
            if base.chars().count() == 1 {
                base.to_string()
            } else {
                format!("\\mathrm{{{base}}}")
            }
        });
    let idx: Vec<&str> = rest.split('_').filter(|s| !s.is_empty()).collect();
    if idx.is_empty() {
        b
    } else {
        format!("{b}_{{{}}}", idx.join(","))
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Name(String),
    Op(char),
}

fn tokenize(s: &str) -> Result<Vec<(usize, Tok)>> {
    let b: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == '.') {
                i += 1;
            }
            if i < b.len() && (b[i] == 'e' || b[i] == 'E') {
                let mut j = i + 1;
                if j < b.len() && (b[j] == '+' || b[j] == '-') {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    i = j;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let t: String = b[start..i].iter().collect();
            let v: f64 = t.parse().map_err(|_| {
                Error::input(format!(
                    "model expression: '{t}' at character {} is not a number",
                    start + 1
                ))
            })?;
            out.push((start, Tok::Num(v)));
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            out.push((start, Tok::Name(b[start..i].iter().collect())));
        } else if "+-*/^()".contains(c) {
            out.push((i, Tok::Op(c)));
            i += 1;
        } else {
            return Err(Error::input(format!(
                "model expression: unexpected character '{c}' at character {}; use numbers, names, + - * / ^, parentheses and {}",
                i + 1,
                func_list()
            )));
        }
    }
    Ok(out)
}

fn func_list() -> String {
    FUNCS
        .iter()
        .map(|(n, _)| format!("{n}()"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Upper bound on the nesting depth (a hostile file cannot overflow the stack).
const MAX_DEPTH: usize = 200;

struct Parser<'a> {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    /// Resolves a name to a column index, if it is a column.
    column: &'a dyn Fn(&str) -> Option<usize>,
    /// Parameter names, in order of first appearance.
    params: Vec<String>,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(_, t)| t)
    }
    fn at(&self) -> String {
        match self.toks.get(self.pos) {
            Some((i, _)) => format!("at character {}", i + 1),
            None => "at the end".into(),
        }
    }
    fn eat(&mut self, op: char) -> bool {
        if self.peek() == Some(&Tok::Op(op)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn deeper(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::input(format!(
                "model expression: nested deeper than {MAX_DEPTH} levels; simplify the expression"
            )));
        }
        Ok(())
    }
    fn expr(&mut self) -> Result<Expr> {
        self.deeper()?;
        let mut e = self.term()?;
        loop {
            if self.eat('+') {
                e = Expr::Add(Box::new(e), Box::new(self.term()?));
            } else if self.eat('-') {
                e = Expr::Sub(Box::new(e), Box::new(self.term()?));
            } else {
                break;
            }
        }
        self.depth -= 1;
        Ok(e)
    }
    fn term(&mut self) -> Result<Expr> {
        let mut e = self.unary()?;
        loop {
            if self.eat('*') {
                e = Expr::Mul(Box::new(e), Box::new(self.unary()?));
            } else if self.eat('/') {
                e = Expr::Div(Box::new(e), Box::new(self.unary()?));
            } else {
                break;
            }
        }
        Ok(e)
    }
    fn unary(&mut self) -> Result<Expr> {
        if self.eat('-') {
            self.deeper()?;
            let e = Expr::Neg(Box::new(self.unary()?));
            self.depth -= 1;
            return Ok(e);
        }
        let base = self.atom()?;
        if self.eat('^') {
            self.deeper()?;
            let e = Expr::Pow(Box::new(base), Box::new(self.unary()?));
            self.depth -= 1;
            return Ok(e);
        }
        Ok(base)
    }
    fn atom(&mut self) -> Result<Expr> {
        let at = self.at();
        match self.toks.get(self.pos).map(|(_, t)| t.clone()) {
            Some(Tok::Num(v)) => {
                self.pos += 1;
                Ok(Expr::Num(v))
            }
            Some(Tok::Op('(')) => {
                self.pos += 1;
                let e = self.expr()?;
                if !self.eat(')') {
                    return Err(Error::input(format!(
                        "model expression: missing ')' {}",
                        self.at()
                    )));
                }
                Ok(e)
            }
            Some(Tok::Name(n)) => {
                self.pos += 1;
                if let Some((_, f)) = FUNCS.iter().find(|(k, _)| *k == n) {
                    if !self.eat('(') {
                        return Err(Error::input(format!(
                            "model expression: the function {n} {at} needs an argument in parentheses, e.g. {n}(a*x0)"
                        )));
                    }
                    let e = self.expr()?;
                    if !self.eat(')') {
                        return Err(Error::input(format!(
                            "model expression: missing ')' after the argument of {n} {}",
                            self.at()
                        )));
                    }
                    return Ok(Expr::Call(*f, Box::new(e)));
                }
                if self.peek() == Some(&Tok::Op('(')) {
                    return Err(Error::input(format!(
                        "model expression: unknown function '{n}' {at}; the functions are {}",
                        func_list()
                    )));
                }
                if let Some(c) = (self.column)(&n) {
                    return Ok(Expr::Col(c));
                }
                let k = match self.params.iter().position(|p| *p == n) {
                    Some(k) => k,
                    None => {
                        self.params.push(n);
                        self.params.len() - 1
                    }
                };
                Ok(Expr::Param(k))
            }
            Some(Tok::Op(c)) => Err(Error::input(format!(
                "model expression: unexpected '{c}' {at}; expected a number, a name or '('"
            ))),
            None => Err(Error::input(
                "model expression: ends too early; expected a number, a name or '('",
            )),
        }
    }
}

/// Parse `text` with `column` resolving column names; returns the tree and the parameter names in
/// order of first appearance.
pub fn parse(text: &str, column: &dyn Fn(&str) -> Option<usize>) -> Result<(Expr, Vec<String>)> {
    let toks = tokenize(text)?;
    if toks.is_empty() {
        return Err(Error::input(
            "model expression is empty; write f(x; θ), e.g. \"A*exp(al*x0)*cos(om*x0+ph)\"",
        ));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        column,
        params: Vec::new(),
        depth: 0,
    };
    let e = p.expr()?;
    if p.pos < p.toks.len() {
        return Err(Error::input(format!(
            "model expression: unexpected text {} (an operator is missing?)",
            p.at()
        )));
    }
    Ok((e, p.params))
}

/// The loss of a model file. Only squared error: L(θ) = (1/2N) Σ_k (f(x_k; θ) − y_k)² (a
/// polynomial in f, condition C3 of the Infinity Class).
pub const LOSSES: [&str; 1] = ["squared"];

/// Solver settings of a model file.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Inner solver (`lm`, `tr`, `newton`).
    pub inner: String,
    /// Tolerance on ‖∇L‖₂.
    pub tol: f64,
    /// Inner iteration budget.
    pub max_inner: usize,
    /// Parameters held at θ0 (gauge fixing, e.g. the scale symmetry of a product), by index.
    pub fixed: Vec<usize>,
}

/// A parsed model file: f(x; θ), the data, θ0 and the solver settings.
#[derive(Clone, Debug)]
pub struct ModelFile {
    /// The expression text as written.
    pub text: String,
    /// f(x; θ).
    pub expr: Expr,
    /// Parameter names (θ order = order of first appearance in the expression).
    pub params: Vec<String>,
    /// Column names (order of x rows).
    pub columns: Vec<String>,
    /// Inputs, one row per sample.
    pub x: Vec<Vec<f64>>,
    /// Targets.
    pub y: Vec<f64>,
    /// θ0.
    pub theta0: Vec<f64>,
    /// The loss name (one of [`LOSSES`]).
    pub loss: String,
    /// Solver settings.
    pub settings: Settings,
}

/// The keys of a model file.
pub const MODEL_KEYS: [&str; 5] = ["expr", "data", "loss", "theta0", "solver"];
/// The keys of its `solver` object.
pub const SOLVER_KEYS: [&str; 4] = ["inner", "tol", "max_inner", "fixed"];

fn keys_list(keys: &[&str]) -> String {
    keys.iter()
        .map(|k| format!("\"{k}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_keys(obj: &serde_json::Map<String, Value>, keys: &[&str], what: &str) -> Result<()> {
    if let Some(k) = obj.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(Error::input(format!(
            "{what}: unknown key \"{k}\"; accepted keys are {}",
            keys_list(keys)
        )));
    }
    Ok(())
}

fn finite_number(v: &Value, what: &str) -> Result<f64> {
    v.as_f64()
        .filter(|x| x.is_finite())
        .ok_or_else(|| Error::input(format!("{what} is {v}, not a finite number")))
}

fn number_array(v: &Value, what: &str) -> Result<Vec<f64>> {
    let a = v
        .as_array()
        .ok_or_else(|| Error::input(format!("{what} must be an array of numbers")))?;
    a.iter()
        .enumerate()
        .map(|(k, e)| finite_number(e, &format!("{what}[{k}]")))
        .collect()
}

impl ModelFile {
    /// Parse a model file (JSON):
    /// `{"expr": "…", "data": {"x0": […], …, "y": […]}, "loss": "squared", "theta0": {"name": value, …},
    ///   "solver": {"inner": "lm", "tol": 1e-12, "max_inner": 500, "fixed": ["name", …]}}`
    /// (`loss` and `solver` optional). Unknown keys, missing parameters, start values for names
    /// that are not parameters, ragged or non-finite data are input errors naming the fix.
    pub fn from_json(v: &Value, what: &str) -> Result<Self> {
        let shape = "{\"expr\": \"A*exp(a*x0)\", \"data\": {\"x0\": […], \"y\": […]}, \"theta0\": {\"A\": 1, \"a\": 0.5}}";
        let obj = v.as_object().ok_or_else(|| {
            Error::input(format!("{what}: a model file is a JSON object {shape}"))
        })?;
        check_keys(obj, &MODEL_KEYS, what)?;
        let text = obj
            .get("expr")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Error::input(format!(
                    "{what}: \"expr\" is missing or not a string; write the model as text, e.g. {shape}"
                ))
            })?
            .to_string();
        let data = obj.get("data").and_then(Value::as_object).ok_or_else(|| {
            Error::input(format!(
                "{what}: \"data\" is missing or not an object of columns {{\"x0\": […], \"y\": […]}}"
            ))
        })?;
        let y = number_array(
            data.get("y").ok_or_else(|| {
                Error::input(format!("{what}: data has no \"y\" column (the targets)"))
            })?,
            &format!("{what}: data.y"),
        )?;
        let n = y.len();
        if n == 0 {
            return Err(Error::input(format!(
                "{what}: data.y is empty; give at least one sample"
            )));
        }
        let mut columns = Vec::new();
        let mut cols = Vec::new();
        for (name, col) in data.iter().filter(|(k, _)| k.as_str() != "y") {
            if FUNCS.iter().any(|(f, _)| f == name)
                || !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                return Err(Error::input(format!(
                    "{what}: data column \"{name}\" is not a usable name; use letters, digits and _ (not a function name), e.g. \"x0\""
                )));
            }
            let c = number_array(col, &format!("{what}: data.{name}"))?;
            if c.len() != n {
                return Err(Error::input(format!(
                    "{what}: data.{name} has {} entries but data.y has {n}; every column needs one entry per sample",
                    c.len()
                )));
            }
            columns.push(name.clone());
            cols.push(c);
        }
        let x: Vec<Vec<f64>> = (0..n)
            .map(|k| cols.iter().map(|c| c[k]).collect())
            .collect();
        let column = |s: &str| columns.iter().position(|c| c == s);
        let (expr, params) =
            parse(&text, &column).map_err(|e| Error::input(format!("{what}: {e}")))?;
        if params.is_empty() {
            return Err(Error::input(format!(
                "{what}: the expression has no parameters (every name is a data column); nothing to fit"
            )));
        }
        let t0 = obj.get("theta0").and_then(Value::as_object).ok_or_else(|| {
            Error::input(format!(
                "{what}: \"theta0\" is missing or not an object; give a start value per parameter: {{{}}}",
                params.iter().map(|p| format!("\"{p}\": …")).collect::<Vec<_>>().join(", ")
            ))
        })?;
        if let Some(k) = t0.keys().find(|k| !params.contains(k)) {
            return Err(Error::input(format!(
                "{what}: theta0 names \"{k}\", which is not a parameter of the expression; the parameters are {}",
                keys_list(&params.iter().map(String::as_str).collect::<Vec<_>>())
            )));
        }
        let theta0 = params
            .iter()
            .map(|p| {
                let v = t0.get(p).ok_or_else(|| {
                    Error::input(format!(
                        "{what}: theta0 has no start value for the parameter \"{p}\""
                    ))
                })?;
                finite_number(v, &format!("{what}: theta0.{p}"))
            })
            .collect::<Result<Vec<f64>>>()?;
        let loss = match obj.get("loss") {
            None => "squared".to_string(),
            Some(l) => {
                let s = l.as_str().unwrap_or("");
                if !LOSSES.contains(&s) {
                    return Err(Error::input(format!(
                        "{what}: loss {l} is not supported; use \"squared\" (L = (1/2N) Σ (f − y)²)"
                    )));
                }
                s.to_string()
            }
        };
        let mut settings = Settings {
            inner: "lm".into(),
            tol: 1e-12,
            max_inner: 500,
            fixed: Vec::new(),
        };
        if let Some(s) = obj.get("solver") {
            let so = s.as_object().ok_or_else(|| {
                Error::input(format!(
                    "{what}: \"solver\" must be an object with keys {}",
                    keys_list(&SOLVER_KEYS)
                ))
            })?;
            check_keys(so, &SOLVER_KEYS, &format!("{what}: solver"))?;
            if let Some(v) = so.get("inner") {
                settings.inner = v
                    .as_str()
                    .ok_or_else(|| {
                        Error::input(format!(
                            "{what}: solver.inner must be \"lm\", \"tr\" or \"newton\""
                        ))
                    })?
                    .to_string();
                crate::solve::Inner::parse(&settings.inner)?;
            }
            if let Some(v) = so.get("tol") {
                settings.tol = finite_number(v, &format!("{what}: solver.tol"))?;
                if settings.tol <= 0.0 {
                    return Err(Error::input(format!(
                        "{what}: solver.tol must be positive, e.g. 1e-12"
                    )));
                }
            }
            if let Some(v) = so.get("max_inner") {
                settings.max_inner = v
                    .as_u64()
                    .filter(|&m| (1..=100_000).contains(&m))
                    .ok_or_else(|| {
                        Error::input(format!(
                            "{what}: solver.max_inner is {v}; give an integer between 1 and 100000"
                        ))
                    })? as usize;
            }
            if let Some(v) = so.get("fixed") {
                let a = v.as_array().ok_or_else(|| {
                    Error::input(format!(
                        "{what}: solver.fixed must be an array of parameter names"
                    ))
                })?;
                for e in a {
                    let name = e.as_str().unwrap_or("");
                    let k = params.iter().position(|p| p == name).ok_or_else(|| {
                        Error::input(format!(
                            "{what}: solver.fixed names {e}, which is not a parameter of the expression"
                        ))
                    })?;
                    if !settings.fixed.contains(&k) {
                        settings.fixed.push(k);
                    }
                }
                if settings.fixed.len() == params.len() {
                    return Err(Error::input(format!(
                        "{what}: solver.fixed holds every parameter; leave at least one free"
                    )));
                }
            }
        }
        Ok(Self {
            text,
            expr,
            params,
            columns,
            x,
            y,
            theta0,
            loss,
            settings,
        })
    }

    /// f(x_k; θ) for every sample.
    pub fn predict(&self, theta: &[f64]) -> Vec<f64> {
        self.x.iter().map(|r| self.expr.eval(theta, r)).collect()
    }

    /// L(θ) = (1/2N) Σ_k (f(x_k; θ) − y_k)², evaluated directly in f64.
    pub fn loss(&self, theta: &[f64]) -> f64 {
        let n = self.y.len() as f64;
        self.predict(theta)
            .iter()
            .zip(&self.y)
            .map(|(f, y)| (f - y) * (f - y))
            .sum::<f64>()
            / (2.0 * n)
    }

    /// The free (not fixed) parameter indices.
    pub fn free(&self) -> Vec<usize> {
        (0..self.params.len())
            .filter(|k| !self.settings.fixed.contains(k))
            .collect()
    }

    /// LaTeX name of parameter k.
    pub fn param_latex(&self, k: usize) -> String {
        latex_name(&self.params[k])
    }

    /// The model as text with the file's names.
    pub fn expr_text(&self) -> String {
        self.expr
            .print(&|k| self.params[k].clone(), &|c| self.columns[c].clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cols(s: &str) -> Option<usize> {
        ["x0", "x1"].iter().position(|c| *c == s)
    }

    #[test]
    fn precedence_and_associativity_follow_the_usual_rules() {
        let (e, p) = parse("a + b*x0^2^0.5 - -c/2", &cols).unwrap();
        assert_eq!(p, ["a", "b", "c"]);
        let th = [1.0, 3.0, 4.0];
        let x = [2.0, 0.0];
        let want = 1.0 + 3.0 * 2f64.powf(2f64.powf(0.5)) + 4.0 / 2.0;
        assert!((e.eval(&th, &x) - want).abs() < 1e-14);
        let (e, _) = parse("-a^2", &cols).unwrap();
        assert_eq!(e.eval(&[3.0], &x), -9.0);
        let (e, _) = parse("a/b/c", &cols).unwrap();
        assert_eq!(e.eval(&[8.0, 2.0, 2.0], &x), 2.0);
    }

    #[test]
    fn functions_match_their_f64_values_and_printing_round_trips() {
        let s = "A*exp(al*x0)*cos(om*x0+ph) + tanh(w*x1-b)/sqrt(1+c^2) - log(2+x1)*sin(x0)";
        let (e, p) = parse(s, &cols).unwrap();
        let th: Vec<f64> = (0..p.len()).map(|k| 0.3 + 0.1 * k as f64).collect();
        let x = [0.7, -0.4];
        let v = |n: &str| th[p.iter().position(|q| q == n).unwrap()];
        let want = v("A") * (v("al") * 0.7).exp() * (v("om") * 0.7 + v("ph")).cos()
            + (v("w") * -0.4 - v("b")).tanh() / (1.0 + v("c") * v("c")).sqrt()
            - (2.0f64 - 0.4).ln() * 0.7f64.sin();
        assert!((e.eval(&th, &x) - want).abs() < 1e-14);
        let names = ["x0", "x1"];
        let txt = e.print(&|k| p[k].clone(), &|c| names[c].to_string());
        let (e2, p2) = parse(&txt, &cols).unwrap();
        assert_eq!(e2, e, "{txt}");
        assert_eq!(p2, p);
    }

    #[test]
    fn malformed_expressions_are_input_errors_with_a_position() {
        for (s, part) in [
            ("a*", "ends too early"),
            ("a*(b+x0", "missing ')'"),
            ("a $ b", "unexpected character"),
            ("foo(a)", "unknown function"),
            ("exp a", "needs an argument"),
            ("a b", "unexpected text"),
            ("", "empty"),
        ] {
            let e = parse(s, &cols).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains(part), "{s}: {e}");
        }
        let deep = format!("{}a{}", "(".repeat(1000), ")".repeat(1000));
        assert!(parse(&deep, &cols)
            .unwrap_err()
            .to_string()
            .contains("deeper"));
    }

    #[test]
    fn latex_names_use_greek_letters_and_index_subscripts() {
        assert_eq!(latex_name("al_1_1"), "\\alpha_{1,1}");
        assert_eq!(latex_name("A12"), "A_{12}");
        assert_eq!(latex_name("ph"), "\\varphi");
        assert_eq!(latex_name("x0"), "x_{0}");
        assert_eq!(latex_name("gain"), "\\mathrm{gain}");
    }

    fn file() -> Value {
        json!({
            "expr": "A*exp(a*x0) + c",
            "data": {"x0": [0.0, 0.5, 1.0], "y": [1.0, 2.0, 3.0]},
            "theta0": {"A": 1.0, "a": 0.5, "c": 0.0},
            "solver": {"inner": "tr", "tol": 1e-10, "fixed": ["c"]}
        })
    }

    #[test]
    fn a_model_file_parses_with_theta_in_order_of_appearance() {
        let m = ModelFile::from_json(&file(), "m").unwrap();
        assert_eq!(m.params, ["A", "a", "c"]);
        assert_eq!(m.theta0, [1.0, 0.5, 0.0]);
        assert_eq!(m.free(), [0, 1]);
        let l = m.loss(&m.theta0);
        let direct = [0.0f64, 0.5, 1.0]
            .iter()
            .zip([1.0, 2.0, 3.0])
            .map(|(x, y)| ((0.5 * x).exp() - y).powi(2))
            .sum::<f64>()
            / 6.0;
        assert!((l - direct).abs() < 1e-15, "{l} {direct}");
    }

    #[test]
    fn unknown_keys_and_bad_files_are_input_errors_naming_the_problem() {
        let bad = |f: &dyn Fn(&mut Value), part: &str| {
            let mut v = file();
            f(&mut v);
            let e = ModelFile::from_json(&v, "m").unwrap_err();
            assert_eq!(e.exit_code(), 2, "{e}");
            assert!(e.to_string().contains(part), "{part}: {e}");
        };
        bad(
            &|v| v["activation"] = json!("tanh"),
            "unknown key \"activation\"",
        );
        bad(
            &|v| v["solver"]["damping"] = json!(1),
            "unknown key \"damping\"",
        );
        bad(
            &|v| v["theta0"]["b"] = json!(1),
            "\"b\", which is not a parameter",
        );
        bad(
            &|v| {
                v["theta0"].as_object_mut().unwrap().remove("c");
            },
            "no start value for the parameter \"c\"",
        );
        bad(
            &|v| v["data"]["x0"] = json!([0.0, 1.0]),
            "every column needs one entry",
        );
        bad(
            &|v| v["data"]["x0"][1] = json!("NaN"),
            "not a finite number",
        );
        bad(&|v| v["loss"] = json!("hinge"), "not supported");
        bad(
            &|v| v["solver"]["fixed"] = json!(["A", "a", "c"]),
            "leave at least one free",
        );
        bad(
            &|v| v["solver"]["inner"] = json!("cg"),
            "unknown inner solver",
        );
        bad(&|v| v["expr"] = json!("x0*2"), "no parameters");
    }
}
