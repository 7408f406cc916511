//! The plotting helpers write PNGs of the expected size and never panic on NaN, infinite,
//! constant or empty data.
#![cfg(feature = "plot")]

use ndarray::{Array1, Array2, Array3};
use rylops::plot::{
    image, line_plot, log_plot, save_rgb, stem_plot, Colormap, Figure, ImagePanel, LinePanel,
    Series,
};
use rylops::Error;
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
    assert_eq!(f.size().unwrap(), (600, 2 * 240 + 34));
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

/// Runs `f` on a thread and fails if it does not finish within `secs` seconds (a hang in
/// plotters would otherwise hang the test run).
fn within<R: Send + 'static>(secs: u64, what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(std::time::Duration::from_secs(secs))
        .unwrap_or_else(|_| panic!("{what}: did not finish within {secs} s (hang or panic)"))
}

#[test]
fn extreme_finite_data_draws_without_hanging() {
    let m = f64::MAX;
    let series: Vec<(&str, Vec<f64>)> = vec![
        ("0..MAX", vec![0.0, m]),
        ("-MAX..MAX", vec![-m, m, 0.0]),
        ("near MAX", vec![m, m * 0.999_999]),
        ("one ulp", vec![1.0, 1.0 + f64::EPSILON]),
        ("tiny", vec![0.0, 1e-320, 5e-324]),
        (
            "huge and one ulp",
            vec![1e300, 1e300 * (1.0 + 2.0 * f64::EPSILON)],
        ),
    ];
    for (name, y) in series {
        let y2 = y.clone();
        within(60, name, move || {
            let x: Vec<f64> = y2.iter().rev().copied().collect();
            let f = Figure::new(name)
                .columns(3)
                .panel_size(200, 160)
                .with(LinePanel::new("line").line("y", &y2))
                .with(LinePanel::new("stem").stem("y", &y2))
                .with(LinePanel::new("x = y").series(Series::points("p", &y2).x(&x)))
                .with(LinePanel::new("log").log_y().line("y", &y2))
                .with(
                    ImagePanel::new(
                        "image",
                        Array2::from_shape_fn((2, 2), |(i, j)| y2[(i + j) % y2.len()]).view(),
                    )
                    .extent(y2[0], y2[1], y2[1], y2[0]),
                )
                .with(
                    ImagePanel::new("range", Array2::from_elem((2, 3), 1.0).view())
                        .range(y2[0], y2[1])
                        .symmetric(),
                );
            f.save(out(&format!("extreme-{}.png", name.replace(' ', "-"))))
                .unwrap();
        });
    }
}

#[test]
fn log_panels_over_six_hundred_decades_draw_quickly() {
    // A CG residual history reaching 1e-300, and the whole positive f64 range.
    let residuals: Vec<f64> = (0..=300).map(|k| 10f64.powi(-k)).collect();
    let wide = vec![5e-324, 1e-300, 1.0, 1e300, f64::MAX];
    within(60, "log plots", move || {
        log_plot(out("log-300.png"), "residuals", &[("r", &residuals)]).unwrap();
        log_plot(
            out("log-all.png"),
            "everything",
            &[("w", &wide), ("r", &residuals)],
        )
        .unwrap();
        stem_plot(out("stem-max.png"), "stems", &[("w", &wide)]).unwrap();
    });
}

