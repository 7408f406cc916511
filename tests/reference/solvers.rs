//! Solver cases of the reference suite: the operator tree is rebuilt from rylops' operators and
//! composition types (acting on flat vectors, as pylops does), the solver is run with
//! `pylops_compat(true)`, and iteration counts, stop codes, solutions, histories and diagnostics are
//! compared within the suite's tolerances.

use super::{build_op, check_keys, read_file, Built, HResult};
use ndarray::{ArrayD, IxDyn};
use ndarray_npy::ReadableElement;
use num_complex::Complex64;
use rylops::core::{
    BoxOp, Chunked, ChunkedArray, ChunkedOperator, LinearMap, LinearOperator, OperatorExt, Result,
    Scalar, Stack, VStack,
};
use rylops::operators::Identity;
use rylops::solvers::{cg_with, cgls_with, lsqr_with, CgParams, CglsParams, Control, LsqrParams};
use rylops::Vector;
use serde_json::Value;
use std::path::Path;

fn flat_of<T: Scalar>(a: ArrayD<T>) -> ChunkedArray<T> {
    let n = a.len();
    let a = a.as_standard_layout().into_owned();
    ChunkedArray::from_array(a.into_shape_with_order(IxDyn(&[n])).expect("contiguous"))
}

fn shaped<T: Scalar>(x: &ChunkedArray<T>, dims: &[usize]) -> Result<ChunkedArray<T>> {
    let a = x.to_array();
    let a = a
        .into_shape_with_order(IxDyn(dims))
        .map_err(|_| rylops::Error::ShapeMismatch {
            context: "reshape".into(),
            expected: dims.to_vec(),
            got: x.shape().to_vec(),
        })?;
    Ok(ChunkedArray::from_array(a))
}

/// An operator on n-d arrays seen on flat vectors (pylops' `Op * x.ravel()`).
struct Flat<T: Scalar>(BoxOp<T>);

impl<T: Scalar> ChunkedOperator for Flat<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        vec![self.0.shape().1]
    }
    fn dimsd(&self) -> Vec<usize> {
        vec![self.0.shape().0]
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        let r = self.0.forward(&shaped(x, &self.0.dims())?)?;
        *y = flat_of(r.into_array());
        Ok(())
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        let r = self.0.adjoint(&shaped(y, &self.0.dimsd())?)?;
        *x = flat_of(r.into_array());
        Ok(())
    }
}

/// A VStack whose stacked output is concatenated into one flat vector.
struct FlatStack<T: Scalar>(VStack<BoxOp<T>>);

impl<T: Scalar> FlatStack<T> {
    fn split(&self, y: &ChunkedArray<T>) -> Stack<ChunkedArray<T>> {
        let a = y.to_array();
        let s = a.as_slice().expect("flat");
        let mut off = 0;
        Stack(
            self.0
                .ops()
                .iter()
                .map(|o| {
                    let m = o.shape().0;
                    let part = ArrayD::from_shape_vec(IxDyn(&[m]), s[off..off + m].to_vec())
                        .expect("length");
                    off += m;
                    ChunkedArray::from_array(part)
                })
                .collect(),
        )
    }
}

impl<T: Scalar> ChunkedOperator for FlatStack<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.0.dims()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.0.dimsd()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        let parts = self.0.forward(x)?;
        let v: Vec<T> = parts
            .0
            .iter()
            .flat_map(|p| p.to_array().into_iter())
            .collect();
        *y = flat_of(ArrayD::from_shape_vec(IxDyn(&[v.len()]), v).expect("length"));
        Ok(())
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        self.0.adjoint_into(&self.split(y), x)
    }
}

fn scalar<T: Scalar>(v: &Value) -> HResult<T> {
    if let Some(f) = v.as_f64() {
        return Ok(T::from_f64(f));
    }
    match (v["re"].as_f64(), v["im"].as_f64()) {
        (Some(re), Some(im)) if T::IS_COMPLEX => Ok(T::from_parts(
            <T::Real as Scalar>::from_f64(re),
            <T::Real as Scalar>::from_f64(im),
        )),
        _ => Err(format!("cannot read scalar {v}")),
    }
}

