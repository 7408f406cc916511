//! The diagonal operator (pylops' `Diagonal`): element-wise multiplication by a fixed array.

use crate::identity::{check_dims, for_each_overlap};
use ndarray::{ArrayD, Axis, IxDyn, Slice, Zip};
use rayon::prelude::*;
use rylops_core::chunked::REDUCE_PIECE;
use rylops_core::{
    check_apply, normalize_axis, Chunked, ChunkedArray, ChunkedOperator, Error, Result, Scalar,
    Vector,
};

/// How the diagonal is stored.
#[derive(Clone, Debug)]
enum Diag<T> {
    /// One entry per model entry, on its own chunk grid.
    Full(ChunkedArray<T>),
    /// A 1-D diagonal of length `dims[axis]`, broadcast along every other axis.
    Axis { d: Vec<T>, axis: usize },
}

/// The diagonal operator `D = diag(d)`: forward `y = d * x`, adjoint `x = conj(d) * y`, element-wise.
///
/// `d` is either an array of the model shape ([`Diagonal::new`]) or, as with pylops'
/// `Diagonal(diag, dims, axis)`, a 1-D array broadcast along one axis of an n-d model
/// ([`Diagonal::along_axis`]).
///
/// The model may be chunked differently from `d`: blocks are matched by their global offsets (no
/// copy of `d` is made), and the work runs in parallel over blocks. Input and output of one
/// application must share a chunk grid.
///
/// ```
/// use ndarray::{arr1, ArrayD, IxDyn};
/// use num_complex::Complex64;
/// use rylops_core::{dot_test, ChunkedArray, LinearMap, LinearOperator};
/// use rylops_operators::Diagonal;
///
/// let d = arr1(&[Complex64::new(1.0, 1.0), Complex64::new(2.0, 0.0)]).into_dyn();
/// let op = Diagonal::new(d).unwrap();
/// let x = ChunkedArray::from(arr1(&[Complex64::new(1.0, 0.0); 2]).into_dyn());
/// let y = op.forward(&x).unwrap();
/// assert_eq!(y.to_array()[[0]], Complex64::new(1.0, 1.0));
/// assert_eq!(op.adjoint(&x).unwrap().to_array()[[0]], Complex64::new(1.0, -1.0));
/// assert!(dot_test(&op, 0).unwrap().passed);
/// ```
#[derive(Clone, Debug)]
pub struct Diagonal<T> {
    diag: Diag<T>,
    dims: Vec<usize>,
}

impl<T: Scalar> Diagonal<T> {
    /// The diagonal operator with `dims = d.shape()`; `d` may be an `ArrayD` or a chunked array
    /// (its chunking need not match the models it is applied to).
    ///
    /// # Errors
    /// None at present: every array is a valid diagonal. The `Result` keeps the constructor
    /// consistent with the other operators.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use rylops_core::{ChunkedArray, LinearMap, LinearOperator};
    /// use rylops_operators::Diagonal;
    ///
    /// let d = ArrayD::from_shape_fn(IxDyn(&[4, 6]), |i| (i[0] + i[1]) as f32);
    /// let d = ChunkedArray::from_array_chunks(d.view(), &[2, 3]).unwrap();
    /// let op = Diagonal::new(d).unwrap();
    /// assert_eq!(op.dims(), vec![4, 6]);
    /// ```
    pub fn new(d: impl Into<ChunkedArray<T>>) -> Result<Chunked<Self>> {
        let d = d.into();
        let dims = d.shape().to_vec();
        Ok(Chunked(Self {
            diag: Diag::Full(d),
            dims,
        }))
    }

    /// The diagonal operator on models of shape `dims` that multiplies by `d[i]` every entry whose
    /// index along `axis` is `i` (pylops' `Diagonal(diag, dims=dims, axis=axis)`). `axis` may be
    /// negative, numpy style.
    ///
    /// # Errors
    /// - [`Error::AxisOutOfRange`] if `axis` is not in `-dims.len()..dims.len()`;
    /// - [`Error::InvalidParameter`] if `d.len() != dims[axis]` or `dims` is too large.
    ///
    /// ```
    /// use ndarray::{ArrayD, IxDyn};
    /// use rylops_core::{ChunkedArray, LinearMap, LinearOperator};
    /// use rylops_operators::Diagonal;
    ///
    /// let op = Diagonal::along_axis(&[1.0, 10.0, 100.0], &[2, 3], -1).unwrap();
    /// let x = ChunkedArray::from(ArrayD::from_elem(IxDyn(&[2, 3]), 1.0));
    /// let y = op.forward(&x).unwrap().to_array();
    /// assert_eq!(y[[1, 2]], 100.0);
    /// assert_eq!(y[[0, 1]], 10.0);
    /// assert!(Diagonal::along_axis(&[1.0, 2.0], &[2, 3], 1).is_err());
    /// ```
    pub fn along_axis(d: &[T], dims: &[usize], axis: isize) -> Result<Chunked<Self>> {
        check_dims("dims", dims)?;
        let axis = normalize_axis(axis, dims.len())?;
        if d.len() != dims[axis] {
            return Err(Error::InvalidParameter {
                name: "diag".into(),
                reason: format!(
                    "has length {} but dims[{axis}] = {} (dims {dims:?})",
                    d.len(),
                    dims[axis]
                ),
            });
        }
        Ok(Chunked(Self {
            diag: Diag::Axis {
                d: d.to_vec(),
                axis,
            },
            dims: dims.to_vec(),
        }))
    }

