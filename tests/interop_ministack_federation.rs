//! Interop with MiniStack (`pip install ministack`) for federated and guest identities and the
//! basic flow: Google and OIDC logins straight at an identity pool, guests, a guest signing in,
//! GetOpenIdToken + STS AssumeRoleWithWebIdentity, and signed API Gateway calls with the
//! credentials, under `AUTH=true` (MiniStack verifies SigV4 and evaluates IAM policies).
//!
//! One MiniStack serves every test of this file; `scripts/interop/ministack_federation_bootstrap.py`
//! creates the fixtures with boto3 (an identity pool trusting Google and an OIDC issuer that
//! allows guests and the basic flow, one that allows neither, an authenticated role that may
//! invoke GET /google and GET /guest, an unauthenticated role that may invoke GET /guest only,
//! both trusting the pool the way Cognito's console writes it).
//!
//! What MiniStack 1.5 does, read from its source (`ministack/services/cognito.py`:
//! `_get_id`, `_get_credentials_for_identity`, `_identity_logins_error`, `_link_logins`,
//! `_login_owner`, `_get_open_id_token`; `services/sts.py`: AssumeRoleWithWebIdentity,
//! `_web_identity_trust_denied`):
//! - Only user-pool tokens are verified. A token for a supported *external* provider (Google,
//!   an OIDC issuer in `OpenIdConnectProviderARNs`) is opaque to it: no signature, issuer,
//!   audience or expiry check. The one check is that a Google token is shaped like a JWT
//!   ("Not a valid OpenId Connect identity token"). So the Google and OIDC tokens here are
//!   minted by the test, structurally valid (`iss`/`aud`/`sub`/`exp`) and unsigned.
//! - A provider the pool does not list is refused ("Token is not from a supported provider").
//! - GetCredentialsForIdentity with a guest's id and new logins links the logins to that
//!   identity (the same id becomes authenticated), as on AWS. Logins another identity already
//!   holds merge the guest into that identity, whose id the answer names.
//! - An identity is found by an external login only when the very same token string is sent
//!   again (it matches on `sub` for user-pool tokens only): a renewed Google token sent to
//!   GetId makes a new identity, unlike AWS. With the identity id cached, a renewed token with
//!   the same `sub` is accepted.
//! - It does not enforce `AllowUnauthenticatedIdentities` (GetId without logins succeeds in a
//!   pool that forbids guests) nor `AllowClassicFlow` (GetOpenIdToken works in any pool), and
//!   ignores `CustomRoleArn`.
//! - GetOpenIdToken issues a token (`iss` `https://cognito-identity.amazonaws.com`, `aud` the
//!   pool, `sub` the identity, `amr`), and STS AssumeRoleWithWebIdentity evaluates the role's
//!   trust policy against its `aud` and `amr` (without verifying the token's signature), so a
//!   guest's token cannot assume the authenticated role.
//! - GetCredentialsForIdentity registers its credentials as an STS session of the pool's role
//!   (`assumed-role/<role>/CognitoIdentityCredentials`), so the 200s and 403s of the API calls
//!   are MiniStack's own IAM decisions.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cognito_sigv4::client::ApiClient;
use cognito_sigv4::credentials::{
    BasicFlow, FederatedCredentials, FederatedCredentialsBuilder, token_fn,
};
use cognito_sigv4::identity_pool::{IdentityPoolClient, LoginProvider, Logins};
use cognito_sigv4::jwt::UnverifiedClaims;
use cognito_sigv4::secret::Jwt;
use cognito_sigv4::time::ManualClock;
use cognito_sigv4::{Clock, CognitoConfig, ErrorKind, SystemClock};
use http::{Method, StatusCode};
use serde_json::{Value, json};
use support::peers::{self, Bootstrapped, Peer, Unavailable};

struct MiniStack {
    peer: Peer,
    ids: Value,
}

impl MiniStack {
    fn id(&self, name: &str) -> String {
        self.ids[name]
            .as_str()
            .unwrap_or_else(|| panic!("bootstrap printed no `{name}`: {}", self.ids))
            .to_owned()
    }