/// Builds an operator tree (grammar of the suite's README, section 5) on flat vectors.
fn build_tree<T: Scalar>(node: &Value) -> HResult<BoxOp<T>> {
    let obj = node.as_object().ok_or("operator node is not an object")?;
    let ty = node["type"].as_str().ok_or("operator node has no type")?;
    let lib = |e: rylops::Error| format!("{ty}: {e}");
    Ok(match ty {
        "FirstDerivative" | "SecondDerivative" | "Laplacian" | "Gradient" => {
            check_keys(obj, &["type", "kwargs"], ty)?;
            match build_op::<T>(ty, &node["kwargs"])? {
                Built::Op(op) => Box::new(Chunked(Flat(op))),
                Built::Rejected(e) => return Err(lib(e)),
            }
        }
        "Identity" => {
            check_keys(obj, &["type", "kwargs"], ty)?;
            let kw = node["kwargs"].as_object().ok_or("Identity kwargs")?;
            check_keys(kw, &["N", "M", "dtype"], "Identity kwargs")?;
            if kw.contains_key("M") && kw["M"] != kw["N"] {
                return Err("rectangular Identity in a solver tree is not supported".into());
            }
            let n = kw["N"].as_u64().ok_or("Identity N")? as usize;
            Box::new(Identity::<T>::new(n).map_err(lib)?)
        }
        "Scaled" => {
            check_keys(obj, &["type", "scale", "op"], ty)?;
            Box::new(build_tree::<T>(&node["op"])?.scaled(scalar::<T>(&node["scale"])?))
        }
        "Adjoint" => {
            check_keys(obj, &["type", "op"], ty)?;
            Box::new(build_tree::<T>(&node["op"])?.h())
        }
        "Product" | "Sum" => {
            check_keys(obj, &["type", "ops"], ty)?;
            let ops = node["ops"].as_array().ok_or("ops is not a list")?;
            if ops.len() != 2 {
                return Err(format!("{ty} with {} operands", ops.len()));
            }
            let a = build_tree::<T>(&ops[0])?;
            let b = build_tree::<T>(&ops[1])?;
            if ty == "Product" {
                Box::new(a.times(b).map_err(lib)?)
            } else {
                Box::new(a.plus(b).map_err(lib)?)
            }
        }
        "VStack" => {
            check_keys(obj, &["type", "ops"], ty)?;
            let ops = node["ops"]
                .as_array()
                .ok_or("ops is not a list")?
                .iter()
                .map(build_tree::<T>)
                .collect::<HResult<Vec<_>>>()?;
            Box::new(Chunked(FlatStack(VStack::new(ops).map_err(lib)?)))
        }
        other => return Err(format!("unknown operator node `{other}`")),
    })
}

const SOLVER_FIELDS: &[&str] = &[
    "id",
    "solver",
    "pylops_function",
    "operator",
    "operator_pylops_expr",
    "op_shape",
    "dtype",
    "model_shape",
    "data_shape",
    "call",
    "call_kwargs",
    "returns",
    "results",
    "n_cost",
    "seed",
    "problem",
    "description",
    "files",
    "tags",
];

/// Runs one solver case.
pub fn run_solver_case(dir: &Path, case: &Value, tol: &Value) -> HResult<String> {
    let obj = case.as_object().ok_or("solver case is not an object")?;
    check_keys(obj, SOLVER_FIELDS, "solver case")?;
    match case["dtype"].as_str() {
        Some("float64") => run_typed::<f64>(dir, case, tol),
        Some("complex128") => run_typed::<Complex64>(dir, case, tol),
        other => Err(format!("unsupported dtype {other:?}")),
    }
}

