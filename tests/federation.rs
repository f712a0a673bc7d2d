//! Federated and guest identities and the basic flow, against the emulator seeded with the
//! reference scenario (`Seed::reference()`): Google → GoogleRole (may call `/google`),
//! guests → GuestRole (nothing), user-pool users → their group's role.

mod support;

use cognito_sigv4::client::ApiClient;
use cognito_sigv4::credentials::{
    BasicFlow, FederatedCredentials, FederatedCredentialsBuilder, Session, token_fn,
};
use cognito_sigv4::identity_pool::{IdentityPoolClient, LoginProvider, Logins};
use cognito_sigv4::secret::Jwt;
use cognito_sigv4::{Clock, ErrorKind};
use cognito_sigv4_emulator::{RunningEmulator, Seed};
use http::Method;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::{TestEmulator, signed_in};

const GOOGLE_ISSUER: &str = "https://accounts.google.com";
const GOOGLE_CLIENT: &str = "quickstart.apps.googleusercontent.com";

fn role(name: &str) -> String {
    format!("arn:aws:iam::123456789012:role/{name}")
}

/// The reference seed; `jdoe` is also in `cup-users`, so that his token lists two roles
/// (CipRole preferred, CupOnlyRole allowed as a custom role).
fn seed() -> Seed {
    let mut seed = Seed::reference();
    for pool in &mut seed.user_pools {
        for user in &mut pool.users {
            if user.username == "jdoe" {
                user.groups.push("cup-users".into());
            }
        }
    }
    seed
}

async fn start() -> TestEmulator {
    TestEmulator::with_seed(seed()).await
}

/// An identity-pool client on the emulator's clock.
fn client(emu: &TestEmulator) -> IdentityPoolClient {
    IdentityPoolClient::builder(&emu.config())
        .clock(emu.clock.clone())
        .build()
        .expect("client")
}

/// Credentials of the emulator's identity pool, on its clock.
fn federated(emu: &TestEmulator) -> FederatedCredentialsBuilder {
    FederatedCredentials::builder(emu.config()).clock(emu.clock.clone())
}

/// A guest of the emulator's identity pool, on its clock.
fn new_guest(emu: &TestEmulator) -> FederatedCredentials {
    federated(emu).build().expect("guest")
}

fn google_token(emu: &RunningEmulator, sub: &str) -> Jwt {
    emu.mint_oidc_token(
        GOOGLE_ISSUER,
        sub,
        GOOGLE_CLIENT,
        Duration::from_secs(3600),
        serde_json::json!({}),
    )
    .expect("google token")
}

fn google(emu: &RunningEmulator, sub: &str) -> (LoginProvider, Jwt) {
    (LoginProvider::Google, google_token(emu, sub))
}

/// The role the credentials act as, from STS GetCallerIdentity signed with them.
async fn role_of(emu: &RunningEmulator, creds: &FederatedCredentials) -> String {
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new(emu.region()))
        .endpoint_url(emu.endpoint().as_str())
        .credentials_provider(creds.clone())
        .build();
    let arn = aws_sdk_sts::Client::from_conf(conf)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity")
        .arn()
        .unwrap_or_default()
        .to_owned();
    // arn:aws:sts::<account>:assumed-role/<role>/<session>
    arn.split('/').nth(1).unwrap_or_default().to_owned()
}

async fn statuses(emu: &RunningEmulator, creds: &FederatedCredentials) -> (u16, u16) {
    support::google_and_cip_statuses(emu, creds.clone()).await
}

#[tokio::test]
async fn google_enhanced_flow_reaches_google_but_not_cip() {
    let emu = start().await;
    let (p, s) = google(&emu, "google-user-1");
    let creds = federated(&emu).login(p, s).build().expect("provider");
    assert!(creds.is_authenticated());
    assert_eq!(statuses(&emu, &creds).await, (200, 403));
    assert_eq!(role_of(&emu, &creds).await, "GoogleRole");
    let id = creds.identity_id().await.expect("identity id");
    // The same Google subject resolves to the same identity from any device.
    let again = federated(&emu)
        .login(LoginProvider::Google, google_token(&emu, "google-user-1"))
        .build()
        .expect("provider");
    assert_eq!(again.identity_id().await.expect("identity id"), id);
    // One GetId per provider instance; the statuses and role checks reused the cached id.
    assert_eq!(emu.calls("GetId"), 2);
    emu.shutdown().await;
}

