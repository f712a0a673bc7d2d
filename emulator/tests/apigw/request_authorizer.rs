//! A REQUEST Lambda authorizer imported from OpenAPI (`x-amazon-apigateway-authorizer` of type
//! `request`, identity sources in a header and the query string) in front of a Lambda proxy
//! and a mock, with the user's functions as Rust closures. What is checked is AWS's documented
//! behaviour (the `identitySource` and `authorizerResultTtlInSeconds` of the Authorizer
//! resource, "Output from an API Gateway Lambda authorizer"): a missing or empty identity source
//! answers 401 without calling the function; the policy allows or denies (403); the decision is
//! cached for the TTL under the identity sources' values, and not at all with a TTL of 0; the
//! policy's `context` reaches the proxy's `requestContext.authorizer`.

use aws_lambda_events::apigw::{
    ApiGatewayCustomAuthorizerRequestTypeRequest, ApiGatewayProxyRequest,
};
use cognito_sigv4::ManualClock;
use cognito_sigv4_emulator::{Emulator, RunningEmulator, Seed};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const API: &str = "reqauth001";
const FUNCTIONS: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:";

/// A security scheme for a REQUEST authorizer (the function `tenant-gate`).
fn scheme(name: &str, identity_source: &str, ttl: u32) -> String {
    format!(
        r#"    {name}:
      type: apiKey
      name: Unused
      in: header
      x-amazon-apigateway-authtype: custom
      x-amazon-apigateway-authorizer:
        type: request
        authorizerUri: "{FUNCTIONS}tenant-gate/invocations"
        identitySource: "{identity_source}"
        authorizerResultTtlInSeconds: {ttl}"#
    )
}

fn document() -> String {
    let tenant = scheme(
        "tenant",
        "method.request.header.X-Tenant, method.request.querystring.key",
        300,
    );
    let uncached = scheme("uncached", "method.request.header.X-Tenant", 0);
    format!(
        r#"openapi: "3.0.1"
info: {{ title: reports, version: "1" }}
paths:
  /reports/{{id}}:
    get:
      security: [{{ tenant: [] }}]
      parameters:
        - {{ name: id, in: path, required: true, schema: {{ type: string }} }}
      x-amazon-apigateway-integration:
        type: aws_proxy
        httpMethod: POST
        uri: "{FUNCTIONS}reports/invocations"
  /live:
    get:
      security: [{{ uncached: [] }}]
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {{ "application/json": '{{"statusCode": 200}}' }}
        responses:
          default:
            statusCode: "200"
            responseTemplates: {{ "application/json": '{{"live": true}}' }}
components:
  securitySchemes:
{tenant}
{uncached}
"#
    )
}

/// A header of a REQUEST authorizer's event, whatever the case of its name (API Gateway
/// passes names as the client wrote them).
fn header<'a>(event: &'a Value, name: &str) -> &'a str {
    event["headers"]
        .as_object()
        .and_then(|h| h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        .and_then(|(_, v)| v.as_str())
        .unwrap_or_default()
}

struct Env {
    emu: RunningEmulator,
    clock: ManualClock,
    /// The events the authorizer received, in order.
    gate: Arc<Mutex<Vec<Value>>>,
    /// The events the proxy integration received, in order.
    reports: Arc<Mutex<Vec<Value>>>,
    http: reqwest::Client,
    _dir: tempfile::TempDir,
}

async fn start() -> Env {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("reports.yaml"), document()).unwrap();
    let seed_path = dir.path().join("seed.toml");
    std::fs::write(
        &seed_path,
        format!("[[apis]]\nid = \"{API}\"\nname = \"reports\"\nstages = [\"prod\"]\nopenapi = \"reports.yaml\"\n"),
    )
    .unwrap();
    let gate: Arc<Mutex<Vec<Value>>> = Arc::default();
    let reports: Arc<Mutex<Vec<Value>>> = Arc::default();
    let (gate_log, reports_log) = (gate.clone(), reports.clone());
    let clock = ManualClock::at_epoch_secs(super::START);
    let emu = Emulator::builder()
        .seed(Seed::from_file(&seed_path).unwrap())
        .clock(clock.clone())
        .lambda_function("tenant-gate", move |event: Value| {
            gate_log.lock().unwrap().push(event.clone());
            async move {
                let tenant = header(&event, "x-tenant").to_owned();
                let effect = if tenant == "evil" { "Deny" } else { "Allow" };
                Ok(json!({
                    "principalId": format!("tenant-{tenant}"),
                    // The whole stage: a cached decision then serves every method, as on AWS.
                    "policyDocument": { "Version": "2012-10-17", "Statement": [{
                        "Action": "execute-api:Invoke",
                        "Effect": effect,
                        "Resource": format!("arn:aws:execute-api:us-east-1:123456789012:{API}/prod/*"),
                    }] },
                    "context": { "tenant": tenant, "level": 3, "beta": true },
                }))
            }
        })
        .lambda_function("reports", move |event: Value| {
            reports_log.lock().unwrap().push(event.clone());
            async move {
                Ok(json!({
                    "statusCode": 200,
                    "body": json!({ "report": event["pathParameters"]["id"] }).to_string(),
                }))
            }
        })
        .start()
        .await
        .unwrap();
    Env {
        emu,
        clock,
        gate,
        reports,
        http: reqwest::Client::new(),
        _dir: dir,
    }
}

