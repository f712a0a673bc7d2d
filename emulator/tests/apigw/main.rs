//! The emulator's API Gateway: routing, AWS_IAM (SigV4, issued credentials, role permissions),
//! COGNITO_USER_POOLS (ID token, or access token with scopes) and NONE, with API Gateway's
//! status codes and messages. Requests are signed with the crate's `Signer` (aws-sigv4) and
//! checked by the emulator's independent verifier. The modules add APIs imported from OpenAPI
//! with the user's code in the loop: the caller's identity a Lambda proxy sees behind AWS_IAM
//! (`lambda_identity`), REQUEST Lambda authorizers (`request_authorizer`), and the binary's
//! `--openapi` flag (`openapi_flag`).

use aws_credential_types::Credentials;
use bytes::Bytes;
use cognito_sigv4::ManualClock;
use cognito_sigv4::signing::Signer;
use cognito_sigv4_emulator::{Emulator, Fault, RunningEmulator, Seed};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

mod lambda_identity;
mod openapi_flag;
mod request_authorizer;
mod user_pools;

const START: u64 = 1_768_480_496; // 2026-01-15T12:34:56Z
const API: &str = "abc123defg";
const ALLOWED_ROLE: &str = "arn:aws:iam::123456789012:role/CipRole";
const DENIED_ROLE: &str = "arn:aws:iam::123456789012:role/GoogleRole";
const HOUR: Duration = Duration::from_secs(3600);

const SEED: &str = r#"
[[user_pools]]
id = "us-east-1_ApiTest01"
name = "main"
[[user_pools.clients]]
id = "mainwebclient0000000000001"
name = "web"
[user_pools.lambda_config.PreTokenGenerationConfig]
LambdaVersion = "V2_0"
LambdaArn = "arn:aws:lambda:us-east-1:123456789012:function:add-api-read"
[[user_pools.groups]]
name = "cip-users"
role_arn = "arn:aws:iam::123456789012:role/CipRole"
precedence = 1
[[user_pools.users]]
username = "jdoe"
password = "Passw0rd!-long-enough"
groups = ["cip-users"]

[[user_pools]]
id = "us-east-1_OtherPool"
name = "other"
[[user_pools.clients]]
name = "web"

[[roles]]
arn = "arn:aws:iam::123456789012:role/CipRole"
invoke = ["abc123defg/prod/*/cip", "abc123defg/prod/GET/items/*"]
[[roles]]
arn = "arn:aws:iam::123456789012:role/GoogleRole"
invoke = ["abc123defg/prod/GET/google"]

[[apis]]
id = "abc123defg"
name = "main"
stages = ["prod"]
[[apis.resources]]
path = "/cip"
methods = [{ http_method = "ANY", authorization = "AWS_IAM" }]
[[apis.resources]]
path = "/items/{id}"
methods = [{ http_method = "GET", authorization = "AWS_IAM" }]
[[apis.resources]]
path = "/cup"
methods = [{ http_method = "GET", authorization = "COGNITO_USER_POOLS", user_pool = "main" }]
[[apis.resources]]
path = "/scoped"
methods = [{ http_method = "GET", authorization = "COGNITO_USER_POOLS", user_pool = "main", scopes = ["api/read"] }]
[[apis.resources]]
path = "/custom"
methods = [{ http_method = "GET", authorization = "COGNITO_USER_POOLS", user_pool = "main", identity_source = "X-Token" }]
[[apis.resources]]
path = "/public"
methods = [{ http_method = "ANY", authorization = "NONE" }]

[[functions]]
name = "add-api-read"
response = { claimsAndScopeOverrideDetails = { accessTokenGeneration = { scopesToAdd = ["api/read"] } } }
"#;

struct Fixture {
    emu: RunningEmulator,
    clock: ManualClock,
    http: reqwest::Client,
}

