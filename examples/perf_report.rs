//! Performance report: every case of the perf table against two memory copies of the same size (a
//! plain parallel copy and the same copy with streaming stores), measured in the same run.
//!
//! Run: `cargo run --release --example perf_report [-- --json] [--quick] [--reps N]`
//!
//! For every case and direction the report interleaves, `reps` times (at least 5), one parallel copy of
//! the case's input (same number of elements, same type), one parallel copy with streaming
//! (non-temporal) stores, and one call of the operator through the public API (`forward_into` /
//! `adjoint_into` into preallocated outputs), and prints the medians:
//! - `median_s`: median seconds of the operator call;
//! - `gbps`: bytes moved / `median_s`, counting one read of every input element and one write of every
//!   output element (16 bytes per f64 element of a square operator, 32 per complex128);
//! - `copy_gbps`: the plain copy's bandwidth counted the same way (16 bytes per f64 element). It
//!   writes with ordinary stores, so memory also reads every destination line first (write-allocate);
//! - `stream_gbps`: the faster of two copies that do not: the same parallel copy with streaming
//!   stores, and one `memcpy` of the whole array on one thread (glibc's large-copy path);
//! - `fraction`, `fraction_stream`: `gbps` over each;
//! - `bytes_per_elem` (`B/el`): the bytes counted per element of the case's shape (what `gbps`
//!   counts; the hardware's own count is not readable here: no memory-traffic counters in a VM).
//!
//! Chunked rows also time the same operator on the same array in one chunk, interleaved, and print the
//! overhead of chunking (text mode only). The CGLS rows time one CGLS iteration on a 512x512
//! regularized problem `[I; eps L]` next to one forward plus one adjoint of that operator, in the same
//! loop.
//!
//! Flags:
//! - `--json`: one JSON object per line with keys `op, shape, axis, chunks, dir, median_s, gbps,
//!   copy_gbps, fraction`;
//! - `--quick`: a reduced set of cases (under 30 s);
//! - `--reps N`: repetitions per row (default 7, at least 5);
//! - `--only SUBSTR`: only cases whose label contains SUBSTR;
//! - `--count N --only LABEL --dir DIR`: no timing: builds the cases matching LABEL (arrays left at
//!   zero) and calls the operator of direction DIR (`forward`, `adjoint`, ...) N times, for
//!   instruction counts under `valgrind --tool=callgrind` (see `docs/perf.md`); with `--time`, the
//!   arrays are filled and every call is timed (wall min/median and CPU seconds per call);
//! - `--shape AxBxC`: the shape of the n-d cases (default 256x256x256); the 1-D and 2-D cases get as
//!   many elements. Use it for arrays larger than the last-level cache (e.g. `512x512x512`, 1 GiB per
//!   f64 array);
//! - `--threads N,N,...`: the whole report once per thread count, each on its own rayon pool, then
//!   a scaling table (speed-up over the first count, fractions of both copies at each count);
//! - `--streaming auto|always|never|both`: when the stencils write with streaming stores
//!   (`rylops::core::stream`; default `auto`, the library's default); `both` times
//!   every row under `never` and under `always` (rows marked `nt`), interleaved with the same copies;
//! - `--peak-laplacian`: apply a 256^3 Laplacian into a preallocated output and print the process'
//!   peak resident set (use with `/usr/bin/time -v` for the memory check), nothing else.
//!
//! Allocations made inside each operator call are counted by a counting global allocator and shown in
//! text mode (`allocs`: calls and bytes per operator call).

use rayon::prelude::*;
use rylops::core::stream::{set_streaming, streaming, Streaming};
use rylops::prelude::*;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::Instant;

