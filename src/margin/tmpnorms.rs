//! Temporary stand-in for `crate::norms::parse_norm` until the geometry branch is merged.
#![allow(missing_docs)]
use crate::error::{Error, Result};
use crate::norms::Norm;
use faer::{Mat, MatRef};

#[derive(Debug)]
pub struct Ew(f64, String);
#[derive(Debug)]
pub struct Sc(f64, String);

fn pnorm(v: &[f64], p: f64) -> f64 {
    if p.is_infinite() { v.iter().fold(0.0, |a, x| f64::max(a, x.abs())) }
    else if p == 1.0 { v.iter().map(|x| x.abs()).sum() }
    else { v.iter().map(|x| x.abs().powf(p)).sum::<f64>().powf(1.0 / p) }
}
fn conj(p: f64) -> f64 { if p == 1.0 { f64::INFINITY } else if p.is_infinite() { 1.0 } else { p / (p - 1.0) } }
fn entries(x: MatRef<'_, f64>) -> Vec<f64> { (0..x.nrows()).flat_map(|i| (0..x.ncols()).map(move |j| x[(i, j)])).collect() }
fn vec_lmo(g: &[f64], p: f64) -> Vec<f64> {
    let q = conj(p);
    let n = pnorm(g, q);
    if n == 0.0 { return vec![0.0; g.len()]; }
    if p.is_infinite() { return g.iter().map(|x| if *x == 0.0 { 0.0 } else { x.signum() }).collect(); }
    if p == 1.0 { let (i, _) = g.iter().enumerate().fold((0, -1.0), |a, (i, x)| if x.abs() > a.1 { (i, x.abs()) } else { a }); let mut v = vec![0.0; g.len()]; v[i] = g[i].signum(); return v; }
    g.iter().map(|x| x.signum() * (x.abs() / n).powf(q - 1.0)).collect()
}
impl Norm for Ew {
    fn name(&self) -> String { self.1.clone() }
    fn norm(&self, x: MatRef<'_, f64>) -> f64 { pnorm(&entries(x), self.0) }
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64 { pnorm(&entries(g), conj(self.0)) }
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64> { let v = vec_lmo(&entries(g), self.0); Mat::from_fn(g.nrows(), g.ncols(), |i, j| v[i * g.ncols() + j]) }
}
impl Norm for Sc {
    fn name(&self) -> String { self.1.clone() }
    fn norm(&self, x: MatRef<'_, f64>) -> f64 { pnorm(&x.singular_values().unwrap(), self.0) }
    fn dual_norm(&self, g: MatRef<'_, f64>) -> f64 { pnorm(&g.singular_values().unwrap(), conj(self.0)) }
    fn dualize(&self, g: MatRef<'_, f64>) -> Mat<f64> {
        let s = g.thin_svd().unwrap();
        let sv: Vec<f64> = (0..s.S().dim()).map(|i| s.S()[i]).collect();
        let v = vec_lmo(&sv, self.0);
        let mut out = Mat::zeros(g.nrows(), g.ncols());
        for r in 0..sv.len() { for i in 0..g.nrows() { for j in 0..g.ncols() { out[(i, j)] += v[r] * s.U()[(i, r)] * s.V()[(j, r)]; } } }
        out
    }
}
pub fn parse_norm(name: &str) -> Result<Box<dyn Norm>> {
    let p = |s: &str| if s == "inf" { f64::INFINITY } else { s.parse().unwrap() };
    Ok(match name {
        "fro" | "l2" => Box::new(Ew(2.0, name.into())),
        "max" | "linf" => Box::new(Ew(f64::INFINITY, name.into())),
        "sum" | "l1" => Box::new(Ew(1.0, name.into())),
        "spectral" => Box::new(Sc(f64::INFINITY, name.into())),
        "nuclear" => Box::new(Sc(1.0, name.into())),
        _ if name.starts_with("entrywise:") => Box::new(Ew(p(&name[10..]), name.into())),
        _ if name.starts_with("lp:") => Box::new(Ew(p(&name[3..]), name.into())),
        _ if name.starts_with("schatten:") => Box::new(Sc(p(&name[9..]), name.into())),
        _ => return Err(Error::input("unknown norm")),
    })
}
