//! Chunked n-d arrays: a global shape tiled by a [`ChunkGrid`] into blocks that rayon processes at once.

use crate::error::{shape_err, Error, Result};
use crate::grid::ChunkGrid;
use crate::par::{self, Nothing};
use crate::rng::Rng;
use crate::scalar::Scalar;
use crate::vector::{random_scalar, Vector};
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Axis, IxDyn, Slice};
use rayon::prelude::*;

/// Number of elements per partial sum in reductions: partial sums are computed in parallel and added
/// in a fixed order, so `dot` and `norm` are deterministic for a given chunk grid.
pub const REDUCE_PIECE: usize = 1 << 14;

/// An n-d array split into blocks by a [`ChunkGrid`]; every block is a standard-layout (C order)
/// `ndarray` array.
///
/// The layout is an invariant of the type: blocks can be read as arrays ([`ChunkedArray::blocks`])
/// but are handed out for writing only as views ([`ChunkedArray::blocks_mut`],
/// [`ChunkedArray::block_mut`]), so their shapes and memory order cannot be changed from outside;
/// every constructor copies a block given in another memory order into C order.
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use rylops_core::{ChunkedArray, Vector};
/// let a = ArrayD::from_shape_fn(IxDyn(&[4, 6]), |ix| (ix[0] * 6 + ix[1]) as f64);
/// let c = ChunkedArray::from_array_chunks(a.view(), &[2, 4]).unwrap();
/// assert_eq!(c.grid().chunks(1), &[4, 2]);
/// assert_eq!(c.block(&[1, 1]).unwrap().shape(), &[2, 2]);
/// assert_eq!(c.to_array(), a);
/// assert_eq!(c.dot(&c), a.iter().map(|v| v * v).sum::<f64>());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ChunkedArray<T> {
    grid: ChunkGrid,
    blocks: Vec<ArrayD<T>>,
}

impl<T: Scalar> ChunkedArray<T> {
    /// A single-chunk array that takes ownership of `a` (no copy if `a` is in standard layout).
    pub fn from_array(a: ArrayD<T>) -> Self {
        let a = if a.is_standard_layout() {
            a
        } else {
            a.as_standard_layout().into_owned()
        };
        let grid = ChunkGrid::single(a.shape());
        Self {
            grid,
            blocks: vec![a],
        }
    }

    /// Copies `a` into blocks of the given grid.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `a`'s shape is not the grid's shape.
    pub fn from_array_grid(a: ArrayViewD<'_, T>, grid: ChunkGrid) -> Result<Self> {
        if a.shape() != grid.shape() {
            return Err(shape_err(
                "ChunkedArray::from_array_grid",
                grid.shape(),
                a.shape(),
            ));
        }
        let blocks = (0..grid.nblocks())
            .into_par_iter()
            .map(|k| {
                let id = grid.block_id(k);
                let off = grid.block_offset(&id);
                let shp = grid.block_shape(&id);
                let mut v = a.view();
                for ax in 0..grid.ndim() {
                    v.slice_axis_inplace(Axis(ax), Slice::from(off[ax]..off[ax] + shp[ax]));
                }
                v.as_standard_layout().into_owned()
            })
            .collect();
        Ok(Self { grid, blocks })
    }

    /// Copies `a` into uniform blocks of size `chunk` per axis.
    ///
    /// # Errors
    /// [`Error::InconsistentChunks`] (from [`ChunkGrid::uniform`]) if a chunk size is zero, the
    /// list has the wrong length, or the grid's size overflows.
    pub fn from_array_chunks(a: ArrayViewD<'_, T>, chunk: &[usize]) -> Result<Self> {
        let grid = ChunkGrid::uniform(a.shape(), chunk)?;
        Self::from_array_grid(a, grid)
    }

