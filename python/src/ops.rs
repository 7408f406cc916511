//! The operators: one dtype-erased `NativeOperator` class, its constructors, and `apply`.

use crate::{dtype_error, in_pool, to_py, with_dtype, Dtype};
use nalgebra::DMatrix;
use ndarray::{ArrayD, ArrayViewD, IxDyn};
use num_complex::{Complex32, Complex64};
use numpy::{PyArray, PyArrayDyn, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use rylops_core::stencil::{apply_terms_slices, StencilOperator};
use rylops_core::{ChunkGrid, ChunkedArray, Error, LinearOperator};
use rylops_operators::{
    CausalIntegration, Convolve1D, Convolve2D, ConvolveND, Diagonal, Direction, FirstDerivative,
    FirstDirectionalDerivative, Flip, Gradient, Identity, IntegrationKind, Kind, Laplacian,
    MatrixMult, Pad, Restriction, Roll, SecondDerivative, SecondDirectionalDerivative, Smoothing1D,
    Smoothing2D, Sum, Symmetrize, Transpose, Zero,
};
use std::sync::Arc;

/// A shared operator on chunked arrays of `T`.
pub(crate) type DynOp<T> =
    Arc<dyn LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>>>;

/// Operators that are stencils along axes: applied straight to a C-contiguous numpy array (no copy
/// of the input), with the kernels `apply_op_chunked`/`apply_fused_chunked` run on a single chunk.
pub(crate) enum Fast<T: Dtype> {
    /// One first-derivative stencil.
    First(FirstDerivative<T>),
    /// One second-derivative stencil.
    Second(SecondDerivative<T>),
    /// A fused weighted sum of second-derivative stencils.
    Lap(Laplacian<T>),
}

/// A typed operator, with its zero-copy path where it has one.
pub(crate) struct Native<T: Dtype> {
    /// The operator.
    pub(crate) op: DynOp<T>,
    fast: Option<Arc<Fast<T>>>,
}

/// A typed operator of any supported dtype.
pub(crate) enum AnyOp {
    F32(Native<f32>),
    F64(Native<f64>),
    C64(Native<Complex32>),
    C128(Native<Complex64>),
}

/// A rylops operator (any dtype). Built by the constructor functions of this module; the Python
/// classes of `rylops` wrap it.
#[pyclass(frozen, module = "rylops._rylops", name = "NativeOperator")]
pub(crate) struct NativeOperator {
    pub(crate) inner: AnyOp,
    pub(crate) dims: Vec<usize>,
    pub(crate) dimsd: Vec<usize>,
    pub(crate) dtype: &'static str,
    name: &'static str,
}

fn make<T: Dtype, O>(op: O, fast: Option<Fast<T>>, name: &'static str) -> NativeOperator
where
    O: LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>> + 'static,
{
    let (dims, dimsd) = (op.dims(), op.dimsd());
    NativeOperator {
        inner: T::wrap(Native {
            op: Arc::new(op),
            fast: fast.map(Arc::new),
        }),
        dims,
        dimsd,
        dtype: T::DTYPE,
        name,
    }
}

#[pymethods]
impl NativeOperator {
    /// Model shape.
    #[getter]
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    /// Data shape.
    #[getter]
    fn dimsd(&self) -> Vec<usize> {
        self.dimsd.clone()
    }
    /// numpy's name of the dtype.
    #[getter]
    fn dtype(&self) -> &'static str {
        self.dtype
    }
    /// The operator's kind (`"FirstDerivative"`, ...).
    #[getter]
    fn kind(&self) -> &'static str {
        self.name
    }
    /// Whether a C-contiguous input in one chunk is read in place.
    #[getter]
    fn zero_copy(&self) -> bool {
        match &self.inner {
            AnyOp::F32(n) => n.fast.is_some(),
            AnyOp::F64(n) => n.fast.is_some(),
            AnyOp::C64(n) => n.fast.is_some(),
            AnyOp::C128(n) => n.fast.is_some(),
        }
    }

    /// `A x` (or `A^H x` with `adjoint=True`) of an array of the operator's dtype with as many
    /// elements as the model (data) shape, in any layout; returns a new C-ordered array of the data
    /// (model) shape. `chunks` (per axis, the chunk lengths of the input) splits the work into
    /// chunks; `fast=False` disables the zero-copy path (for tests).
    #[pyo3(signature = (x, adjoint=false, chunks=None, fast=true))]
    fn apply<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        adjoint: bool,
        chunks: Option<Vec<Vec<usize>>>,
        fast: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        with_dtype!(self.dtype, T => {
            let nat = T::pick(&self.inner).expect("dtype and variant agree");
            apply_t::<T>(py, nat, &self.dims, &self.dimsd, x, adjoint, chunks, fast)
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "<rylops {} dims={:?} dimsd={:?} dtype={}>",
            self.name, self.dims, self.dimsd, self.dtype
        )
    }
}

