//! `.npy`/`.npz` round trips for every scalar type, C and Fortran order on read (files written by
//! ndarray-npy and files built byte by byte as numpy writes them), and typed errors.
#![cfg(feature = "npy")]

use ndarray::{arr2, Array2, ArrayD, IxDyn, ShapeBuilder};
use num_complex::{Complex32, Complex64};
use rylops_core::npy::{
    npz_names, read_npy, read_npy_as, read_npy_chunked, read_npz, read_npz_array, read_npz_chunked,
    write_npy, write_npy_chunked, write_npz, write_npz_chunked, NpyScalar,
};
use rylops_core::{ChunkGrid, ChunkedArray, Error, Scalar};
use std::path::PathBuf;

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rylops-npy-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn sample<T: Scalar>(shape: &[usize]) -> ArrayD<T> {
    let mut k = 0.0;
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        k += 1.0;
        T::from_parts(
            <T::Real as Scalar>::from_f64(k * 0.5 - 3.0),
            <T::Real as Scalar>::from_f64(1.0 / k),
        )
    })
}

fn round_trip<T: NpyScalar>() {
    let name = T::DTYPE;
    // Plain arrays of 1, 2 and 3 dimensions.
    for shape in [&[7][..], &[3, 5], &[2, 3, 4]] {
        let a = sample::<T>(shape);
        let p = tmp(&format!("{name}-{}.npy", shape.len()));
        write_npy(&p, &a).unwrap();
        assert_eq!(read_npy::<T>(&p).unwrap(), a, "{name} {shape:?}");
    }
    // A Fortran-ordered array is written in Fortran order and read back equal, in C layout.
    let f =
        Array2::from_shape_vec((3, 4).f(), sample::<T>(&[12]).into_raw_vec_and_offset().0).unwrap();
    assert!(!f.is_standard_layout());
    let p = tmp(&format!("{name}-fortran.npy"));
    write_npy(&p, &f).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    assert!(String::from_utf8_lossy(&bytes[..128]).contains("'fortran_order': True"));
    let back = read_npy::<T>(&p).unwrap();
    assert!(back.is_standard_layout());
    assert_eq!(back, f.clone().into_dyn());
    // Chunked arrays: chunking chosen on read.
    let x = ChunkedArray::from_array_grid(
        sample::<T>(&[9, 5]).view(),
        ChunkGrid::uniform(&[9, 5], &[4, 2]).unwrap(),
    )
    .unwrap();
    let p = tmp(&format!("{name}-chunked.npy"));
    write_npy_chunked(&p, &x).unwrap();
    let y = read_npy_chunked::<T>(&p, &[4, 2]).unwrap();
    assert_eq!(y, x);
    let z = read_npy_chunked::<T>(&p, &[9, 3]).unwrap();
    assert_eq!(z.grid().all_chunks(), &[vec![9], vec![3, 2]]);
    assert_eq!(z.to_array(), x.to_array());
    // The Fortran file read chunked.
    let p = tmp(&format!("{name}-fortran.npy"));
    let c = read_npy_chunked::<T>(&p, &[2, 3]).unwrap();
    assert_eq!(c.to_array(), f.into_dyn());
}

#[test]
fn f32_round_trips() {
    round_trip::<f32>();
}

#[test]
fn f64_round_trips() {
    round_trip::<f64>();
}

#[test]
fn complex64_round_trips() {
    round_trip::<Complex32>();
}

#[test]
fn complex128_round_trips() {
    round_trip::<Complex64>();
}

