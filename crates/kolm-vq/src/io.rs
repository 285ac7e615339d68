//! Reading and writing vector files: NumPy `.npy`, `.fvecs`/`.ivecs` and `.fbin`/`.ibin`.
//!
//! - `.npy` (NumPy format versions 1–3): a 2-D (or 1-D, one row) C-order array of
//!   little-endian `float32` or `float16` vectors, or `int32`/`int64` ids.
//! - `.fvecs` / `.ivecs` (the TEXMEX format of SIFT1M and friends): per row, an `i32`
//!   dimension then that many `f32` or `i32` values.
//! - `.fbin` / `.ibin` (big-ann-benchmarks): `u32` rows, `u32` dimension, then the values.
//!
//! Every size a header claims is checked against the file's real length before anything is
//! allocated, and a problem is reported with what was found and what was expected.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use crate::Error;

/// A row-major matrix read from a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix<T> {
    /// Rows.
    pub rows: usize,
    /// Columns (the dimension).
    pub cols: usize,
    /// `rows × cols` values, row after row.
    pub data: Vec<T>,
}

impl<T> Matrix<T> {
    /// Row `i`.
    pub fn row(&self, i: usize) -> &[T] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }
}

/// Reads float vectors from a `.npy`, `.fvecs` or `.fbin` file (by its extension).
pub fn read_vectors(path: &Path) -> Result<Matrix<f32>, Error> {
    let named = |error: Error| error.in_file(path);
    match extension(path).as_str() {
        "npy" => read_npy_f32(&open(path)?).map_err(named),
        "fvecs" => read_vecs(&open(path)?, f32::from_le_bytes).map_err(named),
        "fbin" => read_bin(&open(path)?, f32::from_le_bytes).map_err(named),
        _ => Err(Error::Input(format!("{}: unknown vector file type (use .npy, .fvecs or .fbin)", path.display()))),
    }
}

/// Reads integer ids (such as ground truth) from a `.npy` (`int32`/`int64`), `.ivecs` or
/// `.ibin` file.
pub fn read_ids(path: &Path) -> Result<Matrix<i64>, Error> {
    let named = |error: Error| error.in_file(path);
    match extension(path).as_str() {
        "npy" => read_npy_ids(&open(path)?).map_err(named),
        "ivecs" => read_vecs(&open(path)?, |bytes| i64::from(i32::from_le_bytes(bytes))).map_err(named),
        "ibin" => read_bin(&open(path)?, |bytes| i64::from(i32::from_le_bytes(bytes))).map_err(named),
        _ => Err(Error::Input(format!("{}: unknown id file type (use .npy, .ivecs or .ibin)", path.display()))),
    }
}

/// Writes a 2-D `.npy` array of `float32` (`<f4`).
pub fn write_npy_f32(out: impl Write, rows: usize, cols: usize, data: &[f32]) -> Result<(), Error> {
    write_npy(out, "<f4", rows, cols, data.iter().flat_map(|v| v.to_le_bytes()))
}

/// Writes a 2-D `.npy` array of `int64` (`<i8`).
pub fn write_npy_i64(out: impl Write, rows: usize, cols: usize, data: &[i64]) -> Result<(), Error> {
    write_npy(out, "<i8", rows, cols, data.iter().flat_map(|v| v.to_le_bytes()))
}

fn write_npy(
    mut out: impl Write,
    descr: &str,
    rows: usize,
    cols: usize,
    bytes: impl Iterator<Item = u8>,
) -> Result<(), Error> {
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': ({rows}, {cols}), }}");
    // Magic (6) + version (2) + length (2) + header, padded with spaces to a multiple of 64.
    let total = (10 + header.len() + 1).next_multiple_of(64);
    header.push_str(&" ".repeat(total - 10 - header.len() - 1));
    header.push('\n');
    out.write_all(b"\x93NUMPY\x01\x00")?;
    out.write_all(&(header.len() as u16).to_le_bytes())?;
    out.write_all(header.as_bytes())?;
    let body: Vec<u8> = bytes.collect();
    out.write_all(&body)?;
    out.flush()?;
    Ok(())
}

fn extension(path: &Path) -> String {
    path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase()
}

fn open(path: &Path) -> Result<Vec<u8>, Error> {
    let file = File::open(path).map_err(|error| Error::Input(format!("cannot open {}: {error}", path.display())))?;
    let mut bytes = Vec::new();
    BufReader::new(file)
        .read_to_end(&mut bytes)
        .map_err(|error| Error::Input(format!("cannot read {}: {error}", path.display())))?;
    Ok(bytes)
}

/// The parsed header of a `.npy` file: element type, shape and where the data starts.
struct NpyHeader {
    descr: String,
    rows: usize,
    cols: usize,
    data_start: usize,
}

