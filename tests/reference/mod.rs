//! Implementation of the conformance harness (see `tests/reference.rs`).

use ndarray::ArrayD;
use ndarray_npy::{ReadNpyExt, ReadableElement};
use num_complex::Complex64;
use rylops::core::{BoxOp, ChunkGrid, ChunkedArray, LinearMap, LinearOperator, Scalar};
use rylops::operators::{FirstDerivative, Gradient, Kind, Laplacian, SecondDerivative};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Deserialize;
use serde_json::Value;
use std::fs::File;
use std::path::{Path, PathBuf};

pub mod convolve;
pub mod layout;
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

// The manifest, as the suite's README (sections 4 and 5) describes it. Every struct refuses fields it
// does not list (`deny_unknown_fields`), so a field the harness does not know fails the run (the top
// level) or the case. Fields listed as `IgnoredAny` are informational: known, and not needed to check
// a case.

/// The top level of `manifest.json`. Cases are kept as JSON values here and decoded one by one, so
/// that a case the harness does not understand fails alone, under its id.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // informational fields are read only to be recognised
struct Manifest {
    format_version: u64,
    suite: Option<IgnoredAny>,
    reference_library: Option<IgnoredAny>,
    reference_version: Option<IgnoredAny>,
    environment: Option<IgnoredAny>,
    generator: Option<IgnoredAny>,
    suite_seed: Option<IgnoredAny>,
    #[serde(default)]
    tolerances: Tolerances,
    n_operator_cases: Option<usize>,
    n_expected_error_cases: Option<usize>,
    n_solver_cases: Option<usize>,
    #[serde(default)]
    operator_cases: Vec<Value>,
    #[serde(default)]
    solver_cases: Vec<Value>,
}

/// `tolerances`, with the README's values where a field is absent.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tolerances {
    pub operator_rtol: f64,
    pub solver_solution_rtol: f64,
    pub solver_cost_rtol: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            operator_rtol: 1e-12,
            solver_solution_rtol: 1e-8,
            solver_cost_rtol: 1e-8,
        }
    }
}

/// `files.<name>`: an `.npy` file and what its header must say.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileRef {
    pub path: String,
    pub shape: Option<Vec<usize>>,
    pub dtype: Option<String>,
}

/// An operator case's `files`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OpFiles {
    x: Option<FileRef>,
    u: Option<FileRef>,
    y: Option<FileRef>,
    xadj: Option<FileRef>,
}

/// Where pylops raised.
#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
enum Stage {
    #[serde(rename = "constructor")]
    Constructor,
    #[serde(rename = "forward")]
    Forward,
    #[serde(rename = "adjoint")]
    Adjoint,
    #[serde(rename = "forward+adjoint")]
    ForwardAdjoint,
}

impl Stage {
    /// Whether pylops raised when applying the operator in direction `dirn`.
    fn raises_in(self, dirn: &str) -> bool {
        match self {
            Stage::Constructor => false,
            Stage::Forward => dirn == "forward",
            Stage::Adjoint => dirn == "adjoint",
            Stage::ForwardAdjoint => true,
        }
    }
}

/// `expected_error`: only the stage is checked (the README: do not compare the text; the type is a
/// hint).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // informational fields are read only to be recognised
struct ExpectedError {
    stage: Stage,
    #[serde(rename = "type")]
    ty: Option<IgnoredAny>,
    qualified_type: Option<IgnoredAny>,
    mro: Option<IgnoredAny>,
    message: Option<IgnoredAny>,
    per_stage: Option<IgnoredAny>,
}

/// One entry of `operator_cases`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // informational fields are read only to be recognised
struct OpCase {
    id: Option<IgnoredAny>,
    operator: String,
    kwargs: Value,
    kwargs_resolved: Option<Value>,
    pylops_call: Option<IgnoredAny>,
    dtype: String,
    dims: Option<Vec<usize>>,
    dimsd: Option<Vec<usize>>,
    op_shape: Option<IgnoredAny>,
    axis_normalized: Option<IgnoredAny>,
    axes_normalized: Option<IgnoredAny>,
    files: OpFiles,
    expected_error: Option<ExpectedError>,
    dot_test: Option<IgnoredAny>,
    max_abs: Option<IgnoredAny>,
    seed: Option<IgnoredAny>,
    description: Option<IgnoredAny>,
    tags: Option<IgnoredAny>,
    warnings: Option<IgnoredAny>,
}

