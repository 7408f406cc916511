//! Reading with every size checked before anything is allocated: the `.npy` header (dtype, order,
//! shape, against the bytes the file holds) and the `.npz` zip directory.

use super::*;

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
pub(super) enum Dtype {
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
    pub(super) fn name(self) -> &'static str {
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
    pub(super) fn size(self) -> u64 {
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
    pub(super) fn parse(descr: &str) -> Option<Dtype> {
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
    pub(super) fn of<T: NpyScalar>() -> Option<Dtype> {
        Dtype::parse(T::type_descriptor().as_string()?)
    }
}

/// A header that passed every check: its bytes (to be read again by ndarray-npy), the dtype and
/// the number of data bytes that follow.
pub(super) struct Checked {
    pub(super) bytes: Vec<u8>,
    pub(super) dtype: Dtype,
    pub(super) shape: Vec<usize>,
    pub(super) data_len: u64,
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
pub(super) fn check_header(
    r: &mut impl Read,
    available: u64,
) -> std::result::Result<Checked, String> {
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
pub(super) fn read_as<T: NpyScalar>(
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
pub(super) fn read_real_as<T: RealScalar>(
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
pub(super) fn open_len(path: &Path) -> Result<(BufReader<File>, u64)> {
    let f = File::open(path).map_err(|e| io_err(path, "opening", e))?;
    let len = f.metadata().map_err(|e| io_err(path, "opening", e))?.len();
    Ok((BufReader::new(f), len))
}

pub(super) fn reading(path: &Path) -> impl Fn(String) -> Error + '_ {
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
pub(super) struct Npz {
    pub(super) zip: ZipArchive<BufReader<File>>,
    pub(super) file_len: u64,
}

impl Npz {
    pub(super) fn open(path: &Path) -> Result<Npz> {
        let (mut f, file_len) = open_len(path)?;
        check_zip_footer(&mut f, file_len).map_err(reading(path))?;
        let zip = ZipArchive::new(f).map_err(|e| io_err(path, "reading", e))?;
        Ok(Npz { zip, file_len })
    }

    /// The names, without one `.npy` suffix, in archive order.
    pub(super) fn names(&self) -> Vec<String> {
        (0..self.zip.len())
            .filter_map(|i| self.zip.name_for_index(i))
            .map(|n| n.strip_suffix(".npy").unwrap_or(n).to_string())
            .collect()
    }

    /// The index of `name` (or `name.npy`, as numpy looks them up).
    pub(super) fn index(&self, name: &str) -> Option<usize> {
        self.zip
            .index_for_name(name)
            .or_else(|| self.zip.index_for_name(&format!("{name}.npy")))
    }

    /// Reads entry `i` with `read`, after checking its claimed sizes against the file.
    pub(super) fn read<A>(
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
