//! Reading and writing numpy's `.npy` and `.npz` files (feature `npy`, on by default).
//!
//! Arrays move both ways between numpy/pylops and rylops:
//!
//! - [`read_npy`] / [`write_npy`]: one n-d array ([`ArrayD`]), `float32`, `float64`, `complex64`
//!   or `complex128` (see [`NpyScalar`]); files in C or Fortran order are read, arrays are returned
//!   in standard (C) layout, and written in the array's own layout (C for standard arrays);
//! - [`read_npy_chunked`] / [`write_npy_chunked`]: the same for [`ChunkedArray`]s, the chunking being
//!   chosen on read (the file holds one plain array, like `np.save(path, dask_array)`);
//! - [`read_npy_as`]: a real array of any numeric dtype (`uint8` images, `int64`, `bool`, ...),
//!   converted to `f32` or `f64`;
//! - [`read_npz`], [`read_npz_array`], [`npz_names`] / [`write_npz`], [`write_npz_chunked`]:
//!   several named arrays in one `.npz` archive, as `np.savez` writes and `np.load` reads them;
//!   archives written by `np.savez_compressed` (deflated entries) are read too.
//!
//! Every failure (missing file, truncated data, a dtype other than the requested one, a name not in
//! the archive) is an [`Error::Io`] naming the file and what went wrong.
//!
//! Files are not trusted: before anything is allocated, the header's length is checked against
//! the bytes present (and capped at 64 KiB), the dtype against the requested type, and the
//! shape's element count (checked multiplication) times the item size against the data bytes the
//! file (or the archive entry) actually holds. A 200-byte file claiming 2^40 elements, a shape
//! such as `(0, 2^63)` or a header length of `0xFFFFFFF0` is an [`Error::Io`], never an
//! allocation. A deflated `.npz` entry may claim at most 1032 times its compressed size (the most
//! deflate can expand), and its data is read only up to the size the header implies.
//!
//! ```
//! use ndarray::{ArrayD, IxDyn};
//! use rylops_core::npy::{read_npy, read_npy_chunked, write_npy};
//!
//! let dir = std::env::temp_dir().join(format!("rylops-npy-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("a.npy");
//! let a = ArrayD::from_shape_fn(IxDyn(&[4, 6]), |ix| (ix[0] * 6 + ix[1]) as f64);
//! write_npy(&path, &a).unwrap(); // np.load(path) gives np.arange(24.).reshape(4, 6)
//! assert_eq!(read_npy::<f64>(&path).unwrap(), a);
//! let x = read_npy_chunked::<f64>(&path, &[2, 3]).unwrap(); // 2x2 blocks of 2x3
//! assert_eq!(x.grid().all_chunks(), &[vec![2, 2], vec![3, 3]]);
//! assert_eq!(x.to_array(), a);
//! // Reading with the wrong dtype is an error that names the file.
//! assert!(matches!(read_npy::<f32>(&path), Err(rylops_core::Error::Io(m)) if m.contains("a.npy")));
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```

use crate::chunked::ChunkedArray;
use crate::error::{Error, Result};
use crate::grid::ChunkGrid;
use crate::scalar::{RealScalar, Scalar};
use ndarray::{ArrayBase, ArrayD, ArrayViewD, Data, Dimension};
use ndarray_npy::npy::header::Header;
use ndarray_npy::{NpzWriter, ReadNpyExt, ReadableElement, WriteNpyExt};
use num_complex::Complex;
use std::fs::File;
use std::io::{BufReader, BufWriter, Cursor, Read};
use std::path::Path;
use zip::{CompressionMethod, ZipArchive};

/// The element types rylops reads and writes in `.npy`/`.npz` files: `f32` (`<f4`), `f64`
/// (`<f8`), `Complex<f32>` (`<c8`) and `Complex<f64>` (`<c16`); big-endian files are read too.
pub trait NpyScalar: Scalar + ReadableElement + ndarray_npy::WritableElement {}

impl NpyScalar for f32 {}
impl NpyScalar for f64 {}
impl NpyScalar for Complex<f32> {}
impl NpyScalar for Complex<f64> {}

fn io_err(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
    Error::Io(format!("{what} {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Validating a header before anything is allocated.

/// The longest header accepted: numpy writes about 128 bytes for the dtypes read here (and
/// reads at most 10,000 by default).
const MAX_HEADER_LEN: u64 = 1 << 16;

/// The deepest nesting of brackets accepted in a header (a plain array's has 2: the dict and the
/// shape tuple); deeper headers are refused before the literal parser recurses into them.
const MAX_HEADER_DEPTH: usize = 8;

/// The most a deflate stream can expand: 258 bytes per (at least) 2 bits.
const MAX_DEFLATE_RATIO: u64 = 1032;

/// The dtypes that can be read: numpy's descriptors, as ndarray-npy accepts them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dtype {
    Bool,
    I1,
    U1,
    I2,
    U2,
    I4,
    U4,
    I8,
    U8,
    F4,
    F8,
    C8,
    C16,
}

impl Dtype {
    /// numpy's name (`np.dtype(descr).name`).
    fn name(self) -> &'static str {
        match self {
            Dtype::Bool => "bool",
            Dtype::I1 => "int8",
            Dtype::U1 => "uint8",
            Dtype::I2 => "int16",
            Dtype::U2 => "uint16",
            Dtype::I4 => "int32",
            Dtype::U4 => "uint32",
            Dtype::I8 => "int64",
            Dtype::U8 => "uint64",
            Dtype::F4 => "float32",
            Dtype::F8 => "float64",
            Dtype::C8 => "complex64",
            Dtype::C16 => "complex128",
        }
    }

    /// Bytes per element.
    fn size(self) -> u64 {
        match self {
            Dtype::Bool | Dtype::I1 | Dtype::U1 => 1,
            Dtype::I2 | Dtype::U2 => 2,
            Dtype::I4 | Dtype::U4 | Dtype::F4 => 4,
            Dtype::I8 | Dtype::U8 | Dtype::F8 | Dtype::C8 => 8,
            Dtype::C16 => 16,
        }
    }

    /// The dtype of a descriptor string: `|b1`, `|i1`/`i1`/`b`, `|u1`/`u1`/`B`, and `<` or `>`
    /// followed by `i2 u2 i4 u4 i8 u8 f4 f8 c8 c16`.
    fn parse(descr: &str) -> Option<Dtype> {
        Some(match descr {
            "|b1" => Dtype::Bool,
            "|i1" | "i1" | "b" => Dtype::I1,
            "|u1" | "u1" | "B" => Dtype::U1,
            _ => {
                let body = descr
                    .strip_prefix('<')
                    .or_else(|| descr.strip_prefix('>'))?;
                match body {
                    "i2" => Dtype::I2,
                    "u2" => Dtype::U2,
                    "i4" => Dtype::I4,
                    "u4" => Dtype::U4,
                    "i8" => Dtype::I8,
                    "u8" => Dtype::U8,
                    "f4" => Dtype::F4,
                    "f8" => Dtype::F8,
                    "c8" => Dtype::C8,
                    "c16" => Dtype::C16,
                    _ => return None,
                }
            }
        })
    }

    /// The dtype of an element type read here (from the descriptor ndarray-npy writes for it).
    fn of<T: NpyScalar>() -> Option<Dtype> {
        Dtype::parse(T::type_descriptor().as_string()?)
    }
}

/// A header that passed every check: its bytes (to be read again by ndarray-npy), the dtype and
/// the number of data bytes that follow.
struct Checked {
    bytes: Vec<u8>,
    dtype: Dtype,
    shape: Vec<usize>,
    data_len: u64,
}

fn shape_text(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        s => format!(
            "({})",
            s.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Reads and checks an `.npy` header from `r`, which holds `available` bytes in all (header and
/// data): the header's length against `available` and [`MAX_HEADER_LEN`], its syntax, the dtype,
/// and the shape's size (checked, within `isize::MAX` bytes as ndarray needs) against the data
/// bytes present. Allocates at most the header's (checked) length.
fn check_header(r: &mut impl Read, available: u64) -> std::result::Result<Checked, String> {
    let mut prefix = [0u8; 8];
    if available < 10 {
        return Err(format!(
            "not an .npy file: {available} bytes, fewer than the 10 of the smallest header"
        ));
    }
    r.read_exact(&mut prefix)
        .map_err(|e| format!("reading the header: {e}"))?;
    if &prefix[..6] != b"\x93NUMPY" {
        return Err("not an .npy file (no \\x93NUMPY magic string)".into());
    }
    let (major, minor) = (prefix[6], prefix[7]);
    let len_bytes: usize = match (major, minor) {
        (1, 0) => 2,
        (2, 0) | (3, 0) => 4,
        _ => {
            return Err(format!(
                ".npy format version {major}.{minor} is not supported"
            ))
        }
    };
    let mut len = [0u8; 4];
    r.read_exact(&mut len[..len_bytes])
        .map_err(|e| format!("reading the header: {e}"))?;
    let header_len = u64::from(u32::from_le_bytes(len));
    let start = 8 + len_bytes as u64;
    let after = available.saturating_sub(start);
    if header_len > after {
        return Err(format!(
            "the header claims {header_len} bytes, but only {after} follow"
        ));
    }
    if header_len > MAX_HEADER_LEN {
        return Err(format!(
            "the header claims {header_len} bytes, more than the {MAX_HEADER_LEN} accepted"
        ));
    }
    let mut bytes = Vec::with_capacity((start + header_len) as usize);
    bytes.extend_from_slice(&prefix);
    bytes.extend_from_slice(&len[..len_bytes]);
    r.take(header_len)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("reading the header: {e}"))?;
    if (bytes.len() as u64) < start + header_len {
        return Err("the header is truncated".into());
    }
    // The literal parser recurses on brackets: refuse deep nesting before parsing.
    let mut depth = 0usize;
    for &b in &bytes[start as usize..] {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_HEADER_DEPTH {
                    return Err(format!(
                        "the header nests brackets deeper than {MAX_HEADER_DEPTH} levels"
                    ));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let header =
        Header::from_reader(&mut &bytes[..]).map_err(|e| format!("bad .npy header: {e}"))?;
    let Some(descr) = header.type_descriptor.as_string().cloned() else {
        return Err(format!(
            "dtype {} is not supported (structured dtypes are not read)",
            header.type_descriptor
        ));
    };
    let dtype = Dtype::parse(&descr).ok_or_else(|| {
        format!(
            "dtype {descr:?} is not supported: float32/64, complex64/128, (u)int8..64 and bool \
             are read"
        )
    })?;
    let shape = header.shape;
    // ndarray needs the product of the non-zero lengths within isize::MAX (even for an empty
    // array), and the data within isize::MAX bytes.
    let overflow = || {
        format!(
            "shape {} of {} overflows: its element count or byte size exceeds isize::MAX",
            shape_text(&shape),
            dtype.name()
        )
    };
    let nonzero = shape
        .iter()
        .filter(|&&n| n != 0)
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .filter(|&n| n <= isize::MAX as usize)
        .ok_or_else(overflow)?;
    let elements = if shape.contains(&0) { 0 } else { nonzero } as u64;
    let data_len = elements
        .checked_mul(dtype.size())
        .filter(|&n| n <= isize::MAX as u64)
        .ok_or_else(overflow)?;
    let present = after - header_len;
    if data_len != present {
        return Err(format!(
            "the header describes shape {} of {} ({data_len} bytes of data), but {present} \
             bytes follow it ({})",
            shape_text(&shape),
            dtype.name(),
            if present < data_len {
                "truncated file"
            } else {
                "extra bytes"
            }
        ));
    }
    Ok(Checked {
        bytes,
        dtype,
        shape,
        data_len,
    })
}

/// Reads the data after a checked header as an array of `A` (the header's dtype), at most
/// `data_len + 1` bytes from `r` (one more to detect trailing bytes).
fn read_data<A: ReadableElement + Clone>(
    c: Checked,
    r: impl Read,
) -> std::result::Result<ArrayD<A>, String> {
    let rest = r.take(c.data_len.saturating_add(1));
    let a = ArrayD::<A>::read_npy(Cursor::new(c.bytes).chain(rest))
        .map_err(|e| format!("reading shape {}: {e}", shape_text(&c.shape)))?;
    Ok(standard(a))
}

/// Reads a whole `.npy` stream of `available` bytes as element type `T`.
fn read_as<T: NpyScalar>(
    mut r: impl Read,
    available: u64,
) -> std::result::Result<ArrayD<T>, String> {
    let c = check_header(&mut r, available)?;
    if Dtype::of::<T>() != Some(c.dtype) {
        return Err(format!(
            "the file holds dtype {}, not {}: read it with the matching type (or with \
             read_npy_as for real numeric dtypes)",
            c.dtype.name(),
            T::DTYPE
        ));
    }
    read_data::<T>(c, r)
}

/// Reads a whole `.npy` stream of `available` bytes of any real dtype, converted to `T`.
fn read_real_as<T: RealScalar>(
    mut r: impl Read,
    available: u64,
) -> std::result::Result<ArrayD<T>, String> {
    let c = check_header(&mut r, available)?;
    macro_rules! convert {
        ($t:ty) => {{
            #[allow(clippy::unnecessary_cast)]
            Ok(read_data::<$t>(c, r)?.mapv(|v| T::from_f64(v as f64)))
        }};
    }
    match c.dtype {
        Dtype::F8 => convert!(f64),
        Dtype::F4 => convert!(f32),
        Dtype::U1 => convert!(u8),
        Dtype::I1 => convert!(i8),
        Dtype::U2 => convert!(u16),
        Dtype::I2 => convert!(i16),
        Dtype::U4 => convert!(u32),
        Dtype::I4 => convert!(i32),
        Dtype::U8 => convert!(u64),
        Dtype::I8 => convert!(i64),
        Dtype::Bool => Ok(read_data::<bool>(c, r)?.mapv(|v| if v { T::one() } else { T::zero() })),
        Dtype::C8 | Dtype::C16 => Err(format!(
            "dtype {} is not a real numeric dtype (float32/64, (u)int8..64, bool)",
            c.dtype.name()
        )),
    }
}

/// Opens a file for reading, with its length.
fn open_len(path: &Path) -> Result<(BufReader<File>, u64)> {
    let f = File::open(path).map_err(|e| io_err(path, "opening", e))?;
    let len = f.metadata().map_err(|e| io_err(path, "opening", e))?.len();
    Ok((BufReader::new(f), len))
}

fn reading(path: &Path) -> impl Fn(String) -> Error + '_ {
    move |e| Error::Io(format!("reading {}: {e}", path.display()))
}

/// Checks the entry counts and the central directory offset a zip footer claims against the
/// file's length, before the zip crate reserves room for that many entries: every entry needs
/// a central directory record of at least 46 bytes. Reads at most the last 64 KiB + 22 bytes
/// and one ZIP64 record; a file without a footer is left to the zip crate to refuse.
fn check_zip_footer<R: Read + std::io::Seek>(
    r: &mut R,
    len: u64,
) -> std::result::Result<(), String> {
    use std::io::SeekFrom;
    let io = |e: std::io::Error| format!("reading the zip footer: {e}");
    let tail = len.min(22 + 0xFFFF);
    r.seek(SeekFrom::Start(len - tail)).map_err(io)?;
    let mut buf = Vec::with_capacity(tail as usize);
    r.take(tail).read_to_end(&mut buf).map_err(io)?;
    let u16_at = |b: &[u8], i: usize| u64::from(u16::from_le_bytes([b[i], b[i + 1]]));
    let u32_at = |b: &[u8], i: usize| {
        u64::from(u32::from_le_bytes(b[i..i + 4].try_into().unwrap_or([0; 4])))
    };
    let u64_at = |b: &[u8], i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
    // The last end-of-central-directory record whose comment fits the file (as the zip crate
    // chooses it).
    let Some(p) = (0..buf.len().saturating_sub(21)).rev().find(|&p| {
        &buf[p..p + 4] == b"PK\x05\x06" && p + 22 + u16_at(&buf, p + 20) as usize <= buf.len()
    }) else {
        return Ok(());
    };
    let plausible = |entries: u64, offset: u64| {
        if entries.saturating_mul(46) > len || offset > len {
            Err(format!(
                "the zip footer claims {entries} entries from offset {offset} in a file of \
                 {len} bytes"
            ))
        } else {
            Ok(())
        }
    };
    // A ZIP64 locator just before it points to a ZIP64 record with the 64-bit counts (the end
    // record then holds placeholders); otherwise the end record's own counts are the claim.
    if p < 20 || &buf[p - 20..p - 16] != b"PK\x06\x07" {
        plausible(u16_at(&buf, p + 10), u32_at(&buf, p + 16))?;
    } else {
        let at = u64_at(&buf, p - 12);
        if at.saturating_add(56) > len {
            return Err(format!(
                "the ZIP64 record at {at} is past the end ({len} bytes)"
            ));
        }
        let mut rec = [0u8; 56];
        r.seek(SeekFrom::Start(at)).map_err(io)?;
        r.read_exact(&mut rec).map_err(io)?;
        if &rec[..4] == b"PK\x06\x06" {
            plausible(u64_at(&rec, 24).max(u64_at(&rec, 32)), u64_at(&rec, 48))?;
        }
    }
    r.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(())
}

/// An `.npz` archive opened for reading, with the file's length.
struct Npz {
    zip: ZipArchive<BufReader<File>>,
    file_len: u64,
}

impl Npz {
    fn open(path: &Path) -> Result<Npz> {
        let (mut f, file_len) = open_len(path)?;
        check_zip_footer(&mut f, file_len).map_err(reading(path))?;
        let zip = ZipArchive::new(f).map_err(|e| io_err(path, "reading", e))?;
        Ok(Npz { zip, file_len })
    }

    /// The names, without one `.npy` suffix, in archive order.
    fn names(&self) -> Vec<String> {
        (0..self.zip.len())
            .filter_map(|i| self.zip.name_for_index(i))
            .map(|n| n.strip_suffix(".npy").unwrap_or(n).to_string())
            .collect()
    }

    /// The index of `name` (or `name.npy`, as numpy looks them up).
    fn index(&self, name: &str) -> Option<usize> {
        self.zip
            .index_for_name(name)
            .or_else(|| self.zip.index_for_name(&format!("{name}.npy")))
    }

    /// Reads entry `i` with `read`, after checking its claimed sizes against the file.
    fn read<A>(
        &mut self,
        i: usize,
        read: impl FnOnce(&mut dyn Read, u64) -> std::result::Result<A, String>,
    ) -> std::result::Result<A, String> {
        let file_len = self.file_len;
        let mut f = self.zip.by_index(i).map_err(|e| e.to_string())?;
        let (size, packed) = (f.size(), f.compressed_size());
        let max = match f.compression() {
            CompressionMethod::Stored => packed,
            CompressionMethod::Deflated => packed
                .saturating_mul(MAX_DEFLATE_RATIO)
                .saturating_add(MAX_DEFLATE_RATIO),
            m => {
                return Err(format!(
                    "compression method {m} is not supported (numpy writes stored or deflated \
                     entries)"
                ))
            }
        };
        if packed > file_len || size > max {
            return Err(format!(
                "the archive entry claims {size} bytes from {packed} compressed bytes in a file \
                 of {file_len}: impossible"
            ));
        }
        read(&mut f, size)
    }
}

fn create(path: &Path) -> Result<BufWriter<File>> {
    File::create(path)
        .map(BufWriter::new)
        .map_err(|e| io_err(path, "creating", e))
}

fn standard<T: Clone>(a: ArrayD<T>) -> ArrayD<T> {
    if a.is_standard_layout() {
        a
    } else {
        a.as_standard_layout().into_owned()
    }
}

/// Reads an `.npy` file (C or Fortran order) into an array in standard (C) layout.
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be read, is not a valid `.npy` file, or holds another
/// dtype than `T`.
///
/// ```
/// use ndarray::{arr2, ArrayD};
/// use rylops_core::npy::{read_npy, write_npy};
/// let path = std::env::temp_dir().join(format!("rylops-read-npy-{}.npy", std::process::id()));
/// // A Fortran-ordered array (the transpose of a C one) is written in Fortran order...
/// let f = arr2(&[[1.0f32, 2.0, 3.0], [4.0, 5.0, 6.0]]).reversed_axes();
/// write_npy(&path, &f).unwrap();
/// // ...and read back with the same values, in C layout.
/// let a: ArrayD<f32> = read_npy(&path).unwrap();
/// assert!(a.is_standard_layout());
/// assert_eq!(a, f.into_dyn());
/// std::fs::remove_file(&path).unwrap();
/// ```
pub fn read_npy<T: NpyScalar>(path: impl AsRef<Path>) -> Result<ArrayD<T>> {
    let path = path.as_ref();
    let (f, len) = open_len(path)?;
    read_as::<T>(f, len).map_err(reading(path))
}

