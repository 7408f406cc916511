//! The one-block driver: runs one stencil over a flat range of one block's output.

use super::lane::{AxisBlock, LaneStencil, Put, RowWindow, RowsMut, RunRow, WindowTaps};
use super::simd::{run_interior_nt, run_interior_rows_nt, streams_here};
use crate::scalar::Scalar;

/// Elements per rayon task of a single-stencil pass.
pub const TASK: usize = 1 << 15;

/// Local rows `[fl, fh)` of the block that the interior formula can compute without the halo.
pub(crate) fn fast_rows<T: Scalar, S: LaneStencil<T>>(
    st: &S,
    b: &AxisBlock<'_, T>,
) -> (usize, usize) {
    let (rb, ra) = st.reach();
    let int = st.interior_rows(b.n);
    let lo = int.start.max(b.start + rb);
    let hi = int.end.min((b.start + b.m).saturating_sub(ra));
    if hi <= lo {
        return (0, 0);
    }
    (lo - b.start, hi - b.start)
}

/// The driver of [`apply_range`](super::apply_range): walks the range row by row (no division per row), running the
/// interior formula over maximal runs of rows inside the block, [`LaneStencil::run_interior_row`] on interior
/// rows that read the halo and [`LaneStencil::run_any_row`] on the rows at the global ends.
#[inline(always)]
pub(crate) fn apply_range_generic<T: Scalar, S: LaneStencil<T>, P: Put<T>>(
    st: &S,
    b: &AxisBlock<'_, T>,
    p0: usize,
    y: &mut [T],
    put: P,
    stream: bool,
) {
    let len = y.len();
    if len == 0 {
        return;
    }
    let (inner, m, n) = (b.inner, b.m, b.n);
    let (fl, fh) = fast_rows(st, b);
    // Local rows of the global interior.
    let int = st.interior_rows(n);
    let il0 = int.start.clamp(b.start, b.start + m) - b.start;
    let il1 = (int.end.clamp(b.start, b.start + m) - b.start).max(il0);
    let r0 = p0 / inner;
    let mut t = p0 - r0 * inner;
    let mut o = r0 / m;
    let mut il = r0 - o * m;
    // One row segment that the interior runs do not cover: local row `il` of outer index `o`,
    // elements `t .. t + yr.len()` of the row.
    let row = |o: usize, il: usize, t: usize, yr: &mut [T]| {
        let w = RowWindow {
            b,
            o,
            t0: t,
            len: yr.len(),
        };
        let i = b.start + il;
        if il >= il0 && il < il1 {
            st.run_interior_row(i, n, &w, yr, put);
            return;
        }
        // An edge row with a row formula: one loop over the segment, the row's branches decided
        // once (element by element below, they are decided for every element).
        if yr.len() > 1 && run_row_formula(st, i, n, &w, yr, put) {
            return;
        }
        match st.window(i, n) {
            // One element (last-axis lanes) of an edge row whose rows are all in the block
            // (always, unless the block is thinner than the stencil): the formula reading the
            // block directly.
            Some((lo, hi)) if yr.len() == 1 && lo >= b.start && hi < b.start + m => {
                let base = (o * m * inner + t) as isize - (b.start * inner) as isize;
                let v = st.any_row_formula(i, n, |g| b.x[(base + (g * inner) as isize) as usize]);
                put.put(&mut yr[0], v);
            }
            // The same for a longer segment.
            Some((lo, hi)) if lo >= b.start && hi < b.start + m => {
                let len = yr.len();
                let r_lo = o * m + lo - b.start;
                edge_row(
                    st,
                    i,
                    n,
                    b.x,
                    r_lo,
                    (lo, hi, inner),
                    t,
                    len,
                    Lanes::ONE,
                    yr,
                    put,
                )
            }
            _ => st.run_any_row(i, n, &w, yr, put),
        }
    };
    // Short gaps between the interior runs of consecutive lanes (the ends of the lanes along the
    // last axis): a store that overwrites runs the interior formula straight across them, then
    // stores the gaps' right values over the wrong ones (see `MERGE`).
    let run = (fh - fl) * inner;
    let gap = m * inner - run;
    let merge = P::OVERWRITES && !P::STREAMS && run > 0 && gap > 0 && gap <= MERGE_GAP;
    // The interior runs (the bulk of the block) are where `stream` applies; the few other rows
    // are stored as usual, so that only this loop is compiled twice (in a function of its own,
    // see `run_interior_nt`). Not where runs are merged across lane ends: every line holding a
    // lane end would have to be stored as usual (with its write-allocate read) and stored again,
    // and streaming the rest measured slower than storing all as usual (`docs/perf.md`, twelfth
    // session: FirstDerivative along the last axis, 10% at 1 thread, level at 2).
    let merging = merge && gap + run <= MERGE;
    let streamed = stream && <P::Streamed as Put<T>>::STREAMS && streams_here() && !merging;
    let mut q = 0;
    while q < len {
        if il >= fl && il < fh {
            let mut end = len.min(q + (fh - il) * inner - t);
            // Whole further periods (a gap and a run) merged into this run.
            let extra = if merge && end < len {
                ((len - end) / (gap + run)).min(MERGE.saturating_sub(end - q) / (gap + run))
            } else {
                0
            };
            end += extra * (gap + run);
            if streamed {
                // Never merged (see `merging`).
                debug_assert_eq!(extra, 0);
                // SAFETY: `streams_here` checked that the CPU has AVX2.
                unsafe { run_interior_nt(st, b.x, p0 + q, inner, &mut y[q..end], put.streamed()) };
            } else {
                st.run_interior(b.x, p0 + q, inner, &mut y[q..end], put);
            }
            if extra > 0 {
                // Gap `j` (after the run of lane `o + j`): rows `fh..m` of lane `o + j`, then
                // rows `0..fl` of lane `o + j + 1`. Row `r` of every gap at once, its branches
                // decided once: `dl`, the lane after `o + j` it lies in, and its local row.
                let period = gap + run;
                let first_gap = end - extra * period;
                for r in 0..gap / inner {
                    let (dl, il) = if fh + r < m {
                        (0, fh + r)
                    } else {
                        (1, fh + r - m)
                    };
                    let (i, e0) = (b.start + il, first_gap + r * inner);
                    match st.window(i, n) {
                        Some((lo, hi))
                            if (il < il0 || il >= il1) && lo >= b.start && hi < b.start + m =>
                        {
                            let lanes = Lanes {
                                count: extra,
                                period,
                            };
                            let r_lo = (o + dl) * m + lo - b.start;
                            let rows = (lo, hi, inner);
                            edge_row(
                                st,
                                i,
                                n,
                                b.x,
                                r_lo,
                                rows,
                                0,
                                inner,
                                lanes,
                                &mut y[e0..],
                                put,
                            )
                        }
                        _ => {
                            for j in 0..extra {
                                let e = e0 + j * period;
                                row(o + j + dl, il, 0, &mut y[e..e + inner]);
                            }
                        }
                    }
                }
            }
            q = end;
            o += extra;
            il = fh;
            t = 0;
        } else {
            let seg = (inner - t).min(len - q);
            row(o, il, t, &mut y[q..q + seg]);
            q += seg;
            t = 0;
            il += 1;
        }
        if il == m {
            il = 0;
            o += 1;
        }
    }
}

