//! 1-D convolution along one axis of an n-d array (pylops' `Convolve1D`).
//!
//! A filter no longer than the axis is a lane stencil with user taps ([`ConvStencil`]): it runs
//! chunked with halos along the filtered axis only, and on MPI ranks through `rylops-mpi`'s
//! `Distributed`, with no code of its own. A filter longer than the axis (pylops'
//! `_Convolve1Dlong`, whose data is as long as the filter) is [`Convolve1DLong`], on 1-D models.

use crate::npconv::{np_convolve, sp_convolve_same, Acc, SamePlan, Sum};
use rylops_core::ndarray::{ArrayD, IxDyn};
use rylops_core::stencil::{LaneStencil, Put, RowWindow, StencilOperator, StencilTerms};
use rylops_core::{
    check_apply, normalize_axis, stencil_apply, BoxOp, Chunked, ChunkedArray, ChunkedOperator,
    Error, Result, Scalar,
};
use std::ops::Range;
use std::sync::Arc;

/// The tap as the adjoint uses it: the conjugate, except for taps with a zero imaginary part,
/// which are used unchanged (pylops multiplies by the tap itself; conjugating `a + 0i` would only
/// flip the sign of zeros).
fn adjoint_tap<T: Scalar>(h: T) -> T {
    if h.im() == <T::Real as num_traits::Zero>::zero() {
        h
    } else {
        h.conj()
    }
}

/// The padded kernel length of pylops' `_Convolve1Dshort` for `nh` taps centred at `offset`:
/// `nh + |2 (nh/2 - offset) - (1 if nh is even)|`, saturating.
fn padded_len(nh: usize, offset: isize) -> usize {
    let off = 2 * (nh as i128 / 2 - offset as i128) - i128::from(nh % 2 == 0);
    usize::try_from(nh as i128 + off.abs()).unwrap_or(usize::MAX)
}

/// The row gather of a convolution along one axis, forward (`y[i] = sum_k h[k] x[i + offset - k]`)
/// or adjoint (`x[i] = sum_k conj(h[k]) y[i - offset + k]`), zero outside the lane (pylops' `same`
/// mode), each row summed in the order and with the operations pylops' `np.convolve` uses (see
/// [`Convolve1D`]).
#[derive(Clone, Debug, PartialEq)]
pub struct ConvStencil<T> {
    /// `(d, tap)`: input row `i + d` times `tap`, in increasing `d` (pylops' summation order).
    taps: Arc<[(isize, T)]>,
    plan: SamePlan,
}

impl<T: Scalar> ConvStencil<T> {
    /// The stencil of the filter `h` centred at `offset` (forward or adjoint).
    ///
    /// # Panics
    /// If `h` is empty (the builders reject it first).
    pub fn new(h: &[T], offset: isize, adjoint: bool) -> Self {
        assert!(!h.is_empty(), "a convolution needs at least one tap");
        let nh = h.len();
        let taps: Vec<(isize, T)> = if adjoint {
            (0..nh)
                .map(|k| (k as isize - offset, adjoint_tap(h[k])))
                .collect()
        } else {
            (0..nh).rev().map(|k| (offset - k as isize, h[k])).collect()
        };
        Self {
            taps: taps.into(),
            plan: SamePlan {
                l: padded_len(nh, offset),
            },
        }
    }

    fn span(&self) -> (isize, isize) {
        (self.taps[0].0, self.taps[self.taps.len() - 1].0)
    }

    /// The contiguous-run loop of one accumulation kind (matched once, outside).
    #[inline(always)]
    fn run_kind<P: Put<T>>(
        &self,
        kind: Acc,
        x: &[T],
        p0: usize,
        stride: usize,
        y: &mut [T],
        put: P,
    ) {
        const CH: usize = 64;
        for (c, yc) in y.chunks_mut(CH).enumerate() {
            let base = (p0 + c * CH) as isize;
            let len = yc.len();
            let mut acc = [Sum::<T>::new(kind); CH];
            for &(d, t) in self.taps.iter() {
                let s = (base + d * stride as isize) as usize;
                for (a, &xv) in acc[..len].iter_mut().zip(&x[s..s + len]) {
                    a.add_as(kind, xv, t);
                }
            }
            for (yq, a) in yc.iter_mut().zip(&acc[..len]) {
                put.put(yq, a.get());
            }
        }
    }
}

impl<T: Scalar> LaneStencil<T> for ConvStencil<T> {
    fn reach(&self) -> (usize, usize) {
        let (lo, hi) = self.span();
        ((-lo).max(0) as usize, hi.max(0) as usize)
    }

