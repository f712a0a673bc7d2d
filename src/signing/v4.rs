//! The SigV4 computation itself, written for speed: the canonical request is assembled in one
//! buffer straight from the request's borrowed parts (no `HeaderMap` copy, no intermediate
//! strings), headers and query parameters are sorted as borrowed pairs on the stack, digests
//! are hex-encoded into arrays, and the HMAC starts from the cached signing key's state.
//!
//! It reproduces `aws-sigv4` 1.x with the settings [`Signer`](super::Signer) used to hand it
//! (`tests/sigv4_oracle.rs` checks the two agree on random requests):
//! - path: as given (`s3`), or with every byte but `/` and the unreserved ones percent-encoded
//!   once more (`PercentEncodingMode::Double`, the dot segments already removed);
//! - query: the canonical query's `key=value` pairs (`key=` for a bare key) sorted by key, then
//!   value, with a presigned URL's `X-Amz-*` parameters among them;
//! - headers: lower-case names sorted, the values of one name joined by `,`, each trimmed of
//!   spaces with inner runs of spaces collapsed; `host` added from the URI when absent (without
//!   the scheme's default port), then in header mode `x-amz-date`, the session token and for
//!   `s3` `x-amz-content-sha256`, which are added as they are;
//! - the payload's SHA-256 in hex, always.

use std::ops::Range;
use std::time::{SystemTime, UNIX_EPOCH};

use http::HeaderMap;
use sha2::{Digest, Sha256};
use smallvec::SmallVec;

use super::canonical::{X_AMZ_CONTENT_SHA256, is_unreserved, is_unsigned, not_visible_ascii};
use super::key::HmacSha256;
use crate::error::{Error, ErrorKind, Result};

/// SHA-256 of the empty string: the payload hash of every request without a body.
const EMPTY_SHA256: &[u8; 64] = b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const HEX: &[u8; 16] = b"0123456789abcdef";
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// The request time as SigV4 writes it: `YYYYMMDDTHHMMSSZ` (UTC, seconds truncated).
#[derive(Clone, Copy, Debug)]
pub(super) struct Stamp([u8; 16]);

impl Stamp {
    /// `time` in SigV4's format; times before year 0 or after 9999 cannot be written so.
    pub(super) fn new(time: SystemTime) -> Result<Self> {
        let seconds = match time.duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_secs()).ok(),
            // Before 1970: rounded down to the whole second, as `time` does.
            Err(before) => {
                let before = before.duration();
                i64::try_from(before.as_secs())
                    .ok()
                    .map(|s| -s - i64::from(before.subsec_nanos() > 0))
            }
        };
        let out_of_range = || {
            Error::new(
                ErrorKind::Signing,
                "the signing time is outside the years 0 to 9999",
            )
        };
        let seconds = seconds.ok_or_else(out_of_range)?;
        let (days, second_of_day) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
        let (year, month, day) = civil_from_days(days);
        if !(0..=9999).contains(&year) {
            return Err(out_of_range());
        }
        let mut out = *b"00000000T000000Z";
        let mut put = |at: usize, width: usize, mut value: i64| {
            for i in (at..at + width).rev() {
                // `value` is non-negative and fits `width` digits here.
                out[i] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        put(0, 4, year);
        put(4, 2, month);
        put(6, 2, day);
        put(9, 2, second_of_day / 3600);
        put(11, 2, second_of_day / 60 % 60);
        put(13, 2, second_of_day % 60);
        Ok(Self(out))
    }

    /// `YYYYMMDDTHHMMSSZ`.
    pub(super) fn bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// `YYYYMMDD`.
    pub(super) fn date(&self) -> [u8; 8] {
        let mut date = [0u8; 8];
        date.copy_from_slice(&self.0[..8]);
        date
    }

    /// `YYYYMMDDTHHMMSSZ` as text.
    pub(super) fn as_str(&self) -> &str {
        // Only ASCII digits, `T` and `Z` are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// Howard Hinnant's `civil_from_days`: the proleptic Gregorian date `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Lower-case hex of a SHA-256 output.
pub(super) fn hex32(bytes: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = HEX[usize::from(b >> 4)];
        pair[1] = HEX[usize::from(b & 0xF)];
    }
    out
}

/// The payload hash: hex SHA-256 of the body.
pub(super) fn payload_hash(body: &[u8]) -> [u8; 64] {
    if body.is_empty() {
        *EMPTY_SHA256
    } else {
        hex32(&Sha256::digest(body).into())
    }
}

/// One header line's worth of the canonical request, borrowed from the request.
#[derive(Clone, Copy)]
pub(super) struct HeaderEntry<'a> {
    pub(super) name: &'a str,
    pub(super) value: &'a str,
    /// A request header's value is trimmed as `aws-sigv4` normalizes it; the values the signer
    /// adds (host, date, token, content hash) are signed as they are.
    pub(super) trim: bool,
}

