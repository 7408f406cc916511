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
    fn run<P: Put<T>>(&self, x: &[T], p0: usize, stride: usize, y: &mut [T], put: P);
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

    /// Any row `i` (global) of an axis of length `n`, for the elements of the window `w`.
    fn row<P: Put<T>>(&self, i: usize, n: usize, w: &RowWindow<'_, T>, y: &mut [T], put: P) {
        let rows: [Option<&[T]>; 2 * RADIUS + 1] = std::array::from_fn(|k| {
            let g = i as isize + k as isize - RADIUS as isize;
            if g < 0 || g as usize >= n {
                None
            } else {
                w.try_row(g as usize)
            }
        });
        for (q, yq) in y.iter_mut().enumerate() {
            let v = self.value(i, n, |g| {
                rows[g + RADIUS - i].expect("stencil reads a row outside its window")[q]
            });
            put.put(yq, v);
        }
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
pub fn apply_fused_block<T: Scalar, S: LaneStencil<T>>(terms: &[FusedTerm<'_, T, S>], y: &mut [T]) {
    use rayon::prelude::*;
    let tile = |p0: usize, yt: &mut [T]| {
        for (k, t) in terms.iter().enumerate() {
            match (k == 0, t.weight) {
                (true, None) => apply_range(t.stencil, &t.block, p0, yt, Set),
                (true, Some(w)) => apply_range(t.stencil, &t.block, p0, yt, SetScaled(w)),
                (false, None) => apply_range(t.stencil, &t.block, p0, yt, Add),
                (false, Some(w)) => apply_range(t.stencil, &t.block, p0, yt, AddScaled(w)),
            }
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
    let grid = y.grid().clone();
    let halos = terms
        .iter()
        .zip(inputs)
        .map(|(&(axis, st, _), x)| {
            if grid.is_chunked_along(axis) {
                crate::halo::gather_halos(x, axis, |s, e, n| st.block_depth(s, e, n)).map(Some)
            } else {
                Ok(None)
            }
        })
        .collect::<crate::Result<Vec<_>>>()?;
    y.blocks_mut()
        .par_iter_mut()
        .enumerate()
        .for_each(|(k, yb)| {
            let id = grid.block_id(k);
            let fused: Vec<FusedTerm<'_, T, S>> = terms
                .iter()
                .zip(inputs)
                .zip(&halos)
                .map(|((&(axis, st, w), x), h)| {
                    let xb = &x.blocks()[k];
                    let start = grid.offsets(axis)[id[axis]];
                    let mut b = AxisBlock::new(
                        xb.as_slice().expect("standard layout"),
                        xb.shape(),
                        axis,
                        start,
                        grid.shape()[axis],
                    );
                    if let Some(h) = h {
                        b = b.with_halo(&h.blocks[k], axis);
                    }
                    FusedTerm {
                        stencil: st,
                        block: b,
                        weight: w,
                    }
                })
                .collect();
            apply_fused_block(&fused, yb.as_slice_mut().expect("standard layout"));
        });
    Ok(())
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
    let len = y.len();
    let xs: [&[T]; K] = std::array::from_fn(|k| {
        let s = (p0 as isize + offs[k] * stride as isize) as usize;
        &x[s..s + len]
    });
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

/// Puts the same value into every element (rows that a stencil sets to a constant).
#[inline]
pub fn row_const<T: Scalar, P: Put<T>>(y: &mut [T], v: T, put: P) {
    for yq in y {
        put.put(yq, v);
    }
}
