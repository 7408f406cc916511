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

static FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
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

/// How a [`Series`] is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SeriesStyle {
    /// A solid line.
    Line,
    /// A dashed line.
    Dashed,
    /// Markers only.
    Points,
    /// A stem per sample (a line from zero to the value, and a marker), like `plt.stem`.
    Stem,
}

/// One curve of a [`LinePanel`]: `y` against `x` (by default `0, 1, 2, ...`).
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    label: String,
    x: Option<Vec<f64>>,
    y: Vec<f64>,
    style: SeriesStyle,
    color: Option<(u8, u8, u8)>,
}

impl Series {
    /// A series with the given style; an empty label leaves it out of the legend.
    pub fn new(
        label: impl Into<String>,
        y: impl IntoIterator<Item = impl PlotValue>,
        style: SeriesStyle,
    ) -> Self {
        Self {
            label: label.into(),
            x: None,
            y: to_vec(y),
            style,
            color: None,
        }
    }

    /// A solid line.
    pub fn line(label: impl Into<String>, y: impl IntoIterator<Item = impl PlotValue>) -> Self {
        Self::new(label, y, SeriesStyle::Line)
    }

    /// A dashed line.
    pub fn dashed(label: impl Into<String>, y: impl IntoIterator<Item = impl PlotValue>) -> Self {
        Self::new(label, y, SeriesStyle::Dashed)
    }

    /// Markers only.
    pub fn points(label: impl Into<String>, y: impl IntoIterator<Item = impl PlotValue>) -> Self {
        Self::new(label, y, SeriesStyle::Points)
    }

    /// A stem plot.
    pub fn stem(label: impl Into<String>, y: impl IntoIterator<Item = impl PlotValue>) -> Self {
        Self::new(label, y, SeriesStyle::Stem)
    }

    /// The abscissae (as many as `y`; extra values on either side are ignored).
    pub fn x(mut self, x: impl IntoIterator<Item = impl PlotValue>) -> Self {
        self.x = Some(to_vec(x));
        self
    }

    /// The colour (default: the next one of a 10-colour palette).
    pub fn color(mut self, r: u8, g: u8, b: u8) -> Self {
        self.color = Some((r, g, b));
        self
    }

    fn points_xy(&self) -> Vec<(f64, f64)> {
        match &self.x {
            Some(x) => x.iter().copied().zip(self.y.iter().copied()).collect(),
            None => self
                .y
                .iter()
                .enumerate()
                .map(|(i, &v)| (i as f64, v))
                .collect(),
        }
    }
}

const PALETTE: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (214, 39, 40),
    (44, 160, 44),
    (255, 127, 14),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

/// A panel of curves: lines, dashed lines, markers, stems, on a linear or logarithmic y axis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinePanel {
    title: String,
    series: Vec<Series>,
    xlabel: String,
    ylabel: String,
    log_y: bool,
}

