//! Drawing the panels: axis ranges and ticks, lines, images (box-filtered to the pixels) and
//! colorbars, through plotters.

use super::*;

pub(super) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
pub(super) type Drawn = std::result::Result<(), String>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The finite minimum and maximum, `(0, 1)` if there is no finite value.
pub(super) fn finite_min_max(v: impl Iterator<Item = f64>) -> (f64, f64) {
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
pub(super) const AXIS_LIMIT: f64 = f64::MAX / 8.0;

/// The narrowest axis, absolute and relative to the values' magnitude: narrower (finite) ranges
/// are widened, as plotters' key-point search needs steps that change the values it adds them
/// to (and never reach subnormal numbers).
pub(super) const MIN_SPAN: f64 = 1e-250;
pub(super) const MIN_RELATIVE_SPAN: f64 = 1e-9;

/// A finite axis range `lo < hi` around `[lo, hi]` (either order): clipped to `±AXIS_LIMIT`, and
/// widened around its centre when narrower than [`MIN_SPAN`] or [`MIN_RELATIVE_SPAN`] of its
/// magnitude (a constant `c` gives `c ± max(|c| / 1000, 0.5)`). Non-finite ends give `[0, 1]`.
pub(super) fn axis_range(lo: f64, hi: f64) -> (f64, f64) {
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
pub(super) fn padded_range(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    let (lo, hi) = axis_range(lo, hi);
    let pad = frac * (hi - lo);
    (lo - pad, hi + pad)
}

/// [`axis_range`] keeping the given order (for image extents, which may run backwards).
pub(super) fn oriented_range(a: f64, b: f64) -> (f64, f64) {
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
pub(super) fn fmt_num(v: f64) -> String {
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

pub(super) fn draw_lines(area: &Area<'_>, p: &LinePanel) -> Drawn {
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

pub(super) fn draw_image(area: &Area<'_>, p: &ImagePanel) -> Drawn {
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
pub(super) fn spans(n: usize, px: usize) -> Vec<(usize, usize)> {
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
