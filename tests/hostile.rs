//! Hostile input through the public API: every operator, composition and overlap entry point on
//! random shapes with zero-length and length-1 axes, irregular chunk grids (1-wide chunks
//! included), extreme samplings, weights and depths, and the four scalar types.
//!
//! Every call runs under `catch_unwind` and must return a result or a typed error, never panic;
//! every operator that is returned must pass the dot test (on the random chunking), and so must
//! its compositions. The counts of cases tried, by class, are printed at the end of each test.
//! A regression test per class of issue 13 follows the property tests.

use nalgebra::{ComplexField, DMatrix};
use ndarray::{ArrayD, IxDyn};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rylops::core::overlap::{
    extended_block, map_overlap, overlap, overlap_grid, trim_internal, trim_overlap, Boundaries,
    Boundary, Depth,
};
use rylops::core::{BoxOp, HStack, RealScalar, Rng, VStack};
use rylops::operators::{
    Diagonal, Direction, FirstDirectionalDerivative, Identity, MatrixMult,
    SecondDirectionalDerivative, Zero,
};
use rylops::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

// ---------------------------------------------------------------------------------------------
// Bookkeeping.

static QUIET: Once = Once::new();

thread_local! {
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Silences the panic message of calls made under [`guarded`] on the calling thread (their
/// panics are caught and reported with their message); every other panic is printed as usual.
fn quiet_panics() {
    QUIET.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(|g| g.get()) {
                default(info);
            }
        }));
    });
}

fn message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "non-string panic".into())
}

#[derive(Default)]
struct Counts(Mutex<BTreeMap<&'static str, usize>>);

impl Counts {
    fn add(&self, class: &'static str) {
        *self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(class)
            .or_default() += 1;
    }
    fn report(&self, test: &str) {
        let m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let total: usize = m.values().sum();
        let mut err = std::io::stderr();
        let _ = writeln!(err, "{test}: {total} calls");
        for (k, v) in m.iter() {
            let _ = writeln!(err, "  {k}: {v}");
        }
    }
}

/// Runs `f` catching panics: `Ok(result)` or `Err(panic message)`.
fn guarded<R>(f: impl FnOnce() -> R) -> std::result::Result<R, String> {
    let was = GUARDED.with(|g| g.replace(true));
    let r = catch_unwind(AssertUnwindSafe(f)).map_err(|p| message(&*p));
    GUARDED.with(|g| g.set(was));
    r
}

fn runner(cases: u32, seed: u64) -> TestRunner {
    TestRunner::new_with_rng(
        Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        },
        proptest::test_runner::TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &{
            let mut s = [0u8; 32];
            s[..8].copy_from_slice(&seed.to_le_bytes());
            s
        }),
    )
}

// ---------------------------------------------------------------------------------------------
// Random shapes and grids.

/// Axis lengths: zero and one often, small otherwise.
fn length() -> impl Strategy<Value = usize> {
    prop_oneof![Just(0usize), Just(1), Just(1), 2usize..=7]
}

/// Splits `n` at cut points derived from `cuts` (1-wide chunks likely); `[0]` for `n == 0`.
fn split(n: usize, cuts: &[usize]) -> Vec<usize> {
    if n == 0 {
        return vec![0];
    }
    let mut pts: Vec<usize> = cuts.iter().map(|c| c % n).filter(|&c| c > 0).collect();
    pts.sort_unstable();
    pts.dedup();
    let mut out = vec![];
    let mut prev = 0;
    for p in pts {
        out.push(p - prev);
        prev = p;
    }
    out.push(n - prev);
    out
}

fn grid_for(shape: &[usize], cuts: &[Vec<usize>]) -> ChunkGrid {
    let chunks = shape
        .iter()
        .enumerate()
        .map(|(k, &n)| split(n, cuts.get(k).map(Vec::as_slice).unwrap_or(&[])))
        .collect();
    ChunkGrid::new(shape, chunks).expect("split tiles its axis")
}

// ---------------------------------------------------------------------------------------------
// Operators.

#[derive(Clone, Debug)]
struct OpCase {
    dims: Vec<usize>,
    op: usize,
    axis: isize,
    kind: Kind,
    order: usize,
    edge: bool,
    sampling: f64,
    weight: f64,
    axes: Vec<isize>,
    cuts: Vec<Vec<usize>>,
    dtype: usize,
    seed: u64,
}

/// Samplings: ordinary ones and the ones the builders must reject in some scalar type.
fn sampling() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => prop_oneof![Just(1.0), Just(0.5), Just(-2.0), Just(0.3)],
        1 => prop_oneof![
            Just(0.0),
            Just(1e-46),
            Just(1e39),
            Just(1e-200),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(3e-20),
        ],
    ]
}

