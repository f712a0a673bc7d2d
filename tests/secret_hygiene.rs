//! Secret hygiene, end to end: with every `tracing` target logging at TRACE, a whole flow
//! against the emulator (SRP and USER_PASSWORD_AUTH sign-ins, a refresh, identity-pool
//! credentials, a signed `/cip` call and a token `/cup` call, failing sign-ins, sign-out) leaves
//! no password, client secret, token or AWS secret in the logs, in the `Debug` of any value met,
//! or in any error's `Display`.
//!
//! Plaintext `Serialize` is ruled out at compile time instead: the secret types of
//! `cognito_sigv4::secret` do not implement it, so `serde_json::to_string(&Password::new("x"))`
//! (or `#[derive(Serialize)]` on a struct holding one) does not compile. The one format that
//! must hold a secret, the session store's, is checked here to round-trip.

mod support;

use std::sync::Arc;
use std::time::Duration;

use cognito_sigv4::client::{ApiClient, AuthMode};
use cognito_sigv4::secret::{ClientSecret, Password};
use cognito_sigv4::store::{MemoryStore, SessionStore, StoredSession};
use cognito_sigv4::user_pool::AuthFlow;
use cognito_sigv4::user_pool::secret_hash::secret_hash;
use cognito_sigv4::{Session, SignInOutcome};
use cognito_sigv4_emulator::Seed;
use http::Method;
use support::{TestEmulator, capture_all_logs};

const USER: &str = "jdoe";
const PASSWORD_MARKER: &str = "MARKER-password-Xq7!vb";
const WRONG_PASSWORD_MARKER: &str = "MARKER-wrong-password-Lm3#";
const CLIENT_SECRET_MARKER: &str = "MARKER-client-secret-9d8c7b6a5f4e3d2c1b0a";

/// The reference scenario with markers: `jdoe`'s password, and a secret for app client `web`
/// (so that SECRET_HASH and the revocation's ClientSecret are on the wire too).
fn seed() -> Seed {
    let mut seed = Seed::reference();
    let pool = &mut seed.user_pools[0];
    let jdoe = pool.users.iter_mut().find(|u| u.username == USER).unwrap();
    jdoe.password = PASSWORD_MARKER.to_owned();
    let web = pool.clients.iter_mut().find(|c| c.name == "web").unwrap();
    web.secret = Some(CLIENT_SECRET_MARKER.to_owned());
    assert!(
        web.explicit_auth_flows
            .iter()
            .any(|f| f == "ALLOW_USER_PASSWORD_AUTH"),
        "the web client allows USER_PASSWORD_AUTH"
    );
    seed
}

/// The secret values met so far, and every text that must hold none of them.
#[derive(Default)]
struct Exhibits {
    secrets: Vec<(&'static str, String)>,
    /// (where it came from, the text).
    texts: Vec<(String, String)>,
}

impl Exhibits {
    fn secret(&mut self, what: &'static str, value: &str) {
        assert!(
            value.len() >= 16,
            "{what}: too short to be a telling marker"
        );
        self.secrets.push((what, value.to_owned()));
        // A log that cut a long value short still leaks its middle.
        if value.len() > 48 {
            let mid = value.len() / 2;
            self.secrets
                .push((what, value[mid - 12..mid + 12].to_owned()));
        }
        // A JWT's signature is the part that makes it a credential.
        if let Some(signature) = value.rsplit('.').next().filter(|_| value.contains('.')) {
            self.secrets.push((what, signature.to_owned()));
        }
    }

    /// The `Debug` of a value met.
    fn debug(&mut self, what: &str, value: &impl std::fmt::Debug) {
        self.texts
            .push((format!("{what} (Debug)"), format!("{value:?}")));
        self.texts
            .push((format!("{what} (Debug, alternate)"), format!("{value:#?}")));
    }

    /// An error met: its `Display` and its `Debug`.
    fn error(&mut self, what: &str, e: &cognito_sigv4::Error) {
        self.texts
            .push((format!("{what} (Display)"), e.to_string()));
        self.debug(what, e);
    }

    /// The texts that hold a secret, each shown around the first one found, with every secret
    /// replaced by its name first: never the secret itself, nor a piece of it.
    fn leaks(&self) -> Vec<String> {
        let mut found = Vec::new();
        for (source, text) in &self.texts {
            let Some(what) = self
                .secrets
                .iter()
                .find(|(_, value)| text.contains(value.as_str()))
                .map(|(what, _)| what)
            else {
                continue;
            };
            let redacted = self.redact(text);
            let at = redacted.find(&format!("<{what}>")).unwrap_or(0);
            let boundary = |mut i: usize| {
                while !redacted.is_char_boundary(i) {
                    i -= 1;
                }
                i
            };
            let start = boundary(at.saturating_sub(300));
            let end = boundary((at + 300).min(redacted.len()));
            found.push(format!(
                "{source}: holds the {what}: …{}…",
                &redacted[start..end]
            ));
        }
        found
    }