    fn interior_rows(&self, n: usize) -> Range<usize> {
        let (rb, ra) = self.reach();
        let u = self.plan.unclipped(n);
        let lo = u.start.max(rb);
        let hi = u.end.min(n.saturating_sub(ra));
        lo..hi.max(lo)
    }

    fn run_interior<P: Put<T>>(&self, x: &[T], p0: usize, stride: usize, y: &mut [T], put: P) {
        match self.plan.interior_kind::<T>() {
            Acc::Plain => self.run_kind(Acc::Plain, x, p0, stride, y, put),
            Acc::Dot => self.run_kind(Acc::Dot, x, p0, stride, y, put),
        }
    }

    fn any_row_formula(&self, i: usize, n: usize, x: impl Fn(usize) -> T) -> T {
        let mut s = Sum::new(self.plan.kind::<T>(i, n));
        for &(d, t) in self.taps.iter() {
            let m = i as isize + d;
            if m >= 0 && (m as usize) < n {
                s.add(x(m as usize), t);
            }
        }
        s.get()
    }

    fn window(&self, i: usize, n: usize) -> Option<(usize, usize)> {
        if n == 0 {
            return None;
        }
        let (dlo, dhi) = self.span();
        let lo = (i as isize + dlo).max(0);
        let hi = (i as isize + dhi).min(n as isize - 1);
        if lo > hi {
            // No tap falls inside the lane: the row is zero; any row of the lane will do.
            let r = i.min(n - 1);
            return Some((r, r));
        }
        Some((lo as usize, hi as usize))
    }

    /// Every row of any reach (the default handles reaches up to `RADIUS` only).
    fn run_any_row<P: Put<T>>(
        &self,
        i: usize,
        n: usize,
        w: &RowWindow<'_, T>,
        y: &mut [T],
        put: P,
    ) {
        let Some((lo, hi)) = self.window(i, n) else {
            return;
        };
        let rows: Vec<&[T]> = (lo..=hi).map(|g| w.row(g)).collect();
        for (q, yq) in y.iter_mut().enumerate() {
            let v = self.any_row_formula(i, n, |g| rows[g - lo][q]);
            put.put(yq, v);
        }
    }
}

/// Convolution with a filter `h` along one axis, as pylops' `Convolve1D(dims, h, offset, axis)`
/// when `h` is no longer than the axis: `y[i] = sum_k h[k] x[i + offset - k]` along `axis`, zero
/// outside the array (pylops' `same` mode), `offset` being the index of the filter's centre. The
/// adjoint is the correlation `x[i] = sum_k conj(h[k]) y[i - offset + k]`.
///
/// Built from [`ConvStencil`] terms, so it runs in every chunking (halos only along `axis`, as deep
/// as the filter reaches, across as many thin chunks as needed) and on MPI ranks, bit for bit as on
/// one chunk.
///
/// **Agreement with pylops 2.8.0.**
/// - On a 1-D model pylops computes `scipy.signal.convolve(x, h, 'same')` directly, and rylops
///   repeats every sum in the same order with the same operations (`np.convolve`'s plain loop or
///   OpenBLAS's fused dot product, row by row; see `npconv.rs`): bit for bit in float64 and
///   complex128, as long as no dot product has 16 or more terms in float64, 8 or more in
///   complex128 — counting pylops' zero padding of the filter, `|2 (nh/2 - offset)|` taps. Longer
///   dot products run OpenBLAS vector kernels whose order depends on the CPU; rylops then agrees to
///   rounding (about 1e-16 relative). For long lanes scipy's `auto` method may also switch to FFTs
///   (same remark).
/// - On an n-d model pylops always convolves through FFTs (`scipy.signal.fftconvolve`), whose
///   rounding cannot be reproduced by a direct sum: rylops computes the direct sum (in the order of
///   the 1-D case) and agrees to rounding, not bit for bit.
/// - With a complex filter (non-zero imaginary parts) pylops' adjoint correlates with `h` instead
///   of `conj(h)` and is not the adjoint of its forward; rylops uses `conj(h)` (the true adjoint,
///   which passes the dot test). Real filters — complex ones with zero imaginary parts included —
///   give pylops' numbers.
/// - pylops also accepts a filter with several dimensions (one per axis of the model); rylops takes
///   1-D filters only.
/// - `float32`/`complex64` follow the same order of operations in single precision (not checked
///   against pylops).
///
/// ```
/// use rylops_core::{dot_test, ChunkedArray, LinearMap, ndarray::arr1};
/// use rylops_operators::Convolve1D;
/// // A 3-tap filter centred on its middle tap.
/// let c = Convolve1D::<f64>::builder(&[6], &[1.0, 2.0, 3.0]).offset(1).build().unwrap();
/// let x = ChunkedArray::from_array(arr1(&[0.0, 0.0, 1.0, 0.0, 0.0, 0.0]).into_dyn());
/// let y = c.forward(&x).unwrap();
/// assert_eq!(y.to_array().as_slice().unwrap(), &[0.0, 1.0, 2.0, 3.0, 0.0, 0.0]);
/// // The same bits in chunks of 2 (halos from the neighbouring chunks).
/// assert_eq!(c.forward(&x.rechunk_uniform(&[2]).unwrap()).unwrap().to_array(), y.to_array());
/// assert!(dot_test(&c, 0).unwrap().passed);
/// ```
#[derive(Clone, Debug)]
pub struct Convolve1D<T> {
    dims: Vec<usize>,
    axis: usize,
    offset: isize,
    h: Vec<T>,
    /// What it computes, forward and adjoint: one stencil along `axis`.
    stencil: [StencilTerms<T, ConvStencil<T>>; 2],
}

