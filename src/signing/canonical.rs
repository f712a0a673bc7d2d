//! What a request looks like to SigV4 before any hashing: the canonical query the request is
//! rewritten to, botocore's dot-segment removal, header values as AWS reads them, and the rules
//! for which headers are signed. Shared by the fast signer and the `aws-sigv4` oracle.

use std::borrow::Cow;

use http::{HeaderMap, HeaderName, Uri};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};

use super::signing_error;
use crate::error::{Error, ErrorKind, Result};

/// Everything but RFC 3986's unreserved characters is percent-encoded in a canonical query.
/// The same set as `aws-smithy-http`'s `BASE_SET`, which `aws-sigv4` encodes query parameters
/// with (and, less `/`, the path in double-encoding mode).
pub(crate) const QUERY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Headers botocore never signs (its `SIGNED_HEADERS_BLACKLIST`), plus `authorization`, which
/// the signature itself replaces.
pub(super) const UNSIGNED_HEADERS: &[&str] = &[
    "authorization",
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "x-amzn-trace-id",
];

/// Headers `aws-sigv4` leaves out of a presigned URL's signature on top of the above.
pub(super) const UNSIGNED_WHEN_PRESIGNING: &[&str] = &["x-amz-user-agent", "x-amz-checksum-mode"];

pub(super) const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";
pub(super) const X_AMZ_DATE: &str = "x-amz-date";
pub(super) const X_AMZ_CONTENT_SHA256: &str = "x-amz-content-sha256";
// The same as header names, made at compile time rather than parsed on every request.
pub(super) const X_AMZ_SECURITY_TOKEN_NAME: HeaderName =
    HeaderName::from_static(X_AMZ_SECURITY_TOKEN);
pub(super) const X_AMZ_DATE_NAME: HeaderName = HeaderName::from_static(X_AMZ_DATE);
pub(super) const X_AMZ_CONTENT_SHA256_NAME: HeaderName =
    HeaderName::from_static(X_AMZ_CONTENT_SHA256);

/// Whether a header is left out of the signature (`presign`: of a presigned URL's).
pub(super) fn is_unsigned(name: &str, presign: bool) -> bool {
    UNSIGNED_HEADERS.contains(&name) || (presign && UNSIGNED_WHEN_PRESIGNING.contains(&name))
}

/// RFC 3986's unreserved characters: the bytes SigV4 never percent-encodes.
#[inline]
pub(super) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

/// The parts of an absolute request URI that signing needs, with the query in canonical form.
/// Borrowed from the URI: only a query that is not already canonical is copied.
pub(super) struct SigningTarget<'a> {
    pub(super) uri: &'a Uri,
    pub(super) scheme: &'a str,
    pub(super) authority: &'a str,
    pub(super) path: &'a str,
    pub(super) query: Cow<'a, str>,
}

impl<'a> SigningTarget<'a> {
    pub(super) fn from_uri(uri: &'a Uri) -> Result<Self> {
        let (Some(scheme), Some(authority)) = (uri.scheme_str(), uri.authority()) else {
            return Err(Error::new(
                ErrorKind::Signing,
                "the request URI must be absolute (scheme and host)",
            ));
        };
        if authority.as_str().contains('@') {
            // aws-sigv4 would sign the user-info as part of the host; nobody sends it that way.
            return Err(Error::new(
                ErrorKind::Signing,
                "the request URI must not carry user info",
            ));
        }
        let query = match uri.query() {
            Some(raw) => canonical_query(raw)?,
            None => Cow::Borrowed(""),
        };
        let path = if uri.path().is_empty() {
            "/"
        } else {
            uri.path()
        };
        Ok(Self {
            uri,
            scheme,
            authority: authority.as_str(),
            path,
            query,
        })
    }

    /// Whether the query had to be rewritten (`canonical_query` borrows when it is unchanged).
    pub(super) fn query_rewritten(&self) -> bool {
        matches!(self.query, Cow::Owned(_))
    }

