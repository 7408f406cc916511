//! The kernel interface: how a stencil describes its rows ([`LaneStencil`]), how values are stored
//! ([`Put`]), and how a driver hands it one block and its halo ([`AxisBlock`], [`RowWindow`]).

pub use super::put::{
    put_each, Add, AddScaled, Cached, Overwrite, Put, Set, SetScaled, Stream, StreamExcept, GROUP,
};
use super::taps::{run_taps, run_taps_div};
use crate::halo::BlockHalo;
use crate::scalar::Scalar;
use std::ops::Range;

/// Rows of equal width that lie `stride` elements apart in one output, borrowed mutably: the
/// elements between them are not borrowed (another task may be writing them). A column window of a
/// block walked row by row ([`LaneStencil::run_interior_rows`]).
pub struct RowsMut<'a, T> {
    ptr: *mut T,
    stride: usize,
    width: usize,
    rows: usize,
    _y: std::marker::PhantomData<&'a mut [T]>,
}

impl<'a, T> RowsMut<'a, T> {
    /// The rows `y[r * stride .. r * stride + width]` for `r < rows` of one slice.
    ///
    /// # Panics
    /// If the last row does not fit in `y`, or if `width > stride` with more than one row (rows
    /// would overlap).
    pub fn from_slice(y: &'a mut [T], stride: usize, width: usize, rows: usize) -> Self {
        assert!(
            rows <= 1 || width <= stride,
            "rows of {width} elements {stride} apart overlap"
        );
        if rows > 0 {
            assert!(
                (rows - 1) * stride + width <= y.len(),
                "rows beyond the slice"
            );
        }
        // SAFETY: every row lies in `y` (checked above), rows do not overlap, and `y` stays
        // borrowed mutably for `'a`.
        unsafe { Self::from_raw(y.as_mut_ptr(), stride, width, rows) }
    }

    /// The rows starting at `ptr + r * stride` for `r < rows`.
    ///
    /// # Safety
    /// For `'a`, every row `ptr + r * stride .. + width` must be valid for writes, not overlap
    /// another, and be accessed through nothing else.
    pub unsafe fn from_raw(ptr: *mut T, stride: usize, width: usize, rows: usize) -> Self {
        Self {
            ptr,
            stride,
            width,
            rows,
            _y: std::marker::PhantomData,
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Elements per row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Row `r`.
    ///
    /// # Panics
    /// If `r >= self.rows()`.
    #[inline]
    pub fn row(&mut self, r: usize) -> &mut [T] {
        assert!(r < self.rows, "row {r} of {}", self.rows);
        // SAFETY: row `r` is valid, unaliased and borrowed through `&mut self` (see `from_raw`).
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(r * self.stride), self.width) }
    }

    /// Rows `range` of these rows, borrowed from them.
    ///
    /// # Panics
    /// If the range goes beyond `self.rows()`.
    pub fn sub(&mut self, range: Range<usize>) -> RowsMut<'_, T> {
        assert!(
            range.start <= range.end && range.end <= self.rows,
            "rows out of range"
        );
        // SAFETY: a subset of these rows, borrowed through `&mut self`.
        unsafe {
            RowsMut::from_raw(
                self.ptr.wrapping_add(range.start * self.stride),
                self.stride,
                self.width,
                range.end - range.start,
            )
        }
    }
}

/// Access to input rows by global index for the row path: a row comes from the block or from its
/// halo slabs, restricted to the element range being computed.
pub struct RowWindow<'a, T> {
    pub(crate) b: &'a AxisBlock<'a, T>,
    pub(crate) o: usize,
    pub(crate) t0: usize,
    pub(crate) len: usize,
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
/// [`LaneStencil::interior_formula`]).
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

/// The visitor that runs a row formula ([`LaneStencil::row_formula`]) over a run of elements:
/// [`run_taps`], nothing divided (the formula gives final values).
pub(crate) struct RunRow<'s, 'y, T, S, P> {
    pub(crate) src: &'s S,
    pub(crate) y: &'y mut [T],
    pub(crate) put: P,
}

