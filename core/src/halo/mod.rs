//! Halos: slabs that a block borrows from its neighbours along one axis.
//!
//! A derivative along axis `k` needs, for each block, the `before` rows that precede it and the
//! `after` rows that follow it along `k` — never corners, never other axes. [`gather_halos`] builds
//! them by copying from the neighbouring blocks, gathering across several blocks when a neighbour is
//! thinner than the halo; at the global start/end of the axis the slabs are truncated (a block knows it
//! touches the global boundary because its slab is shorter than asked). [`scatter_add_halos`] is the
//! exact adjoint: it adds every slab row back into the block that owns it.
//!
//! Kernels never see where a slab came from: they receive a [`BlockHalo`] per block. Which rows come
//! from which block, and go back where in the adjoint, is planned once ([`HaloPlan`]); the functions
//! here are the in-process mover (memory copies between chunks), and `rylops-mpi` is the other one
//! (split-phase messages between ranks, from the same plans).

mod plan;

pub use plan::{HaloPlan, Side, Transfer};

use crate::chunked::ChunkedArray;
use crate::error::{Error, Result};
use crate::grid::ChunkGrid;
use crate::scalar::Scalar;
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn, Slice};
use rayon::prelude::*;

/// The halo slabs of one block along one axis.
///
/// `before` has the block's shape with the axis length replaced by the number of rows available
/// before the block (at most the requested depth, fewer at the global start); `after` likewise.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockHalo<T> {
    /// Rows preceding the block along the axis, in increasing global order.
    pub before: ArrayD<T>,
    /// Rows following the block along the axis, in increasing global order.
    pub after: ArrayD<T>,
}

impl<T: Scalar> BlockHalo<T> {
    /// Empty slabs for a block of shape `shape` (no halo needed).
    pub fn empty(shape: &[usize], axis: usize) -> Self {
        let mut s = shape.to_vec();
        s[axis] = 0;
        Self {
            before: ArrayD::zeros(IxDyn(&s)),
            after: ArrayD::zeros(IxDyn(&s)),
        }
    }
    /// Number of rows before the block.
    pub fn nbefore(&self, axis: usize) -> usize {
        self.before.shape()[axis]
    }
    /// Number of rows after the block.
    pub fn nafter(&self, axis: usize) -> usize {
        self.after.shape()[axis]
    }
}

/// Halos of every block of an array along one axis (C order of block ids).
#[derive(Clone, Debug, PartialEq)]
pub struct Halos<T> {
    /// The axis the halos extend along.
    pub axis: usize,
    /// One entry per block.
    pub blocks: Vec<BlockHalo<T>>,
}

/// The halo depth each block needs: `(before, after)` given the block's global start and end along the
/// axis and the axis length. Most stencils return a constant; edge rows may reach further.
pub trait DepthFn: Fn(usize, usize, usize) -> (usize, usize) + Sync {}
impl<F: Fn(usize, usize, usize) -> (usize, usize) + Sync> DepthFn for F {}

/// One slab (`side`) of the block of `plan`, of the block's shape `shape` with the axis length
/// replaced, assembled from the pieces the plan receives, copied from the blocks that own them. Every
/// element is written once (no zero-filling first).
fn assemble_slab<'a, T: Scalar>(
    grid: &ChunkGrid,
    block: &impl Fn(usize) -> ArrayViewD<'a, T>,
    plan: &HaloPlan,
    side: Side,
    shape: &[usize],
) -> ArrayD<T> {
    let axis = plan.axis;
    let (lo, hi) = match side {
        Side::Before => (plan.own.0 - plan.depth.0, plan.own.0),
        Side::After => (plan.own.1, plan.own.1 + plan.depth.1),
    };
    let mut s = shape.to_vec();
    s[axis] = hi - lo;
    let mut out = ArrayD::<T>::uninit(IxDyn(&s));
    for t in plan.recvs.iter().filter(|t| t.side == side) {
        let (_, local) = grid.locate(axis, t.rows.start);
        let src = block(t.peer);
        let sl = src.slice_axis(Axis(axis), Slice::from(local..local + t.rows.len()));
        let dst = Slice::from(t.rows.start - lo..t.rows.end - lo);
        sl.assign_to(out.slice_axis_mut(Axis(axis), dst));
    }
    // SAFETY: the plan's pieces of this side tile rows `lo..hi` exactly (it receives every row of
    // the slab from the block that owns it, in increasing order without gaps), so every element was
    // written, and the views given by `block` have the block's extent on the other axes.
    unsafe { out.assume_init() }
}

