//! The solvers: rylops' `cg`, `cgls`, `lsqr` and regularised inversion on a rylops operator
//! (natively, the GIL released throughout) or on any Python operator (through `matvec`/`rmatvec`
//! callbacks, which take the GIL back for each application).

use crate::ops::{check_len, native, to_chunked, typed, DynOp};
use crate::{in_pool, to_py, with_dtype, Dtype};
use ndarray::{ArrayD, IxDyn};
use numpy::{PyArray, PyArray1, PyArrayMethods, PyUntypedArrayMethods};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use rylops_core::{ChunkedArray, Error, LinearMap, LinearOperator, RealScalar, Result as RResult};
use rylops_solvers::{
    CgParams, CglsParams, LsqrParams, Regularization, RegularizedInfo, RegularizedSolver,
};
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

/// A Python operator seen as a rylops operator on flat vectors: `matvec`/`rmatvec` are called with
/// the GIL taken back. The first Python exception is kept and re-raised after the solver stops.
pub(crate) struct CallbackOp<T> {
    obj: Py<PyAny>,
    rows: usize,
    cols: usize,
    err: Mutex<Option<PyErr>>,
    _t: PhantomData<T>,
}

impl<T: Dtype> CallbackOp<T> {
    fn call(&self, method: &str, x: &ChunkedArray<T>, out: &mut ChunkedArray<T>) -> RResult<()> {
        let res = Python::attach(|py| -> PyResult<ChunkedArray<T>> {
            let n = x.shape().iter().product::<usize>();
            let flat = x
                .to_array()
                .into_shape_with_order(IxDyn(&[n]))
                .expect("a flat shape of the same length");
            let arr = PyArray::from_owned_array(py, flat);
            let r = self.obj.bind(py).call_method1(method, (arr,))?;
            let ra = typed::<T>(&r, &format!("the output of the operator's {method}"))?;
            check_len(ra.len(), out.shape(), &format!("the output of {method}"))?;
            let ro = ra.try_readonly().map_err(|e| {
                PyValueError::new_err(format!("cannot read {method}'s output: {e}"))
            })?;
            to_chunked(ro.as_array(), out.shape(), Some(out.grid().clone()))
                .map_err(|e| to_py(py, e))
        });
        match res {
            Ok(c) => {
                *out = c;
                Ok(())
            }
            Err(e) => {
                let mut slot = self.err.lock().unwrap_or_else(|p| p.into_inner());
                if slot.is_none() {
                    *slot = Some(e);
                }
                Err(Error::InvalidParameter {
                    name: "Op".into(),
                    reason: format!("the Python operator's {method} raised an exception"),
                })
            }
        }
    }