/// An `.npy` file as numpy writes it: magic, version 1.0, a header padded to a multiple of 64
/// bytes, then the raw data.
fn numpy_file(descr: &str, fortran: bool, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let shape_s = match shape {
        [n] => format!("({n},)"),
        s => format!(
            "({})",
            s.iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let order = if fortran { "True" } else { "False" };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape_s}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

#[test]
fn numpy_files_in_c_and_fortran_order_read_the_same() {
    // np.arange(6.).reshape(2, 3) saved in C order, and np.asfortranarray of it.
    let c_data: Vec<u8> = [0.0f64, 1.0, 2.0, 3.0, 4.0, 5.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let f_data: Vec<u8> = [0.0f64, 3.0, 1.0, 4.0, 2.0, 5.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let want = arr2(&[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]).into_dyn();
    let pc = tmp("numpy-c.npy");
    let pf = tmp("numpy-f.npy");
    std::fs::write(&pc, numpy_file("<f8", false, &[2, 3], &c_data)).unwrap();
    std::fs::write(&pf, numpy_file("<f8", true, &[2, 3], &f_data)).unwrap();
    assert_eq!(read_npy::<f64>(&pc).unwrap(), want);
    assert_eq!(read_npy::<f64>(&pf).unwrap(), want);
    assert_eq!(
        read_npy_chunked::<f64>(&pf, &[1, 2]).unwrap().to_array(),
        want
    );

    // Big-endian complex64 in Fortran order: [[1+2j, 3-1j], [0.5j, -2]].
    let vals = [(1.0f32, 2.0f32), (0.0, 0.5), (3.0, -1.0), (-2.0, 0.0)]; // column by column
    let data: Vec<u8> = vals
        .iter()
        .flat_map(|(re, im)| re.to_be_bytes().into_iter().chain(im.to_be_bytes()))
        .collect();
    let p = tmp("numpy-c8-be-f.npy");
    std::fs::write(&p, numpy_file(">c8", true, &[2, 2], &data)).unwrap();
    let z = read_npy::<Complex32>(&p).unwrap();
    let c = |re, im| Complex32::new(re, im);
    assert_eq!(
        z,
        arr2(&[[c(1.0, 2.0), c(3.0, -1.0)], [c(0.0, 0.5), c(-2.0, 0.0)]]).into_dyn()
    );

    // Real dtypes numpy users have, converted.
    let p = tmp("numpy-i8.npy");
    let data: Vec<u8> = [-3i64, 7].iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&p, numpy_file("<i8", false, &[2], &data)).unwrap();
    assert_eq!(
        read_npy_as::<f64>(&p).unwrap().as_slice().unwrap(),
        &[-3.0, 7.0]
    );
    let p = tmp("numpy-u1.npy");
    std::fs::write(&p, numpy_file("|u1", true, &[2, 2], &[0, 255, 1, 128])).unwrap();
    assert_eq!(
        read_npy_as::<f32>(&p).unwrap(),
        arr2(&[[0.0f32, 1.0], [255.0, 128.0]]).into_dyn()
    );
    let p = tmp("numpy-bool.npy");
    std::fs::write(&p, numpy_file("|b1", false, &[3], &[1, 0, 1])).unwrap();
    assert_eq!(
        read_npy_as::<f64>(&p).unwrap().as_slice().unwrap(),
        &[1.0, 0.0, 1.0]
    );
    // ...but not complex ones.
    let p = tmp("numpy-c16.npy");
    std::fs::write(&p, numpy_file("<c16", false, &[1], &[0; 16])).unwrap();
    assert!(matches!(read_npy_as::<f64>(&p), Err(Error::Io(_))));
}

#[test]
fn npz_archives_hold_several_named_arrays() {
    let model = sample::<f64>(&[4, 5]);
    let data = sample::<f64>(&[6]);
    let p = tmp("several.npz");
    write_npz(&p, &[("model", model.view()), ("data", data.view())]).unwrap();
    assert_eq!(npz_names(&p).unwrap(), ["model", "data"]);
    let all = read_npz::<f64>(&p).unwrap();
    assert_eq!(
        all,
        vec![
            ("model".to_string(), model.clone()),
            ("data".to_string(), data)
        ]
    );
    assert_eq!(read_npz_array::<f64>(&p, "model").unwrap(), model);
    let x = read_npz_chunked::<f64>(&p, "model", &[2, 5]).unwrap();
    assert_eq!(x.grid().chunks(0), &[2, 2]);
    assert_eq!(x.to_array(), model);

    // Chunked arrays, complex.
    let a = ChunkedArray::<Complex64>::random(ChunkGrid::uniform(&[5, 3], &[2, 3]).unwrap(), 1);
    let b = ChunkedArray::<Complex64>::random(ChunkGrid::uniform(&[8], &[3]).unwrap(), 2);
    let p = tmp("chunked.npz");
    write_npz_chunked(&p, &[("a", &a), ("b", &b)]).unwrap();
    assert_eq!(read_npz_array::<Complex64>(&p, "a").unwrap(), a.to_array());
    assert_eq!(read_npz_array::<Complex64>(&p, "b").unwrap(), b.to_array());

    // Mixed dtypes: read by name with each type; read_npz of one type fails on the other.
    let p = tmp("mixed.npz");
    let mut w = ndarray_npy::NpzWriter::new(std::fs::File::create(&p).unwrap());
    w.add_array("f", &sample::<f32>(&[3])).unwrap();
    w.add_array("d", &sample::<f64>(&[2])).unwrap();
    w.finish().unwrap();
    assert_eq!(read_npz_array::<f32>(&p, "f").unwrap(), sample::<f32>(&[3]));
    assert_eq!(read_npz_array::<f64>(&p, "d").unwrap(), sample::<f64>(&[2]));
    assert!(matches!(read_npz::<f64>(&p), Err(Error::Io(m)) if m.contains("`f`")));
}

#[test]
fn failures_are_typed_io_errors() {
    let missing = tmp("does-not-exist.npy");
    assert!(matches!(read_npy::<f64>(&missing), Err(Error::Io(m)) if m.contains("does-not-exist")));
    assert!(matches!(npz_names(tmp("nope.npz")), Err(Error::Io(_))));

    // Wrong dtype.
    let p = tmp("f64.npy");
    write_npy(&p, &sample::<f64>(&[3])).unwrap();
    let e = read_npy::<f32>(&p).unwrap_err();
    assert!(matches!(&e, Error::Io(m) if m.contains("float32")), "{e}");
    assert!(matches!(read_npy::<Complex64>(&p), Err(Error::Io(_))));

    // Truncated data, garbage.
    let bytes = std::fs::read(&p).unwrap();
    let t = tmp("truncated.npy");
    std::fs::write(&t, &bytes[..bytes.len() - 4]).unwrap();
    assert!(matches!(read_npy::<f64>(&t), Err(Error::Io(_))));
    let g = tmp("garbage.npy");
    std::fs::write(&g, b"not an npy file at all").unwrap();
    assert!(matches!(read_npy::<f64>(&g), Err(Error::Io(_))));
    assert!(matches!(npz_names(&g), Err(Error::Io(_))));

    // Unwritable path.
    let bad = tmp("no-such-dir").join("x.npy");
    assert!(matches!(
        write_npy(&bad, &sample::<f64>(&[2])),
        Err(Error::Io(_))
    ));

    // Bad chunking and bad names.
    assert!(read_npy_chunked::<f64>(&p, &[2, 2]).is_err());
    assert!(read_npy_chunked::<f64>(&p, &[0]).is_err());
    let a = sample::<f64>(&[2]);
    let e = write_npz(tmp("dup.npz"), &[("a", a.view()), ("a", a.view())]).unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { .. }));
    assert!(write_npz(tmp("empty-name.npz"), &[("", a.view())]).is_err());
}

/// An `.npy` file with a given version and a raw header text (padded as numpy pads it).
fn raw_npy(version: u8, header: &str, data: &[u8]) -> Vec<u8> {
    let mut h = header.to_string();
    let prefix = if version == 1 { 10 } else { 12 };
    while (prefix + h.len() + 1) % 64 != 0 {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY".to_vec();
    out.extend_from_slice(&[version, 0]);
    if version == 1 {
        out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(h.len() as u32).to_le_bytes());
    }
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(data);
    out
}

fn io_message<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Io(m)) => m,
        other => panic!("expected Error::Io, got {other:?}"),
    }
}

