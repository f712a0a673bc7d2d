//! Interop with MiniStack (`pip install ministack`), an AWS emulator this project did not write,
//! run with `AUTH=true` so that it verifies SigV4 and evaluates IAM policies.
//!
//! One MiniStack serves every test of this file; `scripts/interop/ministack_bootstrap.py`
//! creates the fixtures with boto3 (a user pool with an app client without and one with a
//! secret, a user, an identity pool, a role allowed to invoke only `GET /allowed`, and a REST
//! API whose `GET /allowed` and `GET /denied` are both `AWS_IAM`).
//!
//! What MiniStack 1.5 does, read from its source (`ministack/services/cognito.py`, `app.py`,
//! `core/iam_evaluator.py`): real server-side SRP (`_initiate_user_srp_auth`,
//! `_srp_proof_valid`), SECRET_HASH checks (`_validate_client_secret_hash`), RevokeToken,
//! GetId/GetCredentialsForIdentity that check the login token's signature, issuer, audience and
//! expiry and register the credentials as an STS session of the pool's role; and for
//! execute-api, under `AUTH=true`, SigV4 verification and IAM policy evaluation of
//! `execute-api:Invoke` on the method's ARN (`_enforce_execute_api`). So both the 200 and the
//! 403 here are MiniStack's own decisions. Its 403 for a denied role is an
//! `AccessDeniedException` ("... because no identity-based policy allows the
//! execute-api:Invoke action"), worded unlike API Gateway's `{"Message": "User: ... is not
//! authorized to perform: execute-api:Invoke on resource: ..."}`; the tests check the part the
//! two share.
//!
//! MiniStack matches execute-api hosts as `<api>.execute-api.<MINISTACK_HOST>`; with
//! `MINISTACK_HOST=us-east-1.amazonaws.com` the crate signs for the real AWS host name and
//! connects to MiniStack's port.

mod support;

use std::sync::OnceLock;
use std::time::Duration;

use cognito_sigv4::client::{ApiClient, AuthMode};
use cognito_sigv4::identity_pool::{IdentityPoolClient, Logins};
use cognito_sigv4::jwt::UnverifiedClaims;
use cognito_sigv4::secret::{ClientSecret, Password};
use cognito_sigv4::time::{OffsetClock, system_clock};
use cognito_sigv4::user_pool::{AuthFlow, Tokens, UserPoolClient};
use cognito_sigv4::{Clock, CognitoConfig, ErrorKind, Session, SignInOutcome, SystemClock};
use http::{Method, StatusCode};
use serde_json::Value;
use support::done;
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

    fn password(&self) -> Password {
        Password::new(self.id("password"))
    }

    /// A config for the app client without (`secret == false`) or with its secret.
    fn config(&self, secret: bool) -> CognitoConfig {
        let endpoint: url::Url = format!("{}/", self.peer.endpoint())
            .parse()
            .expect("peer endpoint is a URL");
        let mut builder = CognitoConfig::builder()
            .region(self.id("region"))
            .user_pool_id(self.id("user_pool_id"))
            .identity_pool_id(self.id("identity_pool_id"))
            .endpoint_url(endpoint);
        builder = if secret {
            builder
                .client_id(self.id("secret_client_id"))
                .client_secret(ClientSecret::new(self.id("secret_client_secret")))
        } else {
            builder.client_id(self.id("public_client_id"))
        };
        builder.build().expect("valid config")
    }

    fn user_pool(&self, secret: bool) -> UserPoolClient {
        UserPoolClient::new(&self.config(secret)).expect("user pool client")
    }

    /// The API's stage URL as on AWS, with MiniStack's port.
    fn api_base(&self) -> String {
        format!(
            "http://{}.execute-api.{}.amazonaws.com:{}/{}",
            self.id("api_id"),
            self.id("region"),
            self.peer.addr().port(),
            self.id("stage")
        )
    }
}

static MINISTACK: OnceLock<Result<MiniStack, Unavailable>> = OnceLock::new();