/// Writes an array to an `.npy` file (in the array's layout: C order for standard arrays, Fortran
/// order for Fortran-contiguous ones, C order otherwise).
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be written.
///
/// ```
/// use ndarray::arr1;
/// use num_complex::Complex64;
/// use rylops_core::npy::{read_npy, write_npy};
/// let path = std::env::temp_dir().join(format!("rylops-write-npy-{}.npy", std::process::id()));
/// let z = arr1(&[Complex64::new(1.0, -2.0), Complex64::new(0.5, 3.0)]);
/// write_npy(&path, &z).unwrap(); // np.load gives array([1.-2.j, 0.5+3.j])
/// assert_eq!(read_npy::<Complex64>(&path).unwrap(), z.into_dyn());
/// std::fs::remove_file(&path).unwrap();
/// ```
pub fn write_npy<T, S, D>(path: impl AsRef<Path>, a: &ArrayBase<S, D>) -> Result<()>
where
    T: NpyScalar,
    S: Data<Elem = T>,
    D: Dimension,
{
    let path = path.as_ref();
    let mut w = create(path)?;
    a.write_npy(&mut w)
        .map_err(|e| io_err(path, "writing", e))?;
    std::io::Write::flush(&mut w).map_err(|e| io_err(path, "writing", e))
}