fn op_case() -> impl Strategy<Value = OpCase> {
    (1usize..=3)
        .prop_flat_map(|nd| {
            (
                proptest::collection::vec(length(), nd),
                0usize..12,
                -(nd as isize) - 1..=(nd as isize),
                prop_oneof![
                    Just(Kind::Centered),
                    Just(Kind::Forward),
                    Just(Kind::Backward)
                ],
                prop_oneof![Just(3usize), Just(5), Just(4)],
                any::<bool>(),
                sampling(),
                prop_oneof![Just(1.0), Just(-0.5), Just(0.0), Just(f64::NAN), Just(1e39)],
                proptest::collection::vec(-(nd as isize)..(nd as isize), 1..=3),
                proptest::collection::vec(proptest::collection::vec(0usize..8, 0..4), nd + 1),
                0usize..4,
                any::<u64>(),
            )
        })
        .prop_map(
            |(dims, op, axis, kind, order, edge, sampling, weight, axes, cuts, dtype, seed)| {
                OpCase {
                    dims,
                    op,
                    axis,
                    kind,
                    order,
                    edge,
                    sampling,
                    weight,
                    axes,
                    cuts,
                    dtype,
                    seed,
                }
            },
        )
}

const OP_NAMES: [&str; 12] = [
    "FirstDerivative",
    "SecondDerivative",
    "Laplacian",
    "Gradient",
    "FirstDirectionalDerivative",
    "SecondDirectionalDerivative",
    "Identity",
    "Identity (rectangular)",
    "Zero",
    "Diagonal",
    "Diagonal (along axis)",
    "MatrixMult",
];

/// A parameter in the scalar type.
fn sc<T: Scalar>(v: f64) -> T {
    <T as Scalar>::from_f64(v)
}

fn random_array<T: Scalar>(shape: &[usize], seed: u64) -> ArrayD<T> {
    let mut rng = Rng::new(seed);
    ArrayD::from_shape_simple_fn(IxDyn(shape), || {
        T::from_parts(
            <T::Real as Scalar>::from_f64(rng.normal()),
            <T::Real as Scalar>::from_f64(rng.normal()),
        )
    })
}

/// Builds the operator of a case (`Err` for a builder's typed error).
fn build<T: Scalar + ComplexField>(c: &OpCase) -> rylops::Result<BoxOp<T>> {
    let d = &c.dims;
    let nd = d.len();
    let s = c.sampling;
    Ok(match c.op {
        0 => Box::new(
            FirstDerivative::<T>::builder(d)
                .axis(c.axis)
                .kind(c.kind)
                .order(c.order)
                .edge(c.edge)
                .sampling(s)
                .build()?,
        ),
        1 => Box::new(
            SecondDerivative::<T>::builder(d)
                .axis(c.axis)
                .kind(c.kind)
                .edge(c.edge)
                .sampling(s)
                .build()?,
        ),
        2 => {
            let n = c.axes.len();
            let mut w = vec![1.0; n];
            w[0] = c.weight;
            let mut sm = vec![1.0; n];
            sm[n - 1] = s;
            Box::new(
                Laplacian::<T>::builder(d)
                    .axes(&c.axes)
                    .weights(&w)
                    .sampling(&sm)
                    .kind(c.kind)
                    .edge(c.edge)
                    .build()?,
            )
        }
        3 => Box::new(
            Gradient::<T>::builder(d)
                .sampling(s)
                .kind(c.kind)
                .edge(c.edge)
                .build()?,
        ),
        4 | 5 => {
            let v = if c.seed % 3 == 0 {
                let mut a = random_array::<T>(&[&[nd][..], d].concat(), c.seed);
                if c.weight.is_nan() {
                    if let Some(e) = a.iter_mut().next() {
                        *e = sc::<T>(f64::NAN);
                    }
                }
                Direction::PerPoint(a)
            } else {
                let mut g: Vec<T> = (0..nd).map(|k| sc::<T>(k as f64 - 0.5)).collect();
                g[0] = sc::<T>(c.weight);
                Direction::Global(g)
            };
            let sm = vec![s; nd];
            if c.op == 4 {
                Box::new(FirstDirectionalDerivative::new(d, v, &sm, c.edge, c.kind)?)
            } else {
                Box::new(SecondDirectionalDerivative::new(d, v, &sm, c.edge, c.kind)?)
            }
        }
        6 => Box::new(Identity::<T>::with_dims(d)?),
        7 => {
            let dd: Vec<usize> = d.iter().rev().copied().collect();
            Box::new(Identity::<T>::nm(&dd, d)?)
        }
        8 => Box::new(Zero::<T>::nm(&d[..nd - 1], d)?),
        9 => Box::new(Diagonal::new(random_array::<T>(d, c.seed))?),
        10 => {
            let len = d
                .get(c.axis.rem_euclid(nd as isize + 1) as usize)
                .copied()
                .unwrap_or(2);
            let diag: Vec<T> = (0..len).map(|i| sc::<T>(i as f64 - 1.5)).collect();
            Box::new(Diagonal::along_axis(&diag, d, c.axis)?)
        }
        _ => {
            let rows = d[0] + (c.seed % 3) as usize;
            let a = DMatrix::from_fn(rows, d[0], |i, j| sc::<T>((i + 2 * j) as f64 - 1.0));
            Box::new(MatrixMult::with_otherdims(a, &d[1..])?)
        }
    })
}

