//! Bytes in and out: a growable [`Writer`] and a bounds-checked [`Reader`] with LEB128
//! varints, zigzag integers and length-prefixed byte strings — the primitives every encoding
//! of [`super`] is built from.

use super::DecodeError;

/// Appends encoded values to a byte buffer.
#[derive(Clone, Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Writer {
        Writer::default()
    }

    /// An empty writer with room for `bytes` bytes.
    pub fn with_capacity(bytes: usize) -> Writer {
        Writer {
            buf: Vec::with_capacity(bytes),
        }
    }

    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    /// The bytes written so far, borrowed.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Number of bytes written.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Forgets what was written (keeping the buffer).
    pub fn clear(&mut self) {
        self.buf.clear();
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Forgets what was written after the first `len` bytes.
    pub fn truncate(&mut self, len: usize) {
        self.buf.truncate(len);
    }

    /// One byte.
    pub fn u8(&mut self, b: u8) {
        self.buf.push(b);
    }

    /// Bytes as they are (no length).
    pub fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// An unsigned integer as a LEB128 varint (1 byte below 128, at most 10).
    pub fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    /// A signed integer, zigzag-mapped so small magnitudes of either sign stay short.
    pub fn zigzag(&mut self, v: i64) {
        self.varint(((v << 1) ^ (v >> 63)) as u64);
    }

    /// A `usize` as a varint.
    pub fn len_prefix(&mut self, n: usize) {
        self.varint(n as u64);
    }

    /// Bytes with their length in front.
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.len_prefix(bytes.len());
        self.raw(bytes);
    }

    /// A little-endian `u64` (8 bytes; for values that are random, where a varint would grow).
    pub fn u64_le(&mut self, v: u64) {
        self.raw(&v.to_le_bytes());
    }

    /// A little-endian `f64`.
    pub fn f64(&mut self, v: f64) {
        self.raw(&v.to_le_bytes());
    }
}

/// Reads what a [`Writer`] wrote, refusing to read past the end.
#[derive(Clone, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Reader<'a> {
        Reader { buf, pos: 0 }
    }

    /// A reader of `buf` at position `pos` (at the end if `pos` is beyond it).
    pub fn at(buf: &'a [u8], pos: usize) -> Reader<'a> {
        Reader {
            buf,
            pos: pos.min(buf.len()),
        }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when every byte was read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The position from the start, in bytes.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// An error at the current position.
    pub fn error(&self, what: &'static str) -> DecodeError {
        DecodeError::new(what, self.pos)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        let b = *self
            .buf
            .get(self.pos)
            .ok_or_else(|| self.error("unexpected end"))?;
        self.pos += 1;
        Ok(b)
    }

    /// The next byte without reading it.
    pub fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    /// `n` bytes as they are.
    pub fn raw(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(self.error("unexpected end"));
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    /// A LEB128 varint.
    pub fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                if shift == 63 && b > 1 {
                    return Err(self.error("varint overflows 64 bits"));
                }
                return Ok(v);
            }
        }
        Err(self.error("varint longer than 10 bytes"))
    }

    /// A zigzag-mapped signed integer.
    pub fn zigzag(&mut self) -> Result<i64, DecodeError> {
        let v = self.varint()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    /// A length that must fit in what is left (each counted item takes at least one byte), so a
    /// corrupt length cannot make a caller reserve a huge buffer.
    pub fn len_prefix(&mut self) -> Result<usize, DecodeError> {
        let n = self.varint()?;
        if n > self.remaining() as u64 {
            return Err(self.error("length beyond the end"));
        }
        Ok(n as usize)
    }

    /// Length-prefixed bytes.
    pub fn bytes(&mut self) -> Result<&'a [u8], DecodeError> {
        let n = self.len_prefix()?;
        self.raw(n)
    }

    /// A little-endian `u64`.
    pub fn u64_le(&mut self) -> Result<u64, DecodeError> {
        let b = self.raw(8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }

    /// A little-endian `f64`.
    pub fn f64(&mut self) -> Result<f64, DecodeError> {
        Ok(f64::from_bits(self.u64_le()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_round_trip_at_their_edges() {
        let mut w = Writer::new();
        let unsigned = [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX];
        let signed = [0, -1, 1, -64, 64, i64::MIN, i64::MAX];
        for v in unsigned {
            w.varint(v);
        }
        for v in signed {
            w.zigzag(v);
        }
        w.bytes(b"abc");
        w.f64(-0.5);
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        for v in unsigned {
            assert_eq!(r.varint().unwrap(), v);
        }
        for v in signed {
            assert_eq!(r.zigzag().unwrap(), v);
        }
        assert_eq!(r.bytes().unwrap(), b"abc");
        assert_eq!(r.f64().unwrap(), -0.5);
        assert!(r.is_empty());
        assert!(r.u8().is_err(), "reading past the end is an error");
    }

    #[test]
    fn corrupt_lengths_and_varints_are_refused() {
        let mut w = Writer::new();
        w.varint(1_000);
        w.raw(b"short");
        let bytes = w.into_bytes();
        assert!(Reader::new(&bytes).bytes().is_err());
        assert!(Reader::new(&[0xff; 11]).varint().is_err());
        assert!(
            Reader::new(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02])
                .varint()
                .is_err()
        );
    }
}