/// Reads an `.npy` file into a [`ChunkedArray`] of blocks of (at most) `chunk` along every axis
/// (the last block of an axis may be shorter, as [`ChunkGrid::uniform`]).
///
/// # Errors
///
/// those of [`read_npy`], and those of [`ChunkGrid::uniform`] for a `chunk` that does not
/// fit the array read (wrong number of axes, zero length).
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use rylops_core::npy::{read_npy_chunked, write_npy};
/// let path = std::env::temp_dir().join(format!("rylops-read-chunked-{}.npy", std::process::id()));
/// write_npy(&path, &ArrayD::<f64>::zeros(IxDyn(&[10, 7]))).unwrap();
/// let x = read_npy_chunked::<f64>(&path, &[4, 7]).unwrap();
/// assert_eq!(x.grid().chunks(0), &[4, 4, 2]);
/// assert!(read_npy_chunked::<f64>(&path, &[4]).is_err()); // one length per axis
/// std::fs::remove_file(&path).unwrap();
/// ```
pub fn read_npy_chunked<T: NpyScalar>(
    path: impl AsRef<Path>,
    chunk: &[usize],
) -> Result<ChunkedArray<T>> {
    let a = read_npy::<T>(path)?;
    let grid = ChunkGrid::uniform(a.shape(), chunk)?;
    ChunkedArray::from_array_grid(a.view(), grid)
}

