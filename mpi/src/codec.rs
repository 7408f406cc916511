//! A byte encoding of [`Error`], so that an error found on one rank can be raised, identical, on every
//! rank after one collective (see `Comm::agree`).
//!
//! The encoding itself lives in [`rylops_core::error_codec`], next to [`Error`], where it matches
//! every variant by name: a new variant cannot compile until it is encoded.

use rylops_core::error_codec;
use rylops_core::Error;

/// Encodes an error: its variant and every field ([`rylops_core::error_codec::encode`]).
pub fn encode(e: &Error) -> Vec<u8> {
    error_codec::encode(e)
}

/// Decodes [`encode`]'s bytes (a corrupt buffer gives an `InvalidParameter` saying so).
pub fn decode(b: &[u8]) -> Error {
    error_codec::decode(b).unwrap_or_else(|| Error::InvalidParameter {
        name: "remote error".into(),
        reason: "an error from another rank could not be decoded".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_ranks_unchanged() {
        let all = [
            Error::ShapeMismatch {
                context: "x".into(),
                expected: vec![1, 2],
                got: vec![3],
            },
            Error::AxisOutOfRange { axis: -4, ndim: 3 },
            Error::NotPositiveDefinite {
                iteration: 2,
                value: -0.5,
            },
            Error::Io("io".into()),
        ];
        for e in all {
            assert_eq!(decode(&encode(&e)), e);
        }
    }

    #[test]
    fn corrupt_buffers_give_a_typed_error() {
        for b in [&[][..], &[1, 2], &[99, 0, 0, 0, 0, 0, 0, 0]] {
            assert!(matches!(
                decode(b),
                Error::InvalidParameter { ref name, .. } if name == "remote error"
            ));
        }
    }
}
