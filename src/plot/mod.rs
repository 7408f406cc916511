//! PNG pictures of arrays (feature `plot`): line, stem and log-scale plots of 1-D arrays, images of
//! 2-D arrays (or slices of 3-D ones) with a colormap and a colorbar, side by side in a [`Figure`].
//!
//! Drawing uses [plotters](https://docs.rs/plotters)' bitmap backend with the DejaVu Sans font
//! embedded in the library (`assets/DejaVuSans.ttf`, Bitstream Vera license, see
//! `assets/LICENSE-DejaVu.txt`), so no system font or package is needed. Nothing here panics or
//! hangs on NaN, infinite, constant or extreme finite data: non-finite samples are left out of
//! lines and ranges and drawn grey in images; a constant range, or one too narrow for its
//! magnitude (under 1e-9 of it, or under 1e-250), is widened around its centre; axes stop at
//! `±f64::MAX / 8`, so that a padded range keeps a finite width, and samples beyond are drawn
//! at the edge; logarithmic axes are linear in `log10(y)`, so any positive range
//! (`[5e-324, f64::MAX]`) has a bounded number of ticks. A picture has at most [`MAX_PIXELS`]
//! pixels.
//!
//! A [`Figure`] is a grid of panels ([`LinePanel`]s and [`ImagePanel`]s), `columns` per row, each
//! `panel_size` pixels, with an optional title on top; [`Figure::save`] writes the PNG (creating
//! the folder if needed). The free functions [`line_plot`], [`stem_plot`], [`log_plot`] and
//! [`image`] draw one panel in one call; [`save_rgb`] writes an RGB array as a picture, pixel for
//! pixel, and [`read_png`] reads one back (through the [`png`](https://docs.rs/png) crate).
//!
//! ```
//! use ndarray::Array2;
//! use rylops::plot::{Colormap, Figure, ImagePanel, LinePanel, Series};
//!
//! let dir = std::env::temp_dir().join(format!("rylops-plot-doc-{}", std::process::id()));
//! let y: Vec<f64> = (0..50).map(|i| (i as f64 / 5.0).sin()).collect();
//! let a = Array2::from_shape_fn((30, 40), |(i, j)| (i as f64 - 15.0) * (j as f64 - 20.0));
//! Figure::new("A line and an image")
//!     .columns(2)
//!     .panel_size(360, 280)
//!     .with(LinePanel::new("sin").series(Series::line("sin(t)", &y)).labels("t", "y"))
//!     .with(ImagePanel::new("saddle", a.view()).colormap(Colormap::Seismic).symmetric())
//!     .save(dir.join("doc.png"))
//!     .unwrap();
//! assert!(dir.join("doc.png").exists());
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```

use crate::{Error, Result};
use ndarray::{Array2, Array3, ArrayView2, ArrayView3, ArrayViewD, Axis, Ix2};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// plotters itself, for drawing beyond these helpers (the font is registered by [`Figure::save`]
/// or [`register_fonts`]).
pub use plotters;

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
const FAMILY: &str = "sans-serif";

/// Registers the embedded DejaVu Sans font as plotters' `sans-serif`, `serif` and `monospace`
/// families (once; later calls do nothing). [`Figure::save`] calls it; call it yourself before
/// drawing with plotters directly.
pub fn register_fonts() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        for family in [FAMILY, "serif", "monospace"] {
            // The font is a valid TrueType file compiled into the library: this cannot fail.
            let _ = plotters::style::register_font(family, FontStyle::Normal, FONT);
        }
    });
}

/// A number that can be plotted: converted to `f64` (integers, floats, and references to them).
pub trait PlotValue {
    /// The value as `f64`.
    fn to_f64(&self) -> f64;
}

macro_rules! plot_value {
    ($($t:ty),*) => {$(
        impl PlotValue for $t {
            #[allow(clippy::unnecessary_cast)]
            fn to_f64(&self) -> f64 {
                *self as f64
            }
        }
    )*};
}
plot_value!(f32, f64, i8, i16, i32, i64, u8, u16, u32, u64, usize, isize);

impl<T: PlotValue + ?Sized> PlotValue for &T {
    fn to_f64(&self) -> f64 {
        (**self).to_f64()
    }
}

fn to_vec(v: impl IntoIterator<Item = impl PlotValue>) -> Vec<f64> {
    v.into_iter().map(|x| x.to_f64()).collect()
}

/// A colormap: maps `t` in `[0, 1]` to a colour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Colormap {
    /// Perceptually uniform dark blue → green → yellow (matplotlib's default).
    #[default]
    Viridis,
    /// Black → white.
    Gray,
    /// Purple → blue → green → yellow → red (matplotlib's `rainbow`, used by the pylops examples).
    Rainbow,
    /// Diverging dark blue → blue → white → red → dark red (matplotlib's `seismic`): zero is white
    /// with a [symmetric](ImagePanel::symmetric) range; for signed fields such as derivatives.
    Seismic,
    /// White → pink → dark brown (matplotlib's `pink_r`, used by the structure-tensor notebook).
    PinkR,
}

const VIRIDIS: [(u8, u8, u8); 11] = [
    (0x44, 0x01, 0x54),
    (0x48, 0x24, 0x75),
    (0x41, 0x44, 0x87),
    (0x35, 0x5F, 0x8D),
    (0x2A, 0x78, 0x8E),
    (0x21, 0x91, 0x8C),
    (0x22, 0xA8, 0x84),
    (0x44, 0xBF, 0x70),
    (0x7A, 0xD1, 0x51),
    (0xBD, 0xDF, 0x26),
    (0xFD, 0xE7, 0x25),
];

impl Colormap {
    /// The colour at `t` (clamped to `[0, 1]`; NaN gives the colour at 0).
    ///
    /// ```
    /// use rylops::plot::Colormap;
    /// assert_eq!(Colormap::Gray.rgb(0.0), (0, 0, 0));
    /// assert_eq!(Colormap::Gray.rgb(1.0), (255, 255, 255));
    /// assert_eq!(Colormap::Seismic.rgb(0.5), (255, 255, 255));
    /// assert_eq!(Colormap::Viridis.rgb(f64::NAN), Colormap::Viridis.rgb(0.0));
    /// ```
    pub fn rgb(self, t: f64) -> (u8, u8, u8) {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        let byte = |v: f64| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        match self {
            Colormap::Viridis => {
                let s = t * (VIRIDIS.len() - 1) as f64;
                let k = (s.floor() as usize).min(VIRIDIS.len() - 2);
                let f = s - k as f64;
                let (a, b) = (VIRIDIS[k], VIRIDIS[k + 1]);
                let mix = |x: u8, y: u8| (x as f64 + f * (y as f64 - x as f64)).round() as u8;
                (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
            }
            Colormap::Gray => (byte(t), byte(t), byte(t)),
            Colormap::Rainbow => (
                byte((2.0 * t - 0.5).abs()),
                byte((std::f64::consts::PI * t).sin()),
                byte((std::f64::consts::FRAC_PI_2 * t).cos()),
            ),
            Colormap::Seismic => {
                let anchors = [
                    (0.0, 0.0, 0.3),
                    (0.0, 0.0, 1.0),
                    (1.0, 1.0, 1.0),
                    (1.0, 0.0, 0.0),
                    (0.5, 0.0, 0.0),
                ];
                let s = t * 4.0;
                let k = (s.floor() as usize).min(3);
                let f = s - k as f64;
                let (a, b) = (anchors[k], anchors[k + 1]);
                (
                    byte(a.0 + f * (b.0 - a.0)),
                    byte(a.1 + f * (b.1 - a.1)),
                    byte(a.2 + f * (b.2 - a.2)),
                )
            }
            Colormap::PinkR => {
                // matplotlib's pink: sqrt((2 gray + hot) / 3), reversed.
                let x = 1.0 - t;
                let hot_r = (0.0416 + x * (1.0 - 0.0416) / 0.365079).min(1.0);
                let hot_g = ((x - 0.365079) / (0.746032 - 0.365079)).clamp(0.0, 1.0);
                let hot_b = ((x - 0.746032) / (1.0 - 0.746032)).clamp(0.0, 1.0);
                let p = |h: f64| ((2.0 * x + h) / 3.0).sqrt();
                (byte(p(hot_r)), byte(p(hot_g)), byte(p(hot_b)))
            }
        }
    }
}

