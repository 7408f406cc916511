//! Chunked n-d arrays: a global shape tiled by a [`ChunkGrid`] into blocks that rayon processes at once.

mod fill;
#[cfg(test)]
mod tests;
mod vector;

use crate::error::{shape_err, Error, Result};
use crate::grid::ChunkGrid;
use crate::rng::Rng;
use crate::scalar::Scalar;
use crate::vector::Vector;
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

impl<T: Scalar> From<ArrayD<T>> for ChunkedArray<T> {
    fn from(a: ArrayD<T>) -> Self {
        Self::from_array(a)
    }
}
