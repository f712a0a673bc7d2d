//! SigV4 signing: the crate's `Signer` beside `aws-sigv4` used directly (with the settings the
//! signer has always given it), `reqsign` (Apache OpenDAL's signer) and the signer as it was
//! built on `aws-sigv4` (`oracle`), in one run, on the same requests:
//!
//! - `sigv4_get`: a GET with a 900-character session token (what an `ApiClient` sends most);
//! - `sigv4_post_1kib`: a POST with a 1 KiB JSON body;
//! - `sigv4_post_1mib`: a POST with a 1 MiB body, beside one `sha2` SHA-256 of 1 MiB, the floor,
//!   and (`interleaved/*`, printed, not a criterion benchmark) each signer timed alternately
//!   with that hash, which cancels the drift between benchmarks run a minute apart;
//! - `sigv4_presign`: a presigned GET URL (WebSocket `$connect`);
//! - `sigv4_parts`: what a signature is made of (key derivation, the hashes), with `sha2` and
//!   `aws-lc-rs` side by side.
//!
//! Only the signing is timed: each iteration gets a fresh copy of the request, made outside the
//! timed section (`iter_batched_ref` in batches of 64, nothing returned: large batches grow the
//! heap, and the signers' allocations then land on fresh pages, which times page faults). `aws_sigv4` gets its URI as a string and its identity made
//! beforehand (what a caller reusing them would do) and sets its headers on the request
//! (`apply_to_request_http1x`). `reqsign` signs the request head and, not hashing bodies itself,
//! is given `x-amz-content-sha256` computed with `sha2` inside the timed section (it then signs
//! that header too); it reads the clock itself.
//!
//! Times are the benchmark thread's CPU time (see [`ThreadCpuTime`]).
//!
//! ```text
//! cargo bench -p cognito-sigv4-benches --bench signing -- --warm-up-time 2 --measurement-time 5
//! ```

use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use cognito_sigv4::signing::{Signer, oracle};
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{
    BatchSize, BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main,
};
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, Method, Request};
use sha2::{Digest, Sha256};

const REGION: &str = "us-east-1";
const SERVICE: &str = "execute-api";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const KEY_ID: &str = "ASIAEXAMPLEEXAMPLE12";

/// A session token the length of a Cognito identity pool's (about 900 characters).
fn session_token() -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut token = String::from("IQoJb3JpZ2luX2Vj");
    token.extend((0..884).map(|i| char::from(alphabet[(i * 37 + i / 7) % 64])));
    token
}

fn time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_768_480_496)
}

/// Everything the candidates are handed, built once.
struct Fixture {
    signer: Signer,
    credentials: Credentials,
    identity: Identity,
    settings: SigningSettings,
    reqsign_signer: reqsign_aws_v4::RequestSigner,
    reqsign_credential: reqsign_aws_v4::Credential,
    reqsign_context: reqsign_core::Context,
}

impl Fixture {
    fn new() -> Self {
        let signer = Signer::new(REGION, SERVICE);
        let token = session_token();
        let credentials = Credentials::new(KEY_ID, SECRET, Some(token.clone()), None, "bench");
        Self {
            settings: oracle::settings(&signer),
            signer,
            identity: credentials.clone().into(),
            credentials,
            reqsign_signer: reqsign_aws_v4::RequestSigner::new(SERVICE, REGION),
            reqsign_credential: reqsign_aws_v4::Credential {
                access_key_id: KEY_ID.into(),
                secret_access_key: SECRET.into(),
                session_token: Some(token),
                expires_in: None,
            },
            reqsign_context: reqsign_core::Context::new(),
        }
    }

    fn cognito_sigv4(&self, request: &mut Request<Bytes>) {
        self.signer
            .sign(request, &self.credentials, time())
            .expect("signs");
    }

    fn oracle(&self, request: &mut Request<Bytes>) {
        oracle::sign(&self.signer, request, &self.credentials, time()).expect("signs");
    }

    fn aws_sigv4(&self, (request, uri): &mut (Request<Bytes>, String)) {
        let instructions = {
            let headers = request
                .headers()
                .iter()
                .map(|(k, v)| (k.as_str(), v.to_str().expect("ASCII")));
            let signable = SignableRequest::new(
                request.method().as_str(),
                uri.as_str(),
                headers,
                SignableBody::Bytes(request.body()),
            )
            .expect("signable");
            let params = v4::SigningParams::builder()
                .identity(&self.identity)
                .region(REGION)
                .name(SERVICE)
                .time(time())
                .settings(self.settings.clone())
                .build()
                .expect("params")
                .into();
            sign(signable, &params).expect("signs").into_parts().0
        };
        instructions.apply_to_request_http1x(request);
    }

