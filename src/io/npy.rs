//! NumPy `.npy` arrays and `.npz` archives, read and written through `npyz` and `zip`.
//!
//! * **Reading** ([`read_npy`], [`Npz`]): any float or integer dtype, C or Fortran order, any
//!   number of dimensions; entries come back as f64 in C (row-major) order. The header's shape is
//!   read *without trusting it* first: its element count (checked arithmetic) times the dtype's
//!   size must fit in the bytes the file or archive entry holds, and the f64 copy must fit in
//!   [`crate::io::memory_limit`], before anything is allocated.
//! * **Writing** ([`write_npy`], [`write_npz`]): little-endian f64 (`<f8`) in C order, what
//!   `numpy.load` reads back exactly; `.npz` members are stored uncompressed, as `numpy.savez` does.

use crate::error::{Error, Result};
use std::io::{Read, Seek, Write};
use std::path::Path;

/// A numeric NumPy array: its shape and its entries as f64 in C (row-major) order.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    /// The shape (empty for a 0-d array, a scalar).
    pub shape: Vec<usize>,
    /// ∏shape entries in C order.
    pub data: Vec<f64>,
}

/// The shape declared in a `.npy` header, read without trusting it: the magic string, the
/// header length, and the `'shape': (…)` tuple of the header's dict. Returns the shape and the
/// header bytes (to be read again by npyz).
fn npy_header_shape<R: Read>(reader: &mut R, what: &str) -> Result<(Vec<u64>, Vec<u8>)> {
    let bad = |msg: String| {
        Error::input(format!(
            "{what} is not a readable NumPy array ({msg}); write it with numpy.save"
        ))
    };
    let mut head = vec![0u8; 8];
    reader
        .read_exact(&mut head)
        .map_err(|e| bad(format!("{e}")))?;
    if &head[..6] != b"\x93NUMPY" {
        return Err(bad("no NumPy magic string".into()));
    }
    let len = match head[6] {
        1 => {
            let mut b = [0u8; 2];
            reader.read_exact(&mut b).map_err(|e| bad(format!("{e}")))?;
            head.extend_from_slice(&b);
            u16::from_le_bytes(b) as usize
        }
        2 | 3 => {
            let mut b = [0u8; 4];
            reader.read_exact(&mut b).map_err(|e| bad(format!("{e}")))?;
            head.extend_from_slice(&b);
            u32::from_le_bytes(b) as usize
        }
        v => return Err(bad(format!("unknown format version {v}"))),
    };
    if len > 1 << 20 {
        return Err(bad(format!("a header of {len} bytes")));
    }
    let mut dict = vec![0u8; len];
    reader
        .read_exact(&mut dict)
        .map_err(|e| bad(format!("{e}")))?;
    let text = String::from_utf8_lossy(&dict).into_owned();
    head.extend_from_slice(&dict);
    let tuple = text
        .find("'shape'")
        .and_then(|i| {
            let rest = &text[i..];
            let open = rest.find('(')?;
            let close = rest[open..].find(')')?;
            Some(rest[open + 1..open + close].to_string())
        })
        .ok_or_else(|| bad("no 'shape' tuple in the header".into()))?;
    let shape = tuple
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.trim_end_matches('L')
                .parse::<u64>()
                .map_err(|_| bad(format!("shape entry '{t}' is not a size")))
        })
        .collect::<Result<Vec<u64>>>()?;
    Ok((shape, head))
}

