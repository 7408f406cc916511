//! Streaming (non-temporal) stores: writing an output that does not fit in cache without first
//! reading every destination line into the cache.
//!
//! An ordinary store to a line that is not cached makes the CPU read that line from memory before
//! writing it (write-allocate): an operator that reads `x` and writes `y` moves three arrays' worth of
//! bytes, not two. Non-temporal stores write whole lines straight to memory. They change only how bytes
//! reach memory, never which bytes: results are bit-for-bit the same.
//!
//! They can pay off only when the output would not stay in cache anyway; an output that fits is
//! better left cached for whoever reads it next (the next operator, a solver's dot product). When the
//! stencil drivers stream ([`streams`]) is set by [`set_streaming`] or the environment variable
//! `RYLOPS_STREAMING_STORES`:
//! - `auto` (the default, see below): outputs of at least [`auto_threshold`] bytes (the largest
//!   cache);
//! - `never`;
//! - `always`;
//! - a number: outputs of at least that many bytes.
//!
//! **How the kernels stream.** The loops that compute the bulk of an output (a stencil's interior
//! runs, a fused pass's point-by-point sums) compute [`GROUP`](crate::stencil::GROUP) elements at a
//! time in registers and write each group with 16-byte `movntdq` stores
//! ([`Stream`](crate::stencil::Stream)); the few elements around them (row ends, halo rows, edges)
//! are stored as usual. Where a fused pass's sum is computed straight across the ends of the
//! lanes along the last axis and the lane ends are stored again afterwards, the groups holding
//! lane ends are stored as usual too ([`StreamExcept`](crate::stencil::StreamExcept)), so that
//! their lines are not sent to memory twice. A single stencil's runs merged across lane ends are
//! not streamed at all: with their lane ends' lines stored as usual, streaming the rest measured
//! slower than storing everything as usual (`docs/perf.md`, twelfth session). Only on x86-64 CPUs
//! with AVX2; elsewhere the setting changes nothing.
//!
//! The first design computed 1024 elements into a buffer in L1 and copied it out with streaming
//! stores: on the project's 2-core machine (a KVM guest of an Intel Xeon) that made nearly every
//! derivative row 10-30% slower than ordinary stores, and a scratch test showed the same at every
//! buffer length from 8 to 4096 elements, while a loop that stores from registers ran at the
//! speed of a streaming copy. With stores from registers, `perf_report --streaming both` on that
//! machine measures the streamed rows level with or up to 15% faster than ordinary stores (see
//! `docs/perf.md`): there one core's loads, not the write-allocate reads, are what limits a row.
//! Servers whose cores share a saturated memory bus are where streaming should pay most.
//!
//! **`auto` is the default since that measurement**: at 512^3 (1 GiB f64 arrays, larger than every
//! cache) the streamed FirstDerivative rows were level with or faster than the ordinary ones at 1
//! and 2 threads, and an output that large cannot stay in cache for whoever reads it next anyway.
//!
//! On CPUs other than x86-64, and for scalar types other than the four built-in ones, [`copy_nt`] is
//! an ordinary copy.

use std::sync::atomic::{AtomicU8, AtomicUsize, Ordering::Relaxed};
use std::sync::OnceLock;

/// When the stencil drivers write their outputs with streaming stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Streaming {
    /// Outputs of at least [`auto_threshold`] bytes (the largest cache); the default.
    Auto,
    /// Every output (of at least one cache-buffer's length).
    Always,
    /// No output.
    Never,
    /// Outputs of at least this many bytes.
    AtLeast(usize),
}

/// 0: not set yet (read the environment); 1 auto, 2 always, 3 never, 4 at-least (`AT_LEAST`).
static MODE: AtomicU8 = AtomicU8::new(0);
static AT_LEAST: AtomicUsize = AtomicUsize::new(0);