    /// A config for the identity pool named `pool` in the bootstrap's output.
    fn config(&self, pool: &str) -> CognitoConfig {
        let endpoint: url::Url = format!("{}/", self.peer.endpoint())
            .parse()
            .expect("peer endpoint is a URL");
        CognitoConfig::builder()
            .region(self.id("region"))
            .identity_pool_id(self.id(pool))
            .endpoint_url(endpoint)
            .build()
            .expect("valid config")
    }

    fn pool(&self) -> IdentityPoolClient {
        IdentityPoolClient::new(&self.config("identity_pool_id")).expect("identity pool client")
    }

    /// Credentials of the bootstrap's identity pool.
    fn federated(&self) -> FederatedCredentialsBuilder {
        FederatedCredentials::builder(self.config("identity_pool_id"))
    }

    /// A guest of the bootstrap's identity pool.
    fn guest(&self) -> FederatedCredentials {
        FederatedCredentials::guest(self.config("identity_pool_id")).expect("guest")
    }

    /// A signing API client for the bootstrap's REST API (as on AWS, with MiniStack's port).
    fn api(&self, credentials: FederatedCredentials) -> ApiClient {
        let base = format!(
            "http://{}.execute-api.{}.amazonaws.com:{}/{}",
            self.id("api_id"),
            self.id("region"),
            self.peer.addr().port(),
            self.id("stage")
        );
        ApiClient::builder(base)
            .credentials_provider(credentials)
            .connect_to(self.peer.addr())
            .build()
            .expect("api client")
    }

    /// A Google ID token for `sub`, minted here (MiniStack does not verify Google tokens, see
    /// the module docs): the claims Google puts in one, expiring in `exp_in` seconds.
    fn google_token(&self, sub: &str, aud: &str, exp_in: i64) -> Jwt {
        mint("https://accounts.google.com", aud, sub, exp_in)
    }

    fn google(&self, sub: &str) -> Jwt {
        self.google_token(sub, &self.id("google_client_id"), 3600)
    }
}

fn epoch_secs() -> i64 {
    let now = SystemClock.now();
    now.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A structurally valid, unsigned JWT (`alg` RS256 with a placeholder signature). A unique
/// `jti` makes each token distinct, as renewed tokens are.
fn mint(iss: &str, aud: &str, sub: &str, exp_in: i64) -> Jwt {
    static SERIAL: AtomicUsize = AtomicUsize::new(0);
    let now = epoch_secs();
    let header = json!({"alg": "RS256", "kid": "interop-unsigned", "typ": "JWT"});
    let claims = json!({
        "iss": iss,
        "aud": aud,
        "azp": aud,
        "sub": sub,
        "email": format!("{sub}@example.com"),
        "iat": now,
        "exp": now + exp_in,
        "jti": format!("interop-{}", SERIAL.fetch_add(1, Ordering::Relaxed)),
    });
    Jwt::new(format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(b"unsigned")
    ))
}

static MINISTACK: OnceLock<Result<MiniStack, Unavailable>> = OnceLock::new();

fn start() -> Result<MiniStack, Unavailable> {
    // Its own MiniStack (and state directory): the fixtures differ from interop_ministack.rs's.
    let spec = peers::ministack_spec("ministack-federation");
    let Bootstrapped { peer, ids } = peers::start_bootstrapped(
        &["ministack", "boto3"],
        &spec,
        "ministack_federation_bootstrap.py",
    )?;
    Ok(MiniStack { peer, ids })
}

/// The shared MiniStack, or `None` (after printing why) when it is not installed locally.
fn ministack(test: &str) -> Option<&'static MiniStack> {
    peers::shared(&MINISTACK, start, test, "MiniStack")
}

/// GET `path` and check the status; for a 403, that MiniStack's IAM evaluation denied `role`
/// (not a signature problem).
async fn expect_call(ms: &MiniStack, api: &ApiClient, path: &str, status: StatusCode, role: &str) {
    let resp = api
        .request(Method::GET, path)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    let text = resp.text();
    assert_eq!(
        resp.status(),
        status,
        "GET {path}: {text}\n{}",
        ms.peer.log_tail()
    );
    if status == StatusCode::OK {
        let body: Value = resp.json().expect("JSON body");
        assert_eq!(body["route"], path.trim_start_matches('/'), "{text}");
    } else {
        assert!(
            text.contains(&format!("assumed-role/{role}/"))
                && text.contains("is not authorized to perform: execute-api:Invoke"),
            "GET {path}: {text}"
        );
    }
}

