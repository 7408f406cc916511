//! MPI tests: the test re-launches its own binary under `mpirun -n 1..=4 --oversubscribe` and, in every
//! child rank, checks the world size, every operator against the serial result bit for bit, the dot
//! tests, the halo exchange and its adjoint, the bytes sent, CG iterates against serial CG, and that
//! errors are typed and identical on every rank. Operators from user code (a 7-point stencil and a
//! block kernel with corners) run through the same paths.

use num_complex::Complex64;
use rylops_core::halo::gather_halos;
use rylops_core::ndarray::{ArrayD, IxDyn};
use rylops_core::stencil::{apply_op_chunked, StencilOperator};
use rylops_core::{
    dot_test, ChunkedArray, Error, LinearMap, LinearOperator, Result, Rng, Scalar, Vector,
};
use rylops_mpi::exchange::{exchange_halo, halo_bytes_sent, reset_halo_counters, scatter_add_halo};
use rylops_mpi::mpi::traits::Communicator;
use rylops_mpi::{
    Comm, DistArray, Distributed, DistributedKernel, HaloPlan, Layout, MpiScalar, Partition,
};
use rylops_operators::{
    Convolve1D, FirstDerivative, Gradient, Kind, Laplacian, SecondDerivative, Smoothing1D,
};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[path = "../../core/tests/support/seven_point.rs"]
mod seven_point;

const CHILD: &str = "RYLOPS_MPI_TEST_RANKS";
const TEST_NAME: &str = "under_mpirun_with_1_to_4_ranks";

#[test]
fn under_mpirun_with_1_to_4_ranks() {
    if let Ok(n) = std::env::var(CHILD) {
        child(n.parse().expect("rank count"));
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    for n in 1..=4 {
        let mut cmd = Command::new("mpirun");
        cmd.args(["-n", &n.to_string(), "--oversubscribe"])
            .arg(&exe)
            .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD, n.to_string())
            .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
            .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
            .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
            .env("RAYON_NUM_THREADS", "2");
        let mut c = cmd
            .spawn()
            .expect("mpirun must be installed to test the `mpi` feature (see docs/mpi.md)");
        // A hang guard, not a performance check: a deadlocked exchange would otherwise block CI
        // forever; a normal run takes seconds, so the limit is far from any real timing.
        let deadline = Instant::now() + Duration::from_secs(300);
        let status = loop {
            if let Some(s) = c.try_wait().expect("wait for mpirun") {
                break s;
            }
            if Instant::now() > deadline {
                let _ = c.kill();
                panic!("mpirun -n {n} did not finish in 300 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "mpirun -n {n}: {status}");
    }
}

/// Everything one rank checks.
struct Ctx {
    comm: Arc<Comm>,
    checks: usize,
}

impl Ctx {
    fn rank(&self) -> usize {
        self.comm.rank()
    }
    fn size(&self) -> usize {
        self.comm.size()
    }
}

fn child(expected: usize) {
    let (_universe, _threading) =
        rylops_mpi::mpi::initialize_with_threading(rylops_mpi::mpi::Threading::Funneled)
            .expect("MPI initialises once");
    let comm = Arc::new(Comm::world());
    assert_eq!(
        comm.size(),
        expected,
        "rank {} sees a world of {} ranks, {expected} were launched (an mpirun of another MPI?)",
        comm.rank(),
        comm.size()
    );
    assert_eq!(comm.raw().size() as usize, expected);
    let mut cx = Ctx {
        comm: comm.clone(),
        checks: 0,
    };
    // A failed check must end every rank at once (MPI_Abort): unwinding would reach MPI_Finalize
    // while the other ranks wait in a collective.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        operators_equal_serial(&mut cx);
        complex_operators_equal_serial(&mut cx);
        user_stencil_equals_serial(&mut cx);
        user_kernel_equals_serial(&mut cx);
        convolve_equals_serial(&mut cx);
        halo_exchange_and_adjoint(&mut cx);
        bytes_sent_equal_halo(&mut cx);
        cg_matches_serial(&mut cx);
        lsqr_matches_serial(&mut cx);
        errors_are_collective(&mut cx);
        scatter_gather(&mut cx);
    }));
    if outcome.is_err() {
        eprintln!("rank {}: a check failed, aborting every rank", comm.rank());
        comm.raw().abort(1);
    }
    println!(
        "rank {}/{}: {} checks passed",
        cx.rank(),
        cx.size(),
        cx.checks
    );
}

