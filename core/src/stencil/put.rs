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
    /// For a store that streams: the runs of the output whose groups [`put_each`] stores with
    /// [`put`](Self::put) instead of [`put_group`](Self::put_group) (default: none; see
    /// [`StreamExcept`]).
    #[inline(always)]
    fn cached(self) -> Cached {
        Cached::NONE
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

/// A store that streams (`put`, e.g. [`Stream`]`(`[`Set`]`)`), except that the whole groups
/// holding an element of `cached` are stored as usual (in the cache): for elements that a driver
/// stores again right after (the lane ends of a run computed straight across them), whose lines
/// would otherwise go to memory and come back for the second store. The same values as `put`.
#[derive(Clone, Copy, Debug)]
pub struct StreamExcept<P> {
    /// The store.
    pub put: P,
    /// The runs stored as usual.
    pub cached: Cached,
}

/// Periodic runs of elements in memory, by address: `len` bytes every `period` bytes from the
/// element at `first` on (see [`StreamExcept`]). Only addresses are kept, so the pattern holds for
/// any slice of the output a loop is handed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cached {
    first: usize,
    len: usize,
    period: usize,
}

impl Cached {
    /// No element.
    pub const NONE: Cached = Cached {
        first: usize::MAX,
        len: 0,
        period: 1,
    };

    /// The runs of `len` elements every `period` elements (`period >= len`) from `y[first]` on,
    /// where `y` is any slice of the output that holds them (`first` may lie past its end, or
    /// before its start: a run that starts before `y` and ends in it counts from `y`'s start).
    pub fn runs<T>(y: &[T], first: isize, len: usize, period: usize) -> Self {
        let size = std::mem::size_of::<T>();
        Cached {
            first: (y.as_ptr() as usize).wrapping_add_signed(first * size as isize),
            len: len * size,
            period: (period * size).max(1),
        }
    }

    /// The first run that ends after the byte at `base` (the first byte of a slice), as its start
    /// in bytes from `base` (negative if it starts before), or `None` if there is none.
    fn first_after(self, base: usize) -> Option<isize> {
        if self.len == 0 || self.first == usize::MAX {
            return None;
        }
        let start = if self.first >= base || base - self.first < self.len {
            self.first
        } else {
            // Runs `k` with `first + k period + len > base`.
            let k = (base - self.first - self.len) / self.period + 1;
            self.first + k * self.period
        };
        Some(start.wrapping_sub(base) as isize)
    }
}

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

impl<T: Scalar, P: Put<T>> Put<T> for StreamExcept<P> {
    type Streamed = Self;
    #[inline(always)]
    fn streamed(self) -> Self {
        self
    }
    #[inline(always)]
    fn put(self, y: &mut T, v: T) {
        self.put.put(y, v);
    }
    const STREAMS: bool = P::STREAMS;
    const OVERWRITES: bool = P::OVERWRITES;
    #[inline(always)]
    fn put_group(self, y: &mut [T; GROUP], v: [T; GROUP]) {
        self.put.put_group(y, v)
    }
    #[inline(always)]
    fn cached(self) -> Cached {
        self.cached
    }
}

/// `y[q] (put)= at(q)` for every `q`. For a store that [streams](Put::STREAMS), the elements from
/// the first 64-byte boundary on are handed to [`Put::put_group`] [`GROUP`] at a time (each group's
/// values computed first, so they are written straight from registers), except the groups that
/// hold an element of the store's [`cached`](Put::cached) runs, and the few others stored one by
/// one; for any other store, one plain loop.
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
    let size = std::mem::size_of::<T>() as isize;
    let cached = put.cached();
    // The start (bytes from `y`'s first element) of the first cached run that does not end before
    // the current group; far past the end without one.
    let mut run = cached
        .first_after(y.as_ptr() as usize)
        .unwrap_or(isize::MAX);
    let (clen, cper) = (cached.len as isize, cached.period as isize);
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
        let (g0, g1) = (q0 as isize * size, (q0 + GROUP) as isize * size);
        while run < isize::MAX && run + clen <= g0 {
            run += cper;
        }
        if run < g1 {
            // The group holds a cached element (the run starts before the group ends and ends
            // after it starts).
            for (yj, vj) in yg.iter_mut().zip(v) {
                put.put(yj, vj);
            }
        } else if let Ok(yg) = <&mut [T; GROUP]>::try_from(yg) {
            // Always a whole group (`chunks_exact_mut`).
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

    /// A store that streams, marking the values it writes by whole groups (`+ 1000`), so that a
    /// test sees which groups went through `put_group`.
    #[derive(Clone, Copy)]
    struct Mark(Cached);
    impl Put<f64> for Mark {
        type Streamed = Self;
        fn streamed(self) -> Self {
            self
        }
        fn put(self, y: &mut f64, v: f64) {
            *y = v;
        }
        const STREAMS: bool = true;
        const OVERWRITES: bool = true;
        fn put_group(self, y: &mut [f64; GROUP], v: [f64; GROUP]) {
            for (yj, vj) in y.iter_mut().zip(v) {
                *yj = vj + 1000.0;
            }
        }
        fn cached(self) -> Cached {
            self.0
        }
    }

    #[test]
    fn streamed_puts_store_the_groups_with_cached_elements_as_usual() {
        let at = |q: usize| q as f64;
        // (first, len, period) of the cached runs, in elements of the whole buffer, for slices
        // of it starting at every alignment (runs that start before the slice included).
        for runs in [
            None,
            Some((5, 2, 32)),
            Some((0, 1, 8)),
            Some((31, 4, 9)),
            Some((100, 16, 16)),
            Some((2, 3, 20)),
        ] {
            for start in 0..12 {
                for len in [0, 7, 8, 40, 127] {
                    let mut buf = vec![-1.0; 140];
                    let cached = runs.map_or(Cached::NONE, |(f, l, p)| {
                        Cached::runs(&buf, f as isize, l, p)
                    });
                    let y = &mut buf[start..start + len];
                    let head = y.as_ptr().align_offset(64).min(len);
                    let body_end = head + (len - head) / GROUP * GROUP;
                    put_each(y, Mark(cached), at);
                    // Whether element `q` of the slice is cached.
                    let is_cached = |q: usize| {
                        runs.is_some_and(|(f, l, p)| q + start >= f && (q + start - f) % p < l)
                    };
                    for (q, &v) in y.iter().enumerate() {
                        let g =
                            (q >= head && q < body_end).then(|| head + (q - head) / GROUP * GROUP);
                        // Streamed: a whole group of the body none of whose elements is cached.
                        let streamed = g.is_some_and(|g0| !(g0..g0 + GROUP).any(is_cached));
                        let want = if streamed {
                            q as f64 + 1000.0
                        } else {
                            q as f64
                        };
                        assert_eq!(v, want, "{runs:?} start {start} len {len} element {q}");
                    }
                }
            }
        }
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
