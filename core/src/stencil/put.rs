//! How a computed value is stored into the output ([`Put`]): set, add, scaled, or written with
//! streaming stores in whole groups ([`Stream`], [`put_each`]).

use crate::scalar::Scalar;

/// How a computed value is stored into the output.
pub trait Put<T>: Copy + Send + Sync {
    /// Stores `v` into `y`.
    fn put(self, y: &mut T, v: T);
    /// Whether the loops hand this store whole groups ([`put_group`](Self::put_group)) of
    /// [`GROUP`] elements that start on a 64-byte boundary ([`put_each`]); only [`Stream`] does.
    const STREAMS: bool = false;
    /// Whether the store overwrites the output with a value computed from `v` alone (never reads
    /// `y`), so that a driver may store a wrong value first and the right one over it later.
    const OVERWRITES: bool = false;
    /// This store written with streaming stores where it can be ([`Stream`] of it for the stores
    /// that overwrite, the store itself for those that read the output).
    type Streamed: Put<T>;
    /// See [`Streamed`](Self::Streamed).
    fn streamed(self) -> Self::Streamed;
    /// Stores `v[j]` into `y[j]` for a whole group (the default: [`put`](Self::put) one by one).
    #[inline(always)]
    fn put_group(self, y: &mut [T; GROUP], v: [T; GROUP]) {
        for (yj, vj) in y.iter_mut().zip(v) {
            self.put(yj, vj);
        }
    }
}

/// Elements of the groups a streaming store writes at once ([`Put::put_group`]): 64 bytes of
/// f64 or complex64 (one cache line), 128 of complex128, 32 of f32.
pub const GROUP: usize = 8;

/// A store that overwrites the output with a value computed from `v` alone (no read of `y`): the
/// stores [`Stream`] can write with streaming stores.
pub trait Overwrite<T>: Put<T> {
    /// The value stored into `y` for `v`.
    fn value(self, v: T) -> T;
}

/// The store `P` written with streaming (non-temporal) stores wherever the loops hand it whole
/// 64-byte-aligned groups ([`put_each`]), with `P`'s ordinary stores elsewhere: the same values,
/// only written to memory without reading the destination lines into the cache first (see
/// [`crate::stream`]). A thread that wrote with it must call [`crate::stream::fence`] before
/// another thread reads what it wrote.
#[derive(Clone, Copy, Debug)]
pub struct Stream<P>(pub P);

/// `y = v`.
#[derive(Clone, Copy, Debug)]
pub struct Set;
/// `y = y + v`.
#[derive(Clone, Copy, Debug)]
pub struct Add;
/// `y = w * v`.
#[derive(Clone, Copy, Debug)]
pub struct SetScaled<T>(pub T);
/// `y = y + w * v`.
#[derive(Clone, Copy, Debug)]
pub struct AddScaled<T>(pub T);

impl<T: Scalar> Put<T> for Set {
    const OVERWRITES: bool = true;
    type Streamed = Stream<Set>;
    #[inline(always)]
    fn streamed(self) -> Self::Streamed {
        Stream(self)
    }
    #[inline(always)]
    fn put(self, y: &mut T, v: T) {
        *y = v;
    }
}
impl<T: Scalar> Put<T> for Add {
    type Streamed = Add;
    #[inline(always)]
    fn streamed(self) -> Self::Streamed {
        self
    }
    #[inline(always)]
    fn put(self, y: &mut T, v: T) {
        *y += v;
    }
}
impl<T: Scalar> Put<T> for SetScaled<T> {
    // Not streamed by the drivers: a weighted single term is rare, and each streamed store is
    // one more copy of every stencil's bulk loop to compile ([`Stream`] of it works all the same).
    type Streamed = SetScaled<T>;
    const OVERWRITES: bool = true;
    #[inline(always)]
    fn streamed(self) -> Self::Streamed {
        self
    }
    #[inline(always)]
    fn put(self, y: &mut T, v: T) {
        *y = self.0 * v;
    }
}
impl<T: Scalar> Put<T> for AddScaled<T> {
    type Streamed = AddScaled<T>;
    #[inline(always)]
    fn streamed(self) -> Self::Streamed {
        self
    }
    #[inline(always)]
    fn put(self, y: &mut T, v: T) {
        *y += self.0 * v;
    }
}
impl<T: Scalar> Overwrite<T> for Set {
    #[inline(always)]
    fn value(self, v: T) -> T {
        v
    }
}
impl<T: Scalar> Overwrite<T> for SetScaled<T> {
    #[inline(always)]
    fn value(self, v: T) -> T {
        self.0 * v
    }
}
impl<T: Scalar, P: Overwrite<T>> Put<T> for Stream<P> {
    type Streamed = Self;
    #[inline(always)]
    fn streamed(self) -> Self {
        self
    }
    #[inline(always)]
    fn put(self, y: &mut T, v: T) {
        self.0.put(y, v);
    }
    const STREAMS: bool = true;
    const OVERWRITES: bool = true;
    #[inline(always)]
    fn put_group(self, y: &mut [T; GROUP], v: [T; GROUP]) {
        let mut w = [T::zero(); GROUP];
        for (wj, vj) in w.iter_mut().zip(v) {
            *wj = self.0.value(vj);
        }
        crate::stream::store_group(y, &w);
    }
}

