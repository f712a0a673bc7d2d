//! An `awsSigv4` route in front of a Lambda proxy (OpenAPI import), called with identity-pool
//! credentials: the function's `requestContext.identity` carries who called, as API Gateway
//! fills `$context.identity` for Cognito identity-pool callers (AWS's "Lambda proxy
//! integration input format" and `$context.identity.*` reference). The event is read with the
//! Lambda runtime's own type, `aws_lambda_events::apigw::ApiGatewayProxyRequest`.

use aws_credential_types::Credentials;
use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayRequestIdentity};
use aws_sdk_cognitoidentity as identity;
use aws_sdk_cognitoidentityprovider as idp;
use base64::Engine as _;
use bytes::Bytes;
use cognito_sigv4::signing::Signer;
use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const POOL: &str = "us-east-1_IdentFld1";
const CLIENT: &str = "identfieldswebclient000001";
const IDENTITY_POOL: &str = "us-east-1:0b7e3c2a-1d4f-4e5a-8b6c-9d0e1f2a3b4c";
const AUTH_ROLE: &str = "arn:aws:iam::123456789012:role/AppAuth";
const GUEST_ROLE: &str = "arn:aws:iam::123456789012:role/AppGuest";

const DOCUMENT: &str = r#"openapi: "3.0.1"
info: { title: whoami, version: "1" }
paths:
  /whoami:
    get:
      security: [{ sigv4: [] }]
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:whoami/invocations"
components:
  securitySchemes:
    sigv4:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: awsSigv4
"#;

/// A role that may invoke the route, trusting the identity pool as the Cognito console writes
/// it for identities whose `amr` holds `amr`.
fn role_toml(arn: &str, amr: &str) -> String {
    format!(
        r#"[[roles]]
arn = "{arn}"
invoke = ["idfields01/prod/GET/whoami"]
[roles.trust_policy]
Version = "2012-10-17"
[[roles.trust_policy.Statement]]
Effect = "Allow"
Action = "sts:AssumeRoleWithWebIdentity"
[roles.trust_policy.Statement.Principal]
Federated = "cognito-identity.amazonaws.com"
[roles.trust_policy.Statement.Condition.StringEquals]
"cognito-identity.amazonaws.com:aud" = "{IDENTITY_POOL}"
[roles.trust_policy.Statement.Condition."ForAnyValue:StringLike"]
"cognito-identity.amazonaws.com:amr" = "{amr}"
"#
    )
}

fn seed_toml() -> String {
    let auth_role = role_toml(AUTH_ROLE, "authenticated");
    let guest_role = role_toml(GUEST_ROLE, "unauthenticated");
    format!(
        r#"
[[user_pools]]
id = "{POOL}"
name = "main"
[[user_pools.clients]]
id = "{CLIENT}"
name = "web"
explicit_auth_flows = ["ALLOW_USER_PASSWORD_AUTH"]
[[user_pools.users]]
username = "jdoe"
password = "Passw0rd!-long-enough"

[[identity_pools]]
id = "{IDENTITY_POOL}"
name = "app"
allow_unauthenticated = true
authenticated_role_arn = "{AUTH_ROLE}"
unauthenticated_role_arn = "{GUEST_ROLE}"
[[identity_pools.user_pool_providers]]
user_pool = "main"
client_id = "web"

# The console's trust policies: an identity pool uses no role without one.
{auth_role}
{guest_role}
[[apis]]
id = "idfields01"
name = "whoami"
stages = ["prod"]
openapi = "whoami.yaml"
"#
    )
}

struct Env {
    emu: RunningEmulator,
    events: Arc<Mutex<Vec<Value>>>,
    _dir: tempfile::TempDir,
}

async fn start() -> Env {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("whoami.yaml"), DOCUMENT).unwrap();
    let seed_path = dir.path().join("seed.toml");
    std::fs::write(&seed_path, seed_toml()).unwrap();
    let events: Arc<Mutex<Vec<Value>>> = Arc::default();
    let log = events.clone();
    let emu = Emulator::builder()
        .seed(Seed::from_file(&seed_path).unwrap())
        .lambda_function("whoami", move |event: Value| {
            log.lock().unwrap().push(event);
            async move { Ok(json!({ "statusCode": 200, "body": "hello" })) }
        })
        .start()
        .await
        .unwrap();
    Env {
        emu,
        events,
        _dir: dir,
    }
}

impl Env {
    fn cognito_identity(&self) -> identity::Client {
        identity::Client::from_conf(
            identity::Config::builder()
                .behavior_version(identity::config::BehaviorVersion::latest())
                .region(identity::config::Region::new("us-east-1"))
                .endpoint_url(self.emu.endpoint().as_str())
                .build(),
        )
    }

    async fn id_token(&self) -> String {
        let client = idp::Client::from_conf(
            idp::Config::builder()
                .behavior_version(idp::config::BehaviorVersion::latest())
                .region(idp::config::Region::new("us-east-1"))
                .endpoint_url(self.emu.endpoint().as_str())
                .build(),
        );
        client
            .initiate_auth()
            .auth_flow(idp::types::AuthFlowType::UserPasswordAuth)
            .client_id(CLIENT)
            .auth_parameters("USERNAME", "jdoe")
            .auth_parameters("PASSWORD", "Passw0rd!-long-enough")
            .send()
            .await
            .unwrap()
            .authentication_result()
            .unwrap()
            .id_token()
            .unwrap()
            .to_owned()
    }

