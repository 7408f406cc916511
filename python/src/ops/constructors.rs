//! The constructor functions, one per operator: pylops' arguments in, a `NativeOperator` out.

use super::*;

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

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
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
