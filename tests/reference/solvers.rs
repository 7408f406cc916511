//! Solver cases of the reference suite: the operator tree is rebuilt from rylops' operators and
//! composition types (acting on flat vectors, as pylops does), the solver is run with
//! `pylops_compat(true)`, and iteration counts, stop codes, solutions, histories and diagnostics are
//! compared within the suite's tolerances.

use super::{build_op, check_dtype, decode, read_file, Built, FileRef, HResult, Tolerances};
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
use serde::de::IgnoredAny;
use serde::Deserialize;
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

/// A scale factor: a real number, or a complex one as `{re, im}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum ScaleValue {
    Real(f64),
    Complex(ComplexValue),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ComplexValue {
    re: f64,
    im: f64,
}

fn scalar<T: Scalar>(v: &ScaleValue) -> HResult<T> {
    match v {
        ScaleValue::Real(f) => Ok(T::from_f64(*f)),
        ScaleValue::Complex(c) if T::IS_COMPLEX => Ok(T::from_parts(
            <T::Real as Scalar>::from_f64(c.re),
            <T::Real as Scalar>::from_f64(c.im),
        )),
        ScaleValue::Complex(c) => Err(format!(
            "complex scale {}+{}i on a real operator",
            c.re, c.im
        )),
    }
}

/// Identity's kwargs in a solver tree.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(non_snake_case)] // pylops' names
struct IdentityKw {
    N: usize,
    M: Option<usize>,
    dtype: Option<String>,
}

/// A node of an operator tree (grammar of the suite's README, section 5).
#[derive(Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
enum Node {
    FirstDerivative { kwargs: Value },
    SecondDerivative { kwargs: Value },
    Laplacian { kwargs: Value },
    Gradient { kwargs: Value },
    Identity { kwargs: IdentityKw },
    Scaled { scale: ScaleValue, op: Box<Node> },
    Adjoint { op: Box<Node> },
    Product { ops: Vec<Node> },
    Sum { ops: Vec<Node> },
    VStack { ops: Vec<Node> },
}

/// Builds an operator tree on flat vectors.
fn build_tree<T: Scalar>(node: &Node) -> HResult<BoxOp<T>> {
    fn lib(ty: &'static str) -> impl Fn(rylops::Error) -> String {
        move |e| format!("{ty}: {e}")
    }
    Ok(match node {
        Node::FirstDerivative { kwargs }
        | Node::SecondDerivative { kwargs }
        | Node::Laplacian { kwargs }
        | Node::Gradient { kwargs } => {
            let ty = match node {
                Node::FirstDerivative { .. } => "FirstDerivative",
                Node::SecondDerivative { .. } => "SecondDerivative",
                Node::Laplacian { .. } => "Laplacian",
                _ => "Gradient",
            };
            match build_op::<T>(ty, kwargs)? {
                Built::Op(op) => Box::new(Chunked(Flat(op))),
                Built::Rejected(e) => return Err(lib(ty)(e)),
            }
        }
        Node::Identity { kwargs } => {
            check_dtype::<T>(&kwargs.dtype)?;
            if kwargs.M.is_some_and(|m| m != kwargs.N) {
                return Err("rectangular Identity in a solver tree is not supported".into());
            }
            Box::new(Identity::<T>::new(kwargs.N).map_err(lib("Identity"))?)
        }
        Node::Scaled { scale, op } => Box::new(build_tree::<T>(op)?.scaled(scalar::<T>(scale)?)),
        Node::Adjoint { op } => Box::new(build_tree::<T>(op)?.h()),
        Node::Product { ops } | Node::Sum { ops } => {
            let product = matches!(node, Node::Product { .. });
            let ty = if product { "Product" } else { "Sum" };
            let [a, b] = ops.as_slice() else {
                return Err(format!("{ty} with {} operands", ops.len()));
            };
            let (a, b) = (build_tree::<T>(a)?, build_tree::<T>(b)?);
            if product {
                Box::new(a.times(b).map_err(lib(ty))?)
            } else {
                Box::new(a.plus(b).map_err(lib(ty))?)
            }
        }
        Node::VStack { ops } => {
            let ops = ops
                .iter()
                .map(build_tree::<T>)
                .collect::<HResult<Vec<_>>>()?;
            Box::new(Chunked(FlatStack(VStack::new(ops).map_err(lib("VStack"))?)))
        }
    })
}

/// A solver case's `files`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // informational fields are read only to be recognised
struct SolverFiles {
    y: Option<FileRef>,
    x0: Option<FileRef>,
    x_true: Option<IgnoredAny>,
    x: Option<FileRef>,
    cost: Option<FileRef>,
    x_history: Option<FileRef>,
    var: Option<FileRef>,
    cost1: Option<FileRef>,
}

/// `results`: the scalar values pylops returned. Every one given is compared.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Results {
    iiter: usize,
    istop: Option<u64>,
    r1norm: Option<f64>,
    r2norm: Option<f64>,
    anorm: Option<f64>,
    acond: Option<f64>,
    arnorm: Option<f64>,
    xnorm: Option<f64>,
}

/// One entry of `solver_cases`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // informational fields are read only to be recognised
struct SolverCase {
    id: Option<IgnoredAny>,
    solver: String,
    pylops_function: Option<IgnoredAny>,
    operator: Node,
    operator_pylops_expr: Option<IgnoredAny>,
    op_shape: Option<IgnoredAny>,
    dtype: String,
    model_shape: Option<IgnoredAny>,
    data_shape: Option<IgnoredAny>,
    call: Option<IgnoredAny>,
    call_kwargs: Value,
    returns: Option<IgnoredAny>,
    results: Results,
    n_cost: usize,
    seed: Option<IgnoredAny>,
    problem: Option<IgnoredAny>,
    description: Option<IgnoredAny>,
    files: SolverFiles,
    tags: Option<IgnoredAny>,
}