/// Partitions of `shape` over `p` ranks: slabs on every axis, pencils, blocks, uneven ones and ranks
/// thinner than the widest stencil.
fn partitions(shape: &[usize], p: usize) -> Vec<Partition> {
    let nd = shape.len();
    let mut v = Vec::new();
    for ax in 0..nd {
        v.push(Partition::slabs(shape, p, ax).unwrap());
    }
    if nd >= 2 {
        v.push(Partition::auto(shape, p, &[0, nd - 1]).unwrap());
    }
    if nd >= 3 {
        v.push(Partition::auto(shape, p, &[0, 1, 2]).unwrap());
    }
    // uneven, with ranks of a single row (thinner than centered-5's halo of 2)
    let mut sizes: Vec<Vec<usize>> = shape.iter().map(|&n| vec![n]).collect();
    if p > 1 {
        let mut s = vec![1; p - 1];
        s.push(shape[0] - (p - 1));
        sizes[0] = s;
        v.push(Partition::new(shape, sizes.clone()).unwrap());
        let mut s = vec![1; p - 1];
        s.insert(0, shape[nd - 1] - (p - 1));
        let mut sizes: Vec<Vec<usize>> = shape.iter().map(|&n| vec![n]).collect();
        sizes[nd - 1] = s;
        v.push(Partition::new(shape, sizes).unwrap());
    }
    if p == 4 && nd >= 2 {
        // 2 x 2 with uneven splits on both axes
        let mut sizes: Vec<Vec<usize>> = shape.iter().map(|&n| vec![n]).collect();
        sizes[0] = vec![1, shape[0] - 1];
        sizes[1] = vec![shape[1] - 2, 2];
        v.push(Partition::new(shape, sizes).unwrap());
    }
    v
}

fn random_global<T: Scalar>(shape: &[usize], seed: u64) -> ArrayD<T> {
    let mut a = ChunkedArray::<T>::zeros_single(shape);
    a.fill_random(&mut Rng::new(seed));
    a.into_array()
}

/// `Distributed(op)` forward and adjoint equal `op` bit for bit; the dot test passes.
fn check_op<O>(cx: &mut Ctx, layout: &Layout, op: O, what: &str)
where
    O: StencilOperator
        + std::fmt::Debug
        + Clone
        + LinearOperator<
            Scalar = <O as StencilOperator>::Elem,
            Domain = ChunkedArray<<O as StencilOperator>::Elem>,
            Range = ChunkedArray<<O as StencilOperator>::Elem>,
        >,
    <O as StencilOperator>::Elem: MpiScalar,
    Distributed<O>: LinearOperator<
        Scalar = <O as StencilOperator>::Elem,
        Domain = DistArray<<O as StencilOperator>::Elem>,
        Range = DistArray<<O as StencilOperator>::Elem>,
    >,
{
    let d = Distributed::new(op.clone(), layout).unwrap();
    let xg = random_global::<<O as StencilOperator>::Elem>(&op.dims(), 11);
    let yg = random_global::<<O as StencilOperator>::Elem>(&op.dimsd(), 12);
    let serial_f = op.forward(&ChunkedArray::from_array(xg.clone())).unwrap();
    let serial_a = op.adjoint(&ChunkedArray::from_array(yg.clone())).unwrap();
    let x = DistArray::from_global(layout, xg.view()).unwrap();
    let y = DistArray::from_global(d.range_layout(), yg.view()).unwrap();
    let f = d.forward(&x).unwrap().to_global();
    let a = d.adjoint(&y).unwrap().to_global();
    let desc = layout.partition().describe();
    assert!(
        f == serial_f.to_array(),
        "rank {}: forward of {what} differs from serial on {desc}",
        cx.rank()
    );
    assert!(
        a == serial_a.to_array(),
        "rank {}: adjoint of {what} differs from serial on {desc}",
        cx.rank()
    );
    let r = dot_test(&d, 5).unwrap();
    assert!(r.passed, "dot test of {what} on {desc}: {r:?}");
    cx.checks += 3;
}

