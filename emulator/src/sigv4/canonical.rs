//! The canonical request, rebuilt from what was received, and the signing key.

use crate::crypto::hmac_sha256;
use hmac::Mac;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Everything but the RFC 3986 unreserved characters is percent-encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// The same, keeping `/` (path segments).
const UNRESERVED_AND_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');
pub(crate) const TERMINATOR: &str = "aws4_request";

fn hmac_bytes(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = hmac_sha256(key);
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request").
pub(crate) fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac_bytes(format!("AWS4{secret}").as_bytes(), date);
    let k_region = hmac_bytes(&k_date, region);
    let k_service = hmac_bytes(&k_region, service);
    hmac_bytes(&k_service, TERMINATOR)
}

/// The query's `key=value` pairs, percent-decoded (a `+` stays a plus).
pub(crate) fn parse_query(raw: &str) -> Vec<(String, String)> {
    raw.split('&')
        .filter(|s| !s.is_empty())
        .map(|seg| {
            let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn decode_bytes(s: &str) -> Vec<u8> {
    percent_decode_str(s).collect()
}

fn encode_bytes(bytes: &[u8]) -> String {
    percent_encoding::percent_encode(bytes, UNRESERVED).to_string()
}

/// How a raw `+` in the query is read when rebuilding the canonical query.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PlusReading {
    /// A literal plus, signed as `%2B` (RFC 3986; aws-sigv4 and most SDKs).
    Plus,
    /// A space, signed as `%20` (HTML form decoding).
    Space,
}

/// The canonical query (or, when a raw `+` makes it ambiguous, each reading of it).
pub(crate) fn canonical_query_candidates(raw: &str, presigned: bool) -> Vec<String> {
    let mut out = vec![canonical_query(raw, presigned, PlusReading::Plus)];
    if raw.contains('+') {
        out.push(canonical_query(raw, presigned, PlusReading::Space));
        out.push(canonical_query_as_sent(raw, presigned));
    }
    out
}

fn canonical_query(raw: &str, presigned: bool, plus: PlusReading) -> String {
    let mut pairs: Vec<(String, String)> = raw
        .split('&')
        .filter(|s| !s.is_empty())
        .filter_map(|seg| {
            let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
            let reencode = |part: &str| {
                let part = if plus == PlusReading::Space {
                    part.replace('+', "%20")
                } else {
                    part.to_owned()
                };
                encode_bytes(&decode_bytes(&part))
            };
            let key = reencode(k);
            (!(presigned && key == "X-Amz-Signature")).then(|| (key, reencode(v)))
        })
        .collect();
    pairs.sort();
    join_pairs(&pairs)
}

/// botocore signs a query given in the URL as it is, only sorted.
fn canonical_query_as_sent(raw: &str, presigned: bool) -> String {
    let mut pairs: Vec<(String, String)> = raw
        .split('&')
        .filter(|s| !s.is_empty())
        .filter_map(|seg| {
            let (k, v) = seg.split_once('=').unwrap_or((seg, ""));
            (!(presigned && decode(k) == "X-Amz-Signature")).then(|| (k.to_owned(), v.to_owned()))
        })
        .collect();
    pairs.sort();
    join_pairs(&pairs)
}

fn join_pairs(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// The canonical URI: dot and empty segments removed, then every byte but the unreserved
/// characters and `/` percent-encoded (again: the raw path is already encoded once).
pub(crate) fn canonical_path(raw: &str) -> String {
    let normalized = remove_dot_segments(raw);
    utf8_percent_encode(&normalized, UNRESERVED_AND_SLASH).to_string()
}

/// RFC 3986 §5.2.4 as AWS applies it (and botocore's `remove_dot_segments`): `.` and empty
/// segments dropped, `..` removes the previous segment, a trailing `/` kept only when a
/// segment remains and the path ended with `/`.
fn remove_dot_segments(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut result = String::with_capacity(path.len());
    if path.starts_with('/') {
        result.push('/');
    }
    result.push_str(&out.join("/"));
    if path.ends_with('/') && !out.is_empty() {
        result.push('/');
    }
    result
}

/// The canonical headers block (each `name:value\n`), or `None` when a signed header is absent.
pub(crate) fn canonical_headers(headers: &http::HeaderMap, signed: &[String]) -> Option<String> {
    let mut names: Vec<&String> = signed.iter().collect();
    names.sort();
    names.dedup();
    let mut out = String::new();
    for name in names {
        let mut values = headers.get_all(name.as_str()).iter().peekable();
        values.peek()?;
        out.push_str(name);
        out.push(':');
        for (i, value) in values.enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&trim_all(&String::from_utf8_lossy(value.as_bytes())));
        }
        out.push('\n');
    }
    Some(out)
}

/// Trims and collapses inner runs of whitespace to one space (SigV4's `Trimall`).
fn trim_all(value: &str) -> String {
    value.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::{HeaderMap, HeaderValue};

    #[test]
    fn path_normalization_matches_botocore() {
        assert_eq!(canonical_path("/prod/a%20b"), "/prod/a%2520b");
        assert_eq!(canonical_path("/prod/a/./b/../c"), "/prod/a/c");
        assert_eq!(canonical_path("/prod/a/b/."), "/prod/a/b");
        assert_eq!(canonical_path("/prod//a//b"), "/prod/a/b");
        assert_eq!(canonical_path("/prod/pets/"), "/prod/pets/");
        assert_eq!(canonical_path("/"), "/");
        assert_eq!(canonical_path(""), "/");
        assert_eq!(
            canonical_path("/prod/user@x/~y/a+b"),
            "/prod/user%40x/~y/a%2Bb"
        );
    }

    #[test]
    fn query_is_decoded_reencoded_and_sorted() {
        assert_eq!(
            canonical_query("q=a%2Fb", false, PlusReading::Plus),
            "q=a%2Fb"
        );
        assert_eq!(
            canonical_query("q=a%2fb&%61=%7E", false, PlusReading::Plus),
            "a=~&q=a%2Fb"
        );
        assert_eq!(
            canonical_query("b=2&&a=1&flag&k=b&k=a", false, PlusReading::Plus),
            "a=1&b=2&flag=&k=a&k=b"
        );
        assert_eq!(
            canonical_query("q=a+b", false, PlusReading::Plus),
            "q=a%2Bb"
        );
        assert_eq!(
            canonical_query("q=a+b", false, PlusReading::Space),
            "q=a%20b"
        );
        assert_eq!(
            canonical_query("X-Amz-Signature=abc&a=1", true, PlusReading::Plus),
            "a=1"
        );
        assert_eq!(canonical_query_candidates("q=a+b", false).len(), 3);
        assert_eq!(canonical_query_candidates("q=a%2Bb", false).len(), 1);
    }

    #[test]
    fn header_values_are_trimmed_and_joined() {
        let mut h = HeaderMap::new();
        h.append("x-multi", HeaderValue::from_static("  one   two "));
        h.append("x-multi", HeaderValue::from_static("three"));
        h.insert("host", HeaderValue::from_static("h"));
        let out = canonical_headers(&h, &["x-multi".into(), "host".into()]).unwrap();
        assert_eq!(out, "host:h\nx-multi:one two,three\n");
        assert_eq!(canonical_headers(&h, &["x-absent".into()]), None);
    }
}
