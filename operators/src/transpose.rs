//! Axis permutation (pylops' `Transpose`).

use crate::identity::{check_dims, for_each_overlap};
use ndarray::{ArrayViewMutD, IxDyn, Slice};
use rylops_core::{
    check_apply, normalize_axis, Chunked, ChunkedArray, ChunkedOperator, Error, Result, Scalar,
};
use std::marker::PhantomData;

/// Permutes the axes of the model: `y = x.transpose(axes)` (numpy's), so
/// `dimsd[k] = dims[axes[k]]`; the adjoint applies the inverse permutation.
///
/// A pure copy, bit-for-bit pylops' in every chunking. Each output block is filled in parallel
/// from the input blocks it overlaps (no gathered copy of the input). The data have one chunk
/// unless model and data shapes are equal (see [`ChunkGrid::like`](rylops_core::ChunkGrid::like)).
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use rylops_core::{dot_test, ChunkedArray, LinearMap};
/// use rylops_operators::Transpose;
/// let op = Transpose::<f64>::new(&[2, 3], &[1, 0]).unwrap();
/// assert_eq!(op.dimsd(), vec![3, 2]);
/// let x = ArrayD::from_shape_fn(IxDyn(&[2, 3]), |i| (10 * i[0] + i[1]) as f64);
/// let y = op.forward(&ChunkedArray::from(x.clone())).unwrap();
/// assert_eq!(y.to_array(), x.t());
/// assert!(dot_test(&op, 0).unwrap().passed);
/// ```
#[derive(Clone, Debug)]
pub struct Transpose<T> {
    dims: Vec<usize>,
    axes: Vec<usize>,
    axesd: Vec<usize>,
    _scalar: PhantomData<fn() -> T>,
}

impl<T: Scalar> Transpose<T> {
    /// Transposes models of shape `dims` into the axis order `axes` (pylops'
    /// `Transpose(dims, axes)`); entries may be negative.
    ///
    /// # Errors
    /// [`Error::AxisOutOfRange`] for an entry outside `-dims.len()..dims.len()`;
    /// [`Error::InvalidParameter`] named `axes` unless it names every axis exactly once (pylops
    /// raises `ValueError`); named `dims` for a shape too large.
    pub fn new(dims: &[usize], axes: &[isize]) -> Result<Chunked<Self>> {
        check_dims("dims", dims)?;
        let nd = dims.len();
        let axes = axes
            .iter()
            .map(|&a| normalize_axis(a, nd))
            .collect::<Result<Vec<_>>>()?;
        let mut axesd = vec![usize::MAX; nd];
        for (k, &a) in axes.iter().enumerate() {
            if axes.len() != nd || axesd[a] != usize::MAX {
                return Err(Error::InvalidParameter {
                    name: "axes".into(),
                    reason: format!(
                        "must contain every axis of a {nd}-d model exactly once, got {axes:?}"
                    ),
                });
            }
            axesd[a] = k;
        }
        if axesd.contains(&usize::MAX) {
            return Err(Error::InvalidParameter {
                name: "axes".into(),
                reason: format!(
                    "must contain every axis of a {nd}-d model exactly once, got {axes:?}"
                ),
            });
        }
        Ok(Chunked(Self {
            dims: dims.to_vec(),
            axes,
            axesd,
            _scalar: PhantomData,
        }))
    }

    /// The permutation (non-negative): data axis `k` is model axis `axes()[k]`.
    pub fn axes(&self) -> &[usize] {
        &self.axes
    }

    /// `out = in.transpose(perm)`, block by block.
    fn permute(src: &ChunkedArray<T>, dst: &mut ChunkedArray<T>, perm: &[usize]) {
        let grid = dst.grid().clone();
        dst.par_for_each_block(|id, block: &mut ArrayViewMutD<'_, T>| {
            let off = grid.block_offset(id);
            let shape = block.shape().to_vec();
            // The box of `src` this block reads: axis perm[k] of src spans block axis k.
            let mut soff = vec![0; perm.len()];
            let mut sshape = vec![0; perm.len()];
            for (k, &a) in perm.iter().enumerate() {
                soff[a] = off[k];
                sshape[a] = shape[k];
            }
            let mut bt = block.view_mut().permuted_axes(IxDyn(&inverse(perm)));
            for_each_overlap(src.grid(), &soff, &sshape, |kb, in_block, in_box| {
                let from = src.blocks()[kb]
                    .slice_each_axis(|a| Slice::from(in_block[a.axis.index()].clone()));
                bt.slice_each_axis_mut(|a| Slice::from(in_box[a.axis.index()].clone()))
                    .assign(&from);
            });
        });
    }
}

/// The inverse permutation.
fn inverse(perm: &[usize]) -> Vec<usize> {
    let mut inv = vec![0; perm.len()];
    for (k, &a) in perm.iter().enumerate() {
        inv[a] = k;
    }
    inv
}

impl<T: Scalar> ChunkedOperator for Transpose<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.axes.iter().map(|&a| self.dims[a]).collect()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        Self::permute(x, y, &self.axes);
        Ok(())
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        Self::permute(y, x, &self.axesd);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex64;
    use rylops_core::{dot_test, ChunkGrid, LinearMap, LinearOperator};

    #[test]
    fn permutes_in_any_chunking() {
        let dims = [3, 4, 5];
        let x = ChunkedArray::<Complex64>::random(ChunkGrid::single(&dims), 2);
        for axes in [
            [0isize, 1, 2],
            [2, 0, 1],
            [1, 2, 0],
            [-1, -2, -3],
            [0, 2, 1],
        ] {
            let op = Transpose::<Complex64>::new(&dims, &axes).unwrap();
            let want = x
                .to_array()
                .permuted_axes(IxDyn(op.axes()))
                .as_standard_layout()
                .into_owned();
            for chunk in [[3, 4, 5], [2, 3, 2], [1, 1, 4]] {
                let xc = x.rechunk_uniform(&chunk).unwrap();
                let mut y =
                    ChunkedArray::zeros(ChunkGrid::uniform(&op.dimsd(), &[2, 3, 2]).unwrap());
                op.forward_into(&xc, &mut y).unwrap();
                assert_eq!(y.to_array(), want);
                let back = op.adjoint(&y).unwrap();
                assert_eq!(back.to_array(), x.to_array());
            }
            assert!(dot_test(&op, 1).unwrap().passed);
        }
    }

    #[test]
    fn rejects_non_permutations() {
        for axes in [&[0isize, 0, 1][..], &[0, 1], &[0, 1, 2, 0]] {
            assert!(matches!(
                Transpose::<f64>::new(&[2, 3, 4], axes),
                Err(Error::InvalidParameter { .. })
            ));
        }
        assert!(matches!(
            Transpose::<f64>::new(&[2, 3], &[0, 2]),
            Err(Error::AxisOutOfRange { .. })
        ));
    }
}