/// The numpy dtype name of an object (for messages).
fn dtype_name(x: &Bound<'_, PyAny>) -> String {
    x.getattr("dtype")
        .and_then(|d| d.str())
        .map(|s| s.to_string())
        .unwrap_or_else(|_| {
            x.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        })
}

/// Borrows `x` as a typed numpy array, or raises `TypeError`.
pub(crate) fn typed<'a, 'py, T: Dtype>(
    x: &'a Bound<'py, PyAny>,
    what: &str,
) -> PyResult<&'a Bound<'py, PyArrayDyn<T>>> {
    x.cast::<PyArrayDyn<T>>()
        .map_err(|_| dtype_error(what, &dtype_name(x), T::DTYPE))
}

/// Copies a numpy view (any layout) into a chunked array of `shape` (the view's logical C order),
/// on `grid` if given.
pub(crate) fn to_chunked<T: Dtype>(
    view: ArrayViewD<'_, T>,
    shape: &[usize],
    grid: Option<ChunkGrid>,
) -> Result<ChunkedArray<T>, Error> {
    let owned;
    let v = match view.as_slice() {
        Some(s) => ArrayViewD::from_shape(IxDyn(shape), s).expect("length checked"),
        None => {
            owned = ArrayD::from_shape_vec(IxDyn(shape), view.iter().copied().collect())
                .expect("length checked");
            owned.view()
        }
    };
    match grid {
        Some(g) if g.nblocks() > 1 => ChunkedArray::from_array_grid(v, g),
        _ => Ok(ChunkedArray::from_array(v.to_owned())),
    }
}

/// Checks that `x` has `n` elements.
pub(crate) fn check_len(n_got: usize, shape: &[usize], what: &str) -> PyResult<()> {
    let n: usize = shape.iter().product();
    if n_got != n {
        return Err(PyValueError::new_err(format!(
            "Dimension mismatch: {what} has {n_got} elements, but the operator expects {n} \
             (shape {shape:?})"
        )));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn apply_t<'py, T: Dtype>(
    py: Python<'py>,
    nat: &Native<T>,
    dims: &[usize],
    dimsd: &[usize],
    x: &Bound<'py, PyAny>,
    adjoint: bool,
    chunks: Option<Vec<Vec<usize>>>,
    fast: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let (ishape, oshape) = if adjoint {
        (dimsd, dims)
    } else {
        (dims, dimsd)
    };
    let arr = typed::<T>(x, "the input")?;
    check_len(arr.len(), ishape, "the input")?;
    let grid = match chunks {
        Some(c) => Some(ChunkGrid::new(ishape, c).map_err(|e| to_py(py, e))?),
        None => None,
    };
    let single = grid.as_ref().is_none_or(|g| g.nblocks() == 1);
    let ro = arr
        .try_readonly()
        .map_err(|e| PyValueError::new_err(format!("cannot read the input: {e}")))?;
    let view = ro.as_array();
    let op = nat.op.clone();
    let fast_op = if fast && single {
        nat.fast.clone()
    } else {
        None
    };
    let out: Result<ArrayD<T>, Error> = py.detach(move || {
        in_pool(move || {
            if let (Some(f), Some(xs)) = (fast_op.as_deref(), view.as_slice()) {
                return Ok(fast_apply(f, adjoint, xs, ishape));
            }
            let xc = to_chunked(view, ishape, grid)?;
            let y = if adjoint {
                op.adjoint(&xc)?
            } else {
                op.forward(&xc)?
            };
            Ok(y.into_array())
        })
    });
    let y = out.map_err(|e| to_py(py, e))?;
    debug_assert_eq!(y.shape(), oshape);
    Ok(PyArray::from_owned_array(py, y).into_any())
}

/// The single-chunk path of the stencil operators, reading the caller's contiguous array in place:
/// the same kernels, on the same block, as `apply_op_chunked` and `apply_fused_chunked` on an
/// array of one chunk (so the same bits).
fn fast_apply<T: Dtype>(f: &Fast<T>, adjoint: bool, xs: &[T], shape: &[usize]) -> ArrayD<T> {
    let n: usize = shape.iter().product();
    let mut y = vec![T::default(); n];
    let done = match f {
        Fast::First(op) => apply_terms_slices(op.stencil_terms(adjoint), xs, &mut y),
        Fast::Second(op) => apply_terms_slices(op.stencil_terms(adjoint), xs, &mut y),
        Fast::Lap(op) => apply_terms_slices(op.stencil_terms(adjoint), xs, &mut y),
    };
    done.expect("the caller checked the input's length against the operator's shape");
    ArrayD::from_shape_vec(IxDyn(shape), y).expect("length matches the shape")
}

fn kind(py: Python<'_>, k: &str) -> PyResult<Kind> {
    k.parse().map_err(|e| to_py(py, e))
}

/// `FirstDerivative` (pylops' arguments, resolved by the Python layer).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn first_derivative(
    py: Python<'_>,
    dims: Vec<usize>,
    axis: isize,
    sampling: f64,
    kind_: &str,
    edge: bool,
    order: usize,
    dtype: &str,
) -> PyResult<NativeOperator> {
    let k = kind(py, kind_)?;
    with_dtype!(dtype, T => {
        let op = FirstDerivative::<T>::builder(&dims)
            .axis(axis)
            .sampling(sampling)
            .kind(k)
            .order(order)
            .edge(edge)
            .build()
            .map_err(|e| to_py(py, e))?;
        Ok(make(op.clone(), Some(Fast::First(op.into_inner())), "FirstDerivative"))
    })
}

