//! The small vector interface that solvers and composite operators need.
//!
//! Implemented by [`ChunkedArray`](crate::ChunkedArray) (parallel over chunks), by [`Stack`] (a
//! stacked vector for VStack/HStack/BlockDiag) and, in `rylops-mpi`, by arrays partitioned over ranks.
//! Reductions (`dot`, `norm`) use a fixed summation order, so results never depend on the number of
//! threads or on timing.

use crate::rng::Rng;
use crate::scalar::{RealScalar, Scalar};
use num_traits::{Float, Zero};

/// A vector in a linear space over `T`, as solvers see it.
///
/// Binary operations require both vectors to have the same layout ([`Vector::same_layout`]): they are
/// programmer errors otherwise and panic (solvers build their work vectors from the operator, so this
/// never depends on user data).
pub trait Vector<T: Scalar>: Clone + Send + Sync {
    /// Number of scalar entries.
    fn len(&self) -> usize;
    /// Whether the vector has no entries.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// A zero vector with the same layout.
    fn zeros_like(&self) -> Self;
    /// Whether `other` has the same layout (shape and chunking), so binary operations apply.
    fn same_layout(&self, other: &Self) -> bool;
    /// The layout in words, for error messages that must say how two layouts differ (a
    /// [`ChunkedArray`](crate::ChunkedArray) gives its shape and chunk grid:
    /// `"shape [6], chunks [[3, 3]]"`). The default gives the number of entries.
    fn describe_layout(&self) -> String {
        format!("{} entries", self.len())
    }
    /// Inner product `sum conj(self_i) * other_i`, summed in a fixed order.
    fn dot(&self, other: &Self) -> T;
    /// Squared Euclidean norm, summed in a fixed order.
    fn norm_sqr(&self) -> T::Real;
    /// Euclidean norm.
    fn norm(&self) -> T::Real {
        Float::sqrt(self.norm_sqr())
    }
    /// `self += a * x`.
    fn axpy(&mut self, a: T, x: &Self);
    /// `self = self + x` (exactly, without a multiplication by one).
    fn add_assign(&mut self, x: &Self);
    /// `self = self - x`.
    fn sub_assign(&mut self, x: &Self);
    /// `self = x + b * self`.
    fn xpby(&mut self, x: &Self, b: T);
    /// `self = a * x + b * y`.
    fn lincomb(&mut self, a: T, x: &Self, b: T, y: &Self);
    /// `self += a * x`, returning the squared norm of the result.
    ///
    /// The same values as [`axpy`](Self::axpy) then [`norm_sqr`](Self::norm_sqr), bit for bit; vectors
    /// that can (such as [`ChunkedArray`](crate::ChunkedArray)) do both in one pass over memory.
    fn axpy_norm_sqr(&mut self, a: T, x: &Self) -> T::Real {
        self.axpy(a, x);
        self.norm_sqr()
    }
    /// `self = x + b * self`, returning the squared norm of the result (one pass where supported;
    /// the same values as [`xpby`](Self::xpby) then [`norm_sqr`](Self::norm_sqr)).
    fn xpby_norm_sqr(&mut self, x: &Self, b: T) -> T::Real {
        self.xpby(x, b);
        self.norm_sqr()
    }
    /// `self += x` (exactly, as [`add_assign`](Self::add_assign)), returning the squared norm of
    /// the result (one pass where supported; the same values as `add_assign` then
    /// [`norm_sqr`](Self::norm_sqr), bit for bit).
    fn add_assign_norm_sqr(&mut self, x: &Self) -> T::Real {
        self.add_assign(x);
        self.norm_sqr()
    }
    /// `self -= x`, returning the squared norm of the result (one pass where supported; the same
    /// values as [`sub_assign`](Self::sub_assign) then [`norm_sqr`](Self::norm_sqr), bit for bit).
    fn sub_assign_norm_sqr(&mut self, x: &Self) -> T::Real {
        self.sub_assign(x);
        self.norm_sqr()
    }
    /// `self *= a`, returning the squared norm of the result (one pass where supported; the same
    /// values as [`scale`](Self::scale) then [`norm_sqr`](Self::norm_sqr), bit for bit).
    fn scale_norm_sqr(&mut self, a: T) -> T::Real {
        self.scale(a);
        self.norm_sqr()
    }
    /// The update of a conjugate-gradient-type method on its search direction `p = self`:
    /// `y += a * p`, then `p = x + b * p`; returns `||p||^2` of the new direction.
    ///
    /// The same values as `y.axpy(a, p); p.xpby(x, b); p.norm_sqr()`, bit for bit, but
    /// [`ChunkedArray`](crate::ChunkedArray) reads `p` once instead of three times.
    ///
    /// ```
    /// use rylops_core::{ChunkedArray, Vector};
    /// let v = |a: &[f64]| ChunkedArray::from_array(ndarray::arr1(a).into_dyn());
    /// let (mut p, mut y, x) = (v(&[1.0, 2.0]), v(&[10.0, 10.0]), v(&[0.5, 0.5]));
    /// let pp = p.step_direction(2.0, &mut y, &x, 3.0);
    /// assert_eq!(y.to_array().as_slice().unwrap(), &[12.0, 14.0]);
    /// assert_eq!(p.to_array().as_slice().unwrap(), &[3.5, 6.5]);
    /// assert_eq!(pp, 3.5 * 3.5 + 6.5 * 6.5);
    /// ```
    fn step_direction(&mut self, a: T, y: &mut Self, x: &Self, b: T) -> T::Real {
        y.axpy(a, self);
        self.xpby(x, b);
        self.norm_sqr()
    }
    /// `self *= a`.
    fn scale(&mut self, a: T);
    /// `self = other` (same layout).
    fn copy_from(&mut self, other: &Self);
    /// Sets every entry to `v`.
    fn fill(&mut self, v: T);
    /// Fills with standard-normal entries (complex: independent real and imaginary parts).
    fn fill_random(&mut self, rng: &mut Rng);
    /// Whether every entry is finite.
    fn all_finite(&self) -> bool;
    /// Element-wise update `f(&mut self_i, x_i)` for every entry (same layout), e.g. to accumulate
    /// `self_i += |x_i|^2`. `f` may be called in parallel and in any order.
    fn zip_apply<F: Fn(&mut T, T) + Sync + Send>(&mut self, x: &Self, f: F);
}