fn assert_fresh(creds: &aws_credential_types::Credentials) {
    assert!(
        creds.access_key_id().starts_with("ASIA"),
        "{}",
        creds.access_key_id()
    );
    assert!(creds.session_token().is_some_and(|t| !t.is_empty()));
    let expiry = creds.expiry().expect("expiry");
    let now = SystemClock.now();
    assert!(expiry > now + Duration::from_secs(600) && expiry <= now + Duration::from_secs(3700));
}

#[tokio::test]
async fn google_and_oidc_logins_get_credentials_and_call_the_api() {
    let Some(ms) = ministack("google_and_oidc_logins_get_credentials_and_call_the_api") else {
        return;
    };
    // The two steps by hand: GetId, then GetCredentialsForIdentity.
    let pool = ms.pool();
    let google = ms.google("google-user-1");
    let logins = Logins::new().with(&LoginProvider::Google, google.clone());
    let identity_id = pool.get_id(&logins).await.expect("GetId with Google");
    assert!(identity_id.starts_with("us-east-1:"), "{identity_id}");
    assert_eq!(
        pool.get_id(&logins).await.expect("GetId again"),
        identity_id,
        "the same login is the same identity"
    );
    let creds = pool
        .get_credentials(&identity_id, &logins, None)
        .await
        .expect("GetCredentialsForIdentity");
    assert_fresh(&creds);

    // The refreshing provider, signing calls: the pool's authenticated role may call both.
    let fed = ms
        .federated()
        .login(LoginProvider::Google, google)
        .build()
        .expect("provider");
    assert!(fed.is_authenticated());
    let api = ms.api(fed.clone());
    expect_call(ms, &api, "/google", StatusCode::OK, "").await;
    expect_call(ms, &api, "/guest", StatusCode::OK, "").await;
    assert_eq!(
        fed.identity_id().await.expect("identity id"),
        identity_id,
        "GetId found the Google user's identity"
    );

    // Any OIDC issuer registered with the pool, keyed by its URL without `https://`.
    let issuer = format!("https://{}", ms.id("oidc_issuer"));
    let oidc = ms
        .federated()
        .login(
            LoginProvider::Oidc(issuer.clone()),
            mint(&issuer, &ms.id("oidc_client_id"), "oidc-user-1", 3600),
        )
        .build()
        .expect("provider");
    assert_eq!(oidc.providers(), vec![ms.id("oidc_issuer")]);
    let api = ms.api(oidc.clone());
    expect_call(ms, &api, "/google", StatusCode::OK, "").await;
    assert_ne!(
        oidc.identity_id().await.expect("identity id"),
        identity_id,
        "another person, another identity"
    );
}

#[tokio::test]
async fn several_providers_in_one_logins_map_are_one_identity() {
    let Some(ms) = ministack("several_providers_in_one_logins_map_are_one_identity") else {
        return;
    };
    let issuer = format!("https://{}", ms.id("oidc_issuer"));
    let google = ms.google("multi-provider-user");
    let oidc = mint(
        &issuer,
        &ms.id("oidc_client_id"),
        "multi-provider-user",
        3600,
    );
    let both = ms
        .federated()
        .login(LoginProvider::Google, google.clone())
        .login(LoginProvider::Oidc(issuer.clone()), oidc.clone())
        .build()
        .expect("provider");
    let mut providers = both.providers();
    providers.sort();
    assert_eq!(
        providers,
        vec!["accounts.google.com".to_owned(), ms.id("oidc_issuer")]
    );
    let api = ms.api(both.clone());
    expect_call(ms, &api, "/google", StatusCode::OK, "").await;
    let id = both.identity_id().await.expect("identity id");

    // Both logins are linked to that identity: either one alone finds it again.
    let pool = ms.pool();
    for logins in [
        Logins::new().with(&LoginProvider::Google, google),
        Logins::new().with(&LoginProvider::Oidc(issuer.clone()), oidc),
    ] {
        assert_eq!(pool.get_id(&logins).await.expect("GetId"), id);
    }
}

