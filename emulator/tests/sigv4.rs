//! The emulator's independent SigV4 verifier against botocore's vectors
//! (the workspace's `tests/data/sigv4_vectors.json`, made by `scripts/gen_sigv4_vectors.py`): every vector is
//! accepted, and each is rejected once anything signed is changed.

use cognito_sigv4_emulator::sigv4::{Rejection, SignedRequest, VerifiedSignature, verify};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// botocore's vectors, shared with the SDK's signing tests (one file, one generator).
const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/data/sigv4_vectors.json"
);

/// One vector, as a received request.
struct Received {
    name: String,
    method: String,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Vec<u8>,
    region: String,
    service: String,
    access_key: String,
    secret_key: String,
    session_token: Option<String>,
    now: SystemTime,
    presigned: bool,
    expires: u64,
    signature: String,
}

impl Received {
    fn request(&self) -> SignedRequest<'_> {
        SignedRequest {
            method: &self.method,
            path: &self.path,
            query: self.query.as_deref(),
            headers: &self.headers,
            body: &self.body,
        }
    }

    fn verify_at(&self, now: SystemTime) -> Result<VerifiedSignature, Rejection> {
        self.verify_with(&self.secret_key.clone(), &self.region, &self.service, now)
    }

    fn verify_with(
        &self,
        secret: &str,
        region: &str,
        service: &str,
        now: SystemTime,
    ) -> Result<VerifiedSignature, Rejection> {
        let key = self.access_key.clone();
        let secret = secret.to_owned();
        let secret_for = move |id: &str| (id == key).then(|| secret.clone());
        verify(&self.request(), &secret_for, region, service, now)
    }

    fn verify(&self) -> Result<VerifiedSignature, Rejection> {
        self.verify_at(self.now)
    }

    /// The same request with its signature (in the header or the query) replaced.
    fn with_signature(&self, signature: &str) -> Received {
        let mut copy = self.clone_parts();
        if self.presigned {
            let query = self.query.as_deref().unwrap_or_default();
            copy.query = Some(query.replace(
                &format!("X-Amz-Signature={}", self.signature),
                &format!("X-Amz-Signature={signature}"),
            ));
        } else {
            let auth = self.headers["authorization"].to_str().unwrap();
            let auth = auth.replace(
                &format!("Signature={}", self.signature),
                &format!("Signature={signature}"),
            );
            copy.headers
                .insert("authorization", HeaderValue::from_str(&auth).unwrap());
        }
        copy.signature = signature.to_owned();
        copy
    }

    fn clone_parts(&self) -> Received {
        Received {
            name: self.name.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
            region: self.region.clone(),
            service: self.service.clone(),
            access_key: self.access_key.clone(),
            secret_key: self.secret_key.clone(),
            session_token: self.session_token.clone(),
            now: self.now,
            presigned: self.presigned,
            expires: self.expires,
            signature: self.signature.clone(),
        }
    }
}

/// The body a recipe describes (the generator's `body_bytes`).
fn body_bytes(recipe: &Value) -> Vec<u8> {
    match recipe["kind"].as_str().unwrap() {
        "empty" => Vec::new(),
        "utf8" => recipe["text"].as_str().unwrap().as_bytes().to_vec(),
        "hex" => hex::decode(recipe["hex"].as_str().unwrap()).unwrap(),
        "repeat_bytes" => {
            let seed = recipe["seed"].as_u64().unwrap();
            let len = recipe["len"].as_u64().unwrap();
            (0..len)
                .map(|i| ((seed + 31 * i + (i >> 8)) & 0xff) as u8)
                .collect()
        }
        other => panic!("unknown body kind {other}"),
    }
}

/// Splits a URL as sent on the wire without normalizing it: (host header, raw path, raw query).
fn split_url(url: &str) -> (String, String, Option<String>) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path_and_query) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    // The Host header leaves out the scheme's default port.
    let host = match (scheme, authority.rsplit_once(':')) {
        ("https", Some((h, "443"))) | ("http", Some((h, "80"))) => h.to_owned(),
        _ => authority.to_owned(),
    };
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
        None => (path_and_query.to_owned(), None),
    };
    (host, path, query)
}

