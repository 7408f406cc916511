//! Directional derivatives (pylops' `FirstDirectionalDerivative` and `SecondDirectionalDerivative`).

use crate::gradient::Gradient;
use crate::kind::Kind;
use rayon::prelude::*;
use rylops_core::ndarray::{ArrayD, Axis, Slice};
use rylops_core::{
    check_apply, Adjoint, Chunked, ChunkedArray, ChunkedOperator, Error, LinearMap, LinearOperator,
    OperatorExt, Product, Result, Scalar, Scaled, Scratch,
};
use std::sync::Arc;

/// The direction of a directional derivative (pylops' `v`: a vector of `ndim` components, or an
/// array of shape `(ndim, *dims)`).
#[derive(Clone, Debug)]
pub enum Direction<T> {
    /// One direction for every point: a vector of `ndim` components.
    Global(Vec<T>),
    /// A direction per point: an array of shape `(ndim, *dims)`.
    PerPoint(ArrayD<T>),
}

/// `D_v x = sum_k v_k * (G x)_k`: the gradient projected on a direction (per point or global),
/// computed as pylops does (`Sum(axis=0) * Diagonal(v) * Gradient`), so the components are added in
/// axis order.
///
/// ```
/// use rylops_core::{ChunkedArray, LinearMap, LinearOperator, dot_test, ndarray::Array2};
/// use rylops_operators::{Direction, FirstDirectionalDerivative};
/// let d = FirstDirectionalDerivative::<f64>::builder(&[6, 7], Direction::Global(vec![0.6, 0.8]))
///     .edge(true)
///     .build()
///     .unwrap();
/// // the same operator, all arguments given:
/// let same = FirstDirectionalDerivative::<f64>::new(&[6, 7], Direction::Global(vec![0.6, 0.8]), &[1.0, 1.0], true,
///     rylops_operators::Kind::Centered).unwrap();
/// let x = Array2::from_shape_fn((6, 7), |(i, j)| (i + 2 * j) as f64).into_dyn();
/// let y = d.forward(&ChunkedArray::from_array(x)).unwrap().to_array();
/// assert!(y.iter().all(|&v| (v - (0.6 + 1.6)).abs() < 1e-12)); // 0.6*1 + 0.8*2 everywhere
/// assert!(dot_test(&d, 1).unwrap().passed);
/// let z = ChunkedArray::from_array(Array2::from_shape_fn((6, 7), |(i, j)| (i * j) as f64).into_dyn());
/// assert_eq!(d.forward(&z).unwrap(), same.forward(&z).unwrap());
/// ```
pub struct FirstDirectionalDerivative<T: Scalar> {
    grad: Chunked<Gradient<T>>,
    v: Direction<T>,
    dims: Vec<usize>,
    fwd: Scratch<ChunkedArray<T>>,
    adj: Scratch<ChunkedArray<T>>,
}

impl<T: Scalar> FirstDirectionalDerivative<T> {
    /// A directional derivative on arrays of shape `dims` along `v`, with one sampling per axis
    /// (pylops' positional order `(dims, v, sampling, edge, kind)`; [`Self::builder`] has pylops'
    /// defaults).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] for a direction of the wrong length or shape;
    /// [`Error::InvalidParameter`] for a direction with a NaN or infinite component; those of
    /// [`GradientBuilder::build`](crate::GradientBuilder::build).
    pub fn new(
        dims: &[usize],
        v: Direction<T>,
        sampling: &[f64],
        edge: bool,
        kind: Kind,
    ) -> Result<Chunked<Self>> {
        let nd = dims.len();
        match &v {
            Direction::Global(g) if g.len() != nd => {
                return Err(Error::ShapeMismatch {
                    context: "FirstDirectionalDerivative direction".into(),
                    expected: vec![nd],
                    got: vec![g.len()],
                })
            }
            Direction::PerPoint(a) => {
                let mut want = vec![nd];
                want.extend_from_slice(dims);
                if a.shape() != want.as_slice() {
                    return Err(Error::ShapeMismatch {
                        context: "FirstDirectionalDerivative direction field".into(),
                        expected: want,
                        got: a.shape().to_vec(),
                    });
                }
            }
            _ => {}
        }
        match &v {
            Direction::Global(g) => crate::validate::finite("v", g.iter().copied())?,
            Direction::PerPoint(a) => crate::validate::finite("v", a.iter().copied())?,
        }
        let grad = Gradient::<T>::builder(dims)
            .sampling_per_axis(sampling)
            .edge(edge)
            .kind(kind)
            .build()?;
        let v = match v {
            Direction::PerPoint(a) => Direction::PerPoint(a.as_standard_layout().into_owned()),
            g => g,
        };
        Ok(Chunked(Self {
            grad,
            v,
            dims: dims.to_vec(),
            fwd: Scratch::new(),
            adj: Scratch::new(),
        }))
    }