/// Writes a [`ChunkedArray`] to an `.npy` file as one plain C-order array (the chunking is not
/// stored: choose it again on read).
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be written.
///
/// ```
/// use rylops_core::npy::{read_npy, write_npy_chunked};
/// use rylops_core::{ChunkGrid, ChunkedArray};
/// let path = std::env::temp_dir().join(format!("rylops-write-chunked-{}.npy", std::process::id()));
/// let x = ChunkedArray::<f32>::random(ChunkGrid::uniform(&[5, 8], &[2, 3]).unwrap(), 7);
/// write_npy_chunked(&path, &x).unwrap();
/// assert_eq!(read_npy::<f32>(&path).unwrap(), x.to_array());
/// std::fs::remove_file(&path).unwrap();
/// ```
pub fn write_npy_chunked<T: NpyScalar>(path: impl AsRef<Path>, x: &ChunkedArray<T>) -> Result<()> {
    write_npy(path, &x.to_array())
}

/// Reads a real array of any numeric dtype numpy writes (`float16` excepted): `float32`,
/// `float64`, signed and unsigned integers of 1 to 8 bytes and `bool`, converted to `T` (`f32` or
/// `f64`, through `f64`: integers beyond 2^53 are rounded). Handy for images saved by numpy or PIL
/// (`uint8`).
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be read, or holds a complex, string or structured dtype.
///
/// ```
/// use ndarray::arr2;
/// use rylops_core::npy::{read_npy_as, write_npy};
/// let path = std::env::temp_dir().join(format!("rylops-read-as-{}.npy", std::process::id()));
/// // ndarray-npy writes u8 like numpy's uint8 ('|u1').
/// ndarray_npy::write_npy(&path, &arr2(&[[0u8, 128], [255, 7]])).unwrap();
/// let a = read_npy_as::<f32>(&path).unwrap();
/// assert_eq!(a, arr2(&[[0.0f32, 128.0], [255.0, 7.0]]).into_dyn());
/// std::fs::remove_file(&path).unwrap();
/// ```
pub fn read_npy_as<T: RealScalar + NpyScalar>(path: impl AsRef<Path>) -> Result<ArrayD<T>> {
    let path = path.as_ref();
    let (f, len) = open_len(path)?;
    read_real_as::<T>(f, len).map_err(reading(path))
}

