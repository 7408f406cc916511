//! numpy's and scipy's direct convolution, operation for operation: which sums pylops' 1-D
//! convolutions compute, and in which order, so that [`Convolve1D`](crate::Convolve1D) can repeat
//! them bit for bit.
//!
//! pylops 2.8.0 convolves a 1-D model with `scipy.signal.convolve(x, h, mode)` (method `auto`,
//! which is `direct` at the sizes where the order matters). For `same` mode with a kernel no
//! longer than the data, and for `full` mode, that is `np.convolve`, i.e. numpy's old `correlate`
//! of the data with the reversed kernel (`_pyarray_correlate`): every output is a dot product of a
//! window of the data with (part of) the kernel, summed left to right in data order, computed by
//! - numpy's `small_correlate` (a plain `s = 0; s += d*k` loop) for the rows whose window lies
//!   inside the data, when the kernel has at most 11 taps and the type is real, and otherwise by
//! - the BLAS dot product (`ddot`/`zdotu`), for the clipped rows at both ends and for longer kernels
//!   or complex types. OpenBLAS's dot products of fewer than 16 (real) or 8 (complex) terms are a
//!   scalar loop that the compiler fuses into `fma` (complex: four real sums `re*re`, `im*im`,
//!   `re*im`, `im*re`, combined at the end as `(rr - ii, ri + ir)`); longer ones run vector
//!   kernels whose order depends on the CPU, which rylops does not imitate (it keeps the scalar
//!   loop there: the results agree to rounding, not bit for bit).
//!
//! A kernel longer than the data in `same` mode goes through scipy's own `_correlateND` instead: a
//! plain `s = 0; s += d*k` loop in data order for every row.
//!
//! These rules were checked against pylops 2.8.0 (numpy 2.4.6 with scipy-openblas 0.3.31) on every
//! filter length up to 12 taps, every offset and lane lengths up to 30, float64 and complex128.

use num_traits::Float;
use rylops_core::Scalar;

/// How one output of a direct convolution is accumulated (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Acc {
    /// `s = 0; s = s + a*b` (numpy's `small_correlate`, scipy's `_correlateND`).
    Plain,
    /// The BLAS dot product: fused multiply-adds (complex: four real sums).
    Dot,
}

/// The largest kernel numpy's `small_correlate` handles (real types only).
const SMALL_KERNEL: usize = 11;

/// One running sum of products, accumulated as `kind` says.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sum<T: Scalar> {
    kind: Acc,
    s: T,
    d: [T::Real; 4],
}

impl<T: Scalar> Sum<T> {
    /// An empty sum (zero).
    #[inline(always)]
    pub(crate) fn new(kind: Acc) -> Self {
        let z = <T::Real as num_traits::Zero>::zero();
        Self {
            kind,
            s: T::zero(),
            d: [z; 4],
        }
    }
    /// Adds `a * b`.
    #[inline(always)]
    pub(crate) fn add(&mut self, a: T, b: T) {
        self.add_as(self.kind, a, b)
    }
    /// Adds `a * b` accumulated as `kind`, which must be this sum's kind (for loops that match on
    /// the kind once, outside).
    #[inline(always)]
    pub(crate) fn add_as(&mut self, kind: Acc, a: T, b: T) {
        debug_assert_eq!(kind, self.kind);
        match (kind, T::IS_COMPLEX) {
            (Acc::Plain, _) => self.s += a * b,
            (Acc::Dot, false) => self.d[0] = Float::mul_add(a.re(), b.re(), self.d[0]),
            (Acc::Dot, true) => {
                let (ar, ai, br, bi) = (a.re(), a.im(), b.re(), b.im());
                self.d[0] = Float::mul_add(ar, br, self.d[0]);
                self.d[1] = Float::mul_add(ai, bi, self.d[1]);
                self.d[2] = Float::mul_add(ar, bi, self.d[2]);
                self.d[3] = Float::mul_add(ai, br, self.d[3]);
            }
        }
    }
    /// The sum. (numpy adds the BLAS result to a zero, which changes no bit: none of these sums
    /// is ever `-0`.)
    #[inline(always)]
    pub(crate) fn get(self) -> T {
        match (self.kind, T::IS_COMPLEX) {
            (Acc::Plain, _) => self.s,
            (Acc::Dot, false) => T::from_real(self.d[0]),
            (Acc::Dot, true) => T::from_parts(self.d[0] - self.d[1], self.d[2] + self.d[3]),
        }
    }
}

/// How the rows of `np.convolve(data, kernel, 'same')` (or of the `_correlateND` path) are
/// accumulated, for a kernel of `l` taps (zero padding included) over data of `n` samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SamePlan {
    /// Kernel length, padding included.
    pub(crate) l: usize,
}

impl SamePlan {
    /// Output rows computed by numpy's unclipped loop (`n_left .. n - n_right`), empty when the
    /// kernel is longer than the data (scipy's `_correlateND` path, plain in every row).
    pub(crate) fn unclipped(&self, n: usize) -> std::ops::Range<usize> {
        let l = self.l;
        if l > n || l == 0 {
            return 0..0;
        }
        let left = l / 2;
        let right = l - left - 1;
        left..n - right
    }
    /// How row `i` of `n` is accumulated.
    pub(crate) fn kind<T: Scalar>(&self, i: usize, n: usize) -> Acc {
        if self.l > n {
            return Acc::Plain;
        }
        if self.unclipped(n).contains(&i) {
            self.interior_kind::<T>()
        } else {
            Acc::Dot
        }
    }
    /// How the unclipped rows are accumulated.
    pub(crate) fn interior_kind<T: Scalar>(&self) -> Acc {
        if !T::IS_COMPLEX && self.l <= SMALL_KERNEL {
            Acc::Plain
        } else {
            Acc::Dot
        }
    }
}

