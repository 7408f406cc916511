//! Builders of the `convolve` group (pylops' filter operators), for the harness's `build_op`.

use super::{check_dtype, decode, Built, HResult};
use rylops::core::ndarray::{ArrayD, IxDyn};
use rylops::core::{BoxOp, Scalar};
use rylops::operators::{Convolve1D, Convolve2D, ConvolveND, Smoothing1D, Smoothing2D};
use serde::Deserialize;
use serde_json::Value;

/// Convolve1D's kwargs (`method` must be pylops' default `None`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Convolve1DKw {
    dims: Vec<usize>,
    h: Vec<f64>,
    offset: Option<isize>,
    axis: Option<isize>,
    method: Option<String>,
    dtype: Option<String>,
}

/// ConvolveND's and Convolve2D's kwargs (`h` nested lists; `method` pylops' default `fft`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConvolveNDKw {
    dims: Vec<usize>,
    h: Value,
    offset: Option<Vec<isize>>,
    axes: Option<Vec<isize>>,
    method: Option<String>,
    dtype: Option<String>,
}

/// Smoothing1D's kwargs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Smoothing1DKw {
    nsmooth: usize,
    dims: Vec<usize>,
    axis: Option<isize>,
    dtype: Option<String>,
}

/// Smoothing2D's kwargs.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Smoothing2DKw {
    nsmooth: [usize; 2],
    dims: Vec<usize>,
    axes: Option<[isize; 2]>,
    dtype: Option<String>,
}

/// A nested list of numbers as an n-d array (row-major), or a harness error.
fn nested<T: Scalar>(v: &Value) -> HResult<ArrayD<T>> {
    fn walk(v: &Value, depth: usize, shape: &mut Vec<usize>, out: &mut Vec<f64>) -> HResult<()> {
        match v {
            Value::Array(items) => {
                if shape.len() == depth {
                    shape.push(items.len());
                } else if shape[depth] != items.len() {
                    return Err("h: ragged nested list".into());
                }
                items
                    .iter()
                    .try_for_each(|i| walk(i, depth + 1, shape, out))
            }
            Value::Number(n) if shape.len() == depth => {
                out.push(n.as_f64().ok_or("h: not a number")?);
                Ok(())
            }
            other => Err(format!("h: unexpected {other}")),
        }
    }
    let (mut shape, mut out) = (Vec::new(), Vec::new());
    walk(v, 0, &mut shape, &mut out)?;
    ArrayD::from_shape_vec(IxDyn(&shape), out.into_iter().map(T::from_f64).collect())
        .map_err(|e| format!("h: {e}"))
}

/// Refuses a `method` other than the one the case's pylops default uses (rylops has one method).
fn check_method(m: &Option<String>, default: Option<&str>) -> HResult<()> {
    if m.as_deref() == default {
        Ok(())
    } else {
        Err(format!(
            "method {m:?} is not supported (pylops' default {default:?} only)"
        ))
    }
}

/// Builds the operator `name` of this group from its kwargs; `None` if the name is not one of
/// this group's.
pub fn build<T: Scalar>(name: &str, kw: &Value) -> Option<HResult<Built<T>>> {
    let what = format!("{name} kwargs");
    let r = || -> HResult<Result<BoxOp<T>, rylops::Error>> {
        Ok(match name {
            "Convolve1D" => {
                let k: Convolve1DKw = decode(kw, &what)?;
                check_dtype::<T>(&k.dtype)?;
                check_method(&k.method, None)?;
                let h: Vec<T> = k.h.iter().map(|&v| T::from_f64(v)).collect();
                Convolve1D::builder(&k.dims, &h)
                    .offset(k.offset.unwrap_or(0))
                    .axis(k.axis.unwrap_or(-1))
                    .build_boxed()
            }
            "ConvolveND" | "Convolve2D" => {
                let k: ConvolveNDKw = decode(kw, &what)?;
                check_dtype::<T>(&k.dtype)?;
                check_method(&k.method, Some("fft"))?;
                let h = nested::<T>(&k.h)?;
                let axes = k.axes.unwrap_or_else(|| vec![-2, -1]);
                if name == "Convolve2D" {
                    let off = k.offset.unwrap_or_else(|| vec![0, 0]);
                    let pair = |v: &[isize], w: &str| -> HResult<[isize; 2]> {
                        v.try_into()
                            .map_err(|_| format!("{w}: two entries expected"))
                    };
                    Convolve2D::new(&k.dims, h, pair(&off, "offset")?, pair(&axes, "axes")?)
                        .map(|o| Box::new(o) as BoxOp<T>)
                } else {
                    let mut b = ConvolveND::builder(&k.dims, h).axes(&axes);
                    if let Some(o) = &k.offset {
                        b = b.offset(o);
                    }
                    b.build().map(|o| Box::new(o) as BoxOp<T>)
                }
            }
            "Smoothing1D" => {
                let k: Smoothing1DKw = decode(kw, &what)?;
                check_dtype::<T>(&k.dtype)?;
                Smoothing1D::boxed::<T>(k.nsmooth, &k.dims, k.axis.unwrap_or(-1))
            }
            "Smoothing2D" => {
                let k: Smoothing2DKw = decode(kw, &what)?;
                check_dtype::<T>(&k.dtype)?;
                Smoothing2D::new::<T>(k.nsmooth, &k.dims, k.axes.unwrap_or([-2, -1]))
                    .map(|o| Box::new(o) as BoxOp<T>)
            }
            _ => unreachable!("filtered below"),
        })
    };
    if !matches!(
        name,
        "Convolve1D" | "ConvolveND" | "Convolve2D" | "Smoothing1D" | "Smoothing2D"
    ) {
        return None;
    }
    Some(r().map(|res| match res {
        Ok(op) => Built::Op(op),
        Err(e) => Built::Rejected(e),
    }))
}
