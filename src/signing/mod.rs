//! SigV4 signing for API Gateway (`execute-api`) and other AWS services, checked against
//! `aws-sigv4`.
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
//! - **Secrets**: credentials are passed per call and the signer never keeps the secret. It
//!   keeps the last derived signing key (valid for one day, region and service) and a SHA-256
//!   fingerprint of the secret it came from, so the four HMACs of the key derivation run once a
//!   day rather than on every request; both are zeroized when dropped and never printed.
//!   Tracing events carry the access key id's first four characters at most.
//!
//! # How it is built, and the oracle
//!
//! The canonical request, string to sign and signature are computed by this module (`v4`:
//! one buffer, borrowed and stack-sorted parts, the cached key), several times faster than
//! handing the request to `aws-sigv4` (`BENCHMARKS.md`). `aws-sigv4` remains the reference:
//! the signer as it was built on it is kept in the hidden `oracle` module, and
//! `tests/sigv4_oracle.rs` signs random requests (paths, queries, headers, bodies, tokens,
//! header and presign modes, `s3` and `execute-api`) with both and requires identical output,
//! beside botocore's vectors in `tests/signing_vectors.rs`.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, Uri};
use percent_encoding::percent_encode;

use crate::error::{Error, ErrorKind, Result};

mod canonical;
mod key;
#[cfg(feature = "test-internals")]
#[doc(hidden)]
pub mod oracle;
mod v4;

pub(crate) use canonical::QUERY_ENCODE;
use canonical::{
    SigningTarget, X_AMZ_CONTENT_SHA256, X_AMZ_CONTENT_SHA256_NAME, X_AMZ_DATE, X_AMZ_DATE_NAME,
    X_AMZ_SECURITY_TOKEN, X_AMZ_SECURITY_TOKEN_NAME, normalize_tabs, remove_dot_segments,
    tabs_normalized,
};
use key::KeyCache;
// Shared with the rest of the crate: SECRET_HASH and SRP's proof are HMACs too, and
// `ApiClient` encodes query values as a canonical query does.
pub(crate) use key::keyed as hmac_sha256;
use v4::{CanonicalRequest, HeaderEntries, HeaderEntry, Stamp};

/// The longest validity AWS accepts for a presigned URL.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 60 * 60);

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Signs requests for one region and service. Cheap to clone; clones share the cached signing
/// key (see the module docs), which never appears in `Debug`.
#[derive(Clone)]
pub struct Signer {
    region: Arc<str>,
    service: Arc<str>,
    /// `s3` is the one service that signs the path as sent (single encoding, no normalization)
    /// and expects `x-amz-content-sha256`.
    s3_style: bool,
    keys: Arc<KeyCache>,
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
            keys: Arc::new(KeyCache::new()),
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
        // `call -v` times signing from this event to "signed request".
        tracing::trace!("signing request");
        // A retry may carry the previous attempt's values; they must not be signed again.
        let headers = request.headers_mut();
        headers.remove(http::header::AUTHORIZATION);
        headers.remove(X_AMZ_DATE_NAME);
        headers.remove(X_AMZ_SECURITY_TOKEN_NAME);

        let target = SigningTarget::from_uri(request.uri())?;
        if target.query_rewritten() {
            let uri = target.wire_uri()?;
            *request.uri_mut() = uri;
        }
        normalize_tabs(request.headers_mut());