    /// Component `k` of the direction over the region of block with offset `off` and shape `shape`.
    fn region(&self, k: usize, off: &[usize], shape: &[usize]) -> Option<ArrayD<T>> {
        match &self.v {
            Direction::Global(_) => None,
            Direction::PerPoint(a) => {
                let mut view = a.index_axis(Axis(0), k);
                for (ax, (&o, &n)) in off.iter().zip(shape).enumerate() {
                    view.slice_axis_inplace(Axis(ax), Slice::from(o..o + n));
                }
                Some(view.to_owned())
            }
        }
    }

    fn weight(&self, k: usize, region: &Option<ArrayD<T>>, idx: usize) -> T {
        match (&self.v, region) {
            (Direction::Global(g), _) => g[k],
            (_, Some(r)) => r.as_slice().expect("owned standard layout")[idx],
            _ => unreachable!("per-point direction always has a region"),
        }
    }
}

impl<T: Scalar> FirstDirectionalDerivative<T> {
    /// `y = A x` (shapes checked by the caller).
    fn forward_impl(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        x.check_same_grid(y, "FirstDirectionalDerivative forward output")?;
        let probe = self.grad.range_like(x)?;
        let mut g = self
            .fwd
            .take(|t| t.grid() == probe.grid(), || Ok(probe.clone()))?;
        let r = self.grad.forward_into(x, &mut g);
        if r.is_ok() {
            let grid = x.grid().clone();
            let nd = self.dims.len();
            y.blocks_mut()
                .par_iter_mut()
                .enumerate()
                .for_each(|(b, yb)| {
                    let id = grid.block_id(b);
                    let off = grid.block_offset(&id);
                    let shape = yb.shape().to_vec();
                    let gb = g.blocks()[b].as_slice().expect("standard layout");
                    let len = yb.len();
                    let ys = yb.as_slice_mut().expect("standard layout");
                    for k in 0..nd {
                        let reg = self.region(k, &off, &shape);
                        let gk = &gb[k * len..(k + 1) * len];
                        for (i, (yv, &gv)) in ys.iter_mut().zip(gk).enumerate() {
                            let t = self.weight(k, &reg, i) * gv;
                            *yv = if k == 0 { t } else { *yv + t };
                        }
                    }
                });
        }
        self.fwd.give(g);
        r
    }
    /// `x = A^H y` (shapes checked by the caller).
    fn adjoint_impl(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        y.check_same_grid(x, "FirstDirectionalDerivative adjoint output")?;
        let probe = self.grad.range_like(y)?;
        let mut w = self
            .adj
            .take(|t| t.grid() == probe.grid(), || Ok(probe.clone()))?;
        let grid = y.grid().clone();
        let nd = self.dims.len();
        w.blocks_mut()
            .par_iter_mut()
            .enumerate()
            .for_each(|(b, wb)| {
                let id = grid.block_id(b);
                let off = grid.block_offset(&id);
                let yb = &y.blocks()[b];
                let shape = yb.shape().to_vec();
                let ys = yb.as_slice().expect("standard layout");
                let len = yb.len();
                let ws = wb.as_slice_mut().expect("standard layout");
                for k in 0..nd {
                    let reg = self.region(k, &off, &shape);
                    for (i, (wv, &yv)) in ws[k * len..(k + 1) * len].iter_mut().zip(ys).enumerate()
                    {
                        *wv = self.weight(k, &reg, i).conj() * yv;
                    }
                }
            });
        let r = self.grad.adjoint_into(&w, x);
        self.adj.give(w);
        r
    }
}

impl<T: Scalar> ChunkedOperator for FirstDirectionalDerivative<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.dims.clone()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, false, x, y)?;
        self.forward_impl(x, y)
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        check_apply(self, true, y, x)?;
        self.adjoint_impl(y, x)
    }
}

/// `-(D^H D)` as composition types.
type NegNormal<T> = Scaled<
    Product<
        Adjoint<Arc<Chunked<FirstDirectionalDerivative<T>>>>,
        Arc<Chunked<FirstDirectionalDerivative<T>>>,
    >,
>;

/// `-D_v^H D_v`, the second directional derivative of pylops (built as pylops builds it).
///
/// ```
/// use rylops_core::{dot_test, LinearMap, LinearOperator};
/// use rylops_operators::{Direction, Kind, SecondDirectionalDerivative};
/// let d = SecondDirectionalDerivative::<f64>::new(&[8, 9], Direction::Global(vec![1.0, 0.0]), &[1.0, 1.0],
///     false, Kind::Centered).unwrap();
/// assert!(dot_test(&d, 3).unwrap().passed);
/// ```
pub struct SecondDirectionalDerivative<T: Scalar> {
    op: NegNormal<T>,
}