/// The dot test of `op` on a model chunked by `cuts`: `Ok(true)` if it passes, `Ok(false)` for a
/// typed error about the layout (e.g. the adjoint of a Gradient given a stacked array chunked
/// along its leading axis), `Err` otherwise.
fn dot<T: Scalar, O: LinearOperator<Scalar = T, Domain = ChunkedArray<T>>>(
    op: &O,
    cuts: &[Vec<usize>],
    seed: u64,
) -> std::result::Result<bool, String> {
    let grid = grid_for(&op.dims(), cuts);
    let rep = match dot_test_with(op, ChunkedArray::zeros(grid), seed, None) {
        Ok(r) => r,
        Err(Error::ChunkMismatch(_) | Error::InconsistentChunks(_)) => return Ok(false),
        Err(e) => return Err(e.to_string()),
    };
    if rep.passed {
        Ok(true)
    } else {
        Err(format!("dot test failed: {rep:?}"))
    }
}

/// A boxed operator on chunked arrays that may borrow.
type Op<'a, T> =
    Box<dyn LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>> + 'a>;

/// Compositions of `op` (all must build or give a typed error, and pass the dot test).
fn compositions<T: Scalar>(op: &BoxOp<T>) -> Vec<(&'static str, rylops::Result<Op<'_, T>>)> {
    let mut out: Vec<(&'static str, rylops::Result<Op<'_, T>>)> = vec![
        ("adjoint", Ok(Box::new(op.h()))),
        ("scaled", Ok(Box::new(op.scaled(sc::<T>(-1.5))))),
        ("sum", op.plus(op).map(|o| Box::new(o) as Op<'_, T>)),
        (
            "difference",
            op.minus(op.scaled(sc::<T>(0.5)))
                .map(|o| Box::new(o) as Op<'_, T>),
        ),
        (
            "normal A^H A",
            op.h().times(op).map(|o| Box::new(o) as Op<'_, T>),
        ),
        (
            "product A A^H",
            op.times(op.h()).map(|o| Box::new(o) as Op<'_, T>),
        ),
        (
            "vstack",
            VStack::new(vec![op, op]).map(|o| Box::new(Chunked(StackRange(o))) as Op<'_, T>),
        ),
    ];
    let _ = HStack::new(vec![op, op]); // built only: its domain is a Stack
    for k in 0..3 {
        let name = ["power 0", "power 1", "power 2"][k];
        out.push((name, op.pow(k as u32).map(|o| Box::new(o) as Op<'_, T>)));
    }
    out
}

/// A VStack seen through its normal operator `V^H V` (a square operator on chunked arrays, so it
/// fits a `BoxOp`): exercises the stacked forward and adjoint.
struct StackRange<'a, T: Scalar>(VStack<&'a BoxOp<T>>);

impl<T: Scalar> ChunkedOperator for StackRange<'_, T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.0.dims()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.0.dims()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> rylops::Result<()> {
        let t = self.0.forward(x)?;
        self.0.adjoint_into(&t, y)
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> rylops::Result<()> {
        self.forward_into(y, x)
    }
}

fn check_op<T: Scalar + ComplexField>(
    c: &OpCase,
    counts: &Counts,
) -> std::result::Result<(), TestCaseError> {
    let name = OP_NAMES[c.op];
    let built = match guarded(|| build::<T>(c)) {
        Err(p) => {
            return Err(TestCaseError::fail(format!(
                "{name} builder panicked: {p} ({c:?})"
            )))
        }
        Ok(Err(_)) => {
            counts.add("operator: typed error from the builder");
            return Ok(());
        }
        Ok(Ok(op)) => op,
    };
    counts.add("operator: built");
    // Extreme samplings may overflow compositions such as A^H A legitimately: compose the others.
    let moderate = c.sampling.abs() >= 1e-10 && c.sampling.abs() <= 1e10;
    let op = built;
    match guarded(|| dot(&op, &c.cuts, c.seed)) {
        Ok(Ok(true)) => counts.add("operator: dot test passed"),
        Ok(Ok(false)) => counts.add("operator: typed error for the layout"),
        Ok(Err(e)) => return Err(TestCaseError::fail(format!("{name}: {e} ({c:?})"))),
        Err(p) => return Err(TestCaseError::fail(format!("{name} panicked: {p} ({c:?})"))),
    }
    if !moderate {
        return Ok(());
    }
    let comps = match guarded(|| compositions(&op)) {
        Ok(v) => v,
        Err(p) => {
            return Err(TestCaseError::fail(format!(
                "composing {name} panicked: {p} ({c:?})"
            )))
        }
    };
    for (what, comp) in comps {
        let comp = match comp {
            Err(_) => {
                counts.add("composition: typed error");
                continue;
            }
            Ok(o) => o,
        };
        match guarded(|| dot(&comp, &c.cuts, c.seed ^ 77)) {
            Ok(Ok(true)) => counts.add("composition: dot test passed"),
            Ok(Ok(false)) => counts.add("composition: typed error for the layout"),
            Ok(Err(e)) => {
                return Err(TestCaseError::fail(format!(
                    "{what} of {name}: {e} ({c:?})"
                )))
            }
            Err(p) => {
                return Err(TestCaseError::fail(format!(
                    "{what} of {name} panicked: {p} ({c:?})"
                )))
            }
        }
    }
    // Wrongly shaped inputs: a typed error from every entry point, never a panic.
    // (More axes than the model and the data have.)
    let wrong =
        ChunkedArray::<T>::zeros_single(&vec![1; op.dims().len().max(op.dimsd().len()) + 1]);
    for (what, r) in [
        ("forward", guarded(|| op.forward(&wrong).map(|_| ()))),
        ("adjoint", guarded(|| op.adjoint(&wrong).map(|_| ()))),
        ("range_like", guarded(|| op.range_like(&wrong).map(|_| ()))),
    ] {
        match r {
            Ok(Err(_)) => counts.add("operator: typed error for a wrong shape"),
            Ok(Ok(())) => {
                return Err(TestCaseError::fail(format!(
                    "{name} {what} accepted a model of the wrong shape ({c:?})"
                )))
            }
            Err(p) => {
                return Err(TestCaseError::fail(format!(
                    "{name} {what} panicked on a wrong shape: {p} ({c:?})"
                )))
            }
        }
    }
    Ok(())
}

#[test]
fn operators_and_compositions_never_panic_and_pass_the_dot_test() {
    quiet_panics();
    let counts = Counts::default();
    let mut r = runner(384, 0x5eed_0013);
    // Two scalar types keep the compile time of this test reasonable: f32 is where samplings
    // round, and tests/derivative_props.rs covers the complex types.
    let res = r.run(&op_case(), |c| match c.dtype % 2 {
        0 => check_op::<f64>(&c, &counts),
        _ => check_op::<f32>(&c, &counts),
    });
    counts.report("hostile operators");
    if let Err(e) = res {
        let _ = writeln!(std::io::stderr(), "{e}");
        panic!("{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Overlap.

#[derive(Clone, Debug)]
struct OverlapCase {
    shape: Vec<usize>,
    cuts: Vec<Vec<usize>>,
    depth: Vec<(usize, usize)>,
    bnd: Vec<u8>,
    corners: bool,
    id: Vec<usize>,
}

/// Depths: small (smaller and larger than chunks) and extreme. Depths whose extended array fits
/// in `usize` but not in memory (such as `2^40` on a 1-d array) are exercised through
/// `overlap_grid`/`trim_internal` only, which allocate nothing for them; `overlap` itself gets
/// them combined with other axes so that the element count overflows (a typed error on any
/// machine, whatever its overcommit policy).
fn depth() -> impl Strategy<Value = usize> {
    prop_oneof![
        6 => 0usize..=4,
        1 => Just(9usize),
        1 => prop_oneof![
            Just(1usize << 40),
            Just(1usize << 62),
            Just(usize::MAX / 2 + 1),
            Just(usize::MAX - 1),
            Just(usize::MAX),
        ],
    ]
}

fn overlap_case() -> impl Strategy<Value = OverlapCase> {
    (0usize..=3)
        .prop_flat_map(|nd| {
            (
                proptest::collection::vec(length(), nd),
                proptest::collection::vec(proptest::collection::vec(0usize..8, 0..4), nd),
                proptest::collection::vec((depth(), depth()), nd),
                proptest::collection::vec(0u8..5, nd),
                any::<bool>(),
                proptest::collection::vec(0usize..4, nd),
            )
        })
        .prop_map(|(shape, cuts, depth, bnd, corners, id)| OverlapCase {
            shape,
            cuts,
            depth,
            bnd,
            corners,
            id,
        })
}

fn boundary(b: u8) -> Boundary<f64> {
    match b {
        0 => Boundary::None,
        1 => Boundary::Reflect,
        2 => Boundary::Periodic,
        3 => Boundary::Nearest,
        _ => Boundary::Constant(2.5),
    }
}

/// Whether `overlap` of this case could ask for an extended array that fits in `usize` but not in
/// this machine's memory (see [`depth`]).
fn huge_but_representable(c: &OverlapCase) -> bool {
    let mut total: Option<usize> = Some(1);
    let mut huge = false;
    for (k, &(b, a)) in c.depth.iter().enumerate() {
        let len = b.checked_add(a).and_then(|v| v.checked_add(c.shape[k]));
        huge |= b > 1 << 20 || a > 1 << 20;
        total = match (total, len) {
            (Some(t), Some(l)) => t.checked_mul(l.max(1)),
            _ => None,
        };
    }
    huge && total.is_some_and(|t| t.checked_mul(8).is_some_and(|b| b <= isize::MAX as usize))
}

fn check_overlap(c: &OverlapCase, counts: &Counts) -> std::result::Result<(), TestCaseError> {
    let grid = grid_for(&c.shape, &c.cuts);
    let mut rng = Rng::new(c.shape.iter().sum::<usize>() as u64);
    let mut x = ChunkedArray::<f64>::zeros(grid.clone());
    x.fill_random(&mut rng);
    let d = Depth::asymmetric(&c.depth);
    let b = Boundaries::per_axis(c.bnd.iter().map(|&v| boundary(v)).collect());
    let fail =
        |what: &str, p: String| Err(TestCaseError::fail(format!("{what} panicked: {p} ({c:?})")));
    let tally = |what: &'static str, ok: bool| {
        counts.add(if ok { what } else { "overlap: typed error" });
    };
    let g = match guarded(|| overlap_grid(&grid, &d, &b)) {
        Err(p) => return fail("overlap_grid", p),
        Ok(r) => r,
    };
    tally("overlap_grid: grid", g.is_ok());
    match guarded(|| trim_internal(&x, &d, &b)) {
        Err(p) => return fail("trim_internal", p),
        Ok(r) => tally("trim_internal: trimmed", r.is_ok()),
    }
    if huge_but_representable(c) {
        counts.add("overlap: skipped (representable but beyond memory)");
        return Ok(());
    }
    let e = match guarded(|| overlap(&x, &d, &b, c.corners)) {
        Err(p) => return fail("overlap", p),
        Ok(r) => r,
    };
    tally("overlap: extended", e.is_ok());
    if let Ok(e) = &e {
        prop_assert_eq!(
            Some(e.grid()),
            g.as_ref().ok(),
            "overlap_grid disagrees with overlap"
        );
        match guarded(|| trim_overlap(e, &grid, &d, &b)) {
            Err(p) => return fail("trim_overlap", p),
            Ok(r) => {
                prop_assert_eq!(r.as_ref().ok(), Some(&x), "trim_overlap is not the inverse");
                counts.add("trim_overlap: inverse checked");
            }
        }
        let m = guarded(|| map_overlap(&[&x], &d, &b, true, |v, _| v[0].to_owned()));
        match m {
            Err(p) => return fail("map_overlap", p),
            Ok(r) => {
                prop_assert_eq!(r.as_ref().ok(), Some(&x), "map_overlap of the identity");
                counts.add("map_overlap: identity checked");
            }
        }
    }
    match guarded(|| extended_block(&x, &c.id, &d, &b, c.corners)) {
        Err(p) => return fail("extended_block", p),
        Ok(r) => tally("extended_block: built", r.is_ok()),
    }
    Ok(())
}

#[test]
fn overlap_entry_points_never_panic_or_hang() {
    quiet_panics();
    let counts = Counts::default();
    let mut r = runner(512, 0x0f1a_0013);
    let res = r.run(&overlap_case(), |c| check_overlap(&c, &counts));
    counts.report("hostile overlap");
    if let Err(e) = res {
        let _ = writeln!(std::io::stderr(), "{e}");
        panic!("{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Grids and arrays.

#[test]
fn grids_and_arrays_with_overflowing_sizes_are_typed_errors() {
    quiet_panics();
    let counts = Counts::default();
    let big = [
        1usize << 31,
        1 << 32,
        1 << 40,
        1 << 62,
        usize::MAX / 2 + 1,
        usize::MAX,
    ];
    for &a in &big {
        for &b in &big {
            for shape in [vec![a, b], vec![a, 0, b], vec![a], vec![3, a, b]] {
                let g = guarded(|| ChunkGrid::try_single(&shape)).expect("try_single panicked");
                counts.add("ChunkGrid::try_single");
                // Three chunks per axis: a grid that exists is small whatever the shape.
                let chunk: Vec<usize> = shape.iter().map(|&n| n.div_ceil(3).max(1)).collect();
                let u = guarded(|| ChunkGrid::uniform(&shape, &chunk)).expect("uniform panicked");
                counts.add("ChunkGrid::uniform");
                assert_eq!(u.is_ok(), g.is_ok(), "{shape:?}");
                let n =
                    guarded(|| ChunkGrid::new(&shape, shape.iter().map(|&n| vec![n, n]).collect()))
                        .expect("new panicked");
                assert!(
                    n.is_err(),
                    "chunks summing to twice the axis accepted: {shape:?}"
                );
                counts.add("ChunkGrid::new");
                // Arrays that need more than isize::MAX bytes: an error, never an allocation (empty
                // ones are free). Representable sizes are left out: they may well be granted.
                let bytes = shape
                    .iter()
                    .try_fold(8usize, |acc, &n| acc.checked_mul(n))
                    .filter(|&b| b <= isize::MAX as usize);
                if let (Ok(g), false) = (g, bytes.is_some_and(|b| b > 0)) {
                    let z =
                        guarded(|| ChunkedArray::<f64>::try_zeros(g)).expect("try_zeros panicked");
                    counts.add("ChunkedArray::try_zeros");
                    assert_eq!(z.is_ok(), bytes == Some(0), "{shape:?}");
                }
            }
        }
    }
    // Too many chunks to list: an error, not "capacity overflow".
    assert!(ChunkGrid::uniform(&[1 << 62], &[1]).is_err());
    counts.report("hostile grids");
}

// ---------------------------------------------------------------------------------------------
// Regression tests, one per class.

#[test]
fn builders_reject_element_counts_that_overflow() {
    let huge = [1usize << 40, 1 << 40];
    assert!(matches!(
        FirstDerivative::<f64>::new(&huge),
        Err(Error::InvalidParameter { .. })
    ));
    assert!(SecondDerivative::<f64>::new(&huge).is_err());
    assert!(Laplacian::<f64>::builder(&huge).build().is_err());
    assert!(Gradient::<f64>::builder(&[1 << 31, 1 << 31])
        .build()
        .is_err()); // 2 * 2^62
    assert!(FirstDirectionalDerivative::<f64>::new(
        &huge,
        Direction::Global(vec![1.0, 0.0]),
        &[1.0, 1.0],
        false,
        Kind::Centered
    )
    .is_err());
    assert!(Identity::<f64>::with_dims(&[0, usize::MAX]).is_err());
}

#[test]
fn samplings_weights_and_directions_are_checked_in_the_scalar_type() {
    let bad = |r: rylops::Result<()>| matches!(r, Err(Error::InvalidParameter { .. }));
    let fd = |s| {
        FirstDerivative::<f32>::builder(&[5])
            .sampling(s)
            .build()
            .map(|_| ())
    };
    assert!(bad(fd(1e-46)), "zero in f32");
    assert!(bad(fd(1e39)), "infinite in f32");
    assert!(fd(1e-30).is_ok());
    assert!(FirstDerivative::<f64>::builder(&[5])
        .sampling(1e-46)
        .build()
        .is_ok());
    let sd = |s| {
        SecondDerivative::<f64>::builder(&[5])
            .sampling(s)
            .build()
            .map(|_| ())
    };
    assert!(bad(sd(1e-200)), "squared underflows in f64");
    assert!(bad(sd(1e200)), "squared overflows in f64");
    let lap = |w: f64, s: f64| {
        Laplacian::<f32>::builder(&[4, 4])
            .weights(&[w, 1.0])
            .sampling(&[1.0, s])
            .build()
            .map(|_| ())
    };
    assert!(bad(lap(f64::NAN, 1.0)));
    assert!(bad(lap(f64::INFINITY, 1.0)));
    assert!(bad(lap(1e39, 1.0)), "weight infinite in f32");
    assert!(bad(lap(1.0, 1e-20)), "squared sampling zero in f32");
    assert!(lap(0.0, 1e-10).is_ok());
    let dir = |v: Vec<f64>| {
        FirstDirectionalDerivative::<f64>::new(
            &[4, 4],
            Direction::Global(v),
            &[1.0, 1.0],
            false,
            Kind::Centered,
        )
        .map(|_| ())
    };
    assert!(bad(dir(vec![f64::NAN, 1.0])));
    assert!(bad(dir(vec![1.0, f64::NEG_INFINITY])));
    assert!(dir(vec![0.6, 0.8]).is_ok());
    let mut field = ArrayD::from_elem(IxDyn(&[2, 3, 3]), 1.0);
    field[[1, 2, 0]] = f64::NAN;
    assert!(bad(SecondDirectionalDerivative::new(
        &[3, 3],
        Direction::PerPoint(field),
        &[1.0, 1.0],
        false,
        Kind::Centered
    )
    .map(|_| ())));
}

#[test]
fn centered5_edge_on_lanes_of_length_3_has_a_true_adjoint() {
    for dims in [vec![3], vec![4, 3], vec![3, 5]] {
        for axis in [-1, 0] {
            let b = FirstDerivative::<f64>::builder(&dims)
                .axis(axis)
                .order(5)
                .edge(true)
                .sampling(0.7);
            let Ok(op) = b.clone().build() else { continue };
            for cuts in [vec![vec![], vec![]], vec![vec![1, 2], vec![1, 2, 3]]] {
                let grid = grid_for(&dims, &cuts);
                let rep = dot_test_with(&op, ChunkedArray::zeros(grid.clone()), 5, None).unwrap();
                assert!(rep.passed, "{dims:?} axis {axis}: {rep:?}");
            }
            // pylops' numbers under the compatibility switch: not an adjoint pair on length 3.
            let compat = b.pylops_adjoint(true).build().unwrap();
            let n = dims[(axis + dims.len() as isize) as usize % dims.len()];
            let rep = dot_test(&compat, 5).unwrap();
            assert_eq!(rep.passed, n != 3, "{dims:?} axis {axis}: {rep:?}");
            // The forward is pylops' either way.
            let x = ChunkedArray::random(ChunkGrid::single(&dims), 1);
            assert_eq!(op.forward(&x).unwrap(), compat.forward(&x).unwrap());
        }
    }
    // Spelled out on one lane: x0 = -(y0 + y1/2), x1 = y0 - y2, x2 = y1/2 + y2.
    let op = FirstDerivative::<f64>::builder(&[3])
        .order(5)
        .edge(true)
        .build()
        .unwrap();
    let y = ChunkedArray::from_array(ndarray::arr1(&[1.0, 2.0, 4.0]).into_dyn());
    let x = op.adjoint(&y).unwrap().to_array();
    assert_eq!(x.as_slice().unwrap(), &[-2.0, -3.0, 5.0]);
}

#[test]
fn power_zero_checks_shapes_like_other_powers() {
    let id = Identity::<f64>::with_dims(&[2, 3]).unwrap();
    let p0 = (&id).pow(0).unwrap();
    let p1 = (&id).pow(1).unwrap();
    for bad in [&[3usize, 2][..], &[6][..]] {
        let x = ChunkedArray::<f64>::zeros_single(bad);
        assert!(p1.forward(&x).is_err());
        assert!(
            matches!(p0.forward(&x), Err(Error::ShapeMismatch { .. })),
            "{bad:?}"
        );
        assert!(p0.adjoint(&x).is_err());
    }
    let x = ChunkedArray::<f64>::random(ChunkGrid::single(&[2, 3]), 3);
    assert_eq!(p0.forward(&x).unwrap(), x);
    let mut wrong_out = ChunkedArray::<f64>::zeros_single(&[3, 2]);
    assert!(matches!(
        p0.forward_into(&x, &mut wrong_out),
        Err(Error::ShapeMismatch { .. })
    ));
    let mut other_chunks =
        ChunkedArray::<f64>::zeros(ChunkGrid::uniform(&[2, 3], &[1, 3]).unwrap());
    assert!(matches!(
        p0.forward_into(&x, &mut other_chunks),
        Err(Error::ChunkMismatch(_))
    ));
}

/// An identity that counts its `range_like` calls.
struct Counting(AtomicUsize, Vec<usize>);

impl LinearMap for Counting {
    type Scalar = f64;
    type Domain = ChunkedArray<f64>;
    type Range = ChunkedArray<f64>;
    fn dims(&self) -> Vec<usize> {
        self.1.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.1.clone()
    }
    fn forward_into(&self, x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>) -> rylops::Result<()> {
        y.copy_from(x);
        Ok(())
    }
    fn range_like(&self, x: &ChunkedArray<f64>) -> rylops::Result<ChunkedArray<f64>> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(x.zeros_like())
    }
    fn zeros_domain(&self) -> ChunkedArray<f64> {
        ChunkedArray::zeros_single(&self.1)
    }
    fn zeros_range(&self) -> ChunkedArray<f64> {
        ChunkedArray::zeros_single(&self.1)
    }
}

impl LinearOperator for Counting {
    fn adjoint_into(&self, y: &ChunkedArray<f64>, x: &mut ChunkedArray<f64>) -> rylops::Result<()> {
        x.copy_from(y);
        Ok(())
    }
    fn domain_like(&self, y: &ChunkedArray<f64>) -> rylops::Result<ChunkedArray<f64>> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(y.zeros_like())
    }
}

#[test]
fn nested_products_make_each_work_vector_once() {
    // A product nested 1000 deep applies by recursion, 1000 frames deep: more than a test
    // thread's default 2 MiB stack in an unoptimised build, so it runs on a thread of its own.
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(nested_products)
        .unwrap()
        .join()
        .unwrap();
}

fn nested_products() {
    let leaf = std::sync::Arc::new(Counting(AtomicUsize::new(0), vec![8]));
    let depth = 1000;
    let mut op: BoxOp<f64> = Box::new(leaf.clone());
    for _ in 0..depth {
        // Right-nested: A (A (A ... leaf)).
        op = Box::new(Identity::<f64>::new(8).unwrap().times(op).unwrap());
    }
    let x = ChunkedArray::<f64>::random(ChunkGrid::single(&[8]), 1);
    assert_eq!(op.forward(&x).unwrap(), x);
    assert_eq!(op.adjoint(&x).unwrap(), x);
    // Linear: the leaf is asked for its layout a bounded number of times, not once per level.
    let calls = leaf.0.load(Ordering::Relaxed);
    assert!(
        calls <= 4,
        "leaf range_like/domain_like called {calls} times for depth {depth}"
    );
    assert!(dot_test(&op, 2).unwrap().passed);
}

#[test]
fn dot_test_tolerance_follows_the_scale_of_the_terms() {
    // A correct single-precision operator on 50,000 entries passes for every seed.
    let op = FirstDerivative::<f32>::builder(&[50_000])
        .edge(true)
        .build()
        .unwrap();
    let lap = Laplacian::<f32>::builder(&[250, 200]).build().unwrap();
    for seed in 0..8 {
        let r = dot_test(&op, seed).unwrap();
        assert!(r.passed, "{r:?}");
        let r = dot_test(&lap, seed).unwrap();
        assert!(r.passed, "{r:?}");
        assert!(r.rel_error <= <f32 as RealScalar>::DOT_TEST_RTOL);
    }
    // A wrong adjoint still fails.
    let bad = FirstDerivative::<f64>::builder(&[3])
        .order(5)
        .edge(true)
        .pylops_adjoint(true)
        .build()
        .unwrap();
    assert!(!dot_test(&bad, 0).unwrap().passed);
}

#[test]
fn blocks_written_through_views_keep_every_operator_working() {
    let grid = ChunkGrid::new(&[4, 6], vec![vec![1, 3], vec![2, 4]]).unwrap();
    let mut x = ChunkedArray::<f64>::zeros(grid);
    // Assigning a transposed (Fortran-order) array into a block copies values; the block stays
    // in C order.
    let t = ArrayD::from_shape_fn(IxDyn(&[4, 3]), |i| (i[0] * 3 + i[1]) as f64);
    x.block_mut(&[1, 1]).unwrap().assign(&t.t());
    for mut b in x.blocks_mut() {
        b.mapv_inplace(|v| v + 1.0);
    }
    let ops: Vec<BoxOp<f64>> = vec![
        Box::new(FirstDerivative::new(&[4, 6]).unwrap()),
        Box::new(Laplacian::builder(&[4, 6]).build().unwrap()),
        Box::new(Identity::with_dims(&[4, 6]).unwrap()),
        Box::new(Diagonal::along_axis(&[1.0, 2.0, 3.0, 4.0], &[4, 6], 0).unwrap()),
        Box::new(Identity::<f64>::with_dims(&[4, 6]).unwrap().pow(0).unwrap()),
    ];
    for op in &ops {
        let y = op.forward(&x).unwrap();
        let single = op
            .forward(&x.rechunk(ChunkGrid::single(&[4, 6])).unwrap())
            .unwrap();
        assert_eq!(y.to_array(), single.to_array());
    }
    assert_eq!(
        x.norm_sqr(),
        x.to_array().iter().map(|v| v * v).sum::<f64>()
    );
}
