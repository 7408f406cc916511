//! Bounded fuzz loops over [`read_png`] and the plots: mutated PNG files (raw bytes, and chunks
//! re-signed with valid CRCs so that the decoder goes past them), random headers over random or
//! borrowed image data, and line/stem/log/image panels over random extreme finite data. Every
//! read returns a picture or an `Error::Io` and never allocates more at once than the file's
//! size justifies (a counting allocator checks it); every drawing finishes.
//!
//! Run with `--nocapture` to see how many cases each class tried.
#![cfg(feature = "plot")]

use ndarray::Array2;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rylops::plot::{read_png, save_rgb, Figure, ImagePanel, LinePanel, Series};
use rylops::Error;
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

fn tracked<R>(f: impl FnOnce() -> R) -> (R, usize) {
    LARGEST.with(|m| m.set(0));
    ARMED.with(|a| a.set(true));
    let r = f();
    ARMED.with(|a| a.set(false));
    (r, LARGEST.with(|m| m.get()))
}

/// Slack for the decoder's fixed buffers (32 KiB chunks, the inflater's window, file buffers).
const SLACK: usize = 1 << 20;

/// The most a read may allocate at once for a file of `len` bytes: the pixel data it can inflate
/// to (1032 times its size), expanded to the output (up to 32 bits per input bit for a 1-bit
/// palette image read as RGBA, then 4-byte floats for 3 of the 4 channels: 96 bytes per bit).
fn bound(len: usize) -> usize {
    96 * (1032 * len + 1032) + SLACK
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rylops-png-fuzz-{}", std::process::id()));
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

/// Reads `bytes` as a PNG: a picture or an `Error::Io`, within the allocation bound.
fn read_checked(path: &PathBuf, bytes: &[u8]) -> Result<bool, TestCaseError> {
    std::fs::write(path, bytes).unwrap();
    let (r, largest) = tracked(|| read_png(path));
    let most = bound(bytes.len());
    prop_assert!(
        largest <= most,
        "allocated {largest} bytes at once for a file of {} bytes (bound {most})",
        bytes.len()
    );
    match r {
        Ok(a) => {
            prop_assert!(a.iter().all(|v| (0.0..=1.0).contains(v)));
            Ok(true)
        }
        Err(Error::Io(_)) => Ok(false),
        Err(e) => Err(TestCaseError::fail(format!("not an Io error: {e:?}"))),
    }
}

/// CRC-32 (ISO-HDLC, as PNG chunks use), to re-sign mutated chunks.
fn crc32(parts: &[&[u8]]) -> u32 {
    let mut c = !0u32;
    for p in parts {
        for &b in *p {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
    }
    !c
}

/// The chunks of a PNG (type, data), without checking anything.
fn chunks(png: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    let mut out = Vec::new();
    let mut pos = 8;
    while pos + 12 <= png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = png[pos + 4..pos + 8].try_into().unwrap();
        let Some(data) = png.get(pos + 8..pos + 8 + len) else {
            break;
        };
        out.push((kind, data.to_vec()));
        pos += 12 + len;
    }
    out
}

/// A PNG from chunks, each signed with its CRC.
fn assemble(chunks: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in chunks {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc32(&[kind, data]).to_be_bytes());
    }
    out
}

