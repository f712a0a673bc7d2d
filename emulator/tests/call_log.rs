//! The call log and the refusal counters (issue 23, part B): every request the emulator
//! serves is recorded with its operation, status, typed refusal and the caller's user agent;
//! the counters never truncate when the log wraps; `Fault::LatencyAfter` acts before it
//! delays the answer. Each refusal is provoked by a real refused request.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sdk_cognitoidentityprovider as idp;
use bytes::Bytes;
use cognito_sigv4::ManualClock;
use cognito_sigv4::signing::Signer;
use cognito_sigv4_emulator::{
    AppClientSeed, CallFilter, CallRecord, Emulator, Fault, RefusalReason, RunningEmulator, Seed,
};
use serde_json::{Value, json};

const START: u64 = 1_767_603_843; // 2026-01-05T09:04:03Z
const WEB: &str = "quickstartwebclient0000001";
const ROTATING: &str = "calllogrotatingclient00001";
const PASSWORD: &str = "Quickstart-Passw0rd!";
const IDENTITY_POOL: &str = "us-east-1:4a1f9e1c-7b6d-4c3a-9e2f-0d5b8c7a6e41";
const CIP_ROLE: &str = "arn:aws:iam::123456789012:role/CipRole";
const CUP_ONLY_ROLE: &str = "arn:aws:iam::123456789012:role/CupOnlyRole";
const GOOGLE_AUD: &str = "quickstart.apps.googleusercontent.com";
const MINUTE: Duration = Duration::from_secs(60);

/// The reference scenario with a rotating app client (no grace period) whose refresh tokens
/// live an hour.
fn seed() -> Seed {
    let mut seed = Seed::reference();
    seed.user_pools[0].clients.push(AppClientSeed {
        id: Some(ROTATING.into()),
        name: "rotating".into(),
        refresh_token_rotation: true,
        refresh_token_validity_secs: 3600,
        ..Default::default()
    });
    seed
}

struct Env {
    emu: RunningEmulator,
    clock: ManualClock,
    http: reqwest::Client,
}

impl Env {
    async fn start() -> Env {
        Self::with_capacity(None).await
    }

    async fn with_capacity(capacity: Option<usize>) -> Env {
        let clock = ManualClock::at_epoch_secs(START);
        let mut builder = Emulator::builder().seed(seed()).clock(clock.clone());
        if let Some(c) = capacity {
            builder = builder.call_log_capacity(c);
        }
        Env {
            emu: builder.start().await.unwrap(),
            clock,
            http: reqwest::Client::new(),
        }
    }

    fn now(&self) -> SystemTime {
        cognito_sigv4::Clock::now(&self.clock)
    }

    fn last(&self) -> CallRecord {
        self.emu.call_log().pop().expect("a record")
    }

    /// The last record is a refusal of `operation` for `reason` with AWS's `code`, and the
    /// counters agree with the log (which has not wrapped in these tests).
    fn assert_refused(&self, operation: &str, reason: RefusalReason, code: &str) -> CallRecord {
        let last = self.last();
        assert_eq!(&*last.operation, operation, "{last:?}");
        let refusal = last.refusal.clone().unwrap_or_else(|| panic!("{last:?}"));
        assert_eq!((refusal.reason, &*refusal.code), (reason, code), "{last:?}");
        let logged = |op: Option<&str>| {
            let mut filter = CallFilter::new().reason(reason);
            if let Some(op) = op {
                filter = filter.operation(op);
            }
            self.emu.call_log_matching(&filter).len() as u64
        };
        let counts = self.emu.refusals();
        assert_eq!(counts.of(reason), logged(None), "{counts:?}");
        assert_eq!(
            counts.of_operation(operation, reason),
            logged(Some(operation)),
            "{counts:?}"
        );
        assert!(counts.of_operation(operation, reason) >= 1);
        last
    }

    /// `GET <path>` under the reference API's stage, signed with `creds` at `at` (unsigned
    /// without credentials).
    async fn api_get(&self, path: &str, creds: Option<&Credentials>, at: SystemTime) -> u16 {
        let url = format!("{}{path}", self.emu.api_url("reference", "prod").unwrap());
        let mut req = http::Request::builder()
            .method("GET")
            .uri(url)
            .body(Bytes::new())
            .unwrap();
        if let Some(creds) = creds {
            Signer::execute_api("us-east-1")
                .sign(&mut req, creds, at)
                .unwrap();
        }
        let resp = self
            .http
            .execute(reqwest::Request::try_from(req).unwrap())
            .await
            .unwrap();
        resp.status().as_u16()
    }