    /// The diagonal as an array of shape `dims` (materialised if it is broadcast along an axis).
    ///
    /// ```
    /// use rylops_operators::Diagonal;
    /// let op = Diagonal::along_axis(&[1.0, 2.0], &[2, 2], 0).unwrap();
    /// assert_eq!(op.diagonal().as_slice().unwrap(), &[1.0, 1.0, 2.0, 2.0]);
    /// ```
    pub fn diagonal(&self) -> ArrayD<T> {
        match &self.diag {
            Diag::Full(d) => d.to_array(),
            Diag::Axis { d, axis } => ArrayD::from_shape_fn(IxDyn(&self.dims), |ix| d[ix[*axis]]),
        }
    }

    /// `y = cj(d) * x` with `cj` the conjugate if `ADJ`.
    fn apply<const ADJ: bool>(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) {
        let grid = x.grid().clone();
        let mut yb = y.blocks_mut();
        let xb = x.blocks();
        match &self.diag {
            Diag::Full(d) if d.grid() == &grid => {
                yb.par_iter_mut()
                    .zip(xb.par_iter().zip(d.blocks().par_iter()))
                    .for_each(|(yb, (xb, db))| {
                        let (Some(ys), Some(xs), Some(ds)) =
                            (yb.as_slice_mut(), xb.as_slice(), db.as_slice())
                        else {
                            unreachable!("chunked arrays keep standard-layout blocks")
                        };
                        ys.par_chunks_mut(REDUCE_PIECE)
                            .zip(xs.par_chunks(REDUCE_PIECE).zip(ds.par_chunks(REDUCE_PIECE)))
                            .for_each(|(ys, (xs, ds))| {
                                for ((y, &x), &d) in ys.iter_mut().zip(xs).zip(ds) {
                                    *y = cj::<T, ADJ>(d) * x;
                                }
                            });
                    });
            }
            Diag::Full(d) => {
                yb.par_iter_mut()
                    .zip(xb.par_iter())
                    .enumerate()
                    .for_each(|(k, (yb, xb))| {
                        let off = grid.block_offset(&grid.block_id(k));
                        let shape = xb.shape().to_vec();
                        for_each_overlap(d.grid(), &off, &shape, |kd, in_d, in_box| {
                            let dv = d.blocks()[kd]
                                .slice_each_axis(|a| Slice::from(in_d[a.axis.index()].clone()));
                            let xv =
                                xb.slice_each_axis(|a| Slice::from(in_box[a.axis.index()].clone()));
                            let yv = yb.slice_each_axis_mut(|a| {
                                Slice::from(in_box[a.axis.index()].clone())
                            });
                            let big = dv.len() >= REDUCE_PIECE;
                            let z = Zip::from(yv).and(xv).and(dv);
                            let f = |y: &mut T, &x: &T, &d: &T| *y = cj::<T, ADJ>(d) * x;
                            if big {
                                z.par_for_each(f);
                            } else {
                                z.for_each(f);
                            }
                        });
                    });
            }
            Diag::Axis { d, axis } => {
                let axis = *axis;
                yb.par_iter_mut()
                    .zip(xb.par_iter())
                    .enumerate()
                    .for_each(|(k, (yb, xb))| {
                        if xb.is_empty() {
                            return;
                        }
                        let start = grid.block_offset(&grid.block_id(k))[axis];
                        let len = xb.len_of(Axis(axis));
                        // Entries with the same index along `axis` come in contiguous runs.
                        let run: usize = xb.shape()[axis + 1..].iter().product();
                        let runs_per_piece = (REDUCE_PIECE / run).max(1);
                        let (Some(ys), Some(xs)) = (yb.as_slice_mut(), xb.as_slice()) else {
                            unreachable!("chunked arrays keep standard-layout blocks")
                        };
                        ys.par_chunks_mut(run * runs_per_piece)
                            .zip(xs.par_chunks(run * runs_per_piece))
                            .enumerate()
                            .for_each(|(p, (ys, xs))| {
                                for (j, (ys, xs)) in
                                    ys.chunks_mut(run).zip(xs.chunks(run)).enumerate()
                                {
                                    let r = p * runs_per_piece + j;
                                    let dv = cj::<T, ADJ>(d[start + r % len]);
                                    for (y, &x) in ys.iter_mut().zip(xs) {
                                        *y = dv * x;
                                    }
                                }
                            });
                    });
            }
        }
    }
}

