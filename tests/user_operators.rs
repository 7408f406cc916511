//! Operators written by a user, in two methods: with `FunctionOperator` (closures) and with
//! `ChunkedOperator` + `Chunked` (a type), in `f64` and `Complex<f64>`. Each passes the dot test in
//! several chunkings, composes (`VStack`, `.h()`, `.times()`) with itself and with the library's
//! operators, and is solved by `cgls` and `lsqr`; a forward-only operator is solved by `cg` and
//! `pcg`.

use ndarray::{ArrayD, IxDyn};
use num_complex::Complex64;
use rylops::core::{BoxOp, Rng};
use rylops::prelude::*;
use rylops::solvers::{cg, cgls, lsqr, pcg, CgParams, CglsParams, LsqrParams};

/// Writes the C-order values `v` into `out`, keeping `out`'s chunking.
fn write<T: Scalar>(out: &mut ChunkedArray<T>, v: Vec<T>) -> Result<()> {
    let a = ArrayD::from_shape_vec(IxDyn(out.shape()), v).expect("length of the output");
    *out = ChunkedArray::from_array_grid(a.view(), out.grid().clone())?;
    Ok(())
}

/// `y = A x` with `A` the lower-bidiagonal matrix `a` on the diagonal, `b` below it, applied along
/// the last axis of an n-d array (each lane separately). Invertible for `a != 0`.
struct Bidiagonal<T> {
    dims: Vec<usize>,
    a: T,
    b: T,
}

impl<T: Scalar> Bidiagonal<T> {
    /// `y[.., i] = a x[.., i] + b x[.., i - 1]` (forward) or its adjoint on flat C-order data.
    fn apply(&self, adjoint: bool, x: &[T]) -> Vec<T> {
        let n = *self.dims.last().expect("at least one axis");
        let (a, b) = if adjoint {
            (self.a.conj(), self.b.conj())
        } else {
            (self.a, self.b)
        };
        let mut y = vec![T::zero(); x.len()];
        for (xl, yl) in x.chunks(n).zip(y.chunks_mut(n)) {
            for i in 0..n {
                let other = if adjoint {
                    if i + 1 < n {
                        xl[i + 1]
                    } else {
                        T::zero()
                    }
                } else if i > 0 {
                    xl[i - 1]
                } else {
                    T::zero()
                };
                yl[i] = a * xl[i] + b * other;
            }
        }
        y
    }
}

impl<T: Scalar> ChunkedOperator for Bidiagonal<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        let flat: Vec<T> = x.to_array().iter().copied().collect();
        write(y, self.apply(false, &flat))
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        let flat: Vec<T> = y.to_array().iter().copied().collect();
        write(x, self.apply(true, &flat))
    }
}

/// The same operator from two closures; a third closure-built operator sums along the last axis
/// (`dims -> dims[..-1] + [1]`, a non-square one).
fn bidiagonal_fn<T: Scalar>(dims: &[usize], a: T, b: T) -> Chunked<FunctionOperator<T>> {
    let op = Bidiagonal {
        dims: dims.to_vec(),
        a,
        b,
    };
    let op2 = Bidiagonal {
        dims: dims.to_vec(),
        a,
        b,
    };
    FunctionOperator::new(
        dims,
        dims,
        move |x, y| {
            let flat: Vec<T> = x.to_array().iter().copied().collect();
            write(y, op.apply(false, &flat))
        },
        move |y, x| {
            let flat: Vec<T> = y.to_array().iter().copied().collect();
            write(x, op2.apply(true, &flat))
        },
    )
    .unwrap()
}

fn lane_sum<T: Scalar>(dims: &[usize]) -> Chunked<FunctionOperator<T>> {
    let n = *dims.last().unwrap();
    let mut dimsd = dims.to_vec();
    *dimsd.last_mut().unwrap() = 1;
    FunctionOperator::new(
        dims,
        &dimsd,
        move |x, y| {
            let a = x.to_array();
            let s: Vec<T> = a
                .as_slice()
                .unwrap()
                .chunks(n)
                .map(|l| l.iter().fold(T::zero(), |acc, &v| acc + v))
                .collect();
            write(y, s)
        },
        move |y, x| {
            let a = y.to_array();
            let v: Vec<T> = a.iter().flat_map(|&s| std::iter::repeat_n(s, n)).collect();
            write(x, v)
        },
    )
    .unwrap()
}

fn random<T: Scalar>(grid: ChunkGrid, seed: u64) -> ChunkedArray<T> {
    let mut x = ChunkedArray::zeros(grid);
    x.fill_random(&mut Rng::new(seed));
    x
}