impl<T: Scalar, S: Taps<T>, P: Put<T>> PointVisitor<T> for RunRow<'_, '_, T, S, P> {
    type Out = ();
    #[inline(always)]
    fn visit<const K: usize, F: Fn([T; K]) -> T + Copy>(self, offs: [isize; K], f: F) {
        run_taps(self.src, offs, self.y, self.put, f)
    }
}

/// An axis-aligned stencil written as a row gather (see the module docs).
///
/// An implementation gives the scalar formula of every row ([`LaneStencil::any_row_formula`], straight from the
/// reference's definition, edge rows included) and a fast formula for the interior rows
/// (`LaneStencil::run_interior`); the driver uses the second wherever it applies and the first elsewhere.
pub trait LaneStencil<T: Scalar>: Sync {
    /// `(before, after)` rows read by the interior formula.
    fn reach(&self) -> (usize, usize);
    /// Global rows (of an axis of length `n`) computed by the interior formula.
    fn interior_rows(&self, n: usize) -> Range<usize>;
    /// Interior formula over a contiguous run: for `q in 0..y.len()`, with `p = p0 + q`, computes
    /// output `p` from `x[p - before*stride ..= p + after*stride]` and stores it with `put`.
    ///
    /// The default runs the point formula of [`LaneStencil::interior_formula`] (divided by
    /// [`LaneStencil::divisor`]) over the run; a stencil without a point formula must override it.
    ///
    /// # Panics
    /// In the default, if the stencil has no point formula (an implementation error, never a
    /// matter of the data).
    #[inline(always)]
    fn run_interior<P: Put<T>>(&self, x: &[T], p0: usize, stride: usize, y: &mut [T], put: P) {
        let src = Strided { x, p0, stride };
        let s = self.divisor();
        let ran = self.interior_formula(RunTaps {
            src: &src,
            y,
            put,
            s,
        });
        assert!(
            ran.is_some(),
            "a LaneStencil without a point formula (interior_formula) must implement run_interior"
        );
    }
    /// The interior formula over rows of one column window: for every row `r` of `y` and every
    /// element `q` of it, output `p0 + r * stride + q` (the rows lie `stride` apart in the block, as
    /// the input's) from the input rows around it, stored with `put`. Every row must be an interior
    /// row whose window lies in `x`, as for [`LaneStencil::run_interior`].
    ///
    /// The default runs [`LaneStencil::run_interior`] row after row; a stencil that can share work
    /// between neighbouring rows (see [`run_divided_rows`](super::run_divided_rows)) overrides it,
    /// with the same bits.
    #[inline(always)]
    fn run_interior_rows<P: Put<T>>(
        &self,
        x: &[T],
        p0: usize,
        stride: usize,
        mut y: RowsMut<'_, T>,
        put: P,
    ) {
        for r in 0..y.rows() {
            self.run_interior(x, p0 + r * stride, stride, y.row(r), put);
        }
    }

    /// The value of output row `i` of a lane of length `n`, reading input row `g` through `x(g)`.
    /// Rows read must lie within [`LaneStencil::window`] and within `RADIUS` of `i`.
    fn any_row_formula(&self, i: usize, n: usize, x: impl Fn(usize) -> T) -> T;

