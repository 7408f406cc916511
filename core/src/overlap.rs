//! Overlapping computations on chunked arrays: dask's `overlap`, `trim_internal` and `map_overlap`.
//!
//! Some computations on a block need values held by its neighbours (a convolution, a sliding
//! window, a derivative, the game of life). [`overlap`] builds a new [`ChunkedArray`] whose every
//! block is *extended* by a border borrowed from its neighbours; a function can then be mapped over
//! the extended blocks independently, and [`trim_internal`] (or [`trim_overlap`]) cuts the borders
//! off again. [`map_overlap`] does the three steps at once, block by block in parallel, without
//! ever holding the whole extended array in memory.
//!
//! # What an extended block contains
//!
//! Per axis `k` a [`Depth`] gives `(before, after)` and a [`Boundary`] says how the array continues
//! past its global ends. Think of the *padded array* `P`: the input continued past both ends of
//! every axis according to that axis' boundary (no continuation for [`Boundary::None`]). The
//! extended block of the block covering `[start_k, end_k)` along every axis is the region
//! `[start_k - before_k, end_k + after_k)` of `P`, clamped to `[0, n_k)` along the axes whose
//! boundary is [`Boundary::None`]. In particular:
//!
//! - an interior side receives the `before` (`after`) samples preceding (following) the block,
//!   gathered from as many neighbouring blocks as needed: depths may exceed chunk lengths, no
//!   rechunking happens;
//! - at a global end, [`Boundary::Reflect`] mirrors the array including the edge sample (numpy's
//!   `symmetric`, dask's `reflect`; `[a, b, c]` continues as `c, c, b, a, a, b, ...` for any depth),
//!   [`Boundary::Periodic`] wraps around (at most once: a depth larger than the axis is
//!   [`Error::HaloImpossible`]), [`Boundary::Nearest`] repeats the edge sample and
//!   [`Boundary::Constant`] fills with a value;
//! - with [`Boundary::None`] a block is not extended past a global end: the extension is truncated
//!   there, so the blocks touching the global ends (and, when the depth is larger than the distance
//!   to a global end, their neighbours too) are extended less;
//! - depths may be asymmetric with every boundary.
//!
//! Where several axes leave the array at once (the global corners of `P`), `P` is defined like
//! dask and numpy build it, padding one axis after the other in increasing axis order: the value
//! is the constant of the *highest* such axis whose boundary is [`Boundary::Constant`], and
//! otherwise the sample obtained by mapping every coordinate back into the array with its own
//! boundary.
//!
//! ## Corners
//!
//! A *corner* of an extended block is an element lying outside the block's own index range along
//! two or more axes (for instance the `before_0 x before_1` rectangle at the top left of a 2-d
//! block). With `corners = true` corners hold the values of `P` described above — the true
//! diagonal neighbours, like dask. With `corners = false` they are not exchanged: **every corner
//! element is zero** (`T::zero()`), whether it lies inside the array or past a global end, and
//! whatever the boundary (a [`Boundary::Constant`] value is not written into corners either). The
//! faces (elements outside the block's range along exactly one axis) and the block itself are the
//! same in both cases. Axis-aligned stencils (derivatives, Laplacians) never read corners, so they
//! can skip the diagonal exchange.
//!
//! ## Trimming
//!
//! [`trim_internal`] follows dask: it removes `before`/`after` samples from every block, except at
//! the global ends of axes with [`Boundary::None`], which it leaves alone. It works on any array
//! (not only on the output of [`overlap`]) and only sees the extended array, so it is the exact
//! inverse of [`overlap`] only when no [`Boundary::None`] extension was truncated anywhere but at
//! the global ends themselves, i.e. when along every `None` axis cut into several blocks the first
//! chunk is at least `before` long and the last chunk at least `after` long (always the case in
//! dask, which rechunks to ensure it). [`trim_overlap`] is given the original grid and is the exact
//! inverse of [`overlap`] in every case; [`map_overlap`] uses it.
//!
//! ```
//! use ndarray::{ArrayD, IxDyn};
//! use rylops_core::overlap::{overlap, trim_internal, Boundaries, Boundary, Depth};
//! use rylops_core::ChunkedArray;
//!
//! let a = ArrayD::from_shape_fn(IxDyn(&[8, 8]), |ix| (ix[0] * 8 + ix[1]) as f64);
//! let x = ChunkedArray::from_array_chunks(a.view(), &[4, 4]).unwrap();
//! let depth = Depth::per_axis(&[2, 1]);
//! let bnd = Boundaries::per_axis(vec![Boundary::Constant(100.0), Boundary::Reflect]);
//! let g = overlap(&x, &depth, &bnd, true).unwrap();
//! assert_eq!(g.grid().all_chunks(), &[vec![8, 8], vec![6, 6]]);
//! assert_eq!(g.to_array()[[2, 0]], 0.0); // reflect: the edge sample again
//! assert_eq!(g.to_array()[[0, 5]], 100.0); // constant above the array
//! assert_eq!(trim_internal(&g, &depth, &bnd).unwrap(), x);
//! ```

use crate::chunked::{check_bytes, try_zeros_array, ChunkedArray};
use crate::error::{normalize_axis, shape_err, Error, Result};
use crate::grid::ChunkGrid;
use crate::scalar::Scalar;
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Axis, Slice};
use rayon::prelude::*;

/// How many samples each block borrows from its neighbours: `(before, after)` per axis.
///
/// `before` samples precede the block along the axis, `after` samples follow it. A depth given
/// for "all axes" ([`Depth::uniform`]) or for one axis ([`Depth::axis`]) fits arrays of any
/// number of dimensions; per-axis lists must have one entry per axis.
///
/// ```
/// use rylops_core::overlap::Depth;
/// assert_eq!(Depth::uniform(1).resolve(2).unwrap(), vec![(1, 1), (1, 1)]);
/// assert_eq!(Depth::per_axis(&[2, 1]).resolve(2).unwrap(), vec![(2, 2), (1, 1)]);
/// assert_eq!(Depth::asymmetric(&[(1, 0), (2, 2)]).resolve(2).unwrap(), vec![(1, 0), (2, 2)]);
/// assert_eq!(Depth::axis(-1, 0, 3).resolve(3).unwrap(), vec![(0, 0), (0, 0), (0, 3)]);
/// assert!(Depth::per_axis(&[1, 1]).resolve(3).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Depth(DepthSpec);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum DepthSpec {
    Uniform(usize, usize),
    PerAxis(Vec<(usize, usize)>),
    Axis {
        axis: isize,
        before: usize,
        after: usize,
    },
}

impl Depth {
    /// The same depth `d` before and after the blocks along every axis (dask's `depth=d`).
    ///
    /// ```
    /// use rylops_core::overlap::Depth;
    /// assert_eq!(Depth::uniform(2).resolve(1).unwrap(), vec![(2, 2)]);
    /// ```
    pub fn uniform(d: usize) -> Self {
        Self(DepthSpec::Uniform(d, d))
    }