impl LinePanel {
    /// An empty panel with a title.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            ..Self::default()
        }
    }

    /// Adds a curve.
    pub fn series(mut self, s: Series) -> Self {
        self.series.push(s);
        self
    }

    /// Adds a solid line of `y` against `0, 1, 2, ...`.
    pub fn line(
        self,
        label: impl Into<String>,
        y: impl IntoIterator<Item = impl PlotValue>,
    ) -> Self {
        self.series(Series::line(label, y))
    }

    /// Adds a stem plot of `y` against `0, 1, 2, ...`.
    pub fn stem(
        self,
        label: impl Into<String>,
        y: impl IntoIterator<Item = impl PlotValue>,
    ) -> Self {
        self.series(Series::stem(label, y))
    }

    /// Axis descriptions.
    pub fn labels(mut self, x: impl Into<String>, y: impl Into<String>) -> Self {
        self.xlabel = x.into();
        self.ylabel = y.into();
        self
    }

    /// A logarithmic y axis (for residual histories): values that are not positive and finite are
    /// left out.
    pub fn log_y(mut self) -> Self {
        self.log_y = true;
        self
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Pixels {
    Scalar(Array2<f64>),
    Rgb(Array3<f64>),
}

/// A panel showing a 2-D array as an image (row 0 at the top, like `plt.imshow`), with a
/// colormap and a colorbar, or an RGB image.
///
/// Large arrays are box-averaged down to the panel's pixels (NaNs ignored), small ones are shown
/// as blocks of pixels. Non-finite samples (and pixels covering only such samples) are grey.
#[derive(Clone, Debug, PartialEq)]
pub struct ImagePanel {
    title: String,
    pixels: Pixels,
    cmap: Colormap,
    range: Option<(f64, f64)>,
    symmetric: bool,
    colorbar: bool,
    extent: Option<[f64; 4]>,
    max_pool: bool,
}

impl ImagePanel {
    fn with_pixels(title: impl Into<String>, pixels: Pixels) -> Self {
        let colorbar = matches!(pixels, Pixels::Scalar(_));
        Self {
            title: title.into(),
            pixels,
            cmap: Colormap::default(),
            range: None,
            symmetric: false,
            colorbar,
            extent: None,
            max_pool: false,
        }
    }

    /// An image of a 2-D array (`a[[row, column]]`).
    pub fn new<T: PlotValue>(title: impl Into<String>, a: ArrayView2<'_, T>) -> Self {
        Self::with_pixels(title, Pixels::Scalar(a.map(|v| v.to_f64())))
    }

    /// An image of a 2-D array given with a dynamic number of dimensions.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (named `array`) unless the array has 2 dimensions.
    pub fn from_dyn<T: PlotValue>(title: impl Into<String>, a: ArrayViewD<'_, T>) -> Result<Self> {
        let nd = a.ndim();
        let a = a
            .into_dimensionality::<Ix2>()
            .map_err(|_| Error::InvalidParameter {
                name: "array".into(),
                reason: format!(
                    "an image needs a 2-D array, got {nd} dimension(s): use ImagePanel::slice \
                     for a slice of a 3-D array"
                ),
            })?;
        Ok(Self::new(title, a))
    }

    /// The slice `index` along `axis` of a 3-D array (`a.index_axis(Axis(axis), index)`).
    ///
    /// # Errors
    ///
    /// [`Error::AxisOutOfRange`] for `axis > 2`, [`Error::InvalidParameter`] (named
    /// `index`) for an index past the axis.
    ///
    /// ```
    /// use ndarray::Array3;
    /// use rylops::plot::ImagePanel;
    /// let v = Array3::<f32>::zeros((4, 5, 6));
    /// assert!(ImagePanel::slice("middle", v.view(), 0, 2).is_ok());
    /// assert!(ImagePanel::slice("past", v.view(), 2, 6).is_err());
    /// assert!(ImagePanel::slice("axis", v.view(), 3, 0).is_err());
    /// ```
    pub fn slice<T: PlotValue>(
        title: impl Into<String>,
        a: ArrayView3<'_, T>,
        axis: usize,
        index: usize,
    ) -> Result<Self> {
        if axis > 2 {
            return Err(Error::AxisOutOfRange {
                axis: axis as isize,
                ndim: 3,
            });
        }
        let n = a.len_of(Axis(axis));
        if index >= n {
            return Err(Error::InvalidParameter {
                name: "index".into(),
                reason: format!("slice {index} asked along axis {axis} of length {n}"),
            });
        }
        Ok(Self::new(title, a.index_axis(Axis(axis), index)))
    }

    /// An RGB image of an array of shape `(rows, columns, 3)` with values in `[0, 1]` (clipped;
    /// NaN is black). No colorbar.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] (named `array`) unless the last axis has length 3.
    pub fn rgb<T: PlotValue>(title: impl Into<String>, a: ArrayView3<'_, T>) -> Result<Self> {
        if a.shape()[2] != 3 {
            return Err(Error::InvalidParameter {
                name: "array".into(),
                reason: format!(
                    "an RGB image has shape (rows, columns, 3), got {:?}",
                    a.shape()
                ),
            });
        }
        Ok(Self::with_pixels(title, Pixels::Rgb(a.map(|v| v.to_f64()))))
    }

    /// The colormap (default [`Colormap::Viridis`]).
    pub fn colormap(mut self, c: Colormap) -> Self {
        self.cmap = c;
        self
    }

    /// The values mapped to the two ends of the colormap (default: the finite minimum and
    /// maximum). Ignored unless both are finite and `lo < hi`.
    pub fn range(mut self, lo: f64, hi: f64) -> Self {
        self.range = Some((lo, hi));
        self
    }

    /// A range symmetric about zero, `[-m, m]` with `m` the largest finite `|value|`: with
    /// [`Colormap::Seismic`], zero is white.
    pub fn symmetric(mut self) -> Self {
        self.symmetric = true;
        self
    }

    /// Whether to draw a colorbar (default: yes, except for RGB images).
    pub fn colorbar(mut self, yes: bool) -> Self {
        self.colorbar = yes && matches!(self.pixels, Pixels::Scalar(_));
        self
    }

    /// The coordinates of the image's edges, as matplotlib's `extent`: the left edge of column 0,
    /// the right edge of the last column, the bottom edge of the last row and the top edge of
    /// row 0 (default: `0, columns, rows, 0`, i.e. indices).
    pub fn extent(mut self, left: f64, right: f64, bottom: f64, top: f64) -> Self {
        self.extent = Some([left, right, bottom, top]);
        self
    }

    /// When the array is larger than the panel, show the largest value of the samples under each
    /// pixel instead of their mean (keeps sparse, point-like features visible).
    pub fn max_pool(mut self, yes: bool) -> Self {
        self.max_pool = yes;
        self
    }

    fn dims(&self) -> (usize, usize) {
        match &self.pixels {
            Pixels::Scalar(a) => a.dim(),
            Pixels::Rgb(a) => (a.dim().0, a.dim().1),
        }
    }

    /// The value range the colormap spans (always finite, `lo < hi`).
    fn value_range(&self) -> (f64, f64) {
        let Pixels::Scalar(a) = &self.pixels else {
            return (0.0, 1.0);
        };
        if let Some((lo, hi)) = self.range {
            if lo.is_finite() && hi.is_finite() && lo < hi {
                return axis_range(lo, hi);
            }
        }
        let (lo, hi) = finite_min_max(a.iter().copied());
        if self.symmetric {
            let m = lo.abs().max(hi.abs());
            return axis_range(-m, m);
        }
        axis_range(lo, hi)
    }
}

/// Anything a [`Figure`] can hold.
#[derive(Clone, Debug, PartialEq)]
pub enum Panel {
    /// Curves.
    Lines(LinePanel),
    /// An image.
    Image(ImagePanel),
}

impl From<LinePanel> for Panel {
    fn from(p: LinePanel) -> Self {
        Panel::Lines(p)
    }
}

impl From<ImagePanel> for Panel {
    fn from(p: ImagePanel) -> Self {
        Panel::Image(p)
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
const MAX_DEFLATE_RATIO: u64 = 1032;

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

// ---------------------------------------------------------------------------------------------
// Drawing.

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
type Drawn = std::result::Result<(), String>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The finite minimum and maximum, `(0, 1)` if there is no finite value.
fn finite_min_max(v: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = v
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
    if lo > hi {
        (0.0, 1.0)
    } else {
        (lo, hi)
    }
}

/// Axis values are clipped to `±AXIS_LIMIT`, so that a padded range stays finite and so does
/// its width (plotters' key-point search never ends on an infinite width).
const AXIS_LIMIT: f64 = f64::MAX / 8.0;

/// The narrowest axis, absolute and relative to the values' magnitude: narrower (finite) ranges
/// are widened, as plotters' key-point search needs steps that change the values it adds them
/// to (and never reach subnormal numbers).
const MIN_SPAN: f64 = 1e-250;
const MIN_RELATIVE_SPAN: f64 = 1e-9;

/// A finite axis range `lo < hi` around `[lo, hi]` (either order): clipped to `±AXIS_LIMIT`, and
/// widened around its centre when narrower than [`MIN_SPAN`] or [`MIN_RELATIVE_SPAN`] of its
/// magnitude (a constant `c` gives `c ± max(|c| / 1000, 0.5)`). Non-finite ends give `[0, 1]`.
fn axis_range(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let (lo, hi) = (
        lo.min(hi).clamp(-AXIS_LIMIT, AXIS_LIMIT),
        lo.max(hi).clamp(-AXIS_LIMIT, AXIS_LIMIT),
    );
    let magnitude = lo.abs().max(hi.abs());
    if hi - lo >= (magnitude * MIN_RELATIVE_SPAN).max(MIN_SPAN) {
        return (lo, hi);
    }
    let c = lo / 2.0 + hi / 2.0;
    let d = (c.abs() * 1e-3).max(0.5);
    (c - d, c + d)
}

/// [`axis_range`] with `frac` of its width added on both sides (still finite: at most
/// `AXIS_LIMIT * (1 + 2 frac)` in magnitude).
fn padded_range(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    let (lo, hi) = axis_range(lo, hi);
    let pad = frac * (hi - lo);
    (lo - pad, hi + pad)
}

/// [`axis_range`] keeping the given order (for image extents, which may run backwards).
fn oriented_range(a: f64, b: f64) -> (f64, f64) {
    let (lo, hi) = axis_range(a, b);
    if a > b {
        (hi, lo)
    } else {
        (lo, hi)
    }
}

/// A tick label on an axis spanning `span`: values within rounding noise of zero print as `0`.
fn fmt_tick(v: f64, span: f64) -> String {
    if v.abs() <= span.abs() * 1e-9 {
        "0".into()
    } else {
        fmt_num(v)
    }
}

/// Short tick labels: `0`, `0.25`, `1.5e-3`, `4.0e4`.
fn fmt_num(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return if v == 0.0 { "0".into() } else { format!("{v}") };
    }
    let a = v.abs();
    if !(1e-2..1e4).contains(&a) {
        return format!("{v:.1e}");
    }
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

fn draw_lines(area: &Area<'_>, p: &LinePanel) -> Drawn {
    let log = p.log_y;
    let keep = |y: f64| y.is_finite() && (!log || y > 0.0);
    let pts: Vec<Vec<(f64, f64)>> = p.series.iter().map(|s| s.points_xy()).collect();
    let all = || {
        pts.iter()
            .flatten()
            .filter(|(x, y)| x.is_finite() && keep(*y))
    };
    let (x0, x1) = finite_min_max(all().map(|(x, _)| *x));
    let (x0, x1) = padded_range(x0, x1, 0.02);
    let has_stems = p.series.iter().any(|s| s.style == SeriesStyle::Stem);
    let (mut y0, mut y1) = finite_min_max(all().map(|(_, y)| *y));
    if log {
        // The y axis is linear in log10(y) (within -324..309), labelled with powers of ten:
        // plotters' own log scale walks every decade of a range such as [1e-300, 1e300].
        if all().next().is_none() {
            (y0, y1) = (0.1, 1.0);
        }
        let (mut l0, mut l1) = (y0.log10(), y1.log10());
        if l1 - l0 < 1e-6 {
            (l0, l1) = (l0 - 0.5, l1 + 0.5);
        }
        (y0, y1) = padded_range(l0, l1, 0.05);
    } else {
        if has_stems {
            (y0, y1) = (y0.min(0.0), y1.max(0.0));
        }
        (y0, y1) = padded_range(y0, y1, 0.06);
    }
    // Samples drawn: kept ones, in the axes' coordinates, clipped to the axes (only values
    // beyond AXIS_LIMIT are moved).
    let pts: Vec<Vec<(f64, f64)>> = pts
        .iter()
        .map(|s| {
            s.iter()
                .map(|&(x, y)| {
                    if x.is_finite() && keep(y) {
                        let y = if log { y.log10() } else { y };
                        (x.clamp(x0, x1), y.clamp(y0, y1))
                    } else {
                        (f64::NAN, f64::NAN)
                    }
                })
                .collect()
        })
        .collect();
    let (xs, ys) = (x1 - x0, y1 - y0);
    let xfmt = move |v: &f64| fmt_tick(*v, xs);
    let yfmt = move |v: &f64| fmt_tick(*v, ys);
    let mut b = ChartBuilder::on(area);
    b.caption(&p.title, (FAMILY, 16))
        .margin(8)
        .x_label_area_size(if p.xlabel.is_empty() { 24 } else { 40 })
        .y_label_area_size(if p.ylabel.is_empty() { 52 } else { 66 });
    let mut chart = b.build_cartesian_2d(x0..x1, y0..y1).map_err(err)?;
    let log_label = |v: &f64| format!("{:.0e}", 10f64.powf(*v));
    let y_label: &dyn Fn(&f64) -> String = if log { &log_label } else { &yfmt };
    chart
        .configure_mesh()
        .x_desc(&p.xlabel)
        .y_desc(&p.ylabel)
        .x_label_formatter(&xfmt)
        .y_label_formatter(y_label)
        .label_style((FAMILY, 12))
        .max_light_lines(1)
        .light_line_style(RGBColor(238, 238, 238))
        .draw()
        .map_err(err)?;
    let base = if log { y0 } else { 0.0 };
    if has_stems && !log && y0 < 0.0 && y1 > 0.0 {
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x0, 0.0), (x1, 0.0)],
                RGBColor(120, 120, 120),
            )))
            .map_err(err)?;
    }
    draw_series(&mut chart, p, &pts, base)
}