fn load() -> Vec<Received> {
    let text = std::fs::read_to_string(VECTORS).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(
        vectors.len() >= 40,
        "expected botocore's full vector set, got {}",
        vectors.len()
    );
    vectors
        .iter()
        .map(|v| {
            let presigned = v["mode"] == "presign";
            let expected = &v["expected"];
            let url = if presigned {
                expected["presigned_url"].as_str()
            } else {
                v["url"].as_str()
            }
            .unwrap();
            let (host, path, query) = split_url(url);
            let mut headers = HeaderMap::new();
            headers.insert("host", HeaderValue::from_str(&host).unwrap());
            for pair in v["headers"].as_array().unwrap() {
                let name = HeaderName::from_bytes(pair[0].as_str().unwrap().as_bytes()).unwrap();
                headers.append(
                    name,
                    HeaderValue::from_str(pair[1].as_str().unwrap()).unwrap(),
                );
            }
            if !presigned {
                for (name, value) in expected["headers"].as_object().unwrap() {
                    let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
                    headers.insert(
                        name,
                        HeaderValue::from_str(value.as_str().unwrap()).unwrap(),
                    );
                }
            }
            Received {
                name: v["name"].as_str().unwrap().to_owned(),
                method: v["method"].as_str().unwrap().to_owned(),
                path,
                query,
                headers,
                body: body_bytes(&v["body"]),
                region: v["region"].as_str().unwrap().to_owned(),
                service: v["service"].as_str().unwrap().to_owned(),
                access_key: v["access_key"].as_str().unwrap().to_owned(),
                secret_key: v["secret_key"].as_str().unwrap().to_owned(),
                session_token: v["session_token"].as_str().map(str::to_owned),
                now: UNIX_EPOCH + Duration::from_secs(v["epoch_seconds"].as_u64().unwrap()),
                presigned,
                expires: v["expires"].as_u64().unwrap_or(0),
                signature: expected["signature"].as_str().unwrap().to_owned(),
            }
        })
        .collect()
}

#[test]
fn accepts_every_botocore_vector() {
    let vectors = load();
    for v in &vectors {
        let ok = v
            .verify()
            .unwrap_or_else(|e| panic!("{}: rejected: {}", v.name, e.message()));
        assert_eq!(ok.access_key_id, v.access_key, "{}", v.name);
        assert_eq!(ok.session_token, v.session_token, "{}", v.name);
        assert_eq!(ok.region, v.region, "{}", v.name);
        assert_eq!(ok.service, v.service, "{}", v.name);
        assert_eq!(ok.signed_at, v.now, "{}", v.name);
    }
    assert!(vectors.iter().any(|v| v.presigned) && vectors.iter().any(|v| !v.presigned));
}

#[test]
fn rejects_every_vector_with_one_signature_character_changed() {
    for v in &load() {
        for pos in [0, 31, 63] {
            let mut sig = v.signature.clone().into_bytes();
            sig[pos] = if sig[pos] == b'0' { b'1' } else { b'0' };
            let tampered = v.with_signature(std::str::from_utf8(&sig).unwrap());
            assert_eq!(
                tampered.verify(),
                Err(Rejection::SignatureDoesNotMatch),
                "{} at {pos}",
                v.name
            );
        }
        // A truncated or non-hex signature is a mismatch too, never a panic.
        let short = v.with_signature(&v.signature[..40]);
        assert_eq!(
            short.verify(),
            Err(Rejection::SignatureDoesNotMatch),
            "{}",
            v.name
        );
    }
}

#[test]
fn rejects_a_wrong_secret() {
    for v in &load() {
        let err = v.verify_with(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ",
            &v.region,
            &v.service,
            v.now,
        );
        assert_eq!(err, Err(Rejection::SignatureDoesNotMatch), "{}", v.name);
        let err = err.unwrap_err();
        assert_eq!(err.status(), 403);
        assert!(
            err.message().starts_with(
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method."
            ),
            "{}",
            err.message()
        );
    }
}

#[test]
fn rejects_an_unknown_access_key() {
    let v = &load()[0];
    let err = verify(&v.request(), &|_| None, &v.region, &v.service, v.now).unwrap_err();
    assert_eq!(err, Rejection::UnknownAccessKey);
    assert_eq!(
        err.message(),
        "The security token included in the request is invalid."
    );
}

#[test]
fn rejects_a_body_changed_after_signing() {
    for v in &load() {
        let mut changed = v.clone_parts();
        changed.body.push(b' ');
        assert_eq!(
            changed.verify(),
            Err(Rejection::SignatureDoesNotMatch),
            "{}",
            v.name
        );
        if let Some(last) = v.body.len().checked_sub(1) {
            let mut flipped = v.clone_parts();
            flipped.body[last] ^= 1;
            assert_eq!(
                flipped.verify(),
                Err(Rejection::SignatureDoesNotMatch),
                "{}",
                v.name
            );
        }
    }
}