/// Most elements of one interior run of [`apply_range_generic`] that crosses the gaps between
/// lanes, before the gaps' elements are stored again: the run's last lines are still in L1 when
/// they are.
const MERGE: usize = 1 << 12;

/// Longest gap between the interior runs of consecutive lanes that [`apply_range_generic`] runs
/// the interior formula across (the two edge elements of a lane along the last axis, up to the
/// eight of an order-5 stencil with wide edges).
const MERGE_GAP: usize = 16;

/// The driver of [`apply_rows`](super::simd::apply_rows): a column window of consecutive rows of
/// the block, row `r` of `y` being the output elements `p0 + r * inner ..` (all rows in one outer
/// index of the block). The rows the interior formula covers without the halo go to
/// [`LaneStencil::run_interior_rows`] together; the others, one by one, to [`apply_range_generic`].
#[inline(always)]
pub(crate) fn apply_rows_generic<T: Scalar, S: LaneStencil<T>, P: Put<T>>(
    st: &S,
    b: &AxisBlock<'_, T>,
    p0: usize,
    mut y: RowsMut<'_, T>,
    put: P,
    stream: bool,
) {
    let (rows, inner, m) = (y.rows(), b.inner, b.m);
    if rows == 0 || y.width() == 0 {
        return;
    }
    let il0 = (p0 / inner) % m;
    debug_assert!(il0 + rows <= m && p0 % inner + y.width() <= inner);
    let (fl, fh) = fast_rows(st, b);
    let f0 = fl.clamp(il0, il0 + rows) - il0;
    let f1 = fh.clamp(il0, il0 + rows).max(il0 + f0) - il0;
    let one_by_one = |y: &mut RowsMut<'_, T>, r: usize| {
        apply_range_generic(st, b, p0 + r * inner, y.row(r), put, stream)
    };
    for r in 0..f0 {
        one_by_one(&mut y, r);
    }
    if f1 > f0 {
        let (p, rows) = (p0 + f0 * inner, y.sub(f0..f1));
        if stream && <P::Streamed as Put<T>>::STREAMS && streams_here() {
            // SAFETY: `streams_here` checked that the CPU has AVX2.
            unsafe { run_interior_rows_nt(st, b.x, p, inner, rows, put) };
        } else {
            st.run_interior_rows(b.x, p, inner, rows, put);
        }
    }
    for r in f1..rows {
        one_by_one(&mut y, r);
    }
}

