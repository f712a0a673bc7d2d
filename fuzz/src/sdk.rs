//! The fuzz bodies for the SDK's parsers of untrusted input: a JWT from anywhere, an Amplify
//! outputs file, `COGNITO_*` variables, and the URI and body a caller hands the signer.
//!
//! One body per target, shared by the libFuzzer target (`fuzz_targets/<name>.rs`) and by the
//! stable replay test `tests/fuzz_replay.rs` (which takes this file as a module by `#[path]`, so
//! it needs no dependency on this package), so that the committed corpus replays exactly what
//! was fuzzed. A body returns normally on every input; a panic is the bug libFuzzer looks for.
//! The only assertions are properties the SDK promises: a configuration it accepted rebuilds
//! unchanged, and a request it signed is accepted by the emulator's independent verifier.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use bytes::Bytes;
use cognito_sigv4::CognitoConfig;
use cognito_sigv4::config::Service;
use cognito_sigv4::jwt::UnverifiedClaims;
use cognito_sigv4::signing::Signer;
use cognito_sigv4_emulator::sigv4::{SignedRequest, verify};
use http::{HeaderMap, HeaderValue, Method, Request, Uri};

/// `jwt_decode`: any text as a token; every accessor of what decodes.
pub fn jwt_decode(data: &[u8]) {
    let Ok(claims) = UnverifiedClaims::decode(&String::from_utf8_lossy(data)) else {
        return;
    };
    let _ = (
        claims.header(),
        claims.key_id(),
        claims.claims(),
        claims.get("sub"),
    );
    let _ = (
        claims.sub(),
        claims.iss(),
        claims.aud(),
        claims.has_audience("a"),
    );
    let _ = (claims.client_id(), claims.token_use().map(|t| t.as_str()));
    let _ = (
        claims.exp(),
        claims.expires_at(),
        claims.iat(),
        claims.auth_time(),
    );
    for now in [
        UNIX_EPOCH,
        UNIX_EPOCH + Duration::from_secs(u32::MAX.into()),
    ] {
        let _ = claims.is_expired_at(now, Duration::from_secs(300));
        let _ = claims.is_expired_at(now, Duration::MAX);
    }
    let _ = (
        claims.username(),
        claims.cognito_username(),
        claims.groups(),
    );
    let _ = (claims.preferred_role(), claims.roles(), claims.scopes());
    let _ = (claims.has_scope("openid"), claims.email(), claims.jti());
    let _ = (claims.origin_jti(), format!("{claims:?}"));
}

/// `config_amplify`: any text as `amplify_outputs.json`.
pub fn config_amplify(data: &[u8]) {
    if let Ok(config) = CognitoConfig::from_amplify_outputs_str(&String::from_utf8_lossy(data)) {
        use_config(&config);
    }
}

/// `config_env`: the environment as `NAME=value` lines of the input (a later line wins).
pub fn config_env(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let vars: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once('=')).collect();
    if let Ok(config) = CognitoConfig::from_env_with(|name| vars.get(name).map(|v| v.to_string())) {
        use_config(&config);
    }
}

/// Every accessor of an accepted configuration, and the promise that it rebuilds unchanged.
fn use_config(config: &CognitoConfig) {
    for service in [Service::CognitoIdp, Service::CognitoIdentity, Service::Sts] {
        let _ = (config.endpoint(service), config.endpoint_override(service));
    }
    let _ = (config.user_pool_name(), config.require_user_pool());
    let _ = (config.require_identity_pool(), config.user_pool_issuer());
    let _ = format!("{config:?}");
    let rebuilt = config.to_builder().build();
    assert!(
        rebuilt.as_ref().ok() == Some(config),
        "an accepted config does not rebuild: {rebuilt:?}"
    );
}

/// The host every `canonical_query` request goes to.
const API_HOST: &str = "abc123defg.execute-api.us-east-1.amazonaws.com";
/// Methods the signer and API Gateway both take; chosen by the input's first byte.
const METHODS: [Method; 7] = [
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
    Method::HEAD,
    Method::OPTIONS,
];