/// A stacked vector: the domain of an HStack or BlockDiag, the range of a VStack or BlockDiag.
///
/// Its inner product is the sum of the parts' inner products, in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Stack<V>(pub Vec<V>);

impl<V> Stack<V> {
    /// The parts.
    pub fn parts(&self) -> &[V] {
        &self.0
    }
    /// The parts, mutable.
    pub fn parts_mut(&mut self) -> &mut [V] {
        &mut self.0
    }
    /// Consumes the stack into its parts.
    pub fn into_parts(self) -> Vec<V> {
        self.0
    }
}

impl<T: Scalar, V: Vector<T>> Vector<T> for Stack<V> {
    fn len(&self) -> usize {
        self.0.iter().map(|v| v.len()).sum()
    }
    fn zeros_like(&self) -> Self {
        Stack(self.0.iter().map(|v| v.zeros_like()).collect())
    }
    fn same_layout(&self, other: &Self) -> bool {
        self.0.len() == other.0.len() && self.0.iter().zip(&other.0).all(|(a, b)| a.same_layout(b))
    }
    fn describe_layout(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(|v| v.describe_layout()).collect();
        format!("a stack of [{}]", parts.join("; "))
    }
    fn dot(&self, other: &Self) -> T {
        check_stack(self, other);
        let mut acc = T::zero();
        for (a, b) in self.0.iter().zip(&other.0) {
            acc += a.dot(b);
        }
        acc
    }
    fn norm_sqr(&self) -> T::Real {
        let mut acc = <T::Real as Zero>::zero();
        for a in &self.0 {
            acc += a.norm_sqr();
        }
        acc
    }
    fn axpy(&mut self, a: T, x: &Self) {
        check_stack(self, x);
        for (s, x) in self.0.iter_mut().zip(&x.0) {
            s.axpy(a, x);
        }
    }
    fn add_assign(&mut self, x: &Self) {
        check_stack(self, x);
        for (s, x) in self.0.iter_mut().zip(&x.0) {
            s.add_assign(x);
        }
    }
    fn sub_assign(&mut self, x: &Self) {
        check_stack(self, x);
        for (s, x) in self.0.iter_mut().zip(&x.0) {
            s.sub_assign(x);
        }
    }
    fn xpby(&mut self, x: &Self, b: T) {
        check_stack(self, x);
        for (s, x) in self.0.iter_mut().zip(&x.0) {
            s.xpby(x, b);
        }
    }
    fn lincomb(&mut self, a: T, x: &Self, b: T, y: &Self) {
        check_stack(self, x);
        check_stack(self, y);
        for ((s, x), y) in self.0.iter_mut().zip(&x.0).zip(&y.0) {
            s.lincomb(a, x, b, y);
        }
    }
    fn axpy_norm_sqr(&mut self, a: T, x: &Self) -> T::Real {
        check_stack(self, x);
        let mut acc = <T::Real as Zero>::zero();
        for (s, x) in self.0.iter_mut().zip(&x.0) {
            acc += s.axpy_norm_sqr(a, x);
        }
        acc
    }
    fn xpby_norm_sqr(&mut self, x: &Self, b: T) -> T::Real {
        check_stack(self, x);
        let mut acc = <T::Real as Zero>::zero();
        for (s, x) in self.0.iter_mut().zip(&x.0) {
            acc += s.xpby_norm_sqr(x, b);
        }
        acc
    }
    fn add_assign_norm_sqr(&mut self, x: &Self) -> T::Real {
        check_stack(self, x);
        let mut acc = <T::Real as Zero>::zero();
        for (s, x) in self.0.iter_mut().zip(&x.0) {
            acc += s.add_assign_norm_sqr(x);
        }
        acc
    }
    fn sub_assign_norm_sqr(&mut self, x: &Self) -> T::Real {
        check_stack(self, x);
        let mut acc = <T::Real as Zero>::zero();
        for (s, x) in self.0.iter_mut().zip(&x.0) {
            acc += s.sub_assign_norm_sqr(x);
        }
        acc
    }
    fn scale_norm_sqr(&mut self, a: T) -> T::Real {
        let mut acc = <T::Real as Zero>::zero();
        for s in &mut self.0 {
            acc += s.scale_norm_sqr(a);
        }
        acc
    }
    fn step_direction(&mut self, a: T, y: &mut Self, x: &Self, b: T) -> T::Real {
        check_stack(self, y);
        check_stack(self, x);
        let mut acc = <T::Real as Zero>::zero();
        for ((p, y), x) in self.0.iter_mut().zip(&mut y.0).zip(&x.0) {
            acc += p.step_direction(a, y, x, b);
        }
        acc
    }
    fn scale(&mut self, a: T) {
        for s in &mut self.0 {
            s.scale(a);
        }
    }
    fn copy_from(&mut self, other: &Self) {
        check_stack(self, other);
        for (s, o) in self.0.iter_mut().zip(&other.0) {
            s.copy_from(o);
        }
    }
    fn fill(&mut self, v: T) {
        for s in &mut self.0 {
            s.fill(v);
        }
    }
    fn fill_random(&mut self, rng: &mut Rng) {
        for s in &mut self.0 {
            s.fill_random(rng);
        }
    }
    fn all_finite(&self) -> bool {
        self.0.iter().all(|s| s.all_finite())
    }
    fn zip_apply<F: Fn(&mut T, T) + Sync + Send>(&mut self, x: &Self, f: F) {
        check_stack(self, x);
        for (s, x) in self.0.iter_mut().zip(&x.0) {
            s.zip_apply(x, &f);
        }
    }
}

