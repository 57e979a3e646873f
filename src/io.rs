//! Reading the contract's JSON inputs and writing outputs atomically.
//!
//! Matrices are JSON arrays of rows (row-major, f64). Where an input file is an object the matrix
//! sits under a key (e.g. `"G"`); a bare matrix is accepted too. Every check here produces an
//! [`Error::Input`] naming the file, the key and the fix.

use crate::error::{Error, Result};
use faer::Mat;
use serde_json::Value;
use std::io::Write;
use std::path::Path;

/// Read a whole file to a string, mapping a missing file to a clear input error.
pub fn read_to_string(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        Error::input(format!(
            "cannot read '{}': {e}; check the path (it must name an existing, readable file)",
            path.display()
        ))
    })
}

/// Parse a file as JSON.
pub fn read_json(path: &Path) -> Result<Value> {
    let text = read_to_string(path)?;
    serde_json::from_str(&text).map_err(|e| {
        Error::input(format!(
            "'{}' is not valid JSON ({e}); fix the file so that it parses as JSON",
            path.display()
        ))
    })
}

/// Interpret `value` as a finite, non-empty, rectangular matrix (array of rows). `what` names it in
/// error messages (e.g. `"G in 'input.json'"`).
pub fn matrix_from_json(value: &Value, what: &str) -> Result<Mat<f64>> {
    let rows = value.as_array().ok_or_else(|| {
        Error::input(format!(
            "{what} must be a JSON array of rows like [[1.0, 2.0], [3.0, 4.0]]"
        ))
    })?;
    if rows.is_empty() {
        return Err(Error::input(format!(
            "{what} is empty; give at least one row with at least one number"
        )));
    }
    let mut data: Vec<Vec<f64>> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let row = row.as_array().ok_or_else(|| {
            Error::input(format!(
                "{what}: row {i} is not an array; a matrix is an array of rows of numbers"
            ))
        })?;
        let mut r = Vec::with_capacity(row.len());
        for (j, x) in row.iter().enumerate() {
            let v = x.as_f64().ok_or_else(|| {
                Error::input(format!(
                    "{what}: entry ({i}, {j}) is {x}, not a number; every entry must be a finite number"
                ))
            })?;
            if !v.is_finite() {
                return Err(Error::input(format!(
                    "{what}: entry ({i}, {j}) is not finite; remove NaN/Inf values"
                )));
            }
            r.push(v);
        }
        data.push(r);
    }
    let ncols = data[0].len();
    if ncols == 0 {
        return Err(Error::input(format!(
            "{what} has an empty first row; every row needs at least one number"
        )));
    }
    if let Some((i, r)) = data.iter().enumerate().find(|(_, r)| r.len() != ncols) {
        return Err(Error::input(format!(
            "{what} is ragged: row 0 has {ncols} entries but row {i} has {}; all rows must have the same length",
            r.len()
        )));
    }
    Ok(Mat::from_fn(data.len(), ncols, |i, j| data[i][j]))
}

/// Read a matrix from `path`: the value under `key` if the file holds an object, else the file's
/// top-level array.
pub fn read_matrix(path: &Path, key: &str) -> Result<Mat<f64>> {
    let v = read_json(path)?;
    let what = format!("\"{key}\" in '{}'", path.display());
    match &v {
        Value::Object(map) => match map.get(key) {
            Some(m) => matrix_from_json(m, &what),
            None => Err(Error::input(format!(
                "'{}' has no key \"{key}\"; put the matrix under \"{key}\" or give a bare matrix",
                path.display()
            ))),
        },
        _ => matrix_from_json(&v, &what),
    }
}

/// A matrix as a JSON array of rows.
pub fn matrix_to_json(m: faer::MatRef<'_, f64>) -> Value {
    Value::Array(
        (0..m.nrows())
            .map(|i| Value::Array((0..m.ncols()).map(|j| num(m[(i, j)])).collect()))
            .collect(),
    )
}

/// A number as JSON; non-finite values become `null` (JSON has no NaN), never a silent 0.
pub fn num(x: f64) -> Value {
    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// Write `contents` to `path` atomically: a temporary file in the same directory, then a rename.
/// A failure leaves no partial file behind.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let io_err = |source: std::io::Error| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    if !dir.is_dir() {
        return Err(Error::input(format!(
            "cannot write '{}': directory '{}' does not exist; create it or choose another path",
            path.display(),
            dir.display()
        )));
    }
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::input(format!("'{}' is not a file path", path.display())))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(e));
    }
    Ok(())
}

/// Serialize `value` as pretty JSON followed by a newline.
pub fn to_json_string(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("serde_json::Value always serializes");
    s.push('\n');
    s
}

/// Fail early if `path` cannot be written later: its directory must exist and be writable.
/// Nothing is left behind.
pub fn check_writable(path: &Path) -> Result<()> {
    let probe = path.with_file_name(format!(
        ".{}.probe.{}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    write_atomic(&probe, b"")?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}