#[test]
fn rejects_a_changed_path_query_method_or_signed_header() {
    for v in load().iter().filter(|v| v.service == "execute-api") {
        let mut path = v.clone_parts();
        path.path.push('x');
        assert_eq!(
            path.verify(),
            Err(Rejection::SignatureDoesNotMatch),
            "{} path",
            v.name
        );

        let mut query = v.clone_parts();
        query.query = Some(match &v.query {
            Some(q) => format!("{q}&extra=1"),
            None => "extra=1".to_owned(),
        });
        assert_eq!(
            query.verify(),
            Err(Rejection::SignatureDoesNotMatch),
            "{} query",
            v.name
        );

        let mut method = v.clone_parts();
        method.method = if v.method == "GET" {
            "HEAD".into()
        } else {
            "GET".into()
        };
        assert_eq!(
            method.verify(),
            Err(Rejection::SignatureDoesNotMatch),
            "{} method",
            v.name
        );

        let mut host = v.clone_parts();
        host.headers
            .insert("host", HeaderValue::from_static("evil.example.com"));
        assert_eq!(
            host.verify(),
            Err(Rejection::SignatureDoesNotMatch),
            "{} host",
            v.name
        );
    }
}

#[test]
fn already_encoded_query_values_must_not_be_encoded_twice() {
    // awscurl's known bug: signing `q=a%2Fb` as `a%252Fb`. The wire is the vector's; only the
    // canonical form the client used differs, so its signature cannot verify.
    let vectors = load();
    let v = vectors
        .iter()
        .find(|v| v.name == "query_already_encoded")
        .unwrap();
    assert!(v.verify().is_ok());
    let mut double = v.clone_parts();
    double.query = Some("q=a%252Fb".to_owned());
    assert_eq!(double.verify(), Err(Rejection::SignatureDoesNotMatch));
}

#[test]
fn rejects_unsigned_payload_and_a_stale_content_hash() {
    let vectors = load();
    let v = vectors.iter().find(|v| v.name == "post_json").unwrap();
    let mut unsigned = v.clone_parts();
    unsigned.headers.insert(
        "x-amz-content-sha256",
        HeaderValue::from_static("UNSIGNED-PAYLOAD"),
    );
    assert_eq!(unsigned.verify(), Err(Rejection::SignatureDoesNotMatch));
    // The real hash in the header is fine (it is not signed in this vector, so the signature holds).
    let mut real = v.clone_parts();
    let hash = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&v.body));
    real.headers.insert(
        "x-amz-content-sha256",
        HeaderValue::from_str(&hash).unwrap(),
    );
    assert!(real.verify().is_ok());
}

#[test]
fn rejects_requests_outside_the_five_minute_window() {
    for v in load().iter().filter(|v| !v.presigned) {
        let five = Duration::from_secs(300);
        assert!(v.verify_at(v.now + five).is_ok(), "{}", v.name);
        assert!(v.verify_at(v.now - five).is_ok(), "{}", v.name);
        let late = v.now + five + Duration::from_secs(1);
        let err = v.verify_at(late).unwrap_err();
        assert!(
            matches!(err, Rejection::SignatureExpired { .. }),
            "{}: {err:?}",
            v.name
        );
        assert_eq!(err.error_type(), "InvalidSignatureException");
        let early = v.now - five - Duration::from_secs(1);
        let err = v.verify_at(early).unwrap_err();
        assert!(
            matches!(err, Rejection::SignatureNotYetCurrent { .. }),
            "{}: {err:?}",
            v.name
        );
    }
    let vectors = load();
    let v = vectors.iter().find(|v| v.name == "get_stage_path").unwrap();
    assert_eq!(v.now, UNIX_EPOCH + Duration::from_secs(1_768_480_496));
    let err = v
        .verify_at(v.now + Duration::from_secs(15 * 60))
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Signature expired: 20260115T123456Z is now earlier than 20260115T124456Z (20260115T124956Z - 5 min.)"
    );
    let err = v
        .verify_at(v.now - Duration::from_secs(10 * 60))
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Signature not yet current: 20260115T123456Z is still later than 20260115T122956Z (20260115T122456Z + 5 min.)"
    );
}

#[test]
fn presigned_urls_expire_after_x_amz_expires() {
    for v in load().iter().filter(|v| v.presigned) {
        let expires = Duration::from_secs(v.expires);
        assert!(v.verify_at(v.now + expires).is_ok(), "{}", v.name);
        let err = v
            .verify_at(v.now + expires + Duration::from_secs(1))
            .unwrap_err();
        assert_eq!(err, Rejection::RequestExpired, "{}", v.name);
        assert_eq!(err.message(), "Request has expired");
    }
}

