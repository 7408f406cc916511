//! [`BlockKernel`]: an operator from a user's block kernels with a declared reach — neighbourhood
//! operators (filters, stencils of any shape, with corners) that run chunked and on MPI ranks.
//!
//! A kernel computes one output block from a [`Window`]: the input block extended by the reach
//! the kernel declares per axis, filled from the neighbouring blocks (as many as that takes, across
//! chunks thinner than the reach, corners included) and zero beyond the array's ends. Halos are
//! gathered only along axes with a non-zero reach. The forward reads `reach[ax] = (before, after)`
//! rows; the adjoint, a gather of its own, reads the mirrored reach `(after, before)`.
//!
//! **Bit-exact in every chunking.** When a kernel computes each output element from the window by a
//! formula that depends only on the element's global position (never on where the block starts or
//! ends), every chunking of the input and output gives the same bits as one chunk, and
//! `rylops-mpi`'s `DistributedKernel` gives the same bits on any number of ranks: the window of an
//! element always holds the same values. Both adjoint and forward are gathers for this reason: a
//! scatter-add adjoint would sum the contributions that cross block faces in an order that depends
//! on the chunking.
//!
//! [`map_overlap`](crate::map_overlap) stays the tool for non-linear, dask-style work on chunks.

use crate::chunked::ChunkedArray;
use crate::chunked_op::{check_apply, Chunked, ChunkedOperator};
use crate::error::{Error, Result};
use crate::scalar::Scalar;
use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Axis, Dimension, IxDyn, Slice};
use rayon::prelude::*;
use std::fmt;
use std::sync::Arc;

/// The input a kernel reads for one output block: the block extended by the reach on every side
/// of every axis, zero beyond the array's ends.
///
/// Output element `i` (an index into the output block) sits at `i + before()` in [`data`](Self::data).
#[derive(Debug)]
pub struct Window<'a, T> {
    data: ArrayViewD<'a, T>,
    before: &'a [usize],
    origin: &'a [usize],
    global: &'a [usize],
}

impl<'a, T: Scalar> Window<'a, T> {
    /// Builds a window from its parts (for backends, e.g. `rylops-mpi`, that assemble the extended
    /// block themselves).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if the parts disagree in rank, or the data is smaller than
    /// `before` along an axis.
    pub fn new(
        data: ArrayViewD<'a, T>,
        before: &'a [usize],
        origin: &'a [usize],
        global: &'a [usize],
    ) -> Result<Self> {
        let nd = data.ndim();
        if before.len() != nd || origin.len() != nd || global.len() != nd {
            return Err(Error::InvalidParameter {
                name: "window".into(),
                reason: format!(
                    "data has {nd} axes, before {}, origin {}, global shape {}",
                    before.len(),
                    origin.len(),
                    global.len()
                ),
            });
        }
        if data.shape().iter().zip(before).any(|(&n, &b)| n < b) {
            return Err(Error::InvalidParameter {
                name: "window".into(),
                reason: format!(
                    "data of shape {:?} is smaller than the reach before the block {before:?}",
                    data.shape()
                ),
            });
        }
        Ok(Self {
            data,
            before,
            origin,
            global,
        })
    }
    /// The extended block.
    pub fn data(&self) -> &ArrayViewD<'a, T> {
        &self.data
    }
    /// Rows of the window before the block, per axis (the reach read before each element).
    pub fn before(&self) -> &[usize] {
        self.before
    }
    /// Global index of the output block's first element.
    pub fn origin(&self) -> &[usize] {
        self.origin
    }
    /// Shape of the whole array.
    pub fn global_shape(&self) -> &[usize] {
        self.global
    }
    /// The input at output element `i` (an index into the output block) shifted by `delta`, i.e.
    /// global index `origin + i + delta`; zero beyond the array's ends.
    ///
    /// # Panics
    /// If `i + delta` leaves the window (a shift larger than the declared reach) or the lengths
    /// differ from the number of axes.
    pub fn at<D: Dimension>(&self, i: &D, delta: &[isize]) -> T {
        let idx: Vec<usize> = i
            .slice()
            .iter()
            .zip(delta)
            .zip(self.before)
            .map(|((&i, &d), &b)| {
                (i + b)
                    .checked_add_signed(d)
                    .expect("a shift within the declared reach")
            })
            .collect();
        self.data[IxDyn(&idx)]
    }
}

