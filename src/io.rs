//! Reading the contract's inputs and writing outputs: JSON matrices, size limits, output files and
//! stdout.
//!
//! Matrices are JSON arrays of rows (row-major, f64). Where an input file is an object the matrix
//! sits under a key (e.g. `"G"`); a bare matrix is accepted too. Every check here produces an
//! [`Error::Input`] naming the file, the key and the fix.
//!
//! * **Sizes.** What an input will allocate is computed *before* allocating, with checked
//!   arithmetic ([`bytes_of_f64`], [`check_size`]); the limit is [`memory_limit`], half of the
//!   memory the kernel reports as available (`MemAvailable` in `/proc/meminfo`; 4 GiB where that
//!   cannot be read). Text inputs are read up to [`input_limit`] bytes.
//! * **Output files** ([`OutputFile`]): a path given with `--report` (or `--out`) must be a regular
//!   file or not exist yet. A missing file is created; an existing regular file — the user asked
//!   for it — is replaced atomically (a temporary file in the same directory, then a rename; its
//!   permissions are kept); a symbolic link is followed to its target under the same rules.
//!   Directories, FIFOs, devices, sockets, read-only files and dangling links are refused with a
//!   message. Nothing that existed before is ever deleted, and a failure leaves no file behind.
//! * **Stdout** ([`write_stdout`]): a closed or broken stdout is an error with one line on stderr,
//!   never a panic and never silently lost output.
//! * **Big arrays** ([`Document`], [`read_matrix`]): matrices and gradient sequences are read from
//!   JSON straight into flat buffers ([`flat`]: no `Value` tree, no copy of the text) or from NumPy
//!   `.npy`/`.npz` files ([`npy`]); a command's big outputs are kept flat and written as compact
//!   JSON streamed to the sink, or as `.npy`/`.npz` when the output path ends so.

use crate::error::{Error, Result};
use faer::Mat;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

pub mod flat;
pub mod npy;

/// A UTF-8 byte-order mark, stripped from the start of every text input.
const BOM: char = '\u{feff}';

/// Open a text file for reading at most `limit` bytes, with a leading UTF-8 byte-order mark
/// skipped; a missing, unreadable or too large file is a clear input error.
pub fn open_text(path: &Path, limit: u64) -> Result<impl Read> {
    let cannot = |e: std::io::Error| {
        Error::input(format!(
            "cannot read '{}': {e}; check the path (it must name an existing, readable file)",
            path.display()
        ))
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if meta.is_dir() {
        return Err(Error::input(format!(
            "cannot read '{}': it is a directory; give a file",
            path.display()
        )));
    }
    if meta.is_file() && meta.len() > limit {
        return Err(too_big_input(path, meta.len(), limit));
    }
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file.take(limit + 1));
    let head = std::io::BufRead::fill_buf(&mut reader).map_err(cannot)?;
    if head.starts_with(BOM.to_string().as_bytes()) {
        std::io::BufRead::consume(&mut reader, BOM.len_utf8());
    }
    // A device or FIFO has no length: at most one byte past the limit is read, then refused.
    Ok(LimitedText {
        inner: reader,
        read: 0,
        limit,
        path: path.to_path_buf(),
    })
}

/// A reader that fails once more than `limit` bytes were read (for inputs without a length).
struct LimitedText<R> {
    inner: R,
    read: u64,
    limit: u64,
    path: PathBuf,
}

impl<R: Read> Read for LimitedText<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > self.limit {
            return Err(std::io::Error::other(
                too_big_input(&self.path, self.read, self.limit).to_string(),
            ));
        }
        Ok(n)
    }
}

/// Read a whole text file (at most [`input_limit`] bytes; a leading UTF-8 byte-order mark is
/// removed), mapping a missing or unreadable file to a clear input error.
pub fn read_to_string(path: &Path) -> Result<String> {
    let mut text = String::new();
    open_text(path, input_limit())?
        .read_to_string(&mut text)
        .map_err(|e| {
            Error::input(format!(
                "cannot read '{}': {e}; check the path (it must name an existing, readable file)",
                path.display()
            ))
        })?;
    Ok(text)
}

