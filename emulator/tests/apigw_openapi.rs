//! API Gateway from the user's own API definition: an OpenAPI 3 document (YAML, as
//! `aws apigateway get-export` writes it) named by the seed, with a Cognito authorizer in front
//! of a Lambda proxy integration, an `http_proxy` route to a local back end, a TOKEN Lambda
//! authorizer with a TTL, and a mock. The function is a Rust closure; the back end an axum
//! server on 127.0.0.1; proxy events are checked against the Lambda runtime's own type
//! (`aws_lambda_events::apigw::ApiGatewayProxyRequest`).

mod support;

use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use cognito_sigv4_emulator::{Emulator, FunctionError, RunningEmulator, Seed};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

const POOL: &str = "us-east-1_OpenApi01";
const LAMBDA: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:";

/// What the back end received: method, path, query, headers, body.
type Seen = Arc<
    Mutex<
        Vec<(
            String,
            String,
            Option<String>,
            Vec<(String, String)>,
            String,
        )>,
    >,
>;

fn document(backend: &str) -> String {
    format!(
        r#"openapi: "3.0.1"
info: {{ title: orders, version: "1" }}
servers:
  - url: "https://abc.execute-api.us-east-1.amazonaws.com/{{basePath}}"
    variables: {{ basePath: {{ default: "/prod" }} }}
x-amazon-apigateway-binary-media-types: ["image/png"]
paths:
  /orders/{{id}}:
    get:
      security: [{{ pool: [] }}]
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: "{LAMBDA}orders/invocations"
  /broken:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: "{LAMBDA}broken/invocations"
  /backend/{{proxy+}}:
    x-amazon-apigateway-any-method:
      parameters:
        - {{ name: proxy, in: path, required: true, schema: {{ type: string }} }}
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: ANY
        uri: "{backend}/{{proxy}}"
        requestParameters:
          integration.request.path.proxy: method.request.path.proxy
          integration.request.header.x-api-stage: context.stage
          integration.request.querystring.via: "'gateway'"
  /me:
    get:
      security: [{{ pool: [] }}]
      x-amazon-apigateway-integration:
        type: http_proxy
        httpMethod: GET
        uri: "{backend}/profile"
        requestParameters:
          integration.request.header.x-user: context.authorizer.claims.cognito:username
  /gated:
    get:
      security: [{{ gate: [] }}]
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {{ "application/json": '{{"statusCode": 200}}' }}
        responses:
          default:
            statusCode: "200"
            responseTemplates: {{ "application/json": '{{"gated": true}}' }}
components:
  securitySchemes:
    pool:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: cognito_user_pools
      x-amazon-apigateway-authorizer:
        type: cognito_user_pools
        providerARNs: ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/{POOL}"]
    gate:
      type: apiKey
      name: Authorization
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: token
        authorizerUri: "{LAMBDA}gate/invocations"
        authorizerResultTtlInSeconds: 300
"#
    )
}

struct Env {
    emu: RunningEmulator,
    events: Arc<Mutex<Vec<Value>>>,
    gate_calls: Arc<Mutex<u32>>,
    seen: Seen,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
    backend: tokio::task::JoinHandle<()>,
}