/// The closure type of a [`BlockKernel`]: reads a window, writes the whole output block.
pub type KernelFn<T> =
    dyn Fn(&Window<'_, T>, &mut ArrayViewMutD<'_, T>) -> Result<()> + Send + Sync;

/// A square operator (`dims == dimsd`) given by block kernels that read a declared neighbourhood:
/// see the [module docs](self).
///
/// ```
/// use ndarray::{ArrayD, IxDyn};
/// use rylops_core::{dot_test, BlockKernel, ChunkedArray, LinearMap};
///
/// // y[i, j] = x[i-1, j-1] + 2 x[i, j] (zero outside); its adjoint x[i, j] = y[i+1, j+1] + 2 y[i, j].
/// let op = BlockKernel::<f64>::new(
///     &[5, 6],
///     &[(1, 0), (1, 0)],
///     |w, y| {
///         for (i, v) in y.indexed_iter_mut() {
///             *v = w.at(&i, &[-1, -1]) + 2.0 * w.at(&i, &[0, 0]);
///         }
///         Ok(())
///     },
///     |w, x| {
///         for (i, v) in x.indexed_iter_mut() {
///             *v = w.at(&i, &[1, 1]) + 2.0 * w.at(&i, &[0, 0]);
///         }
///         Ok(())
///     },
/// )?;
/// let a = ArrayD::from_shape_fn(IxDyn(&[5, 6]), |i| (i[0] * 6 + i[1]) as f64);
/// let one = op.forward(&ChunkedArray::from_array(a.clone()))?;
/// // chunks of one row and two columns: every window crosses several blocks, corners included
/// let thin = op.forward(&ChunkedArray::from_array_chunks(a.view(), &[1, 2])?)?;
/// assert_eq!(one.to_array(), thin.to_array());
/// assert_eq!(one.to_array()[[2, 3]], a[[1, 2]] + 2.0 * a[[2, 3]]);
/// assert!(dot_test(&op, 0)?.passed);
/// # Ok::<(), rylops_core::Error>(())
/// ```
#[derive(Clone)]
pub struct BlockKernel<T> {
    dims: Vec<usize>,
    reach: Vec<(usize, usize)>,
    forward: Arc<KernelFn<T>>,
    adjoint: Option<Arc<KernelFn<T>>>,
}

impl<T: Scalar> BlockKernel<T> {
    /// The operator on arrays of shape `dims` whose forward kernel reads `reach[ax] = (before,
    /// after)` rows around each element along axis `ax`, and whose adjoint kernel reads
    /// `(after, before)`. Each kernel receives the window of one output block and writes every
    /// element of that block.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `reach` has another length than `dims`, a shape has more
    /// elements than an array can hold, or a window would (reach plus axis length overflowing).
    pub fn new<F, G>(
        dims: &[usize],
        reach: &[(usize, usize)],
        forward: F,
        adjoint: G,
    ) -> Result<Chunked<Self>>
    where
        F: Fn(&Window<'_, T>, &mut ArrayViewMutD<'_, T>) -> Result<()> + Send + Sync + 'static,
        G: Fn(&Window<'_, T>, &mut ArrayViewMutD<'_, T>) -> Result<()> + Send + Sync + 'static,
    {
        Self::build(dims, reach, Arc::new(forward), Some(Arc::new(adjoint)))
    }

    /// The operator with a forward kernel only; its adjoint is an [`Error::NotImplemented`].
    ///
    /// # Errors
    /// As [`BlockKernel::new`].
    pub fn forward_only<F>(
        dims: &[usize],
        reach: &[(usize, usize)],
        forward: F,
    ) -> Result<Chunked<Self>>
    where
        F: Fn(&Window<'_, T>, &mut ArrayViewMutD<'_, T>) -> Result<()> + Send + Sync + 'static,
    {
        Self::build(dims, reach, Arc::new(forward), None)
    }

