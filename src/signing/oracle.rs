//! The signer as it was built on `aws-sigv4` before the fast path, kept as the oracle the fast
//! path is checked against (`tests/sigv4_oracle.rs`) and measured beside
//! (`benches/benches/signing.rs`). Not part of the API: it may change or go at any time.
//!
//! The request is prepared exactly as [`Signer::sign`] and [`Signer::presign`] prepare it (the
//! canonical query from `canonical_query_reference`, botocore's dot-segment removal, tabs
//! normalized, the same unsigned headers), and `aws-sigv4` then builds and signs the canonical
//! request with the settings below.

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody, SignableRequest,
    SignatureLocation, SigningParams, SigningSettings, UriPathNormalizationMode,
    sign as sigv4_sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};
use percent_encoding::percent_encode;

use super::canonical::{
    QUERY_ENCODE, SigningTarget, UNSIGNED_HEADERS, X_AMZ_DATE, X_AMZ_SECURITY_TOKEN,
    canonical_query_reference, header_pairs, normalize_tabs, tabs_normalized,
};
use super::{Signer, presign_uri, signing_error};
use crate::error::{Error, ErrorKind, Result};

/// The `aws-sigv4` settings the signer has always used: double-encoded paths except for `s3`,
/// which also gets `x-amz-content-sha256`; path normalization off (done the botocore way
/// before); the session token signed; botocore's unsigned headers.
pub fn settings(signer: &Signer) -> SigningSettings {
    let mut settings = SigningSettings::default();
    if signer.s3_style {
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    } else {
        settings.percent_encoding_mode = PercentEncodingMode::Double;
        settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
    }
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    settings.session_token_mode = SessionTokenMode::Include;
    settings.excluded_headers = Some(UNSIGNED_HEADERS.iter().map(|h| Cow::Borrowed(*h)).collect());
    settings
}

/// [`Signer::sign`] on `aws-sigv4`.
pub fn sign(
    signer: &Signer,
    request: &mut Request<Bytes>,
    credentials: &Credentials,
    time: SystemTime,
) -> Result<()> {
    let headers = request.headers_mut();
    headers.remove(http::header::AUTHORIZATION);
    headers.remove(X_AMZ_DATE);
    headers.remove(X_AMZ_SECURITY_TOKEN);

    let (signable_uri, wire_uri) = {
        let target = target(request.uri())?;
        let wire = if target.query_rewritten() {
            Some(target.wire_uri()?)
        } else {
            None
        };
        (target.signable_uri(!signer.s3_style), wire)
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
    let params = params(signer, &identity, time, settings(signer))?;
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
    Ok(())
}

/// [`Signer::presign`] on `aws-sigv4`.
#[allow(clippy::too_many_arguments)] // Mirrors `Signer::presign`.
pub fn presign(
    signer: &Signer,
    method: &Method,
    url: &url::Url,
    headers: &HeaderMap,
    body: &[u8],
    credentials: &Credentials,
    time: SystemTime,
    expires_in: Duration,
) -> Result<url::Url> {
    let uri = presign_uri(url, expires_in)?;
    let target = target(&uri)?;
    let headers = tabs_normalized(headers);
    let header_pairs = header_pairs(&headers)?;
    let signable = SignableRequest::new(
        method.as_str(),
        target.signable_uri(!signer.s3_style),
        header_pairs.iter().map(|(k, v)| (*k, *v)),
        SignableBody::Bytes(body),
    )
    .map_err(|e| signing_error("the URL cannot be presigned", e))?;

    let mut settings = settings(signer);
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(expires_in.as_secs()));
    settings.payload_checksum_kind = PayloadChecksumKind::NoHeader;
    let identity: Identity = credentials.clone().into();
    let params = params(signer, &identity, time, settings)?;
    let (instructions, _signature) = sigv4_sign(signable, &params)
        .map_err(|e| signing_error("the URL cannot be presigned", e))?
        .into_parts();
    let (_, new_params) = instructions.into_parts();

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
    Ok(out)
}

/// `SigningTarget::from_uri` with the query rewritten by the reference implementation.
fn target(uri: &Uri) -> Result<SigningTarget<'_>> {
    let mut target = SigningTarget::from_uri(uri)?;
    if let Some(raw) = uri.query() {
        target.query = canonical_query_reference(raw)?;
    }
    Ok(target)
}

fn params<'a>(
    signer: &'a Signer,
    identity: &'a Identity,
    time: SystemTime,
    settings: SigningSettings,
) -> Result<SigningParams<'a>> {
    let params = v4::SigningParams::builder()
        .identity(identity)
        .region(&signer.region)
        .name(&signer.service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| signing_error("incomplete signing parameters", e))?;
    Ok(params.into())
}

/// What a signed request shows: its URI, and each header's name, value and sensitivity. Two
/// signers agree on a request when this is equal (`tests/sigv4_oracle.rs`, the `sigv4_oracle`
/// fuzz target).
#[allow(clippy::type_complexity)]
pub fn observable(request: &Request<Bytes>) -> (String, Vec<(String, Vec<u8>, bool)>) {
    let headers = request
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.as_bytes().to_vec(), v.is_sensitive()))
        .collect();
    (request.uri().to_string(), headers)
}
