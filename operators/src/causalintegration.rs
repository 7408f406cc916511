//! Causal integration along one axis (pylops' `CausalIntegration`).

use crate::identity::check_dims;
use crate::lanes::{innermost, map_lanes, np_sum};
use rylops_core::{
    check_apply, normalize_axis, Chunked, ChunkedArray, ChunkedOperator, Error, Result, Scalar,
};
use std::marker::PhantomData;
use std::str::FromStr;

/// How [`CausalIntegration`] weights the samples (pylops' `kind`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum IntegrationKind {
    /// Rectangles ending at each sample: `y[i] = s * sum(x[..=i])` (pylops' `"full"`).
    #[default]
    Full,
    /// Half of the current sample: `y[i] = s * sum(x[..=i]) - s * x[i] / 2` (`"half"`).
    Half,
    /// Trapezoids: `half`, minus `s * x[0] / 2` from every `i >= 1` (`"trapezoidal"`).
    Trapezoidal,
}

impl FromStr for IntegrationKind {
    type Err = Error;
    /// pylops' names: `full`, `half`, `trapezoidal`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "full" => Ok(Self::Full),
            "half" => Ok(Self::Half),
            "trapezoidal" => Ok(Self::Trapezoidal),
            other => Err(Error::InvalidParameter {
                name: "kind".into(),
                reason: format!("`{other}` is not one of `full`, `half`, `trapezoidal`"),
            }),
        }
    }
}

/// Causal integration along one axis: the running sum of the samples times `sampling`.
///
/// With `s` the sampling, `c[i] = x[0] + ... + x[i]` (numpy's `cumsum`, left to right) and
/// along every lane of `axis`:
/// - `full`: `y[i] = s * c[i]`;
/// - `half`: `y[i] = s * c[i] - (s * x[i]) / 2`;
/// - `trapezoidal`: as `half`, then `y[i] -= (s * x[0]) / 2` for `i >= 1`;
/// - with `removefirst`, `y[0]` is dropped (`dimsd[axis] = dims[axis] - 1`).
///
/// The adjoint is pylops' explicit kernel: with `w` the data lane reversed (after putting a zero
/// in front if `removefirst`) and `d` its running sum, `full` gives `s * d[k]`, `half` and
/// `trapezoidal` give `s * (d[k] - w[k] / 2)`, and `trapezoidal` sets the last entry to
/// `(s * sum(w)) / 2`, where `sum` is numpy's `sum` in the order numpy uses for pylops' memory
/// layout (pairwise when the summed axis is innermost in memory, left to right otherwise); the
/// result is reversed back. Every operation is done in pylops' order, so results are bit-for-bit
/// pylops'.
///
/// Data are laid out like the model (see [`ChunkGrid::like`](rylops_core::ChunkGrid::like)); every
/// output block is computed in parallel from whole lanes, so every chunking gives the same bits.
///
/// ```
/// use ndarray::{arr1, ArrayD};
/// use rylops_core::{dot_test, ChunkedArray, LinearMap, LinearOperator};
/// use rylops_operators::{CausalIntegration, IntegrationKind};
///
/// let op = CausalIntegration::<f64>::builder(&[4]).sampling(0.5).build().unwrap();
/// let y = op.forward(&ChunkedArray::from(arr1(&[1.0, 2.0, 3.0, 4.0]).into_dyn())).unwrap();
/// assert_eq!(y.to_array().as_slice().unwrap(), &[0.5, 1.5, 3.0, 5.0]);
/// let trap = CausalIntegration::<f64>::builder(&[4])
///     .kind(IntegrationKind::Trapezoidal)
///     .removefirst(true)
///     .build()
///     .unwrap();
/// assert_eq!(trap.dimsd(), vec![3]);
/// assert!(dot_test(&trap, 0).unwrap().passed);
/// ```
#[derive(Clone, Debug)]
pub struct CausalIntegration<T> {
    dims: Vec<usize>,
    axis: usize,
    sampling: f64,
    kind: IntegrationKind,
    removefirst: bool,
    _scalar: PhantomData<fn() -> T>,
}

/// Builder of a [`CausalIntegration`] (pylops' defaults: `axis=-1`, `sampling=1.0`,
/// `kind="full"`, `removefirst=False`).
#[derive(Clone, Debug)]
pub struct CausalIntegrationBuilder<T> {
    dims: Vec<usize>,
    axis: isize,
    sampling: f64,
    kind: IntegrationKind,
    removefirst: bool,
    _scalar: PhantomData<fn() -> T>,
}

impl<T: Scalar> CausalIntegration<T> {
    /// A builder for the integration of models of shape `dims`.
    pub fn builder(dims: &[usize]) -> CausalIntegrationBuilder<T> {
        CausalIntegrationBuilder {
            dims: dims.to_vec(),
            axis: -1,
            sampling: 1.0,
            kind: IntegrationKind::Full,
            removefirst: false,
            _scalar: PhantomData,
        }
    }