    /// `before` samples before and `after` samples after the blocks along every axis.
    ///
    /// ```
    /// use rylops_core::overlap::Depth;
    /// assert_eq!(Depth::uniform_asymmetric(1, 3).resolve(2).unwrap(), vec![(1, 3), (1, 3)]);
    /// ```
    pub fn uniform_asymmetric(before: usize, after: usize) -> Self {
        Self(DepthSpec::Uniform(before, after))
    }

    /// No overlap at all: [`map_overlap`] then behaves like a plain block map.
    ///
    /// ```
    /// use rylops_core::overlap::Depth;
    /// assert_eq!(Depth::zero().resolve(2).unwrap(), vec![(0, 0), (0, 0)]);
    /// ```
    pub fn zero() -> Self {
        Self::uniform(0)
    }

    /// A symmetric depth per axis (dask's `depth={0: 2, 1: 1}` is `per_axis(&[2, 1])`).
    ///
    /// ```
    /// use rylops_core::overlap::Depth;
    /// assert_eq!(Depth::per_axis(&[2, 0]).resolve(2).unwrap(), vec![(2, 2), (0, 0)]);
    /// ```
    pub fn per_axis(d: &[usize]) -> Self {
        Self(DepthSpec::PerAxis(d.iter().map(|&v| (v, v)).collect()))
    }

    /// An asymmetric `(before, after)` depth per axis.
    ///
    /// ```
    /// use rylops_core::overlap::Depth;
    /// assert_eq!(Depth::asymmetric(&[(1, 0)]).resolve(1).unwrap(), vec![(1, 0)]);
    /// ```
    pub fn asymmetric(d: &[(usize, usize)]) -> Self {
        Self(DepthSpec::PerAxis(d.to_vec()))
    }

    /// Overlap along one axis only (numpy convention: `-1` is the last axis), zero elsewhere.
    ///
    /// ```
    /// use rylops_core::overlap::Depth;
    /// assert_eq!(Depth::axis(0, 2, 1).resolve(2).unwrap(), vec![(2, 1), (0, 0)]);
    /// assert!(Depth::axis(2, 1, 1).resolve(2).is_err());
    /// ```
    pub fn axis(axis: isize, before: usize, after: usize) -> Self {
        Self(DepthSpec::Axis {
            axis,
            before,
            after,
        })
    }

    /// The `(before, after)` pairs for an array of `ndim` dimensions.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (named `depth`) if a per-axis list does not have `ndim`
    /// entries, [`Error::AxisOutOfRange`] for a [`Depth::axis`] outside `-ndim..ndim`.
    ///
    /// ```
    /// use rylops_core::overlap::Depth;
    /// use rylops_core::Error;
    /// assert!(matches!(
    ///     Depth::per_axis(&[1]).resolve(2),
    ///     Err(Error::InvalidParameter { .. })
    /// ));
    /// ```
    pub fn resolve(&self, ndim: usize) -> Result<Vec<(usize, usize)>> {
        match &self.0 {
            DepthSpec::Uniform(b, a) => Ok(vec![(*b, *a); ndim]),
            DepthSpec::PerAxis(v) => {
                if v.len() != ndim {
                    return Err(Error::InvalidParameter {
                        name: "depth".into(),
                        reason: format!(
                            "{} per-axis depths given for an array of {ndim} dimension(s): give \
                             one (before, after) pair per axis, or use Depth::uniform / Depth::axis",
                            v.len()
                        ),
                    });
                }
                Ok(v.clone())
            }
            DepthSpec::Axis {
                axis,
                before,
                after,
            } => {
                let k = normalize_axis(*axis, ndim)?;
                let mut v = vec![(0, 0); ndim];
                v[k] = (*before, *after);
                Ok(v)
            }
        }
    }
}

/// How an array continues past its global ends along one axis (dask's `boundary`).
///
/// ```
/// use rylops_core::overlap::{overlap, Boundaries, Boundary, Depth};
/// use rylops_core::ChunkedArray;
/// use ndarray::arr1;
/// let x = ChunkedArray::from_array(arr1(&[1.0, 2.0, 3.0]).into_dyn());
/// let ext = |b: Boundary<f64>| {
///     let g = overlap(&x, &Depth::uniform(2), &Boundaries::uniform(b), true).unwrap();
///     g.to_array().iter().copied().collect::<Vec<_>>()
/// };
/// assert_eq!(ext(Boundary::None), vec![1.0, 2.0, 3.0]);
/// assert_eq!(ext(Boundary::Reflect), vec![2.0, 1.0, 1.0, 2.0, 3.0, 3.0, 2.0]);
/// assert_eq!(ext(Boundary::Periodic), vec![2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0]);
/// assert_eq!(ext(Boundary::Nearest), vec![1.0, 1.0, 1.0, 2.0, 3.0, 3.0, 3.0]);
/// assert_eq!(ext(Boundary::Constant(9.0)), vec![9.0, 9.0, 1.0, 2.0, 3.0, 9.0, 9.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Boundary<T> {
    /// No continuation: blocks are not extended past the global ends (dask's `'none'`).
    None,
    /// Mirror image including the edge sample (dask's `'reflect'`, numpy's `'symmetric'`); any
    /// depth is allowed, the mirror image being repeated as needed.
    Reflect,
    /// Wrap around to the other end (dask's `'periodic'`); the depth must not exceed the axis length.
    Periodic,
    /// Repeat the edge sample (dask's `'nearest'`, numpy's `'edge'`).
    Nearest,
    /// Fill with a constant value (dask's `boundary=value`).
    Constant(T),
}

/// The [`Boundary`] of every axis: one for all axes, or one per axis.
///
/// The default is [`Boundary::Reflect`] on every axis, as in dask.
///
/// ```
/// use rylops_core::overlap::{Boundaries, Boundary};
/// let b = Boundaries::per_axis(vec![Boundary::Constant(0.0), Boundary::Periodic]);
/// assert_eq!(b.resolve(2).unwrap()[1], Boundary::Periodic);
/// assert!(b.resolve(3).is_err());
/// let all: Boundaries<f64> = Boundary::Nearest.into();
/// assert_eq!(all.resolve(3).unwrap(), vec![Boundary::Nearest; 3]);
/// assert_eq!(Boundaries::<f64>::default(), Boundaries::uniform(Boundary::Reflect));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Boundaries<T>(BoundarySpec<T>);

#[derive(Clone, Debug, PartialEq)]
enum BoundarySpec<T> {
    Uniform(Boundary<T>),
    PerAxis(Vec<Boundary<T>>),
}

impl<T: Scalar> Boundaries<T> {
    /// The same boundary along every axis.
    ///
    /// ```
    /// use rylops_core::overlap::{Boundaries, Boundary};
    /// let b = Boundaries::uniform(Boundary::Constant(1.5f32));
    /// assert_eq!(b.resolve(2).unwrap(), vec![Boundary::Constant(1.5); 2]);
    /// ```
    pub fn uniform(b: Boundary<T>) -> Self {
        Self(BoundarySpec::Uniform(b))
    }

