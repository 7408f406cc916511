//! The chunked driver: a stencil (or a fused sum of stencils) over every block of a chunked array,
//! with halos gathered only along the stencil's axis and only where the array is chunked along it.

use super::block::apply_block;
use super::fused::{apply_fused_block, with_terms, FusedTerm, MAX_TERMS};
use super::lane::{AxisBlock, LaneStencil, Put, Set};
use crate::error::{Error, Result};
use crate::scalar::Scalar;
use crate::ChunkedArray;

/// `axis` if it is an axis of an array of `ndim` dimensions, an [`Error::AxisOutOfRange`] otherwise.
pub(crate) fn check_axis(axis: usize, ndim: usize) -> Result<usize> {
    if axis < ndim {
        Ok(axis)
    } else {
        Err(Error::AxisOutOfRange {
            axis: isize::try_from(axis).unwrap_or(isize::MAX),
            ndim,
        })
    }
}

/// An error if a block of `y` is not in C order (checked before anything is computed into it).
pub(crate) fn check_out_layout<T: Scalar>(y: &ChunkedArray<T>, what: &str) -> Result<()> {
    match y.blocks().iter().position(|b| !b.is_standard_layout()) {
        None => Ok(()),
        Some(k) => Err(Error::InconsistentChunks(format!(
            "{what}: block {k} is not in standard (C) memory layout"
        ))),
    }
}