fn npy_header(bytes: &[u8]) -> Result<NpyHeader, Error> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(Error::Input("not a .npy file (no \\x93NUMPY magic)".into()));
    }
    let (length, start) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")) as usize, 12),
        version => return Err(Error::Input(format!(".npy format version {version} is not supported"))),
    };
    let text = bytes
        .get(start..start + length)
        .and_then(|text| std::str::from_utf8(text).ok())
        .ok_or_else(|| Error::Input("the .npy header is cut short or not text".into()))?;
    let field = |key: &str| -> Result<&str, Error> {
        let at =
            text.find(&format!("'{key}':")).ok_or_else(|| Error::Input(format!("the .npy header has no '{key}'")))?;
        Ok(text[at + key.len() + 3..].trim_start())
    };
    let descr = field("descr")?.trim_start_matches('\'').split('\'').next().unwrap_or("").to_owned();
    if field("fortran_order")?.starts_with("True") {
        return Err(Error::Input("Fortran-order .npy arrays are not supported; save with C order".into()));
    }
    let shape_text = field("shape")?;
    let shape_text = shape_text.strip_prefix('(').and_then(|s| s.split(')').next()).unwrap_or("");
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse().map_err(|_| Error::Input(format!("bad .npy shape entry '{s}'"))))
        .collect::<Result<_, _>>()?;
    let (rows, cols) = match shape.as_slice() {
        [cols] => (1, *cols),
        [rows, cols] => (*rows, *cols),
        _ => return Err(Error::Input(format!("a .npy of shape {shape:?}; need 2-D (rows, dimension) or 1-D"))),
    };
    Ok(NpyHeader { descr, rows, cols, data_start: start + length })
}

fn npy_data<'a>(bytes: &'a [u8], header: &NpyHeader, width: usize) -> Result<&'a [u8], Error> {
    let want = header.rows.checked_mul(header.cols).and_then(|n| n.checked_mul(width));
    let have = bytes.len() - header.data_start.min(bytes.len());
    match want {
        Some(want) if want == have => Ok(&bytes[header.data_start..]),
        _ => Err(Error::Input(format!(
            "the .npy header says {} × {} values of {width} bytes but the file holds {have} bytes of data",
            header.rows, header.cols
        ))),
    }
}

fn read_npy_f32(bytes: &[u8]) -> Result<Matrix<f32>, Error> {
    let header = npy_header(bytes)?;
    let data: Vec<f32> = match header.descr.as_str() {
        "<f4" | "|f4" => npy_data(bytes, &header, 4)?
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect(),
        "<f2" | "|f2" => npy_data(bytes, &header, 2)?
            .chunks_exact(2)
            .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
            .collect(),
        other => {
            return Err(Error::Input(format!(
                "dtype '{other}' is not supported for vectors (need float32 '<f4' or float16 '<f2')"
            )));
        }
    };
    Ok(Matrix { rows: header.rows, cols: header.cols, data })
}

fn read_npy_ids(bytes: &[u8]) -> Result<Matrix<i64>, Error> {
    let header = npy_header(bytes)?;
    let data: Vec<i64> = match header.descr.as_str() {
        "<i4" => npy_data(bytes, &header, 4)?
            .chunks_exact(4)
            .map(|c| i64::from(i32::from_le_bytes(c.try_into().expect("4 bytes"))))
            .collect(),
        "<i8" => npy_data(bytes, &header, 8)?
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect(),
        other => {
            return Err(Error::Input(format!(
                "dtype '{other}' is not supported for ids (need int32 '<i4' or int64 '<i8')"
            )));
        }
    };
    Ok(Matrix { rows: header.rows, cols: header.cols, data })
}

fn read_vecs<T>(bytes: &[u8], value: impl Fn([u8; 4]) -> T) -> Result<Matrix<T>, Error> {
    if bytes.len() < 4 {
        return Err(Error::Input("empty or truncated vecs file".into()));
    }
    let cols = i32::from_le_bytes(bytes[..4].try_into().expect("4 bytes"));
    if cols <= 0 {
        return Err(Error::Input(format!("the first row claims dimension {cols}")));
    }
    let cols = cols as usize;
    let row_bytes = 4 + 4 * cols;
    if !bytes.len().is_multiple_of(row_bytes) {
        return Err(Error::Input(format!(
            "{} bytes is not a whole number of rows of dimension {cols} ({row_bytes} bytes each): truncated or mixed dimensions",
            bytes.len()
        )));
    }
    let mut data = Vec::with_capacity(bytes.len() / row_bytes * cols);
    for (row, chunk) in bytes.chunks_exact(row_bytes).enumerate() {
        let dim = i32::from_le_bytes(chunk[..4].try_into().expect("4 bytes"));
        if dim as usize != cols {
            return Err(Error::Input(format!("row {row} has dimension {dim}, the first row {cols}")));
        }
        data.extend(chunk[4..].chunks_exact(4).map(|c| value(c.try_into().expect("4 bytes"))));
    }
    Ok(Matrix { rows: bytes.len() / row_bytes, cols, data })
}