#[tokio::test]
async fn oidc_and_user_pool_logins_together_make_one_identity() {
    let emu = start().await;
    let config = emu.config();
    let up_token = emu
        .mint_user_pool_id_token("quickstart", "web", "jdoe")
        .expect("jdoe's ID token");
    let user_pool = LoginProvider::UserPool {
        region: emu.region(),
        user_pool_id: config.user_pool_id().expect("pool").to_owned(),
    };
    let both = federated(&emu)
        .login(user_pool.clone(), up_token)
        .login(LoginProvider::Google, google_token(&emu, "jdoe-at-google"))
        .build()
        .expect("provider");
    assert_eq!(
        both.providers(),
        vec![user_pool.key(), "accounts.google.com".to_owned()]
    );
    // The user pool's role resolution picks jdoe's preferred role.
    assert_eq!(role_of(&emu, &both).await, "CipRole");
    let id = both.identity_id().await.expect("identity id");
    // Both logins are linked: Google alone now finds the same identity.
    let google_only = federated(&emu)
        .login(LoginProvider::Google, google_token(&emu, "jdoe-at-google"))
        .build()
        .expect("provider");
    assert_eq!(google_only.identity_id().await.expect("identity id"), id);
    emu.shutdown().await;
}

#[tokio::test]
async fn a_user_pool_session_is_a_login_token_source() {
    let emu = start().await;
    let config = emu.config();
    let session = signed_in(Session::builder(config.clone()), "jdoe").await;
    let user_pool = LoginProvider::UserPool {
        region: emu.region(),
        user_pool_id: config.user_pool_id().expect("pool").to_owned(),
    };
    let creds = federated(&emu)
        .login(user_pool, session.clone())
        .login(LoginProvider::Google, google_token(&emu, "jdoe-google"))
        .build()
        .expect("provider");
    assert_eq!(statuses(&emu, &creds).await, (403, 200));
    emu.shutdown().await;
}

#[tokio::test]
async fn guest_gets_the_unauthenticated_role() {
    let emu = start().await;
    let guest = new_guest(&emu);
    assert!(!guest.is_authenticated());
    assert_eq!(statuses(&emu, &guest).await, (403, 403));
    assert_eq!(role_of(&emu, &guest).await, "GuestRole");
    let id = guest.identity_id().await.expect("guest id");
    assert!(id.starts_with("us-east-1:"), "{id}");
    // Each new guest is a new identity.
    let other = new_guest(&emu);
    assert_ne!(other.identity_id().await.expect("guest id"), id);
    emu.shutdown().await;
}

#[tokio::test]
async fn guest_that_signs_in_keeps_its_identity_id_and_is_authenticated() {
    let emu = start().await;
    let creds = new_guest(&emu);
    let guest_id = creds.identity_id().await.expect("guest id");
    assert_eq!(role_of(&emu, &creds).await, "GuestRole");

    creds.sign_in(google(&emu, "new-google-user"));
    assert_eq!(statuses(&emu, &creds).await, (200, 403));
    assert_eq!(role_of(&emu, &creds).await, "GoogleRole");
    assert_eq!(creds.identity_id().await.expect("id"), guest_id);
    // No second GetId: the guest id was handed over with the logins.
    assert_eq!(emu.calls("GetId"), 1);
    // The identity is now Google's: the same person elsewhere gets the same id.
    let elsewhere = federated(&emu)
        .login(LoginProvider::Google, google_token(&emu, "new-google-user"))
        .build()
        .expect("provider");
    assert_eq!(elsewhere.identity_id().await.expect("id"), guest_id);
    emu.shutdown().await;
}

#[tokio::test]
async fn returning_user_signing_in_as_guest_gets_their_own_identity() {
    let emu = start().await;
    let first = federated(&emu)
        .login(LoginProvider::Google, google_token(&emu, "returning"))
        .build()
        .expect("provider");
    let own_id = first.identity_id().await.expect("id");

    let device = new_guest(&emu);
    let guest_id = device.identity_id().await.expect("guest id");
    device.sign_in(google(&emu, "returning"));
    assert_eq!(role_of(&emu, &device).await, "GoogleRole");
    assert_eq!(device.identity_id().await.expect("id"), own_id);
    assert_ne!(own_id, guest_id);
    emu.shutdown().await;
}