/// Draws the series of a panel; `pts` are in the axes' coordinates, NaN where a sample is left
/// out; stems start at `base`.
fn draw_series<'a>(
    chart: &mut ChartContext<'a, BitMapBackend<'a>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    p: &LinePanel,
    pts: &[Vec<(f64, f64)>],
    base: f64,
) -> Drawn {
    let keep = |y: f64| y.is_finite();
    let mut labelled = false;
    for (k, (s, pts)) in p.series.iter().zip(pts).enumerate() {
        let (r, g, b) = s.color.unwrap_or(PALETTE[k % PALETTE.len()]);
        let color = RGBColor(r, g, b);
        let ok: Vec<(f64, f64)> = pts
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && keep(*y))
            .collect();
        if ok.is_empty() {
            continue;
        }
        // Lines break where a sample is missing (non-finite).
        let mut segments: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for &(x, y) in pts {
            if x.is_finite() && keep(y) {
                segments.last_mut().expect("non-empty").push((x, y));
            } else if !segments.last().expect("non-empty").is_empty() {
                segments.push(Vec::new());
            }
        }
        segments.retain(|s| !s.is_empty());
        let label = (!s.label.is_empty()).then_some(s.label.as_str());
        labelled |= label.is_some();
        match s.style {
            SeriesStyle::Line | SeriesStyle::Dashed => {
                for (i, seg) in segments.into_iter().enumerate() {
                    let style = color.stroke_width(2);
                    let a = if s.style == SeriesStyle::Line {
                        chart
                            .draw_series(LineSeries::new(seg, style))
                            .map_err(err)?
                    } else {
                        chart
                            .draw_series(DashedLineSeries::new(seg, 6, 4, style))
                            .map_err(err)?
                    };
                    if let (0, Some(l)) = (i, label) {
                        a.label(l).legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 16, y)], style)
                        });
                    }
                }
            }
            SeriesStyle::Points | SeriesStyle::Stem => {
                if s.style == SeriesStyle::Stem {
                    chart
                        .draw_series(
                            ok.iter()
                                .map(|&(x, y)| PathElement::new(vec![(x, base), (x, y)], color)),
                        )
                        .map_err(err)?;
                }
                let marker = if s.style == SeriesStyle::Stem {
                    color.stroke_width(1)
                } else {
                    color.filled()
                };
                let a = chart
                    .draw_series(ok.iter().map(|&(x, y)| Circle::new((x, y), 3, marker)))
                    .map_err(err)?;
                if let Some(l) = label {
                    a.label(l)
                        .legend(move |(x, y)| Circle::new((x + 8, y), 3, marker));
                }
            }
        }
    }
    if labelled {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(180, 180, 180))
            .label_font((FAMILY, 12))
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

