//! The one error type of rylops.

use thiserror::Error;

/// Everything that can go wrong with user data in rylops, each variant saying what and how to fix it.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum Error {
    /// An array or vector does not have the shape an operator or function expects.
    #[error("shape mismatch in {context}: expected {expected:?}, got {got:?}")]
    ShapeMismatch {
        /// Where the mismatch was found.
        context: String,
        /// The shape that was expected.
        expected: Vec<usize>,
        /// The shape that was given.
        got: Vec<usize>,
    },
    /// An axis index outside `-ndim..ndim`.
    #[error(
        "axis {axis} is out of range for an array of {ndim} dimension(s): use -{ndim}..{ndim}"
    )]
    AxisOutOfRange {
        /// The axis that was given.
        axis: isize,
        /// The number of dimensions of the array.
        ndim: usize,
    },
    /// A chunk grid that does not tile the array (wrong sum, zero-length chunk, wrong rank).
    #[error("inconsistent chunk grid: {0}")]
    InconsistentChunks(String),
    /// Two arrays used together have different chunk grids.
    #[error("chunk grids differ: {0}; rechunk one array to the other's grid")]
    ChunkMismatch(String),
    /// A halo that cannot be built (e.g. depth larger than the whole axis for a periodic boundary).
    #[error("halo impossible: {0}")]
    HaloImpossible(String),
    /// Operators that cannot be composed (their shapes do not chain).
    #[error("incompatible operators: {0}")]
    IncompatibleOperators(String),
    /// A parameter with an invalid value (order, kind, sampling, lengths that differ, ...).
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The parameter's name.
        name: String,
        /// Why it is invalid and what is accepted.
        reason: String,
    },
    /// An axis too short for the requested stencil (pylops raises an IndexError there).
    #[error("axis {axis} has length {len}, too short for {what}: it needs at least {min} samples")]
    AxisTooShort {
        /// The (non-negative) axis.
        axis: usize,
        /// Its length.
        len: usize,
        /// The stencil configuration that needs more samples.
        what: String,
        /// The minimum length.
        min: usize,
    },
    /// A solver met a zero, negative or non-finite quantity where it must divide.
    #[error("solver breakdown at iteration {iteration}: {reason}")]
    Breakdown {
        /// Iteration at which it happened (0 = set-up).
        iteration: usize,
        /// What broke down.
        reason: String,
    },
    /// The operator given to CG is not Hermitian positive definite (`<p, A p> <= 0`).
    #[error("operator is not positive definite: <p, A p> = {value} at iteration {iteration}; use cgls or lsqr for non-SPD problems")]
    NotPositiveDefinite {
        /// Iteration at which it was detected.
        iteration: usize,
        /// The value of `<p, A p>` (real part).
        value: f64,
    },
    /// A NaN or infinity appeared in the iterates or the data.
    #[error("non-finite value in {0}")]
    NonFinite(String),
    /// An operation the operator does not provide, e.g. the adjoint of a
    /// [`FunctionOperator`](crate::FunctionOperator) built without one (pylops raises
    /// `NotImplementedError` there).
    #[error("not implemented: {0}")]
    NotImplemented(String),
    /// Reading or writing a file failed.
    #[error("i/o: {0}")]
    Io(String),
}

/// `Result` with rylops' [`Error`](enum@Error).
pub type Result<T> = std::result::Result<T, Error>;

/// Normalises a possibly negative axis (numpy convention) against `ndim`.
///
/// # Errors
/// [`Error::AxisOutOfRange`] unless `-ndim <= axis < ndim`.
pub fn normalize_axis(axis: isize, ndim: usize) -> Result<usize> {
    let n = ndim as isize;
    if axis >= n || axis < -n {
        return Err(Error::AxisOutOfRange { axis, ndim });
    }
    Ok(if axis < 0 {
        (axis + n) as usize
    } else {
        axis as usize
    })
}

pub(crate) fn shape_err(context: impl Into<String>, expected: &[usize], got: &[usize]) -> Error {
    Error::ShapeMismatch {
        context: context.into(),
        expected: expected.to_vec(),
        got: got.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn axes_normalise_like_numpy() {
        assert_eq!(normalize_axis(-1, 3), Ok(2));
        assert_eq!(normalize_axis(0, 3), Ok(0));
        assert_eq!(
            normalize_axis(3, 3),
            Err(Error::AxisOutOfRange { axis: 3, ndim: 3 })
        );
        assert!(normalize_axis(-4, 3).is_err());
        assert!(Error::AxisOutOfRange { axis: 3, ndim: 3 }
            .to_string()
            .contains("-3..3"));
    }
}
