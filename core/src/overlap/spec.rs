//! What to borrow: [`Depth`] (samples per side and axis) and [`Boundary`] (what lies beyond the
//! array's edges), resolved against an array's shape.

use super::*;

/// How many samples each block borrows from its neighbours: `(before, after)` per axis.
///
/// `before` samples precede the block along the axis, `after` samples follow it. A depth given
/// for "all axes" ([`Depth::uniform`]) or for one axis ([`Depth::axis`]) fits arrays of any
/// number of dimensions; per-axis lists must have one entry per axis.
///
/// ```
/// use rylops_core::overlap::Depth;
/// assert_eq!(Depth::uniform(1).resolve(2).unwrap(), vec![(1, 1), (1, 1)]);
/// assert_eq!(Depth::per_axis(&[2, 1]).resolve(2).unwrap(), vec![(2, 2), (1, 1)]);
/// assert_eq!(Depth::asymmetric(&[(1, 0), (2, 2)]).resolve(2).unwrap(), vec![(1, 0), (2, 2)]);
/// assert_eq!(Depth::axis(-1, 0, 3).resolve(3).unwrap(), vec![(0, 0), (0, 0), (0, 3)]);
/// assert!(Depth::per_axis(&[1, 1]).resolve(3).is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Depth(DepthSpec);

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum DepthSpec {
    Uniform(usize, usize),
    PerAxis(Vec<(usize, usize)>),
    Axis {
        axis: isize,
        before: usize,
        after: usize,
    },
}

impl Depth {
    /// The same depth `d` before and after the blocks along every axis (dask's `depth=d`).
    ///
    /// ```
    /// use rylops_core::overlap::Depth;
    /// assert_eq!(Depth::uniform(2).resolve(1).unwrap(), vec![(2, 2)]);
    /// ```
    pub fn uniform(d: usize) -> Self {
        Self(DepthSpec::Uniform(d, d))
    }

    /// `before` samples before and `after` samples after the blocks along every axis.
    ///
    /// ```
    /// use rylops_core::overlap::Depth;
    /// assert_eq!(Depth::uniform_asymmetric(1, 3).resolve(2).unwrap(), vec![(1, 3), (1, 3)]);
    /// ```
    pub fn uniform_asymmetric(before: usize, after: usize) -> Self {
        Self(DepthSpec::Uniform(before, after))
    }

    /// No overlap at all: [`map_overlap`] then behaves like a plain block map.
    ///
    /// ```
    /// use rylops_core::overlap::Depth;
    /// assert_eq!(Depth::zero().resolve(2).unwrap(), vec![(0, 0), (0, 0)]);
    /// ```
    pub fn zero() -> Self {
        Self::uniform(0)
    }

    /// A symmetric depth per axis (dask's `depth={0: 2, 1: 1}` is `per_axis(&[2, 1])`).
    ///
    /// ```
    /// use rylops_core::overlap::Depth;
    /// assert_eq!(Depth::per_axis(&[2, 0]).resolve(2).unwrap(), vec![(2, 2), (0, 0)]);
    /// ```
    pub fn per_axis(d: &[usize]) -> Self {
        Self(DepthSpec::PerAxis(d.iter().map(|&v| (v, v)).collect()))
    }

    /// An asymmetric `(before, after)` depth per axis.
    ///
    /// ```
    /// use rylops_core::overlap::Depth;
    /// assert_eq!(Depth::asymmetric(&[(1, 0)]).resolve(1).unwrap(), vec![(1, 0)]);
    /// ```
    pub fn asymmetric(d: &[(usize, usize)]) -> Self {
        Self(DepthSpec::PerAxis(d.to_vec()))
    }

    /// Overlap along one axis only (numpy convention: `-1` is the last axis), zero elsewhere.
    ///
    /// ```
    /// use rylops_core::overlap::Depth;
    /// assert_eq!(Depth::axis(0, 2, 1).resolve(2).unwrap(), vec![(2, 1), (0, 0)]);
    /// assert!(Depth::axis(2, 1, 1).resolve(2).is_err());
    /// ```
    pub fn axis(axis: isize, before: usize, after: usize) -> Self {
        Self(DepthSpec::Axis {
            axis,
            before,
            after,
        })
    }

    /// The `(before, after)` pairs for an array of `ndim` dimensions.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (named `depth`) if a per-axis list does not have `ndim`
    /// entries, [`Error::AxisOutOfRange`] for a [`Depth::axis`] outside `-ndim..ndim`.
    ///
    /// ```
    /// use rylops_core::overlap::Depth;
    /// use rylops_core::Error;
    /// assert!(matches!(
    ///     Depth::per_axis(&[1]).resolve(2),
    ///     Err(Error::InvalidParameter { .. })
    /// ));
    /// ```
    pub fn resolve(&self, ndim: usize) -> Result<Vec<(usize, usize)>> {
        match &self.0 {
            DepthSpec::Uniform(b, a) => Ok(vec![(*b, *a); ndim]),
            DepthSpec::PerAxis(v) => {
                if v.len() != ndim {
                    return Err(Error::InvalidParameter {
                        name: "depth".into(),
                        reason: format!(
                            "{} per-axis depths given for an array of {ndim} dimension(s): give \
                             one (before, after) pair per axis, or use Depth::uniform / Depth::axis",
                            v.len()
                        ),
                    });
                }
                Ok(v.clone())
            }
            DepthSpec::Axis {
                axis,
                before,
                after,
            } => {
                let k = normalize_axis(*axis, ndim)?;
                let mut v = vec![(0, 0); ndim];
                v[k] = (*before, *after);
                Ok(v)
            }
        }
    }
}