    async fn api_get_token(&self, path: &str, token: &str) -> u16 {
        let url = format!("{}{path}", self.emu.api_url("reference", "prod").unwrap());
        let resp = self
            .http
            .get(url)
            .header("authorization", token)
            .send()
            .await
            .unwrap();
        resp.status().as_u16()
    }

    /// A JSON 1.1 call; returns the status and body.
    async fn json11(&self, target: &str, body: Value) -> (u16, Value) {
        let resp = self
            .http
            .post(self.emu.endpoint())
            .header("x-amz-target", target)
            .header("content-type", "application/x-amz-json-1.1")
            .header("user-agent", "call-log-test/1.0 app/raw-json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap())
    }

    async fn idp(&self, op: &str, body: Value) -> (u16, Value) {
        self.json11(&format!("AWSCognitoIdentityProviderService.{op}"), body)
            .await
    }

    async fn sign_in(&self, client: &str) -> Value {
        let (status, body) = self
            .idp(
                "InitiateAuth",
                json!({
                    "AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client,
                    "AuthParameters": { "USERNAME": "jdoe", "PASSWORD": PASSWORD },
                }),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["AuthenticationResult"].clone()
    }

    async fn refresh(&self, token: &str) -> (u16, Value) {
        self.idp(
            "GetTokensFromRefreshToken",
            json!({ "ClientId": ROTATING, "RefreshToken": token }),
        )
        .await
    }

    async fn control(&self, method: reqwest::Method, path: &str) -> (u16, Value) {
        let url = format!("{}_emulator/{path}", self.emu.endpoint());
        let resp = self.http.request(method, url).send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap())
    }
}

fn creds(key: &str, secret: &str, token: Option<String>) -> Credentials {
    Credentials::new(key, secret, token, None, "test")
}

#[tokio::test]
async fn api_gateway_iam_refusals_are_recorded_by_reason() {
    let env = Env::start().await;
    let now = env.now();
    let cip = env.emu.issue_test_credentials(CIP_ROLE, 2 * MINUTE);
    let op = "GET /cip";

    assert_eq!(env.api_get("/cip", Some(&cip), now).await, 200);
    let ok = env.last();
    assert_eq!(
        (ok.service, &*ok.operation, ok.detail.as_deref(), ok.status),
        ("execute-api", op, Some("abc123defg/prod"), 200)
    );
    assert!(ok.refusal.is_none());

    assert_eq!(env.api_get("/cip", None, now).await, 403);
    env.assert_refused(
        op,
        RefusalReason::MissingAuthenticationToken,
        "MissingAuthenticationTokenException",
    );

    assert_eq!(
        env.api_get("/cip", Some(&cip), now - 10 * MINUTE).await,
        403
    );
    let r = env.assert_refused(
        op,
        RefusalReason::SignatureExpired,
        "InvalidSignatureException",
    );
    // When the caller says it signed: how long the request took to arrive, or how wrong its
    // clock is.
    assert_eq!(r.signed_at, Some(now - 10 * MINUTE));
    assert_eq!(r.time, now);
    assert!(
        r.refusal
            .unwrap()
            .message
            .starts_with("Signature expired: ")
    );

    assert_eq!(
        env.api_get("/cip", Some(&cip), now + 10 * MINUTE).await,
        403
    );
    env.assert_refused(
        op,
        RefusalReason::SignatureNotYetCurrent,
        "InvalidSignatureException",
    );

    let token = cip.session_token().map(str::to_owned);
    let wrong_secret = creds(cip.access_key_id(), "not-the-secret", token.clone());
    assert_eq!(env.api_get("/cip", Some(&wrong_secret), now).await, 403);
    let r = env.assert_refused(
        op,
        RefusalReason::SignatureMismatch,
        "InvalidSignatureException",
    );
    // The canonical request API Gateway appends holds the session token: never recorded.
    let message = r.refusal.unwrap().message;
    assert!(
        message.ends_with("for details.") && !message.contains(token.as_deref().unwrap()),
        "{message}"
    );

    let wrong_token = creds(
        cip.access_key_id(),
        cip.secret_access_key(),
        Some("IQoJb3JpZ2luX2VjNotTheToken".into()),
    );
    assert_eq!(env.api_get("/cip", Some(&wrong_token), now).await, 403);
    env.assert_refused(
        op,
        RefusalReason::SecurityTokenInvalid,
        "UnrecognizedClientException",
    );

    let cup_only = env.emu.issue_test_credentials(CUP_ONLY_ROLE, 2 * MINUTE);
    assert_eq!(env.api_get("/cip", Some(&cup_only), now).await, 403);
    let r = env.assert_refused(op, RefusalReason::AccessDenied, "AccessDeniedException");
    assert!(
        r.refusal
            .unwrap()
            .message
            .contains("is not authorized to perform: execute-api:Invoke")
    );

    env.clock.advance(3 * MINUTE);
    assert_eq!(env.api_get("/cip", Some(&cip), env.now()).await, 403);
    let r = env.assert_refused(
        op,
        RefusalReason::SecurityTokenExpired,
        "ExpiredTokenException",
    );
    assert!(r.reason().unwrap().is_expiry() && !r.reason().unwrap().is_injected());
    assert_eq!(
        &*r.refusal.unwrap().message,
        "The security token included in the request is expired"
    );

    let counts = env.emu.refusals();
    assert_eq!(counts.total, 7);
    assert_eq!(counts.matching(RefusalReason::is_expiry), 3);
    assert_eq!(env.emu.calls("execute-api"), 8);
}

#[tokio::test]
async fn cognito_authorizer_refusals_are_recorded_by_reason() {
    let env = Env::start().await;
    let id_token = env
        .emu
        .mint_user_pool_id_token("quickstart", "web", "jdoe")
        .unwrap();
    let id_token = id_token.expose_secret();
    assert_eq!(env.api_get_token("/cup", id_token).await, 200);

    assert_eq!(env.api_get_token("/cup", "not.a.token").await, 401);
    env.assert_refused(
        "GET /cup",
        RefusalReason::AuthorizerUnauthorized,
        "UnauthorizedException",
    );
    // An ID token where an access token with `api/read` is required: a missing scope.
    assert_eq!(env.api_get_token("/cup/scoped", id_token).await, 401);
    env.assert_refused(
        "GET /cup/scoped",
        RefusalReason::AuthorizerUnauthorized,
        "UnauthorizedException",
    );

    env.clock.advance(2 * 60 * MINUTE);
    assert_eq!(env.api_get_token("/cup", id_token).await, 401);
    let r = env.assert_refused(
        "GET /cup",
        RefusalReason::AuthorizerTokenExpired,
        "UnauthorizedException",
    );
    assert_eq!(
        &*r.refusal.unwrap().message,
        "The incoming token has expired"
    );
}

#[tokio::test]
async fn user_pool_refusals_and_the_callers_user_agent_are_recorded() {
    let env = Env::start().await;
    // The official SDK, as an app names itself: `app/<name>` in its user agent.
    let config = idp::Config::builder()
        .behavior_version(idp::config::BehaviorVersion::latest())
        .region(idp::config::Region::new("us-east-1"))
        .endpoint_url(env.emu.endpoint().as_str())
        .app_name(idp::config::AppName::new("calllog-worker-3").unwrap())
        .build();
    let sdk = idp::Client::from_conf(config);
    let wrong = sdk
        .initiate_auth()
        .auth_flow(idp::types::AuthFlowType::UserPasswordAuth)
        .client_id(WEB)
        .auth_parameters("USERNAME", "jdoe")
        .auth_parameters("PASSWORD", "wrong-password")
        .send()
        .await;
    assert!(wrong.is_err());
    let r = env.assert_refused(
        "InitiateAuth",
        RefusalReason::NotAuthorized,
        "NotAuthorizedException",
    );
    assert_eq!(r.detail.as_deref(), Some("USER_PASSWORD_AUTH"));
    assert_eq!(r.status, 400);
    assert!(
        r.user_agent_contains("app/calllog-worker-3"),
        "user agents: {:?} / {:?}",
        r.user_agent,
        r.amz_user_agent
    );
    let mine = env
        .emu
        .call_log_matching(&CallFilter::new().user_agent_contains("app/calllog-worker-3"));
    assert_eq!(mine.len(), 1);

    // Rotation: the first refresh retires R0; reusing it is RefreshTokenReuseException.
    let r0 = env.sign_in(ROTATING).await["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = env.refresh(&r0).await;
    assert_eq!(status, 200);
    let r1 = body["AuthenticationResult"]["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(env.refresh(&r0).await.0, 400);
    let r = env.assert_refused(
        "GetTokensFromRefreshToken",
        RefusalReason::RefreshTokenReuse,
        "RefreshTokenReuseException",
    );
    assert!(r.user_agent_contains("app/raw-json"));

    // An unknown refresh token, through InitiateAuth REFRESH_TOKEN_AUTH (of a client that
    // does not rotate: AWS refuses that flow to rotating ones).
    let (status, _) = env
        .idp(
            "InitiateAuth",
            json!({
                "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": WEB,
                "AuthParameters": { "REFRESH_TOKEN": "not-a-refresh-token" },
            }),
        )
        .await;
    assert_eq!(status, 400);
    let r = env.last();
    assert_eq!(r.reason(), Some(RefusalReason::RefreshTokenInvalid));
    assert_eq!(r.detail.as_deref(), Some("REFRESH_TOKEN_AUTH"));

    // Revoked.
    let (status, _) = env
        .idp("RevokeToken", json!({ "ClientId": ROTATING, "Token": r1 }))
        .await;
    assert_eq!(status, 200);
    assert_eq!(env.refresh(&r1).await.0, 400);
    env.assert_refused(
        "GetTokensFromRefreshToken",
        RefusalReason::RefreshTokenRevoked,
        "NotAuthorizedException",
    );

    // Expired.
    let r2 = env.sign_in(ROTATING).await["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    env.clock.advance(61 * MINUTE);
    assert_eq!(env.refresh(&r2).await.0, 400);
    let r = env.assert_refused(
        "GetTokensFromRefreshToken",
        RefusalReason::RefreshTokenExpired,
        "NotAuthorizedException",
    );
    assert_eq!(&*r.refusal.unwrap().message, "Refresh Token has expired");
    assert_eq!(env.emu.calls("GetTokensFromRefreshToken"), 4);
    // Nothing secret in any record.
    let log = format!("{:?}", env.emu.call_log());
    for secret in [&r0, &r1, &r2, PASSWORD, "wrong-password"] {
        assert!(!log.contains(secret), "the log holds a secret");
    }
}

#[tokio::test]
async fn identity_pool_and_sts_refusals_are_recorded_by_reason() {
    let env = Env::start().await;
    let google = "https://accounts.google.com";
    let token = |aud: &str, lifetime| {
        env.emu
            .mint_oidc_token(google, "g-123", aud, lifetime, json!({}))
            .unwrap()
            .expose_secret()
            .to_owned()
    };
    let other_app = token("someone-else.apps.googleusercontent.com", 10 * MINUTE);
    let short = token(GOOGLE_AUD, MINUTE);
    let get_id = |login: String| json!({ "IdentityPoolId": IDENTITY_POOL, "Logins": { "accounts.google.com": login } });

    let (status, _) = env
        .json11("AWSCognitoIdentityService.GetId", get_id(other_app))
        .await;
    assert_eq!(status, 400);
    env.assert_refused(
        "GetId",
        RefusalReason::IdentityNotAuthorized,
        "NotAuthorizedException",
    );

    env.clock.advance(2 * MINUTE);
    let (status, _) = env
        .json11("AWSCognitoIdentityService.GetId", get_id(short.clone()))
        .await;
    assert_eq!(status, 400);
    let r = env.assert_refused(
        "GetId",
        RefusalReason::LoginTokenExpired,
        "NotAuthorizedException",
    );
    assert!(
        r.refusal
            .unwrap()
            .message
            .starts_with("Invalid login token. Token expired: ")
    );

    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("Action", "AssumeRoleWithWebIdentity"),
            ("Version", "2011-06-15"),
            ("RoleArn", "arn:aws:iam::123456789012:role/GoogleRole"),
            ("RoleSessionName", "calllog"),
            ("WebIdentityToken", &short),
        ])
        .finish();
    let resp = env
        .http
        .post(env.emu.endpoint())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let r = env.assert_refused(
        "AssumeRoleWithWebIdentity",
        RefusalReason::WebIdentityTokenExpired,
        "ExpiredTokenException",
    );
    assert_eq!(r.service, "sts");
    assert!(!format!("{r:?}").contains(&short), "no token in the record");
}

#[tokio::test]
async fn injected_faults_are_marked_injected() {
    let env = Env::start().await;
    env.emu.inject_fault("GetId", Fault::Throttle, 1);
    env.emu.inject_fault("GetId", Fault::ServerError, 1);
    let guest = json!({ "IdentityPoolId": IDENTITY_POOL });
    let target = "AWSCognitoIdentityService.GetId";
    assert_eq!(env.json11(target, guest.clone()).await.0, 400);
    let r = env.assert_refused(
        "GetId",
        RefusalReason::InjectedThrottle,
        "TooManyRequestsException",
    );
    assert_eq!(r.fault, Some(Fault::Throttle));
    assert_eq!(env.json11(target, guest.clone()).await.0, 500);
    let r = env.assert_refused(
        "GetId",
        RefusalReason::InjectedServerError,
        "InternalErrorException",
    );
    assert_eq!(r.fault, Some(Fault::ServerError));
    assert_eq!(env.json11(target, guest).await.0, 200);
    let counts = env.emu.refusals();
    assert_eq!(counts.matching(RefusalReason::is_injected), 2);
    assert_eq!(counts.total, 2);
}

/// A lying clock on the way: API Gateway's `Signature expired`, dated two hours off, whatever
/// the request carried; the next request is judged on its own.
#[tokio::test]
async fn a_lying_date_refuses_as_a_wrong_clock_would_and_is_marked_injected() {
    let env = Env::start().await;
    env.emu
        .inject_fault("execute-api", Fault::LyingDate(7_200), 1);
    let url = format!("{}/cip", env.emu.api_url("reference", "prod").unwrap());
    let resp = env.http.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok()),
        Some("InvalidSignatureException")
    );
    let date = resp
        .headers()
        .get("date")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap();
    let body = resp.text().await.unwrap();
    assert!(body.contains("Signature expired"), "{body}");
    let lied = chrono::DateTime::parse_from_rfc2822(&date)
        .unwrap()
        .timestamp();
    let now = env
        .now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert_eq!(lied - now, 7_200, "the Date lies by the fault's offset");
    // Refused at the door, before a route is resolved, as the other injected faults are.
    let r = env.assert_refused(
        "execute-api",
        RefusalReason::InjectedLyingDate,
        "InvalidSignatureException",
    );
    assert_eq!(r.fault, Some(Fault::LyingDate(7_200)));
    // Served once: the next unsigned request meets API Gateway's real answer.
    assert_eq!(env.api_get("/cip", None, env.now()).await, 403);
    env.assert_refused(
        "GET /cip",
        RefusalReason::MissingAuthenticationToken,
        "MissingAuthenticationTokenException",
    );
}