impl Fixture {
    async fn start() -> Fixture {
        let clock = ManualClock::at_epoch_secs(START);
        let emu = Emulator::builder()
            .seed(Seed::from_toml_str(SEED).unwrap())
            .clock(clock.clone())
            .start()
            .await
            .unwrap();
        Fixture {
            emu,
            clock,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, path_and_query: &str) -> String {
        format!(
            "{}{path_and_query}",
            self.emu.api_url("main", "prod").unwrap()
        )
    }

    fn now(&self) -> SystemTime {
        self.emu.clock().now()
    }

    /// An unsent request to `path_and_query` under the stage.
    fn request(&self, method: &str, path_and_query: &str, body: &str) -> http::Request<Bytes> {
        http::Request::builder()
            .method(method)
            .uri(self.url(path_and_query))
            .header("content-type", "application/json")
            .body(Bytes::from(body.to_owned()))
            .unwrap()
    }

    /// Signs with `signer` at the emulator's now and sends.
    async fn signed(
        &self,
        signer: &Signer,
        creds: &Credentials,
        method: &str,
        path: &str,
        body: &str,
    ) -> Answer {
        let mut req = self.request(method, path, body);
        signer.sign(&mut req, creds, self.now()).unwrap();
        self.send(req).await
    }

    async fn iam(&self, creds: &Credentials, method: &str, path: &str) -> Answer {
        self.signed(&Signer::execute_api("us-east-1"), creds, method, path, "")
            .await
    }

    async fn send(&self, req: http::Request<Bytes>) -> Answer {
        let resp = self
            .http
            .execute(reqwest::Request::try_from(req).unwrap())
            .await
            .unwrap();
        Answer::read(resp).await
    }

    /// A GET with `header: value` and no signature.
    async fn with_header(&self, path: &str, header: &str, value: &str) -> Answer {
        let resp = self
            .http
            .get(self.url(path))
            .header(header, value)
            .send()
            .await
            .unwrap();
        Answer::read(resp).await
    }

    /// A token signed by `pool` with `claims` merged over valid ID-token claims for jdoe.
    fn token(&self, pool: &str, token_use: &str, extra: Value) -> String {
        let now = self.now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let pool_id = self.emu.user_pool_id(pool).unwrap();
        let mut claims = json!({
            "sub": "5f2c1f3e-0000-4000-8000-00000000jdoe",
            "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"),
            "token_use": token_use,
            "iat": now,
            "auth_time": now,
            "exp": now + 3600,
        });
        if token_use == "id" {
            claims["cognito:username"] = json!("jdoe");
            claims["aud"] = json!("mainwebclient0000000000001");
        } else {
            claims["username"] = json!("jdoe");
            claims["client_id"] = json!("mainwebclient0000000000001");
        }
        for (k, v) in extra.as_object().unwrap() {
            claims[k] = v.clone();
        }
        self.emu
            .mint_user_pool_token(pool, claims)
            .unwrap()
            .expose_secret()
            .to_owned()
    }
}

struct Answer {
    status: u16,
    body: Value,
    error_type: Option<String>,
    date: Option<String>,
}

impl Answer {
    async fn read(resp: reqwest::Response) -> Answer {
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let error_type = header("x-amzn-errortype");
        let date = header("date");
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        Answer {
            status,
            body,
            error_type,
            date,
        }
    }

    fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or_default()
    }

    #[track_caller]
    fn assert_forbidden(&self, message: &str) {
        assert_eq!(
            (self.status, self.message()),
            (403, message),
            "{}",
            self.body
        );
    }

    /// API Gateway's bad-signature answer: the message, then the canonical request and string
    /// to sign it computed (mhart/aws4#33, aws-sdk-js#2372). Returns the canonical request.
    #[track_caller]
    fn assert_bad_signature(&self) -> String {
        assert_eq!(self.status, 403, "{}", self.body);
        assert_eq!(
            self.error_type.as_deref(),
            Some("InvalidSignatureException")
        );
        let detail = self
            .message()
            .strip_prefix(BAD_SIGNATURE)
            .unwrap_or_else(|| panic!("{}", self.body))
            .strip_prefix("\n\nThe Canonical String for this request should have been\n'")
            .unwrap_or_else(|| panic!("{}", self.body));
        let (canonical, rest) = detail
            .split_once("'\n\nThe String-to-Sign should have been\n'")
            .unwrap_or_else(|| panic!("{}", self.body));
        let string_to_sign = rest
            .strip_suffix("'\n")
            .unwrap_or_else(|| panic!("{}", self.body));
        let lines: Vec<&str> = string_to_sign.split('\n').collect();
        assert_eq!(lines.len(), 4, "{string_to_sign}");
        assert_eq!(lines[0], "AWS4-HMAC-SHA256");
        assert!(lines[2].ends_with("/us-east-1/execute-api/aws4_request"));
        assert_eq!(lines[3], hex::encode(Sha256::digest(canonical.as_bytes())));
        canonical.to_owned()
    }

    /// AWS's answer for a user-pool token that has expired (amplify-js#6060, #5934, #10147).
    #[track_caller]
    fn assert_token_expired(&self) {
        assert_eq!(self.status, 401, "{}", self.body);
        assert_eq!(
            self.body,
            json!({ "message": "The incoming token has expired" })
        );
        assert_eq!(self.error_type.as_deref(), Some("UnauthorizedException"));
    }

    #[track_caller]
    fn assert_unauthorized(&self) {
        assert_eq!(self.status, 401, "{}", self.body);
        assert_eq!(self.body, json!({ "message": "Unauthorized" }));
        assert_eq!(self.error_type.as_deref(), Some("UnauthorizedException"));
    }
}