/// The names of the arrays in an `.npz` archive, in archive order (without the `.npy` suffix, as
/// `np.load(path).files`).
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be read or is not a zip archive.
pub fn npz_names(path: impl AsRef<Path>) -> Result<Vec<String>> {
    Ok(Npz::open(path.as_ref())?.names())
}

/// Reads the array called `name` from an `.npz` archive (C or Fortran order; returned in C
/// layout).
///
/// # Errors
///
/// [`Error::Io`] if the archive cannot be read, has no array `name`, or that array holds
/// another dtype than `T`.
pub fn read_npz_array<T: NpyScalar>(path: impl AsRef<Path>, name: &str) -> Result<ArrayD<T>> {
    let path = path.as_ref();
    let mut npz = Npz::open(path)?;
    let Some(i) = npz.index(name) else {
        return Err(Error::Io(format!(
            "reading {}: no array `{name}` in the archive (it holds {:?})",
            path.display(),
            npz.names()
        )));
    };
    npz.read(i, |r, n| read_as::<T>(r, n))
        .map_err(|e| array_err::<T>(path, name, e))
}

fn array_err<T: Scalar>(path: &Path, name: &str, e: String) -> Error {
    Error::Io(format!(
        "reading array `{name}` (as {}) from {}: {e}",
        T::DTYPE,
        path.display()
    ))
}