    /// One boundary per axis (dask's `boundary={0: 100, 1: 'reflect'}`).
    ///
    /// ```
    /// use rylops_core::overlap::{Boundaries, Boundary};
    /// let b = Boundaries::per_axis(vec![Boundary::Constant(100.0), Boundary::Reflect]);
    /// assert_eq!(b.resolve(2).unwrap()[0], Boundary::Constant(100.0));
    /// ```
    pub fn per_axis(b: Vec<Boundary<T>>) -> Self {
        Self(BoundarySpec::PerAxis(b))
    }

    /// The boundary of every axis of an array of `ndim` dimensions.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (named `boundaries`) if a per-axis list does not have
    /// `ndim` entries.
    ///
    /// ```
    /// use rylops_core::overlap::{Boundaries, Boundary};
    /// use rylops_core::Error;
    /// let b = Boundaries::<f64>::per_axis(vec![Boundary::None]);
    /// assert!(matches!(b.resolve(2), Err(Error::InvalidParameter { .. })));
    /// ```
    pub fn resolve(&self, ndim: usize) -> Result<Vec<Boundary<T>>> {
        match &self.0 {
            BoundarySpec::Uniform(b) => Ok(vec![*b; ndim]),
            BoundarySpec::PerAxis(v) => {
                if v.len() != ndim {
                    return Err(Error::InvalidParameter {
                        name: "boundaries".into(),
                        reason: format!(
                            "{} per-axis boundaries given for an array of {ndim} dimension(s): \
                             give one per axis, or use Boundaries::uniform",
                            v.len()
                        ),
                    });
                }
                Ok(v.clone())
            }
        }
    }
}

impl<T: Scalar> Default for Boundaries<T> {
    fn default() -> Self {
        Self::uniform(Boundary::Reflect)
    }
}

impl<T: Scalar> From<Boundary<T>> for Boundaries<T> {
    fn from(b: Boundary<T>) -> Self {
        Self::uniform(b)
    }
}

// ---------------------------------------------------------------------------------------------
// Per-axis plan: where every sample of an extended block comes from.
// ---------------------------------------------------------------------------------------------

/// Depth and boundary of one axis, validated against its length.
#[derive(Clone, Copy, Debug)]
struct AxisSpec<T> {
    n: usize,
    before: usize,
    after: usize,
    boundary: Boundary<T>,
}

/// Where a sample of the padded array comes from along one axis.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Src {
    /// Global index into the array.
    Index(usize),
    /// Past a global end of a [`Boundary::Constant`] axis.
    Const,
}

impl<T: Scalar> AxisSpec<T> {
    /// Samples actually added before and after the block covering `[start, end)`.
    fn added(&self, start: usize, end: usize) -> (usize, usize) {
        match self.boundary {
            Boundary::None => (self.before.min(start), self.after.min(self.n - end)),
            _ => (self.before, self.after),
        }
    }

    /// Source of global (possibly out-of-range) coordinate `g`; only called where `P` exists.
    fn source(&self, g: isize) -> Src {
        let n = self.n as isize;
        if (0..n).contains(&g) {
            return Src::Index(g as usize);
        }
        match self.boundary {
            // Never asked: `None` extensions are clamped to the array.
            Boundary::None => Src::Index(g.clamp(0, n - 1) as usize),
            Boundary::Constant(_) => Src::Const,
            Boundary::Periodic => Src::Index(g.rem_euclid(n) as usize),
            Boundary::Nearest => Src::Index(g.clamp(0, n - 1) as usize),
            Boundary::Reflect => {
                // Symmetric extension: period 2n, the second half mirrored.
                let j = g.rem_euclid(2 * n);
                Src::Index(if j < n { j } else { 2 * n - 1 - j } as usize)
            }
        }
    }
}

/// Validates depth and boundaries against `shape`.
fn axis_specs<T: Scalar>(
    shape: &[usize],
    depth: &Depth,
    boundaries: &Boundaries<T>,
) -> Result<Vec<AxisSpec<T>>> {
    let nd = shape.len();
    let d = depth.resolve(nd)?;
    let b = boundaries.resolve(nd)?;
    let mut specs = Vec::with_capacity(nd);
    for k in 0..nd {
        let n = shape[k];
        let (before, after) = d[k];
        let boundary = b[k];
        if n == 0
            && (before > 0 || after > 0)
            && matches!(
                boundary,
                Boundary::Reflect | Boundary::Periodic | Boundary::Nearest
            )
        {
            return Err(Error::HaloImpossible(format!(
                "axis {k} has length 0: a {boundary:?} boundary has no sample to continue the \
                 array with; use Boundary::None or Boundary::Constant"
            )));
        }
        if matches!(boundary, Boundary::Periodic) && (before > n || after > n) {
            return Err(Error::HaloImpossible(format!(
                "periodic boundary along axis {k}: depth ({before}, {after}) exceeds the axis \
                 length {n} (a periodic halo wraps around at most once)"
            )));
        }
        specs.push(AxisSpec {
            n,
            before,
            after,
            boundary,
        });
    }
    Ok(specs)
}

/// A run of consecutive samples of an extended block along one axis with a common source pattern.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Segment {
    /// First position in the extended block.
    out: usize,
    /// Number of samples.
    len: usize,
    /// Whether the run lies outside the block's own range (a face or corner).
    outside: bool,
    /// First source index, or `None` for a constant run.
    first: Option<usize>,
    /// Source step between consecutive samples: 1, -1, or 0 (repeated sample).
    step: isize,
}

impl Segment {
    fn start(out: usize, src: Src, outside: bool) -> Self {
        Self {
            out,
            len: 1,
            outside,
            first: match src {
                Src::Index(i) => Some(i),
                Src::Const => None,
            },
            step: 0,
        }
    }

    /// Appends the next sample if it continues the run.
    fn push(&mut self, src: Src, outside: bool) -> bool {
        if outside != self.outside {
            return false;
        }
        match (self.first, src) {
            (None, Src::Const) => {}
            (Some(f), Src::Index(i)) => {
                let d = i as isize - f as isize;
                if self.len == 1 && d.abs() <= 1 {
                    self.step = d;
                } else if self.len == 1 || d != self.step * self.len as isize {
                    return false;
                }
            }
            _ => return false,
        }
        self.len += 1;
        true
    }

    /// Source range `[lo, lo + len)` read by the run (length 1 for a repeated sample).
    fn source_range(&self, f: usize) -> (usize, usize) {
        match self.step {
            1 => (f, self.len),
            -1 => (f + 1 - self.len, self.len),
            _ => (f, 1),
        }
    }
}

