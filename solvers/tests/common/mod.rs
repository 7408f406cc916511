//! Test support: a dense matrix operator on 1-D chunked arrays, random problems, and a dense solver.
#![allow(dead_code)]

use ndarray::{Array1, Array2, ArrayD, IxDyn};
use num_complex::Complex;
use rylops_core::vector::random_scalar;
use rylops_core::{
    ChunkGrid, ChunkedArray, LinearMap, LinearOperator, RealScalar, Result, Rng, Scalar,
};

pub type C64 = Complex<f64>;
pub type C32 = Complex<f32>;

/// `y = A x` for a dense `A` (m x n), on 1-D chunked arrays: the domain split in chunks of
/// `dchunk`, the range in chunks of `rchunk`. Products are summed sequentially in index order.
pub struct Dense<T> {
    pub a: Array2<T>,
    dchunk: usize,
    rchunk: usize,
}

impl<T: Scalar> Dense<T> {
    /// One chunk for the domain and the range.
    pub fn new(a: Array2<T>) -> Self {
        let (m, n) = a.dim();
        Self {
            a,
            dchunk: n.max(1),
            rchunk: m.max(1),
        }
    }
    /// Domain chunks of `dchunk` entries, range chunks of `rchunk`.
    pub fn chunked(a: Array2<T>, dchunk: usize, rchunk: usize) -> Self {
        Self { a, dchunk, rchunk }
    }
    pub fn rows(&self) -> usize {
        self.a.nrows()
    }
    pub fn cols(&self) -> usize {
        self.a.ncols()
    }
    fn dgrid(&self) -> ChunkGrid {
        ChunkGrid::uniform(&[self.cols()], &[self.dchunk]).unwrap()
    }
    fn rgrid(&self) -> ChunkGrid {
        ChunkGrid::uniform(&[self.rows()], &[self.rchunk]).unwrap()
    }
    /// A domain vector with the values of `v`, in this operator's domain chunking.
    pub fn dvec(&self, v: &Array1<T>) -> ChunkedArray<T> {
        ChunkedArray::from_array_grid(v.view().into_dyn(), self.dgrid()).unwrap()
    }
    /// A range vector with the values of `v`, in this operator's range chunking.
    pub fn rvec(&self, v: &Array1<T>) -> ChunkedArray<T> {
        ChunkedArray::from_array_grid(v.view().into_dyn(), self.rgrid()).unwrap()
    }
}

fn write_into<T: Scalar>(out: &mut ChunkedArray<T>, vals: &[T]) {
    let grid = out.grid().clone();
    for k in 0..grid.nblocks() {
        let off = grid.block_offset(&grid.block_id(k))[0];
        let s = out.block_slice_mut(k);
        let n = s.len();
        s.copy_from_slice(&vals[off..off + n]);
    }
}

impl<T: Scalar> LinearMap for Dense<T> {
    type Scalar = T;
    type Domain = ChunkedArray<T>;
    type Range = ChunkedArray<T>;
    fn dims(&self) -> Vec<usize> {
        vec![self.cols()]
    }
    fn dimsd(&self) -> Vec<usize> {
        vec![self.rows()]
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        let xv = x.to_array();
        let vals: Vec<T> = (0..self.rows())
            .map(|i| {
                let mut acc = T::zero();
                for j in 0..self.cols() {
                    acc += self.a[[i, j]] * xv[[j]];
                }
                acc
            })
            .collect();
        write_into(y, &vals);
        Ok(())
    }
    fn range_like(&self, _x: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
        Ok(ChunkedArray::zeros(self.rgrid()))
    }
    fn zeros_domain(&self) -> ChunkedArray<T> {
        ChunkedArray::zeros(self.dgrid())
    }
    fn zeros_range(&self) -> ChunkedArray<T> {
        ChunkedArray::zeros(self.rgrid())
    }
}

impl<T: Scalar> LinearOperator for Dense<T> {
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        let yv = y.to_array();
        let vals: Vec<T> = (0..self.cols())
            .map(|j| {
                let mut acc = T::zero();
                for i in 0..self.rows() {
                    acc += self.a[[i, j]].conj() * yv[[i]];
                }
                acc
            })
            .collect();
        write_into(x, &vals);
        Ok(())
    }
    fn domain_like(&self, _y: &ChunkedArray<T>) -> Result<ChunkedArray<T>> {
        Ok(ChunkedArray::zeros(self.dgrid()))
    }
}

/// Converts a real to f64.
pub fn f<R: RealScalar>(v: R) -> f64 {
    v.to_f64_lossless()
}

/// Standard-normal matrix (complex: independent parts).
pub fn randn<T: Scalar>(m: usize, n: usize, seed: u64) -> Array2<T> {
    let mut rng = Rng::new(seed);
    Array2::from_shape_simple_fn((m, n), || random_scalar(&mut rng))
}