    /// The URI to send: original path, canonical query.
    pub(super) fn wire_uri(&self) -> Result<Uri> {
        let path_and_query = if self.query.is_empty() {
            self.path.to_owned()
        } else {
            format!("{}?{}", self.path, self.query)
        };
        Uri::builder()
            .scheme(self.scheme)
            .authority(self.authority)
            .path_and_query(path_and_query)
            .build()
            .map_err(|e| signing_error("the canonical request URI is invalid", e))
    }

    /// The URI handed to aws-sigv4: path normalized as botocore does (unless `s3`).
    #[cfg(feature = "test-internals")]
    pub(super) fn signable_uri(&self, normalize_path: bool) -> String {
        let path = if normalize_path {
            remove_dot_segments(self.path)
        } else {
            Cow::Borrowed(self.path)
        };
        let mut s = format!("{}://{}{}", self.scheme, self.authority, path);
        if !self.query.is_empty() {
            s.push('?');
            s.push_str(&self.query);
        }
        s
    }

    /// The `host` value `aws-sigv4` signs when the request has no `Host` header: the host alone
    /// when the URI names the scheme's default port, else the whole authority.
    pub(super) fn host(&self) -> &'a str {
        // aws-sigv4 compares the port's text: `:080` is not the default port.
        let default_port = match (self.uri.scheme_str(), self.uri.port()) {
            (Some(scheme), Some(port)) => {
                matches!((scheme, port.as_str()), ("http", "80") | ("https", "443"))
            }
            _ => false,
        };
        match self.uri.host() {
            Some(host) if default_port => host,
            _ => self.authority,
        }
    }
}

/// Header values as AWS's servers will see them. HTTP strips leading and trailing whitespace,
/// tabs included, from field values (RFC 9110, section 5.5), and botocore signs every run of
/// whitespace as one space; `aws-sigv4` does both for spaces only. So a value holding a tab
/// is rewritten on the request itself (whitespace runs to one space, trimmed): what is sent,
/// what is signed and what AWS checks are then the same. Found by the `canonical_query` fuzz
/// target; values without a tab are left alone.
pub(super) fn normalize_tabs(headers: &mut HeaderMap) {
    for value in headers.values_mut() {
        if !value.as_bytes().contains(&b'\t') {
            continue;
        }
        let Ok(text) = value.to_str() else { continue };
        let normalized = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Ok(mut new) = http::HeaderValue::from_str(&normalized) {
            new.set_sensitive(value.is_sensitive());
            *value = new;
        }
    }
}

/// `headers` with a tab in any value normalized as [`normalize_tabs`] does, copied only then.
pub(super) fn tabs_normalized(headers: &HeaderMap) -> Cow<'_, HeaderMap> {
    if headers.values().any(|v| v.as_bytes().contains(&b'\t')) {
        let mut copy = headers.clone();
        normalize_tabs(&mut copy);
        Cow::Owned(copy)
    } else {
        Cow::Borrowed(headers)
    }
}

/// The error for a header value that is not visible ASCII (what would be signed could differ
/// from what is sent).
pub(super) fn not_visible_ascii(name: &http::HeaderName) -> Error {
    Error::new(
        ErrorKind::Signing,
        format!("header `{name}` has a value that is not visible ASCII"),
    )
}

/// The request's headers as `&str` pairs, refusing values that are not visible ASCII.
#[cfg(feature = "test-internals")]
pub(super) fn header_pairs(headers: &HeaderMap) -> Result<Vec<(&str, &str)>> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = value.to_str().map_err(|_| not_visible_ascii(name))?;
            Ok((name.as_str(), value))
        })
        .collect()
}

/// Appends a header value as `aws-sigv4` signs it: leading and trailing spaces trimmed, each
/// inner run of spaces as one (spaces only; tabs were normalized before).
pub(super) fn push_trimmed(out: &mut Vec<u8>, value: &str) {
    let value = value.trim_matches(' ').as_bytes();
    let mut previous_space = false;
    for &b in value {
        let space = b == b' ';
        if !(space && previous_space) {
            out.push(b);
        }
        previous_space = space;
    }
}