    fn reqsign(&self, (parts, body): &mut (http::request::Parts, Bytes)) {
        use reqsign_core::SignRequest;
        let hash = Sha256::digest(&body[..]);
        let mut hex = [0u8; 64];
        hex::encode_to_slice(hash, &mut hex).expect("64 bytes");
        parts.headers.insert(
            "x-amz-content-sha256",
            http::HeaderValue::from_bytes(&hex).expect("hex"),
        );
        let signing = self.reqsign_signer.sign_request(
            &self.reqsign_context,
            parts,
            Some(&self.reqsign_credential),
            None,
        );
        // It never awaits anything with a static credential: one poll finishes it.
        match pin!(signing).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(result) => result.expect("signs"),
            Poll::Pending => panic!("reqsign waited"),
        }
    }
}

fn request(method: Method, uri: &str, body: Bytes) -> Request<Bytes> {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header("accept", "application/json");
    if !body.is_empty() {
        builder = builder.header("content-type", "application/json");
    }
    builder.body(body).expect("static request is valid")
}

/// The four candidates on `template`, each given a fresh copy per iteration.
fn compare(
    group: &mut BenchmarkGroup<'_, ThreadCpuTime>,
    fixture: &Fixture,
    template: &Request<Bytes>,
    with_oracle: bool,
) {
    let uri = template.uri().to_string();
    group.bench_function("cognito_sigv4", |b| {
        b.iter_batched_ref(
            || template.clone(),
            |r| fixture.cognito_sigv4(r),
            BatchSize::NumIterations(64),
        )
    });
    group.bench_function("aws_sigv4", |b| {
        b.iter_batched_ref(
            || (template.clone(), uri.clone()),
            |r| fixture.aws_sigv4(r),
            BatchSize::NumIterations(64),
        )
    });
    group.bench_function("reqsign", |b| {
        b.iter_batched_ref(
            || {
                let (parts, body) = template.clone().into_parts();
                (parts, body)
            },
            |r| fixture.reqsign(r),
            BatchSize::NumIterations(64),
        )
    });
    if with_oracle {
        group.bench_function("oracle_previous_signer", |b| {
            b.iter_batched_ref(
                || template.clone(),
                |r| fixture.oracle(r),
                BatchSize::NumIterations(64),
            )
        });
        // The same with a new signer each time: the signing key is derived on every call.
        group.bench_function("cognito_sigv4_cold_key", |b| {
            b.iter_batched_ref(
                || (template.clone(), Signer::new(REGION, SERVICE)),
                |(r, signer)| {
                    signer.sign(r, &fixture.credentials, time()).expect("signs");
                },
                BatchSize::NumIterations(64),
            )
        });
    }
}

/// Whether the benchmark filter given on the command line (if any) selects `id`.
fn wants(id: &str) -> bool {
    let mut args = std::env::args().skip(1).peekable();
    let mut filters = Vec::new();
    while let Some(arg) = args.next() {
        if arg.starts_with("--") {
            // Options that take a value: skip it.
            if args
                .peek()
                .is_some_and(|v| !v.starts_with("--") && v.parse::<f64>().is_ok())
            {
                args.next();
            }
        } else {
            filters.push(arg);
        }
    }
    filters.is_empty() || filters.iter().any(|f| id.contains(f.as_str()))
}