/// Segments of the same row in consecutive lanes: `count` of them, `period` elements apart (in
/// the input and the output alike).
#[derive(Clone, Copy)]
struct Lanes {
    count: usize,
    period: usize,
}

impl Lanes {
    /// One segment.
    const ONE: Lanes = Lanes {
        count: 1,
        period: 0,
    };
}

/// An edge row `i` whose input rows `lo..=hi` (`rows`: `(lo, hi, inner)`) are all in the block:
/// [`LaneStencil::any_row_formula`] for every element, reading `x` directly, over `len` elements
/// from element `t` of the row, in `lanes.count` lanes (segment `j` read from and written to
/// `lanes.period * j` elements further). Row `lo` of the first lane starts at flat index
/// `r_lo * inner`. Written so that the compiler can hoist the formula's row-dependent branches out
/// of the loops and vectorise them (long edge rows: the end planes of outer axes; many lanes: the
/// ends of the lanes along the last axis): the rows read are clamped to `lo..=hi` (a stencil
/// reading outside its window gets a wrong row, never an out-of-bounds read) and bounds are
/// checked once for the whole segment.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn edge_row<T: Scalar, S: LaneStencil<T>, P: Put<T>>(
    st: &S,
    i: usize,
    n: usize,
    x: &[T],
    r_lo: usize,
    rows: (usize, usize, usize),
    t: usize,
    len: usize,
    lanes: Lanes,
    y: &mut [T],
    put: P,
) {
    let (lo, hi, inner) = rows;
    if lanes.count == 0 || len == 0 {
        return;
    }
    let span = (lanes.count - 1) * lanes.period;
    let first = r_lo * inner + t;
    let last = first + span + (hi - lo) * inner + len;
    let x = &x[first..last];
    let y = &mut y[..span + len];
    for j in 0..lanes.count {
        let o = j * lanes.period;
        for (q, yq) in y[o..o + len].iter_mut().enumerate() {
            let v = st.any_row_formula(i, n, |g| {
                let k = (g.clamp(lo, hi) - lo) * inner + o + q;
                // SAFETY: k <= (hi - lo) * inner + span + len - 1 < x.len() (checked by the
                // slicing above).
                unsafe { *x.get_unchecked(k) }
            });
            put.put(yq, v);
        }
    }
}