/// Counts allocations (number and bytes) so the report can show what each call allocates.
struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static ALLOC_BYTES: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        ALLOC_BYTES.fetch_add(l.size(), Relaxed);
        System.alloc(l)
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        ALLOC_BYTES.fetch_add(l.size(), Relaxed);
        System.alloc_zeroed(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        ALLOC_BYTES.fetch_add(n, Relaxed);
        System.realloc(p, l, n)
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

type C64 = num_complex::Complex64;

/// Set by `--count`: arrays are left at zero (instruction counts do not depend on the values).
static NO_FILL: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Fills with cheap pseudo-random values in [-0.5, 0.5) (parallel; values only need to be ordinary).
fn fill<T: Scalar>(a: &mut ChunkedArray<T>, seed: u64) {
    if NO_FILL.load(Relaxed) {
        return;
    }
    for (k, b) in a.blocks_mut().iter_mut().enumerate() {
        let s = b.as_slice_mut().expect("standard layout");
        let seed = seed ^ ((k as u64) << 40);
        s.par_chunks_mut(1 << 14).enumerate().for_each(|(c, part)| {
            for (i, v) in part.iter_mut().enumerate() {
                let h = |j: u64| {
                    let mut z = (seed ^ j).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                    z = (z ^ (z >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                    ((z >> 11) as f64) / (1u64 << 53) as f64 - 0.5
                };
                let j = ((c << 14) + i) as u64;
                let re = <T::Real as Scalar>::from_f64(h(2 * j));
                let im = <T::Real as Scalar>::from_f64(h(2 * j + 1));
                *v = T::from_parts(re, im);
            }
        });
    }
}

fn random<T: Scalar>(grid: ChunkGrid, seed: u64) -> ChunkedArray<T> {
    let mut a = ChunkedArray::zeros(grid);
    fill(&mut a, seed);
    a
}

/// A plain parallel memory copy of `n` elements of `T`: the reference ceiling.
///
/// Source and destination start on 64-byte boundaries. `copy_from_slice` is glibc's `memmove`,
/// which copies large blocks with `rep movsb`; on the project's AMD EPYC guest that ran at 3-4 GB/s
/// instead of 40-60 GB/s whenever the destination's address minus the source's was not a multiple
/// of 64 bytes (measured for differences of 8 bytes; 64, 512 and 2048 were fast). Vectors from
/// `malloc`'s heap, which the cases after the first get once freed memory is reused, are only
/// 16-byte aligned, so the copy of a later case could be 10x slower than the operators it was the
/// ceiling for (fractions of 2-5 in the `frac` column at `--shape 16x128x256`).
struct Copy<T> {
    src: Aligned<T>,
    dst: Aligned<T>,
}

/// `n` elements of `T` starting on a 64-byte boundary (inside a slightly longer `Vec`).
struct Aligned<T> {
    buf: Vec<T>,
    at: usize,
    n: usize,
}

impl<T: Scalar> Aligned<T> {
    fn zeros(n: usize) -> Self {
        let size = std::mem::size_of::<T>();
        let buf = vec![T::zero(); n + 64 / size];
        let at = (buf.as_ptr() as usize).wrapping_neg() % 64 / size;
        Self { buf, at, n }
    }
    fn get(&self) -> &[T] {
        &self.buf[self.at..self.at + self.n]
    }
    fn get_mut(&mut self) -> &mut [T] {
        &mut self.buf[self.at..self.at + self.n]
    }
}

impl<T: Scalar> Copy<T> {
    fn new(n: usize) -> Self {
        let mut src = Aligned::zeros(n);
        src.get_mut()
            .par_iter_mut()
            .enumerate()
            .for_each(|(i, v)| *v = T::from_f64(i as f64));
        Self {
            src,
            dst: Aligned::zeros(n),
        }
    }
    fn run(&mut self) {
        let src = self.src.get();
        self.dst
            .get_mut()
            .par_chunks_mut(1 << 15)
            .zip(src.par_chunks(1 << 15))
            .for_each(|(d, s)| d.copy_from_slice(s));
        std::hint::black_box(&mut self.dst.buf);
    }
    /// The same copy with streaming stores (`rylops::core::stream::copy_nt`): no destination line is
    /// read before it is written.
    fn run_streaming(&mut self) {
        let src = self.src.get();
        self.dst
            .get_mut()
            .par_chunks_mut(1 << 15)
            .zip(src.par_chunks(1 << 15))
            .for_each(|(d, s)| rylops::core::stream::copy_nt(d, s));
        std::hint::black_box(&mut self.dst.buf);
    }
    /// One `copy_from_slice` of the whole array on one thread: glibc's large-copy path (which
    /// avoids the write-allocate reads too), at times the fastest copy of all.
    fn run_memcpy(&mut self) {
        let src = self.src.get();
        self.dst.get_mut().copy_from_slice(src);
        std::hint::black_box(&mut self.dst.buf);
    }
    fn bytes(&self) -> f64 {
        (2 * self.src.n * std::mem::size_of::<T>()) as f64
    }
}

/// One timed row: a direction of a case.
struct Row {
    dir: &'static str,
    /// Bytes moved by one call (one read of the inputs, one write of the outputs).
    bytes: f64,
    run: Box<dyn FnMut()>,
    /// The same call on a single-chunk array (chunked rows).
    base: Option<Box<dyn FnMut()>>,
    /// Rows that time themselves (a solver iteration, measured inside the solver): after each call
    /// of `run`, the seconds of one iteration and the allocations (count, bytes) made by the
    /// iterations after the first.
    self_timed: Option<SelfTimed>,
}

type SelfTimed = (
    std::rc::Rc<std::cell::Cell<f64>>,
    std::rc::Rc<std::cell::Cell<(usize, usize)>>,
);

struct Case {
    op: String,
    shape: Vec<usize>,
    axis: serde_json::Value,
    chunks: Vec<usize>,
    /// Elements and size of the reference copy.
    copy: MakeCopy,
    rows: Vec<Row>,
}

type Arr<T> = ChunkedArray<T>;

/// Forward and adjoint rows of `op` on arrays of `grid` (and, if `base_grid` is given, the same calls on
/// arrays of that grid for the chunking overhead).
fn op_rows<T, O>(op: O, grid: ChunkGrid, base_grid: Option<ChunkGrid>) -> Vec<Row>
where
    T: Scalar,
    O: LinearOperator<Scalar = T, Domain = Arr<T>, Range = Arr<T>> + 'static,
{
    use std::rc::Rc;
    let op = Rc::new(op);
    let make = |grid: ChunkGrid| {
        let x: Arr<T> = random(grid.clone(), 1);
        let y = op.range_like(&x).expect("range");
        let mut v = y.clone();
        fill(&mut v, 2);
        let u = x.zeros_like();
        (x, y, v, u)
    };
    let (x, mut y, v, mut u) = make(grid);
    let esz = std::mem::size_of::<T>();
    let bytes = ((x.len() + y.len()) * esz) as f64;
    let mut bases: Vec<Option<Box<dyn FnMut()>>> = vec![None, None];
    if let Some(g) = base_grid {
        let (bx, mut by, bv, mut bu) = make(g);
        let o1 = op.clone();
        let o2 = op.clone();
        bases[0] = Some(Box::new(move || {
            o1.forward_into(&bx, &mut by).expect("forward")
        }));
        bases[1] = Some(Box::new(move || {
            o2.adjoint_into(&bv, &mut bu).expect("adjoint")
        }));
    }
    let o1 = op.clone();
    let o2 = op;
    let mut b = bases.into_iter();
    vec![
        Row {
            dir: "forward",
            bytes,
            run: Box::new(move || o1.forward_into(&x, &mut y).expect("forward")),
            base: b.next().flatten(),
            self_timed: None,
        },
        Row {
            dir: "adjoint",
            bytes,
            run: Box::new(move || o2.adjoint_into(&v, &mut u).expect("adjoint")),
            base: b.next().flatten(),
            self_timed: None,
        },
    ]
}

/// The reference copies of a case: the plain copy, the streaming copies (parallel with streaming
/// stores; one memcpy), and their bytes.
type Copies = (Box<dyn FnMut()>, [Box<dyn FnMut()>; 2], f64);

/// Builds the reference copies of a case.
type MakeCopy = Box<dyn FnMut() -> Copies>;

/// Builds a case.
type MakeCase = Box<dyn Fn() -> Case>;

fn copy_of<T: Scalar>(n: usize) -> MakeCopy {
    Box::new(move || {
        let c = std::rc::Rc::new(std::cell::RefCell::new(Copy::<T>::new(n)));
        let b = c.borrow().bytes();
        let (c2, c3) = (c.clone(), c.clone());
        (
            Box::new(move || c.borrow_mut().run()) as Box<dyn FnMut()>,
            [
                Box::new(move || c2.borrow_mut().run_streaming()) as Box<dyn FnMut()>,
                Box::new(move || c3.borrow_mut().run_memcpy()),
            ],
            b,
        )
    })
}

fn grid(shape: &[usize], chunks: &[usize]) -> ChunkGrid {
    ChunkGrid::uniform(shape, chunks).expect("grid")
}

fn fd_case<T: Scalar>(
    label: &str,
    shape: &[usize],
    axis: usize,
    chunks: Option<&[usize]>,
    kind: Kind,
    order: usize,
) -> Case {
    let shape = shape.to_vec();
    let ch = chunks.map(|c| c.to_vec()).unwrap_or_else(|| shape.clone());
    let op = FirstDerivative::<T>::builder(&shape)
        .axis(axis as isize)
        .kind(kind)
        .order(order)
        .build()
        .expect("FirstDerivative");
    let base = chunks.map(|_| ChunkGrid::single(&shape));
    let n = shape.iter().product();
    Case {
        op: label.into(),
        axis: axis.into(),
        rows: op_rows(op, grid(&shape, &ch), base),
        chunks: ch,
        shape,
        copy: copy_of::<T>(n),
    }
}

fn sd_case(shape: &[usize], axis: usize) -> Case {
    let op = SecondDerivative::<f64>::builder(shape)
        .axis(axis as isize)
        .build()
        .expect("SecondDerivative");
    Case {
        op: "SecondDerivative".into(),
        axis: axis.into(),
        rows: op_rows(op, ChunkGrid::single(shape), None),
        chunks: shape.to_vec(),
        shape: shape.to_vec(),
        copy: copy_of::<f64>(shape.iter().product()),
    }
}

fn lap_case(shape: &[usize]) -> Case {
    let nd = shape.len();
    let axes: Vec<isize> = (0..nd as isize).collect();
    let op = Laplacian::<f64>::builder(shape)
        .axes(&axes)
        .weights(&vec![1.0; nd])
        .sampling(&vec![1.0; nd])
        .build()
        .expect("Laplacian");
    Case {
        op: "Laplacian".into(),
        axis: "all".into(),
        rows: op_rows(op, ChunkGrid::single(shape), None),
        chunks: shape.to_vec(),
        shape: shape.to_vec(),
        copy: copy_of::<f64>(shape.iter().product()),
    }
}

fn grad_case(shape: &[usize]) -> Case {
    let op = Gradient::<f64>::builder(shape).build().expect("Gradient");
    Case {
        op: "Gradient".into(),
        axis: "all".into(),
        rows: op_rows(op, ChunkGrid::single(shape), None),
        chunks: shape.to_vec(),
        shape: shape.to_vec(),
        copy: copy_of::<f64>(shape.iter().product()),
    }
}

/// CGLS on `min || [I; eps L] x - [d; 0] ||` with the library's solver (`rylops_solvers::cgls`) and
/// the operator built as users build it (`VStack` of an `Identity` and a `Laplacian` with weights
/// `eps`). Rows: one forward plus one adjoint of that operator, and one solver iteration, timed
/// inside the solver by its callback (the median interval between consecutive iterations 2..=13 of a
/// 13-iteration solve, so the set-up before the first iteration is not counted).
fn cgls_case(n: usize, eps: f64) -> Case {
    use rylops::core::BoxOp;
    use rylops::operators::Identity;
    use rylops::solvers::callback::{Control, IterInfo};
    use rylops::solvers::{cgls_with, lsqr_with, CglsParams, LsqrParams};
    use std::cell::Cell;
    use std::rc::Rc;
    use std::sync::Arc;
    const ITERS: usize = 13;
    let shape = vec![n, n];
    let lap = Laplacian::<f64>::builder(&shape)
        .weights(&[eps, eps])
        .build()
        .expect("Laplacian");
    let id = Identity::<f64>::with_dims(&shape).expect("Identity");
    let op =
        Arc::new(VStack::new(vec![Box::new(id) as BoxOp<f64>, Box::new(lap)]).expect("VStack"));
    let g = ChunkGrid::single(&shape);
    let d: Arr<f64> = random(g.clone(), 3);
    let y = Stack(vec![d, Arr::zeros(g.clone())]);
    let p: Arr<f64> = random(g.clone(), 4);
    let mut s = op.zeros_range();
    fill(&mut s.0[0], 5);
    fill(&mut s.0[1], 6);
    let nn = n * n;
    // Nominal traffic of one forward plus one adjoint: forward reads n, writes 2n; adjoint the reverse.
    let bytes = (6 * nn * 8) as f64;
    // One forward plus one adjoint, `ITERS - 1` times: the median time of one.
    let fwd_adj = {
        let (op, mut q, mut r) = (op.clone(), op.zeros_range(), Arr::<f64>::zeros(g));
        move || {
            let ts = (1..ITERS)
                .map(|_| {
                    let t = Instant::now();
                    op.forward_into(&p, &mut q).expect("forward");
                    op.adjoint_into(&s, &mut r).expect("adjoint");
                    t.elapsed().as_secs_f64()
                })
                .collect();
            (median(ts), (0, 0))
        }
    };
    let fwd_adj = Arc::new(std::sync::Mutex::new(fwd_adj));
    let cgls_params = CglsParams::default().niter(ITERS).tol(0.0);
    let lsqr_params = LsqrParams::default()
        .niter(ITERS)
        .atol(0.0)
        .btol(0.0)
        .conlim(0.0);
    // One timed solve: the median iteration time and the allocations of iterations 2..=ITERS.
    let solve = move |solver: &str| {
        let mut stamps = Vec::with_capacity(ITERS);
        let mut allocs = Vec::with_capacity(ITERS);
        let callback = |_: &IterInfo<'_, f64, Arr<f64>>| {
            stamps.push(Instant::now());
            allocs.push((ALLOCS.load(Relaxed), ALLOC_BYTES.load(Relaxed)));
            Control::Continue
        };
        let iterations = if solver == "lsqr" {
            lsqr_with(&*op, &y, &lsqr_params, callback)
                .expect("lsqr")
                .iterations
        } else {
            cgls_with(&*op, &y, &cgls_params, callback)
                .expect("cgls")
                .iterations
        };
        assert_eq!(iterations, ITERS, "the timed solve must not stop early");
        let dts = stamps
            .windows(2)
            .map(|w| (w[1] - w[0]).as_secs_f64())
            .collect();
        let (first, last) = (allocs[0], allocs[ITERS - 1]);
        (median(dts), (last.0 - first.0, last.1 - first.1))
    };
    let solve = Arc::new(solve);
    let fa = fwd_adj.clone();
    let solve_or_fa = move |what: &str| {
        if what == "forward+adjoint" {
            (fa.lock().expect("lock"))()
        } else {
            solve(what)
        }
    };
    let solve_or_fa = Arc::new(solve_or_fa);
    // A row timed inside the solve (or the forward+adjoint loop), on the calling thread or with the
    // whole run on a worker thread of rayon's pool.
    let timed_row = |dir: &'static str, what: &'static str, in_pool: bool| {
        let out: SelfTimed = (Rc::new(Cell::new(0.0)), Rc::new(Cell::new((0, 0))));
        let (t_out, a_out) = (out.0.clone(), out.1.clone());
        let run = solve_or_fa.clone();
        Row {
            dir,
            bytes,
            run: Box::new(move || {
                let (t, a) = if in_pool {
                    let (run, mut res) = (run.clone(), (0.0, (0, 0)));
                    rayon::scope(|_| res = run(what));
                    res
                } else {
                    run(what)
                };
                t_out.set(t);
                a_out.set(a);
            }),
            base: None,
            self_timed: Some(out),
        }
    };
    Case {
        op: format!("solvers on [I; {eps} Laplacian]"),
        axis: "all".into(),
        chunks: shape.clone(),
        shape,
        copy: copy_of::<f64>(nn),
        rows: vec![
            timed_row("forward+adjoint", "forward+adjoint", false),
            timed_row("cgls iteration", "cgls", false),
            timed_row("lsqr iteration", "lsqr", false),
            timed_row("fwd+adj in pool", "forward+adjoint", true),
            timed_row("cgls it. in pool", "cgls", true),
            timed_row("lsqr it. in pool", "lsqr", true),
        ],
    }
}

/// The 2-D shape `[p, n / p]` with `p` the largest divisor of `n` not above its square root (4096 x
/// 4096 for 256^3 elements).
fn square_ish(n: usize) -> Vec<usize> {
    let mut p = (n as f64).sqrt() as usize;
    while p > 1 && n % p != 0 {
        p -= 1;
    }
    vec![p.max(1), n / p.max(1)]
}

/// The cases; the n-d ones on `shape3` (256^3 by default), the 1-D and 2-D ones on as many elements.
fn cases(quick: bool, shape3: &[usize]) -> Vec<(&'static str, MakeCase)> {
    let c3 = |shape: &'static [usize], axis, chunks: Option<&'static [usize]>| {
        Box::new(move || fd_case::<f64>("FirstDerivative", shape, axis, chunks, Kind::Centered, 3))
            as MakeCase
    };
    // Leaked: the cases are built once per run of the report.
    let leak = |v: Vec<usize>| -> &'static [usize] { Box::leak(v.into_boxed_slice()) };
    let n: usize = shape3.iter().product();
    let s3 = leak(shape3.to_vec());
    let s2 = leak(square_ish(n));
    let s1 = leak(vec![n]);
    // Chunked along axis 0 in 4 blocks, and across (along the last axis) in 4 blocks.
    let along = leak([vec![shape3[0].div_ceil(4).max(1)], shape3[1..].to_vec()].concat());
    let across = leak(
        [
            shape3[..shape3.len() - 1].to_vec(),
            vec![shape3[shape3.len() - 1].div_ceil(4).max(1)],
        ]
        .concat(),
    );
    let mut all: Vec<(&'static str, MakeCase, bool)> = vec![
        ("fd 1d", c3(s1, 0, None), false),
        ("fd 2d ax0", c3(s2, 0, None), false),
        ("fd 2d ax1", c3(s2, 1, None), false),
        ("fd 3d ax0", c3(s3, 0, None), true),
        ("fd 3d ax1", c3(s3, 1, None), false),
        ("fd 3d ax2", c3(s3, 2, None), true),
        ("fd 3d ax0 chunked along", c3(s3, 0, Some(along)), true),
        ("fd 3d ax0 chunked across", c3(s3, 0, Some(across)), false),
        (
            "fd order5",
            Box::new(move || {
                fd_case::<f64>("FirstDerivative order=5", s3, 0, None, Kind::Centered, 5)
            }),
            false,
        ),
        (
            "fd forward",
            Box::new(move || {
                fd_case::<f64>(
                    "FirstDerivative kind=forward",
                    s3,
                    0,
                    None,
                    Kind::Forward,
                    3,
                )
            }),
            false,
        ),
        (
            "fd complex128",
            Box::new(move || {
                fd_case::<C64>("FirstDerivative complex128", s3, 0, None, Kind::Centered, 3)
            }),
            false,
        ),
        ("sd 3d ax0", Box::new(move || sd_case(s3, 0)), false),
        ("laplacian 3d", Box::new(move || lap_case(s3)), true),
        ("laplacian 2d", Box::new(|| lap_case(&[512, 512])), false),
        ("gradient 3d", Box::new(move || grad_case(s3)), false),
        ("cgls", Box::new(|| cgls_case(512, 1.0)), true),
    ];
    all.retain(|c| !quick || c.2);
    all.into_iter().map(|(l, f, _)| (l, f)).collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn time(f: &mut dyn FnMut()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

/// CPU time (user + system) of this process so far, in seconds, from /proc (clock ticks of 10 ms).
/// CPU seconds (user + system) of this process so far, every thread included (`getrusage`).
fn cpu_seconds() -> f64 {
    // SAFETY: `rusage` is plain data for which all-zero bytes are a valid value, and `getrusage`
    // only writes into the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable `rusage`; RUSAGE_SELF is a valid `who`.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return f64::NAN;
    }
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    secs(u.ru_utime) + secs(u.ru_stime)
}

/// Peak resident set of this process so far (kB), from /proc.
fn vm_hwm_kb() -> Option<usize> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn peak_laplacian() {
    let shape = [256, 256, 256];
    let lap = Laplacian::<f64>::builder(&shape)
        .axes(&[0, 1, 2])
        .weights(&[1.0; 3])
        .sampling(&[1.0; 3])
        .build()
        .expect("Laplacian");
    let x: Arr<f64> = random(ChunkGrid::single(&shape), 1);
    let mut y = Arr::<f64>::zeros(ChunkGrid::single(&shape));
    y.fill(0.0); // touch every page of the output before measuring
    let before = vm_hwm_kb();
    let (a0, b0) = (ALLOCS.load(Relaxed), ALLOC_BYTES.load(Relaxed));
    for _ in 0..3 {
        lap.forward_into(&x, &mut y).expect("forward");
        lap.adjoint_into(&x, &mut y).expect("adjoint");
    }
    let (a1, b1) = (ALLOCS.load(Relaxed), ALLOC_BYTES.load(Relaxed));
    let inout = 2 * x.len() * 8;
    println!(
        "Laplacian 256^3 into a preallocated output: input+output {:.1} MiB; peak RSS before the calls \
         {:.1} MiB, after {:.1} MiB; {} allocations ({} bytes) in 6 calls",
        inout as f64 / 1048576.0,
        before.unwrap_or(0) as f64 / 1024.0,
        vm_hwm_kb().unwrap_or(0) as f64 / 1024.0,
        a1 - a0,
        b1 - b0
    );
}

#[path = "common/cli.rs"]
mod cli;

const USAGE: &str =
    "usage: perf_report [--json] [--quick] [--reps N] [--only SUBSTR] [--shape AxBxC]
                   [--threads N,N,...] [--streaming auto|always|never|both]
       perf_report --count N [--only LABEL] [--dir DIR] [--time]
       perf_report --peak-laplacian
  (see the head of examples/perf_report.rs for what each flag does)";

/// The command line (flags described at the head of this file).
struct Args {
    json: bool,
    quick: bool,
    reps: usize,
    only: Option<String>,
    count: Option<usize>,
    dir: String,
    time: bool,
    peak_laplacian: bool,
    shape: Vec<usize>,
    threads: Vec<usize>,
    streaming: StreamingArg,
}

/// `--streaming`: one setting for every row, or every row timed under both `never` and `always`.
#[derive(Clone, Copy, PartialEq)]
enum StreamingArg {
    One(Streaming),
    Both,
}

/// A list of positive integers separated by `x` or `,`.
fn usize_list(v: &str, what: &str) -> std::result::Result<Vec<usize>, lexopt::Error> {
    v.split(['x', ','])
        .map(|p| match p.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!("{what}: `{v}` is not a list of positive integers").into()),
        })
        .collect()
}

fn args() -> Args {
    cli::parse(USAGE, |p| {
        use cli::*;
        let mut a = Args {
            json: false,
            quick: false,
            reps: 7,
            only: None,
            count: None,
            dir: "forward".into(),
            time: false,
            peak_laplacian: false,
            shape: vec![256, 256, 256],
            threads: Vec::new(),
            streaming: StreamingArg::One(Streaming::Auto),
        };
        let mut dir_given = false;
        while let Some(arg) = p.next()? {
            match arg {
                Long("json") => a.json = true,
                Long("quick") => a.quick = true,
                Long("reps") => a.reps = p.value()?.parse()?,
                Long("only") => a.only = Some(p.value()?.string()?),
                Long("count") => a.count = Some(p.value()?.parse()?),
                Long("dir") => {
                    a.dir = p.value()?.string()?;
                    dir_given = true;
                }
                Long("time") => a.time = true,
                Long("peak-laplacian") => a.peak_laplacian = true,
                Long("shape") => {
                    a.shape = usize_list(&p.value()?.string()?, "--shape")?;
                    if a.shape.len() != 3 {
                        return Err("--shape takes three sizes, e.g. 512x512x512".into());
                    }
                }
                Long("threads") => a.threads = usize_list(&p.value()?.string()?, "--threads")?,
                Long("streaming") => {
                    a.streaming = match p.value()?.string()?.as_str() {
                        "auto" => StreamingArg::One(Streaming::Auto),
                        "always" => StreamingArg::One(Streaming::Always),
                        "never" => StreamingArg::One(Streaming::Never),
                        "both" => StreamingArg::Both,
                        v => return Err(format!("--streaming: unknown setting `{v}`").into()),
                    }
                }
                arg => return Err(unexpected(arg, USAGE)),
            }
        }
        if a.count.is_none() && (dir_given || a.time) {
            return Err("--dir and --time go with --count N".into());
        }
        a.reps = a.reps.max(5);
        Ok(a)
    })
}

fn main() {
    let a = args();
    if a.peak_laplacian {
        peak_laplacian();
        return;
    }
    if let StreamingArg::One(s) = a.streaming {
        set_streaming(s);
    }
    if let Some(count) = a.count {
        count_calls(&a, count);
        return;
    }
    if a.threads.is_empty() {
        report(&a);
        return;
    }
    let runs: Vec<Vec<Measured>> = a
        .threads
        .iter()
        .map(|&n| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .expect("thread pool");
            pool.install(|| report(&a))
        })
        .collect();
    if !a.json {
        scaling_table(&a.threads, &runs);
    }
}

