//! Device tokens and invite codes.
//!
//! A device token is `{shop_id}.{secret}`: the shop it belongs to (so the server knows which
//! shop's coordinator to ask, without a lookup that could be stale) and a random 256-bit
//! secret as 64 hex characters. The server stores only the SHA-256 of the whole token.
//!
//! Invite codes are 60 random bits written as 12 Crockford base-32 characters
//! (`K7M2-9QXD-4RTB`): easy to read aloud, type or scan, one-time, valid for 24 hours. With
//! the server's limit on failed joins (600 an hour for the whole deployment) a guesser gets at
//! most 14,400 tries a day; with a million live codes each try hits one with probability
//! 10^6 / 2^60 ≈ 8.7 × 10^-13, so a day of guessing succeeds with probability below
//! 1.3 × 10^-8. Randomness comes from the caller.

use sha2::{Digest, Sha256};

/// How long an invite code stays valid.
pub const INVITE_TTL_MS: u64 = 24 * 60 * 60 * 1000;

/// Characters in an invite code (5 bits each), without the dashes.
pub const INVITE_CODE_CHARS: usize = 12;

/// Crockford's base-32 alphabet (no I, L, O, U).
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Longest shop id a token may carry.
const MAX_SHOP_ID_CHARS: usize = 64;

/// A device token for `shop_id` from 32 random bytes: `{shop_id}.{64 lowercase hex}`.
pub fn token_from_random(shop_id: &str, random: [u8; 32]) -> String {
    format!("{shop_id}.{}", hex::encode(random))
}

/// The shop id a token carries, if the token has a token's shape: a shop id (1 to 64
/// characters of lowercase letters, digits and `-`), a dot, and 64 hex characters.
pub fn token_shop(token: &str) -> Option<&str> {
    let (shop, secret) = token.rsplit_once('.')?;
    let shop_ok = !shop.is_empty()
        && shop.len() <= MAX_SHOP_ID_CHARS
        && shop
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let secret_ok = secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit());
    (shop_ok && secret_ok).then_some(shop)
}

/// True when `text` has the shape of a token (see [`token_shop`]).
pub fn is_token_shaped(text: &str) -> bool {
    token_shop(text).is_some()
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

/// An invite code from 8 random bytes (60 of the 64 bits are used): 12 characters shown as
/// `XXXX-XXXX-XXXX`.
pub fn invite_code_from_random(random: [u8; 8]) -> String {
    let mut bits = u64::from_be_bytes(random);
    let mut chars = [0u8; INVITE_CODE_CHARS];
    for c in chars.iter_mut().rev() {
        *c = CROCKFORD[(bits & 31) as usize];
        bits >>= 5;
    }
    grouped(&chars)
}

/// Reads an invite code as a person typed it: any case, with or without spaces and dashes,
/// `O` for `0` and `I`/`L` for `1`. Returns the canonical `XXXX-XXXX-XXXX` form.
pub fn parse_invite_code(text: &str) -> Result<String, InviteCodeError> {
    let mut chars = Vec::with_capacity(INVITE_CODE_CHARS);
    for ch in text.chars().filter(|c| !c.is_whitespace() && *c != '-') {
        let c = match ch.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !CROCKFORD.contains(&(c as u8)) {
            return Err(InviteCodeError::BadCharacter(ch));
        }
        chars.push(c as u8);
    }
    if chars.len() != INVITE_CODE_CHARS {
        return Err(InviteCodeError::Length(chars.len()));
    }
    Ok(grouped(&chars))
}

/// Code characters in groups of four joined by dashes.
fn grouped(chars: &[u8]) -> String {
    chars
        .chunks(4)
        .map(|group| String::from_utf8_lossy(group).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Why a text is not an invite code.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InviteCodeError {
    /// A character outside the code's alphabet.
    #[error("invite codes use letters and digits only; {0:?} is not one of them")]
    BadCharacter(char),
    /// Not 12 characters.
    #[error("an invite code has 12 characters, this has {0}")]
    Length(usize),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_the_shop_and_hash_differently() {
        let shop = "0190c5a0-0000-7000-8000-000000000001";
        let t = token_from_random(shop, [0xab; 32]);
        assert!(is_token_shaped(&t));
        assert_eq!(token_shop(&t), Some(shop));
        assert_eq!(t.len(), shop.len() + 1 + 64);
        assert!(!is_token_shaped("xyz"));
        assert!(!is_token_shaped(&"a".repeat(64)), "no shop");
        assert!(
            !is_token_shaped(&format!(".{}", "a".repeat(64))),
            "empty shop"
        );
        assert!(
            !is_token_shaped(&format!("SHOP.{}", "a".repeat(64))),
            "upper case shop"
        );
        assert!(!is_token_shaped(&format!(
            "{}.{}",
            "s".repeat(65),
            "a".repeat(64)
        )));
        assert!(
            !is_token_shaped(&format!("s.{}", "g".repeat(64))),
            "not hex"
        );
        assert_ne!(hash_secret(&t), t);
        assert_eq!(
            hash_secret("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn invite_codes_round_trip_through_sloppy_typing() {
        let code = invite_code_from_random([0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);
        assert_eq!(code.len(), 14);
        assert_eq!(code, "4D2P-F2DB-SQQG");
        assert_eq!(
            parse_invite_code(&code.to_lowercase().replace('-', " ")),
            Ok(code.clone())
        );
        assert_eq!(
            parse_invite_code(" oooo llll-iiii "),
            Ok("0000-1111-1111".into())
        );
        assert_eq!(
            parse_invite_code("ABCD-EFGH"),
            Err(InviteCodeError::Length(8)),
            "the old 8-character codes are too short"
        );
        assert_eq!(parse_invite_code("ABC"), Err(InviteCodeError::Length(3)));
        assert_eq!(
            parse_invite_code("ABCD-EFGH-JKM!"),
            Err(InviteCodeError::BadCharacter('!'))
        );
        assert!(
            parse_invite_code("ABCD-EFGH-JKMU").is_err(),
            "U is not in the alphabet"
        );
    }

    #[test]
    fn node_ids_differ_per_device() {
        assert_ne!(node_id("a"), node_id("b"));
        assert_eq!(node_id("a"), node_id("a"));
    }
}
