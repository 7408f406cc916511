//! n-d convolution over chosen axes (pylops' `ConvolveND`).

use rylops_core::ndarray::ArrayViewMutD;
use rylops_core::ndarray::{ArrayD, ArrayViewD, Dimension, Slice, Zip};
use rylops_core::{
    check_apply, normalize_axis, BlockKernel, Chunked, ChunkedArray, ChunkedOperator, Error,
    Result, Scalar,
};
use std::sync::Arc;

/// One tap of an n-d kernel: input at `i + d` (per convolved axis) times `tap`.
type NdTap<T> = (Vec<isize>, T);

/// Convolution with an n-d filter `h` over chosen axes, as pylops'
/// `ConvolveND(dims, h, offset, axes)`: along the convolved axes `a_0, a_1, ...` (one per axis of
/// `h`), `y[i] = sum_k h[k] x[i + offset - k]`, zero outside the array (pylops' `same` mode),
/// `offset` giving the index of the filter's centre per axis. The adjoint is the correlation
/// `x[i] = sum_k conj(h[k]) y[i - offset + k]`, as pylops' (`scipy.signal.correlate`).
///
/// Computed directly: every output element is one sum over the taps, in increasing order of the
/// input index it reads (row-major over the convolved axes), starting from zero. It runs in every
/// chunking, each block reading an extended block (halos along the convolved axes only, corners
/// included, as deep as the filter reaches, zeros past the array's ends), bit for bit as on one
/// chunk: it is a [`BlockKernel`] ([`ConvolveND::block_kernel`]), so it also runs on MPI ranks
/// through `rylops_mpi::DistributedKernel`, bit for bit as in one process.
///
/// **Agreement with pylops 2.8.0:** pylops' default `method="fft"` convolves through FFTs
/// (`scipy.signal.convolve(..., method="fft")`), whose rounding a direct sum cannot reproduce, so
/// rylops agrees to rounding (about 1e-16 relative to the largest value), not bit for bit; that
/// includes values that are exactly zero here and FFT noise (around 1e-17) in pylops.
///
/// ```
/// use rylops_core::{dot_test, ChunkedArray, LinearMap, ndarray::{arr2, ArrayD, IxDyn}};
/// use rylops_operators::ConvolveND;
/// let h = arr2(&[[0.0, 1.0], [2.0, 3.0]]).into_dyn();
/// let c = ConvolveND::<f64>::builder(&[3, 4], h).offset(&[1, 1]).build().unwrap();
/// let mut x = ArrayD::zeros(IxDyn(&[3, 4]));
/// x[[1, 1]] = 1.0;
/// let y = c.forward(&ChunkedArray::from_array(x)).unwrap().to_array();
/// assert_eq!((y[[1, 1]], y[[1, 0]], y[[0, 1]], y[[0, 0]]), (3.0, 2.0, 1.0, 0.0));
/// assert!(dot_test(&c, 0).unwrap().passed);
/// ```
#[derive(Clone, Debug)]
pub struct ConvolveND<T> {
    dims: Vec<usize>,
    axes: Vec<usize>,
    offset: Vec<isize>,
    h: ArrayD<T>,
    /// The taps as a block kernel (forward reach = the forward depth; the adjoint's is mirrored).
    kernel: Chunked<BlockKernel<T>>,
}

/// What the block kernels of a [`ConvolveND`] read: the convolved axes, the forward and adjoint taps
/// in summation order, and the forward and adjoint depth `(before, after)` per model axis.
struct NdTaps<T> {
    axes: Vec<usize>,
    taps: [Vec<NdTap<T>>; 2],
    depth: [Vec<(usize, usize)>; 2],
}

impl<T: Scalar> NdTaps<T> {
    /// One block of the output from its extended input block `e` (extended by `depth`): every
    /// element the sum over the taps in order, starting from zero.
    fn block(&self, adjoint: bool, e: &ArrayViewD<'_, T>, out: &mut ArrayViewMutD<'_, T>) {
        let depth = &self.depth[usize::from(adjoint)];
        let shape = out.shape().to_vec();
        out.fill(T::zero());
        for (d, t) in self.taps[usize::from(adjoint)].iter() {
            let t = *t;
            let src = e.slice_each_axis(|ax| {
                let a = ax.axis.index();
                let shift = self.axes.iter().position(|&c| c == a).map_or(0, |j| d[j]);
                let s = (depth[a].0 as isize + shift) as usize;
                Slice::from(s..s + shape[a])
            });
            Zip::from(&mut *out).and(&src).for_each(|o, &v| *o += v * t);
        }
    }
}

/// Builder of a [`ConvolveND`]; defaults as pylops: `offset` zero on every axis, `axes = (-2, -1)`.
#[derive(Clone, Debug)]
pub struct ConvolveNDBuilder<T> {
    dims: Vec<usize>,
    h: ArrayD<T>,
    offset: Option<Vec<isize>>,
    axes: Vec<isize>,
}