/// Sets when the stencil drivers use streaming stores, for the whole process (overrides
/// `RYLOPS_STREAMING_STORES`). Results do not depend on it, only speed.
pub fn set_streaming(s: Streaming) {
    if let Streaming::AtLeast(b) = s {
        AT_LEAST.store(b, Relaxed);
    }
    MODE.store(
        match s {
            Streaming::Auto => 1,
            Streaming::Always => 2,
            Streaming::Never => 3,
            Streaming::AtLeast(_) => 4,
        },
        Relaxed,
    );
}

/// The current setting (see the [module docs](self)): `auto` unless set. An unreadable
/// `RYLOPS_STREAMING_STORES` value counts as `auto`.
pub fn streaming() -> Streaming {
    match MODE.load(Relaxed) {
        0 => {
            let s = std::env::var("RYLOPS_STREAMING_STORES")
                .ok()
                .and_then(|v| parse(&v))
                .unwrap_or(Streaming::Auto);
            set_streaming(s);
            s
        }
        1 => Streaming::Auto,
        2 => Streaming::Always,
        3 => Streaming::Never,
        _ => Streaming::AtLeast(AT_LEAST.load(Relaxed)),
    }
}

fn parse(v: &str) -> Option<Streaming> {
    match v.trim() {
        "auto" => Some(Streaming::Auto),
        "always" | "on" => Some(Streaming::Always),
        "never" | "off" | "" => Some(Streaming::Never),
        n => n.parse().ok().map(Streaming::AtLeast),
    }
}

/// Whether an output of `bytes` bytes is written with streaming stores under the current setting.
pub fn streams(bytes: usize) -> bool {
    match streaming() {
        Streaming::Auto => bytes >= auto_threshold(),
        Streaming::Always => true,
        Streaming::Never => false,
        Streaming::AtLeast(b) => bytes >= b,
    }
}

/// The `auto` threshold: the size of the largest CPU cache the operating system reports (Linux'
/// `/sys/devices/system/cpu/cpu0/cache`), or 32 MiB where it reports none. An output at least this
/// large cannot stay in cache.
pub fn auto_threshold() -> usize {
    static T: OnceLock<usize> = OnceLock::new();
    *T.get_or_init(|| largest_cache().unwrap_or(32 << 20))
}

fn largest_cache() -> Option<usize> {
    let dir = std::fs::read_dir("/sys/devices/system/cpu/cpu0/cache").ok()?;
    dir.filter_map(|e| {
        let s = std::fs::read_to_string(e.ok()?.path().join("size")).ok()?;
        let s = s.trim();
        let (num, mult) = match s.strip_suffix('K') {
            Some(n) => (n, 1 << 10),
            None => match s.strip_suffix('M') {
                Some(n) => (n, 1 << 20),
                None => (s, 1),
            },
        };
        num.parse::<usize>().ok().map(|v| v * mult)
    })
    .max()
}

/// Whether `T` is one of the four built-in scalar types: plain data without padding, which can be
/// copied as bytes.
fn plain<T: 'static>() -> bool {
    use num_complex::Complex;
    use std::any::TypeId;
    let t = TypeId::of::<T>();
    t == TypeId::of::<f64>()
        || t == TypeId::of::<f32>()
        || t == TypeId::of::<Complex<f64>>()
        || t == TypeId::of::<Complex<f32>>()
}

/// Copies `src` into `dst` with streaming stores for every whole 64-byte line of `dst` (ordinary
/// stores for the partial lines at both ends), without the final fence: call [`fence`] once after a
/// series of such copies, before the data is handed to another thread (the end of a rayon task).
/// The same bytes as `dst.copy_from_slice(src)`.
///
/// # Panics
/// If the lengths differ.
#[inline]
pub fn copy_nt_unfenced<T: Copy + 'static>(dst: &mut [T], src: &[T]) {
    assert_eq!(dst.len(), src.len(), "copy_nt: lengths differ");
    #[cfg(target_arch = "x86_64")]
    {
        if plain::<T>() {
            let n = std::mem::size_of_val(src);
            // SAFETY: `T` is f32, f64 or a complex of them (checked): `n` initialised bytes without
            // padding at both pointers; `dst` is borrowed mutably, so the ranges do not overlap.
            unsafe { x86::copy_bytes_nt(dst.as_mut_ptr().cast(), src.as_ptr().cast(), n) };
            return;
        }
    }
    dst.copy_from_slice(src);
}