fn too_big_input(path: &Path, len: u64, limit: u64) -> Error {
    Error::input(format!(
        "'{}' holds {} or more, above the input limit of {} (1/16 of the memory limit: parsing JSON takes up to 16 bytes per byte of text); give a smaller file",
        path.display(),
        human_bytes(len),
        human_bytes(limit)
    ))
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

/// The format of an input or output file, from its extension: `.npy`, `.npz`, else JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON text.
    Json,
    /// One NumPy array.
    Npy,
    /// A NumPy archive of named arrays.
    Npz,
}

impl Format {
    /// The format `path` names (its extension, case-insensitive; anything else is JSON).
    pub fn of(path: &Path) -> Self {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("npy") => Self::Npy,
            Some("npz") => Self::Npz,
            _ => Self::Json,
        }
    }
}

/// A flat array as a finite, non-empty matrix (`what` names it): shape (r, c), entries in C order.
pub fn matrix_from_array(a: &npy::Array, what: &str) -> Result<Mat<f64>> {
    let [r, c] = a.shape[..] else {
        return Err(Error::input(format!(
            "{what} must be a 2-D array (a matrix) but has shape {:?}; reshape it to rows × columns",
            a.shape
        )));
    };
    if r == 0 || c == 0 {
        return Err(Error::input(format!(
            "{what} has shape ({r}, {c}); a matrix needs at least one row and one column"
        )));
    }
    check_finite(&a.data, &a.shape, what)?;
    Ok(Mat::from_fn(r, c, |i, j| a.data[i * c + j]))
}

/// Every entry finite, else an error naming the first non-finite entry by its index.
pub fn check_finite(data: &[f64], shape: &[usize], what: &str) -> Result<()> {
    match data.iter().position(|x| !x.is_finite()) {
        None => Ok(()),
        Some(k) => {
            let mut rest = k;
            let mut index = vec![0; shape.len()];
            for (d, &n) in shape.iter().enumerate().rev() {
                index[d] = rest % n.max(1);
                rest /= n.max(1);
            }
            let at: String = index.iter().map(|i| format!("[{i}]")).collect();
            Err(Error::input(format!(
                "{what}{at} is {}, not finite; remove NaN/Inf values",
                data[k]
            )))
        }
    }
}

/// The largest text input parsed into flat buffers ([`flat`]): 1/4 of [`memory_limit`] (a
/// number takes at least two bytes of text, `1,`, and eight as an f64).
pub fn typed_input_limit() -> u64 {
    memory_limit() / 4
}