/// The runs of the extended block of the block covering `[start, end)` along one axis.
fn axis_segments<T: Scalar>(spec: &AxisSpec<T>, start: usize, end: usize) -> Vec<Segment> {
    let (db, da) = spec.added(start, end);
    let lo = start as isize - db as isize;
    let hi = (end + da) as isize;
    let mut segs: Vec<Segment> = Vec::new();
    for (p, g) in (lo..hi).enumerate() {
        let outside = g < start as isize || g >= end as isize;
        let src = spec.source(g);
        if let Some(s) = segs.last_mut() {
            if s.push(src, outside) {
                continue;
            }
        }
        segs.push(Segment::start(p, src, outside));
    }
    segs
}

/// Copies the source box described by the non-constant runs `segs` into `dst` (one run per axis).
fn copy_runs<T: Scalar>(x: &ChunkedArray<T>, segs: &[&Segment], mut dst: ArrayViewMutD<'_, T>) {
    let grid = x.grid();
    let nd = segs.len();
    let mut lo = Vec::with_capacity(nd);
    let mut len = Vec::with_capacity(nd);
    for (k, s) in segs.iter().enumerate() {
        let f = s.first.expect("copy_runs is only called on data runs");
        let (a, l) = s.source_range(f);
        if s.step == -1 {
            // Reversed run: in the inverted view, position q reads source a + q.
            dst.invert_axis(Axis(k));
        }
        lo.push(a);
        len.push(l);
    }
    let ranges: Vec<(usize, usize)> = (0..nd)
        .map(|k| {
            let (b0, _) = grid.locate(k, lo[k]);
            let (b1, _) = grid.locate(k, lo[k] + len[k] - 1);
            (b0, b1 + 1)
        })
        .collect();
    let mut id: Vec<usize> = ranges.iter().map(|r| r.0).collect();
    loop {
        let boff = grid.block_offset(&id);
        let bshp = grid.block_shape(&id);
        let mut src = x.blocks()[grid.linear_index(&id)].view();
        let mut d = dst.view_mut();
        for k in 0..nd {
            let a = lo[k].max(boff[k]);
            let z = (lo[k] + len[k]).min(boff[k] + bshp[k]);
            src.slice_axis_inplace(Axis(k), Slice::from(a - boff[k]..z - boff[k]));
            if segs[k].step != 0 {
                d.slice_axis_inplace(Axis(k), Slice::from(a - lo[k]..z - lo[k]));
            }
        }
        // A repeated sample (step 0) has source length 1 and is broadcast along its run.
        d.assign(&src);
        if !next_id(&mut id, &ranges) {
            return;
        }
    }
}

/// Advances `id` through the box `ranges` in C order; false when done.
fn next_id(id: &mut [usize], ranges: &[(usize, usize)]) -> bool {
    for k in (0..id.len()).rev() {
        id[k] += 1;
        if id[k] < ranges[k].1 {
            return true;
        }
        id[k] = ranges[k].0;
    }
    false
}

/// Builds the extended block of block `id` (validated specs, on a grid whose extension
/// [`extended_grid_of`] accepted).
///
/// The output is allocated (fallibly) before any per-sample work, so a depth too large for memory
/// is an error found in constant time per axis, never a loop over the extended range; an extended
/// block with an empty axis is returned at once.
fn build_block<T: Scalar>(
    x: &ChunkedArray<T>,
    specs: &[AxisSpec<T>],
    id: &[usize],
    corners: bool,
) -> Result<ArrayD<T>> {
    let grid = x.grid();
    let nd = grid.ndim();
    let shape: Vec<usize> = (0..nd)
        .map(|k| {
            let o = grid.offsets(k);
            let (b, a) = specs[k].added(o[id[k]], o[id[k] + 1]);
            extended_len(b, o[id[k] + 1] - o[id[k]], a, k)
        })
        .collect::<Result<_>>()?;
    let mut out = try_zeros_array::<T>(&shape)?;
    if shape.contains(&0) {
        return Ok(out);
    }
    let segs: Vec<Vec<Segment>> = (0..nd)
        .map(|k| {
            let o = grid.offsets(k);
            axis_segments(&specs[k], o[id[k]], o[id[k] + 1])
        })
        .collect();
    let ranges: Vec<(usize, usize)> = segs.iter().map(|s| (0, s.len())).collect();
    let mut pick = vec![0usize; nd];
    loop {
        let chosen: Vec<&Segment> = pick.iter().enumerate().map(|(k, &i)| &segs[k][i]).collect();
        let n_outside = chosen.iter().filter(|s| s.outside).count();
        if corners || n_outside < 2 {
            let mut dst = out.view_mut();
            for (k, s) in chosen.iter().enumerate() {
                dst.slice_axis_inplace(Axis(k), Slice::from(s.out..s.out + s.len));
            }
            // Padding goes axis by axis: the last constant axis wins.
            let constant = (0..nd).rev().find(|&k| chosen[k].first.is_none());
            match constant {
                Some(k) => match specs[k].boundary {
                    Boundary::Constant(c) => dst.fill(c),
                    _ => unreachable!("constant runs only arise from Boundary::Constant"),
                },
                None => copy_runs(x, &chosen, dst),
            }
        }
        if !next_id(&mut pick, &ranges) {
            return Ok(out);
        }
    }
}

/// `before + len + after`, or an error naming the depth if it does not fit in `usize`.
fn extended_len(before: usize, len: usize, after: usize, axis: usize) -> Result<usize> {
    before
        .checked_add(len)
        .and_then(|v| v.checked_add(after))
        .ok_or_else(|| Error::InvalidParameter {
            name: "depth".into(),
            reason: format!(
                "depth ({before}, {after}) along axis {axis} extends a block of length {len} past \
                 usize::MAX samples"
            ),
        })
}

/// The grid of the extended blocks of an array on `grid` (dask's `g.chunks`), in checked
/// arithmetic: lengths past `usize::MAX`, or more elements than an array can hold, are errors.
fn extended_grid_of<T: Scalar>(grid: &ChunkGrid, specs: &[AxisSpec<T>]) -> Result<ChunkGrid> {
    let mut chunks = Vec::with_capacity(grid.ndim());
    let mut shape = Vec::with_capacity(grid.ndim());
    for (k, spec) in specs.iter().enumerate() {
        let o = grid.offsets(k);
        let c: Vec<usize> = grid
            .chunks(k)
            .iter()
            .enumerate()
            .map(|(j, &len)| {
                let (b, a) = spec.added(o[j], o[j + 1]);
                extended_len(b, len, a, k)
            })
            .collect::<Result<_>>()?;
        let total = c
            .iter()
            .try_fold(0usize, |acc, &v| acc.checked_add(v))
            .ok_or_else(|| Error::InvalidParameter {
                name: "depth".into(),
                reason: format!(
                    "depth ({}, {}) along axis {k} makes the extended axis longer than usize::MAX",
                    spec.before, spec.after
                ),
            })?;
        shape.push(total);
        chunks.push(c);
    }
    ChunkGrid::new(&shape, chunks).map_err(|e| Error::InvalidParameter {
        name: "depth".into(),
        reason: format!("the extended array is impossible: {e}"),
    })
}

