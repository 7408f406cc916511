//! Bounded fuzz loops over the `.npy`/`.npz` readers: random headers, random mutations of valid
//! files and archives (stored and deflated). Every read must return a value or a typed error,
//! never panic, and never allocate more than the bytes present justify: a counting allocator
//! records the largest single allocation made by each read, checked against the file's length.
//!
//! Run with `--nocapture` to see how many cases each class tried.
#![cfg(feature = "npy")]

use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use num_complex::{Complex32, Complex64};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rylops_core::npy::{
    npz_names, read_npy, read_npy_as, read_npy_chunked, read_npz, read_npz_array, read_npz_chunked,
};
use rylops_core::Error;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;

/// Records the largest allocation (or reallocation) requested by the current thread while armed.
struct Tracking;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = ARMED.try_with(|armed| {
        if armed.get() {
            let _ = LARGEST.try_with(|m| m.set(m.get().max(size)));
        }
    });
}

// SAFETY: every call is forwarded to the system allocator unchanged; `note` only touches
// const-initialised thread-locals (no allocation, no panic).
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static GLOBAL: Tracking = Tracking;

/// Runs `f`, returning its value and the largest single allocation it made.
fn tracked<R>(f: impl FnOnce() -> R) -> (R, usize) {
    LARGEST.with(|m| m.set(0));
    ARMED.with(|a| a.set(true));
    let r = f();
    ARMED.with(|a| a.set(false));
    (r, LARGEST.with(|m| m.get()))
}

/// Slack for fixed-size buffers (buffered readers, the zip crate's tables, a 64 KiB header).
const SLACK: usize = 1 << 20;

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rylops-npy-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// `r` is a value or an `Error::Io`, and the read allocated at most `bound` bytes at once.
fn check<T: std::fmt::Debug>(
    what: &str,
    (r, largest): (rylops_core::Result<T>, usize),
    bound: usize,
) -> Result<bool, TestCaseError> {
    prop_assert!(
        largest <= bound,
        "{what}: allocated {largest} bytes at once, more than the {bound} the file justifies"
    );
    match r {
        Ok(_) => Ok(true),
        Err(Error::Io(_)) => Ok(false),
        Err(e) => Err(TestCaseError::fail(format!(
            "{what}: not an Io error: {e:?}"
        ))),
    }
}

/// Reads `bytes` (written to `path`) through every `.npy` entry point.
fn read_all_npy(path: &PathBuf, bytes: &[u8]) -> Result<bool, TestCaseError> {
    std::fs::write(path, bytes).unwrap();
    let bound = 16 * bytes.len() + SLACK;
    let mut ok = check("f64", tracked(|| read_npy::<f64>(path)), bound)?;
    ok |= check("f32", tracked(|| read_npy::<f32>(path)), bound)?;
    ok |= check("c64", tracked(|| read_npy::<Complex32>(path)), bound)?;
    ok |= check("c128", tracked(|| read_npy::<Complex64>(path)), bound)?;
    ok |= check("as f64", tracked(|| read_npy_as::<f64>(path)), bound)?;
    ok |= check("as f32", tracked(|| read_npy_as::<f32>(path)), bound)?;
    // Chunked reads may also refuse the chunk lengths: any typed error, no panic.
    let (r, largest) = tracked(|| read_npy_chunked::<f64>(path, &[2]));
    prop_assert!(largest <= bound, "chunked: allocated {largest}");
    ok |= r.is_ok();
    Ok(ok)
}

