//! The restriction (sampling) operator (pylops' `Restriction`).

use crate::identity::check_dims;
use crate::lanes::{indices, map_lanes, whole};
#[cfg(test)]
use ndarray::Dimension;
use ndarray::{ArrayViewMutD, Axis, Slice, Zip};
use rylops_core::{
    check_apply, normalize_axis, Chunked, ChunkedArray, ChunkedOperator, Error, Result, Scalar,
};
use std::marker::PhantomData;

/// The restriction operator `R`: keeps the samples at positions `iava` along one axis.
///
/// Forward `y[.., k, ..] = x[.., iava[k], ..]` (numpy's `take`); adjoint: a zero model with
/// `x[.., iava[k], ..] += y[.., k, ..]` for `k = 0, 1, ...` in that order (numpy's `add.at`, so
/// repeated indices add up). `dims` is the model shape, `dimsd` the same with
/// `dimsd[axis] = iava.len()`.
///
/// **Chunking.** The data are laid out like the model (see
/// [`ChunkGrid::like`](rylops_core::ChunkGrid::like)): the other axes keep the model's chunks,
/// and `axis` (now `iava.len()` long) is split into chunks of the model's first chunk length along
/// it, or kept whole if the model is not split along it; the adjoint maps back the same way. Each
/// output block is computed in parallel from the whole input (gathered once if it is chunked), so
/// every chunking gives the same bits.
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use rylops_core::{dot_test, ChunkedArray, LinearMap, LinearOperator};
/// use rylops_operators::Restriction;
///
/// let op = Restriction::<f64>::new(&[3, 5], &[4, 0, 2], -1).unwrap();
/// assert_eq!(op.dimsd(), vec![3, 3]);
/// let x = ArrayD::from_shape_fn(IxDyn(&[3, 5]), |i| (10 * i[0] + i[1]) as f64);
/// let y = op.forward(&ChunkedArray::from(x)).unwrap().to_array();
/// assert_eq!(y.as_slice().unwrap()[3..6], [14.0, 10.0, 12.0]);
/// let xa = op.adjoint(&ChunkedArray::from(y)).unwrap().to_array();
/// assert_eq!(xa.as_slice().unwrap()[5..10], [10.0, 0.0, 12.0, 0.0, 14.0]);
/// assert!(dot_test(&op, 0).unwrap().passed);
/// ```
#[derive(Clone, Debug)]
pub struct Restriction<T> {
    dims: Vec<usize>,
    axis: usize,
    iava: Vec<usize>,
    repeated: bool,
    _scalar: PhantomData<fn() -> T>,
}

impl<T: Scalar> Restriction<T> {
    /// The restriction to the indices `iava` along `axis` of models of shape `dims` (pylops'
    /// `Restriction(dims, iava, axis)`; its default `axis` is `-1`). Indices may be negative
    /// (counting from the end, as numpy's) and repeated; `axis` may be negative.
    ///
    /// pylops' `inplace` and `forceflat` have no counterpart: outputs are always new arrays of
    /// shape `dimsd` (forward) or `dims` (adjoint).
    ///
    /// # Errors
    /// - [`Error::AxisOutOfRange`] if `axis` is not in `-dims.len()..dims.len()` (also for a 0-d
    ///   `dims`);
    /// - [`Error::InvalidParameter`] named `iava` for an index outside `-n..n` with
    ///   `n = dims[axis]` (pylops raises `IndexError` when applied), or named `dims` for a shape
    ///   too large for an array.
    ///
    /// ```
    /// use rylops_core::{Error, LinearMap};
    /// use rylops_operators::Restriction;
    /// let op = Restriction::<f32>::new(&[10], &[-1, 3, 3], 0).unwrap();
    /// assert_eq!(op.iava(), &[9, 3, 3]);
    /// assert!(op.is_repeated());
    /// assert!(matches!(
    ///     Restriction::<f32>::new(&[10], &[10], 0),
    ///     Err(Error::InvalidParameter { .. })
    /// ));
    /// ```
    pub fn new<I: Copy + TryInto<isize>>(
        dims: &[usize],
        iava: &[I],
        axis: isize,
    ) -> Result<Chunked<Self>> {
        check_dims("dims", dims)?;
        let axis = normalize_axis(axis, dims.len())?;
        let iava = indices("iava", iava, dims[axis])?;
        let mut d = dims.to_vec();
        d[axis] = iava.len();
        check_dims("dimsd", &d)?;
        let mut seen = vec![false; dims[axis]];
        let mut repeated = false;
        for &i in &iava {
            repeated |= std::mem::replace(&mut seen[i], true);
        }
        Ok(Chunked(Self {
            dims: dims.to_vec(),
            axis,
            iava,
            repeated,
            _scalar: PhantomData,
        }))
    }

    /// The sampled indices, normalised to `0..dims[axis]`, in the order given.
    pub fn iava(&self) -> &[usize] {
        &self.iava
    }

    /// The (non-negative) axis along which samples are taken.
    pub fn axis(&self) -> usize {
        self.axis
    }