    fn take_err(&self) -> Option<PyErr> {
        self.err.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

impl<T: Dtype> LinearMap for CallbackOp<T> {
    type Scalar = T;
    type Domain = ChunkedArray<T>;
    type Range = ChunkedArray<T>;
    fn dims(&self) -> Vec<usize> {
        vec![self.cols]
    }
    fn dimsd(&self) -> Vec<usize> {
        vec![self.rows]
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> RResult<()> {
        rylops_core::check_shape(x, &[self.cols], "Python operator forward input")?;
        self.call("matvec", x, y)
    }
    fn range_like(&self, x: &ChunkedArray<T>) -> RResult<ChunkedArray<T>> {
        rylops_core::check_shape(x, &[self.cols], "Python operator input")?;
        Ok(self.zeros_range())
    }
    fn zeros_domain(&self) -> ChunkedArray<T> {
        ChunkedArray::zeros_single(&[self.cols])
    }
    fn zeros_range(&self) -> ChunkedArray<T> {
        ChunkedArray::zeros_single(&[self.rows])
    }
}

impl<T: Dtype> LinearOperator for CallbackOp<T> {
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> RResult<()> {
        rylops_core::check_shape(y, &[self.rows], "Python operator adjoint input")?;
        self.call("rmatvec", y, x)
    }
    fn domain_like(&self, y: &ChunkedArray<T>) -> RResult<ChunkedArray<T>> {
        rylops_core::check_shape(y, &[self.rows], "Python operator adjoint input")?;
        Ok(self.zeros_domain())
    }
}

/// An operator seen on flat vectors (`dims = [cols]`, `dimsd = [rows]`), for problems that mix
/// operators of different model shapes but equal sizes (as pylops allows, on flat vectors). Each
/// application copies its input and output once.
struct Flat<T: Dtype> {
    inner: DynOp<T>,
    rows: usize,
    cols: usize,
}

impl<T: Dtype> Flat<T> {
    fn wrap(inner: DynOp<T>) -> DynOp<T> {
        let (rows, cols) = inner.shape();
        Arc::new(Self { inner, rows, cols })
    }
}

fn reshaped<T: Dtype>(x: &ChunkedArray<T>, shape: &[usize]) -> RResult<ChunkedArray<T>> {
    let want: usize = shape.iter().product();
    let a = x.to_array();
    if a.len() != want {
        return Err(Error::ShapeMismatch {
            context: "flat operator".into(),
            expected: shape.to_vec(),
            got: x.shape().to_vec(),
        });
    }
    let a = a
        .into_shape_with_order(IxDyn(shape))
        .expect("a C-ordered array of the same length");
    Ok(ChunkedArray::from_array(a))
}

impl<T: Dtype> LinearMap for Flat<T> {
    type Scalar = T;
    type Domain = ChunkedArray<T>;
    type Range = ChunkedArray<T>;
    fn dims(&self) -> Vec<usize> {
        vec![self.cols]
    }
    fn dimsd(&self) -> Vec<usize> {
        vec![self.rows]
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> RResult<()> {
        let yi = self.inner.forward(&reshaped(x, &self.inner.dims())?)?;
        *y = reshaped(&yi, &[self.rows])?;
        Ok(())
    }
    fn range_like(&self, x: &ChunkedArray<T>) -> RResult<ChunkedArray<T>> {
        rylops_core::check_shape(x, &[self.cols], "flat operator input")?;
        Ok(self.zeros_range())
    }
    fn zeros_domain(&self) -> ChunkedArray<T> {
        ChunkedArray::zeros_single(&[self.cols])
    }
    fn zeros_range(&self) -> ChunkedArray<T> {
        ChunkedArray::zeros_single(&[self.rows])
    }
}

impl<T: Dtype> LinearOperator for Flat<T> {
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> RResult<()> {
        let xi = self.inner.adjoint(&reshaped(y, &self.inner.dimsd())?)?;
        *x = reshaped(&xi, &[self.cols])?;
        Ok(())
    }
    fn domain_like(&self, y: &ChunkedArray<T>) -> RResult<ChunkedArray<T>> {
        rylops_core::check_shape(y, &[self.rows], "flat operator adjoint input")?;
        Ok(self.zeros_domain())
    }
}

/// An operator ready for a solver, and the callback whose exception to re-raise, if any.
struct Prepared<T: Dtype> {
    op: DynOp<T>,
    cb: Option<Arc<CallbackOp<T>>>,
}

fn prepare<T: Dtype>(obj: &Bound<'_, PyAny>) -> PyResult<Prepared<T>> {
    if let Ok(n) = native(obj) {
        let n = n.get();
        let nat = T::pick(&n.inner).ok_or_else(|| {
            PyTypeError::new_err(format!(
                "the operator's dtype is {}, but the solver runs in {}: use operators and data \
                 of one dtype",
                n.dtype,
                T::DTYPE
            ))
        })?;
        return Ok(Prepared {
            op: nat.op.clone(),
            cb: None,
        });
    }
    let shape: (usize, usize) = obj.getattr("shape")?.extract()?;
    let cb = Arc::new(CallbackOp {
        obj: obj.clone().unbind(),
        rows: shape.0,
        cols: shape.1,
        err: Mutex::new(None),
        _t: PhantomData,
    });
    Ok(Prepared {
        op: cb.clone(),
        cb: Some(cb),
    })
}

/// The Python exception to raise for a solver error: a callback's own exception if one was kept.
fn fail<T: Dtype>(py: Python<'_>, preps: &[&Prepared<T>], e: Error) -> PyErr {
    preps
        .iter()
        .find_map(|p| p.cb.as_ref().and_then(|c| c.take_err()))
        .unwrap_or_else(|| to_py(py, e))
}

/// Reads a vector of `op`'s model (`model=true`) or data shape.
fn vector<T: Dtype>(
    x: &Bound<'_, PyAny>,
    op: &DynOp<T>,
    model: bool,
    what: &str,
) -> PyResult<ChunkedArray<T>> {
    let shape = if model { op.dims() } else { op.dimsd() };
    let arr = typed::<T>(x, what)?;
    check_len(arr.len(), &shape, what)?;
    let ro = arr
        .try_readonly()
        .map_err(|e| PyValueError::new_err(format!("cannot read {what}: {e}")))?;
    to_chunked(ro.as_array(), &shape, None).map_err(|e| PyValueError::new_err(e.to_string()))
}

fn opt_vector<T: Dtype>(
    x: Option<&Bound<'_, PyAny>>,
    op: &DynOp<T>,
    what: &str,
) -> PyResult<Option<ChunkedArray<T>>> {
    x.map(|v| vector(v, op, true, what)).transpose()
}

fn arr<'py, T: Dtype>(py: Python<'py>, a: ArrayD<T>) -> Bound<'py, PyAny> {
    PyArray::from_owned_array(py, a).into_any()
}

fn costs<'py, R: RealScalar>(py: Python<'py>, c: &[R]) -> Bound<'py, PyAny> {
    PyArray1::from_vec(py, c.iter().map(|v| v.to_f64_lossless()).collect()).into_any()
}