/// Row `i` of a lane of length `n` through the stencil's row formula
/// ([`LaneStencil::row_formula`]), over the elements of the window `w`; `false`, having written
/// nothing, if the stencil has none for that row. A function of its own, called once per edge
/// row: inlined into the drivers, its locals would grow their stack frames in unoptimised builds,
/// where rayon nests them (see `simd::dispatched`).
#[inline(never)]
fn run_row_formula<T: Scalar, S: LaneStencil<T>, P: Put<T>>(
    st: &S,
    i: usize,
    n: usize,
    w: &RowWindow<'_, T>,
    y: &mut [T],
    put: P,
) -> bool {
    let src = WindowTaps { w, i };
    st.row_formula(i, n, RunRow { src: &src, y, put }).is_some()
}

/// Local rows `[il0, il1)` of the block in the stencil's global interior.
pub(crate) fn local_interior<T: Scalar, S: LaneStencil<T>>(
    st: &S,
    b: &AxisBlock<'_, T>,
) -> (usize, usize) {
    let int = st.interior_rows(b.n);
    let il0 = int.start.clamp(b.start, b.start + b.m) - b.start;
    let il1 = (int.end.clamp(b.start, b.start + b.m) - b.start).max(il0);
    (il0, il1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stencil::lane::toy::{data, reference, Toy};
    use crate::stencil::lane::{AddScaled, Set};
    use crate::stencil::simd::{apply_range, apply_range_nt};

    /// The block of rows `[s, e)` along `axis` of a C-order array `x` of `shape`, with halo slabs
    /// of `nb` and `na` rows (copied).
    fn slab(x: &[f64], shape: &[usize], axis: usize, s: usize, e: usize) -> Vec<f64> {
        let inner: usize = shape[axis + 1..].iter().product();
        let outer: usize = shape[..axis].iter().product();
        let m = shape[axis];
        let mut out = Vec::new();
        for o in 0..outer {
            out.extend_from_slice(&x[(o * m + s) * inner..(o * m + e) * inner]);
        }
        out
    }

    /// Every split of every axis into two blocks with their halos, in uneven ranges; with many
    /// lanes along a last axis long enough for runs merged across the lane ends, whose gaps then
    /// hold rows that read the halo.
    #[test]
    fn every_split_and_range_gives_the_reference_bits() {
        for shape in [vec![3, 7, 4], vec![40, 12]] {
            every_split_and_range(&shape);
        }
    }

    fn every_split_and_range(shape: &[usize]) {
        let len: usize = shape.iter().product();
        let x = data(len, 3);
        let st = Toy { s: 0.3 };
        for axis in 0..shape.len() {
            let want = reference(&st, &x, shape, axis);
            let m = shape[axis];
            for cut in 1..m {
                for (s, e) in [(0, cut), (cut, m)] {
                    let mut bshape = shape.to_vec();
                    bshape[axis] = e - s;
                    let xb = slab(&x, shape, axis, s, e);
                    let before = slab(&x, shape, axis, s.saturating_sub(1), s);
                    let after = slab(&x, shape, axis, e, (e + 1).min(m));
                    let mut b = AxisBlock::new(&xb, &bshape, axis, s, m);
                    b.before = &before;
                    b.after = &after;
                    b.nb = s - s.saturating_sub(1);
                    b.na = (e + 1).min(m) - e;
                    let got_ref = slab(&want, shape, axis, s, e);
                    let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                    for stream in [false, true] {
                        let mut y = vec![0.0; xb.len()];
                        // In three uneven ranges, as tasks would split it.
                        let (p1, p2) = (y.len() / 3, y.len() / 3 + 5);
                        let (y0, rest) = y.split_at_mut(p1);
                        let (y1, y2) = rest.split_at_mut(p2 - p1);
                        apply_range_nt(&st, &b, 0, y0, Set, stream);
                        apply_range_nt(&st, &b, p1, y1, Set, stream);
                        apply_range_nt(&st, &b, p2, y2, Set, stream);
                        crate::stream::fence();
                        assert_eq!(
                            bits(&y),
                            bits(&got_ref),
                            "{shape:?} axis {axis} rows {s}..{e} streamed {stream}"
                        );
                    }
                }
            }
        }
    }

    /// Lanes along the last axis, more of them than one merged run takes (`MERGE`), in ranges cut
    /// at odd places, with every store: the interior formula run across the lane ends and the ends
    /// stored again give the reference bits, streamed or not; the stores that add (never merged)
    /// too.
    #[test]
    fn runs_merged_across_lane_ends_give_the_reference_bits() {
        use crate::stencil::lane::{Add, SetScaled, Stream};
        let st = Toy { s: 0.7 };
        for shape in [vec![300, 37], vec![40, 5, 9], vec![3, 2000], vec![64, 3]] {
            let axis = shape.len() - 1;
            let len: usize = shape.iter().product();
            let x = data(len, 11);
            let want = reference(&st, &x, &shape, axis);
            let b = AxisBlock::new(&x, &shape, axis, 0, shape[axis]);
            let cuts = [0, len / 3 + 1, len / 3 + 1 + MERGE + 5, len];
            let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            let run = |y: &mut [f64], f: &dyn Fn(usize, &mut [f64])| {
                for w in cuts.windows(2) {
                    let (a, e) = (w[0].min(len), w[1].min(len));
                    f(a, &mut y[a..e.max(a)]);
                }
            };
            let mut y = vec![f64::NAN; len];
            run(&mut y, &|p, yr| apply_range(&st, &b, p, yr, Set));
            assert_eq!(bits(&y), bits(&want), "{shape:?} Set");
            let mut y = vec![f64::NAN; len];
            run(&mut y, &|p, yr| apply_range(&st, &b, p, yr, Stream(Set)));
            crate::stream::fence();
            assert_eq!(bits(&y), bits(&want), "{shape:?} Stream(Set)");
            // Asked to stream: runs merged across lane ends are stored as usual, the lanes of
            // 2000 (longer than a merged run) stream.
            let mut y = vec![f64::NAN; len];
            run(&mut y, &|p, yr| {
                crate::stencil::apply_range_nt(&st, &b, p, yr, Set, true)
            });
            crate::stream::fence();
            assert_eq!(bits(&y), bits(&want), "{shape:?} Set, streamed");
            let mut y = vec![f64::NAN; len];
            run(&mut y, &|p, yr| apply_range(&st, &b, p, yr, SetScaled(1.5)));
            let scaled: Vec<f64> = want.iter().map(|w| 1.5 * w).collect();
            assert_eq!(bits(&y), bits(&scaled), "{shape:?} SetScaled");
            let mut y = vec![1.0; len];
            run(&mut y, &|p, yr| apply_range(&st, &b, p, yr, Add));
            let added: Vec<f64> = want.iter().map(|w| 1.0 + w).collect();
            assert_eq!(bits(&y), bits(&added), "{shape:?} Add");
        }
    }

    #[test]
    fn ranges_put_and_handle_empty_blocks() {
        let shape = [5, 3];
        let x = data(15, 4);
        let st = Toy { s: 1.0 };
        let b = AxisBlock::new(&x, &shape, 0, 0, 5);
        let mut y = vec![1.0; 15];
        apply_range(&st, &b, 0, &mut y, AddScaled(2.0));
        let want = reference(&st, &x, &shape, 0);
        for (g, w) in y.iter().zip(&want) {
            assert_eq!(*g, 1.0 + 2.0 * w);
        }
        let e = AxisBlock::new(&[], &[0, 3], 0, 0, 0);
        apply_range(&st, &e, 0, &mut [], Set);
        let e = AxisBlock::new(&[], &[4, 0], 0, 0, 4);
        apply_range(&st, &e, 0, &mut [], Set);
        assert_eq!(fast_rows(&st, &b), (1, 4));
        assert_eq!(local_interior(&st, &b), (1, 4));
    }
}