/// Per axis and block: samples to cut `(before, after)` to undo [`overlap`] on `grid`.
fn added_amounts<T: Scalar>(grid: &ChunkGrid, specs: &[AxisSpec<T>]) -> Vec<Vec<(usize, usize)>> {
    specs
        .iter()
        .enumerate()
        .map(|(k, spec)| {
            let o = grid.offsets(k);
            (0..grid.nblocks_along(k))
                .map(|j| spec.added(o[j], o[j + 1]))
                .collect()
        })
        .collect()
}

/// Cuts `cuts[k][id[k]]` off block `b` (of block id `id`).
fn cut_block<U: Scalar>(
    b: ArrayViewD<'_, U>,
    id: &[usize],
    cuts: &[Vec<(usize, usize)>],
) -> ArrayD<U> {
    let mut v = b;
    for (k, c) in cuts.iter().enumerate() {
        let (cb, ca) = c[id[k]];
        let len = v.shape()[k];
        v.slice_axis_inplace(Axis(k), Slice::from(cb..len - ca));
    }
    v.as_standard_layout().into_owned()
}

// ---------------------------------------------------------------------------------------------
// Public functions.
// ---------------------------------------------------------------------------------------------

/// Extends every block of `x` by its neighbours' samples (dask's `da.overlap.overlap`).
///
/// Returns the extended blocks as a [`ChunkedArray`] on the extended grid (see [`overlap_grid`]);
/// block `id` of the result is the extension of block `id` of `x`. See the [module
/// docs](self) for exactly what an extended block contains, including its corners (`corners =
/// false` leaves them zero). Blocks are built in parallel.
///
/// # Errors
/// [`Error::InvalidParameter`] for depth or boundary lists of the wrong length, and (named `depth`
/// or `shape`) for depths whose extended array cannot exist or be allocated: lengths past
/// `usize::MAX`, more elements or bytes than an array can hold, memory the allocator refuses —
/// found before any per-sample work, so huge depths fail at once instead of looping;
/// [`Error::AxisOutOfRange`] for a bad [`Depth::axis`]; [`Error::HaloImpossible`] for a periodic
/// depth larger than its axis or a reflect/periodic/nearest extension of an empty axis.
///
/// ```
/// use ndarray::arr2;
/// use rylops_core::overlap::{overlap, Boundaries, Boundary, Depth};
/// use rylops_core::ChunkedArray;
/// let a = arr2(&[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).into_dyn();
/// let x = ChunkedArray::from_array_chunks(a.view(), &[1, 3]).unwrap();
/// // Asymmetric: one row before each block, none after; zero columns.
/// let g = overlap(&x, &Depth::asymmetric(&[(1, 0), (0, 0)]), &Boundary::Periodic.into(), true)
///     .unwrap();
/// assert_eq!(g.grid().all_chunks(), &[vec![2, 2], vec![3]]);
/// assert_eq!(g.block(&[0, 0]).unwrap(), &arr2(&[[4.0, 5.0, 6.0], [1.0, 2.0, 3.0]]).into_dyn());
/// assert_eq!(g.block(&[1, 0]).unwrap(), &a);
/// ```
pub fn overlap<T: Scalar>(
    x: &ChunkedArray<T>,
    depth: &Depth,
    boundaries: &Boundaries<T>,
    corners: bool,
) -> Result<ChunkedArray<T>> {
    let specs = axis_specs(x.shape(), depth, boundaries)?;
    let grid = extended_grid_of(x.grid(), &specs)?;
    check_bytes::<T>(grid.shape())?;
    let blocks: Vec<ArrayD<T>> = (0..x.grid().nblocks())
        .into_par_iter()
        .map(|k| build_block(x, &specs, &x.grid().block_id(k), corners))
        .collect::<Result<_>>()?;
    ChunkedArray::from_blocks(grid, blocks)
}

/// The extended block of the block `id` of `x`, alone: block `id` of [`overlap`]`(x, ...)`.
///
/// Useful to stream over blocks without building the whole extended array.
///
/// # Errors
/// As [`overlap`], plus [`Error::InconsistentChunks`] for a bad block id.
///
/// ```
/// use ndarray::arr1;
/// use rylops_core::overlap::{extended_block, Boundary, Depth};
/// use rylops_core::ChunkedArray;
/// let a = arr1(&[0.0, 1.0, 2.0, 3.0, 4.0]).into_dyn();
/// let x = ChunkedArray::from_array_chunks(a.view(), &[2]).unwrap();
/// // Depth 3 > chunk length 2: gathered from two neighbouring blocks.
/// let e = extended_block(&x, &[1], &Depth::uniform(3), &Boundary::Nearest.into(), true).unwrap();
/// assert_eq!(e, arr1(&[0.0, 0.0, 1.0, 2.0, 3.0, 4.0, 4.0, 4.0]).into_dyn());
/// ```
pub fn extended_block<T: Scalar>(
    x: &ChunkedArray<T>,
    id: &[usize],
    depth: &Depth,
    boundaries: &Boundaries<T>,
    corners: bool,
) -> Result<ArrayD<T>> {
    x.grid().check_block_id(id)?;
    let specs = axis_specs(x.shape(), depth, boundaries)?;
    build_block(x, &specs, id, corners)
}

/// The grid [`overlap`] returns for an array on `grid` (dask's `g.chunks`).
///
/// # Errors
/// As [`overlap`] for the depth and boundaries (no memory is allocated for the array itself: a
/// depth of `2^40` gives a grid, a depth that makes a length or the element count overflow an
/// [`Error::InvalidParameter`]).
///
/// ```
/// use rylops_core::overlap::{overlap_grid, Boundaries, Boundary, Depth};
/// use rylops_core::ChunkGrid;
/// let g = ChunkGrid::uniform(&[8, 8], &[4, 4]).unwrap();
/// let e = overlap_grid(&g, &Depth::per_axis(&[2, 1]), &Boundaries::<f64>::default()).unwrap();
/// assert_eq!(e.all_chunks(), &[vec![8, 8], vec![6, 6]]);
/// let n = overlap_grid(&g, &Depth::uniform(1), &Boundary::<f64>::None.into()).unwrap();
/// assert_eq!(n.all_chunks(), &[vec![5, 5], vec![5, 5]]);
/// ```
pub fn overlap_grid<T: Scalar>(
    grid: &ChunkGrid,
    depth: &Depth,
    boundaries: &Boundaries<T>,
) -> Result<ChunkGrid> {
    let specs = axis_specs(grid.shape(), depth, boundaries)?;
    extended_grid_of(grid, &specs)
}

