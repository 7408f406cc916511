//! The fused reductions of the compositions against their two-pass defaults.

use super::*;
use crate::chunked::REDUCE_PIECE;
use crate::operator::{fused_test, BoxOp, ScopedBoxOp};
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
        for parts in [1, 2, 3] {
            // Distinct parts, so that summing them in another order would show.
            let ops = || -> Vec<ScopedBoxOp<'_, T>> {
                let all: [ScopedBoxOp<'_, T>; 3] = [Box::new(&a), Box::new(&b), Box::new(&c)];
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
