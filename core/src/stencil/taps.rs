//! The inner loops: a point formula run over contiguous runs of rows, which the compiler vectorises.

use super::lane::{put_each, Put, Taps};
use crate::scalar::Scalar;

/// The tap runner over any source of input rows ([`Taps`]): `y[q] (put)= f([row(offs[0])[q], ...])`.
///
/// # Panics
/// If a row `src` gives is shorter than `y` (a [`Taps`] that breaks its contract).
#[inline(always)]
pub fn run_taps<T: Scalar, P: Put<T>, S: Taps<T>, const K: usize>(
    src: &S,
    offs: [isize; K],
    y: &mut [T],
    put: P,
    f: impl Fn([T; K]) -> T,
) {
    let len = y.len();
    let xs: [&[T]; K] = std::array::from_fn(|k| src.tap(offs[k], len));
    if P::STREAMS {
        // Whole groups written with streaming stores (`put_each`), computed in registers first.
        // Checked once here (a `Taps` from outside the crate might break its contract), so that
        // the loop reads without bounds checks and vectorises.
        assert!(
            xs.iter().all(|r| r.len() >= len),
            "a tap row is shorter than the output"
        );
        return put_each(y, put, |q| {
            let mut v = [T::zero(); K];
            for (vk, xk) in v.iter_mut().zip(&xs) {
                // SAFETY: every tap row has at least `len` elements (asserted above) and
                // `put_each` passes `q < len`.
                *vk = unsafe { *xk.get_unchecked(q) };
            }
            f(v)
        });
    }
    // The values handed to `f` are built by plain stores into an array, not `std::array::from_fn`:
    // its closures inside `core` are functions the compiler stops inlining once the function around
    // them is large enough, and then every element pays calls (seen on 2026-12-01: Gradient's fused
    // adjoint ran 7x slower after an unrelated change made its driver bigger).
    match K {
        1 => {
            for (yq, &a) in y.iter_mut().zip(xs[0]) {
                let mut v = [T::zero(); K];
                v[0] = a;
                put.put(yq, f(v));
            }
        }
        2 => {
            for ((yq, &a), &b) in y.iter_mut().zip(xs[0]).zip(xs[1]) {
                let mut v = [T::zero(); K];
                (v[0], v[1]) = (a, b);
                put.put(yq, f(v));
            }
        }
        3 => {
            for (((yq, &a), &b), &c) in y.iter_mut().zip(xs[0]).zip(xs[1]).zip(xs[2]) {
                let mut v = [T::zero(); K];
                (v[0], v[1], v[2]) = (a, b, c);
                put.put(yq, f(v));
            }
        }
        4 => {
            for ((((yq, &a), &b), &c), &d) in
                y.iter_mut().zip(xs[0]).zip(xs[1]).zip(xs[2]).zip(xs[3])
            {
                let mut v = [T::zero(); K];
                (v[0], v[1], v[2], v[3]) = (a, b, c, d);
                put.put(yq, f(v));
            }
        }
        _ => {
            // Checked once, as in the streaming branch, so that the loop reads without bounds
            // checks (more than four taps: the edge rows of the order-5 adjoint).
            assert!(
                xs.iter().all(|r| r.len() >= len),
                "a tap row is shorter than the output"
            );
            for (q, yq) in y.iter_mut().enumerate() {
                let mut v = [T::zero(); K];
                for (vk, xk) in v.iter_mut().zip(&xs) {
                    // SAFETY: every tap row has at least `len` elements (asserted above) and
                    // `q < len`.
                    *vk = unsafe { *xk.get_unchecked(q) };
                }
                put.put(yq, f(v));
            }
        }
    }
}

/// Whether `w` is exactly one and `T` real: then `v / w` and `w * v` equal `v` bit for bit for every `v`
/// an arithmetic operation can produce (any number, infinity or quiet NaN), so the operation can be
/// skipped without changing any result. Not for complex types, where numpy's division by `1 + 0i`
/// computes `(re + im * 0) * 1`, which differs from `re` when `im` is infinite.
#[inline(always)]
pub fn is_exact_one<T: Scalar>(w: T) -> bool {
    !T::IS_COMPLEX && w == T::one()
}