fn operators_equal_serial(cx: &mut Ctx) {
    let p = cx.size();
    let forms = [
        (Kind::Centered, 3),
        (Kind::Centered, 5),
        (Kind::Forward, 3),
        (Kind::Backward, 3),
    ];
    for shape in [vec![7usize, 6, 5], vec![9, 6]] {
        let nd = shape.len();
        for part in partitions(&shape, p) {
            let layout = Layout::new(cx.comm.clone(), part).unwrap();
            for ax in 0..nd {
                for &(kind, order) in &forms {
                    for edge in [false, true] {
                        let op = FirstDerivative::<f64>::builder(&shape)
                            .axis(ax as isize)
                            .kind(kind)
                            .order(order)
                            .edge(edge)
                            .sampling(0.7)
                            .build()
                            .unwrap();
                        check_op(cx, &layout, op, "FirstDerivative");
                    }
                }
                for kind in [Kind::Centered, Kind::Forward, Kind::Backward] {
                    for edge in [false, true] {
                        let op = SecondDerivative::<f64>::builder(&shape)
                            .axis(ax as isize)
                            .kind(kind)
                            .edge(edge)
                            .sampling(1.3)
                            .build()
                            .unwrap();
                        check_op(cx, &layout, op, "SecondDerivative");
                    }
                }
            }
            for kind in [Kind::Centered, Kind::Forward, Kind::Backward] {
                for edge in [false, true] {
                    let axes: Vec<isize> = (0..nd as isize).collect();
                    let w: Vec<f64> = (0..nd).map(|k| 1.0 + 0.5 * k as f64).collect();
                    let s: Vec<f64> = (0..nd).map(|k| 0.9 + 0.2 * k as f64).collect();
                    let lap = Laplacian::<f64>::builder(&shape)
                        .axes(&axes)
                        .weights(&w)
                        .sampling(&s)
                        .kind(kind)
                        .edge(edge)
                        .build()
                        .unwrap();
                    check_op(cx, &layout, lap, "Laplacian");
                    let g = Gradient::<f64>::builder(&shape)
                        .sampling_per_axis(&s)
                        .kind(kind)
                        .edge(edge)
                        .build()
                        .unwrap();
                    check_op(cx, &layout, g, "Gradient");
                }
            }
            // a Laplacian on a subset of the axes, in reverse order, with a repeated axis
            let lap = Laplacian::<f64>::builder(&shape)
                .axes(&[-1, 0, -1])
                .weights(&[2.0, -1.0, 0.5])
                .sampling(&[1.0, 0.5, 2.0])
                .build()
                .unwrap();
            check_op(cx, &layout, lap, "Laplacian(-1, 0, -1)");
        }
    }
}

fn complex_operators_equal_serial(cx: &mut Ctx) {
    let shape = [6usize, 5, 4];
    for part in partitions(&shape, cx.size()) {
        let layout = Layout::new(cx.comm.clone(), part).unwrap();
        let op = FirstDerivative::<Complex64>::builder(&shape)
            .axis(0)
            .order(5)
            .edge(true)
            .build()
            .unwrap();
        check_op(cx, &layout, op, "complex FirstDerivative");
        let lap = Laplacian::<Complex64>::builder(&shape)
            .axes(&[0, 1, 2])
            .weights(&[1.0, 2.0, 3.0])
            .sampling(&[1.0, 1.0, 0.5])
            .edge(true)
            .build()
            .unwrap();
        check_op(cx, &layout, lap, "complex Laplacian");
        let g = Gradient::<Complex64>::builder(&shape).build().unwrap();
        check_op(cx, &layout, g, "complex Gradient");
    }
}

