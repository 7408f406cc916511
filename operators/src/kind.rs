//! Shared options of the derivative operators.

use rylops_core::{Error, Result};
use std::fmt;
use std::str::FromStr;

/// Finite-difference kind (pylops' `kind`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Centered differences (default).
    #[default]
    Centered,
    /// Forward differences.
    Forward,
    /// Backward differences.
    Backward,
}

impl FromStr for Kind {
    type Err = Error;
    /// Parses pylops' spelling: `"centered"`, `"forward"` or `"backward"`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "centered" => Ok(Kind::Centered),
            "forward" => Ok(Kind::Forward),
            "backward" => Ok(Kind::Backward),
            other => Err(Error::InvalidParameter {
                name: "kind".into(),
                reason: format!("{other:?} is not one of \"centered\", \"forward\", \"backward\""),
            }),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Centered => "centered",
            Kind::Forward => "forward",
            Kind::Backward => "backward",
        })
    }
}

/// Checks a sampling interval: finite and non-zero.
pub(crate) fn check_sampling(name: &str, s: f64) -> Result<()> {
    if !s.is_finite() || s == 0.0 {
        return Err(Error::InvalidParameter {
            name: name.into(),
            reason: format!("sampling must be finite and non-zero, got {s}"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn parses_pylops_names() {
        assert_eq!("forward".parse::<Kind>().unwrap(), Kind::Forward);
        assert_eq!(Kind::Backward.to_string(), "backward");
        assert!(matches!(
            "invalid".parse::<Kind>(),
            Err(Error::InvalidParameter { .. })
        ));
        assert!(check_sampling("s", 0.0).is_err());
        assert!(check_sampling("s", f64::NAN).is_err());
        assert!(check_sampling("s", -0.5).is_ok());
    }
}