/// `dst = src` element by element, without calling `memcpy`: the copy of the one-pass fills (e.g.
/// `Identity`'s product with its norm, each 16 384-element piece copied and summed while in cache).
///
/// `copy_from_slice` calls glibc's `memmove`, which copies blocks of this size with `rep movsb`.
/// On the project's AMD EPYC machine that ran at 2.8-3.0 GB/s instead of 35-40 GB/s whenever the
/// destination's address minus the source's was 8, 16 or 24 bytes modulo 4096, which two arrays
/// allocated one after the other from `malloc`'s heap (sizes a multiple of 4096 bytes, 16-byte
/// chunk headers) can easily be. This loop compiles to vector loads and stores at every offset.
///
/// ```
/// let src = [1.0f64, 2.0, 3.0];
/// let mut dst = [0.0; 3];
/// rylops_core::stream::copy_elems(&mut dst, &src);
/// assert_eq!(dst, src);
/// ```
///
/// # Panics
/// If the lengths differ.
#[inline]
pub fn copy_elems<T: Copy>(dst: &mut [T], src: &[T]) {
    assert_eq!(dst.len(), src.len(), "copy_elems: lengths differ");
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = s;
    }
}

/// [`copy_nt_unfenced`] followed by a [`fence`].
///
/// # Panics
/// If the lengths differ.
pub fn copy_nt<T: Copy + 'static>(dst: &mut [T], src: &[T]) {
    copy_nt_unfenced(dst, src);
    fence();
}

/// Writes the group `v` into `dst` with streaming stores (ordinary stores where [`copy_nt`] would
/// use them: other CPUs, other scalar types, a `dst` not aligned to 16 bytes). No fence (see
/// [`copy_nt_unfenced`]).
#[inline(always)]
pub fn store_group<T: Copy + 'static, const N: usize>(dst: &mut [T; N], v: &[T; N]) {
    #[cfg(target_arch = "x86_64")]
    {
        let n = std::mem::size_of::<[T; N]>();
        if plain::<T>() && n % 16 == 0 && dst.as_ptr().cast::<u8>().align_offset(16) == 0 {
            // SAFETY: `T` is f32, f64 or a complex of them (checked): `n` initialised bytes without
            // padding at both pointers, a multiple of 16, `dst` 16-byte aligned (checked); `dst` is
            // borrowed mutably, so it does not overlap `v`.
            unsafe { x86::store_lines_nt(dst.as_mut_ptr().cast(), v.as_ptr().cast(), n) };
            return;
        }
    }
    *dst = *v;
}