/// `SecondDerivative`.
#[pyfunction]
fn second_derivative(
    py: Python<'_>,
    dims: Vec<usize>,
    axis: isize,
    sampling: f64,
    kind_: &str,
    edge: bool,
    dtype: &str,
) -> PyResult<NativeOperator> {
    let k = kind(py, kind_)?;
    with_dtype!(dtype, T => {
        let op = SecondDerivative::<T>::builder(&dims)
            .axis(axis)
            .sampling(sampling)
            .kind(k)
            .edge(edge)
            .build()
            .map_err(|e| to_py(py, e))?;
        Ok(make(op.clone(), Some(Fast::Second(op.into_inner())), "SecondDerivative"))
    })
}

/// `Laplacian`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn laplacian(
    py: Python<'_>,
    dims: Vec<usize>,
    axes: Vec<isize>,
    weights: Vec<f64>,
    sampling: Vec<f64>,
    edge: bool,
    kind_: &str,
    dtype: &str,
) -> PyResult<NativeOperator> {
    let k = kind(py, kind_)?;
    with_dtype!(dtype, T => {
        let op = Laplacian::<T>::builder(&dims)
            .axes(&axes)
            .weights(&weights)
            .sampling(&sampling)
            .edge(edge)
            .kind(k)
            .build()
            .map_err(|e| to_py(py, e))?;
        Ok(make(op.clone(), Some(Fast::Lap(op.into_inner())), "Laplacian"))
    })
}

/// `Gradient`.
#[pyfunction]
fn gradient(
    py: Python<'_>,
    dims: Vec<usize>,
    sampling: Vec<f64>,
    edge: bool,
    kind_: &str,
    dtype: &str,
) -> PyResult<NativeOperator> {
    let k = kind(py, kind_)?;
    with_dtype!(dtype, T => {
        let op = Gradient::<T>::builder(&dims)
            .sampling_per_axis(&sampling)
            .edge(edge)
            .kind(k)
            .build()
            .map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "Gradient"))
    })
}

/// A direction from a numpy array: 1-D (one direction) or `(ndim, *dims)` (one per point).
fn direction<T: Dtype>(v: &Bound<'_, PyAny>) -> PyResult<Direction<T>> {
    let arr = typed::<T>(v, "the direction v")?;
    let ro = arr
        .try_readonly()
        .map_err(|e| PyValueError::new_err(format!("cannot read v: {e}")))?;
    let a = ro.as_array();
    Ok(if a.ndim() == 1 {
        Direction::Global(a.iter().copied().collect())
    } else {
        Direction::PerPoint(a.as_standard_layout().into_owned())
    })
}