/// How an array continues past its global ends along one axis (dask's `boundary`).
///
/// ```
/// use rylops_core::overlap::{overlap, Boundaries, Boundary, Depth};
/// use rylops_core::ChunkedArray;
/// use ndarray::arr1;
/// let x = ChunkedArray::from_array(arr1(&[1.0, 2.0, 3.0]).into_dyn());
/// let ext = |b: Boundary<f64>| {
///     let g = overlap(&x, &Depth::uniform(2), &Boundaries::uniform(b), true).unwrap();
///     g.to_array().iter().copied().collect::<Vec<_>>()
/// };
/// assert_eq!(ext(Boundary::None), vec![1.0, 2.0, 3.0]);
/// assert_eq!(ext(Boundary::Reflect), vec![2.0, 1.0, 1.0, 2.0, 3.0, 3.0, 2.0]);
/// assert_eq!(ext(Boundary::Periodic), vec![2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0]);
/// assert_eq!(ext(Boundary::Nearest), vec![1.0, 1.0, 1.0, 2.0, 3.0, 3.0, 3.0]);
/// assert_eq!(ext(Boundary::Constant(9.0)), vec![9.0, 9.0, 1.0, 2.0, 3.0, 9.0, 9.0]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Boundary<T> {
    /// No continuation: blocks are not extended past the global ends (dask's `'none'`).
    None,
    /// Mirror image including the edge sample (dask's `'reflect'`, numpy's `'symmetric'`); any
    /// depth is allowed, the mirror image being repeated as needed.
    Reflect,
    /// Wrap around to the other end (dask's `'periodic'`); the depth must not exceed the axis length.
    Periodic,
    /// Repeat the edge sample (dask's `'nearest'`, numpy's `'edge'`).
    Nearest,
    /// Fill with a constant value (dask's `boundary=value`).
    Constant(T),
}

/// The [`Boundary`] of every axis: one for all axes, or one per axis.
///
/// The default is [`Boundary::Reflect`] on every axis, as in dask.
///
/// ```
/// use rylops_core::overlap::{Boundaries, Boundary};
/// let b = Boundaries::per_axis(vec![Boundary::Constant(0.0), Boundary::Periodic]);
/// assert_eq!(b.resolve(2).unwrap()[1], Boundary::Periodic);
/// assert!(b.resolve(3).is_err());
/// let all: Boundaries<f64> = Boundary::Nearest.into();
/// assert_eq!(all.resolve(3).unwrap(), vec![Boundary::Nearest; 3]);
/// assert_eq!(Boundaries::<f64>::default(), Boundaries::uniform(Boundary::Reflect));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Boundaries<T>(BoundarySpec<T>);

#[derive(Clone, Debug, PartialEq)]
enum BoundarySpec<T> {
    Uniform(Boundary<T>),
    PerAxis(Vec<Boundary<T>>),
}

impl<T: Scalar> Boundaries<T> {
    /// The same boundary along every axis.
    ///
    /// ```
    /// use rylops_core::overlap::{Boundaries, Boundary};
    /// let b = Boundaries::uniform(Boundary::Constant(1.5f32));
    /// assert_eq!(b.resolve(2).unwrap(), vec![Boundary::Constant(1.5); 2]);
    /// ```
    pub fn uniform(b: Boundary<T>) -> Self {
        Self(BoundarySpec::Uniform(b))
    }

    /// One boundary per axis (dask's `boundary={0: 100, 1: 'reflect'}`).
    ///
    /// ```
    /// use rylops_core::overlap::{Boundaries, Boundary};
    /// let b = Boundaries::per_axis(vec![Boundary::Constant(100.0), Boundary::Reflect]);
    /// assert_eq!(b.resolve(2).unwrap()[0], Boundary::Constant(100.0));
    /// ```
    pub fn per_axis(b: Vec<Boundary<T>>) -> Self {
        Self(BoundarySpec::PerAxis(b))
    }

    /// The boundary of every axis of an array of `ndim` dimensions.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] (named `boundaries`) if a per-axis list does not have
    /// `ndim` entries.
    ///
    /// ```
    /// use rylops_core::overlap::{Boundaries, Boundary};
    /// use rylops_core::Error;
    /// let b = Boundaries::<f64>::per_axis(vec![Boundary::None]);
    /// assert!(matches!(b.resolve(2), Err(Error::InvalidParameter { .. })));
    /// ```
    pub fn resolve(&self, ndim: usize) -> Result<Vec<Boundary<T>>> {
        match &self.0 {
            BoundarySpec::Uniform(b) => Ok(vec![*b; ndim]),
            BoundarySpec::PerAxis(v) => {
                if v.len() != ndim {
                    return Err(Error::InvalidParameter {
                        name: "boundaries".into(),
                        reason: format!(
                            "{} per-axis boundaries given for an array of {ndim} dimension(s): \
                             give one per axis, or use Boundaries::uniform",
                            v.len()
                        ),
                    });
                }
                Ok(v.clone())
            }
        }
    }
}

impl<T: Scalar> Default for Boundaries<T> {
    fn default() -> Self {
        Self::uniform(Boundary::Reflect)
    }
}

impl<T: Scalar> From<Boundary<T>> for Boundaries<T> {
    fn from(b: Boundary<T>) -> Self {
        Self::uniform(b)
    }
}