    fn build(
        dims: &[usize],
        reach: &[(usize, usize)],
        forward: Arc<KernelFn<T>>,
        adjoint: Option<Arc<KernelFn<T>>>,
    ) -> Result<Chunked<Self>> {
        let bad = |reason: String| Error::InvalidParameter {
            name: "reach".into(),
            reason,
        };
        if reach.len() != dims.len() {
            return Err(bad(format!(
                "{} entries for an array of {} axes (dims {dims:?})",
                reach.len(),
                dims.len()
            )));
        }
        let ext = dims
            .iter()
            .zip(reach)
            .map(|(&n, &(b, a))| n.checked_add(b)?.checked_add(a))
            .collect::<Option<Vec<usize>>>();
        let fits = ext
            .and_then(|e| e.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n)))
            .is_some_and(|n| n <= isize::MAX as usize);
        if !fits {
            return Err(bad(format!(
                "{reach:?} around {dims:?} makes windows larger than an array can hold"
            )));
        }
        Ok(Chunked(Self {
            dims: dims.to_vec(),
            reach: reach.to_vec(),
            forward,
            adjoint,
        }))
    }

    /// The forward's reach per axis, `(before, after)`.
    pub fn reach(&self) -> &[(usize, usize)] {
        &self.reach
    }

    /// The reach of the forward (`adjoint = false`) or of the adjoint (mirrored), as the rows
    /// `(before, after)` per axis that a window holds.
    pub fn window_reach(&self, adjoint: bool) -> Vec<(usize, usize)> {
        self.reach
            .iter()
            .map(|&(b, a)| if adjoint { (a, b) } else { (b, a) })
            .collect()
    }

    /// Whether an adjoint kernel was given.
    pub fn has_adjoint(&self) -> bool {
        self.adjoint.is_some()
    }

    /// Runs the forward or adjoint kernel on one window (for backends that build windows
    /// themselves, e.g. `rylops-mpi`).
    ///
    /// # Errors
    /// [`Error::NotImplemented`] for the adjoint of an operator built without one; the kernel's own
    /// errors.
    pub fn run_kernel(
        &self,
        adjoint: bool,
        w: &Window<'_, T>,
        out: &mut ArrayViewMutD<'_, T>,
    ) -> Result<()> {
        self.kernel(adjoint)?(w, out)
    }

    /// The forward or adjoint kernel.
    fn kernel(&self, adjoint: bool) -> Result<&KernelFn<T>> {
        if !adjoint {
            return Ok(&*self.forward);
        }
        self.adjoint.as_deref().ok_or_else(|| {
            Error::NotImplemented(
                "the adjoint of a BlockKernel built without one (use BlockKernel::new)".into(),
            )
        })
    }

    /// Applies one direction: every output block, in parallel, from its window of `x`.
    fn apply(&self, adjoint: bool, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        let kernel = self.kernel(adjoint)?;
        let reach = self.window_reach(adjoint);
        let before: Vec<usize> = reach.iter().map(|r| r.0).collect();
        let grid = y.grid().clone();
        let dims = &self.dims;
        y.blocks_mut()
            .into_par_iter()
            .enumerate()
            .try_for_each(|(k, mut out)| {
                let id = grid.block_id(k);
                let origin = grid.block_offset(&id);
                let ext = window_of(x, &origin, out.shape(), &reach);
                let w = Window::new(ext.view(), &before, &origin, dims)?;
                kernel(&w, &mut out)
            })
    }
}

/// The window around the block at `origin` of shape `shape`: `reach` rows on each side of each
/// axis, copied from `x` (across as many blocks as it takes), zero beyond the array's ends.
fn window_of<T: Scalar>(
    x: &ChunkedArray<T>,
    origin: &[usize],
    shape: &[usize],
    reach: &[(usize, usize)],
) -> ArrayD<T> {
    let n = x.shape();
    let ext: Vec<usize> = shape
        .iter()
        .zip(reach)
        .map(|(&m, &(b, a))| m + b + a)
        .collect();
    let mut out = ArrayD::zeros(IxDyn(&ext));
    // the part of the window inside the array: global [lo, hi) per axis
    let mut inner = out.view_mut();
    let mut lo = Vec::with_capacity(n.len());
    for ax in 0..n.len() {
        let (b, a) = reach[ax];
        let start = origin[ax].saturating_sub(b);
        let end = (origin[ax] + shape[ax] + a).min(n[ax]);
        let at = start + b - origin[ax];
        inner.slice_axis_inplace(Axis(ax), Slice::from(at..at + end.saturating_sub(start)));
        lo.push(start);
    }
    if !inner.is_empty() {
        x.copy_region_into(&lo, inner);
    }
    out
}

impl<T> fmt::Debug for BlockKernel<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockKernel")
            .field("dims", &self.dims)
            .field("reach", &self.reach)
            .field("has_adjoint", &self.adjoint.is_some())
            .finish()
    }
}