#[tokio::test]
async fn guest_gets_an_identity_and_the_unauthenticated_role() {
    let Some(ms) = ministack("guest_gets_an_identity_and_the_unauthenticated_role") else {
        return;
    };
    let guest = ms.guest();
    assert!(!guest.is_authenticated());
    assert_eq!(guest.cached_identity_id(), None);
    let creds = guest.credentials().await.expect("guest credentials");
    assert_fresh(&creds);
    let id = guest.cached_identity_id().expect("a guest identity id");
    assert!(id.starts_with("us-east-1:"), "{id}");

    let api = ms.api(guest.clone());
    expect_call(ms, &api, "/guest", StatusCode::OK, "").await;
    expect_call(
        ms,
        &api,
        "/google",
        StatusCode::FORBIDDEN,
        "federation-unauthenticated",
    )
    .await;

    // Each guest provider is its own identity.
    let other = ms.guest();
    other.credentials().await.expect("second guest");
    assert_ne!(other.cached_identity_id(), Some(id.clone()));

    // A saved guest id resumes the same identity.
    let resumed = ms
        .federated()
        .identity_id(id.clone())
        .build()
        .expect("provider");
    resumed.credentials().await.expect("resumed guest");
    assert_eq!(resumed.cached_identity_id(), Some(id));
}

#[tokio::test]
async fn guest_signing_in_keeps_its_identity_and_sign_out_starts_a_new_guest() {
    let Some(ms) = ministack("guest_signing_in_keeps_its_identity_and_sign_out_starts_a_new_guest")
    else {
        return;
    };
    let fed = ms.guest();
    let api = ms.api(fed.clone());
    expect_call(
        ms,
        &api,
        "/google",
        StatusCode::FORBIDDEN,
        "federation-unauthenticated",
    )
    .await;
    let guest_id = fed.cached_identity_id().expect("guest id");

    // MiniStack links the new login to the guest identity named in GetCredentialsForIdentity,
    // as AWS does: the same id, now with the authenticated role.
    fed.sign_in((LoginProvider::Google, ms.google("guest-to-google")));
    assert!(fed.is_authenticated());
    expect_call(ms, &api, "/google", StatusCode::OK, "").await;
    assert_eq!(fed.identity_id().await.expect("identity id"), guest_id);

    // Signing out never leaves this person's identity for the next one.
    fed.sign_out();
    assert_eq!(fed.cached_identity_id(), None);
    expect_call(
        ms,
        &api,
        "/google",
        StatusCode::FORBIDDEN,
        "federation-unauthenticated",
    )
    .await;
    let next = fed.cached_identity_id().expect("new guest id");
    assert_ne!(next, guest_id);
}

// MiniStack merges the guest identity into the person's own and names that identity in
// GetCredentialsForIdentity's answer; the client must adopt it rather than keep the guest id
// (the emulator instead refuses the guest id, and the client resolves the identity with GetId).
#[tokio::test]
async fn returning_user_on_a_guest_device_gets_their_own_identity() {
    let Some(ms) = ministack("returning_user_on_a_guest_device_gets_their_own_identity") else {
        return;
    };
    // The person signed in before (elsewhere) and owns an identity. MiniStack finds an external
    // login's identity only by the same token string (see the module docs), so the same token
    // is used twice here; on AWS a fresh token with the same `sub` would do.
    let token = ms.google("returning-user");
    let elsewhere = ms
        .federated()
        .login(LoginProvider::Google, token.clone())
        .build()
        .expect("provider");
    let own = elsewhere.identity_id().await.expect("own identity");

    // On this device they were a guest first.
    let device = ms.guest();
    device.credentials().await.expect("guest credentials");
    let guest_id = device.cached_identity_id().expect("guest id");
    assert_ne!(guest_id, own);
    device.sign_in((LoginProvider::Google, token));
    let api = ms.api(device.clone());
    expect_call(ms, &api, "/google", StatusCode::OK, "").await;
    // MiniStack merges the guest into the person's identity and answers with its id; the
    // provider must adopt it rather than keep the (now disabled) guest id.
    assert_eq!(
        device.identity_id().await.expect("identity id"),
        own,
        "the returning user's own identity"
    );
}

