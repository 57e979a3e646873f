//! JSON nested arrays parsed straight into flat row-major f64 buffers, streaming from the file: no
//! `serde_json::Value` tree and no copy of the text, so a big input (a matrix, a gradient
//! sequence) costs its 8 bytes per entry and little more.
//!
//! A top-level object is read key by key: the keys asked for are parsed into [`Array`]s of a
//! fixed depth (2 for a matrix, 3 for a list of matrices), every other key is skipped without
//! being stored. A bare top-level array is read as the first key asked for. Every error names the
//! file, the key, the entry and the fix; the rules are those of the JSON matrix (rectangular,
//! finite numbers, non-empty).

use super::npy::Array;
use crate::error::{Error, Result};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::path::Path;

/// What to read under one key: its depth (2: matrix, 3: list of matrices) and whether the
/// outermost list may be empty (a list of zero matrices).
#[derive(Debug, Clone, Copy)]
pub struct Want<'k> {
    /// The key.
    pub key: &'k str,
    /// Nesting depth of the arrays (≥ 1).
    pub depth: usize,
    /// Whether `[]` is accepted (shape `[0]`; the inner sizes are then unknown, reported as 0).
    pub empty_outer: bool,
    /// Whether `null` is accepted (read as an absent key).
    pub nullable: bool,
}

/// Parse state of one nested array.
struct State<'a> {
    depth: usize,
    empty_outer: bool,
    nullable: bool,
    null: bool,
    data: Vec<f64>,
    shape: Vec<Option<usize>>,
    index: Vec<usize>,
    what: &'a str,
}

impl State<'_> {
    /// The entry being read, as `[i][j]…` up to `level`.
    fn at(&self, level: usize) -> String {
        self.index[..level]
            .iter()
            .map(|i| format!("[{i}]"))
            .collect()
    }

    fn into_array(self) -> Array {
        Array {
            shape: self.shape.iter().map(|s| s.unwrap_or(0)).collect(),
            data: self.data,
        }
    }
}

/// The seed of one nesting level.
struct Level<'s, 'a> {
    st: &'s mut State<'a>,
    level: usize,
}

impl<'de> DeserializeSeed<'de> for Level<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        if self.level == self.st.depth {
            d.deserialize_f64(self)
        } else if self.level == 0 && self.st.nullable {
            d.deserialize_any(self)
        } else {
            d.deserialize_seq(self)
        }
    }
}