/// Builder of a [`Convolve1D`] (or, with [`Convolve1DBuilder::build_boxed`], of whichever of
/// [`Convolve1D`] and [`Convolve1DLong`] pylops would use); defaults as pylops: `offset = 0`,
/// `axis = -1`.
#[derive(Clone, Debug)]
pub struct Convolve1DBuilder<T> {
    dims: Vec<usize>,
    h: Vec<T>,
    offset: isize,
    axis: isize,
}

/// The most negative offset accepted (pylops accepts any; beyond this the output is all zeros
/// anyway and rylops refuses rather than size arithmetic on it).
fn check_offset_low(offset: isize, nh: usize, n: usize) -> Result<()> {
    let floor = -(nh as i128 + n as i128);
    if (offset as i128) < floor {
        return Err(Error::InvalidParameter {
            name: "offset".into(),
            reason: format!(
                "offset {offset} lies more than the filter and axis lengths ({nh} + {n}) before \
                 the filter: every output would be zero"
            ),
        });
    }
    Ok(())
}

fn check_h<T: Scalar>(h: &[T]) -> Result<()> {
    if h.is_empty() {
        return Err(Error::InvalidParameter {
            name: "h".into(),
            reason: "the filter needs at least one tap (pylops raises: `offset` must be smaller \
                     than h.shape[axis] - 1)"
                .into(),
        });
    }
    crate::validate::finite("h", h.iter().copied())
}

impl<T: Scalar> Convolve1DBuilder<T> {
    /// Index of the filter's centre (pylops' `offset`): output `i` lines up with `h[offset]`
    /// applied to input `i`. Negative values delay the filter further.
    pub fn offset(mut self, offset: isize) -> Self {
        self.offset = offset;
        self
    }
    /// Axis (negative counts from the end).
    pub fn axis(mut self, axis: isize) -> Self {
        self.axis = axis;
        self
    }
    /// Builds the operator for a filter no longer than the axis.
    ///
    /// # Errors
    /// [`Error::AxisOutOfRange`] for a bad axis; [`Error::InvalidParameter`] for an empty or
    /// non-finite filter, an `offset` above `len(h) - 1` (pylops raises `ValueError`) or too far
    /// below zero, `dims` too large for an array, or a filter longer than the axis (pylops then
    /// changes the data shape: see [`Convolve1DLong`] and [`Convolve1DBuilder::build_boxed`]).
    pub fn build(self) -> Result<Chunked<Convolve1D<T>>> {
        crate::validate::shape(&self.dims, None)?;
        let axis = normalize_axis(self.axis, self.dims.len())?;
        check_h(&self.h)?;
        let (nh, n) = (self.h.len(), self.dims[axis]);
        if self.offset > nh as isize - 1 {
            return Err(Error::InvalidParameter {
                name: "offset".into(),
                reason: format!(
                    "offset {} must be at most len(h) - 1 = {} (pylops raises ValueError)",
                    self.offset,
                    nh - 1
                ),
            });
        }
        check_offset_low(self.offset, nh, n)?;
        if nh > n {
            return Err(Error::InvalidParameter {
                name: "h".into(),
                reason: format!(
                    "a filter of {nh} taps is longer than axis {axis} ({n} samples): pylops then \
                     returns data as long as the filter; use Convolve1DLong (1-D models) or \
                     Convolve1DBuilder::build_boxed"
                ),
            });
        }
        let terms = |adjoint| {
            StencilTerms::single(
                &self.dims,
                axis,
                ConvStencil::new(&self.h, self.offset, adjoint),
            )
        };
        let stencil = [terms(false)?, terms(true)?];
        Ok(Chunked(Convolve1D {
            dims: self.dims,
            axis,
            offset: self.offset,
            h: self.h,
            stencil,
        }))
    }
    /// Builds what pylops' `Convolve1D` builds: a [`Convolve1D`] if the filter is no longer than
    /// the axis, a [`Convolve1DLong`] otherwise, boxed.
    ///
    /// # Errors
    /// As [`Convolve1DBuilder::build`] and [`Convolve1DLong::new`].
    pub fn build_boxed(self) -> Result<BoxOp<T>> {
        let axis = normalize_axis(self.axis, self.dims.len())?;
        if self.h.len() > self.dims[axis] {
            if self.dims.len() != 1 {
                return Err(Error::InvalidParameter {
                    name: "h".into(),
                    reason: format!(
                        "a filter of {} taps is longer than axis {axis} ({} samples) of an n-d \
                         model: pylops gives the data the filter's shape, which does not fit an \
                         n-d model; rylops supports filters longer than the axis on 1-D models \
                         only",
                        self.h.len(),
                        self.dims[axis]
                    ),
                });
            }
            return Ok(Box::new(Convolve1DLong::new(
                self.dims[0],
                &self.h,
                self.offset,
            )?));
        }
        Ok(Box::new(self.build()?))
    }
}

