//! [`Vector`] for [`ChunkedArray`]: the element-wise operations and reductions solvers use, in
//! parallel over blocks and pieces, with reductions in a fixed order.

use super::{assert_layout, ChunkedArray};
use crate::par::{self, Nothing};
use crate::rng::Rng;
use crate::scalar::Scalar;
use crate::vector::{random_scalar, Vector};
use ndarray::IxDyn;
use rayon::prelude::*;

impl<T: Scalar> Vector<T> for ChunkedArray<T> {
    fn len(&self) -> usize {
        self.grid.len()
    }
    fn zeros_like(&self) -> Self {
        Self::zeros(self.grid.clone())
    }
    fn same_layout(&self, other: &Self) -> bool {
        self.grid == other.grid
    }
    fn describe_layout(&self) -> String {
        format!(
            "shape {:?}, chunks {:?}",
            self.shape(),
            self.grid.all_chunks()
        )
    }
    fn dot(&self, other: &Self) -> T {
        assert_layout(self, other);
        par::pass((&self.blocks[..], &other.blocks[..]), &|(a, b): (
            &[T],
            &[T],
        )| {
            par::lane_sum((a, b), |(a, b), i| a[i].conj() * b[i])
        })
    }
    fn norm_sqr(&self) -> T::Real {
        par::pass(&self.blocks[..], &|a: &[T]| {
            par::lane_sum(a, |a, i| a[i].modulus_sqr())
        })
    }
    fn axpy(&mut self, a: T, x: &Self) {
        self.zip_update(x, move |s, x| *s += a * x);
    }
    fn add_assign(&mut self, x: &Self) {
        self.zip_update(x, |s, x| *s += x);
    }
    fn sub_assign(&mut self, x: &Self) {
        self.zip_update(x, |s, x| *s -= x);
    }
    fn xpby(&mut self, x: &Self, b: T) {
        self.zip_update(x, move |s, x| *s = x + b * *s);
    }
    fn lincomb(&mut self, a: T, x: &Self, b: T, y: &Self) {
        assert_layout(self, x);
        assert_layout(self, y);
        par::pass(
            (&mut self.blocks[..], &x.blocks[..], &y.blocks[..]),
            &|(s, x, y): (&mut [T], &[T], &[T])| {
                for ((s, &x), &y) in s.iter_mut().zip(x).zip(y) {
                    *s = a * x + b * y;
                }
                Nothing
            },
        );
    }
    fn axpy_norm_sqr(&mut self, a: T, x: &Self) -> T::Real {
        self.zip_update_norm_sqr(x, move |s, x| *s += a * x)
    }
    fn xpby_norm_sqr(&mut self, x: &Self, b: T) -> T::Real {
        self.zip_update_norm_sqr(x, move |s, x| *s = x + b * *s)
    }
    fn add_assign_norm_sqr(&mut self, x: &Self) -> T::Real {
        self.zip_update_norm_sqr(x, |s, x| *s += x)
    }
    fn sub_assign_norm_sqr(&mut self, x: &Self) -> T::Real {
        self.zip_update_norm_sqr(x, |s, x| *s -= x)
    }
    fn scale_norm_sqr(&mut self, a: T) -> T::Real {
        self.update_norm_sqr(move |s| *s *= a)
    }
    fn step_direction(&mut self, a: T, y: &mut Self, x: &Self, b: T) -> T::Real {
        assert_layout(self, y);
        assert_layout(self, x);
        par::pass(
            (&mut self.blocks[..], &mut y.blocks[..], &x.blocks[..]),
            &|(p, y, x): (&mut [T], &mut [T], &[T])| {
                par::lane_sum((p, y, x), |(p, y, x), i| {
                    y[i] += a * p[i];
                    p[i] = x[i] + b * p[i];
                    p[i].modulus_sqr()
                })
            },
        )
    }
    fn scale(&mut self, a: T) {
        par::pass(&mut self.blocks[..], &|s: &mut [T]| {
            s.iter_mut().for_each(|v| *v *= a);
            Nothing
        });
    }
    fn copy_from(&mut self, other: &Self) {
        self.zip_update(other, |s, x| *s = x);
    }
    fn fill(&mut self, v: T) {
        self.blocks.par_iter_mut().for_each(|b| b.fill(v));
    }
    fn fill_random(&mut self, rng: &mut Rng) {
        // Sequential in global C order, so the values do not depend on the chunking.
        let grid = self.grid.clone();
        let nd = grid.ndim();
        let shape = grid.shape().to_vec();
        let total = grid.len();
        if self.blocks.len() == 1 {
            for v in self.blocks[0].iter_mut() {
                *v = random_scalar(rng);
            }
            return;
        }
        let mut idx = vec![0usize; nd];
        for _ in 0..total {
            let val: T = random_scalar(rng);
            let mut bid = vec![0; nd];
            let mut loc = vec![0; nd];
            for ax in 0..nd {
                let (b, l) = grid.locate(ax, idx[ax]);
                bid[ax] = b;
                loc[ax] = l;
            }
            let k = grid.linear_index(&bid);
            self.blocks[k][IxDyn(&loc)] = val;
            for ax in (0..nd).rev() {
                idx[ax] += 1;
                if idx[ax] < shape[ax] {
                    break;
                }
                idx[ax] = 0;
            }
        }
    }
    fn all_finite(&self) -> bool {
        self.blocks
            .par_iter()
            .all(|b| b.iter().all(|v| v.is_finite()))
    }
    fn zip_apply<F: Fn(&mut T, T) + Sync + Send>(&mut self, x: &Self, f: F) {
        self.zip_update(x, f);
    }
}
