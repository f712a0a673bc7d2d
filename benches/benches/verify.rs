//! Server-side verification with a warm JWKS cache: verified tokens per second per core, by
//! `cognito_sigv4::verify`, beside `jsonwebtoken` used directly on the same token and key (its
//! `decode` with RS256, issuer and audience checks).
//!
//! ```text
//! cargo bench -p cognito-sigv4-benches --bench verify
//! ```

use cognito_sigv4::jwt::TokenUse;
use cognito_sigv4::secret::Password;
use cognito_sigv4::user_pool::{SignInStep, UserPoolClient};
use cognito_sigv4::verify::CognitoJwtVerifier;
use cognito_sigv4_emulator::{Emulator, Seed};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};

fn verify(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (_emulator, verifier, token, key) = rt.block_on(async {
        let emulator = Emulator::builder()
            .seed(Seed::reference())
            .start()
            .await
            .expect("emulator");
        let config = emulator.config("quickstart", "web").expect("config");
        let step = UserPoolClient::new(&config)
            .expect("client")
            .sign_in("jdoe", &Password::new("Quickstart-Passw0rd!"))
            .await
            .expect("sign in");
        let SignInStep::Done(tokens) = step else {
            panic!("unexpected challenge")
        };
        let verifier = CognitoJwtVerifier::builder_for(&config)
            .expect("builder")
            .token_use(TokenUse::Id)
            .build()
            .expect("verifier");
        let token = tokens.id.expose_secret().to_owned();
        verifier.verify(&token).await.expect("warms the cache");
        let jwks: JwkSet = reqwest::get(verifier.jwks_url())
            .await
            .expect("JWKS")
            .json()
            .await
            .expect("JWKS JSON");
        let key = DecodingKey::from_jwk(&jwks.keys[0]).expect("key");
        (emulator, verifier, token, key)
    });

    let mut group = c.benchmark_group("verify_id_token");
    group.throughput(Throughput::Elements(1));
    group.bench_function("cognito_sigv4_verify", |b| {
        b.to_async(&rt)
            .iter(|| async { verifier.verify(&token).await.expect("valid") })
    });
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[verifier.issuer()]);
    validation.set_audience(&["quickstartwebclient0000001"]);
    group.bench_function("jsonwebtoken_decode", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<serde_json::Value>(&token, &key, &validation).expect("valid")
        })
    });
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