/// Decodes a JSON value into `T`, naming `what` in the error.
pub fn decode<T: DeserializeOwned>(v: &Value, what: &str) -> HResult<T> {
    T::deserialize(v).map_err(|e| format!("{what}: {e}"))
}

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
    let m: Manifest = match serde_json::from_str(&text) {
        Ok(m) => m,
        Err(e) => {
            s.failures.push(format!("manifest.json: {e}"));
            return s;
        }
    };
    if m.format_version != 1 {
        s.failures
            .push(format!("unsupported format_version {}", m.format_version));
        return s;
    }
    let case_id = |case: &Value| case["id"].as_str().unwrap_or("<no id>").to_string();
    for case in &m.operator_cases {
        match run_op_case(dir, case, m.tolerances.operator_rtol) {
            Ok(bitexact) => {
                s.op_passed += 1;
                if bitexact {
                    s.op_bitexact += 1;
                }
            }
            Err(e) => s.failures.push(format!("{}: {e}", case_id(case))),
        }
    }
    for case in &m.solver_cases {
        match solvers::run_solver_case(dir, case, &m.tolerances) {
            Ok(note) => {
                s.solver_passed += 1;
                s.notes.push(format!("{}: {note}", case_id(case)));
            }
            Err(e) => s.failures.push(format!("{}: {e}", case_id(case))),
        }
    }
    if let Some(n) = m.n_operator_cases.filter(|&n| n != m.operator_cases.len()) {
        s.failures.push(format!(
            "manifest says {n} operator cases, lists {}",
            m.operator_cases.len()
        ));
    }
    let n_err = m
        .operator_cases
        .iter()
        .filter(|c| !c["expected_error"].is_null())
        .count();
    if let Some(n) = m.n_expected_error_cases.filter(|&n| n != n_err) {
        s.failures.push(format!(
            "manifest says {n} expected-error cases, lists {n_err}"
        ));
    }
    if let Some(n) = m.n_solver_cases.filter(|&n| n != m.solver_cases.len()) {
        s.failures.push(format!(
            "manifest says {n} solver cases, lists {}",
            m.solver_cases.len()
        ));
    }
    s
}

/// numpy's `.npy` descriptor of a dtype name.
fn descr(dtype: &str) -> &str {
    match dtype {
        "float64" => "<f8",
        "complex128" => "<c16",
        "float32" => "<f4",
        "complex64" => "<c8",
        other => other,
    }
}

/// Reads the `.npy` file `f` (named `name` in messages), checking the shape and dtype the manifest
/// gives for it; `dtype` is the dtype name of `T`.
pub fn read_file<T: ReadableElement>(
    dir: &Path,
    f: Option<&FileRef>,
    name: &str,
    dtype: &str,
) -> HResult<ArrayD<T>> {
    let f = f.ok_or_else(|| format!("files.{name} missing"))?;
    if let Some(d) = &f.dtype {
        if d != descr(dtype) {
            return Err(format!(
                "files.{name}.dtype is {d}, the case's arrays are {}",
                descr(dtype)
            ));
        }
    }
    let path = dir.join(&f.path);
    let file = File::open(&path).map_err(|e| format!("missing file {}: {e}", path.display()))?;
    let a =
        ArrayD::<T>::read_npy(file).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if let Some(want) = &f.shape {
        if a.shape() != want.as_slice() {
            return Err(format!(
                "{name}: shape {:?} but files says {want:?}",
                a.shape()
            ));
        }
    }
    Ok(a)
}

/// The outcome of building an operator from a description.
pub enum Built<T: Scalar> {
    /// Built.
    Op(BoxOp<T>),
    /// The library rejected the configuration with this error.
    Rejected(rylops::Error),
}

/// FirstDerivative's kwargs (pylops' names and types).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FirstDerivativeKw {
    dims: Vec<usize>,
    axis: Option<isize>,
    sampling: Option<f64>,
    kind: Option<String>,
    edge: Option<bool>,
    order: Option<usize>,
    dtype: Option<String>,
}

/// SecondDerivative's kwargs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SecondDerivativeKw {
    dims: Vec<usize>,
    axis: Option<isize>,
    sampling: Option<f64>,
    kind: Option<String>,
    edge: Option<bool>,
    dtype: Option<String>,
}

/// Laplacian's kwargs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LaplacianKw {
    dims: Vec<usize>,
    axes: Option<Vec<isize>>,
    weights: Option<Vec<f64>>,
    sampling: Option<Vec<f64>>,
    edge: Option<bool>,
    kind: Option<String>,
    dtype: Option<String>,
}

/// Gradient's `sampling`: one value for every axis, or one per axis.
#[derive(Deserialize)]
#[serde(untagged)]
enum GradientSampling {
    All(f64),
    PerAxis(Vec<f64>),
}

/// Gradient's kwargs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GradientKw {
    dims: Vec<usize>,
    sampling: Option<GradientSampling>,
    edge: Option<bool>,
    kind: Option<String>,
    dtype: Option<String>,
}

/// Checks an operator's `dtype` kwarg against the scalar type the case runs in.
pub fn check_dtype<T: Scalar>(dtype: &Option<String>) -> HResult<()> {
    match dtype {
        Some(d) if d != T::DTYPE => Err(format!(
            "operator dtype {d} where {} was expected",
            T::DTYPE
        )),
        _ => Ok(()),
    }
}

/// pylops' `kind` string (default `centered`) as rylops' [`Kind`], or the library's error.
fn kind(k: &Option<String>) -> Result<Kind, rylops::Error> {
    k.as_deref().map_or(Ok(Kind::Centered), str::parse)
}