/// Removes `before`/`after` samples from every block along every axis (dask's
/// `da.overlap.trim_internal`).
///
/// Along an axis whose boundary is [`Boundary::None`], the first block keeps its start and the last
/// block keeps its end (they were not extended there). Works on any array; it is the exact inverse
/// of [`overlap`] unless a [`Boundary::None`] extension was truncated away from the global ends
/// (see the [module docs](self#trimming)); [`trim_overlap`] is exact in every case.
///
/// # Errors
/// As [`overlap`] for bad depth/boundary lists, and [`Error::InvalidParameter`] (named `depth`)
/// when a block is too short to lose that many samples, however large the depth (a block may be
/// trimmed to length zero only along an axis that then has length zero).
///
/// ```
/// use rylops_core::overlap::{trim_internal, Boundaries, Depth};
/// use rylops_core::{ChunkGrid, ChunkedArray};
/// let x = ChunkedArray::<f64>::zeros(ChunkGrid::uniform(&[40, 40], &[10, 10]).unwrap());
/// let y = trim_internal(&x, &Depth::per_axis(&[2, 1]), &Boundaries::default()).unwrap();
/// assert_eq!(y.grid().all_chunks(), &[vec![6; 4], vec![8; 4]]);
/// ```
pub fn trim_internal<T: Scalar>(
    x: &ChunkedArray<T>,
    depth: &Depth,
    boundaries: &Boundaries<T>,
) -> Result<ChunkedArray<T>> {
    let nd = x.ndim();
    let d = depth.resolve(nd)?;
    let b = boundaries.resolve(nd)?;
    let grid = x.grid();
    let mut cuts = Vec::with_capacity(nd);
    let mut chunks = Vec::with_capacity(nd);
    for k in 0..nd {
        let m = grid.nblocks_along(k);
        let none = matches!(b[k], Boundary::None);
        let mut ck = Vec::with_capacity(m);
        let mut lk = Vec::with_capacity(m);
        for (j, &len) in grid.chunks(k).iter().enumerate() {
            let cb = if none && j == 0 { 0 } else { d[k].0 };
            let ca = if none && j + 1 == m { 0 } else { d[k].1 };
            if cb.checked_add(ca).is_none_or(|c| c > len) {
                return Err(Error::InvalidParameter {
                    name: "depth".into(),
                    reason: format!(
                        "block {j} along axis {k} has length {len}: it cannot lose {cb} samples \
                         before and {ca} after"
                    ),
                });
            }
            ck.push((cb, ca));
            lk.push(len - cb - ca);
        }
        cuts.push(ck);
        chunks.push(lk);
    }
    let shape: Vec<usize> = chunks.iter().map(|c| c.iter().sum()).collect();
    let new_grid = ChunkGrid::new(&shape, chunks).map_err(|e| Error::InvalidParameter {
        name: "depth".into(),
        reason: format!("trimming leaves an invalid grid: {e}"),
    })?;
    let blocks: Vec<ArrayD<T>> = x
        .blocks()
        .par_iter()
        .enumerate()
        .map(|(k, b)| cut_block(b.view(), &grid.block_id(k), &cuts))
        .collect();
    ChunkedArray::from_blocks(new_grid, blocks)
}

/// The exact inverse of [`overlap`]: cuts from every block of `x` the samples that [`overlap`]
/// added to the blocks of an array on `original`.
///
/// # Errors
/// `x` must be on [`overlap_grid`]`(original, depth, boundaries)`, otherwise
/// [`Error::ChunkMismatch`] (or [`Error::ShapeMismatch`] if the numbers of dimensions differ);
/// those of [`overlap_grid`] for the depth and boundaries.
/// Unlike [`trim_internal`], it knows how much a [`Boundary::None`] extension was truncated near
/// the global ends.
///
/// ```
/// use ndarray::arr1;
/// use rylops_core::overlap::{overlap, trim_internal, trim_overlap, Boundary, Depth};
/// use rylops_core::{ChunkGrid, ChunkedArray};
/// let a = arr1(&[1.0, 2.0, 3.0, 4.0]).into_dyn();
/// let g = ChunkGrid::new(&[4], vec![vec![1, 3]]).unwrap();
/// let x = ChunkedArray::from_array_grid(a.view(), g.clone()).unwrap();
/// let (d, b) = (Depth::uniform(2), Boundary::None.into());
/// // Block 1 starts at index 1: only one sample exists before it.
/// let e = overlap(&x, &d, &b, true).unwrap();
/// assert_eq!(e.grid().chunks(0), &[3, 4]);
/// assert_eq!(trim_overlap(&e, &g, &d, &b).unwrap(), x);
/// assert!(trim_internal(&e, &d, &b).unwrap() != x); // dask's rule cuts 2 samples from block 1
/// ```
pub fn trim_overlap<T: Scalar>(
    x: &ChunkedArray<T>,
    original: &ChunkGrid,
    depth: &Depth,
    boundaries: &Boundaries<T>,
) -> Result<ChunkedArray<T>> {
    if x.ndim() != original.ndim() {
        return Err(shape_err("trim_overlap", original.shape(), x.shape()));
    }
    let specs = axis_specs(original.shape(), depth, boundaries)?;
    let ext = extended_grid_of(original, &specs)?;
    if x.grid() != &ext {
        return Err(Error::ChunkMismatch(format!(
            "trim_overlap: the array has chunks {:?}, but overlapping {:?} gives {:?}",
            x.grid().all_chunks(),
            original.all_chunks(),
            ext.all_chunks()
        )));
    }
    let cuts = added_amounts(original, &specs);
    let blocks: Vec<ArrayD<T>> = x
        .blocks()
        .par_iter()
        .enumerate()
        .map(|(k, b)| cut_block(b.view(), &original.block_id(k), &cuts))
        .collect();
    ChunkedArray::from_blocks(original.clone(), blocks)
}

/// Options of a [`map_overlap`] run: depth, boundaries, corner exchange and trimming.
///
/// [`MapOverlap::new`] starts from dask's behaviour (`corners = true`, `trim = true`).
///
/// ```
/// use ndarray::{arr1, ArrayD};
/// use rylops_core::overlap::{Boundaries, Boundary, Depth, MapOverlap};
/// use rylops_core::ChunkedArray;
/// let a = arr1(&[1.0, 1.0, 2.0, 3.0, 3.0, 3.0, 2.0, 1.0, 1.0]).into_dyn();
/// let x = ChunkedArray::from_array_chunks(a.view(), &[5]).unwrap();
/// // Backward difference x[i] - x[i-1] with x[-1] = 0.
/// let y = MapOverlap::new(Depth::axis(0, 1, 0), Boundary::Constant(0.0).into())
///     .corners(false)
///     .run(&[&x], |b, _id| {
///         let b = &b[0];
///         ArrayD::from_shape_fn(b.raw_dim(), |i| match i[0] {
///             0 => 0.0, // the borrowed sample, cut off again
///             k => b[[k]] - b[[k - 1]],
///         })
///     })
///     .unwrap();
/// assert_eq!(y.to_array(), arr1(&[1.0, 0.0, 1.0, 1.0, 0.0, 0.0, -1.0, -1.0, 0.0]).into_dyn());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct MapOverlap<T> {
    depth: Depth,
    boundaries: Boundaries<T>,
    corners: bool,
    trim: bool,
}

