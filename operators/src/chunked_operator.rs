//! The `LinearOperator` boilerplate shared by the operators on chunked arrays whose shapes are fields
//! of the operator (the derivatives, Laplacian, Identity, Zero, Diagonal, the directional
//! derivative): one definition, used by each.

/// Implements `LinearOperator` for `$ty<T>`, whose model shape is the field `$dims` and data shape
/// the field `$dimsd` (both `Vec<usize>`; one field when they are the same), given an
/// `apply(&self, adjoint, x, y)` expression that computes `y = A x` (`adjoint == false`) or
/// `y = A^H x` into an output of the right shape. Shapes are checked before it runs; outputs made by
/// `range_like`/`domain_like` keep the chunking of their input where the shapes agree.
macro_rules! chunked_operator {
    ($ty:ident, $name:literal, |$s:ident, $adj:ident, $x:ident, $y:ident| $body:expr) => {
        $crate::chunked_operator::chunked_operator!($ty, $name, dims, dims, |$s, $adj, $x, $y| {
            $body
        });
    };
    ($ty:ident, $name:literal, $dims:ident, $dimsd:ident,
     |$s:ident, $adj:ident, $x:ident, $y:ident| $body:expr) => {
        impl<T: rylops_core::Scalar> rylops_core::LinearOperator for $ty<T> {
            type Scalar = T;
            type Domain = rylops_core::ChunkedArray<T>;
            type Range = rylops_core::ChunkedArray<T>;
            fn dims(&self) -> Vec<usize> {
                self.$dims.clone()
            }
            fn dimsd(&self) -> Vec<usize> {
                self.$dimsd.clone()
            }
            fn forward_into(
                &self,
                x: &rylops_core::ChunkedArray<T>,
                y: &mut rylops_core::ChunkedArray<T>,
            ) -> rylops_core::Result<()> {
                rylops_core::check_shape(x, &self.$dims, concat!($name, " forward input"))?;
                rylops_core::check_shape(y, &self.$dimsd, concat!($name, " forward output"))?;
                let ($s, $adj, $x, $y) = (self, false, x, y);
                $body
            }
            fn adjoint_into(
                &self,
                y: &rylops_core::ChunkedArray<T>,
                x: &mut rylops_core::ChunkedArray<T>,
            ) -> rylops_core::Result<()> {
                rylops_core::check_shape(y, &self.$dimsd, concat!($name, " adjoint input"))?;
                rylops_core::check_shape(x, &self.$dims, concat!($name, " adjoint output"))?;
                let ($s, $adj, $x, $y) = (self, true, y, x);
                $body
            }
            fn range_like(
                &self,
                x: &rylops_core::ChunkedArray<T>,
            ) -> rylops_core::Result<rylops_core::ChunkedArray<T>> {
                rylops_core::check_shape(x, &self.$dims, concat!($name, " input"))?;
                Ok(rylops_core::ChunkedArray::zeros(
                    $crate::identity::grid_like(x.grid(), &self.$dimsd),
                ))
            }
            fn domain_like(
                &self,
                y: &rylops_core::ChunkedArray<T>,
            ) -> rylops_core::Result<rylops_core::ChunkedArray<T>> {
                rylops_core::check_shape(y, &self.$dimsd, concat!($name, " adjoint input"))?;
                Ok(rylops_core::ChunkedArray::zeros(
                    $crate::identity::grid_like(y.grid(), &self.$dims),
                ))
            }
            fn zeros_domain(&self) -> rylops_core::ChunkedArray<T> {
                rylops_core::ChunkedArray::zeros_single(&self.$dims)
            }
            fn zeros_range(&self) -> rylops_core::ChunkedArray<T> {
                rylops_core::ChunkedArray::zeros_single(&self.$dimsd)
            }
        }
    };
}
pub(crate) use chunked_operator;
