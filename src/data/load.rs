//! Readers for the dataset formats (JSON, CSV, `.npy`, `.npz`); see the module documentation of
//! [`crate::data`].

use super::Dataset;
use crate::error::{Error, Result};
use faer::Mat;
use serde_json::Value;
use std::path::Path;

pub(super) fn load(path: &Path) -> Result<Dataset> {
    let what = format!("'{}'", path.display());
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "json" => {
            let text = crate::io::read_to_string(path)?;
            let value: Value = serde_json::from_str(&text).map_err(|e| {
                if ["NaN", "Infinity"].iter().any(|t| text.contains(t)) {
                    Error::input(format!(
                        "{what} contains NaN or Infinity, which are neither valid JSON nor valid features; remove or impute them"
                    ))
                } else {
                    Error::input(format!(
                        "{what} is not valid JSON ({e}); fix the file so that it parses as JSON"
                    ))
                }
            })?;
            from_json(&value, &what)
        }
        "csv" => from_csv(&crate::io::read_to_string(path)?, &what),
        "npy" => from_npy(path, &what),
        "npz" => from_npz(path, &what),
        _ => Err(Error::malformed(
            what,
            format!("unknown dataset format '.{ext}'"),
            "use .json ({\"classes\", \"x\", \"y\"}), .csv (label in the last column), .npy or .npz",
        )),
    }
}

/// A label given as a JSON number or a float: a non-negative integer.
fn label_from_f64(v: f64, i: usize, what: &str) -> Result<usize> {
    if !v.is_finite() || v < 0.0 || v.fract() != 0.0 || v > u32::MAX as f64 {
        return Err(Error::malformed(
            what,
            format!("label {i} is {v}"),
            "labels must be integers in 0..k−1",
        ));
    }
    Ok(v as usize)
}

pub(super) fn from_json(value: &Value, what: &str) -> Result<Dataset> {
    let obj = value.as_object().ok_or_else(|| {
        Error::input(format!(
            "{what} must be a JSON object {{\"classes\": k, \"x\": [[...], ...], \"y\": [...]}}"
        ))
    })?;
    let classes = match obj.get("classes") {
        Some(v) => {
            let k = v.as_u64().ok_or_else(|| {
                Error::malformed(
                    what,
                    format!("\"classes\" is {v}"),
                    "it must be a positive integer k ≥ 2",
                )
            })?;
            k as usize
        }
        None => {
            return Err(Error::input(format!(
                "{what} has no key \"classes\"; add \"classes\": k (the number of classes, ≥ 2)"
            )))
        }
    };
    let xv = obj.get("x").ok_or_else(|| {
        Error::input(format!(
            "{what} has no key \"x\"; add \"x\": the samples as an array of rows"
        ))
    })?;
    let yv = obj.get("y").and_then(Value::as_array).ok_or_else(|| {
        Error::input(format!(
            "{what} has no array \"y\"; add \"y\": one integer label in 0..k per row of x"
        ))
    })?;
    let x = match xv.as_array() {
        Some(rows) if rows.is_empty() => Mat::zeros(0, 0),
        _ => crate::io::matrix_from_json(xv, &format!("\"x\" in {what}"))?,
    };
    let mut y = Vec::with_capacity(yv.len());
    for (i, l) in yv.iter().enumerate() {
        let f = l.as_f64().ok_or_else(|| {
            Error::malformed(
                what,
                format!("y[{i}] is {l}"),
                "labels must be integers in 0..k−1",
            )
        })?;
        y.push(label_from_f64(f, i, what)?);
    }
    Dataset::new(classes, x, y, what)
}

pub(super) fn from_csv(text: &str, what: &str) -> Result<Dataset> {
    let mut rows: Vec<Vec<f64>> = Vec::new();
    let mut classes: Option<usize> = None;
    let mut first_data_line = true;
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(k) = comment.trim().strip_prefix("classes:") {
                classes = Some(k.trim().parse().map_err(|_| {
                    Error::malformed(
                        format!("{what}, line {}", lineno + 1),
                        format!("'# classes: {}' is not a non-negative integer", k.trim()),
                        "write e.g. '# classes: 3'",
                    )
                })?);
            }
            continue;
        }
        let fields: Vec<&str> = line.split(',').map(str::trim).collect();
        let parsed: Vec<Option<f64>> = fields.iter().map(|f| f.parse::<f64>().ok()).collect();
        let bad = parsed.iter().position(Option::is_none);
        match bad {
            None => rows.push(parsed.into_iter().map(|v| v.unwrap_or(0.0)).collect()),
            // A header is a first line in which no field is a number.
            Some(_) if first_data_line && parsed.iter().all(Option::is_none) => {}
            Some(j) => {
                return Err(Error::malformed(
                    format!("{what}, line {}, column {}", lineno + 1, j + 1),
                    format!("'{}' is not a number", fields[j]),
                    format!(
                        "every field must be a number (features, then the label){}",
                        if first_data_line {
                            " — a header line has no numeric field at all"
                        } else {
                            ""
                        }
                    ),
                ));
            }
        }
        first_data_line = false;
    }
    table_to_dataset(rows, classes, what)
}