impl<'a> HeaderEntry<'a> {
    pub(super) fn added(name: &'a str, value: &'a str) -> Self {
        Self {
            name,
            value,
            trim: false,
        }
    }
}

/// Header entries; most requests have fewer than 16, which then stay on the stack.
pub(super) type HeaderEntries<'a> = SmallVec<[HeaderEntry<'a>; 16]>;

/// The request's signed headers into `out`, refusing any value that is not visible ASCII
/// (what would be signed could differ from what is sent). Returns whether a `host` header is
/// among them. `presign` leaves out what a presigned URL does not sign; `drop_content_sha256`
/// leaves out the request's own `x-amz-content-sha256` (the signer adds the real one).
pub(super) fn collect_headers<'a>(
    headers: &'a HeaderMap,
    presign: bool,
    drop_content_sha256: bool,
    out: &mut HeaderEntries<'a>,
) -> Result<bool> {
    let mut has_host = false;
    for (name, value) in headers {
        let value = value.to_str().map_err(|_| not_visible_ascii(name))?;
        let name = name.as_str();
        has_host |= name == "host";
        if is_unsigned(name, presign) || (drop_content_sha256 && name == X_AMZ_CONTENT_SHA256) {
            continue;
        }
        out.push(HeaderEntry {
            name,
            value,
            trim: true,
        });
    }
    Ok(has_host)
}

/// Sorts header entries by name, keeping each name's values in request order.
pub(super) fn sort_headers(entries: &mut HeaderEntries<'_>) {
    // Stable: a name's values must stay in the order they were sent.
    entries.sort_by(|a, b| a.name.cmp(b.name));
}

/// Appends the signed header names (`a;b;c`) of sorted entries, joined by `separator`.
pub(super) fn push_signed_headers(out: &mut Vec<u8>, entries: &[HeaderEntry<'_>], sep: &[u8]) {
    let mut previous: Option<&str> = None;
    for entry in entries {
        if previous == Some(entry.name) {
            continue;
        }
        if previous.is_some() {
            out.extend_from_slice(sep);
        }
        out.extend_from_slice(entry.name.as_bytes());
        previous = Some(entry.name);
    }
}

/// The parts of a canonical request.
pub(super) struct CanonicalRequest<'a> {
    pub(super) method: &'a str,
    /// Dot segments already removed when `double_encode`.
    pub(super) path: &'a str,
    pub(super) double_encode: bool,
    /// In canonical form (`canonical::canonical_query`).
    pub(super) query: &'a str,
    /// Already-encoded parameters signed with the query (a presigned URL's `X-Amz-*`).
    pub(super) extra_params: &'a [(&'a str, &'a str)],
    /// Sorted by name ([`sort_headers`]).
    pub(super) headers: &'a [HeaderEntry<'a>],
    pub(super) payload_hash: &'a [u8; 64],
}

