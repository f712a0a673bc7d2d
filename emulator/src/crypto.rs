//! The small cryptographic tools every emulated service shares: random ids and secrets,
//! HMAC-SHA256, constant-time comparison, and TOTP (RFC 6238) with its base32 secrets.

use crate::error::{Error, ErrorKind};
use crate::time::epoch_secs;
use hmac::{Hmac, KeyInit};
use sha2::Sha256;
use std::time::SystemTime;

/// Random alphanumeric string (`[A-Za-z0-9]`).
pub(crate) fn random_alnum(len: usize) -> String {
    random_from(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        len,
    )
}

/// Random lowercase alphanumeric string, like app client ids.
pub(crate) fn random_lower_alnum(len: usize) -> String {
    random_from(b"abcdefghijklmnopqrstuvwxyz0123456789", len)
}

/// Random upper-case letters and digits 2-7 (the base32 alphabet), like access key ids.
pub(crate) fn random_upper_alnum(len: usize) -> String {
    random_from(BASE32, len)
}

fn random_from(chars: &[u8], len: usize) -> String {
    (0..len)
        .map(|_| chars[rand::random_range(0..chars.len())] as char)
        .collect()
}

/// Whether `s` has a UUID's form, as Cognito's `sub`s do.
pub(crate) fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A random version-4 UUID.
pub(crate) fn random_uuid() -> String {
    uuid_from_bytes(rand::random())
}

/// A version-4-shaped UUID from 16 bytes (random, or a hash for a stable one).
pub(crate) fn uuid_from_bytes(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// HMAC-SHA256 keyed with `key`; the emulator's one constructor for it (SigV4, SRP, SECRET_HASH).
pub(crate) fn hmac_sha256(key: &[u8]) -> Hmac<Sha256> {
    match <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC-SHA256 takes keys of any length"),
    }
}

/// Constant-time equality of two byte strings (the length is not secret).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

// ---------------------------------------------------------------------------------------------
// TOTP (RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits)

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            out.push(BASE32[((buf >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(BASE32[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// RFC 4648 base32, case-insensitive, padding and spaces ignored.
fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in text.chars().filter(|c| *c != '=' && !c.is_whitespace()) {
        let v = BASE32
            .iter()
            .position(|&b| b as char == c.to_ascii_uppercase())? as u32;
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buf >> (bits - 8)) as u8);
            bits -= 8;
        }
        buf &= (1 << bits) - 1;
    }
    (!out.is_empty()).then_some(out)
}

/// A fresh base32 TOTP secret (20 random bytes, 32 characters), like AWS's `SecretCode`.
pub(crate) fn new_totp_secret() -> String {
    base32_encode(&rand::random::<[u8; 20]>())
}

fn hotp(key: &[u8], counter: u64) -> u32 {
    use aws_lc_rs::hmac;
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, key),
        &counter.to_be_bytes(),
    );
    let t = tag.as_ref();
    let offset = usize::from(t[t.len() - 1] & 0x0f);
    let bin = u32::from_be_bytes([
        t[offset] & 0x7f,
        t[offset + 1],
        t[offset + 2],
        t[offset + 3],
    ]);
    bin % 1_000_000
}

/// The 6-digit TOTP code (RFC 6238: HMAC-SHA-1, 30-second steps) for a base32 secret at `at`,
/// as an authenticator app shows it. The emulator accepts the code of the current step and of
/// one step either side, by its own clock.
///
/// # Errors
/// [`ErrorKind::InvalidInput`] when the secret is not base32.
pub fn totp_code(secret_base32: &str, at: SystemTime) -> Result<String, Error> {
    let key = base32_decode(secret_base32)
        .ok_or_else(|| Error::new(ErrorKind::InvalidInput, "the TOTP secret is not base32"))?;
    Ok(format!("{:06}", hotp(&key, epoch_secs(at) / 30)))
}

/// Whether `code` is the TOTP code of `secret` at `now`, a step early or a step late.
pub(crate) fn totp_matches(secret: &str, code: &str, now: SystemTime) -> bool {
    let Some(key) = base32_decode(secret) else {
        return false;
    };
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let step = epoch_secs(now) / 30;
    [step.saturating_sub(1), step, step + 1]
        .iter()
        .fold(false, |ok, &s| {
            ok | ct_eq(format!("{:06}", hotp(&key, s)).as_bytes(), code.as_bytes())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn totp_matches_rfc_6238_sha1_vectors() {
        // RFC 6238 appendix B: the key "12345678901234567890", 8 digits there; the last 6 here.
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32_decode(&secret).unwrap(), b"12345678901234567890");
        let at = |s: u64| UNIX_EPOCH + Duration::from_secs(s);
        assert_eq!(totp_code(&secret, at(59)).unwrap(), "287082");
        assert_eq!(totp_code(&secret, at(1_111_111_109)).unwrap(), "081804");
        assert_eq!(totp_code(&secret, at(2_000_000_000)).unwrap(), "279037");
        let now = at(1_111_111_109);
        assert!(totp_matches(&secret, "081804", now));
        assert!(
            totp_matches(&secret, "081804", now + Duration::from_secs(30)),
            "one step late"
        );
        assert!(
            !totp_matches(&secret, "081804", now + Duration::from_secs(61)),
            "two steps late"
        );
        assert!(!totp_matches(&secret, "81804", now));
        assert!(totp_code("not base32!", now).is_err());
    }

    #[test]
    fn random_ids_have_their_shapes() {
        let uuid = random_uuid();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        assert!(
            random_lower_alnum(26)
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
        assert!(random_upper_alnum(16).bytes().all(|b| BASE32.contains(&b)));
        assert!(ct_eq(b"abc", b"abc") && !ct_eq(b"abc", b"abd") && !ct_eq(b"abc", b"ab"));
    }
}