/// How [`Diagonal::apply_reduce`] puts `v = cj(d) * x` into `y`: `y = v`.
const SET: u8 = 0;
/// `y = v + b y`.
const XPBY: u8 = 1;
/// `y += v`.
const ADD: u8 = 2;

impl<T: Scalar> Diagonal<T> {
    /// `y = cj(d) * x` as [`apply`](Self::apply) (`x` and `y` on the same grid, checked), returning
    /// `||y||^2` summed as `y` is written (the bits of `apply` then `norm_sqr`). A diagonal on
    /// another grid than `x` goes the separate way.
    fn apply_norm_sqr<const ADJ: bool>(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
    ) -> T::Real {
        self.apply_reduce::<ADJ, SET, true>(x, y, T::zero(), None)
    }

    /// `y = cj(d) * x + b y`, returning `||y||^2`: the bits of [`apply`](Self::apply) into `tmp`
    /// then `y.xpby_norm_sqr(tmp, b)`, in one pass without `tmp` where the layouts allow.
    fn apply_xpby_norm_sqr<const ADJ: bool>(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        b: T,
        tmp: &mut ChunkedArray<T>,
    ) -> T::Real {
        self.apply_reduce::<ADJ, XPBY, true>(x, y, b, Some(tmp))
    }

    /// `y += cj(d) * x`, returning `||y||^2` if `NORM` (zero otherwise): the bits of
    /// [`apply`](Self::apply) into `tmp` then `y.add_assign(tmp)` (`add_assign_norm_sqr`), in one
    /// pass without `tmp` where the layouts allow.
    fn apply_add<const ADJ: bool, const NORM: bool>(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        tmp: &mut ChunkedArray<T>,
    ) -> T::Real {
        self.apply_reduce::<ADJ, ADD, NORM>(x, y, T::zero(), Some(tmp))
    }

    /// `y = cj(d) * x`, put into `y` as `PUT` says ([`SET`], [`XPBY`] with `b`, [`ADD`]), returning
    /// `||y||^2` if `NORM` (zero otherwise). `tmp` (needed with `XPBY` and `ADD`) is used only when
    /// the diagonal is laid out unlike `x`.
    fn apply_reduce<const ADJ: bool, const PUT: u8, const NORM: bool>(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        b: T,
        tmp: Option<&mut ChunkedArray<T>>,
    ) -> T::Real {
        #[inline(always)]
        fn put<T: Scalar, const PUT: u8>(y: &mut T, v: T, b: T) {
            match PUT {
                XPBY => *y = v + b * *y,
                ADD => *y += v,
                _ => *y = v,
            }
        }
        let zero = <T::Real as num_traits::Zero>::zero;
        let pass = |y: &mut ChunkedArray<T>, fill: &(dyn Fn(usize, usize, &mut [T]) + Sync)| {
            if NORM {
                y.fill_norm_sqr(fill)
            } else {
                y.fill_pieces(fill);
                zero()
            }
        };
        match &self.diag {
            Diag::Full(d) if d.grid() == x.grid() => pass(y, &|k, s, p| {
                let (xs, ds) = (&x.block_slice(k)[s..], &d.block_slice(k)[s..]);
                for ((y, &x), &d) in p.iter_mut().zip(xs).zip(ds) {
                    put::<T, PUT>(y, cj::<T, ADJ>(d) * x, b);
                }
            }),
            Diag::Axis { d, axis } => {
                let (axis, grid) = (*axis, x.grid());
                pass(y, &|k, s, p| {
                    if p.is_empty() {
                        return;
                    }
                    let xb = &x.blocks()[k];
                    let start = grid.block_offset(&grid.block_id(k))[axis];
                    let len = xb.len_of(Axis(axis));
                    // Entries with the same index along `axis` come in contiguous runs.
                    let run: usize = xb.shape()[axis + 1..].iter().product();
                    let xs = &x.block_slice(k)[s..s + p.len()];
                    let mut e = s;
                    for (ys, xs) in chunks_by_run(p, xs, s, run) {
                        let dv = cj::<T, ADJ>(d[start + (e / run) % len]);
                        for (y, &x) in ys.iter_mut().zip(xs) {
                            put::<T, PUT>(y, dv * x, b);
                        }
                        e += ys.len();
                    }
                })
            }
            Diag::Full(_) => match tmp {
                Some(tmp) if PUT != SET => {
                    self.apply::<ADJ>(x, tmp);
                    match (PUT, NORM) {
                        (XPBY, _) => y.xpby_norm_sqr(tmp, b),
                        (_, true) => y.add_assign_norm_sqr(tmp),
                        (_, false) => {
                            y.add_assign(tmp);
                            zero()
                        }
                    }
                }
                _ => {
                    self.apply::<ADJ>(x, y);
                    if NORM {
                        y.norm_sqr()
                    } else {
                        zero()
                    }
                }
            },
        }
    }
}

