//! Interior formulas that read every input value divided by one constant, with each input value
//! divided once instead of once per output that reads it, and the same bits.
//!
//! The centered order-5 first derivative computes `x[i-2]/12 - (2 x[i-1])/3 + (2 x[i+1])/3 -
//! x[i+2]/12` (pylops' order): four divisions per output, which on most CPUs cost more than the
//! memory traffic. For a real `v` and a constant `c`, `v / (4c) == (v / c) * 0.25` and
//! `(2v) / c == 2 (v / c)` exactly, because rounding commutes with scaling by a power of two, as
//! long as no result is subnormal and `2v` does not overflow. So the same formula can read
//! `t = x / 3` once per input element: `t[i-2] * 0.25 - 2 t[i-1] + 2 t[i+1] - t[i+2] * 0.25`.
//!
//! The range where that holds is checked on every input value as it is divided ([`in_exact_range`]:
//! zero, or a magnitude between 16 times the smallest normal number and a quarter of the largest
//! finite one); a window with any value outside it (a subnormal, a huge value, an infinity or a
//! NaN) is computed with the formula on `x` itself, so every output has the bits of the plain
//! formula for every input.
//!
//! Two runners, for the two shapes in which the drivers hand out interior work:
//! - [`run_divided`], a contiguous run of output elements (flat, C order): where the rows read lie
//!   close together (the last axis), the quotients of the run's window are computed piece by piece
//!   into a buffer; otherwise the run is cut into whole rows for [`run_divided_rows`];
//! - [`run_divided_rows`], rows of a column window: the quotients of each input row are kept in a
//!   ring of rows, so walking down the column divides each input row once.
//!
//! Both apply to real types only; complex types (whose division is numpy's complex division) run
//! the plain formula.

use super::lane::{Put, RowsMut, Strided, Taps, RADIUS};
use super::taps::{divided_by, run_taps_div, RunFormula};
use crate::scalar::Scalar;
use num_traits::{Float, Zero};

/// A point formula over the values of the input rows at offsets `offs` (as in
/// [`PointVisitor::visit`](super::PointVisitor::visit)), given twice: `direct` reads the values
/// themselves, `fast` reads them divided by `c` and must give the same bits as `direct` for every
/// input in [`in_exact_range`]. The output is the formula's value divided by `s` (numpy's division,
/// skipped where `s` is exactly one, as in [`run_taps_div`]).
#[derive(Clone, Copy, Debug)]
pub struct Divided<T, D, F, const K: usize> {
    /// Row offsets of the inputs (each within [`RADIUS`]).
    pub offs: [isize; K],
    /// The constant every input is divided by.
    pub c: T,
    /// The divisor of the output.
    pub s: T,
    /// The formula on the input values.
    pub direct: D,
    /// The formula on the input values divided by `c`.
    pub fast: F,
}

impl<T, D, F, const K: usize> Divided<T, D, F, K> {
    /// `(before, after)`: how many rows before and after the output row the formula reads.
    fn reach(&self) -> (usize, usize) {
        let lo = self.offs.iter().copied().min().unwrap_or(0).min(0);
        let hi = self.offs.iter().copied().max().unwrap_or(0).max(0);
        (lo.unsigned_abs(), hi.unsigned_abs())
    }
}

/// Whether dividing `v` by a constant and then scaling the quotient by a power of two between 1/4
/// and 2 gives the bits of scaling first and dividing after: `v` is zero, or its magnitude lies
/// between 16 times the smallest normal number and a quarter of the largest finite one (so neither
/// the quotient nor `2v` leaves the normal range). False for NaN and infinities.
#[inline(always)]
pub fn in_exact_range<T: Scalar>(v: T) -> bool {
    let a = Float::abs(v.re());
    let lo = T::Real::min_positive_value() * T::Real::from_f64(16.0);
    let hi = T::Real::max_value() * T::Real::from_f64(0.25);
    ((a >= lo) & (a <= hi)) | (a == T::Real::zero())
}

/// `dst[k] = src[k] / c` for every `k`; returns whether every `src[k]` is [`in_exact_range`].
#[inline(always)]
fn divide_into<T: Scalar>(src: &[T], dst: &mut [T], c: T) -> bool {
    let mut ok = true;
    for (d, &v) in dst.iter_mut().zip(src) {
        *d = v.np_div(c);
        ok &= in_exact_range(v);
    }
    ok
}

