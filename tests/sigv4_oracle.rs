//! The fast signer against `aws-sigv4`: random requests signed by `Signer` and by the signer
//! as it was built on `aws-sigv4` (`cognito_sigv4::signing::oracle`, the same preparation and
//! `aws-sigv4`'s settings) must come out identical: the same headers, values, order and
//! sensitivity, the same wire URI, the same presigned URL, or the same kind of error.
//!
//! Inputs cover what callers send: every method, paths with dot segments, empty segments,
//! percent-escapes (valid, lower-case, broken) and raw Unicode, queries with repeated keys,
//! bare keys, empty values, `+`, reserved characters and escapes that do not decode to UTF-8,
//! headers in any case with several values, runs of spaces and tabs, non-ASCII values, the
//! headers SigV4 leaves unsigned, a `Host` header; bodies empty, small and over 100 KiB;
//! credentials with and without a session token (a token that is not a valid header value
//! too); header mode (and signing again, as a retry does) and presigned URLs; `s3`,
//! `execute-api` and `sts`. The signers are shared by all cases, so their signing-key cache
//! sees secrets and days change.

use std::sync::LazyLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use bytes::Bytes;
use cognito_sigv4::signing::{Signer, oracle};
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Uri};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::FileFailurePersistence;

/// (region, service) of the shared signers.
const SERVICES: [(&str, &str); 4] = [
    ("us-east-1", "execute-api"),
    ("eu-west-2", "s3"),
    ("us-east-1", "sts"),
    ("ap-southeast-2", "execute-api"),
];

static SIGNERS: LazyLock<Vec<Signer>> = LazyLock::new(|| {
    SERVICES
        .iter()
        .map(|(region, service)| Signer::new(*region, *service))
        .collect()
});

const AUTHORITIES: [&str; 7] = [
    "https://abc123defg.execute-api.us-east-1.amazonaws.com",
    "https://bucket.s3.eu-west-2.amazonaws.com",
    "http://localhost:8080",
    "https://h.example:443",
    "http://h.example:80",
    "https://h.example:8443",
    "https://[::1]:9000",
];

/// Pieces of a path segment: each valid in an `http::Uri` path.
const PATH_ATOMS: &[&str] = &[
    "a", "Z", "9", "prod", "pets", "-", "_", ".", "~", "!", "$", "&", "'", "(", ")", "*", "+", ",",
    ";", "=", ":", "@", "[", "]", "|", "\"", "{", "}", "^", "\\", "%20", "%2F", "%2f", "%25", "%",
    "%zz", "%C3%A9", "é", "日本",
];

/// Pieces of a query: each valid in an `http::Uri` query.
const QUERY_ATOMS: &[&str] = &[
    "a",
    "b",
    "K",
    "0",
    "-",
    "_",
    ".",
    "~",
    "=",
    "=",
    "&",
    "&",
    "+",
    "%20",
    "%2F",
    "%2f",
    "%7E",
    "%41",
    "%",
    "%zz",
    "%C3%A9",
    "é",
    "!",
    "$",
    "'",
    "(",
    ")",
    "*",
    ",",
    ";",
    ":",
    "@",
    "/",
    "?",
    "[",
    "]",
    "{",
    "}",
    "|",
    "^",
    "`",
    "\\",
    "X-Amz-Date",
];

const HEADER_NAMES: &[&str] = &[
    "x-a",
    "X-B",
    "content-type",
    "user-agent",
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "x-amz-user-agent",
    "x-amz-checksum-mode",
    "expect",
    "host",
    "x!odd",
    "x-amzn-trace-id",
    "connection",
    "x-amz-target",
];