/// Cuts `y` and `x` (the elements `s ..` of a block) at the multiples of `run`.
fn chunks_by_run<'a, T>(
    mut y: &'a mut [T],
    mut x: &'a [T],
    s: usize,
    run: usize,
) -> impl Iterator<Item = (&'a mut [T], &'a [T])> {
    let mut first = run - s % run;
    std::iter::from_fn(move || {
        if y.is_empty() {
            return None;
        }
        let n = first.min(y.len());
        first = run;
        let (ya, yb) = std::mem::take(&mut y).split_at_mut(n);
        let (xa, xb) = x.split_at(n);
        (y, x) = (yb, xb);
        Some((ya, xa))
    })
}

#[inline(always)]
fn cj<T: Scalar, const ADJ: bool>(v: T) -> T {
    if ADJ {
        v.conj()
    } else {
        v
    }
}

impl<T: Scalar> ChunkedOperator for Diagonal<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        x.check_same_grid(y, "Diagonal: input and output")?;
        self.apply::<false>(x, y);
        Ok(())
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        y.check_same_grid(x, "Diagonal: input and output")?;
        self.apply::<true>(y, x);
        Ok(())
    }
    fn forward_into_norm_sqr(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        check_apply(self, false, x, y)?;
        x.check_same_grid(y, "Diagonal: input and output")?;
        Ok(self.apply_norm_sqr::<false>(x, y))
    }
    fn adjoint_into_norm_sqr(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        check_apply(self, true, y, x)?;
        y.check_same_grid(x, "Diagonal: input and output")?;
        Ok(self.apply_norm_sqr::<true>(y, x))
    }
    fn forward_xpby_norm_sqr(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        b: T,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        check_apply(self, false, x, y)?;
        x.check_same_grid(y, "Diagonal: input and output")?;
        x.check_same_grid(tmp, "Diagonal: input and work vector")?;
        Ok(self.apply_xpby_norm_sqr::<false>(x, y, b, tmp))
    }
    fn adjoint_xpby_norm_sqr(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
        b: T,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        check_apply(self, true, y, x)?;
        y.check_same_grid(x, "Diagonal: input and output")?;
        y.check_same_grid(tmp, "Diagonal: input and work vector")?;
        Ok(self.apply_xpby_norm_sqr::<true>(y, x, b, tmp))
    }
    fn forward_add_into(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<()> {
        check_apply(self, false, x, y)?;
        x.check_same_grid(y, "Diagonal: input and output")?;
        x.check_same_grid(tmp, "Diagonal: input and work vector")?;
        self.apply_add::<false, false>(x, y, tmp);
        Ok(())
    }
    fn forward_add_into_norm_sqr(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        check_apply(self, false, x, y)?;
        x.check_same_grid(y, "Diagonal: input and output")?;
        x.check_same_grid(tmp, "Diagonal: input and work vector")?;
        Ok(self.apply_add::<false, true>(x, y, tmp))
    }
    fn adjoint_add_into(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<()> {
        check_apply(self, true, y, x)?;
        y.check_same_grid(x, "Diagonal: input and output")?;
        y.check_same_grid(tmp, "Diagonal: input and work vector")?;
        self.apply_add::<true, false>(y, x, tmp);
        Ok(())
    }
    fn adjoint_add_into_norm_sqr(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        check_apply(self, true, y, x)?;
        y.check_same_grid(x, "Diagonal: input and output")?;
        y.check_same_grid(tmp, "Diagonal: input and work vector")?;
        Ok(self.apply_add::<true, true>(y, x, tmp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex32;
    use rylops_core::{dot_test_with, ChunkGrid};
    use rylops_core::{ChunkedArray, LinearMap, LinearOperator, Vector};

    fn ramp(shape: &[usize]) -> ArrayD<f64> {
        let mut k = 0.0;
        ArrayD::from_shape_simple_fn(IxDyn(shape), || {
            k += 1.0;
            k
        })
    }

    #[test]
    fn any_chunking_gives_the_same_result() {
        let shape = [7, 5, 3];
        let d = ramp(&shape);
        let x = ramp(&shape).mapv(|v| 1.0 / v);
        let want = &d * &x;
        for dchunk in [[7, 5, 3], [3, 2, 2], [1, 5, 1]] {
            let op =
                Diagonal::new(ChunkedArray::from_array_chunks(d.view(), &dchunk).unwrap()).unwrap();
            for xchunk in [[7, 5, 3], [3, 2, 2], [4, 1, 3], [2, 5, 2]] {
                let xc = ChunkedArray::from_array_chunks(x.view(), &xchunk).unwrap();
                let mut y = xc.zeros_like();
                y.fill(f64::NAN);
                op.forward_into(&xc, &mut y).unwrap();
                assert_eq!(y.to_array(), want, "d {dchunk:?}, x {xchunk:?}");
                assert_eq!(y.grid(), xc.grid());
            }
        }
    }

    #[test]
    fn along_axis_matches_the_materialised_diagonal() {
        let dims = [4, 3, 5];
        for axis in [-3isize, -2, -1, 0, 1, 2] {
            let ax = normalize_axis(axis, 3).unwrap();
            let d: Vec<Complex32> = (0..dims[ax])
                .map(|i| Complex32::new(i as f32 + 1.0, 0.5 - i as f32))
                .collect();
            let op = Diagonal::along_axis(&d, &dims, axis).unwrap();
            let full = Diagonal::new(op.diagonal()).unwrap();
            let grid = ChunkGrid::uniform(&dims, &[3, 2, 2]).unwrap();
            let x = ChunkedArray::<Complex32>::random(grid, 5);
            assert_eq!(op.forward(&x).unwrap(), full.forward(&x).unwrap());
            assert_eq!(op.adjoint(&x).unwrap(), full.adjoint(&x).unwrap());
            let r = dot_test_with(&op, x.zeros_like(), 2, None).unwrap();
            assert!(r.passed, "{r:?}");
        }
    }

    #[test]
    fn large_blocks_use_parallel_pieces() {
        // Bigger than one reduction piece, so the parallel splits are exercised.
        let n = 3 * REDUCE_PIECE + 17;
        let d = ramp(&[n]);
        let x = ChunkedArray::from(ramp(&[n]).mapv(|v| v * 0.5));
        let want = d.mapv(|v| v * v * 0.5);
        let full = Diagonal::new(d.clone()).unwrap();
        assert_eq!(full.forward(&x).unwrap().to_array(), want);
        let split =
            Diagonal::new(ChunkedArray::from_array_chunks(d.view(), &[n / 2]).unwrap()).unwrap();
        assert_eq!(split.forward(&x).unwrap().to_array(), want);
        let axis = Diagonal::along_axis(d.as_slice().unwrap(), &[n], 0).unwrap();
        assert_eq!(axis.forward(&x).unwrap().to_array(), want);
        let d2: Vec<f64> = (0..3).map(|i| i as f64).collect();
        let op = Diagonal::along_axis(&d2, &[3, n], 0).unwrap();
        let x2 = ChunkedArray::from(ArrayD::from_elem(IxDyn(&[3, n]), 2.0));
        let y2 = op.forward(&x2).unwrap().to_array();
        assert_eq!(y2[[2, n - 1]], 4.0);
        assert_eq!(y2[[1, 0]], 2.0);
    }

    #[test]
    fn input_and_output_must_share_a_grid() {
        let op = Diagonal::new(ramp(&[6])).unwrap();
        let x = ChunkedArray::from(ramp(&[6]));
        let mut y = ChunkedArray::zeros(ChunkGrid::uniform(&[6], &[4]).unwrap());
        assert!(matches!(
            op.forward_into(&x, &mut y),
            Err(Error::ChunkMismatch(_))
        ));
        let mut short = ChunkedArray::zeros_single(&[5]);
        assert!(matches!(
            op.forward_into(&x, &mut short),
            Err(Error::ShapeMismatch { .. })
        ));
    }

    #[test]
    fn empty_arrays() {
        let op = Diagonal::along_axis(&[1.0f64, 2.0], &[0, 2], 1).unwrap();
        let y = op.forward(&ChunkedArray::zeros_single(&[0, 2])).unwrap();
        assert_eq!(y.shape(), &[0, 2]);
    }
}