#[tokio::test]
async fn counters_do_not_truncate_when_the_log_wraps() {
    let env = Env::with_capacity(Some(5)).await;
    for _ in 0..20 {
        assert_eq!(env.api_get("/cip", None, env.now()).await, 403);
    }
    let log = env.emu.call_log();
    assert_eq!(log.len(), 5, "the ring keeps the last 5");
    assert_eq!(
        log.iter().map(|r| r.seq).collect::<Vec<_>>(),
        [16, 17, 18, 19, 20]
    );
    let stats = env.emu.call_log_stats();
    assert_eq!((stats.last_seq, stats.retained, stats.dropped), (20, 5, 15));
    let counts = env.emu.refusals();
    assert_eq!(counts.of(RefusalReason::MissingAuthenticationToken), 20);
    assert_eq!(
        counts.of_operation("GET /cip", RefusalReason::MissingAuthenticationToken),
        20
    );
    assert_eq!(env.emu.calls("execute-api"), 20);

    // The same over HTTP; the control surface's own requests are not logged.
    let (status, body) = env.control(reqwest::Method::GET, "refusals").await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 20);
    assert_eq!(body["by_reason"]["MissingAuthenticationToken"], 20);
    assert_eq!(
        body["by_operation"]["GET /cip"]["MissingAuthenticationToken"],
        20
    );
    assert_eq!(body["calls"]["execute-api"], 20);
    assert_eq!(env.emu.call_log_stats().last_seq, 20);

    env.emu.reset_calls();
    assert_eq!(env.emu.refusals().total, 0);
    assert!(env.emu.call_log().is_empty());
    assert_eq!(env.emu.calls("execute-api"), 0);
}