#[test]
fn figure_sizes_that_overflow_are_errors() {
    let f = Figure::new("big")
        .panel_size(u32::MAX, 200)
        .with(LinePanel::new("a"))
        .with(LinePanel::new("b"));
    assert!(matches!(f.size(), Err(Error::InvalidParameter { .. })));
    assert!(matches!(
        f.save(out("never.png")),
        Err(Error::InvalidParameter { .. })
    ));
    let f = Figure::new("")
        .panel_size(100_000, 100_000)
        .with(LinePanel::new("a"));
    assert!(
        f.size().is_err(),
        "10^10 pixels are refused before allocating"
    );
    let f = Figure::new("")
        .panel_size(400, u32::MAX - 10)
        .with(LinePanel::new("a"));
    assert!(f.size().is_err());
    let f = Figure::new("")
        .panel_size(4096, 4096)
        .with(LinePanel::new("a"));
    assert_eq!(f.size().unwrap(), (4096, 4096));
    // save_rgb: more pixels than a picture may have (a view of a broadcast array, no memory).
    let px = Array3::<f64>::zeros((1, 1, 3));
    let wide = px.broadcast((1, 1 << 29, 3)).unwrap();
    assert!(matches!(
        save_rgb(out("wide.png"), wide),
        Err(Error::InvalidParameter { .. })
    ));
}

mod png_files {
    use super::out;
    use ndarray::{arr2, Array3};
    use rylops::plot::{read_png, save_rgb};
    use rylops::Error;

