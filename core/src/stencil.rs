//! The one driver that runs every axis-aligned stencil (derivatives, Laplacian terms, Gradient slices)
//! over one block, on any axis, forward or adjoint.
//!
//! A block is seen along the stencil axis as `(outer, m, inner)`: `m` rows of `inner` contiguous
//! elements, repeated `outer` times. A stencil is a *row gather*: output row `i` (global index along
//! the axis, of `n`) is a formula of a few input rows near `i`. The driver splits the block's flat
//! output into tasks for rayon and, inside each, runs:
//! - the stencil's **interior formula** over maximal contiguous runs of rows whose whole window lies in
//!   the block: a contiguous loop reading `x[p ± d*inner]`, which the compiler vectorises on every axis
//!   (for the last axis `inner = 1`, for outer axes whole planes at once);
//! - a **row path** for the few other rows (edge rows at the global ends, rows whose window reaches
//!   into the halo), which gets its input rows from the block or from its halo slabs.
//!
//! Rows of the global interior whose window reaches into the halo run the same interior formula, with
//! its input rows taken from the block or the halo slabs ([`LaneStencil::run_row`], through
//! [`Taps`]); only the few rows at the global ends of the axis go through the per-element
//! [`LaneStencil::value`].
//!
//! Because every output element is computed by the same formula from the same values whatever the
//! chunking, results are bit-for-bit identical in every chunking.
//!
//! On x86-64 CPUs with AVX2 (detected at run time) the same generic code is compiled a second time
//! with AVX2 enabled and used instead: wider vectors for the divisions the formulas need. The
//! operations and their order are the same (Rust never contracts or reorders floating-point
//! operations), so results are bit-for-bit the same.

use crate::halo::BlockHalo;
use crate::scalar::Scalar;
use std::ops::Range;

/// How a computed value is stored into the output.
pub trait Put<T>: Copy + Send + Sync {
    /// Stores `v` into `y`.
    fn put(self, y: &mut T, v: T);
}

/// `y = v`.
#[derive(Clone, Copy, Debug)]
pub struct Set;
/// `y = y + v`.
#[derive(Clone, Copy, Debug)]
pub struct Add;
/// `y = w * v`.
#[derive(Clone, Copy, Debug)]
pub struct SetScaled<T>(pub T);
/// `y = y + w * v`.
#[derive(Clone, Copy, Debug)]
pub struct AddScaled<T>(pub T);

impl<T: Scalar> Put<T> for Set {
    #[inline(always)]
    fn put(self, y: &mut T, v: T) {
        *y = v;
    }
}
impl<T: Scalar> Put<T> for Add {
    #[inline(always)]
    fn put(self, y: &mut T, v: T) {
        *y += v;
    }
}
impl<T: Scalar> Put<T> for SetScaled<T> {
    #[inline(always)]
    fn put(self, y: &mut T, v: T) {
        *y = self.0 * v;
    }
}
impl<T: Scalar> Put<T> for AddScaled<T> {
    #[inline(always)]
    fn put(self, y: &mut T, v: T) {
        *y += self.0 * v;
    }
}

/// Access to input rows by global index for the row path: a row comes from the block or from its
/// halo slabs, restricted to the element range being computed.
pub struct RowWindow<'a, T> {
    b: &'a AxisBlock<'a, T>,
    o: usize,
    t0: usize,
    len: usize,
}

impl<'a, T: Scalar> RowWindow<'a, T> {
    /// Input row `g` (global index along the axis), restricted to the current element range.
    ///
    /// # Panics
    /// If row `g` is neither in the block nor in its halo (a stencil whose [`LaneStencil::window`]
    /// under-reports its reach).
    #[inline]
    pub fn row(&self, g: usize) -> &'a [T] {
        let b = self.b;
        let (buf, rows, li) = if g >= b.start && g < b.start + b.m {
            (b.x, b.m, g - b.start)
        } else if g < b.start {
            let first = b.start - b.nb;
            assert!(g >= first, "row {g} is not in the halo (starts at {first})");
            (b.before, b.nb, g - first)
        } else {
            let li = g - b.start - b.m;
            assert!(li < b.na, "row {g} is beyond the halo");
            (b.after, b.na, li)
        };
        let s = (self.o * rows + li) * b.inner + self.t0;
        &buf[s..s + self.len]
    }
    /// Input row `g` if it is in the block or its halo.
    #[inline]
    pub fn try_row(&self, g: usize) -> Option<&'a [T]> {
        let b = self.b;
        if g + b.nb < b.start || g >= b.start + b.m + b.na {
            None
        } else {
            Some(self.row(g))
        }
    }
    /// Number of elements per row in this window.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether the window has no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Where an interior formula reads its input rows: `tap(d, len)` is the input row `d` rows away from
/// the output row (negative: before), restricted to the `len` elements being computed.
pub trait Taps<T> {
    /// The input row at row offset `d`, `len` elements.
    fn tap(&self, d: isize, len: usize) -> &[T];
}

/// Input rows of one contiguous buffer: row offset `d` starts at element `p0 + d * stride`.
#[derive(Clone, Copy, Debug)]
pub struct Strided<'a, T> {
    /// The buffer.
    pub x: &'a [T],
    /// Flat index of the first element of the output run.
    pub p0: usize,
    /// Elements between consecutive rows.
    pub stride: usize,
}

impl<T> Taps<T> for Strided<'_, T> {
    #[inline(always)]
    fn tap(&self, d: isize, len: usize) -> &[T] {
        let s = (self.p0 as isize + d * self.stride as isize) as usize;
        &self.x[s..s + len]
    }
}

/// Input rows around global output row `i`, from the block or its halo slabs.
pub struct WindowTaps<'w, 'a, T> {
    /// The window (block, halo, element range).
    pub w: &'w RowWindow<'a, T>,
    /// Global index of the output row.
    pub i: usize,
}

impl<T: Scalar> Taps<T> for WindowTaps<'_, '_, T> {
    #[inline]
    fn tap(&self, d: isize, len: usize) -> &[T] {
        &self.w.row((self.i as isize + d) as usize)[..len]
    }
}

/// Receives an interior formula as a point function: `f` maps the values of the input rows at row
/// offsets `offs` (of one element) to the output before its final division (see
/// [`LaneStencil::visit_point`]).
pub trait PointVisitor<T> {
    /// The result.
    type Out;
    /// Called with the formula.
    fn visit<const K: usize, F: Fn([T; K]) -> T + Copy>(self, offs: [isize; K], f: F) -> Self::Out;
}

/// The visitor that runs a formula over a run of elements: [`run_taps_div`] with divisor `s`.
pub struct RunTaps<'s, 'y, T, S, P> {
    /// Source of the input rows.
    pub src: &'s S,
    /// The output run.
    pub y: &'y mut [T],
    /// How values are stored.
    pub put: P,
    /// The divisor of the formula's last operation.
    pub s: T,
}

impl<T: Scalar, S: Taps<T>, P: Put<T>> PointVisitor<T> for RunTaps<'_, '_, T, S, P> {
    type Out = ();
    #[inline(always)]
    fn visit<const K: usize, F: Fn([T; K]) -> T + Copy>(self, offs: [isize; K], f: F) {
        run_taps_div(self.src, offs, self.y, self.put, self.s, f)
    }
}

