//! What an allowed request reaches, called with the state's lock released: a Lambda function
//! through the Lambda Invoke API with API Gateway's proxy event (`aws_proxy`), or the user's
//! own HTTP back end (`http_proxy`), forwarded as API Gateway forwards it.
//!
//! Failures answer as API Gateway does: a function that fails or answers something that is
//! not a proxy response: 502 `Internal server error`; one that times out (the integration's
//! `timeoutInMillis`, 29 s by default): 504 `Endpoint request timed out`; a back end that
//! cannot be reached: 500 `Internal server error` (the emulator's reading; AWS logs the cause
//! and answers a 5xx).

use crate::lambda::InvokeError;
use crate::state::{Integration, MethodAuth, Shared};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// A request that passed authorization, for its back end.
pub(super) struct Plan {
    pub(super) integration: Integration,
    pub(super) method: String,
    /// The matched resource's template (`/orders/{id}`).
    pub(super) resource: String,
    /// The path after the stage, as received.
    pub(super) path: String,
    pub(super) query: Option<String>,
    pub(super) headers: HeaderMap,
    pub(super) body: Vec<u8>,
    pub(super) path_params: BTreeMap<String, String>,
    pub(super) stage: String,
    pub(super) api_id: String,
    pub(super) account_id: String,
    pub(super) auth: MethodAuth,
    /// What the authorizer learned of the caller.
    pub(super) caller: Value,
    /// `<api>/<stage>`, for the call log.
    pub(super) detail: Option<String>,
    pub(super) now: SystemTime,
}

/// Calls the back end.
pub(super) async fn run(shared: &Shared, plan: Plan) -> Response {
    match &plan.integration {
        Integration::LambdaProxy {
            function,
            timeout_ms,
        } => {
            let event = proxy_event(&plan);
            let timeout = Duration::from_millis(*timeout_ms);
            let answer = shared
                .functions()
                .invoke_within(function, &event, timeout)
                .await;
            match answer {
                Ok(answer) => proxy_response(&answer).unwrap_or_else(|| internal_error(502)),
                Err(InvokeError::Timeout) => timed_out(),
                Err(_) => internal_error(502),
            }
        }
        Integration::HttpProxy {
            uri,
            http_method,
            timeout_ms,
            parameters,
        } => forward(&plan, uri, http_method.as_deref(), *timeout_ms, parameters).await,
        // Answered before the lock was released.
        Integration::Echo | Integration::Mock { .. } => internal_error(500),
    }
}

/// `{"message": "Internal server error"}` with `status`.
fn internal_error(status: u16) -> Response {
    super::answer::respond(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
        &json!({ "message": "Internal server error" }),
        Some("InternalServerErrorException"),
    )
}

/// 504 `Endpoint request timed out`.
fn timed_out() -> Response {
    super::answer::respond(
        StatusCode::GATEWAY_TIMEOUT,
        &json!({ "message": "Endpoint request timed out" }),
        Some("IntegrationTimeout"),
    )
}

/// `headers` (the last value of each) and `multiValueHeaders` (every value), as API
/// Gateway's REST proxy events carry them.
pub(super) fn headers_json(headers: &HeaderMap) -> (Value, Value) {
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (name, value) in headers {
        let Ok(value) = value.to_str() else { continue };
        let name = canonical_header(name.as_str());
        single.insert(name.clone(), json!(value));
        if let Value::Array(values) = multi.entry(name).or_insert_with(|| json!([])) {
            values.push(json!(value));
        }
    }
    (nullable(single), nullable(multi))
}

/// `Content-Type`, `X-Amz-Date`: header names as clients usually write them (API Gateway
/// passes them as received; HTTP/1 servers here see them lower-cased).
fn canonical_header(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// `queryStringParameters` (the last value of each) and `multiValueQueryStringParameters`.
pub(super) fn query_json(query: Option<&str>) -> (Value, Value) {
    let mut single = Map::new();
    let mut multi: Map<String, Value> = Map::new();
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        single.insert(k.to_string(), json!(v));
        if let Value::Array(values) = multi.entry(k.to_string()).or_insert_with(|| json!([])) {
            values.push(json!(v));
        }
    }
    (nullable(single), nullable(multi))
}

