//! The `LinearOperator` boilerplate shared by the operators whose model and data have the same shape
//! and the same chunking (FirstDerivative, SecondDerivative, Laplacian): one definition, used by each.

/// Implements `LinearOperator` for `$ty<T>` (a struct with a `dims: Vec<usize>` field) given an
/// `apply(&self, adjoint, x, y)` expression; shapes are checked before it runs.
macro_rules! same_shape_operator {
    ($ty:ident, $name:literal, |$s:ident, $adj:ident, $x:ident, $y:ident| $body:expr) => {
        impl<T: rylops_core::Scalar> rylops_core::LinearOperator for $ty<T> {
            type Scalar = T;
            type Domain = rylops_core::ChunkedArray<T>;
            type Range = rylops_core::ChunkedArray<T>;
            fn dims(&self) -> Vec<usize> {
                self.dims.clone()
            }
            fn dimsd(&self) -> Vec<usize> {
                self.dims.clone()
            }
            fn forward_into(
                &self,
                x: &rylops_core::ChunkedArray<T>,
                y: &mut rylops_core::ChunkedArray<T>,
            ) -> rylops_core::Result<()> {
                rylops_core::check_shape(x, &self.dims, concat!($name, " forward input"))?;
                rylops_core::check_shape(y, &self.dims, concat!($name, " forward output"))?;
                let ($s, $adj, $x, $y) = (self, false, x, y);
                $body
            }
            fn adjoint_into(
                &self,
                y: &rylops_core::ChunkedArray<T>,
                x: &mut rylops_core::ChunkedArray<T>,
            ) -> rylops_core::Result<()> {
                rylops_core::check_shape(y, &self.dims, concat!($name, " adjoint input"))?;
                rylops_core::check_shape(x, &self.dims, concat!($name, " adjoint output"))?;
                let ($s, $adj, $x, $y) = (self, true, y, x);
                $body
            }
            fn range_like(
                &self,
                x: &rylops_core::ChunkedArray<T>,
            ) -> rylops_core::Result<rylops_core::ChunkedArray<T>> {
                rylops_core::check_shape(x, &self.dims, concat!($name, " input"))?;
                Ok(rylops_core::ChunkedArray::zeros(x.grid().clone()))
            }
            fn domain_like(
                &self,
                y: &rylops_core::ChunkedArray<T>,
            ) -> rylops_core::Result<rylops_core::ChunkedArray<T>> {
                rylops_core::check_shape(y, &self.dims, concat!($name, " adjoint input"))?;
                Ok(rylops_core::ChunkedArray::zeros(y.grid().clone()))
            }
            fn zeros_domain(&self) -> rylops_core::ChunkedArray<T> {
                rylops_core::ChunkedArray::zeros_single(&self.dims)
            }
            fn zeros_range(&self) -> rylops_core::ChunkedArray<T> {
                rylops_core::ChunkedArray::zeros_single(&self.dims)
            }
        }
    };
}
pub(crate) use same_shape_operator;