impl<T: Scalar> SecondDirectionalDerivative<T> {
    /// `-D^H D` with `D` the [`FirstDirectionalDerivative`] of the same arguments.
    ///
    /// # Errors
    /// Those of [`FirstDirectionalDerivative::new`], and [`Error::InvalidParameter`] for a sampling
    /// whose square is zero, subnormal or non-finite in `T` (the operator divides by it twice).
    pub fn new(
        dims: &[usize],
        v: Direction<T>,
        sampling: &[f64],
        edge: bool,
        kind: Kind,
    ) -> Result<Chunked<Self>> {
        for &s in sampling {
            crate::validate::sampling::<T>("sampling", s, true)?;
        }
        let d = Arc::new(FirstDirectionalDerivative::new(
            dims, v, sampling, edge, kind,
        )?);
        let op = d.clone().h().times(d)?.scaled(T::from_f64(-1.0));
        Ok(Chunked(Self { op }))
    }
}

impl<T: Scalar> ChunkedOperator for SecondDirectionalDerivative<T> {
    type Scalar = T;
    fn dims(&self) -> Vec<usize> {
        self.op.dims()
    }
    fn dimsd(&self) -> Vec<usize> {
        self.op.dimsd()
    }
    fn forward_into(&self, x: &ChunkedArray<T>, y: &mut ChunkedArray<T>) -> Result<()> {
        self.op.forward_into(x, y)
    }
    fn adjoint_into(&self, y: &ChunkedArray<T>, x: &mut ChunkedArray<T>) -> Result<()> {
        self.op.adjoint_into(y, x)
    }
}

/// Options shared by the builders of the directional derivatives.
#[derive(Clone, Debug)]
struct DirectionalOptions<T> {
    dims: Vec<usize>,
    v: Direction<T>,
    sampling: Option<Vec<f64>>,
    edge: bool,
    kind: Kind,
}

impl<T> DirectionalOptions<T> {
    fn new(dims: &[usize], v: Direction<T>) -> Self {
        Self {
            dims: dims.to_vec(),
            v,
            sampling: None,
            edge: false,
            kind: Kind::Centered,
        }
    }
    /// The sampling per axis (1 on every axis unless set, as pylops' default).
    fn sampling(&self) -> Vec<f64> {
        self.sampling
            .clone()
            .unwrap_or_else(|| vec![1.0; self.dims.len()])
    }
}

macro_rules! directional_builder {
    ($builder:ident, $op:ident) => {
        /// Builder of a
        #[doc = concat!("[`", stringify!($op), "`]")]
        /// with pylops' defaults (`sampling = 1` on every axis, `edge = false`,
        /// `kind = Centered`); see
        #[doc = concat!("[`", stringify!($op), "::builder`].")]
        #[derive(Clone, Debug)]
        pub struct $builder<T> {
            o: DirectionalOptions<T>,
        }

        impl<T: Scalar> $builder<T> {
            /// The same sampling interval on every axis.
            pub fn sampling(mut self, s: f64) -> Self {
                self.o.sampling = Some(vec![s; self.o.dims.len()]);
                self
            }
            /// One sampling interval per axis (`ndim` values).
            pub fn sampling_per_axis(mut self, s: &[f64]) -> Self {
                self.o.sampling = Some(s.to_vec());
                self
            }
            /// Whether to use one-sided differences at the edges (centered only).
            pub fn edge(mut self, e: bool) -> Self {
                self.o.edge = e;
                self
            }
            /// Derivative kind.
            pub fn kind(mut self, k: Kind) -> Self {
                self.o.kind = k;
                self
            }
            /// Validates the options and builds the operator.
            ///
            /// # Errors
            #[doc = concat!("Those of [`", stringify!($op), "::new`].")]
            pub fn build(self) -> Result<Chunked<$op<T>>> {
                let sampling = self.o.sampling();
                $op::new(&self.o.dims, self.o.v, &sampling, self.o.edge, self.o.kind)
            }
        }

        impl<T: Scalar> $op<T> {
            /// A builder with pylops' defaults (`sampling = 1`, `edge = false`,
            /// `kind = Centered`), as [`FirstDerivative::builder`](crate::FirstDerivative::builder):
            #[doc = concat!("`", stringify!($op), "::<f64>::builder(&dims, v).sampling(0.5).edge(true).build()?`.")]
            pub fn builder(dims: &[usize], v: Direction<T>) -> $builder<T> {
                $builder {
                    o: DirectionalOptions::new(dims, v),
                }
            }
        }
    };
}

directional_builder!(
    FirstDirectionalDerivativeBuilder,
    FirstDirectionalDerivative
);
directional_builder!(
    SecondDirectionalDerivativeBuilder,
    SecondDirectionalDerivative
);