/// `FirstDirectionalDerivative` (`second=false`) or `SecondDirectionalDerivative`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn directional_derivative(
    py: Python<'_>,
    dims: Vec<usize>,
    v: &Bound<'_, PyAny>,
    sampling: Vec<f64>,
    edge: bool,
    kind_: &str,
    second: bool,
    dtype: &str,
) -> PyResult<NativeOperator> {
    let k = kind(py, kind_)?;
    with_dtype!(dtype, T => {
        let d = direction::<T>(v)?;
        if second {
            let op = SecondDirectionalDerivative::<T>::new(&dims, d, &sampling, edge, k)
                .map_err(|e| to_py(py, e))?;
            Ok(make(op, None, "SecondDirectionalDerivative"))
        } else {
            let op = FirstDirectionalDerivative::<T>::new(&dims, d, &sampling, edge, k)
                .map_err(|e| to_py(py, e))?;
            Ok(make(op, None, "FirstDirectionalDerivative"))
        }
    })
}

/// `Identity` from model shape `dims` to data shape `dimsd`.
#[pyfunction]
fn identity(
    py: Python<'_>,
    dims: Vec<usize>,
    dimsd: Vec<usize>,
    dtype: &str,
) -> PyResult<NativeOperator> {
    with_dtype!(dtype, T => {
        let op = Identity::<T>::nm(&dimsd, &dims).map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "Identity"))
    })
}

/// `Zero` from model shape `dims` to data shape `dimsd`.
#[pyfunction]
fn zero(
    py: Python<'_>,
    dims: Vec<usize>,
    dimsd: Vec<usize>,
    dtype: &str,
) -> PyResult<NativeOperator> {
    with_dtype!(dtype, T => {
        let op = Zero::<T>::nm(&dimsd, &dims).map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "Zero"))
    })
}

/// `Diagonal`: `diag` of the model shape (`dims=None`), or 1-D along `axis` of `dims`.
#[pyfunction]
#[pyo3(signature = (diag, dims, axis, dtype))]
fn diagonal(
    py: Python<'_>,
    diag: &Bound<'_, PyAny>,
    dims: Option<Vec<usize>>,
    axis: isize,
    dtype: &str,
) -> PyResult<NativeOperator> {
    with_dtype!(dtype, T => {
        let arr = typed::<T>(diag, "diag")?;
        let ro = arr
            .try_readonly()
            .map_err(|e| PyValueError::new_err(format!("cannot read diag: {e}")))?;
        let a = ro.as_array();
        let op = match dims {
            None => Diagonal::new(a.as_standard_layout().into_owned()),
            Some(d) => {
                let v: Vec<T> = a.iter().copied().collect();
                Diagonal::along_axis(&v, &d, axis)
            }
        }
        .map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "Diagonal"))
    })
}

/// `MatrixMult` by a 2-D array `a`, on models of shape `(a.shape[1], *otherdims)`.
#[pyfunction]
fn matrix_mult(
    py: Python<'_>,
    a: &Bound<'_, PyAny>,
    otherdims: Vec<usize>,
    dtype: &str,
) -> PyResult<NativeOperator> {
    with_dtype!(dtype, T => {
        let arr = typed::<T>(a, "the matrix A")?;
        let ro = arr
            .try_readonly()
            .map_err(|e| PyValueError::new_err(format!("cannot read A: {e}")))?;
        let v = ro.as_array();
        if v.ndim() != 2 {
            return Err(PyValueError::new_err(format!(
                "A must be a 2-D array, got {} dimension(s)",
                v.ndim()
            )));
        }
        let (r, c) = (v.shape()[0], v.shape()[1]);
        let m = DMatrix::from_row_iterator(r, c, v.iter().copied());
        let op = if otherdims.is_empty() {
            MatrixMult::new(m)
        } else {
            MatrixMult::with_otherdims(m, &otherdims)
        }
        .map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "MatrixMult"))
    })
}

/// A numpy array of `T` (any layout) as an owned C-ordered array, or `TypeError`.
fn owned_array<T: Dtype>(x: &Bound<'_, PyAny>, what: &str) -> PyResult<ArrayD<T>> {
    let arr = typed::<T>(x, what)?;
    let ro = arr
        .try_readonly()
        .map_err(|e| PyValueError::new_err(format!("cannot read {what}: {e}")))?;
    Ok(ro.as_array().as_standard_layout().into_owned())
}