/// An empty map is `null` in API Gateway's events.
fn nullable(m: Map<String, Value>) -> Value {
    if m.is_empty() {
        Value::Null
    } else {
        Value::Object(m)
    }
}

/// API Gateway's Lambda proxy event (REST APIs, payload 1.0): the request, and in
/// `requestContext` the stage, the caller's `identity` and the authorizer's findings.
fn proxy_event(plan: &Plan) -> Value {
    let (headers, multi_headers) = headers_json(&plan.headers);
    let (query, multi_query) = query_json(plan.query.as_deref());
    let (body, base64) = match std::str::from_utf8(&plan.body) {
        _ if plan.body.is_empty() => (Value::Null, false),
        Ok(text) => (json!(text), false),
        Err(_) => (
            json!(base64::engine::general_purpose::STANDARD.encode(&plan.body)),
            true,
        ),
    };
    let source_ip = SOURCE_IP;
    let user_agent = plan
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let mut identity = json!({
        "cognitoIdentityPoolId": null,
        "accountId": null,
        "cognitoIdentityId": null,
        "caller": null,
        "sourceIp": source_ip,
        "principalOrgId": null,
        "accessKey": null,
        "cognitoAuthenticationType": null,
        "cognitoAuthenticationProvider": null,
        "userArn": null,
        "userAgent": user_agent,
        "user": null,
    });
    let authorizer = match &plan.auth {
        MethodAuth::AwsIam => {
            for key in [
                "cognitoIdentityPoolId",
                "accountId",
                "cognitoIdentityId",
                "caller",
                "accessKey",
                "cognitoAuthenticationType",
                "cognitoAuthenticationProvider",
                "userArn",
                "user",
            ] {
                if let Some(v) = plan.caller.get(key) {
                    identity[key] = v.clone();
                }
            }
            Value::Null
        }
        MethodAuth::CognitoUserPools { .. } => {
            json!({ "claims": string_claims(plan.caller.get("claims")) })
        }
        MethodAuth::Lambda(_) => {
            // The context's values reach the function stringified ("123", "true"), as AWS
            // documents for REST APIs; `integrationLatency` stays a number.
            let mut authorizer = string_claims(Some(&plan.caller));
            authorizer["integrationLatency"] = plan.caller["integrationLatency"].clone();
            authorizer
        }
        MethodAuth::None => Value::Null,
    };
    let path_params = if plan.path_params.is_empty() {
        Value::Null
    } else {
        json!(plan.path_params)
    };
    let now = chrono::DateTime::<chrono::Utc>::from(plan.now);
    let mut event = json!({
        "resource": plan.resource,
        "path": plan.path,
        "httpMethod": plan.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_params,
        "stageVariables": null,
        "requestContext": {
            "accountId": plan.account_id,
            "apiId": plan.api_id,
            "resourceId": plan.resource,
            "resourcePath": plan.resource,
            "httpMethod": plan.method,
            "path": format!("/{}{}", plan.stage, plan.path),
            "stage": plan.stage,
            "protocol": "HTTP/1.1",
            "requestId": crate::crypto::random_uuid(),
            "extendedRequestId": crate::crypto::random_uuid(),
            "requestTime": now.format("%d/%b/%Y:%H:%M:%S +0000").to_string(),
            "requestTimeEpoch": now.timestamp_millis(),
            "domainName": format!("{}.execute-api.amazonaws.com", plan.api_id),
            "identity": identity,
            "authorizer": authorizer,
        },
        "body": body,
        "isBase64Encoded": base64,
    });
    // IAM and open methods have no authorizer: the member is absent, as on AWS.
    if authorizer.is_null()
        && let Some(context) = event["requestContext"].as_object_mut()
    {
        context.remove("authorizer");
    }
    event
}