/// [`run_taps`] for a formula whose last operation is a division by `s` (numpy's, see
/// [`Scalar::np_div`]): `y[q] (put)= f([rows...][q]).np_div(s)`. The division is skipped when `s` is
/// exactly one on a real type ([`is_exact_one`]); `f` must then be an arithmetic operation (never a
/// bare input value), so that its result is never a signalling NaN.
#[inline(always)]
pub fn run_taps_div<T: Scalar, P: Put<T>, S: Taps<T>, const K: usize>(
    src: &S,
    offs: [isize; K],
    y: &mut [T],
    put: P,
    s: T,
    f: impl Fn([T; K]) -> T,
) {
    struct Run<'a, S, T, P, const K: usize>(&'a S, [isize; K], &'a mut [T], P);
    impl<T: Scalar, P: Put<T>, S: Taps<T>, const K: usize> RunFormula<T, K> for Run<'_, S, T, P, K> {
        type Out = ();
        #[inline(always)]
        fn run(self, f: impl Fn([T; K]) -> T) {
            run_taps(self.0, self.1, self.2, self.3, f)
        }
    }
    divided_by(s, f, Run(src, offs, y, put))
}

/// A loop that runs a point formula, handed the formula by [`divided_by`] (one loop per form of
/// the final division, chosen once per run rather than per element).
pub(crate) trait RunFormula<T, const K: usize> {
    /// What the loop returns.
    type Out;
    /// Runs the loop with the formula `f`.
    fn run(self, f: impl Fn([T; K]) -> T) -> Self::Out;
}

/// Runs `r` with the formula `f(v).np_div(s)`, written the cheapest way with the same bits: `f`
/// alone when `s` is exactly one on a real type ([`is_exact_one`]), numpy's division by exactly
/// `1 + 0i` without its multiplications by one on a complex type.
#[inline(always)]
pub(crate) fn divided_by<T: Scalar, const K: usize, R: RunFormula<T, K>>(
    s: T,
    f: impl Fn([T; K]) -> T,
    r: R,
) -> R::Out {
    if is_exact_one(s) {
        r.run(f)
    } else if s == T::one() {
        r.run(|v| f(v).np_div_one())
    } else {
        r.run(|v| f(v).np_div(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stencil::lane::{Set, Strided};

    #[test]
    fn run_taps_reads_every_offset_for_every_arity() {
        let x: Vec<f64> = (0..40).map(|v| (v * v) as f64).collect();
        let src = Strided {
            x: &x,
            p0: 10,
            stride: 3,
        };
        let mut y = [0.0; 5];
        run_taps(&src, [-2], &mut y, Set, |[a]| a);
        assert_eq!(y, [16.0, 25.0, 36.0, 49.0, 64.0]);
        run_taps(&src, [-1, 1], &mut y, Set, |[a, b]| b - a);
        assert_eq!(y[0], 169.0 - 49.0);
        run_taps(&src, [-1, 0, 1], &mut y, Set, |[a, b, c]| a + b + c);
        assert_eq!(y[1], 64.0 + 121.0 + 196.0);
        run_taps(&src, [-2, -1, 1, 2], &mut y, Set, |[a, b, c, d]| {
            a + b + c + d
        });
        assert_eq!(y[2], 36.0 + 81.0 + 225.0 + 324.0);
        run_taps(&src, [-2, -1, 0, 1, 2], &mut y, Set, |v: [f64; 5]| {
            v.iter().sum()
        });
        assert_eq!(y[4], 64.0 + 121.0 + 196.0 + 289.0 + 400.0);
    }

    #[test]
    fn a_divisor_of_one_is_skipped_only_where_it_changes_no_bit() {
        assert!(is_exact_one(1.0f64) && !is_exact_one(2.0f32));
        assert!(!is_exact_one(num_complex::Complex::new(1.0f64, 0.0)));
        let x = [1.0, 2.0, 4.0];
        let src = Strided {
            x: &x,
            p0: 1,
            stride: 1,
        };
        let mut y = [0.0];
        run_taps_div(&src, [-1, 1], &mut y, Set, 1.0, |[a, b]| b - a);
        assert_eq!(y, [3.0]);
        run_taps_div(&src, [-1, 1], &mut y, Set, 0.5, |[a, b]| b - a);
        assert_eq!(y, [6.0]);
    }
}
