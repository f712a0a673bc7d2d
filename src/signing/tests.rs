//! Unit tests of the signer's own rules (the oracle and botocore checks are in `tests/`).

use super::canonical::{canonical_query, remove_dot_segments};
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
    // After a signature, so that the key cache and the token header are filled.
    let credentials = creds(Some("SESSIONTOKEN"));
    let mut req = request("https://bucket.s3.eu-west-2.amazonaws.com/k");
    signer.sign(&mut req, &credentials, t0()).unwrap();
    let dbg = format!("{signer:?} {signer:#?}");
    assert!(
        dbg.contains("eu-west-2") && dbg.contains("double_encode_path: false"),
        "{dbg}"
    );
    assert!(
        !dbg.contains(credentials.secret_access_key()) && !dbg.contains("SESSIONTOKEN"),
        "{dbg}"
    );
    assert!(format!("{:?}", Signer::execute_api("x")).contains("double_encode_path: true"));
}

mod canonical_query_fast_path {
    use super::super::canonical::{canonical_query_reference, is_canonical_query};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// The one-pass check answers "canonical" only where decoding and re-encoding would
        /// give the query back unchanged.
        #[test]
        fn agrees_with_the_reference(raw in "([a-zA-Z0-9=&%+~._!*'()/:@ -]|%[0-9a-fA-F]{2}|é){0,24}") {
            if is_canonical_query(&raw) {
                let reference = canonical_query_reference(&raw);
                prop_assert!(matches!(reference, Ok(std::borrow::Cow::Borrowed(_))), "{raw}");
            }
            let fast = super::canonical_query(&raw).map_err(|e| e.kind());
            let reference = canonical_query_reference(&raw).map_err(|e| e.kind());
            prop_assert_eq!(fast, reference);
        }
    }

    #[test]
    fn recognises_common_canonical_queries() {
        for raw in ["", "a=1", "limit=10&q=a%2Fb", "flag", "=", "a=&b", "k=%00"] {
            assert!(is_canonical_query(raw), "{raw}");
        }
        for raw in [
            "a=1&", "&a", "a=b=c", "q=%2f", "q=%7E", "q=a+b", "q=%C3%A9", "q=%", "é",
        ] {
            assert!(!is_canonical_query(raw), "{raw}");
        }
    }
}
