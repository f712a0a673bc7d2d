//! The day's signing key, derived once and kept.
//!
//! SigV4's key is `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
//! "aws4_request")`: four HMACs, sixteen SHA-256 blocks, about as much work as hashing a
//! 1 KiB canonical request, for a value that changes once a day. A [`KeyCache`] keeps the last
//! one, already loaded into an HMAC (the key's inner and outer blocks hashed), so a signature
//! costs only the HMAC of the string to sign.
//!
//! What is kept is key material: the HMAC state of the derived key (scoped to one date, region
//! and service) and a SHA-256 fingerprint of the secret, to tell whether the next caller's
//! secret is the same. Never the secret itself. Both are overwritten with zeros when the entry
//! is dropped (sha2's `zeroize` feature clears the HMAC's hash states), and neither is in any
//! `Debug` output.
//!
//! The cache also keeps the last session token as the (sensitive) header value it is sent as:
//! checking a 900-character token and copying it into a new `HeaderValue` on every request
//! costs more than a tenth of a signature. It is the value every signed request carries anyway,
//! and like those it is not zeroized.

use std::sync::Arc;

use arc_swap::ArcSwapOption;
use hmac::{Hmac, KeyInit, Mac};
use http::HeaderValue;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

/// HMAC-SHA256, as SigV4 uses it.
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// The last signing key a [`Signer`](super::Signer) derived, shared by its clones. Lock-free:
/// a hit is one atomic load and a copy of the HMAC state; a miss derives the key and replaces
/// the entry (two threads missing at once both derive it, and either result is right).
pub(super) struct KeyCache {
    slot: ArcSwapOption<Entry>,
    token: ArcSwapOption<HeaderValue>,
}

struct Entry {
    /// SHA-256 of the secret access key.
    fingerprint: [u8; 32],
    /// `YYYYMMDD`, the key's date.
    date: [u8; 8],
    /// Keyed with the signing key for `date` (and the cache's signer's region and service).
    mac: HmacSha256,
}

impl Drop for Entry {
    fn drop(&mut self) {
        self.fingerprint.zeroize();
        // `mac`'s own drop clears its hash states (sha2's `zeroize` feature).
    }
}

impl KeyCache {
    pub(super) fn new() -> Self {
        Self {
            slot: ArcSwapOption::empty(),
            token: ArcSwapOption::empty(),
        }
    }

    /// `token` as a sensitive header value, or `None` when it is not a valid one.
    pub(super) fn token_header(&self, token: &str) -> Option<HeaderValue> {
        if let Some(cached) = &*self.token.load()
            && cached.as_bytes() == token.as_bytes()
        {
            return Some(HeaderValue::clone(cached));
        }
        let mut value = HeaderValue::from_str(token).ok()?;
        value.set_sensitive(true);
        self.token.store(Some(Arc::new(value.clone())));
        Some(value)
    }

    /// An HMAC keyed with the signing key for `secret` on `date` (`YYYYMMDD`) in `region` and
    /// `service`, which must be the same on every call (they are the signer's).
    pub(super) fn mac(
        &self,
        secret: &str,
        date: &[u8; 8],
        region: &str,
        service: &str,
    ) -> HmacSha256 {
        let fingerprint = Zeroizing::new(<[u8; 32]>::from(Sha256::digest(secret.as_bytes())));
        if let Some(entry) = &*self.slot.load()
            && entry.date == *date
            && ct_eq(&entry.fingerprint, &fingerprint)
        {
            return entry.mac.clone();
        }
        let mac = derive(secret, date, region, service);
        self.slot.store(Some(Arc::new(Entry {
            fingerprint: *fingerprint,
            date: *date,
            mac: mac.clone(),
        })));
        mac
    }
}

/// Compares two fingerprints in time independent of where they differ.
fn ct_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The signing key for `secret` on `date` in `region`/`service`, loaded into an HMAC.
pub(super) fn derive(secret: &str, date: &[u8; 8], region: &str, service: &str) -> HmacSha256 {
    let mut prefixed = Zeroizing::new(Vec::with_capacity(4 + secret.len()));
    prefixed.extend_from_slice(b"AWS4");
    prefixed.extend_from_slice(secret.as_bytes());
    let mut key = hmac(&prefixed, date);
    for part in [region.as_bytes(), service.as_bytes(), b"aws4_request"] {
        let next = hmac(&key[..], part);
        key = next;
    }
    keyed(&key[..])
}

fn hmac(key: &[u8], data: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut mac = keyed(key);
    mac.update(data);
    Zeroizing::new(mac.finalize().into_bytes().into())
}

/// An HMAC-SHA256 keyed with `key`.
pub(crate) fn keyed(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    match <HmacSha256 as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable_hmac_key(),
    }
}

#[cold]
fn unreachable_hmac_key() -> ! {
    // HMAC-SHA256 takes a key of any length; a failure here is a bug in the hmac crate.
    unreachable!("HMAC-SHA256 rejected a key")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(mac: HmacSha256) -> String {
        hex::encode(mac.chain_update(b"msg").finalize().into_bytes())
    }

    #[test]
    fn the_cache_answers_what_a_fresh_derivation_does_and_tells_secrets_and_days_apart() {
        let cache = KeyCache::new();
        let fresh = |secret, date| tag(derive(secret, date, "us-east-1", "execute-api"));
        let cached = |secret, date| tag(cache.mac(secret, date, "us-east-1", "execute-api"));
        for (secret, date) in [
            ("s1", b"20260115"),
            ("s1", b"20260115"),
            ("s2", b"20260115"),
            ("s1", b"20260116"),
            ("s1", b"20260116"),
        ] {
            assert_eq!(cached(secret, date), fresh(secret, date));
        }
        assert_ne!(fresh("s1", b"20260115"), fresh("s2", b"20260115"));
        assert_ne!(fresh("s1", b"20260115"), fresh("s1", b"20260116"));
    }

    #[test]
    fn the_token_header_follows_the_token_and_refuses_invalid_ones() {
        let cache = KeyCache::new();
        for token in ["t1", "t1", "t2", "t1"] {
            let value = cache.token_header(token).unwrap();
            assert_eq!(value.as_bytes(), token.as_bytes());
            assert!(value.is_sensitive());
        }
        assert!(cache.token_header("bad\ntoken").is_none());
        assert_eq!(cache.token_header("t1").unwrap(), "t1");
    }

    #[test]
    fn aws_documented_signing_key() {
        // AWS's SigV4 documentation example: secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
        // 20150830, us-east-1, iam.
        let mut key = derive(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            b"20150830",
            "us-east-1",
            "iam",
        );
        // Recover the key itself: HMAC(key, m) for a known m is enough to compare with a
        // reference HMAC keyed with the documented key.
        key.update(b"m");
        let documented =
            hex::decode("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9")
                .unwrap();
        let mut reference = keyed(&documented);
        reference.update(b"m");
        assert_eq!(
            key.finalize().into_bytes(),
            reference.finalize().into_bytes()
        );
    }
}