/// Dot tests in one chunk and in chunkings along each axis, for both ways of writing the operator
/// and a non-square closure operator.
fn dot_tests<T: Scalar>(a: T, b: T) {
    let dims = [5, 7];
    let typed = Chunked(Bidiagonal {
        dims: dims.to_vec(),
        a,
        b,
    });
    let closures = bidiagonal_fn(&dims, a, b);
    let sum = lane_sum::<T>(&dims);
    for chunk in [[5, 7], [2, 7], [5, 3], [3, 2]] {
        let template = ChunkedArray::<T>::zeros(ChunkGrid::uniform(&dims, &chunk).unwrap());
        assert!(
            dot_test_with(&typed, template.clone(), 1, None)
                .unwrap()
                .passed
        );
        assert!(
            dot_test_with(&closures, template.clone(), 2, None)
                .unwrap()
                .passed
        );
        assert!(dot_test_with(&sum, template, 3, None).unwrap().passed);
    }
    // Both ways give the same numbers, in every chunking, and outputs keep the input's chunks.
    let x = random::<T>(ChunkGrid::uniform(&dims, &[2, 3]).unwrap(), 4);
    let (y1, y2) = (typed.forward(&x).unwrap(), closures.forward(&x).unwrap());
    assert_eq!(y1, y2);
    assert_eq!(y1.grid(), x.grid());
    assert_eq!(
        y1.to_array(),
        typed
            .forward(&x.rechunk_uniform(&[5, 7]).unwrap())
            .unwrap()
            .to_array()
    );
    assert_eq!(sum.forward(&x).unwrap().grid().chunks(0), &[2, 2, 1]);
}

#[test]
fn user_operators_pass_the_dot_test() {
    dot_tests::<f64>(1.5, -0.75);
    dot_tests::<Complex64>(Complex64::new(1.0, 0.5), Complex64::new(-0.25, 2.0));
}

/// VStack, `.h()` and `.times()` with user and library operators; each composite passes the dot
/// test and equals the step-by-step computation bit for bit.
fn compositions<T: Scalar>(a: T, b: T) {
    let dims = [6, 8];
    let typed = Chunked(Bidiagonal {
        dims: dims.to_vec(),
        a,
        b,
    });
    let closures = bidiagonal_fn(&dims, a, b);
    let d = FirstDerivative::<T>::builder(&dims)
        .axis(0)
        .build()
        .unwrap();
    let x = random::<T>(ChunkGrid::uniform(&dims, &[4, 8]).unwrap(), 5);

    let normal = (&typed).h().times(&closures).unwrap();
    assert!(dot_test(&normal, 6).unwrap().passed);
    let step = typed.adjoint(&closures.forward(&x).unwrap()).unwrap();
    assert_eq!(normal.forward(&x).unwrap(), step);

    let mixed = (&d).times(&typed).unwrap();
    assert!(dot_test(&mixed, 7).unwrap().passed);
    assert_eq!(
        mixed.forward(&x).unwrap(),
        d.forward(&typed.forward(&x).unwrap()).unwrap()
    );

    let parts: Vec<BoxOp<T>> = vec![
        Box::new(bidiagonal_fn(&dims, a, b)),
        Box::new(FirstDerivative::<T>::builder(&dims).build().unwrap()),
        Box::new(lane_sum::<T>(&dims)),
    ];
    let stack = VStack::new(parts).unwrap();
    assert!(dot_test(&stack, 8).unwrap().passed);
    let y = stack.forward(&x).unwrap();
    assert_eq!(y.parts()[0], closures.forward(&x).unwrap());
    assert_eq!(y.parts()[2].shape(), &[6, 1]);
}

#[test]
fn user_operators_compose() {
    compositions::<f64>(2.0, 1.0);
    compositions::<Complex64>(Complex64::new(0.5, 1.0), Complex64::new(1.0, -1.0));
}

/// cgls and lsqr recover the model of a well-conditioned user operator, one chunk or several.
fn least_squares<T: Scalar>(a: T, b: T) {
    let dims = [4, 10];
    for (k, op) in [
        Box::new(Chunked(Bidiagonal {
            dims: dims.to_vec(),
            a,
            b,
        })) as BoxOp<T>,
        Box::new(bidiagonal_fn(&dims, a, b)),
    ]
    .into_iter()
    .enumerate()
    {
        for chunk in [[4, 10], [2, 3]] {
            let x_true = random::<T>(ChunkGrid::uniform(&dims, &chunk).unwrap(), 9 + k as u64);
            let y = op.forward(&x_true).unwrap();
            assert_eq!(y.grid(), x_true.grid());
            let s1 = cgls(&op, &y, &CglsParams::default().niter(60).tol(0.0)).unwrap();
            let s2 = lsqr(&op, &y, &LsqrParams::default().niter(60)).unwrap();
            for x in [s1.x, s2.x] {
                let mut e = x.clone();
                e.sub_assign(&x_true);
                let rel = e.norm().to_f64_lossless() / x_true.norm().to_f64_lossless();
                assert!(
                    rel < 1e-10,
                    "relative error {rel} (op {k}, chunks {chunk:?})"
                );
            }
        }
    }
}

