//! Zero padding (pylops' `Pad`).

use crate::identity::{check_dims, copy_region_into};
use ndarray::{ArrayViewMutD, Slice};
use rylops_core::{check_apply, Chunked, ChunkedArray, ChunkedOperator, Error, Result, Scalar};
use std::marker::PhantomData;

/// Pads the model with zeros: `pad[k] = (before, after)` zeros are added before and after axis
/// `k` (numpy's `pad(..., mode="constant")`); the adjoint extracts the model-sized box at
/// `(before_0, before_1, ...)`.
///
/// A pure copy, bit-for-bit pylops' in every chunking. Each output block is filled in parallel
/// from the input blocks it overlaps (no gathered copy). The data are laid out like the model
/// (see [`ChunkGrid::like`](rylops_core::ChunkGrid::like)).
///
/// ```
/// use ndarray::arr1;
/// use rylops_core::{dot_test, ChunkedArray, LinearMap, LinearOperator};
/// use rylops_operators::Pad;
/// let op = Pad::<f64>::new(&[2], &[(1, 2)]).unwrap();
/// let y = op.forward(&ChunkedArray::from(arr1(&[5.0, 6.0]).into_dyn())).unwrap();
/// assert_eq!(y.to_array().as_slice().unwrap(), &[0.0, 5.0, 6.0, 0.0, 0.0]);
/// assert_eq!(op.adjoint(&y).unwrap().to_array().as_slice().unwrap(), &[5.0, 6.0]);
/// assert!(dot_test(&op, 0).unwrap().passed);
/// ```
#[derive(Clone, Debug)]
pub struct Pad<T> {
    dims: Vec<usize>,
    pad: Vec<(usize, usize)>,
    _scalar: PhantomData<fn() -> T>,
}

impl<T: Scalar> Pad<T> {
    /// Pads models of shape `dims` by `pad[k] = (before, after)` along each axis `k` (pylops'
    /// `Pad(dims, pad)`; pylops' 1-D shorthand `pad=(b, a)` is `&[(b, a)]`). Widths are `usize`,
    /// so pylops' "padding must be positive or zero" cannot occur.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] named `pad` unless there is one pair per axis (pylops raises
    /// `ValueError`), named `dims` for a shape (padded or not) too large for an array.
    pub fn new(dims: &[usize], pad: &[(usize, usize)]) -> Result<Chunked<Self>> {
        check_dims("dims", dims)?;
        if pad.len() != dims.len() {
            return Err(Error::InvalidParameter {
                name: "pad".into(),
                reason: format!(
                    "{} (before, after) pairs for a {}-d model: give one per axis",
                    pad.len(),
                    dims.len()
                ),
            });
        }
        let dimsd = dims
            .iter()
            .zip(pad)
            .map(|(&n, &(b, a))| n.checked_add(b).and_then(|m| m.checked_add(a)))
            .collect::<Option<Vec<_>>>()
            .unwrap_or_else(|| vec![usize::MAX, 2]);
        check_dims("dims", &dimsd)?;
        Ok(Chunked(Self {
            dims: dims.to_vec(),
            pad: pad.to_vec(),
            _scalar: PhantomData,
        }))
    }

    /// The `(before, after)` widths per axis.
    pub fn pad(&self) -> &[(usize, usize)] {
        &self.pad
    }
}

impl<T: Scalar> ChunkedOperator for Pad<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dims
            .iter()
            .zip(&self.pad)
            .map(|(&n, &(b, a))| n + b + a)
            .collect()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        let grid = y.grid().clone();
        y.par_for_each_block(|id, block: &mut ArrayViewMutD<'_, T>| {
            let off = grid.block_offset(id);
            // The part of the block inside the model's box [before, before + n).
            let mut lo = vec![0; off.len()];
            let mut hi = vec![0; off.len()];
            for ax in 0..off.len() {
                let (b, n) = (self.pad[ax].0, self.dims[ax]);
                let len = block.shape()[ax];
                lo[ax] = b.clamp(off[ax], off[ax] + len) - off[ax];
                hi[ax] = (b + n).clamp(off[ax], off[ax] + len) - off[ax];
            }
            block.fill(T::zero());
            if lo.iter().zip(&hi).any(|(l, h)| l >= h) {
                return;
            }
            let src: Vec<usize> = (0..off.len())
                .map(|ax| off[ax] + lo[ax] - self.pad[ax].0)
                .collect();
            let inner = block.slice_each_axis_mut(|a| {
                let ax = a.axis.index();
                Slice::from(lo[ax]..hi[ax])
            });
            copy_region_into(x, &src, inner);
        });
        Ok(())
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        let grid = x.grid().clone();
        x.par_for_each_block(|id, block: &mut ArrayViewMutD<'_, T>| {
            let off = grid.block_offset(id);
            let src: Vec<usize> = off
                .iter()
                .zip(&self.pad)
                .map(|(&o, &(b, _))| o + b)
                .collect();
            copy_region_into(y, &src, block.view_mut());
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn};
    use num_complex::Complex32;
    use rylops_core::{dot_test, dot_test_with, ChunkGrid, LinearMap, LinearOperator};

    #[test]
    fn pads_and_crops_in_any_chunking() {
        let dims = [3, 4];
        let pad = [(2, 1), (0, 3)];
        let op = Pad::<f64>::new(&dims, &pad).unwrap();
        assert_eq!(op.dimsd(), vec![6, 7]);
        let x = ArrayD::from_shape_fn(IxDyn(&dims), |i| (1 + 10 * i[0] + i[1]) as f64);
        let want = ArrayD::from_shape_fn(IxDyn(&[6, 7]), |i| {
            if (2..5).contains(&i[0]) && i[1] < 4 {
                x[[i[0] - 2, i[1]]]
            } else {
                0.0
            }
        });
        for chunk in [[3, 4], [2, 3], [1, 1]] {
            let xc = ChunkedArray::from_array_chunks(x.view(), &chunk).unwrap();
            let y = op.forward(&xc).unwrap();
            assert_eq!(y.to_array(), want);
            let yc = y.rechunk_uniform(&[4, 2]).unwrap();
            assert_eq!(op.adjoint(&yc).unwrap().to_array(), x);
        }
        let opc = Pad::<Complex32>::new(&[2, 3, 2], &[(1, 1), (0, 2), (3, 0)]).unwrap();
        let g = ChunkGrid::uniform(&[2, 3, 2], &[1, 2, 1]).unwrap();
        assert!(
            dot_test_with(&opc, ChunkedArray::zeros(g), 1, None)
                .unwrap()
                .passed
        );
        assert!(
            dot_test(&Pad::<f32>::new(&[0], &[(1, 1)]).unwrap(), 1)
                .unwrap()
                .passed
        );
        assert_eq!(op.pad(), &pad);
    }

    #[test]
    fn one_pair_per_axis() {
        assert!(Pad::<f64>::new(&[3, 2, 2], &[(1, 1), (0, 0)]).is_err());
        assert!(Pad::<f64>::new(&[3], &[(usize::MAX, 1)]).is_err());
    }
}