/// `canonical_query`: a differential check of the SDK's signer against the emulator's
/// independent verifier. Input: a method byte, then `<path and query> 0xFF <x-fuzz header
/// value> 0xFF <body>`. What the signer refuses (non-UTF-8 query escapes, a header value that
/// is not visible ASCII) is skipped; what it signs must verify.
pub fn canonical_query(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let mut fields = rest.splitn(3, |&b| b == 0xFF);
    let target = fields.next().unwrap_or_default();
    let header = fields.next().unwrap_or_default();
    let body = fields.next().unwrap_or_default();
    let Ok(target) = std::str::from_utf8(target) else {
        return;
    };
    let Ok(uri) = format!("https://{API_HOST}/{target}").parse::<Uri>() else {
        return;
    };
    let mut request = Request::new(Bytes::copy_from_slice(body));
    *request.method_mut() = METHODS[usize::from(selector) % METHODS.len()].clone();
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    headers.insert(http::header::HOST, HeaderValue::from_static(API_HOST));
    // A tab in a header value once made the signer and the verifier disagree (fuzz/README.md);
    // the signer now normalizes such values as AWS reads them, so tabs are fuzzed too.
    if !header.is_empty()
        && let Ok(value) = HeaderValue::from_bytes(header)
    {
        headers.insert("x-fuzz", value);
    }
    let credentials = Credentials::new("ASIAFUZZ", "fuzz-secret", Some("token".into()), None, "t");
    let now = UNIX_EPOCH + Duration::from_secs(1_767_603_843);
    let signer = Signer::new("us-east-1", "execute-api");
    check_presigned(&signer, &request, &credentials, now);
    if signer.sign(&mut request, &credentials, now).is_err() {
        return;
    }
    let query = request.uri().query();
    // A query carrying `X-Amz-Algorithm` asks for query authentication too: AWS refuses both.
    if query.is_some_and(|q| {
        q.split('&')
            .any(|s| s.split('=').next() == Some("X-Amz-Algorithm"))
    }) {
        return;
    }
    let received = SignedRequest {
        method: request.method().as_str(),
        path: request.uri().path(),
        query,
        headers: request.headers(),
        body: request.body(),
    };
    let verified = verify(&received, &fuzz_secret, "us-east-1", "execute-api", now);
    assert!(
        verified.is_ok(),
        "the verifier refuses what the signer signed: {verified:?} for {} {} (x-fuzz {:?})",
        request.method(),
        request.uri(),
        request.headers().get("x-fuzz"),
    );
}

/// The secret of the fuzz targets' one access key.
fn fuzz_secret(id: &str) -> Option<String> {
    (id == "ASIAFUZZ").then(|| "fuzz-secret".to_owned())
}

/// The same request as a presigned URL: sent with its headers as they are (a tab included),
/// it must verify. A query already carrying `X-Amz-*` parameters is skipped (the URL would hold
/// two of them, which AWS refuses).
fn check_presigned(
    signer: &Signer,
    request: &Request<Bytes>,
    credentials: &Credentials,
    now: SystemTime,
) {
    let Ok(url) = url::Url::parse(&request.uri().to_string()) else {
        return;
    };
    if url
        .query_pairs()
        .any(|(k, _)| k.to_ascii_lowercase().starts_with("x-amz-"))
    {
        return;
    }
    let headers: HeaderMap = request.headers().clone();
    let expires_in = Duration::from_secs(300);
    let Ok(presigned) = signer.presign(
        request.method(),
        &url,
        &headers,
        request.body(),
        credentials,
        now,
        expires_in,
    ) else {
        return;
    };
    let received = SignedRequest {
        method: request.method().as_str(),
        path: presigned.path(),
        query: presigned.query(),
        headers: &headers,
        body: request.body(),
    };
    let verified = verify(&received, &fuzz_secret, "us-east-1", "execute-api", now);
    assert!(
        verified.is_ok(),
        "the verifier refuses what the signer presigned: {verified:?} for {} {presigned} (x-fuzz {:?})",
        request.method(),
        headers.get("x-fuzz"),
    );
}

