//! The refreshing session against the emulator, on a manual clock with short lifetimes
//! (tokens 300 s, credentials 900 s).

mod support;

use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use cognito_sigv4::client::{ApiClient, AuthMode};
use cognito_sigv4::credentials::SessionBuilder;
use cognito_sigv4::secret::Password;
use cognito_sigv4::store::{FileStore, MemoryStore, SessionStore, StoredSession};
use cognito_sigv4::user_pool::UserPoolClient;
use cognito_sigv4::{Clock, CognitoConfig, ErrorKind, Session};
use cognito_sigv4_emulator::{Fault, Seed};
use support::{PASSWORD, TestEmulator, done, short_lived_seed, signed_in};

const MARGIN: Duration = Duration::from_secs(60);

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// The reference scenario with short lifetimes; derefs to the [`TestEmulator`].
struct Env {
    emulator: TestEmulator,
    config: CognitoConfig,
}

impl Deref for Env {
    type Target = TestEmulator;

    fn deref(&self) -> &TestEmulator {
        &self.emulator
    }
}

impl Env {
    async fn start() -> Env {
        Env::start_with(|_| {}).await
    }

    async fn start_with(adjust: impl FnOnce(&mut Seed)) -> Env {
        let mut seed = short_lived_seed();
        adjust(&mut seed);
        let emulator = TestEmulator::with_seed(seed).await;
        let config = emulator.config();
        Env { emulator, config }
    }

    fn builder(&self) -> SessionBuilder {
        Session::builder(self.config.clone())
            .clock(self.clock.clone())
            .refresh_margin(MARGIN)
    }

    async fn sign_in(&self, builder: SessionBuilder) -> Session {
        signed_in(builder, "jdoe").await
    }
}

