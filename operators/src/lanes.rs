//! Shared plumbing of the layout operators (Restriction, CausalIntegration, Flip, Roll, Symmetrize,
//! Sum, Transpose): a whole-array view of a chunked input, kernels applied lane by lane along one
//! axis, parallel over the output's blocks, and numpy's two summation orders.
//!
//! Every output block is computed from the global input, so the result does not depend on how
//! either array is chunked: a kernel sees whole lanes, always in the same order.

use ndarray::{ArrayD, ArrayViewD, ArrayViewMutD, Axis, Slice, Zip};
use rylops_core::{ChunkedArray, Error, RealScalar, Result, Scalar};

/// The whole of a chunked array as one C-order view: borrowed when it has a single chunk,
/// gathered (one copy) otherwise.
pub(crate) enum Whole<'a, T> {
    Borrowed(&'a ArrayD<T>),
    Owned(ArrayD<T>),
}

impl<T: Scalar> Whole<'_, T> {
    pub(crate) fn view(&self) -> ArrayViewD<'_, T> {
        match self {
            Whole::Borrowed(a) => a.view(),
            Whole::Owned(a) => a.view(),
        }
    }
}

/// The whole array `x` (see [`Whole`]).
pub(crate) fn whole<T: Scalar>(x: &ChunkedArray<T>) -> Whole<'_, T> {
    if x.blocks().len() == 1 {
        Whole::Borrowed(&x.blocks()[0])
    } else {
        Whole::Owned(x.to_array())
    }
}

/// The part of `v` that lies in the box at `off` with extent `shape`, except along `axis` (if
/// any), which is kept whole.
fn boxed<'a, T>(
    v: &'a ArrayViewD<'a, T>,
    off: &[usize],
    shape: &[usize],
    axis: Option<usize>,
) -> ArrayViewD<'a, T> {
    v.slice_each_axis(|a| {
        let ax = a.axis.index();
        if Some(ax) == axis {
            Slice::from(..)
        } else {
            Slice::from(off[ax]..off[ax] + shape[ax])
        }
    })
}

/// For every lane of `y` along `axis`: copies the matching lane of `x` (same indices on the other
/// axes; its length along `axis` may differ) into a contiguous buffer, lets `f(input, output)`
/// write the whole output lane (`y.shape()[axis]` values), and stores the part that lies in the
/// block. Parallel over `y`'s blocks. `x` and `y` must have the same number of axes and the same
/// lengths on every axis but `axis`.
pub(crate) fn map_lanes<T: Scalar>(
    x: &ChunkedArray<T>,
    y: &mut ChunkedArray<T>,
    axis: usize,
    f: impl Fn(&[T], &mut [T]) + Sync + Send,
) {
    let xw = whole(x);
    let xv = xw.view();
    let (nin, nout) = (x.shape()[axis], y.shape()[axis]);
    let grid = y.grid().clone();
    y.par_for_each_block(|id, block: &mut ArrayViewMutD<'_, T>| {
        if block.is_empty() {
            return;
        }
        let off = grid.block_offset(id);
        let shape = block.shape().to_vec();
        let xs = boxed(&xv, &off, &shape, Some(axis));
        let (a0, a1) = (off[axis], off[axis] + shape[axis]);
        let mut inb = vec![T::zero(); nin];
        let mut outb = vec![T::zero(); nout];
        Zip::from(xs.lanes(Axis(axis)))
            .and(block.lanes_mut(Axis(axis)))
            .for_each(|li, mut lo| {
                for (d, &s) in inb.iter_mut().zip(li.iter()) {
                    *d = s;
                }
                f(&inb, &mut outb);
                for (d, &s) in lo.iter_mut().zip(&outb[a0..a1]) {
                    *d = s;
                }
            });
    });
}