    /// Whether some index appears more than once in `iava` (pylops' `repeated`).
    pub fn is_repeated(&self) -> bool {
        self.repeated
    }

    /// Whether each position along `axis` is sampled: `sampled()[i]` is true if `i` is in `iava`.
    ///
    /// ```
    /// use rylops_operators::Restriction;
    /// let op = Restriction::<f64>::new(&[4], &[1, 3], 0).unwrap();
    /// assert_eq!(op.sampled(), vec![false, true, false, true]);
    /// ```
    pub fn sampled(&self) -> Vec<bool> {
        let mut s = vec![false; self.dims[self.axis]];
        for &i in &self.iava {
            s[i] = true;
        }
        s
    }

    /// pylops' `mask`: `x` (of shape `dims`) with every entry whose index along `axis` is not in
    /// `iava` set to zero, laid out like `x`. (pylops returns a numpy masked array whose mask is
    /// [`Restriction::sampled`] negated; here the masked entries are the zeros.)
    ///
    /// # Errors
    /// - [`Error::InvalidParameter`] named `iava` if an index is repeated (pylops raises
    ///   `ValueError`);
    /// - [`Error::ShapeMismatch`] if `x` does not have shape `dims`.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use rylops_core::ChunkedArray;
    /// use rylops_operators::Restriction;
    /// let op = Restriction::<f64>::new(&[2, 3], &[0, 2], 1).unwrap();
    /// let x = ChunkedArray::from(ArrayD::from_elem(IxDyn(&[2, 3]), 7.0));
    /// let m = op.mask(&x).unwrap().to_array();
    /// assert_eq!(m.as_slice().unwrap(), &[7.0, 0.0, 7.0, 7.0, 0.0, 7.0]);
    /// assert!(Restriction::<f64>::new(&[3], &[1, 1], 0).unwrap().mask(&x).is_err());
    /// ```
    pub fn mask(&self, x: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
        if self.repeated {
            return Err(Error::InvalidParameter {
                name: "iava".into(),
                reason: "at least one index is repeated, mask is not enabled (as pylops)".into(),
            });
        }
        if x.shape() != self.dims.as_slice() {
            return Err(Error::ShapeMismatch {
                context: "Restriction::mask input".into(),
                expected: self.dims.clone(),
                got: x.shape().to_vec(),
            });
        }
        let keep = self.sampled();
        let mut out = x.clone();
        let (grid, axis) = (x.grid().clone(), self.axis);
        out.par_for_each_block(|id, block: &mut ArrayViewMutD<'_, T>| {
            let a0 = grid.block_offset(id)[axis];
            for (i, mut sl) in block.axis_iter_mut(Axis(axis)).enumerate() {
                if !keep[a0 + i] {
                    sl.fill(T::zero());
                }
            }
        });
        Ok(out)
    }

    /// Forward kernel on one lane: `y[k] = x[iava[k]]`.
    fn forward_lane(&self, x: &[T], y: &mut [T]) {
        for (yk, &i) in y.iter_mut().zip(&self.iava) {
            *yk = x[i];
        }
    }

    /// Adjoint kernel on one lane: zeros, then `x[iava[k]] += y[k]` in the order of `k`.
    fn adjoint_lane(&self, y: &[T], x: &mut [T]) {
        x.fill(T::zero());
        for (&yk, &i) in y.iter().zip(&self.iava) {
            x[i] += yk;
        }
    }
}