#[tokio::test]
async fn basic_flow_open_id_token_then_sts() {
    let Some(ms) = ministack("basic_flow_open_id_token_then_sts") else {
        return;
    };
    let pool = ms.pool();
    let auth_role = ms.id("authenticated_role_arn");
    let unauth_role = ms.id("unauthenticated_role_arn");

    // GetOpenIdToken: a Cognito OpenID token naming the identity and the pool.
    let google = ms.google("basic-flow-user");
    let logins = Logins::new().with(&LoginProvider::Google, google.clone());
    let identity_id = pool.get_id(&logins).await.expect("GetId");
    let token = pool
        .get_open_id_token(&identity_id, &logins)
        .await
        .expect("GetOpenIdToken");
    let claims = UnverifiedClaims::from_jwt(&token).expect("OpenID token decodes");
    assert_eq!(claims.iss(), Some("https://cognito-identity.amazonaws.com"));
    assert_eq!(claims.sub(), Some(identity_id.as_str()));
    assert!(claims.has_audience(&ms.id("identity_pool_id")));
    let amr = claims.get("amr").cloned().unwrap_or_default();
    assert!(
        amr.as_array()
            .is_some_and(|a| a.contains(&json!("authenticated"))
                && a.contains(&json!("accounts.google.com"))),
        "amr {amr}"
    );
    let creds = pool
        .assume_role_with_web_identity(&token, &auth_role, "interop-basic", None)
        .await
        .expect("AssumeRoleWithWebIdentity");
    assert_fresh(&creds);

    // The provider in basic-flow mode, for a Google user and for a guest, calling the API.
    let flow = BasicFlow::new("interop-basic")
        .authenticated_role(auth_role.clone())
        .unauthenticated_role(unauth_role.clone())
        .duration(Duration::from_secs(900));
    let fed = ms
        .federated()
        .login(LoginProvider::Google, google)
        .basic_flow(flow.clone())
        .build()
        .expect("provider");
    let api = ms.api(fed.clone());
    expect_call(ms, &api, "/google", StatusCode::OK, "").await;
    let expires = fed.credentials_expire_at().expect("expiry");
    let now = SystemClock.now();
    assert!(
        expires > now + Duration::from_secs(800) && expires <= now + Duration::from_secs(960),
        "the requested 15-minute duration"
    );
    assert_eq!(fed.identity_id().await.expect("id"), identity_id);

    let guest = ms.federated().basic_flow(flow).build().expect("provider");
    let api = ms.api(guest.clone());
    expect_call(ms, &api, "/guest", StatusCode::OK, "").await;
    expect_call(
        ms,
        &api,
        "/google",
        StatusCode::FORBIDDEN,
        "federation-unauthenticated",
    )
    .await;

    // The authenticated role trusts only `amr` "authenticated": STS refuses a guest's token.
    let sneaky = ms
        .federated()
        .basic_flow(BasicFlow::new("interop-basic").unauthenticated_role(auth_role))
        .build()
        .expect("provider");
    let err = sneaky
        .credentials()
        .await
        .expect_err("a guest assuming the authenticated role");
    assert_eq!(err.kind(), ErrorKind::RoleNotAllowed, "{err}");
}

#[tokio::test]
async fn tokens_for_unconfigured_providers_or_not_jwts_are_rejected() {
    let Some(ms) = ministack("tokens_for_unconfigured_providers_or_not_jwts_are_rejected") else {
        return;
    };
    let pool = ms.pool();
    // Facebook and Apple are not configured in this pool.
    for provider in [LoginProvider::Facebook, LoginProvider::Apple] {
        let logins = Logins::new().with(&provider, ms.google("someone"));
        let err = pool
            .get_id(&logins)
            .await
            .expect_err("unconfigured provider");
        assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
        assert!(err.message().contains("supported provider"), "{err}");
    }
    // An OIDC issuer the pool does not list.
    let stranger = "https://stranger.example";
    let fed = ms
        .federated()
        .login(
            LoginProvider::Oidc(stranger.into()),
            mint(stranger, "app", "someone", 3600),
        )
        .build()
        .expect("provider");
    let err = fed.credentials().await.expect_err("unknown OIDC issuer");
    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");

    // A Google "token" that is not a JWT.
    let fed = ms
        .federated()
        .login(
            LoginProvider::Google,
            Jwt::new("ya29.an-access-token-not-an-id-token"),
        )
        .build()
        .expect("provider");
    let err = fed.credentials().await.expect_err("not an ID token");
    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    assert!(
        !format!("{err} {err:?}").contains("ya29"),
        "no token in {err}"
    );
    assert_eq!(fed.cached_identity_id(), None);
}