/// Gathers, for every block, the rows its neighbours hold along `axis`, as many as `depth` asks for.
///
/// Works with neighbours thinner than the halo (rows are gathered across several blocks). Returns empty
/// slabs for depths of zero; callers skip the call entirely for an axis that is not chunked. The cost
/// is `depth x face` copies per block.
///
/// # Errors
/// [`Error::AxisOutOfRange`] if `axis` is not an axis of `x`. Depths reaching past the array's ends
/// are clipped there (the slab holds the rows that exist).
pub fn gather_halos<T: Scalar>(
    x: &ChunkedArray<T>,
    axis: usize,
    depth: impl DepthFn,
) -> Result<Halos<T>> {
    gather_halos_by(x.grid(), |k| x.blocks()[k].view(), axis, depth)
}

/// [`gather_halos`] over blocks given by an accessor (block `k` of `grid`, as a view), e.g. one
/// component of a stacked array, so nothing has to be copied out first.
///
/// # Errors
/// As [`gather_halos`].
pub fn gather_halos_by<'a, T: Scalar>(
    grid: &ChunkGrid,
    block: impl Fn(usize) -> ArrayViewD<'a, T> + Sync,
    axis: usize,
    depth: impl DepthFn,
) -> Result<Halos<T>> {
    if axis >= grid.ndim() {
        return Err(Error::AxisOutOfRange {
            axis: axis as isize,
            ndim: grid.ndim(),
        });
    }
    let blocks = (0..grid.nblocks())
        .into_par_iter()
        .map(|k| {
            let plan = HaloPlan::new(grid, k, axis, &depth);
            let shape = grid.block_shape(&grid.block_id(k));
            BlockHalo {
                before: assemble_slab(grid, &block, &plan, Side::Before, &shape),
                after: assemble_slab(grid, &block, &plan, Side::After, &shape),
            }
        })
        .collect();
    Ok(Halos { axis, blocks })
}