    /// The integrated axis (non-negative).
    pub fn axis(&self) -> usize {
        self.axis
    }
    /// The kind of integration.
    pub fn kind(&self) -> IntegrationKind {
        self.kind
    }

    /// Forward kernel on one lane.
    fn forward_lane(&self, x: &[T], y: &mut [T]) {
        let n = x.len();
        if n == 0 {
            return;
        }
        let s = T::from_f64(self.sampling);
        let two = T::from_f64(2.0);
        let off = usize::from(self.removefirst);
        let half0 = (s * x[0]).np_div(two);
        let mut c = T::zero();
        for i in 0..n {
            c = if i == 0 { x[0] } else { c + x[i] };
            let mut v = s * c;
            if self.kind != IntegrationKind::Full {
                v -= (s * x[i]).np_div(two);
            }
            if self.kind == IntegrationKind::Trapezoidal && i >= 1 {
                v -= half0;
            }
            if i >= off {
                y[i - off] = v;
            }
        }
    }

    /// Adjoint kernel on one lane; `pairwise` is numpy's summation order for the trapezoidal
    /// last entry.
    fn adjoint_lane(&self, u: &[T], x: &mut [T], pairwise: bool) {
        let n = x.len();
        if n == 0 {
            return;
        }
        let s = T::from_f64(self.sampling);
        let two = T::from_f64(2.0);
        // w = reversed ([0] + u if removefirst, else u); x is written reversed back.
        let w = |k: usize| -> T {
            let j = n - 1 - k;
            if self.removefirst {
                if j == 0 {
                    T::zero()
                } else {
                    u[j - 1]
                }
            } else {
                u[j]
            }
        };
        let mut d = T::zero();
        for k in 0..n {
            let wk = w(k);
            d = if k == 0 { wk } else { d + wk };
            x[n - 1 - k] = match self.kind {
                IntegrationKind::Full => s * d,
                _ => s * (d - wk.np_div(two)),
            };
        }
        if self.kind == IntegrationKind::Trapezoidal {
            let lane: Vec<T> = (0..n).map(w).collect();
            x[0] = (s * np_sum(&lane, pairwise)).np_div(two);
        }
    }

    /// Whether numpy sums the (reversed) data lane pairwise in pylops' trapezoidal adjoint: it
    /// does when the integrated axis is innermost in memory. Without `removefirst` that memory is
    /// the C-order data; with it, `np.insert` first copies the data, with the integrated axis
    /// moved last, into F order if that view is F- but not C-contiguous, else into C order.
    fn adjoint_pairwise(&self) -> bool {
        let dimsd = ChunkedOperator::dimsd(self);
        if !self.removefirst {
            return innermost(&dimsd, self.axis);
        }
        let nd = dimsd.len();
        // Axes of the swapped view, in the original numbering, that have more than one entry.
        let mut order: Vec<usize> = (0..nd).collect();
        order.swap(self.axis, nd - 1);
        let big: Vec<usize> = order.into_iter().filter(|&a| dimsd[a] > 1).collect();
        let c_contig = big.windows(2).all(|w| w[0] < w[1]);
        let f_contig = big.windows(2).all(|w| w[0] > w[1]);
        if f_contig && !c_contig {
            // F order: the integrated (last) axis is outermost.
            (0..nd).all(|a| a == self.axis || self.dims[a] == 1)
        } else {
            true
        }
    }
}

impl<T: Scalar> CausalIntegrationBuilder<T> {
    /// The axis to integrate along (default `-1`); negative counts from the end.
    pub fn axis(mut self, axis: isize) -> Self {
        self.axis = axis;
        self
    }
    /// The sampling interval `s` (default `1.0`).
    pub fn sampling(mut self, sampling: f64) -> Self {
        self.sampling = sampling;
        self
    }
    /// The kind of integration (default [`IntegrationKind::Full`]).
    pub fn kind(mut self, kind: IntegrationKind) -> Self {
        self.kind = kind;
        self
    }
    /// Whether to drop the first output sample (default `false`).
    pub fn removefirst(mut self, removefirst: bool) -> Self {
        self.removefirst = removefirst;
        self
    }