    /// GetId then GetCredentialsForIdentity, as the Amplify and mobile SDKs do: the identity
    /// id and its credentials.
    async fn credentials(&self, logins: HashMap<String, String>) -> (String, Credentials) {
        let client = self.cognito_identity();
        let logins = Some(logins).filter(|l| !l.is_empty());
        let identity_id = client
            .get_id()
            .identity_pool_id(IDENTITY_POOL)
            .set_logins(logins.clone())
            .send()
            .await
            .unwrap()
            .identity_id()
            .unwrap()
            .to_owned();
        let out = client
            .get_credentials_for_identity()
            .identity_id(&identity_id)
            .set_logins(logins)
            .send()
            .await
            .unwrap();
        let c = out.credentials().unwrap();
        let creds = Credentials::new(
            c.access_key_id().unwrap(),
            c.secret_key().unwrap(),
            c.session_token().map(str::to_owned),
            None,
            "cognito-identity",
        );
        (identity_id, creds)
    }

    /// A SigV4-signed `GET /whoami`: the status and the event the function received.
    async fn whoami(&self, creds: &Credentials) -> (u16, Value) {
        let url = format!("{}/whoami", self.emu.api_url("whoami", "prod").unwrap());
        let mut req = http::Request::builder()
            .method("GET")
            .uri(url)
            .header("user-agent", "identity-fields-test")
            .body(Bytes::new())
            .unwrap();
        Signer::execute_api("us-east-1")
            .sign(&mut req, creds, self.emu.clock().now())
            .unwrap();
        let resp = reqwest::Client::new()
            .execute(reqwest::Request::try_from(req).unwrap())
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let body = resp.text().await.unwrap();
        assert_eq!(body, "hello", "{status}");
        let event = self.events.lock().unwrap().pop().expect("the function ran");
        (status, event)
    }
}

/// The event's `requestContext.identity`, read with the Lambda runtime's type.
fn typed_identity(event: &Value) -> ApiGatewayRequestIdentity {
    let typed: ApiGatewayProxyRequest =
        serde_json::from_value(event.clone()).unwrap_or_else(|e| panic!("{e}: {event:#}"));
    typed.request_context.identity
}

/// `AROA` and 17 upper-case letters or digits, a colon, then the role session's name: how IAM
/// writes an assumed role's caller id (`AROAEXAMPLE...:CognitoIdentityCredentials`).
#[track_caller]
fn assert_role_caller(caller: Option<&str>) {
    let caller = caller.expect("caller");
    let (role_id, session) = caller.split_once(':').expect("role id and session");
    assert_eq!(session, "CognitoIdentityCredentials", "{caller}");
    assert!(
        role_id.len() == 21
            && role_id.starts_with("AROA")
            && role_id
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
        "{caller}"
    );
}

/// The `sub` claim of a JWT (not verified: the emulator issued it).
fn sub(jwt: &str) -> String {
    let payload = jwt.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["sub"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_iam_route_hands_a_lambda_proxy_the_cognito_identity_of_its_caller() {
    let env = start().await;

    // A user-pool user, through the identity pool.
    let token = env.id_token().await;
    let provider = format!("cognito-idp.us-east-1.amazonaws.com/{POOL}");
    let logins = HashMap::from([(provider.clone(), token.clone())]);
    let (identity_id, creds) = env.credentials(logins).await;
    let (status, event) = env.whoami(&creds).await;
    assert_eq!(status, 200);
    let id = typed_identity(&event);
    assert_eq!(
        id.cognito_identity_id.as_deref(),
        Some(identity_id.as_str())
    );
    assert_eq!(id.cognito_identity_pool_id.as_deref(), Some(IDENTITY_POOL));
    assert_eq!(
        id.cognito_authentication_type.as_deref(),
        Some("authenticated")
    );
    // AWS's documented form for a user-pool login: the provider, then the provider with
    // `CognitoSignIn` and the token's subject, comma separated.
    assert_eq!(
        id.cognito_authentication_provider,
        Some(format!(
            "{provider},{provider}:CognitoSignIn:{}",
            sub(&token)
        ))
    );
    assert_eq!(
        id.user_arn.as_deref(),
        Some("arn:aws:sts::123456789012:assumed-role/AppAuth/CognitoIdentityCredentials")
    );
    assert_role_caller(id.caller.as_deref());
    assert_eq!(id.user, id.caller);
    let user_caller = id.caller.clone();
    assert_eq!(id.access_key.as_deref(), Some(creds.access_key_id()));
    assert_eq!(id.account_id.as_deref(), Some("123456789012"));
    assert_eq!(id.user_agent.as_deref(), Some("identity-fields-test"));
    // IAM methods have no authorizer: the member is absent.
    assert!(
        event["requestContext"].get("authorizer").is_none(),
        "{event:#}"
    );

    // A guest: unauthenticated, no provider (null, as AWS sends it), the guest role.
    let (guest_id, guest) = env.credentials(HashMap::new()).await;
    assert_ne!(guest_id, identity_id);
    let (status, event) = env.whoami(&guest).await;
    assert_eq!(status, 200);
    let id = typed_identity(&event);
    assert_eq!(id.cognito_identity_id.as_deref(), Some(guest_id.as_str()));
    assert_eq!(id.cognito_identity_pool_id.as_deref(), Some(IDENTITY_POOL));
    assert_eq!(
        id.cognito_authentication_type.as_deref(),
        Some("unauthenticated")
    );
    assert_eq!(
        event["requestContext"]["identity"]["cognitoAuthenticationProvider"],
        Value::Null,
        "{event:#}"
    );
    assert_eq!(
        id.user_arn.as_deref(),
        Some("arn:aws:sts::123456789012:assumed-role/AppGuest/CognitoIdentityCredentials")
    );
    assert_role_caller(id.caller.as_deref());
    assert_ne!(id.caller, user_caller, "each role has its own id");
    assert_eq!(id.access_key.as_deref(), Some(guest.access_key_id()));
    env.emu.shutdown().await;
}