#[test]
fn headers_claiming_more_than_the_file_holds_are_refused_before_allocating() {
    // 2^40 float64 elements (8 TiB) claimed by a file of 128 bytes + 64 of data.
    let p = tmp("huge-claim.npy");
    let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }";
    std::fs::write(&p, raw_npy(1, header, &[0; 64])).unwrap();
    let m = io_message(read_npy::<f64>(&p));
    assert!(
        m.contains("8796093022208 bytes of data") && m.contains("64"),
        "{m}"
    );
    assert!(read_npy_as::<f32>(&p).is_err());
    assert!(read_npy_chunked::<f64>(&p, &[4]).is_err());

    // Shapes whose size overflows: (0, 2^63) would pass a plain product (0) and then panic in
    // ndarray; (2^32, 2^32) wraps a 64-bit product.
    for shape in [
        "(0, 9223372036854775808)",
        "(4294967296, 4294967296)",
        "(3, 18446744073709551615)",
    ] {
        let header = format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}");
        std::fs::write(&p, raw_npy(1, &header, &[])).unwrap();
        let m = io_message(read_npy::<f64>(&p));
        assert!(m.contains("overflows"), "{shape}: {m}");
    }
    // An element count that fits but whose byte size does not.
    let header = "{'descr': '<c16', 'fortran_order': False, 'shape': (1152921504606846976,), }";
    std::fs::write(&p, raw_npy(1, header, &[])).unwrap();
    assert!(io_message(read_npy::<Complex64>(&p)).contains("overflows"));
    // An empty array with a huge zero-length axis elsewhere is fine when it fits isize.
    let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 4611686018427387904), }";
    std::fs::write(&p, raw_npy(1, header, &[])).unwrap();
    assert_eq!(read_npy::<f64>(&p).unwrap().shape(), &[0, 1 << 62]);

    // Wrong dtype: refused from the header, before the (valid-sized) data is read.
    let header = "{'descr': '|u1', 'fortran_order': False, 'shape': (64,), }";
    std::fs::write(&p, raw_npy(1, header, &[7; 64])).unwrap();
    let m = io_message(read_npy::<f64>(&p));
    assert!(m.contains("uint8") && m.contains("float64"), "{m}");
    assert_eq!(read_npy_as::<f64>(&p).unwrap().sum(), 7.0 * 64.0);

    // Extra bytes after the data.
    let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    std::fs::write(&p, raw_npy(1, header, &[0; 17])).unwrap();
    assert!(io_message(read_npy::<f64>(&p)).contains("extra bytes"));
}