impl Env {
    /// `GET <path>` with `X-Tenant: <tenant>` when given: status, `x-amzn-ErrorType`, body.
    async fn get(&self, path: &str, tenant: Option<&str>) -> (u16, Option<String>, Value) {
        let url = format!("{}{path}", self.emu.api_url("reports", "prod").unwrap());
        let mut req = self.http.get(url);
        if let Some(t) = tenant {
            req = req.header("X-Tenant", t);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let error_type = resp
            .headers()
            .get("x-amzn-errortype")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
        (status, error_type, body)
    }

    fn gate_calls(&self) -> usize {
        self.gate.lock().unwrap().len()
    }

    fn last_report(&self) -> Value {
        self.reports
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("the function ran")
    }
}

#[tokio::test]
async fn a_request_authorizer_checks_its_identity_sources_then_allows_or_denies() {
    let env = start().await;
    let unauthorized = (
        401,
        Some("UnauthorizedException".to_owned()),
        json!({ "message": "Unauthorized" }),
    );
    // Every identity source must be present and non-empty, or API Gateway answers 401
    // without calling the function.
    assert_eq!(env.get("/reports/7?key=k1", None).await, unauthorized);
    assert_eq!(env.get("/reports/7", Some("acme")).await, unauthorized);
    assert_eq!(env.get("/reports/7?key=", Some("acme")).await, unauthorized);
    assert_eq!(env.get("/reports/7?key=k1", Some("")).await, unauthorized);
    assert_eq!(env.gate_calls(), 0, "no identity, no call");
    assert!(env.reports.lock().unwrap().is_empty());

    let (status, _, body) = env.get("/reports/7?key=k1&other=x", Some("acme")).await;
    assert_eq!((status, body), (200, json!({ "report": "7" })));
    assert_eq!(env.gate_calls(), 1);
    let event = env.gate.lock().unwrap()[0].clone();
    let typed: ApiGatewayCustomAuthorizerRequestTypeRequest =
        serde_json::from_value(event.clone()).unwrap_or_else(|e| panic!("{e}: {event:#}"));
    assert_eq!(typed.type_.as_deref(), Some("REQUEST"));
    assert_eq!(
        typed.method_arn.as_deref(),
        Some(
            format!("arn:aws:execute-api:us-east-1:123456789012:{API}/prod/GET/reports/7").as_str()
        )
    );
    assert_eq!(typed.resource.as_deref(), Some("/reports/{id}"));
    assert_eq!(typed.path.as_deref(), Some("/reports/7"));
    assert_eq!(typed.headers["x-tenant"], "acme");
    assert_eq!(typed.query_string_parameters.first("key"), Some("k1"));
    assert_eq!(typed.query_string_parameters.first("other"), Some("x"));
    assert_eq!(typed.path_parameters["id"], "7");
    assert_eq!(typed.request_context.stage.as_deref(), Some("prod"));

    // The policy's principal and context reach the proxy integration.
    let report = env.last_report();
    let proxy: ApiGatewayProxyRequest =
        serde_json::from_value(report.clone()).unwrap_or_else(|e| panic!("{e}: {report:#}"));
    let authorizer = &proxy.request_context.authorizer.fields;
    assert_eq!(authorizer["principalId"], "tenant-acme", "{report:#}");
    assert_eq!(authorizer["tenant"], "acme", "{report:#}");
    // REST APIs hand a Lambda proxy the context's numbers and booleans as strings (AWS: "Their
    // values are stringified, for example, "stringval", "123", or "true"").
    assert_eq!(authorizer["level"], "3", "{report:#}");
    assert_eq!(authorizer["beta"], "true", "{report:#}");
    assert!(authorizer["integrationLatency"].is_number(), "{report:#}");

    // An explicit deny: 403, and the integration is not called.
    let (status, error_type, body) = env.get("/reports/7?key=k1", Some("evil")).await;
    assert_eq!(
        (status, error_type.as_deref(), body),
        (
            403,
            Some("AccessDeniedException"),
            json!({ "Message": "User is not authorized to access this resource with an explicit deny" })
        )
    );
    assert_eq!(env.gate_calls(), 2);
    assert_eq!(env.reports.lock().unwrap().len(), 1);
    env.emu.shutdown().await;
}

#[tokio::test]
async fn a_request_authorizers_decision_is_cached_by_its_identity_sources_for_its_ttl() {
    let env = start().await;
    for id in ["1", "2"] {
        let (status, _, _) = env
            .get(&format!("/reports/{id}?key=k1"), Some("acme"))
            .await;
        assert_eq!(status, 200);
    }
    assert_eq!(
        env.gate_calls(),
        1,
        "the same identity sources: the cached decision, even for another path"
    );
    assert_eq!(
        env.reports.lock().unwrap().len(),
        2,
        "the integration runs every time"
    );
    // From the cache, the context still reaches the integration, as strings.
    let authorizer = &env.last_report()["requestContext"]["authorizer"];
    assert_eq!(
        (&authorizer["tenant"], &authorizer["level"]),
        (&json!("acme"), &json!("3"))
    );

    // Either source changed: another key, another call.
    assert_eq!(env.get("/reports/1?key=k2", Some("acme")).await.0, 200);
    assert_eq!(env.gate_calls(), 2);
    assert_eq!(env.get("/reports/1?key=k2", Some("other")).await.0, 200);
    assert_eq!(env.gate_calls(), 3);
    assert_eq!(env.get("/reports/1?key=k2", Some("acme")).await.0, 200);
    assert_eq!(env.gate_calls(), 3, "still cached");
    // Past the TTL (300 s), the function decides again.
    env.clock.advance(Duration::from_secs(301));
    assert_eq!(env.get("/reports/1?key=k2", Some("acme")).await.0, 200);
    assert_eq!(env.gate_calls(), 4, "the cached decision expired");

    // A TTL of 0 disables caching: every request calls the function.
    for _ in 0..2 {
        let (status, _, body) = env.get("/live", Some("acme")).await;
        assert_eq!((status, body), (200, json!({ "live": true })));
    }
    assert_eq!(env.gate_calls(), 6);
    env.emu.shutdown().await;
}