impl<T: Scalar> ConvolveNDBuilder<T> {
    /// Index of the filter's centre along each of its axes (pylops' `offset`; default zeros).
    pub fn offset(mut self, offset: &[isize]) -> Self {
        self.offset = Some(offset.to_vec());
        self
    }
    /// The model axes convolved, one per axis of `h` in order (negative counts from the end).
    pub fn axes(mut self, axes: &[isize]) -> Self {
        self.axes = axes.to_vec();
        self
    }
    /// Builds the operator.
    ///
    /// # Errors
    /// [`Error::AxisOutOfRange`] for an axis out of range; [`Error::InvalidParameter`] for repeated
    /// axes, a filter with no taps, non-finite taps or not one axis per convolved axis, an `offset`
    /// of the wrong length or further than `len(h) + dims[axis]` from the filter along some axis
    /// (every output would be zero), or `dims` too large for an array.
    pub fn build(self) -> Result<Chunked<ConvolveND<T>>> {
        crate::validate::shape(&self.dims, None)?;
        let nd = self.dims.len();
        let axes = self
            .axes
            .iter()
            .map(|&a| normalize_axis(a, nd))
            .collect::<Result<Vec<_>>>()?;
        let invalid = |name: &str, reason: String| Error::InvalidParameter {
            name: name.into(),
            reason,
        };
        if (1..axes.len()).any(|i| axes[..i].contains(&axes[i])) {
            return Err(invalid(
                "axes",
                format!("axes {:?} repeat an axis", self.axes),
            ));
        }
        let hs = self.h.shape().to_vec();
        if hs.len() != axes.len() {
            return Err(invalid(
                "h",
                format!(
                    "the filter has {} axes, the convolution {} ({:?}): give one filter axis per \
                     convolved axis",
                    hs.len(),
                    axes.len(),
                    self.axes
                ),
            ));
        }
        if self.h.is_empty() {
            return Err(invalid("h", "the filter needs at least one tap".into()));
        }
        crate::validate::finite("h", self.h.iter().copied())?;
        let offset = self.offset.unwrap_or_else(|| vec![0; hs.len()]);
        if offset.len() != hs.len() {
            return Err(invalid(
                "offset",
                format!(
                    "{} offsets for a filter with {} axes",
                    offset.len(),
                    hs.len()
                ),
            ));
        }
        for (j, (&o, &nh)) in offset.iter().zip(&hs).enumerate() {
            let bound = nh as i128 + self.dims[axes[j]] as i128;
            if (o as i128).abs() > bound {
                return Err(invalid(
                    "offset",
                    format!(
                        "offset {o} along filter axis {j} is further than the filter and axis \
                         lengths ({bound}) from the filter: every output would be zero"
                    ),
                ));
            }
        }
        let mut taps: [Vec<NdTap<T>>; 2] = [Vec::new(), Vec::new()];
        for (k, &t) in self.h.indexed_iter() {
            let k = k.slice();
            let fwd: Vec<isize> = (0..hs.len()).map(|j| offset[j] - k[j] as isize).collect();
            let adj: Vec<isize> = fwd.iter().map(|d| -d).collect();
            let ta = if t.im() == <T::Real as num_traits::Zero>::zero() {
                t
            } else {
                t.conj()
            };
            taps[0].push((fwd, t));
            taps[1].push((adj, ta));
        }
        // Increasing input index: reversed row-major order forward, row-major adjoint.
        taps[0].reverse();
        let depth = |t: &[NdTap<T>]| -> Vec<(usize, usize)> {
            let mut d = vec![(0, 0); nd];
            for (j, &a) in axes.iter().enumerate() {
                let lo = t.iter().map(|(v, _)| v[j]).min().unwrap_or(0);
                let hi = t.iter().map(|(v, _)| v[j]).max().unwrap_or(0);
                d[a] = ((-lo).max(0) as usize, hi.max(0) as usize);
            }
            d
        };
        let depths = [depth(&taps[0]), depth(&taps[1])];
        let reach = depths[0].clone();
        let nt = Arc::new(NdTaps {
            axes: axes.clone(),
            taps,
            depth: depths,
        });
        let (f, a) = (nt.clone(), nt);
        let kernel = BlockKernel::new(
            &self.dims,
            &reach,
            move |w, out| {
                f.block(false, w.data(), out);
                Ok(())
            },
            move |w, out| {
                a.block(true, w.data(), out);
                Ok(())
            },
        )?;
        Ok(Chunked(ConvolveND {
            dims: self.dims,
            axes,
            offset,
            h: self.h,
            kernel,
        }))
    }
}