/// Read a `.npy` array of at most `available` data bytes (the file's or archive entry's size);
/// `what` names it in messages. The declared shape is checked before anything is allocated: its
/// element count times the dtype's size (checked arithmetic) must fit in `available`, and
/// `copies` f64 copies of it (what the caller will hold at once) in the memory limit.
pub fn read_npy<R: Read>(mut reader: R, available: u64, copies: u64, what: &str) -> Result<Array> {
    let bad = |e: std::io::Error| {
        Error::input(format!(
            "{what} is not a readable NumPy array ({e}); write it with numpy.save"
        ))
    };
    let (declared, header) = npy_header_shape(&mut reader, what)?;
    let count = declared.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d));
    let shown = format!("{declared:?}");
    let Some(count) = count else {
        return Err(Error::input(format!(
            "{what} declares shape {shown}, whose element count overflows 64 bits; the header is corrupt — write the array again with numpy.save"
        )));
    };
    let file = npyz::NpyFile::new(std::io::Read::chain(std::io::Cursor::new(header), reader))
        .map_err(bad)?;
    let item = file.dtype().num_bytes().unwrap_or(usize::MAX) as u64;
    match count.checked_mul(item) {
        Some(b) if b <= available => {}
        _ => {
            return Err(Error::input(format!(
                "{what} declares shape {shown} ({count} entries of {item} bytes) but holds only {available} bytes; the header is corrupt or the file truncated — write the array again with numpy.save"
            )))
        }
    }
    crate::io::check_size(
        &format!("{what} (shape {shown})"),
        count.checked_mul(8 * copies.max(1)),
        "give a smaller array",
    )?;
    let shape: Vec<usize> = declared.iter().map(|&s| s as usize).collect();
    let fortran = file.order() == npyz::Order::Fortran;
    let dtype = file.dtype().descr();
    macro_rules! try_types {
        ($file:ident; $($t:ty),*) => {{
            let f = $file;
            $(
                let f = match f.try_data::<$t>() {
                    Ok(r) => {
                        let v: std::result::Result<Vec<f64>, _> =
                            r.map(|x| x.map(|x| x as f64)).collect();
                        return finish(shape, v.map_err(bad)?, fortran, what);
                    }
                    Err(f) => f,
                };
            )*
            drop(f);
        }};
    }
    try_types!(file; f64, f32, i64, i32, i16, i8, u64, u32, u16, u8);
    Err(Error::input(format!(
        "{what}: NumPy dtype {dtype} is not supported; save the array as float64 (integer dtypes are read too)"
    )))
}

/// The entries in C order, whatever order the file stored them in.
fn finish(shape: Vec<usize>, data: Vec<f64>, fortran: bool, what: &str) -> Result<Array> {
    let count: usize = shape.iter().product();
    if data.len() != count {
        return Err(Error::input(format!(
            "{what}: a NumPy array of shape {shape:?} holds {} entries instead of {count}; write it again with numpy.save",
            data.len()
        )));
    }
    if !fortran || shape.len() < 2 {
        return Ok(Array { shape, data });
    }
    // Fortran order: entry (i_0, …, i_{d−1}) sits at Σ i_k·∏_{j<k} n_j. Walk the C order with
    // a multi-index (last index fastest).
    let d = shape.len();
    let mut stride = vec![1usize; d];
    for k in 1..d {
        stride[k] = stride[k - 1] * shape[k - 1];
    }
    let mut index = vec![0usize; d];
    let mut c = Vec::with_capacity(count);
    for _ in 0..count {
        let at: usize = index.iter().zip(&stride).map(|(i, s)| i * s).sum();
        c.push(data[at]);
        for k in (0..d).rev() {
            index[k] += 1;
            if index[k] < shape[k] {
                break;
            }
            index[k] = 0;
        }
    }
    Ok(Array { shape, data: c })
}

/// Open `path` for reading, naming it in the message if that fails.
fn open(path: &Path, what: &str) -> Result<std::fs::File> {
    let file = std::fs::File::open(path).map_err(|e| {
        Error::input(format!(
            "cannot read {what}: {e}; check the path (it must name an existing, readable file)"
        ))
    })?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Error::input(format!(
            "cannot read {what}: it is a directory; give a file"
        )));
    }
    Ok(file)
}

/// Read the `.npy` file at `path` (see [`read_npy`]).
pub fn read_npy_file(path: &Path, copies: u64, what: &str) -> Result<Array> {
    let file = open(path, what)?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    read_npy(std::io::BufReader::new(file), len, copies, what)
}

/// An open `.npz` archive (a zip of `.npy` members, as `numpy.savez` writes).
pub struct Npz {
    zip: zip::ZipArchive<std::io::BufReader<std::fs::File>>,
    what: String,
}

