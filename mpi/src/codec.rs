//! A byte encoding of [`Error`], so that an error found on one rank can be raised, identical, on every
//! rank after one collective (see `Comm::agree`).

use rylops_core::Error;

struct W(Vec<u8>);
impl W {
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn list(&mut self, l: &[usize]) {
        self.u64(l.len() as u64);
        for &v in l {
            self.u64(v as u64);
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
    fn str(&mut self) -> Option<String> {
        let n = self.u64()? as usize;
        let (h, t) = self.0.split_at_checked(n)?;
        self.0 = t;
        String::from_utf8(h.to_vec()).ok()
    }
    fn list(&mut self) -> Option<Vec<usize>> {
        let n = self.u64()? as usize;
        (0..n).map(|_| self.u64().map(|v| v as usize)).collect()
    }
}

/// Encodes an error (every variant keeps its type and fields; a variant unknown to this crate is
/// carried as its message).
pub fn encode(e: &Error) -> Vec<u8> {
    let mut w = W(Vec::new());
    match e {
        Error::ShapeMismatch {
            context,
            expected,
            got,
        } => {
            w.u64(1);
            w.str(context);
            w.list(expected);
            w.list(got);
        }
        Error::AxisOutOfRange { axis, ndim } => {
            w.u64(2);
            w.u64(*axis as i64 as u64);
            w.u64(*ndim as u64);
        }
        Error::InconsistentChunks(s) => {
            w.u64(3);
            w.str(s);
        }
        Error::ChunkMismatch(s) => {
            w.u64(4);
            w.str(s);
        }
        Error::HaloImpossible(s) => {
            w.u64(5);
            w.str(s);
        }
        Error::IncompatibleOperators(s) => {
            w.u64(6);
            w.str(s);
        }
        Error::InvalidParameter { name, reason } => {
            w.u64(7);
            w.str(name);
            w.str(reason);
        }
        Error::AxisTooShort {
            axis,
            len,
            what,
            min,
        } => {
            w.u64(8);
            w.u64(*axis as u64);
            w.u64(*len as u64);
            w.str(what);
            w.u64(*min as u64);
        }
        Error::Breakdown { iteration, reason } => {
            w.u64(9);
            w.u64(*iteration as u64);
            w.str(reason);
        }
        Error::NotPositiveDefinite { iteration, value } => {
            w.u64(10);
            w.u64(*iteration as u64);
            w.u64(value.to_bits());
        }
        Error::NonFinite(s) => {
            w.u64(11);
            w.str(s);
        }
        Error::Io(s) => {
            w.u64(12);
            w.str(s);
        }
        other => {
            w.u64(0);
            w.str(&other.to_string());
        }
    }
    w.0
}

/// Decodes [`encode`]'s bytes (a corrupt buffer gives an `InvalidParameter` saying so).
pub fn decode(b: &[u8]) -> Error {
    fn go(r: &mut R<'_>) -> Option<Error> {
        Some(match r.u64()? {
            1 => Error::ShapeMismatch {
                context: r.str()?,
                expected: r.list()?,
                got: r.list()?,
            },
            2 => Error::AxisOutOfRange {
                axis: r.u64()? as i64 as isize,
                ndim: r.u64()? as usize,
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
                axis: r.u64()? as usize,
                len: r.u64()? as usize,
                what: r.str()?,
                min: r.u64()? as usize,
            },
            9 => Error::Breakdown {
                iteration: r.u64()? as usize,
                reason: r.str()?,
            },
            10 => Error::NotPositiveDefinite {
                iteration: r.u64()? as usize,
                value: f64::from_bits(r.u64()?),
            },
            11 => Error::NonFinite(r.str()?),
            12 => Error::Io(r.str()?),
            0 => Error::InvalidParameter {
                name: "remote error".into(),
                reason: r.str()?,
            },
            _ => return None,
        })
    }
    go(&mut R(b)).unwrap_or_else(|| Error::InvalidParameter {
        name: "remote error".into(),
        reason: "an error from another rank could not be decoded".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_round_trips() {
        let all = vec![
            Error::ShapeMismatch {
                context: "x".into(),
                expected: vec![1, 2],
                got: vec![3],
            },
            Error::AxisOutOfRange { axis: -4, ndim: 3 },
            Error::InconsistentChunks("a".into()),
            Error::ChunkMismatch("b".into()),
            Error::HaloImpossible("c".into()),
            Error::IncompatibleOperators("d".into()),
            Error::InvalidParameter {
                name: "n".into(),
                reason: "r".into(),
            },
            Error::AxisTooShort {
                axis: 1,
                len: 2,
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
        ];
        for e in all {
            assert_eq!(decode(&encode(&e)), e);
        }
        assert!(matches!(decode(&[1, 2]), Error::InvalidParameter { .. }));
    }
}
