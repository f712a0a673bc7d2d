//! SigV4 signing for API Gateway (`execute-api`) and other AWS services, built on `aws-sigv4`.
//!
//! A [`Signer`] signs a buffered request in header mode ([`Signer::sign`]) or produces a
//! presigned URL ([`Signer::presign`]). Its output matches botocore's `SigV4Auth` /
//! `SigV4QueryAuth` byte for byte; `tests/signing_vectors.rs` checks every vector that
//! `scripts/gen_sigv4_vectors.py` generated with botocore.
//!
//! # What is signed, and the choices made
//!
//! - **Payload**: always the real SHA-256 of the body, never `UNSIGNED-PAYLOAD`, because API
//!   Gateway rejects unsigned payloads. Bodies are therefore [`Bytes`]: a streaming body must be
//!   buffered before signing, since its hash is part of the signature and must be known before
//!   the first byte is sent.
//! - **Path**: for every service but `s3` the (already percent-encoded) path is encoded once more
//!   (`/prod/a%20b` is signed as `/prod/a%2520b`), after removing `.`/`..` segments and empty
//!   segments the way botocore does (`/a/b/.` signs as `/a/b`, `//` as `/`). The path on the wire
//!   is left as it is.
//! - **Query**: botocore signs the raw query as it stands, while `aws-sigv4` and AWS's servers
//!   decode and re-encode it; the two agree only on a query already in canonical form. So the
//!   signer rewrites the request's query into canonical form before signing: each key and value
//!   is percent-decoded once and re-encoded with everything but `A-Z a-z 0-9 - _ . ~` as
//!   upper-case `%XX`. Order is kept. A raw `+` is taken as a literal plus (RFC 3986), not a
//!   space (HTML forms), and goes out as `%2B`; write `%20` for a space. An already-encoded
//!   value stays as it was (`q=a%2Fb` remains `a%2Fb`, never `a%252Fb`). Empty `&&` segments
//!   are dropped. A value whose escapes decode to bytes that are not UTF-8 cannot be signed the
//!   same way by every implementation and is refused.
//! - **Headers**: all request headers are signed except those botocore leaves out
//!   (`user-agent`, `x-amzn-trace-id`, `expect`, hop-by-hop headers) and `authorization`.
//!   `X-Amz-Security-Token` is added and signed when the credentials carry a session token.
//!   Header values are trimmed and inner runs of spaces collapsed when signing.
//! - **Secrets**: the signer holds none; credentials are passed per call. Tracing events carry
//!   the access key id's first four characters at most.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest,
    SignatureLocation, SigningSettings, UriPathNormalizationMode, sign as sigv4_sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, percent_encode};

use crate::error::{Error, ErrorKind, Result};

/// The longest validity AWS accepts for a presigned URL.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// Everything but RFC 3986's unreserved characters is percent-encoded in a canonical query.
const QUERY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Headers botocore never signs (its `SIGNED_HEADERS_BLACKLIST`), plus `authorization`, which
/// the signature itself replaces.
const UNSIGNED_HEADERS: &[&str] = &[
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

const X_AMZ_SECURITY_TOKEN: &str = "x-amz-security-token";

/// Signs requests for one region and service. Holds no secret; cheap to clone.
#[derive(Clone)]
pub struct Signer {
    region: Arc<str>,
    service: Arc<str>,
    /// `s3` is the one service that signs the path as sent (single encoding, no normalization)
    /// and expects `x-amz-content-sha256`.
    s3_style: bool,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("region", &self.region)
            .field("service", &self.service)
            .field("double_encode_path", &!self.s3_style)
            .finish()
    }
}

impl Signer {
    /// A signer for `service` in `region`. Every service but `s3` gets a double-encoded,
    /// normalized canonical path.
    pub fn new(region: impl Into<String>, service: impl Into<String>) -> Self {
        let service: String = service.into();
        let s3_style = service == "s3";
        Self {
            region: Arc::from(region.into()),
            service: Arc::from(service),
            s3_style,
        }
    }

    /// A signer for API Gateway (`execute-api`) in `region`.
    pub fn execute_api(region: impl Into<String>) -> Self {
        Self::new(region, "execute-api")
    }

    /// The region requests are signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The service name requests are signed for.
    pub fn service(&self) -> &str {
        &self.service
    }