/// A Cognito authorizer's claims (or a Lambda authorizer's principal and context) as REST APIs
/// hand them to a proxy integration: every value a string (numbers and booleans written out,
/// lists joined with commas).
fn string_claims(claims: Option<&Value>) -> Value {
    let Some(Value::Object(claims)) = claims else {
        return json!({});
    };
    Value::Object(
        claims
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Array(items) => items
                        .iter()
                        .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                        .collect::<Vec<_>>()
                        .join(","),
                    other => other.to_string(),
                };
                (k.clone(), json!(text))
            })
            .collect(),
    )
}

/// A Lambda proxy response (`statusCode`, `headers`, `multiValueHeaders`, `body`,
/// `isBase64Encoded`) as HTTP, or `None` when it is not one (API Gateway: "Malformed Lambda
/// proxy response").
fn proxy_response(answer: &Value) -> Option<Response> {
    let answer = answer.as_object()?;
    let allowed = [
        "statusCode",
        "headers",
        "multiValueHeaders",
        "body",
        "isBase64Encoded",
        "cookies",
    ];
    if answer.keys().any(|k| !allowed.contains(&k.as_str())) {
        return None;
    }
    let status = match answer.get("statusCode") {
        Some(Value::Number(n)) => n.as_u64()?,
        Some(Value::String(s)) => s.parse().ok()?,
        _ => return None,
    };
    let status = StatusCode::from_u16(u16::try_from(status).ok()?).ok()?;
    let body = match answer.get("body") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) if answer.get("isBase64Encoded") == Some(&json!(true)) => {
            base64::engine::general_purpose::STANDARD.decode(s).ok()?
        }
        Some(Value::String(s)) => s.clone().into_bytes(),
        Some(_) => return None,
    };
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    if let Some(headers) = answer.get("headers").filter(|v| !v.is_null()) {
        for (k, v) in headers.as_object()? {
            let value = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).ok()?,
                HeaderValue::from_str(&value).ok()?,
            );
        }
    }
    if let Some(multi) = answer.get("multiValueHeaders").filter(|v| !v.is_null()) {
        for (k, values) in multi.as_object()? {
            let name = HeaderName::from_bytes(k.as_bytes()).ok()?;
            for v in values.as_array()? {
                let value = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                h.append(name.clone(), HeaderValue::from_str(&value).ok()?);
            }
        }
    }
    Some(response)
}

/// Headers a proxy does not pass on (hop-by-hop, and what the client's transport set).
const NOT_FORWARDED: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "upgrade",
    "te",
    "trailer",
    "proxy-authorization",
];