/// Rewrites a raw query into canonical form (see the module docs). Borrowed when unchanged.
///
/// A query already in canonical form, the usual case, is recognised in one pass without
/// allocating; anything else goes through [`canonical_query_reference`].
pub(crate) fn canonical_query(raw: &str) -> Result<Cow<'_, str>> {
    if is_canonical_query(raw) {
        Ok(Cow::Borrowed(raw))
    } else {
        canonical_query_reference(raw)
    }
}

/// Whether `canonical_query_reference` would return `raw` unchanged, for the queries that can
/// be told without decoding: non-empty `&`-separated segments, at most one `=` each, every
/// other byte unreserved or an upper-case `%XX` of an ASCII byte that must stay encoded. An
/// escape of a non-ASCII byte answers `false` (its UTF-8 check needs the decoded bytes).
pub(super) fn is_canonical_query(raw: &str) -> bool {
    if raw.is_empty() {
        return true;
    }
    let upper_hex = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    raw.split('&').all(|segment| {
        let bytes = segment.as_bytes();
        if bytes.is_empty() {
            return false;
        }
        let mut seen_equals = false;
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b if is_unreserved(b) => i += 1,
                b'=' if !seen_equals => {
                    seen_equals = true;
                    i += 1;
                }
                b'%' => {
                    let decoded = match (bytes.get(i + 1), bytes.get(i + 2)) {
                        (Some(&h), Some(&l)) => match (upper_hex(h), upper_hex(l)) {
                            (Some(h), Some(l)) => h * 16 + l,
                            _ => return false,
                        },
                        _ => return false,
                    };
                    if decoded >= 0x80 || is_unreserved(decoded) {
                        return false;
                    }
                    i += 3;
                }
                _ => return false,
            }
        }
        true
    })
}

/// The canonical query by decoding and re-encoding every component (the specification of
/// [`canonical_query`]). Borrowed when unchanged.
pub(crate) fn canonical_query_reference(raw: &str) -> Result<Cow<'_, str>> {
    let mut out = String::with_capacity(raw.len());
    for segment in raw.split('&').filter(|s| !s.is_empty()) {
        if !out.is_empty() {
            out.push('&');
        }
        match segment.split_once('=') {
            Some((key, value)) => {
                push_canonical_component(&mut out, key)?;
                out.push('=');
                push_canonical_component(&mut out, value)?;
            }
            None => push_canonical_component(&mut out, segment)?,
        }
    }
    if out == raw {
        Ok(Cow::Borrowed(raw))
    } else {
        Ok(Cow::Owned(out))
    }
}

fn push_canonical_component(out: &mut String, component: &str) -> Result<()> {
    let decoded: Cow<'_, [u8]> = percent_decode_str(component).into();
    if std::str::from_utf8(&decoded).is_err() {
        return Err(Error::new(
            ErrorKind::Signing,
            "a query parameter's percent-escapes do not decode to UTF-8 text",
        ));
    }
    out.extend(percent_encode(&decoded, QUERY_ENCODE));
    Ok(())
}

/// botocore's `remove_dot_segments`: drops `.` and empty segments, resolves `..`, and keeps a
/// trailing slash only when the raw path ends in `/` and something is left.
pub(crate) fn remove_dot_segments(path: &str) -> Cow<'_, str> {
    if path.is_empty() {
        return Cow::Borrowed("/");
    }
    let needs_work = path.contains("//") || path.split('/').any(|s| s == "." || s == "..");
    if !needs_work && path.starts_with('/') {
        return Cow::Borrowed(path);
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let first = if path.starts_with('/') { "/" } else { "" };
    let last = if path.ends_with('/') && !out.is_empty() {
        "/"
    } else {
        ""
    };
    Cow::Owned(format!("{first}{}{last}", out.join("/")))
}