/// For every element of `y` (which has `x`'s shape without `axis`): `f` of the matching lane of
/// `x` along `axis`, given contiguous. Parallel over `y`'s blocks.
pub(crate) fn reduce_lanes<T: Scalar>(
    x: &ChunkedArray<T>,
    y: &mut ChunkedArray<T>,
    axis: usize,
    f: impl Fn(&[T]) -> T + Sync + Send,
) {
    let xw = whole(x);
    let xv = xw.view();
    let n = x.shape()[axis];
    let grid = y.grid().clone();
    y.par_for_each_block(|id, block: &mut ArrayViewMutD<'_, T>| {
        if block.is_empty() {
            return;
        }
        let mut off = grid.block_offset(id);
        let mut shape = block.shape().to_vec();
        off.insert(axis, 0);
        shape.insert(axis, n);
        let xs = boxed(&xv, &off, &shape, Some(axis));
        let mut buf = vec![T::zero(); n];
        Zip::from(block.view_mut())
            .and(xs.lanes(Axis(axis)))
            .for_each(|o, l| {
                for (d, &s) in buf.iter_mut().zip(l.iter()) {
                    *d = s;
                }
                *o = f(&buf);
            });
    });
}

/// For every lane of `x` along `axis`: fills it with the matching element of `y` (which has `x`'s
/// shape without `axis`). Parallel over `x`'s blocks.
pub(crate) fn spread_lanes<T: Scalar>(y: &ChunkedArray<T>, x: &mut ChunkedArray<T>, axis: usize) {
    let yw = whole(y);
    let yv = yw.view();
    let grid = x.grid().clone();
    x.par_for_each_block(|id, block: &mut ArrayViewMutD<'_, T>| {
        if block.is_empty() {
            return;
        }
        let mut off = grid.block_offset(id);
        let mut shape = block.shape().to_vec();
        off.remove(axis);
        shape.remove(axis);
        let ys = boxed(&yv, &off, &shape, None);
        Zip::from(block.lanes_mut(Axis(axis)))
            .and(&ys)
            .for_each(|mut l, &v| l.fill(v));
    });
}

/// Normalises numpy-style indices (negative ones count from the end) into `0..n`.
///
/// # Errors
/// [`Error::InvalidParameter`] named `name` for an index outside `-n..n` or too large for `isize`.
pub(crate) fn indices<I: Copy + TryInto<isize>>(
    name: &str,
    idx: &[I],
    n: usize,
) -> Result<Vec<usize>> {
    let ni = isize::try_from(n).unwrap_or(isize::MAX);
    idx.iter()
        .enumerate()
        .map(|(k, &i)| {
            let bad = |what: String| Error::InvalidParameter {
                name: name.into(),
                reason: format!("entry {k} is {what}, outside the axis of length {n}"),
            };
            let i: isize = i
                .try_into()
                .map_err(|_| bad("too large for an index".into()))?;
            if i >= ni || i < -ni {
                return Err(bad(i.to_string()));
            }
            Ok(if i < 0 { (i + ni) as usize } else { i as usize })
        })
        .collect()
}