        let signed = self.sign_parts(request, credentials, time)?;
        let headers = request.headers_mut();
        headers.insert(X_AMZ_DATE_NAME, signed.date);
        let authorization = HeaderValue::from_maybe_shared(Bytes::from(signed.authorization))
            .map_err(|_| Error::new(ErrorKind::Signing, "invalid value for `authorization`"))?;
        headers.insert(http::header::AUTHORIZATION, authorization);
        if let Some(hash) = signed.content_sha256 {
            headers.insert(X_AMZ_CONTENT_SHA256_NAME, hash);
        }
        if let Some(token) = signed.token {
            headers.insert(X_AMZ_SECURITY_TOKEN_NAME, token);
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

    /// The header-mode signature of a request whose URI and headers are already as they will
    /// be sent: the headers to add, in the order they are added.
    fn sign_parts(
        &self,
        request: &Request<Bytes>,
        credentials: &Credentials,
        time: SystemTime,
    ) -> Result<HeaderSignature> {
        let target = SigningTarget::from_uri(request.uri())?;
        let stamp = Stamp::new(time)?;
        let payload_hash = v4::payload_hash(request.body());
        let payload_text = std::str::from_utf8(&payload_hash).unwrap_or_default();
        let mut entries = HeaderEntries::new();
        let has_host = v4::collect_headers(request.headers(), false, self.s3_style, &mut entries)?;
        let token = credentials
            .session_token()
            .map(|token| match self.keys.token_header(token) {
                Some(value) => Ok((token, value)),
                None => Err(Error::new(
                    ErrorKind::Signing,
                    "the request cannot be signed: the session token is not a valid header value",
                )),
            })
            .transpose()?;
        if !has_host {
            entries.push(HeaderEntry::added("host", target.host()));
        }
        entries.push(HeaderEntry::added(X_AMZ_DATE, stamp.as_str()));
        if let Some((token, _)) = &token {
            entries.push(HeaderEntry::added(X_AMZ_SECURITY_TOKEN, token));
        }
        if self.s3_style {
            entries.push(HeaderEntry::added(X_AMZ_CONTENT_SHA256, payload_text));
        }
        v4::sort_headers(&mut entries);

        let path = self.canonical_path(target.path);
        let canonical = CanonicalRequest {
            method: request.method().as_str(),
            path: &path,
            double_encode: !self.s3_style,
            query: &target.query,
            extra_params: &[],
            headers: &entries,
            payload_hash: &payload_hash,
        };
        let mut buffer = Vec::new();
        let signed_headers = canonical.write(&mut buffer);
        if tracing::enabled!(tracing::Level::TRACE) {
            tracing::trace!(canonical_request = %canonical.redacted(), "canonical request");
        }
        let signature = self.signature(credentials, &stamp, &buffer);

        let key_id = credentials.access_key_id();
        let mut authorization = Vec::with_capacity(
            110 + key_id.len() + self.region.len() + self.service.len() + signed_headers.len(),
        );
        authorization.extend_from_slice(ALGORITHM.as_bytes());
        authorization.extend_from_slice(b" Credential=");
        authorization.extend_from_slice(key_id.as_bytes());
        authorization.push(b'/');
        self.push_scope(&mut authorization, &stamp);
        authorization.extend_from_slice(b", SignedHeaders=");
        authorization.extend_from_slice(&buffer[signed_headers]);
        authorization.extend_from_slice(b", Signature=");
        authorization.extend_from_slice(&signature);

        Ok(HeaderSignature {
            date: HeaderValue::from_bytes(stamp.bytes())
                .map_err(|e| signing_error("the request cannot be signed", e))?,
            authorization,
            content_sha256: if self.s3_style {
                Some(
                    HeaderValue::from_bytes(&payload_hash)
                        .map_err(|e| signing_error("the request cannot be signed", e))?,
                )
            } else {
                None
            },
            token: token.map(|(_, value)| value),
        })
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
        let uri = presign_uri(url, expires_in)?;
        let target = SigningTarget::from_uri(&uri)?;
        // The caller sends `headers` as they are; AWS reads a tab the way `sign` rewrites it,
        // so that reading is what gets signed.
        let headers = tabs_normalized(headers);
        let mut entries = HeaderEntries::new();
        let has_host = v4::collect_headers(&headers, true, false, &mut entries)?;
        if !has_host {
            entries.push(HeaderEntry::added("host", target.host()));
        }
        v4::sort_headers(&mut entries);
        let stamp = Stamp::new(time)?;

        // The `X-Amz-*` parameters, encoded as they are both signed and sent.
        let encode = |bytes: &[u8]| percent_encode(bytes, QUERY_ENCODE).to_string();
        let mut scope = Vec::with_capacity(64);
        scope.extend_from_slice(credentials.access_key_id().as_bytes());
        scope.push(b'/');
        self.push_scope(&mut scope, &stamp);
        let credential = encode(&scope);
        let expires = expires_in.as_secs().to_string();
        let mut names = Vec::new();
        v4::push_signed_headers(&mut names, &entries, b";");
        let signed_headers = encode(&names);
        let token = credentials.session_token().map(|t| encode(t.as_bytes()));
        let mut params: Vec<(&str, &str)> = vec![
            ("X-Amz-Algorithm", ALGORITHM),
            ("X-Amz-Credential", &credential),
            ("X-Amz-Date", stamp.as_str()),
            ("X-Amz-Expires", &expires),
            ("X-Amz-SignedHeaders", &signed_headers),
        ];
        if let Some(token) = &token {
            params.push(("X-Amz-Security-Token", token));
        }

        let payload_hash = v4::payload_hash(body);
        let path = self.canonical_path(target.path);
        let canonical = CanonicalRequest {
            method: method.as_str(),
            path: &path,
            double_encode: !self.s3_style,
            query: &target.query,
            extra_params: &params,
            headers: &entries,
            payload_hash: &payload_hash,
        };
        let mut buffer = Vec::new();
        canonical.write(&mut buffer);
        let signature = self.signature(credentials, &stamp, &buffer);

        // botocore's order: the request's own parameters, then these, then the signature.
        let mut query = String::with_capacity(target.query.len() + buffer.len() / 2 + 200);
        query.push_str(&target.query);
        for (name, value) in params.iter().copied().chain([(
            "X-Amz-Signature",
            std::str::from_utf8(&signature).unwrap_or_default(),
        )]) {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(name);
            query.push('=');
            query.push_str(value);
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

    /// The path as signed: botocore's dot-segment removal except for `s3` (the encoding is
    /// applied while writing the canonical request).
    fn canonical_path<'a>(&self, path: &'a str) -> Cow<'a, str> {
        if self.s3_style {
            Cow::Borrowed(path)
        } else {
            remove_dot_segments(path)
        }
    }

    /// Appends `YYYYMMDD/region/service/aws4_request`.
    fn push_scope(&self, out: &mut Vec<u8>, stamp: &Stamp) {
        out.extend_from_slice(&stamp.date());
        out.push(b'/');
        out.extend_from_slice(self.region.as_bytes());
        out.push(b'/');
        out.extend_from_slice(self.service.as_bytes());
        out.extend_from_slice(b"/aws4_request");
    }

    /// The hex signature of a canonical request, with the day's key from the cache.
    fn signature(&self, credentials: &Credentials, stamp: &Stamp, canonical: &[u8]) -> [u8; 64] {
        let mac = self.keys.mac(
            credentials.secret_access_key(),
            &stamp.date(),
            &self.region,
            &self.service,
        );
        v4::signature(mac, stamp, &self.region, &self.service, canonical)
    }
}

/// What header-mode signing adds to a request.
struct HeaderSignature {
    date: HeaderValue,
    authorization: Vec<u8>,
    content_sha256: Option<HeaderValue>,
    token: Option<HeaderValue>,
}

/// The checks both presigners run first: `expires_in` within 1 second to 7 days (else a
/// [`ErrorKind::Config`] error), and `url` (up to its query) as an HTTP request URI.
fn presign_uri(url: &url::Url, expires_in: Duration) -> Result<Uri> {
    if expires_in < Duration::from_secs(1) || expires_in > MAX_PRESIGN_EXPIRY {
        return Err(Error::config("expires_in", "between 1 second and 7 days"));
    }
    url[..url::Position::AfterQuery].parse().map_err(|_| {
        Error::new(
            ErrorKind::Signing,
            "the URL cannot be used as an HTTP request URI",
        )
    })
}

/// At most the first four characters of the access key id (`AKIA`/`ASIA` tell permanent from
/// temporary keys), for logs.
fn key_id_prefix(credentials: &Credentials) -> String {
    let id = credentials.access_key_id();
    let prefix: String = id.chars().take(4).collect();
    format!("{prefix}…")
}

fn signing_error(what: &str, source: impl std::error::Error + Send + Sync + 'static) -> Error {
    // The sources (aws-sigv4's, http's) name the failing part (header, URI), never a credential.
    Error::new(ErrorKind::Signing, format!("{what}: {source}")).with_source(source)
}

#[cfg(test)]
mod tests;