/// A stencil operator written outside the library (a 7-point second derivative, `core/tests/support`)
/// runs on ranks through `Distributed`, with no line for it in `rylops-mpi`, bit for bit as on one
/// chunk, including partitions whose ranks are thinner than its reach of 3.
fn user_stencil_equals_serial(cx: &mut Ctx) {
    use seven_point::SixthOrderSecondDerivative;
    for shape in [vec![13usize, 5], vec![6, 4, 11]] {
        for part in partitions(&shape, cx.size()) {
            let layout = Layout::new(cx.comm.clone(), part).unwrap();
            let desc = layout.partition().describe();
            for axis in 0..shape.len() {
                let op = SixthOrderSecondDerivative::new(&shape, axis, 0.7).unwrap();
                let d = Distributed::new(op.clone(), &layout).unwrap();
                let xg = random_global::<f64>(&shape, 21);
                let x = DistArray::from_global(&layout, xg.view()).unwrap();
                for adjoint in [false, true] {
                    let mut serial = ChunkedArray::zeros_single(&shape);
                    let one = ChunkedArray::from_array(xg.clone());
                    apply_op_chunked(&op, adjoint, &one, &mut serial).unwrap();
                    let got = if adjoint {
                        d.adjoint(&x)
                    } else {
                        d.forward(&x)
                    };
                    assert!(
                        got.unwrap().to_global() == serial.to_array(),
                        "rank {}: user stencil (adjoint {adjoint}) on axis {axis} differs on {desc}",
                        cx.rank()
                    );
                }
                let r = dot_test(&d, 5).unwrap();
                assert!(r.passed, "dot test of the user stencil on {desc}: {r:?}");
                cx.checks += 3;
            }
        }
    }
}

/// A user's block kernel (a 2-D filter of reach (2, 0) x (1, 2), corners included, complex taps)
/// on ranks through `DistributedKernel`, bit for bit as on one chunk, on partitions whose ranks are
/// thinner than the reach; the dot test passes.
fn user_kernel_equals_serial(cx: &mut Ctx) {
    use rylops_core::BlockKernel;
    let c = |a: isize, b: isize| Complex64::new((3 * a + b) as f64 + 0.5, (a * b) as f64 - 1.0);
    let shape = [9usize, 7];
    let op = BlockKernel::<Complex64>::new(
        &shape,
        &[(2, 0), (1, 2)],
        move |w, y| {
            for (i, v) in y.indexed_iter_mut() {
                let mut s = Complex64::new(0.0, 0.0);
                for a in -2..=0 {
                    for b in -1..=2 {
                        s += c(a, b) * w.at(&i, &[a, b]);
                    }
                }
                *v = s;
            }
            Ok(())
        },
        move |w, x| {
            for (i, v) in x.indexed_iter_mut() {
                let mut s = Complex64::new(0.0, 0.0);
                for a in -2..=0 {
                    for b in -1..=2 {
                        s += c(a, b).conj() * w.at(&i, &[-a, -b]);
                    }
                }
                *v = s;
            }
            Ok(())
        },
    )
    .unwrap();
    let xg = random_global::<Complex64>(&shape, 31);
    check_kernel(cx, &op, &xg, "user kernel");
}

/// `DistributedKernel(op)` equals `op` bit for bit, forward and adjoint, on every partition of
/// `xg`'s shape; the dot test passes.
fn check_kernel<T: MpiScalar>(
    cx: &mut Ctx,
    op: &rylops_core::Chunked<rylops_core::BlockKernel<T>>,
    xg: &ArrayD<T>,
    what: &str,
) {
    let serial_f = op
        .forward(&ChunkedArray::from_array(xg.clone()))
        .unwrap()
        .to_array();
    let serial_a = op
        .adjoint(&ChunkedArray::from_array(xg.clone()))
        .unwrap()
        .to_array();
    for part in partitions(xg.shape(), cx.size()) {
        let layout = Layout::new(cx.comm.clone(), part).unwrap();
        let desc = layout.partition().describe();
        let d = DistributedKernel::new(op.clone(), &layout).unwrap();
        let x = DistArray::from_global(&layout, xg.view()).unwrap();
        assert!(
            d.forward(&x).unwrap().to_global() == serial_f
                && d.adjoint(&x).unwrap().to_global() == serial_a,
            "rank {}: {what} differs from serial on {desc}",
            cx.rank()
        );
        let r = dot_test(&d, 5).unwrap();
        assert!(r.passed, "dot test of {what} on {desc}: {r:?}");
        cx.checks += 3;
    }
}

