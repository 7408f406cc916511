//! # rylops for pylops users
//!
//! rylops follows pylops closely — same operators, same arguments, same numbers (bit for bit for
//! the derivative family) — but in Rust, on **chunked n-d arrays** processed in parallel instead of
//! flat numpy vectors (or dask arrays). This page maps one to the other. Every Rust block below but the
//! MPI sketch is a doctest: it compiles and runs.
//!
//! ## Names side by side
//!
//! Operators (in [`operators`](crate::operators), and all but pylops' `Sum` in the
//! [`prelude`](crate::prelude) with `Kind`, `Direction`, nalgebra's `DMatrix` and the compositions):
//!
//! | pylops | rylops |
//! |---|---|
//! | `FirstDerivative(dims, axis=-1, sampling=1.0, edge=False, kind="centered", order=3, dtype="float64")` | `FirstDerivative::<f64>::builder(&dims).axis(-1).sampling(1.0).edge(false).kind(Kind::Centered).order(3).build()?` |
//! | `SecondDerivative(dims, axis=-1, sampling=1.0, edge=False, kind="centered", dtype=...)` | `SecondDerivative::<T>::builder(&dims).axis(..).sampling(..).edge(..).kind(..).build()?` |
//! | `Laplacian(dims, axes=(-2, -1), weights=(1, 1), sampling=(1, 1), edge=False, kind="centered", dtype=...)` | `Laplacian::<T>::builder(&dims).axes(&[-2, -1]).weights(&[1.0, 1.0]).sampling(&[1.0, 1.0]).edge(false).kind(..).build()?` |
//! | `Gradient(dims, sampling=1, edge=False, kind="centered", dtype=...)` | `Gradient::<T>::builder(&dims).sampling(1.0)` (or `.sampling_per_axis(&[..])`)`.edge(..).kind(..).build()?` |
//! | `FirstDirectionalDerivative(dims, v, sampling=1, edge=False, kind="centered", dtype=...)` | [`FirstDirectionalDerivative::builder`](crate::operators::FirstDirectionalDerivative::builder)`(&dims, Direction::Global(v)).sampling(1.0).edge(false).kind(..).build()?` (`v` of shape `(ndim,)`; `Direction::PerPoint(v)` for `(ndim, *dims)`; `.sampling_per_axis(&[..])`; or `::new` with all five arguments) |
//! | `SecondDirectionalDerivative(dims, v, sampling=1, edge=False, kind="centered", dtype=...)` | [`SecondDirectionalDerivative::builder`](crate::operators::SecondDirectionalDerivative::builder)`(&dims, v)...build()?` (same options) |
//! | `Identity(N)`, `Identity(N, M)` | [`Identity::new(n)?`](crate::operators::Identity::new), [`Identity::nm(&[N], &[M])?`](crate::operators::Identity::nm) (pylops' order: data shape `N` first), `Identity::with_dims(&dims)?` on n-d arrays |
//! | `Zero(N)`, `Zero(N, M)` | [`Zero::square(&[N])?`](crate::operators::Zero::square), [`Zero::nm(&[N], &[M])?`](crate::operators::Zero::nm) (pylops' order: data shape `N` first) |
//! | `Diagonal(diag)`, `Diagonal(diag, dims=dims, axis=axis)` | [`Diagonal::new(d)?`](crate::operators::Diagonal::new) (`d` an `ArrayD` or a `ChunkedArray`), `Diagonal::along_axis(&d, &dims, axis)?` |
//! | `MatrixMult(A)`, `MatrixMult(A, otherdims=(..))` | [`MatrixMult::new(a)?`](crate::operators::MatrixMult::new) (`a` a [`nalgebra`](crate::nalgebra)`::DMatrix`, re-exported), `MatrixMult::from_row_slice(nrows, ncols, &data)?`, `MatrixMult::with_otherdims(a, &otherdims)?` |
//! | `FunctionOperator(f, fH, N, M)` | [`FunctionOperator::new(&dims, &dimsd, f, f_h)?`](crate::FunctionOperator) (`forward_only` for a forward-only operator) |
//! | `Restriction(dims, iava, axis=-1)`, `Rop.mask(x)` | [`Restriction::<T>::new(&dims, &iava, axis)?`](crate::operators::Restriction), `op.mask(&x)?` (zeros off the samples; `op.sampled()` is the mask) |
//! | `CausalIntegration(dims, axis=-1, sampling=1, kind="full", removefirst=False)` | [`CausalIntegration::<T>::builder(&dims)`](crate::operators::CausalIntegration)`.axis(a).sampling(s).kind(IntegrationKind::Half).removefirst(b).build()?` |
//! | `Flip(dims, axis)`, `Roll(dims, axis, shift)` | [`Flip::<T>::new(&dims, axis)?`](crate::operators::Flip), [`Roll::<T>::new(&dims, axis, shift)?`](crate::operators::Roll) |
//! | `Transpose(dims, axes)`, `Symmetrize(dims, axis)` | [`Transpose::<T>::new(&dims, &axes)?`](crate::operators::Transpose), [`Symmetrize::<T>::new(&dims, axis)?`](crate::operators::Symmetrize) |
//! | `Pad(dims, pad)`, `Sum(dims, axis)` | [`Pad::<T>::new(&dims, &[(before, after), ..])?`](crate::operators::Pad), [`operators::Sum::<T>::new(&dims, axis)?`](crate::operators::Sum) (not in the prelude: the composition `Sum` is) |
//! | `Block(ops)`, `Kronecker(Op1, Op2)` | [`Block::new(vec![vec![..], ..])?`](crate::operators::Block) (a `Vec<Vec<BoxOp<T>>>` for mixed types), [`Kronecker::new(op1, op2)?`](crate::operators::Kronecker) |
//! | `Convolve1D(dims, h, offset=0, axis=-1)` | [`Convolve1D::builder(&dims, &h)`](crate::operators::Convolve1D)`.offset(o).axis(a).build()?` (a filter longer than a 1-D model: `.build_boxed()` or `Convolve1DLong::new(n, &h, offset)?`) |
//! | `ConvolveND(dims, h, offset, axes)`, `Convolve2D(dims, h, offset, axes)` | [`ConvolveND::builder(&dims, h)`](crate::operators::ConvolveND)`.offset(&o).axes(&a).build()?`, [`Convolve2D::new(&dims, h, [o0, o1], [a0, a1])?`](crate::operators::Convolve2D) (computed directly: pylops' FFT gives the same to ~1e-12) |
//! | `Smoothing1D(nsmooth, dims, axis)`, `Smoothing2D(nsmooth, dims, axes)` | [`Smoothing1D::new::<T>(nsmooth, &dims, axis)?`](crate::operators::Smoothing1D), [`Smoothing2D::new::<T>([n0, n1], &dims, [a0, a1])?`](crate::operators::Smoothing2D) |
//! | *(no pylops counterpart)* a user kernel that reads a neighbourhood | [`BlockKernel::new(&dims, &reach, forward, adjoint)?`](crate::BlockKernel): block kernels with a declared reach per axis, run chunked with halos (corners included) and on MPI ranks (`rylops::mpi::DistributedKernel`) |
//! | `dtype="float32"`, `"float64"`, `"complex64"`, `"complex128"` | the type parameter: `f32`, `f64`, `Complex<f32>`, `Complex<f64>` ([`Scalar`](crate::Scalar)) |
//! | `Op @ x`, `Op.matvec(x)` | `op.forward(&x)?` ([`LinearMap::forward`](crate::LinearMap::forward)) |
//! | `Op.H @ y`, `Op.rmatvec(y)` | `op.adjoint(&y)?` |
//! | `Op.H` | `op.h()` ([`OperatorExt`](crate::OperatorExt)) |
//! | `A + B`, `A - B`, `A @ B`, `alpha * A`, `A ** k` | `a.plus(b)?`, `a.minus(b)?`, `a.times(b)?`, `a.scaled(alpha)`, `a.pow(k)?` |
//! | `VStack([A, B])`, `HStack([A, B])`, `BlockDiag([A, B])` | `VStack::new(vec![a, b])?`, `HStack::new(..)?`, `BlockDiag::new(..)?` (data or model is a [`Stack`](crate::prelude::Stack) of parts) |
//! | `Op.dims`, `Op.dimsd`, `Op.shape` | `op.dims()`, `op.dimsd()`, `op.shape()` |
//!
//! Solvers (in [`solvers`](crate::solvers); each takes a parameter struct built from `Default`
//! with one setter per pylops argument, and returns a `Solution` with `x`, `iterations`, the
//! stop reason, `cost` and the solver's diagnostics in `info`):
//!
//! | pylops | rylops |
//! |---|---|
//! | `dottest(Op, nr, nc, rtol=1e-6, complexflag=..., raiseerror=True)` | `dot_test(&op, seed)?` → a [`DotTestReport`](crate::prelude::DotTestReport); `dot_test_with(&op, template, seed, Some(rtol))?` |
//! | `Op / y`, `Op.div(y, niter=100)` | [`solve`](fn@crate::solvers::solve)`(&op, &y)?` (lsqr with [`LsqrParams::pylops_div`](crate::solvers::LsqrParams::pylops_div); other `niter`: `lsqr(&op, &y, &LsqrParams::pylops_div().niter(n))?.x`) |
//! | `cg(Op, y, x0, niter, damp, tol)` → `x, iit, cost` | [`cg`](fn@crate::solvers::cg)`(&op, &y, &CgParams::default().x0(x0).niter(..).shift(damp).tol(..).pylops_compat(true))?` (pylops' `damp` is the linear [`shift`](crate::solvers::CgParams::shift)) |
//! | `scipy.sparse.linalg.cg(A, b, rtol=1e-5, atol=0, maxiter)` | [`cg`](fn@crate::solvers::cg) with [`CgParams::scipy(&op)`](crate::solvers::CgParams::scipy), or `.rtol(rtol).tol(atol).niter(maxiter)` |
//! | — (CG with a preconditioner `M`) | [`pcg`](crate::solvers::pcg)`(&op, &m, &y, &CgParams::default()..)?` |
//! | `cgls(Op, y, x0, niter, damp, tol)` → `x, istop, iit, r1norm, r2norm, cost` | [`cgls`](fn@crate::solvers::cgls)`(&op, &y, &CglsParams::default()..)?` (pylops' `r1norm` is `info.pylops_r1norm()`) |
//! | `lsqr(Op, y, x0, damp, atol, btol, conlim, niter, calc_var)` → `x, istop, iit, r1norm, r2norm, anorm, acond, arnorm, xnorm, var, cost` | [`lsqr`](fn@crate::solvers::lsqr)`(&op, &y, &LsqrParams::default()..)?` |
//! | `scipy.sparse.linalg.lsqr(A, b, damp, atol=1e-6, btol=1e-6, conlim, iter_lim)` | [`lsqr`](fn@crate::solvers::lsqr) with [`LsqrParams::scipy(&op)`](crate::solvers::LsqrParams::scipy) (scipy's defaults and stopping tests) |
//! | `regularized_inversion(Op, y, Regs, epsRs=.., dataregs=.., engine="scipy")` | [`regularized_inversion`](crate::solvers::regularized_inversion)`(&op, &y, &[Regularization::new(&reg, eps)], &RegularizedSolver::Lsqr(LsqrParams::scipy(&op)))?` (`engine="pylops"`: `RegularizedSolver::Cgls(..)`) |
//! | `normal_equations_inversion(Op, y, Regs, epsI=.., epsRs=.., NRegs=.., epsNRs=..)` | [`normal_equations_inversion`](crate::solvers::normal_equations_inversion)`(&op, &y, &regs, &CgParams::scipy(&op).damp(epsI))?` (`NRegs`: [`Regularization::normal(&n, epsNR)`](crate::solvers::Regularization::normal); `engine="pylops"`: `CgParams::default()..pylops_compat(true)`) |
//! | `preconditioned_inversion(Op, y, P, x0=.., engine="scipy")` → `xinv, istop, itn, r1norm, r2norm` | [`preconditioned_inversion`](crate::solvers::preconditioned_inversion)`(&op, &y, &p, &RegularizedSolver::Lsqr(LsqrParams::scipy(&p)))?` (`x` is `P p`) |
//! | `show=True`, callbacks | [`solvers::callback`](crate::solvers::callback) and the `*_with` forms (`cg_with`, `lsqr_with`, ...) |
//!
//! ### `epsI`, `damp` and `tol`: how they map now
//!
//! - **`epsI`** (`normal_equations_inversion`) is [`CgParams::damp`](crate::solvers::CgParams::damp),
//!   which adds `epsI^2 I` to the normal equations exactly as pylops does, with or without
//!   `pylops_compat`. (Before, `pylops_compat(true)` made `damp` a linear shift, so
//!   `normal_equations_inversion` solved another system than pylops.)
//! - **`damp` of pylops' `cg`** (`(Op + damp I) x = y`) is
//!   [`CgParams::shift`](crate::solvers::CgParams::shift); `CgParams::damp` adds `damp^2 I`, as
//!   `cgls` and `lsqr` do. `pylops_compat` changes neither: it only reproduces pylops' stopping and
//!   reporting quirks.
//! - **`tol` of pylops' `cg`/`cgls`** is absolute: [`CgParams::tol`](crate::solvers::CgParams::tol)
//!   and `CglsParams::tol` (compared with the residual norm, or its square with
//!   `pylops_compat(true)` as pylops does). **scipy's `rtol`** (relative to `||y||`) is
//!   [`CgParams::rtol`](crate::solvers::CgParams::rtol); scipy's `atol` is `tol`. When pylops runs
//!   scipy's `cg` (`normal_equations_inversion` with `engine="scipy"`, its default) it passes a
//!   user's `tol` as scipy's `atol`: `CgParams::scipy(&op).tol(tol)`.
//! - **`atol`/`btol` of lsqr** are relative in pylops and scipy alike; only the defaults differ
//!   (pylops' own lsqr: `1e-8` and 10 iterations, `LsqrParams::default()`; scipy's: `1e-6` and
//!   `2 n` iterations, `LsqrParams::scipy(&op)`).
//!
//! Arrays, overlap and files:
//!
//! | pylops / dask / numpy | rylops |
//! |---|---|
//! | `da.from_array(x, chunks=c)` | `ChunkedArray::from_array_chunks(x.view(), &c)?` |
//! | `x.rechunk(c)`, `x.chunks`, `x.blocks[i, j]`, `x.compute()` | `x.rechunk_uniform(&c)?`, `x.grid().all_chunks()`, `x.block(&[i, j])?`, `x.to_array()` |
//! | `da.overlap.overlap`, `da.map_overlap`, `da.overlap.trim_internal` | [`overlap`](crate::core::overlap::overlap), [`map_overlap`](crate::core::overlap::map_overlap), [`trim_internal`](crate::core::overlap::trim_internal) (and [`overlap_grid`](crate::core::overlap::overlap_grid), [`trim_overlap`](crate::core::overlap::trim_overlap)) |
//! | `np.save` / `np.load` (`.npy`), `np.savez` / `np.load` (`.npz`) | [`npy::write_npy`](crate::core::npy::write_npy) / [`read_npy`](crate::core::npy::read_npy) (and `_chunked`), [`write_npz`](crate::core::npy::write_npz) / [`read_npz`](crate::core::npy::read_npz) |
//! | pylops-mpi `DistributedArray`, `MPIVStack`, ... | `rylops::mpi` (the `mpi` feature): `Partition`, `Layout`, `DistArray`, `Distributed` — see [MPI](#mpi-instead-of-pylops-mpis-distributedarray) below |
//!
//! Errors are values, not exceptions: every fallible call returns [`Result`](crate::Result), whose
//! [`Error`](crate::Error) says what was wrong and how to fix it (an axis out of range, a sampling
//! of zero, an axis too short for the stencil where pylops raises an `IndexError`, ...).
//!
//! ## What the arguments mean
//!
//! - **`dims`**: the shape of the model (the array the operator acts on). pylops flattens models
//!   into vectors and reshapes them with `dims`; rylops keeps them n-d: `forward` takes and returns
//!   [`ChunkedArray`](crate::ChunkedArray)s of shape `dims` (and `dimsd` for the data; the
//!   [`Gradient`](crate::prelude::Gradient) adds a leading axis of length `ndim`).
//! - **`axis`** (`axes` for the Laplacian): the axis along which to differentiate; negative values
//!   count from the end as in numpy (`-1` is the last axis, the default).
//! - **`sampling`**: the grid spacing along that axis; results are divided by it (by its square
//!   for second derivatives).
//! - **`kind`**: [`Kind::Centered`](crate::prelude::Kind) (default), `Forward` or `Backward`
//!   differences; `"centered".parse::<Kind>()` accepts pylops' spelling.
//! - **`order`**: the centered first-derivative stencil, 3 points (default) or 5 points.
//! - **`edge`**: whether the first and last samples get one-sided differences (centered only);
//!   without it they are zero, as in pylops.
//! - **`weights`** (Laplacian): one weight per axis, e.g. `(3, 1)` to favour the first axis.
//!
//! ```
//! use ndarray::{Array2, IxDyn};
//! use rylops::prelude::*;
//! // pylops.FirstDerivative((11, 21), axis=0, sampling=0.5, edge=True)
//! let d = FirstDerivative::<f64>::builder(&[11, 21]).axis(0).sampling(0.5).edge(true).build()?;
//! assert_eq!((d.dims(), d.dimsd()), (vec![11, 21], vec![11, 21]));
//! let x = Array2::from_shape_fn((11, 21), |(i, _)| (i * i) as f64).into_dyn();
//! let y = d.forward(&ChunkedArray::from_array(x))?.to_array();
//! assert_eq!(y[IxDyn(&[5, 0])], 20.0); // (36 - 16) / (2 * 0.5): d(i^2)/di = 2i, over 0.5
//! assert_eq!(y[IxDyn(&[0, 0])], 2.0); // edge: (1 - 0) / 0.5
//!
//! // pylops.Laplacian((11, 21), weights=(3, 1)) and pylops.Gradient((11, 21), kind="forward")
//! let l = Laplacian::<f64>::builder(&[11, 21]).weights(&[3.0, 1.0]).build()?;
//! let g = Gradient::<f64>::builder(&[11, 21]).kind("forward".parse()?).build()?;
//! assert_eq!(g.dimsd(), vec![2, 11, 21]);
//!
//! // Bad arguments are errors, not panics.
//! assert!(FirstDerivative::<f64>::builder(&[11, 21]).axis(2).build().is_err());
//! assert!(FirstDerivative::<f64>::builder(&[11]).order(4).build().is_err());
//! # let _ = l;
//! # Ok::<(), rylops::Error>(())
//! ```
//!
//! ## Directional derivatives and basic operators
//!
//! The directional derivatives take a direction ([`Direction`](crate::operators::Direction): one
//! vector for the whole model, or one per point) and one sampling per axis; the basic operators
//! take shapes, a diagonal or a matrix. pylops' `Identity(N, M)` and `Zero(N, M)` give the data
//! shape first, and so do [`Identity::nm`](crate::operators::Identity::nm) and
//! [`Zero::nm`](crate::operators::Zero::nm), the names saying the order.
//!
//! ```
//! use ndarray::{arr1, ArrayD, IxDyn};
//! use rylops::operators::{
//!     Diagonal, Direction, FirstDirectionalDerivative, Identity, MatrixMult,
//!     SecondDirectionalDerivative, Zero,
//! };
//! use rylops::prelude::*;
//! // pylops.FirstDirectionalDerivative((20, 30), v=np.array([0.6, 0.8]), edge=True)
//! let v = Direction::Global(vec![0.6, 0.8]);
//! let dv = FirstDirectionalDerivative::<f64>::builder(&[20, 30], v.clone()).edge(true).build()?;
//! let ramp = ArrayD::from_shape_fn(IxDyn(&[20, 30]), |ix| (ix[0] + 2 * ix[1]) as f64);
//! let y = dv.forward(&ChunkedArray::from_array(ramp))?.to_array();
//! assert!(y.iter().all(|&g| (g - (0.6 * 1.0 + 0.8 * 2.0)).abs() < 1e-12)); // v . grad(x)
//! let d2v = SecondDirectionalDerivative::<f64>::builder(&[20, 30], v).edge(true).build()?;
//! assert!(dot_test(&dv, 1)?.passed && dot_test(&d2v, 2)?.passed);
//!
//! // pylops.Identity(5), Identity(N=4, M=2) (zero-padding), Zero(N=3, M=2)
//! let eye = Identity::<f64>::new(5)?;
//! let pad = Identity::<f64>::nm(&[4], &[2])?;
//! let zero = Zero::<f64>::nm(&[3], &[2])?;
//! assert_eq!((eye.shape(), pad.shape(), zero.shape()), ((5, 5), (4, 2), (3, 2)));
//!
//! // pylops.Diagonal(d) and Diagonal(d, dims=(3, 4), axis=0)
//! let diag = Diagonal::new(arr1(&[1.0, 2.0, 3.0]).into_dyn())?;
//! let rows = Diagonal::along_axis(&[1.0, 2.0, 3.0], &[3, 4], 0)?;
//! assert_eq!((diag.dims(), rows.dims()), (vec![3], vec![3, 4]));
//!
//! // pylops.MatrixMult(np.array([[1, 2, 3], [4, 5, 6]]))
//! let m = MatrixMult::from_row_slice(2, 3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])?;
//! let x = ChunkedArray::from_array(arr1(&[1.0, 0.0, -1.0]).into_dyn());
//! assert_eq!(m.forward(&x)?.to_array(), arr1(&[-2.0, -2.0]).into_dyn());
//! // They compose like any operator: diag(1, 2, 3) M^H M, a 3x3 operator.
//! let op = diag.times((&m).h().times(&m)?)?;
//! assert!(dot_test(&op, 3)?.passed);
//! # Ok::<(), rylops::Error>(())
//! ```
//!
//! ## Chunked arrays instead of dask arrays
//!
//! pylops-distributed builds a lazy dask graph: operators are applied chunk by chunk when you call
//! `.compute()`, chunks along a derivative axis are overlapped with `map_overlap`. In rylops a
//! [`ChunkedArray`](crate::ChunkedArray) is an **eager**, in-memory array cut into blocks on a
//! [`ChunkGrid`](crate::ChunkGrid) (regular or not); operators process the blocks **in parallel**
//! (rayon threads) and return the result at once — there is no graph and no `compute()`.
//!
//! - Along axes that are not chunked, every block is computed on its own: no communication.
//! - Along a chunked derivative axis, each block receives exactly the stencil's half-width from its
//!   neighbours (a *halo*), so the result is **bit for bit the same whatever the chunking**,
//!   including one single chunk — and the same as pylops' numpy result.
//! - The chunking of a result follows the input's; rechunk with
//!   [`rechunk`](crate::ChunkedArray::rechunk) / `rechunk_uniform`.
//! - For your own block-wise functions, [`core::overlap`](mod@crate::core::overlap) has dask's
//!   `overlap`, `map_overlap` (several inputs, asymmetric depths, every boundary) and
//!   `trim_internal`.
//!
//! ```
//! use ndarray::{ArrayD, IxDyn};
//! use rylops::prelude::*;
//! // x = da.from_array(np.arange(100.).reshape(10, 10), chunks=(5, 2))
//! let a = ArrayD::from_shape_fn(IxDyn(&[10, 10]), |ix| (10 * ix[0] + ix[1]) as f64);
//! let x = ChunkedArray::from_array_chunks(a.view(), &[5, 2])?;
//! assert_eq!(x.grid().all_chunks(), &[vec![5, 5], vec![2; 5]]);
//! // A Laplacian on it exchanges halos along both chunked axes: same bits as on one chunk.
//! let lap = Laplacian::<f64>::builder(&[10, 10]).edge(true).build()?;
//! let y_chunked = lap.forward(&x)?;
//! let y_single = lap.forward(&ChunkedArray::from_array(a))?;
//! assert_eq!(y_chunked.grid(), x.grid());
//! assert_eq!(y_chunked.to_array(), y_single.to_array());
//! # Ok::<(), rylops::Error>(())
//! ```
//!
//! ## Moving data to and from numpy
//!
//! With the default `npy` feature, [`core::npy`](crate::core::npy) reads and writes `.npy` files
//! (C or Fortran order; `float32`, `float64`, `complex64`, `complex128`, plus any real dtype
//! converted with `read_npy_as`) and `.npz` archives of several named arrays (the module's
//! documentation lists what it reads). A file holds one plain array: the chunking is chosen when
//! reading.
//!
//! ```
//! use rylops::core::npy::{read_npy_chunked, write_npy_chunked};
//! use rylops::prelude::*;
//! let path = std::env::temp_dir().join(format!("rylops-guide-{}.npy", std::process::id()));
//! let x = ChunkedArray::<f64>::random(ChunkGrid::uniform(&[64, 48], &[32, 48])?, 3);
//! write_npy_chunked(&path, &x)?; // in Python: x = np.load(path)
//! let y = read_npy_chunked::<f64>(&path, &[16, 16])?; // other chunks, same values
//! assert_eq!(y.to_array(), x.to_array());
//! # std::fs::remove_file(&path).unwrap();
//! # Ok::<(), rylops::Error>(())
//! ```
//!
//! ## Running a dot test
//!
//! The dot test checks that an operator's adjoint is its transpose-conjugate:
//! `<A u, v> == <u, A^H v>` for random `u`, `v`. pylops' `dottest(Op, nr, nc)` becomes
//! [`dot_test`](crate::dot_test)`(&op, seed)`, which draws `u` and `v` in the operator's own shapes
//! (reproducibly, from `seed`) and compares with the default tolerance of the precision (see
//! [`dot_test`](crate::dot_test)). To test on a chunked layout or with another tolerance, use
//! [`dot_test_with`](crate::dot_test_with) with a template of the model.
//!
//! ```
//! use num_complex::Complex;
//! use rylops::prelude::*;
//! // dottest(FirstDerivative((30, 40), axis=0, dtype="complex128"), 1200, 1200, complexflag=3)
//! let d = FirstDerivative::<Complex<f64>>::builder(&[30, 40]).axis(0).build()?;
//! let report = dot_test(&d, 7)?;
//! assert!(report.passed, "relative error {}", report.rel_error);
//!
//! // On a model chunked along the derivative axis, with a tolerance of our own.
//! let lap = Laplacian::<f32>::builder(&[30, 40]).weights(&[3.0, 1.0]).build()?;
//! let template = ChunkedArray::<f32>::zeros(ChunkGrid::uniform(&[30, 40], &[7, 40])?);
//! assert!(dot_test_with(&lap, template, 1, Some(1e-5))?.passed);
//!
//! // Composites too: the normal operator L^H L, and two derivatives stacked (VStack).
//! let normal = (&lap).h().times(&lap)?;
//! assert!(dot_test(&normal, 2)?.passed);
//! let dx = FirstDerivative::<f64>::builder(&[30, 40]).axis(0).build()?;
//! let dy = FirstDerivative::<f64>::builder(&[30, 40]).axis(1).build()?;
//! let stacked = VStack::new(vec![dx, dy])?;
//! assert!(dot_test(&stacked, 3)?.passed);
//! # Ok::<(), rylops::Error>(())
//! ```
//!
//! ## Solvers
//!
//! pylops' `cg`, `cgls` and `lsqr`, its `regularized_inversion`, `normal_equations_inversion`
//! and `preconditioned_inversion`, its `Op / y` ([`solve`](fn@crate::solvers::solve)), and a
//! preconditioned `pcg` are in [`solvers`](crate::solvers), with the same arguments (initial
//! guess, number of iterations, damping, tolerances). They work on any operator whose model and
//! data are vectors (chunked arrays, stacks of them, arrays distributed over MPI ranks), allocate
//! their work vectors once, and return the iterate with the residual history `cost` and pylops'
//! diagnostics. Where pylops' behaviour differs from its documentation (`cg` compares `tol` with the
//! squared residual norm, for instance), the default follows the documentation and
//! `pylops_compat(true)` reproduces pylops; the [`solvers`](crate::solvers) page lists every
//! difference. Solvers stop with an error where pylops carries on with NaN iterates: a zero or
//! non-finite quantity they must divide by is [`Error::Breakdown`](crate::Error::Breakdown), an
//! operator that is not positive definite in `cg` is
//! [`Error::NotPositiveDefinite`](crate::Error::NotPositiveDefinite).
//!
//! ```
//! use ndarray::{ArrayD, IxDyn};
//! use rylops::operators::{Diagonal, Identity};
//! use rylops::prelude::*;
//! use rylops::solvers::{
//!     cg, lsqr, regularized_inversion, CgParams, LsqrParams, Regularization, RegularizedSolver,
//!     StopReason,
//! };
//! // cg(Op, y, niter=100, tol=...) on the SPD operator D^H D + I, on a chunked model.
//! let d = FirstDerivative::<f64>::builder(&[60]).edge(true).build()?;
//! let a = (&d).h().times(&d)?.plus(Identity::<f64>::new(60)?)?;
//! let x_true = ChunkedArray::<f64>::random(ChunkGrid::uniform(&[60], &[20])?, 1);
//! let y = a.forward(&x_true)?;
//! let sol = cg(&a, &y, &CgParams::default().niter(100).tol(1e-10))?;
//! assert_eq!(sol.stop, StopReason::Tolerance);
//! let mut err = sol.x.clone();
//! err.sub_assign(&x_true);
//! assert!(err.norm() < 1e-8 * x_true.norm());
//!
//! // lsqr(Op, y, damp=0, atol=1e-12, btol=1e-12, niter=200) on D itself (not invertible: constants
//! // are in its null space), a least-squares solution.
//! let yd = d.forward(&x_true)?;
//! let sol = lsqr(&d, &yd, &LsqrParams::default().niter(200).atol(1e-12).btol(1e-12))?;
//! let mut r = d.forward(&sol.x)?;
//! r.sub_assign(&yd);
//! assert!(r.norm() < 1e-8 * yd.norm());
//! assert_eq!(sol.cost.len(), sol.iterations + 1); // pylops' cost: one entry per iteration, + 1
//!
//! // regularized_inversion(M, y, [Laplacian], epsRs=[0.1]): fill the gaps of a masked model.
//! let dims = [20, 30];
//! let keep = ArrayD::from_shape_fn(IxDyn(&dims), |ix| ((ix[0] + ix[1]) % 3 == 0) as u8 as f64);
//! let mask = Diagonal::new(keep)?;
//! let smooth = ArrayD::from_shape_fn(IxDyn(&dims), |ix| (ix[0] as f64 / 10.0).sin() + ix[1] as f64 / 30.0);
//! let y = mask.forward(&ChunkedArray::from_array(smooth))?;
//! let lap = Laplacian::<f64>::builder(&dims).edge(true).build()?;
//! let regs = [Regularization::new(&lap, 0.1)];
//! let solver = RegularizedSolver::Lsqr(LsqrParams::default().niter(300));
//! let sol = regularized_inversion(&mask, &y, &regs, &solver)?;
//! assert_eq!(sol.x.shape(), &dims);
//! let mut misfit = mask.forward(&sol.x)?;
//! misfit.sub_assign(&y);
//! assert!(misfit.norm() < 0.1 * y.norm());
//! # Ok::<(), rylops::Error>(())
//! ```
//!
//! ## MPI instead of pylops-mpi's DistributedArray
//!
//! pylops-mpi spreads a vector over MPI ranks with a `DistributedArray` (`partition=SCATTER` along
//! an axis, or `BROADCAST`), and stacks operators across ranks (`MPIVStack`, `MPIBlockDiag`). In
//! rylops, the `mpi` feature (Open MPI; set-up in `docs/mpi.md`) adds `rylops::mpi`:
//!
//! - `Partition`: a global shape split over the ranks along any subset of axes (slabs, pencils,
//!   blocks; even, automatic or user-given local lengths), and `Layout`, a partition every rank
//!   agrees on;
//! - `DistArray`: the rank's block of a global array, held as a
//!   [`ChunkedArray`](crate::ChunkedArray) (work is split over ranks, then over threads within a
//!   rank), with scatter and gather, and [`Vector`](crate::Vector) operations whose dot products and
//!   norms are deterministic all-reductions (the same value on every rank);
//! - `Distributed`: FirstDerivative, SecondDerivative, Laplacian and Gradient on partitioned arrays,
//!   forward and adjoint, bit for bit as in one process, exchanging only the stencil's halo with
//!   the neighbouring ranks.
//!
//! Operators and arrays are a [`LinearOperator`](crate::LinearOperator) and a
//! [`Vector`](crate::Vector) like any other, so the dot test and the solvers run on distributed
//! data unchanged. Errors that differ between ranks (partitions, shapes, operator parameters) come
//! back as the same typed [`Error`](crate::Error) on every rank instead of a hang.
//!
//! ```text
//! use std::sync::Arc;
//! use rylops::mpi::{Comm, DistArray, Distributed, Layout, Partition};
//! use rylops::prelude::*;
//! use rylops::solvers::{cg, CgParams};
//!
//! let _universe = rylops::mpi::mpi::initialize().unwrap();
//! let comm = Arc::new(Comm::world());
//! let shape = [256, 256, 256];
//! let layout = Layout::new(comm.clone(), Partition::auto(&shape, comm.size(), &[0, 1])?)?;
//! let lap = Laplacian::<f64>::builder(&shape).axes(&[0, 1, 2]).weights(&[1.0; 3]).build()?;
//! let op = Distributed::new(lap, &layout)?;       // collective
//! let x = DistArray::from_global_fn(&layout, |ix| (ix[0] + ix[1] + ix[2]) as f64);
//! let y = op.forward(&x)?;                        // halos travel between ranks
//! let whole = y.gather(0);                        // Some(array) on rank 0
//! ```
//!
//! `examples/mpi_poisson.rs` solves a 3-D Poisson problem with conjugate gradients on distributed
//! arrays.
//!
//! ## Your own operator
//!
//! pylops wraps two functions into an operator with `FunctionOperator(f, fc, n, m)` (or subclasses
//! `LinearOperator` with `_matvec` and `_rmatvec`). rylops has the same two ways, each in a few
//! lines, and the result is an operator like the library's own: the dot test, `.h()`, `.times()`,
//! `VStack` and every solver accept it, on chunked arrays.
//!
//! ```python
//! # pylops: y = cumsum(x), and its adjoint, the reversed cumulative sum
//! Op = pylops.FunctionOperator(lambda x: np.cumsum(x),
//!                              lambda y: np.cumsum(y[::-1])[::-1], 6, 6)
//! ```
//!
//! 1. **[`FunctionOperator`](crate::FunctionOperator)**: model shape, data shape, a forward closure
//!    `(x, y)` and an adjoint closure `(y, x)`. Each closure gets its input and a zero-filled output,
//!    both [`ChunkedArray`](crate::ChunkedArray)s of the right shapes (the output laid out like the
//!    input where the shapes allow).
//! 2. **[`ChunkedOperator`](crate::ChunkedOperator)**: a type of your own with `dims`, `dimsd`,
//!    `forward_into` and `adjoint_into`, wrapped in [`Chunked`](crate::Chunked), which adds the rest
//!    (shape checks before your code runs, output layouts, zero vectors). rylops' own operators are
//!    written this way: `Laplacian::builder(..).build()?` returns a `Chunked<Laplacian<T>>`.
//!
//! ```
//! use ndarray::aview1;
//! use rylops::prelude::*;
//! use rylops::solvers::{lsqr, LsqrParams};
//!
//! /// Writes the values `v` (in C order) into `out`, keeping `out`'s chunking.
//! fn write(out: &mut ChunkedArray<f64>, v: &[f64]) -> Result<()> {
//!     *out = ChunkedArray::from_array_grid(aview1(v).into_dyn(), out.grid().clone())?;
//!     Ok(())
//! }
//! /// The values of `a` in C order.
//! fn values(a: &ChunkedArray<f64>) -> Vec<f64> {
//!     a.to_array().iter().copied().collect()
//! }
//! fn cumsum(v: impl Iterator<Item = f64>) -> Vec<f64> {
//!     v.scan(0.0, |acc, x| { *acc += x; Some(*acc) }).collect()
//! }
//!
//! // 1. From two closures, as pylops' FunctionOperator.
//! let causal = FunctionOperator::<f64>::new(
//!     &[6],
//!     &[6],
//!     |x, y| write(y, &cumsum(values(x).into_iter())),
//!     |y, x| {
//!         let mut r = cumsum(values(y).into_iter().rev());
//!         r.reverse();
//!         write(x, &r)
//!     },
//! )?;
//! assert!(dot_test(&causal, 0)?.passed);
//!
//! // 2. From a type with the two methods, wrapped in `Chunked`.
//! struct Reverse(usize);
//! impl ChunkedOperator for Reverse {
//!     type Scalar = f64;
//!     fn dims(&self) -> Vec<usize> { vec![self.0] }
//!     fn dimsd(&self) -> Vec<usize> { vec![self.0] }
//!     fn forward_into(&self, x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>) -> Result<()> {
//!         let r: Vec<f64> = values(x).into_iter().rev().collect();
//!         write(y, &r)
//!     }
//!     fn adjoint_into(&self, y: &ChunkedArray<f64>, x: &mut ChunkedArray<f64>) -> Result<()> {
//!         self.forward_into(y, x) // a permutation that is its own inverse
//!     }
//! }
//! let flip = Chunked(Reverse(6));
//! assert!(dot_test(&flip, 1)?.passed);
//!
//! // Both compose with each other and with the library's operators, and solvers take them.
//! let d = FirstDerivative::<f64>::builder(&[6]).build()?;
//! let parts: Vec<rylops::core::BoxOp<f64>> =
//!     vec![Box::new(Chunked(Reverse(6)).times(causal.clone())?), Box::new(d)];
//! let op = VStack::new(parts)?;
//! assert!(dot_test(&op, 2)?.passed);
//! assert!(dot_test(&(&flip).h().times(&causal)?, 3)?.passed);
//! let x_true = ChunkedArray::from_array(aview1(&[1.0, -2.0, 0.5, 3.0, 0.0, 1.0]).to_owned().into_dyn());
//! let y = causal.forward(&x_true)?;
//! let sol = lsqr(&causal, &y, &LsqrParams::default().niter(20))?;
//! assert!((&sol.x.to_array() - &x_true.to_array()).iter().all(|e| e.abs() < 1e-9));
//! // A chunked model: outputs keep its chunks.
//! let xc = x_true.rechunk_uniform(&[4])?;
//! assert_eq!(causal.forward(&xc)?.grid().chunks(0), &[4, 2]);
//! assert_eq!(causal.forward(&xc)?.to_array(), y.to_array());
//! # Ok::<(), rylops::Error>(())
//! ```
//!
//! **Forward only.** `cg` and `pcg` (and their preconditioners) need only the forward, so they
//! take a [`LinearMap`](crate::LinearMap), the forward half of
//! [`LinearOperator`](crate::LinearOperator). `FunctionOperator::forward_only(dims, dimsd, f)` is
//! pylops' `FunctionOperator(f, n, m)`: it works wherever no adjoint is called and returns
//! [`Error::NotImplemented`](crate::Error::NotImplemented) (pylops' `NotImplementedError`) where one
//! is. For another vector type, implement `LinearMap` itself.
//!
//! ```
//! use rylops::prelude::*;
//! use rylops::solvers::{cg, CgParams};
//! // The SPD tridiagonal matrix [-1, 4, -1], forward only.
//! let a = FunctionOperator::<f64>::forward_only(&[8], &[8], |x, y| {
//!     let (x, n) = (x.to_array(), 8);
//!     let v: Vec<f64> = (0..n)
//!         .map(|i| {
//!             let left = if i > 0 { x[[i - 1]] } else { 0.0 };
//!             let right = if i + 1 < n { x[[i + 1]] } else { 0.0 };
//!             4.0 * x[[i]] - left - right
//!         })
//!         .collect();
//!     *y = ChunkedArray::from_array_grid(ndarray::aview1(&v).into_dyn(), y.grid().clone())?;
//!     Ok(())
//! })?;
//! let mut b = a.zeros_range();
//! b.fill(1.0);
//! let sol = cg(&a, &b, &CgParams::default().niter(50).tol(1e-12))?;
//! let mut r = a.forward(&sol.x)?;
//! r.sub_assign(&b);
//! assert!(r.norm() < 1e-10);
//! assert!(matches!(a.adjoint(&b), Err(Error::NotImplemented(_))));
//! # Ok::<(), rylops::Error>(())
//! ```