fn path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        6 => proptest::collection::vec(proptest::sample::select(PATH_ATOMS), 1..4)
            .prop_map(|atoms| atoms.concat()),
        1 => Just(".".to_owned()),
        1 => Just("..".to_owned()),
        1 => Just(String::new()),
    ];
    (proptest::collection::vec(segment, 0..6), any::<bool>()).prop_map(|(segments, slash)| {
        let mut path = String::new();
        for s in segments {
            path.push('/');
            path.push_str(&s);
        }
        if slash || path.is_empty() {
            path.push('/');
        }
        path
    })
}

fn query() -> impl Strategy<Value = Option<String>> {
    let invalid = prop_oneof![19 => Just(""), 1 => Just("%FF")];
    prop_oneof![
        1 => Just(None),
        4 => (
            proptest::collection::vec(proptest::sample::select(QUERY_ATOMS), 0..12),
            invalid,
        )
            .prop_map(|(atoms, tail)| Some(atoms.concat() + tail)),
    ]
}

fn header_value() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        8 => proptest::sample::select(&["a", "B", "1", ",", ";", "=", "\"", "~", "!", "x y"][..])
            .prop_map(|s| s.as_bytes().to_vec()),
        3 => Just(b" ".to_vec()),
        2 => Just(b"\t".to_vec()),
        1 => Just(b"  \t ".to_vec()),
        1 => Just(vec![0xE9]), // not visible ASCII: refused by both
    ];
    let weights = prop_oneof![30 => Just(false), 1 => Just(true)];
    (proptest::collection::vec(piece, 0..8), weights).prop_map(|(pieces, high)| {
        let mut value: Vec<u8> = pieces.concat();
        if !high {
            value.retain(|b| *b < 0x80);
        }
        value
    })
}

fn headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    proptest::collection::vec(
        (
            proptest::sample::select(HEADER_NAMES).prop_map(str::to_owned),
            header_value(),
        ),
        0..7,
    )
}

#[derive(Debug, Clone)]
enum Body {
    Empty,
    Small(Vec<u8>),
    /// Over 100 KiB, made from a seed (cheaper than drawing every byte).
    Large(u8, usize),
}

impl Body {
    fn bytes(&self) -> Bytes {
        match self {
            Body::Empty => Bytes::new(),
            Body::Small(b) => Bytes::from(b.clone()),
            Body::Large(seed, len) => (0..*len)
                .map(|i| (i as u8).wrapping_mul(31).wrapping_add(*seed))
                .collect(),
        }
    }
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        3 => Just(Body::Empty),
        3 => proptest::collection::vec(any::<u8>(), 1..200).prop_map(Body::Small),
        1 => (any::<u8>(), 100_000usize..140_000).prop_map(|(s, l)| Body::Large(s, l)),
    ]
}

fn credentials() -> impl Strategy<Value = Credentials> {
    let key_id = prop_oneof![
        8 => Just("AKIDEXAMPLE".to_owned()),
        8 => "ASIA[A-Z0-9]{16}",
        1 => Just("AKIDé".to_owned()),
        1 => Just("AKID\u{1}".to_owned()), // not a header value: refused in header mode by both
    ];
    let secret = prop_oneof![
        8 => "[A-Za-z0-9/+]{40}",
        1 => "[A-Za-z0-9/+]{1,8}",
        1 => "[A-Za-z0-9/+]{70,100}", // longer than an HMAC block
    ];
    let token = prop_oneof![
        3 => Just(None),
        6 => "[A-Za-z0-9/+=]{1,1000}".prop_map(Some),
        1 => Just(Some(" tok  en ".to_owned())),
        1 => Just(Some("tok\nen".to_owned())), // not a header value: refused in header mode
    ];
    (key_id, secret, token)
        .prop_map(|(id, secret, token)| Credentials::new(id, secret, token, None, "oracle"))
}

