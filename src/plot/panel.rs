//! The panels of a [`Figure`](super::Figure): [`LinePanel`] (curves, [`Series`]) and
//! [`ImagePanel`] (an array through a colormap, or an RGB image).

use super::*;

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
    pub(super) label: String,
    pub(super) x: Option<Vec<f64>>,
    pub(super) y: Vec<f64>,
    pub(super) style: SeriesStyle,
    pub(super) color: Option<(u8, u8, u8)>,
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

    pub(super) fn points_xy(&self) -> Vec<(f64, f64)> {
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

pub(super) const PALETTE: [(u8, u8, u8); 10] = [
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
    pub(super) title: String,
    pub(super) series: Vec<Series>,
    pub(super) xlabel: String,
    pub(super) ylabel: String,
    pub(super) log_y: bool,
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
pub(super) enum Pixels {
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
    pub(super) title: String,
    pub(super) pixels: Pixels,
    pub(super) cmap: Colormap,
    pub(super) range: Option<(f64, f64)>,
    pub(super) symmetric: bool,
    pub(super) colorbar: bool,
    pub(super) extent: Option<[f64; 4]>,
    pub(super) max_pool: bool,
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

    pub(super) fn dims(&self) -> (usize, usize) {
        match &self.pixels {
            Pixels::Scalar(a) => a.dim(),
            Pixels::Rgb(a) => (a.dim().0, a.dim().1),
        }
    }

    /// The value range the colormap spans (always finite, `lo < hi`).
    pub(super) fn value_range(&self) -> (f64, f64) {
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