/// Reads every array of an `.npz` archive, all of element type `T`, with their names, in archive
/// order (what `dict(np.load(path))` gives).
///
/// # Errors
///
/// as [`read_npz_array`]; an archive mixing dtypes is read array by array with
/// [`npz_names`] and [`read_npz_array`].
///
/// ```
/// use ndarray::{arr1, arr2};
/// use rylops_core::npy::{npz_names, read_npz, read_npz_array, write_npz};
/// let path = std::env::temp_dir().join(format!("rylops-npz-{}.npz", std::process::id()));
/// let model = arr2(&[[1.0, 2.0], [3.0, 4.0]]).into_dyn();
/// let data = arr1(&[0.5, -0.5, 2.0]).into_dyn();
/// write_npz(&path, &[("model", model.view()), ("data", data.view())]).unwrap();
/// // np.load(path) has files ['model', 'data'].
/// assert_eq!(npz_names(&path).unwrap(), ["model", "data"]);
/// let all = read_npz::<f64>(&path).unwrap();
/// assert_eq!(all[1], ("data".to_string(), data));
/// assert_eq!(read_npz_array::<f64>(&path, "model").unwrap(), model);
/// assert!(read_npz_array::<f64>(&path, "missing").is_err());
/// std::fs::remove_file(&path).unwrap();
/// ```
pub fn read_npz<T: NpyScalar>(path: impl AsRef<Path>) -> Result<Vec<(String, ArrayD<T>)>> {
    let path = path.as_ref();
    let mut npz = Npz::open(path)?;
    let names = npz.names();
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let a = npz
                .read(i, |r, n| read_as::<T>(r, n))
                .map_err(|e| array_err::<T>(path, &name, e))?;
            Ok((name, a))
        })
        .collect()
}