#[tokio::test]
async fn after_sign_out_the_next_person_never_sees_the_first_persons_identity() {
    let emu = start().await;
    let device = new_guest(&emu);
    device.credentials().await.expect("guest credentials");
    device.sign_in(google(&emu, "person-a"));
    let a = device.identity_id().await.expect("a's id");
    assert_eq!(role_of(&emu, &device).await, "GoogleRole");

    device.sign_out();
    assert_eq!(device.cached_identity_id(), None);
    assert_eq!(device.credentials_expire_at(), None);
    assert!(!device.is_authenticated());
    // The next person starts as a new guest, not as person A.
    let guest_b = device.identity_id().await.expect("new guest id");
    assert_ne!(guest_b, a);
    assert_eq!(role_of(&emu, &device).await, "GuestRole");
    device.sign_in(google(&emu, "person-b"));
    let b = device.identity_id().await.expect("b's id");
    assert_ne!(b, a);
    assert_eq!(b, guest_b);

    // Signing in someone else without signing out does not hand over an authenticated id.
    device.sign_in(google(&emu, "person-c"));
    let c = device.identity_id().await.expect("c's id");
    assert_ne!(c, b);
    assert_ne!(c, a);
    // Even when the second sign-in comes before any exchange for the first.
    let device = new_guest(&emu);
    let guest = device.identity_id().await.expect("guest id");
    device.sign_in(google(&emu, "person-d"));
    device.sign_in(google(&emu, "person-e"));
    let e = device.identity_id().await.expect("e's id");
    assert_ne!(e, guest);
    emu.shutdown().await;
}

#[tokio::test]
async fn basic_flow_open_id_token_then_sts() {
    let emu = start().await;
    let client = client(&emu);
    // A guest: the unauthenticated role.
    let guest_id = client.get_id(&Logins::new()).await.expect("guest id");
    let token = client
        .get_open_id_token(&guest_id, &Logins::new())
        .await
        .expect("OpenID token");
    assert_eq!(token.expose_secret().split('.').count(), 3);
    let creds = client
        .basic_flow_credentials(
            &guest_id,
            &Logins::new(),
            &role("GuestRole"),
            "guest-session",
            Some(Duration::from_secs(900)),
        )
        .await
        .expect("guest basic-flow credentials");
    let expiry = creds.expiry().expect("expiry");
    let lifetime = expiry
        .duration_since(emu.clock().now())
        .expect("in the future");
    assert!(lifetime <= Duration::from_secs(900) && lifetime > Duration::from_secs(800));
    // A guest may not assume the authenticated role.
    let err = client
        .basic_flow_credentials(&guest_id, &Logins::new(), &role("GoogleRole"), "s1", None)
        .await
        .expect_err("guest cannot assume the authenticated role");
    assert_eq!(err.kind(), ErrorKind::RoleNotAllowed, "{err}");

    // A Google identity: the authenticated role, and the API agrees.
    let logins = Logins::new().with(&LoginProvider::Google, google_token(&emu, "basic-user"));
    let id = client.get_id(&logins).await.expect("id");
    let creds = client
        .basic_flow_credentials(&id, &logins, &role("GoogleRole"), "google-session", None)
        .await
        .expect("authenticated basic-flow credentials");
    let api = ApiClient::builder(format!(
        "http://{}/prod",
        emu.api_host("reference").expect("api")
    ))
    .connect_to(emu.addr())
    .credentials_provider(creds)
    .build()
    .expect("api client");
    let status = api
        .request(Method::GET, "/google")
        .send()
        .await
        .expect("request")
        .status();
    assert_eq!(status.as_u16(), 200);
    let err = client
        .basic_flow_credentials(&id, &logins, &role("CipRole"), "s2", None)
        .await
        .expect_err("not the pool's role");
    assert_eq!(err.kind(), ErrorKind::RoleNotAllowed, "{err}");
    emu.shutdown().await;
}

