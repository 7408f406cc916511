//! The plotting helpers write PNGs of the expected size and never panic on NaN, infinite,
//! constant or empty data.
#![cfg(feature = "plot")]

use ndarray::{Array1, Array2, Array3};
use rylops::plot::{
    image, line_plot, log_plot, stem_plot, Colormap, Figure, ImagePanel, LinePanel, Series,
};
use std::path::PathBuf;

fn out(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rylops-plot-tests-{}", std::process::id()));
    dir.join(name)
}

/// Width and height from the PNG's IHDR chunk, after checking the signature.
fn png_size(path: &PathBuf) -> (u32, u32) {
    let b = std::fs::read(path).expect("PNG written");
    assert_eq!(
        &b[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&b[12..16], b"IHDR");
    let w = u32::from_be_bytes([b[16], b[17], b[18], b[19]]);
    let h = u32::from_be_bytes([b[20], b[21], b[22], b[23]]);
    (w, h)
}

#[test]
fn figure_of_panels_has_the_expected_size() {
    let y: Vec<f64> = (0..40).map(|i| (i as f64 * 0.3).cos()).collect();
    let a = Array2::from_shape_fn((50, 70), |(i, j)| (i * j) as f64);
    let v = Array3::from_shape_fn((3, 20, 30), |(k, i, j)| (k + i + j) as f32);
    let f = Figure::new("three panels")
        .columns(2)
        .panel_size(300, 240)
        .with(
            LinePanel::new("lines")
                .series(Series::line("cos", &y))
                .series(Series::dashed("cos again", &y).color(0, 0, 0))
                .series(Series::points("points", &y))
                .labels("sample", "value"),
        )
        .with(ImagePanel::new("image", a.view()).colormap(Colormap::Rainbow))
        .with(ImagePanel::slice("slice 1 of a cube", v.view(), 0, 1).unwrap());
    assert_eq!(f.size(), (600, 2 * 240 + 34));
    let p = out("figure.png");
    f.save(&p).unwrap();
    assert_eq!(png_size(&p), (600, 514));
}

#[test]
fn one_call_helpers_write_single_panels() {
    let y = [0.0, 1.0, -1.0, 0.5];
    let p = out("line.png");
    line_plot(&p, "line", &[("y", &y)]).unwrap();
    assert_eq!(png_size(&p), (420, 320));
    let p = out("stem.png");
    stem_plot(&p, "stem", &[("y", &y), ("2y", &[0.0, 2.0, -2.0, 1.0])]).unwrap();
    assert_eq!(png_size(&p), (420, 320));
    let p = out("log.png");
    let r: Vec<f64> = (0..20).map(|k| 10f64.powi(-k)).collect();
    log_plot(&p, "residuals", &[("r", &r)]).unwrap();
    assert_eq!(png_size(&p), (420, 320));
    let p = out("image.png");
    let a = Array2::from_shape_fn((8, 9), |(i, j)| i as f64 - j as f64);
    image(&p, "image", a.view(), Colormap::Seismic).unwrap();
    assert_eq!(png_size(&p), (420, 320));
}

#[test]
fn nan_infinite_and_constant_data_do_not_panic() {
    let nan = [f64::NAN; 10];
    let mixed = [
        1.0,
        f64::NAN,
        3.0,
        f64::INFINITY,
        -2.0,
        f64::NEG_INFINITY,
        0.0,
    ];
    let constant = [4.0; 12];
    let zeros = [0.0; 5];
    let p = out("nan-lines.png");
    let f = Figure::new("")
        .columns(3)
        .with(
            LinePanel::new("all NaN")
                .line("nan", nan)
                .stem("nan stems", nan),
        )
        .with(
            LinePanel::new("mixed")
                .line("mixed", mixed)
                .stem("stems", mixed),
        )
        .with(
            LinePanel::new("constant")
                .line("c", constant)
                .stem("s", constant),
        )
        .with(LinePanel::new("log of zeros").log_y().line("z", zeros))
        .with(LinePanel::new("log of mixed").log_y().line("m", mixed))
        .with(LinePanel::new("log constant").log_y().line("c", constant))
        .with(LinePanel::new("empty").line("none", Vec::<f64>::new()))
        .with(LinePanel::new("no series"))
        .with(
            LinePanel::new("x with NaN").series(Series::line("x", [1.0, 2.0, 3.0]).x([
                0.0,
                f64::NAN,
                1.0,
            ])),
        );
    f.save(&p).unwrap();
    assert_eq!(png_size(&p), (3 * 420, 3 * 320));

    let p = out("nan-images.png");
    let all_nan = Array2::from_elem((6, 7), f64::NAN);
    let constant = Array2::from_elem((6, 7), 3.5);
    let zero = Array2::<f64>::zeros((6, 7));
    let mut holes = Array2::from_shape_fn((40, 30), |(i, j)| (i + j) as f64);
    holes[[3, 4]] = f64::NAN;
    holes[[10, 10]] = f64::INFINITY;
    let rgb = Array3::from_shape_fn((10, 12, 3), |(i, _, k)| {
        if i == 0 {
            f64::NAN
        } else {
            k as f64 * 2.0 - 1.0
        }
    });
    let f = Figure::new("images")
        .columns(3)
        .panel_size(260, 200)
        .with(ImagePanel::new("all NaN", all_nan.view()))
        .with(ImagePanel::new("constant", constant.view()).symmetric())
        .with(ImagePanel::new("zero symmetric", zero.view()).symmetric())
        .with(ImagePanel::new("holes", holes.view()).range(f64::NAN, 1.0))
        .with(ImagePanel::new("bad range", holes.view()).range(2.0, 1.0))
        .with(ImagePanel::rgb("rgb clipped", rgb.view()).unwrap())
        .with(ImagePanel::new(
            "one pixel",
            Array2::from_elem((1, 1), 1.0).view(),
        ))
        .with(ImagePanel::new("bad extent", constant.view()).extent(0.0, 0.0, f64::NAN, 1.0))
        .with(ImagePanel::new(
            "empty",
            Array2::<f64>::zeros((0, 4)).view(),
        ));
    f.save(&p).unwrap();
    assert_eq!(png_size(&p), (3 * 260, 3 * 200 + 34));
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    assert!(Figure::new("nothing").save(out("none.png")).is_err());
    let v = Array3::<f64>::zeros((2, 3, 4));
    assert!(ImagePanel::rgb("not rgb", v.view()).is_err());
    assert!(ImagePanel::slice("far", v.view(), 1, 3).is_err());
    let d = Array1::<f64>::zeros(5).into_dyn();
    assert!(ImagePanel::from_dyn("1-D", d.view()).is_err());
    let d2 = Array2::<f64>::zeros((2, 2)).into_dyn();
    assert!(ImagePanel::from_dyn("2-D", d2.view()).is_ok());
}