/// `sigv4_oracle`: the fast signer against `aws-sigv4` (the oracle `signing::oracle` builds
/// on it), on fuzzer-chosen requests: any scheme and authority text (upper-case hosts and
/// schemes, explicit default ports), path and query, up to 64 headers (so the signer's small
/// vectors spill to the heap) with any value (`%`, `/`, `:` included), any body, with or
/// without a session token, S3's single encoding or API Gateway's double. Header signing and
/// presigning must give byte-identical requests and URLs, or the same error kind.
///
/// Input: a flags byte (bit 0: S3, bit 1: a session token, bits 2-4: the method, bits 5-7:
/// the expiry of the presigned URL), then `authority 0xFF path-and-query 0xFF headers 0xFF
/// body`, headers as `name:value` lines separated by `\n`.
pub fn sigv4_oracle(data: &[u8]) {
    use cognito_sigv4::signing::oracle;

    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let mut fields = rest.splitn(4, |&b| b == 0xFF);
    let authority = fields.next().unwrap_or_default();
    let target = fields.next().unwrap_or_default();
    let header_block = fields.next().unwrap_or_default();
    let body = fields.next().unwrap_or_default();
    let (Ok(authority), Ok(target)) = (std::str::from_utf8(authority), std::str::from_utf8(target))
    else {
        return;
    };
    let url = format!("{authority}{target}");
    let Ok(uri) = url.parse::<Uri>() else {
        return;
    };
    let mut headers = HeaderMap::new();
    for line in header_block.split(|&b| b == b'\n').take(64) {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(&line[..colon]),
            HeaderValue::from_bytes(&line[colon + 1..]),
        ) else {
            continue;
        };
        headers.append(name, value);
    }
    let signer = if flags & 1 == 0 {
        Signer::new("us-east-1", "execute-api")
    } else {
        Signer::new("eu-west-2", "s3")
    };
    let token = (flags & 2 != 0).then(|| "session/token+with=chars".to_owned());
    let credentials = Credentials::new("ASIAFUZZ", "fuzz-secret", token, None, "t");
    let method = METHODS[usize::from(flags >> 2 & 7) % METHODS.len()].clone();
    let now = UNIX_EPOCH + Duration::from_secs(1_767_603_843);

    let mut fast = Request::new(Bytes::copy_from_slice(body));
    *fast.method_mut() = method.clone();
    *fast.uri_mut() = uri;
    *fast.headers_mut() = headers.clone();
    let mut slow = fast.clone();
    // Twice, as a retry signs the signed request again (the second pass hits the key cache).
    for attempt in 0..2 {
        let got = signer
            .sign(&mut fast, &credentials, now)
            .map_err(|e| e.kind());
        let want = oracle::sign(&signer, &mut slow, &credentials, now).map_err(|e| e.kind());
        assert_eq!(got, want, "attempt {attempt}: sign outcome for {url:?}");
        assert_eq!(
            oracle::observable(&fast),
            oracle::observable(&slow),
            "attempt {attempt}: signed request for {url:?}"
        );
        if got.is_err() {
            break;
        }
    }

    let Ok(parsed) = url::Url::parse(&url) else {
        return;
    };
    // 1 s to 7 days, and one past each end.
    let expires_in = match flags >> 5 {
        0 => Duration::from_millis(999),
        1 => Duration::from_secs(604_801),
        n => Duration::from_secs(u64::from(n) * 86_399),
    };
    let got = signer
        .presign(
            &method,
            &parsed,
            &headers,
            body,
            &credentials,
            now,
            expires_in,
        )
        .map(|u| u.to_string())
        .map_err(|e| e.kind());
    let want = oracle::presign(
        &signer,
        &method,
        &parsed,
        &headers,
        body,
        &credentials,
        now,
        expires_in,
    )
    .map(|u| u.to_string())
    .map_err(|e| e.kind());
    assert_eq!(got, want, "presigned URL for {url:?}");
}
