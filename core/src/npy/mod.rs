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

mod check;

use check::*;

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