/// `Convolve1D` (a stencil with user taps, no line for it in `rylops-mpi`) runs on ranks bit for
/// bit as in one process, including filters reaching further than a rank is thick and further than
/// the derivatives' stencils (11 rows).
fn convolve_equals_serial(cx: &mut Ctx) {
    let h: Vec<f64> = (0..12).map(|k| 0.25 + 0.125 * k as f64).collect();
    for shape in [vec![13usize, 5], vec![6, 4, 11]] {
        for part in partitions(&shape, cx.size()) {
            let layout = Layout::new(cx.comm.clone(), part).unwrap();
            for axis in 0..shape.len() {
                let n = shape[axis];
                // filters no longer than the axis (a longer one is Convolve1DLong's, 1-D only)
                let forms = [(3, 1), (4, 0), (n.min(12), 0), (5, 4), (2, -3)];
                for (nh, offset) in forms.into_iter().filter(|&(nh, _)| nh <= n) {
                    let op = Convolve1D::new(&shape, &h[..nh], offset, axis as isize).unwrap();
                    check_op(cx, &layout, op, "Convolve1D");
                }
                let s = Smoothing1D::new::<Complex64>(3, &shape, axis as isize).unwrap();
                check_op(cx, &layout, s, "complex Smoothing1D");
            }
        }
        // ConvolveND is a BlockKernel: on ranks through DistributedKernel, corners included
        let nd = shape.len();
        let h = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |k| 0.5 + (k[0] * 4 + k[1]) as f64 / 8.0);
        let c = rylops_operators::ConvolveND::<f64>::builder(&shape, h)
            .axes(&[0, nd as isize - 1])
            .offset(&[1, 2])
            .build()
            .unwrap();
        let xg = random_global::<f64>(&shape, 41);
        check_kernel(cx, c.block_kernel(), &xg, "ConvolveND");
    }
}

/// The MPI exchange fills the same slabs as the in-process halo, and scatter-add is its adjoint.
fn halo_exchange_and_adjoint(cx: &mut Ctx) {
    let shape = [7usize, 5, 4];
    for part in partitions(&shape, cx.size()) {
        let layout = Layout::new(cx.comm.clone(), part.clone()).unwrap();
        let xg = random_global::<f64>(&shape, 3);
        let serial = ChunkedArray::from_array_grid(xg.view(), part.grid().clone()).unwrap();
        let x = DistArray::from_global(&layout, xg.view()).unwrap();
        for axis in 0..3 {
            for depth in [(1, 1), (2, 2), (0, 1), (3, 1)] {
                let plan = HaloPlan::new(part.grid(), cx.rank(), axis, |_, _, _| depth);
                let h = exchange_halo(&x, &plan).unwrap();
                let want = gather_halos(&serial, axis, |_, _, _| depth).unwrap();
                assert_eq!(h, want.blocks[cx.rank()], "halo on axis {axis} {depth:?}");
                // adjoint: <G x, v> == <x, G^T v> with random slabs v
                let mut rng = Rng::new(77 + cx.rank() as u64);
                let mut v = h.clone();
                v.before.iter_mut().for_each(|e| *e = rng.normal());
                v.after.iter_mut().for_each(|e| *e = rng.normal());
                let local: f64 = h
                    .before
                    .iter()
                    .zip(&v.before)
                    .map(|(a, b)| a * b)
                    .sum::<f64>()
                    + h.after
                        .iter()
                        .zip(&v.after)
                        .map(|(a, b)| a * b)
                        .sum::<f64>();
                let lhs = cx.comm.sum_in_rank_order(local);
                let mut back = DistArray::<f64>::zeros(&layout);
                scatter_add_halo(&v, &plan, &mut back).unwrap();
                let rhs = x.dot(&back);
                assert!(
                    (lhs - rhs).abs() <= 1e-12 * lhs.abs().max(1.0),
                    "halo dot test {lhs} vs {rhs}"
                );
                // and it matches the in-process scatter-add bit for bit
                let all = gather_all_halos(cx, &v, &part, axis);
                let mut sback = ChunkedArray::zeros(part.grid().clone());
                rylops_core::halo::scatter_add_halos(&all, &mut sback).unwrap();
                assert!(back.to_global() == sback.to_array());
                cx.checks += 3;
            }
        }
    }
}