fn draw_image(area: &Area<'_>, p: &ImagePanel) -> Drawn {
    let (nr, nc) = p.dims();
    let (lo, hi) = p.value_range();
    let (w, _) = area.dim_in_pixel();
    let (main, bar) = if p.colorbar {
        let (m, b) = area.split_horizontally(w.saturating_sub(78));
        (m, Some(b))
    } else {
        (area.clone(), None)
    };
    let [left, right, bottom, top] = p.extent.unwrap_or([0.0, nc as f64, nr as f64, 0.0]);
    let (left, right) = oriented_range(left, right);
    let (bottom, top) = oriented_range(bottom, top);
    let (xs, ys) = (right - left, top - bottom);
    let xfmt = move |v: &f64| fmt_tick(*v, xs);
    let yfmt = move |v: &f64| fmt_tick(*v, ys);
    let mut chart = ChartBuilder::on(&main)
        .caption(&p.title, (FAMILY, 16))
        .margin(6)
        .x_label_area_size(24)
        .y_label_area_size(46)
        .build_cartesian_2d(left..right, bottom..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(5)
        .y_labels(5)
        .x_label_formatter(&xfmt)
        .y_label_formatter(&yfmt)
        .label_style((FAMILY, 12))
        .draw()
        .map_err(err)?;
    let plot = chart.plotting_area().strip_coord_spec();
    let (pw, ph) = plot.dim_in_pixel();
    if nr > 0 && nc > 0 && pw > 0 && ph > 0 {
        let rows = spans(nr, ph as usize);
        let cols = spans(nc, pw as usize);
        let nan = RGBColor(190, 190, 190);
        for (i, &(r0, r1)) in rows.iter().enumerate() {
            for (j, &(c0, c1)) in cols.iter().enumerate() {
                let color = match &p.pixels {
                    Pixels::Scalar(a) => {
                        let m = if p.max_pool {
                            box_max(r0, r1, c0, c1, |r, c| a[[r, c]])
                        } else {
                            box_mean(r0, r1, c0, c1, |r, c| a[[r, c]])
                        };
                        if m.is_finite() {
                            let (r, g, b) = p.cmap.rgb((m - lo) / (hi - lo));
                            RGBColor(r, g, b)
                        } else {
                            nan
                        }
                    }
                    Pixels::Rgb(a) => {
                        let ch = |k: usize| {
                            let m = box_mean(r0, r1, c0, c1, |r, c| a[[r, c, k]]);
                            let m = if m.is_finite() {
                                m.clamp(0.0, 1.0)
                            } else {
                                0.0
                            };
                            (m * 255.0).round() as u8
                        };
                        RGBColor(ch(0), ch(1), ch(2))
                    }
                };
                plot.draw_pixel((j as i32, i as i32), &color).map_err(err)?;
            }
        }
    }
    if let Some(bar) = bar {
        draw_colorbar(&bar, p.cmap, lo, hi)?;
    }
    Ok(())
}

/// For each of `px` pixels, the half-open range of the `n` samples it covers (at least one).
fn spans(n: usize, px: usize) -> Vec<(usize, usize)> {
    (0..px)
        .map(|i| {
            let a = i * n / px;
            let b = ((i + 1) * n / px).max(a + 1).min(n);
            (a.min(n - 1), b)
        })
        .collect()
}

/// The mean of the finite samples of a box (NaN if none).
fn box_mean(r0: usize, r1: usize, c0: usize, c1: usize, at: impl Fn(usize, usize) -> f64) -> f64 {
    let (mut s, mut k) = (0.0, 0usize);
    for r in r0..r1 {
        for c in c0..c1 {
            let v = at(r, c);
            if v.is_finite() {
                s += v;
                k += 1;
            }
        }
    }
    if k == 0 {
        f64::NAN
    } else {
        s / k as f64
    }
}

/// The largest finite sample of a box (NaN if none).
fn box_max(r0: usize, r1: usize, c0: usize, c1: usize, at: impl Fn(usize, usize) -> f64) -> f64 {
    let mut m = f64::NAN;
    for r in r0..r1 {
        for c in c0..c1 {
            let v = at(r, c);
            if v.is_finite() && (m.is_nan() || v > m) {
                m = v;
            }
        }
    }
    m
}

fn draw_colorbar(area: &Area<'_>, cmap: Colormap, lo: f64, hi: f64) -> Drawn {
    let mut chart = ChartBuilder::on(area)
        .margin_top(30)
        .margin_bottom(30)
        .margin_left(4)
        .margin_right(4)
        .right_y_label_area_size(52)
        .build_cartesian_2d(0.0..1.0, lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_label_formatter(&|v| format!(" {}", fmt_tick(*v, hi - lo)))
        .label_style((FAMILY, 11))
        .draw()
        .map_err(err)?;
    let n = 128;
    let d = (hi - lo) / n as f64;
    chart
        .draw_series((0..n).map(|k| {
            let (r, g, b) = cmap.rgb((k as f64 + 0.5) / n as f64);
            let y = lo + k as f64 * d;
            Rectangle::new([(0.0, y), (1.0, y + d)], RGBColor(r, g, b).filled())
        }))
        .map_err(err)?;
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(0.0, lo), (1.0, hi)],
            RGBColor(60, 60, 60).stroke_width(1),
        )))
        .map_err(err)?;
    Ok(())
}

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