impl<T: Scalar> ChunkedOperator for Restriction<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        let mut d = self.dims.clone();
        d[self.axis] = self.iava.len();
        d
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        if self.dims.len() == 1 || self.iava.is_empty() {
            map_lanes(x, y, self.axis, |a, b| self.forward_lane(a, b));
            return Ok(());
        }
        // Whole slabs: one sampled index along `axis` gives one slab of the output.
        let xw = whole(x);
        let xv = xw.view();
        let (grid, axis) = (y.grid().clone(), self.axis);
        y.par_for_each_block(|id, block: &mut ArrayViewMutD<'_, T>| {
            let off = grid.block_offset(id);
            let shape = block.shape().to_vec();
            let xs = xv.slice_each_axis(|a| {
                let ax = a.axis.index();
                if ax == axis {
                    Slice::from(..)
                } else {
                    Slice::from(off[ax]..off[ax] + shape[ax])
                }
            });
            for (k, sl) in block.axis_iter_mut(Axis(axis)).enumerate() {
                let src = xs.index_axis(Axis(axis), self.iava[off[axis] + k]);
                Zip::from(sl).and(&src).for_each(|d, &s| *d = s);
            }
        });
        Ok(())
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        map_lanes(y, x, self.axis, |a, b| self.adjoint_lane(a, b));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn};
    use num_complex::{Complex32, Complex64};
    use rylops_core::{dot_test_with, ChunkGrid, LinearMap, LinearOperator};

    fn ramp(shape: &[usize]) -> ArrayD<f64> {
        let mut k = 0.0;
        ArrayD::from_shape_simple_fn(IxDyn(shape), || {
            k += 1.0;
            k
        })
    }

    /// Reference: numpy's `take` and `add.at`, element by element.
    fn naive(dims: &[usize], iava: &[usize], axis: usize, x: &ArrayD<f64>) -> ArrayD<f64> {
        let mut d = dims.to_vec();
        d[axis] = iava.len();
        ArrayD::from_shape_fn(IxDyn(&d), |i: IxDyn| {
            let mut j: Vec<usize> = i.as_array_view().to_vec();
            j[axis] = iava[j[axis]];
            x[IxDyn(&j)]
        })
    }

    #[test]
    fn forward_and_adjoint_agree_with_take_and_add_at_in_every_chunking() {
        let dims = [5, 6, 4];
        let x = ramp(&dims);
        for axis in [-3isize, -2, -1, 0, 1, 2] {
            let ax = normalize_axis(axis, 3).unwrap();
            let iava: Vec<i64> = vec![1, -1, 0, 1];
            let op = Restriction::<f64>::new(&dims, &iava, axis).unwrap();
            let want = naive(&dims, op.iava(), ax, &x);
            for chunk in [[5, 6, 4], [2, 3, 3], [1, 4, 1]] {
                let xc = ChunkedArray::from_array_chunks(x.view(), &chunk).unwrap();
                let y = op.forward(&xc).unwrap();
                assert_eq!(y.to_array(), want, "axis {axis} chunk {chunk:?}");
                let xa = op.adjoint(&y).unwrap();
                assert_eq!(xa.shape(), xc.shape());
                // repeated index 1 collects two copies; unsampled rows are zero
                let xa = xa.to_array();
                for (i, r) in xa.axis_iter(Axis(ax)).enumerate() {
                    let xr = x.index_axis(Axis(ax), i);
                    let mult = op.iava().iter().filter(|&&j| j == i).count() as f64;
                    assert_eq!(r, xr.mapv(|v| v * mult));
                }
            }
            assert!(op.is_repeated());
        }
    }

    #[test]
    fn dot_tests_every_scalar() {
        let dims = [7, 5];
        let grid = ChunkGrid::uniform(&dims, &[3, 2]).unwrap();
        let r = dot_test_with(
            &Restriction::<f64>::new(&dims, &[0, 6, 3], 0).unwrap(),
            ChunkedArray::zeros(grid.clone()),
            1,
            None,
        );
        assert!(r.unwrap().passed);
        let r = dot_test_with(
            &Restriction::<Complex64>::new(&dims, &[4, 4, 1], 1).unwrap(),
            ChunkedArray::zeros(grid.clone()),
            2,
            None,
        );
        assert!(r.unwrap().passed);
        let op = Restriction::<f32>::new(&dims, &[2usize], -1).unwrap();
        assert!(rylops_core::dot_test(&op, 3).unwrap().passed);
        let op = Restriction::<Complex32>::new(&dims, &[2usize, 0], -2).unwrap();
        assert!(rylops_core::dot_test(&op, 3).unwrap().passed);
    }

    #[test]
    fn empty_and_bad_inputs() {
        let op = Restriction::<f64>::new(&[4, 3], &[] as &[i32], 0).unwrap();
        assert_eq!(op.dimsd(), vec![0, 3]);
        let y = op.forward(&ChunkedArray::from(ramp(&[4, 3]))).unwrap();
        assert_eq!(y.shape(), &[0, 3]);
        assert_eq!(
            op.adjoint(&y).unwrap().to_array(),
            ArrayD::zeros(IxDyn(&[4, 3]))
        );
        assert!(matches!(
            Restriction::<f64>::new(&[4, 3], &[0], 2),
            Err(Error::AxisOutOfRange { .. })
        ));
        assert!(matches!(
            Restriction::<f64>::new(&[], &[0], -1),
            Err(Error::AxisOutOfRange { .. })
        ));
        assert!(Restriction::<f64>::new(&[4, 3], &[-5], 0).is_err());
        let op = Restriction::<f64>::new(&[4, 3], &[0], 0).unwrap();
        assert!(op.forward(&ChunkedArray::zeros_single(&[3, 4])).is_err());
        assert!(op.mask(&ChunkedArray::zeros_single(&[3, 4])).is_err());
        assert_eq!(op.axis(), 0);
    }

    #[test]
    fn mask_zeroes_the_unsampled_entries_in_any_chunking() {
        let x = ramp(&[4, 5]);
        let op = Restriction::<f64>::new(&[4, 5], &[3, 1], 0).unwrap();
        let xc = ChunkedArray::from_array_chunks(x.view(), &[3, 2]).unwrap();
        let m = op.mask(&xc).unwrap();
        assert_eq!(m.grid(), xc.grid());
        let m = m.to_array();
        for i in 0..4 {
            let want = if i == 1 || i == 3 { 1.0 } else { 0.0 };
            assert_eq!(
                m.index_axis(Axis(0), i),
                x.index_axis(Axis(0), i).mapv(|v| v * want)
            );
        }
    }
}