    /// Builds the operator.
    ///
    /// # Errors
    /// - [`Error::AxisOutOfRange`] if `axis` is not in `-dims.len()..dims.len()` (pylops raises
    ///   when applied);
    /// - [`Error::InvalidParameter`] named `sampling` if it is not finite in `T`, named
    ///   `removefirst` if the axis is empty (pylops would make a negative length), or named
    ///   `dims` for a shape too large for an array.
    pub fn build(self) -> Result<Chunked<CausalIntegration<T>>> {
        check_dims("dims", &self.dims)?;
        let axis = normalize_axis(self.axis, self.dims.len())?;
        crate::validate::finite::<T>("sampling", [T::from_f64(self.sampling)])?;
        if self.removefirst && self.dims[axis] == 0 {
            return Err(Error::InvalidParameter {
                name: "removefirst".into(),
                reason: format!("axis {axis} has no sample to remove (dims {:?})", self.dims),
            });
        }
        Ok(Chunked(CausalIntegration {
            dims: self.dims,
            axis,
            sampling: self.sampling,
            kind: self.kind,
            removefirst: self.removefirst,
            _scalar: PhantomData,
        }))
    }
}

impl<T: Scalar> ChunkedOperator for CausalIntegration<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        let mut d = self.dims.clone();
        if self.removefirst {
            d[self.axis] -= 1;
        }
        d
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        map_lanes(x, y, self.axis, |a, b| self.forward_lane(a, b));
        Ok(())
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        let pairwise = self.adjoint_pairwise();
        map_lanes(y, x, self.axis, |a, b| self.adjoint_lane(a, b, pairwise));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{ArrayD, IxDyn};
    use num_complex::{Complex32, Complex64};
    use rylops_core::{dot_test, dot_test_with, ChunkGrid, LinearMap, LinearOperator};

    fn kinds() -> [IntegrationKind; 3] {
        [
            IntegrationKind::Full,
            IntegrationKind::Half,
            IntegrationKind::Trapezoidal,
        ]
    }

    #[test]
    fn matches_the_trapezoidal_rule_and_passes_dot_tests() {
        // Integrating a ramp exactly: trapezoids of x = i give i^2 / 2.
        let x = ArrayD::from_shape_fn(IxDyn(&[6]), |i| i[0] as f64);
        let op = CausalIntegration::<f64>::builder(&[6])
            .kind(IntegrationKind::Trapezoidal)
            .build()
            .unwrap();
        let y = op.forward(&ChunkedArray::from(x)).unwrap().to_array();
        for i in 0..6 {
            assert_eq!(y[[i]], (i * i) as f64 / 2.0);
        }
        for kind in kinds() {
            for rf in [false, true] {
                for axis in [-3isize, -2, -1, 0, 1, 2] {
                    let dims = [5, 9, 4];
                    let b = |s| {
                        CausalIntegration::<Complex64>::builder(&dims)
                            .axis(axis)
                            .kind(kind)
                            .removefirst(rf)
                            .sampling(s)
                    };
                    let op = b(0.7).build().unwrap();
                    let grid = ChunkGrid::uniform(&dims, &[2, 4, 3]).unwrap();
                    assert!(
                        dot_test_with(&op, ChunkedArray::zeros(grid), 1, None)
                            .unwrap()
                            .passed
                    );
                    let op32 = CausalIntegration::<Complex32>::builder(&dims)
                        .axis(axis)
                        .kind(kind)
                        .removefirst(rf)
                        .build()
                        .unwrap();
                    assert!(dot_test(&op32, 2).unwrap().passed);
                }
            }
        }
    }

    #[test]
    fn chunked_results_equal_single_chunk_results() {
        let dims = [7, 12];
        let x = ChunkedArray::<f64>::random(ChunkGrid::single(&dims), 3);
        for kind in kinds() {
            let op = CausalIntegration::<f64>::builder(&dims)
                .kind(kind)
                .removefirst(true)
                .build()
                .unwrap();
            let y = op.forward(&x).unwrap();
            let xa = op.adjoint(&y).unwrap();
            for chunk in [[3, 5], [7, 1], [2, 12]] {
                let xc = x.rechunk_uniform(&chunk).unwrap();
                let yc = op.forward(&xc).unwrap();
                assert_eq!(yc.to_array(), y.to_array());
                assert_eq!(op.adjoint(&yc).unwrap().to_array(), xa.to_array());
            }
        }
    }

    #[test]
    fn bad_parameters_are_errors() {
        assert!("simpson".parse::<IntegrationKind>().is_err());
        assert_eq!(
            "half".parse::<IntegrationKind>().unwrap(),
            IntegrationKind::Half
        );
        let b = || CausalIntegration::<f32>::builder(&[3, 0]);
        assert!(matches!(
            b().axis(2).build(),
            Err(Error::AxisOutOfRange { .. })
        ));
        assert!(b().removefirst(true).build().is_err());
        assert!(b().sampling(1e300).build().is_err());
        let op = b().axis(0).removefirst(true).build().unwrap();
        assert_eq!(
            (op.dimsd(), op.axis(), op.kind()),
            (vec![2, 0], 0, IntegrationKind::Full)
        );
    }
}