fn time() -> impl Strategy<Value = SystemTime> {
    prop_oneof![
        // Two days only, so that the cache sees the same day again.
        6 => (1_768_435_200u64..1_768_435_200 + 2 * 86_400, 0u32..1_000_000_000)
            .prop_map(|(s, n)| UNIX_EPOCH + Duration::new(s, n)),
        2 => (0u64..4_102_444_800, 0u32..1_000_000_000)
            .prop_map(|(s, n)| UNIX_EPOCH + Duration::new(s, n)),
        1 => (1u64..2_000_000_000, 0u32..1_000_000_000)
            .prop_map(|(s, n)| UNIX_EPOCH - Duration::new(s, n)),
    ]
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::PUT),
        Just(Method::DELETE),
        Just(Method::PATCH),
        Just(Method::HEAD),
        Just(Method::OPTIONS),
        Just(Method::from_bytes(b"PROPFIND").unwrap()),
    ]
}

#[derive(Debug, Clone)]
struct Case {
    signer: usize,
    method: Method,
    url: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Body,
    credentials: Credentials,
    time: SystemTime,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..SERVICES.len(),
        method(),
        proptest::sample::select(&AUTHORITIES[..]),
        path(),
        query(),
        headers(),
        body(),
        credentials(),
        time(),
    )
        .prop_map(
            |(signer, method, authority, path, query, headers, body, credentials, time)| {
                let mut url = format!("{authority}{path}");
                if let Some(q) = query {
                    url.push('?');
                    url.push_str(&q);
                }
                Case {
                    signer,
                    method,
                    url,
                    headers,
                    body,
                    credentials,
                    time,
                }
            },
        )
}

fn header_map(pairs: &[(String, Vec<u8>)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("pool names are valid");
        let value = HeaderValue::from_bytes(value).expect("generated values are valid");
        map.append(name, value);
    }
    map
}

type Outcome<T> = Result<T, cognito_sigv4::ErrorKind>;

fn check_header_mode(case: &Case) -> Result<(), TestCaseError> {
    let signer = &SIGNERS[case.signer];
    let uri: Uri = case.url.parse().expect("generated URIs parse");
    let mut fast = Request::builder()
        .method(case.method.clone())
        .uri(uri)
        .body(case.body.bytes())
        .expect("valid request");
    *fast.headers_mut() = header_map(&case.headers);
    let mut slow = fast.clone();
    // Twice, as a retry signs the signed request again; the second pass hits the key cache.
    for attempt in 0..2 {
        let got: Outcome<()> = signer
            .sign(&mut fast, &case.credentials, case.time)
            .map_err(|e| e.kind());
        let want: Outcome<()> =
            oracle::sign(signer, &mut slow, &case.credentials, case.time).map_err(|e| e.kind());
        prop_assert_eq!(&got, &want, "attempt {}: outcome", attempt);
        // Even on an error, the request is left as the oracle leaves it.
        prop_assert_eq!(
            oracle::observable(&fast),
            oracle::observable(&slow),
            "attempt {}",
            attempt
        );
        if got.is_err() {
            break;
        }
    }
    Ok(())
}

fn check_presign(case: &Case, expires_in: Duration) -> Result<(), TestCaseError> {
    let signer = &SIGNERS[case.signer];
    let url = url::Url::parse(&case.url).expect("generated URLs parse");
    let headers = header_map(&case.headers);
    let body = case.body.bytes();
    let args = (&case.method, &url, &headers, &body[..]);
    let got: Outcome<String> = signer
        .presign(
            args.0,
            args.1,
            args.2,
            args.3,
            &case.credentials,
            case.time,
            expires_in,
        )
        .map(|u| u.to_string())
        .map_err(|e| e.kind());
    let want: Outcome<String> = oracle::presign(
        signer,
        args.0,
        args.1,
        args.2,
        args.3,
        &case.credentials,
        case.time,
        expires_in,
    )
    .map(|u| u.to_string())
    .map_err(|e| e.kind());
    prop_assert_eq!(got, want);
    Ok(())
}

