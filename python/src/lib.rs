//! `rylops._rylops`: the native module behind the Python package `rylops`.
//!
//! Every number comes from the Rust crates (`rylops-core`, `rylops-operators`, `rylops-solvers`);
//! this crate only moves arrays between numpy and rylops and maps errors to Python exceptions.
//! The pure-Python layer (`python/rylops/`) gives the classes pylops' signatures.
//!
//! * Arrays are read in place (no copy) when they are C-contiguous and of the operator's dtype;
//!   other layouts are copied once, in C order of their logical indices (numpy's `reshape`).
//! * The GIL is released (`Python::detach`) around every apply and every solve.
//! * Work runs on rayon's global pool (sized by `RAYON_NUM_THREADS`), or on a dedicated pool
//!   after `set_num_threads`.
//! * On Linux, allocations of 4 MiB or more are marked for transparent huge pages, as numpy marks
//!   its arrays (`hugepages`).

use num_complex::{Complex32, Complex64};
use numpy::Element;
use pyo3::exceptions::{
    PyIndexError, PyNotImplementedError, PyOSError, PyRuntimeError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use rylops_core::{Error, Scalar};
use std::sync::{Arc, RwLock};

#[cfg(target_os = "linux")]
mod hugepages;
mod ops;
mod solvers;

/// Large allocations (results, chunk buffers, solver vectors) on transparent huge pages, as
/// numpy's arrays are: see `hugepages`.
#[cfg(target_os = "linux")]
#[global_allocator]
static GLOBAL: hugepages::HugePageAlloc = hugepages::HugePageAlloc;

/// The scalar types the package supports, with the glue each needs.
pub(crate) trait Dtype: Scalar + Element + nalgebra::ComplexField + std::fmt::Debug {
    /// Wraps a typed operator into the dtype-erased enum.
    fn wrap(op: ops::Native<Self>) -> ops::AnyOp;
    /// The typed operator, if `any` has this dtype.
    fn pick(any: &ops::AnyOp) -> Option<&ops::Native<Self>>;
}

macro_rules! dtype_impl {
    ($t:ty, $variant:ident) => {
        impl Dtype for $t {
            fn wrap(op: ops::Native<Self>) -> ops::AnyOp {
                ops::AnyOp::$variant(op)
            }
            fn pick(any: &ops::AnyOp) -> Option<&ops::Native<Self>> {
                match any {
                    ops::AnyOp::$variant(o) => Some(o),
                    _ => None,
                }
            }
        }
    };
}
dtype_impl!(f32, F32);
dtype_impl!(f64, F64);
dtype_impl!(Complex32, C64);
dtype_impl!(Complex64, C128);

/// Runs `$body` with the type alias `$T` set to the scalar type named by `$dtype` (numpy's name).
macro_rules! with_dtype {
    ($dtype:expr, $T:ident => $body:expr) => {
        match $dtype {
            "float32" => {
                type $T = f32;
                $body
            }
            "float64" => {
                type $T = f64;
                $body
            }
            "complex64" => {
                type $T = num_complex::Complex32;
                $body
            }
            "complex128" => {
                type $T = num_complex::Complex64;
                $body
            }
            other => Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "dtype {other:?} is not supported by rylops: use float32, float64, complex64 or \
                 complex128"
            ))),
        }
    };
}
pub(crate) use with_dtype;

/// The dedicated pool set by `set_num_threads` (`None`: rayon's global pool).
static POOL: RwLock<Option<Arc<rayon::ThreadPool>>> = RwLock::new(None);

/// Runs `f` on the current pool (the dedicated one if set, else rayon's global pool).
pub(crate) fn in_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let pool = POOL.read().unwrap_or_else(|e| e.into_inner()).clone();
    match pool {
        Some(p) => p.install(f),
        None => f(),
    }
}

/// Maps a rylops error to the Python exception pylops or numpy raise in the same situation,
/// carrying rylops' message.
pub(crate) fn to_py(py: Python<'_>, e: Error) -> PyErr {
    let msg = e.to_string();
    match e {
        Error::AxisOutOfRange { .. } => axis_error(py, msg),
        Error::AxisTooShort { .. } => PyIndexError::new_err(msg),
        Error::InvalidParameter { ref name, .. } if name == "kind" || name == "order" => {
            PyNotImplementedError::new_err(msg)
        }
        Error::Breakdown { .. } | Error::NotPositiveDefinite { .. } => linalg_error(py, msg),
        Error::Io(_) => PyOSError::new_err(msg),
        _ => PyValueError::new_err(msg),
    }
}

/// numpy's `AxisError` (a `ValueError` and an `IndexError`), or `IndexError` if numpy lacks it.
fn axis_error(py: Python<'_>, msg: String) -> PyErr {
    let cls = py
        .import("numpy.exceptions")
        .and_then(|m| m.getattr("AxisError"))
        .or_else(|_| py.import("numpy").and_then(|m| m.getattr("AxisError")));
    match cls.and_then(|c| c.call1((msg.clone(),))) {
        Ok(obj) => PyErr::from_value(obj),
        Err(_) => PyIndexError::new_err(msg),
    }
}

/// numpy's `LinAlgError` (a `ValueError`), or `RuntimeError` if it cannot be imported.
fn linalg_error(py: Python<'_>, msg: String) -> PyErr {
    let cls = py
        .import("numpy.linalg")
        .and_then(|m| m.getattr("LinAlgError"));
    match cls.and_then(|c| c.call1((msg.clone(),))) {
        Ok(obj) => PyErr::from_value(obj),
        Err(_) => PyRuntimeError::new_err(msg),
    }
}

/// A `TypeError` for an array whose dtype is not the operator's.
pub(crate) fn dtype_error(what: &str, got: &str, want: &str) -> PyErr {
    PyTypeError::new_err(format!(
        "{what} has dtype {got}, but the operator's dtype is {want}: convert it with \
         x.astype({want:?}) or build the operator with dtype={got:?}"
    ))
}

/// Sets the number of threads rylops uses from now on (a dedicated rayon pool); `0` goes back to
/// rayon's global pool, sized by `RAYON_NUM_THREADS` (or the number of CPUs).
///
/// Raises `ValueError` if the pool cannot be created.
#[pyfunction]
fn set_num_threads(n: usize) -> PyResult<()> {
    let pool = if n == 0 {
        None
    } else {
        Some(Arc::new(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .thread_name(|i| format!("rylops-{i}"))
                .build()
                .map_err(|e| PyValueError::new_err(format!("cannot start {n} threads: {e}")))?,
        ))
    };
    *POOL.write().unwrap_or_else(|e| e.into_inner()) = pool;
    Ok(())
}

/// The number of threads rylops uses now.
#[pyfunction]
fn get_num_threads() -> usize {
    in_pool(rayon::current_num_threads)
}

/// The native module.
#[pymodule]
fn _rylops(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(get_num_threads, m)?)?;
    ops::register(m)?;
    solvers::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