    fn settings(&self) -> SigningSettings {
        let mut settings = SigningSettings::default();
        if self.s3_style {
            settings.percent_encoding_mode = PercentEncodingMode::Single;
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        } else {
            settings.percent_encoding_mode = PercentEncodingMode::Double;
            settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
        }
        // We normalize the path ourselves, the way botocore does (see `remove_dot_segments`).
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        settings.session_token_mode = SessionTokenMode::Include;
        settings.excluded_headers =
            Some(UNSIGNED_HEADERS.iter().map(|h| Cow::Borrowed(*h)).collect());
        settings
    }

    /// Signs `request` in header mode: sets `Authorization`, `X-Amz-Date` and, when the
    /// credentials carry one, `X-Amz-Security-Token` (which is signed). Any previous values of
    /// those headers are replaced, so a request can be signed again for a retry.
    ///
    /// The request's URI must be absolute (`https://host/path?query`). Its query is rewritten
    /// into canonical form first (see the module docs); its path is sent unchanged.
    pub fn sign(
        &self,
        request: &mut Request<Bytes>,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<()> {
        // A retry may carry the previous attempt's values; they must not be signed again.
        let headers = request.headers_mut();
        headers.remove(http::header::AUTHORIZATION);
        headers.remove("x-amz-date");
        headers.remove(X_AMZ_SECURITY_TOKEN);

        // One parse of the URI: the signable form, and the wire form only if the query changed.
        let (signable_uri, wire_uri) = {
            let target = SigningTarget::from_uri(request.uri())?;
            let wire = if target.query_rewritten() {
                Some(target.wire_uri()?)
            } else {
                None
            };
            (target.signable_uri(!self.s3_style), wire)
        };
        if let Some(uri) = wire_uri {
            *request.uri_mut() = uri;
        }

        normalize_tabs(request.headers_mut());
        let header_pairs = header_pairs(request.headers())?;
        let signable = SignableRequest::new(
            request.method().as_str(),
            signable_uri,
            header_pairs.iter().map(|(k, v)| (*k, *v)),
            SignableBody::Bytes(request.body()),
        )
        .map_err(|e| signing_error("the request cannot be signed", e))?;

        let identity: Identity = credentials.clone().into();
        let params = self.params(&identity, time, self.settings())?;
        let (instructions, _signature) = sigv4_sign(signable, &params)
            .map_err(|e| signing_error("the request cannot be signed", e))?
            .into_parts();
        let (new_headers, _) = instructions.into_parts();
        for header in new_headers {
            let mut value = HeaderValue::from_str(header.value()).map_err(|_| {
                Error::new(
                    ErrorKind::Signing,
                    format!("invalid value for `{}`", header.name()),
                )
            })?;
            value.set_sensitive(header.sensitive());
            let name = HeaderName::from_static(header.name());
            request.headers_mut().insert(name, value);
        }
        tracing::debug!(
            region = %self.region,
            service = %self.service,
            method = %request.method(),
            path = request.uri().path(),
            key_id = %key_id_prefix(credentials),
            session_token = credentials.session_token().is_some(),
            body_len = request.body().len(),
            "signed request"
        );
        Ok(())
    }

    /// A presigned URL for `method` on `url`, valid for `expires_in` (1 second to 7 days, else
    /// a [`ErrorKind::Config`] error). `headers` are signed (the caller must send them);
    /// `body` is hashed into the signature. The URL's query is put in canonical form, followed
    /// by the `X-Amz-*` parameters in botocore's order; a fragment is dropped.
    #[allow(clippy::too_many_arguments)] // Mirrors the parts of a request; a struct adds nothing.
    pub fn presign(
        &self,
        method: &Method,
        url: &url::Url,
        headers: &HeaderMap,
        body: &[u8],
        credentials: &Credentials,
        time: SystemTime,
        expires_in: Duration,
    ) -> Result<url::Url> {
        if expires_in < Duration::from_secs(1) || expires_in > MAX_PRESIGN_EXPIRY {
            return Err(Error::config("expires_in", "between 1 second and 7 days"));
        }
        let uri: Uri = url[..url::Position::AfterQuery].parse().map_err(|_| {
            Error::new(
                ErrorKind::Signing,
                "the URL cannot be used as an HTTP request URI",
            )
        })?;
        let target = SigningTarget::from_uri(&uri)?;
        // The caller sends `headers` as they are; AWS reads a tab the way `sign` rewrites it,
        // so that reading is what gets signed.
        let normalized;
        let headers = if headers.values().any(|v| v.as_bytes().contains(&b'\t')) {
            normalized = {
                let mut copy = headers.clone();
                normalize_tabs(&mut copy);
                copy
            };
            &normalized
        } else {
            headers
        };
        let header_pairs = header_pairs(headers)?;
        let signable = SignableRequest::new(
            method.as_str(),
            target.signable_uri(!self.s3_style),
            header_pairs.iter().map(|(k, v)| (*k, *v)),
            SignableBody::Bytes(body),
        )
        .map_err(|e| signing_error("the URL cannot be presigned", e))?;

        let mut settings = self.settings();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(expires_in.as_secs()));
        // Presigned URLs carry no `x-amz-content-sha256` header.
        settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
        let identity: Identity = credentials.clone().into();
        let params = self.params(&identity, time, settings)?;
        let (instructions, _signature) = sigv4_sign(signable, &params)
            .map_err(|e| signing_error("the URL cannot be presigned", e))?
            .into_parts();
        let (_, new_params) = instructions.into_parts();

        // botocore's order: the request's own parameters, then these, then the signature.
        let mut query = target.query.into_owned();
        for name in [
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-SignedHeaders",
            "X-Amz-Security-Token",
            "X-Amz-Signature",
        ] {
            if let Some((_, value)) = new_params.iter().find(|(k, _)| *k == name) {
                if !query.is_empty() {
                    query.push('&');
                }
                query.push_str(name);
                query.push('=');
                query.extend(percent_encode(value.as_bytes(), QUERY_ENCODE));
            }
        }
        let mut out = url.clone();
        out.set_fragment(None);
        out.set_query(Some(&query));
        tracing::debug!(
            region = %self.region,
            service = %self.service,
            method = %method,
            path = %target.path,
            key_id = %key_id_prefix(credentials),
            expires_in_secs = expires_in.as_secs(),
            "presigned URL"
        );
        Ok(out)
    }