/// `--count`: calls (and with `--time` times) the operator of the cases matching `--only`.
fn count_calls(a: &Args, count: usize) {
    NO_FILL.store(!a.time, Relaxed);
    let dir = &a.dir;
    for (label, make) in cases(false, &a.shape) {
        if a.only.as_deref().is_some_and(|o| label != o) {
            continue;
        }
        let mut case = make();
        for row in case.rows.iter_mut().filter(|r| r.dir == dir) {
            if !a.time {
                for _ in 0..count {
                    (row.run)();
                }
                println!("{label} {dir}: {count} calls");
                continue;
            }
            (row.run)();
            let c0 = cpu_seconds();
            let ts: Vec<f64> = (0..count).map(|_| time(&mut row.run)).collect();
            let cpu = (cpu_seconds() - c0) / count as f64;
            let min = ts.iter().copied().fold(f64::INFINITY, f64::min);
            let (mut copy, _, _) = (case.copy)();
            copy();
            let c0 = cpu_seconds();
            let tc: Vec<f64> = (0..count).map(|_| time(&mut copy)).collect();
            let ccpu = (cpu_seconds() - c0) / count as f64;
            println!(
                "{label} {dir}: {count} calls, wall min {min:.5} s, median {:.5} s, cpu {cpu:.5} \
                 s/call; copy of the input: wall median {:.5} s, cpu {ccpu:.5} s/call",
                median(ts),
                median(tc)
            );
        }
    }
}

