//! Developer-authenticated identities end to end (issue 24), against the emulator: the app's
//! "back end" is a SigV4-signed call (admin key pair `test`/`test`) to the emulator's
//! GetOpenIdTokenForDeveloperIdentity; `FederatedCredentials` trades its token for the
//! identity pool's authenticated role (GoogleRole in the reference scenario, which may call
//! `/google` and not `/cip`), and asks the back end again when it renews the credentials.

mod support;

use bytes::Bytes;
use cognito_sigv4::credentials::{
    DeveloperToken, DeveloperTokenFuture, DeveloperTokenSource, FederatedCredentials,
};
use cognito_sigv4::identity_pool::{IdentityPoolClient, LoginProvider, Logins};
use cognito_sigv4::secret::Jwt;
use cognito_sigv4::{Clock, ErrorKind, ManualClock};
use cognito_sigv4_emulator::Seed;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::TestEmulator;

const DEVELOPER: &str = "login.quickstart.app";

/// The reference scenario, its identity pool accepting the app's own users as
/// `login.quickstart.app`.
fn seed() -> Seed {
    let mut seed = Seed::reference();
    seed.identity_pools[0].developer_provider_name = Some(DEVELOPER.into());
    seed
}

/// GetOpenIdTokenForDeveloperIdentity, as an app's back end calls it: signed with the admin key
/// pair, at the emulator's time. Returns (status, JSON answer).
async fn back_end_call(
    endpoint: &str,
    clock: &ManualClock,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let body = Bytes::from(body.to_string());
    let host = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut req = http::Request::builder()
        .method("POST")
        .uri(endpoint)
        .header("host", host)
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityService.GetOpenIdTokenForDeveloperIdentity",
        )
        .body(body.clone())
        .expect("request");
    let admin = aws_credential_types::Credentials::new("test", "test", None, None, "admin");
    cognito_sigv4::signing::Signer::new("us-east-1", "cognito-identity")
        .sign(&mut req, &admin, clock.now())
        .expect("signed");
    let mut out = reqwest::Client::new().post(endpoint).body(body);
    for (k, v) in req.headers() {
        out = out.header(k, v);
    }
    let resp = out.send().await.expect("back end call");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON answer"))
}

/// The app's back end for one of its users: remembers its last answer and hands it out until
/// the identity pool refuses it (a source that caches, as a real app would).
#[derive(Debug)]
struct BackEnd {
    endpoint: String,
    clock: ManualClock,
    pool_id: String,
    user_id: String,
    cached: Mutex<Option<DeveloperToken>>,
    calls: AtomicUsize,
    refusals: AtomicUsize,
}

impl BackEnd {
    fn new(emu: &TestEmulator, pool_id: &str, user_id: &str) -> Arc<BackEnd> {
        Arc::new(BackEnd {
            endpoint: emu.endpoint().to_string(),
            clock: emu.clock.clone(),
            pool_id: pool_id.to_owned(),
            user_id: user_id.to_owned(),
            cached: Mutex::new(None),
            calls: AtomicUsize::new(0),
            refusals: AtomicUsize::new(0),
        })
    }

    async fn fetch(&self) -> cognito_sigv4::Result<DeveloperToken> {
        if let Some(cached) = self.cached.lock().unwrap().clone() {
            return Ok(cached);
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        let body = serde_json::json!({
            "IdentityPoolId": self.pool_id,
            "Logins": { DEVELOPER: self.user_id },
        });
        let (status, answer) = back_end_call(&self.endpoint, &self.clock, body).await;
        assert_eq!(status, 200, "{answer}");
        let token = DeveloperToken::new(
            answer["IdentityId"].as_str().expect("IdentityId"),
            Jwt::new(answer["Token"].as_str().expect("Token")),
        );
        *self.cached.lock().unwrap() = Some(token.clone());
        Ok(token)
    }
}

impl DeveloperTokenSource for BackEnd {
    fn developer_token(&self) -> DeveloperTokenFuture<'_> {
        Box::pin(self.fetch())
    }

