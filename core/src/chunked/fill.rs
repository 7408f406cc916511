//! One-pass fills: [`ChunkedArray`]'s `fill_*` methods, which write an array piece by piece and
//! reduce it while in cache, and the fused element-wise updates the
//! [`Vector`](crate::vector::Vector) impl builds on.

use super::{assert_layout, ChunkedArray};
use crate::par::{self, Nothing};
use crate::scalar::Scalar;

impl<T: Scalar> ChunkedArray<T> {
    /// Overwrites the array piece by piece with `fill` and returns its squared norm, summed as each
    /// piece is written (while it is in cache): one pass over memory instead of a write then a
    /// [`norm_sqr`](crate::vector::Vector::norm_sqr), and the same bits as that `norm_sqr`.
    ///
    /// `fill(k, start, piece)` must overwrite `piece`, the elements `start .. start + piece.len()`
    /// of block `k`'s contiguous (C-order) data (it holds their current values, which `fill` may
    /// read); it is called in parallel, once for every piece, in any order. The pieces are those
    /// of the reductions ([`REDUCE_PIECE`](super::REDUCE_PIECE) elements, aligned to the start of
    /// each block), which is what makes the sum bit-identical.
    ///
    /// ```
    /// use rylops_core::{ChunkGrid, ChunkedArray, Vector};
    /// let x = ChunkedArray::<f64>::random(ChunkGrid::uniform(&[7, 5], &[3, 2]).unwrap(), 1);
    /// let mut y = x.zeros_like();
    /// // y = 2 x, and ||y||^2, in one pass.
    /// let nn = y.fill_norm_sqr(|k, s, p| {
    ///     for (o, i) in p.iter_mut().zip(&x.block_slice(k)[s..]) {
    ///         *o = 2.0 * i;
    ///     }
    /// });
    /// assert_eq!(nn, y.norm_sqr());
    /// ```
    pub fn fill_norm_sqr(&mut self, fill: impl Fn(usize, usize, &mut [T]) + Sync) -> T::Real {
        par::pass_indexed(&mut self.blocks[..], &|k, s, p: &mut [T]| {
            fill(k, s, &mut *p);
            par::lane_sum(&*p, |a, i| a[i].modulus_sqr())
        })
    }

    /// Overwrites the array piece by piece with `fill`, as [`fill_norm_sqr`](Self::fill_norm_sqr)
    /// does (the same pieces, in parallel, `fill` free to read the values it overwrites), without
    /// a reduction: e.g. `self += A x` with `A x` computed piece by piece and added while in cache.
    ///
    /// ```
    /// use rylops_core::{ChunkGrid, ChunkedArray, Vector};
    /// let x = ChunkedArray::<f64>::random(ChunkGrid::uniform(&[7, 5], &[3, 2]).unwrap(), 1);
    /// let mut y = x.clone();
    /// // y += 2 x, in one pass.
    /// y.fill_pieces(|k, s, p| {
    ///     for (o, i) in p.iter_mut().zip(&x.block_slice(k)[s..]) {
    ///         *o += 2.0 * i;
    ///     }
    /// });
    /// let mut want = x.clone();
    /// want.scale(3.0);
    /// assert_eq!(y, want);
    /// ```
    pub fn fill_pieces(&mut self, fill: impl Fn(usize, usize, &mut [T]) + Sync) {
        let Nothing = par::pass_indexed(&mut self.blocks[..], &|k, s, p: &mut [T]| {
            fill(k, s, p);
            Nothing
        });
    }

    /// As [`fill_norm_sqr`](Self::fill_norm_sqr), but returns `w.dot(self)` (`sum conj(w_i)
    /// self_i`) of the written array, with the same bits as that
    /// [`dot`](crate::vector::Vector::dot).
    ///
    /// # Panics
    /// If `w` is not laid out like `self` (a programmer error, as for every binary vector
    /// operation).
    pub fn fill_dot(&mut self, w: &Self, fill: impl Fn(usize, usize, &mut [T]) + Sync) -> T {
        assert_layout(self, w);
        par::pass_indexed((&mut self.blocks[..], &w.blocks[..]), &|k,
                                                                   s,
                                                                   (p, w): (
            &mut [T],
            &[T],
        )| {
            fill(k, s, &mut *p);
            par::lane_sum((w, &*p), |(a, b), i| a[i].conj() * b[i])
        })
    }

    /// Fills the work array `tmp` piece by piece with `fill` (as
    /// [`fill_norm_sqr`](Self::fill_norm_sqr)), sets `self = tmp + b self` on each piece while it
    /// is in cache, and returns `||self||^2`: the bits of filling `tmp`, then
    /// [`xpby_norm_sqr`](crate::vector::Vector::xpby_norm_sqr)`(tmp, b)`, without reading `tmp`
    /// back from memory.
    ///
    /// # Panics
    /// If `tmp` is not laid out like `self`.
    pub fn fill_xpby_norm_sqr(
        &mut self,
        tmp: &mut Self,
        b: T,
        fill: impl Fn(usize, usize, &mut [T]) + Sync,
    ) -> T::Real {
        assert_layout(self, tmp);
        par::pass_indexed((&mut self.blocks[..], &mut tmp.blocks[..]), &|k,
                                                                         s,
                                                                         (p, t): (
            &mut [T],
            &mut [T],
        )| {
            fill(k, s, &mut *t);
            par::lane_sum((p, &*t), |(p, t), i| {
                p[i] = t[i] + b * p[i];
                p[i].modulus_sqr()
            })
        })
    }

