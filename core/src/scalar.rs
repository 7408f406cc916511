//! Scalar types: one trait bound covering `f32`, `f64`, `Complex<f32>` and `Complex<f64>`.
//!
//! Arithmetic in the kernels follows numpy's rules exactly so that results are bit-for-bit equal to
//! pylops: in particular a complex number divided by a (real) scalar uses numpy's Smith division, which
//! for a real divisor `s` multiplies by the rounded reciprocal `1/s`; see [`Scalar::np_div`].

use num_complex::Complex;
use num_traits::{Float, NumAssign};
use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::Neg;

/// A real floating-point type (`f32` or `f64`): the type of norms, tolerances and moduli.
pub trait RealScalar: Scalar<Real = Self> + Float + PartialOrd + Display {
    /// Default relative tolerance of the dot test for this precision (1e-12 for f64, 1e-4 for f32).
    const DOT_TEST_RTOL: Self;
    /// Machine epsilon.
    const EPS: Self;
    /// Converts to `f64` (exact).
    fn to_f64_lossless(self) -> f64;
}

/// The scalar bound of every rylops operator, array and solver.
///
/// Implemented for `f32`, `f64`, `Complex<f32>` and `Complex<f64>`. Conversions never promote between
/// precisions silently: [`Scalar::from_f64`] rounds a parameter (sampling, weight) to the scalar's
/// precision, as numpy does for a Python float combined with an array.
pub trait Scalar:
    Copy + Send + Sync + Debug + Default + PartialEq + NumAssign + Neg<Output = Self> + Sum + 'static
{
    /// The real type: `f32` for `f32` and `Complex<f32>`, `f64` for the others.
    type Real: RealScalar;
    /// Whether this is a complex type.
    const IS_COMPLEX: bool;
    /// A short name, as numpy spells the dtype (`float64`, `complex128`, ...).
    const DTYPE: &'static str;

    /// Complex conjugate (identity for real types).
    fn conj(self) -> Self;
    /// Real part.
    fn re(self) -> Self::Real;
    /// Imaginary part (zero for real types).
    fn im(self) -> Self::Real;
    /// Modulus `|z|`.
    fn modulus(self) -> Self::Real;
    /// Squared modulus `|z|^2`.
    fn modulus_sqr(self) -> Self::Real;
    /// Builds the scalar from a real value.
    fn from_real(r: Self::Real) -> Self;
    /// Builds the scalar from real and imaginary parts (the imaginary part is dropped for real types).
    fn from_parts(re: Self::Real, im: Self::Real) -> Self;
    /// Converts a real `f64` parameter to this scalar type (rounding to `f32` where needed).
    fn from_f64(v: f64) -> Self;
    /// Whether every component is finite.
    fn is_finite(self) -> bool;
    /// Division with numpy's semantics (Smith's algorithm for complex types).
    ///
    /// For real types this is plain `/`. For complex types it reproduces numpy's complex division
    /// bit for bit; for a real divisor `s` it multiplies each part by the rounded reciprocal `1/s`.
    fn np_div(self, rhs: Self) -> Self;
    /// `self.np_div(Self::one())` with the operations that cannot change a bit left out: for real
    /// types `self` itself for every value an arithmetic operation produces (see
    /// [`crate::stencil::is_exact_one`]); for complex types numpy's Smith division by `1 + 0i` is
    /// `((re + im*0) * 1, (im - re*0) * 1)`, and the multiplications by one are exact.
    fn np_div_one(self) -> Self;
    /// Multiplies by a real number.
    fn mul_real(self, r: Self::Real) -> Self;
}