/// Valid PNGs of every colour type and several depths, written by the png crate's encoder.
fn valid_png(kind: usize, w: u32, h: u32, seed: u8) -> Vec<u8> {
    use png::{BitDepth as D, ColorType as C};
    let (color, depth, bits) = [
        (C::Grayscale, D::Eight, 8),
        (C::Grayscale, D::One, 1),
        (C::Grayscale, D::Sixteen, 16),
        (C::Rgb, D::Eight, 24),
        (C::Rgba, D::Sixteen, 64),
        (C::GrayscaleAlpha, D::Eight, 16),
        (C::Indexed, D::Eight, 8),
        (C::Indexed, D::Two, 2),
    ][kind % 8];
    let row = (w as usize * bits).div_ceil(8);
    let data: Vec<u8> = (0..row * h as usize)
        .map(|i| (i as u8).wrapping_mul(seed) & if color == C::Indexed { 3 } else { 0xff })
        .collect();
    let mut out = Vec::new();
    {
        let mut e = png::Encoder::new(&mut out, w, h);
        e.set_color(color);
        e.set_depth(depth);
        if color == C::Indexed {
            e.set_palette(vec![0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
        }
        let mut wr = e.write_header().unwrap();
        wr.write_image_data(&data).unwrap();
    }
    out
}

#[derive(Clone, Debug)]
enum Mutation {
    Set(usize, u8),
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
    /// Overwrites 4 bytes with a big-endian number (a length or a dimension).
    Number(usize, u32),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        3 => (any::<usize>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => any::<usize>().prop_map(Mutation::Delete),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        2 => (
            any::<usize>(),
            prop_oneof![any::<u32>(), Just(u32::MAX), Just(0x7FFF_FFFF), Just(1 << 16)]
        )
            .prop_map(|(i, v)| Mutation::Number(i, v)),
    ]
}

fn mutate(mut b: Vec<u8>, ms: &[Mutation]) -> Vec<u8> {
    for m in ms {
        if b.is_empty() {
            break;
        }
        let n = b.len();
        match *m {
            Mutation::Set(i, v) => b[i % n] = v,
            Mutation::Flip(i, bit) => b[i % n] ^= 1 << bit,
            Mutation::Insert(i, v) => b.insert(i % n, v),
            Mutation::Delete(i) => {
                b.remove(i % n);
            }
            Mutation::Truncate(i) => b.truncate(i % n),
            Mutation::Number(i, v) => {
                let at = i % n;
                let end = (at + 4).min(n);
                b[at..end].copy_from_slice(&v.to_be_bytes()[..end - at]);
            }
        }
    }
    b
}

#[test]
fn mutated_png_files() {
    let strategy = (
        0usize..8,
        1u32..40,
        1u32..40,
        any::<u8>(),
        prop::collection::vec(mutation(), 0..5),
    );
    let path = tmp("mutated.png");
    let (cases, clean, read) = (Cell::new(0), Cell::new(0), Cell::new(0));
    TestRunner::new(config(500))
        .run(&strategy, |(kind, w, h, seed, ms)| {
            let good = valid_png(kind, w, h, seed);
            let bytes = mutate(good.clone(), &ms);
            let ok = read_checked(&path, &bytes)?;
            if bytes == good {
                prop_assert!(ok, "a valid PNG did not read");
                clean.set(clean.get() + 1);
            }
            cases.set(cases.get() + 1);
            read.set(read.get() + usize::from(ok));
            Ok(())
        })
        .unwrap();
    eprintln!(
        "png fuzz: raw mutations: {} cases ({} unmutated), {} read",
        cases.get(),
        clean.get(),
        read.get()
    );
}

#[test]
fn mutated_chunks_with_valid_crcs() {
    let strategy = (
        0usize..8,
        1u32..40,
        1u32..40,
        any::<u8>(),
        any::<usize>(),
        prop::collection::vec(mutation(), 1..5),
    );
    let path = tmp("resigned.png");
    let (cases, read) = (Cell::new(0), Cell::new(0));
    TestRunner::new(config(700))
        .run(&strategy, |(kind, w, h, seed, which, ms)| {
            let mut cs = chunks(&valid_png(kind, w, h, seed));
            let k = which % cs.len();
            cs[k].1 = mutate(std::mem::take(&mut cs[k].1), &ms);
            let ok = read_checked(&path, &assemble(&cs))?;
            cases.set(cases.get() + 1);
            read.set(read.get() + usize::from(ok));
            Ok(())
        })
        .unwrap();
    eprintln!(
        "png fuzz: chunk mutations re-signed: {} cases, {} read",
        cases.get(),
        read.get()
    );
}

fn dimension() -> impl Strategy<Value = u32> {
    prop_oneof![
        4 => 1u32..64,
        1 => Just(0u32),
        1 => Just(1u32 << 16),
        1 => Just(1u32 << 24),
        1 => Just(0x7FFF_FFFF),
        1 => Just(u32::MAX),
        1 => any::<u32>(),
    ]
}

#[test]
fn random_headers_over_borrowed_or_random_data() {
    let strategy = (
        dimension(),
        dimension(),
        prop_oneof![Just(1u8), Just(2), Just(4), Just(8), Just(16), any::<u8>()],
        prop_oneof![Just(0u8), Just(2), Just(3), Just(4), Just(6), any::<u8>()],
        prop_oneof![4 => Just(0u8), 1 => Just(1u8), 1 => any::<u8>()],
        prop_oneof![
            Just(None),
            prop::collection::vec(any::<u8>(), 0..300).prop_map(Some)
        ],
        0usize..8,
    );
    let path = tmp("headers.png");
    let (cases, read) = (Cell::new(0), Cell::new(0));
    TestRunner::new(config(700))
        .run(&strategy, |(w, h, depth, color, interlace, data, kind)| {
            // The chunks of a valid image, with a new IHDR and (maybe) random IDAT data.
            let mut cs = chunks(&valid_png(kind, 7, 5, 3));
            let mut ihdr = w.to_be_bytes().to_vec();
            ihdr.extend_from_slice(&h.to_be_bytes());
            ihdr.extend_from_slice(&[depth, color, 0, 0, interlace]);
            cs[0].1 = ihdr;
            if let Some(d) = data {
                for c in cs.iter_mut().filter(|c| &c.0 == b"IDAT") {
                    c.1 = d.clone();
                }
            }
            let ok = read_checked(&path, &assemble(&cs))?;
            cases.set(cases.get() + 1);
            read.set(read.get() + usize::from(ok));
            Ok(())
        })
        .unwrap();
    eprintln!(
        "png fuzz: random headers: {} cases, {} read",
        cases.get(),
        read.get()
    );
}

#[test]
fn random_bytes_after_the_signature() {
    let strategy = prop::collection::vec(any::<u8>(), 0..400);
    let path = tmp("random.png");
    let cases = Cell::new(0);
    TestRunner::new(config(400))
        .run(&strategy, |tail| {
            let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
            bytes.extend_from_slice(&tail);
            read_checked(&path, &bytes)?;
            cases.set(cases.get() + 1);
            Ok(())
        })
        .unwrap();
    eprintln!("png fuzz: random bytes: {} cases", cases.get());
}

/// Finite values from every scale, extremes included.
fn value() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => -10.0f64..10.0,
        1 => Just(f64::MAX),
        1 => Just(-f64::MAX),
        1 => Just(f64::MIN_POSITIVE),
        1 => Just(5e-324),
        1 => Just(0.0),
        1 => (-308i32..308).prop_map(|e| 10f64.powi(e)),
        1 => (-308i32..308).prop_map(|e| -(10f64.powi(e))),
        1 => (0u32..4).prop_map(|k| 1.0 + f64::from(k) * f64::EPSILON),
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
    ]
}