impl<T: Scalar> ConvolveND<T> {
    /// A builder for a convolution of arrays of shape `dims` with the filter `h` (one axis per
    /// convolved axis).
    pub fn builder(dims: &[usize], h: ArrayD<T>) -> ConvolveNDBuilder<T> {
        ConvolveNDBuilder {
            dims: dims.to_vec(),
            h,
            offset: None,
            axes: vec![-2, -1],
        }
    }
    /// The (non-negative) convolved axes.
    pub fn axes_index(&self) -> &[usize] {
        &self.axes
    }
    /// The offsets.
    pub fn offset_value(&self) -> &[isize] {
        &self.offset
    }
    /// The filter.
    pub fn filter(&self) -> &ArrayD<T> {
        &self.h
    }

    /// The operator as a [`BlockKernel`] (the same taps and summation order): run it on MPI ranks
    /// with `rylops_mpi::DistributedKernel::new(c.block_kernel().clone(), &layout)`.
    pub fn block_kernel(&self) -> &Chunked<BlockKernel<T>> {
        &self.kernel
    }
}

impl<T: Scalar> ChunkedOperator for ConvolveND<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        ChunkedOperator::forward_into(self.kernel.inner(), x, y)
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        ChunkedOperator::adjoint_into(self.kernel.inner(), y, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex64;
    use rylops_core::ndarray::IxDyn;
    use rylops_core::{dot_test, LinearMap, LinearOperator, Rng};

    fn random(shape: &[usize], seed: u64) -> ArrayD<f64> {
        let mut r = Rng::new(seed);
        ArrayD::from_shape_simple_fn(IxDyn(shape), || r.normal())
    }

    /// The definition, element by element.
    fn direct(x: &ArrayD<f64>, h: &ArrayD<f64>, axes: &[usize], off: &[isize]) -> ArrayD<f64> {
        let mut y = ArrayD::zeros(x.raw_dim());
        for (i, yi) in y.indexed_iter_mut() {
            for (k, &t) in h.indexed_iter() {
                let mut m = i.slice().to_vec();
                let mut inside = true;
                for (j, &a) in axes.iter().enumerate() {
                    let v = m[a] as isize + off[j] - k[j] as isize;
                    inside &= v >= 0 && (v as usize) < x.shape()[a];
                    m[a] = v.max(0) as usize;
                }
                if inside {
                    *yi += t * x[IxDyn(&m)];
                }
            }
        }
        y
    }

    #[test]
    fn matches_the_definition_in_every_chunking() {
        let shape = [6, 5, 7];
        let x = random(&shape, 1);
        for (axes, hshape, off) in [
            (vec![0isize, 2], vec![3usize, 2], vec![1isize, 0]),
            (vec![-1, -2], vec![4, 3], vec![3, 1]),
            (vec![1], vec![7], vec![2]),
            (vec![0, 1, 2], vec![2, 2, 3], vec![-1, 1, 4]),
        ] {
            let h = random(&hshape, 2);
            let c = ConvolveND::<f64>::builder(&shape, h.clone())
                .axes(&axes)
                .offset(&off)
                .build()
                .unwrap();
            let want = direct(&x, &h, c.axes_index(), &off);
            let y = c.forward(&ChunkedArray::from_array(x.clone())).unwrap();
            let err = (&y.to_array() - &want)
                .iter()
                .fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(err < 1e-12, "{axes:?}: {err}");
            for chunks in [[2, 2, 2], [4, 1, 3], [1, 5, 2]] {
                let xc = ChunkedArray::from_array_chunks(x.view(), &chunks).unwrap();
                assert_eq!(c.forward(&xc).unwrap().to_array(), y.to_array());
                let a1 = c.adjoint(&xc).unwrap().to_array();
                let a0 = c.adjoint(&ChunkedArray::from_array(x.clone())).unwrap();
                assert_eq!(a1, a0.to_array());
            }
            assert!(dot_test(&c, 4).unwrap().passed);
        }
    }

    #[test]
    fn bad_arguments_are_typed_errors() {
        let h = random(&[3, 2], 3);
        let b = |dims: &[usize]| ConvolveND::<f64>::builder(dims, h.clone());
        assert!(b(&[4, 4]).axes(&[0, 0]).build().is_err());
        assert!(b(&[4, 4]).axes(&[0]).build().is_err());
        assert!(b(&[4, 4]).axes(&[0, 2]).build().is_err());
        assert!(b(&[4, 4]).offset(&[1]).build().is_err());
        assert!(b(&[4, 4]).offset(&[100, 0]).build().is_err());
        assert!(b(&[4]).build().is_err());
        let hc = ArrayD::from_elem(IxDyn(&[2, 2]), Complex64::new(1.0, -0.5));
        let c = ConvolveND::<Complex64>::builder(&[3, 5], hc)
            .offset(&[1, 0])
            .build()
            .unwrap();
        assert!(dot_test(&c, 5).unwrap().passed);
    }
}