/// The 1 MiB comparison without the drift between benchmarks run a minute apart (SHA-256
/// throughput moves by 1-2 % on the shared machine): each signer and one `sha2` SHA-256 of
/// the body, timed back to back in alternating order, 300 pairs each; printed as the mean of
/// the per-pair ratios with its standard error, and the mean time beyond the hash.
fn interleaved_1mib(fixture: &Fixture, upload: &Request<Bytes>, body: &[u8]) {
    let clock = ThreadCpuTime::new();
    let uri = upload.uri().to_string();
    let time = |f: &mut dyn FnMut()| {
        let t = clock.now();
        f();
        clock.now().saturating_sub(t).as_nanos() as f64
    };
    let run = |name: &str, sign: &mut dyn FnMut()| {
        let mut ratios = Vec::new();
        let mut excess = 0.0;
        for i in 0..300 {
            let mut hash = || {
                black_box(Sha256::digest(black_box(body)));
            };
            let (signed, hashed) = if i % 2 == 0 {
                let signed = time(sign);
                (signed, time(&mut hash))
            } else {
                let hashed = time(&mut hash);
                (time(sign), hashed)
            };
            ratios.push(signed / hashed);
            excess += signed - hashed;
        }
        let n = ratios.len() as f64;
        let mean = ratios.iter().sum::<f64>() / n;
        let var = ratios.iter().map(|r| (r - mean).powi(2)).sum::<f64>() / (n - 1.0);
        println!(
            "sigv4_post_1mib/interleaved/{name}: {mean:.4}x one sha2 SHA-256 of 1 MiB \
             (standard error {:.4}; {:.1} us beyond the hash on average; {} pairs)",
            (var / n).sqrt(),
            excess / n / 1000.0,
            ratios.len()
        );
    };
    run("cognito_sigv4", &mut || {
        let mut r = upload.clone();
        fixture.cognito_sigv4(&mut r);
    });
    run("aws_sigv4", &mut || {
        let mut r = (upload.clone(), uri.clone());
        fixture.aws_sigv4(&mut r);
    });
    run("reqsign", &mut || {
        let mut r = upload.clone().into_parts();
        fixture.reqsign(&mut r);
    });
}

const STAGE: &str = "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod";

fn bench_signing(c: &mut Criterion<ThreadCpuTime>) {
    let fixture = Fixture::new();

    let get = request(
        Method::GET,
        &format!("{STAGE}/pets/42?limit=10&q=a%2Fb"),
        Bytes::new(),
    );
    let mut group = c.benchmark_group("sigv4_get");
    compare(&mut group, &fixture, &get, true);
    group.finish();

    let json: String = std::iter::once("{\"items\":[".to_owned())
        .chain((0..).map(|i| format!("{{\"id\":{i},\"name\":\"pet-{i}\"}},")))
        .flat_map(|s| s.into_bytes())
        .take(1023)
        .map(char::from)
        .chain(std::iter::once('}'))
        .collect();
    let post = request(Method::POST, &format!("{STAGE}/pets"), Bytes::from(json));
    let mut group = c.benchmark_group("sigv4_post_1kib");
    group.throughput(Throughput::Bytes(1024));
    compare(&mut group, &fixture, &post, true);
    group.finish();

    let big = Bytes::from(
        (0..1_048_576u32)
            .map(|i| (i * 31) as u8)
            .collect::<Vec<u8>>(),
    );
    let upload = request(Method::POST, &format!("{STAGE}/upload"), big.clone());
    let mut group = c.benchmark_group("sigv4_post_1mib");
    group.throughput(Throughput::Bytes(big.len() as u64));
    group.bench_function("sha2_sha256_1mib", |b| {
        b.iter(|| black_box(Sha256::digest(black_box(&big[..]))))
    });
    compare(&mut group, &fixture, &upload, false);
    group.finish();

    if wants("sigv4_post_1mib/interleaved") {
        interleaved_1mib(&fixture, &upload, &big);
    }

    let url: url::Url = format!("{STAGE}?limit=10").parse().expect("URL");
    let mut group = c.benchmark_group("sigv4_presign");
    let presign = |signer: &Signer| {
        signer
            .presign(
                &Method::GET,
                &url,
                &HeaderMap::new(),
                b"",
                &fixture.credentials,
                time(),
                Duration::from_secs(300),
            )
            .expect("presigns")
    };
    group.bench_function("cognito_sigv4", |b| b.iter(|| presign(&fixture.signer)));
    group.bench_function("oracle_previous_signer", |b| {
        b.iter(|| {
            oracle::presign(
                &fixture.signer,
                &Method::GET,
                &url,
                &HeaderMap::new(),
                b"",
                &fixture.credentials,
                time(),
                Duration::from_secs(300),
            )
            .expect("presigns")
        })
    });
    group.finish();

    bench_parts(c, &fixture, &get);
}

