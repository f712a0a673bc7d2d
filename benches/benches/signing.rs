//! Signing cost: a small JSON request and a 1 MiB body (header mode), and a presigned URL.
//!
//! Run: `cargo bench -p cognito-sigv4-benches --bench signing`.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use bytes::Bytes;
use cognito_sigv4::signing::Signer;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http::{HeaderMap, Method, Request};

fn credentials() -> Credentials {
    Credentials::new(
        "ASIAEXAMPLEEXAMPLE12",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        Some("IQoJb3JpZ2luX2VjEXAMPLE/TOKEN+with/slashes+and+plus==".repeat(8)),
        None,
        "bench",
    )
}

fn request(body: Bytes) -> Request<Bytes> {
    Request::builder()
        .method("POST")
        .uri("https://abc123defg.execute-api.us-east-1.amazonaws.com/prod/pets/a%20b?limit=10&q=a%2Fb")
        .header("content-type", "application/json")
        .body(body)
        .expect("static request is valid")
}

fn bench_signing(c: &mut Criterion) {
    let signer = Signer::execute_api("us-east-1");
    let creds = credentials();
    let time: SystemTime = UNIX_EPOCH + Duration::from_secs(1_768_480_496);

    let small = Bytes::from_static(br#"{"name":"Rex","kind":"dog","tags":["a","b"],"age":3}"#);
    let mut group = c.benchmark_group("sign");
    group.throughput(Throughput::Bytes(small.len() as u64));
    group.bench_function("small_json", |b| {
        b.iter(|| {
            let mut req = request(small.clone());
            signer.sign(&mut req, &creds, time).expect("signs");
            black_box(req)
        })
    });
    let big = Bytes::from(
        (0..1_048_576u32)
            .map(|i| (i * 31) as u8)
            .collect::<Vec<u8>>(),
    );
    group.throughput(Throughput::Bytes(big.len() as u64));
    group.bench_function("body_1mib", |b| {
        b.iter(|| {
            let mut req = request(big.clone());
            signer.sign(&mut req, &creds, time).expect("signs");
            black_box(req)
        })
    });
    group.finish();

    // A `url::Url`, inferred from `presign`'s signature.
    let url = "https://abc123defg.execute-api.us-east-1.amazonaws.com/prod/pets?limit=10"
        .parse()
        .expect("static URL is valid");
    c.bench_function("presign/get", |b| {
        b.iter(|| {
            let out = signer
                .presign(
                    &Method::GET,
                    &url,
                    &HeaderMap::new(),
                    b"",
                    &creds,
                    time,
                    Duration::from_secs(300),
                )
                .expect("presigns");
            black_box(out)
        })
    });
}

criterion_group!(benches, bench_signing);
criterion_main!(benches);
