//! The fused reductions of the compositions against their two-pass defaults.

use super::*;
use crate::chunked::REDUCE_PIECE;
use crate::operator::{fused_test, BoxOp, ScopedBoxOp};
use crate::scalar::RealScalar;
use crate::vector::Stack;
use crate::{ChunkGrid, Chunked, ChunkedArray, ChunkedOperator, LinearOperator};
use num_complex::Complex64;

/// `y = c x`, with every fused method overridden through the one-pass `fill_*` methods.
struct Times<T>(T, usize);

impl<T: Scalar> Times<T> {
    fn fill<'a>(c: T, x: &'a ChunkedArray<T>) -> impl Fn(usize, usize, &mut [T]) + Sync + 'a {
        move |k, s, p| {
            for (o, &i) in p.iter_mut().zip(&x.block_slice(k)[s..]) {
                *o = c * i;
            }
        }
    }
    /// `y += c x` piece by piece (the piece holds `y`'s values).
    fn add<'a>(c: T, x: &'a ChunkedArray<T>) -> impl Fn(usize, usize, &mut [T]) + Sync + 'a {
        move |k, s, p| {
            for (o, &i) in p.iter_mut().zip(&x.block_slice(k)[s..]) {
                *o += c * i;
            }
        }
    }
}

impl<T: Scalar> ChunkedOperator for Times<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        vec![self.1]
    }
    fn dimsd(&self) -> Vec<usize> {
        vec![self.1]
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        let c = self.0;
        y.zip_apply(x, move |o, i| *o = c * i);
        Ok(())
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        let c = self.0.conj();
        x.zip_apply(y, move |o, i| *o = c * i);
        Ok(())
    }
    fn forward_into_norm_sqr(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        Ok(y.fill_norm_sqr(Self::fill(self.0, x)))
    }
    fn forward_into_dot(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        w: &ChunkedArray<T>,
    ) -> Result<T> {
        Ok(y.fill_dot(w, Self::fill(self.0, x)))
    }
    fn forward_xpby_norm_sqr(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        b: T,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        Ok(y.fill_xpby_norm_sqr(tmp, b, Self::fill(self.0, x)))
    }
    fn adjoint_into_norm_sqr(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        Ok(x.fill_norm_sqr(Self::fill(self.0.conj(), y)))
    }
    fn adjoint_xpby_norm_sqr(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
        b: T,
        tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        Ok(x.fill_xpby_norm_sqr(tmp, b, Self::fill(self.0.conj(), y)))
    }
    fn forward_add_into(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        _tmp: &mut ChunkedArray<T>,
    ) -> Result<()> {
        y.fill_pieces(Self::add(self.0, x));
        Ok(())
    }
    fn forward_add_into_norm_sqr(
        &self,
        x: &ChunkedArray<T>,
        y: &mut ChunkedArray<T>,
        _tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        Ok(y.fill_norm_sqr(Self::add(self.0, x)))
    }
    fn adjoint_add_into(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
        _tmp: &mut ChunkedArray<T>,
    ) -> Result<()> {
        x.fill_pieces(Self::add(self.0.conj(), y));
        Ok(())
    }
    fn adjoint_add_into_norm_sqr(
        &self,
        y: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
        _tmp: &mut ChunkedArray<T>,
    ) -> Result<T::Real> {
        Ok(x.fill_norm_sqr(Self::add(self.0.conj(), y)))
    }
    fn adjoint_add_from(
        &self,
        y: &ChunkedArray<T>,
        w: &ChunkedArray<T>,
        x: &mut ChunkedArray<T>,
        norm: bool,
    ) -> Result<T::Real> {
        ADD_FROM_CALLS.with(|c| c.set(c.get() + 1));
        let fill = Self::fill(self.0.conj(), y);
        // Runs of 64 values, from a buffer.
        let runs = |k: usize, s: usize, n: usize, visit: &mut dyn FnMut(&[T])| {
            let mut buf = [T::zero(); 64];
            for at in (0..n).step_by(64) {
                let b = &mut buf[..(n - at).min(64)];
                fill(k, s + at, b);
                visit(b);
            }
        };
        Ok(x.fill_from(w, runs, norm))
    }
    // `1 x` is `x` (the test data has no negative zeros, whose sign a complex product by
    // `1 + 0i` may flip).
    fn adjoint_passthrough<'a>(&self, y: &'a ChunkedArray<T>) -> Option<&'a ChunkedArray<T>> {
        (self.0 == T::one()).then_some(y)
    }
}