/// Read a matrix from `path`: from JSON, the value under `key` if the file holds an object, else
/// the file's top-level array (parsed straight into a flat buffer); from `.npy`, the 2-D array;
/// from `.npz`, the array named `key`.
pub fn read_matrix(path: &Path, key: &str) -> Result<Mat<f64>> {
    let file = path.display();
    let what = format!("\"{key}\" in '{file}'");
    let array = match Format::of(path) {
        Format::Npy => npy::read_npy_file(path, 2, &format!("'{file}'"))?,
        Format::Npz => npy::Npz::open(path, &format!("'{file}'"))?.require(
            key,
            2,
            &format!("save the matrix as numpy.savez(path, {key}=matrix)"),
        )?,
        Format::Json => {
            let want = flat::Want {
                key,
                depth: 2,
                empty_outer: false,
                nullable: false,
            };
            flat::read_arrays(path, &[want])?
                .pop()
                .flatten()
                .ok_or_else(|| {
                    Error::input(format!(
                        "'{file}' has no key \"{key}\"; put the matrix under \"{key}\" or give a bare matrix"
                    ))
                })?
        }
    };
    matrix_from_array(&array, &what)
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

/// Serialize `value` as pretty JSON followed by a newline.
pub fn to_json_string(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("serde_json::Value always serializes");
    s.push('\n');
    s
}

/// `x` if it is a finite number, else an [`Error::Input`] saying that `what` is not representable
/// in f64 (overflow, or NaN from an overflow) and how to fix it (`fix`, e.g. "scale G down by a
/// power of two"). Used for every number a command promises in its JSON, so that no output holds
/// `null` where a number is promised.
pub fn finite(x: f64, what: &str, fix: &str) -> Result<f64> {
    if x.is_finite() {
        Ok(x)
    } else {
        Err(Error::input(format!(
            "{what} is {x}: not representable in f64 (its magnitude exceeds {:e}); {fix}",
            f64::MAX
        )))
    }
}

/// [`finite`] for every entry of a matrix; `what` names the matrix.
pub fn finite_matrix(m: faer::MatRef<'_, f64>, what: &str, fix: &str) -> Result<()> {
    for j in 0..m.ncols() {
        for i in 0..m.nrows() {
            finite(m[(i, j)], &format!("{what}[{i}][{j}]"), fix)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Sizes

/// The largest allocation an input may ask for: half of `MemAvailable` (from `/proc/meminfo`) at
/// the time of the call, or 4 GiB where that cannot be read.
pub fn memory_limit() -> u64 {
    let available = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("MemAvailable:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map(|kb| kb.saturating_mul(1024));
    available.map_or(4 << 30, |b| b / 2)
}

/// The largest text input read: 1/16 of [`memory_limit`] (a JSON number of a few bytes becomes a
/// 32-byte value, then a row entry, then a matrix entry).
pub fn input_limit() -> u64 {
    memory_limit() / 16
}

/// 8·∏dims bytes (an f64 array of that shape), `None` if the product overflows u64.
pub fn bytes_of_f64(dims: &[u64]) -> Option<u64> {
    dims.iter().try_fold(8u64, |acc, &d| acc.checked_mul(d))
}

/// A byte count for messages: `12.3 GiB`, `512 B`.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = b as f64;
    let mut u = 0;
    while x >= 1024.0 && u + 1 < UNITS.len() {
        x /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{x:.1} {}", UNITS[u])
    }
}

/// Refuse work whose allocation (`bytes`; `None` = the size product overflowed) exceeds
/// [`memory_limit`]. `what` names the size (e.g. "a 100000×100000 metric"), `fix` says what to
/// change.
pub fn check_size(what: &str, bytes: Option<u64>, fix: &str) -> Result<()> {
    let limit = memory_limit();
    match bytes {
        Some(b) if b <= limit => Ok(()),
        Some(b) => Err(Error::input(format!(
            "{what} needs about {}, more than the limit of {} (half the memory available now); {fix}",
            human_bytes(b),
            human_bytes(limit)
        ))),
        None => Err(Error::input(format!(
            "{what} needs more than 2^64 bytes (the size overflows); {fix}"
        ))),
    }
}

// ---------------------------------------------------------------------------------------------
// Output files

/// A checked output path (see the module docs): where the bytes go and whether a file was there.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// The path as the user gave it (for messages).
    asked: PathBuf,
    /// The file actually written: `asked`, or the target of the symbolic link `asked`.
    target: PathBuf,
    /// The permissions of the regular file that `target` replaces, if one exists.
    existing: Option<std::fs::Permissions>,
}

/// What is at a path that is about to be written.
fn kind_name(ft: &std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO (named pipe)"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

impl OutputFile {
    /// Check `path` up front, before any work: it must be a regular file (replaced atomically) or
    /// not exist (created) in an existing, writable directory; a symbolic link is followed.
    /// Nothing is created or changed.
    pub fn prepare(path: &Path) -> Result<Self> {
        let shown = path.display();
        if path.as_os_str().is_empty() || path.file_name().is_none() {
            return Err(Error::input(format!(
                "'{shown}' is not a file path; give a path such as out/report.json"
            )));
        }
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => Some(m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(Error::input(format!(
                "cannot write '{shown}': {e}; choose a path inside an existing, writable directory"
            )))
            }
        };
        let (target, meta) = match meta {
            Some(m) if m.file_type().is_symlink() => {
                let t = std::fs::canonicalize(path).map_err(|e| {
                    Error::input(format!(
                        "'{shown}' is a symbolic link whose target cannot be resolved ({e}); point it at an existing file or give another path"
                    ))
                })?;
                let tm = std::fs::metadata(&t).map_err(|e| {
                    Error::input(format!(
                        "cannot write '{shown}' (a link to '{}'): {e}",
                        t.display()
                    ))
                })?;
                (t, Some(tm))
            }
            m => (path.to_path_buf(), m),
        };
        let existing = match meta {
            None => None,
            Some(m) if m.is_file() => {
                if m.permissions().readonly() {
                    return Err(Error::input(format!(
                        "'{shown}' is a read-only file; make it writable (chmod u+w) or choose another path"
                    )));
                }
                Some(m.permissions())
            }
            Some(m) if m.is_dir() => {
                return Err(Error::input(format!(
                    "'{shown}' is a directory; give a file path such as '{}'",
                    path.join("report.json").display()
                )))
            }
            Some(m) => {
                return Err(Error::input(format!(
                    "'{shown}' is {}; steepest writes to regular files only (atomically) — omit the option to print the JSON on stdout and redirect or pipe it",
                    kind_name(&m.file_type())
                )))
            }
        };
        let dir = parent_dir(&target);
        match std::fs::metadata(&dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(Error::input(format!(
                    "cannot write '{shown}': '{}' is not a directory; choose a path inside an existing directory",
                    dir.display()
                )))
            }
            Err(e) => {
                return Err(Error::input(format!(
                    "cannot write '{shown}': directory '{}' does not exist ({e}); create it or choose another path",
                    dir.display()
                )))
            }
        }
        check_dir_writable(&dir, path)?;
        Ok(Self {
            asked: path.to_path_buf(),
            target,
            existing,
        })
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.asked
    }

    /// Write `contents` to a new temporary file next to the target (nothing is replaced yet).
    pub fn stage(&self, contents: &[u8]) -> Result<Staged> {
        self.stage_with(|f| f.write_all(contents))
    }

    /// Write a new temporary file next to the target through `fill` (buffered; nothing is
    /// replaced yet). A failure removes the temporary file.
    pub fn stage_with(
        &self,
        fill: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
    ) -> Result<Staged> {
        let dir = parent_dir(&self.target);
        let name = self
            .target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let io_err = |e: std::io::Error| {
            Error::input(format!(
                "cannot write '{}': {e}; choose a writable location with enough space",
                self.asked.display()
            ))
        };
        let (tmp, f) = create_temp(&dir, &name).map_err(io_err)?;
        let result = (|| -> std::io::Result<()> {
            if let Some(p) = &self.existing {
                f.set_permissions(p.clone())?;
            }
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            fill(&mut w)?;
            w.into_inner().map_err(|e| e.into_error())?.sync_all()
        })();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(io_err(e));
        }
        Ok(Staged {
            tmp: Some(tmp),
            out: self.clone(),
        })
    }

    /// Write `contents` atomically: [`OutputFile::stage`], then [`Staged::commit`].
    pub fn write(&self, contents: &[u8]) -> Result<()> {
        self.stage(contents)?.commit()
    }
}

/// Contents written to a temporary file, not yet renamed over the target. Dropping it without
/// [`Staged::commit`] removes the temporary file.
#[derive(Debug)]
pub struct Staged {
    tmp: Option<PathBuf>,
    out: OutputFile,
}

impl Staged {
    /// Rename the temporary file over the target (atomic on one filesystem).
    pub fn commit(mut self) -> Result<()> {
        let tmp = self.tmp.take().expect("a staged file is committed once");
        std::fs::rename(&tmp, &self.out.target).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Error::input(format!(
                "cannot write '{}': {e}; choose another path",
                self.out.asked.display()
            ))
        })
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if let Some(t) = self.tmp.take() {
            let _ = std::fs::remove_file(t);
        }
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A new file `.{name}.{pid}.{k}.tmp` in `dir`, created exclusively (never an existing file).
fn create_temp(dir: &Path, name: &str) -> std::io::Result<(PathBuf, std::fs::File)> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    loop {
        let k = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{k}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Whether a file can be created in `dir` (by creating and removing a temporary file); the
/// message names the directory and `asked`, never the temporary file.
fn check_dir_writable(dir: &Path, asked: &Path) -> Result<()> {
    match create_temp(dir, "steepest-write-check") {
        Ok((tmp, f)) => {
            drop(f);
            let _ = std::fs::remove_file(tmp);
            Ok(())
        }
        Err(e) => Err(Error::input(format!(
            "cannot write '{}': directory '{}' is not writable ({}); choose a writable directory",
            asked.display(),
            dir.display(),
            e.kind()
        ))),
    }
}

/// Write `contents` to `path` atomically ([`OutputFile`]: checked, then a temporary file in the
/// same directory renamed over the target). A failure leaves no partial file behind.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    OutputFile::prepare(path)?.write(contents)
}

/// Fail early if `path` cannot be written later (see [`OutputFile::prepare`]). Nothing is left
/// behind.
pub fn check_writable(path: &Path) -> Result<()> {
    OutputFile::prepare(path).map(|_| ())
}

// ---------------------------------------------------------------------------------------------
// Stdout

/// Whether stdout (fd 1) was closed when the process started. Rust's runtime reopens a closed
/// fd 0–2 on /dev/null before `main` (so that later files never take those numbers), which makes
/// writes to a closed stdout silently succeed; this is recorded earlier, from `.init_array`.
static STDOUT_CLOSED_AT_START: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

#[cfg(target_os = "linux")]
#[used]
#[link_section = ".init_array"]
static RECORD_STDOUT_AT_START: extern "C" fn() = record_stdout_at_start;

#[cfg(target_os = "linux")]
extern "C" fn record_stdout_at_start() {
    // SAFETY: fcntl(F_GETFD) only queries the descriptor's flags.
    let closed = unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_GETFD) } == -1;
    STDOUT_CLOSED_AT_START.store(closed, std::sync::atomic::Ordering::Relaxed);
}