/// Orders earlier streaming stores before later stores (`sfence` on x86-64, nothing elsewhere).
#[inline]
pub fn fence() {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `sfence` is part of SSE, which every x86-64 CPU has.
    unsafe {
        std::arch::x86_64::_mm_sfence()
    };
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use std::arch::x86_64::{__m128i, _mm_loadu_si128, _mm_stream_si128};

    /// Copies `n` bytes; whole 64-byte lines of the destination with non-temporal stores.
    ///
    /// # Safety
    /// `s` readable and `d` writable for `n` bytes, not overlapping.
    #[inline]
    pub(super) unsafe fn copy_bytes_nt(d: *mut u8, s: *const u8, n: usize) {
        let head = d.align_offset(64).min(n);
        std::ptr::copy_nonoverlapping(s, d, head);
        let mut i = head;
        while i + 64 <= n {
            // SSE2 (every x86-64 CPU): four 16-byte streaming stores fill one line in the CPU's
            // write-combining buffer, which goes to memory whole.
            let a = _mm_loadu_si128(s.add(i).cast::<__m128i>());
            let b = _mm_loadu_si128(s.add(i + 16).cast::<__m128i>());
            let c = _mm_loadu_si128(s.add(i + 32).cast::<__m128i>());
            let e = _mm_loadu_si128(s.add(i + 48).cast::<__m128i>());
            _mm_stream_si128(d.add(i).cast::<__m128i>(), a);
            _mm_stream_si128(d.add(i + 16).cast::<__m128i>(), b);
            _mm_stream_si128(d.add(i + 32).cast::<__m128i>(), c);
            _mm_stream_si128(d.add(i + 48).cast::<__m128i>(), e);
            i += 64;
        }
        std::ptr::copy_nonoverlapping(s.add(i), d.add(i), n - i);
    }

    /// Writes `n` bytes (a multiple of 16) from `s` to the 16-byte aligned `d` with 16-byte
    /// streaming stores (SSE2, every x86-64 CPU). Inlined into the loops that compute `s` in
    /// registers, so the values go from the registers to the write-combining buffers.
    ///
    /// # Safety
    /// `s` readable and `d` writable for `n` bytes, not overlapping; `d` 16-byte aligned; `n` a
    /// multiple of 16.
    #[inline(always)]
    pub(super) unsafe fn store_lines_nt(d: *mut u8, s: *const u8, n: usize) {
        let mut i = 0;
        while i < n {
            _mm_stream_si128(
                d.add(i).cast::<__m128i>(),
                _mm_loadu_si128(s.add(i).cast::<__m128i>()),
            );
            i += 16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex;

    #[test]
    fn streaming_copies_give_the_same_bits_at_every_offset_and_length() {
        let src: Vec<f64> = (0..300).map(|i| (i as f64).sin() * 1e300).collect();
        for start in 0..9 {
            for len in [0, 1, 7, 8, 9, 15, 16, 17, 100, 291 - start] {
                let mut dst = vec![0.0f64; 300];
                copy_nt(&mut dst[start..start + len], &src[start..start + len]);
                for (i, (d, s)) in dst.iter().zip(&src).enumerate() {
                    let want = if i >= start && i < start + len {
                        *s
                    } else {
                        0.0
                    };
                    assert_eq!(
                        d.to_bits(),
                        want.to_bits(),
                        "start {start} len {len} at {i}"
                    );
                }
            }
        }
        let src: Vec<Complex<f32>> = (0..77)
            .map(|i| Complex::new(i as f32, -(i as f32)))
            .collect();
        let mut dst = vec![Complex::new(0.0f32, 0.0); 80];
        copy_nt(&mut dst[3..], &src[..]);
        assert_eq!(&dst[3..], &src[..]);
        // The x86-64 path on raw bytes, at every alignment of the destination.
        #[cfg(target_arch = "x86_64")]
        {
            let src: Vec<u8> = (0..700u32).map(|i| (i * 7 % 251) as u8).collect();
            for start in [0, 1, 13, 64] {
                for len in [0, 63, 64, 127, 128, 129, 500] {
                    let mut a = vec![0u8; 700];
                    // SAFETY: both ranges lie inside their buffers and do not overlap.
                    unsafe {
                        x86::copy_bytes_nt(a.as_mut_ptr().add(start), src.as_ptr().add(start), len);
                    }
                    fence();
                    let mut want = vec![0u8; 700];
                    want[start..start + len].copy_from_slice(&src[start..start + len]);
                    assert_eq!(a, want, "start {start} len {len}");
                }
            }
        }
        // A type that is not plain data: an ordinary copy.
        let mut d = [(1u8, 2u32); 3];
        copy_nt(&mut d, &[(3, 4); 3]);
        assert_eq!(d, [(3, 4); 3]);
    }

    #[test]
    fn the_setting_decides_and_parses() {
        assert_eq!(parse("never"), Some(Streaming::Never));
        assert_eq!(parse(" always"), Some(Streaming::Always));
        assert_eq!(parse("4096"), Some(Streaming::AtLeast(4096)));
        assert_eq!(parse("sometimes"), None);
        assert!(auto_threshold() > 0);
        let before = streaming();
        set_streaming(Streaming::AtLeast(100));
        assert!(streams(100) && !streams(99));
        set_streaming(before);
    }
}