#[track_caller]
fn check_stack<V>(a: &Stack<V>, b: &Stack<V>) {
    assert_eq!(
        a.0.len(),
        b.0.len(),
        "stacked vectors with {} and {} parts",
        a.0.len(),
        b.0.len()
    );
}

/// Draws one standard-normal scalar of type `T`.
pub fn random_scalar<T: Scalar>(rng: &mut Rng) -> T {
    let re = <T::Real as Scalar>::from_f64(rng.normal());
    if T::IS_COMPLEX {
        let im = <T::Real as Scalar>::from_f64(rng.normal());
        T::from_parts(re, im)
    } else {
        T::from_real(re)
    }
}

/// Relative difference `|a - b| / max(|a|, |b|)` (zero when both are zero).
pub fn rel_diff<T: Scalar>(a: T, b: T) -> T::Real {
    let d = (a - b).modulus();
    let m = Float::max(a.modulus(), b.modulus());
    if m == <T::Real as Zero>::zero() {
        <T::Real as Zero>::zero()
    } else {
        d / m
    }
}

#[allow(dead_code)]
fn _assert_real<R: RealScalar>() {}

/// `x += w` (`x_i + w_i`, the bits of `w_i + x_i`), returning `||x||^2` if `norm` (zero
/// otherwise, without the reduction): the second half of every `x = w + A^H y` that is not one
/// pass (the defaults of `adjoint_add_from`, and the stencil runner's fallbacks).
pub(crate) fn add_norm_if<T: Scalar, V: Vector<T>>(x: &mut V, w: &V, norm: bool) -> T::Real {
    if norm {
        return x.add_assign_norm_sqr(w);
    }
    x.add_assign(w);
    num_traits::Zero::zero()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChunkGrid, ChunkedArray};

    #[test]
    fn stacked_fused_ops_equal_separate_ops() {
        let part = |shape: &[usize], chunks: &[usize], seed| {
            ChunkedArray::<f64>::random(ChunkGrid::uniform(shape, chunks).unwrap(), seed)
        };
        let stack = |s| Stack(vec![part(&[30, 7], &[8, 7], s), part(&[50], &[50], s + 10)]);
        let (p0, y0, x) = (stack(1), stack(2), stack(3));
        let (a, b) = (0.25, -1.5);

        let (mut s1, mut s2) = (p0.clone(), p0.clone());
        s1.axpy(a, &x);
        assert_eq!(s2.axpy_norm_sqr(a, &x), s1.norm_sqr());
        assert_eq!(s2, s1);

        let (mut s1, mut s2) = (p0.clone(), p0.clone());
        s1.xpby(&x, b);
        assert_eq!(s2.xpby_norm_sqr(&x, b), s1.norm_sqr());
        assert_eq!(s2, s1);

        let (mut p1, mut y1, mut p2, mut y2) = (p0.clone(), y0.clone(), p0, y0);
        y1.axpy(a, &p1);
        p1.xpby(&x, b);
        assert_eq!(p2.step_direction(a, &mut y2, &x, b), p1.norm_sqr());
        assert_eq!((p2, y2), (p1, y1));
    }
}