/// A grid of panels saved as one PNG.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    title: String,
    panels: Vec<Panel>,
    columns: usize,
    panel_size: (u32, u32),
}

const TITLE_HEIGHT: u32 = 34;

/// The most pixels a picture may have (16384 x 16384): [`Figure::save`] and [`save_rgb`] draw
/// into one RGB bitmap of 3 bytes per pixel, allocated before drawing.
pub const MAX_PIXELS: u64 = 1 << 28;
const MIN_PANEL: (u32, u32) = (120, 100);

impl Figure {
    /// An empty figure; an empty title leaves no room for one. Defaults: as many columns as
    /// panels, panels of 420x320 pixels.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            panels: Vec::new(),
            columns: 0,
            panel_size: (420, 320),
        }
    }

    /// Panels per row (0: all panels in one row).
    pub fn columns(mut self, n: usize) -> Self {
        self.columns = n;
        self
    }

    /// The size of every panel in pixels (at least 120x100).
    pub fn panel_size(mut self, width: u32, height: u32) -> Self {
        self.panel_size = (width.max(MIN_PANEL.0), height.max(MIN_PANEL.1));
        self
    }

    /// Adds a panel (builder style).
    pub fn with(mut self, p: impl Into<Panel>) -> Self {
        self.panels.push(p.into());
        self
    }

    /// Adds a panel.
    pub fn push(&mut self, p: impl Into<Panel>) {
        self.panels.push(p.into());
    }

    fn grid(&self) -> (usize, usize) {
        let n = self.panels.len().max(1);
        let cols = if self.columns == 0 {
            n
        } else {
            self.columns.min(n)
        };
        (n.div_ceil(cols), cols)
    }

    /// The size of the PNG [`Figure::save`] writes: `columns x panel width` by `rows x panel
    /// height`, plus the title's height.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (named `panel_size`) if a side overflows `u32` or the picture
    /// has more than [`MAX_PIXELS`] pixels (its bitmap is allocated whole).
    ///
    /// ```
    /// use rylops::plot::{Figure, LinePanel};
    /// let f = Figure::new("t").columns(2).panel_size(300, 200)
    ///     .with(LinePanel::new("a")).with(LinePanel::new("b")).with(LinePanel::new("c"));
    /// assert_eq!(f.size().unwrap(), (600, 400 + 34));
    /// let huge = f.panel_size(u32::MAX, 200);
    /// assert!(huge.size().is_err());
    /// ```
    pub fn size(&self) -> Result<(u32, u32)> {
        let (rows, cols) = self.grid();
        let title = if self.title.is_empty() {
            0
        } else {
            TITLE_HEIGHT
        };
        let side = |n: usize, px: u32, extra: u32| {
            u32::try_from(n)
                .ok()
                .and_then(|n| n.checked_mul(px))
                .and_then(|v| v.checked_add(extra))
        };
        let too_big = |what: String| Error::InvalidParameter {
            name: "panel_size".into(),
            reason: format!(
                "{what}: use smaller panels or fewer of them (at most {MAX_PIXELS} pixels in all)"
            ),
        };
        let (pw, ph) = self.panel_size;
        match (side(cols, pw, 0), side(rows, ph, title)) {
            (Some(w), Some(h)) if u64::from(w) * u64::from(h) <= MAX_PIXELS => Ok((w, h)),
            (Some(w), Some(h)) => Err(too_big(format!("a picture of {w} x {h} pixels"))),
            _ => Err(too_big(format!(
                "{rows} row(s) x {cols} column(s) of {pw} x {ph} pixels overflow u32"
            ))),
        }
    }

    /// Draws the figure into a PNG file at `path` (its folder is created if needed).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (named `panels`) for a figure without panels, the errors of
    /// [`Figure::size`], [`Error::Io`] if the folder or the file cannot be written or drawing
    /// fails.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        if self.panels.is_empty() {
            return Err(Error::InvalidParameter {
                name: "panels".into(),
                reason: "a figure needs at least one panel".into(),
            });
        }
        let size = self.size()?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::Io(format!("creating {}: {e}", dir.display())))?;
        }
        register_fonts();
        let fail = |e: String| Error::Io(format!("drawing {}: {e}", path.display()));
        let root = BitMapBackend::new(path, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        let body = if self.title.is_empty() {
            root.clone()
        } else {
            let (top, body) = root.split_vertically(TITLE_HEIGHT);
            top.titled(&self.title, (FAMILY, 22))
                .map_err(|e| fail(e.to_string()))?;
            body
        };
        let cells = body.split_evenly(self.grid());
        for (cell, panel) in cells.iter().zip(&self.panels) {
            match panel {
                Panel::Lines(p) => draw_lines(cell, p),
                Panel::Image(p) => draw_image(cell, p),
            }
            .map_err(fail)?;
        }
        root.present().map_err(|e| fail(e.to_string()))
    }
}

