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

mod png {
    use super::out;
    use ndarray::{arr2, Array3};
    use rylops::plot::{read_png, save_rgb};
    use rylops::Error;

    fn adler32(d: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &x in d {
            a = (a + x as u32) % 65521;
            b = (b + a) % 65521;
        }
        (b << 16) | a
    }

    /// A PNG with one IHDR (and optional PLTE) and one IDAT holding a zlib stream of one stored
    /// block (CRCs are left at zero: the decoder does not check them).
    fn png(w: u32, h: u32, depth: u8, ctype: u8, plte: Option<&[u8]>, raw: &[u8]) -> Vec<u8> {
        let chunk = |kind: &[u8], data: &[u8]| {
            let mut c = (data.len() as u32).to_be_bytes().to_vec();
            c.extend_from_slice(kind);
            c.extend_from_slice(data);
            c.extend_from_slice(&[0; 4]);
            c
        };
        let mut ihdr = w.to_be_bytes().to_vec();
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[depth, ctype, 0, 0, 0]);
        let mut z = vec![0x78, 0x01, 0x01];
        z.extend_from_slice(&(raw.len() as u16).to_le_bytes());
        z.extend_from_slice(&(!(raw.len() as u16)).to_le_bytes());
        z.extend_from_slice(raw);
        z.extend_from_slice(&adler32(raw).to_be_bytes());
        let mut f = b"\x89PNG\r\n\x1a\n".to_vec();
        f.extend(chunk(b"IHDR", &ihdr));
        if let Some(p) = plte {
            f.extend(chunk(b"PLTE", p));
        }
        f.extend(chunk(b"IDAT", &z));
        f.extend(chunk(b"IEND", &[]));
        f
    }

    #[test]
    fn save_rgb_then_read_png_gives_the_same_pixels() {
        // Values k/255 survive the 8-bit round trip exactly; the encoder (plotters' image crate)
        // compresses with Huffman codes, exercising the inflater.
        let a = Array3::from_shape_fn((37, 53, 3), |(i, j, k)| {
            ((i * 7 + j * 13 + k * 101 + i * j) % 256) as f64 / 255.0
        });
        let p = out("roundtrip.png");
        save_rgb(&p, a.view()).unwrap();
        let b = read_png(&p).unwrap();
        assert_eq!(b.dim(), (37, 53, 3));
        let worst = a
            .iter()
            .zip(b.iter())
            .map(|(x, y)| (x - *y as f64).abs())
            .fold(0.0, f64::max);
        assert!(worst < 1e-6, "max difference {worst}");
    }

    #[test]
    fn every_scanline_filter_is_undone() {
        // Grey 3x4, rows filtered with Sub, Up, Average and Paeth.
        let raw = [
            1, 10, 5, 5, //
            2, 1, 1, 1, //
            3, 0, 0, 0, //
            4, 0, 0, 0,
        ];
        let p = out("filters.png");
        std::fs::write(&p, png(3, 4, 8, 0, None, &raw)).unwrap();
        let g = read_png(&p).unwrap();
        let want = arr2(&[
            [10.0, 15.0, 20.0],
            [11.0, 16.0, 21.0],
            [5.0, 10.0, 15.0],
            [5.0, 10.0, 15.0],
        ]);
        assert_eq!(g.dim(), (4, 3, 1));
        assert_eq!(
            g.index_axis(ndarray::Axis(2), 0)
                .mapv(|v| (v * 255.0).round() as f64),
            want
        );
    }

    #[test]
    fn sixteen_bit_alpha_and_palette_images_read() {
        // RGBA, 16 bits: one pixel (65535, 0, 32768, alpha 0): alpha dropped.
        let raw = [0, 255, 255, 0, 0, 128, 0, 0, 0];
        let p = out("rgba16.png");
        std::fs::write(&p, png(1, 1, 16, 6, None, &raw)).unwrap();
        let v = read_png(&p).unwrap();
        assert_eq!(v.dim(), (1, 1, 3));
        assert_eq!(v[[0, 0, 0]], 1.0);
        assert_eq!(v[[0, 0, 1]], 0.0);
        assert!((v[[0, 0, 2]] - 0.5).abs() < 1e-4);
        // Palette: indices 1, 0 into [black, red].
        let p = out("palette.png");
        std::fs::write(&p, png(2, 1, 8, 3, Some(&[0, 0, 0, 255, 0, 0]), &[0, 1, 0])).unwrap();
        let v = read_png(&p).unwrap();
        assert_eq!(v[[0, 0, 0]], 1.0);
        assert_eq!(v[[0, 1, 0]], 0.0);
    }

    #[test]
    fn broken_pngs_are_io_errors() {
        let p = out("not-a-png.png");
        std::fs::write(&p, b"hello").unwrap();
        assert!(matches!(read_png(&p), Err(Error::Io(_))));
        assert!(matches!(read_png(out("missing.png")), Err(Error::Io(_))));
        // Bad checksum, truncated data, bad palette index, unsupported depth, interlacing.
        let mut f = png(3, 4, 8, 0, None, &[0; 16]);
        let n = f.len();
        f[n - 12 - 5] ^= 1; // inside the Adler-32 of the IDAT stream
        std::fs::write(&p, &f).unwrap();
        assert!(matches!(read_png(&p), Err(Error::Io(m)) if m.contains("checksum")));
        std::fs::write(&p, &png(3, 4, 8, 0, None, &[0; 16])[..60]).unwrap();
        assert!(read_png(&p).is_err());
        std::fs::write(&p, png(1, 1, 8, 3, Some(&[0, 0, 0]), &[0, 5])).unwrap();
        assert!(read_png(&p).is_err());
        std::fs::write(&p, png(8, 1, 1, 0, None, &[0, 255])).unwrap();
        assert!(read_png(&p).is_err());
        let mut f = png(1, 1, 8, 0, None, &[0, 0]);
        f[8 + 8 + 12] = 1; // interlace method
        std::fs::write(&p, &f).unwrap();
        assert!(matches!(read_png(&p), Err(Error::Io(m)) if m.contains("interlaced")));
    }
}