fn expiry() -> impl Strategy<Value = Duration> {
    prop_oneof![
        12 => (1_000u64..=604_800_000).prop_map(Duration::from_millis),
        1 => (0u64..1_000).prop_map(Duration::from_millis), // under a second: refused
        1 => Just(Duration::from_secs(604_801)),             // over 7 days: refused
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn header_mode_matches_aws_sigv4(case in case()) {
        check_header_mode(&case)?;
    }

    #[test]
    fn presigned_urls_match_aws_sigv4(case in case(), expires_in in expiry()) {
        check_presign(&case, expires_in)?;
    }
}

/// The inputs must reach the signers: a strategy whose URIs did not parse would test nothing.
#[test]
fn generated_requests_are_valid_http() {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..500 {
        let case = case().new_tree(&mut runner).unwrap().current();
        assert!(case.url.parse::<Uri>().is_ok(), "{}", case.url);
        assert!(url::Url::parse(&case.url).is_ok(), "{}", case.url);
    }
}

/// What each side does with a time it cannot write (after year 9999): the crate refuses it
/// with a signing error, where `aws-sigv4` would panic in the `time` crate. Not compared.
#[test]
fn a_time_after_year_9999_is_a_signing_error() {
    let signer = Signer::execute_api("us-east-1");
    let mut request = Request::builder()
        .uri("https://h.example/p")
        .body(Bytes::new())
        .unwrap();
    let credentials = Credentials::new("AKID", "secret", None, None, "t");
    let time = UNIX_EPOCH + Duration::from_secs(253_402_300_800);
    let err = signer.sign(&mut request, &credentials, time).unwrap_err();
    assert_eq!(err.kind(), cognito_sigv4::ErrorKind::Signing);
}

/// `call -v` prints the canonical request the signer logs at TRACE; it must read as
/// `aws-sigv4`'s did, with the same values redacted (the session token's among them).
#[test]
fn the_logged_canonical_request_is_aws_sigv4s() {
    use std::sync::{Arc, Mutex};
    use tracing::field::{Field, Visit};
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<String>>>);
    struct Fields(Option<String>);
    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            if field.name() == "canonical_request" {
                self.0 = Some(format!("{value:?}"));
            }
        }
    }
    impl<S: tracing::Subscriber> Layer<S> for Capture {
        fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
            let mut fields = Fields(None);
            event.record(&mut fields);
            if let Some(creq) = fields.0 {
                self.0.lock().unwrap().push(creq);
            }
        }
    }

    let token = "IQoJb3JpZ2luX2Vj/TOKEN+x==";
    let credentials = Credentials::new("ASIAX", "secret", Some(token.into()), None, "t");
    for (region, service) in [("us-east-1", "execute-api"), ("eu-west-2", "s3")] {
        let signer = Signer::new(region, service);
        let mut request = Request::builder()
            .method("POST")
            .uri("https://h.example/prod/a%20b/./c?b=2&a=1")
            .header("x-a", "  one  two ")
            .header("cookie", "c=1")
            .body(Bytes::from_static(b"{}"))
            .unwrap();
        request
            .headers_mut()
            .append("x-a", HeaderValue::from_static("3"));
        let mut slow = request.clone();
        let capture = Capture::default();
        let subscriber = tracing_subscriber::registry().with(capture.clone());
        tracing::subscriber::with_default(subscriber, || {
            signer.sign(&mut request, &credentials, UNIX_EPOCH).unwrap();
            oracle::sign(&signer, &mut slow, &credentials, UNIX_EPOCH).unwrap();
        });
        let logged = capture.0.lock().unwrap().clone();
        assert_eq!(logged.len(), 2, "{logged:?}");
        assert_eq!(logged[0], logged[1]);
        let hidden = format!(
            "x-amz-security-token:** redacted (length={}) **",
            token.len()
        );
        assert!(logged[0].contains(&hidden), "{}", logged[0]);
        assert!(logged[0].contains("cookie:** redacted (length=3) **"));
        assert!(!logged[0].contains(token));
    }
}