thread_local! {
    /// Calls of `Times::adjoint_add_from` on this thread, so a test can tell that a stack took
    /// that path (the stacks call their parts on the calling thread).
    static ADD_FROM_CALLS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// `y = c x` with only its required methods: the defaults (through a work vector) everywhere.
struct Plain<T>(T, usize);

impl<T: Scalar> ChunkedOperator for Plain<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        vec![self.1]
    }
    fn dimsd(&self) -> Vec<usize> {
        vec![self.1]
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        Times(self.0, self.1).forward_into(x, y)
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        Times(self.0, self.1).adjoint_into(y, x)
    }
}

fn check<O>(what: &str, op: &O, x: &O::Domain, y: &O::Range)
where
    O: LinearOperator,
    O::Domain: PartialEq,
    O::Range: PartialEq,
{
    let bad = fused_test(op, x, y, 7).unwrap();
    assert!(bad.is_empty(), "{what}: {bad:?} differ from their defaults");
}

/// Every composite's fused methods give the bits of its defaults, on every layout.
fn every_composite<T: Scalar>(c1: T, c2: T, c3: T, s: T) {
    let n = 2 * REDUCE_PIECE + 5;
    let layouts = [
        ChunkGrid::single(&[n]),
        ChunkGrid::new(&[n], vec![vec![REDUCE_PIECE + 3, 7, REDUCE_PIECE - 5]]).unwrap(),
        ChunkGrid::uniform(&[13], &[1]).unwrap(),
        ChunkGrid::single(&[0]),
    ];
    for g in layouts {
        let n = g.shape()[0];
        let (a, b, c) = (
            Chunked(Times(c1, n)),
            Chunked(Times(c2, n)),
            Chunked(Times(c3, n)),
        );
        let x = ChunkedArray::<T>::zeros(g.clone());
        let what = |w: &str| format!("{w} on {:?}", g.all_chunks());
        check(&what("operator"), &a, &x, &x);
        check(
            &what("boxed"),
            &(Box::new(&a) as ScopedBoxOp<'_, T>),
            &x,
            &x,
        );
        check(&what("adjoint"), &(&a).h(), &x, &x);
        check(&what("scaled"), &(&a).scaled(s), &x, &x);
        check(&what("sum"), &(&a).plus(&b).unwrap(), &x, &x);
        check(&what("difference"), &(&a).minus(&b).unwrap(), &x, &x);
        check(&what("product"), &(&a).times(&b).unwrap(), &x, &x);
        let plain_b = Chunked(Plain(c2, n));
        for parts in [1, 2, 3, 4] {
            // Distinct parts, so that summing them in another order would show; the fourth
            // without overrides, so that its accumulation goes through the work vector.
            let ops = || -> Vec<ScopedBoxOp<'_, T>> {
                let all: [ScopedBoxOp<'_, T>; 4] =
                    [Box::new(&a), Box::new(&b), Box::new(&c), Box::new(&plain_b)];
                all.into_iter().take(parts).collect()
            };
            let v = VStack::new(ops()).unwrap();
            check(
                &what(&format!("vstack {parts}")),
                &v,
                &x,
                &v.range_like(&x).unwrap(),
            );
            let h = HStack::new(ops()).unwrap();
            check(
                &what(&format!("hstack {parts}")),
                &h,
                &h.domain_like(&x).unwrap(),
                &x,
            );
            let d = BlockDiag::new(ops()).unwrap();
            let xs = Stack(vec![x.clone(); parts]);
            check(&what(&format!("blockdiag {parts}")), &d, &xs, &xs);
        }
    }
    // Owned boxes too (`BoxOp`, the type users stack).
    let g = ChunkGrid::uniform(&[REDUCE_PIECE + 9], &[4000]).unwrap();
    let n = g.shape()[0];
    let parts: Vec<BoxOp<T>> = vec![
        Box::new(Chunked(Times(c1, n))),
        Box::new(Chunked(Times(c2, n))),
    ];
    let v = VStack::new(parts).unwrap();
    let x = ChunkedArray::<T>::zeros(g);
    check("owned vstack", &v, &x, &v.range_like(&x).unwrap());
}

#[test]
fn fused_methods_of_composites_equal_their_defaults() {
    every_composite::<f64>(1.5, -0.75, 0.37, 3.0);
    every_composite::<Complex64>(
        Complex64::new(0.5, -2.0),
        Complex64::new(-1.25, 0.5),
        Complex64::new(0.3, 0.7),
        Complex64::new(0.0, 1.5),
    );
}

/// A test that can fail: an override that sums in another order is caught.
#[test]
fn a_wrong_override_is_caught() {
    struct Reordered(Chunked<Times<f64>>);
    impl LinearMap for Reordered {
        type Scalar = f64;
        type Domain = ChunkedArray<f64>;
        type Range = ChunkedArray<f64>;
        fn dims(&self) -> Vec<usize> {
            self.0.dims()
        }
        fn dimsd(&self) -> Vec<usize> {
            self.0.dimsd()
        }
        fn forward_into(&self, x: &ChunkedArray<f64>, y: &mut ChunkedArray<f64>) -> Result<()> {
            self.0.forward_into(x, y)
        }
        fn forward_into_norm_sqr(
            &self,
            x: &ChunkedArray<f64>,
            y: &mut ChunkedArray<f64>,
        ) -> Result<f64> {
            self.0.forward_into(x, y)?;
            // One running sum: the right value, other bits.
            Ok(y.to_array().iter().map(|v| v * v).sum())
        }
        fn range_like(&self, x: &ChunkedArray<f64>) -> Result<ChunkedArray<f64>> {
            self.0.range_like(x)
        }
        fn zeros_domain(&self) -> ChunkedArray<f64> {
            self.0.zeros_domain()
        }
        fn zeros_range(&self) -> ChunkedArray<f64> {
            self.0.zeros_range()
        }
    }
    impl LinearOperator for Reordered {
        fn adjoint_into(&self, y: &ChunkedArray<f64>, x: &mut ChunkedArray<f64>) -> Result<()> {
            self.0.adjoint_into(y, x)
        }
        fn domain_like(&self, y: &ChunkedArray<f64>) -> Result<ChunkedArray<f64>> {
            self.0.domain_like(y)
        }
    }
    let n = 3 * REDUCE_PIECE + 1;
    let op = Reordered(Chunked(Times(0.3, n)));
    let x = ChunkedArray::<f64>::zeros(ChunkGrid::single(&[n]));
    let bad = fused_test(&op, &x, &x, 1).unwrap();
    assert_eq!(bad, vec!["forward_into_norm_sqr"]);
}

/// Boxed references to `ops`.
fn boxed<'a, T: Scalar, O>(ops: &'a [O]) -> Vec<ScopedBoxOp<'a, T>>
where
    O: LinearOperator<Scalar = T, Domain = ChunkedArray<T>, Range = ChunkedArray<T>>,
{
    ops.iter()
        .map(|o| Box::new(o) as ScopedBoxOp<'a, T>)
        .collect()
}

/// The sums of the stacks and of `A + B` (their parts added through the parts' accumulating
/// applies) give the bits of the same sums through a work vector (parts without overrides).
fn sums_through_overrides<T: Scalar>(c: [T; 3]) {
    let layouts = [
        ChunkGrid::single(&[2 * REDUCE_PIECE + 5]),
        ChunkGrid::new(
            &[2 * REDUCE_PIECE + 5],
            vec![vec![REDUCE_PIECE + 3, 7, REDUCE_PIECE - 5]],
        )
        .unwrap(),
        ChunkGrid::uniform(&[13], &[1]).unwrap(),
        ChunkGrid::single(&[0]),
    ];
    let bits = |r: T::Real| r.to_f64_lossless().to_bits();
    for g in layouts {
        let n = g.shape()[0];
        let what = format!("{:?}", g.all_chunks());
        let fast: Vec<Chunked<Times<T>>> = c.iter().map(|&c| Chunked(Times(c, n))).collect();
        let slow: Vec<Chunked<Plain<T>>> = c.iter().map(|&c| Chunked(Plain(c, n))).collect();
        let x = ChunkedArray::<T>::random(g.clone(), 1);
        let start = ChunkedArray::<T>::random(g.clone(), 2);
        for parts in [2, 3] {
            let f = || boxed(&fast[..parts]);
            let s = || boxed(&slow[..parts]);
            let (vf, vs) = (VStack::new(f()).unwrap(), VStack::new(s()).unwrap());
            let ys = Stack(
                (0..parts as u64)
                    .map(|k| ChunkedArray::random(g.clone(), 3 + k))
                    .collect(),
            );
            let (mut a, mut b) = (start.clone(), start.clone());
            vf.adjoint_into(&ys, &mut a).unwrap();
            vs.adjoint_into(&ys, &mut b).unwrap();
            assert!(a == b, "vstack {parts} adjoint on {what}");
            let (mut a, mut b) = (start.clone(), start.clone());
            let (na, nb) = (
                vf.adjoint_into_norm_sqr(&ys, &mut a).unwrap(),
                vs.adjoint_into_norm_sqr(&ys, &mut b).unwrap(),
            );
            assert!(
                a == b && bits(na) == bits(nb),
                "vstack {parts} adjoint norm on {what}"
            );
            let (mut a, mut b, mut t) = (start.clone(), start.clone(), x.clone());
            let (na, nb) = (
                vf.adjoint_xpby_norm_sqr(&ys, &mut a, c[0], &mut t).unwrap(),
                vs.adjoint_xpby_norm_sqr(&ys, &mut b, c[0], &mut t).unwrap(),
            );
            assert!(
                a == b && bits(na) == bits(nb),
                "vstack {parts} adjoint xpby on {what}"
            );

            let (hf, hs) = (HStack::new(f()).unwrap(), HStack::new(s()).unwrap());
            let (mut a, mut b) = (start.clone(), start.clone());
            hf.forward_into(&ys, &mut a).unwrap();
            hs.forward_into(&ys, &mut b).unwrap();
            assert!(a == b, "hstack {parts} forward on {what}");
            let (mut a, mut b) = (start.clone(), start.clone());
            let (na, nb) = (
                hf.forward_into_norm_sqr(&ys, &mut a).unwrap(),
                hs.forward_into_norm_sqr(&ys, &mut b).unwrap(),
            );
            assert!(
                a == b && bits(na) == bits(nb),
                "hstack {parts} forward norm on {what}"
            );
        }
        let (sf, ss) = (
            (&fast[0]).plus(&fast[1]).unwrap(),
            (&slow[0]).plus(&slow[1]).unwrap(),
        );
        let (mut a, mut b) = (start.clone(), start.clone());
        sf.forward_into(&x, &mut a).unwrap();
        ss.forward_into(&x, &mut b).unwrap();
        assert!(a == b, "sum forward on {what}");
        let (mut a, mut b) = (start.clone(), start.clone());
        let (na, nb) = (
            sf.adjoint_into_norm_sqr(&x, &mut a).unwrap(),
            ss.adjoint_into_norm_sqr(&x, &mut b).unwrap(),
        );
        assert!(a == b && bits(na) == bits(nb), "sum adjoint norm on {what}");
    }
}

#[test]
fn sums_through_accumulating_applies_equal_sums_through_a_work_vector() {
    sums_through_overrides::<f64>([1.5, -0.75, 0.37]);
    sums_through_overrides::<Complex64>([
        Complex64::new(0.5, -2.0),
        Complex64::new(-1.25, 0.5),
        Complex64::new(0.3, 0.7),
    ]);
}

/// A first part that passes its input through (`1 x`, as `[I; L]`): the stack's adjoint starts
/// from `y_0` read in place (`adjoint_add_from` of part 1), with the bits of the copy and the
/// addition that the parts without overrides take.
#[test]
fn a_passed_through_first_part_gives_the_bits_of_a_copy_then_an_addition() {
    let before = ADD_FROM_CALLS.with(|c| c.get());
    sums_through_overrides::<f64>([1.0, -0.75, 0.37]);
    sums_through_overrides::<Complex64>([
        Complex64::new(1.0, 0.0),
        Complex64::new(-1.25, 0.5),
        Complex64::new(0.3, 0.7),
    ]);
    // Three adjoint sums (plain, with the norm, inside xpby) for 2 and 3 parts, on 4 layouts, for
    // 2 scalar types: every one started from the passed-through part.
    assert_eq!(ADD_FROM_CALLS.with(|c| c.get()) - before, 2 * 3 * 2 * 4);
}