/// `http_proxy`: the request to `uri` (its `{name}` parts filled from the mapped path
/// parameters, the query string appended), with the same method (or the integration's),
/// headers and body, plus the `requestParameters` mapped into the path, query and headers; the
/// back end's status, headers and body passed back.
async fn forward(
    plan: &Plan,
    uri: &str,
    method: Option<&str>,
    timeout_ms: u64,
    parameters: &[(String, String)],
) -> Response {
    let mapped = |place: &str| -> Vec<(String, String)> {
        parameters
            .iter()
            .filter_map(|(target, source)| {
                let name = target
                    .strip_prefix("integration.request.")?
                    .strip_prefix(place)?;
                Some((name.to_owned(), resolve(source, plan)?))
            })
            .collect()
    };
    // `{name}` in the URI takes `integration.request.path.name`; without a mapping for it, the
    // method's path parameter of that name (the emulator's reading: the console and `sam`
    // write that mapping for every `{proxy+}` route, and nothing else would fill it).
    let mut path_values: BTreeMap<String, String> = plan.path_params.clone();
    path_values.extend(mapped("path."));
    let mut target = uri.to_owned();
    for (name, value) in &path_values {
        let encoded: String = value
            .split('/')
            .map(|s| percent_encoding::utf8_percent_encode(s, SEGMENT).to_string())
            .collect::<Vec<_>>()
            .join("/");
        target = target
            .replace(&format!("{{{name}+}}"), &encoded)
            .replace(&format!("{{{name}}}"), &encoded);
    }
    let Ok(mut url) = url::Url::parse(&target) else {
        return internal_error(500);
    };
    if let Some(q) = plan.query.as_deref().filter(|q| !q.is_empty()) {
        let joined = match url.query() {
            Some(existing) => format!("{existing}&{q}"),
            None => q.to_owned(),
        };
        url.set_query(Some(&joined));
    }
    let extra_query = mapped("querystring.");
    if !extra_query.is_empty() {
        url.query_pairs_mut().extend_pairs(extra_query);
    }
    let method = reqwest::Method::from_bytes(method.unwrap_or(&plan.method).as_bytes())
        .unwrap_or(reqwest::Method::GET);
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default();
    let mut request = client.request(method, url).body(plan.body.clone());
    for (name, value) in &plan.headers {
        if !NOT_FORWARDED.contains(&name.as_str()) {
            request = request.header(name.as_str(), value.as_bytes());
        }
    }
    for (name, value) in mapped("header.") {
        request = request.header(name, value);
    }
    let timeout = Duration::from_millis(timeout_ms);
    let answer = match tokio::time::timeout(timeout, request.send()).await {
        Err(_) => return timed_out(),
        Ok(Err(e)) if e.is_timeout() => return timed_out(),
        Ok(Err(_)) => return internal_error(500),
        Ok(Ok(a)) => a,
    };
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let headers: Vec<(String, Vec<u8>)> = answer
        .headers()
        .iter()
        .filter(|(n, _)| !NOT_FORWARDED.contains(&n.as_str()))
        .map(|(n, v)| (n.as_str().to_owned(), v.as_bytes().to_vec()))
        .collect();
    let body = match tokio::time::timeout(timeout, answer.bytes()).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => return internal_error(500),
        Err(_) => return timed_out(),
    };
    let mut response = (status, body.to_vec()).into_response();
    for (name, value) in headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(&value),
        ) {
            response.headers_mut().append(n, v);
        }
    }
    response
}

/// The value of a `requestParameters` source for this request, or `None` when it has none (the
/// parameter is then not sent).
fn resolve(source: &str, plan: &Plan) -> Option<String> {
    if let Some(text) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return Some(text.to_owned());
    }
    if let Some(rest) = source.strip_prefix("method.request.") {
        let (place, name) = rest.split_once('.')?;
        return match place {
            "path" => plan.path_params.get(name).cloned(),
            "querystring" => url::form_urlencoded::parse(plan.query.as_deref()?.as_bytes())
                .filter(|(k, _)| k == name)
                .last()
                .map(|(_, v)| v.into_owned()),
            "header" => plan
                .headers
                .get_all(name)
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            _ => None,
        };
    }
    let rest = source.strip_prefix("context.")?;
    let text = |v: &Value| match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    };
    if let Some(key) = rest.strip_prefix("authorizer.") {
        return match &plan.auth {
            MethodAuth::CognitoUserPools { .. } => {
                let claim = key.strip_prefix("claims.")?;
                text(string_claims(plan.caller.get("claims")).get(claim)?)
            }
            MethodAuth::Lambda(_) => text(plan.caller.get(key)?),
            MethodAuth::AwsIam | MethodAuth::None => None,
        };
    }
    if let Some(key) = rest.strip_prefix("identity.") {
        return match key {
            "sourceIp" => Some(SOURCE_IP.to_owned()),
            "userAgent" => plan
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            _ if matches!(plan.auth, MethodAuth::AwsIam) => text(plan.caller.get(key)?),
            _ => None,
        };
    }
    match rest {
        "stage" => Some(plan.stage.clone()),
        "apiId" => Some(plan.api_id.clone()),
        "accountId" => Some(plan.account_id.clone()),
        "httpMethod" => Some(plan.method.clone()),
        "resourcePath" => Some(plan.resource.clone()),
        "path" => Some(format!("/{}{}", plan.stage, plan.path)),
        _ => None,
    }
}

/// The caller's address as the emulator reports it (`requestContext.identity.sourceIp`): it
/// serves 127.0.0.1 only.
const SOURCE_IP: &str = "127.0.0.1";

/// What a path segment keeps unencoded when forwarded.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