#[tokio::test]
async fn tokens_and_credentials_are_refreshed_before_they_expire() {
    let env = Env::start().await;
    let session = env.sign_in(env.builder()).await;
    let t0 = env.clock.now();
    let tokens1 = session.tokens().await.expect("tokens");
    let creds1 = session.credentials().await.expect("credentials");
    let auths = env.calls("InitiateAuth");

    // 59 s before the tokens expire: inside the margin, so refreshed while still valid.
    env.clock.set(t0 + secs(241));
    let tokens2 = session.tokens().await.expect("tokens");
    assert_eq!(env.calls("InitiateAuth"), auths + 1);
    assert!(tokens2.expires_at > tokens1.expires_at);
    assert_ne!(tokens2.id.expose_secret(), tokens1.id.expose_secret());

    // 55 s before the credentials expire (the tokens have expired by then): the exchange
    // refreshes the tokens first, then gets new credentials.
    env.clock.set(t0 + secs(845));
    let exchanges = env.calls("GetCredentialsForIdentity");
    let creds2 = session.credentials().await.expect("credentials");
    assert_eq!(env.calls("GetCredentialsForIdentity"), exchanges + 1);
    assert_eq!(env.calls("InitiateAuth"), auths + 2);
    assert_ne!(creds2.access_key_id(), creds1.access_key_id());
    assert!(
        creds1.expiry().is_some_and(|e| e > env.clock.now()),
        "refreshed before expiry"
    );
    assert!(
        creds2
            .expiry()
            .is_some_and(|e| e > env.clock.now() + secs(800))
    );
    // No GetId after the first exchange: the identity id is cached.
    assert_eq!(env.calls("GetId"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_concurrent_requests_across_expiry_share_one_refresh_and_one_exchange() {
    let env = Env::start().await;
    let session = env.sign_in(env.builder()).await;
    let first = session.credentials().await.expect("credentials");
    env.emulator.reset_calls();
    env.clock.advance(secs(901)); // tokens and credentials both expired

    let mut tasks = Vec::with_capacity(10_000);
    for _ in 0..10_000 {
        let s = session.clone();
        tasks.push(tokio::spawn(async move { s.credentials().await }));
    }
    let mut keys = std::collections::BTreeSet::new();
    for t in tasks {
        let creds = t.await.expect("task").expect("credentials");
        assert!(creds.expiry().is_some_and(|e| e > env.clock.now()));
        keys.insert(creds.access_key_id().to_owned());
    }
    assert_eq!(keys.len(), 1, "everyone shares the same new credentials");
    assert!(!keys.contains(first.access_key_id()));
    assert_eq!(env.calls("InitiateAuth"), 1, "one token refresh");
    assert_eq!(env.calls("GetTokensFromRefreshToken"), 0);
    assert_eq!(env.calls("GetCredentialsForIdentity"), 1, "one exchange");
    assert_eq!(env.calls("GetId"), 0);
}

#[tokio::test]
async fn no_request_is_signed_with_expired_credentials() {
    let env = Env::start().await;
    let session = env.sign_in(env.builder()).await;
    let base = env.emulator.api_url("reference", "prod").expect("api url");
    let api = ApiClient::builder(base.as_str())
        .region(env.emulator.region())
        .credentials_provider(session.clone())
        .clock(env.clock.clone())
        .build()
        .expect("api client");
    // Walk through four credential lifetimes in uneven steps; every call must be accepted.
    for step in 0..40 {
        let resp = api
            .request(http::Method::GET, "/cip")
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200, "step {step}: {}", resp.text());
        let creds = session.credentials().await.expect("credentials");
        assert!(creds.expiry().is_some_and(|e| e > env.clock.now()));
        env.clock.advance(secs(97));
    }
    assert!(env.calls("GetCredentialsForIdentity") >= 4);
}

#[tokio::test]
async fn throttling_and_5xx_during_refresh_keep_valid_credentials_and_the_session() {
    let env = Env::start().await;
    let store = Arc::new(MemoryStore::new());
    let session = env.sign_in(env.builder().store(store.clone())).await;
    let t0 = env.clock.now();
    let creds1 = session.credentials().await.expect("credentials");
    // Credentials due (expire at +900) and tokens expired: the exchange must refresh tokens.
    env.clock.set(t0 + secs(850));
    env.emulator
        .inject_fault("InitiateAuth", Fault::Throttle, 1);
    let auths = env.calls("InitiateAuth");

    let c = session
        .credentials()
        .await
        .expect("valid credentials served");
    assert_eq!(c.access_key_id(), creds1.access_key_id());
    assert_eq!(env.calls("InitiateAuth"), auths + 1);
    // Within the backoff: no new attempt, still served.
    let c = session.credentials().await.expect("served");
    assert_eq!(c.access_key_id(), creds1.access_key_id());
    assert_eq!(env.calls("InitiateAuth"), auths + 1);

    // After the backoff: a 5xx this time.
    env.emulator
        .inject_fault("InitiateAuth", Fault::ServerError, 1);
    env.clock.advance(secs(1));
    let c = session.credentials().await.expect("served");
    assert_eq!(c.access_key_id(), creds1.access_key_id());
    assert_eq!(env.calls("InitiateAuth"), auths + 2);

    // Then the token refresh works but the exchange fails with a 5xx.
    env.emulator
        .inject_fault("GetCredentialsForIdentity", Fault::ServerError, 1);
    env.clock.advance(secs(2));
    let c = session.credentials().await.expect("served");
    assert_eq!(c.access_key_id(), creds1.access_key_id());
    assert_eq!(env.calls("InitiateAuth"), auths + 3);
    assert!(!session.has_ended());
    assert!(store.load().expect("load").is_some(), "the store is kept");

    // Faults over: recovers with new credentials.
    env.clock.advance(secs(4));
    let c = session.credentials().await.expect("recovered");
    assert_ne!(c.access_key_id(), creds1.access_key_id());
    assert!(c.expiry().is_some_and(|e| e > env.clock.now() + secs(800)));

    // With nothing valid left, a fault is the caller's error, and the session survives it.
    env.clock.advance(secs(2_000));
    env.emulator
        .inject_fault("InitiateAuth", Fault::Throttle, 1);
    let e = session
        .credentials()
        .await
        .expect_err("nothing valid to serve");
    assert_eq!(e.kind(), ErrorKind::Throttled);
    assert!(!session.has_ended());
    // Within the backoff that follows, callers get the same error at once: an outage is not
    // hammered by every call (issue 11, item 5).
    let calls = env.calls("InitiateAuth");
    let e = session.credentials().await.expect_err("backing off");
    assert_eq!(e.kind(), ErrorKind::Throttled);
    assert_eq!(
        env.calls("InitiateAuth"),
        calls,
        "no call during the backoff"
    );
    env.clock.advance(secs(1));
    session
        .credentials()
        .await
        .expect("recovers after the backoff");
}

#[tokio::test]
async fn a_revoked_refresh_token_ends_the_session_and_wipes_the_store() {
    let env = Env::start().await;
    let store = Arc::new(MemoryStore::new());
    let session = env.sign_in(env.builder().store(store.clone())).await;
    session.credentials().await.expect("credentials");
    assert!(store.load().expect("load").is_some());
    // Revoke behind the session's back (another device signing out, an admin).
    let refresh = session
        .tokens()
        .await
        .expect("tokens")
        .refresh
        .expect("refresh token");
    UserPoolClient::new(&env.config)
        .expect("client")
        .revoke_refresh_token(&refresh)
        .await
        .expect("revoke");
    // Tokens due but still valid: the refusal still ends the session.
    env.clock.advance(secs(250));
    let e = session.tokens().await.expect_err("session ended");
    assert_eq!(e.kind(), ErrorKind::SessionEnded);
    assert_eq!(e.service_code(), Some("NotAuthorizedException"));
    assert!(session.has_ended());
    assert_eq!(store.load().expect("load"), None, "store wiped");
    for e in [
        session.credentials().await.expect_err("ended"),
        session.id_token().await.expect_err("ended"),
    ] {
        assert_eq!(e.kind(), ErrorKind::SessionEnded);
    }
    let e = Session::resume(env.config.clone(), store)
        .await
        .expect_err("nothing to resume");
    assert_eq!(e.kind(), ErrorKind::SessionEnded);
}

#[tokio::test]
async fn sign_out_revokes_and_wipes() {
    let env = Env::start().await;
    let store = Arc::new(MemoryStore::new());
    let session = env.sign_in(env.builder().store(store.clone())).await;
    let tokens = session.tokens().await.expect("tokens");
    session.sign_out().await.expect("sign out");
    assert_eq!(env.calls("RevokeToken"), 1);
    assert_eq!(store.load().expect("load"), None);
    assert_eq!(
        session.tokens().await.expect_err("ended").kind(),
        ErrorKind::SessionEnded
    );
    // The refresh token is dead at the service too.
    let e = UserPoolClient::new(&env.config)
        .expect("client")
        .refresh(&tokens)
        .await
        .expect_err("revoked");
    assert_eq!(e.kind(), ErrorKind::NotAuthorized);
}

#[tokio::test]
async fn signing_out_during_a_refresh_keeps_nothing_it_returns() {
    let env = Env::start().await;
    let session = env.sign_in(env.builder()).await;
    session.credentials().await.expect("credentials");
    // Everything expired: the next call refreshes tokens, then exchanges slowly.
    env.clock.advance(secs(1_000));
    env.emulator.inject_fault(
        "GetCredentialsForIdentity",
        Fault::Latency(Duration::from_millis(300)),
        1,
    );
    let exchanges = env.calls("GetCredentialsForIdentity");
    let pending = tokio::spawn({
        let session = session.clone();
        async move { session.credentials().await }
    });
    // Bounded wait until the exchange is in flight at the emulator.
    for _ in 0..2_000 {
        if env.calls("GetCredentialsForIdentity") > exchanges {
            break;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(env.calls("GetCredentialsForIdentity"), exchanges + 1);
    session.sign_out().await.expect("sign out");
    let outcome = pending.await.expect("task");
    assert_eq!(outcome.expect_err("ended").kind(), ErrorKind::SessionEnded);
    // The exchange's answer was not kept after the sign-out.
    assert_eq!(session.credentials_expire_at(), None);
    assert_eq!(session.tokens_expire_at(), None);
}

#[tokio::test]
async fn a_stored_session_resumes_with_its_identity_id() {
    let env = Env::start().await;
    // A file, as an app would use across restarts.
    let dir = tempfile::tempdir().expect("temp dir");
    let store = FileStore::new(dir.path().join("session.json"));
    let session = env.sign_in(env.builder().store(store.clone())).await;
    let id = session.identity_id().await.expect("identity id");
    let stored = store.load().expect("load").expect("stored");
    assert_eq!(stored.identity_id.as_deref(), Some(id.as_str()));
    assert_eq!(stored.username, "jdoe");
    drop(session);

    env.emulator.reset_calls();
    let resumed = env
        .builder()
        .store(store.clone())
        .resume()
        .await
        .expect("resume");
    assert_eq!(env.calls("InitiateAuth"), 0, "resume makes no call");
    assert_eq!(
        resumed.tokens_expire_at(),
        None,
        "a resumed session holds no tokens until its first refresh"
    );
    let creds = resumed.credentials().await.expect("credentials");
    assert!(creds.expiry().is_some_and(|e| e > env.clock.now()));
    assert!(
        resumed
            .tokens_expire_at()
            .is_some_and(|e| e > env.clock.now())
    );
    assert_eq!(
        env.calls("InitiateAuth"),
        0,
        "the stored tokens, still fresh, are taken as they are"
    );
    // Once they are due, the stored refresh token refreshes them.
    env.clock.advance(secs(301));
    resumed.tokens().await.expect("refreshed");
    assert_eq!(
        env.calls("InitiateAuth"),
        1,
        "one refresh with the stored token"
    );
    assert_eq!(env.calls("GetId"), 0, "the stored identity id is reused");
    assert_eq!(resumed.identity_id().await.expect("id"), id);
}

#[tokio::test]
async fn an_unknown_cached_identity_id_is_recovered_with_one_get_id() {
    let env = Env::start().await;
    let client = UserPoolClient::new(&env.config).expect("client");
    let tokens = done(
        client
            .sign_in("jdoe", &Password::new(PASSWORD))
            .await
            .expect("sign in"),
    );
    let stale = "us-east-1:00000000-0000-4000-8000-000000000000";
    let mut stored = StoredSession::new(
        client.user_pool_id(),
        client.client_id(),
        tokens.username.clone(),
        tokens.refresh.clone().expect("refresh token"),
    );
    stored.identity_pool_id = env.config.identity_pool_id().map(str::to_owned);
    stored.identity_id = Some(stale.to_owned());
    let store = Arc::new(MemoryStore::with(stored));
    let session = env
        .builder()
        .store(store.clone())
        .resume()
        .await
        .expect("resume");
    env.emulator.reset_calls();
    session.credentials().await.expect("credentials");
    assert_eq!(env.calls("GetId"), 1);
    assert_eq!(
        env.calls("GetCredentialsForIdentity"),
        2,
        "stale try, then retry"
    );
    let id = session.identity_id().await.expect("id");
    assert_ne!(id, stale);
    let stored = store.load().expect("load").expect("stored");
    assert_eq!(
        stored.identity_id.as_deref(),
        Some(id.as_str()),
        "new id saved"
    );
}

#[tokio::test]
async fn an_aws_sdk_client_accepts_the_session_as_credentials_provider() {
    let env = Env::start().await;
    let session = env.sign_in(env.builder()).await;
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(aws_sdk_sts::config::BehaviorVersion::latest())
        .region(aws_sdk_sts::config::Region::new(env.emulator.region()))
        .endpoint_url(env.emulator.endpoint().as_str())
        .credentials_provider(session.clone())
        .build();
    let sts = aws_sdk_sts::Client::from_conf(conf);
    let who = sts
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity (SigV4-verified by the emulator)");
    assert_eq!(who.account(), Some("123456789012"));
    assert!(
        who.arn()
            .is_some_and(|a| a.contains(":assumed-role/CipRole/")),
        "{:?}",
        who.arn()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_background_refresh_no_caller_waits_for_a_refresh() {
    let env = Env::start().await;
    let session = env
        .sign_in(
            env.builder()
                // The task refreshes 120–180 s before expiry; callers only 40–60 s before.
                .refresh_margin(secs(120))
                .background_refresh(true)
                .background_poll(Duration::from_millis(5)),
        )
        .await;
    let t0 = env.clock.now();
    let creds1 = session.credentials().await.expect("credentials");
    // Every refresh call now takes a second.
    env.emulator
        .inject_fault("InitiateAuth", Fault::Latency(Duration::from_secs(1)), 10);
    env.emulator.inject_fault(
        "GetCredentialsForIdentity",
        Fault::Latency(Duration::from_secs(1)),
        10,
    );
    // Due for the task, not for callers: 90 s left.
    env.clock.set(t0 + secs(810));
    let exchanges = env.calls("GetCredentialsForIdentity");
    // Callers are served at once while the task refreshes.
    for _ in 0..20 {
        let c = tokio::time::timeout(Duration::from_millis(300), session.credentials())
            .await
            .expect("no caller waits for the refresh")
            .expect("credentials");
        assert!(c.expiry().is_some_and(|e| e > env.clock.now()));
    }
    // The task finishes the refresh on its own (bounded wait).
    let mut refreshed = false;
    for _ in 0..1_000 {
        if session
            .credentials_expire_at()
            .is_some_and(|e| e > t0 + secs(1_000))
        {
            refreshed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refreshed, "the background task refreshed the credentials");
    assert_eq!(env.calls("GetCredentialsForIdentity"), exchanges + 1);
    let c = session.credentials().await.expect("credentials");
    assert_ne!(c.access_key_id(), creds1.access_key_id());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_task_stops_with_the_last_clone() {
    let env = Env::start().await;
    let session = env
        .sign_in(
            env.builder()
                .background_refresh(true)
                .background_poll(Duration::from_millis(1)),
        )
        .await;
    let clone = session.clone();
    drop(session);
    // A clone keeps it alive: it refreshes the due tokens on its own (bounded wait).
    let auths = env.calls("InitiateAuth");
    env.clock.advance(secs(250));
    for _ in 0..1_000 {
        if env.calls("InitiateAuth") > auths {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(env.calls("InitiateAuth"), auths + 1);
    drop(clone);
    // Gone with the last clone: with a 1 ms poll it would have refreshed many times over.
    let auths = env.calls("InitiateAuth");
    env.clock.advance(secs(10_000));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(env.calls("InitiateAuth"), auths);
}

#[tokio::test]
async fn secrets_never_reach_debug_or_errors() {
    let env = Env::start().await;
    let store = Arc::new(MemoryStore::new());
    let session = env.sign_in(env.builder().store(store.clone())).await;
    let tokens = session.tokens().await.expect("tokens");
    let creds = session.credentials().await.expect("credentials");
    let stored = store.load().expect("load").expect("stored");
    let secrets = [
        tokens.id.expose_secret().to_owned(),
        tokens.access.expose_secret().to_owned(),
        tokens
            .refresh
            .as_ref()
            .expect("refresh")
            .expose_secret()
            .to_owned(),
        creds.secret_access_key().to_owned(),
        creds.session_token().expect("session token").to_owned(),
        PASSWORD.to_owned(),
    ];
    let wrong = Password::new("MARKER-wrong-password");
    let sign_in_error = env
        .builder()
        .sign_in("jdoe", &wrong)
        .await
        .expect_err("wrong password");
    // End the session to get a SessionEnded error built from a service error.
    let refresh = tokens.refresh.clone().expect("refresh");
    UserPoolClient::new(&env.config)
        .expect("client")
        .revoke_refresh_token(&refresh)
        .await
        .expect("revoke");
    env.clock.advance(secs(301));
    let ended_error = session.tokens().await.expect_err("ended");
    let text = format!(
        "{session:?} {session:#?} {stored:?} {tokens:?} {sign_in_error:?} {sign_in_error} \
         {ended_error:?} {ended_error} {:?}",
        env.builder()
    );
    for s in &secrets {
        assert!(!text.contains(s.as_str()), "a secret leaked into: {text}");
    }
    assert!(!text.contains("MARKER"), "{text}");
}

#[tokio::test]
async fn user_pool_routes_get_the_current_id_token_from_the_session() {
    let env = Env::start().await;
    let session = env.sign_in(env.builder()).await;
    let base = env.emulator.api_url("reference", "prod").expect("api url");
    let api = ApiClient::builder(base.as_str())
        .region(env.emulator.region())
        .session(&session)
        .route(None, "/cup", AuthMode::id_token())
        .clock(env.clock.clone())
        .build()
        .expect("api client");
    let auths = env.calls("InitiateAuth");
    for _ in 0..3 {
        let resp = api
            .request(http::Method::GET, "/cup")
            .send()
            .await
            .expect("request");
        assert_eq!(resp.status(), 200, "{}", resp.text());
        // Past the first tokens' expiry: the session hands out refreshed ones.
        env.clock.advance(secs(290));
    }
    assert!(
        env.calls("InitiateAuth") > auths,
        "tokens were refreshed on the way"
    );
}

#[tokio::test]
async fn a_rotated_refresh_token_is_saved_before_use() {
    let env = Env::start_with(|seed| {
        for client in &mut seed.user_pools[0].clients {
            client.refresh_token_rotation = true;
        }
    })
    .await;
    let store = Arc::new(MemoryStore::new());
    let session = env
        .sign_in(
            env.builder()
                .store(store.clone())
                .refresh_token_rotation(true),
        )
        .await;
    let first = store.load().expect("load").expect("stored").refresh_token;
    env.clock.advance(secs(301));
    session.tokens().await.expect("refreshed");
    assert_eq!(env.calls("GetTokensFromRefreshToken"), 1);
    let second = store.load().expect("load").expect("stored").refresh_token;
    assert_ne!(
        first, second,
        "the new refresh token replaced the retired one"
    );
    // A later resume uses the saved (new) token successfully, refreshing the rotating way
    // because the store remembers it (the app need not repeat the setting).
    drop(session);
    let resumed = env
        .builder()
        .store(store.clone())
        .resume()
        .await
        .expect("resume");
    env.clock.advance(secs(301));
    resumed
        .tokens()
        .await
        .expect("refresh with the rotated token");
    assert_eq!(env.calls("GetTokensFromRefreshToken"), 2);
}

#[tokio::test]
async fn global_sign_out_ends_every_session_of_the_user() {
    let env = Env::start().await;
    let store = Arc::new(MemoryStore::new());
    let session = env.sign_in(env.builder().store(store.clone())).await;
    let other_device = env.sign_in(env.builder()).await;
    session.global_sign_out().await.expect("global sign out");
    assert_eq!(env.calls("GlobalSignOut"), 1);
    assert!(session.has_ended());
    assert_eq!(store.load().expect("load"), None);
    // The other device learns it at its next refresh.
    env.clock.advance(secs(301));
    let e = other_device
        .tokens()
        .await
        .expect_err("signed out everywhere");
    assert_eq!(e.kind(), ErrorKind::SessionEnded);
}

#[tokio::test]
async fn resuming_from_a_corrupt_or_foreign_store_is_a_store_error() {
    let env = Env::start().await;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("session.json");
    std::fs::write(&path, b"{\"version\": 1, \"user_pool_id\": 3").expect("write");
    let e = Session::resume(env.config.clone(), FileStore::new(&path))
        .await
        .expect_err("corrupt");
    assert_eq!(e.kind(), ErrorKind::Store);
    let foreign = StoredSession::new(
        "us-east-1_SomeOther1",
        env.config.client_id().expect("client id"),
        "jdoe",
        cognito_sigv4::secret::RefreshToken::new("opaque"),
    );
    let e = Session::resume(env.config.clone(), MemoryStore::with(foreign))
        .await
        .expect_err("another pool");
    assert_eq!(e.kind(), ErrorKind::Store);
    assert_eq!(env.calls("InitiateAuth"), 0);
}
