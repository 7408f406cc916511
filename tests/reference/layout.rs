//! Builders of the `layout` group's operators (tests/reference_ops/layout): pylops' names and
//! kwargs to rylops' calls, as strictly as the derivative arms in `mod.rs` (every kwarg known).

use super::{build_op, check_dtype, decode, Built, HResult};
use rylops::core::{BoxOp, Scalar};
use rylops::operators::{
    Block, CausalIntegration, Flip, Kronecker, Pad, Restriction, Roll, Sum, Symmetrize, Transpose,
};
use serde::Deserialize;
use serde_json::Value;

/// pylops' `dims`: an int or a list of ints.
#[derive(Deserialize)]
#[serde(untagged)]
enum Dims {
    One(usize),
    Many(Vec<usize>),
}

impl Dims {
    fn to_vec(&self) -> Vec<usize> {
        match self {
            Dims::One(n) => vec![*n],
            Dims::Many(v) => v.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RestrictionKw {
    dims: Dims,
    iava: Vec<i64>,
    axis: Option<isize>,
    /// No effect on values (rylops never aliases its input).
    #[allow(dead_code)]
    inplace: Option<bool>,
    /// Only the shape of pylops' flat output; rylops outputs have shape `dimsd`.
    #[allow(dead_code)]
    forceflat: Option<Value>,
    dtype: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CausalIntegrationKw {
    dims: Dims,
    axis: Option<isize>,
    sampling: Option<f64>,
    kind: Option<String>,
    removefirst: Option<bool>,
    dtype: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AxisKw {
    dims: Dims,
    axis: Option<isize>,
    dtype: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RollKw {
    dims: Dims,
    axis: Option<isize>,
    shift: Option<i64>,
    dtype: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransposeKw {
    dims: Dims,
    axes: Vec<isize>,
    dtype: Option<String>,
}

/// Pad's `pad`: one `(before, after)` pair (1-D) or one pair per axis.
#[derive(Deserialize)]
#[serde(untagged)]
enum PadArg {
    Pair([i64; 2]),
    PerAxis(Vec<[i64; 2]>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PadKw {
    dims: Dims,
    pad: PadArg,
    dtype: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SumKw {
    dims: Dims,
    axis: Option<isize>,
    /// Only the shape of pylops' flat output.
    #[allow(dead_code)]
    forceflat: Option<Value>,
    dtype: Option<String>,
}

/// A nested operator spec (Block, Kronecker).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    operator: String,
    kwargs: Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockKw {
    ops: Vec<Vec<Spec>>,
    /// pylops' worker count: no effect on values (rylops parallelises inside the operators).
    #[allow(dead_code)]
    nproc: Option<usize>,
    #[allow(dead_code)]
    parallel_kind: Option<String>,
    #[allow(dead_code)]
    forceflat: Option<Value>,
    dtype: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KroneckerKw {
    #[serde(rename = "Op1")]
    op1: Spec,
    #[serde(rename = "Op2")]
    op2: Spec,
    dtype: Option<String>,
}

/// Builds a nested spec; a nested operator the library rejects rejects the whole.
fn nested<T: Scalar>(s: &Spec) -> HResult<Result<BoxOp<T>, rylops::Error>> {
    Ok(match build_op::<T>(&s.operator, &s.kwargs)? {
        Built::Op(op) => Ok(op),
        Built::Rejected(e) => Err(e),
    })
}

fn boxed<O>(r: rylops::Result<O>) -> Result<BoxOp<O::Scalar>, rylops::Error>
where
    O: rylops::LinearOperator<
            Domain = rylops::ChunkedArray<<O as rylops::LinearMap>::Scalar>,
            Range = rylops::ChunkedArray<<O as rylops::LinearMap>::Scalar>,
        > + 'static,
{
    r.map(|o| Box::new(o) as BoxOp<O::Scalar>)
}

/// The operators this module builds.
const NAMES: [&str; 10] = [
    "Restriction",
    "CausalIntegration",
    "Flip",
    "Roll",
    "Transpose",
    "Symmetrize",
    "Pad",
    "Sum",
    "Block",
    "Kronecker",
];

/// The `layout` group's operators; `None` for a name that is not one of them.
pub fn build<T: Scalar>(name: &str, kw: &Value) -> Option<HResult<Built<T>>> {
    if !NAMES.contains(&name) {
        return None;
    }
    let what = format!("{name} kwargs");
    let r: HResult<Result<BoxOp<T>, rylops::Error>> = (|| {
        Ok(match name {
            "Restriction" => {
                let k: RestrictionKw = decode(kw, &what)?;
                check_dtype::<T>(&k.dtype)?;
                boxed(Restriction::<T>::new(
                    &k.dims.to_vec(),
                    &k.iava,
                    k.axis.unwrap_or(-1),
                ))
            }
            "CausalIntegration" => {
                let k: CausalIntegrationKw = decode(kw, &what)?;
                check_dtype::<T>(&k.dtype)?;
                let kind = k.kind.as_deref().unwrap_or("full").parse();
                match kind {
                    Err(e) => Err(e),
                    Ok(kind) => boxed(
                        CausalIntegration::<T>::builder(&k.dims.to_vec())
                            .axis(k.axis.unwrap_or(-1))
                            .sampling(k.sampling.unwrap_or(1.0))
                            .kind(kind)
                            .removefirst(k.removefirst.unwrap_or(false))
                            .build(),
                    ),
                }
            }
            "Flip" => {
                let k: AxisKw = decode(kw, &what)?;
                check_dtype::<T>(&k.dtype)?;
                boxed(Flip::<T>::new(&k.dims.to_vec(), k.axis.unwrap_or(-1)))
            }
            "Symmetrize" => {
                let k: AxisKw = decode(kw, &what)?;
                check_dtype::<T>(&k.dtype)?;
                boxed(Symmetrize::<T>::new(&k.dims.to_vec(), k.axis.unwrap_or(-1)))
            }
            "Roll" => {
                let k: RollKw = decode(kw, &what)?;
                check_dtype::<T>(&k.dtype)?;
                boxed(Roll::<T>::new(
                    &k.dims.to_vec(),
                    k.axis.unwrap_or(-1),
                    k.shift.unwrap_or(1),
                ))
            }
            "Transpose" => {
                let k: TransposeKw = decode(kw, &what)?;
                check_dtype::<T>(&k.dtype)?;
                boxed(Transpose::<T>::new(&k.dims.to_vec(), &k.axes))
            }
            "Pad" => {
                let k: PadKw = decode(kw, &what)?;
                check_dtype::<T>(&k.dtype)?;
                let dims = k.dims.to_vec();
                let pairs = match k.pad {
                    PadArg::Pair(p) => vec![p],
                    PadArg::PerAxis(v) => v,
                };
                // A negative width cannot be written in rylops' `usize` pairs: the type rejects
                // what pylops' constructor rejects with a ValueError.
                let pad: Option<Vec<(usize, usize)>> = pairs
                    .iter()
                    .map(|p| Some((usize::try_from(p[0]).ok()?, usize::try_from(p[1]).ok()?)))
                    .collect();
                match pad {
                    None => Err(rylops::Error::InvalidParameter {
                        name: "pad".into(),
                        reason: "negative widths are not representable".into(),
                    }),
                    Some(pad) => boxed(Pad::<T>::new(&dims, &pad)),
                }
            }
            "Sum" => {
                let k: SumKw = decode(kw, &what)?;
                check_dtype::<T>(&k.dtype)?;
                boxed(Sum::<T>::new(&k.dims.to_vec(), k.axis.unwrap_or(-1)))
            }
            "Block" => {
                let k: BlockKw = decode(kw, &what)?;
                check_dtype::<T>(&k.dtype)?;
                let mut rows = Vec::new();
                for row in &k.ops {
                    let mut r = Vec::new();
                    for s in row {
                        match nested::<T>(s)? {
                            Ok(op) => r.push(op),
                            Err(e) => return Ok(Err(e)),
                        }
                    }
                    rows.push(r);
                }
                boxed(Block::new(rows))
            }
            "Kronecker" => {
                let k: KroneckerKw = decode(kw, &what)?;
                check_dtype::<T>(&k.dtype)?;
                match (nested::<T>(&k.op1)?, nested::<T>(&k.op2)?) {
                    (Ok(a), Ok(b)) => boxed(Kronecker::new(a, b)),
                    (Err(e), _) | (_, Err(e)) => Err(e),
                }
            }
            other => return Err(format!("unknown operator `{other}`")),
        })
    })();
    match r {
        Err(e) => Some(Err(e)),
        Ok(Ok(op)) => Some(Ok(Built::Op(op))),
        Ok(Err(e)) => Some(Ok(Built::Rejected(e))),
    }
}