/// Every rank's slabs, gathered on every rank (to run the in-process adjoint for comparison).
fn gather_all_halos(
    cx: &Ctx,
    v: &rylops_core::halo::BlockHalo<f64>,
    part: &Partition,
    axis: usize,
) -> rylops_core::halo::Halos<f64> {
    let mut blocks = Vec::new();
    for r in 0..cx.size() {
        let mut b = Vec::new();
        for slab in [&v.before, &v.after] {
            let bytes: Vec<u8> = slab.iter().flat_map(|e| e.to_le_bytes()).collect();
            let all = cx.comm.all_gather_bytes(&bytes);
            let vals: Vec<f64> = all[r]
                .chunks(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
                .collect();
            b.push(vals);
        }
        let mut shape = part.local_shape(r);
        let other: usize = shape
            .iter()
            .enumerate()
            .filter(|(k, _)| *k != axis)
            .map(|(_, v)| *v)
            .product();
        let rows = |len: usize| len.checked_div(other).unwrap_or(0);
        let (rb, ra) = (rows(b[0].len()), rows(b[1].len()));
        shape[axis] = rb;
        let before = ArrayD::from_shape_vec(IxDyn(&shape), b[0].clone()).unwrap();
        shape[axis] = ra;
        let after = ArrayD::from_shape_vec(IxDyn(&shape), b[1].clone()).unwrap();
        blocks.push(rylops_core::halo::BlockHalo { before, after });
    }
    rylops_core::halo::Halos { axis, blocks }
}

/// Bytes each rank sends per matvec equal its halo messages, and all ranks together send exactly the
/// halo slabs they receive.
fn bytes_sent_equal_halo(cx: &mut Ctx) {
    let shape = [8usize, 6, 5];
    for part in partitions(&shape, cx.size()) {
        let layout = Layout::new(cx.comm.clone(), part).unwrap();
        let x = DistArray::<f64>::from_global_fn(&layout, |g| g[0] as f64);
        let fd = FirstDerivative::<f64>::builder(&shape)
            .axis(0)
            .build()
            .unwrap();
        let lap = Laplacian::<f64>::builder(&shape)
            .axes(&[0, 1, 2])
            .weights(&[1.0; 3])
            .sampling(&[1.0; 3])
            .build()
            .unwrap();
        let d1 = Distributed::new(fd, &layout).unwrap();
        let d2 = Distributed::new(lap, &layout).unwrap();
        for (plans, bytes, run) in [
            (
                d1.plans(false).to_vec(),
                d1.halo_bytes(false),
                Box::new(|| {
                    d1.forward(&x).unwrap();
                }) as Box<dyn Fn()>,
            ),
            (
                d2.plans(false).to_vec(),
                d2.halo_bytes(false),
                Box::new(|| {
                    d2.forward(&x).unwrap();
                }),
            ),
        ] {
            reset_halo_counters();
            run();
            assert_eq!(halo_bytes_sent() as usize, bytes);
            let recv: usize = plans.iter().flatten().map(|p| p.recv_elems() * 8).sum();
            let sent_all = cx.comm.sum_in_rank_order(bytes as f64);
            let recv_all = cx.comm.sum_in_rank_order(recv as f64);
            assert_eq!(sent_all, recv_all);
            cx.checks += 2;
        }
    }
}

/// `A = L^H L + I`: symmetric positive definite for any operator `L`, on any vector type; forward
/// only (CG needs no more).
struct Normal<O>(O);

impl<O: LinearOperator> LinearMap for Normal<O>
where
    O::Domain: Vector<O::Scalar>,
{
    type Scalar = O::Scalar;
    type Domain = O::Domain;
    type Range = O::Domain;
    fn dims(&self) -> Vec<usize> {
        self.0.dims()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.0.dims()
    }
    fn forward_into(&self, x: &O::Domain, y: &mut O::Domain) -> Result<()> {
        let t = self.0.forward(x)?;
        self.0.adjoint_into(&t, y)?;
        y.add_assign(x);
        Ok(())
    }
    fn range_like(&self, x: &O::Domain) -> Result<O::Domain> {
        Ok(x.zeros_like())
    }
    fn zeros_domain(&self) -> O::Domain {
        self.0.zeros_domain()
    }
    fn zeros_range(&self) -> O::Domain {
        self.0.zeros_domain()
    }
}

/// rylops-solvers' CG (pylops-compatible, tol = 0 so exactly `niter` iterations), returning every
/// iterate through the callback.
fn cg<O: LinearMap<Range = <O as LinearMap>::Domain>>(
    a: &O,
    b: &O::Domain,
    niter: usize,
) -> Vec<O::Domain> {
    let mut out = Vec::new();
    let p = rylops_solvers::CgParams::default().niter(niter).tol(0.0);
    rylops_solvers::cg_with(a, b, &p, |i| {
        out.push(i.x.clone());
        rylops_solvers::Control::Continue
    })
    .unwrap();
    out
}

/// rylops-solvers' LSQR on a non-square problem, returning every iterate.
fn lsqr_iterates<O: LinearOperator>(a: &O, y: &O::Range, niter: usize) -> Vec<O::Domain> {
    let mut out = Vec::new();
    let p = rylops_solvers::LsqrParams::default()
        .niter(niter)
        .damp(0.1)
        .atol(0.0)
        .btol(0.0);
    rylops_solvers::lsqr_with(a, y, &p, |i| {
        out.push(i.x.clone());
        rylops_solvers::Control::Continue
    })
    .unwrap();
    out
}

fn lsqr_matches_serial(cx: &mut Ctx) {
    let shape = [9usize, 8, 7];
    let fd = FirstDerivative::<f64>::builder(&shape)
        .axis(1)
        .edge(true)
        .build()
        .unwrap();
    let yg = random_global::<f64>(&shape, 33);
    let serial = lsqr_iterates(&fd, &ChunkedArray::from_array(yg.clone()), 12);
    for part in partitions(&shape, cx.size()) {
        let layout = Layout::new(cx.comm.clone(), part).unwrap();
        let d = Distributed::new(fd.clone(), &layout).unwrap();
        let y = DistArray::from_global(&layout, yg.view()).unwrap();
        let iters = lsqr_iterates(&d, &y, 12);
        assert_eq!(iters.len(), serial.len());
        for (k, (xd, xs)) in iters.iter().zip(&serial).enumerate() {
            let xd = xd.to_global();
            let xs = xs.to_array();
            let diff = (&xd - &xs).iter().map(|v| v * v).sum::<f64>().sqrt();
            let norm = xs.iter().map(|v| v * v).sum::<f64>().sqrt();
            assert!(
                diff <= 1e-12 * norm,
                "LSQR iterate {k}: relative difference {} on {}",
                diff / norm,
                layout.partition().describe()
            );
        }
        cx.checks += 1;
    }
}

fn cg_matches_serial(cx: &mut Ctx) {
    let shape = [9usize, 8, 7];
    let lap = Laplacian::<f64>::builder(&shape)
        .axes(&[0, 1, 2])
        .weights(&[1.0; 3])
        .sampling(&[1.0; 3])
        .edge(true)
        .build()
        .unwrap();
    let bg = random_global::<f64>(&shape, 21);
    let serial = cg(
        &Normal(lap.clone()),
        &ChunkedArray::from_array(bg.clone()),
        15,
    );
    for part in partitions(&shape, cx.size()) {
        let layout = Layout::new(cx.comm.clone(), part).unwrap();
        let d = Distributed::new(lap.clone(), &layout).unwrap();
        let b = DistArray::from_global(&layout, bg.view()).unwrap();
        let iters = cg(&Normal(d), &b, 15);
        for (k, (xd, xs)) in iters.iter().zip(&serial).enumerate() {
            let xd = xd.to_global();
            let xs = xs.to_array();
            let diff = (&xd - &xs).iter().map(|v| v * v).sum::<f64>().sqrt();
            let norm = xs.iter().map(|v| v * v).sum::<f64>().sqrt();
            assert!(
                diff <= 1e-12 * norm,
                "CG iterate {k}: relative difference {} on {}",
                diff / norm,
                layout.partition().describe()
            );
        }
        cx.checks += 1;
    }
}

/// The error's text, checked to be the same on every rank.
fn same_everywhere(cx: &Ctx, e: &Error) {
    let s = e.to_string();
    let all = cx.comm.all_gather_bytes(s.as_bytes());
    for (r, t) in all.iter().enumerate() {
        assert_eq!(
            t.as_slice(),
            s.as_bytes(),
            "rank {} and rank {r} got different errors",
            cx.rank()
        );
    }
}

fn errors_are_collective(cx: &mut Ctx) {
    let p = cx.size();
    let shape = [6usize, 5];
    // a partition for another number of ranks
    let e = Layout::new(cx.comm.clone(), Partition::slabs(&shape, p + 1, 0).unwrap()).unwrap_err();
    assert!(matches!(e, Error::InconsistentChunks(_)), "{e}");
    same_everywhere(cx, &e);
    let layout = Layout::new(cx.comm.clone(), Partition::slabs(&shape, p, 0).unwrap()).unwrap();
    // a global shape that does not match on the last rank only
    let bad = if cx.rank() == p - 1 {
        vec![6, 4]
    } else {
        vec![6, 5]
    };
    let g = ArrayD::<f64>::zeros(IxDyn(&bad));
    let e = DistArray::from_global(&layout, g.view()).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    same_everywhere(cx, &e);
    // a local block of the wrong shape on rank 0 only
    let mut ls = layout.local_shape();
    if cx.rank() == 0 {
        ls[1] += 1;
    }
    let e = DistArray::<f64>::from_local(&layout, ChunkedArray::zeros_single(&ls)).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    same_everywhere(cx, &e);
    // an operator whose shape is not the partition's
    let e = Distributed::new(FirstDerivative::<f64>::new(&[6, 6]).unwrap(), &layout).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
    same_everywhere(cx, &e);
    // an array on another layout
    let other = Layout::new(cx.comm.clone(), Partition::auto(&shape, p, &[1]).unwrap()).unwrap();
    let d = Distributed::new(FirstDerivative::<f64>::new(&shape).unwrap(), &layout).unwrap();
    if p > 1 {
        let e = d.forward(&DistArray::zeros(&other)).unwrap_err();
        assert!(matches!(e, Error::ChunkMismatch(_)), "{e}");
        same_everywhere(cx, &e);
    }
    cx.checks += 5;
    if p == 1 {
        return;
    }
    // ranks disagreeing on the partition
    let part = if cx.rank() == 1 {
        Partition::new(&shape, {
            let mut s = vec![vec![1; p - 1], vec![5]];
            s[0].push(6 - (p - 1));
            s
        })
        .unwrap()
    } else {
        Partition::slabs(&shape, p, 0).unwrap()
    };
    assert_eq!(part == *layout.partition(), cx.rank() != 1);
    let e = Layout::new(cx.comm.clone(), part).unwrap_err();
    assert!(matches!(e, Error::InconsistentChunks(_)), "{e}");
    assert!(e.to_string().contains("rank 1"), "{e}");
    same_everywhere(cx, &e);
    // ranks disagreeing on an operator's parameters
    let s = if cx.rank() == p - 1 { 2.0 } else { 1.0 };
    let op = FirstDerivative::<f64>::builder(&shape)
        .axis(0)
        .sampling(s)
        .build()
        .unwrap();
    let e = Distributed::new(op, &layout).unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { .. }), "{e}");
    same_everywhere(cx, &e);
    let e = Distributed::new(
        Laplacian::<f64>::builder(&shape)
            .edge(cx.rank() == 0)
            .build()
            .unwrap(),
        &layout,
    )
    .unwrap_err();
    assert!(matches!(e, Error::InvalidParameter { .. }), "{e}");
    same_everywhere(cx, &e);
    cx.checks += 3;
}

fn scatter_gather(cx: &mut Ctx) {
    let shape = [7usize, 5, 4];
    for part in partitions(&shape, cx.size()) {
        let layout = Layout::new(cx.comm.clone(), part).unwrap();
        let root = cx.size() - 1;
        let g = random_global::<f64>(&shape, 9);
        let x = DistArray::scatter(&layout, root, (cx.rank() == root).then(|| g.view())).unwrap();
        assert!(x.to_global() == g);
        let back = x.gather(0);
        assert_eq!(back.is_some(), cx.rank() == 0);
        if let Some(b) = back {
            assert!(b == g);
        }
        // scatter without the array on the root: the same error everywhere
        let e = DistArray::<f64>::scatter(&layout, root, None).unwrap_err();
        same_everywhere(cx, &e);
        // random vectors do not depend on the partition
        let mut r = DistArray::<f64>::zeros(&layout);
        r.fill_random(&mut Rng::new(9));
        assert!(r.to_global() == g);
        assert!(x.all_finite());
        let _: <f64 as MpiScalar>::MpiReal = 0.0;
        cx.checks += 4;
    }
}
