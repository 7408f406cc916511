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
//! Because every output element is computed by the same formula from the same values whatever the
//! chunking, results are bit-for-bit identical in every chunking.

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
        *y = *y + v;
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
        *y = *y + self.0 * v;
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
    /// Number of elements per row in this window.
    pub fn len(&self) -> usize {
        self.len
    }
    /// Whether the window has no elements.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// An axis-aligned stencil written as a row gather (see the module docs).
pub trait LaneStencil<T: Scalar>: Sync {
    /// `(before, after)` rows read by the interior formula.
    fn reach(&self) -> (usize, usize);
    /// Global rows (of an axis of length `n`) computed by the interior formula.
    fn interior(&self, n: usize) -> Range<usize>;
    /// Inclusive range of global input rows that output row `i` reads, or `None` if it reads none.
    fn window(&self, i: usize, n: usize) -> Option<(usize, usize)>;
    /// Interior formula over a contiguous run: for `q in 0..y.len()`, with `p = p0 + q`, computes
    /// output `p` from `x[p - before*stride ..= p + after*stride]` and stores it with `put`.
    fn run<P: Put<T>>(&self, x: &[T], p0: usize, stride: usize, y: &mut [T], put: P);
    /// Any row `i` (global) of an axis of length `n`, for the elements of the window `w`.
    fn row<P: Put<T>>(&self, i: usize, n: usize, w: &RowWindow<'_, T>, y: &mut [T], put: P);

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
pub fn apply_range<T: Scalar, S: LaneStencil<T>, P: Put<T>>(
    st: &S,
    b: &AxisBlock<'_, T>,
    p0: usize,
    y: &mut [T],
    put: P,
) {
    let (fl, fh) = fast_rows(st, b);
    let inner = b.inner;
    let m = b.m;
    let p1 = p0 + y.len();
    let mut p = p0;
    while p < p1 {
        let r = p / inner;
        let o = r / m;
        let il = r % m;
        if il >= fl && il < fh {
            let end = p1.min((o * m + fh) * inner);
            st.run(b.x, p, inner, &mut y[p - p0..end - p0], put);
            p = end;
        } else {
            let end = p1.min((r + 1) * inner);
            let w = RowWindow {
                b,
                o,
                t0: p - r * inner,
                len: end - p,
            };
            st.row(b.start + il, b.n, &w, &mut y[p - p0..end - p0], put);
            p = end;
        }
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
    let grid = x.grid().clone();
    let n = grid.shape()[axis];
    let halos = if grid.is_chunked_along(axis) {
        Some(crate::halo::gather_halos(x, axis, |s, e, n| {
            st.block_depth(s, e, n)
        })?)
    } else {
        None
    };
    let xs = x.blocks();
    y.blocks_mut()
        .par_iter_mut()
        .enumerate()
        .for_each(|(k, yb)| {
            let id = grid.block_id(k);
            let start = grid.offsets(axis)[id[axis]];
            let xb = xs[k].as_slice().expect("standard layout");
            let mut ab = AxisBlock::new(xb, xs[k].shape(), axis, start, n);
            if let Some(h) = &halos {
                ab = ab.with_halo(&h.blocks[k], axis);
            }
            apply_block(st, &ab, yb.as_slice_mut().expect("standard layout"), put);
        });
    Ok(())
}