/// The pieces a signature costs, to show where the time goes.
fn bench_parts(c: &mut Criterion<ThreadCpuTime>, fixture: &Fixture, get: &Request<Bytes>) {
    type HmacSha256 = Hmac<Sha256>;
    let hmac = |key: &[u8], data: &[u8]| {
        let mut mac = HmacSha256::new_from_slice(key).expect("any key length");
        mac.update(data);
        mac.finalize().into_bytes()
    };
    // The canonical request the crate hashes for `sigv4_get` (about 1,100 bytes): the token
    // is most of it.
    let canonical = format!(
        "GET\n/prod/pets/42\nlimit=10&q=a%2Fb\naccept:application/json\n\
         host:abc123defg.execute-api.us-east-1.amazonaws.com\nx-amz-date:20260115T123456Z\n\
         x-amz-security-token:{}\n\naccept;host;x-amz-date;x-amz-security-token\n{}",
        session_token(),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n20260115T123456Z\n20260115/{REGION}/{SERVICE}/aws4_request\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let keyed = HmacSha256::new_from_slice(&[7u8; 32]).expect("any key length");
    let mut group = c.benchmark_group("sigv4_parts");
    group.bench_function("derive_signing_key_4_hmacs", |b| {
        b.iter(|| {
            let k = hmac(format!("AWS4{SECRET}").as_bytes(), b"20260115");
            let k = hmac(&k, REGION.as_bytes());
            let k = hmac(&k, SERVICE.as_bytes());
            black_box(hmac(&k, b"aws4_request"))
        })
    });
    group.bench_function("secret_fingerprint_sha2", |b| {
        b.iter(|| black_box(Sha256::digest(black_box(SECRET.as_bytes()))))
    });
    group.bench_function("hmac_string_to_sign_from_cached_key", |b| {
        b.iter(|| {
            let mut mac = keyed.clone();
            mac.update(black_box(string_to_sign.as_bytes()));
            black_box(mac.finalize().into_bytes())
        })
    });
    group.throughput(Throughput::Bytes(canonical.len() as u64));
    group.bench_function("sha256_canonical_request/sha2", |b| {
        b.iter(|| black_box(Sha256::digest(black_box(canonical.as_bytes()))))
    });
    group.bench_function("sha256_canonical_request/aws_lc_rs", |b| {
        b.iter(|| {
            black_box(aws_lc_rs::digest::digest(
                &aws_lc_rs::digest::SHA256,
                black_box(canonical.as_bytes()),
            ))
        })
    });
    let mib = vec![0x5Au8; 1 << 20];
    group.throughput(Throughput::Bytes(mib.len() as u64));
    group.bench_function("sha256_1mib/sha2", |b| {
        b.iter(|| black_box(Sha256::digest(black_box(&mib[..]))))
    });
    group.bench_function("sha256_1mib/aws_lc_rs", |b| {
        b.iter(|| {
            black_box(aws_lc_rs::digest::digest(
                &aws_lc_rs::digest::SHA256,
                black_box(&mib[..]),
            ))
        })
    });
    group.throughput(Throughput::Elements(1));
    // Copying the request, which the comparisons above leave out of their timings.
    group.bench_function("clone_get_request", |b| b.iter(|| black_box(get.clone())));
    let _ = fixture;
    group.finish();
}

/// The benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`) instead of wall time: the
/// project's 2-core machine is shared, and time spent descheduled would otherwise land in
/// whichever candidate was running. `SIGV4_BENCH_CLOCK=wall` measures wall time instead (the
/// ratios between candidates come out the same; BENCHMARKS.md has both).
struct ThreadCpuTime {
    wall: WallTime,
    use_wall: bool,
    /// Wall time is read as the offset from this instant.
    origin: std::time::Instant,
}

impl ThreadCpuTime {
    #[allow(
        clippy::disallowed_methods,
        reason = "a benchmark's clock, not the crate's: wall time on request"
    )]
    fn new() -> Self {
        Self {
            wall: WallTime,
            use_wall: std::env::var("SIGV4_BENCH_CLOCK").is_ok_and(|v| v == "wall"),
            origin: std::time::Instant::now(),
        }
    }

    #[allow(
        clippy::disallowed_methods,
        reason = "a benchmark's clock, not the crate's: wall time on request"
    )]
    fn now(&self) -> Duration {
        if self.use_wall {
            return self.origin.elapsed();
        }
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        Duration::new(
            u64::try_from(t.tv_sec).unwrap_or_default(),
            u32::try_from(t.tv_nsec).unwrap_or_default(),
        )
    }
}

impl Measurement for ThreadCpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        self.now()
    }
    fn end(&self, start: Duration) -> Duration {
        self.now().saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        // Nanoseconds, as wall time's are.
        self.wall.formatter()
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime::new());
    targets = bench_signing
}
criterion_main!(benches);