/// An axis-aligned stencil written as a row gather (see the module docs).
///
/// An implementation gives the scalar formula of every row ([`LaneStencil::value`], straight from the
/// reference's definition, edge rows included) and a fast formula for the interior rows
/// ([`LaneStencil::run`]); the driver uses the second wherever it applies and the first elsewhere.
pub trait LaneStencil<T: Scalar>: Sync {
    /// `(before, after)` rows read by the interior formula.
    fn reach(&self) -> (usize, usize);
    /// Global rows (of an axis of length `n`) computed by the interior formula.
    fn interior(&self, n: usize) -> Range<usize>;
    /// Interior formula over a contiguous run: for `q in 0..y.len()`, with `p = p0 + q`, computes
    /// output `p` from `x[p - before*stride ..= p + after*stride]` and stores it with `put`.
    ///
    /// The default runs the point formula of [`LaneStencil::visit_point`] (divided by
    /// [`LaneStencil::divisor`]) over the run; a stencil without a point formula must override it.
    ///
    /// # Panics
    /// In the default, if the stencil has no point formula (an implementation error, never a
    /// matter of the data).
    #[inline(always)]
    fn run<P: Put<T>>(&self, x: &[T], p0: usize, stride: usize, y: &mut [T], put: P) {
        let src = Strided { x, p0, stride };
        let s = self.divisor();
        let ran = self.visit_point(RunTaps {
            src: &src,
            y,
            put,
            s,
        });
        assert!(
            ran.is_some(),
            "a LaneStencil without a point formula (visit_point) must implement run"
        );
    }
    /// The value of output row `i` of a lane of length `n`, reading input row `g` through `x(g)`.
    /// Rows read must lie within [`LaneStencil::window`] and within `RADIUS` of `i`.
    fn value(&self, i: usize, n: usize, x: impl Fn(usize) -> T) -> T;

    /// Inclusive range of global input rows that output row `i` may read (a superset is fine: it only
    /// sizes halos). Defaults to the interior reach, clamped to the lane.
    fn window(&self, i: usize, n: usize) -> Option<(usize, usize)> {
        if n == 0 {
            return None;
        }
        let (b, a) = self.reach();
        Some((i.saturating_sub(b), (i + a).min(n - 1)))
    }

    /// Any row `i` (global) of an axis of length `n`, for the elements of the window `w`: the
    /// per-element formula [`LaneStencil::value`], reading the rows of [`LaneStencil::window`].
    fn row<P: Put<T>>(&self, i: usize, n: usize, w: &RowWindow<'_, T>, y: &mut [T], put: P) {
        const W: usize = 2 * RADIUS + 1;
        let Some((lo, hi)) = self.window(i, n) else {
            return;
        };
        let lo = lo.max(i.saturating_sub(RADIUS));
        let hi = hi.min(i + RADIUS).min(n - 1);
        let mut rows: [&[T]; W] = [&[]; W];
        for g in lo..=hi {
            if let Some(r) = w.try_row(g) {
                rows[g - lo] = r;
            }
        }
        for (q, yq) in y.iter_mut().enumerate() {
            let v = self.value(i, n, |g| match rows.get(g.wrapping_sub(lo)) {
                Some(r) if !r.is_empty() => r[q],
                _ => panic!("stencil reads row {g} outside its window (row {i})"),
            });
            put.put(yq, v);
        }
    }

    /// A row `i` of the global interior ([`LaneStencil::interior`]) whose input rows are not all in
    /// the block (some are in the halo): the interior formula of [`LaneStencil::run`] with its rows
    /// taken through `w`. The default runs the point formula of [`LaneStencil::visit_point`] over
    /// [`WindowTaps`], or [`LaneStencil::row`] for a stencil without one.
    fn run_row<P: Put<T>>(&self, i: usize, n: usize, w: &RowWindow<'_, T>, y: &mut [T], put: P) {
        if self.visit_point(Probe).is_none() {
            return self.row(i, n, w, y, put);
        }
        let s = self.divisor();
        self.visit_point(RunTaps {
            src: &WindowTaps { w, i },
            y,
            put,
            s,
        });
    }

    /// The interior formula as a point function, for fused passes that sum several stencils point
    /// by point ([`apply_fused_block`]): calls `v.visit(offs, f)` where output `p` of the interior
    /// formula is `f([x[p + offs[0] * stride], ...]).np_div(self.divisor())` and returns its result.
    /// The default, `None`, makes fused passes run this stencil term by term instead.
    fn visit_point<V: PointVisitor<T>>(&self, v: V) -> Option<V::Out> {
        let _ = v;
        None
    }

    /// The divisor of the interior formula's last operation (see [`LaneStencil::visit_point`]).
    fn divisor(&self) -> T {
        T::one()
    }

    /// Whether `other`'s [`LaneStencil::visit_point`] gives the same offsets and function as this
    /// one's (they may differ in [`LaneStencil::divisor`]), so a fused pass can evaluate both with it.
    fn same_point(&self, other: &Self) -> bool {
        let _ = other;
        false
    }

    /// Halo `(before, after)` that a block covering global rows `[start, end)` needs.
    fn block_depth(&self, start: usize, end: usize, n: usize) -> (usize, usize) {
        const NEAR: usize = 8;
        let mut before = 0;
        let mut after = 0;
        for i in start..end.min(start + NEAR) {
            if let Some((lo, hi)) = self.window(i, n) {
                before = before.max(start.saturating_sub(lo));
                after = after.max((hi + 1).saturating_sub(end));
            }
        }
        for i in end.saturating_sub(NEAR).max(start)..end {
            if let Some((lo, hi)) = self.window(i, n) {
                before = before.max(start.saturating_sub(lo));
                after = after.max((hi + 1).saturating_sub(end));
            }
        }
        (before.min(start), after.min(n - end))
    }
}

/// The largest distance between an output row and an input row it reads, over all stencils.
pub const RADIUS: usize = 4;

/// One block's input seen along the stencil axis, with its halo slabs.
#[derive(Clone, Copy, Debug)]
pub struct AxisBlock<'a, T> {
    /// Block data (C order).
    pub x: &'a [T],
    /// Rows before the block, `(outer, nb, inner)` in C order.
    pub before: &'a [T],
    /// Rows after the block, `(outer, na, inner)` in C order.
    pub after: &'a [T],
    /// Number of rows in `before`.
    pub nb: usize,
    /// Number of rows in `after`.
    pub na: usize,
    /// Product of the block's lengths before the axis.
    pub outer: usize,
    /// Block length along the axis.
    pub m: usize,
    /// Product of the block's lengths after the axis.
    pub inner: usize,
    /// Global index of the block's first row along the axis.
    pub start: usize,
    /// Global length of the axis.
    pub n: usize,
}

impl<'a, T: Scalar> AxisBlock<'a, T> {
    /// A block of shape `shape` with data `x`, seen along `axis`, starting at global row `start` of an
    /// axis of global length `n`, without halo.
    pub fn new(x: &'a [T], shape: &[usize], axis: usize, start: usize, n: usize) -> Self {
        let outer = shape[..axis].iter().product();
        let inner = shape[axis + 1..].iter().product();
        Self {
            x,
            before: &[],
            after: &[],
            nb: 0,
            na: 0,
            outer,
            m: shape[axis],
            inner,
            start,
            n,
        }
    }
    /// The same block with halo slabs.
    pub fn with_halo(mut self, h: &'a BlockHalo<T>, axis: usize) -> Self {
        self.nb = h.before.shape()[axis];
        self.na = h.after.shape()[axis];
        self.before = h.before.as_slice().expect("halo slabs are standard layout");
        self.after = h.after.as_slice().expect("halo slabs are standard layout");
        self
    }
    /// Number of elements in the block.
    pub fn len(&self) -> usize {
        self.outer * self.m * self.inner
    }
    /// Whether the block is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Elements per rayon task.
pub const TASK: usize = 1 << 15;

/// Local rows `[fl, fh)` of the block that the interior formula can compute without the halo.
fn fast_rows<T: Scalar, S: LaneStencil<T>>(st: &S, b: &AxisBlock<'_, T>) -> (usize, usize) {
    let (rb, ra) = st.reach();
    let int = st.interior(b.n);
    let lo = int.start.max(b.start + rb);
    let hi = int.end.min((b.start + b.m).saturating_sub(ra));
    if hi <= lo {
        return (0, 0);
    }
    (lo - b.start, hi - b.start)
}

/// Computes the block's output elements `p0 .. p0 + y.len()` (flat, C order) into `y`.
///
/// Uses the AVX2 build of the driver when the CPU has AVX2 (same results, see the module docs).
#[inline]
pub fn apply_range<T: Scalar, S: LaneStencil<T>, P: Put<T>>(
    st: &S,
    b: &AxisBlock<'_, T>,
    p0: usize,
    y: &mut [T],
    put: P,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { apply_range_avx2(st, b, p0, y, put) };
            return;
        }
    }
    apply_range_generic(st, b, p0, y, put)
}