impl<'de> Visitor<'de> for Level<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let st = &self.st;
        if self.level == st.depth {
            write!(
                f,
                "a number, so {}{} is not a number; every entry must be a finite number",
                st.what,
                st.at(self.level)
            )
        } else if self.level == 0 && st.depth == 2 {
            write!(
                f,
                "an array of rows like [[1.0, 2.0], [3.0, 4.0]] for {}",
                st.what
            )
        } else if self.level == 0 && st.depth == 3 {
            write!(
                f,
                "a list of matrices like [[[1.0, 2.0], [3.0, 4.0]]] for {}",
                st.what
            )
        } else {
            write!(
                f,
                "an array at {}{} (nesting depth {})",
                st.what,
                st.at(self.level),
                st.depth
            )
        }
    }

    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<(), E> {
        if self.level == 0 && self.st.nullable {
            self.st.null = true;
            return Ok(());
        }
        Err(E::invalid_type(serde::de::Unexpected::Unit, &self))
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<(), E> {
        if self.level != self.st.depth {
            return Err(E::invalid_type(serde::de::Unexpected::Float(v), &self));
        }
        if !v.is_finite() {
            return Err(E::custom(format!(
                "{}{} is not finite; remove NaN/Inf values",
                self.st.what,
                self.st.at(self.level)
            )));
        }
        self.st.data.push(v);
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<(), E> {
        self.visit_f64(v as f64)
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<(), E> {
        self.visit_f64(v as f64)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        let level = self.level;
        let st = self.st;
        let mut n = 0usize;
        loop {
            st.index[level] = n;
            let next = Level {
                st: &mut *st,
                level: level + 1,
            };
            if seq.next_element_seed(next)?.is_none() {
                break;
            }
            n += 1;
            // a row longer than the first one is refused as soon as it is
            if let Some(m) = st.shape[level] {
                if n > m {
                    return Err(ragged(st, level, m, n));
                }
            }
        }
        if n == 0 && !(level == 0 && st.empty_outer) {
            return Err(serde::de::Error::custom(format!(
                "{}{} is empty; give at least one row with at least one number",
                st.what,
                st.at(level)
            )));
        }
        match st.shape[level] {
            None => st.shape[level] = Some(n),
            Some(m) if m != n => return Err(ragged(st, level, m, n)),
            Some(_) => {}
        }
        Ok(())
    }
}

fn ragged<E: serde::de::Error>(st: &State, level: usize, first: usize, n: usize) -> E {
    // the first array at this level has every index above it at 0
    let zero = "[0]".repeat(level);
    let has = if n > first {
        format!("more than {first}")
    } else {
        n.to_string()
    };
    E::custom(format!(
        "{w} is ragged: {w}{zero} has {first} entries but {w}{at} has {has}; all rows must have the same length (every matrix the same shape)",
        w = st.what,
        at = st.at(level),
    ))
}

/// The top level: an object (keys asked for are parsed, others skipped) or a bare array.
struct Top<'w, 'a> {
    wants: &'w [Want<'w>],
    states: &'w mut Vec<Option<State<'a>>>,
    names: &'a [String],
    file: &'a str,
}

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let keys: Vec<String> = self
            .wants
            .iter()
            .map(|w| format!("\"{}\"", w.key))
            .collect();
        write!(
            f,
            "an object with {} (or a bare matrix) in '{}'",
            keys.join(", "),
            self.file
        )
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match self.wants.iter().position(|w| w.key == key) {
                Some(k) => {
                    if self.states[k].is_some() {
                        return Err(serde::de::Error::custom(format!(
                            "key \"{key}\" appears twice in '{}'; keep one",
                            self.file
                        )));
                    }
                    let mut st = new_state(&self.wants[k], &self.names[k]);
                    map.next_value_seed(Level {
                        st: &mut st,
                        level: 0,
                    })?;
                    self.states[k] = Some(st);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> std::result::Result<(), A::Error> {
        let mut st = new_state(&self.wants[0], &self.names[0]);
        Level {
            st: &mut st,
            level: 0,
        }
        .visit_seq(seq)?;
        self.states[0] = Some(st);
        Ok(())
    }
}

fn new_state<'a>(w: &Want, what: &'a str) -> State<'a> {
    State {
        depth: w.depth,
        empty_outer: w.empty_outer,
        nullable: w.nullable,
        null: false,
        data: Vec::new(),
        shape: vec![None; w.depth],
        index: vec![0; w.depth + 1],
        what,
    }
}

