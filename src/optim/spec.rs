//! The `key=value,key=value` part of optimizer and schedule specs, with range-checked getters.
//!
//! Every getter records the key it was asked for, so that [`KeyValues::finish`] can reject unknown
//! keys with the list of allowed ones, and every range error names the key and the allowed range.

use crate::error::{Error, Result};
use std::collections::BTreeMap;

/// Parsed `key=value` pairs of one spec, with the keys consumed so far.
#[derive(Debug)]
pub struct KeyValues {
    what: String,
    values: BTreeMap<String, String>,
    allowed: Vec<&'static str>,
    resolved: Vec<(String, String)>,
}

impl KeyValues {
    /// Parse `rest` (`key=value,…`; empty is fine). `what` names the spec in messages.
    pub fn parse(what: &str, rest: &str) -> Result<Self> {
        let mut values = BTreeMap::new();
        for item in rest.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (k, v) = item.split_once('=').ok_or_else(|| {
                Error::input(format!(
                    "{what}: '{item}' is not key=value; write options as key=value separated by commas"
                ))
            })?;
            let k = k.trim().to_string();
            if values.insert(k.clone(), v.trim().to_string()).is_some() {
                return Err(Error::input(format!(
                    "{what}: key '{k}' is given twice; give each key once"
                )));
            }
        }
        Ok(Self {
            what: what.to_string(),
            values,
            allowed: Vec::new(),
            resolved: Vec::new(),
        })
    }

    fn take(&mut self, key: &'static str) -> Option<String> {
        if !self.allowed.contains(&key) {
            self.allowed.push(key);
        }
        self.values.remove(key)
    }

    /// Record a resolved value for [`KeyValues::canonical`].
    pub fn note(&mut self, key: &str, value: impl std::fmt::Display) {
        self.resolved.push((key.to_string(), value.to_string()));
    }

    /// `key=value,…` of every resolved value, in the order they were read (defaults included).
    pub fn canonical(&self) -> String {
        self.resolved
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Whether `key` was given (does not consume it).
    pub fn has(&self, key: &str) -> bool {
        self.values.contains_key(key)
    }

    /// A real number in [lo, hi]; `range` describes the range in messages (e.g. `"eps ≥ 0"`).
    pub fn f64_in(
        &mut self,
        key: &'static str,
        default: Option<f64>,
        lo: f64,
        hi: f64,
        range: &str,
    ) -> Result<f64> {
        self.f64_checked(key, default, range, |x| x >= lo && x <= hi)
    }

    /// A momentum-type coefficient β ∈ [0, 1).
    pub fn beta(&mut self, key: &'static str, default: f64) -> Result<f64> {
        self.f64_checked(key, Some(default), &format!("{key} ∈ [0, 1)"), |x| {
            (0.0..1.0).contains(&x)
        })
    }

    /// A learning rate lr ≥ 0 (finite).
    pub fn lr(&mut self, key: &'static str, default: f64) -> Result<f64> {
        self.f64_checked(key, Some(default), &format!("finite {key} ≥ 0"), |x| {
            x >= 0.0 && x.is_finite()
        })
    }

    fn f64_checked(
        &mut self,
        key: &'static str,
        default: Option<f64>,
        range: &str,
        ok: impl Fn(f64) -> bool,
    ) -> Result<f64> {
        match self.take(key) {
            None => default.ok_or_else(|| {
                Error::input(format!(
                    "{}: missing key '{key}'; add {key}=… ({range})",
                    self.what
                ))
            }),
            Some(s) => {
                let x: f64 = s.parse().map_err(|_| {
                    Error::input(format!(
                        "{}: {key}={s} is not a number; allowed: {range}",
                        self.what
                    ))
                })?;
                if x.is_nan() || !ok(x) {
                    return Err(Error::input(format!(
                        "{}: {key}={s} is out of range; allowed: {range}",
                        self.what
                    )));
                }
                Ok(x)
            }
        }
        .inspect(|x| self.note(key, format!("{x:?}")))
    }

    /// An integer in [lo, hi].
    pub fn usize_in(
        &mut self,
        key: &'static str,
        default: Option<usize>,
        lo: usize,
        hi: usize,
        range: &str,
    ) -> Result<usize> {
        match self.take(key) {
            None => default.ok_or_else(|| {
                Error::input(format!(
                    "{}: missing key '{key}'; add {key}=… ({range})",
                    self.what
                ))
            }),
            Some(s) => {
                let x: usize = s.parse().map_err(|_| {
                    Error::input(format!(
                        "{}: {key}={s} is not a non-negative integer; allowed: {range}",
                        self.what
                    ))
                })?;
                if x < lo || x > hi {
                    return Err(Error::input(format!(
                        "{}: {key}={s} is out of range; allowed: {range}",
                        self.what
                    )));
                }
                Ok(x)
            }
        }
        .inspect(|x| self.note(key, x))
    }

    /// `true`/`false` (also `1`/`0`, `on`/`off`).
    pub fn bool(&mut self, key: &'static str, default: bool) -> Result<bool> {
        match self.take(key) {
            None => Ok(default),
            Some(s) => match s.as_str() {
                "true" | "1" | "on" | "yes" => Ok(true),
                "false" | "0" | "off" | "no" => Ok(false),
                _ => Err(Error::input(format!(
                    "{}: {key}={s} is not a boolean; allowed: true or false",
                    self.what
                ))),
            },
        }
        .inspect(|x| self.note(key, x))
    }

    /// One of `choices`; `default` when the key is absent.
    pub fn choice(&mut self, key: &'static str, default: &str, choices: &[&str]) -> Result<String> {
        match self.take(key) {
            None => Ok(default.to_string()),
            Some(s) if choices.contains(&s.as_str()) => Ok(s),
            Some(s) => Err(Error::input(format!(
                "{}: {key}={s} is not allowed; allowed: {}",
                self.what,
                choices.join(", ")
            ))),
        }
        .inspect(|x| self.note(key, x))
    }

    /// The raw string of `key` (for values parsed elsewhere, e.g. norm names).
    pub fn string(&mut self, key: &'static str, default: Option<&str>) -> Result<String> {
        match self.take(key) {
            Some(s) => Ok(s),
            None => default.map(str::to_string).ok_or_else(|| {
                Error::input(format!("{}: missing key '{key}'; add {key}=…", self.what))
            }),
        }
        .inspect(|x| self.note(key, x))
    }

    /// Fail if any key was not consumed, listing the allowed keys.
    pub fn finish(self) -> Result<()> {
        if let Some(k) = self.values.keys().next() {
            let allowed = if self.allowed.is_empty() {
                "none".to_string()
            } else {
                self.allowed.join(", ")
            };
            return Err(Error::input(format!(
                "{}: unknown key '{k}'; allowed keys: {allowed}",
                self.what
            )));
        }
        Ok(())
    }
}