fn start() -> Result<MiniStack, Unavailable> {
    let spec = peers::ministack_spec("ministack");
    let Bootstrapped { peer, ids } =
        peers::start_bootstrapped(&["ministack", "boto3"], &spec, "ministack_bootstrap.py")?;
    Ok(MiniStack { peer, ids })
}

/// The shared MiniStack, or `None` (after printing why) when it is not installed locally.
fn ministack(test: &str) -> Option<&'static MiniStack> {
    peers::shared(&MINISTACK, start, test, "MiniStack")
}

fn assert_tokens_for(ms: &MiniStack, tokens: &Tokens, client_id: &str) {
    assert_eq!(tokens.username, "alice");
    let id = UnverifiedClaims::from_jwt(&tokens.id).expect("ID token decodes");
    assert_eq!(
        id.iss(),
        Some(
            format!(
                "https://cognito-idp.us-east-1.amazonaws.com/{}",
                ms.id("user_pool_id")
            )
            .as_str()
        )
    );
    assert!(id.has_audience(client_id), "aud of {:?}", id.aud());
    assert_eq!(id.token_use().map(|u| u.as_str()), Some("id"));
    let access = UnverifiedClaims::from_jwt(&tokens.access).expect("access token decodes");
    assert_eq!(access.client_id(), Some(client_id));
    assert!(tokens.refresh.is_some(), "sign-in issues a refresh token");
    assert!(tokens.expires_at > SystemClock.now() + Duration::from_secs(600));
}

#[tokio::test]
async fn srp_sign_in_without_and_with_client_secret() {
    let Some(ms) = ministack("srp_sign_in_without_and_with_client_secret") else {
        return;
    };
    for (secret, client) in [(false, "public_client_id"), (true, "secret_client_id")] {
        let up = ms.user_pool(secret);
        let tokens = done(
            up.sign_in("alice", &ms.password())
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "SRP sign-in (secret: {secret}): {e}\n{}",
                        ms.peer.log_tail()
                    )
                }),
        );
        assert_tokens_for(ms, &tokens, &ms.id(client));

        // MiniStack checks the password proof: a wrong password is refused like on AWS.
        let err = up
            .sign_in("alice", &Password::new("Wrong-Passw0rd!"))
            .await
            .expect_err("wrong password");
        assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    }
}

#[tokio::test]
async fn password_sign_in_without_and_with_client_secret() {
    let Some(ms) = ministack("password_sign_in_without_and_with_client_secret") else {
        return;
    };
    for (secret, client) in [(false, "public_client_id"), (true, "secret_client_id")] {
        let up = ms.user_pool(secret);
        let tokens = done(
            up.sign_in_with_flow("alice", &ms.password(), AuthFlow::Password)
                .await
                .unwrap_or_else(|e| panic!("password sign-in (secret: {secret}): {e}")),
        );
        assert_tokens_for(ms, &tokens, &ms.id(client));
        let err = up
            .sign_in_with_flow(
                "alice",
                &Password::new("Wrong-Passw0rd!"),
                AuthFlow::Password,
            )
            .await
            .expect_err("wrong password");
        assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    }
}

#[tokio::test]
async fn client_secret_is_required_and_checked() {
    let Some(ms) = ministack("client_secret_is_required_and_checked") else {
        return;
    };
    // The secret client used without its secret (no SECRET_HASH) and with a wrong one.
    let no_secret = ms
        .config(false)
        .to_builder()
        .client_id(ms.id("secret_client_id"))
        .build()
        .expect("config");
    let wrong_secret = no_secret
        .to_builder()
        .client_secret(ClientSecret::new("not-the-secret"))
        .build()
        .expect("config");
    for config in [no_secret, wrong_secret] {
        let up = UserPoolClient::new(&config).expect("client");
        let err = up
            .sign_in_with_flow("alice", &ms.password(), AuthFlow::Password)
            .await
            .expect_err("sign-in without the right SECRET_HASH");
        assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
    }
}