/// Saves one panel of curves, one per `(label, values)` pair, at `path`.
///
/// # Errors
///
/// Those of [`Figure::save`] ([`Error::Io`] if the file cannot be written).
pub fn line_plot(path: impl AsRef<Path>, title: &str, series: &[(&str, &[f64])]) -> Result<()> {
    let mut p = LinePanel::new(title);
    for (label, y) in series {
        p = p.line(*label, *y);
    }
    Figure::new("").with(p).save(path)
}

/// Saves one panel of stem plots, one per `(label, values)` pair, at `path`.
///
/// # Errors
///
/// Those of [`Figure::save`] ([`Error::Io`] if the file cannot be written).
pub fn stem_plot(path: impl AsRef<Path>, title: &str, series: &[(&str, &[f64])]) -> Result<()> {
    let mut p = LinePanel::new(title);
    for (label, y) in series {
        p = p.stem(*label, *y);
    }
    Figure::new("").with(p).save(path)
}

/// Saves one panel of curves on a logarithmic y axis (residual norms against iterations), one per
/// `(label, values)` pair, at `path`.
///
/// # Errors
///
/// Those of [`Figure::save`] ([`Error::Io`] if the file cannot be written).
///
/// ```
/// let path = std::env::temp_dir().join(format!("rylops-log-{}.png", std::process::id()));
/// let cg: Vec<f64> = (0..30).map(|k| 0.5f64.powi(k)).collect();
/// let lsqr: Vec<f64> = (0..30).map(|k| 0.8f64.powi(k)).collect();
/// rylops::plot::log_plot(&path, "residual norm", &[("cg", &cg), ("lsqr", &lsqr)]).unwrap();
/// std::fs::remove_file(&path).unwrap();
/// ```
pub fn log_plot(path: impl AsRef<Path>, title: &str, series: &[(&str, &[f64])]) -> Result<()> {
    let mut p = LinePanel::new(title).log_y().labels("iteration", "");
    for (label, y) in series {
        p = p.line(*label, *y);
    }
    Figure::new("").with(p).save(path)
}

