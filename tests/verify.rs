//! Server-side verification (feature `verify`) against the emulator's real tokens: the
//! accepted tokens, each refusal with its check, the revocation check, key rotation and the
//! JWKS cache's fetch budget.

mod support;

use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use cognito_sigv4::jwt::{TokenUse, UnverifiedClaims};
use cognito_sigv4::secret::Password;
use cognito_sigv4::user_pool::Tokens;
use cognito_sigv4::verify::{
    CognitoJwtVerifier, CognitoJwtVerifierBuilder, JwksCache, VerifyError,
};
use cognito_sigv4::{Clock, ErrorKind};
use cognito_sigv4_emulator::Seed;
use hmac::{KeyInit as _, Mac as _};
use serde_json::{Value, json};
use support::{CLIENT, PASSWORD, POOL, TestEmulator, done, peers};

async fn sign_in(env: &TestEmulator, user: &str) -> Tokens {
    done(
        env.user_pool_client(POOL, CLIENT)
            .sign_in(user, &Password::new(PASSWORD))
            .await
            .expect("sign-in"),
    )
}

/// A verifier of `token_use` tokens of the reference pool's `web` client, on the emulator's
/// clock, fetching the JWKS from the emulator.
fn verifier(env: &TestEmulator, token_use: TokenUse) -> CognitoJwtVerifierBuilder {
    CognitoJwtVerifier::builder_for(&env.config())
        .expect("builder")
        .token_use(token_use)
        .clock(env.clock.clone())
}

/// A JWKS cache on the emulator's clock, to share between verifiers.
fn cache(env: &TestEmulator) -> JwksCache {
    JwksCache::builder()
        .clock(env.clock.clone())
        .build()
        .unwrap()
}

fn claims_of(token: &str) -> Value {
    Value::Object(UnverifiedClaims::decode(token).unwrap().claims().clone())
}

/// `claims` signed by the pool's key (a genuine signature over whatever claims).
fn mint(env: &TestEmulator, claims: Value) -> String {
    env.mint_user_pool_token(POOL, claims)
        .unwrap()
        .expose_secret()
        .to_owned()
}

/// `token` with its header replaced (payload and signature kept).
fn with_header(token: &str, header: Value) -> String {
    let mut parts: Vec<&str> = token.split('.').collect();
    let header = B64.encode(header.to_string());
    parts[0] = &header;
    parts.join(".")
}

fn header_of(token: &str) -> Value {
    Value::Object(UnverifiedClaims::decode(token).unwrap().header().clone())
}

/// `token` with a claim changed after signing.
fn tampered(token: &str) -> String {
    let mut claims = claims_of(token);
    claims["username"] = json!("alice");
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = B64.encode(claims.to_string());
    parts.join(".")
}

/// `token` naming a `kid` the pool never published.
fn unknown_kid(token: &str) -> String {
    let mut h = header_of(token);
    h["kid"] = json!("not-a-published-kid");
    with_header(token, h)
}

/// `token` with `alg: none`, without a signature and with its old one.
fn alg_none(token: &str) -> [String; 2] {
    let mut h = header_of(token);
    h["alg"] = json!("none");
    let unsigned = with_header(token, h);
    let (input, _) = unsigned.rsplit_once('.').unwrap();
    [format!("{input}."), unsigned]
}