#[tokio::test]
async fn refresh_then_revoke_without_and_with_client_secret() {
    let Some(ms) = ministack("refresh_then_revoke_without_and_with_client_secret") else {
        return;
    };
    for secret in [false, true] {
        let up = ms.user_pool(secret);
        let tokens = done(up.sign_in("alice", &ms.password()).await.expect("sign-in"));
        let fresh = up
            .refresh(&tokens)
            .await
            .unwrap_or_else(|e| panic!("refresh (secret: {secret}): {e}"));
        assert_eq!(fresh.username, "alice");
        assert_ne!(
            fresh.id.expose_secret(),
            tokens.id.expose_secret(),
            "a new ID token"
        );
        assert_eq!(
            fresh.refresh.as_ref().map(|r| r.expose_secret().to_owned()),
            tokens
                .refresh
                .as_ref()
                .map(|r| r.expose_secret().to_owned()),
            "REFRESH_TOKEN_AUTH keeps the refresh token"
        );
        let fresh_claims = UnverifiedClaims::from_jwt(&fresh.id).expect("decodes");
        assert_eq!(fresh_claims.cognito_username(), Some("alice"));

        let keep = fresh.clone();
        up.revoke(fresh)
            .await
            .unwrap_or_else(|e| panic!("RevokeToken (secret: {secret}): {e}"));
        let err = up.refresh(&keep).await.expect_err("revoked refresh token");
        assert_eq!(err.kind(), ErrorKind::NotAuthorized, "{err}");
        assert!(
            err.ends_session(),
            "a revoked refresh token ends the session"
        );
    }
}

#[tokio::test]
async fn identity_pool_exchange() {
    let Some(ms) = ministack("identity_pool_exchange") else {
        return;
    };
    for secret in [false, true] {
        let config = ms.config(secret);
        let tokens = done(
            ms.user_pool(secret)
                .sign_in("alice", &ms.password())
                .await
                .expect("sign-in"),
        );
        let pool = IdentityPoolClient::new(&config).expect("identity pool client");
        let logins = Logins::user_pool(&config, tokens.id.clone()).expect("logins");
        let (identity_id, creds) = pool
            .credentials_for(None, &logins, None)
            .await
            .unwrap_or_else(|e| panic!("GetId + GetCredentialsForIdentity: {e}"));
        assert!(identity_id.starts_with("us-east-1:"), "{identity_id}");
        assert!(creds.access_key_id().starts_with("ASIA"));
        assert!(creds.session_token().is_some_and(|t| !t.is_empty()));
        let expiry = creds.expiry().expect("expiry");
        let now = SystemClock.now();
        assert!(
            expiry > now + Duration::from_secs(1800) && expiry <= now + Duration::from_secs(3700)
        );

        // The same user gets the same identity, and a cached id is used as is.
        let again = pool.get_id(&logins).await.expect("GetId again");
        assert_eq!(again, identity_id);
        let (cached, _) = pool
            .credentials_for(Some(&identity_id), &logins, None)
            .await
            .expect("exchange with a cached id");
        assert_eq!(cached, identity_id);
    }
}