#[tokio::test]
async fn the_call_log_is_served_over_http_with_filters() {
    let env = Env::start().await;
    let guest = json!({ "IdentityPoolId": IDENTITY_POOL });
    let target = "AWSCognitoIdentityService.GetId";
    env.emu.inject_fault("GetId", Fault::Throttle, 1);
    assert_eq!(env.json11(target, guest.clone()).await.0, 400);
    assert_eq!(env.json11(target, guest.clone()).await.0, 200);
    assert_eq!(env.api_get("/cip", None, env.now()).await, 403);

    let get = |q: &'static str| env.control(reqwest::Method::GET, q);
    let (status, all) = get("calls").await;
    assert_eq!(status, 200);
    let calls = all["calls"].as_array().unwrap();
    assert_eq!(calls.len(), 3);
    assert_eq!(all["last_seq"], 3);
    assert_eq!(calls[0]["operation"], "GetId");
    assert_eq!(calls[0]["service"], "cognito-identity");
    assert_eq!(calls[0]["status"], 400);
    assert_eq!(calls[0]["refusal"]["reason"], "InjectedThrottle");
    assert_eq!(calls[0]["refusal"]["code"], "TooManyRequestsException");
    assert_eq!(calls[0]["fault"]["kind"], "Throttle");
    assert_eq!(calls[0]["user_agent"], "call-log-test/1.0 app/raw-json");
    assert_eq!(calls[0]["time"], "2026-01-05T09:04:03.000Z");
    assert_eq!(calls[1]["refusal"], Value::Null);
    assert_eq!(calls[1]["signed_epoch_ms"], Value::Null, "an unsigned call");

    let (_, refused) = get("calls?operation=GetId&refused=true").await;
    assert_eq!(refused["calls"].as_array().unwrap().len(), 1);
    let (_, since) = get("calls?since=1").await;
    let seqs: Vec<u64> = since["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [2, 3]);
    let (_, by_reason) = get("calls?reason=MissingAuthenticationToken").await;
    assert_eq!(by_reason["calls"][0]["operation"], "GET /cip");
    let (status, bad) = get("calls?reason=Nope").await;
    assert_eq!(status, 400, "{bad}");
    let (status, _) = get("calls?since=x").await;
    assert_eq!(status, 400);

    let (status, _) = env.control(reqwest::Method::POST, "calls/reset").await;
    assert_eq!(status, 200);
    let (_, counts) = get("refusals").await;
    assert_eq!(counts["total"], 0);
    let (_, empty) = get("calls").await;
    assert_eq!(empty["calls"].as_array().unwrap().len(), 0);
    assert_eq!(empty["last_seq"], 3, "sequence numbers count on");
}

#[tokio::test]
async fn latency_after_rotates_the_token_and_then_loses_the_answer() {
    let env = Env::start().await;
    let r0 = env.sign_in(ROTATING).await["RefreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    env.emu.inject_fault(
        "GetTokensFromRefreshToken",
        Fault::LatencyAfter(Duration::from_secs(2)),
        1,
    );
    // The caller gives up long before the answer comes.
    let gave_up = env
        .http
        .post(env.emu.endpoint())
        .timeout(Duration::from_millis(300))
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.GetTokensFromRefreshToken",
        )
        .header("content-type", "application/x-amz-json-1.1")
        .body(json!({ "ClientId": ROTATING, "RefreshToken": r0 }).to_string())
        .send()
        .await;
    assert!(gave_up.unwrap_err().is_timeout());
    // While the answer is still held, the rotation has happened: R0 is retired.
    let (status, body) = env.refresh(&r0).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], "RefreshTokenReuseException");
    let log = env
        .emu
        .call_log_matching(&CallFilter::new().operation("GetTokensFromRefreshToken"));
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].status, log[0].fault.clone()),
        (200, Some(Fault::LatencyAfter(Duration::from_secs(2))))
    );
    assert!(log[0].refusal.is_none());
    assert_eq!(log[1].reason(), Some(RefusalReason::RefreshTokenReuse));
}