/// [`apply_range`] compiled with AVX2 enabled.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn apply_range_avx2<T: Scalar, S: LaneStencil<T>, P: Put<T>>(
    st: &S,
    b: &AxisBlock<'_, T>,
    p0: usize,
    y: &mut [T],
    put: P,
) {
    apply_range_generic(st, b, p0, y, put)
}

/// The driver of [`apply_range`]: walks the range row by row (no division per row), running the
/// interior formula over maximal runs of rows inside the block, [`LaneStencil::run_row`] on interior
/// rows that read the halo and [`LaneStencil::row`] on the rows at the global ends.
#[inline(always)]
fn apply_range_generic<T: Scalar, S: LaneStencil<T>, P: Put<T>>(
    st: &S,
    b: &AxisBlock<'_, T>,
    p0: usize,
    y: &mut [T],
    put: P,
) {
    let len = y.len();
    if len == 0 {
        return;
    }
    let (inner, m, n) = (b.inner, b.m, b.n);
    let (fl, fh) = fast_rows(st, b);
    // Local rows of the global interior.
    let int = st.interior(n);
    let il0 = int.start.clamp(b.start, b.start + m) - b.start;
    let il1 = (int.end.clamp(b.start, b.start + m) - b.start).max(il0);
    let r0 = p0 / inner;
    let mut t = p0 - r0 * inner;
    let mut o = r0 / m;
    let mut il = r0 - o * m;
    let mut q = 0;
    while q < len {
        if il >= fl && il < fh {
            let end = len.min(q + (fh - il) * inner - t);
            st.run(b.x, p0 + q, inner, &mut y[q..end], put);
            q = end;
            il = fh;
            t = 0;
        } else {
            let seg = (inner - t).min(len - q);
            let w = RowWindow {
                b,
                o,
                t0: t,
                len: seg,
            };
            let yr = &mut y[q..q + seg];
            let i = b.start + il;
            if il >= il0 && il < il1 {
                st.run_row(i, n, &w, yr, put);
            } else {
                match st.window(i, n) {
                    // An edge row whose rows are all in the block (always, unless the block is
                    // thinner than the stencil): the per-element formula reading the block directly.
                    // One element (last-axis lanes): the formula reading the block directly.
                    Some((lo, hi)) if seg == 1 && lo >= b.start && hi < b.start + m => {
                        let base = (o * m * inner + t) as isize - (b.start * inner) as isize;
                        let v = st.value(i, n, |g| b.x[(base + (g * inner) as isize) as usize]);
                        put.put(&mut yr[0], v);
                    }
                    Some((lo, hi)) if lo >= b.start && hi < b.start + m => edge_row(
                        st,
                        i,
                        n,
                        b.x,
                        o * m + lo - b.start,
                        lo,
                        hi,
                        inner,
                        t,
                        yr,
                        put,
                    ),
                    _ => st.row(i, n, &w, yr, put),
                }
            }
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

/// An edge row `i` whose input rows `lo..=hi` are all in the block: [`LaneStencil::value`] for every
/// element, reading `x` directly. Row `lo` starts at flat index `r_lo * inner`, the row segment at
/// element `t` of its rows. Written so that the compiler can hoist the formula's row-dependent
/// branches out of the loop and vectorise it (long edge rows: the end planes of outer axes): the rows
/// read are clamped to `lo..=hi` (a stencil reading outside its window gets a wrong row, never an
/// out-of-bounds read) and bounds are checked once for the whole segment.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn edge_row<T: Scalar, S: LaneStencil<T>, P: Put<T>>(
    st: &S,
    i: usize,
    n: usize,
    x: &[T],
    r_lo: usize,
    lo: usize,
    hi: usize,
    inner: usize,
    t: usize,
    y: &mut [T],
    put: P,
) {
    let len = y.len();
    let first = r_lo * inner + t;
    let last = first + (hi - lo) * inner + len;
    let x = &x[first..last];
    for (q, yq) in y.iter_mut().enumerate() {
        let v = st.value(i, n, |g| {
            let k = (g.clamp(lo, hi) - lo) * inner + q;
            // SAFETY: k <= (hi - lo) * inner + len - 1 < x.len() (checked by the slicing above).
            unsafe { *x.get_unchecked(k) }
        });
        put.put(yq, v);
    }
}

/// Computes the whole block's output into `y` (length `b.len()`), in parallel over tasks.
pub fn apply_block<T: Scalar, S: LaneStencil<T>, P: Put<T>>(
    st: &S,
    b: &AxisBlock<'_, T>,
    y: &mut [T],
    put: P,
) {
    use rayon::prelude::*;
    debug_assert_eq!(y.len(), b.len());
    if y.len() <= TASK {
        apply_range(st, b, 0, y, put);
    } else {
        y.par_chunks_mut(TASK)
            .enumerate()
            .for_each(|(k, yc)| apply_range(st, b, k * TASK, yc, put));
    }
}

/// Global start along `axis` of block `k` (linear index) of `grid`, without allocating.
fn block_start(grid: &crate::ChunkGrid, k: usize, axis: usize) -> usize {
    let after: usize = (axis + 1..grid.ndim())
        .map(|a| grid.nblocks_along(a))
        .product();
    grid.offsets(axis)[(k / after) % grid.nblocks_along(axis)]
}

/// Applies `st` along `axis` to a whole chunked array: halo gathered only if the array is chunked
/// along `axis`, then every block computed in parallel.
pub fn apply_chunked<T: Scalar, S: LaneStencil<T>, P: Put<T>>(
    st: &S,
    axis: usize,
    x: &crate::ChunkedArray<T>,
    y: &mut crate::ChunkedArray<T>,
    put: P,
) -> crate::Result<()> {
    use rayon::prelude::*;
    x.check_same_grid(y, "stencil output")?;
    let grid = x.grid();
    let n = grid.shape()[axis];
    let borrow = grid.is_chunked_along(axis) && halos_borrowable(st, grid, axis);
    let halos = if grid.is_chunked_along(axis) && !borrow {
        Some(crate::halo::gather_halos(x, axis, |s, e, n| {
            st.block_depth(s, e, n)
        })?)
    } else {
        None
    };
    let xs = x.blocks();
    let after: usize = (axis + 1..grid.ndim())
        .map(|a| grid.nblocks_along(a))
        .product();
    y.blocks_mut()
        .par_iter_mut()
        .enumerate()
        .for_each(|(k, yb)| {
            let start = block_start(grid, k, axis);
            let xb = xs[k].as_slice().expect("standard layout");
            let mut ab = AxisBlock::new(xb, xs[k].shape(), axis, start, n);
            if let Some(h) = &halos {
                ab = ab.with_halo(&h.blocks[k], axis);
            } else if borrow {
                // The rows the block needs are the last rows of the previous block and the first
                // rows of the next one, contiguous in their data: borrowed, not copied.
                let (nb, na) = st.block_depth(start, start + ab.m, n);
                if nb > 0 {
                    let prev = xs[k - after].as_slice().expect("standard layout");
                    ab.before = &prev[prev.len() - nb * ab.inner..];
                    ab.nb = nb;
                }
                if na > 0 {
                    let next = xs[k + after].as_slice().expect("standard layout");
                    ab.after = &next[..na * ab.inner];
                    ab.na = na;
                }
            }
            apply_block(st, &ab, yb.as_slice_mut().expect("standard layout"), put);
        });
    Ok(())
}

/// Whether every block's halo along `axis` can be borrowed from its neighbours' data instead of
/// gathered: the blocks have a single row of `(outer, m, inner)` (every axis before `axis` has
/// length one), so a neighbour's rows along `axis` are contiguous, and each neighbour holds all the
/// rows asked for.
fn halos_borrowable<T: Scalar, S: LaneStencil<T>>(
    st: &S,
    grid: &crate::ChunkGrid,
    axis: usize,
) -> bool {
    if grid.shape()[..axis].iter().any(|&d| d != 1) {
        return false;
    }
    let o = grid.offsets(axis);
    let n = grid.shape()[axis];
    let nb = grid.nblocks_along(axis);
    (0..nb).all(|b| {
        let (db, da) = st.block_depth(o[b], o[b + 1], n);
        (db == 0 || (b > 0 && o[b] - o[b - 1] >= db))
            && (da == 0 || (b + 1 < nb && o[b + 2] - o[b + 1] >= da))
    })
}

/// Calls a generic function with a concrete stencil type (see [`StencilOp::visit_stencil`]).
pub trait StencilVisitor<T: Scalar> {
    /// The result.
    type Output;
    /// Called with the concrete stencil.
    fn visit<S: LaneStencil<T>>(self, s: &S) -> Self::Output;
}

/// An operator that is one axis-aligned stencil (FirstDerivative, SecondDerivative): it exposes its
/// forward and adjoint row gathers so that any driver — chunked arrays here, MPI ranks in
/// `rylops-mpi`, fused sums in Laplacian and Gradient — can run the same kernels.
pub trait StencilOp<T: Scalar>: Sync {
    /// The stencil type (one per operator configuration family).
    type Stencil: LaneStencil<T>;
    /// The (non-negative) axis the stencil acts along.
    fn axis(&self) -> usize;
    /// The forward (`adjoint = false`) or adjoint row gather.
    fn stencil(&self, adjoint: bool) -> Self::Stencil;
}

/// One term of a fused sum of stencils over the same output: `y (+)= w * S(x_term)`.
pub struct FusedTerm<'a, T, S> {
    /// The stencil.
    pub stencil: &'a S,
    /// Its input block seen along the stencil's axis (with halo if chunked along it).
    pub block: AxisBlock<'a, T>,
    /// Optional weight (`None`: no multiplication at all).
    pub weight: Option<T>,
}

/// Elements per tile of a fused pass: small enough that the output tile stays in L1/L2 while every
/// term is accumulated into it, so memory sees a single pass.
pub const TILE: usize = 1 << 12;

/// `y = t0 + t1 + ...` evaluated left to right for every element (pylops' sum order), tile by tile:
/// the output is written once per tile while it is in cache.
///
/// Where every term's interior formula applies (the bulk of the block) and the terms share one point
/// formula ([`LaneStencil::same_point`], e.g. the second derivatives of a Laplacian), real-valued sums
/// of up to [`MAX_POINT_TERMS`] terms are evaluated point by point in one loop (every input value is
/// loaded once, the output written once); elsewhere, and for complex types, the terms are computed
/// one after the other over the tile. Both give the same bits: the same operations in the same
/// order.
pub fn apply_fused_block<T: Scalar, S: LaneStencil<T>>(terms: &[FusedTerm<'_, T, S>], y: &mut [T]) {
    use rayon::prelude::*;
    let Some(t0) = terms.first() else {
        return;
    };
    let pointwise = !T::IS_COMPLEX
        && terms.len() <= MAX_POINT_TERMS
        && terms.iter().all(|t| t.stencil.same_point(t0.stencil))
        && t0.stencil.visit_point(Probe).is_some();
    let tile = |p0: usize, yt: &mut [T]| {
        if pointwise {
            fused_tile(terms, p0, yt)
        } else {
            terms_range(terms, p0, yt)
        }
    };
    if y.len() <= TILE {
        tile(0, y);
    } else {
        y.par_chunks_mut(TILE)
            .enumerate()
            .for_each(|(k, yt)| tile(k * TILE, yt));
    }
}

/// Largest number of terms [`apply_fused_block`] sums point by point.
pub const MAX_POINT_TERMS: usize = 4;

/// A visitor that only tells whether a stencil has a point formula.
struct Probe;
impl<T> PointVisitor<T> for Probe {
    type Out = ();
    fn visit<const K: usize, F: Fn([T; K]) -> T + Copy>(self, _: [isize; K], _: F) {}
}

/// Evaluates `$body` with `$put` bound to the store of one term of a sum `y = w0 S0 x + w1 S1 x + ...`:
/// the first term sets, later ones add, each scaled by its weight (`None`: a weight of exactly one,
/// which multiplies nothing). One arm per store type, so every arm is compiled for its own `Put`.
macro_rules! with_put {
    ($first:expr, $weight:expr, |$put:ident| $body:expr) => {
        match ($first, $weight) {
            (true, None) => {
                let $put = Set;
                $body
            }
            (true, Some(w)) => {
                let $put = SetScaled(w);
                $body
            }
            (false, None) => {
                let $put = Add;
                $body
            }
            (false, Some(w)) => {
                let $put = AddScaled(w);
                $body
            }
        }
    };
}

/// Every term over the elements `p0 .. p0 + y.len()`, one after the other.
fn terms_range<T: Scalar, S: LaneStencil<T>>(
    terms: &[FusedTerm<'_, T, S>],
    p0: usize,
    y: &mut [T],
) {
    for (k, t) in terms.iter().enumerate() {
        // A weight of exactly one multiplies nothing (bit for bit, see `is_exact_one`).
        let weight = t.weight.filter(|&w| !is_exact_one(w));
        with_put!(k == 0, weight, |put| apply_range(
            t.stencil, &t.block, p0, y, put
        ))
    }
}

/// One tile of a point-by-point fused sum (see [`apply_fused_block`]).
fn fused_tile<T: Scalar, S: LaneStencil<T>>(terms: &[FusedTerm<'_, T, S>], p0: usize, y: &mut [T]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { fused_tile_avx2(terms, p0, y) };
            return;
        }
    }
    fused_tile_generic(terms, p0, y)
}

/// [`fused_tile`] compiled with AVX2 enabled.
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn fused_tile_avx2<T: Scalar, S: LaneStencil<T>>(
    terms: &[FusedTerm<'_, T, S>],
    p0: usize,
    y: &mut [T],
) {
    fused_tile_generic(terms, p0, y)
}

/// Splits the tile into pieces where every term keeps its status (interior formula inside the block,
/// or not): all-interior pieces are summed point by point, the others term by term.
#[inline(always)]
fn fused_tile_generic<T: Scalar, S: LaneStencil<T>>(
    terms: &[FusedTerm<'_, T, S>],
    p0: usize,
    y: &mut [T],
) {
    let nt = terms.len();
    let mut fast = [(0usize, 0usize); MAX_POINT_TERMS];
    for (f, t) in fast.iter_mut().zip(terms) {
        *f = fast_rows(t.stencil, &t.block);
    }
    let mut ints = [(0usize, 0usize); MAX_POINT_TERMS];
    for (r, t) in ints.iter_mut().zip(terms) {
        *r = local_interior(t.stencil, &t.block);
    }
    // Per term: whether its interior formula applies at the current position, and the flat position
    // where that changes (recomputed, with divisions, only when reached).
    let status = |k: usize, p: usize| -> (bool, usize) {
        let t = &terms[k];
        let (fl, fh) = fast[k];
        let (inner, m) = (t.block.inner, t.block.m);
        let r = p / inner;
        let o = r / m;
        let il = r - o * m;
        if il >= fl && il < fh {
            (true, (o * m + fh) * inner)
        } else if fl >= fh {
            (false, usize::MAX)
        } else if il < fl {
            (false, (o * m + fl) * inner)
        } else {
            (false, ((o + 1) * m + fl) * inner)
        }
    };
    let mut st = [(false, 0usize); MAX_POINT_TERMS];
    for (k, s) in st[..nt].iter_mut().enumerate() {
        *s = status(k, p0);
    }
    let gaps = lane_gaps(terms, &fast[..nt]);
    let len = y.len();
    let mut q = 0;
    while q < len {
        let p = p0 + q;
        if let Some(g) = &gaps {
            if let Some(end) = g.merged_end(&st[..nt], p0 + len) {
                merged_range(terms, g, &st[..nt], &ints[..nt], p, &mut y[q..end - p0]);
                q = end - p0;
                if q < len {
                    for (k, s) in st[..nt].iter_mut().enumerate() {
                        *s = status(k, end);
                    }
                }
                continue;
            }
        }
        let all = st[..nt].iter().all(|s| s.0);
        let next = st[..nt].iter().map(|s| s.1).min().unwrap_or(usize::MAX);
        let piece = (len - q).min(next - p);
        let yp = &mut y[q..q + piece];
        if all {
            terms[0].stencil.visit_point(PointSum { terms, p, y: yp });
        } else if piece > SMALL_PIECE || !small_piece(terms, &st[..nt], &ints[..nt], p, yp) {
            terms_range(terms, p, yp);
        }
        q += piece;
        for (k, s) in st[..nt].iter_mut().enumerate() {
            if s.1 == p + piece && q < len {
                *s = status(k, p + piece);
            }
        }
    }
}

/// The terms of a fused pass whose interior formula stops for a few elements at every lane (the
/// last axis, typically: the first and last elements of each lane are edge rows), all with the same
/// pattern, so that a pass can run their interior formula straight across those short gaps and
/// recompute the elements of the gaps afterwards.
struct LaneGaps {
    /// Which terms have the pattern.
    on: [bool; MAX_POINT_TERMS],
    /// Flat elements per period of the pattern (`m * inner` of those terms).
    period: usize,
    /// Elements of a gap (`(m - (fh - fl)) * inner`), at most [`SMALL_PIECE`].
    gap: usize,
}

/// The [`LaneGaps`] of the terms (the pattern of the first term with short gaps), if any.
fn lane_gaps<T: Scalar, S: LaneStencil<T>>(
    terms: &[FusedTerm<'_, T, S>],
    fast: &[(usize, usize)],
) -> Option<LaneGaps> {
    let key = |k: usize| {
        let b = &terms[k].block;
        let (fl, fh) = fast[k];
        let gap = (b.m - (fh - fl)) * b.inner;
        (fl < fh && gap > 0 && gap <= SMALL_PIECE).then_some((b.inner, b.m, fl, fh))
    };
    let k0 = (0..terms.len()).find(|&k| key(k).is_some())?;
    let (inner, m, fl, fh) = key(k0)?;
    let mut on = [false; MAX_POINT_TERMS];
    for (k, o) in on.iter_mut().enumerate().take(terms.len()) {
        *o = key(k) == Some((inner, m, fl, fh));
    }
    Some(LaneGaps {
        on,
        period: m * inner,
        gap: (m - (fh - fl)) * inner,
    })
}

impl LaneGaps {
    /// If the gap terms' interior formula applies at the current position (their status in `st`) and the range from `p`
    /// from there to the next change of another term (or `limit`) holds at least one whole gap followed by
    /// interior elements, the end of that range cut after the last of those interior runs: the gap
    /// terms are interior at the current position and at `end - 1`, and every other term keeps its status throughout.
    #[inline]
    fn merged_end(&self, st: &[(bool, usize)], limit: usize) -> Option<usize> {
        let mut g = None;
        let mut e = limit;
        for (k, s) in st.iter().enumerate() {
            if self.on[k] {
                g = Some(*s);
            } else {
                e = e.min(s.1);
            }
        }
        let (fast, c) = g?;
        // `c`: where the current interior run of the gap terms ends (its first gap).
        if !fast || c + self.gap >= e {
            return None;
        }
        let run = self.period - self.gap;
        // The last interior run starting before `e`, and where it ends (cut at `e`).
        let j = (e - (c + self.gap) - 1) / self.period;
        Some((c + self.gap + j * self.period + run).min(e))
    }
}

/// A range found by [`LaneGaps::merged_end`]: the sum over `p .. p + y.len()` with the gap terms'
/// interior formula run straight across their gaps (giving wrong values there, read from the
/// neighbouring lanes), then every element of every gap recomputed exactly, as a short piece.
#[inline(always)]
fn merged_range<T: Scalar, S: LaneStencil<T>>(
    terms: &[FusedTerm<'_, T, S>],
    g: &LaneGaps,
    st: &[(bool, usize)],
    ints: &[(usize, usize)],
    p: usize,
    y: &mut [T],
) {
    let nt = terms.len();
    let gapped = |k: usize| g.on[k];
    if (0..nt).all(|k| gapped(k) || st[k].0) {
        terms[0].stencil.visit_point(PointSum { terms, p, y });
    } else {
        for (k, t) in terms.iter().enumerate() {
            let weight = t.weight.filter(|&w| !is_exact_one(w));
            let b = &t.block;
            if gapped(k) {
                with_put!(k == 0, weight, |put| t.stencil.run(b.x, p, b.inner, y, put))
            } else {
                with_put!(k == 0, weight, |put| apply_range(t.stencil, b, p, y, put))
            }
        }
    }
    // The gaps: the gap terms are on edge rows there, the others keep their status.
    let k0 = (0..nt).find(|&k| gapped(k)).unwrap_or(0);
    let c0 = st[k0].1;
    let end = p + y.len();
    let ngaps = if c0 + g.gap < end {
        (end - c0 - g.gap - 1) / g.period + 1
    } else {
        0
    };
    if ngaps == 0 || gap_columns(terms, g, st, ints, c0, ngaps, p, y) {
        return;
    }
    let mut sg = [(false, 0usize); MAX_POINT_TERMS];
    for (k, s) in sg[..nt].iter_mut().enumerate() {
        *s = (!gapped(k) && st[k].0, 0);
    }
    for j in 0..ngaps {
        let c = c0 + j * g.period;
        let yg = &mut y[c - p..c - p + g.gap];
        if !small_piece(terms, &sg[..nt], ints, c, yg) {
            terms_range(terms, c, yg);
        }
    }
}

/// The `ngaps` gaps of a merged range (the first at flat index `c0`, then every `g.period`; `y` starts
/// at flat index `p`) when every other term is interior there: term by term, and for each element of
/// a gap across all the gaps, so that each loop runs one formula (the gap terms' edge row through
/// [`LaneStencil::value`], the others' interior point formula) with its branches hoisted. The sum is
/// accumulated in `y` in the terms' order, with the operations of [`small_piece`]. Returns `false`,
/// having written nothing, if a term is not interior there or a gap row needs the halo.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn gap_columns<T: Scalar, S: LaneStencil<T>>(
    terms: &[FusedTerm<'_, T, S>],
    g: &LaneGaps,
    st: &[(bool, usize)],
    ints: &[(usize, usize)],
    c0: usize,
    ngaps: usize,
    p: usize,
    y: &mut [T],
) -> bool {
    // Row (local, along the gap terms' axis) of element `j` of a gap, and of the gap's first element.
    let row = |b: &AxisBlock<'_, T>, first: usize, j: usize| (first + j / b.inner) % b.m;
    for (k, t) in terms.iter().enumerate() {
        if !g.on[k] {
            if !st[k].0 || t.stencil.visit_point(Probe).is_none() {
                return false;
            }
            continue;
        }
        let b = &t.block;
        let first = (c0 / b.inner) % b.m;
        for j in (0..g.gap).step_by(b.inner) {
            let il = row(b, first, j);
            let (il0, il1) = ints[k];
            match t.stencil.window(b.start + il, b.n) {
                Some((lo, hi))
                    if (il < il0 || il >= il1) && lo >= b.start && hi < b.start + b.m => {}
                _ => return false,
            }
        }
    }
    for (k, t) in terms.iter().enumerate() {
        let b = &t.block;
        let weight = t.weight.filter(|&w| !is_exact_one(w));
        let first = (c0 / b.inner) % b.m;
        let s = t.stencil.divisor();
        for j in 0..g.gap {
            if g.on[k] {
                let i = b.start + row(b, first, j);
                for e in (0..ngaps).map(|l| c0 + l * g.period + j) {
                    // Input row `gr` of this lane: `gr - i` rows away from the output element.
                    let base = e as isize - (i * b.inner) as isize;
                    let v = t
                        .stencil
                        .value(i, b.n, |gr| b.x[(base + (gr * b.inner) as isize) as usize]);
                    put_term(k, weight, &mut y[e - p], v);
                }
            }
        }
        if !g.on[k] {
            let cols = GapColumns {
                x: b.x,
                stride: b.inner,
                c0,
                ngaps,
                period: g.period,
                gap: g.gap,
                p,
                y: &mut *y,
                k,
                weight,
                s,
            };
            if t.stencil.visit_point(cols).is_none() {
                return false;
            }
        }
    }
    true
}

/// The visitor that adds an interior term to the elements of every gap ([`gap_columns`]).
struct GapColumns<'a, 'y, T> {
    x: &'a [T],
    stride: usize,
    c0: usize,
    ngaps: usize,
    period: usize,
    gap: usize,
    p: usize,
    y: &'y mut [T],
    k: usize,
    weight: Option<T>,
    s: T,
}

impl<T: Scalar> PointVisitor<T> for GapColumns<'_, '_, T> {
    type Out = ();
    #[inline(always)]
    fn visit<const K: usize, F: Fn([T; K]) -> T + Copy>(self, offs: [isize; K], f: F) {
        for j in 0..self.gap {
            for l in 0..self.ngaps {
                let e = self.c0 + l * self.period + j;
                let v = f(std::array::from_fn(|jj| {
                    self.x[(e as isize + offs[jj] * self.stride as isize) as usize]
                }));
                let v = if is_exact_one(self.s) {
                    v
                } else {
                    v.np_div(self.s)
                };
                put_term(self.k, self.weight, &mut self.y[e - self.p], v);
            }
        }
    }
}

/// Term `k` of a sum accumulated in place, as [`small_piece`] does: `v` times the weight (if any),
/// then `y = v` for the first term, `y = y + v` for the others.
#[inline(always)]
fn put_term<T: Scalar>(k: usize, weight: Option<T>, y: &mut T, v: T) {
    let v = match weight {
        None => v,
        Some(w) => w * v,
    };
    *y = if k == 0 { v } else { *y + v };
}

/// Longest piece [`small_piece`] computes element by element.
const SMALL_PIECE: usize = 16;

/// Local rows `[il0, il1)` of the block in the stencil's global interior.
fn local_interior<T: Scalar, S: LaneStencil<T>>(st: &S, b: &AxisBlock<'_, T>) -> (usize, usize) {
    let int = st.interior(b.n);
    let il0 = int.start.clamp(b.start, b.start + b.m) - b.start;
    let il1 = (int.end.clamp(b.start, b.start + b.m) - b.start).max(il0);
    (il0, il1)
}

/// A short piece of a fused sum where some terms are on edge rows (typically the two ends of a lane
/// along the last axis), element by element: interior terms through their point formula, edge terms
/// through [`LaneStencil::value`] reading the block, summed as [`terms_range`] does (same operations,
/// same order). Returns `false`, leaving `y` to be recomputed, if a term needs its halo.
#[inline(always)]
fn small_piece<T: Scalar, S: LaneStencil<T>>(
    terms: &[FusedTerm<'_, T, S>],
    st: &[(bool, usize)],
    ints: &[(usize, usize)],
    p: usize,
    y: &mut [T],
) -> bool {
    // (outer index, row, element in the row) of `p` for the terms on edge rows, advanced element by
    // element (a term's status is the same over the whole piece).
    let mut at = [(0usize, 0usize, 0usize); MAX_POINT_TERMS];
    for ((a, t), s) in at.iter_mut().zip(terms).zip(st) {
        if !s.0 {
            let (inner, m) = (t.block.inner, t.block.m);
            let r = p / inner;
            *a = (r / m, r % m, p - r * inner);
        }
    }
    for (q, yq) in y.iter_mut().enumerate() {
        let mut acc = T::zero();
        for (k, t) in terms.iter().enumerate() {
            let b = &t.block;
            let v = if st[k].0 {
                let pt = PointAt {
                    x: b.x,
                    p: p + q,
                    stride: b.inner,
                };
                let Some(v) = t.stencil.visit_point(pt) else {
                    return false;
                };
                let s = t.stencil.divisor();
                if is_exact_one(s) {
                    v
                } else {
                    v.np_div(s)
                }
            } else {
                let (o, il, e) = at[k];
                let (il0, il1) = ints[k];
                let i = b.start + il;
                let v = match t.stencil.window(i, b.n) {
                    Some((lo, hi))
                        if (il < il0 || il >= il1) && lo >= b.start && hi < b.start + b.m =>
                    {
                        let base = (o * b.m * b.inner + e) as isize - (b.start * b.inner) as isize;
                        t.stencil
                            .value(i, b.n, |g| b.x[(base + (g * b.inner) as isize) as usize])
                    }
                    _ => return false,
                };
                let a = &mut at[k];
                a.2 += 1;
                if a.2 == b.inner {
                    a.2 = 0;
                    a.1 += 1;
                    if a.1 == b.m {
                        a.1 = 0;
                        a.0 += 1;
                    }
                }
                v
            };
            let v = match t.weight.filter(|&w| !is_exact_one(w)) {
                None => v,
                Some(w) => w * v,
            };
            acc = if k == 0 { v } else { acc + v };
        }
        *yq = acc;
    }
    true
}

/// The visitor that evaluates a point formula at one element `p` of a buffer with row stride `stride`.
struct PointAt<'a, T> {
    x: &'a [T],
    p: usize,
    stride: usize,
}

impl<T: Scalar> PointVisitor<T> for PointAt<'_, T> {
    type Out = T;
    #[inline(always)]
    fn visit<const K: usize, F: Fn([T; K]) -> T + Copy>(self, offs: [isize; K], f: F) -> T {
        f(std::array::from_fn(|j| {
            self.x[(self.p as isize + offs[j] * self.stride as isize) as usize]
        }))
    }
}

/// The visitor that sums the terms' shared point formula over a run where every term's interior
/// formula applies inside its block.
struct PointSum<'a, 't, 'y, T, S> {
    terms: &'a [FusedTerm<'t, T, S>],
    p: usize,
    y: &'y mut [T],
}

impl<T: Scalar, S: LaneStencil<T>> PointVisitor<T> for PointSum<'_, '_, '_, T, S> {
    type Out = ();
    #[inline(always)]
    fn visit<const K: usize, F: Fn([T; K]) -> T + Copy>(self, offs: [isize; K], f: F) {
        match self.terms.len() {
            1 => point_sum::<T, S, F, K, 1>(self.terms, self.p, offs, self.y, f),
            2 => point_sum::<T, S, F, K, 2>(self.terms, self.p, offs, self.y, f),
            3 => point_sum::<T, S, F, K, 3>(self.terms, self.p, offs, self.y, f),
            _ => point_sum::<T, S, F, K, 4>(self.terms, self.p, offs, self.y, f),
        }
    }
}

/// `y[q] = ((w0 * (f(x0) / s0)) + w1 * (f(x1) / s1)) + ...` for the `N` terms (real types only):
/// the sum `terms_range` computes, in the same order. When every divisor and weight is exactly one
/// (or absent) those operations are skipped, as `terms_range` does; otherwise they are all done
/// (a weight or divisor of exactly one then changes no bit, see [`is_exact_one`]).
///
/// When every term reads the same buffer (a Laplacian), the tap at row offset 0 is the same element
/// for all of them: it is then read once per point and shared (`JC` in [`point_sum_loop`]), which
/// also lets the compiler compute what the formula does with it only once.
#[inline(always)]
fn point_sum<T: Scalar, S: LaneStencil<T>, F: Fn([T; K]) -> T, const K: usize, const N: usize>(
    terms: &[FusedTerm<'_, T, S>],
    p: usize,
    offs: [isize; K],
    y: &mut [T],
    f: F,
) {
    let len = y.len();
    let xs: [[&[T]; K]; N] = std::array::from_fn(|k| {
        let b = &terms[k].block;
        std::array::from_fn(|j| {
            let s = (p as isize + offs[j] * b.inner as isize) as usize;
            &b.x[s..s + len]
        })
    });
    let shared = terms[..N]
        .iter()
        .all(|t| std::ptr::eq(t.block.x.as_ptr(), terms[0].block.x.as_ptr()));
    let centre = offs.iter().position(|&d| d == 0).filter(|_| shared);
    match centre {
        Some(0) => point_sum_loop::<T, S, F, K, N, 0>(terms, &xs, y, f),
        Some(1) => point_sum_loop::<T, S, F, K, N, 1>(terms, &xs, y, f),
        Some(2) => point_sum_loop::<T, S, F, K, N, 2>(terms, &xs, y, f),
        Some(3) => point_sum_loop::<T, S, F, K, N, 3>(terms, &xs, y, f),
        _ => point_sum_loop::<T, S, F, K, N, { usize::MAX }>(terms, &xs, y, f),
    }
}

/// The loop of [`point_sum`] over the rows `xs[k][j]` (term `k`, tap `j`). If `JC < K`, tap `JC`
/// of every term is the same element (the caller checked it), read from term 0's row.
#[inline(always)]
fn point_sum_loop<
    T: Scalar,
    S: LaneStencil<T>,
    F: Fn([T; K]) -> T,
    const K: usize,
    const N: usize,
    const JC: usize,
>(
    terms: &[FusedTerm<'_, T, S>],
    xs: &[[&[T]; K]; N],
    y: &mut [T],
    f: F,
) {
    let s: [T; N] = std::array::from_fn(|k| terms[k].stencil.divisor());
    let w: [T; N] = std::array::from_fn(|k| terms[k].weight.unwrap_or_else(T::one));
    let plain = s.iter().chain(&w).all(|&v| is_exact_one(v));
    let at = |k: usize, q: usize| -> [T; K] {
        std::array::from_fn(|j| if j == JC { xs[0][j][q] } else { xs[k][j][q] })
    };
    if plain {
        for (q, yq) in y.iter_mut().enumerate() {
            let mut v = f(at(0, q));
            for k in 1..N {
                v += f(at(k, q));
            }
            *yq = v;
        }
    } else {
        for (q, yq) in y.iter_mut().enumerate() {
            let mut v = w[0] * f(at(0, q)).np_div(s[0]);
            for k in 1..N {
                v += w[k] * f(at(k, q)).np_div(s[k]);
            }
            *yq = v;
        }
    }
}

/// Applies one stencil operator to a chunked array (forward or adjoint), exchanging halos only if the
/// array is chunked along the stencil's axis.
pub fn apply_op_chunked<T: Scalar, O: StencilOp<T>>(
    op: &O,
    adjoint: bool,
    x: &crate::ChunkedArray<T>,
    y: &mut crate::ChunkedArray<T>,
) -> crate::Result<()> {
    apply_chunked(&op.stencil(adjoint), op.axis(), x, y, Set)
}

/// Applies a weighted sum of stencils `y = sum_k w_k S_k(x_k)` to chunked arrays in one fused pass.
///
/// `inputs[k]` is the input of term `k` (the same array for a Laplacian, the slices of a stacked array
/// for a Gradient adjoint); all inputs and the output share one chunk grid. Halos are gathered per term,
/// only along that term's axis and only if the grid is chunked along it.
pub fn apply_fused_chunked<T: Scalar, S: LaneStencil<T>>(
    terms: &[(usize, &S, Option<T>)],
    inputs: &[&crate::ChunkedArray<T>],
    y: &mut crate::ChunkedArray<T>,
) -> crate::Result<()> {
    use rayon::prelude::*;
    assert_eq!(terms.len(), inputs.len(), "one input per term");
    for x in inputs {
        x.check_same_grid(y, "fused stencil output")?;
    }
    let Some(x0) = inputs.first() else {
        return Ok(());
    };
    // The inputs' grid is the output's (checked above); borrowing it leaves `y` free to be written.
    let grid = x0.grid();
    let halo = |(&(axis, st, _), x): (&(usize, &S, Option<T>), &&crate::ChunkedArray<T>)| {
        if grid.is_chunked_along(axis) {
            crate::halo::gather_halos(x, axis, |s, e, n| st.block_depth(s, e, n)).map(Some)
        } else {
            Ok(None)
        }
    };
    let nt = terms.len();
    // Up to MAX_TERMS terms, the per-term bookkeeping lives on the stack (no allocation unless the
    // grid is chunked along a term's axis, for its halo slabs).
    let mut halos_small: [Option<crate::halo::Halos<T>>; MAX_TERMS] = Default::default();
    let halos_vec: Vec<Option<crate::halo::Halos<T>>>;
    let halos: &[Option<crate::halo::Halos<T>>] = if nt <= MAX_TERMS {
        for (h, t) in halos_small.iter_mut().zip(terms.iter().zip(inputs)) {
            *h = halo(t)?;
        }
        &halos_small[..nt]
    } else {
        halos_vec = terms
            .iter()
            .zip(inputs)
            .map(halo)
            .collect::<crate::Result<Vec<_>>>()?;
        &halos_vec
    };
    y.blocks_mut()
        .par_iter_mut()
        .enumerate()
        .for_each(|(k, yb)| {
            let term = |j: usize| {
                let (axis, st, w) = terms[j];
                let xb = &inputs[j].blocks()[k];
                let mut b = AxisBlock::new(
                    xb.as_slice().expect("standard layout"),
                    xb.shape(),
                    axis,
                    block_start(grid, k, axis),
                    grid.shape()[axis],
                );
                if let Some(h) = &halos[j] {
                    b = b.with_halo(&h.blocks[k], axis);
                }
                FusedTerm {
                    stencil: st,
                    block: b,
                    weight: w,
                }
            };
            let ys = yb.as_slice_mut().expect("standard layout");
            with_terms(nt, term, |fused| apply_fused_block(fused, ys));
        });
    Ok(())
}

/// Number of terms of a fused pass whose bookkeeping [`with_terms`] keeps on the stack.
pub const MAX_TERMS: usize = 8;

/// Calls `f` with the slice `[make(0), ..., make(n - 1)]`, built on the stack when `n <= MAX_TERMS`
/// (so a fused pass over a few terms allocates nothing), in a `Vec` otherwise.
pub fn with_terms<X, R>(n: usize, make: impl Fn(usize) -> X, f: impl FnOnce(&[X]) -> R) -> R {
    if n == 0 {
        f(&[])
    } else if n <= MAX_TERMS {
        let a: [X; MAX_TERMS] = std::array::from_fn(|j| make(j.min(n - 1)));
        f(&a[..n])
    } else {
        let v: Vec<X> = (0..n).map(make).collect();
        f(&v)
    }
}

/// `y_k = w_k S_k(x_k)` for every term `k`, each into its own output, tile by tile: the input tiles
/// stay in cache while every term is computed, so memory sees one read of the inputs (when the terms
/// share them, e.g. a Gradient) and one write of every output.
///
/// `y` holds the outputs one after the other: term `k` writes `y[k * len .. (k + 1) * len]` with
/// `len` the length of the terms' blocks (all the same).
pub fn apply_multi_block<T: Scalar, S: LaneStencil<T>>(terms: &[FusedTerm<'_, T, S>], y: &mut [T]) {
    use rayon::prelude::*;
    let Some(t0) = terms.first() else {
        return;
    };
    let len = t0.block.len();
    assert!(
        terms.iter().all(|t| t.block.len() == len),
        "terms of a multi-output pass must have blocks of the same length"
    );
    assert_eq!(y.len(), terms.len() * len, "one output of `len` per term");
    let tile = |p0: usize, k: usize, yt: &mut [T]| {
        let t = &terms[k];
        match t.weight.filter(|&w| !is_exact_one(w)) {
            None => apply_range(t.stencil, &t.block, p0, yt, Set),
            Some(w) => apply_range(t.stencil, &t.block, p0, yt, SetScaled(w)),
        }
    };
    if len <= TILE {
        for (k, yk) in y.chunks_mut(len.max(1)).enumerate() {
            tile(0, k, yk);
        }
        return;
    }
    /// The outputs' base pointer, shared by the tasks: each writes disjoint tiles.
    struct Base<T>(*mut T);
    // SAFETY: only used to build slices of disjoint tiles, one task per tile (see below).
    unsafe impl<T: Send> Sync for Base<T> {}
    unsafe impl<T: Send> Send for Base<T> {}
    impl<T> Base<T> {
        fn get(&self) -> *mut T {
            self.0
        }
    }
    let base = Base(y.as_mut_ptr());
    (0..len.div_ceil(TILE)).into_par_iter().for_each(|j| {
        let p0 = j * TILE;
        let tl = TILE.min(len - p0);
        for k in 0..terms.len() {
            // SAFETY: `k * len + p0 .. + tl` lies inside `y` (k < terms, p0 + tl <= len), and the
            // ranges of distinct `(k, j)` are disjoint, so every task writes its own elements; `y` is
            // borrowed mutably for the whole call.
            let yt = unsafe { std::slice::from_raw_parts_mut(base.get().add(k * len + p0), tl) };
            tile(p0, k, yt);
        }
    });
}

/// Runs `f(y, [x_rows...])` over a contiguous run for a stencil reading the given row offsets:
/// builds one slice per offset so the loop is a plain zip the compiler vectorises.
#[inline(always)]
pub fn run_offsets<T: Scalar, P: Put<T>, const K: usize>(
    x: &[T],
    p0: usize,
    stride: usize,
    offs: [isize; K],
    y: &mut [T],
    put: P,
    f: impl Fn([T; K]) -> T,
) {
    run_taps(&Strided { x, p0, stride }, offs, y, put, f)
}

/// [`run_offsets`] over any source of input rows ([`Taps`]): `y[q] (put)= f([row(offs[0])[q], ...])`.
#[inline(always)]
pub fn run_taps<T: Scalar, P: Put<T>, S: Taps<T>, const K: usize>(
    src: &S,
    offs: [isize; K],
    y: &mut [T],
    put: P,
    f: impl Fn([T; K]) -> T,
) {
    let len = y.len();
    let xs: [&[T]; K] = std::array::from_fn(|k| src.tap(offs[k], len));
    match K {
        1 => {
            for (yq, &a) in y.iter_mut().zip(xs[0]) {
                put.put(yq, f(std::array::from_fn(|_| a)));
            }
        }
        2 => {
            for ((yq, &a), &b) in y.iter_mut().zip(xs[0]).zip(xs[1]) {
                let v = [a, b];
                put.put(yq, f(std::array::from_fn(|k| v[k])));
            }
        }
        3 => {
            for (((yq, &a), &b), &c) in y.iter_mut().zip(xs[0]).zip(xs[1]).zip(xs[2]) {
                let v = [a, b, c];
                put.put(yq, f(std::array::from_fn(|k| v[k])));
            }
        }
        4 => {
            for ((((yq, &a), &b), &c), &d) in
                y.iter_mut().zip(xs[0]).zip(xs[1]).zip(xs[2]).zip(xs[3])
            {
                let v = [a, b, c, d];
                put.put(yq, f(std::array::from_fn(|k| v[k])));
            }
        }
        _ => {
            for (q, yq) in y.iter_mut().enumerate() {
                put.put(yq, f(std::array::from_fn(|k| xs[k][q])));
            }
        }
    }
}

/// Whether `w` is exactly one and `T` real: then `v / w` and `w * v` equal `v` bit for bit for every `v`
/// an arithmetic operation can produce (any number, infinity or quiet NaN), so the operation can be
/// skipped without changing any result. Not for complex types, where numpy's division by `1 + 0i`
/// computes `(re + im * 0) * 1`, which differs from `re` when `im` is infinite.
#[inline(always)]
pub fn is_exact_one<T: Scalar>(w: T) -> bool {
    !T::IS_COMPLEX && w == T::one()
}

/// [`run_taps`] for a formula whose last operation is a division by `s` (numpy's, see
/// [`Scalar::np_div`]): `y[q] (put)= f([rows...][q]).np_div(s)`. The division is skipped when `s` is
/// exactly one on a real type ([`is_exact_one`]); `f` must then be an arithmetic operation (never a
/// bare input value), so that its result is never a signalling NaN.
#[inline(always)]
pub fn run_taps_div<T: Scalar, P: Put<T>, S: Taps<T>, const K: usize>(
    src: &S,
    offs: [isize; K],
    y: &mut [T],
    put: P,
    s: T,
    f: impl Fn([T; K]) -> T,
) {
    if is_exact_one(s) {
        run_taps(src, offs, y, put, f)
    } else if s == T::one() {
        // Complex division by exactly `1 + 0i`: the same bits without the multiplications by one.
        run_taps(src, offs, y, put, |v| f(v).np_div_one())
    } else {
        run_taps(src, offs, y, put, |v| f(v).np_div(s))
    }
}

/// Puts the same value into every element (rows that a stencil sets to a constant).
#[inline]
pub fn row_const<T: Scalar, P: Put<T>>(y: &mut [T], v: T, put: P) {
    for yq in y {
        put.put(yq, v);
    }
}