    /// Combines a computed array into this one piece by piece and returns `||self||^2` of the
    /// result: for every piece of a pass, `runs(k, start, len, visit)` computes the elements
    /// `start .. start + len` of block `k` and hands them to `visit` in consecutive runs (e.g.
    /// from a buffer in cache; every run but the last a multiple of the reductions' 8 lanes),
    /// `combine(&mut self_i, t_i)` folds each into the array, and the combined elements are summed
    /// while in cache. The bits of filling a work array, then updating the array element by
    /// element with `combine` and taking [`norm_sqr`](crate::vector::Vector::norm_sqr), without
    /// the work array (whose writes alone are a pass over memory).
    pub(crate) fn fill_combine_norm_sqr(
        &mut self,
        runs: impl Fn(usize, usize, usize, &mut dyn FnMut(&[T])) + Sync,
        combine: impl Fn(&mut T, T) + Sync,
    ) -> T::Real {
        par::pass_indexed(&mut self.blocks[..], &|k, s, p: &mut [T]| {
            in_runs(k, s, p, &runs, |(p, t), i| {
                combine(&mut p[i], t[i]);
                p[i].modulus_sqr()
            })
        })
    }

    /// `self = w + t` with `t` handed over run by run by `runs` (as
    /// [`fill_combine_norm_sqr`](Self::fill_combine_norm_sqr)), returning `||self||^2` if `norm`
    /// (zero otherwise): the bits of filling a work array, then `w_i + t_i` and
    /// [`norm_sqr`](crate::vector::Vector::norm_sqr), reading `w` and writing `self` in one pass.
    ///
    /// # Panics
    /// If `w` is not laid out like `self`.
    pub(crate) fn fill_from(
        &mut self,
        w: &Self,
        runs: impl Fn(usize, usize, usize, &mut dyn FnMut(&[T])) + Sync,
        norm: bool,
    ) -> T::Real {
        assert_layout(self, w);
        let blocks = (&mut self.blocks[..], &w.blocks[..]);
        type Ops<'a, T> = (&'a mut [T], &'a [T]);
        if !norm {
            let Nothing = par::pass_indexed(blocks, &|k, s, p: Ops<'_, T>| {
                in_runs(k, s, p, &runs, |((p, w), t), i| {
                    p[i] = w[i] + t[i];
                    Nothing
                })
            });
            return num_traits::Zero::zero();
        }
        par::pass_indexed(blocks, &|k, s, p: Ops<'_, T>| {
            in_runs(k, s, p, &runs, |((p, w), t), i| {
                p[i] = w[i] + t[i];
                p[i].modulus_sqr()
            })
        })
    }

    /// Element-wise unary update that also returns the squared norm of the result, in one pass
    /// and in the order of [`Vector::norm_sqr`](crate::vector::Vector::norm_sqr).
    pub(super) fn update_norm_sqr(&mut self, f: impl Fn(&mut T) + Sync + Send) -> T::Real {
        par::pass(&mut self.blocks[..], &|s: &mut [T]| {
            par::lane_sum(s, |s, i| {
                f(&mut s[i]);
                s[i].modulus_sqr()
            })
        })
    }

    /// Element-wise binary update over two arrays on the same grid, parallel over pieces.
    pub(super) fn zip_update(&mut self, x: &Self, f: impl Fn(&mut T, T) + Sync + Send) {
        assert_layout(self, x);
        par::pass((&mut self.blocks[..], &x.blocks[..]), &|(s, x): (
            &mut [T],
            &[T],
        )| {
            for (s, &x) in s.iter_mut().zip(x) {
                f(s, x)
            }
            Nothing
        });
    }

    /// Element-wise binary update that also returns the squared norm of the updated array, in one
    /// pass and in the same order as [`Vector::norm_sqr`](crate::vector::Vector::norm_sqr) (so the
    /// result is the same bit for bit).
    pub(super) fn zip_update_norm_sqr(
        &mut self,
        x: &Self,
        f: impl Fn(&mut T, T) + Sync + Send,
    ) -> T::Real {
        assert_layout(self, x);
        par::pass((&mut self.blocks[..], &x.blocks[..]), &|(s, x): (
            &mut [T],
            &[T],
        )| {
            par::lane_sum((s, x), |(s, x), i| {
                f(&mut s[i], x[i]);
                s[i].modulus_sqr()
            })
        })
    }
}

/// One piece of a fill by runs: `runs` computes the piece's values (elements `s ..` of block `k`,
/// as many as the operands `p` have) and hands them over in consecutive runs; each run is paired
/// with the next elements of `p` and `term((run of p, values), i)` is summed over the piece in the
/// order of one [`par::lane_sum`] (every run but the last a multiple of the lanes).
#[inline(always)]
fn in_runs<T: Scalar, P: par::Split, R: par::Partial>(
    k: usize,
    s: usize,
    p: P,
    runs: &(impl Fn(usize, usize, usize, &mut dyn FnMut(&[T])) + Sync),
    mut term: impl FnMut(&mut (P, &[T]), usize) -> R,
) -> R {
    let n = p.count();
    let mut acc = par::LaneAcc::new();
    let mut rest = Some(p);
    runs(k, s, n, &mut |t: &[T]| {
        let (run, tail) = rest
            .take()
            .expect("runs hand over the piece's values once")
            .split(t.len());
        debug_assert!(tail.count() == 0 || t.len() % par::LANES == 0);
        acc.add((run, t), &mut term);
        rest = Some(tail);
    });
    debug_assert_eq!(
        rest.map_or(1, |r| r.count()),
        0,
        "runs must cover the piece"
    );
    acc.finish()
}