#[test]
fn user_operators_are_solved_by_cgls_and_lsqr() {
    // |b / a| = 0.5: the bidiagonal matrix is well conditioned.
    least_squares::<f64>(2.0, -1.0);
    least_squares::<Complex64>(Complex64::new(0.0, 2.0), Complex64::new(0.6, 0.8));
}

/// `A = 4 I - shift_left - shift_right` along the last axis (symmetric positive definite), given
/// as a forward only.
struct Tridiagonal {
    dims: Vec<usize>,
}

impl LinearMap for Tridiagonal {
    type Scalar = f64;
    type Domain = ChunkedArray<f64>;
    type Range = ChunkedArray<f64>;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn forward_into(&self, x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>) -> Result<()> {
        rylops::core::check_shape(x, &self.dims, "Tridiagonal input")?;
        let n = *self.dims.last().unwrap();
        let a = x.to_array();
        let v: Vec<f64> = a
            .as_slice()
            .unwrap()
            .chunks(n)
            .flat_map(|l| {
                (0..n).map(move |i| {
                    let left = if i > 0 { l[i - 1] } else { 0.0 };
                    let right = if i + 1 < n { l[i + 1] } else { 0.0 };
                    4.0 * l[i] - left - right
                })
            })
            .collect();
        write(y, v)
    }
    fn range_like(&self, x: &ChunkedArray<f64>) -> Result<ChunkedArray<f64>> {
        Ok(x.zeros_like())
    }
    fn zeros_domain(&self) -> ChunkedArray<f64> {
        ChunkedArray::zeros_single(&self.dims)
    }
    fn zeros_range(&self) -> ChunkedArray<f64> {
        ChunkedArray::zeros_single(&self.dims)
    }
}

#[test]
fn forward_only_operators_are_solved_by_cg_and_pcg() {
    let dims = [3, 12];
    let a = Tridiagonal {
        dims: dims.to_vec(),
    };
    // A forward-only FunctionOperator: the Jacobi preconditioner 1/4.
    let jacobi = FunctionOperator::<f64>::forward_only(&dims, &dims, |r, z| {
        z.axpy(0.25, r);
        Ok(())
    })
    .unwrap();
    let mut b = random::<f64>(ChunkGrid::uniform(&dims, &[3, 5]).unwrap(), 11);
    b.scale(3.0);
    let params = CgParams::default().niter(100).tol(1e-11);
    for sol in [
        cg(&a, &b, &params).unwrap(),
        pcg(&a, &jacobi, &b, &params).unwrap(),
        // A sum of forward-only maps is a forward-only map: (A + 0 * M) = A.
        cg(&(&a).plus((&jacobi).scaled(0.0)).unwrap(), &b, &params).unwrap(),
    ] {
        assert_eq!(sol.x.grid(), b.grid());
        let mut r = a.forward(&sol.x).unwrap();
        r.sub_assign(&b);
        assert!(r.norm() < 1e-10 * b.norm(), "residual {}", r.norm());
    }
    // A product of forward-only maps is forward only, and cg solves with it too: M A with M = 1/4.
    let ma = (&jacobi).times(&a).unwrap();
    let mut bm = b.clone();
    bm.scale(0.25);
    let sol = cg(&ma, &bm, &params).unwrap();
    let mut r = a.forward(&sol.x).unwrap();
    r.sub_assign(&b);
    assert!(r.norm() < 1e-9 * b.norm());
}

#[test]
fn a_missing_adjoint_is_a_typed_error() {
    let f = FunctionOperator::<Complex64>::forward_only(&[4], &[4], |x, y| {
        y.copy_from(x);
        Ok(())
    })
    .unwrap();
    let mut y = ChunkedArray::<Complex64>::zeros_single(&[4]);
    y.fill(Complex64::new(1.0, -1.0));
    assert!(f.forward(&y).is_ok());
    assert!(matches!(f.adjoint(&y), Err(Error::NotImplemented(_))));
    assert!(matches!(
        cgls(&f, &y, &CglsParams::default().niter(3)),
        Err(Error::NotImplemented(_))
    ));
    assert!(matches!(dot_test(&f, 0), Err(Error::NotImplemented(_))));
}
