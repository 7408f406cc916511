//! Pictures as files: [`save_rgb`] writes an RGB array pixel for pixel, [`read_png`] reads a PNG
//! back (the `png` crate, with sizes checked against the file first).

use super::*;

/// Saves an RGB array of shape `(rows, columns, 3)` with values in `[0, 1]` (clipped; NaN is
/// black) as a PNG of exactly `columns x rows` pixels, without axes: the picture itself.
///
/// # Errors
///
/// [`Error::InvalidParameter`] (named `array`) unless the last axis has length 3 and the
/// picture is not empty and has at most [`MAX_PIXELS`] pixels; [`Error::Io`] if the file cannot
/// be written.
///
/// ```
/// use ndarray::Array3;
/// let path = std::env::temp_dir().join(format!("rylops-rgb-{}.png", std::process::id()));
/// let a = Array3::from_shape_fn((20, 30, 3), |(i, j, k)| if k == 0 { i as f64 / 19.0 } else { j as f64 / 29.0 });
/// rylops::plot::save_rgb(&path, a.view()).unwrap();
/// std::fs::remove_file(&path).unwrap();
/// ```
pub fn save_rgb<T: PlotValue>(path: impl AsRef<Path>, a: ArrayView3<'_, T>) -> Result<()> {
    let path = path.as_ref();
    let (rows, cols, ch) = a.dim();
    if ch != 3 || rows == 0 || cols == 0 || (rows as u64).saturating_mul(cols as u64) > MAX_PIXELS {
        return Err(Error::InvalidParameter {
            name: "array".into(),
            reason: format!(
                "an RGB picture has shape (rows > 0, columns > 0, 3) with at most {MAX_PIXELS} \
                 pixels, got {:?}",
                a.shape()
            ),
        });
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::Io(format!("creating {}: {e}", dir.display())))?;
    }
    let fail = |e: String| Error::Io(format!("drawing {}: {e}", path.display()));
    let root = BitMapBackend::new(path, (cols as u32, rows as u32)).into_drawing_area();
    let byte = |v: f64| {
        (if v.is_finite() {
            v.clamp(0.0, 1.0)
        } else {
            0.0
        } * 255.0)
            .round() as u8
    };
    for i in 0..rows {
        for j in 0..cols {
            let c = RGBColor(
                byte(a[[i, j, 0]].to_f64()),
                byte(a[[i, j, 1]].to_f64()),
                byte(a[[i, j, 2]].to_f64()),
            );
            root.draw_pixel((j as i32, i as i32), &c)
                .map_err(|e| fail(e.to_string()))?;
        }
    }
    root.present().map_err(|e| fail(e.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Reading PNG files (the `png` crate, with sizes checked against the file first).

/// The most a deflate stream can expand: 258 bytes per (at least) 2 bits.
pub(super) const MAX_DEFLATE_RATIO: u64 = 1032;

/// Reads a PNG file into an array of shape `(rows, columns, channels)` with values in `[0, 1]`:
/// 1 channel for grey images, 3 for RGB and palette images (alpha channels are dropped).
///
/// Decoding is the [`png`](https://docs.rs/png) crate's: every colour type and bit depth
/// (1 to 16 bits; palettes and bit depths below 8 are expanded to 8 bits, 16-bit samples keep
/// their precision), interlaced or not. Chunk CRCs and the zlib Adler-32 checksum are verified;
/// palette indices past the palette read as black (the png crate's choice, as browsers show
/// them).
///
/// The file is not trusted: the pixel data the header declares (`width x height x bits per
/// pixel`, computed with checked arithmetic) must fit in what the file's compressed bytes can
/// inflate to (at most 1032 times their size), and is checked before the picture is allocated;
/// compressed data beyond the picture is decompressed in small pieces and discarded.
///
/// # Errors
///
/// [`Error::Io`] if the file cannot be read, is not a PNG, is corrupt (bad CRC or checksum,
/// truncated), or declares a picture its bytes cannot hold.
///
/// ```
/// use ndarray::Array3;
/// use rylops::plot::{read_png, save_rgb};
/// let path = std::env::temp_dir().join(format!("rylops-read-png-{}.png", std::process::id()));
/// let a = Array3::from_shape_fn((4, 5, 3), |(i, j, k)| ((i + j + k) % 2) as f64);
/// save_rgb(&path, a.view()).unwrap();
/// assert_eq!(read_png(&path).unwrap().mapv(|v| v as f64), a);
/// std::fs::remove_file(&path).unwrap();
/// ```
pub fn read_png(path: impl AsRef<Path>) -> Result<Array3<f32>> {
    let path = path.as_ref();
    let fail = |e: String| Error::Io(format!("reading {}: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let len = file.metadata().map_err(|e| fail(e.to_string()))?.len();
    decode_png(std::io::BufReader::new(file), len).map_err(fail)
}

/// Decodes a PNG stream of `len` bytes.
fn decode_png(r: impl std::io::Read, len: u64) -> std::result::Result<Array3<f32>, String> {
    let mut decoder = png::Decoder::new(r);
    decoder.set_transformations(png::Transformations::EXPAND);
    decoder.ignore_checksums(false);
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let info = reader.info();
    // png 0.17 expands a palette whose length is not a multiple of 3, or longer than 256
    // entries, by indexing past it (a panic): such a PLTE chunk is invalid, refuse it.
    if let Some(p) = &info.palette {
        if p.is_empty() || p.len() % 3 != 0 || p.len() > 3 * 256 {
            return Err(format!(
                "invalid PLTE chunk of {} bytes (1 to 256 entries of 3 bytes)",
                p.len()
            ));
        }
    }
    let (width, height) = (u64::from(info.width), u64::from(info.height));
    let bits = info.color_type.samples() as u64 * info.bit_depth as u64;
    let declared = || format!("the PNG declares {width} x {height} pixels of {bits} bits");
    // The decompressed pixel data the header implies, against what the file can hold.
    let needed = width
        .checked_mul(height)
        .and_then(|n| n.checked_mul(bits))
        .map(|b| b.div_ceil(8))
        .ok_or_else(|| format!("{}: the size overflows", declared()))?;
    let most = len
        .saturating_mul(MAX_DEFLATE_RATIO)
        .saturating_add(MAX_DEFLATE_RATIO);
    if needed > most {
        return Err(format!(
            "{} ({needed} bytes), more than its {len} bytes can hold",
            declared()
        ));
    }
    // The decoded picture (palettes and low bit depths expanded), before allocating it.
    let (color, depth) = reader.output_color_type();
    let channels = color.samples();
    let bytes_per_sample = if depth == png::BitDepth::Sixteen {
        2
    } else {
        1
    };
    let out_len = usize::try_from(width * height)
        .ok()
        .and_then(|n| n.checked_mul(channels * bytes_per_sample))
        .filter(|&n| n <= isize::MAX as usize / 8)
        .ok_or_else(|| format!("{}: the decoded picture overflows", declared()))?;
    let mut buf = vec![0u8; out_len];
    let frame = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    let (rows, cols) = (frame.height as usize, frame.width as usize);
    let line = frame.line_size;
    let data = &buf[..frame.buffer_size()];
    let out_ch = match color {
        png::ColorType::Grayscale | png::ColorType::GrayscaleAlpha => 1,
        png::ColorType::Rgb | png::ColorType::Rgba => 3,
        png::ColorType::Indexed => return Err("the palette was not expanded".into()),
    };
    let sample = |k: usize| -> f32 {
        if bytes_per_sample == 1 {
            f32::from(data[k]) / 255.0
        } else {
            f32::from(u16::from_be_bytes([data[k], data[k + 1]])) / 65535.0
        }
    };
    Ok(Array3::from_shape_fn((rows, cols, out_ch), |(i, j, k)| {
        sample(i * line + (j * channels + k) * bytes_per_sample)
    }))
}