/// Reads the array called `name` from an `.npz` archive into a [`ChunkedArray`] of blocks of (at
/// most) `chunk`.
///
/// # Errors
///
/// those of [`read_npz_array`] and of [`ChunkGrid::uniform`].
pub fn read_npz_chunked<T: NpyScalar>(
    path: impl AsRef<Path>,
    name: &str,
    chunk: &[usize],
) -> Result<ChunkedArray<T>> {
    let a = read_npz_array::<T>(path, name)?;
    let grid = ChunkGrid::uniform(a.shape(), chunk)?;
    ChunkedArray::from_array_grid(a.view(), grid)
}

/// Writes named arrays to an uncompressed `.npz` archive (what `np.savez(path, name=array, ...)`
/// writes; numpy stores each as `name.npy`).
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be written; [`Error::InvalidParameter`] (named `names`)
/// for an empty or repeated name.
pub fn write_npz<T: NpyScalar>(
    path: impl AsRef<Path>,
    arrays: &[(&str, ArrayViewD<'_, T>)],
) -> Result<()> {
    let path = path.as_ref();
    check_names(arrays.iter().map(|(n, _)| *n))?;
    let mut w = NpzWriter::new(create(path)?);
    for (name, a) in arrays {
        w.add_array(*name, a)
            .map_err(|e| Error::Io(format!("writing `{name}` to {}: {e}", path.display())))?;
    }
    let mut inner = w.finish().map_err(|e| io_err(path, "writing", e))?;
    std::io::Write::flush(&mut inner).map_err(|e| io_err(path, "writing", e))
}

/// Writes named [`ChunkedArray`]s to an uncompressed `.npz` archive, each as one plain array.
///
/// # Errors
///
/// as [`write_npz`].
pub fn write_npz_chunked<T: NpyScalar>(
    path: impl AsRef<Path>,
    arrays: &[(&str, &ChunkedArray<T>)],
) -> Result<()> {
    let full: Vec<(&str, ArrayD<T>)> = arrays.iter().map(|(n, x)| (*n, x.to_array())).collect();
    let views: Vec<(&str, ArrayViewD<'_, T>)> = full.iter().map(|(n, a)| (*n, a.view())).collect();
    write_npz(path, &views)
}

fn check_names<'a>(names: impl Iterator<Item = &'a str>) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for n in names {
        if n.is_empty() || !seen.insert(n) {
            return Err(Error::InvalidParameter {
                name: "names".into(),
                reason: format!(
                    "array name {n:?} is empty or repeated: every array of an .npz archive needs \
                     its own non-empty name"
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claimed_lengths_shorter_than_the_prefix_are_errors() {
        // A v2 prefix is 12 bytes: a stream claiming 10 or 11 (an .npz entry can) but holding
        // more must not underflow.
        let bytes = b"\x93NUMPY\x02\x00\x04\x00\x00\x00{}  \n";
        for claimed in [10, 11, 12, 13] {
            let r = check_header(&mut &bytes[..], claimed);
            assert!(r.is_err(), "{claimed}");
        }
    }

    #[test]
    fn descriptors_parse_as_ndarray_npy_reads_them() {
        assert_eq!(Dtype::parse(">c16"), Some(Dtype::C16));
        assert_eq!(Dtype::parse("B"), Some(Dtype::U1));
        assert_eq!(Dtype::parse("=f8"), None);
        assert_eq!(Dtype::parse("<"), None);
        assert_eq!(Dtype::of::<f32>(), Some(Dtype::F4));
        assert_eq!(Dtype::of::<Complex<f64>>(), Some(Dtype::C16));
        assert_eq!(Dtype::C8.size(), 8);
    }
}