impl<T: Scalar> Convolve1D<T> {
    /// A builder for a convolution of arrays of shape `dims` with the filter `h`.
    pub fn builder(dims: &[usize], h: &[T]) -> Convolve1DBuilder<T> {
        Convolve1DBuilder {
            dims: dims.to_vec(),
            h: h.to_vec(),
            offset: 0,
            axis: -1,
        }
    }
    /// pylops' `Convolve1D(dims, h, offset, axis)` for a filter no longer than the axis.
    ///
    /// # Errors
    /// As [`Convolve1DBuilder::build`].
    pub fn new(dims: &[usize], h: &[T], offset: isize, axis: isize) -> Result<Chunked<Self>> {
        Self::builder(dims, h).offset(offset).axis(axis).build()
    }
    /// The (non-negative) axis.
    pub fn axis_index(&self) -> usize {
        self.axis
    }
    /// The offset (index of the filter's centre).
    pub fn offset_value(&self) -> isize {
        self.offset
    }
    /// The filter.
    pub fn filter(&self) -> &[T] {
        &self.h
    }
}

impl<T: Scalar> StencilOperator for Convolve1D<T> {
    type Elem = T;
    type Stencil = ConvStencil<T>;
    fn stencil_terms(&self, adjoint: bool) -> &StencilTerms<T, ConvStencil<T>> {
        &self.stencil[usize::from(adjoint)]
    }
}

impl<T: Scalar> ChunkedOperator for Convolve1D<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dims.clone()
    }
    // Checked, then the stencil runner; the reductions summed (or dotted) as the output is written.
    stencil_apply!();
}

/// pylops' `Convolve1D` with a filter longer than the (1-D) model (`_Convolve1Dlong`): the data has
/// the filter's length, `y[i] = sum_m h[i + offset - m] x[m]` for `i < len(h)`, `m < n`, where
/// `offset` (at most `n - 1`) is now an index into the model. The adjoint is the correlation
/// `x[m] = sum_i conj(h[i + offset - m]) y[i]`.
///
/// Computed as pylops computes it (padding, `np.convolve` in `same` and `full` mode, row by row with
/// numpy's operations; see [`Convolve1D`] for when that is bit for bit). The model is small (shorter
/// than the filter) and gathered in one piece; the data comes out laid out as
/// [`Chunked`]'s `range_like` says.
///
/// ```
/// use rylops_core::{dot_test, ChunkedArray, LinearMap, ndarray::arr1};
/// use rylops_operators::Convolve1DLong;
/// let c = Convolve1DLong::<f64>::new(2, &[1.0, 2.0, 3.0, 4.0], 0).unwrap();
/// let y = c.forward(&ChunkedArray::from_array(arr1(&[1.0, 10.0]).into_dyn())).unwrap();
/// assert_eq!(y.to_array().as_slice().unwrap(), &[1.0, 12.0, 23.0, 34.0]);
/// assert!(dot_test(&c, 0).unwrap().passed);
/// ```
#[derive(Clone, Debug)]
pub struct Convolve1DLong<T> {
    n: usize,
    h: Vec<T>,
    offset: isize,
    /// pylops' padding of the model: `2 (n/2 - offset) - (1 if n is even)`.
    off: isize,
}

