//! A byte encoding of [`Error`](enum@Error), so that an error found in one process (an MPI rank)
//! can be raised, identical, in another.
//!
//! Every variant keeps its type and its fields. The encoder matches every variant by name, without
//! a wildcard arm: a variant added to [`Error`](enum@Error) does not compile until it is given a tag
//! here (and a branch in [`decode`]; the unit tests check that every tag decodes).
//!
//! The format: a little-endian `u64` tag, then the variant's fields in declaration order, integers as
//! little-endian `u64` (an `isize` through `i64`, an `f64` through its bits), strings as a length and
//! UTF-8 bytes, lists of `usize` as a length and the values.
//!
//! ```
//! use rylops_core::error_codec::{decode, encode};
//! use rylops_core::Error;
//! let e = Error::AxisOutOfRange { axis: -4, ndim: 3 };
//! assert_eq!(decode(&encode(&e)), Some(e));
//! assert_eq!(decode(&[1, 2, 3]), None);
//! ```

use crate::error::Error;

/// The highest tag [`encode`] writes (tags run from 1 to this value, one per variant).
pub const LAST_TAG: u64 = 13;

struct W(Vec<u8>);
impl W {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn usize(&mut self, v: usize) {
        self.u64(v as u64);
    }
    fn str(&mut self, s: &str) {
        self.usize(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn list(&mut self, l: &[usize]) {
        self.usize(l.len());
        for &v in l {
            self.usize(v);
        }
    }
}

struct R<'a>(&'a [u8]);
impl R<'_> {
    fn u64(&mut self) -> Option<u64> {
        let (h, t) = self.0.split_at_checked(8)?;
        self.0 = t;
        Some(u64::from_le_bytes(h.try_into().ok()?))
    }
    fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }
    fn isize(&mut self) -> Option<isize> {
        isize::try_from(self.u64()? as i64).ok()
    }
    fn str(&mut self) -> Option<String> {
        let n = self.usize()?;
        let (h, t) = self.0.split_at_checked(n)?;
        self.0 = t;
        String::from_utf8(h.to_vec()).ok()
    }
    fn list(&mut self) -> Option<Vec<usize>> {
        let n = self.usize()?;
        // A length the remaining bytes cannot hold is corrupt: refuse it before allocating.
        if n > self.0.len() / 8 {
            return None;
        }
        (0..n).map(|_| self.usize()).collect()
    }
}

/// The tag of a variant (1 to [`LAST_TAG`]).
fn tag(e: &Error) -> u64 {
    match e {
        Error::ShapeMismatch { .. } => 1,
        Error::AxisOutOfRange { .. } => 2,
        Error::InconsistentChunks(_) => 3,
        Error::ChunkMismatch(_) => 4,
        Error::HaloImpossible(_) => 5,
        Error::IncompatibleOperators(_) => 6,
        Error::InvalidParameter { .. } => 7,
        Error::AxisTooShort { .. } => 8,
        Error::Breakdown { .. } => 9,
        Error::NotPositiveDefinite { .. } => 10,
        Error::NonFinite(_) => 11,
        Error::Io(_) => 12,
        Error::NotImplemented(_) => 13,
    }
}

/// Encodes an error: its variant and every field (the inverse of [`decode`]).
pub fn encode(e: &Error) -> Vec<u8> {
    let mut w = W(Vec::new());
    w.u64(tag(e));
    match e {
        Error::ShapeMismatch {
            context,
            expected,
            got,
        } => {
            w.str(context);
            w.list(expected);
            w.list(got);
        }
        Error::AxisOutOfRange { axis, ndim } => {
            w.u64(*axis as i64 as u64);
            w.usize(*ndim);
        }
        Error::InconsistentChunks(s)
        | Error::ChunkMismatch(s)
        | Error::HaloImpossible(s)
        | Error::IncompatibleOperators(s)
        | Error::NonFinite(s)
        | Error::NotImplemented(s)
        | Error::Io(s) => w.str(s),
        Error::InvalidParameter { name, reason } => {
            w.str(name);
            w.str(reason);
        }
        Error::AxisTooShort {
            axis,
            len,
            what,
            min,
        } => {
            w.usize(*axis);
            w.usize(*len);
            w.str(what);
            w.usize(*min);
        }
        Error::Breakdown { iteration, reason } => {
            w.usize(*iteration);
            w.str(reason);
        }
        Error::NotPositiveDefinite { iteration, value } => {
            w.usize(*iteration);
            w.u64(value.to_bits());
        }
    }
    w.0
}