impl<T: Scalar> MapOverlap<T> {
    /// Options with the given depth and boundaries, corners exchanged and results trimmed.
    ///
    /// ```
    /// use rylops_core::overlap::{Boundaries, Depth, MapOverlap};
    /// let m = MapOverlap::<f64>::new(Depth::uniform(1), Boundaries::default());
    /// assert_eq!(m, m.clone().corners(true).trim(true));
    /// ```
    pub fn new(depth: Depth, boundaries: Boundaries<T>) -> Self {
        Self {
            depth,
            boundaries,
            corners: true,
            trim: true,
        }
    }

    /// Whether corners are exchanged (`false`: they are zero; see the [module docs](self#corners)).
    ///
    /// ```
    /// use rylops_core::overlap::{Boundaries, Depth, MapOverlap};
    /// let m = MapOverlap::<f64>::new(Depth::uniform(1), Boundaries::default()).corners(false);
    /// assert_ne!(m, MapOverlap::new(Depth::uniform(1), Boundaries::default()));
    /// ```
    pub fn corners(mut self, yes: bool) -> Self {
        self.corners = yes;
        self
    }

    /// Whether the function's results are trimmed back to the original blocks.
    ///
    /// With `trim = true` the function must return blocks of the extended shape, which are cut back
    /// exactly (as [`trim_overlap`] does). With `trim = false` the results are kept as they are and
    /// must either all have the extended shapes (the result is then on the extended grid) or all
    /// have the original block shapes (functions that trim themselves; the result is then on the
    /// input grid).
    ///
    /// ```
    /// use rylops_core::overlap::{Boundaries, Depth, MapOverlap};
    /// let m = MapOverlap::<f64>::new(Depth::uniform(1), Boundaries::default()).trim(false);
    /// assert_ne!(m, MapOverlap::new(Depth::uniform(1), Boundaries::default()));
    /// ```
    pub fn trim(mut self, yes: bool) -> Self {
        self.trim = yes;
        self
    }

    /// Maps `f` over the extended blocks of the `inputs`, in parallel over blocks (rayon).
    ///
    /// All inputs must have the same shape and chunk grid (broadcasting is not supported:
    /// broadcast and chunk the inputs yourself). For every block id, `f` receives the extended
    /// block of each input, in input order, and the block id; extended blocks are built on the
    /// fly, the whole extended arrays never exist.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (named `inputs`) for no input; [`Error::ShapeMismatch`]
    /// or [`Error::ChunkMismatch`] for inputs of different shapes or grids; those of [`overlap`]
    /// for the depth and boundaries; [`Error::ShapeMismatch`] when `f` returns a block of an
    /// unexpected shape (see [`MapOverlap::trim`]).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for no inputs or a depth larger than the axis allows,
    /// [`Error::ShapeMismatch`]/[`Error::ChunkMismatch`] if the inputs are not on one grid, and
    /// [`Error::InconsistentChunks`] if `f` returns blocks that do not trim back to the grid.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use rylops_core::overlap::{Boundaries, Depth, MapOverlap};
    /// use rylops_core::ChunkedArray;
    /// let a = ArrayD::from_shape_fn(IxDyn(&[4, 4]), |ix| (ix[0] * 4 + ix[1]) as f64);
    /// let x = ChunkedArray::from_array_chunks(a.view(), &[2, 2]).unwrap();
    /// let y = MapOverlap::new(Depth::uniform(1), Boundaries::default())
    ///     .run(&[&x], |b, _| &b[0] + b[0].len() as f64)
    ///     .unwrap();
    /// assert_eq!(y.to_array(), &a + 16.0);
    /// ```
    pub fn run<U, F>(&self, inputs: &[&ChunkedArray<T>], f: F) -> Result<ChunkedArray<U>>
    where
        U: Scalar,
        F: for<'a> Fn(&[ArrayViewD<'a, T>], &[usize]) -> ArrayD<U> + Sync,
    {
        let Some(first) = inputs.first() else {
            return Err(Error::InvalidParameter {
                name: "inputs".into(),
                reason: "map_overlap needs at least one input array".into(),
            });
        };
        for (i, x) in inputs.iter().enumerate().skip(1) {
            first.check_same_grid(x, &format!("map_overlap input {i} vs input 0"))?;
        }
        let grid = first.grid();
        let specs = axis_specs(first.shape(), &self.depth, &self.boundaries)?;
        let ext = extended_grid_of(grid, &specs)?;
        let cuts = added_amounts(grid, &specs);
        let trim = self.trim;
        let blocks: Vec<ArrayD<U>> = (0..grid.nblocks())
            .into_par_iter()
            .map(|k| {
                let id = grid.block_id(k);
                let extended: Vec<ArrayD<T>> = inputs
                    .iter()
                    .map(|x| build_block(x, &specs, &id, self.corners))
                    .collect::<Result<_>>()?;
                let views: Vec<ArrayViewD<'_, T>> = extended.iter().map(|e| e.view()).collect();
                let r = f(&views, &id);
                if trim {
                    let want = ext.block_shape(&id);
                    if r.shape() != want.as_slice() {
                        return Err(shape_err(
                            format!(
                                "map_overlap: result of the function on block {id:?} (trim = true \
                                 expects the extended block shape)"
                            ),
                            &want,
                            r.shape(),
                        ));
                    }
                    Ok(cut_block(r.view(), &id, &cuts))
                } else {
                    Ok(r)
                }
            })
            .collect::<Result<_>>()?;
        if trim {
            return ChunkedArray::from_blocks(grid.clone(), blocks);
        }
        let fits = |g: &ChunkGrid| {
            blocks
                .iter()
                .enumerate()
                .all(|(k, b)| b.shape() == g.block_shape(&g.block_id(k)).as_slice())
        };
        if fits(&ext) {
            ChunkedArray::from_blocks(ext, blocks)
        } else if fits(grid) {
            ChunkedArray::from_blocks(grid.clone(), blocks)
        } else {
            // `fits(&ext)` failed, so some block differs from the extended grid's
            let k = blocks
                .iter()
                .enumerate()
                .position(|(k, b)| b.shape() != ext.block_shape(&ext.block_id(k)).as_slice())
                .unwrap_or(0);
            Err(shape_err(
                format!(
                    "map_overlap: result of the function on block {:?} (trim = false expects the \
                     extended or the original block shape for every block)",
                    grid.block_id(k)
                ),
                &ext.block_shape(&ext.block_id(k)),
                blocks[k].shape(),
            ))
        }
    }
}