#[tokio::test]
async fn basic_flow_provider_guest_then_signed_in_keeps_the_identity() {
    let emu = start().await;
    let flow = BasicFlow::new("example-app")
        .authenticated_role(role("GoogleRole"))
        .unauthenticated_role(role("GuestRole"))
        .duration(Duration::from_secs(900));
    let creds = federated(&emu)
        .basic_flow(flow.clone())
        .build()
        .expect("provider");
    assert_eq!(role_of(&emu, &creds).await, "GuestRole");
    let guest_id = creds.identity_id().await.expect("guest id");
    creds.sign_in(google(&emu, "basic-flow-user"));
    assert_eq!(statuses(&emu, &creds).await, (200, 403));
    assert_eq!(role_of(&emu, &creds).await, "GoogleRole");
    assert_eq!(creds.identity_id().await.expect("id"), guest_id);
    assert_eq!(emu.calls("GetCredentialsForIdentity"), 0);
    assert_eq!(emu.calls("AssumeRoleWithWebIdentity"), 2);

    // A flow without a role for guests is a configuration error, not a call.
    let no_guest_role = federated(&emu)
        .basic_flow(BasicFlow::new("s1").authenticated_role(role("GoogleRole")))
        .build()
        .expect("provider");
    let err = no_guest_role.credentials().await.expect_err("no role");
    assert_eq!(err.kind(), ErrorKind::Config, "{err}");

    // A pool without the basic flow refuses it.
    let mut seed = seed();
    for pool in &mut seed.identity_pools {
        pool.allow_classic_flow = false;
    }
    let strict = TestEmulator::with_seed(seed).await;
    let err = federated(&strict)
        .basic_flow(flow)
        .build()
        .expect("provider")
        .credentials()
        .await
        .expect_err("basic flow disabled");
    assert_eq!(err.kind(), ErrorKind::InvalidParameter, "{err}");
    strict.shutdown().await;
    emu.shutdown().await;
}

#[tokio::test]
async fn custom_role_arn_from_the_token_is_honoured_and_others_are_refused() {
    let emu = start().await;
    let config = emu.config();
    let user_pool = LoginProvider::UserPool {
        region: emu.region(),
        user_pool_id: config.user_pool_id().expect("pool").to_owned(),
    };
    let jdoe = || {
        emu.mint_user_pool_id_token("quickstart", "web", "jdoe")
            .expect("jdoe's token")
    };
    let preferred = federated(&emu)
        .login(user_pool.clone(), jdoe())
        .build()
        .expect("provider");
    assert_eq!(role_of(&emu, &preferred).await, "CipRole");

    let custom = federated(&emu)
        .login(user_pool.clone(), jdoe())
        .custom_role_arn(role("CupOnlyRole"))
        .build()
        .expect("provider");
    assert_eq!(role_of(&emu, &custom).await, "CupOnlyRole");

    let refused = federated(&emu)
        .login(user_pool, jdoe())
        .custom_role_arn(role("GoogleRole"))
        .build()
        .expect("provider");
    let err = refused
        .credentials()
        .await
        .expect_err("not in cognito:roles");
    assert_eq!(err.kind(), ErrorKind::RoleNotAllowed, "{err}");
    assert!(!err.ends_session());

    // A Google token carries no roles at all.
    let (p, s) = google(&emu, "g");
    let google_custom = federated(&emu)
        .login(p, s)
        .custom_role_arn(role("GoogleRole"))
        .build()
        .expect("provider");
    let err = google_custom.credentials().await.expect_err("no role list");
    assert_eq!(err.kind(), ErrorKind::RoleNotAllowed, "{err}");
    emu.shutdown().await;
}

#[tokio::test]
async fn wrong_audience_wrong_provider_and_expired_tokens_are_typed_errors() {
    let emu = start().await;
    let clock = emu.clock.clone();

    let other_app = emu
        .mint_oidc_token(
            GOOGLE_ISSUER,
            "u1",
            "another-app.apps.googleusercontent.com",
            Duration::from_secs(3600),
            serde_json::json!({}),
        )
        .expect("token");
    let creds = federated(&emu)
        .login(LoginProvider::Google, other_app)
        .build()
        .expect("provider");
    let err = creds.credentials().await.expect_err("wrong audience");
    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    assert!(err.message().contains("audience"), "{err}");

    // A Google token offered as another provider, and under an issuer the pool does not know.
    for provider in [
        LoginProvider::Facebook,
        LoginProvider::Oidc("https://login.example.com".into()),
    ] {
        let creds = federated(&emu)
            .login(provider.clone(), google_token(&emu, "u1"))
            .build()
            .expect("provider");
        let err = creds.credentials().await.expect_err("wrong provider");
        assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{provider:?}: {err}");
        assert!(err.message().contains("provider"), "{err}");
    }

    let short = emu
        .mint_oidc_token(
            GOOGLE_ISSUER,
            "u1",
            GOOGLE_CLIENT,
            Duration::from_secs(60),
            serde_json::json!({}),
        )
        .expect("token");
    clock.advance(Duration::from_secs(120));
    let creds = federated(&emu)
        .login(LoginProvider::Google, short)
        .build()
        .expect("provider");
    let err = creds.credentials().await.expect_err("expired");
    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    assert!(err.message().contains("expired"), "{err}");
    assert!(err.ends_session());
    emu.shutdown().await;
}