/// Saves an image of a 2-D array with a colormap and a colorbar at `path`.
///
/// # Errors
///
/// Those of [`Figure::save`] ([`Error::Io`] if the file cannot be written).
pub fn image<T: PlotValue>(
    path: impl AsRef<Path>,
    title: &str,
    a: ArrayView2<'_, T>,
    cmap: Colormap,
) -> Result<()> {
    Figure::new("")
        .with(ImagePanel::new(title, a).colormap(cmap))
        .save(path)
}

mod draw;
mod file;
mod panel;

use draw::*;
pub use file::{read_png, save_rgb};
pub use panel::{ImagePanel, LinePanel, Panel, Series, SeriesStyle};
use panel::{Pixels, PALETTE};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_never_empty_nor_nan() {
        assert_eq!(
            finite_min_max([f64::NAN, f64::INFINITY].into_iter()),
            (0.0, 1.0)
        );
        assert_eq!(
            finite_min_max([2.0, f64::NAN, -1.0].into_iter()),
            (-1.0, 2.0)
        );
        let (a, b) = axis_range(3.0, 3.0);
        assert!(a < 3.0 && b > 3.0);
        let (a, b) = axis_range(1e20, 1e20);
        assert!(a < b);
        let (a, b) = axis_range(-f64::MAX, f64::MAX);
        assert!(a.is_finite() && b.is_finite() && a < b && (b - a).is_finite());
        assert_eq!(axis_range(f64::NAN, 1.0), (0.0, 1.0));
        assert_eq!(axis_range(2.0, -1.0), (-1.0, 2.0));
        assert_eq!(oriented_range(2.0, -1.0), (2.0, -1.0));
    }

    /// Ranges plotters is given: finite, finite width even padded, not too narrow for the
    /// values, and plotters' key points for them come back (checked on a watchdog thread).
    #[test]
    fn hostile_ranges_give_axes_plotters_can_label() {
        use plotters::coord::ranged1d::Ranged;
        let m = f64::MAX;
        let cases = [
            (0.0, m),
            (-m, m),
            (-m, -m / 2.0),
            (m, m),
            (1.0, 1.0 + f64::EPSILON),
            (1e300, 1e300 * (1.0 + 1e-15)),
            (0.0, 1e-320),
            (-5e-324, 5e-324),
            (1e-300, 1e-299),
            (-1e308, 1e308),
            (0.0, 0.0),
            (-0.0, 0.0),
        ];
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for (lo, hi) in cases {
                for frac in [0.0, 0.02, 0.06] {
                    let (a, b) = padded_range(lo, hi, frac);
                    assert!(a.is_finite() && b.is_finite() && a < b && (b - a).is_finite());
                    assert!(b - a >= MIN_SPAN && b - a >= 1e-10 * a.abs().max(b.abs()));
                    let c: RangedCoordf64 = (a..b).into();
                    let n = c.key_points(12usize).len();
                    assert!(n <= 12, "{lo} {hi}: {n} key points");
                }
            }
            tx.send(()).unwrap();
        });
        rx.recv_timeout(std::time::Duration::from_secs(20))
            .expect("plotters' key points did not come back (or a check failed)");
    }

    #[test]
    fn spans_cover_every_sample_once_when_downscaling() {
        let s = spans(10, 3);
        assert_eq!(s, vec![(0, 3), (3, 6), (6, 10)]);
        let s = spans(3, 7); // upscaling: every pixel shows one sample
        assert!(s.iter().all(|&(a, b)| b == a + 1 && b <= 3));
        assert_eq!(s.first(), Some(&(0, 1)));
        assert_eq!(s.last(), Some(&(2, 3)));
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(0.25), "0.25");
        assert_eq!(fmt_num(2.0), "2");
        assert_eq!(fmt_num(-1.5), "-1.5");
        assert_eq!(fmt_num(1.5e-3), "1.5e-3");
        assert_eq!(fmt_num(40000.0), "4.0e4");
    }

    #[test]
    fn colormaps_stay_in_range_at_the_ends() {
        for c in [
            Colormap::Viridis,
            Colormap::Gray,
            Colormap::Rainbow,
            Colormap::Seismic,
            Colormap::PinkR,
        ] {
            let _ = c.rgb(-1.0);
            let _ = c.rgb(2.0);
            let _ = c.rgb(f64::INFINITY);
        }
        assert_eq!(Colormap::Viridis.rgb(0.0), VIRIDIS[0]);
        assert_eq!(Colormap::Viridis.rgb(1.0), VIRIDIS[10]);
        assert_eq!(Colormap::PinkR.rgb(0.0), (255, 255, 255));
    }
}