/// Read the arrays under `wants` from the JSON file at `path` (a bare array counts as the first
/// key). Returns one entry per key: `None` where the key is absent.
pub fn read_arrays(path: &Path, wants: &[Want]) -> Result<Vec<Option<Array>>> {
    let file = path.display().to_string();
    let reader = super::open_text(path, super::typed_input_limit())?;
    let names: Vec<String> = wants
        .iter()
        .map(|w| format!("\"{}\" in '{file}'", w.key))
        .collect();
    let mut states: Vec<Option<State>> = wants.iter().map(|_| None).collect();
    let mut de = serde_json::Deserializer::from_reader(reader);
    let top = Top {
        wants,
        states: &mut states,
        names: &names,
        file: &file,
    };
    de.deserialize_any(top)
        .and_then(|()| de.end())
        .map_err(|e| {
            use serde_json::error::Category;
            match e.classify() {
                Category::Data => Error::input(format!("{e}")),
                Category::Io => Error::input(format!(
                    "cannot read '{file}': {e}; check the file is readable"
                )),
                Category::Syntax | Category::Eof => Error::input(format!(
                    "'{file}' is not valid JSON ({e}); fix the file so that it parses as JSON"
                )),
            }
        })?;
    Ok(states
        .into_iter()
        .map(|s| s.filter(|s| !s.null).map(State::into_array))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, wants: &[Want]) -> Result<Vec<Option<Array>>> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.json");
        std::fs::write(&p, text).unwrap();
        read_arrays(&p, wants)
    }

    const G: Want = Want {
        key: "G",
        depth: 2,
        empty_outer: false,
        nullable: false,
    };
    const GRADS: Want = Want {
        key: "grads",
        depth: 3,
        empty_outer: true,
        nullable: false,
    };
    const LOSSES: Want = Want {
        key: "losses",
        depth: 1,
        empty_outer: true,
        nullable: true,
    };

    #[test]
    fn nullable_lists() {
        let a = parse(r#"{"losses": null, "G": [[1]]}"#, &[G, LOSSES]).unwrap();
        assert!(a[1].is_none());
        let a = parse(r#"{"losses": [1, 2.5]}"#, &[G, LOSSES]).unwrap();
        assert_eq!(a[1].as_ref().unwrap().data, vec![1.0, 2.5]);
        let e = parse(r#"{"losses": 3}"#, &[LOSSES])
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid type"), "{e}");
        let e = parse(r#"{"losses": [1, "a"]}"#, &[LOSSES])
            .unwrap_err()
            .to_string();
        assert!(e.contains("[1] is not a number"), "{e}");
    }

    #[test]
    fn matrices_and_stacks_are_read_row_major() {
        let a = parse(
            r#"{"x": {"deep": [1, [2]]}, "G": [[1, 2.5], [-3, 4e-3]], "grads": [[[1]], [[2]]]}"#,
            &[G, GRADS],
        )
        .unwrap();
        let g = a[0].as_ref().unwrap();
        assert_eq!(
            (g.shape.clone(), g.data.clone()),
            (vec![2, 2], vec![1.0, 2.5, -3.0, 4e-3])
        );
        let s = a[1].as_ref().unwrap();
        assert_eq!(
            (s.shape.clone(), s.data.clone()),
            (vec![2, 1, 1], vec![1.0, 2.0])
        );
        // a bare matrix is the first key; an absent key is None; an empty list of matrices is
        // allowed
        let b = parse("[[5]]", &[G, GRADS]).unwrap();
        assert_eq!(b[0].as_ref().unwrap().data, vec![5.0]);
        assert!(b[1].is_none());
        let e = parse(r#"{"grads": []}"#, &[GRADS]).unwrap();
        assert_eq!(e[0].as_ref().unwrap().shape, vec![0, 0, 0]);
    }

    #[test]
    fn bad_matrices_are_named() {
        let err = |t: &str| parse(t, &[G, GRADS]).unwrap_err().to_string();
        assert!(err(r#"{"G": [[1, 2], [3]]}"#).contains("ragged"));
        assert!(err(r#"{"G": [[1], [3, 4]]}"#).contains("ragged"));
        assert!(err(r#"{"grads": [[[1, 2]], [[1]]]}"#).contains("ragged"));
        let e = err(r#"{"G": [[1, "x"]]}"#);
        assert!(
            e.contains("\"G\"") && e.contains("[0][1] is not a number"),
            "{e}"
        );
        assert!(err(r#"{"G": []}"#).contains("empty"));
        assert!(err(r#"{"G": [[]]}"#).contains("empty"));
        assert!(err(r#"{"G": [[1e999]]}"#).contains("out of range"));
        assert!(err(r#"{"G": "abc"}"#).contains("array of rows"));
        assert!(err(r#"{"G": [[1]], "G": [[2]]}"#).contains("twice"));
        assert!(err(r#"{"G": [[1]]"#).contains("not valid JSON"));
        assert!(err(r#"{"G": [[1]]} x"#).contains("not valid JSON"));
    }
}