/// Standard-normal vector.
pub fn randv<T: Scalar>(n: usize, seed: u64) -> Array1<T> {
    let mut rng = Rng::new(seed);
    Array1::from_shape_simple_fn(n, || random_scalar(&mut rng))
}

/// `A^H`.
pub fn herm<T: Scalar>(a: &Array2<T>) -> Array2<T> {
    let (m, n) = a.dim();
    Array2::from_shape_fn((n, m), |(i, j)| a[[j, i]].conj())
}

/// `A B`, summed in index order.
pub fn matmul<T: Scalar>(a: &Array2<T>, b: &Array2<T>) -> Array2<T> {
    let (m, k) = a.dim();
    let n = b.ncols();
    assert_eq!(b.nrows(), k);
    Array2::from_shape_fn((m, n), |(i, j)| {
        let mut acc = T::zero();
        for l in 0..k {
            acc += a[[i, l]] * b[[l, j]];
        }
        acc
    })
}

/// `A x`.
pub fn matvec<T: Scalar>(a: &Array2<T>, x: &Array1<T>) -> Array1<T> {
    Array1::from_shape_fn(a.nrows(), |i| {
        let mut acc = T::zero();
        for j in 0..a.ncols() {
            acc += a[[i, j]] * x[j];
        }
        acc
    })
}

/// `A + s I`.
pub fn shift<T: Scalar>(a: &Array2<T>, s: f64) -> Array2<T> {
    let mut b = a.clone();
    for i in 0..a.nrows().min(a.ncols()) {
        b[[i, i]] += T::from_f64(s);
    }
    b
}

/// An SPD (HPD) matrix `B^H B + c I` of size n.
pub fn spd<T: Scalar>(n: usize, c: f64, seed: u64) -> Array2<T> {
    let b = randn::<T>(n, n, seed);
    shift(&matmul(&herm(&b), &b), c)
}

/// Solves `A x = b` by Gaussian elimination with partial pivoting, in f64/c64 arithmetic of `T`.
pub fn solve<T: Scalar>(a: &Array2<T>, b: &Array1<T>) -> Array1<T> {
    let n = a.nrows();
    assert_eq!(a.ncols(), n);
    let mut m = a.clone();
    let mut r = b.clone();
    for k in 0..n {
        let p = (k..n)
            .max_by(|&i, &j| f(m[[i, k]].modulus()).total_cmp(&f(m[[j, k]].modulus())))
            .unwrap();
        if p != k {
            for j in 0..n {
                let t = m[[k, j]];
                m[[k, j]] = m[[p, j]];
                m[[p, j]] = t;
            }
            r.swap(k, p);
        }
        let piv = m[[k, k]];
        for i in k + 1..n {
            let l = m[[i, k]] / piv;
            for j in k..n {
                let t = m[[k, j]];
                m[[i, j]] -= l * t;
            }
            let t = r[k];
            r[i] -= l * t;
        }
    }
    let mut x = Array1::from_elem(n, T::zero());
    for k in (0..n).rev() {
        let mut s = r[k];
        for j in k + 1..n {
            s -= m[[k, j]] * x[j];
        }
        x[k] = s / m[[k, k]];
    }
    x
}

/// The solution of `min ||y - A x||^2 + damp^2 ||x||^2` from the normal equations.
pub fn lstsq<T: Scalar>(a: &Array2<T>, y: &Array1<T>, damp: f64) -> Array1<T> {
    let ah = herm(a);
    solve(&shift(&matmul(&ah, a), damp * damp), &matvec(&ah, y))
}

/// `max_i |a_i - b_i| / max_i |b_i|`.
pub fn rel_err<T: Scalar>(a: &Array1<T>, b: &Array1<T>) -> f64 {
    assert_eq!(a.len(), b.len());
    let num = a
        .iter()
        .zip(b)
        .map(|(x, y)| f((*x - *y).modulus()))
        .fold(0.0, f64::max);
    let den = b.iter().map(|y| f(y.modulus())).fold(0.0, f64::max);
    num / den
}

/// A chunked 1-D array as an `Array1`.
pub fn arr<T: Scalar>(c: &ChunkedArray<T>) -> Array1<T> {
    c.to_array().into_dimensionality().unwrap()
}

/// Whether two chunked arrays are equal bit for bit (values compared with `==`, NaN-free).
pub fn bit_equal<T: Scalar>(a: &ChunkedArray<T>, b: &ChunkedArray<T>) -> bool {
    a.to_array() == b.to_array()
}

/// A 1-D single-chunk array.
pub fn single<T: Scalar>(v: &Array1<T>) -> ChunkedArray<T> {
    ChunkedArray::from_array(ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.to_vec()).unwrap())
}

/// Runs `f` in a rayon pool with `k` threads.
pub fn with_threads<R: Send>(k: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new()
        .num_threads(k)
        .build()
        .unwrap()
        .install(f)
}