impl<T: Scalar> Convolve1DLong<T> {
    /// A model of `n` samples convolved with `h` (longer than `n`), `offset` indexing the model.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for an empty or non-finite filter, a filter no longer than the
    /// model (use [`Convolve1D`]), an `offset` above `n - 1` (pylops raises `ValueError`) or too far
    /// below zero.
    pub fn new(n: usize, h: &[T], offset: isize) -> Result<Chunked<Self>> {
        check_h(h)?;
        if h.len() <= n {
            return Err(Error::InvalidParameter {
                name: "h".into(),
                reason: format!(
                    "a filter of {} taps is no longer than the model ({n} samples): use Convolve1D",
                    h.len()
                ),
            });
        }
        if offset > n as isize - 1 {
            return Err(Error::InvalidParameter {
                name: "offset".into(),
                reason: format!(
                    "offset {offset} must be at most dims[axis] - 1 = {} for a filter longer than \
                     the model (pylops raises ValueError)",
                    n as isize - 1
                ),
            });
        }
        check_offset_low(offset, h.len(), n)?;
        let off = 2 * (n as isize / 2 - offset) - isize::from(n % 2 == 0);
        Ok(Chunked(Self {
            n,
            h: h.to_vec(),
            offset,
            off,
        }))
    }
    /// The offset.
    pub fn offset_value(&self) -> isize {
        self.offset
    }
    /// The filter.
    pub fn filter(&self) -> &[T] {
        &self.h
    }

    /// `v` with `before` zeros in front and `after` zeros behind.
    fn padded(v: &[T], before: usize, after: usize) -> Vec<T> {
        let mut p = vec![T::zero(); before + v.len() + after];
        p[before..before + v.len()].copy_from_slice(v);
        p
    }

    fn write(out: Vec<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        let n = out.len();
        let a = ArrayD::from_shape_vec(IxDyn(&[n]), out).map_err(|e| Error::InvalidParameter {
            name: "output".into(),
            reason: e.to_string(),
        })?;
        *y = ChunkedArray::from_array_grid(a.view(), y.grid().clone())?;
        Ok(())
    }
}