impl<T: Scalar> ChunkedOperator for BlockKernel<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        self.apply(false, x, y)
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        self.apply(true, y, x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{dot_test, dot_test_with, ChunkGrid, LinearMap, LinearOperator};
    use num_complex::Complex64;

    /// A 3 x 3 filter with unequal taps, zero boundary, on 2-D arrays: forward
    /// `y[i,j] = sum_{a,b in -1..=1} c[a+1][b+1] x[i+a, j+b]`, adjoint the correlation with the
    /// conjugated taps.
    fn filter(dims: &[usize]) -> Chunked<BlockKernel<Complex64>> {
        let c = |a: isize, b: isize| Complex64::new((3 * a + b) as f64 + 0.25, (a - 2 * b) as f64);
        BlockKernel::new(
            dims,
            &[(1, 1), (1, 1)],
            move |w, y| {
                for (i, v) in y.indexed_iter_mut() {
                    let mut s = Complex64::new(0.0, 0.0);
                    for a in -1..=1 {
                        for b in -1..=1 {
                            s += c(a, b) * w.at(&i, &[a, b]);
                        }
                    }
                    *v = s;
                }
                Ok(())
            },
            move |w, x| {
                for (i, v) in x.indexed_iter_mut() {
                    let mut s = Complex64::new(0.0, 0.0);
                    for a in -1..=1 {
                        for b in -1..=1 {
                            s += c(a, b).conj() * w.at(&i, &[-a, -b]);
                        }
                    }
                    *v = s;
                }
                Ok(())
            },
        )
        .unwrap()
    }

    fn random(shape: &[usize], seed: u64) -> ArrayD<Complex64> {
        let mut r = crate::Rng::new(seed);
        ArrayD::from_shape_fn(IxDyn(shape), |_| Complex64::new(r.normal(), r.normal()))
    }

    #[test]
    fn matches_a_dense_loop_and_every_chunking_bit_for_bit() {
        let dims = [7, 5];
        let op = filter(&dims);
        let a = random(&dims, 1);
        let one = op
            .forward(&ChunkedArray::from_array(a.clone()))
            .unwrap()
            .to_array();
        // a direct evaluation of the formula on the global array
        let c = |a: isize, b: isize| Complex64::new((3 * a + b) as f64 + 0.25, (a - 2 * b) as f64);
        for i in 0..7isize {
            for j in 0..5isize {
                let mut s = Complex64::new(0.0, 0.0);
                for p in -1..=1 {
                    for q in -1..=1 {
                        let (u, v) = (i + p, j + q);
                        let x = if (0..7).contains(&u) && (0..5).contains(&v) {
                            a[[u as usize, v as usize]]
                        } else {
                            Complex64::new(0.0, 0.0)
                        };
                        s += c(p, q) * x;
                    }
                }
                assert_eq!(one[[i as usize, j as usize]], s, "element {i},{j}");
            }
        }
        let u = random(&dims, 2);
        let one_adj = op
            .adjoint(&ChunkedArray::from_array(u.clone()))
            .unwrap()
            .to_array();
        for chunks in [
            vec![vec![1; 7], vec![2, 2, 1]],
            vec![vec![3, 4], vec![5]],
            vec![vec![7], vec![1, 3, 1]],
        ] {
            let g = ChunkGrid::new(&dims, chunks).unwrap();
            let x = ChunkedArray::from_array_grid(a.view(), g.clone()).unwrap();
            let y = op.forward(&x).unwrap();
            assert_eq!(y.grid(), &g);
            assert_eq!(y.to_array(), one);
            let v = ChunkedArray::from_array_grid(u.view(), g).unwrap();
            assert_eq!(op.adjoint(&v).unwrap().to_array(), one_adj);
        }
        // input and output on different grids
        let x = ChunkedArray::from_array_chunks(a.view(), &[2, 2]).unwrap();
        let mut y = ChunkedArray::zeros(ChunkGrid::uniform(&dims, &[3, 5]).unwrap());
        op.forward_into(&x, &mut y).unwrap();
        assert_eq!(y.to_array(), one);
    }

    #[test]
    fn passes_the_dot_test_chunked_and_in_one_chunk() {
        let op = filter(&[6, 4]);
        assert!(dot_test(&op, 5).unwrap().passed);
        let x0 = ChunkedArray::zeros(ChunkGrid::uniform(&[6, 4], &[1, 3]).unwrap());
        assert!(dot_test_with(&op, x0, 6, None).unwrap().passed);
    }

    #[test]
    fn reach_along_one_axis_reads_no_other_neighbour() {
        // forward difference along axis 1 only: windows have no extra rows along axis 0
        let op = BlockKernel::<f64>::new(
            &[4, 6],
            &[(0, 0), (0, 1)],
            |w, y| {
                assert_eq!(w.data().shape()[0], y.shape()[0]);
                for (i, v) in y.indexed_iter_mut() {
                    *v = w.at(&i, &[0, 1]) - w.at(&i, &[0, 0]);
                }
                Ok(())
            },
            |w, x| {
                assert_eq!(w.data().shape()[0], x.shape()[0]);
                for (i, v) in x.indexed_iter_mut() {
                    *v = w.at(&i, &[0, -1]) - w.at(&i, &[0, 0]);
                }
                Ok(())
            },
        )
        .unwrap();
        let a = ArrayD::from_shape_fn(IxDyn(&[4, 6]), |i| (i[1] * i[1]) as f64);
        let y = op
            .forward(&ChunkedArray::from_array_chunks(a.view(), &[1, 1]).unwrap())
            .unwrap()
            .to_array();
        assert_eq!(y[[2, 3]], 7.0);
        assert_eq!(y[[2, 5]], -25.0);
        assert!(dot_test(&op, 1).unwrap().passed);
    }

    #[test]
    fn bad_input_is_an_error() {
        let k = |_: &Window<'_, f64>, _: &mut ArrayViewMutD<'_, f64>| Ok(());
        assert!(matches!(
            BlockKernel::<f64>::new(&[3, 3], &[(1, 1)], k, k),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(matches!(
            BlockKernel::<f64>::new(&[3], &[(usize::MAX, 1)], k, k),
            Err(Error::InvalidParameter { .. })
        ));
        let op = BlockKernel::<f64>::forward_only(&[3], &[(1, 0)], k).unwrap();
        assert!(!op.has_adjoint());
        let x = ChunkedArray::zeros_single(&[3]);
        assert!(op.forward(&x).is_ok());
        assert!(matches!(op.adjoint(&x), Err(Error::NotImplemented(_))));
        assert!(matches!(
            op.forward(&ChunkedArray::zeros_single(&[4])),
            Err(Error::ShapeMismatch { .. })
        ));
        let failing = BlockKernel::<f64>::new(
            &[3],
            &[(0, 0)],
            |_, _| Err(Error::NonFinite("user kernel".into())),
            k,
        )
        .unwrap();
        assert_eq!(
            failing.forward(&x),
            Err(Error::NonFinite("user kernel".into()))
        );
        assert!(format!("{:?}", op.inner()).contains("reach: [(1, 0)]"));
    }

    #[test]
    fn empty_arrays_and_reach_beyond_the_array() {
        // reach larger than the axis: windows are mostly zero, still exact
        let op = BlockKernel::<f64>::new(
            &[3],
            &[(5, 5)],
            |w, y| {
                for (i, v) in y.indexed_iter_mut() {
                    *v = w.at(&i, &[-5]) + w.at(&i, &[2]);
                }
                Ok(())
            },
            |w, x| {
                for (i, v) in x.indexed_iter_mut() {
                    *v = w.at(&i, &[5]) + w.at(&i, &[-2]);
                }
                Ok(())
            },
        )
        .unwrap();
        let a = ArrayD::from_shape_vec(IxDyn(&[3]), vec![1.0, 2.0, 4.0]).unwrap();
        let y = op
            .forward(&ChunkedArray::from_array_chunks(a.view(), &[1]).unwrap())
            .unwrap();
        assert_eq!(y.to_array().as_slice().unwrap(), &[4.0, 0.0, 0.0]);
        assert!(dot_test(&op, 2).unwrap().passed);
        let e = BlockKernel::<f64>::new(&[0, 4], &[(1, 1), (1, 1)], |_, _| Ok(()), |_, _| Ok(()))
            .unwrap();
        assert_eq!(
            e.forward(&ChunkedArray::zeros_single(&[0, 4]))
                .unwrap()
                .shape(),
            &[0, 4]
        );
    }
}