/// Decodes [`encode`]'s bytes; `None` when they are not a complete encoding of one error (an unknown
/// tag, a truncated field, a string that is not UTF-8, a value that does not fit this platform's
/// `usize`, or bytes left over).
pub fn decode(b: &[u8]) -> Option<Error> {
    let mut r = R(b);
    let e = match r.u64()? {
        1 => Error::ShapeMismatch {
            context: r.str()?,
            expected: r.list()?,
            got: r.list()?,
        },
        2 => Error::AxisOutOfRange {
            axis: r.isize()?,
            ndim: r.usize()?,
        },
        3 => Error::InconsistentChunks(r.str()?),
        4 => Error::ChunkMismatch(r.str()?),
        5 => Error::HaloImpossible(r.str()?),
        6 => Error::IncompatibleOperators(r.str()?),
        7 => Error::InvalidParameter {
            name: r.str()?,
            reason: r.str()?,
        },
        8 => Error::AxisTooShort {
            axis: r.usize()?,
            len: r.usize()?,
            what: r.str()?,
            min: r.usize()?,
        },
        9 => Error::Breakdown {
            iteration: r.usize()?,
            reason: r.str()?,
        },
        10 => Error::NotPositiveDefinite {
            iteration: r.usize()?,
            value: f64::from_bits(r.u64()?),
        },
        11 => Error::NonFinite(r.str()?),
        12 => Error::Io(r.str()?),
        13 => Error::NotImplemented(r.str()?),
        _ => return None,
    };
    r.0.is_empty().then_some(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// One value of every variant, with fields that exercise signs, empty and non-ASCII strings.
    fn every_variant() -> Vec<Error> {
        vec![
            Error::ShapeMismatch {
                context: "x".into(),
                expected: vec![1, 2],
                got: vec![],
            },
            Error::AxisOutOfRange {
                axis: isize::MIN,
                ndim: 3,
            },
            Error::InconsistentChunks("a".into()),
            Error::ChunkMismatch(String::new()),
            Error::HaloImpossible("c".into()),
            Error::IncompatibleOperators("d".into()),
            Error::InvalidParameter {
                name: "n".into(),
                reason: "Δ é".into(),
            },
            Error::AxisTooShort {
                axis: 1,
                len: usize::MAX,
                what: "w".into(),
                min: 3,
            },
            Error::Breakdown {
                iteration: 4,
                reason: "z".into(),
            },
            Error::NotPositiveDefinite {
                iteration: 2,
                value: -0.5,
            },
            Error::NonFinite("v".into()),
            Error::Io("io".into()),
            Error::NotImplemented("adjoint".into()),
        ]
    }

    #[test]
    fn every_variant_round_trips_and_every_tag_is_covered() {
        let all = every_variant();
        let mut tags: Vec<u64> = all.iter().map(tag).collect();
        tags.sort_unstable();
        assert_eq!(tags, (1..=LAST_TAG).collect::<Vec<_>>());
        for e in all {
            let b = encode(&e);
            assert_eq!(b[..8], tag(&e).to_le_bytes());
            assert_eq!(decode(&b).as_ref(), Some(&e), "{e:?}");
        }
    }

    #[test]
    fn special_floats_keep_their_bits() {
        for value in [f64::NAN, -0.0, f64::INFINITY, f64::MIN_POSITIVE] {
            let e = Error::NotPositiveDefinite {
                iteration: 0,
                value,
            };
            match decode(&encode(&e)) {
                Some(Error::NotPositiveDefinite { value: v, .. }) => {
                    assert_eq!(v.to_bits(), value.to_bits())
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn corrupt_buffers_are_refused() {
        assert_eq!(decode(&[]), None);
        assert_eq!(decode(&[1, 2]), None);
        assert_eq!(decode(&0u64.to_le_bytes()), None);
        assert_eq!(decode(&(LAST_TAG + 1).to_le_bytes()), None);
        for e in every_variant() {
            let b = encode(&e);
            // every strict prefix is truncated, and a trailing byte is left over
            for n in 0..b.len() {
                assert_eq!(decode(&b[..n]), None, "{e:?} cut at {n}");
            }
            let mut longer = b.clone();
            longer.push(0);
            assert_eq!(decode(&longer), None);
        }
        // a list length far beyond the buffer is refused without allocating it
        let mut b = 1u64.to_le_bytes().to_vec();
        b.extend_from_slice(&0u64.to_le_bytes());
        b.extend_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(decode(&b), None);
        // invalid UTF-8
        let mut b = 3u64.to_le_bytes().to_vec();
        b.extend_from_slice(&1u64.to_le_bytes());
        b.push(0xff);
        assert_eq!(decode(&b), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn random_fields_round_trip(
            context in ".{0,12}",
            expected in proptest::collection::vec(any::<usize>(), 0..5),
            got in proptest::collection::vec(any::<usize>(), 0..5),
            axis in any::<isize>(),
            n in any::<usize>(),
            value in any::<f64>(),
        ) {
            let cases = [
                Error::ShapeMismatch { context: context.clone(), expected, got },
                Error::AxisOutOfRange { axis, ndim: n },
                Error::AxisTooShort { axis: n, len: n / 2, what: context.clone(), min: n / 3 },
                Error::NotPositiveDefinite { iteration: n, value },
            ];
            for e in cases {
                let d = decode(&encode(&e));
                prop_assert!(d.is_some());
                // compare through the encoding so that NaN values compare by their bits
                prop_assert_eq!(encode(&d.unwrap_or(Error::Io(String::new()))), encode(&e));
            }
        }

        #[test]
        fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Some(e) = decode(&b) {
                prop_assert_eq!(encode(&e), b);
            }
        }
    }
}