    fn refused(&self, token: &Jwt) {
        self.refusals.fetch_add(1, Ordering::SeqCst);
        let mut cached = self.cached.lock().unwrap();
        if cached.as_ref().is_some_and(|c| c.token() == token) {
            *cached = None;
        }
    }
}

async fn statuses(emu: &TestEmulator, creds: &FederatedCredentials) -> (u16, u16) {
    support::google_and_cip_statuses(emu, creds.clone()).await
}

#[tokio::test]
async fn a_developer_identity_signs_api_calls_and_asks_its_back_end_again_when_the_token_expires() {
    let emu = TestEmulator::with_seed(seed()).await;
    let config = emu.config();
    let pool_id = config.identity_pool_id().expect("identity pool").to_owned();
    let back_end = BackEnd::new(&emu, &pool_id, "app-user-7");
    let creds = FederatedCredentials::builder(config)
        .clock(emu.clock.clone())
        .developer(back_end.clone())
        .build()
        .expect("provider");
    assert_eq!(
        creds.providers(),
        [LoginProvider::Developer.key()],
        "the login is cognito-identity.amazonaws.com"
    );

    // The authenticated role: /google, not /cip.
    assert_eq!(statuses(&emu, &creds).await, (200, 403));
    assert_eq!(back_end.calls.load(Ordering::SeqCst), 1);
    let identity_id = creds.identity_id().await.expect("identity id");
    let answered = back_end.cached.lock().unwrap().clone().expect("cached");
    assert_eq!(identity_id, answered.identity_id());
    let first = creds.credentials().await.expect("credentials");

    // An hour later the credentials are due, and the back end's cached token (15 minutes) has
    // expired: the pool refuses it, the source is told, and asked again.
    emu.clock.advance(Duration::from_secs(3_500));
    let renewed = creds.credentials().await.expect("renewed credentials");
    assert_ne!(renewed.access_key_id(), first.access_key_id());
    assert_eq!(back_end.refusals.load(Ordering::SeqCst), 1);
    assert_eq!(back_end.calls.load(Ordering::SeqCst), 2);
    // The same user, the same identity.
    assert_eq!(creds.identity_id().await.expect("identity id"), identity_id);
    assert_eq!(statuses(&emu, &creds).await, (200, 403));
    emu.shutdown().await;
}

#[tokio::test]
async fn the_identity_pool_client_takes_a_developer_token_with_its_identity_id() {
    let emu = TestEmulator::with_seed(seed()).await;
    let config = emu.config();
    let pool_id = config.identity_pool_id().expect("identity pool").to_owned();
    let back_end = BackEnd::new(&emu, &pool_id, "app-user-8");
    let answer = back_end.fetch().await.expect("back end");
    let client = IdentityPoolClient::builder(&config)
        .clock(emu.clock.clone())
        .build()
        .expect("client");
    let logins = Logins::new().with_developer(answer.identity_id(), answer.token().clone());
    assert_eq!(logins.developer_identity_id(), Some(answer.identity_id()));
    // A cached id of someone else is not used: the token names its identity.
    let (id, creds) = client
        .credentials_for(
            Some("us-east-1:00000000-0000-4000-8000-000000000000"),
            &logins,
            None,
        )
        .await
        .expect("credentials");
    assert_eq!(id, answer.identity_id());
    assert!(creds.session_token().is_some());
    // GetId refuses the pool's own token, in AWS's words.
    let only_token = Logins::new().with(&LoginProvider::Developer, answer.token().clone());
    let err = client
        .get_id(&only_token)
        .await
        .expect_err("GetId refuses it");
    assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    assert!(
        err.message().contains("Can't pass in a Cognito token"),
        "{err}"
    );
    // The basic flow: the token goes to STS as it is.
    let (id, creds) = client
        .basic_flow_credentials_for(
            None,
            &logins,
            "arn:aws:iam::123456789012:role/GoogleRole",
            "developer",
            None,
        )
        .await
        .expect("basic-flow credentials");
    assert_eq!(id, answer.identity_id());
    assert!(creds.session_token().is_some());
    emu.shutdown().await;
}