#[test]
fn rejects_the_wrong_region_or_service_with_api_gateway_text() {
    let vectors = load();
    let v = vectors.iter().find(|v| v.name == "eu_west_2_get").unwrap();
    let err = v
        .verify_with(&v.secret_key, "us-east-1", "execute-api", v.now)
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Credential should be scoped to a valid region, not 'eu-west-2'. "
    );
    let v = vectors.iter().find(|v| v.name == "lambda_invoke").unwrap();
    let err = v
        .verify_with(&v.secret_key, "us-east-1", "execute-api", v.now)
        .unwrap_err();
    assert_eq!(
        err,
        Rejection::WrongService {
            expected: "execute-api".into()
        }
    );
    assert_eq!(
        err.message(),
        "Credential should be scoped to correct service: 'execute-api'. "
    );
    let v = vectors.iter().find(|v| v.name == "sts_post_form").unwrap();
    let err = v
        .verify_with(&v.secret_key, "us-east-1", "execute-api", v.now)
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Credential should be scoped to a valid region, not 'eu-west-2'. \
         Credential should be scoped to correct service: 'execute-api'. "
    );
    assert_eq!(err.status(), 403);
}

#[test]
fn host_must_be_signed_and_auth_must_be_present() {
    let vectors = load();
    let v = vectors.iter().find(|v| v.name == "get_stage_path").unwrap();
    let mut unsigned_host = v.clone_parts();
    let auth = v.headers["authorization"]
        .to_str()
        .unwrap()
        .replace("SignedHeaders=host;", "SignedHeaders=");
    unsigned_host
        .headers
        .insert("authorization", HeaderValue::from_str(&auth).unwrap());
    let err = unsigned_host.verify().unwrap_err();
    assert_eq!(
        err,
        Rejection::IncompleteSignature(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.".into()
        )
    );

    let mut none = v.clone_parts();
    none.headers.remove("authorization");
    assert_eq!(none.verify(), Err(Rejection::MissingAuthenticationToken));
    assert_eq!(
        Rejection::MissingAuthenticationToken.message(),
        "Missing Authentication Token"
    );

    let mut no_date = v.clone_parts();
    no_date.headers.remove("x-amz-date");
    assert!(matches!(
        no_date.verify(),
        Err(Rejection::IncompleteSignature(_))
    ));
}

#[test]
fn scope_date_must_be_the_request_date() {
    let vectors = load();
    let v = vectors.iter().find(|v| v.name == "get_stage_path").unwrap();
    let mut other_day = v.clone_parts();
    other_day
        .headers
        .insert("x-amz-date", HeaderValue::from_static("20260116T123456Z"));
    let err = other_day
        .verify_at(v.now + Duration::from_secs(86_400))
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: \
         '20260115' != '20260116', from '20260116T123456Z'."
    );
}

#[test]
fn a_literal_plus_in_the_query_is_accepted_in_each_reading() {
    // Sign `q=a+b` three ways with the vector's credentials, through a copy of the canonical
    // request with only the query line replaced: as %2B, as %20 and as sent (botocore).
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256};
    let vectors = load();
    let v = vectors
        .iter()
        .find(|v| v.name == "query_literal_plus")
        .unwrap();
    let text = std::fs::read_to_string(VECTORS).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let raw = doc["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["name"] == "query_literal_plus")
        .unwrap();
    let canonical = raw["expected"]["canonical_request"].as_str().unwrap();
    let mac = |key: &[u8], data: &str| {
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
        m.update(data.as_bytes());
        m.finalize().into_bytes().to_vec()
    };
    let k = mac(format!("AWS4{}", v.secret_key).as_bytes(), "20260115");
    let k = mac(&mac(&mac(&k, "us-east-1"), "execute-api"), "aws4_request");
    for reading in ["q=a%2Bb", "q=a%20b", "q=a+b"] {
        let creq = canonical.replace("\nq=a%2Bb\n", &format!("\n{reading}\n"));
        let sts = format!(
            "AWS4-HMAC-SHA256\n20260115T123456Z\n20260115/us-east-1/execute-api/aws4_request\n{}",
            hex::encode(Sha256::digest(creq.as_bytes()))
        );
        let mut sent = v.with_signature(&hex::encode(mac(&k, &sts)));
        sent.query = Some("q=a+b".to_owned());
        assert!(sent.verify().is_ok(), "reading {reading}");
    }
    // A different value is still refused.
    let mut other = v.clone_parts();
    other.query = Some("q=a+c".to_owned());
    assert_eq!(other.verify(), Err(Rejection::SignatureDoesNotMatch));
}
