//! The operators: one dtype-erased `NativeOperator` class and `apply` (the constructors are in
//! `constructors`).

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

mod constructors;

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

/// Rejects anything but a `NativeOperator` (for the solvers' native path).
pub(crate) fn native<'a, 'py>(
    op: &'a Bound<'py, PyAny>,
) -> PyResult<&'a Bound<'py, NativeOperator>> {
    op.cast::<NativeOperator>()
        .map_err(|_| PyTypeError::new_err("expected a rylops NativeOperator"))
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativeOperator>()?;
    constructors::register(m)
}