#[test]
fn plots_of_random_extreme_data_finish() {
    let path = tmp("plot.png");
    let cases = Cell::new(0);
    let (tx, rx) = std::sync::mpsc::channel();
    // Drawing runs on a worker thread; the test fails if a case takes more than 30 s.
    let worker = std::thread::spawn(move || {
        let strategy = (
            prop::collection::vec(value(), 0..12),
            prop::collection::vec(value(), 0..12),
            prop::collection::vec(value(), 4),
            0usize..4,
        );
        let result = TestRunner::new(config(60)).run(&strategy, |(y, x, e, style)| {
            let s = match style {
                0 => Series::line("y", &y),
                1 => Series::stem("y", &y),
                2 => Series::points("y", &y),
                _ => Series::dashed("y", &y),
            };
            let img =
                Array2::from_shape_fn((3, 4), |(i, j)| y.get(i * 4 + j).copied().unwrap_or(0.0));
            let f = Figure::new("")
                .columns(4)
                .panel_size(160, 120)
                .with(LinePanel::new("lin").series(s.clone().x(&x)))
                .with(LinePanel::new("log").log_y().series(s))
                .with(ImagePanel::new("img", img.view()).extent(e[0], e[1], e[2], e[3]))
                .with(
                    ImagePanel::new("range", img.view())
                        .range(e[0], e[1])
                        .symmetric(),
                );
            prop_assert!(f.save(&path).is_ok());
            let rgb = ndarray::Array3::from_shape_fn((2, 2, 3), |(i, j, k)| e[(i + j + k) % 4]);
            prop_assert!(save_rgb(&path, rgb.view()).is_ok());
            cases.set(cases.get() + 1);
            tx.send(()).unwrap();
            Ok(())
        });
        (result.map_err(|e| e.to_string()), cases.get())
    });
    loop {
        match rx.recv_timeout(std::time::Duration::from_secs(30)) {
            Ok(()) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                panic!("a plot did not finish within 30 s")
            }
        }
    }
    let (result, n) = worker.join().unwrap();
    result.unwrap();
    eprintln!("png fuzz: plots of random extreme data: {n} cases (4 panels and a picture each)");
}