/// Write `text` to stdout and flush. A closed stdout (`>&-`) or a broken pipe (`| true`) is an
/// [`Error::Input`] with one line saying so — never a panic, and never output silently lost
/// (Rust's stdout ignores a closed descriptor, so it is checked first).
pub fn write_stdout(text: &str) -> Result<()> {
    write_stdout_with(|w| w.write_all(text.as_bytes()))
}

/// [`write_stdout`] through a writer (buffered), for output streamed as it is formatted.
pub fn write_stdout_with(fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    // SAFETY: fcntl(F_GETFD) only queries the descriptor's flags.
    let closed_now = unsafe { libc::fcntl(libc::STDOUT_FILENO, libc::F_GETFD) } == -1;
    if closed_now || STDOUT_CLOSED_AT_START.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(Error::input(
            "stdout is closed, so the output cannot be printed; keep stdout open or write the output to a file with --report PATH",
        ));
    }
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    fill(&mut out).and_then(|_| out.flush()).map_err(|e| {
        Error::input(format!(
            "cannot write to stdout ({}): the reader closed it; keep the reader open or write the output to a file with --report PATH",
            e.kind()
        ))
    })
}

// ---------------------------------------------------------------------------------------------
// Documents: small JSON fields plus big flat arrays

/// One numeric array of a command's output: its name (the JSON key), shape and entries (C order).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedArray {
    /// The JSON key and the `.npz` member name.
    pub name: String,
    /// The shape; JSON nests lists to this depth.
    pub shape: Vec<usize>,
    /// ∏shape finite entries, row-major.
    pub data: Vec<f64>,
}