/// `Restriction` to the indices `iava` (resolved to `0..dims[axis]` by the Python layer) along
/// `axis`.
#[pyfunction]
fn restriction(
    py: Python<'_>,
    dims: Vec<usize>,
    iava: Vec<i64>,
    axis: isize,
    dtype: &str,
) -> PyResult<NativeOperator> {
    with_dtype!(dtype, T => {
        let op = Restriction::<T>::new(&dims, &iava, axis).map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "Restriction"))
    })
}

/// `CausalIntegration`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn causal_integration(
    py: Python<'_>,
    dims: Vec<usize>,
    axis: isize,
    sampling: f64,
    kind_: &str,
    removefirst: bool,
    dtype: &str,
) -> PyResult<NativeOperator> {
    let k: IntegrationKind = kind_.parse().map_err(|e| to_py(py, e))?;
    with_dtype!(dtype, T => {
        let op = CausalIntegration::<T>::builder(&dims)
            .axis(axis)
            .sampling(sampling)
            .kind(k)
            .removefirst(removefirst)
            .build()
            .map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "CausalIntegration"))
    })
}

/// `Flip` along `axis`.
#[pyfunction]
fn flip(py: Python<'_>, dims: Vec<usize>, axis: isize, dtype: &str) -> PyResult<NativeOperator> {
    with_dtype!(dtype, T => {
        let op = Flip::<T>::new(&dims, axis).map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "Flip"))
    })
}

/// `Roll` by `shift` along `axis`.
#[pyfunction]
fn roll(
    py: Python<'_>,
    dims: Vec<usize>,
    axis: isize,
    shift: i64,
    dtype: &str,
) -> PyResult<NativeOperator> {
    with_dtype!(dtype, T => {
        let op = Roll::<T>::new(&dims, axis, shift).map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "Roll"))
    })
}

/// `Transpose` into the axis order `axes`.
#[pyfunction]
fn transpose(
    py: Python<'_>,
    dims: Vec<usize>,
    axes: Vec<isize>,
    dtype: &str,
) -> PyResult<NativeOperator> {
    with_dtype!(dtype, T => {
        let op = Transpose::<T>::new(&dims, &axes).map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "Transpose"))
    })
}

/// `Symmetrize` along `axis`.
#[pyfunction]
fn symmetrize(
    py: Python<'_>,
    dims: Vec<usize>,
    axis: isize,
    dtype: &str,
) -> PyResult<NativeOperator> {
    with_dtype!(dtype, T => {
        let op = Symmetrize::<T>::new(&dims, axis).map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "Symmetrize"))
    })
}

/// `Pad` by `(before, after)` per axis.
#[pyfunction]
fn pad(
    py: Python<'_>,
    dims: Vec<usize>,
    pad: Vec<(usize, usize)>,
    dtype: &str,
) -> PyResult<NativeOperator> {
    with_dtype!(dtype, T => {
        let op = Pad::<T>::new(&dims, &pad).map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "Pad"))
    })
}

/// pylops' `Sum` along `axis` (1-D `dims` become `[n, 1]`, as pylops).
#[pyfunction]
fn sum(py: Python<'_>, dims: Vec<usize>, axis: isize, dtype: &str) -> PyResult<NativeOperator> {
    with_dtype!(dtype, T => {
        let op = Sum::<T>::new(&dims, axis).map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "Sum"))
    })
}

/// `Convolve1D` with the 1-D filter `h` (of the operator's dtype) along `axis`; filters longer
/// than the axis (1-D models only) as pylops.
#[pyfunction]
fn convolve1d(
    py: Python<'_>,
    dims: Vec<usize>,
    h: &Bound<'_, PyAny>,
    offset: isize,
    axis: isize,
    dtype: &str,
) -> PyResult<NativeOperator> {
    with_dtype!(dtype, T => {
        let hv: Vec<T> = owned_array::<T>(h, "h")?.iter().copied().collect();
        let op = Convolve1D::<T>::builder(&dims, &hv)
            .offset(offset)
            .axis(axis)
            .build_boxed()
            .map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "Convolve1D"))
    })
}

/// `Smoothing1D`: the moving average of `nsmooth` samples (made odd) along `axis`.
#[pyfunction]
fn smoothing1d(
    py: Python<'_>,
    nsmooth: usize,
    dims: Vec<usize>,
    axis: isize,
    dtype: &str,
) -> PyResult<NativeOperator> {
    with_dtype!(dtype, T => {
        let op = Smoothing1D::boxed::<T>(nsmooth, &dims, axis).map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "Smoothing1D"))
    })
}