#[test]
fn header_lengths_and_syntax_are_bounded() {
    let p = tmp("bad-header.npy");
    // A v2 header length of 0xFFFFFFF0 in a small file.
    let mut f = b"\x93NUMPY\x02\x00".to_vec();
    f.extend_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    f.extend_from_slice(&[b' '; 100]);
    std::fs::write(&p, &f).unwrap();
    let m = io_message(read_npy::<f64>(&p));
    assert!(m.contains("4294967280") && m.contains("100"), "{m}");
    // A v3 header that is present but longer than the 64 KiB accepted.
    let long = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }}{}",
        " ".repeat(70_000)
    );
    std::fs::write(&p, raw_npy(3, &long, &[0; 8])).unwrap();
    assert!(io_message(read_npy::<f64>(&p)).contains("more than the 65536 accepted"));
    // ...while a v2 or v3 header of ordinary length reads.
    let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }";
    for v in [2, 3] {
        std::fs::write(&p, raw_npy(v, header, &1.5f64.to_le_bytes())).unwrap();
        assert_eq!(read_npy::<f64>(&p).unwrap().as_slice().unwrap(), &[1.5]);
    }
    // Unknown version, deep nesting, structured and unsupported dtypes, non-dict headers.
    let mut f = raw_npy(1, header, &[0; 8]);
    f[6] = 4;
    std::fs::write(&p, &f).unwrap();
    assert!(io_message(read_npy::<f64>(&p)).contains("version 4.0"));
    let deep = format!("{}{}", "(".repeat(30_000), ")".repeat(30_000));
    std::fs::write(&p, raw_npy(2, &deep, &[])).unwrap();
    assert!(io_message(read_npy::<f64>(&p)).contains("nests"));
    for (descr, what) in [
        ("[('a', '<f8'), ('b', '<i4')]", "structured"),
        ("'<f2'", "not supported"),
        ("'O'", "not supported"),
        ("'<U3'", "not supported"),
        ("'=f8'", "not supported"),
    ] {
        let h = format!("{{'descr': {descr}, 'fortran_order': False, 'shape': (1,), }}");
        std::fs::write(&p, raw_npy(1, &h, &[0; 12])).unwrap();
        let m = io_message(read_npy_as::<f64>(&p));
        assert!(m.contains(what), "{descr}: {m}");
    }
    for h in [
        "[1, 2]",
        "{'descr': '<f8'}",
        "{'descr': '<f8', 'fortran_order': 1, 'shape': (1,)}",
    ] {
        std::fs::write(&p, raw_npy(1, h, &[0; 8])).unwrap();
        assert!(
            io_message(read_npy::<f64>(&p)).contains("bad .npy header"),
            "{h}"
        );
    }
    // Files shorter than any header.
    for n in [0, 5, 9] {
        std::fs::write(&p, &f[..n]).unwrap();
        assert!(read_npy::<f64>(&p).is_err());
    }
}