/// An `.npy` file from parts, with `header_len` overriding the true length when given.
fn npy_bytes(version: u8, header: &str, header_len: Option<u32>, data: &[u8]) -> Vec<u8> {
    let mut out = b"\x93NUMPY".to_vec();
    out.extend_from_slice(&[version, 0]);
    let len = header_len.unwrap_or(header.len() as u32);
    if version == 1 {
        out.extend_from_slice(&(len as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&len.to_le_bytes());
    }
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

const DESCRS: [(&str, usize); 16] = [
    ("<f8", 8),
    (">f8", 8),
    ("<f4", 4),
    ("<c8", 8),
    ("<c16", 16),
    ("|u1", 1),
    ("|i1", 1),
    ("<i8", 8),
    (">u4", 4),
    ("|b1", 1),
    ("<f2", 2),
    ("O", 8),
    ("<U4", 16),
    ("=f8", 8),
    ("", 0),
    ("<f9", 9),
];

fn dim() -> impl Strategy<Value = u64> {
    prop_oneof![
        4 => 0u64..5,
        2 => 0u64..200,
        1 => Just(1u64 << 31),
        1 => Just(1u64 << 40),
        1 => Just(1u64 << 62),
        1 => Just(1u64 << 63),
        1 => Just(u64::MAX),
        1 => any::<u64>(),
    ]
}

#[test]
fn random_headers() {
    let strategy = (
        prop_oneof![6 => Just(1u8), 2 => Just(2u8), 2 => Just(3u8), 1 => any::<u8>()],
        0..DESCRS.len(),
        prop_oneof![Just("False"), Just("True"), Just("1"), Just("None")],
        prop::collection::vec(dim(), 0..5),
        prop_oneof![4 => Just(None), 1 => any::<u32>().prop_map(Some)],
        prop_oneof![3 => Just(None), 1 => (0usize..300).prop_map(Some)],
        any::<u8>(),
    );
    let path = tmp("random-header.npy");
    let (cases, read) = (Cell::new(0), Cell::new(0));
    let mut runner = TestRunner::new(config(600));
    runner
        .run(
            &strategy,
            |(version, d, fortran, shape, header_len, data_len, fill)| {
                let (descr, size) = DESCRS[d];
                let shape_s = match shape.as_slice() {
                    [n] => format!("({n},)"),
                    s => format!(
                        "({})",
                        s.iter()
                            .map(|n| n.to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let mut header = format!(
                    "{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {shape_s}, }}"
                );
                while (header.len() + 11) % 64 != 0 {
                    header.push(' ');
                }
                header.push('\n');
                // The data: the size the header implies when it is small, or a random length.
                let implied = shape
                    .iter()
                    .try_fold(size as u64, |a, &n| a.checked_mul(n))
                    .filter(|&n| n <= 4096);
                let n = data_len.or(implied.map(|n| n as usize)).unwrap_or(64);
                let bytes = npy_bytes(version, &header, header_len, &vec![fill % 2; n]);
                cases.set(cases.get() + 1);
                read.set(read.get() + usize::from(read_all_npy(&path, &bytes)?));
                Ok(())
            },
        )
        .unwrap();
    eprintln!(
        "npy fuzz: random headers: {} cases, {} read as some type",
        cases.get(),
        read.get()
    );
}

#[derive(Clone, Debug)]
enum Mutation {
    Set(usize, u8),
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
    /// Overwrites 4 bytes with a little-endian number (a length or count field).
    Number(usize, u32),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        3 => (any::<usize>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => any::<usize>().prop_map(Mutation::Delete),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        2 => (any::<usize>(), prop_oneof![any::<u32>(), Just(u32::MAX), Just(0x7FFF_FFFF)])
            .prop_map(|(i, v)| Mutation::Number(i, v)),
    ]
}

/// Mutations near the start (the header) are likelier: positions are taken modulo a random
/// prefix length of the file.
fn mutate(mut b: Vec<u8>, ms: &[Mutation], focus: usize) -> Vec<u8> {
    for m in ms {
        if b.is_empty() {
            break;
        }
        let span = b.len().min(focus.max(1));
        match *m {
            Mutation::Set(i, v) => b[i % span] = v,
            Mutation::Flip(i, bit) => b[i % span] ^= 1 << bit,
            Mutation::Insert(i, v) => b.insert(i % span, v),
            Mutation::Delete(i) => {
                b.remove(i % span);
            }
            Mutation::Truncate(i) => b.truncate(i % b.len()),
            Mutation::Number(i, v) => {
                let at = i % span;
                let end = (at + 4).min(b.len());
                b[at..end].copy_from_slice(&v.to_le_bytes()[..end - at]);
            }
        }
    }
    b
}

fn valid_npy(kind: usize, shape: &[usize], fortran: bool) -> Vec<u8> {
    let n: usize = shape.iter().product();
    let mut out = Vec::new();
    macro_rules! write {
        ($t:ty, $f:expr) => {{
            let v: Vec<$t> = (0..n).map($f).collect();
            let a = if fortran {
                ArrayD::from_shape_vec(IxDyn(shape).f(), v).unwrap()
            } else {
                ArrayD::from_shape_vec(IxDyn(shape), v).unwrap()
            };
            ndarray_npy::WriteNpyExt::write_npy(&a, &mut out).unwrap();
        }};
    }
    match kind {
        0 => write!(f64, |i| i as f64 * 0.5),
        1 => write!(f32, |i| i as f32 - 3.0),
        2 => write!(Complex64, |i| Complex64::new(i as f64, -1.0)),
        3 => write!(Complex32, |i| Complex32::new(1.0, i as f32)),
        4 => write!(u8, |i| i as u8),
        5 => write!(i64, |i| i as i64 - 7),
        _ => write!(bool, |i| i % 3 == 0),
    }
    out
}

#[test]
fn mutated_npy_files() {
    let strategy = (
        0usize..7,
        prop::collection::vec(0usize..6, 0..4),
        any::<bool>(),
        prop::collection::vec(mutation(), 0..6),
        prop_oneof![Just(140usize), Just(usize::MAX)],
    );
    let path = tmp("mutated.npy");
    let (cases, clean, read) = (Cell::new(0), Cell::new(0), Cell::new(0));
    let mut runner = TestRunner::new(config(800));
    runner
        .run(&strategy, |(kind, shape, fortran, ms, focus)| {
            let good = valid_npy(kind, &shape, fortran);
            let bytes = mutate(good.clone(), &ms, focus);
            let ok = read_all_npy(&path, &bytes)?;
            if bytes == good {
                // An unchanged file reads (as its own type at least).
                prop_assert!(ok, "a valid file did not read");
                clean.set(clean.get() + 1);
            }
            cases.set(cases.get() + 1);
            read.set(read.get() + usize::from(ok));
            Ok(())
        })
        .unwrap();
    eprintln!(
        "npy fuzz: mutated .npy files: {} cases ({} unmutated), {} read",
        cases.get(),
        clean.get(),
        read.get()
    );
}

fn valid_npz(compressed: bool, arrays: &[(usize, Vec<usize>)]) -> Vec<u8> {
    let mut cursor = std::io::Cursor::new(Vec::new());
    {
        let mut w = if compressed {
            ndarray_npy::NpzWriter::new_compressed(&mut cursor)
        } else {
            ndarray_npy::NpzWriter::new(&mut cursor)
        };
        for (k, (kind, shape)) in arrays.iter().enumerate() {
            let n: usize = shape.iter().product();
            let name = format!("a{k}");
            if *kind == 0 {
                let a = ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| i as f64).collect())
                    .unwrap();
                w.add_array(name, &a).unwrap();
            } else {
                let a = ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(|i| i as f32).collect())
                    .unwrap();
                w.add_array(name, &a).unwrap();
            }
        }
        w.finish().unwrap();
    }
    cursor.into_inner()
}

#[test]
fn mutated_npz_archives() {
    let strategy = (
        any::<bool>(),
        prop::collection::vec((0usize..2, prop::collection::vec(0usize..5, 0..3)), 0..4),
        prop::collection::vec(mutation(), 0..6),
        any::<usize>(),
    );
    let path = tmp("mutated.npz");
    let (cases, clean, listed, read) = (Cell::new(0), Cell::new(0), Cell::new(0), Cell::new(0));
    let mut runner = TestRunner::new(config(800));
    runner
        .run(&strategy, |(compressed, arrays, ms, focus)| {
            let good = valid_npz(compressed, &arrays);
            let bytes = mutate(good.clone(), &ms, focus);
            std::fs::write(&path, &bytes).unwrap();
            let ratio = if compressed { 1032 } else { 1 };
            let bound = 16 * ratio * bytes.len() + SLACK;
            let names = check("names", tracked(|| npz_names(&path)), bound)?;
            listed.set(listed.get() + usize::from(names));
            let mut ok = check("read_npz f64", tracked(|| read_npz::<f64>(&path)), bound)?;
            ok |= check("read_npz f32", tracked(|| read_npz::<f32>(&path)), bound)?;
            ok |= check("a0", tracked(|| read_npz_array::<f64>(&path, "a0")), bound)?;
            ok |= check(
                "a1",
                tracked(|| read_npz_array::<f32>(&path, "a1.npy")),
                bound,
            )?;
            let (r, largest) = tracked(|| read_npz_chunked::<f64>(&path, "a0", &[2, 2]));
            prop_assert!(largest <= bound, "chunked: allocated {largest}");
            ok |= r.is_ok();
            if bytes == good {
                prop_assert!(names, "a valid archive did not list");
                if let Some((0, _)) = arrays.first() {
                    prop_assert!(ok, "a valid archive did not read");
                }
                clean.set(clean.get() + 1);
            }
            cases.set(cases.get() + 1);
            read.set(read.get() + usize::from(ok));
            Ok(())
        })
        .unwrap();
    eprintln!(
        "npy fuzz: mutated .npz archives: {} cases ({} unmutated), {} listed, {} read an array",
        cases.get(),
        clean.get(),
        listed.get(),
        read.get()
    );
}

#[test]
fn random_bytes() {
    let strategy = (
        prop_oneof![
            Just(b"\x93NUMPY\x01\x00".to_vec()),
            Just(b"\x93NUMPY\x02\x00".to_vec()),
            Just(b"PK\x03\x04".to_vec()),
            Just(b"PK\x05\x06".to_vec()),
            Just(Vec::new()),
        ],
        prop::collection::vec(any::<u8>(), 0..400),
    );
    let path = tmp("random.bin");
    let cases = Cell::new(0);
    let mut runner = TestRunner::new(config(600));
    runner
        .run(&strategy, |(prefix, tail)| {
            let mut bytes = prefix;
            bytes.extend_from_slice(&tail);
            read_all_npy(&path, &bytes)?;
            let bound = 16 * 1032 * bytes.len() + SLACK;
            check("names", tracked(|| npz_names(&path)), bound)?;
            check("read_npz", tracked(|| read_npz::<f64>(&path)), bound)?;
            cases.set(cases.get() + 1);
            Ok(())
        })
        .unwrap();
    eprintln!(
        "npy fuzz: random bytes (.npy and .npz readers): {} cases",
        cases.get()
    );
}

#[test]
fn the_allocation_tracker_sees_allocations() {
    let (v, largest) = tracked(|| vec![1u8; 3 << 20]);
    assert!(largest >= 3 << 20, "{largest}");
    drop(v);
    let (_, largest) = tracked(|| 1 + 1);
    assert_eq!(largest, 0);
}