    fn redact(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (what, value) in &self.secrets {
            text = text.replace(value.as_str(), &format!("<{what}>"));
        }
        // Whatever a cut-off marker left.
        text.replace("MARKER", "<marker>")
    }
}

async fn sign_in(
    config: &cognito_sigv4::CognitoConfig,
    env: &TestEmulator,
    flow: AuthFlow,
    password: &str,
    store: Option<Arc<MemoryStore>>,
) -> cognito_sigv4::Result<Session> {
    let mut builder = Session::builder(config.clone())
        .clock(env.clock.clone())
        .auth_flow(flow);
    if let Some(store) = store {
        builder = builder.store(store);
    }
    match builder.sign_in(USER, &Password::new(password)).await? {
        SignInOutcome::Done(session) => Ok(session),
        SignInOutcome::Challenge(pending) => panic!("challenge {}", pending.challenge().name()),
    }
}

#[tokio::test]
async fn no_secret_reaches_logs_debug_or_error_messages() {
    let logs = capture_all_logs();
    let env = TestEmulator::with_seed(seed()).await;
    let config = env.config();
    let client_id = config.client_id().unwrap().to_owned();
    let mut ex = Exhibits::default();
    ex.secret("password", PASSWORD_MARKER);
    ex.secret("wrong password", WRONG_PASSWORD_MARKER);
    ex.secret("client secret", CLIENT_SECRET_MARKER);
    let client_secret = ClientSecret::new(CLIENT_SECRET_MARKER);
    ex.secret(
        "SECRET_HASH",
        &secret_hash(&client_secret, USER, &client_id),
    );
    ex.debug("CognitoConfig", &config);
    ex.debug("RunningEmulator", &env.emulator);
    ex.debug("Seed", &seed());

    // SRP, with a store, and USER_PASSWORD_AUTH.
    let store = Arc::new(MemoryStore::new());
    let session = sign_in(
        &config,
        &env,
        AuthFlow::Srp,
        PASSWORD_MARKER,
        Some(store.clone()),
    )
    .await
    .expect("SRP sign-in");
    let by_password = sign_in(&config, &env, AuthFlow::Password, PASSWORD_MARKER, None)
        .await
        .expect("USER_PASSWORD_AUTH sign-in");
    for (what, s) in [("SRP", &session), ("USER_PASSWORD_AUTH", &by_password)] {
        let tokens = s.tokens().await.unwrap();
        ex.secret("ID token", tokens.id.expose_secret());
        ex.secret("access token", tokens.access.expose_secret());
        ex.secret(
            "refresh token",
            tokens.refresh.as_ref().unwrap().expose_secret(),
        );
        ex.debug(&format!("Tokens ({what})"), &tokens);
        ex.debug(&format!("Session ({what})"), s);
    }

    // Credentials, a signed call and a token call; then an hour later, a refresh of both.
    let host = env.api_host("reference").unwrap();
    let api = ApiClient::builder(format!("http://{host}/prod"))
        .connect_to(env.addr())
        .clock(env.clock.clone())
        .session(&session)
        .route(Some(Method::GET), "/cup", AuthMode::id_token())
        .build()
        .unwrap();
    for round in ["first", "after refresh"] {
        let credentials = session.credentials().await.expect("credentials");
        ex.secret("AWS secret key", credentials.secret_access_key());
        ex.secret("AWS session token", credentials.session_token().unwrap());
        ex.debug(&format!("Credentials ({round})"), &credentials);
        for path in ["/cip", "/cup", "/google"] {
            let response = api.request(Method::GET, path).send().await.unwrap();
            let expected = if path == "/google" { 403 } else { 200 };
            assert_eq!(
                response.status(),
                expected,
                "{path}: {}",
                ex.redact(&response.text())
            );
            ex.debug(&format!("ApiResponse {path} ({round})"), &response);
            ex.texts
                .push((format!("ApiResponse {path} body"), response.text()));
        }
        let tokens = session.tokens().await.unwrap();
        ex.secret("ID token", tokens.id.expose_secret());
        ex.secret("access token", tokens.access.expose_secret());
        env.clock.advance(Duration::from_secs(3601));
    }
    ex.debug("ApiClient", &api);
    ex.debug("Session (after refresh)", &session);
    let calls = env.calls("InitiateAuth");
    assert!(
        calls >= 3,
        "two sign-ins and a refresh: {calls} InitiateAuth calls"
    );

    // The session store's format holds the refresh token, and only it shows it.
    let stored: StoredSession = store.load().unwrap().expect("the session was saved");
    ex.debug("StoredSession", &stored);
    ex.debug("MemoryStore", &*store);
    let json = serde_json::to_string(&stored).unwrap();
    let refresh = session.tokens().await.unwrap().refresh.unwrap();
    assert!(
        json.contains(&format!(
            "\"refresh_token\":\"{}\"",
            refresh.expose_secret()
        )),
        "the store writes the refresh token: {}",
        ex.redact(&json)
    );
    let back: StoredSession = serde_json::from_str(&json).unwrap();
    assert!(back == stored, "the store's format round-trips");

    // Failures: wrong passwords by both flows, a wrong client secret.
    for flow in [AuthFlow::Srp, AuthFlow::Password] {
        let e = sign_in(&config, &env, flow, WRONG_PASSWORD_MARKER, None)
            .await
            .unwrap_err();
        ex.error(&format!("wrong password ({})", flow.as_str()), &e);
    }
    let wrong_secret = cognito_sigv4::CognitoConfig::builder()
        .region(config.region())
        .user_pool_id(config.user_pool_id().unwrap())
        .client_id(client_id.clone())
        .client_secret(ClientSecret::new("MARKER-wrong-client-secret-0000"))
        .endpoint(cognito_sigv4::config::Service::CognitoIdp, env.endpoint())
        .build()
        .unwrap();
    ex.secret("wrong client secret", "MARKER-wrong-client-secret-0000");
    let e = sign_in(
        &wrong_secret,
        &env,
        AuthFlow::Password,
        PASSWORD_MARKER,
        None,
    )
    .await
    .unwrap_err();
    ex.error("wrong client secret", &e);

    // Sign-out (RevokeToken with the client secret), global sign-out, and what fails after.
    session.sign_out().await.expect("sign-out");
    by_password
        .global_sign_out()
        .await
        .expect("global sign-out");
    ex.debug("Session (signed out)", &session);
    let e = session.tokens().await.unwrap_err();
    ex.error("tokens after sign-out", &e);
    let e = api.request(Method::GET, "/cip").send().await.unwrap_err();
    ex.error("ApiClient after sign-out", &e);
    let e = by_password.credentials().await.unwrap_err();
    ex.error("credentials after global sign-out", &e);

    env.shutdown().await;
    let logs = logs.text();
    for target in [
        "cognito_sigv4::",
        "cognito_sigv4_emulator::",
        "aws_smithy_runtime::",
        "aws_sdk_cognitoidentityprovider::",
        "aws_sdk_cognitoidentity::",
        // The signer's own events (it no longer runs through aws-sigv4's).
        "cognito_sigv4::signing",
        "hyper_util::",
        "reqwest::",
    ] {
        assert!(logs.contains(target), "the capture holds {target} events");
    }
    let (logs, excepted) = without_known_third_party_leak(&logs);
    assert!(
        excepted <= 2 * 2,
        "{excepted} GetCredentialsForIdentity outputs logged"
    );
    ex.texts.push(("the TRACE logs".to_owned(), logs));
    let leaks = ex.leaks();

    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n\n"));
}

/// The one known third-party leak, excepted as narrowly as it can be: `aws-smithy-runtime`'s
/// orchestrator logs every operation's deserialized output at TRACE
/// (`aws_smithy_runtime::client::orchestrator`, field `output_or_error`, unconditionally: no
/// setting of the SDK client turns it off), and `aws-sdk-cognitoidentity`'s `Debug` of
/// `GetCredentialsForIdentityOutput` redacts the `SecretKey` but not the `SessionToken` (the
/// service model marks only the former sensitive). Only the `session_token` value of those
/// events is blanked; the rest of each event, and every other event, is checked. Apps that
/// log at TRACE should filter `aws_smithy_runtime::client::orchestrator` to DEBUG or above.
///
/// Returns the logs with those values blanked, and how many events were excepted.
fn without_known_third_party_leak(logs: &str) -> (String, usize) {
    const EVENT: &str = "aws_smithy_runtime::client::orchestrator: output_or_error=";
    const OUTPUT: &str = "GetCredentialsForIdentityOutput {";
    const TOKEN: &str = "session_token: Some(\"";
    let mut excepted = 0;
    let lines = logs.lines().map(|line| {
        let Some(at) = line
            .find(EVENT)
            .filter(|at| line[*at..].contains(OUTPUT))
            .and_then(|at| line[at..].find(TOKEN).map(|t| at + t + TOKEN.len()))
        else {
            return line.to_owned();
        };
        let Some(len) = line[at..].find('"') else {
            return line.to_owned();
        };
        excepted += 1;
        format!("{}<excepted>{}", &line[..at], &line[at + len..])
    });
    let text = lines.collect::<Vec<_>>().join("\n");
    (text, excepted)
}