fn f<R: RealScalar>(v: R) -> f64 {
    v.to_f64_lossless()
}

/// `cg(Op, y, x0, niter, damp, tol, pylops_compat, dtype) -> (x, iiter, cost)`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (op, y, x0, niter, damp, tol, pylops_compat, dtype))]
fn cg<'py>(
    py: Python<'py>,
    op: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    x0: Option<&Bound<'py, PyAny>>,
    niter: usize,
    damp: f64,
    tol: f64,
    pylops_compat: bool,
    dtype: &str,
) -> PyResult<Bound<'py, PyTuple>> {
    with_dtype!(dtype, T => {
        let p = prepare::<T>(op)?;
        let yv = vector(y, &p.op, false, "y")?;
        // pylops' `damp` is a linear shift; with pylops_compat=False this package documents
        // rylops' squared damping. (pylops_compat itself no longer changes the system.)
        let params = CgParams::default().niter(niter).tol(tol).pylops_compat(pylops_compat);
        let mut params = if pylops_compat { params.shift(damp) } else { params.damp(damp) };
        params.x0 = opt_vector(x0, &p.op, "x0")?;
        let o = p.op.clone();
        let r = py.detach(move || in_pool(move || rylops_solvers::cg(&o, &yv, &params)));
        let s = r.map_err(|e| fail(py, &[&p], e))?;
        PyTuple::new(py, [arr(py, s.x.into_array()), s.iterations.into_pyobject(py)?.into_any(),
            costs(py, &s.cost)])
    })
}

