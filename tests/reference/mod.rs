//! Implementation of the conformance harness (see `tests/reference.rs`).

use ndarray::ArrayD;
use ndarray_npy::{ReadNpyExt, ReadableElement};
use num_complex::Complex64;
use rylops::core::{BoxOp, ChunkGrid, ChunkedArray, LinearMap, LinearOperator, Scalar};
use rylops::operators::{FirstDerivative, Gradient, Kind, Laplacian, SecondDerivative};
use serde_json::{Map, Value};
use std::fs::File;
use std::path::{Path, PathBuf};

pub mod solvers;

/// Where the suite lives.
pub fn suite_dir() -> PathBuf {
    match std::env::var_os("RYLOPS_REFERENCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference"),
    }
}

/// Totals of a run.
#[derive(Default)]
pub struct Summary {
    pub op_passed: usize,
    pub op_bitexact: usize,
    pub solver_passed: usize,
    pub failures: Vec<String>,
    pub notes: Vec<String>,
}

pub type HResult<T> = std::result::Result<T, String>;

pub fn run_suite(dir: &Path) -> Summary {
    let mut s = Summary::default();
    let path = dir.join("manifest.json");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            s.failures
                .push(format!("cannot read {}: {e}", path.display()));
            return s;
        }
    };
    let m: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            s.failures
                .push(format!("manifest.json is not valid JSON: {e}"));
            return s;
        }
    };
    if let Err(e) = check_top(&m) {
        s.failures.push(e);
        return s;
    }
    let tol = m["tolerances"].clone();
    let op_rtol = tol["operator_rtol"].as_f64().unwrap_or(1e-12);
    let empty = vec![];
    let ops = m["operator_cases"].as_array().unwrap_or(&empty);
    for case in ops {
        let id = case["id"].as_str().unwrap_or("<no id>").to_string();
        match run_op_case(dir, case, op_rtol) {
            Ok(bitexact) => {
                s.op_passed += 1;
                if bitexact {
                    s.op_bitexact += 1;
                }
            }
            Err(e) => s.failures.push(format!("{id}: {e}")),
        }
    }
    let sols = m["solver_cases"].as_array().unwrap_or(&empty);
    for case in sols {
        let id = case["id"].as_str().unwrap_or("<no id>").to_string();
        match solvers::run_solver_case(dir, case, &tol) {
            Ok(note) => {
                s.solver_passed += 1;
                s.notes.push(format!("{id}: {note}"));
            }
            Err(e) => s.failures.push(format!("{id}: {e}")),
        }
    }
    let n_ops = m["n_operator_cases"].as_u64();
    if n_ops.is_some_and(|n| n as usize != ops.len()) {
        s.failures.push(format!(
            "manifest says {} operator cases, lists {}",
            n_ops.unwrap_or(0),
            ops.len()
        ));
    }
    let n_sol = m["n_solver_cases"].as_u64();
    if n_sol.is_some_and(|n| n as usize != sols.len()) {
        s.failures.push(format!(
            "manifest says {} solver cases, lists {}",
            n_sol.unwrap_or(0),
            sols.len()
        ));
    }
    s
}

fn check_top(m: &Value) -> HResult<()> {
    let known = [
        "format_version",
        "suite",
        "reference_library",
        "reference_version",
        "environment",
        "generator",
        "suite_seed",
        "tolerances",
        "n_operator_cases",
        "n_expected_error_cases",
        "n_solver_cases",
        "operator_cases",
        "solver_cases",
    ];
    let obj = m.as_object().ok_or("manifest is not an object")?;
    check_keys(obj, &known, "manifest")?;
    if m["format_version"].as_u64() != Some(1) {
        return Err(format!(
            "unsupported format_version {}",
            m["format_version"]
        ));
    }
    if let Some(t) = m["tolerances"].as_object() {
        check_keys(
            t,
            &["operator_rtol", "solver_solution_rtol", "solver_cost_rtol"],
            "tolerances",
        )?;
    }
    Ok(())
}

pub fn check_keys(obj: &Map<String, Value>, known: &[&str], what: &str) -> HResult<()> {
    for k in obj.keys() {
        if !known.contains(&k.as_str()) {
            return Err(format!("unknown field `{k}` in {what}"));
        }
    }
    Ok(())
}