macro_rules! impl_real {
    ($t:ty, $name:expr, $tol:expr) => {
        impl RealScalar for $t {
            const DOT_TEST_RTOL: Self = $tol;
            const EPS: Self = <$t>::EPSILON;
            #[inline(always)]
            fn to_f64_lossless(self) -> f64 {
                self as f64
            }
        }
        impl Scalar for $t {
            type Real = $t;
            const IS_COMPLEX: bool = false;
            const DTYPE: &'static str = $name;
            #[inline(always)]
            fn conj(self) -> Self {
                self
            }
            #[inline(always)]
            fn re(self) -> Self {
                self
            }
            #[inline(always)]
            fn im(self) -> Self {
                0.0
            }
            #[inline(always)]
            fn modulus(self) -> Self {
                self.abs()
            }
            #[inline(always)]
            fn modulus_sqr(self) -> Self {
                self * self
            }
            #[inline(always)]
            fn from_real(r: Self) -> Self {
                r
            }
            #[inline(always)]
            fn from_parts(re: Self, _im: Self) -> Self {
                re
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn np_div(self, rhs: Self) -> Self {
                self / rhs
            }
            #[inline(always)]
            fn np_div_one(self) -> Self {
                self
            }
            #[inline(always)]
            fn mul_real(self, r: Self) -> Self {
                self * r
            }
        }
    };
}
impl_real!(f32, "float32", 1e-4);
impl_real!(f64, "float64", 1e-12);

macro_rules! impl_complex {
    ($t:ty, $name:expr) => {
        impl Scalar for Complex<$t> {
            type Real = $t;
            const IS_COMPLEX: bool = true;
            const DTYPE: &'static str = $name;
            #[inline(always)]
            fn conj(self) -> Self {
                Complex::new(self.re, -self.im)
            }
            #[inline(always)]
            fn re(self) -> $t {
                self.re
            }
            #[inline(always)]
            fn im(self) -> $t {
                self.im
            }
            #[inline(always)]
            fn modulus(self) -> $t {
                self.re.hypot(self.im)
            }
            #[inline(always)]
            fn modulus_sqr(self) -> $t {
                self.re * self.re + self.im * self.im
            }
            #[inline(always)]
            fn from_real(r: $t) -> Self {
                Complex::new(r, 0.0)
            }
            #[inline(always)]
            fn from_parts(re: $t, im: $t) -> Self {
                Complex::new(re, im)
            }
            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                Complex::new(v as $t, 0.0)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                self.re.is_finite() && self.im.is_finite()
            }
            #[inline(always)]
            fn np_div(self, rhs: Self) -> Self {
                // numpy's complex division (Smith's algorithm), as in its umath loops.
                let (ar, ai, br, bi) = (self.re, self.im, rhs.re, rhs.im);
                let br_abs = br.abs();
                let bi_abs = bi.abs();
                if br_abs >= bi_abs {
                    if br_abs == 0.0 && bi_abs == 0.0 {
                        Complex::new(ar / br_abs, ai / bi_abs)
                    } else {
                        let rat = bi / br;
                        let scl = 1.0 / (br + bi * rat);
                        Complex::new((ar + ai * rat) * scl, (ai - ar * rat) * scl)
                    }
                } else {
                    let rat = br / bi;
                    let scl = 1.0 / (bi + br * rat);
                    Complex::new((ar * rat + ai) * scl, (ai * rat - ar) * scl)
                }
            }
            #[inline(always)]
            fn np_div_one(self) -> Self {
                // rat = 0 / 1 = +0 and scl = 1 / (1 + 0 * 0) = 1 in `np_div`'s first branch.
                Complex::new(self.re + self.im * 0.0, self.im - self.re * 0.0)
            }
            #[inline(always)]
            fn mul_real(self, r: $t) -> Self {
                Complex::new(self.re * r, self.im * r)
            }
        }
    };
}
impl_complex!(f32, "complex64");
impl_complex!(f64, "complex128");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_by_one_shortcut_is_bit_exact() {
        let special = [
            0.0f64,
            -0.0,
            1.0,
            -2.5,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            f64::MIN_POSITIVE / 8.0,
            f64::MAX,
            1e-300,
        ];
        let one = Complex::<f64>::from_f64(1.0);
        for &re in &special {
            for &im in &special {
                let z = Complex::new(re, im);
                let (a, b) = (z.np_div(one), z.np_div_one());
                assert_eq!(
                    (a.re.to_bits(), a.im.to_bits()),
                    (b.re.to_bits(), b.im.to_bits()),
                    "{z:?}"
                );
                let z32 = Complex::new(re as f32, im as f32);
                let (a, b) = (z32.np_div(Complex::from_f64(1.0)), z32.np_div_one());
                assert_eq!(
                    (a.re.to_bits(), a.im.to_bits()),
                    (b.re.to_bits(), b.im.to_bits()),
                    "{z32:?}"
                );
            }
            let v = re + 0.0; // an arithmetic result, as every formula's value is
            assert_eq!(v.np_div(1.0).to_bits(), v.np_div_one().to_bits());
        }
    }

    #[test]
    fn complex_division_by_real_multiplies_by_reciprocal() {
        // numpy: (1+2j)/0.4 == (1+2j)*(1/0.4) component-wise, which differs from 1/0.4 rounding.
        let z = Complex::new(1.0f64, 2.0);
        let q = z.np_div(Complex::from_f64(0.4));
        let r: f64 = 1.0 / 0.4;
        assert_eq!(q.re.to_bits(), (1.0 * r).to_bits());
        assert_eq!(q.im.to_bits(), (2.0 * r).to_bits());
    }

    #[test]
    fn real_division_is_plain() {
        assert_eq!(3.0f64.np_div(0.4), 3.0 / 0.4);
        assert_eq!(3.0f32.np_div(0.4), 3.0f32 / 0.4f32);
    }

    #[test]
    fn moduli_and_conjugates() {
        let z = Complex::new(3.0f32, -4.0);
        assert_eq!(z.modulus(), 5.0);
        assert_eq!(z.modulus_sqr(), 25.0);
        assert_eq!(z.conj(), Complex::new(3.0, 4.0));
        assert_eq!((-2.0f64).modulus(), 2.0);
        assert_eq!(<f32 as Scalar>::from_f64(0.1), 0.1f32);
    }
}