const BAD_SIGNATURE: &str = "The request signature we calculated does not match the signature you provided. \
     Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const INVALID_TOKEN: &str = "The security token included in the request is invalid.";

#[tokio::test]
async fn iam_method_allows_the_role_and_says_who_called() {
    let f = Fixture::start().await;
    let creds = f.emu.issue_test_credentials(ALLOWED_ROLE, HOUR);
    let a = f.iam(&creds, "GET", "/cip?b=2&a=x%2Fy").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["resource"], "/cip");
    assert_eq!(a.body["method"], "GET");
    assert_eq!(a.body["stage"], "prod");
    assert_eq!(a.body["auth"], "AWS_IAM");
    assert_eq!(a.body["caller"]["accessKey"], creds.access_key_id());
    assert_eq!(a.body["caller"]["roleArn"], ALLOWED_ROLE);
    assert_eq!(
        a.body["caller"]["userArn"],
        "arn:aws:sts::123456789012:assumed-role/CipRole/CognitoIdentityCredentials"
    );
    assert!(
        a.body["caller"]["cognitoIdentityId"]
            .as_str()
            .unwrap()
            .starts_with("us-east-1:")
    );
    assert_eq!(
        a.body["queryStringParameters"],
        json!({ "a": "x/y", "b": "2" })
    );

    // A signed body is checked and echoed.
    let signer = Signer::execute_api("us-east-1");
    let a = f
        .signed(&signer, &creds, "POST", "/cip", r#"{"hello":"wörld"}"#)
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["body"], r#"{"hello":"wörld"}"#);

    // Path parameters, with a segment that needs double encoding in the signature.
    let a = f.iam(&creds, "GET", "/items/a%20b").await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["resource"], "/items/{id}");
    assert_eq!(a.body["pathParameters"]["id"], "a b");
    assert_eq!(f.emu.calls("execute-api"), 3);
    f.emu.shutdown().await;
}

#[tokio::test]
async fn iam_method_through_the_execute_api_host_name() {
    let f = Fixture::start().await;
    let creds = f.emu.issue_test_credentials(ALLOWED_ROLE, HOUR);
    let host = f.emu.api_host("main").unwrap();
    assert_eq!(host, format!("{API}.execute-api.us-east-1.amazonaws.com"));
    let http = reqwest::Client::builder()
        .resolve(&host, f.emu.addr())
        .build()
        .unwrap();
    let url = format!("http://{host}:{}/prod/cip", f.emu.addr().port());
    let mut req = http::Request::builder()
        .method("GET")
        .uri(&url)
        .body(Bytes::new())
        .unwrap();
    Signer::execute_api("us-east-1")
        .sign(&mut req, &creds, f.now())
        .unwrap();
    let a = Answer::read(
        http.execute(reqwest::Request::try_from(req).unwrap())
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["caller"]["accessKey"], creds.access_key_id());
    f.emu.shutdown().await;
}