    fn params<'a>(
        &'a self,
        identity: &'a Identity,
        time: SystemTime,
        settings: SigningSettings,
    ) -> Result<aws_sigv4::http_request::SigningParams<'a>> {
        let params = v4::SigningParams::builder()
            .identity(identity)
            .region(&self.region)
            .name(&self.service)
            .time(time)
            .settings(settings)
            .build()
            .map_err(|e| signing_error("incomplete signing parameters", e))?;
        Ok(params.into())
    }
}

/// The parts of an absolute request URI that signing needs, with the query in canonical form.
/// Borrowed from the URI: only a query that is not already canonical is copied.
struct SigningTarget<'a> {
    scheme: &'a str,
    authority: &'a str,
    path: &'a str,
    query: Cow<'a, str>,
}

impl<'a> SigningTarget<'a> {
    fn from_uri(uri: &'a Uri) -> Result<Self> {
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
            scheme,
            authority: authority.as_str(),
            path,
            query,
        })
    }

    /// Whether the query had to be rewritten (`canonical_query` borrows when it is unchanged).
    fn query_rewritten(&self) -> bool {
        matches!(self.query, Cow::Owned(_))
    }

    /// The URI to send: original path, canonical query.
    fn wire_uri(&self) -> Result<Uri> {
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
    fn signable_uri(&self, normalize_path: bool) -> String {
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
}

/// Header values as AWS's servers will see them. HTTP strips leading and trailing whitespace,
/// tabs included, from field values (RFC 9110, section 5.5), and botocore signs every run of
/// whitespace as one space; `aws-sigv4` does both for spaces only. So a value holding a tab
/// is rewritten on the request itself (whitespace runs to one space, trimmed): what is sent,
/// what is signed and what AWS checks are then the same. Found by the `canonical_query` fuzz
/// target; values without a tab are left alone.
fn normalize_tabs(headers: &mut HeaderMap) {
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

/// The request's headers as `&str` pairs, refusing values that are not visible ASCII (what
/// would be signed could differ from what is sent).
fn header_pairs(headers: &HeaderMap) -> Result<Vec<(&str, &str)>> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = value.to_str().map_err(|_| {
                Error::new(
                    ErrorKind::Signing,
                    format!("header `{name}` has a value that is not visible ASCII"),
                )
            })?;
            Ok((name.as_str(), value))
        })
        .collect()
}