/// Maps `f` over the extended blocks of `inputs` (dask's `da.map_overlap`), corners exchanged.
///
/// Shorthand for [`MapOverlap::new`]`(depth, boundaries).trim(trim).run(inputs, f)`; use
/// [`MapOverlap`] to skip the corner exchange. `f` receives the extended block of every input (all
/// on the same grid) and the block id, and returns a block of the extended shape (with
/// `trim = true` it is then cut back to the original block).
///
/// # Errors
/// As [`MapOverlap::run`].
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use rylops_core::overlap::{map_overlap, Boundaries, Boundary, Depth};
/// use rylops_core::ChunkedArray;
/// let a = ArrayD::from_shape_fn(IxDyn(&[4, 4]), |ix| (ix[0] * 4 + ix[1]) as f64);
/// let x = ChunkedArray::from_array_chunks(a.view(), &[2, 2]).unwrap();
/// let bnd = Boundaries::per_axis(vec![Boundary::Reflect, Boundary::None]);
/// let y = map_overlap(&[&x], &Depth::uniform(1), &bnd, true, |b, _| &b[0] + b[0].len() as f64)
///     .unwrap();
/// assert_eq!(y.to_array(), &a + 12.0);
/// ```
pub fn map_overlap<T, U, F>(
    inputs: &[&ChunkedArray<T>],
    depth: &Depth,
    boundaries: &Boundaries<T>,
    trim: bool,
    f: F,
) -> Result<ChunkedArray<U>>
where
    T: Scalar,
    U: Scalar,
    F: for<'a> Fn(&[ArrayViewD<'a, T>], &[usize]) -> ArrayD<U> + Sync,
{
    MapOverlap::new(depth.clone(), boundaries.clone())
        .trim(trim)
        .run(inputs, f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{arr1, IxDyn};

    fn spec(n: usize, before: usize, after: usize, boundary: Boundary<f64>) -> AxisSpec<f64> {
        AxisSpec {
            n,
            before,
            after,
            boundary,
        }
    }

    fn sources(s: &AxisSpec<f64>, lo: isize, hi: isize) -> Vec<Option<usize>> {
        (lo..hi)
            .map(|g| match s.source(g) {
                Src::Index(i) => Some(i),
                Src::Const => None,
            })
            .collect()
    }

    #[test]
    fn reflect_is_symmetric_for_any_depth() {
        let s = spec(3, 7, 7, Boundary::Reflect);
        let got: Vec<usize> = sources(&s, -7, 10)
            .into_iter()
            .map(Option::unwrap)
            .collect();
        // numpy.pad(arange(3), 7, 'symmetric')
        assert_eq!(got, vec![0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2]);
        let one = spec(1, 3, 3, Boundary::Reflect);
        assert_eq!(sources(&one, -3, 4), vec![Some(0); 7]);
    }

    #[test]
    fn periodic_nearest_constant_sources() {
        let p = spec(4, 4, 4, Boundary::Periodic);
        assert_eq!(
            sources(&p, -4, 8),
            [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3].map(Some).to_vec()
        );
        let n = spec(2, 2, 2, Boundary::Nearest);
        assert_eq!(sources(&n, -2, 4), [0, 0, 0, 1, 1, 1].map(Some).to_vec());
        let c = spec(2, 1, 1, Boundary::Constant(5.0));
        assert_eq!(sources(&c, -1, 3), vec![None, Some(0), Some(1), None]);
    }

    #[test]
    fn segments_split_at_block_edges_and_direction_changes() {
        // Block [0, 2) of an axis of length 3, reflect, depth 4 before / 2 after.
        let s = spec(3, 4, 2, Boundary::Reflect);
        let segs = axis_segments(&s, 0, 2);
        // positions: g = -4..4 -> sources 2,2,1,0 | 0,1 | 2,2
        let summary: Vec<(usize, usize, bool, Option<usize>, isize)> = segs
            .iter()
            .map(|g| (g.out, g.len, g.outside, g.first, g.step))
            .collect();
        assert_eq!(
            summary,
            vec![
                (0, 2, true, Some(2), 0),
                (2, 2, true, Some(1), -1),
                (4, 2, false, Some(0), 1),
                (6, 2, true, Some(2), 0),
            ]
        );
        // None: truncated at the global ends, also for a neighbour of the edge block.
        let n = spec(5, 3, 3, Boundary::None);
        assert_eq!(n.added(1, 2), (1, 3));
        assert_eq!(n.added(0, 5), (0, 0));
        let segs = axis_segments(&n, 1, 2);
        assert_eq!(segs.iter().map(|g| g.len).sum::<usize>(), 5);
    }

    #[test]
    fn constant_runs_are_not_merged_with_data() {
        let s = spec(2, 2, 1, Boundary::Constant(1.0));
        let segs = axis_segments(&s, 0, 2);
        assert_eq!(segs.len(), 3);
        assert_eq!(segs[0].first, None);
        assert_eq!(segs[2].first, None);
    }

    #[test]
    fn highest_constant_axis_wins_in_corners() {
        let a = ArrayD::from_elem(IxDyn(&[2, 2]), 1.0);
        let x = ChunkedArray::from_array(a);
        let b = Boundaries::per_axis(vec![Boundary::Constant(7.0), Boundary::Constant(8.0)]);
        let g = overlap(&x, &Depth::uniform(1), &b, true).unwrap();
        let e = g.to_array();
        assert_eq!(e[[0, 0]], 8.0);
        assert_eq!(e[[0, 1]], 7.0);
        assert_eq!(e[[1, 0]], 8.0);
        let g = overlap(&x, &Depth::uniform(1), &b, false).unwrap();
        assert_eq!(g.to_array()[[0, 0]], 0.0);
        assert_eq!(g.to_array()[[0, 1]], 7.0);
    }

    #[test]
    fn zero_dimensional_and_empty_arrays() {
        let s = ChunkedArray::from_array(ArrayD::from_elem(IxDyn(&[]), 3.0));
        let g = overlap(&s, &Depth::uniform(2), &Boundaries::default(), true).unwrap();
        assert_eq!(g, s);
        let e = ChunkedArray::<f64>::zeros_single(&[0, 3]);
        let c = overlap(
            &e,
            &Depth::uniform(1),
            &Boundary::Constant(2.0).into(),
            true,
        )
        .unwrap();
        assert_eq!(c.shape(), &[2, 5]);
        assert!(c.to_array().iter().all(|&v| v == 2.0));
        assert!(matches!(
            overlap(&e, &Depth::uniform(1), &Boundaries::default(), true),
            Err(Error::HaloImpossible(_))
        ));
        let n = overlap(&e, &Depth::uniform(1), &Boundary::None.into(), true).unwrap();
        assert_eq!(n.shape(), &[0, 3]);
    }

    #[test]
    fn depth_larger_than_chunks_gathers_across_blocks() {
        let a = arr1(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]).into_dyn();
        let g = ChunkGrid::new(&[6], vec![vec![1, 1, 1, 3]]).unwrap();
        let x = ChunkedArray::from_array_grid(a.view(), g).unwrap();
        let e = extended_block(
            &x,
            &[2],
            &Depth::uniform(3),
            &Boundary::Periodic.into(),
            true,
        )
        .unwrap();
        assert_eq!(e, arr1(&[5.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0]).into_dyn());
        assert!(
            extended_block(&x, &[4], &Depth::uniform(1), &Boundaries::default(), true).is_err()
        );
    }
}