#[tokio::test]
async fn presigned_url_is_accepted_until_it_expires() {
    let f = Fixture::start().await;
    let creds = f.emu.issue_test_credentials(ALLOWED_ROLE, HOUR);
    let url = url::Url::parse(&f.url("/cip?q=1")).unwrap();
    let signer = Signer::execute_api("us-east-1");
    let presigned = signer
        .presign(
            &http::Method::GET,
            &url,
            &http::HeaderMap::new(),
            b"",
            &creds,
            f.now(),
            Duration::from_secs(60),
        )
        .unwrap();
    let a = Answer::read(f.http.get(presigned.clone()).send().await.unwrap()).await;
    assert_eq!(a.status, 200, "{}", a.body);
    f.clock.advance(Duration::from_secs(61));
    let a = Answer::read(f.http.get(presigned).send().await.unwrap()).await;
    a.assert_forbidden("Request has expired");
    f.emu.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_and_missing_auth_answer_missing_authentication_token() {
    let f = Fixture::start().await;
    let creds = f.emu.issue_test_credentials(ALLOWED_ROLE, HOUR);
    // No signature on an IAM method.
    let a = Answer::read(f.http.get(f.url("/cip")).send().await.unwrap()).await;
    a.assert_forbidden("Missing Authentication Token");
    assert_eq!(
        a.error_type.as_deref(),
        Some("MissingAuthenticationTokenException")
    );
    // Signed, but nothing there: resource, method, stage, API.
    f.iam(&creds, "GET", "/nothing-here")
        .await
        .assert_forbidden("Missing Authentication Token");
    f.iam(&creds, "DELETE", "/items/1")
        .await
        .assert_forbidden("Missing Authentication Token");
    f.iam(&creds, "GET", "/items")
        .await
        .assert_forbidden("Missing Authentication Token");
    let port = f.emu.addr().port();
    for url in [
        format!("http://127.0.0.1:{port}/_aws/execute-api/{API}/beta/cip"),
        format!("http://127.0.0.1:{port}/_aws/execute-api/nosuchapi/prod/cip"),
    ] {
        let mut req = http::Request::builder()
            .method("GET")
            .uri(url)
            .body(Bytes::new())
            .unwrap();
        Signer::execute_api("us-east-1")
            .sign(&mut req, &creds, f.now())
            .unwrap();
        f.send(req)
            .await
            .assert_forbidden("Missing Authentication Token");
    }
    f.emu.shutdown().await;
}

#[tokio::test]
async fn bad_signatures_are_refused() {
    let f = Fixture::start().await;
    let creds = f.emu.issue_test_credentials(ALLOWED_ROLE, HOUR);

    // Wrong secret.
    let wrong = Credentials::new(
        creds.access_key_id(),
        "not-the-secret-0000000000000000000000000",
        creds.session_token().map(str::to_owned),
        None,
        "test",
    );
    let a = f.iam(&wrong, "GET", "/cip").await;
    let canonical = a.assert_bad_signature();
    let lines: Vec<&str> = canonical.split('\n').collect();
    assert_eq!(lines[0], "GET");
    assert!(lines[1].ends_with("/prod/cip"), "{canonical}");

    // Body changed after signing.
    let mut req = f.request("POST", "/cip", r#"{"amount":1}"#);
    Signer::execute_api("us-east-1")
        .sign(&mut req, &creds, f.now())
        .unwrap();
    *req.body_mut() = Bytes::from_static(br#"{"amount":9}"#);
    let canonical = f.send(req).await.assert_bad_signature();
    // The hash of the body received, not of the one signed.
    let received = hex::encode(Sha256::digest(br#"{"amount":9}"#));
    assert!(canonical.ends_with(&received), "{canonical}");

    // Query changed after signing.
    let mut req = f.request("GET", "/cip?amount=1", "");
    Signer::execute_api("us-east-1")
        .sign(&mut req, &creds, f.now())
        .unwrap();
    *req.uri_mut() = f.url("/cip?amount=9").parse().unwrap();
    let canonical = f.send(req).await.assert_bad_signature();
    assert!(canonical.contains("\namount=9\n"), "{canonical}");
    f.emu.shutdown().await;
}

#[tokio::test]
async fn requests_outside_the_five_minute_window_are_refused() {
    let f = Fixture::start().await;
    let creds = f.emu.issue_test_credentials(ALLOWED_ROLE, HOUR);
    let mut req = f.request("GET", "/cip", "");
    Signer::execute_api("us-east-1")
        .sign(&mut req, &creds, f.now())
        .unwrap();
    f.clock.advance(Duration::from_secs(6 * 60));
    let a = f.send(req).await;
    a.assert_forbidden(
        "Signature expired: 20260115T123456Z is now earlier than 20260115T123556Z (20260115T124056Z - 5 min.)",
    );
    assert_eq!(a.error_type.as_deref(), Some("InvalidSignatureException"));
    // The Date header is the emulator's time, for clients that correct their clock from it.
    assert_eq!(a.date.as_deref(), Some("Thu, 15 Jan 2026 12:40:56 GMT"));

    // A client whose clock runs 10 minutes ahead.
    let mut req = f.request("GET", "/cip", "");
    Signer::execute_api("us-east-1")
        .sign(&mut req, &creds, f.now() + Duration::from_secs(600))
        .unwrap();
    let a = f.send(req).await;
    a.assert_forbidden(
        "Signature not yet current: 20260115T125056Z is still later than 20260115T124556Z (20260115T124056Z + 5 min.)",
    );
    f.emu.shutdown().await;
}

#[tokio::test]
async fn the_credential_scope_must_name_this_region_and_execute_api() {
    let f = Fixture::start().await;
    let creds = f.emu.issue_test_credentials(ALLOWED_ROLE, HOUR);
    let a = f
        .signed(&Signer::execute_api("eu-west-1"), &creds, "GET", "/cip", "")
        .await;
    a.assert_forbidden("Credential should be scoped to a valid region, not 'eu-west-1'. ");
    let a = f
        .signed(
            &Signer::new("us-east-1", "lambda"),
            &creds,
            "GET",
            "/cip",
            "",
        )
        .await;
    a.assert_forbidden("Credential should be scoped to correct service: 'execute-api'. ");
    f.emu.shutdown().await;
}

#[tokio::test]
async fn only_issued_credentials_with_their_own_session_token_are_accepted() {
    let f = Fixture::start().await;
    let creds = f.emu.issue_test_credentials(ALLOWED_ROLE, HOUR);
    let other = f.emu.issue_test_credentials(ALLOWED_ROLE, HOUR);

    let unknown = Credentials::new(
        "ASIAUNKNOWNKEY000000",
        creds.secret_access_key(),
        creds.session_token().map(str::to_owned),
        None,
        "test",
    );
    let a = f.iam(&unknown, "GET", "/cip").await;
    a.assert_forbidden(INVALID_TOKEN);
    assert_eq!(a.error_type.as_deref(), Some("UnrecognizedClientException"));

    let foreign = Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        other.session_token().map(str::to_owned),
        None,
        "test",
    );
    f.iam(&foreign, "GET", "/cip")
        .await
        .assert_forbidden(INVALID_TOKEN);

    let no_token = Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        None,
        None,
        "test",
    );
    f.iam(&no_token, "GET", "/cip")
        .await
        .assert_forbidden(INVALID_TOKEN);

    assert_eq!(f.iam(&other, "GET", "/cip").await.status, 200);
    f.emu.shutdown().await;
}

#[tokio::test]
async fn expired_credentials_are_refused() {
    let f = Fixture::start().await;
    let creds = f
        .emu
        .issue_test_credentials(ALLOWED_ROLE, Duration::from_secs(600));
    assert_eq!(f.iam(&creds, "GET", "/cip").await.status, 200);
    f.clock.advance(Duration::from_secs(600));
    let a = f.iam(&creds, "GET", "/cip").await;
    a.assert_forbidden("The security token included in the request is expired");
    assert_eq!(a.error_type.as_deref(), Some("ExpiredTokenException"));
    f.emu.shutdown().await;
}

#[tokio::test]
async fn a_role_without_permission_is_denied_with_the_iam_message() {
    let f = Fixture::start().await;
    let creds = f.emu.issue_test_credentials(DENIED_ROLE, HOUR);
    let a = f.iam(&creds, "GET", "/cip").await;
    assert_eq!(a.status, 403);
    assert_eq!(
        a.body,
        json!({ "Message": "User: arn:aws:sts::123456789012:assumed-role/GoogleRole/CognitoIdentityCredentials \
            is not authorized to perform: execute-api:Invoke on resource: \
            arn:aws:execute-api:us-east-1:********9012:abc123defg/prod/GET/cip" })
    );
    assert_eq!(a.error_type.as_deref(), Some("AccessDeniedException"));

    // The allowed role's patterns are per method and path.
    let allowed = f.emu.issue_test_credentials(ALLOWED_ROLE, HOUR);
    assert_eq!(f.iam(&allowed, "GET", "/items/7").await.status, 200);
    let a = f
        .signed(
            &Signer::execute_api("us-east-1"),
            &allowed,
            "PUT",
            "/cip",
            "{}",
        )
        .await;
    assert_eq!(
        a.status, 200,
        "ANY method, and the role allows */cip: {}",
        a.body
    );
    f.emu.shutdown().await;
}