impl<T: Scalar> ChunkedOperator for Convolve1DLong<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        vec![self.n]
    }
    fn dimsd(&self) -> Vec<usize> {
        vec![self.h.len()]
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        let x: Vec<T> = x.to_array().iter().copied().collect();
        let (b, a) = (self.off.max(0) as usize, (-self.off).max(0) as usize);
        // pylops: convolve(h, pad(x), mode="same").
        Self::write(sp_convolve_same(&self.h, &Self::padded(&x, b, a)), y)
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        let y: Vec<T> = y.to_array().iter().copied().collect();
        let (b, a) = ((-self.off).max(0) as usize, self.off.max(0) as usize);
        let hstar: Vec<T> = self.h.iter().rev().map(|&v| adjoint_tap(v)).collect();
        // pylops: convolve(hstar, pad(y), mode="full"), then the middle n samples.
        let full = np_convolve(&hstar, &Self::padded(&y, b, a), true);
        let (c, n) = (full.len() / 2, self.n);
        Self::write(full[c - n / 2..c + n / 2 + n % 2].to_vec(), x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex64;
    use proptest::prelude::*;
    use rylops_core::stencil::interior_mismatch;
    use rylops_core::{dot_test, LinearMap, LinearOperator};

    /// The definition, summed in any order: `y[i] = sum_k h[k] x[i + offset - k]`.
    fn direct(x: &[f64], h: &[f64], offset: isize) -> Vec<f64> {
        (0..x.len() as isize)
            .map(|i| {
                (0..h.len() as isize)
                    .filter_map(|k| {
                        let m = i + offset - k;
                        (m >= 0 && (m as usize) < x.len()).then(|| h[k as usize] * x[m as usize])
                    })
                    .sum()
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        /// The interior loop and the any-row formula agree bit for bit on every interior row, for
        /// every filter length and offset, forward and adjoint, real and complex.
        #[test]
        fn formulas_agree_on_interior_rows(
            x in proptest::collection::vec(-1e3f64..1e3, 0..30),
            h in proptest::collection::vec(-2f64..2.0, 1..14),
            o in 0usize..14,
            neg in any::<bool>(),
        ) {
            let offset = if neg { -(o as isize) } else { (o % h.len()) as isize };
            for adjoint in [false, true] {
                let st = ConvStencil::new(&h, offset, adjoint);
                prop_assert_eq!(interior_mismatch(&st, &x), None);
                let hc: Vec<Complex64> = h.iter().map(|&v| Complex64::new(v, 0.25 * v)).collect();
                let xc: Vec<Complex64> = x.iter().map(|&v| Complex64::new(v, 1.0 - v)).collect();
                let st = ConvStencil::new(&hc, offset, adjoint);
                prop_assert_eq!(interior_mismatch(&st, &xc), None);
            }
        }

        /// The operator is the convolution of its definition (to rounding), in every chunking
        /// bit for bit, and its adjoint passes the dot test.
        #[test]
        fn matches_the_definition_in_every_chunking(
            n in 1usize..20,
            h in proptest::collection::vec(-2f64..2.0, 1..8),
            o in 0usize..8,
            chunk in 1usize..6,
        ) {
            prop_assume!(h.len() <= n);
            let offset = (o % h.len()) as isize;
            let c = Convolve1D::<f64>::new(&[3, n], &h, offset, 1).unwrap();
            let mut r = rylops_core::Rng::new(7);
            let xs: Vec<f64> = (0..3 * n).map(|_| r.normal()).collect();
            let xa = ArrayD::from_shape_vec(IxDyn(&[3, n]), xs.clone()).unwrap();
            let x = ChunkedArray::from_array(xa.clone());
            let y = c.forward(&x).unwrap().to_array();
            for row in 0..3 {
                let want = direct(&xs[row * n..(row + 1) * n], &h, offset);
                for (g, w) in y.as_slice().unwrap()[row * n..(row + 1) * n].iter().zip(&want) {
                    prop_assert!((g - w).abs() <= 1e-12 * (1.0 + w.abs()));
                }
            }
            let xc = ChunkedArray::from_array_chunks(xa.view(), &[2, chunk]).unwrap();
            prop_assert_eq!(c.forward(&xc).unwrap().to_array(), y);
            let a = c.adjoint(&x).unwrap().to_array();
            prop_assert_eq!(c.adjoint(&xc).unwrap().to_array(), a);
            prop_assert!(dot_test(&c, 3).unwrap().passed);
        }
    }

    #[test]
    fn pylops_errors_and_long_filters() {
        let h = [1.0, 2.0, 3.0];
        assert!(Convolve1D::<f64>::new(&[5], &h, 3, -1).is_err());
        assert!(Convolve1D::<f64>::new(&[5], &[], 0, -1).is_err());
        assert!(Convolve1D::<f64>::new(&[5], &h, 0, 1).is_err());
        assert!(Convolve1D::<f64>::new(&[2], &h, 0, 0).is_err());
        assert!(Convolve1D::<f64>::new(&[5], &[f64::NAN], 0, 0).is_err());
        assert!(Convolve1D::<f64>::new(&[5], &h, -9, 0).is_err());
        assert!(Convolve1D::<f64>::new(&[5], &h, -8, 0).is_ok());
        let long = Convolve1D::<f64>::builder(&[2], &h).build_boxed().unwrap();
        assert_eq!((long.dims(), long.dimsd()), (vec![2], vec![3]));
        assert!(Convolve1D::<f64>::builder(&[2, 2], &h)
            .build_boxed()
            .is_err());
        assert!(Convolve1DLong::<f64>::new(2, &h, 2).is_err());
        assert!(Convolve1DLong::<f64>::new(3, &h, 0).is_err());
        for offset in [-2, 0, 1] {
            let c = Convolve1DLong::<Complex64>::new(
                2,
                &[
                    Complex64::new(1.0, 0.5),
                    Complex64::new(2.0, -1.0),
                    Complex64::new(0.5, 0.0),
                ],
                offset,
            )
            .unwrap();
            assert!(dot_test(&c, 1).unwrap().passed);
        }
    }

    #[test]
    fn complex_filters_have_a_true_adjoint() {
        let h = [Complex64::new(1.0, 2.0), Complex64::new(-0.5, 0.25)];
        for offset in [0, 1, -3] {
            let c = Convolve1D::<Complex64>::new(&[4, 7], &h, offset, 0).unwrap();
            assert!(dot_test(&c, 2).unwrap().passed);
        }
    }
}