struct Got<T: Scalar> {
    x: ChunkedArray<T>,
    iiter: usize,
    istop: Option<u8>,
    cost: Vec<f64>,
    cost1: Option<Vec<f64>>,
    scalars: Vec<(&'static str, f64)>,
    var: Option<ChunkedArray<T>>,
    history: Vec<ChunkedArray<T>>,
}

fn real<T: Scalar>(v: T::Real) -> f64 {
    <T::Real as rylops::core::RealScalar>::to_f64_lossless(v)
}

fn run_typed<T: Scalar + ReadableElement>(
    dir: &Path,
    case: &Value,
    tol: &Value,
) -> HResult<String> {
    let solver = case["solver"].as_str().ok_or("solver is not a string")?;
    let op = build_tree::<T>(&case["operator"])?;
    let files = &case["files"];
    if let Some(f) = files.as_object() {
        check_keys(
            f,
            &[
                "y",
                "x0",
                "x_true",
                "x",
                "cost",
                "x_history",
                "var",
                "cost1",
            ],
            "solver files",
        )?;
    }
    let y = flat_of(read_file::<T>(dir, files, "y")?);
    let x0 = flat_of(read_file::<T>(dir, files, "x0")?);
    let kw = case["call_kwargs"].as_object().ok_or("call_kwargs")?;
    let f = |k: &str| kw.get(k).and_then(|v| v.as_f64());
    let mut history: Vec<ChunkedArray<T>> = vec![];
    let mut record = |i: &rylops::solvers::IterInfo<'_, T, ChunkedArray<T>>| {
        history.push(i.x.clone());
        Control::Continue
    };
    let got: Got<T> = match solver {
        "cg" => {
            check_keys(kw, &["niter", "tol", "damp"], "cg call_kwargs")?;
            let mut p = CgParams::default().x0(x0).pylops_compat(true);
            if let Some(v) = f("niter") {
                p = p.niter(v as usize);
            }
            if let Some(v) = f("tol") {
                p = p.tol(v);
            }
            if let Some(v) = f("damp") {
                p = p.damp(v);
            }
            let s = cg_with(&op, &y, &p, &mut record).map_err(|e| format!("cg failed: {e}"))?;
            Got {
                x: s.x,
                iiter: s.iterations,
                istop: None,
                cost: s.cost.iter().map(|&c| real::<T>(c)).collect(),
                cost1: None,
                scalars: vec![],
                var: None,
                history: vec![],
            }
        }
        "cgls" => {
            check_keys(kw, &["niter", "tol", "damp"], "cgls call_kwargs")?;
            let mut p = CglsParams::default().x0(x0).pylops_compat(true);
            if let Some(v) = f("niter") {
                p = p.niter(v as usize);
            }
            if let Some(v) = f("tol") {
                p = p.tol(v);
            }
            if let Some(v) = f("damp") {
                p = p.damp(v);
            }
            let s = cgls_with(&op, &y, &p, &mut record).map_err(|e| format!("cgls failed: {e}"))?;
            Got {
                x: s.x,
                iiter: s.iterations,
                istop: Some(s.info.istop),
                cost: s.cost.iter().map(|&c| real::<T>(c)).collect(),
                cost1: Some(s.info.cost1.iter().map(|&c| real::<T>(c)).collect()),
                scalars: vec![
                    ("r1norm", real::<T>(s.info.gradient_norm_sqr)),
                    ("r2norm", real::<T>(s.info.r2norm)),
                ],
                var: None,
                history: vec![],
            }
        }
        "lsqr" => {
            check_keys(
                kw,
                &["damp", "atol", "btol", "conlim", "niter", "calc_var"],
                "lsqr call_kwargs",
            )?;
            let mut p = LsqrParams::default().x0(x0).pylops_compat(true);
            if let Some(v) = f("niter") {
                p = p.niter(v as usize);
            }
            if let Some(v) = f("damp") {
                p = p.damp(v);
            }
            if let Some(v) = f("atol") {
                p = p.atol(v);
            }
            if let Some(v) = f("btol") {
                p = p.btol(v);
            }
            if let Some(v) = f("conlim") {
                p = p.conlim(v);
            }
            if let Some(v) = kw.get("calc_var") {
                p = p.calc_var(v.as_bool().ok_or("calc_var is not a bool")?);
            }
            let s = lsqr_with(&op, &y, &p, &mut record).map_err(|e| format!("lsqr failed: {e}"))?;
            let i = &s.info;
            Got {
                x: s.x.clone(),
                iiter: s.iterations,
                istop: Some(i.istop),
                cost: s.cost.iter().map(|&c| real::<T>(c)).collect(),
                cost1: None,
                scalars: vec![
                    ("r1norm", real::<T>(i.r1norm)),
                    ("r2norm", real::<T>(i.r2norm)),
                    ("anorm", real::<T>(i.anorm)),
                    ("acond", real::<T>(i.acond)),
                    ("arnorm", real::<T>(i.arnorm)),
                    ("xnorm", real::<T>(i.xnorm)),
                ],
                var: i.var.clone(),
                history: vec![],
            }
        }
        other => return Err(format!("unknown solver `{other}`")),
    };
    let got = Got { history, ..got };
    compare(dir, case, tol, got)
}

fn rel_norm<T: Scalar>(got: &ChunkedArray<T>, want: &ChunkedArray<T>) -> HResult<f64> {
    if got.len() != want.len() {
        return Err(format!("length {} vs {}", got.len(), want.len()));
    }
    let mut d = got.clone();
    d.sub_assign(want);
    let n = real::<T>(want.norm());
    Ok(real::<T>(d.norm()) / if n == 0.0 { 1.0 } else { n })
}