/// `token`'s claims as HS256 tokens whose HMAC secret is the pool's public key (the JWKS
/// document, and each key's modulus), as the classic key-confusion attack makes them.
async fn hs256_with_public_key(env: &TestEmulator, token: &str) -> Vec<String> {
    let jwks = jwks_document(env).await;
    let document: Value = serde_json::from_str(&jwks).unwrap();
    let moduli: Vec<String> = document["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["n"].as_str().unwrap().to_owned())
        .collect();
    let mut h = header_of(token);
    h["alg"] = json!("HS256");
    let input = format!(
        "{}.{}",
        B64.encode(h.to_string()),
        token.split('.').nth(1).unwrap()
    );
    std::iter::once(jwks.as_bytes())
        .chain(moduli.iter().map(String::as_bytes))
        .map(|secret| {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
            mac.update(input.as_bytes());
            format!("{input}.{}", B64.encode(mac.finalize().into_bytes()))
        })
        .collect()
}

/// The pool's JWKS document, as the emulator serves it.
async fn jwks_document(env: &TestEmulator) -> String {
    let url = format!(
        "{}{}/.well-known/jwks.json",
        env.endpoint(),
        "us-east-1_QuickStrt"
    );
    reqwest::get(url).await.unwrap().text().await.unwrap()
}

fn now_secs(env: &TestEmulator) -> u64 {
    env.clock
        .now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn valid_id_and_access_tokens_are_accepted() {
    let env = TestEmulator::start().await;
    let tokens = sign_in(&env, "jdoe@example.com").await;
    let cache = cache(&env);

    let ids = verifier(&env, TokenUse::Id)
        .jwks_cache(cache.clone())
        .build()
        .unwrap();
    let claims = ids.verify_jwt(&tokens.id).await.expect("ID token accepted");
    assert_eq!(claims.token_use(), Some(&TokenUse::Id));
    assert_eq!(claims.groups(), ["cip-users"]);
    assert_eq!(
        ids.issuer(),
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_QuickStrt"
    );

    let access = verifier(&env, TokenUse::Access)
        .jwks_cache(cache.clone())
        .scopes(["api/write", "api/read"])
        .groups(["cip-users"])
        .grace(Duration::from_secs(60))
        .build()
        .unwrap();
    let claims = access
        .verify_jwt(&tokens.access)
        .await
        .expect("access token accepted");
    assert_eq!(claims.token_use(), Some(&TokenUse::Access));
    assert!(claims.has_scope("api/read"));
    // Two verifiers, one shared cache: one fetch.
    assert_eq!(cache.fetches(), 1);
    assert_eq!(env.calls("jwks.json"), 1);
    env.shutdown().await;
}

/// `exp + grace` and `now + grace` past `SystemTime`'s end once panicked the verifier.
#[tokio::test]
async fn a_grace_past_the_end_of_time_accepts_instead_of_panicking() {
    let env = TestEmulator::start().await;
    let tokens = sign_in(&env, "jdoe@example.com").await;
    let ids = verifier(&env, TokenUse::Id)
        .jwks_cache(cache(&env))
        .grace(Duration::MAX)
        .build()
        .unwrap();
    let claims = ids.verify_jwt(&tokens.id).await.expect("accepted");
    assert_eq!(claims.token_use(), Some(&TokenUse::Id));
    env.shutdown().await;
}

#[tokio::test]
async fn each_forgery_and_mismatch_is_refused_with_its_check() {
    let env = TestEmulator::start().await;
    let tokens = sign_in(&env, "jdoe@example.com").await;
    let (id, access) = (tokens.id.expose_secret(), tokens.access.expose_secret());
    let ids = verifier(&env, TokenUse::Id).build().unwrap();
    let accesses = verifier(&env, TokenUse::Access).build().unwrap();

    let refused = |token: String, verifier: &CognitoJwtVerifier| {
        let verifier = verifier.clone();
        async move { verifier.verify(&token).await.expect_err("refused") }
    };

    // Structure.
    let e = refused("not.a-jwt".into(), &accesses).await;
    assert!(matches!(e, VerifyError::Malformed), "{e}");

    // Tampered payload: the signature no longer covers it.
    let e = refused(tampered(access), &accesses).await;
    assert!(matches!(e, VerifyError::Signature), "{e}");
    assert_eq!(e.check(), "signature");

    // Unknown kid.
    let e = refused(unknown_kid(access), &accesses).await;
    assert!(matches!(e, VerifyError::UnknownKey), "{e}");

    // alg none, without and with a signature.
    for token in alg_none(access) {
        let e = refused(token, &accesses).await;
        assert!(matches!(e, VerifyError::Algorithm), "{e}");
    }

    // HS256 "signed" with the public key (the JWKS document, and its modulus) as the secret.
    for token in hs256_with_public_key(&env, access).await {
        let e = refused(token, &accesses).await;
        assert!(matches!(e, VerifyError::Algorithm), "{e}");
    }

    // Wrong issuer, genuinely signed.
    let mut claims = claims_of(access);
    claims["iss"] = json!("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other");
    let e = refused(mint(&env, claims), &accesses).await;
    assert!(matches!(e, VerifyError::Issuer), "{e}");

    // The pool's issuer in the global format is the pool's too (as aws-jwt-verify has it).
    let mut claims = claims_of(access);
    claims["iss"] = json!("https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_QuickStrt");
    accesses
        .verify(&mint(&env, claims))
        .await
        .expect("global issuer format");

    // Access token where an ID token is required, and the reverse.
    let e = refused(access.to_owned(), &ids).await;
    assert!(matches!(e, VerifyError::TokenUse), "{e}");
    let e = refused(id.to_owned(), &accesses).await;
    assert!(matches!(e, VerifyError::TokenUse), "{e}");

    // Wrong client.
    let other_client = |token_use| {
        verifier(&env, token_use)
            .client_ids(["someotherclient0000000001"])
            .build()
            .unwrap()
    };
    let e = refused(access.to_owned(), &other_client(TokenUse::Access)).await;
    assert!(matches!(e, VerifyError::ClientId), "{e}");
    let e = refused(id.to_owned(), &other_client(TokenUse::Id)).await;
    assert!(matches!(e, VerifyError::Audience), "{e}");

    // Expired: outside the grace refused, inside accepted.
    let graceful = verifier(&env, TokenUse::Access)
        .grace(Duration::from_secs(60))
        .build()
        .unwrap();
    let mut claims = claims_of(access);
    claims["exp"] = json!(now_secs(&env) - 61);
    let e = refused(mint(&env, claims.clone()), &graceful).await;
    assert!(matches!(e, VerifyError::Expired), "{e}");
    claims["exp"] = json!(now_secs(&env) - 30);
    graceful.verify(&mint(&env, claims.clone())).await.unwrap();
    let e = refused(mint(&env, claims.clone()), &accesses).await;
    assert!(matches!(e, VerifyError::Expired), "{e}");
    // The real token, once the clock passes its expiry.
    claims["exp"] = json!(now_secs(&env) + 120);
    claims["nbf"] = json!(now_secs(&env) + 100);
    let e = refused(mint(&env, claims), &graceful).await;
    assert!(matches!(e, VerifyError::NotYetValid), "{e}");

    // Missing scope, missing group.
    let scoped = verifier(&env, TokenUse::Access)
        .scopes(["api/write"])
        .build()
        .unwrap();
    let e = refused(access.to_owned(), &scoped).await;
    assert!(matches!(e, VerifyError::Scope), "{e}");
    let grouped = verifier(&env, TokenUse::Id)
        .groups(["admins", "cup-users"])
        .build()
        .unwrap();
    let e = refused(id.to_owned(), &grouped).await;
    assert!(matches!(e, VerifyError::Group), "{e}");

    // Into the crate's error, without the token.
    let e: cognito_sigv4::Error = refused(access.to_owned(), &ids).await.into();
    assert_eq!(e.kind(), ErrorKind::InvalidToken);
    assert!(e.to_string().contains("token_use"), "{e}");
    let e: cognito_sigv4::Error = refused(access.to_owned(), &scoped).await.into();
    assert_eq!(e.kind(), ErrorKind::NotAuthorized);
    for text in [format!("{e}"), format!("{e:?}")] {
        assert!(!text.contains(access.split('.').nth(1).unwrap()), "{text}");
    }

    // The real tokens expire with the clock.
    env.clock.advance(Duration::from_secs(3600 + 1));
    let e = refused(access.to_owned(), &accesses).await;
    assert!(matches!(e, VerifyError::Expired), "{e}");
    env.shutdown().await;
}

#[tokio::test]
async fn a_revoked_access_token_fails_the_revocation_check_and_passes_without_it() {
    let env = TestEmulator::start().await;
    let tokens = sign_in(&env, "jdoe@example.com").await;
    let client = env.user_pool_client(POOL, CLIENT);
    let checked = verifier(&env, TokenUse::Access)
        .revocation_check(client.clone(), Duration::from_secs(30))
        .build()
        .unwrap();
    let offline = verifier(&env, TokenUse::Access).build().unwrap();

    checked
        .verify_jwt(&tokens.access)
        .await
        .expect("still valid");
    checked.verify_jwt(&tokens.access).await.expect("cached");
    assert_eq!(env.calls("GetUser"), 1, "the answer is cached");

    client.global_sign_out(tokens.clone()).await.unwrap();
    // Within the cache's 30 s the earlier answer holds; after it, Cognito is asked again.
    checked
        .verify_jwt(&tokens.access)
        .await
        .expect("cached answer");
    env.clock.advance(Duration::from_secs(31));
    let e = checked
        .verify_jwt(&tokens.access)
        .await
        .expect_err("revoked");
    assert!(matches!(e, VerifyError::Revoked), "{e}");
    assert_eq!(
        cognito_sigv4::Error::from(e).kind(),
        ErrorKind::NotAuthorized
    );
    assert_eq!(env.calls("GetUser"), 2);
    offline
        .verify_jwt(&tokens.access)
        .await
        .expect("a signature and claims check cannot see a revocation");

    // ID tokens cannot be checked this way.
    let e = verifier(&env, TokenUse::Id)
        .revocation_check(client, Duration::from_secs(30))
        .build()
        .expect_err("refused");
    assert_eq!(e.kind(), ErrorKind::Config);
    env.shutdown().await;
}

#[tokio::test]
async fn key_rotation_fetches_the_new_jwks_once() {
    let env = TestEmulator::start().await;
    let old = sign_in(&env, "jdoe@example.com").await;
    let v = verifier(&env, TokenUse::Id).build().unwrap();
    v.verify_jwt(&old.id).await.unwrap();
    assert_eq!(env.calls("jwks.json"), 1);

    let new_kid = env.rotate_signing_key(POOL).unwrap();
    env.clock.advance(Duration::from_secs(10));
    let new = sign_in(&env, "alice@example.com").await;
    assert_eq!(
        UnverifiedClaims::from_jwt(&new.id).unwrap().key_id(),
        Some(new_kid.as_str())
    );
    for _ in 0..3 {
        v.verify_jwt(&new.id).await.expect("new key");
        v.verify_jwt(&old.id)
            .await
            .expect("old key still published");
    }
    assert_eq!(env.calls("jwks.json"), 2, "the new JWKS fetched once");
    // The pool's ID-token and access-token keys, and the two they replaced.
    assert_eq!(v.jwks_cache().key_ids(v.jwks_url()).len(), 4);

    // A second rotation retires the first key: after the refetch its tokens are refused.
    env.rotate_signing_key(POOL).unwrap();
    env.clock.advance(Duration::from_secs(10));
    let newest = sign_in(&env, "alice@example.com").await;
    v.verify_jwt(&newest.id).await.unwrap();
    let e = v.verify_jwt(&old.id).await.expect_err("retired");
    assert!(matches!(e, VerifyError::UnknownKey), "{e}");
    assert_eq!(env.calls("jwks.json"), 3);
    env.shutdown().await;
}

/// The reference seed with a second user pool (its own keys, users and client ids).
fn two_pools() -> Seed {
    let mut seed = Seed::reference();
    let mut second = seed.user_pools[0].clone();
    second.id = Some("us-east-1_SecondPl".into());
    second.name = "second".into();
    for (i, client) in second.clients.iter_mut().enumerate() {
        client.id = Some(format!("secondpoolclient00000000{i}"));
    }
    seed.user_pools.push(second);
    seed
}

#[tokio::test]
async fn one_verifier_for_several_pools_checks_each_token_with_its_pools_rules() {
    let env = TestEmulator::with_seed(two_pools()).await;
    let first = sign_in(&env, "jdoe@example.com").await;
    let second = done(
        env.user_pool_client("second", "web")
            .sign_in("jdoe@example.com", &Password::new(PASSWORD))
            .await
            .expect("sign-in to the second pool"),
    );
    let cache = cache(&env);
    let of = |pool: &str, token_use| {
        CognitoJwtVerifier::builder_for(&env.config_of(pool, "web"))
            .unwrap()
            .token_use(token_use)
            .clock(env.clock.clone())
            .jwks_cache(cache.clone())
    };
    let both = CognitoJwtVerifier::multi([
        of(POOL, TokenUse::Id).build().unwrap(),
        of(POOL, TokenUse::Access).build().unwrap(),
        // The second pool accepts ID tokens of its members of `cup-users` only.
        of("second", TokenUse::Id)
            .groups(["cup-users"])
            .build()
            .unwrap(),
    ])
    .unwrap();
    assert_eq!(
        both.issuers().count(),
        6,
        "three verifiers, two formats each"
    );

    // Each token use of the first pool, by its own verifier.
    let claims = both.verify_jwt(&first.id).await.expect("first pool, ID");
    assert_eq!(claims.token_use(), Some(&TokenUse::Id));
    let claims = both
        .verify_jwt(&first.access)
        .await
        .expect("first pool, access");
    assert_eq!(claims.token_use(), Some(&TokenUse::Access));
    // The second pool's rules: jdoe is not in `cup-users` there; and no access tokens.
    let e = both.verify_jwt(&second.id).await.expect_err("group rule");
    assert!(matches!(e, VerifyError::Group), "{e:?}");
    let e = both
        .verify_jwt(&second.access)
        .await
        .expect_err("token use");
    assert!(matches!(e, VerifyError::TokenUse), "{e:?}");
    assert_eq!(env.calls("jwks.json"), 2, "one fetch per pool");

    // A token naming no configured issuer is refused before any key is fetched.
    let mut claims = claims_of(first.id.expose_secret());
    claims["iss"] = json!("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Elsewhere");
    let e = both.verify(&mint(&env, claims)).await.expect_err("issuer");
    assert!(matches!(e, VerifyError::Issuer), "{e:?}");
    assert_eq!(env.calls("jwks.json"), 2);

    // A second pool's token under the first pool's issuer fails at its signature.
    let mut claims = claims_of(second.id.expose_secret());
    claims["iss"] = json!(both.issuer());
    let forged = env
        .mint_user_pool_token("second", claims)
        .unwrap()
        .expose_secret()
        .to_owned();
    let e = both.verify(&forged).await.expect_err("foreign key");
    assert!(
        matches!(e, VerifyError::UnknownKey | VerifyError::Signature),
        "{e:?}"
    );

    // Two verifiers for the same tokens of the same issuer are ambiguous.
    let e = CognitoJwtVerifier::multi([
        of(POOL, TokenUse::Id).build().unwrap(),
        of(POOL, TokenUse::Id)
            .groups(["cip-users"])
            .build()
            .unwrap(),
    ])
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    assert_eq!(
        CognitoJwtVerifier::multi([]).unwrap_err().kind(),
        ErrorKind::Config
    );
    env.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_storm_of_unknown_kids_makes_at_most_one_fetch_in_ten_seconds() {
    let env = TestEmulator::start().await;
    let tokens = sign_in(&env, "jdoe@example.com").await;
    let v = verifier(&env, TokenUse::Access).build().unwrap();
    v.verify_jwt(&tokens.access).await.unwrap();
    assert_eq!(env.calls("jwks.json"), 1);
    let header = header_of(tokens.access.expose_secret());

    let storm = |from: usize| {
        let mut tasks = tokio::task::JoinSet::new();
        for i in from..from + 1000 {
            let mut h = header.clone();
            h["kid"] = json!(format!("unknown-{i}"));
            let token = with_header(tokens.access.expose_secret(), h);
            let v = v.clone();
            tasks.spawn(async move { v.verify(&token).await });
        }
        tasks
    };
    // Within 10 s of that first fetch, no fetch at all.
    for result in storm(0).join_all().await {
        assert!(matches!(result, Err(VerifyError::UnknownKey)));
    }
    assert_eq!(env.calls("jwks.json"), 1, "none within 10 s of the first");

    env.clock.advance(Duration::from_secs(10));
    for result in storm(1000).join_all().await {
        assert!(matches!(result, Err(VerifyError::UnknownKey)));
    }
    assert_eq!(
        env.calls("jwks.json"),
        2,
        "one fetch for 1,000 unknown kids"
    );

    env.clock.advance(Duration::from_secs(9));
    for result in storm(2000).join_all().await {
        assert!(matches!(result, Err(VerifyError::UnknownKey)));
    }
    assert_eq!(env.calls("jwks.json"), 2, "none within 10 s of the last");
    // Known kids are served from the cache all along.
    v.verify_jwt(&tokens.access).await.unwrap();

    env.clock.advance(Duration::from_secs(1));
    storm(3000).join_all().await;
    assert_eq!(env.calls("jwks.json"), 3, "one more after 10 s");
    assert_eq!(v.jwks_cache().fetches(), 3);
    env.shutdown().await;
}

#[tokio::test]
async fn a_preloaded_jwks_verifies_offline_and_fetch_failures_are_no_verdict() {
    let env = TestEmulator::start().await;
    let tokens = sign_in(&env, "jdoe@example.com").await;
    let cache = cache(&env);
    let v = verifier(&env, TokenUse::Id)
        .jwks_cache(cache.clone())
        .build()
        .unwrap();
    let jwks = jwks_document(&env).await;
    cache.preload(v.jwks_url(), &jwks).unwrap();
    assert!(cache.preload(v.jwks_url(), "{\"not\": 1}").is_err());
    v.verify_jwt(&tokens.id).await.unwrap();
    assert_eq!(cache.fetches(), 0);

    let broken = verifier(&env, TokenUse::Id)
        .jwks_url(format!("{}nowhere/.well-known/jwks.json", env.endpoint()))
        .build()
        .unwrap();
    let e = broken.verify_jwt(&tokens.id).await.expect_err("no keys");
    assert!(matches!(e, VerifyError::Jwks(_)), "{e}");
    assert_eq!(e.check(), "jwks");
    // Within 10 s no new fetch, and the failure is still no verdict.
    let e = broken.verify_jwt(&tokens.id).await.expect_err("no keys");
    assert!(matches!(e, VerifyError::Jwks(_)), "{e}");
    assert_eq!(broken.jwks_cache().fetches(), 1);
    env.shutdown().await;
}

/// One token and the verifier options it is checked with, for the cross-check.
struct Case {
    what: &'static str,
    token: String,
    token_use: TokenUse,
    client_id: &'static str,
    groups: &'static [&'static str],
    scope: &'static [&'static str],
    grace_secs: u64,
}

impl Case {
    fn new(what: &'static str, token: impl Into<String>, token_use: TokenUse) -> Self {
        Case {
            what,
            token: token.into(),
            token_use,
            client_id: "quickstartwebclient0000001",
            groups: &[],
            scope: &[],
            grace_secs: 0,
        }
    }
}

/// awslabs' aws-jwt-verify (npm, in `scripts/`) and this verifier accept and refuse exactly
/// the same emulator tokens: genuine ones, forgeries, and claim mismatches; but for one
/// deliberate difference, a genuinely signed token without `exp`, which aws-jwt-verify
/// accepts (it checks `exp` only when present) and this verifier refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_jwt_verify_accepts_and_refuses_the_same_tokens() {
    const TEST: &str = "aws_jwt_verify_accepts_and_refuses_the_same_tokens";
    if let Err(reason) = peers::node_has("aws-jwt-verify") {
        peers::missing::<()>(TEST, reason);
        return;
    }
    let env = TestEmulator::start().await;
    let jdoe = sign_in(&env, "jdoe@example.com").await;
    let (id, access) = (jdoe.id.expose_secret(), jdoe.access.expose_secret());
    let now = now_secs(&env);
    let resigned = |change: &dyn Fn(&mut Value)| {
        let mut claims = claims_of(access);
        change(&mut claims);
        mint(&env, claims)
    };

    let mut cases = vec![
        Case::new("valid ID token", id, TokenUse::Id),
        Case::new("valid access token", access, TokenUse::Access),
        Case::new("malformed", "not.a-jwt", TokenUse::Access),
        Case::new("tampered payload", tampered(access), TokenUse::Access),
        Case::new("unknown kid", unknown_kid(access), TokenUse::Access),
        Case::new("access token as ID", access, TokenUse::Id),
        Case::new("ID token as access", id, TokenUse::Access),
        Case::new(
            "wrong issuer",
            resigned(&|c| {
                c["iss"] = json!("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other")
            }),
            TokenUse::Access,
        ),
        Case::new(
            "global issuer format",
            resigned(&|c| {
                c["iss"] =
                    json!("https://issuer-cognito-idp.us-east-1.amazonaws.com/us-east-1_QuickStrt")
            }),
            TokenUse::Access,
        ),
        Case::new(
            "expired 61 s ago",
            resigned(&|c| c["exp"] = json!(now - 61)),
            TokenUse::Access,
        ),
        Case::new(
            "not before in 100 s",
            resigned(&|c| c["nbf"] = json!(now + 100)),
            TokenUse::Access,
        ),
        Case::new(
            "no exp",
            resigned(&|c| drop(c.as_object_mut().unwrap().remove("exp"))),
            TokenUse::Access,
        ),
        Case::new(
            "token_use other",
            resigned(&|c| c["token_use"] = json!("refresh")),
            TokenUse::Access,
        ),
    ];
    for token in alg_none(access) {
        cases.push(Case::new("alg none", token, TokenUse::Access));
    }
    for token in hs256_with_public_key(&env, access).await {
        cases.push(Case::new(
            "HS256 with the public key",
            token,
            TokenUse::Access,
        ));
    }
    for (what, token_use, token) in [
        ("ID", TokenUse::Id, id),
        ("access", TokenUse::Access, access),
    ] {
        cases.push(Case {
            client_id: "someotherclient0000000001",
            ..Case::new(what, token, token_use)
        });
    }
    let expired_30s = resigned(&|c| c["exp"] = json!(now - 30));
    cases.push(Case {
        grace_secs: 60,
        ..Case::new(
            "expired 30 s ago, grace 60 s",
            expired_30s.clone(),
            TokenUse::Access,
        )
    });
    cases.push(Case::new(
        "expired 30 s ago, no grace",
        expired_30s,
        TokenUse::Access,
    ));
    cases.push(Case {
        scope: &["api/write", "api/read"],
        ..Case::new("one of the scopes", access, TokenUse::Access)
    });
    cases.push(Case {
        scope: &["api/write"],
        ..Case::new("missing scope", access, TokenUse::Access)
    });
    cases.push(Case {
        groups: &["admins", "cip-users"],
        ..Case::new("one of the groups", id, TokenUse::Id)
    });
    cases.push(Case {
        groups: &["admins"],
        ..Case::new("missing group", id, TokenUse::Id)
    });

    // This verifier.
    let cache = cache(&env);
    let mut ours = Vec::new();
    for case in &cases {
        let verifier = verifier(&env, case.token_use.clone())
            .client_ids([case.client_id])
            .groups(case.groups.iter().copied())
            .scopes(case.scope.iter().copied())
            .grace(Duration::from_secs(case.grace_secs))
            .jwks_cache(cache.clone())
            .build()
            .unwrap();
        ours.push(verifier.verify(&case.token).await.is_ok());
    }

    // aws-jwt-verify, on real time (the emulator's clock started at it and has not moved).
    let input = json!({
        "userPoolId": "us-east-1_QuickStrt",
        "jwks": serde_json::from_str::<Value>(&jwks_document(&env).await).unwrap(),
        "cases": cases.iter().map(|c| {
            let mut case = json!({
                "token": c.token,
                "tokenUse": c.token_use.as_str(),
                "clientId": c.client_id,
            });
            if !c.groups.is_empty() { case["groups"] = json!(c.groups); }
            if !c.scope.is_empty() { case["scope"] = json!(c.scope); }
            if c.grace_secs > 0 { case["graceSeconds"] = json!(c.grace_secs); }
            case
        }).collect::<Vec<_>>(),
    });
    let script = peers::interop_dir().join("jwt_verify.js");
    let input = serde_json::to_vec(&input).unwrap();
    let theirs = tokio::task::spawn_blocking(move || peers::node_json(&script, &input))
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("{e}"));
    let theirs = theirs.as_array().expect("an array");

    let mut accepted = Vec::new();
    for ((case, ours), theirs) in cases.iter().zip(&ours).zip(theirs) {
        let their_ok = theirs["ok"] == json!(true);
        // The one deliberate difference: aws-jwt-verify checks `exp` only when present; this
        // verifier requires it (every Cognito token has one; a token without it would be
        // valid forever).
        let their_ok = their_ok && case.what != "no exp";
        assert_eq!(
            *ours, their_ok,
            "{}: ours {ours}, aws-jwt-verify {theirs}",
            case.what
        );
        if *ours {
            accepted.push(case.what);
        }
    }
    assert_eq!(theirs.len(), cases.len());
    let no_exp = cases.iter().position(|c| c.what == "no exp").unwrap();
    assert_eq!(theirs[no_exp]["ok"], json!(true), "the known difference");
    assert_eq!(
        accepted,
        [
            "valid ID token",
            "valid access token",
            "global issuer format",
            "expired 30 s ago, grace 60 s",
            "one of the scopes",
            "one of the groups",
        ]
    );
    env.shutdown().await;
}