/// `y[q] (put)= at(q)` for every `q`. For a store that [streams](Put::STREAMS), the elements from
/// the first 64-byte boundary on are handed to [`Put::put_group`] [`GROUP`] at a time (each group's
/// values computed first, so they are written straight from registers), the few others stored one
/// by one; for any other store, one plain loop.
#[inline(always)]
pub fn put_each<T: Scalar, P: Put<T>>(y: &mut [T], put: P, at: impl Fn(usize) -> T) {
    if !P::STREAMS {
        for (q, yq) in y.iter_mut().enumerate() {
            put.put(yq, at(q));
        }
        return;
    }
    let len = y.len();
    // Elements before the first 64-byte boundary (all of them if it cannot be reached).
    let head = y.as_ptr().align_offset(64).min(len);
    let body = (len - head) / GROUP * GROUP;
    let (h, rest) = y.split_at_mut(head);
    let (b, t) = rest.split_at_mut(body);
    for (q, yq) in h.iter_mut().enumerate() {
        put.put(yq, at(q));
    }
    for (g, yg) in b.chunks_exact_mut(GROUP).enumerate() {
        let q0 = head + g * GROUP;
        let mut v = [T::zero(); GROUP];
        for (j, vj) in v.iter_mut().enumerate() {
            *vj = at(q0 + j);
        }
        // Always a whole group (`chunks_exact_mut`).
        if let Ok(yg) = <&mut [T; GROUP]>::try_from(yg) {
            put.put_group(yg, v);
        }
    }
    for (q, yq) in t.iter_mut().enumerate() {
        put.put(yq, at(head + body + q));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn puts_store_as_named() {
        let mut y = 2.0;
        Set.put(&mut y, 3.0);
        Add.put(&mut y, 1.0);
        assert_eq!(y, 4.0);
        SetScaled(0.5).put(&mut y, 6.0);
        AddScaled(2.0).put(&mut y, 1.0);
        assert_eq!(y, 5.0);
    }

    /// `put_each` with a streaming store writes exactly what the plain store writes, for every
    /// alignment of the output (head, whole groups, tail) and every scalar type, and touches
    /// nothing outside `y`.
    fn streamed_puts_store_the_plain_values<T: Scalar>(make: impl Fn(usize) -> T) {
        let at = |q: usize| make(q * 7 + 3);
        let bits = |v: &[T]| format!("{v:?}");
        for start in 0..9 {
            for len in [0, 1, 5, 8, 9, 16, 17, 40, 67, 200] {
                let mut want = vec![make(1000); 220];
                let mut got = want.clone();
                let w = T::from_f64(0.375);
                put_each(&mut want[start..start + len], Set, at);
                put_each(&mut got[start..start + len], Stream(Set), at);
                crate::stream::fence();
                assert_eq!(bits(&got), bits(&want), "Set, start {start} len {len}");
                put_each(&mut want[start..start + len], SetScaled(w), at);
                put_each(&mut got[start..start + len], Stream(SetScaled(w)), at);
                crate::stream::fence();
                assert_eq!(
                    bits(&got),
                    bits(&want),
                    "SetScaled, start {start} len {len}"
                );
            }
        }
        const { assert!(<Stream<Set> as Put<T>>::STREAMS && !<Set as Put<T>>::STREAMS) };
    }

    #[test]
    fn streamed_puts_store_the_plain_values_for_every_type() {
        use num_complex::Complex;
        streamed_puts_store_the_plain_values(|i| (i as f64).sin());
        streamed_puts_store_the_plain_values(|i| (i as f32).cos());
        streamed_puts_store_the_plain_values(|i| Complex::new((i as f64).sin(), i as f64));
        streamed_puts_store_the_plain_values(|i| Complex::new(i as f32, (i as f32).cos()));
    }
}