/// Reads an `.npy` file listed in `files.<name>`.
pub fn read_file<T: ReadableElement>(dir: &Path, files: &Value, name: &str) -> HResult<ArrayD<T>> {
    let f = &files[name];
    let rel = f["path"]
        .as_str()
        .ok_or_else(|| format!("files.{name}.path missing"))?;
    let path = dir.join(rel);
    let file = File::open(&path).map_err(|e| format!("missing file {}: {e}", path.display()))?;
    let a =
        ArrayD::<T>::read_npy(file).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if let Some(shape) = f["shape"].as_array() {
        let want: Vec<usize> = shape
            .iter()
            .filter_map(|v| v.as_u64())
            .map(|v| v as usize)
            .collect();
        if a.shape() != want.as_slice() {
            return Err(format!(
                "{name}: shape {:?} but files says {want:?}",
                a.shape()
            ));
        }
    }
    Ok(a)
}

fn usizes(v: &Value, what: &str) -> HResult<Vec<usize>> {
    v.as_array()
        .ok_or_else(|| format!("{what} is not a list"))?
        .iter()
        .map(|x| {
            x.as_u64()
                .map(|u| u as usize)
                .ok_or_else(|| format!("{what} has a non-integer entry"))
        })
        .collect()
}
fn isizes(v: &Value, what: &str) -> HResult<Vec<isize>> {
    v.as_array()
        .ok_or_else(|| format!("{what} is not a list"))?
        .iter()
        .map(|x| {
            x.as_i64()
                .map(|u| u as isize)
                .ok_or_else(|| format!("{what} has a non-integer entry"))
        })
        .collect()
}
fn floats(v: &Value, what: &str) -> HResult<Vec<f64>> {
    v.as_array()
        .ok_or_else(|| format!("{what} is not a list"))?
        .iter()
        .map(|x| {
            x.as_f64()
                .ok_or_else(|| format!("{what} has a non-number entry"))
        })
        .collect()
}
fn float(v: &Value, what: &str) -> HResult<f64> {
    v.as_f64().ok_or_else(|| format!("{what} is not a number"))
}

/// The outcome of building an operator from a description.
pub enum Built<T: Scalar> {
    /// Built.
    Op(BoxOp<T>),
    /// The library rejected the configuration with this error.
    Rejected(rylops::Error),
}

/// Builds one of the library's operators from pylops' name and kwargs (`kwargs_resolved` or plain
/// kwargs with defaults). Unknown operators or options are harness errors.
pub fn build_op<T: Scalar>(name: &str, kw: &Value) -> HResult<Built<T>> {
    let obj = kw.as_object().ok_or("kwargs is not an object")?;
    let dims = usizes(&kw["dims"], "dims")?;
    let get_kind = |kw: &Value| -> HResult<Result<Kind, rylops::Error>> {
        match kw.get("kind") {
            None => Ok(Ok(Kind::Centered)),
            Some(v) => Ok(v.as_str().ok_or("kind is not a string")?.parse::<Kind>()),
        }
    };
    let edge = match kw.get("edge") {
        None => false,
        Some(v) => v.as_bool().ok_or("edge is not a bool")?,
    };
    if let Some(d) = kw.get("dtype") {
        let d = d.as_str().ok_or("dtype is not a string")?;
        if d != T::DTYPE {
            return Err(format!(
                "operator dtype {d} where {} was expected",
                T::DTYPE
            ));
        }
    }
    let r = match name {
        "FirstDerivative" => {
            check_keys(
                obj,
                &["dims", "axis", "sampling", "kind", "edge", "order", "dtype"],
                "FirstDerivative kwargs",
            )?;
            let kind = match get_kind(kw)? {
                Ok(k) => k,
                Err(e) => return Ok(Built::Rejected(e)),
            };
            let mut b = FirstDerivative::<T>::builder(&dims).kind(kind).edge(edge);
            if let Some(a) = kw.get("axis") {
                b = b.axis(a.as_i64().ok_or("axis is not an integer")? as isize);
            }
            if let Some(s) = kw.get("sampling") {
                b = b.sampling(float(s, "sampling")?);
            }
            if let Some(o) = kw.get("order") {
                b = b.order(o.as_u64().ok_or("order is not an integer")? as usize);
            }
            b.build().map(|o| Box::new(o) as BoxOp<T>)
        }
        "SecondDerivative" => {
            check_keys(
                obj,
                &["dims", "axis", "sampling", "kind", "edge", "dtype"],
                "SecondDerivative kwargs",
            )?;
            let kind = match get_kind(kw)? {
                Ok(k) => k,
                Err(e) => return Ok(Built::Rejected(e)),
            };
            let mut b = SecondDerivative::<T>::builder(&dims).kind(kind).edge(edge);
            if let Some(a) = kw.get("axis") {
                b = b.axis(a.as_i64().ok_or("axis is not an integer")? as isize);
            }
            if let Some(s) = kw.get("sampling") {
                b = b.sampling(float(s, "sampling")?);
            }
            b.build().map(|o| Box::new(o) as BoxOp<T>)
        }
        "Laplacian" => {
            check_keys(
                obj,
                &[
                    "dims", "axes", "weights", "sampling", "edge", "kind", "dtype",
                ],
                "Laplacian kwargs",
            )?;
            let kind = match get_kind(kw)? {
                Ok(k) => k,
                Err(e) => return Ok(Built::Rejected(e)),
            };
            let mut b = Laplacian::<T>::builder(&dims).kind(kind).edge(edge);
            if let Some(a) = kw.get("axes") {
                b = b.axes(&isizes(a, "axes")?);
            }
            if let Some(w) = kw.get("weights") {
                b = b.weights(&floats(w, "weights")?);
            }
            if let Some(s) = kw.get("sampling") {
                b = b.sampling(&floats(s, "sampling")?);
            }
            b.build().map(|o| Box::new(o) as BoxOp<T>)
        }
        "Gradient" => {
            check_keys(
                obj,
                &["dims", "sampling", "edge", "kind", "dtype"],
                "Gradient kwargs",
            )?;
            let kind = match get_kind(kw)? {
                Ok(k) => k,
                Err(e) => return Ok(Built::Rejected(e)),
            };
            let mut b = Gradient::<T>::builder(&dims).kind(kind).edge(edge);
            match kw.get("sampling") {
                None => {}
                Some(Value::Array(_)) => {
                    b = b.sampling_per_axis(&floats(&kw["sampling"], "sampling")?)
                }
                Some(v) => b = b.sampling(float(v, "sampling")?),
            }
            b.build().map(|o| Box::new(o) as BoxOp<T>)
        }
        other => return Err(format!("unknown operator `{other}`")),
    };
    Ok(match r {
        Ok(op) => Built::Op(op),
        Err(e) => Built::Rejected(e),
    })
}

