//! Device tokens and invite codes.
//!
//! Tokens are random 256-bit secrets; the server stores only their SHA-256. Invite codes are
//! 40 random bits written as 8 Crockford base-32 characters (`K7M2-9QXD`): short enough to
//! read aloud, one-time, and valid for 24 hours. Randomness comes from the caller.

use sha2::{Digest, Sha256};

/// How long an invite code stays valid.
pub const INVITE_TTL_MS: u64 = 24 * 60 * 60 * 1000;

/// Crockford's base-32 alphabet (no I, L, O, U).
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A device token from 32 random bytes, as 64 lowercase hex characters.
pub fn token_from_random(random: [u8; 32]) -> String {
    hex::encode(random)
}

/// True when `text` has the shape of a token (64 hex characters).
pub fn is_token_shaped(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The SHA-256 of a secret, as hex: what the server stores instead of the secret.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// A node id for a device's hybrid logical clock, derived from its device id.
pub fn node_id(device_id: &str) -> u64 {
    let d = Sha256::digest(device_id.as_bytes());
    u64::from_be_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
}

/// An invite code from 5 random bytes: 8 characters shown as `XXXX-XXXX`.
pub fn invite_code_from_random(random: [u8; 5]) -> String {
    let mut bits: u64 = random.iter().fold(0, |acc, b| (acc << 8) | u64::from(*b));
    let mut chars = [0u8; 8];
    for c in chars.iter_mut().rev() {
        *c = CROCKFORD[(bits & 31) as usize];
        bits >>= 5;
    }
    let s = String::from_utf8_lossy(&chars).into_owned();
    format!("{}-{}", &s[..4], &s[4..])
}

/// Reads an invite code as a person typed it: any case, with or without spaces and dashes,
/// `O` for `0` and `I`/`L` for `1`. Returns the canonical `XXXX-XXXX` form.
pub fn parse_invite_code(text: &str) -> Result<String, InviteCodeError> {
    let mut out = String::with_capacity(9);
    for ch in text.chars().filter(|c| !c.is_whitespace() && *c != '-') {
        let c = match ch.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !CROCKFORD.contains(&(c as u8)) {
            return Err(InviteCodeError::BadCharacter(ch));
        }
        out.push(c);
    }
    if out.len() != 8 {
        return Err(InviteCodeError::Length(out.len()));
    }
    out.insert(4, '-');
    Ok(out)
}

/// Why a text is not an invite code.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InviteCodeError {
    /// A character outside the code's alphabet.
    #[error("invite codes use letters and digits only; {0:?} is not one of them")]
    BadCharacter(char),
    /// Not 8 characters.
    #[error("an invite code has 8 characters, this has {0}")]
    Length(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_64_hex_and_hash_differently() {
        let t = token_from_random([0xab; 32]);
        assert!(is_token_shaped(&t));
        assert!(!is_token_shaped("xyz"));
        assert_ne!(hash_secret(&t), t);
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn invite_codes_round_trip_through_sloppy_typing() {
        let code = invite_code_from_random([0x12, 0x34, 0x56, 0x78, 0x9a]);
        assert_eq!(code.len(), 9);
        assert_eq!(
            parse_invite_code(&code.to_lowercase().replace('-', " ")),
            Ok(code.clone())
        );
        assert_eq!(parse_invite_code("oooo-llll"), Ok("0000-1111".into()));
        assert_eq!(parse_invite_code("ABC"), Err(InviteCodeError::Length(3)));
        assert_eq!(
            parse_invite_code("ABCD-EFG!"),
            Err(InviteCodeError::BadCharacter('!'))
        );
        assert!(
            parse_invite_code("ABCD-EFGU").is_err(),
            "U is not in the alphabet"
        );
    }

    #[test]
    fn node_ids_differ_per_device() {
        assert_ne!(node_id("a"), node_id("b"));
        assert_eq!(node_id("a"), node_id("a"));
    }
}