/// `ConvolveND` (`two_d=false`) or `Convolve2D` (`two_d=true`) with the n-d filter `h` over
/// `axes`; `offset=None` is zeros.
#[pyfunction]
#[pyo3(signature = (dims, h, offset, axes, two_d, dtype))]
#[allow(clippy::too_many_arguments)]
fn convolvend(
    py: Python<'_>,
    dims: Vec<usize>,
    h: &Bound<'_, PyAny>,
    offset: Option<Vec<isize>>,
    axes: Vec<isize>,
    two_d: bool,
    dtype: &str,
) -> PyResult<NativeOperator> {
    with_dtype!(dtype, T => {
        let ha = owned_array::<T>(h, "h")?;
        if two_d {
            let pair = |v: &[isize], what: &str| -> PyResult<[isize; 2]> {
                v.try_into().map_err(|_| {
                    PyValueError::new_err(format!("{what} must have two entries, got {v:?}"))
                })
            };
            let off = pair(offset.as_deref().unwrap_or(&[0, 0]), "offset")?;
            let op = Convolve2D::new::<T>(&dims, ha, off, pair(&axes, "axes")?)
                .map_err(|e| to_py(py, e))?;
            Ok(make(op, None, "Convolve2D"))
        } else {
            let mut b = ConvolveND::<T>::builder(&dims, ha).axes(&axes);
            if let Some(o) = &offset {
                b = b.offset(o);
            }
            let op = b.build().map_err(|e| to_py(py, e))?;
            Ok(make(op, None, "ConvolveND"))
        }
    })
}

/// `Smoothing2D`: the moving average of `nsmooth[0] x nsmooth[1]` samples (each made odd) over
/// `axes`.
#[pyfunction]
fn smoothing2d(
    py: Python<'_>,
    nsmooth: [usize; 2],
    dims: Vec<usize>,
    axes: [isize; 2],
    dtype: &str,
) -> PyResult<NativeOperator> {
    with_dtype!(dtype, T => {
        let op = Smoothing2D::new::<T>(nsmooth, &dims, axes).map_err(|e| to_py(py, e))?;
        Ok(make(op, None, "Smoothing2D"))
    })
}

/// Rejects anything but a `NativeOperator` (for the solvers' native path).
pub(crate) fn native<'a, 'py>(
    op: &'a Bound<'py, PyAny>,
) -> PyResult<&'a Bound<'py, NativeOperator>> {
    op.cast::<NativeOperator>()
        .map_err(|_| PyTypeError::new_err("expected a rylops NativeOperator"))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeOperator>()?;
    m.add_function(wrap_pyfunction!(first_derivative, m)?)?;
    m.add_function(wrap_pyfunction!(second_derivative, m)?)?;
    m.add_function(wrap_pyfunction!(laplacian, m)?)?;
    m.add_function(wrap_pyfunction!(gradient, m)?)?;
    m.add_function(wrap_pyfunction!(directional_derivative, m)?)?;
    m.add_function(wrap_pyfunction!(identity, m)?)?;
    m.add_function(wrap_pyfunction!(zero, m)?)?;
    m.add_function(wrap_pyfunction!(diagonal, m)?)?;
    m.add_function(wrap_pyfunction!(matrix_mult, m)?)?;
    m.add_function(wrap_pyfunction!(restriction, m)?)?;
    m.add_function(wrap_pyfunction!(causal_integration, m)?)?;
    m.add_function(wrap_pyfunction!(flip, m)?)?;
    m.add_function(wrap_pyfunction!(roll, m)?)?;
    m.add_function(wrap_pyfunction!(transpose, m)?)?;
    m.add_function(wrap_pyfunction!(symmetrize, m)?)?;
    m.add_function(wrap_pyfunction!(pad, m)?)?;
    m.add_function(wrap_pyfunction!(sum, m)?)?;
    m.add_function(wrap_pyfunction!(convolve1d, m)?)?;
    m.add_function(wrap_pyfunction!(smoothing1d, m)?)?;
    m.add_function(wrap_pyfunction!(convolvend, m)?)?;
    m.add_function(wrap_pyfunction!(smoothing2d, m)?)?;
    Ok(())
}
