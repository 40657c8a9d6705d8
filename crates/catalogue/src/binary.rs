//! A compact binary form of a loaded model, for the cache of compiled
//! `--api-spec` files: read straight into the `'static` model (no JSON
//! parse, no owned intermediate), so a cached spec starts almost as fast as
//! a built-in catalogue. [`catalogue_types!`](crate::owned) writes the
//! impls of the declared types; the few hand-written types have their own.
//!
//! The bytes are the tool's own cache, but may be damaged: every read is
//! bounded by what is left, a length can never ask for more than the bytes
//! that remain, nesting is bounded, and any mismatch is an error (the
//! cache is then compiled anew), never a panic.

use crate::owned::{leak, leak_str};

/// Nesting deeper than this is refused (schemas nest within schemas).
const MAX_DEPTH: u32 = 256;

/// Reads what [`Binary::encode`] wrote.
pub struct Reader<'a> {
    bytes: &'a [u8],
    depth: u32,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, depth: 0 }
    }

    /// Whether every byte was read.
    pub fn is_done(&self) -> bool {
        self.bytes.is_empty()
    }

    pub fn byte(&mut self) -> Result<u8, String> {
        let (&b, rest) = self.bytes.split_first().ok_or("cut short")?;
        self.bytes = rest;
        Ok(b)
    }

    /// An unsigned LEB128 number.
    pub fn number(&mut self) -> Result<u64, String> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err("a number longer than 64 bits".into())
    }

    /// A count of items that each take at least one byte.
    pub fn count(&mut self) -> Result<usize, String> {
        let n = self.number()?;
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.bytes.len())
            .ok_or_else(|| format!("a count of {n} with {} bytes left", self.bytes.len()))
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.bytes.len() {
            return Err("cut short".into());
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    /// Runs `f` one level deeper.
    pub fn nested<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, String>,
    ) -> Result<T, String> {
        if self.depth >= MAX_DEPTH {
            return Err("nested too deep".into());
        }
        self.depth += 1;
        let v = f(self);
        self.depth -= 1;
        v
    }
}

/// Appends an unsigned LEB128 number.
pub fn put_number(out: &mut Vec<u8>, mut n: u64) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// A model type in the binary form.
pub trait Binary: Sized + 'static {
    fn encode(&self, out: &mut Vec<u8>);
    fn decode(r: &mut Reader) -> Result<Self, String>;
}

impl Binary for &'static str {
    fn encode(&self, out: &mut Vec<u8>) {
        put_number(out, self.len() as u64);
        out.extend_from_slice(self.as_bytes());
    }
    fn decode(r: &mut Reader) -> Result<Self, String> {
        let n = r.count()?;
        let text = std::str::from_utf8(r.take(n)?).map_err(|e| e.to_string())?;
        Ok(leak_str(text))
    }
}

impl Binary for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn decode(r: &mut Reader) -> Result<Self, String> {
        match r.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(format!("{b} is not a boolean")),
        }
    }
}

macro_rules! numbers {
    ($($t:ty),*) => {$(
        impl Binary for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                put_number(out, u64::from(*self));
            }
            fn decode(r: &mut Reader) -> Result<Self, String> {
                let n = r.number()?;
                <$t>::try_from(n).map_err(|_| format!("{n} is out of range"))
            }
        }
    )*};
}
numbers!(u8, u16, u32);

impl<T: Binary> Binary for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.encode(out);
            }
        }
    }
    fn decode(r: &mut Reader) -> Result<Self, String> {
        match r.byte()? {
            0 => Ok(None),
            1 => Ok(Some(T::decode(r)?)),
            b => Err(format!("{b} is not an option tag")),
        }
    }
}

impl<T: Binary> Binary for &'static [T] {
    fn encode(&self, out: &mut Vec<u8>) {
        put_number(out, self.len() as u64);
        for v in self.iter() {
            v.encode(out);
        }
    }
    fn decode(r: &mut Reader) -> Result<Self, String> {
        let n = r.count()?;
        // A damaged count may still be large: grow as items really come.
        let mut list = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            list.push(r.nested(T::decode)?);
        }
        Ok(leak(list))
    }
}

impl<T: Binary> Binary for &'static T {
    fn encode(&self, out: &mut Vec<u8>) {
        (**self).encode(out);
    }
    fn decode(r: &mut Reader) -> Result<Self, String> {
        Ok(Box::leak(Box::new(r.nested(T::decode)?)))
    }
}

impl<A: Binary, B: Binary> Binary for (A, B) {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
        self.1.encode(out);
    }
    fn decode(r: &mut Reader) -> Result<Self, String> {
        Ok((A::decode(r)?, B::decode(r)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_texts_round_trip() {
        let mut out = Vec::new();
        for n in [0u32, 1, 127, 128, 300, u32::MAX] {
            n.encode(&mut out);
        }
        "héllo".encode(&mut out);
        Some(true).encode(&mut out);
        let mut r = Reader::new(&out);
        for n in [0u32, 1, 127, 128, 300, u32::MAX] {
            assert_eq!(u32::decode(&mut r).unwrap(), n);
        }
        assert_eq!(<&str>::decode(&mut r).unwrap(), "héllo");
        assert_eq!(Option::<bool>::decode(&mut r).unwrap(), Some(true));
        assert!(r.is_done());
    }

    #[test]
    fn damaged_bytes_are_errors() {
        // A length past the end, an overlong number, a bad tag, bad UTF-8.
        for bytes in [
            &[5u8, b'a'][..],
            &[0xff; 11][..],
            &[7][..],
            &[2, 0xff, 0xfe][..],
        ] {
            let mut r = Reader::new(bytes);
            let text = <&str>::decode(&mut r);
            let mut r = Reader::new(bytes);
            let tag = Option::<u8>::decode(&mut r);
            assert!(text.is_err() || tag.is_err(), "{bytes:?}");
        }
        assert!(<&'static [u8]>::decode(&mut Reader::new(&[0xff, 0xff, 0x03])).is_err());
    }
}