#[tokio::test]
async fn federated_tokens_are_renewed_with_the_credentials() {
    let Some(ms) = ministack("federated_tokens_are_renewed_with_the_credentials") else {
        return;
    };
    // The device's clock, moved by hand past the refresh margin instead of waiting.
    let clock = ManualClock::new(SystemClock.now());
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let aud = ms.id("google_client_id");
    let fed = ms
        .federated()
        .login(
            LoginProvider::Google,
            token_fn(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                // A fresh token each time, same person.
                let token = mint("https://accounts.google.com", &aud, "renewing-user", 3600);
                async move { Ok(token) }
            }),
        )
        .clock(clock.clone())
        .build()
        .expect("provider");
    let first = fed.credentials().await.expect("first credentials");
    let id = fed.cached_identity_id().expect("identity id");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let again = fed.credentials().await.expect("cached credentials");
    assert_eq!(again.access_key_id(), first.access_key_id());
    assert_eq!(calls.load(Ordering::SeqCst), 1, "cached: no new token");

    clock.advance(Duration::from_secs(3500));
    let renewed = fed.credentials().await.expect("renewed credentials");
    assert_eq!(calls.load(Ordering::SeqCst), 2, "a fresh provider token");
    assert_ne!(renewed.access_key_id(), first.access_key_id());
    // The cached identity id is sent with the renewed token (same `sub`): same identity.
    assert_eq!(fed.cached_identity_id(), Some(id));
}

/// Where MiniStack is more lenient than AWS. These assert MiniStack's behaviour as a known
/// difference — not as correct — so that a MiniStack that starts checking is noticed; the
/// emulator tests (`tests/federation.rs`) check the AWS behaviour.
#[tokio::test]
async fn known_differences_from_aws() {
    let Some(ms) = ministack("known_differences_from_aws") else {
        return;
    };
    let pool = ms.pool();
    // AWS: NotAuthorized (wrong audience; expired). MiniStack does not verify Google tokens.
    for (what, token) in [
        (
            "wrong audience",
            ms.google_token("lenient-1", "another-app", 3600),
        ),
        (
            "expired",
            ms.google_token("lenient-2", &ms.id("google_client_id"), -3600),
        ),
    ] {
        let logins = Logins::new().with(&LoginProvider::Google, token);
        let outcome = pool.credentials_for(None, &logins, None).await;
        assert!(
            outcome.is_ok(),
            "MiniStack now rejects a Google token ({what}): {:?}; update this test and the \
             module docs",
            outcome.err()
        );
    }

    // AWS: NotAuthorized "Unauthenticated access is not supported for this identity pool",
    // and the basic flow refused in a pool without AllowClassicFlow.
    let no_guests = IdentityPoolClient::new(&ms.config("no_guests_identity_pool_id"))
        .expect("identity pool client");
    let guest = no_guests.get_id(&Logins::new()).await;
    assert!(
        guest.is_ok(),
        "MiniStack now refuses guests when the pool does: {:?}",
        guest.err()
    );
    if let Ok(id) = guest {
        let token = no_guests.get_open_id_token(&id, &Logins::new()).await;
        assert!(
            token.is_ok(),
            "MiniStack now refuses the basic flow when the pool does: {:?}",
            token.err()
        );
    }

    // AWS finds a Google user's identity by `sub`; MiniStack only by the same token string, so
    // GetId with a renewed token makes a new identity.
    let first = Logins::new().with(&LoginProvider::Google, ms.google("same-person"));
    let renewed = Logins::new().with(&LoginProvider::Google, ms.google("same-person"));
    let a = pool.get_id(&first).await.expect("GetId");
    let b = pool.get_id(&renewed).await.expect("GetId renewed");
    assert_ne!(
        a, b,
        "MiniStack now matches external logins by sub; update the module docs"
    );
}