/// `cgls(...) -> (x, istop, iiter, r1norm, r2norm, cost, cost1)` (`r1norm` as pylops: `||g||^2`).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (op, y, x0, niter, damp, tol, pylops_compat, dtype))]
fn cgls<'py>(
    py: Python<'py>,
    op: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    x0: Option<&Bound<'py, PyAny>>,
    niter: usize,
    damp: f64,
    tol: f64,
    pylops_compat: bool,
    dtype: &str,
) -> PyResult<Bound<'py, PyTuple>> {
    with_dtype!(dtype, T => {
        let p = prepare::<T>(op)?;
        let yv = vector(y, &p.op, false, "y")?;
        let mut params = CglsParams::default()
            .niter(niter)
            .damp(damp)
            .tol(tol)
            .pylops_compat(pylops_compat);
        params.x0 = opt_vector(x0, &p.op, "x0")?;
        let o = p.op.clone();
        let r = py.detach(move || in_pool(move || rylops_solvers::cgls(&o, &yv, &params)));
        let s = r.map_err(|e| fail(py, &[&p], e))?;
        let i = &s.info;
        let items: Vec<Bound<'py, PyAny>> = vec![
            arr(py, s.x.clone().into_array()),
            i.istop.into_pyobject(py)?.into_any(),
            s.iterations.into_pyobject(py)?.into_any(),
            f(i.gradient_norm_sqr).into_pyobject(py)?.into_any(),
            f(i.r2norm).into_pyobject(py)?.into_any(),
            costs(py, &s.cost),
            costs(py, &i.cost1),
        ];
        PyTuple::new(py, items)
    })
}

/// `lsqr(...) -> (x, istop, iiter, r1norm, r2norm, anorm, acond, arnorm, xnorm, var, cost)`.
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (op, y, x0, damp, atol, btol, conlim, niter, calc_var, pylops_compat, dtype))]
fn lsqr<'py>(
    py: Python<'py>,
    op: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    x0: Option<&Bound<'py, PyAny>>,
    damp: f64,
    atol: f64,
    btol: f64,
    conlim: f64,
    niter: usize,
    calc_var: bool,
    pylops_compat: bool,
    dtype: &str,
) -> PyResult<Bound<'py, PyTuple>> {
    with_dtype!(dtype, T => {
        let p = prepare::<T>(op)?;
        let yv = vector(y, &p.op, false, "y")?;
        let mut params = LsqrParams::default()
            .damp(damp)
            .atol(atol)
            .btol(btol)
            .conlim(conlim)
            .niter(niter)
            .calc_var(calc_var)
            .pylops_compat(pylops_compat);
        params.x0 = opt_vector(x0, &p.op, "x0")?;
        let o = p.op.clone();
        let r = py.detach(move || in_pool(move || rylops_solvers::lsqr(&o, &yv, &params)));
        let s = r.map_err(|e| fail(py, &[&p], e))?;
        let i = s.info;
        let var = match i.var {
            Some(v) => arr(py, v.into_array()),
            None => py.None().into_bound(py),
        };
        let items: Vec<Bound<'py, PyAny>> = vec![
            arr(py, s.x.into_array()),
            i.istop.into_pyobject(py)?.into_any(),
            s.iterations.into_pyobject(py)?.into_any(),
            f(i.r1norm).into_pyobject(py)?.into_any(),
            f(i.r2norm).into_pyobject(py)?.into_any(),
            f(i.anorm).into_pyobject(py)?.into_any(),
            f(i.acond).into_pyobject(py)?.into_any(),
            f(i.arnorm).into_pyobject(py)?.into_any(),
            f(i.xnorm).into_pyobject(py)?.into_any(),
            var,
            costs(py, &s.cost),
        ];
        PyTuple::new(py, items)
    })
}

/// `regularized_inversion(Op, y, Regs, x0, dataregs, epsRs, engine, niter, damp, tol, atol,
/// btol, conlim, pylops_compat, dtype) -> (x, istop, iiter, r1norm, r2norm, cost)`; `engine` is
/// `"scipy"` (lsqr) or `"pylops"` (cgls).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(signature = (op, y, regs, x0, dataregs, eps, engine, niter, damp, tol, atol, btol, conlim,
    pylops_compat, dtype))]