/// numpy's pairwise summation of a real sequence (`pairwise_sum` in numpy's `loops_utils.h.src`):
/// sequential below 8 values, 8 interleaved partial sums up to 128, halves (rounded to multiples
/// of 8) above.
fn pairwise_real<R: RealScalar>(a: &[R]) -> R {
    let n = a.len();
    if n < 8 {
        let mut r = R::zero();
        for &v in a {
            r += v;
        }
        r
    } else if n <= 128 {
        let mut r = [a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]];
        let mut i = 8;
        while i < n - n % 8 {
            for (j, rj) in r.iter_mut().enumerate() {
                *rj += a[i + j];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &a[i..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_real(&a[..n2]) + pairwise_real(&a[n2..])
    }
}

/// numpy's pairwise summation of a complex sequence given as real and imaginary parts: numpy
/// counts the interleaved parts, so blocks hold 4 complex values and the threshold is 64.
fn pairwise_complex<R: RealScalar>(re: &[R], im: &[R]) -> (R, R) {
    let len = re.len();
    let n = 2 * len;
    if n < 8 {
        let (mut rr, mut ri) = (R::zero(), R::zero());
        for (&a, &b) in re.iter().zip(im) {
            rr += a;
            ri += b;
        }
        (rr, ri)
    } else if n <= 128 {
        let mut r = [re[0], im[0], re[1], im[1], re[2], im[2], re[3], im[3]];
        let mut k = 4;
        while k < len - len % 4 {
            for j in 0..4 {
                r[2 * j] += re[k + j];
                r[2 * j + 1] += im[k + j];
            }
            k += 4;
        }
        let mut rr = (r[0] + r[2]) + (r[4] + r[6]);
        let mut ri = (r[1] + r[3]) + (r[5] + r[7]);
        for (&a, &b) in re[k..].iter().zip(&im[k..]) {
            rr += a;
            ri += b;
        }
        (rr, ri)
    } else {
        let n2 = len - len % 8; // n / 2 rounded down to a multiple of 8, in doubles
        let h = n2 / 2;
        let (a, b) = (
            pairwise_complex(&re[..h], &im[..h]),
            pairwise_complex(&re[h..], &im[h..]),
        );
        (a.0 + b.0, a.1 + b.1)
    }
}

/// The sum of `lane` as numpy's `add.reduce` computes it: pairwise (`pairwise = true`, numpy's
/// order when the summed axis is the innermost one in memory) or left to right (otherwise), added
/// to a zero start value.
pub(crate) fn np_sum<T: Scalar>(lane: &[T], pairwise: bool) -> T {
    if !pairwise {
        let mut acc = T::zero();
        for &v in lane {
            acc += v;
        }
        return acc;
    }
    let s = if T::IS_COMPLEX {
        let re: Vec<T::Real> = lane.iter().map(|v| v.re()).collect();
        let im: Vec<T::Real> = lane.iter().map(|v| v.im()).collect();
        let (r, i) = pairwise_complex(&re, &im);
        T::from_parts(r, i)
    } else {
        let re: Vec<T::Real> = lane.iter().map(|v| v.re()).collect();
        T::from_real(pairwise_real(&re))
    };
    T::zero() + s
}

/// Whether numpy sums along `axis` of a C-order array of `shape` pairwise: when every later axis
/// has length one, so that `axis` is the innermost axis in memory that has more than one entry.
pub(crate) fn innermost(shape: &[usize], axis: usize) -> bool {
    shape[axis + 1..].iter().all(|&n| n == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex64;

    #[test]
    fn pairwise_differs_from_sequential_and_is_exact_on_integers() {
        let v: Vec<f64> = (0..1000).map(|i| i as f64).collect();
        assert_eq!(np_sum(&v, true), 499500.0);
        assert_eq!(np_sum(&v, false), 499500.0);
        // Values whose rounding exposes the order.
        let w: Vec<f64> = (0..300).map(|i| 1.0 / (i as f64 + 1.0)).collect();
        let (p, s) = (np_sum(&w, true), np_sum(&w, false));
        let exact: f64 = w.iter().rev().sum();
        assert!((p - exact).abs() < 1e-13 && (s - exact).abs() < 1e-13);
        let c: Vec<Complex64> = w.iter().map(|&a| Complex64::new(a, -2.0 * a)).collect();
        let pc = np_sum(&c, true);
        assert!((pc.re - exact).abs() < 1e-13 && (pc.im + 2.0 * exact).abs() < 1e-12);
        assert_eq!(np_sum::<f64>(&[], true), 0.0);
    }

    #[test]
    fn indices_normalise_like_numpy() {
        assert_eq!(indices("i", &[0i64, -1, 2], 3).unwrap(), vec![0, 2, 2]);
        assert!(indices("i", &[3usize], 3).is_err());
        assert!(indices("i", &[-4i32], 3).is_err());
        assert!(indices("i", &[usize::MAX], 3).is_err());
        assert!(indices::<i32>("i", &[], 0).unwrap().is_empty());
        assert!(innermost(&[3, 4, 1], 1) && !innermost(&[3, 4, 2], 1));
    }
}