/// One row's medians, for the scaling table.
struct Measured {
    row: String,
    median_s: f64,
    fraction: f64,
    fraction_stream: f64,
}

/// The report: every case (matching `--only`) on the current thread pool.
fn report(a: &Args) -> Vec<Measured> {
    let mut measured = Vec::new();
    let threads = rayon::current_num_threads();
    let settings: Vec<Option<Streaming>> = match a.streaming {
        StreamingArg::One(_) => vec![None],
        StreamingArg::Both => vec![Some(Streaming::Never), Some(Streaming::Always)],
    };
    if !a.json {
        println!(
            "rylops perf_report: {threads} threads, {} runs per row (medians), streaming stores: {}; \
             copy = plain parallel memory copy of the same size, stream = the same copy with \
             streaming stores, same run; frac = GB/s over copy GB/s, /str over stream GB/s",
            a.reps,
            match a.streaming {
                StreamingArg::Both => "each row under never, then always".to_string(),
                StreamingArg::One(s) => format!(
                    "{s:?} (auto: outputs of at least {} MiB)",
                    rylops::core::stream::auto_threshold() >> 20
                ),
            }
        );
        println!(
            "{:<28} {:<16} {:<5} {:<16} {:<16} {:>10} {:>7} {:>7} {:>7} {:>6} {:>6} {:>4}  {:<14} note",
            "op",
            "shape",
            "axis",
            "chunks",
            "dir",
            "median_s",
            "GB/s",
            "copyGB/s",
            "strGB/s",
            "frac",
            "/str",
            "B/el",
            "allocs/call",
        );
    }
    let t0 = Instant::now();
    let mut notes = Vec::new();
    for (label, make) in cases(a.quick, &a.shape) {
        if let Some(o) = &a.only {
            if !label.contains(o.as_str()) {
                continue;
            }
        }
        let mut case = make();
        let (mut copy, [mut scopy, mut mcopy], copy_bytes) = (case.copy)();
        let elems: usize = case.shape.iter().product();
        let mut fwdadj = None;
        for row in &mut case.rows {
            for &setting in &settings {
                // Under `--streaming both`, the row's calls run under this setting; the copies are
                // the same for both.
                let run_op = |f: &mut dyn FnMut()| {
                    if let Some(s) = setting {
                        set_streaming(s);
                    }
                    time(f)
                };
                // Warm-up (page faults, caches, thread pool); the second call counts allocations.
                copy();
                scopy();
                mcopy();
                if let Some(b) = &mut row.base {
                    run_op(b.as_mut());
                }
                // First call: scratch vectors of composite operators, first touch of pages.
                run_op(&mut row.run);
                let (a0, b0) = (ALLOCS.load(Relaxed), ALLOC_BYTES.load(Relaxed));
                run_op(&mut row.run);
                let (a1, b1) = (ALLOCS.load(Relaxed), ALLOC_BYTES.load(Relaxed));
                let (mut tc, mut ts, mut tm, mut to, mut ratios) =
                    (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
                for _ in 0..a.reps {
                    tc.push(time(&mut copy));
                    ts.push(time(&mut scopy));
                    tm.push(time(&mut mcopy));
                    let t = run_op(&mut row.run);
                    to.push(row.self_timed.as_ref().map_or(t, |(it, _)| it.get()));
                    if let Some(b) = &mut row.base {
                        // Overhead of chunking: ratio of back-to-back calls, so slow drifts of the
                        // machine's load cancel.
                        ratios.push(t / run_op(b.as_mut()));
                    }
                }
                // The streaming ceiling: the faster of the two streaming copies.
                let (mc, ms, mo) = (median(tc), median(ts).min(median(tm)), median(to));
                let copy_gbps = copy_bytes / mc / 1e9;
                let stream_gbps = copy_bytes / ms / 1e9;
                let gbps = row.bytes / mo / 1e9;
                let fraction = gbps / copy_gbps;
                let fraction_stream = gbps / stream_gbps;
                let bytes_per_elem = row.bytes / elems as f64;
                let mut note = String::new();
                if !ratios.is_empty() {
                    note = format!("{:+.1}% vs 1 chunk", 100.0 * (median(ratios) - 1.0));
                }
                if row.dir.starts_with("f") {
                    // forward+adjoint rows, the reference of the solver rows that follow
                    fwdadj = Some(mo);
                } else if row.self_timed.is_some() {
                    if let Some(fa) = fwdadj {
                        note = format!("{:.2}x forward+adjoint", mo / fa);
                        notes.push(format!("{}: {} = {note}", case.op, row.dir));
                    }
                }
                let dir = match setting {
                    Some(Streaming::Always) => format!("{} nt", row.dir),
                    _ => row.dir.to_string(),
                };
                measured.push(Measured {
                    row: format!("{label} {dir}"),
                    median_s: mo,
                    fraction,
                    fraction_stream,
                });
                if a.json {
                    println!(
                        "{}",
                        serde_json::json!({
                            "op": case.op,
                            "shape": case.shape,
                            "axis": case.axis,
                            "chunks": case.chunks,
                            "dir": row.dir,
                            "threads": threads,
                            "streaming": format!("{:?}", setting.unwrap_or(streaming())),
                            "median_s": mo,
                            "gbps": gbps,
                            "copy_gbps": copy_gbps,
                            "stream_gbps": stream_gbps,
                            "fraction": fraction,
                            "fraction_stream": fraction_stream,
                            "bytes_per_elem": bytes_per_elem,
                        })
                    );
                } else {
                    let fmt = |v: &[usize]| {
                        v.iter()
                            .map(|d| d.to_string())
                            .collect::<Vec<_>>()
                            .join("x")
                    };
                    let axis = match &case.axis {
                        serde_json::Value::String(s) => s.clone(),
                        v => v.to_string(),
                    };
                    println!(
                        "{:<28} {:<16} {:<5} {:<16} {:<16} {:>10.5} {:>7.2} {:>7.2} {:>7.2} {:>6.2} {:>6.2} {:>4.0}  {:<14} {}",
                        case.op,
                        fmt(&case.shape),
                        axis,
                        fmt(&case.chunks),
                        dir,
                        mo,
                        gbps,
                        copy_gbps,
                        stream_gbps,
                        fraction,
                        fraction_stream,
                        bytes_per_elem,
                        match &row.self_timed {
                            Some((_, al)) => format!("{} ({} B)/it", al.get().0, al.get().1),
                            None => format!("{} ({} B)", a1 - a0, b1 - b0),
                        },
                        note
                    );
                }
            }
        }
    }
    if let StreamingArg::One(s) = a.streaming {
        set_streaming(s);
    }
    if !a.json {
        for n in notes {
            println!("{n}");
        }
        println!("total {:.1} s", t0.elapsed().as_secs_f64());
    }
    measured
}

/// The scaling table of `--threads`: per row, the speed-up over the first thread count and the
/// fractions of both copies at every count.
fn scaling_table(threads: &[usize], runs: &[Vec<Measured>]) {
    println!(
        "\nscaling (speed-up over {} thread(s); fraction of the plain copy / of the streaming copy, \
         each measured at that thread count):",
        threads[0]
    );
    print!("{:<36}", "case direction");
    for t in threads {
        print!(" {:>20}", format!("{t} threads"));
    }
    println!();
    for (i, m0) in runs[0].iter().enumerate() {
        print!("{:<36}", m0.row);
        for run in runs {
            match run.get(i) {
                Some(m) => print!(
                    " {:>20}",
                    format!(
                        "{:.2}x {:.2}/{:.2}",
                        m0.median_s / m.median_s,
                        m.fraction,
                        m.fraction_stream
                    )
                ),
                None => print!(" {:>20}", "-"),
            }
        }
        println!();
    }
}