fn regularized_inversion<'py>(
    py: Python<'py>,
    op: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    regs: &Bound<'py, PyList>,
    x0: Option<&Bound<'py, PyAny>>,
    dataregs: Option<&Bound<'py, PyList>>,
    eps: Vec<f64>,
    engine: &str,
    niter: usize,
    damp: f64,
    tol: f64,
    atol: f64,
    btol: f64,
    conlim: f64,
    pylops_compat: bool,
    dtype: &str,
) -> PyResult<Bound<'py, PyTuple>> {
    with_dtype!(dtype, T => {
        let p = prepare::<T>(op)?;
        let rp = regs
            .iter()
            .map(|r| prepare::<T>(&r))
            .collect::<PyResult<Vec<_>>>()?;
        if eps.len() != rp.len() {
            return Err(PyValueError::new_err(format!(
                "epsRs has {} entries for {} regularisation operators",
                eps.len(),
                rp.len()
            )));
        }
        // pylops works on flat vectors: operators whose model shapes differ (with equal sizes) are
        // seen as operators on flat vectors.
        let dims = p.op.dims();
        let flat = rp.iter().any(|r| r.op.dims() != dims);
        let o = if flat { Flat::wrap(p.op.clone()) } else { p.op.clone() };
        let rops: Vec<DynOp<T>> = rp
            .iter()
            .map(|r| if flat { Flat::wrap(r.op.clone()) } else { r.op.clone() })
            .collect();
        let yv = vector(y, &o, false, "y")?;
        let data = match dataregs {
            None => vec![None; rp.len()],
            Some(d) => {
                if d.len() != rp.len() {
                    return Err(PyValueError::new_err(format!(
                        "dataregs has {} entries for {} regularisation operators",
                        d.len(),
                        rp.len()
                    )));
                }
                d.iter()
                    .zip(&rops)
                    .map(|(v, r)| vector(&v, r, false, "dataregs").map(Some))
                    .collect::<PyResult<Vec<_>>>()?
            }
        };
        let x0v = opt_vector(x0, &o, "x0")?;
        let solver = match engine {
            "scipy" => {
                let mut s = LsqrParams::default()
                    .damp(damp)
                    .atol(atol)
                    .btol(btol)
                    .conlim(conlim)
                    .niter(niter)
                    .calc_var(false)
                    .pylops_compat(pylops_compat);
                s.x0 = x0v;
                RegularizedSolver::Lsqr(s)
            }
            "pylops" => {
                let mut s = CglsParams::default()
                    .niter(niter)
                    .damp(damp)
                    .tol(tol)
                    .pylops_compat(pylops_compat);
                s.x0 = x0v;
                RegularizedSolver::Cgls(s)
            }
            other => {
                return Err(PyValueError::new_err(format!(
                    "engine must be \"scipy\" (lsqr) or \"pylops\" (cgls), got {other:?}"
                )))
            }
        };
        let r = py.detach(move || {
            in_pool(move || {
                let terms: Vec<_> = rops
                    .iter()
                    .zip(&eps)
                    .zip(&data)
                    .map(|((r, &e), d)| {
                        let t = Regularization::new(r, e);
                        match d {
                            Some(d) => t.with_data(d),
                            None => t,
                        }
                    })
                    .collect();
                rylops_solvers::regularized_inversion(&o, &yv, &terms, &solver)
            })
        });
        let mut all: Vec<&Prepared<T>> = vec![&p];
        all.extend(rp.iter());
        let s = r.map_err(|e| fail(py, &all, e))?;
        let (istop, r1, r2) = match &s.info {
            RegularizedInfo::Lsqr(i) => (i.istop, f(i.r1norm), f(i.r2norm)),
            RegularizedInfo::Cgls(i) => (i.istop, f(i.gradient_norm_sqr), f(i.r2norm)),
            _ => (0, f64::NAN, f64::NAN),
        };
        let items: Vec<Bound<'py, PyAny>> = vec![
            arr(py, s.x.into_array()),
            istop.into_pyobject(py)?.into_any(),
            s.iterations.into_pyobject(py)?.into_any(),
            r1.into_pyobject(py)?.into_any(),
            r2.into_pyobject(py)?.into_any(),
            costs(py, &s.cost),
        ];
        PyTuple::new(py, items)
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(cg, m)?)?;
    m.add_function(wrap_pyfunction!(cgls, m)?)?;
    m.add_function(wrap_pyfunction!(lsqr, m)?)?;
    m.add_function(wrap_pyfunction!(regularized_inversion, m)?)?;
    Ok(())
}