/// Elements of output per piece of [`run_divided`]'s buffered path (its buffer, with [`NEAR`], is
/// 6 KiB of f64 on the stack).
const PIECE: usize = 1 << 9;
/// Largest distance in elements between the first and last input row that [`run_divided`] still
/// reads through one buffer of quotients (beyond it, a piece's window would be mostly rows it does
/// not share with the next piece, and the run goes row by row instead).
const NEAR: usize = 1 << 8;
/// Most columns per window of [`run_divided_rows`]: 16 KiB of f64 per row, so that each row of a
/// window is a long contiguous run for the hardware prefetchers (windows of 2 KiB, rows far apart,
/// left the loads waiting on memory), while the ring (96 KiB of f64) stays in L2 and is small
/// enough for the allocator to reuse without new pages.
const COLUMNS: usize = 1 << 11;
/// Rows in the ring of quotients: the rows in reach of an output row and the next one to divide.
const RING: usize = 2 * RADIUS + 2;

/// The plain formula over output elements `p0 .. p0 + y.len()` of `x` (rows `stride` apart).
#[inline(always)]
fn direct<T: Scalar, P: Put<T>, D, F, const K: usize>(
    d: &Divided<T, D, F, K>,
    x: &[T],
    p0: usize,
    stride: usize,
    y: &mut [T],
    put: P,
) where
    D: Fn([T; K]) -> T,
{
    run_taps_div(&Strided { x, p0, stride }, d.offs, y, put, d.s, &d.direct)
}

/// The interior formula `d` over a contiguous run of outputs, as
/// [`LaneStencil::run_interior`](super::LaneStencil::run_interior): output `p0 + q` for
/// `q < y.len()` from the inputs `x[p0 + q + offs[k] * stride]`, stored with `put`, each input
/// divided by `d.c` once (see the module docs). The same bits as the plain formula.
///
/// # Panics
/// If a window reaches outside `x` (the drivers pass only interior rows).
#[inline(always)]
pub fn run_divided<T: Scalar, P: Put<T>, D, F, const K: usize>(
    d: &Divided<T, D, F, K>,
    x: &[T],
    p0: usize,
    stride: usize,
    y: &mut [T],
    put: P,
) where
    D: Fn([T; K]) -> T,
    F: Fn([T; K]) -> T,
{
    let len = y.len();
    let (rb, ra) = d.reach();
    if T::IS_COMPLEX || len == 0 {
        return direct(d, x, p0, stride, y, put);
    }
    if (rb + ra) * stride <= NEAR {
        let mut buf = [T::zero(); PIECE + NEAR];
        for (j, yc) in y.chunks_mut(PIECE).enumerate() {
            let p = p0 + j * PIECE;
            let (lo, hi) = (p - rb * stride, p + yc.len() + ra * stride);
            let t = &mut buf[..hi - lo];
            if divide_into(&x[lo..hi], t, d.c) {
                let src = Strided {
                    x: &*t,
                    p0: rb * stride,
                    stride,
                };
                run_taps_div(&src, d.offs, yc, put, d.s, &d.fast);
            } else {
                direct(d, x, p, stride, yc, put);
            }
        }
        return;
    }
    // Far rows: a partial first row, whole rows, a partial last row.
    let head = ((stride - p0 % stride) % stride).min(len);
    let rows = (len - head) / stride;
    let (y0, rest) = y.split_at_mut(head);
    let (ym, y1) = rest.split_at_mut(rows * stride);
    direct(d, x, p0, stride, y0, put);
    if rows > 0 {
        let ym = RowsMut::from_slice(ym, stride, stride, rows);
        run_divided_rows(d, x, p0 + head, stride, ym, put);
    }
    direct(d, x, p0 + head + rows * stride, stride, y1, put);
}

/// The interior formula `d` over rows of a column window, as
/// [`LaneStencil::run_interior_rows`](super::LaneStencil::run_interior_rows): row `r` of `y`,
/// element `q`, is output `p0 + r * stride + q`. Walks the window up to 2048 columns at a time,
/// dividing each input row of the column once and keeping the quotients of the rows in reach in a
/// ring (see the module docs). The same bits as the plain formula.
///
/// # Panics
/// If a window reaches outside `x`, or if an offset is beyond [`RADIUS`].
#[inline(always)]
pub fn run_divided_rows<T: Scalar, P: Put<T>, D, F, const K: usize>(
    d: &Divided<T, D, F, K>,
    x: &[T],
    p0: usize,
    stride: usize,
    mut y: RowsMut<'_, T>,
    put: P,
) where
    D: Fn([T; K]) -> T,
    F: Fn([T; K]) -> T,
{
    let (rows, w) = (y.rows(), y.width());
    let (rb, ra) = d.reach();
    let ring = rb + ra + 2;
    assert!(ring <= RING, "a formula reaching beyond RADIUS rows");
    // Dividing the rows of the ring costs `rows + rb + ra` divisions per column, the plain formula
    // `K * rows`.
    if T::IS_COMPLEX || rows * K <= rows + rb + ra {
        for r in 0..rows {
            direct(d, x, p0 + r * stride, stride, y.row(r), put);
        }
        return;
    }
    // On the heap: one allocation per call (a column task, or a run of whole rows), and no large
    // array in the frames of the drivers this is inlined into (unoptimised builds keep every
    // inlined array in its own stack slot, and rayon nests those frames).
    let cols = COLUMNS.min(w);
    ring_rows(d, x, p0, stride, y, put, &mut vec![T::zero(); ring * cols]);
}