impl NamedArray {
    /// A matrix, copied row-major.
    pub fn matrix(name: &str, m: faer::MatRef<'_, f64>) -> Self {
        let mut data = Vec::with_capacity(m.nrows() * m.ncols());
        push_rows(&mut data, m);
        Self {
            name: name.to_string(),
            shape: vec![m.nrows(), m.ncols()],
            data,
        }
    }
}

/// Append the rows of `m` to `data` (row-major).
pub fn push_rows(data: &mut Vec<f64>, m: faer::MatRef<'_, f64>) {
    for i in 0..m.nrows() {
        data.extend((0..m.ncols()).map(|j| m[(i, j)]));
    }
}

/// A command's output whose bulk is numeric arrays: the small fields as a JSON object (`head`) and
/// the arrays kept flat. Written as one compact JSON object (the head's keys, then the arrays as
/// nested lists) streamed to the sink without building a `Value` tree; or, when the output path
/// ends in `.npy`, the first array alone; or, with `.npz`, every array and every numeric head field
/// (0-d arrays) — text fields such as the optimizer's name are JSON only.
#[derive(Debug, Clone)]
pub struct Document {
    /// Small fields (strings, numbers, small objects).
    pub head: serde_json::Map<String, Value>,
    /// The arrays, the main one first.
    pub arrays: Vec<NamedArray>,
}