/// Builds one of the library's operators from pylops' name and kwargs (`kwargs_resolved` or plain
/// kwargs with defaults). Unknown operators or options are harness errors.
pub fn build_op<T: Scalar>(name: &str, kw: &Value) -> HResult<Built<T>> {
    let what = format!("{name} kwargs");
    let r = match name {
        "FirstDerivative" => {
            let k: FirstDerivativeKw = decode(kw, &what)?;
            check_dtype::<T>(&k.dtype)?;
            kind(&k.kind).and_then(|kind| {
                let mut b = FirstDerivative::<T>::builder(&k.dims)
                    .kind(kind)
                    .edge(k.edge.unwrap_or(false));
                if let Some(a) = k.axis {
                    b = b.axis(a);
                }
                if let Some(s) = k.sampling {
                    b = b.sampling(s);
                }
                if let Some(o) = k.order {
                    b = b.order(o);
                }
                b.build().map(|o| Box::new(o) as BoxOp<T>)
            })
        }
        "SecondDerivative" => {
            let k: SecondDerivativeKw = decode(kw, &what)?;
            check_dtype::<T>(&k.dtype)?;
            kind(&k.kind).and_then(|kind| {
                let mut b = SecondDerivative::<T>::builder(&k.dims)
                    .kind(kind)
                    .edge(k.edge.unwrap_or(false));
                if let Some(a) = k.axis {
                    b = b.axis(a);
                }
                if let Some(s) = k.sampling {
                    b = b.sampling(s);
                }
                b.build().map(|o| Box::new(o) as BoxOp<T>)
            })
        }
        "Laplacian" => {
            let k: LaplacianKw = decode(kw, &what)?;
            check_dtype::<T>(&k.dtype)?;
            kind(&k.kind).and_then(|kind| {
                let mut b = Laplacian::<T>::builder(&k.dims)
                    .kind(kind)
                    .edge(k.edge.unwrap_or(false));
                if let Some(a) = &k.axes {
                    b = b.axes(a);
                }
                if let Some(w) = &k.weights {
                    b = b.weights(w);
                }
                if let Some(s) = &k.sampling {
                    b = b.sampling(s);
                }
                b.build().map(|o| Box::new(o) as BoxOp<T>)
            })
        }
        "Gradient" => {
            let k: GradientKw = decode(kw, &what)?;
            check_dtype::<T>(&k.dtype)?;
            kind(&k.kind).and_then(|kind| {
                let mut b = Gradient::<T>::builder(&k.dims)
                    .kind(kind)
                    .edge(k.edge.unwrap_or(false));
                match &k.sampling {
                    None => {}
                    Some(GradientSampling::All(s)) => b = b.sampling(*s),
                    Some(GradientSampling::PerAxis(s)) => b = b.sampling_per_axis(s),
                }
                b.build().map(|o| Box::new(o) as BoxOp<T>)
            })
        }
        other => {
            if let Some(b) = convolve::build::<T>(other, kw) {
                return b;
            }
            return layout::build::<T>(other, kw)
                .unwrap_or_else(|| Err(format!("unknown operator `{other}`")));
        }
    };
    Ok(match r {
        Ok(op) => Built::Op(op),
        Err(e) => Built::Rejected(e),
    })
}

/// Runs one operator case; `Ok(bit_exact)` on success.
fn run_op_case(dir: &Path, case: &Value, rtol: f64) -> HResult<bool> {
    let case: OpCase = decode(case, "operator case")?;
    match case.dtype.as_str() {
        "float64" => run_typed::<f64>(dir, &case, rtol),
        "complex128" => run_typed::<Complex64>(dir, &case, rtol),
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

fn run_typed<T: Scalar + ReadableElement>(dir: &Path, case: &OpCase, rtol: f64) -> HResult<bool> {
    let kw = case.kwargs_resolved.as_ref().unwrap_or(&case.kwargs);
    let stage = case.expected_error.as_ref().map(|e| e.stage);
    let op = match build_op::<T>(&case.operator, kw)? {
        Built::Op(op) => op,
        Built::Rejected(e) => {
            return if stage.is_some() {
                Ok(true)
            } else {
                Err(format!("constructor failed: {e}"))
            };
        }
    };
    if stage == Some(Stage::Constructor) {
        return Err("pylops raised in the constructor, rylops accepted the configuration".into());
    }
    let files = &case.files;
    let dims = case.dims.as_deref().ok_or("dims missing")?;
    let dimsd = case.dimsd.as_deref().ok_or("dimsd missing")?;
    if op.dims() != dims || op.dimsd() != dimsd {
        return Err(format!(
            "operator shapes {:?} -> {:?}, manifest says {dims:?} -> {dimsd:?}",
            op.dims(),
            op.dimsd()
        ));
    }
    let read = |f: &Option<FileRef>, name: &str| read_file::<T>(dir, f.as_ref(), name, &case.dtype);
    let x: ArrayD<T> = read(&files.x, "x")?;
    let u: ArrayD<T> = read(&files.u, "u")?;
    let mut all_exact = true;
    for (dirn, input, out, out_name) in [
        ("forward", &x, &files.y, "y"),
        ("adjoint", &u, &files.xadj, "xadj"),
    ] {
        let expect_err = stage.is_some_and(|s| s.raises_in(dirn));
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
                let want: ArrayD<T> = read(out, out_name)?;
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