#[tokio::test]
async fn pool_without_guests_refuses_a_guest() {
    let mut seed = seed();
    for pool in &mut seed.identity_pools {
        pool.allow_unauthenticated = false;
    }
    let emu = TestEmulator::with_seed(seed).await;
    let err = new_guest(&emu).credentials().await.expect_err("no guests");
    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    emu.shutdown().await;
}

#[tokio::test]
async fn token_source_is_asked_again_when_the_credentials_are_renewed() {
    let mut seed = seed();
    seed.credential_lifetime_secs = Some(900);
    let emu = Arc::new(TestEmulator::with_seed(seed).await);
    let clock = emu.clock.clone();
    let calls = Arc::new(AtomicUsize::new(0));
    let source = {
        let emu = emu.clone();
        let calls = calls.clone();
        // Google tokens live 10 minutes here: shorter than the credentials.
        token_fn(move || {
            calls.fetch_add(1, Ordering::SeqCst);
            std::future::ready(
                emu.mint_oidc_token(
                    GOOGLE_ISSUER,
                    "refreshing-user",
                    GOOGLE_CLIENT,
                    Duration::from_secs(600),
                    serde_json::json!({}),
                )
                .map_err(Into::into),
            )
        })
    };
    let creds = federated(&emu)
        .login(LoginProvider::Google, source)
        .refresh_margin(Duration::from_secs(60))
        .build()
        .expect("provider");
    let first = creds.credentials().await.expect("credentials");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Served from the cache while fresh: no new token.
    clock.advance(Duration::from_secs(300));
    let same = creds.credentials().await.expect("credentials");
    assert_eq!(same.access_key_id(), first.access_key_id());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Past expiry (and past the first Google token's): a fresh token, new credentials.
    clock.advance(Duration::from_secs(700));
    let renewed = creds.credentials().await.expect("renewed credentials");
    assert_ne!(renewed.access_key_id(), first.access_key_id());
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(emu.calls("GetCredentialsForIdentity"), 2);
    assert_eq!(emu.calls("GetId"), 1, "the identity id is cached");
    // Clones share the cache.
    let clone = creds.clone();
    assert_eq!(
        clone
            .credentials()
            .await
            .expect("credentials")
            .access_key_id(),
        renewed.access_key_id()
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn provider_tokens_never_reach_debug_or_errors() {
    let emu = start().await;
    // A real, signed token for the wrong audience, carrying a marker claim.
    let marked = emu
        .mint_oidc_token(
            GOOGLE_ISSUER,
            "MARKER-sub",
            "MARKER-audience",
            Duration::from_secs(3600),
            serde_json::json!({ "email": "MARKER@example.com" }),
        )
        .expect("token");
    let raw = marked.expose_secret().to_owned();
    let garbage = Jwt::new("MARKER-not-a-jwt");
    for token in [marked, garbage] {
        let creds = federated(&emu)
            .login(LoginProvider::Google, token)
            .build()
            .expect("provider");
        let err = creds.credentials().await.expect_err("rejected");
        for text in [format!("{err}"), format!("{err:?}"), format!("{creds:?}")] {
            assert!(!text.contains("MARKER"), "{text}");
            assert!(!text.contains(&raw), "{text}");
        }
    }
    // The basic flow's errors too.
    let client = client(&emu);
    let logins = Logins::new().with(&LoginProvider::Google, Jwt::new("MARKER-basic"));
    let err = client
        .basic_flow_credentials(
            "us-east-1:00000000-0000-0000-0000-000000000000",
            &logins,
            &role("GoogleRole"),
            "s1",
            None,
        )
        .await
        .expect_err("rejected");
    assert!(!format!("{err} {err:?} {logins:?}").contains("MARKER"));
    emu.shutdown().await;
}