/// `call_kwargs` of `cg` and `cgls`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CgKw {
    niter: Option<usize>,
    tol: Option<f64>,
    damp: Option<f64>,
}

/// `call_kwargs` of `lsqr`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LsqrKw {
    damp: Option<f64>,
    atol: Option<f64>,
    btol: Option<f64>,
    conlim: Option<f64>,
    niter: Option<usize>,
    calc_var: Option<bool>,
}

/// Runs one solver case.
pub fn run_solver_case(dir: &Path, case: &Value, tol: &Tolerances) -> HResult<String> {
    let case: SolverCase = decode(case, "solver case")?;
    match case.dtype.as_str() {
        "float64" => run_typed::<f64>(dir, &case, tol),
        "complex128" => run_typed::<Complex64>(dir, &case, tol),
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
    case: &SolverCase,
    tol: &Tolerances,
) -> HResult<String> {
    let op = build_tree::<T>(&case.operator)?;
    let files = &case.files;
    let y = flat_of(read_file::<T>(dir, files.y.as_ref(), "y", &case.dtype)?);
    let x0 = flat_of(read_file::<T>(dir, files.x0.as_ref(), "x0", &case.dtype)?);
    let kw = &case.call_kwargs;
    let mut history: Vec<ChunkedArray<T>> = vec![];
    let mut record = |i: &rylops::solvers::IterInfo<'_, T, ChunkedArray<T>>| {
        history.push(i.x.clone());
        Control::Continue
    };
    let got: Got<T> = match case.solver.as_str() {
        "cg" => {
            let k: CgKw = decode(kw, "cg call_kwargs")?;
            let mut p = CgParams::default().x0(x0).pylops_compat(true);
            if let Some(v) = k.niter {
                p = p.niter(v);
            }
            if let Some(v) = k.tol {
                p = p.tol(v);
            }
            // pylops' cg adds `damp * x` (a linear shift), rylops' `damp` is squared: use `shift`
            if let Some(v) = k.damp {
                p = p.shift(v);
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
            let k: CgKw = decode(kw, "cgls call_kwargs")?;
            let mut p = CglsParams::default().x0(x0).pylops_compat(true);
            if let Some(v) = k.niter {
                p = p.niter(v);
            }
            if let Some(v) = k.tol {
                p = p.tol(v);
            }
            if let Some(v) = k.damp {
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
            let k: LsqrKw = decode(kw, "lsqr call_kwargs")?;
            let mut p = LsqrParams::default().x0(x0).pylops_compat(true);
            if let Some(v) = k.niter {
                p = p.niter(v);
            }
            if let Some(v) = k.damp {
                p = p.damp(v);
            }
            if let Some(v) = k.atol {
                p = p.atol(v);
            }
            if let Some(v) = k.btol {
                p = p.btol(v);
            }
            if let Some(v) = k.conlim {
                p = p.conlim(v);
            }
            if let Some(v) = k.calc_var {
                p = p.calc_var(v);
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
    case: &SolverCase,
    tol: &Tolerances,
    got: Got<T>,
) -> HResult<String> {
    let rtol = tol.solver_solution_rtol;
    let ctol = tol.solver_cost_rtol;
    let files = &case.files;
    let read = |f: &Option<FileRef>, name: &str| read_file::<T>(dir, f.as_ref(), name, &case.dtype);
    let res = &case.results;
    if got.iiter != res.iiter {
        return Err(format!("iiter {} vs {}", got.iiter, res.iiter));
    }
    if let Some(w) = res.istop {
        if got.istop.map(u64::from) != Some(w) {
            return Err(format!("istop {:?} vs {w}", got.istop));
        }
    }
    if got.cost.len() != case.n_cost {
        return Err(format!("len(cost) {} vs {}", got.cost.len(), case.n_cost));
    }
    let scalars = [
        ("r1norm", res.r1norm),
        ("r2norm", res.r2norm),
        ("anorm", res.anorm),
        ("acond", res.acond),
        ("arnorm", res.arnorm),
        ("xnorm", res.xnorm),
    ];
    for (key, w) in scalars {
        let Some(w) = w else { continue };
        let g = got
            .scalars
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
            .ok_or_else(|| format!("result `{key}` not produced by {}", case.solver))?;
        if (g - w).abs() > rtol * w.abs() {
            return Err(format!("{key}: {g:e} vs {w:e}"));
        }
    }
    let x_ref = flat_of(read(&files.x, "x")?);
    let e = rel_norm(&got.x, &x_ref)?;
    if e > rtol {
        return Err(format!("solution relative error {e:e} > {rtol:e}"));
    }
    let mut worst_hist = 0.0f64;
    for (name, file, series) in [
        ("cost", &files.cost, Some(&got.cost)),
        ("cost1", &files.cost1, got.cost1.as_ref()),
    ] {
        if file.is_none() {
            continue;
        }
        let series = series.ok_or_else(|| format!("{name} not produced"))?;
        // residual norms are real whatever the case's dtype
        let r: ArrayD<f64> = read_file(dir, file.as_ref(), name, "float64")?;
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
    if files.var.is_some() {
        let v = got.var.as_ref().ok_or("var not produced")?;
        let r = read(&files.var, "var")?;
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
    if files.x_history.is_some() {
        let h = read(&files.x_history, "x_history")?;
        let rows = h.shape().first().copied().ok_or("x_history is 0-d")?;
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