    /// Output row `i` (global) of a lane of length `n` as a point formula, for a stencil that has
    /// one: calls `v.visit(offs, f)` and returns its result, where `offs` are the offsets (from
    /// row `i`) of the input rows the row reads, all within [`LaneStencil::window`], and `f` maps
    /// their values to the row's final value, any division included. It must give the bits of
    /// [`LaneStencil::any_row_formula`] for every element
    /// ([`row_formula_mismatch`](super::row_formula_mismatch) checks it).
    ///
    /// The drivers run it over whole edge rows (the end planes of outer axes, the end rows of
    /// the middle ones) as one loop that the compiler vectorises, with the row's branches decided
    /// once. The default, `None`, leaves those rows to [`LaneStencil::any_row_formula`], element
    /// by element, with the same results.
    #[inline(always)]
    fn row_formula<V: PointVisitor<T>>(&self, i: usize, n: usize, v: V) -> Option<V::Out> {
        let _ = (i, n, v);
        None
    }

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
    /// per-element formula [`LaneStencil::any_row_formula`], reading the rows of [`LaneStencil::window`].
    fn run_any_row<P: Put<T>>(
        &self,
        i: usize,
        n: usize,
        w: &RowWindow<'_, T>,
        y: &mut [T],
        put: P,
    ) {
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
            let v = self.any_row_formula(i, n, |g| match rows.get(g.wrapping_sub(lo)) {
                Some(r) if !r.is_empty() => r[q],
                _ => panic!("stencil reads row {g} outside its window (row {i})"),
            });
            put.put(yq, v);
        }
    }

    /// A row `i` of the global interior ([`LaneStencil::interior_rows`]) whose input rows are not all in
    /// the block (some are in the halo): the interior formula of `LaneStencil::run_interior` with its rows
    /// taken through `w`. The default runs the point formula of [`LaneStencil::interior_formula`] over
    /// `WindowTaps`, or the any-row formula for a stencil without one.
    fn run_interior_row<P: Put<T>>(
        &self,
        i: usize,
        n: usize,
        w: &RowWindow<'_, T>,
        y: &mut [T],
        put: P,
    ) {
        if self.interior_formula(Probe).is_none() {
            return self.run_any_row(i, n, w, y, put);
        }
        let s = self.divisor();
        self.interior_formula(RunTaps {
            src: &WindowTaps { w, i },
            y,
            put,
            s,
        });
    }

    /// The interior formula as a point function, for fused passes that sum several stencils point
    /// by point ([`run_terms`](super::run_terms)): calls `v.visit(offs, f)` where output `p` of the interior
    /// formula is `f([x[p + offs[0] * stride], ...]).np_div(self.divisor())` and returns its result.
    /// The default, `None`, makes fused passes run this stencil term by term instead.
    fn interior_formula<V: PointVisitor<T>>(&self, v: V) -> Option<V::Out> {
        let _ = v;
        None
    }

    /// The divisor of the interior formula's last operation (see [`LaneStencil::interior_formula`]).
    fn divisor(&self) -> T {
        T::one()
    }

    /// Whether `other`'s [`LaneStencil::interior_formula`] gives the same offsets and function as this
    /// one's (they may differ in [`LaneStencil::divisor`]), so a fused pass can evaluate both with it.
    fn same_interior_formula(&self, other: &Self) -> bool {
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
    ///
    /// # Panics
    /// If a slab of `h` is not in standard layout (slabs made by [`gather_halos`](crate::halo::gather_halos)
    /// always are).
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

/// A visitor that only tells whether a stencil has a point formula.
pub(crate) struct Probe;
impl<T> PointVisitor<T> for Probe {
    type Out = ();
    fn visit<const K: usize, F: Fn([T; K]) -> T + Copy>(self, _: [isize; K], _: F) {}
}

/// A small stencil for the unit tests of the drivers, and a reference that runs its any-row formula
/// over whole lanes.
#[cfg(test)]
pub(crate) mod toy {
    use super::{LaneStencil, PointVisitor};
    use crate::scalar::Scalar;
    use std::ops::Range;

    /// `y[i] = ((x[i+1] - 2 x[i]) + x[i-1]) / s` inside, `y[0] = (x[1] - x[0]) / s`,
    /// `y[n-1] = (x[n-1] - x[n-2]) / s` at the ends (zero on a lane of one row).
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Toy {
        pub(crate) s: f64,
    }

    impl LaneStencil<f64> for Toy {
        fn reach(&self) -> (usize, usize) {
            (1, 1)
        }
        fn interior_rows(&self, n: usize) -> Range<usize> {
            1..n.saturating_sub(1)
        }
        fn interior_formula<V: PointVisitor<f64>>(&self, v: V) -> Option<V::Out> {
            Some(v.visit([-1, 0, 1], |[a, b, c]| (c - 2.0 * b) + a))
        }
        fn divisor(&self) -> f64 {
            self.s
        }
        fn same_interior_formula(&self, _: &Self) -> bool {
            true
        }
        fn any_row_formula(&self, i: usize, n: usize, x: impl Fn(usize) -> f64) -> f64 {
            let v = if n == 1 {
                0.0
            } else if i == 0 {
                x(1) - x(0)
            } else if i + 1 == n {
                x(n - 1) - x(n - 2)
            } else {
                (x(i + 1) - 2.0 * x(i)) + x(i - 1)
            };
            v.np_div(self.s)
        }
        /// The end rows of lanes of two rows or more (a lane of one row keeps the element-by-element
        /// path, so that the drivers' tests cover both).
        fn row_formula<V: PointVisitor<f64>>(&self, i: usize, n: usize, v: V) -> Option<V::Out> {
            let s = self.s;
            if n < 2 {
                None
            } else if i == 0 {
                Some(v.visit([0, 1], move |[a, b]| (b - a).np_div(s)))
            } else if i + 1 == n {
                Some(v.visit([-1, 0], move |[a, b]| (b - a).np_div(s)))
            } else {
                Some(v.visit([-1, 0, 1], move |[a, b, c]| ((c - 2.0 * b) + a).np_div(s)))
            }
        }
    }

    /// The stencil along `axis` of a C-order array of `shape`, every row by the any-row formula.
    pub(crate) fn reference<S: LaneStencil<f64>>(
        st: &S,
        x: &[f64],
        shape: &[usize],
        axis: usize,
    ) -> Vec<f64> {
        let inner: usize = shape[axis + 1..].iter().product();
        let m = shape[axis];
        (0..x.len())
            .map(|p| {
                let (o, r) = (p / (m * inner), p % (m * inner));
                let (i, t) = (r / inner, r % inner);
                st.any_row_formula(i, m, |g| x[(o * m + g) * inner + t])
            })
            .collect()
    }

    /// A deterministic pseudo-random array of `len` values.
    pub(crate) fn data(len: usize, seed: u64) -> Vec<f64> {
        let mut r = crate::rng::Rng::new(seed);
        (0..len).map(|_| r.normal()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::toy::Toy;
    use super::*;

    #[test]
    fn row_window_reads_block_and_halo_rows() {
        // A block of rows 2..4 of a lane of 6 (two elements per row), one halo row on each side.
        let x = [20.0, 21.0, 30.0, 31.0];
        let before = [10.0, 11.0];
        let after = [40.0, 41.0];
        let mut b = AxisBlock::new(&x, &[2, 2], 0, 2, 6);
        b.before = &before;
        b.after = &after;
        b.nb = 1;
        b.na = 1;
        let w = RowWindow {
            b: &b,
            o: 0,
            t0: 1,
            len: 1,
        };
        assert_eq!(w.row(1), &[11.0]);
        assert_eq!(w.row(3), &[31.0]);
        assert_eq!(w.row(4), &[41.0]);
        assert!(w.try_row(0).is_none() && w.try_row(5).is_none());
        assert_eq!((w.len(), w.is_empty()), (1, false));
    }

    #[test]
    fn block_depth_covers_the_window_and_stops_at_the_ends() {
        let st = Toy { s: 1.0 };
        assert_eq!(st.block_depth(0, 3, 10), (0, 1));
        assert_eq!(st.block_depth(3, 6, 10), (1, 1));
        assert_eq!(st.block_depth(7, 10, 10), (1, 0));
        assert_eq!(st.window(0, 0), None);
        assert_eq!(st.window(0, 5), Some((0, 1)));
        assert!(AxisBlock::<f64>::new(&[], &[0, 3], 0, 0, 0).is_empty());
    }
}