const CASE_FIELDS: &[&str] = &[
    "id",
    "operator",
    "kwargs",
    "kwargs_resolved",
    "pylops_call",
    "dtype",
    "dims",
    "dimsd",
    "op_shape",
    "axis_normalized",
    "axes_normalized",
    "files",
    "expected_error",
    "dot_test",
    "max_abs",
    "seed",
    "description",
    "tags",
    "warnings",
];

/// Runs one operator case; `Ok(bit_exact)` on success.
fn run_op_case(dir: &Path, case: &Value, rtol: f64) -> HResult<bool> {
    let obj = case.as_object().ok_or("case is not an object")?;
    check_keys(obj, CASE_FIELDS, "operator case")?;
    if let Some(f) = case["files"].as_object() {
        check_keys(f, &["x", "u", "y", "xadj"], "files")?;
    }
    if let Some(e) = case["expected_error"].as_object() {
        check_keys(
            e,
            &[
                "stage",
                "type",
                "qualified_type",
                "mro",
                "message",
                "per_stage",
            ],
            "expected_error",
        )?;
    }
    match case["dtype"].as_str() {
        Some("float64") => run_typed::<f64>(dir, case, rtol),
        Some("complex128") => run_typed::<Complex64>(dir, case, rtol),
        other => Err(format!("unsupported dtype {other:?}")),
    }
}

/// Max modulus difference and whether every element is equal.
pub fn compare<T: Scalar>(got: &ArrayD<T>, want: &ArrayD<T>) -> HResult<(f64, f64, bool)> {
    if got.shape() != want.shape() {
        return Err(format!(
            "shape {:?}, expected {:?}",
            got.shape(),
            want.shape()
        ));
    }
    let mut maxdiff = 0.0f64;
    let mut maxref = 0.0f64;
    let mut exact = true;
    for (g, w) in got.iter().zip(want.iter()) {
        let d = (*g - *w).modulus().to_f64_lossless();
        maxdiff = maxdiff.max(d);
        maxref = maxref.max(w.modulus().to_f64_lossless());
        exact &= g == w;
    }
    Ok((maxdiff, maxref, exact))
}

use rylops::core::RealScalar;