    /// A PNG written by the `png` crate's encoder from raw samples.
    pub fn encode(
        w: u32,
        h: u32,
        color: png::ColorType,
        depth: png::BitDepth,
        palette: Option<&[u8]>,
        data: &[u8],
    ) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut e = png::Encoder::new(&mut out, w, h);
            e.set_color(color);
            e.set_depth(depth);
            if let Some(p) = palette {
                e.set_palette(p.to_vec());
            }
            let mut wr = e.write_header().unwrap();
            wr.write_image_data(data).unwrap();
        }
        out
    }

    /// A PNG whose header says `w x h` of `color`/`depth` and whose image data is `zlib` (chunk
    /// CRCs computed by the encoder, so that only the claim or the stream is hostile).
    pub fn with_idat(
        w: u32,
        h: u32,
        color: png::ColorType,
        depth: png::BitDepth,
        zlib: &[u8],
    ) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut e = png::Encoder::new(&mut out, w, h);
            e.set_color(color);
            e.set_depth(depth);
            let mut wr = e.write_header().unwrap();
            for piece in zlib.chunks(1 << 16) {
                wr.write_chunk(png::chunk::IDAT, piece).unwrap();
            }
        } // dropping the writer writes IEND
        out
    }

    /// The concatenated IDAT data (the zlib stream) of a PNG.
    pub fn idat(png: &[u8]) -> Vec<u8> {
        let mut z = Vec::new();
        let mut pos = 8;
        while pos + 8 <= png.len() {
            let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
            if &png[pos + 4..pos + 8] == b"IDAT" {
                z.extend_from_slice(&png[pos + 8..pos + 8 + len]);
            }
            pos += 12 + len;
        }
        z
    }

    fn read(name: &str, bytes: &[u8]) -> rylops::Result<Array3<f32>> {
        let p = out(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
        read_png(&p)
    }

    #[test]
    fn save_rgb_then_read_png_gives_the_same_pixels() {
        // Values k/255 survive the 8-bit round trip exactly.
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
    fn every_colour_type_and_depth_reads() {
        use png::{BitDepth as D, ColorType as C};
        // Grey, 8 bits: 3x2.
        let g = read(
            "grey8.png",
            &encode(
                3,
                2,
                C::Grayscale,
                D::Eight,
                None,
                &[0, 51, 255, 10, 20, 30],
            ),
        )
        .unwrap();
        assert_eq!(g.dim(), (2, 3, 1));
        assert_eq!(
            g.index_axis(ndarray::Axis(2), 0)
                .mapv(|v| (v * 255.0).round()),
            arr2(&[[0.0, 51.0, 255.0], [10.0, 20.0, 30.0]])
        );
        // Grey, 1 bit (expanded): 8 pixels in one byte.
        let g = read(
            "grey1.png",
            &encode(8, 1, C::Grayscale, D::One, None, &[0b1010_0001]),
        )
        .unwrap();
        let row: Vec<f32> = g.iter().copied().collect();
        assert_eq!(row, [1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
        // Grey, 16 bits keeps its precision.
        let g = read(
            "grey16.png",
            &encode(
                2,
                1,
                C::Grayscale,
                D::Sixteen,
                None,
                &[0x80, 0x00, 0xff, 0xfe],
            ),
        )
        .unwrap();
        assert_eq!(g[[0, 0, 0]], 32768.0 / 65535.0);
        assert_eq!(g[[0, 1, 0]], 65534.0 / 65535.0);
        // RGBA, 16 bits: one pixel (65535, 0, 32768, alpha 0): alpha dropped.
        let v = read(
            "rgba16.png",
            &encode(
                1,
                1,
                C::Rgba,
                D::Sixteen,
                None,
                &[255, 255, 0, 0, 128, 0, 0, 0],
            ),
        )
        .unwrap();
        assert_eq!(v.dim(), (1, 1, 3));
        assert_eq!((v[[0, 0, 0]], v[[0, 0, 1]]), (1.0, 0.0));
        assert!((v[[0, 0, 2]] - 0.5).abs() < 1e-4);
        // Grey + alpha: one channel.
        let v = read(
            "ga8.png",
            &encode(2, 1, C::GrayscaleAlpha, D::Eight, None, &[255, 0, 0, 255]),
        )
        .unwrap();
        assert_eq!(v.dim(), (1, 2, 1));
        // Palettes of 8 and 4 bits: indices into [black, red, green].
        let pal = [0, 0, 0, 255, 0, 0, 0, 255, 0];
        let v = read(
            "pal8.png",
            &encode(3, 1, C::Indexed, D::Eight, Some(&pal), &[1, 0, 2]),
        )
        .unwrap();
        assert_eq!(v.dim(), (1, 3, 3));
        assert_eq!((v[[0, 0, 0]], v[[0, 1, 0]], v[[0, 2, 1]]), (1.0, 0.0, 1.0));
        let v = read(
            "pal4.png",
            &encode(3, 1, C::Indexed, D::Four, Some(&pal), &[0x21, 0x00]),
        )
        .unwrap();
        assert_eq!((v[[0, 0, 1]], v[[0, 1, 0]], v[[0, 2, 0]]), (1.0, 1.0, 0.0));
        // A palette index past the palette reads black (the png crate's choice, as browsers
        // show it), never a panic.
        let v = read(
            "pal-bad.png",
            &encode(2, 1, C::Indexed, D::Eight, Some(&pal[..6]), &[5, 1]),
        )
        .unwrap();
        assert_eq!(
            v.iter().copied().collect::<Vec<_>>(),
            [0.0, 0.0, 0.0, 1.0, 0.0, 0.0]
        );
    }

    #[test]
    fn corrupt_pngs_are_io_errors() {
        use png::{BitDepth as D, ColorType as C};
        assert!(matches!(read("not-a-png.png", b"hello"), Err(Error::Io(_))));
        assert!(matches!(read_png(out("missing.png")), Err(Error::Io(_))));
        let good = encode(3, 4, C::Grayscale, D::Eight, None, &[7; 12]);
        assert!(read("good.png", &good).is_ok());
        // A flipped bit inside a chunk: its CRC no longer matches.
        let mut f = good.clone();
        f[8 + 8 + 2] ^= 1; // IHDR's width
        assert!(matches!(read("crc.png", &f), Err(Error::Io(_))));
        // Truncated files.
        for n in [8, 20, 40, good.len() - 13] {
            assert!(read("short.png", &good[..n]).is_err(), "{n} bytes");
        }
        // A zlib stream with a wrong Adler-32, and one without its checksum.
        let z = idat(&good);
        let mut bad = z.clone();
        let n = bad.len();
        bad[n - 1] ^= 0xff;
        let m = read("adler.png", &with_idat(3, 4, C::Grayscale, D::Eight, &bad));
        assert!(matches!(m, Err(Error::Io(_))), "{m:?}");
        let m = read(
            "no-adler.png",
            &with_idat(3, 4, C::Grayscale, D::Eight, &z[..n - 4]),
        );
        assert!(
            matches!(m, Err(Error::Io(_))),
            "a stream without its checksum: {m:?}"
        );
        // Too little image data for the header.
        let m = read(
            "too-little.png",
            &with_idat(30, 40, C::Grayscale, D::Eight, &z),
        );
        assert!(matches!(m, Err(Error::Io(_))), "{m:?}");
    }

    #[test]
    fn headers_claiming_more_than_the_file_can_hold_are_refused() {
        use png::{BitDepth as D, ColorType as C};
        let z = idat(&encode(3, 4, C::Grayscale, D::Eight, None, &[7; 12]));
        // 100000 x 100000 RGBA, 16 bits: 80 GB declared by a file of ~100 bytes.
        let m = match read(
            "huge.png",
            &with_idat(100_000, 100_000, C::Rgba, D::Sixteen, &z),
        ) {
            Err(Error::Io(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(
            m.contains("100000 x 100000") && m.contains("more than its"),
            "{m}"
        );
        // The largest dimensions PNG allows (2^31 - 1): refused (by the png crate's limit on a
        // row's buffer, or by the checked size), never a wrapped product.
        let m = read(
            "overflow.png",
            &with_idat(u32::MAX >> 1, u32::MAX >> 1, C::Rgba, D::Sixteen, &z),
        );
        assert!(matches!(m, Err(Error::Io(_))), "{m:?}");
        // A narrow but very tall picture: each row is small, the whole is not.
        let m = match read(
            "tall.png",
            &with_idat(16, u32::MAX >> 1, C::Rgba, D::Sixteen, &z),
        ) {
            Err(Error::Io(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(m.contains("more than its"), "{m}");
    }

    #[test]
    fn invalid_palettes_are_errors_not_panics() {
        use png::{BitDepth as D, ColorType as C};
        // png 0.17 indexes past a PLTE chunk whose length is not a multiple of 3 or that has
        // more than 256 entries (found by tests/png_fuzz.rs).
        for plte in [vec![1u8, 2], vec![9; 4], vec![7; 3 * 257]] {
            let mut f = Vec::new();
            {
                let mut e = png::Encoder::new(&mut f, 2, 1);
                e.set_color(C::Indexed);
                e.set_depth(D::Eight);
                let mut wr = e.write_header().unwrap();
                wr.write_chunk(png::chunk::PLTE, &plte).unwrap();
                let z = idat(&encode(
                    2,
                    1,
                    C::Indexed,
                    D::Eight,
                    Some(&[0, 0, 0]),
                    &[0, 0],
                ));
                wr.write_chunk(png::chunk::IDAT, &z).unwrap();
            }
            let m = read("plte.png", &f);
            assert!(
                matches!(&m, Err(Error::Io(e)) if e.contains("PLTE")),
                "{}: {m:?}",
                plte.len()
            );
        }
    }

    #[test]
    fn image_data_beyond_the_picture_is_not_kept() {
        use png::{BitDepth as D, ColorType as C};
        // A zlib stream of 32 MiB of zeros (from the encoder: a 4096 x 8192 grey image) under
        // the header of a 1x1 picture: the picture reads, the rest is discarded in pieces.
        let big = encode(
            4096,
            8192,
            C::Grayscale,
            D::Eight,
            None,
            &vec![0; 4096 * 8192],
        );
        let z = idat(&big);
        assert!(z.len() < 1 << 20, "compressed to {} bytes", z.len());
        let f = with_idat(1, 1, C::Grayscale, D::Eight, &z);
        let v = read("bomb.png", &f).unwrap();
        assert_eq!(v.dim(), (1, 1, 1));
        assert_eq!(v[[0, 0, 0]], 0.0);
    }
}