impl Npz {
    /// Open the archive at `path`; `what` names it in messages.
    pub fn open(path: &Path, what: &str) -> Result<Self> {
        let file = open(path, what)?;
        let zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| {
            Error::input(format!(
                "{what} is not a readable .npz archive ({e}); write it with numpy.savez"
            ))
        })?;
        Ok(Self {
            zip,
            what: what.to_string(),
        })
    }

    /// The array names in the archive (member names without `.npy`).
    pub fn names(&self) -> Vec<String> {
        self.zip
            .file_names()
            .map(|n| n.strip_suffix(".npy").unwrap_or(n).to_string())
            .collect()
    }

    /// The array `name`, or `None` if the archive has no member `name.npy`.
    pub fn get(&mut self, name: &str, copies: u64) -> Result<Option<Array>> {
        let what = format!("array '{name}' of {}", self.what);
        match self.zip.by_name(&format!("{name}.npy")) {
            Ok(entry) => {
                let size = entry.size();
                read_npy(entry, size, copies, &what).map(Some)
            }
            Err(zip::result::ZipError::FileNotFound) => Ok(None),
            Err(e) => Err(Error::input(format!(
                "{}: cannot read array '{name}' ({e}); rewrite the file with numpy.savez",
                self.what
            ))),
        }
    }

    /// The array `name`; its absence is an error naming the arrays present and `hint` (how to
    /// save it).
    pub fn require(&mut self, name: &str, copies: u64, hint: &str) -> Result<Array> {
        match self.get(name, copies)? {
            Some(a) => Ok(a),
            None => Err(Error::input(format!(
                "{} has no array '{name}' (it holds {:?}); {hint}",
                self.what,
                self.names()
            ))),
        }
    }
}

/// Write one f64 array (C order, `<f8`) as `.npy` to `w`.
pub fn write_npy<W: Write>(w: W, shape: &[usize], data: &[f64]) -> std::io::Result<()> {
    use npyz::WriterBuilder;
    let shape: Vec<u64> = shape.iter().map(|&s| s as u64).collect();
    let mut out = npyz::WriteOptions::<f64>::new()
        .default_dtype()
        .shape(&shape)
        .writer(w)
        .begin_nd()?;
    out.extend(data.iter().copied())?;
    out.finish()
}

/// Write named f64 arrays as an `.npz` archive (members `NAME.npy`, stored uncompressed) to `w`.
pub fn write_npz<W: Write + Seek>(
    w: W,
    arrays: &[(&str, &[usize], &[f64])],
) -> std::io::Result<()> {
    let mut zip = zip::ZipWriter::new(w);
    // Large members need the zip64 extension (numpy.savez writes it as well).
    let opts = zip::write::FileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .large_file(true);
    for (name, shape, data) in arrays {
        zip.start_file(format!("{name}.npy"), opts)?;
        write_npy(&mut zip, shape, data)?;
    }
    zip.finish()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_and_npz_round_trip_any_rank() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<f64> = (0..24).map(|i| i as f64 * 0.5 - 3.0).collect();
        let p = dir.path().join("a.npy");
        write_npy(std::fs::File::create(&p).unwrap(), &[2, 3, 4], &data).unwrap();
        let a = read_npy_file(&p, 1, "a").unwrap();
        assert_eq!(a.shape, vec![2, 3, 4]);
        assert_eq!(a.data, data);
        let pz = dir.path().join("b.npz");
        let s = [7.0];
        write_npz(
            std::fs::File::create(&pz).unwrap(),
            &[("x", &[2, 3, 4], &data), ("s", &[], &s)],
        )
        .unwrap();
        let mut z = Npz::open(&pz, "b").unwrap();
        assert_eq!(z.get("x", 1).unwrap().unwrap().data, data);
        let scalar = z.get("s", 1).unwrap().unwrap();
        assert_eq!((scalar.shape.len(), scalar.data.clone()), (0, vec![7.0]));
        assert!(z.get("nope", 1).unwrap().is_none());
        let e = z.require("nope", 1, "save it").unwrap_err().to_string();
        assert!(e.contains("no array 'nope'") && e.contains("\"x\""), "{e}");
    }

    #[test]
    fn fortran_order_is_read_in_c_order() {
        // 2×3×2 stored in Fortran order: entry (i, j, k) at i + 2j + 6k.
        let shape = [2usize, 3, 2];
        let c: Vec<f64> = (0..12).map(f64::from).collect();
        let mut f = vec![0.0; 12];
        for i in 0..2 {
            for j in 0..3 {
                for k in 0..2 {
                    f[i + 2 * j + 6 * k] = c[i * 6 + j * 2 + k];
                }
            }
        }
        let a = finish(shape.to_vec(), f, true, "t").unwrap();
        assert_eq!(a.data, c);
    }
}