    /// Builds an array from its blocks, in C order of block ids.
    ///
    /// # Errors
    /// [`Error::InconsistentChunks`] if the number of blocks differs from the grid's, or a block's
    /// shape differs from the grid's block shape.
    pub fn from_blocks(grid: ChunkGrid, blocks: Vec<ArrayD<T>>) -> Result<Self> {
        if blocks.len() != grid.nblocks() {
            return Err(Error::InconsistentChunks(format!(
                "{} blocks given for a grid of {} blocks",
                blocks.len(),
                grid.nblocks()
            )));
        }
        let blocks = blocks
            .into_iter()
            .enumerate()
            .map(|(k, b)| {
                let want = grid.block_shape(&grid.block_id(k));
                if b.shape() != want.as_slice() {
                    return Err(shape_err(format!("block {k}"), &want, b.shape()));
                }
                Ok(if b.is_standard_layout() {
                    b
                } else {
                    b.as_standard_layout().into_owned()
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self { grid, blocks })
    }

    /// A zero array on `grid`.
    ///
    /// # Panics
    /// If the array's size in bytes exceeds `isize::MAX` (Rust's limit for one allocation); if the
    /// memory cannot be allocated, the process aborts as on any failed allocation. Use
    /// [`ChunkedArray::try_zeros`] to get an error instead in both cases.
    pub fn zeros(grid: ChunkGrid) -> Self {
        if let Err(e) = check_bytes::<T>(grid.shape()) {
            panic!("ChunkedArray::zeros: {e}");
        }
        let blocks = (0..grid.nblocks())
            .map(|k| ArrayD::zeros(IxDyn(&grid.block_shape(&grid.block_id(k)))))
            .collect();
        Self { grid, blocks }
    }

    /// A zero array on `grid`, or an error if it cannot be allocated.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (named `shape`) if the array's size in bytes exceeds
    /// `isize::MAX` or the allocator refuses the memory of a block.
    ///
    /// ```
    /// use rylops_core::{ChunkGrid, ChunkedArray, Error};
    /// let g = ChunkGrid::single(&[1 << 62]);
    /// assert!(matches!(ChunkedArray::<f64>::try_zeros(g), Err(Error::InvalidParameter { .. })));
    /// ```
    pub fn try_zeros(grid: ChunkGrid) -> Result<Self> {
        check_bytes::<T>(grid.shape())?;
        let mut blocks = Vec::new();
        blocks
            .try_reserve_exact(grid.nblocks())
            .map_err(|_| alloc_err(grid.shape(), "the list of blocks"))?;
        for k in 0..grid.nblocks() {
            blocks.push(try_zeros_array(&grid.block_shape(&grid.block_id(k)))?);
        }
        Ok(Self { grid, blocks })
    }

    /// A zero array of `shape` in a single chunk.
    ///
    /// # Panics
    /// As [`ChunkedArray::zeros`], and if the shape has more elements than an array can hold.
    pub fn zeros_single(shape: &[usize]) -> Self {
        Self::zeros(ChunkGrid::single(shape))
    }

    /// A standard-normal random array on `grid` (reproducible from `seed`).
    ///
    /// # Panics
    /// As [`ChunkedArray::zeros`].
    pub fn random(grid: ChunkGrid, seed: u64) -> Self {
        let mut a = Self::zeros(grid);
        a.fill_random(&mut Rng::new(seed));
        a
    }

    /// The chunk grid.
    pub fn grid(&self) -> &ChunkGrid {
        &self.grid
    }
    /// The global shape.
    pub fn shape(&self) -> &[usize] {
        self.grid.shape()
    }
    /// Number of dimensions.
    pub fn ndim(&self) -> usize {
        self.grid.ndim()
    }
    /// The blocks in C order of their ids.
    pub fn blocks(&self) -> &[ArrayD<T>] {
        &self.blocks
    }
    /// Mutable views of the blocks, in C order of their ids.
    ///
    /// Views let the values be changed but not the blocks' shapes or memory order, which the
    /// operators rely on.
    ///
    /// ```
    /// use rylops_core::{ChunkGrid, ChunkedArray};
    /// let mut a = ChunkedArray::<f64>::zeros(ChunkGrid::uniform(&[4], &[2]).unwrap());
    /// for (k, mut b) in a.blocks_mut().into_iter().enumerate() {
    ///     b.fill(k as f64);
    /// }
    /// assert_eq!(a.to_array().as_slice().unwrap(), &[0.0, 0.0, 1.0, 1.0]);
    /// ```
    pub fn blocks_mut(&mut self) -> Vec<ArrayViewMutD<'_, T>> {
        self.blocks.iter_mut().map(|b| b.view_mut()).collect()
    }
    /// Consumes the array into its grid and blocks.
    pub fn into_parts(self) -> (ChunkGrid, Vec<ArrayD<T>>) {
        (self.grid, self.blocks)
    }
    /// The block with id `id`, or an error if the id is out of range.
    ///
    /// # Errors
    /// [`Error::InconsistentChunks`] for an id of the wrong length or out of range.
    pub fn block(&self, id: &[usize]) -> Result<&ArrayD<T>> {
        self.grid.check_block_id(id)?;
        Ok(&self.blocks[self.grid.linear_index(id)])
    }
    /// A mutable view of the block with id `id`.
    ///
    /// # Errors
    /// [`Error::InconsistentChunks`] for an id of the wrong length or out of range.
    pub fn block_mut(&mut self, id: &[usize]) -> Result<ArrayViewMutD<'_, T>> {
        self.grid.check_block_id(id)?;
        let k = self.grid.linear_index(id);
        Ok(self.blocks[k].view_mut())
    }
    /// The contiguous data of block `k` (linear index).
    ///
    /// # Panics
    /// If `k >= nblocks`.
    pub fn block_slice(&self, k: usize) -> &[T] {
        self.blocks[k]
            .as_slice()
            .expect("blocks are kept in standard layout")
    }
    /// The contiguous data of block `k`, mutable.
    ///
    /// # Panics
    /// If `k >= nblocks`.
    pub fn block_slice_mut(&mut self, k: usize) -> &mut [T] {
        self.blocks[k]
            .as_slice_mut()
            .expect("blocks are kept in standard layout")
    }

    /// Assembles the whole array (a copy, unless there is a single chunk: then use [`Self::into_array`]).
    pub fn to_array(&self) -> ArrayD<T> {
        if self.blocks.len() == 1 {
            return self.blocks[0].clone();
        }
        let mut out = ArrayD::zeros(IxDyn(self.shape()));
        for (k, b) in self.blocks.iter().enumerate() {
            let id = self.grid.block_id(k);
            let off = self.grid.block_offset(&id);
            let mut v = out.view_mut();
            for (ax, (&o, &len)) in off.iter().zip(b.shape()).enumerate() {
                v.slice_axis_inplace(Axis(ax), Slice::from(o..o + len));
            }
            v.assign(b);
        }
        out
    }

    /// The whole array, without copying when there is a single chunk.
    pub fn into_array(mut self) -> ArrayD<T> {
        if self.blocks.len() == 1 {
            if let Some(b) = self.blocks.pop() {
                return b;
            }
        }
        self.to_array()
    }

    /// The same data on another grid of the same shape.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if `grid` has another shape than the array.
    pub fn rechunk(&self, grid: ChunkGrid) -> Result<Self> {
        if grid.shape() != self.shape() {
            return Err(shape_err(
                "ChunkedArray::rechunk",
                self.shape(),
                grid.shape(),
            ));
        }
        if grid == self.grid {
            return Ok(self.clone());
        }
        let blocks = (0..grid.nblocks())
            .into_par_iter()
            .map(|k| {
                let id = grid.block_id(k);
                let off = grid.block_offset(&id);
                let shp = grid.block_shape(&id);
                let mut out = ArrayD::zeros(IxDyn(&shp));
                self.copy_region(&off, &mut out);
                out
            })
            .collect();
        Ok(Self { grid, blocks })
    }

    /// Same data with uniform chunks of size `chunk`.
    ///
    /// # Errors
    /// As [`ChunkGrid::uniform`] for bad chunk sizes.
    pub fn rechunk_uniform(&self, chunk: &[usize]) -> Result<Self> {
        self.rechunk(ChunkGrid::uniform(self.shape(), chunk)?)
    }

    /// Copies the region starting at global `off` with the shape of `out` into `out`.
    /// The region must lie inside the array.
    ///
    /// # Panics
    /// If the region does not lie inside the array, or `off` has fewer entries than the array has
    /// axes (a caller's bug: the region is always computed from the array's own grid).
    pub fn copy_region(&self, off: &[usize], out: &mut ArrayD<T>) {
        self.copy_region_into(off, out.view_mut());
    }

    /// [`copy_region`](Self::copy_region) into a view (e.g. the inside of a larger array).
    ///
    /// # Panics
    /// As [`copy_region`](Self::copy_region).
    pub fn copy_region_into(&self, off: &[usize], mut out: ArrayViewMutD<'_, T>) {
        let nd = self.ndim();
        let shp = out.shape().to_vec();
        // Blocks overlapping the region along every axis.
        let ranges: Vec<(usize, usize)> = (0..nd)
            .map(|ax| {
                if shp[ax] == 0 {
                    return (0, 0);
                }
                let (b0, _) = self.grid.locate(ax, off[ax]);
                let (b1, _) = self.grid.locate(ax, off[ax] + shp[ax] - 1);
                (b0, b1 + 1)
            })
            .collect();
        if ranges.iter().any(|r| r.0 == r.1) {
            return;
        }
        let mut id: Vec<usize> = ranges.iter().map(|r| r.0).collect();
        loop {
            let boff = self.grid.block_offset(&id);
            let bshp = self.grid.block_shape(&id);
            let b = &self.blocks[self.grid.linear_index(&id)];
            let mut src = b.view();
            let mut dst = out.view_mut();
            for ax in 0..nd {
                let lo = off[ax].max(boff[ax]);
                let hi = (off[ax] + shp[ax]).min(boff[ax] + bshp[ax]);
                src.slice_axis_inplace(Axis(ax), Slice::from(lo - boff[ax]..hi - boff[ax]));
                dst.slice_axis_inplace(Axis(ax), Slice::from(lo - off[ax]..hi - off[ax]));
            }
            dst.assign(&src);
            // next block id in the box
            let mut ax = nd;
            loop {
                if ax == 0 {
                    return;
                }
                ax -= 1;
                id[ax] += 1;
                if id[ax] < ranges[ax].1 {
                    break;
                }
                id[ax] = ranges[ax].0;
            }
        }
    }

    /// Applies `f` to a mutable view of every block in parallel, giving it the block id.
    pub fn par_for_each_block(
        &mut self,
        f: impl Fn(&[usize], &mut ArrayViewMutD<'_, T>) + Sync + Send,
    ) {
        let grid = &self.grid;
        self.blocks
            .par_iter_mut()
            .enumerate()
            .for_each(|(k, b)| f(&grid.block_id(k), &mut b.view_mut()));
    }

    /// Builds a new array on the same grid by mapping every block in parallel (shapes must be kept).
    ///
    /// # Errors
    /// [`Error::InconsistentChunks`] if `f` returns a block of another shape than it was given.
    pub fn map_blocks<U: Scalar>(
        &self,
        f: impl Fn(&[usize], &ArrayD<T>) -> ArrayD<U> + Sync + Send,
    ) -> Result<ChunkedArray<U>> {
        let blocks: Vec<ArrayD<U>> = self
            .blocks
            .par_iter()
            .enumerate()
            .map(|(k, b)| f(&self.grid.block_id(k), b))
            .collect();
        ChunkedArray::from_blocks(self.grid.clone(), blocks)
    }

    /// Overwrites the array piece by piece with `fill` and returns its squared norm, summed as each
    /// piece is written (while it is in cache): one pass over memory instead of a write then a
    /// [`norm_sqr`](Vector::norm_sqr), and the same bits as that `norm_sqr`.
    ///
    /// `fill(k, start, piece)` must overwrite `piece`, the elements `start .. start + piece.len()`
    /// of block `k`'s contiguous (C-order) data (it holds their current values, which `fill` may
    /// read); it is called in parallel, once for every piece, in any order. The pieces are those
    /// of the reductions ([`REDUCE_PIECE`] elements, aligned to the start of each block), which is
    /// what makes the sum bit-identical.
    ///
    /// ```
    /// use rylops_core::{ChunkGrid, ChunkedArray, Vector};
    /// let x = ChunkedArray::<f64>::random(ChunkGrid::uniform(&[7, 5], &[3, 2]).unwrap(), 1);
    /// let mut y = x.zeros_like();
    /// // y = 2 x, and ||y||^2, in one pass.
    /// let nn = y.fill_norm_sqr(|k, s, p| {
    ///     for (o, i) in p.iter_mut().zip(&x.block_slice(k)[s..]) {
    ///         *o = 2.0 * i;
    ///     }
    /// });
    /// assert_eq!(nn, y.norm_sqr());
    /// ```
    pub fn fill_norm_sqr(&mut self, fill: impl Fn(usize, usize, &mut [T]) + Sync) -> T::Real {
        par::pass_indexed(&mut self.blocks[..], &|k, s, p: &mut [T]| {
            fill(k, s, &mut *p);
            par::lane_sum(&*p, |a, i| a[i].modulus_sqr())
        })
    }

    /// Overwrites the array piece by piece with `fill`, as [`fill_norm_sqr`](Self::fill_norm_sqr)
    /// does (the same pieces, in parallel, `fill` free to read the values it overwrites), without
    /// a reduction: e.g. `self += A x` with `A x` computed piece by piece and added while in cache.
    ///
    /// ```
    /// use rylops_core::{ChunkGrid, ChunkedArray, Vector};
    /// let x = ChunkedArray::<f64>::random(ChunkGrid::uniform(&[7, 5], &[3, 2]).unwrap(), 1);
    /// let mut y = x.clone();
    /// // y += 2 x, in one pass.
    /// y.fill_pieces(|k, s, p| {
    ///     for (o, i) in p.iter_mut().zip(&x.block_slice(k)[s..]) {
    ///         *o += 2.0 * i;
    ///     }
    /// });
    /// let mut want = x.clone();
    /// want.scale(3.0);
    /// assert_eq!(y, want);
    /// ```
    pub fn fill_pieces(&mut self, fill: impl Fn(usize, usize, &mut [T]) + Sync) {
        let Nothing = par::pass_indexed(&mut self.blocks[..], &|k, s, p: &mut [T]| {
            fill(k, s, p);
            Nothing
        });
    }

    /// As [`fill_norm_sqr`](Self::fill_norm_sqr), but returns `w.dot(self)` (`sum conj(w_i)
    /// self_i`) of the written array, with the same bits as that [`dot`](Vector::dot).
    ///
    /// # Panics
    /// If `w` is not laid out like `self` (a programmer error, as for every binary vector
    /// operation).
    pub fn fill_dot(&mut self, w: &Self, fill: impl Fn(usize, usize, &mut [T]) + Sync) -> T {
        assert_layout(self, w);
        par::pass_indexed((&mut self.blocks[..], &w.blocks[..]), &|k,
                                                                   s,
                                                                   (p, w): (
            &mut [T],
            &[T],
        )| {
            fill(k, s, &mut *p);
            par::lane_sum((w, &*p), |(a, b), i| a[i].conj() * b[i])
        })
    }

    /// Fills the work array `tmp` piece by piece with `fill` (as
    /// [`fill_norm_sqr`](Self::fill_norm_sqr)), sets `self = tmp + b self` on each piece while it
    /// is in cache, and returns `||self||^2`: the bits of filling `tmp`, then
    /// [`xpby_norm_sqr`](Vector::xpby_norm_sqr)`(tmp, b)`, without reading `tmp` back from memory.
    ///
    /// # Panics
    /// If `tmp` is not laid out like `self`.
    pub fn fill_xpby_norm_sqr(
        &mut self,
        tmp: &mut Self,
        b: T,
        fill: impl Fn(usize, usize, &mut [T]) + Sync,
    ) -> T::Real {
        assert_layout(self, tmp);
        par::pass_indexed((&mut self.blocks[..], &mut tmp.blocks[..]), &|k,
                                                                         s,
                                                                         (p, t): (
            &mut [T],
            &mut [T],
        )| {
            fill(k, s, &mut *t);
            par::lane_sum((p, &*t), |(p, t), i| {
                p[i] = t[i] + b * p[i];
                p[i].modulus_sqr()
            })
        })
    }

    /// Element-wise unary update that also returns the squared norm of the result, in one pass
    /// and in the order of [`Vector::norm_sqr`].
    fn update_norm_sqr(&mut self, f: impl Fn(&mut T) + Sync + Send) -> T::Real {
        par::pass(&mut self.blocks[..], &|s: &mut [T]| {
            par::lane_sum(s, |s, i| {
                f(&mut s[i]);
                s[i].modulus_sqr()
            })
        })
    }

    /// Checks that `other` is on the same grid.
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] if the shapes differ, [`Error::ChunkMismatch`] (naming both grids)
    /// if only the chunkings do.
    pub fn check_same_grid(&self, other: &Self, context: &str) -> Result<()> {
        if self.shape() != other.shape() {
            return Err(shape_err(context, self.shape(), other.shape()));
        }
        if self.grid != other.grid {
            return Err(Error::ChunkMismatch(format!(
                "{context}: {:?} vs {:?}",
                self.grid.all_chunks(),
                other.grid.all_chunks()
            )));
        }
        Ok(())
    }

    /// Element-wise binary update over two arrays on the same grid, parallel over pieces.
    fn zip_update(&mut self, x: &Self, f: impl Fn(&mut T, T) + Sync + Send) {
        assert_layout(self, x);
        par::pass((&mut self.blocks[..], &x.blocks[..]), &|(s, x): (
            &mut [T],
            &[T],
        )| {
            for (s, &x) in s.iter_mut().zip(x) {
                f(s, x)
            }
            Nothing
        });
    }

    /// Element-wise binary update that also returns the squared norm of the updated array, in one
    /// pass and in the same order as [`Vector::norm_sqr`] (so the result is the same bit for bit).
    fn zip_update_norm_sqr(&mut self, x: &Self, f: impl Fn(&mut T, T) + Sync + Send) -> T::Real {
        assert_layout(self, x);
        par::pass((&mut self.blocks[..], &x.blocks[..]), &|(s, x): (
            &mut [T],
            &[T],
        )| {
            par::lane_sum((s, x), |(s, x), i| {
                f(&mut s[i], x[i]);
                s[i].modulus_sqr()
            })
        })
    }
}

/// Checks that an array of `shape` and element type `T` fits in one allocation (`isize::MAX` bytes).
pub(crate) fn check_bytes<T>(shape: &[usize]) -> Result<()> {
    let n = crate::grid::check_element_count(shape)?;
    match n.checked_mul(std::mem::size_of::<T>().max(1)) {
        Some(b) if b <= isize::MAX as usize => Ok(()),
        _ => Err(Error::InvalidParameter {
            name: "shape".into(),
            reason: format!(
                "an array of shape {shape:?} needs more than isize::MAX bytes of {}-byte elements",
                std::mem::size_of::<T>()
            ),
        }),
    }
}

fn alloc_err(shape: &[usize], what: &str) -> Error {
    Error::InvalidParameter {
        name: "shape".into(),
        reason: format!("cannot allocate {what} of an array of shape {shape:?}: out of memory"),
    }
}

/// A zero array of `shape`, or an error (no abort) if its memory cannot be allocated.
///
/// The allocation is probed fallibly first and then made zeroed (so large arrays still get
/// lazily-zeroed pages from the system).
pub(crate) fn try_zeros_array<T: Scalar>(shape: &[usize]) -> Result<ArrayD<T>> {
    check_bytes::<T>(shape)?;
    let n = crate::grid::check_element_count(shape)?;
    let mut probe: Vec<T> = Vec::new();
    probe
        .try_reserve_exact(n)
        .map_err(|_| alloc_err(shape, "a block"))?;
    drop(probe);
    Ok(ArrayD::zeros(IxDyn(shape)))
}

#[track_caller]
fn assert_layout<T: Scalar>(a: &ChunkedArray<T>, b: &ChunkedArray<T>) {
    assert!(
        a.grid == b.grid,
        "vector operation on arrays with different layouts: {:?} vs {:?}",
        a.grid.all_chunks(),
        b.grid.all_chunks()
    );
}

impl<T: Scalar> Vector<T> for ChunkedArray<T> {
    fn len(&self) -> usize {
        self.grid.len()
    }
    fn zeros_like(&self) -> Self {
        Self::zeros(self.grid.clone())
    }
    fn same_layout(&self, other: &Self) -> bool {
        self.grid == other.grid
    }
    fn describe_layout(&self) -> String {
        format!(
            "shape {:?}, chunks {:?}",
            self.shape(),
            self.grid.all_chunks()
        )
    }
    fn dot(&self, other: &Self) -> T {
        assert_layout(self, other);
        par::pass((&self.blocks[..], &other.blocks[..]), &|(a, b): (
            &[T],
            &[T],
        )| {
            par::lane_sum((a, b), |(a, b), i| a[i].conj() * b[i])
        })
    }
    fn norm_sqr(&self) -> T::Real {
        par::pass(&self.blocks[..], &|a: &[T]| {
            par::lane_sum(a, |a, i| a[i].modulus_sqr())
        })
    }
    fn axpy(&mut self, a: T, x: &Self) {
        self.zip_update(x, move |s, x| *s += a * x);
    }
    fn add_assign(&mut self, x: &Self) {
        self.zip_update(x, |s, x| *s += x);
    }
    fn sub_assign(&mut self, x: &Self) {
        self.zip_update(x, |s, x| *s -= x);
    }
    fn xpby(&mut self, x: &Self, b: T) {
        self.zip_update(x, move |s, x| *s = x + b * *s);
    }
    fn lincomb(&mut self, a: T, x: &Self, b: T, y: &Self) {
        assert_layout(self, x);
        assert_layout(self, y);
        par::pass(
            (&mut self.blocks[..], &x.blocks[..], &y.blocks[..]),
            &|(s, x, y): (&mut [T], &[T], &[T])| {
                for ((s, &x), &y) in s.iter_mut().zip(x).zip(y) {
                    *s = a * x + b * y;
                }
                Nothing
            },
        );
    }
    fn axpy_norm_sqr(&mut self, a: T, x: &Self) -> T::Real {
        self.zip_update_norm_sqr(x, move |s, x| *s += a * x)
    }
    fn xpby_norm_sqr(&mut self, x: &Self, b: T) -> T::Real {
        self.zip_update_norm_sqr(x, move |s, x| *s = x + b * *s)
    }
    fn add_assign_norm_sqr(&mut self, x: &Self) -> T::Real {
        self.zip_update_norm_sqr(x, |s, x| *s += x)
    }
    fn sub_assign_norm_sqr(&mut self, x: &Self) -> T::Real {
        self.zip_update_norm_sqr(x, |s, x| *s -= x)
    }
    fn scale_norm_sqr(&mut self, a: T) -> T::Real {
        self.update_norm_sqr(move |s| *s *= a)
    }
    fn step_direction(&mut self, a: T, y: &mut Self, x: &Self, b: T) -> T::Real {
        assert_layout(self, y);
        assert_layout(self, x);
        par::pass(
            (&mut self.blocks[..], &mut y.blocks[..], &x.blocks[..]),
            &|(p, y, x): (&mut [T], &mut [T], &[T])| {
                par::lane_sum((p, y, x), |(p, y, x), i| {
                    y[i] += a * p[i];
                    p[i] = x[i] + b * p[i];
                    p[i].modulus_sqr()
                })
            },
        )
    }
    fn scale(&mut self, a: T) {
        par::pass(&mut self.blocks[..], &|s: &mut [T]| {
            s.iter_mut().for_each(|v| *v *= a);
            Nothing
        });
    }
    fn copy_from(&mut self, other: &Self) {
        self.zip_update(other, |s, x| *s = x);
    }
    fn fill(&mut self, v: T) {
        self.blocks.par_iter_mut().for_each(|b| b.fill(v));
    }
    fn fill_random(&mut self, rng: &mut Rng) {
        // Sequential in global C order, so the values do not depend on the chunking.
        let grid = self.grid.clone();
        let nd = grid.ndim();
        let shape = grid.shape().to_vec();
        let total = grid.len();
        if self.blocks.len() == 1 {
            for v in self.blocks[0].iter_mut() {
                *v = random_scalar(rng);
            }
            return;
        }
        let mut idx = vec![0usize; nd];
        for _ in 0..total {
            let val: T = random_scalar(rng);
            let mut bid = vec![0; nd];
            let mut loc = vec![0; nd];
            for ax in 0..nd {
                let (b, l) = grid.locate(ax, idx[ax]);
                bid[ax] = b;
                loc[ax] = l;
            }
            let k = grid.linear_index(&bid);
            self.blocks[k][IxDyn(&loc)] = val;
            for ax in (0..nd).rev() {
                idx[ax] += 1;
                if idx[ax] < shape[ax] {
                    break;
                }
                idx[ax] = 0;
            }
        }
    }
    fn all_finite(&self) -> bool {
        self.blocks
            .par_iter()
            .all(|b| b.iter().all(|v| v.is_finite()))
    }
    fn zip_apply<F: Fn(&mut T, T) + Sync + Send>(&mut self, x: &Self, f: F) {
        self.zip_update(x, f);
    }
}

impl<T: Scalar> From<ArrayD<T>> for ChunkedArray<T> {
    fn from(a: ArrayD<T>) -> Self {
        Self::from_array(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex64;

    fn ramp(shape: &[usize]) -> ArrayD<f64> {
        let mut k = 0.0;
        ArrayD::from_shape_simple_fn(IxDyn(shape), || {
            k += 1.0;
            k
        })
    }

    #[test]
    fn round_trip_and_rechunk() {
        let a = ramp(&[5, 7, 3]);
        let c = ChunkedArray::from_array_chunks(a.view(), &[2, 3, 2]).unwrap();
        assert_eq!(c.grid().nblocks(), 3 * 3 * 2);
        assert_eq!(c.to_array(), a);
        let r = c
            .rechunk(ChunkGrid::new(&[5, 7, 3], vec![vec![1, 4], vec![7], vec![1, 1, 1]]).unwrap())
            .unwrap();
        assert_eq!(r.to_array(), a);
        assert_eq!(r.block(&[1, 0, 2]).unwrap().shape(), &[4, 7, 1]);
        assert!(r.block(&[2, 0, 0]).is_err());
    }

    #[test]
    fn single_chunk_takes_ownership() {
        let a = ramp(&[3, 4]);
        let ptr = a.as_ptr();
        let c = ChunkedArray::from_array(a);
        assert_eq!(c.blocks()[0].as_ptr(), ptr);
        assert_eq!(c.into_array().as_ptr(), ptr);
    }

    #[test]
    fn fill_random_does_not_depend_on_chunking() {
        let g1 = ChunkGrid::single(&[6, 5]);
        let g2 = ChunkGrid::uniform(&[6, 5], &[4, 2]).unwrap();
        let a = ChunkedArray::<Complex64>::random(g1, 9);
        let b = ChunkedArray::<Complex64>::random(g2, 9);
        assert_eq!(a.to_array(), b.to_array());
    }

    fn fused_equal_separate<T: Scalar>() {
        let grid = ChunkGrid::new(
            &[3 * REDUCE_PIECE + 11, 3],
            vec![vec![5, 2 * REDUCE_PIECE, REDUCE_PIECE + 6], vec![1, 2]],
        )
        .unwrap();
        let p0 = ChunkedArray::<T>::random(grid.clone(), 1);
        let x = ChunkedArray::<T>::random(grid.clone(), 2);
        let y0 = ChunkedArray::<T>::random(grid, 3);
        let (a, b) = (T::from_f64(0.37), T::from_f64(-1.3));

        let (mut s1, mut s2) = (p0.clone(), p0.clone());
        s1.axpy(a, &x);
        let n1 = s1.norm_sqr();
        assert_eq!((s2.axpy_norm_sqr(a, &x), &s2), (n1, &s1));

        let (mut s1, mut s2) = (p0.clone(), p0.clone());
        s1.xpby(&x, b);
        let n1 = s1.norm_sqr();
        assert_eq!((s2.xpby_norm_sqr(&x, b), &s2), (n1, &s1));

        let (mut p1, mut y1, mut p2, mut y2) = (p0.clone(), y0.clone(), p0, y0);
        y1.axpy(a, &p1);
        p1.xpby(&x, b);
        let n1 = p1.norm_sqr();
        assert_eq!(p2.step_direction(a, &mut y2, &x, b), n1);
        assert_eq!((&p2, &y2), (&p1, &y1));
    }

    /// The one-pass `fill_*` methods and the new fused updates against a write then the separate
    /// reduction, bit for bit, on layouts with several pieces per block, uneven blocks, 1-wide
    /// blocks and no elements.
    fn fill_equal_separate<T: Scalar>() {
        use crate::scalar::RealScalar;
        let grids = [
            ChunkGrid::new(
                &[3 * REDUCE_PIECE + 11, 3],
                vec![vec![5, 2 * REDUCE_PIECE, REDUCE_PIECE + 6], vec![1, 2]],
            )
            .unwrap(),
            ChunkGrid::single(&[2 * REDUCE_PIECE + 7]),
            ChunkGrid::uniform(&[7, 3], &[1, 1]).unwrap(),
            ChunkGrid::new(&[0, 4], vec![vec![0], vec![1, 3]]).unwrap(),
            ChunkGrid::single(&[0]),
        ];
        let bits = |r: T::Real| r.to_f64_lossless().to_bits();
        for grid in grids {
            let x = ChunkedArray::<T>::random(grid.clone(), 2);
            let y0 = ChunkedArray::<T>::random(grid.clone(), 3);
            let w = ChunkedArray::<T>::random(grid.clone(), 4);
            let (a, b) = (T::from_f64(0.37), T::from_f64(-1.3));
            // The fill computes y = a x + y_old: it reads the values it overwrites.
            let fill = |k: usize, s: usize, p: &mut [T]| {
                for (o, &i) in p.iter_mut().zip(&x.block_slice(k)[s..]) {
                    *o = a * i + *o;
                }
            };
            let mut want = y0.clone();
            want.zip_apply(&x, |o, i| *o = a * i + *o);

            let mut y = y0.clone();
            assert_eq!(bits(y.fill_norm_sqr(fill)), bits(want.norm_sqr()));
            assert_eq!(y, want);

            let mut y = y0.clone();
            let d = y.fill_dot(&w, fill);
            let e = w.dot(&want);
            assert_eq!((bits(d.re()), bits(d.im())), (bits(e.re()), bits(e.im())));
            assert_eq!(y, want);

            // tmp = a x + tmp_old, then y = tmp + b y.
            let (mut y, mut tmp) = (y0.clone(), w.clone());
            let n = y.fill_xpby_norm_sqr(&mut tmp, b, fill);
            let (mut t2, mut y2) = (w.clone(), y0.clone());
            t2.zip_apply(&x, |o, i| *o = a * i + *o);
            assert_eq!(bits(n), bits(y2.xpby_norm_sqr(&t2, b)));
            assert_eq!((&y, &tmp), (&y2, &t2));

            for (op, name) in ["add", "sub", "scale"].into_iter().enumerate() {
                let (mut s1, mut s2) = (y0.clone(), y0.clone());
                let n2 = match op {
                    0 => s2.add_assign_norm_sqr(&x),
                    1 => s2.sub_assign_norm_sqr(&x),
                    _ => s2.scale_norm_sqr(b),
                };
                match op {
                    0 => s1.add_assign(&x),
                    1 => s1.sub_assign(&x),
                    _ => s1.scale(b),
                }
                assert_eq!(bits(n2), bits(s1.norm_sqr()), "{name}");
                assert_eq!(s2, s1, "{name}");
            }
        }
    }

    #[test]
    fn one_pass_fills_equal_a_write_then_the_reduction() {
        fill_equal_separate::<f64>();
        fill_equal_separate::<Complex64>();
        fill_equal_separate::<f32>();
    }

    #[test]
    fn fused_vector_ops_equal_separate_ops_bit_for_bit() {
        fused_equal_separate::<f32>();
        fused_equal_separate::<f64>();
        fused_equal_separate::<num_complex::Complex32>();
        fused_equal_separate::<Complex64>();
    }

    #[test]
    fn reductions_do_not_depend_on_the_thread_count() {
        let c = ChunkedArray::<f64>::random(
            ChunkGrid::uniform(&[5 * REDUCE_PIECE + 3], &[2 * REDUCE_PIECE]).unwrap(),
            4,
        );
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let (n1, d1) = pool.install(|| (c.norm_sqr(), c.dot(&c)));
        assert_eq!((n1, d1), (c.norm_sqr(), c.dot(&c)));
        let exact: f64 = c.to_array().iter().map(|v| v * v).sum();
        assert!((n1 - exact).abs() <= 1e-12 * exact);
    }

    #[test]
    fn blocks_cannot_lose_their_layout_through_mutable_access() {
        let a = ramp(&[4, 3]);
        let mut c = ChunkedArray::from_array_chunks(a.view(), &[2, 3]).unwrap();
        // Writing through a view: values change, layout stays C order.
        let t = ArrayD::from_shape_fn(IxDyn(&[3, 2]), |i| (i[0] * 2 + i[1]) as f64);
        c.block_mut(&[1, 0]).unwrap().assign(&t.t());
        c.blocks_mut()[0].fill(-1.0);
        assert!(c.blocks().iter().all(|b| b.is_standard_layout()));
        assert_eq!(c.block(&[1, 0]).unwrap(), &t.t());
        // Non-C-order blocks given to a constructor are copied into C order.
        let (g, mut blocks) = c.clone().into_parts();
        blocks[1] = t.t().to_owned();
        assert!(!blocks[1].is_standard_layout());
        let d = ChunkedArray::from_blocks(g, blocks).unwrap();
        assert!(d.blocks().iter().all(|b| b.is_standard_layout()));
        assert_eq!(d, c);
        assert_eq!(
            d.norm_sqr(),
            c.to_array().iter().map(|v| v * v).sum::<f64>()
        );
        assert!(c.block_mut(&[2, 0]).is_err());
    }

    #[test]
    fn impossible_allocations_are_errors() {
        let g = ChunkGrid::single(&[1 << 61]);
        assert!(ChunkedArray::<f64>::try_zeros(g.clone()).is_err());
        assert!(std::panic::catch_unwind(|| ChunkedArray::<f64>::zeros(g)).is_err());
        let ok = ChunkedArray::<f32>::try_zeros(ChunkGrid::uniform(&[5, 0], &[2, 1]).unwrap());
        assert_eq!(ok.unwrap().shape(), &[5, 0]);
    }

    #[test]
    fn vector_ops() {
        let a = ramp(&[40000]);
        let c = ChunkedArray::from_array_chunks(a.view(), &[7000]).unwrap();
        let mut d = c.clone();
        d.axpy(2.0, &c);
        assert_eq!(d.to_array(), &a * 3.0);
        d.xpby(&c, 0.5);
        assert_eq!(d.to_array(), &a * 2.5);
        d.scale(2.0);
        assert_eq!(d.to_array(), &a * 5.0);
        let mut e = c.zeros_like();
        e.lincomb(1.0, &c, -1.0, &c);
        assert_eq!(e.norm(), 0.0);
        let exact: f64 = a.iter().map(|v| v * v).sum();
        assert!((c.dot(&c) - exact).abs() <= 1e-12 * exact);
        assert!(c.all_finite());
    }
}