/// [`run_divided_rows`] with a ring buffer of `rb + ra + 2` rows of `buf.len() / (rb + ra + 2)`
/// columns: the rows in reach of the current output row, and the next row to divide.
///
/// Row by row down each window: where the rows in reach are all in the exact range, one loop
/// computes the output row from their quotients *and* divides the next input row into the ring
/// (so the divisions overlap the memory traffic of the output); elsewhere the two are done apart,
/// the output row with the plain formula.
#[inline(always)]
fn ring_rows<T: Scalar, P: Put<T>, D, F, const K: usize>(
    d: &Divided<T, D, F, K>,
    x: &[T],
    p0: usize,
    stride: usize,
    mut y: RowsMut<'_, T>,
    put: P,
    buf: &mut [T],
) where
    D: Fn([T; K]) -> T,
    F: Fn([T; K]) -> T,
{
    let (rows, w) = (y.rows(), y.width());
    let (rb, ra) = d.reach();
    let ring = rb + ra + 2;
    let cols = buf.len() / ring;
    assert!(cols > 0 || w == 0);
    for c0 in (0..w).step_by(cols.max(1)) {
        let cw = cols.min(w - c0);
        // Input row `j` (relative to the first output row, from `-rb`) lives in slot
        // `(j + rb) % ring`; `last_bad` is the last row with a value outside the exact range.
        let slot = |j: isize| (j + rb as isize) as usize % ring * cols;
        let input = |j: isize| {
            let start = ((p0 + c0) as isize + j * stride as isize) as usize;
            &x[start..start + cw]
        };
        let mut last_bad = isize::MIN;
        for j in -(rb as isize)..=ra as isize {
            if !divide_into(input(j), &mut buf[slot(j)..slot(j) + cw], d.c) {
                last_bad = j;
            }
        }
        for r in 0..rows {
            let ri = r as isize;
            let yr = &mut y.row(r)[c0..c0 + cw];
            // The next row to divide, if a later output row reads it.
            let next = ri + ra as isize + 1;
            let has_next = r + 1 < rows;
            let fast = last_bad < ri - rb as isize;
            let ok = if fast && has_next {
                let (taps, dst) = split_ring(buf, d.offs.map(|o| slot(ri + o)), slot(next), cw);
                divided_by(
                    d.s,
                    &d.fast,
                    DivideAndRun {
                        taps,
                        src: input(next),
                        dst,
                        c: d.c,
                        y: yr,
                        put,
                    },
                )
            } else {
                if fast {
                    let taps = d.offs.map(|o| &buf[slot(ri + o)..slot(ri + o) + cw]);
                    run_taps_div(
                        &Rows(taps),
                        std::array::from_fn(|k| k as isize),
                        yr,
                        put,
                        d.s,
                        &d.fast,
                    );
                } else {
                    direct(d, x, p0 + r * stride + c0, stride, yr, put);
                }
                !has_next || divide_into(input(next), &mut buf[slot(next)..slot(next) + cw], d.c)
            };
            if !ok {
                last_bad = next;
            }
        }
    }
}

/// The `cw` elements at each offset of `taps` in `buf` (read), and at `dst` (written), which must
/// differ from every offset of `taps`.
///
/// # Panics
/// If `dst` is one of `taps`, or any range is outside `buf`.
#[inline(always)]
fn split_ring<T, const K: usize>(
    buf: &mut [T],
    taps: [usize; K],
    dst: usize,
    cw: usize,
) -> ([&[T]; K], &mut [T]) {
    assert!(dst + cw <= buf.len() && taps.iter().all(|&t| t + cw <= buf.len()));
    assert!(
        taps.iter().all(|&t| t + cw <= dst || dst + cw <= t),
        "overlapping rows"
    );
    let base = buf.as_mut_ptr();
    // SAFETY: every range lies in `buf` and the written one overlaps none of the read ones
    // (both checked above); `buf` stays borrowed mutably for as long as the slices live.
    unsafe {
        (
            taps.map(|t| std::slice::from_raw_parts(base.add(t) as *const T, cw)),
            std::slice::from_raw_parts_mut(base.add(dst), cw),
        )
    }
}