#[tokio::test]
async fn signed_calls_to_aws_iam_methods_allowed_and_denied() {
    let Some(ms) = ministack("signed_calls_to_aws_iam_methods_allowed_and_denied") else {
        return;
    };
    for secret in [false, true] {
        let session = match Session::builder(ms.config(secret))
            .sign_in("alice", &ms.password())
            .await
            .expect("session sign-in")
        {
            SignInOutcome::Done(session) => session,
            SignInOutcome::Challenge(p) => panic!("unexpected challenge {}", p.challenge().name()),
        };
        let api = ApiClient::builder(ms.api_base())
            .credentials_provider(session.clone())
            .route(Some(Method::GET), "/unsigned", AuthMode::None)
            .connect_to(ms.peer.addr())
            .build()
            .expect("api client");

        let allowed = api
            .request(Method::GET, "/allowed")
            .send()
            .await
            .expect("GET /allowed");
        assert_eq!(
            allowed.status(),
            StatusCode::OK,
            "{}\n{}",
            allowed.text(),
            ms.peer.log_tail()
        );
        let body: Value = allowed.json().expect("JSON body");
        assert_eq!(body["route"], "allowed");

        // Signed correctly, but the role's policy does not allow this method.
        let denied = api
            .request(Method::GET, "/denied")
            .send()
            .await
            .expect("GET /denied");
        assert_eq!(denied.status(), StatusCode::FORBIDDEN, "{}", denied.text());
        let text = denied.text();
        assert!(
            text.contains("assumed-role/interop-authenticated/CognitoIdentityCredentials")
                && text.contains("is not authorized to perform: execute-api:Invoke"),
            "{text}"
        );
        assert!(
            !text.contains("signature"),
            "denied by policy, not by signature: {text}"
        );
        session.sign_out().await.expect("sign out");
    }
}

#[tokio::test]
async fn unsigned_and_wrongly_signed_calls_are_refused() {
    let Some(ms) = ministack("unsigned_and_wrongly_signed_calls_are_refused") else {
        return;
    };
    let unsigned = ApiClient::builder(ms.api_base())
        .default_auth(AuthMode::None)
        .connect_to(ms.peer.addr())
        .build()
        .expect("api client");
    let resp = unsigned
        .request(Method::GET, "/allowed")
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{}", resp.text());
    assert!(
        resp.text().contains("Missing Authentication Token"),
        "{}",
        resp.text()
    );

    // Real credentials with a wrong secret key: MiniStack's signature check refuses them.
    let config = ms.config(false);
    let tokens = done(
        ms.user_pool(false)
            .sign_in("alice", &ms.password())
            .await
            .expect("sign-in"),
    );
    let pool = IdentityPoolClient::new(&config).expect("identity pool client");
    let logins = Logins::user_pool(&config, tokens.id).expect("logins");
    let (_, creds) = pool
        .credentials_for(None, &logins, None)
        .await
        .expect("credentials");
    let forged = aws_credential_types::Credentials::new(
        creds.access_key_id(),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        creds.session_token().map(str::to_owned),
        creds.expiry(),
        "forged",
    );
    let api = ApiClient::builder(ms.api_base())
        .credentials_provider(forged)
        .connect_to(ms.peer.addr())
        .build()
        .expect("api client");
    let resp = api
        .request(Method::GET, "/allowed")
        .send()
        .await
        .expect("GET");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{}", resp.text());
    assert!(
        resp.text()
            .contains("The request signature we calculated does not match"),
        "{}",
        resp.text()
    );
}

#[tokio::test]
async fn skewed_device_clock_is_corrected_from_the_servers_date() {
    let Some(ms) = ministack("skewed_device_clock_is_corrected_from_the_servers_date") else {
        return;
    };
    let session = match Session::builder(ms.config(false))
        .sign_in("alice", &ms.password())
        .await
        .expect("session sign-in")
    {
        SignInOutcome::Done(session) => session,
        SignInOutcome::Challenge(p) => panic!("unexpected challenge {}", p.challenge().name()),
    };
    // The device's clock is 15 minutes slow: MiniStack answers "Signature expired" (its
    // window is 5 minutes), and the client learns the offset from the answer's `Date`.
    let slow = OffsetClock::new(system_clock(), -900);
    let api = ApiClient::builder(ms.api_base())
        .credentials_provider(session)
        .clock(slow)
        .connect_to(ms.peer.addr())
        .build()
        .expect("api client");
    let resp = api
        .request(Method::GET, "/allowed")
        .send()
        .await
        .expect("GET /allowed");
    assert_eq!(resp.status(), StatusCode::OK, "{}", resp.text());
    let offset = api.clock_offset_secs();
    assert!((880..=920).contains(&offset), "learned offset {offset}");
}