/// Rewrites a raw query into canonical form (see the module docs). Borrowed when unchanged.
pub(crate) fn canonical_query(raw: &str) -> Result<Cow<'_, str>> {
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

/// At most the first four characters of the access key id (`AKIA`/`ASIA` tell permanent from
/// temporary keys), for logs.
fn key_id_prefix(credentials: &Credentials) -> String {
    let id = credentials.access_key_id();
    let prefix: String = id.chars().take(4).collect();
    format!("{prefix}…")
}

fn signing_error(what: &str, source: impl std::error::Error + Send + Sync + 'static) -> Error {
    // aws-sigv4's errors name the failing part (header, URI), never a credential.
    Error::new(ErrorKind::Signing, format!("{what}: {source}")).with_source(source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn creds(token: Option<&str>) -> Credentials {
        Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token.map(str::to_owned),
            None,
            "test",
        )
    }

    fn t0() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_768_480_496) // 2026-01-15T12:34:56Z
    }

    fn request(uri: &str) -> Request<Bytes> {
        Request::builder()
            .method("GET")
            .uri(uri)
            .body(Bytes::new())
            .unwrap()
    }

    #[test]
    fn canonical_query_keeps_encoded_values_and_encodes_raw_ones() {
        assert_eq!(canonical_query("q=a%2Fb").unwrap(), "q=a%2Fb");
        assert_eq!(canonical_query("q=a+b").unwrap(), "q=a%2Bb");
        assert_eq!(canonical_query("q=a%2fb").unwrap(), "q=a%2Fb");
        assert_eq!(canonical_query("%61=%7E").unwrap(), "a=~");
        assert_eq!(canonical_query("flag&&b=").unwrap(), "flag&b=");
        assert_eq!(
            canonical_query("r=http://x/?y@z").unwrap(),
            "r=http%3A%2F%2Fx%2F%3Fy%40z"
        );
        assert!(matches!(
            canonical_query("b=2&a=1").unwrap(),
            Cow::Borrowed(_)
        ));
        let err = canonical_query("q=%FF").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Signing);
    }

    #[test]
    fn a_tab_in_a_header_value_is_sent_and_signed_as_aws_reads_it() {
        let signer = Signer::new("us-east-1", "execute-api");
        let mut tabbed = request("https://abc.execute-api.us-east-1.amazonaws.com/prod");
        tabbed
            .headers_mut()
            .insert("x-a", http::HeaderValue::from_static("\ta\t\tb "));
        signer.sign(&mut tabbed, &creds(None), t0()).unwrap();
        assert_eq!(tabbed.headers()["x-a"], "a b");
        // The same request written the way AWS will read it gets the same signature.
        let mut plain = request("https://abc.execute-api.us-east-1.amazonaws.com/prod");
        plain
            .headers_mut()
            .insert("x-a", http::HeaderValue::from_static("a b"));
        signer.sign(&mut plain, &creds(None), t0()).unwrap();
        assert_eq!(
            tabbed.headers()["authorization"],
            plain.headers()["authorization"]
        );
    }

    #[test]
    fn a_presigned_header_with_a_tab_is_signed_as_aws_reads_it() {
        let signer = Signer::execute_api("us-east-1");
        let url = url::Url::parse("https://h.example/prod").unwrap();
        let go = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert("x-a", HeaderValue::from_static(value));
            let url = signer.presign(
                &Method::GET,
                &url,
                &headers,
                b"",
                &creds(None),
                t0(),
                Duration::from_secs(60),
            );
            url.unwrap().to_string()
        };
        assert_eq!(go("\ta\t\tb "), go("a b"));
        assert_ne!(go("a b"), go("a  c"));
    }

    #[test]
    fn dot_segments_are_removed_like_botocore() {
        assert_eq!(remove_dot_segments("/prod/a/./b/../c"), "/prod/a/c");
        assert_eq!(remove_dot_segments("/prod/a/b/."), "/prod/a/b");
        assert_eq!(remove_dot_segments("/prod//a//b/"), "/prod/a/b/");
        assert_eq!(remove_dot_segments("/.."), "/");
        assert_eq!(remove_dot_segments("/"), "/");
        assert_eq!(remove_dot_segments(""), "/");
        assert!(matches!(
            remove_dot_segments("/prod/pets/"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn sign_sets_signed_token_and_replaces_stale_auth_headers() {
        let signer = Signer::execute_api("us-east-1");
        let mut req = request("https://abc.execute-api.us-east-1.amazonaws.com/prod/pets");
        req.headers_mut()
            .insert("authorization", HeaderValue::from_static("Bearer stale"));
        req.headers_mut()
            .insert(X_AMZ_SECURITY_TOKEN, HeaderValue::from_static("stale"));
        signer.sign(&mut req, &creds(Some("tok")), t0()).unwrap();
        let auth = req.headers()["authorization"].to_str().unwrap();
        assert!(auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115/us-east-1/execute-api/aws4_request, "
        ));
        assert!(
            auth.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"),
            "{auth}"
        );
        assert_eq!(req.headers()["x-amz-date"], "20260115T123456Z");
        assert_eq!(req.headers()[X_AMZ_SECURITY_TOKEN], "tok");

        // Signing again without a token removes the old one instead of sending it unsigned.
        signer.sign(&mut req, &creds(None), t0()).unwrap();
        assert!(req.headers().get(X_AMZ_SECURITY_TOKEN).is_none());
        assert_eq!(req.headers().get_all("authorization").iter().count(), 1);
    }

    #[test]
    fn sign_rewrites_the_query_on_the_wire() {
        let signer = Signer::execute_api("us-east-1");
        let mut req = request("https://h.example/prod/s?q=a+b&x=%2f");
        signer.sign(&mut req, &creds(None), t0()).unwrap();
        assert_eq!(
            req.uri().to_string(),
            "https://h.example/prod/s?q=a%2Bb&x=%2F"
        );
    }

    #[test]
    fn body_changes_the_signature() {
        let signer = Signer::execute_api("us-east-1");
        let sig = |body: &'static [u8]| {
            let mut req = Request::builder()
                .method("POST")
                .uri("https://h.example/prod/x")
                .body(Bytes::from_static(body))
                .unwrap();
            signer.sign(&mut req, &creds(None), t0()).unwrap();
            req.headers()["authorization"].to_str().unwrap().to_owned()
        };
        assert_ne!(sig(b"{\"a\":1}"), sig(b"{\"a\":2}"));
    }

    #[test]
    fn relative_uri_and_user_info_are_signing_errors() {
        let signer = Signer::execute_api("us-east-1");
        let mut req = request("/prod/pets");
        assert_eq!(
            signer
                .sign(&mut req, &creds(None), t0())
                .unwrap_err()
                .kind(),
            ErrorKind::Signing
        );
        let mut req = request("https://user:pw@h.example/prod");
        let err = signer.sign(&mut req, &creds(None), t0()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Signing);
        assert!(!err.to_string().contains("pw"));
    }

    #[test]
    fn presign_rejects_expiry_outside_one_second_to_seven_days() {
        let signer = Signer::execute_api("us-east-1");
        let url = url::Url::parse("https://h.example/prod").unwrap();
        let go = |d| {
            signer.presign(
                &Method::GET,
                &url,
                &HeaderMap::new(),
                b"",
                &creds(None),
                t0(),
                d,
            )
        };
        assert_eq!(
            go(Duration::from_millis(999)).unwrap_err().kind(),
            ErrorKind::Config
        );
        assert_eq!(
            go(MAX_PRESIGN_EXPIRY + Duration::from_secs(1))
                .unwrap_err()
                .kind(),
            ErrorKind::Config
        );
        assert!(go(Duration::from_secs(1)).is_ok());
        let u = go(MAX_PRESIGN_EXPIRY).unwrap();
        assert!(u.as_str().contains("X-Amz-Expires=604800&"), "{u}");
    }

    #[test]
    fn signer_debug_shows_no_secret_and_s3_is_single_encoded() {
        let signer = Signer::new("eu-west-2", "s3");
        let dbg = format!("{signer:?}");
        assert!(
            dbg.contains("eu-west-2") && dbg.contains("double_encode_path: false"),
            "{dbg}"
        );
        assert!(format!("{:?}", Signer::execute_api("x")).contains("double_encode_path: true"));
    }
}