async fn start() -> Env {
    // The user's own back end.
    let seen = Seen::default();
    let log = seen.clone();
    let app = axum::Router::new().fallback(
        move |method: axum::http::Method,
              uri: axum::http::Uri,
              headers: axum::http::HeaderMap,
              body: String| {
            let log = log.clone();
            async move {
                let headers = headers
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
                    .collect();
                log.lock().unwrap().push((
                    method.to_string(),
                    uri.path().to_owned(),
                    uri.query().map(str::to_owned),
                    headers,
                    body,
                ));
                (StatusCode::CREATED, [("x-backend", "yes")], "made it")
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let backend_url = format!("http://{}", listener.local_addr().unwrap());
    let backend = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orders.yaml"), document(&backend_url)).unwrap();
    let seed_path = dir.path().join("seed.toml");
    std::fs::write(
        &seed_path,
        format!(
            r#"
[[user_pools]]
id = "{POOL}"
name = "main"
[[user_pools.clients]]
id = "openapiwebclient0000000001"
name = "web"
explicit_auth_flows = ["ALLOW_USER_PASSWORD_AUTH"]
[[user_pools.users]]
username = "jdoe"
password = "Passw0rd!-long-enough"
[user_pools.users.attributes]
email = "jdoe@example.com"

[[apis]]
id = "ordersapi1"
name = "orders"
stages = ["prod"]
openapi = "orders.yaml"
"#
        ),
    )
    .unwrap();
    let events: Arc<Mutex<Vec<Value>>> = Arc::default();
    let gate_calls: Arc<Mutex<u32>> = Arc::default();
    let (log, calls) = (events.clone(), gate_calls.clone());
    let emu = Emulator::builder()
        .seed(Seed::from_file(&seed_path).unwrap())
        .lambda_function("orders", move |event: Value| {
            log.lock().unwrap().push(event.clone());
            async move {
                let claims = &event["requestContext"]["authorizer"]["claims"];
                Ok(json!({
                    "statusCode": 200,
                    "headers": { "x-handled-by": "orders" },
                    "body": json!({ "order": event["pathParameters"]["id"], "for": claims["cognito:username"] }).to_string(),
                }))
            }
        })
        .lambda_function("broken", |_| async move { Ok(json!({ "status": "not a proxy answer" })) })
        .lambda_function("gate", move |event: Value| {
            *calls.lock().unwrap() += 1;
            async move {
                let token = event["authorizationToken"].as_str().unwrap_or_default();
                if token == "nobody" {
                    return Err(FunctionError::new("Unauthorized"));
                }
                let effect = if token == "allow" { "Allow" } else { "Deny" };
                Ok(json!({
                    "principalId": "user-1",
                    "policyDocument": { "Version": "2012-10-17", "Statement": [
                        { "Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"] }
                    ] },
                    "context": { "tier": "gold" },
                }))
            }
        })
        .start()
        .await
        .unwrap();
    Env {
        emu,
        events,
        gate_calls,
        seen,
        http: reqwest::Client::new(),
        _dir: dir,
        backend,
    }
}

impl Env {
    fn url(&self, path: &str) -> String {
        let base = self.emu.api_url("orders", "prod").unwrap();
        format!("{}{path}", base.as_str().trim_end_matches('/'))
    }

    async fn id_token(&self) -> String {
        let idp = aws_sdk_cognitoidentityprovider::Client::from_conf(
            aws_sdk_cognitoidentityprovider::Config::builder()
                .behavior_version(
                    aws_sdk_cognitoidentityprovider::config::BehaviorVersion::latest(),
                )
                .region(aws_sdk_cognitoidentityprovider::config::Region::new(
                    "us-east-1",
                ))
                .endpoint_url(self.emu.endpoint().as_str())
                .build(),
        );
        idp.initiate_auth()
            .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
            .client_id("openapiwebclient0000000001")
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
}

#[tokio::test]
async fn a_cognito_authorizer_in_front_of_a_lambda_proxy() {
    let env = start().await;
    let anonymous = env.http.get(env.url("/orders/42")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        anonymous.json::<Value>().await.unwrap(),
        json!({ "message": "Unauthorized" })
    );
    assert!(
        env.events.lock().unwrap().is_empty(),
        "the function never ran"
    );

    let token = env.id_token().await;
    let answer = env
        .http
        .get(env.url("/orders/42?expand=items"))
        .header("authorization", &token)
        .header("x-trace", "t-1")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert_eq!(answer.headers()["x-handled-by"], "orders");
    assert_eq!(
        answer.json::<Value>().await.unwrap(),
        json!({ "order": "42", "for": "jdoe" })
    );
    let event = env.events.lock().unwrap()[0].clone();
    let typed: ApiGatewayProxyRequest =
        serde_json::from_value(event.clone()).unwrap_or_else(|e| panic!("{e}: {event:#}"));
    assert_eq!(typed.resource.as_deref(), Some("/orders/{id}"));
    assert_eq!(typed.path.as_deref(), Some("/orders/42"));
    assert_eq!(typed.http_method, http::Method::GET);
    assert_eq!(typed.path_parameters["id"], "42");
    assert_eq!(typed.request_context.stage.as_deref(), Some("prod"));
    assert_eq!(typed.request_context.apiid.as_deref(), Some("ordersapi1"));
    assert_eq!(typed.headers["x-trace"], "t-1");
    let claims = &typed.request_context.authorizer.fields["claims"];
    assert_eq!(claims["cognito:username"], "jdoe");
    assert_eq!(claims["email"], "jdoe@example.com");
    assert_eq!(claims["token_use"], "id");
    assert!(
        claims["exp"].is_string(),
        "REST APIs hand claims over as strings"
    );
    assert_eq!(event["queryStringParameters"], json!({ "expand": "items" }));

    // A function that answers no proxy response: API Gateway's 502.
    let broken = env.http.get(env.url("/broken")).send().await.unwrap();
    assert_eq!(broken.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(
        broken.json::<Value>().await.unwrap(),
        json!({ "message": "Internal server error" })
    );
    env.backend.abort();
}

#[tokio::test]
async fn an_http_proxy_route_reaches_the_local_back_end() {
    let env = start().await;
    let answer = env
        .http
        .post(env.url("/backend/items/a%20b?x=1&x=2&y=z"))
        .header("x-custom", "value")
        .header("content-type", "application/json")
        .body(r#"{"name":"widget"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::CREATED);
    assert_eq!(answer.headers()["x-backend"], "yes");
    assert_eq!(answer.text().await.unwrap(), "made it");
    let seen = env.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    let (method, path, query, headers, body) = &seen[0];
    assert_eq!(method, "POST");
    assert_eq!(path, "/items/a%20b");
    // The caller's query as sent, then the integration's mapped `via`.
    assert_eq!(query.as_deref(), Some("x=1&x=2&y=z&via=gateway"));
    let has = |name: &str, value: &str| headers.contains(&(name.to_owned(), value.to_owned()));
    assert!(has("x-custom", "value"), "{headers:?}");
    assert!(has("content-type", "application/json"), "{headers:?}");
    assert!(
        has("x-api-stage", "prod"),
        "mapped from context.stage: {headers:?}"
    );
    assert_eq!(body, r#"{"name":"widget"}"#);

    // Behind the Cognito authorizer, a claim mapped into a header for the back end.
    let token = env.id_token().await;
    let anonymous = env.http.get(env.url("/me")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let me = env
        .http
        .get(env.url("/me"))
        .header("authorization", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::CREATED);
    let seen = env.seen.lock().unwrap().clone();
    assert_eq!(
        seen.len(),
        2,
        "the anonymous call never reached the back end"
    );
    let (method, path, _, headers, _) = &seen[1];
    assert_eq!((method.as_str(), path.as_str()), ("GET", "/profile"));
    assert!(
        headers.contains(&("x-user".to_owned(), "jdoe".to_owned())),
        "{headers:?}"
    );
    env.backend.abort();
}

/// ImportRestApi, CreateDeployment, GetRestApis and PutRestApi with boto3; refusals name the
/// offending element.
#[tokio::test]
async fn boto3_imports_deploys_and_replaces_an_api() {
    let test = "boto3_imports_deploys_and_replaces_an_api";
    if !support::python_ready(test, &["boto3"]) {
        return;
    }
    let emu = Emulator::builder()
        .seed(Seed::from_toml_str("").unwrap())
        .start()
        .await
        .unwrap();
    let out = support::run_python(
        "apigw_import_boto3.py",
        vec![emu.endpoint().to_string()],
        std::time::Duration::from_secs(120),
    )
    .await;
    let out: Value = serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(out["name"], "imported");
    // Imported, not yet deployed: the stage does not exist.
    assert_eq!(out["before_deployment"][0], 403, "{out:#}");
    assert_eq!(
        out["health"],
        json!([200, r#"{"healthy": true}"#]),
        "{out:#}"
    );
    assert_eq!(out["listed"], 1);
    assert_eq!(
        out["merged"],
        json!([[200, r#"{"healthy": true}"#], [200, r#"{"version": 2}"#]])
    );
    assert_eq!(
        out["overwritten"],
        json!([403, [200, r#"{"version": 3}"#]]),
        "overwrite drops /health"
    );
    assert_eq!(out["unsupported"]["code"], "BadRequestException", "{out:#}");
    let message = out["unsupported"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("$.paths['/a'].get.x-amazon-apigateway-integration.type"),
        "{message}"
    );
    assert_eq!(out["fail_on_warnings"]["code"], "BadRequestException");
    assert!(
        out["fail_on_warnings"]["message"]
            .as_str()
            .unwrap()
            .contains("x-amazon-apigateway-binary-media-types"),
        "{out:#}"
    );
    assert_eq!(out["unknown_api"]["code"], "NotFoundException", "{out:#}");
}

#[tokio::test]
async fn a_token_authorizer_allows_denies_and_caches_for_its_ttl() {
    let env = start().await;
    let call = |token: Option<&str>| {
        let mut req = env.http.get(env.url("/gated"));
        if let Some(t) = token {
            req = req.header("authorization", t);
        }
        req.send()
    };
    let missing = call(None).await.unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(*env.gate_calls.lock().unwrap(), 0, "no identity, no call");

    let allowed = call(Some("allow")).await.unwrap();
    assert_eq!(allowed.status(), StatusCode::OK);
    assert_eq!(
        allowed.json::<Value>().await.unwrap(),
        json!({ "gated": true })
    );
    assert_eq!(call(Some("allow")).await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        *env.gate_calls.lock().unwrap(),
        1,
        "the decision is cached for its TTL"
    );

    let denied = call(Some("deny")).await.unwrap();
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        denied.json::<Value>().await.unwrap(),
        json!({ "Message": "User is not authorized to access this resource with an explicit deny" })
    );
    let unauthorized = call(Some("nobody")).await.unwrap();
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(*env.gate_calls.lock().unwrap(), 3);
    env.backend.abort();
}