impl CanonicalRequest<'_> {
    /// Writes the canonical request into `out` (cleared first); returns where its signed
    /// headers list (`a;b;c`) is, for the `Authorization` header.
    pub(super) fn write(&self, out: &mut Vec<u8>) -> Range<usize> {
        self.write_inner(out, false)
    }

    /// The canonical request as `aws-sigv4` logged it at TRACE: the values of its sensitive
    /// headers (the session token's among them) replaced by their length. For `call -v`.
    pub(super) fn redacted(&self) -> String {
        let mut out = Vec::new();
        self.write_inner(&mut out, true);
        String::from_utf8_lossy(&out).into_owned()
    }

    fn write_inner(&self, out: &mut Vec<u8>, redact: bool) -> Range<usize> {
        out.clear();
        out.reserve(self.len_hint());
        out.extend_from_slice(self.method.as_bytes());
        out.push(b'\n');
        if self.double_encode {
            for &b in self.path.as_bytes() {
                if is_unreserved(b) || b == b'/' {
                    out.push(b);
                } else {
                    out.extend_from_slice(&[
                        b'%',
                        HEX_UPPER[usize::from(b >> 4)],
                        HEX_UPPER[usize::from(b & 0xF)],
                    ]);
                }
            }
        } else {
            out.extend_from_slice(self.path.as_bytes());
        }
        out.push(b'\n');
        self.write_query(out);
        out.push(b'\n');
        self.write_headers(out, redact);
        out.push(b'\n');
        let start = out.len();
        push_signed_headers(out, self.headers, b";");
        let signed = start..out.len();
        out.push(b'\n');
        out.extend_from_slice(self.payload_hash);
        signed
    }

    fn len_hint(&self) -> usize {
        let headers: usize = self
            .headers
            .iter()
            .map(|h| 2 * h.name.len() + h.value.len() + 3)
            .sum();
        let extra: usize = self
            .extra_params
            .iter()
            .map(|(k, v)| k.len() + v.len() + 2)
            .sum();
        self.method.len() + 3 * self.path.len() + self.query.len() + extra + headers + 80
    }

    fn write_query(&self, out: &mut Vec<u8>) {
        let mut pairs: SmallVec<[(&str, &str); 16]> = self
            .query
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|s| s.split_once('=').unwrap_or((s, "")))
            .chain(self.extra_params.iter().copied())
            .collect();
        // Sorted as `aws-sigv4` sorts its (encoded key, encoded value) pairs; the canonical
        // query's components are already in that encoding.
        pairs.sort_unstable();
        for (i, (key, value)) in pairs.iter().enumerate() {
            if i > 0 {
                out.push(b'&');
            }
            out.extend_from_slice(key.as_bytes());
            out.push(b'=');
            out.extend_from_slice(value.as_bytes());
        }
    }

    fn write_headers(&self, out: &mut Vec<u8>, redact: bool) {
        let mut i = 0;
        while i < self.headers.len() {
            let name = self.headers[i].name;
            let end = i + self.headers[i..]
                .iter()
                .take_while(|h| h.name == name)
                .count();
            out.extend_from_slice(name.as_bytes());
            out.push(b':');
            let hidden = redact && REDACTED_IN_LOGS.contains(&name);
            let start = out.len();
            for (k, entry) in self.headers[i..end].iter().enumerate() {
                if k > 0 && !hidden {
                    out.push(b',');
                }
                if entry.trim {
                    super::canonical::push_trimmed(out, entry.value);
                } else {
                    out.extend_from_slice(entry.value.as_bytes());
                }
            }
            if hidden {
                let len = out.len() - start;
                out.truncate(start);
                out.extend_from_slice(format!("** redacted (length={len}) **").as_bytes());
            }
            out.push(b'\n');
            i = end;
        }
    }
}

/// Headers whose values the logged canonical request hides (`aws-sigv4`'s list).
const REDACTED_IN_LOGS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "x-amz-security-token",
    "cookie",
    "set-cookie",
    "x-amz-server-side-encryption-customer-key",
    "x-amz-server-side-encryption-customer-key-md5",
    "x-amz-copy-source-server-side-encryption-customer-key",
    "x-amz-copy-source-server-side-encryption-customer-key-md5",
];

/// The signature (lower-case hex) of a canonical request: HMAC, with the signing key already
/// in `mac`, of the string to sign.
pub(super) fn signature(
    mut mac: HmacSha256,
    stamp: &Stamp,
    region: &str,
    service: &str,
    canonical_request: &[u8],
) -> [u8; 64] {
    use hmac::Mac;
    let hashed = hex32(&Sha256::digest(canonical_request).into());
    mac.update(b"AWS4-HMAC-SHA256\n");
    mac.update(stamp.bytes());
    mac.update(b"\n");
    mac.update(&stamp.date());
    mac.update(b"/");
    mac.update(region.as_bytes());
    mac.update(b"/");
    mac.update(service.as_bytes());
    mac.update(b"/aws4_request\n");
    mac.update(&hashed);
    hex32(&mac.finalize().into_bytes().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn stamp(seconds: i64) -> String {
        let time = if seconds >= 0 {
            UNIX_EPOCH + Duration::from_secs(seconds.unsigned_abs())
        } else {
            UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
        };
        Stamp::new(time).unwrap().as_str().to_owned()
    }

    #[test]
    fn stamps_match_the_calendar() {
        assert_eq!(stamp(0), "19700101T000000Z");
        assert_eq!(stamp(1_768_480_496), "20260115T123456Z");
        assert_eq!(stamp(951_782_400), "20000229T000000Z");
        assert_eq!(stamp(4_107_542_399), "21000228T235959Z");
        assert_eq!(stamp(4_107_542_400), "21000301T000000Z");
        assert_eq!(stamp(-1), "19691231T235959Z");
        assert_eq!(stamp(253_402_300_799), "99991231T235959Z");
        let far = UNIX_EPOCH + Duration::from_secs(253_402_300_800);
        assert_eq!(Stamp::new(far).unwrap_err().kind(), ErrorKind::Signing);
        let before = UNIX_EPOCH - Duration::from_millis(500);
        assert_eq!(Stamp::new(before).unwrap().as_str(), "19691231T235959Z");
    }

    #[test]
    fn empty_payload_hash_is_sha256_of_nothing() {
        assert_eq!(&hex32(&Sha256::digest(b"").into()), EMPTY_SHA256);
    }
}