/// The adjoint of [`gather_halos`]: adds every slab row into the block that owns it.
///
/// `halos` must have been built for `x`'s grid (same block shapes); each owner block sums the
/// contributions in a fixed order (blocks in C order, before-slab then after-slab), so the result is
/// deterministic.
///
/// # Errors
/// [`Error::AxisOutOfRange`] or [`Error::InconsistentChunks`] if `halos` was not built for `x`'s
/// grid (another axis, block count, rank or slab shape).
pub fn scatter_add_halos<T: Scalar>(halos: &Halos<T>, x: &mut ChunkedArray<T>) -> Result<()> {
    let grid = x.grid().clone();
    let axis = halos.axis;
    if axis >= grid.ndim() {
        return Err(Error::AxisOutOfRange {
            axis: isize::try_from(axis).unwrap_or(isize::MAX),
            ndim: grid.ndim(),
        });
    }
    if halos.blocks.len() != grid.nblocks() {
        return Err(Error::InconsistentChunks(format!(
            "{} halo entries for {} blocks",
            halos.blocks.len(),
            grid.nblocks()
        )));
    }
    let o = grid.offsets(axis).to_vec();
    for (k, h) in halos.blocks.iter().enumerate() {
        if h.before.ndim() != grid.ndim() || h.after.ndim() != grid.ndim() {
            return Err(Error::InconsistentChunks(format!(
                "halo of block {k} has {} and {} dimensions, the array {}",
                h.before.ndim(),
                h.after.ndim(),
                grid.ndim()
            )));
        }
        let shape = grid.block_shape(&grid.block_id(k));
        let mut sb = shape.clone();
        sb[axis] = h.nbefore(axis);
        let mut sa = shape;
        sa[axis] = h.nafter(axis);
        if h.before.shape() != sb.as_slice() || h.after.shape() != sa.as_slice() {
            return Err(Error::InconsistentChunks(format!(
                "halo of block {k} does not match the block's shape"
            )));
        }
        // Every slab row must exist in the array: rows before the global start or after its end
        // would otherwise be dropped silently.
        let id = grid.block_id(k);
        let (start, end) = (o[id[axis]], o[id[axis] + 1]);
        if h.nbefore(axis) > start || h.nafter(axis) > grid.shape()[axis] - end {
            return Err(Error::InconsistentChunks(format!(
                "halo of block {k} has {} rows before and {} after, but the array has only {} \
                 before and {} after the block along axis {axis}",
                h.nbefore(axis),
                h.nafter(axis),
                start,
                grid.shape()[axis] - end
            )));
        }
    }
    let mut blocks = x.blocks_mut();
    blocks.par_iter_mut().enumerate().for_each(|(k, dst)| {
        // The plan of the owner block with the slabs' own depths: what it "sends" in the gather is
        // what comes back to it here, in increasing order of the blocks along the axis.
        let id = grid.block_id(k);
        let slabs = |s: usize| {
            let mut q = id.clone();
            q[axis] = grid.locate(axis, s).0;
            &halos.blocks[grid.linear_index(&q)]
        };
        let depth = |s: usize, _, _| {
            let h = slabs(s);
            (h.nbefore(axis), h.nafter(axis))
        };
        let plan = HaloPlan::new(&grid, k, axis, depth);
        let ostart = plan.own.0;
        for t in &plan.sends {
            let qb = grid.block_id(t.peer)[axis];
            let (qs, qe) = (o[qb], o[qb + 1]);
            let h = &halos.blocks[t.peer];
            let (slab, lo) = match t.side {
                Side::Before => (&h.before, qs - h.nbefore(axis)),
                Side::After => (&h.after, qe),
            };
            let src = slab.slice_axis(Axis(axis), Slice::from(t.rows.start - lo..t.rows.end - lo));
            let rows = Slice::from(t.rows.start - ostart..t.rows.end - ostart);
            let mut d = dst.slice_axis_mut(Axis(axis), rows);
            d.zip_mut_with(&src, |d, &s| *d += s);
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::Vector;

    #[test]
    fn thin_neighbours_are_gathered_across_blocks() {
        let a = ArrayD::from_shape_fn(IxDyn(&[7, 2]), |ix| (ix[0] * 10 + ix[1]) as f64);
        let g = ChunkGrid::new(&[7, 2], vec![vec![1, 1, 3, 2], vec![2]]).unwrap();
        let x = ChunkedArray::from_array_grid(a.view(), g).unwrap();
        let h = gather_halos(&x, 0, |_, _, _| (2, 2)).unwrap();
        // block 2 covers rows 2..5: before = rows 0,1 (two blocks), after = rows 5,6.
        assert_eq!(
            h.blocks[2]
                .before
                .index_axis(Axis(1), 0)
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            vec![0.0, 10.0]
        );
        assert_eq!(
            h.blocks[2]
                .after
                .index_axis(Axis(1), 0)
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            vec![50.0, 60.0]
        );
        // block 0 touches the global start: no rows before.
        assert_eq!(h.blocks[0].nbefore(0), 0);
        assert_eq!(
            h.blocks[0]
                .after
                .index_axis(Axis(1), 1)
                .iter()
                .copied()
                .collect::<Vec<_>>(),
            vec![11.0, 21.0]
        );
        // last block: after truncated.
        assert_eq!(h.blocks[3].nafter(0), 0);
    }

    #[test]
    fn scatter_add_is_the_adjoint() {
        let g = ChunkGrid::new(&[9, 3], vec![vec![2, 1, 4, 2], vec![1, 2]]).unwrap();
        let x = ChunkedArray::<f64>::random(g.clone(), 1);
        let h = gather_halos(&x, 0, |_, _, _| (3, 1)).unwrap();
        let mut v = h.clone();
        let mut rng = crate::rng::Rng::new(5);
        let mut lhs = 0.0;
        for (hv, hx) in v.blocks.iter_mut().zip(&h.blocks) {
            for s in [&mut hv.before, &mut hv.after] {
                s.iter_mut().for_each(|e| *e = rng.normal());
            }
            lhs += hv
                .before
                .iter()
                .zip(hx.before.iter())
                .map(|(a, b)| a * b)
                .sum::<f64>();
            lhs += hv
                .after
                .iter()
                .zip(hx.after.iter())
                .map(|(a, b)| a * b)
                .sum::<f64>();
        }
        let mut back = ChunkedArray::zeros(g);
        scatter_add_halos(&v, &mut back).unwrap();
        let rhs = x.dot(&back);
        assert!((lhs - rhs).abs() <= 1e-12 * lhs.abs().max(1.0));
    }
}