/// Every block of `x` as a C-order slice, or an error naming the first block that is not in C order
/// (blocks replaced through `blocks_mut` may have any memory layout).
pub(crate) fn block_slices<'a, T: Scalar>(
    x: &'a ChunkedArray<T>,
    what: &str,
) -> Result<Vec<&'a [T]>> {
    x.blocks()
        .iter()
        .enumerate()
        .map(|(k, b)| {
            b.as_slice().ok_or_else(|| {
                Error::InconsistentChunks(format!(
                    "{what}: block {k} is not in standard (C) memory layout"
                ))
            })
        })
        .collect()
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
    check_axis(axis, grid.ndim())?;
    let xs = block_slices(x, "stencil input")?;
    check_out_layout(y, "stencil output")?;
    let n = grid.shape()[axis];
    let borrow = grid.is_chunked_along(axis) && halos_borrowable(st, grid, axis);
    let halos = if grid.is_chunked_along(axis) && !borrow {
        Some(crate::halo::gather_halos(x, axis, |s, e, n| {
            st.block_depth(s, e, n)
        })?)
    } else {
        None
    };
    let after: usize = (axis + 1..grid.ndim())
        .map(|a| grid.nblocks_along(a))
        .product();
    y.blocks_mut()
        .par_iter_mut()
        .enumerate()
        .for_each(|(k, yb)| {
            let start = block_start(grid, k, axis);
            let mut ab = AxisBlock::new(xs[k], yb.shape(), axis, start, n);
            if let Some(h) = &halos {
                ab = ab.with_halo(&h.blocks[k], axis);
            } else if borrow {
                // The rows the block needs are the last rows of the previous block and the first
                // rows of the next one, contiguous in their data: borrowed, not copied.
                let (nb, na) = st.block_depth(start, start + ab.m, n);
                if nb > 0 {
                    let prev = xs[k - after];
                    ab.before = &prev[prev.len() - nb * ab.inner..];
                    ab.nb = nb;
                }
                if na > 0 {
                    let next = xs[k + after];
                    ab.after = &next[..na * ab.inner];
                    ab.na = na;
                }
            }
            if let Some(ys) = yb.as_slice_mut() {
                apply_block(st, &ab, ys, put);
            }
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

/// `rylops-mpi`, fused sums in Laplacian and Gradient — can run the same kernels.
pub trait StencilOp<T: Scalar>: Sync {
    /// The stencil type (one per operator configuration family).
    type Stencil: LaneStencil<T>;
    /// The (non-negative) axis the stencil acts along.
    fn axis(&self) -> usize;
    /// The forward (`adjoint = false`) or adjoint row gather.
    fn stencil(&self, adjoint: bool) -> Self::Stencil;
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
    if terms.len() != inputs.len() {
        return Err(Error::InvalidParameter {
            name: "inputs".into(),
            reason: format!(
                "one input per term: {} inputs for {} terms",
                inputs.len(),
                terms.len()
            ),
        });
    }
    for x in inputs {
        x.check_same_grid(y, "fused stencil output")?;
    }
    for &(axis, _, _) in terms {
        check_axis(axis, y.ndim())?;
    }
    for x in inputs {
        block_slices(x, "fused stencil input")?;
    }
    check_out_layout(y, "fused stencil output")?;
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
                    xb.as_slice().unwrap_or(&[]),
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
            if let Some(ys) = yb.as_slice_mut() {
                with_terms(nt, term, |fused| apply_fused_block(fused, ys));
            }
        });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stencil::lane::toy::{data, reference, Toy};
    use crate::ChunkGrid;
    use ndarray::{ArrayD, IxDyn, ShapeBuilder};

    fn array(shape: &[usize], chunks: Vec<Vec<usize>>, seed: u64) -> (Vec<f64>, ChunkedArray<f64>) {
        let len = shape.iter().product();
        let v = data(len, seed);
        let a = ArrayD::from_shape_vec(IxDyn(shape), v.clone()).unwrap();
        let g = ChunkGrid::new(shape, chunks).unwrap();
        (v, ChunkedArray::from_array_grid(a.view(), g).unwrap())
    }

    #[test]
    fn every_chunking_gives_the_single_block_bits() {
        let shape = [7, 6];
        let st = Toy { s: 0.5 };
        for chunks in [
            vec![vec![7], vec![6]],
            vec![vec![1, 1, 3, 2], vec![6]],
            vec![vec![2, 5], vec![1, 2, 3]],
            vec![vec![1; 7], vec![1; 6]],
        ] {
            let (v, x) = array(&shape, chunks.clone(), 1);
            for axis in 0..2 {
                let mut y = ChunkedArray::zeros(x.grid().clone());
                apply_chunked(&st, axis, &x, &mut y, Set).unwrap();
                let want = reference(&st, &v, &shape, axis);
                let got = y.to_array();
                assert!(
                    got.iter()
                        .zip(&want)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "{chunks:?} axis {axis}"
                );
                // Fused: the two axes summed.
                let mut z = ChunkedArray::zeros(x.grid().clone());
                apply_fused_chunked(&[(0, &st, None), (1, &st, Some(2.0))], &[&x, &x], &mut z)
                    .unwrap();
                let (r0, r1) = (reference(&st, &v, &shape, 0), reference(&st, &v, &shape, 1));
                let zs = z.to_array();
                assert!(zs
                    .iter()
                    .zip(r0.iter().zip(&r1))
                    .all(|(g, (a, b))| *g == a + 2.0 * b));
            }
        }
    }

    #[test]
    fn bad_arguments_are_typed_errors() {
        let st = Toy { s: 1.0 };
        let (_, x) = array(&[4, 3], vec![vec![2, 2], vec![3]], 2);
        let mut y = ChunkedArray::zeros(x.grid().clone());
        assert!(matches!(
            apply_chunked(&st, 2, &x, &mut y, Set),
            Err(Error::AxisOutOfRange { axis: 2, ndim: 2 })
        ));
        assert!(matches!(
            apply_fused_chunked(&[(0, &st, None)], &[&x, &x], &mut y),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            apply_fused_chunked(&[(5, &st, None)], &[&x], &mut y),
            Err(Error::AxisOutOfRange { .. })
        ));
        let mut wrong =
            ChunkedArray::zeros(ChunkGrid::new(&[4, 3], vec![vec![4], vec![3]]).unwrap());
        assert!(apply_chunked(&st, 0, &x, &mut wrong, Set).is_err());
        // A block replaced by one in Fortran order.
        let mut f = x.clone();
        let b = f.blocks()[0].clone();
        let mut fb = ArrayD::zeros(IxDyn(b.shape()).f());
        fb.assign(&b);
        f.blocks_mut()[0] = fb;
        assert!(!f.blocks()[0].is_standard_layout());
        assert!(apply_chunked(&st, 0, &f, &mut y, Set).is_err());
        assert!(apply_chunked(&st, 0, &x, &mut f, Set).is_err());
    }

    #[test]
    fn zero_length_axes_are_empty_results() {
        let st = Toy { s: 1.0 };
        for shape in [[0usize, 4], [5, 0]] {
            let x = ChunkedArray::<f64>::zeros(
                ChunkGrid::new(&shape, vec![vec![shape[0]], vec![shape[1]]]).unwrap(),
            );
            let mut y = x.clone();
            for axis in 0..2 {
                apply_chunked(&st, axis, &x, &mut y, Set).unwrap();
                apply_fused_chunked(&[(0, &st, None), (1, &st, None)], &[&x, &x], &mut y).unwrap();
            }
        }
    }
}