fn read_bin<T>(bytes: &[u8], value: impl Fn([u8; 4]) -> T) -> Result<Matrix<T>, Error> {
    if bytes.len() < 8 {
        return Err(Error::Input("the file is shorter than its 8-byte header".into()));
    }
    let rows = u32::from_le_bytes(bytes[..4].try_into().expect("4 bytes")) as usize;
    let cols = u32::from_le_bytes(bytes[4..8].try_into().expect("4 bytes")) as usize;
    if rows.checked_mul(cols).and_then(|n| n.checked_mul(4)) != Some(bytes.len() - 8) {
        return Err(Error::Input(format!(
            "the header says {rows} × {cols} values but the file holds {} bytes of data",
            bytes.len() - 8
        )));
    }
    let data = bytes[8..].chunks_exact(4).map(|c| value(c.try_into().expect("4 bytes"))).collect();
    Ok(Matrix { rows, cols, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npy_round_trips_and_reads_float16() {
        let dir = std::env::temp_dir().join(format!("kolm-vq-io-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.npy");
        let data = [1.0f32, -2.5, 3.25, 0.0, 7.0, 8.5];
        write_npy_f32(File::create(&path).unwrap(), 2, 3, &data).unwrap();
        let back = read_vectors(&path).unwrap();
        assert_eq!((back.rows, back.cols, back.data.as_slice()), (2, 3, &data[..]));

        let mut f16 = b"\x93NUMPY\x01\x00".to_vec();
        let header = "{'descr': '<f2', 'fortran_order': False, 'shape': (1, 2), }          \n";
        f16.extend_from_slice(&(header.len() as u16).to_le_bytes());
        f16.extend_from_slice(header.as_bytes());
        f16.extend_from_slice(&half::f16::from_f32(1.5).to_le_bytes());
        f16.extend_from_slice(&half::f16::from_f32(-0.25).to_le_bytes());
        assert_eq!(read_npy_f32(&f16).unwrap().data, vec![1.5, -0.25]);

        let ids = [3i64, 1, 4, 1];
        let path = dir.join("ids.npy");
        write_npy_i64(File::create(&path).unwrap(), 2, 2, &ids).unwrap();
        assert_eq!(read_ids(&path).unwrap().data, ids);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn npy_problems_are_named() {
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }\n";
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(&[0; 32]);
        let error = read_npy_f32(&bytes).unwrap_err().to_string();
        assert!(error.contains("'<f8'"), "{error}");

        let claims_more = bytes.clone();
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }\n";
        let mut big = b"\x93NUMPY\x01\x00".to_vec();
        big.extend_from_slice(&(header.len() as u16).to_le_bytes());
        big.extend_from_slice(header.as_bytes());
        let error = read_npy_f32(&big).unwrap_err().to_string();
        assert!(error.contains("1000000 × 1000000"), "{error}");
        assert!(read_npy_f32(&claims_more[..12]).is_err());
        assert!(read_npy_f32(b"hello").unwrap_err().to_string().contains("not a .npy"));
    }

    #[test]
    fn vecs_and_bin_files_are_checked() {
        let mut fvecs = Vec::new();
        for row in [[1.0f32, 2.0], [3.0, 4.0]] {
            fvecs.extend_from_slice(&2i32.to_le_bytes());
            row.iter().for_each(|v| fvecs.extend_from_slice(&v.to_le_bytes()));
        }
        let matrix = read_vecs(&fvecs, f32::from_le_bytes).unwrap();
        assert_eq!((matrix.rows, matrix.cols, matrix.data), (2, 2, vec![1.0, 2.0, 3.0, 4.0]));
        assert!(read_vecs(&fvecs[..fvecs.len() - 1], f32::from_le_bytes).is_err());
        fvecs[12..16].copy_from_slice(&3i32.to_le_bytes());
        assert!(read_vecs(&fvecs, f32::from_le_bytes).unwrap_err().to_string().contains("row 1 has dimension 3"));

        let mut fbin = Vec::new();
        fbin.extend_from_slice(&1u32.to_le_bytes());
        fbin.extend_from_slice(&2u32.to_le_bytes());
        fbin.extend_from_slice(&5.0f32.to_le_bytes());
        fbin.extend_from_slice(&6.0f32.to_le_bytes());
        assert_eq!(read_bin(&fbin, f32::from_le_bytes).unwrap().data, vec![5.0, 6.0]);
        assert!(read_bin(&fbin[..12], f32::from_le_bytes).is_err());
    }
}
