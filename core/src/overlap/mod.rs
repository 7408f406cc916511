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

mod plan;
mod spec;
#[cfg(test)]
mod tests;

use plan::*;
pub use spec::{Boundaries, Boundary, Depth};

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