impl Document {
    /// Check an output path up front ([`check_writable`]); `npy_ok = false` refuses `.npy` for an
    /// output of several arrays (one `.npy` holds one array).
    pub fn check_path(path: Option<&Path>, npy_ok: bool) -> Result<()> {
        let Some(p) = path else { return Ok(()) };
        if Format::of(p) == Format::Npy && !npy_ok {
            return Err(Error::input(format!(
                "'{}': this output has several arrays, more than one .npy holds; give a path ending in .npz (or .json)",
                p.display()
            )));
        }
        check_writable(p)
    }

    /// Write the document to `path` (atomically, in the format its extension names) or, without a
    /// path, as compact JSON to stdout.
    pub fn emit(&self, path: Option<&Path>) -> Result<()> {
        let Some(p) = path else {
            return write_stdout_with(|w| self.write_json(w));
        };
        let out = OutputFile::prepare(p)?;
        let staged = match Format::of(p) {
            Format::Json => out.stage_with(|w| self.write_json(w))?,
            Format::Npy => {
                let a = self.arrays.first().ok_or_else(|| {
                    Error::input(format!(
                        "'{}': this output has no array to write as .npy; give a .json path",
                        p.display()
                    ))
                })?;
                out.stage_with(|w| npy::write_npy(w, &a.shape, &a.data))?
            }
            Format::Npz => {
                let scalars: Vec<(String, [f64; 1])> = self
                    .head
                    .iter()
                    .filter_map(|(k, v)| v.as_f64().map(|x| (k.clone(), [x])))
                    .collect();
                let mut members: Vec<(&str, &[usize], &[f64])> = self
                    .arrays
                    .iter()
                    .map(|a| (a.name.as_str(), a.shape.as_slice(), a.data.as_slice()))
                    .collect();
                members.extend(scalars.iter().map(|(k, x)| (k.as_str(), &[][..], &x[..])));
                out.stage_with(|w| npy::write_npz(w, &members))?
            }
        };
        staged.commit()
    }

    /// The compact JSON text: `{"key": value, …, "array": [[…], …], …}` and a newline.
    pub fn write_json(&self, w: &mut dyn Write) -> std::io::Result<()> {
        w.write_all(b"{")?;
        let mut first = true;
        let mut sep = |w: &mut dyn Write| -> std::io::Result<()> {
            if !std::mem::take(&mut first) {
                w.write_all(b",")?;
            }
            Ok(())
        };
        for (k, v) in &self.head {
            sep(w)?;
            serde_json::to_writer(&mut *w, k)?;
            w.write_all(b":")?;
            serde_json::to_writer(&mut *w, v)?;
        }
        for a in &self.arrays {
            sep(w)?;
            serde_json::to_writer(&mut *w, &a.name)?;
            w.write_all(b":")?;
            write_nested(w, &a.shape, &a.data)?;
        }
        w.write_all(b"}\n")
    }
}

/// `data` (C order, shape `shape`) as nested JSON lists; a non-finite entry is `null`.
fn write_nested(w: &mut dyn Write, shape: &[usize], data: &[f64]) -> std::io::Result<()> {
    match shape.split_first() {
        None => write_f64(w, data[0]),
        Some((&n, rest)) => {
            let block: usize = rest.iter().product();
            w.write_all(b"[")?;
            for i in 0..n {
                if i > 0 {
                    w.write_all(b",")?;
                }
                if rest.is_empty() {
                    write_f64(w, data[i])?;
                } else {
                    write_nested(w, rest, &data[i * block..(i + 1) * block])?;
                }
            }
            w.write_all(b"]")
        }
    }
}

/// One number as serde_json writes it (shortest round-trip form; `null` if not finite).
fn write_f64(w: &mut dyn Write, x: f64) -> std::io::Result<()> {
    serde_json::to_writer(w, &x).map_err(std::io::Error::other)
}
