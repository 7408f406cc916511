//! Validation of the numbers and shapes the operator builders are given, checked as the operators
//! will use them: in the scalar type `T` they compute in.
//!
//! A sampling is given as an `f64` but divides in `T` (and, for second derivatives and the
//! Laplacian, divides squared): `1e-46` is a fine `f64` but zero in `f32`, `1e39` is infinite in
//! `f32`, and `1e-200` squared underflows even in `f64`. Each builder calls these checks with one
//! line, so every operator rejects the same inputs with the same message.

use crate::identity::check_dims;
use crate::kind::check_sampling;
use num_traits::Float;
use rylops_core::{Error, Result, Scalar};

/// Checks a sampling interval `s` as the operator will divide by it: finite and non-zero in `f64`,
/// and a normal (non-zero, non-subnormal, finite) number once rounded to `T`. With `squared`, the
/// square must be normal in `T` too, computed both ways the operators compute it (`s * s` in `f64`
/// then rounded, and `T(s) * T(s)`).
///
/// # Errors
/// [`Error::InvalidParameter`] named `name`, saying which form is not usable.
pub(crate) fn sampling<T: Scalar>(name: &str, s: f64, squared: bool) -> Result<()> {
    check_sampling(name, s)?;
    let st = T::from_f64(s).re();
    let bad = |what: String, v: T::Real| Error::InvalidParameter {
        name: name.into(),
        reason: format!(
            "{what} is {v} in {}: a sampling must stay a normal (non-zero, non-subnormal, \
             finite) number in the operator's precision",
            <T::Real as Scalar>::DTYPE
        ),
    };
    if !Float::is_normal(st) {
        return Err(bad(format!("sampling {s}"), st));
    }
    if squared {
        let a = <T::Real as Scalar>::from_f64(s * s);
        if !Float::is_normal(a) {
            return Err(bad(format!("squared sampling ({s})^2"), a));
        }
        let b = st * st;
        if !Float::is_normal(b) {
            return Err(bad(format!("squared sampling ({s})^2"), b));
        }
    }
    Ok(())
}

/// Checks that every value (a weight, a direction component) is finite once in `T`.
///
/// # Errors
/// [`Error::InvalidParameter`] named `name`, giving the first bad value and its index.
pub(crate) fn finite<T: Scalar>(name: &str, values: impl IntoIterator<Item = T>) -> Result<()> {
    match values.into_iter().enumerate().find(|(_, v)| !v.is_finite()) {
        None => Ok(()),
        Some((i, v)) => Err(Error::InvalidParameter {
            name: name.into(),
            reason: format!(
                "entry {i} is {v:?} in {}: every entry must be finite",
                T::DTYPE
            ),
        }),
    }
}

/// Checks that arrays of shape `dims` (with `lead` prepended, if any) can exist: their element
/// count fits in an array (`isize::MAX`).
///
/// # Errors
/// [`Error::InvalidParameter`] named `dims`.
pub(crate) fn shape(dims: &[usize], lead: Option<usize>) -> Result<()> {
    match lead {
        None => check_dims("dims", dims),
        Some(n) => {
            let mut full = Vec::with_capacity(dims.len() + 1);
            full.push(n);
            full.extend_from_slice(dims);
            check_dims("dims", &full)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_complex::Complex32;

    #[test]
    fn samplings_are_checked_in_the_scalar_type() {
        assert!(sampling::<f64>("s", 1e-46, false).is_ok());
        assert!(sampling::<f32>("s", 1e-46, false).is_err());
        assert!(sampling::<Complex32>("s", 1e-46, false).is_err());
        assert!(sampling::<f32>("s", 1e-40, false).is_err()); // subnormal in f32
        assert!(sampling::<f32>("s", 1e39, false).is_err()); // infinite in f32
        assert!(sampling::<f64>("s", 1e-200, false).is_ok());
        assert!(sampling::<f64>("s", 1e-200, true).is_err());
        assert!(sampling::<f64>("s", 1e200, true).is_err());
        assert!(sampling::<f32>("s", 1e-20, true).is_err());
        assert!(sampling::<f32>("s", -0.5, true).is_ok());
        assert!(sampling::<f64>("s", f64::NAN, false).is_err());
        assert!(sampling::<f64>("s", 0.0, false).is_err());
    }

    #[test]
    fn weights_and_shapes() {
        assert!(finite("w", [1.0f64, -2.0, 0.0]).is_ok());
        assert!(finite("w", [1.0f64, f64::NAN]).is_err());
        assert!(finite("w", [f32::INFINITY]).is_err());
        assert!(shape(&[1 << 40, 1 << 40], None).is_err());
        assert!(shape(&[1 << 31, 1 << 31], Some(3)).is_err());
        assert!(shape(&[0, 5], Some(2)).is_ok());
    }
}
