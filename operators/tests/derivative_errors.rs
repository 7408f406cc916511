//! Bad derivative configurations give typed errors, never panics (pylops raises on some of them).

use rylops_core::{ChunkedArray, Error, LinearMap, LinearOperator};
use rylops_operators::{FirstDerivative, Gradient, Kind, Laplacian, SecondDerivative};

#[test]
fn short_axes_with_edge_are_rejected_like_pylops_index_errors() {
    // pylops: IndexError for n=1 with edge (order 3), n<=2 with order 5 + edge, n<=2 SecondDerivative + edge.
    for (n, order) in [(1, 3), (1, 5), (2, 5)] {
        let r = FirstDerivative::<f64>::builder(&[4, n])
            .order(order)
            .edge(true)
            .build();
        assert!(
            matches!(r, Err(Error::AxisTooShort { axis: 1, len, min, .. }) if len == n && min > n),
            "n={n} order={order}: {r:?}"
        );
    }
    for n in [1, 2] {
        let r = SecondDerivative::<f64>::builder(&[n]).edge(true).build();
        assert!(matches!(r, Err(Error::AxisTooShort { .. })), "{r:?}");
        let r = Laplacian::<f64>::builder(&[n, 5]).edge(true).build();
        assert!(matches!(r, Err(Error::AxisTooShort { .. })), "{r:?}");
    }
    // Where pylops returns values, so do we: n=2 order 3 with edge, n=3 order 5 with edge,
    // one-sided kinds ignore `edge`.
    assert!(FirstDerivative::<f64>::builder(&[2])
        .edge(true)
        .build()
        .is_ok());
    assert!(FirstDerivative::<f64>::builder(&[3])
        .order(5)
        .edge(true)
        .build()
        .is_ok());
    assert!(SecondDerivative::<f64>::builder(&[1])
        .kind(Kind::Forward)
        .edge(true)
        .build()
        .is_ok());
}

#[test]
fn invalid_options_are_typed_errors() {
    let bad = [
        FirstDerivative::<f64>::builder(&[5]).order(4).build().err(),
        FirstDerivative::<f64>::builder(&[5])
            .sampling(0.0)
            .build()
            .err(),
        FirstDerivative::<f64>::builder(&[5])
            .sampling(f64::NAN)
            .build()
            .err(),
        Laplacian::<f64>::builder(&[5, 5])
            .weights(&[1.0])
            .build()
            .err(),
        Laplacian::<f64>::builder(&[5, 5])
            .axes(&[])
            .weights(&[])
            .sampling(&[])
            .build()
            .err(),
        Gradient::<f64>::builder(&[5, 5])
            .sampling_per_axis(&[1.0])
            .build()
            .err(),
    ];
    for e in bad {
        assert!(matches!(e, Some(Error::InvalidParameter { .. })), "{e:?}");
    }
    assert!(matches!(
        "sideways".parse::<Kind>(),
        Err(Error::InvalidParameter { .. })
    ));
    let e = FirstDerivative::<f64>::builder(&[5, 5])
        .axis(-3)
        .build()
        .err();
    assert_eq!(e, Some(Error::AxisOutOfRange { axis: -3, ndim: 2 }));
    let e = Laplacian::<f64>::builder(&[5]).build().err(); // default axes (-2, -1) on a 1-D array
    assert!(matches!(e, Some(Error::AxisOutOfRange { .. })), "{e:?}");
}

#[test]
fn wrong_shapes_at_apply_time_are_typed_errors() {
    let d = FirstDerivative::<f64>::new(&[4, 5]).unwrap();
    let x = ChunkedArray::<f64>::zeros_single(&[5, 4]);
    assert!(matches!(d.forward(&x), Err(Error::ShapeMismatch { .. })));
    assert!(matches!(d.adjoint(&x), Err(Error::ShapeMismatch { .. })));
    let good = ChunkedArray::<f64>::zeros_single(&[4, 5]);
    let mut other = good.rechunk_uniform(&[2, 5]).unwrap();
    assert!(matches!(
        d.forward_into(&good, &mut other),
        Err(Error::ChunkMismatch(_))
    ));
    let g = Gradient::<f64>::builder(&[4, 5]).build().unwrap();
    let mut wrong = ChunkedArray::<f64>::zeros_single(&[2, 4, 4]);
    assert!(matches!(
        g.forward_into(&good, &mut wrong),
        Err(Error::ShapeMismatch { .. })
    ));
}