/// Rows given directly: row offset `d` is `self.0[d]`.
struct Rows<'a, T, const K: usize>([&'a [T]; K]);

impl<T, const K: usize> Taps<T> for Rows<'_, T, K> {
    #[inline(always)]
    fn tap(&self, d: isize, len: usize) -> &[T] {
        &self.0[d as usize][..len]
    }
}

/// One loop over a row: `dst[q] = src[q] / c` (returns whether every `src[q]` is
/// [`in_exact_range`]) and `y[q] (put)= f([taps[0][q], ...])`, the formula handed over by
/// [`divided_by`] with the output's final division.
struct DivideAndRun<'a, T, P, const K: usize> {
    taps: [&'a [T]; K],
    src: &'a [T],
    dst: &'a mut [T],
    c: T,
    y: &'a mut [T],
    put: P,
}

impl<T: Scalar, P: Put<T>, const K: usize> RunFormula<T, K> for DivideAndRun<'_, T, P, K> {
    type Out = bool;
    #[inline(always)]
    fn run(self, f: impl Fn([T; K]) -> T) -> bool {
        let Self {
            taps,
            src,
            dst,
            c,
            y,
            put,
        } = self;
        let len = y.len();
        let (src, dst) = (&src[..len], &mut dst[..len]);
        let taps = taps.map(|t| &t[..len]);
        let mut ok = true;
        for q in 0..len {
            let v = src[q];
            dst[q] = v.np_div(c);
            ok &= in_exact_range(v);
            // A plain loop, not `std::array::from_fn` (see `run_taps`: its closures are not always
            // inlined).
            let mut vals = [T::zero(); K];
            for (vk, tk) in vals.iter_mut().zip(&taps) {
                // SAFETY: every tap has `len` elements (sliced above) and `q < len`.
                *vk = unsafe { *tk.get_unchecked(q) };
            }
            put.put(&mut y[q], f(vals));
        }
        ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stencil::lane::{Add, Set};

    /// pylops' centered order-5 first derivative and its quotient form (see the module docs).
    fn c5<T: Scalar>(
        s: f64,
    ) -> Divided<T, impl Fn([T; 4]) -> T + Copy, impl Fn([T; 4]) -> T + Copy, 4> {
        let (two, three, twelve, q) = (
            T::from_f64(2.0),
            T::from_f64(3.0),
            T::from_f64(12.0),
            T::from_f64(0.25),
        );
        Divided {
            offs: [-2, -1, 1, 2],
            c: three,
            s: T::from_f64(s),
            direct: move |[a, b, d, e]: [T; 4]| {
                a.np_div(twelve) - (two * b).np_div(three) + (two * d).np_div(three)
                    - e.np_div(twelve)
            },
            fast: move |[a, b, d, e]: [T; 4]| a * q - two * b + two * d - e * q,
        }
    }

    /// Values that exercise the range check: normal values of every size, zeros of both signs,
    /// and (every `every` elements) one of the values outside the exact range.
    fn data(n: usize, every: usize, seed: u64) -> Vec<f64> {
        let mut r = crate::rng::Rng::new(seed);
        let odd = [
            f64::MIN_POSITIVE * 3.0,
            f64::MIN_POSITIVE * 15.9,
            5e-324,
            -f64::MAX * 0.3,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
        ];
        (0..n)
            .map(|k| match k % 11 {
                _ if every > 0 && k % every == every - 1 => odd[(k / every) % odd.len()],
                0 => 0.0,
                1 => -0.0,
                2 => r.normal() * 1e300,
                3 => r.normal() * 1e-300,
                _ => r.normal(),
            })
            .collect()
    }

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|f| f.to_bits()).collect()
    }

    #[test]
    fn the_exact_range_is_where_scaling_and_dividing_commute() {
        // Exhaustive over the ends of the range: the identities hold inside it...
        let three = 3.0f64;
        let edge = [
            f64::MIN_POSITIVE * 16.0,
            f64::MAX * 0.25,
            f64::MIN_POSITIVE * 16.0 * (1.0 + f64::EPSILON),
            1.0,
            -7.5e-200,
        ];
        for &v in &edge {
            assert!(in_exact_range(v), "{v:e}");
            assert_eq!((v / 12.0).to_bits(), ((v / three) * 0.25).to_bits());
            assert_eq!(((2.0 * v) / three).to_bits(), (2.0 * (v / three)).to_bits());
        }
        // ...and outside it they can fail, which is why the check exists.
        let v = 5e-324f64 * 7.0;
        assert!(!in_exact_range(v));
        assert_ne!((v / 12.0).to_bits(), ((v / three) * 0.25).to_bits());
        assert!(!in_exact_range(f64::MAX) && (2.0 * f64::MAX).is_infinite());
        assert!(!in_exact_range(f64::NAN) && !in_exact_range(f64::INFINITY));
        assert!(in_exact_range(0.0f32) && in_exact_range(-0.0f64));
        assert!(!in_exact_range(f32::MIN_POSITIVE) && in_exact_range(f32::MIN_POSITIVE * 16.0));
    }

    #[test]
    fn flat_runs_give_the_plain_formula_bits_for_every_stride_and_input() {
        for &(stride, every) in &[(1, 0), (1, 37), (3, 0), (64, 5), (100, 0), (100, 401)] {
            let rows = 40;
            let n = rows * stride;
            let x = data(n, every, stride as u64);
            let d = c5::<f64>(0.7);
            // Every contiguous run of interior outputs that starts and ends anywhere.
            let (lo, hi) = (2 * stride, n - 2 * stride);
            for (a, b) in [
                (lo, hi),
                (lo + 1, hi - 3),
                (lo + stride / 2, lo + 3 * stride + 1),
            ] {
                let mut want = vec![1.0; b - a];
                let mut got = want.clone();
                direct(&d, &x, a, stride, &mut want, Add);
                run_divided(&d, &x, a, stride, &mut got, Add);
                assert_eq!(
                    bits(&got),
                    bits(&want),
                    "stride {stride} every {every} {a}..{b}"
                );
            }
        }
    }

    #[test]
    fn column_windows_give_the_plain_formula_bits_and_leave_the_gaps_alone() {
        // (rows, row length, window width, first column): a ring on the stack, one window on the
        // heap, and windows wider than COLUMNS (two windows per row). The window covers rows
        // 2 .. rows - 2.
        for (rows, stride, width, c0) in
            [(12, 200, 190, 3), (30, 700, 600, 10), (8, 9000, 8500, 99)]
        {
            for every in [0, 53, 3000] {
                let x = data(rows * stride, every, 9);
                for s in [1.0, 0.3] {
                    let d = c5::<f64>(s);
                    let p0 = 2 * stride + c0;
                    let mut want = vec![-1.0; rows * stride];
                    let mut got = want.clone();
                    for r in 0..rows - 4 {
                        let p = p0 + r * stride;
                        direct(&d, &x, p, stride, &mut want[p..p + width], Set);
                    }
                    let y = RowsMut::from_slice(&mut got[p0..], stride, width, rows - 4);
                    run_divided_rows(&d, &x, p0, stride, y, Set);
                    assert_eq!(bits(&got), bits(&want), "{stride} every {every} s {s}");
                }
            }
        }
    }

    #[test]
    fn f32_and_complex_give_the_plain_formula_bits() {
        // Normal f32 values (the fast path), then with a few f32 subnormals among them.
        let mut x: Vec<f32> = data(500, 0, 4)
            .iter()
            .map(|&v| v.clamp(-1e9, 1e9) as f32)
            .collect();
        for odd in [false, true] {
            if odd {
                x[200] = f32::MIN_POSITIVE * 0.7;
                x[333] = f32::MIN_POSITIVE * 9.0;
            }
            let d = c5::<f32>(0.25);
            let (mut want, mut got) = (vec![0.0f32; 400], vec![0.0f32; 400]);
            direct(&d, &x, 40, 10, &mut want, Set);
            run_divided(&d, &x, 40, 10, &mut got, Set);
            assert!(want
                .iter()
                .zip(&got)
                .all(|(a, b)| a.to_bits() == b.to_bits()));
        }
        type C = num_complex::Complex<f64>;
        let z: Vec<C> = data(300, 0, 5)
            .chunks(2)
            .map(|p| C::new(p[0], p[1]))
            .collect();
        let d = c5::<C>(1.0);
        let (mut want, mut got) = (vec![C::zero(); 140], vec![C::zero(); 140]);
        direct(&d, &z, 4, 1, &mut want, Set);
        run_divided(&d, &z, 4, 1, &mut got, Set);
        assert_eq!(want, got);
    }
}