fn run_typed<T: Scalar + ReadableElement>(dir: &Path, case: &Value, rtol: f64) -> HResult<bool> {
    let name = case["operator"]
        .as_str()
        .ok_or("operator is not a string")?;
    let kw = if case.get("kwargs_resolved").is_some() {
        &case["kwargs_resolved"]
    } else {
        &case["kwargs"]
    };
    let expected = &case["expected_error"];
    let stage = if expected.is_null() {
        None
    } else {
        Some(
            expected["stage"]
                .as_str()
                .ok_or("expected_error.stage is not a string")?,
        )
    };
    if let Some(st) = stage {
        if !["constructor", "forward", "adjoint", "forward+adjoint"].contains(&st) {
            return Err(format!("unknown expected_error.stage `{st}`"));
        }
    }
    let op = match build_op::<T>(name, kw)? {
        Built::Op(op) => op,
        Built::Rejected(e) => {
            return if stage.is_some() {
                Ok(true)
            } else {
                Err(format!("constructor failed: {e}"))
            };
        }
    };
    if stage == Some("constructor") {
        return Err("pylops raised in the constructor, rylops accepted the configuration".into());
    }
    let files = &case["files"];
    let dims = usizes(&case["dims"], "dims")?;
    let dimsd = usizes(&case["dimsd"], "dimsd")?;
    if op.dims() != dims || op.dimsd() != dimsd {
        return Err(format!(
            "operator shapes {:?} -> {:?}, manifest says {dims:?} -> {dimsd:?}",
            op.dims(),
            op.dimsd()
        ));
    }
    let x: ArrayD<T> = read_file(dir, files, "x")?;
    let u: ArrayD<T> = read_file(dir, files, "u")?;
    let mut all_exact = true;
    for (dirn, input, out_name) in [("forward", &x, "y"), ("adjoint", &u, "xadj")] {
        let expect_err = matches!(stage, Some(s) if s.contains(dirn));
        let single = ChunkedArray::from_array(input.clone());
        let got = if dirn == "forward" {
            op.forward(&single)
        } else {
            op.adjoint(&single)
        };
        match (got, expect_err) {
            (Err(_), true) => continue,
            (Ok(_), true) => {
                return Err(format!("pylops raised in {dirn}, rylops returned a value"))
            }
            (Err(e), false) => return Err(format!("{dirn} failed: {e}")),
            (Ok(got), false) => {
                let want: ArrayD<T> = read_file(dir, files, out_name)?;
                let got = got.into_array();
                let (d, r, exact) = compare(&got, &want).map_err(|e| format!("{dirn}: {e}"))?;
                if d > rtol * r.max(1.0) {
                    return Err(format!(
                        "{dirn}: max |diff| {d:e} > {rtol:e} * max(1, {r:e})"
                    ));
                }
                all_exact &= exact;
                // Every chunking must give the single-chunk result bit for bit.
                for grid in chunkings(input.shape()) {
                    let xc = ChunkedArray::from_array_grid(input.view(), grid.clone())
                        .map_err(|e| format!("rechunk: {e}"))?;
                    let yc = if dirn == "forward" {
                        op.forward(&xc)
                    } else {
                        op.adjoint(&xc)
                    }
                    .map_err(|e| format!("{dirn} on chunks {:?}: {e}", grid.all_chunks()))?;
                    if yc.to_array() != got {
                        return Err(format!(
                            "{dirn} on chunks {:?} differs from the single-chunk result",
                            grid.all_chunks()
                        ));
                    }
                }
            }
        }
    }
    Ok(all_exact)
}

/// Two chunkings of a shape: irregular thirds along every axis, and chunks of 2 along every axis
/// (thinner than centered-5 stencils, so halos gather across blocks).
fn chunkings(shape: &[usize]) -> Vec<ChunkGrid> {
    let thirds: Vec<Vec<usize>> = shape
        .iter()
        .map(|&n| {
            if n < 3 {
                vec![n]
            } else {
                let a = n / 3;
                let b = (n - a) / 2 + 1;
                vec![a, b, n - a - b]
                    .into_iter()
                    .filter(|&v| v > 0)
                    .collect()
            }
        })
        .collect();
    let twos: Vec<usize> = shape.iter().map(|_| 2).collect();
    let mut out = vec![];
    if let Ok(g) = ChunkGrid::new(shape, thirds) {
        out.push(g);
    }
    if let Ok(g) = ChunkGrid::uniform(shape, &twos) {
        out.push(g);
    }
    out
}