#[test]
fn compressed_npz_archives_read_like_numpys_savez_compressed() {
    // What np.savez_compressed writes: deflated `name.npy` entries.
    let model = sample::<f64>(&[40, 30]);
    let data = sample::<f64>(&[500]);
    let p = tmp("compressed.npz");
    let mut w = ndarray_npy::NpzWriter::new_compressed(std::fs::File::create(&p).unwrap());
    w.add_array("model", &model).unwrap();
    w.add_array("data", &data).unwrap();
    w.finish().unwrap();
    let raw_len = ((40 * 30 + 500) * 8) as u64;
    assert!(
        std::fs::metadata(&p).unwrap().len() < raw_len,
        "the archive is compressed"
    );
    assert_eq!(npz_names(&p).unwrap(), ["model", "data"]);
    assert_eq!(read_npz_array::<f64>(&p, "model").unwrap(), model);
    assert_eq!(read_npz_array::<f64>(&p, "data.npy").unwrap(), data);
    let all = read_npz::<f64>(&p).unwrap();
    assert_eq!(all[0], ("model".to_string(), model.clone()));
    assert_eq!(all[1], ("data".to_string(), data));
    let x = read_npz_chunked::<f64>(&p, "model", &[16, 30]).unwrap();
    assert_eq!(x.to_array(), model);
    let m = io_message(read_npz_array::<f64>(&p, "nope"));
    assert!(m.contains("no array `nope`") && m.contains("model"), "{m}");
}

/// Offsets of every occurrence of `pat` in `b`.
fn find_all(b: &[u8], pat: &[u8]) -> Vec<usize> {
    (0..b.len().saturating_sub(pat.len() - 1))
        .filter(|&i| &b[i..i + pat.len()] == pat)
        .collect()
}

#[test]
fn npz_entries_claiming_impossible_sizes_are_refused() {
    let a = sample::<f64>(&[16]);
    let p = tmp("stored.npz");
    write_npz(&p, &[("a", a.view())]).unwrap();
    let good = std::fs::read(&p).unwrap();
    // The entry's uncompressed size, in the local (offset 22) and central (offset 24) headers.
    let mut bad = good.clone();
    for (sig, off) in [(&b"PK\x03\x04"[..], 22), (&b"PK\x01\x02"[..], 24)] {
        for at in find_all(&good, sig) {
            bad[at + off..at + off + 4].copy_from_slice(&0x7FFF_0000u32.to_le_bytes());
        }
    }
    let q = tmp("stored-bad-size.npz");
    std::fs::write(&q, &bad).unwrap();
    let m = io_message(read_npz_array::<f64>(&q, "a"));
    assert!(m.contains("impossible"), "{m}");
    assert!(read_npz::<f64>(&q).is_err());

    // An entry whose .npy header claims more than the entry holds.
    let mut bad = good.clone();
    let at = find_all(&good, b"(16,)")[0];
    bad[at..at + 5].copy_from_slice(b"(99,)");
    std::fs::write(&q, &bad).unwrap();
    let m = io_message(read_npz_array::<f64>(&q, "a"));
    assert!(m.contains("truncated"), "{m}");
}

#[test]
fn zip_footers_claiming_more_entries_than_the_file_holds_are_refused() {
    // A 98-byte "archive": a ZIP64 record claiming 2^50 entries, its locator, and an end record.
    let mut f = b"PK\x06\x06".to_vec();
    f.extend_from_slice(&44u64.to_le_bytes()); // size of the rest of the record
    f.extend_from_slice(&[45, 0, 45, 0]); // versions
    f.extend_from_slice(&[0; 8]); // disk numbers
    f.extend_from_slice(&(1u64 << 50).to_le_bytes()); // entries on this disk
    f.extend_from_slice(&(1u64 << 50).to_le_bytes()); // entries
    f.extend_from_slice(&0u64.to_le_bytes()); // directory size
    f.extend_from_slice(&(1u64 << 60).to_le_bytes()); // directory offset
    f.extend_from_slice(b"PK\x06\x07");
    f.extend_from_slice(&0u32.to_le_bytes());
    f.extend_from_slice(&0u64.to_le_bytes()); // where the ZIP64 record is
    f.extend_from_slice(&1u32.to_le_bytes());
    f.extend_from_slice(b"PK\x05\x06");
    f.extend_from_slice(&[0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    f.extend_from_slice(&[0xff; 8]);
    f.extend_from_slice(&[0, 0]);
    let p = tmp("zip64-bomb.npz");
    std::fs::write(&p, &f).unwrap();
    let m = io_message(npz_names(&p));
    assert!(m.contains("1125899906842624 entries"), "{m}");
    assert!(read_npz::<f64>(&p).is_err());
    // A plain end record claiming 65535 entries in 22 bytes.
    let mut f = b"PK\x05\x06".to_vec();
    f.extend_from_slice(&[
        0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    std::fs::write(&p, &f).unwrap();
    assert!(io_message(npz_names(&p)).contains("65535 entries"));
}