fn compare<T: Scalar + ReadableElement>(
    dir: &Path,
    case: &Value,
    tol: &Value,
    got: Got<T>,
) -> HResult<String> {
    let rtol = tol["solver_solution_rtol"].as_f64().unwrap_or(1e-8);
    let ctol = tol["solver_cost_rtol"].as_f64().unwrap_or(1e-8);
    let files = &case["files"];
    let res = case["results"].as_object().ok_or("results")?;
    let want_iiter = res
        .get("iiter")
        .and_then(|v| v.as_u64())
        .ok_or("results.iiter")? as usize;
    if got.iiter != want_iiter {
        return Err(format!("iiter {} vs {want_iiter}", got.iiter));
    }
    if let Some(w) = res.get("istop") {
        let w = w.as_u64().ok_or("results.istop")?;
        if got.istop.map(u64::from) != Some(w) {
            return Err(format!("istop {:?} vs {w}", got.istop));
        }
    }
    let n_cost = case["n_cost"].as_u64().ok_or("n_cost")? as usize;
    if got.cost.len() != n_cost {
        return Err(format!("len(cost) {} vs {n_cost}", got.cost.len()));
    }
    for key in res.keys() {
        if key == "iiter" || key == "istop" {
            continue;
        }
        let w = res[key].as_f64().ok_or_else(|| format!("results.{key}"))?;
        let g = got
            .scalars
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
            .ok_or_else(|| format!("result `{key}` not understood"))?;
        if (g - w).abs() > rtol * w.abs() {
            return Err(format!("{key}: {g:e} vs {w:e}"));
        }
    }
    let x_ref = flat_of(read_file::<T>(dir, files, "x")?);
    let e = rel_norm(&got.x, &x_ref)?;
    if e > rtol {
        return Err(format!("solution relative error {e:e} > {rtol:e}"));
    }
    let mut worst_hist = 0.0f64;
    for (name, series) in [("cost", Some(&got.cost)), ("cost1", got.cost1.as_ref())] {
        if files.get(name).is_none() {
            continue;
        }
        let series = series.ok_or_else(|| format!("{name} not produced"))?;
        let r: ArrayD<f64> = read_file(dir, files, name)?;
        if r.len() != series.len() {
            return Err(format!("{name}: length {} vs {}", series.len(), r.len()));
        }
        let r0 = r.iter().next().copied().unwrap_or(1.0).abs();
        for (k, (g, w)) in series.iter().zip(r.iter()).enumerate() {
            if (g - w).abs() > ctol * r0 {
                return Err(format!("{name}[{k}]: {g:e} vs {w:e}"));
            }
        }
    }
    if files.get("var").is_some() {
        let v = got.var.as_ref().ok_or("var not produced")?;
        let r = read_file::<T>(dir, files, "var")?;
        let vr = v.to_array();
        let maxref = r.iter().map(|a| real::<T>(a.modulus())).fold(0.0, f64::max);
        let maxd = vr
            .iter()
            .zip(r.iter())
            .map(|(a, b)| real::<T>((*a - *b).modulus()))
            .fold(0.0, f64::max);
        if maxd > rtol * maxref {
            return Err(format!("var: max diff {maxd:e} > {rtol:e} * {maxref:e}"));
        }
    }
    if files.get("x_history").is_some() {
        let h = read_file::<T>(dir, files, "x_history")?;
        let rows = h.shape()[0];
        if rows != got.history.len() {
            return Err(format!("x_history rows {} vs {rows}", got.history.len()));
        }
        let per = h.len() / rows.max(1);
        let flat = h.as_standard_layout().into_owned();
        let s = flat.as_slice().expect("standard");
        for (k, g) in got.history.iter().enumerate() {
            let w = flat_of(
                ArrayD::from_shape_vec(IxDyn(&[per]), s[k * per..(k + 1) * per].to_vec())
                    .expect("row"),
            );
            let e = rel_norm(g, &w)?;
            worst_hist = worst_hist.max(e);
            if e > rtol {
                return Err(format!("x_history[{k}] relative error {e:e}"));
            }
        }
    }
    Ok(format!(
        "{} iterations, solution rel. error {e:.1e}, worst iterate rel. error {worst_hist:.1e}",
        got.iiter
    ))
}
