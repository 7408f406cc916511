//! An empty model (an axis of length zero) is legal input: every stencil operator, forward and
//! adjoint, alone and composed, returns an empty result instead of panicking (a division by a zero
//! length used to panic in the fused pass).

use rylops_core::{ChunkGrid, ChunkedArray, LinearOperator, OperatorExt, Result};
use rylops_operators::{
    Direction, FirstDerivative, FirstDirectionalDerivative, Gradient, Kind, Laplacian,
    SecondDerivative, SecondDirectionalDerivative,
};

/// Forward and adjoint of `op` on zeros of its shapes, single-chunk and chunked where possible.
fn run<O>(op: &O) -> Result<()>
where
    O: LinearOperator<Domain = ChunkedArray<f64>, Range = ChunkedArray<f64>, Scalar = f64>,
{
    let x = op.zeros_domain();
    let y = op.forward(&x)?;
    assert_eq!(y.shape(), op.dimsd().as_slice());
    assert_eq!(y.shape().iter().product::<usize>(), 0);
    let z = op.adjoint(&y)?;
    assert_eq!(z.shape(), op.dims().as_slice());
    // The same on a chunked empty model (chunks of the non-empty axis split).
    let dims = op.dims();
    let chunks: Vec<Vec<usize>> = dims
        .iter()
        .map(|&n| if n > 1 { vec![1, n - 1] } else { vec![n] })
        .collect();
    let xc = ChunkedArray::<f64>::zeros(ChunkGrid::new(&dims, chunks)?);
    let yc = op.forward(&xc)?;
    op.adjoint(&yc)?;
    Ok(())
}

#[test]
fn empty_models_give_empty_results() {
    for dims in [[0usize, 4], [5, 0], [0, 0]] {
        for ax in [0isize, 1] {
            for (kind, order) in [(Kind::Centered, 3), (Kind::Centered, 5), (Kind::Forward, 3)] {
                let d = FirstDerivative::<f64>::builder(&dims)
                    .axis(ax)
                    .kind(kind)
                    .order(order)
                    .build()
                    .unwrap();
                run(&d).unwrap();
            }
            let s = SecondDerivative::<f64>::builder(&dims)
                .axis(ax)
                .build()
                .unwrap();
            run(&s).unwrap();
        }
        let lap = Laplacian::<f64>::builder(&dims)
            .weights(&[1.0, 2.0])
            .build()
            .unwrap();
        run(&lap).unwrap();
        let g = Gradient::<f64>::builder(&dims).build().unwrap();
        run(&g).unwrap();
        let fd = FirstDirectionalDerivative::<f64>::new(
            &dims,
            Direction::Global(vec![0.6, 0.8]),
            &[1.0, 1.0],
            false,
            Kind::Centered,
        )
        .unwrap();
        run(&fd).unwrap();
        let sd = SecondDirectionalDerivative::<f64>::new(
            &dims,
            Direction::Global(vec![1.0, 0.0]),
            &[1.0, 1.0],
            false,
            Kind::Centered,
        )
        .unwrap();
        run(&sd).unwrap();
        // Compositions: L^H L + 2 L, and G^H G.
        let lap2 = Laplacian::<f64>::builder(&dims).build().unwrap();
        let normal = lap.clone().h().times(lap2).unwrap();
        run(&normal).unwrap();
        let gg = g.clone().h().times(g).unwrap();
        run(&gg).unwrap();
    }
}