/// numpy's old `correlate(a, w, mode)` (`np.convolve` passes the reversed kernel as `w`), with
/// `a.len() >= w.len()`: `full` or `same` mode.
fn np_correlate<T: Scalar>(a: &[T], w: &[T], full: bool) -> Vec<T> {
    let (na, nw) = (a.len(), w.len());
    debug_assert!(na >= nw && nw > 0);
    let (left, right) = if full {
        (nw - 1, nw - 1)
    } else {
        (nw / 2, nw - nw / 2 - 1)
    };
    let dot = |a0: usize, w0: usize, count: usize, kind: Acc| {
        let mut s = Sum::new(kind);
        for j in 0..count {
            s.add(a[a0 + j], w[w0 + j]);
        }
        s.get()
    };
    let mut out = Vec::with_capacity(na + left + right + 1 - nw);
    for i in 0..left {
        out.push(dot(0, left - i, nw - left + i, Acc::Dot));
    }
    let inner = SamePlan { l: nw }.interior_kind::<T>();
    for i in 0..=na - nw {
        out.push(dot(i, 0, nw, inner));
    }
    for i in 0..right {
        out.push(dot(na - nw + 1 + i, 0, nw - 1 - i, Acc::Dot));
    }
    out
}

/// `np.convolve(a, v, mode)` for `full` or `same` mode (numpy swaps the arguments when `v` is the
/// longer).
pub(crate) fn np_convolve<T: Scalar>(a: &[T], v: &[T], full: bool) -> Vec<T> {
    let (a, v) = if v.len() > a.len() { (v, a) } else { (a, v) };
    let w: Vec<T> = v.iter().rev().copied().collect();
    np_correlate(a, &w, full)
}

/// `scipy.signal.convolve(vol, ker, 'same')` with the direct method: `np.convolve` when the kernel
/// is no longer than the data, scipy's `_correlateND` (plain sums in data order) otherwise.
pub(crate) fn sp_convolve_same<T: Scalar>(vol: &[T], ker: &[T]) -> Vec<T> {
    let (n, l) = (vol.len(), ker.len());
    if l <= n {
        return np_convolve(vol, ker, false);
    }
    let c = l / 2;
    (0..n)
        .map(|i| {
            let mut s = Sum::new(Acc::Plain);
            for k in 0..l {
                // vol index i + k - c with the reversed kernel's tap k.
                if let Some(j) = (i + k).checked_sub(c).filter(|&j| j < n) {
                    s.add(vol[j], ker[l - 1 - k]);
                }
            }
            s.get()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex64;

    #[test]
    fn same_and_full_modes_have_numpys_lengths_and_values() {
        let a = [1.0, 2.0, 3.0, 4.0];
        let v = [1.0, 10.0];
        assert_eq!(np_convolve(&a, &v, true), vec![1.0, 12.0, 23.0, 34.0, 40.0]);
        assert_eq!(np_convolve(&a, &v, false), vec![1.0, 12.0, 23.0, 34.0]);
        // Swapped arguments give the same full convolution.
        assert_eq!(np_convolve(&v, &a, true), np_convolve(&a, &v, true));
        // A kernel longer than the data in `same` mode: scipy's centred window.
        assert_eq!(sp_convolve_same(&v, &a), vec![12.0, 23.0]);
    }

    #[test]
    fn sums_follow_the_kind() {
        // -0.01 + 0.1*0.1: the fused sum rounds once, the plain one twice.
        let (a, b) = (0.1f64, 0.1f64);
        let mut p = Sum::<f64>::new(Acc::Plain);
        let mut f = Sum::<f64>::new(Acc::Dot);
        for s in [&mut p, &mut f] {
            s.add(-0.01, 1.0);
            s.add(a, b);
        }
        assert_eq!(p.get(), -0.01 + 0.1 * 0.1);
        assert_eq!(f.get(), 0.1f64.mul_add(0.1, -0.01));
        assert_ne!(p.get(), f.get());
        let mut c = Sum::<Complex64>::new(Acc::Dot);
        c.add(Complex64::new(1.0, 2.0), Complex64::new(3.0, -1.0));
        assert_eq!(c.get(), Complex64::new(5.0, 5.0));
        let plan = SamePlan { l: 5 };
        assert_eq!(plan.unclipped(9), 2..7);
        assert_eq!(plan.kind::<f64>(1, 9), Acc::Dot);
        assert_eq!(plan.kind::<f64>(2, 9), Acc::Plain);
        assert_eq!(plan.kind::<Complex64>(2, 9), Acc::Dot);
        assert_eq!(plan.kind::<f64>(0, 4), Acc::Plain);
        assert_eq!(SamePlan { l: 13 }.kind::<f64>(6, 20), Acc::Dot);
    }
}