/// Rows of "features…, label" into a dataset.
fn table_to_dataset(rows: Vec<Vec<f64>>, classes: Option<usize>, what: &str) -> Result<Dataset> {
    if rows.is_empty() {
        return Err(Error::malformed(
            what,
            "the dataset has no samples (n = 0)",
            "give one row per sample: features, then the label",
        ));
    }
    let width = rows[0].len();
    if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != width) {
        return Err(Error::input(format!(
            "{what} is ragged: sample 0 has {width} columns but sample {i} has {}; every row needs the same number of features plus the label",
            r.len()
        )));
    }
    if width < 2 {
        return Err(Error::malformed(
            what,
            format!("rows have {width} column(s)"),
            "each row needs at least one feature and the label in the last column",
        ));
    }
    let mut y = Vec::with_capacity(rows.len());
    for (i, r) in rows.iter().enumerate() {
        y.push(label_from_f64(r[width - 1], i, what)?);
    }
    let k = classes.unwrap_or_else(|| y.iter().max().map_or(0, |m| m + 1));
    let x = Mat::from_fn(rows.len(), width - 1, |i, j| rows[i][j]);
    Dataset::new(k, x, y, what)
}

fn from_npy(path: &Path, what: &str) -> Result<Dataset> {
    // the array, its rows, then the dataset: three f64 copies at most
    let a = crate::io::npy::read_npy_file(path, 3, what)?;
    if a.shape.len() != 2 {
        return Err(Error::malformed(
            what,
            format!(
                "a .npy dataset must be 2-D (n × (d+1), label in the last column) but has shape {:?}",
                a.shape
            ),
            "use .npz with arrays x and y instead",
        ));
    }
    let (n, w) = (a.shape[0], a.shape[1]);
    if n == 0 || w < 2 {
        return Err(Error::input(format!(
            "{what} has shape ({n}, {w}); a .npy dataset needs n ≥ 1 rows of d ≥ 1 features and the label"
        )));
    }
    let rows = (0..n)
        .map(|i| a.data[i * w..(i + 1) * w].to_vec())
        .collect();
    table_to_dataset(rows, None, what)
}

fn from_npz(path: &Path, what: &str) -> Result<Dataset> {
    let mut zip = crate::io::npy::Npz::open(path, what)?;
    let mut get = |name: &str| zip.get(name, 3);
    let x = get("x")?.ok_or_else(|| {
        Error::input(format!(
            "{what} has no array 'x'; save the samples as numpy.savez(path, x=x, y=y)"
        ))
    })?;
    let y = get("y")?.ok_or_else(|| {
        Error::input(format!(
            "{what} has no array 'y'; save the labels as numpy.savez(path, x=x, y=y)"
        ))
    })?;
    let classes = get("classes")?;
    if x.shape.len() != 2 {
        return Err(Error::input(format!(
            "{what}: 'x' must be 2-D (n × d) but has shape {:?}; reshape it to one row per sample",
            x.shape
        )));
    }
    if y.shape.len() != 1 {
        return Err(Error::input(format!(
            "{what}: 'y' must be 1-D (n labels) but has shape {:?}; flatten it",
            y.shape
        )));
    }
    let (n, d) = (x.shape[0], x.shape[1]);
    if n == 0 || d == 0 {
        return Err(Error::input(format!(
            "{what}: 'x' has shape ({n}, {d}); a dataset needs at least one sample and one feature"
        )));
    }
    if y.shape[0] != n {
        return Err(Error::input(format!(
            "{what}: 'x' has {n} rows but 'y' has {} labels; give exactly one label per row of x",
            y.shape[0]
        )));
    }
    let labels = y
        .data
        .iter()
        .enumerate()
        .map(|(i, &v)| label_from_f64(v, i, what))
        .collect::<Result<Vec<_>>>()?;
    let k = match classes {
        Some(c) if c.data.len() == 1 => {
            label_from_f64(c.data[0], 0, &format!("'classes' of {what}"))?
        }
        Some(_) => {
            return Err(Error::input(format!(
                "{what}: 'classes' must be a scalar (the number of classes k)"
            )))
        }
        None => labels.iter().max().map_or(0, |m| m + 1),
    };
    let xm = Mat::from_fn(n, d, |i, j| x.data[i * d + j]);
    Dataset::new(k, xm, labels, what)
}
