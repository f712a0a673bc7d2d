//! API Gateway (REST APIs): routing a request to its API, stage, resource and method, then
//! its authorization ([`authorize`]: AWS_IAM, COGNITO_USER_POOLS, Lambda authorizers) and its
//! integration ([`integration`]), or the answers that need no back end.
//!
//! A request names its API either by `Host: <api>.execute-api.<region>.amazonaws.com` with the
//! path `/<stage>/<resource path>`, or by the path `/_aws/execute-api/<api>/<stage>/<resource
//! path>` ([`EXECUTE_API_PATH_PREFIX`]). An unknown API, stage,
//! resource or method answers 403 `Missing Authentication Token`, as API Gateway does.
//!
//! An allowed request answers 200 with JSON describing the caller (see [`handle`]).

use crate::calls::OperationNote;
use crate::sigv4::{self, Rejection, SignedRequest};
use crate::state::{Api, ApiMethod, Integration, MethodAuth, Resource, Shared, State};
use answer::{Denial, respond};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::SystemTime;

mod answer;
mod authorize;
mod authorizer;
pub(crate) mod control;
mod integration;

/// The path prefix that addresses API Gateway without a `Host` header.
pub const EXECUTE_API_PATH_PREFIX: &str = "/_aws/execute-api/";

/// Where a request is addressed.
struct Target<'a> {
    api_id: String,
    stage: String,
    /// The path after the stage, as received (always starts with `/`).
    resource_path: &'a str,
}

/// A request after routing: what matched.
struct Matched<'a> {
    api: &'a Api,
    resource: &'a Resource,
    auth: &'a MethodAuth,
    integration: &'a Integration,
    path_params: BTreeMap<String, String>,
}

/// Serves one API Gateway request: routing and authorization under the state's lock (a
/// Lambda authorizer's call made outside it, `lambda::replay`), then the method's integration
/// (a Lambda proxy or HTTP back end) with the lock released.
///
/// An allowed request to a method without an integration (a seed's resources) answers 200
/// with `{"resource", "path", "method", "stage", "apiId", "auth", "caller", "pathParameters",
/// "query", "queryStringParameters", "body"}`: `caller` holds, for `AWS_IAM`, the
/// `accessKey`, `roleArn`, `userArn` and `cognitoIdentityId` (API Gateway's
/// `$context.identity`); for `COGNITO_USER_POOLS`, the token's `sub`, `cognito:username` (or
/// `username`), `token_use`, `scopes` and all its `claims`; for a Lambda authorizer, its
/// `principalId` and `context`.
pub(crate) async fn handle(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let now = shared.now();
    let decided = crate::lambda::replay::drive(shared.functions(), |answers| {
        let mut st = shared.lock();
        answers.pass(|| decide(&mut st, method, uri, headers, body, now))
    })
    .await;
    match decided {
        Decided::Answer(response) => response,
        Decided::Integrate(plan) => {
            let (method_name, template, detail) = (
                plan.method.clone(),
                plan.resource.clone(),
                plan.detail.clone(),
            );
            let response = integration::run(shared, *plan).await;
            noted_by_name(response, &method_name, &template, detail)
        }
    }
}

/// What routing and authorization decided.
enum Decided {
    /// The answer: a refusal, a mock, or the echo.
    Answer(Response),
    /// Call the method's back end with the lock released.
    Integrate(Box<integration::Plan>),
}

/// Routing, authorization, and the answers that need no back end.
fn decide(
    st: &mut State,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Decided {
    let Some(target) = target(uri, headers, &st.region) else {
        return Decided::Answer(noted(missing_token(), method, uri.path(), None));
    };
    let Some(matched) = route(st, &target, method) else {
        let detail = format!("{}/{}", target.api_id, target.stage);
        let answer = unrouted(&st.region, method, uri, headers, body, now);
        return Decided::Answer(noted(answer, method, target.resource_path, Some(detail)));
    };
    let detail = Some(format!("{}/{}", target.api_id, target.stage));
    let resource_template = matched.resource.path.clone();
    let path_params = matched.path_params.clone();
    let integration = matched.integration.clone();
    let api_id = matched.api.id.clone();
    let auth_kind = matched.auth.clone();
    let method_arn = {
        let path = target
            .resource_path
            .strip_prefix('/')
            .unwrap_or(target.resource_path);
        let method_name = method.as_str().to_ascii_uppercase();
        format!("{}/{}/{method_name}/{path}", target.api_id, target.stage)
    };
    let request = authorize::Request {
        method,
        uri,
        headers,
        resource: &resource_template,
        path: target.resource_path,
        path_params: &path_params,
        stage: &target.stage,
        api_id: &api_id,
        method_arn: &method_arn,
    };
    let caller = match authorize::authorize(st, &auth_kind, &request, body, now) {
        Ok(caller) => caller,
        Err(denial) => {
            return Decided::Answer(noted(denial.response(), method, &resource_template, detail));
        }
    };
    let auth = authorize::auth_type(&auth_kind);
    match integration {
        Integration::Echo => {}
        Integration::Mock {
            status,
            content_type,
            body,
        } => {
            let mut response =
                (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body).into_response();
            if let Ok(v) = HeaderValue::from_str(&content_type) {
                response.headers_mut().insert(header::CONTENT_TYPE, v);
            }
            return Decided::Answer(noted(response, method, &resource_template, detail));
        }
        other => {
            return Decided::Integrate(Box::new(integration::Plan {
                integration: other,
                method: method.as_str().to_owned(),
                resource: resource_template,
                path: target.resource_path.to_owned(),
                query: uri.query().map(str::to_owned),
                headers: headers.clone(),
                body: body.to_vec(),
                path_params,
                stage: target.stage.clone(),
                api_id,
                account_id: st.account_id.clone(),
                auth: auth_kind,
                caller,
                detail,
                now,
            }));
        }
    }
    let query = uri.query().unwrap_or("");
    let mut query_params = Map::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        // Like API Gateway's `queryStringParameters`: the last value of a repeated key.
        query_params.insert(k.into_owned(), Value::String(v.into_owned()));
    }
    let answer = json!({
        "resource": resource_template,
        "path": target.resource_path,
        "method": method.as_str(),
        "stage": target.stage,
        "apiId": api_id,
        "auth": auth,
        "caller": caller,
        "pathParameters": path_params,
        "query": query,
        "queryStringParameters": query_params,
        "body": String::from_utf8_lossy(body),
    });
    Decided::Answer(noted(
        respond(StatusCode::OK, &answer, None),
        method,
        &resource_template,
        detail,
    ))
}

/// The answer, noted with the operation the call log records: the method and the matched
/// resource's template (or the path, when no resource matched), and `<api>/<stage>`.
fn noted(response: Response, method: &Method, path: &str, detail: Option<String>) -> Response {
    noted_by_name(response, method.as_str(), path, detail)
}

fn noted_by_name(
    mut response: Response,
    method: &str,
    path: &str,
    detail: Option<String>,
) -> Response {
    response.extensions_mut().insert(OperationNote {
        operation: format!("{method} {path}"),
        detail,
    });
    response
}

/// Finds the API id, stage and resource path from the path prefix or the `Host` header.
fn target<'a>(uri: &'a Uri, headers: &HeaderMap, region: &str) -> Option<Target<'a>> {
    let path = uri.path();
    if let Some(rest) = path.strip_prefix(EXECUTE_API_PATH_PREFIX) {
        let (api_id, rest) = rest.split_once('/').unwrap_or((rest, ""));
        let (stage, _) = rest.split_once('/').unwrap_or((rest, ""));
        // The resource path keeps its leading `/`: it starts right after the stage.
        let start = path.len() - rest.len() + stage.len();
        let resource_path = if start < path.len() {
            &path[start..]
        } else {
            "/"
        };
        if api_id.is_empty() || stage.is_empty() {
            return None;
        }
        return Some(Target {
            api_id: api_id.to_owned(),
            stage: stage.to_owned(),
            resource_path,
        });
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))?;
    let host = host.rsplit_once(':').map_or(host, |(h, port)| {
        if port.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    let (api_id, rest) = host.split_once(".execute-api.")?;
    let host_region = rest.split('.').next()?;
    if host_region != region || api_id.is_empty() {
        return None;
    }
    let after_slash = path.strip_prefix('/')?;
    let (stage, _) = after_slash.split_once('/').unwrap_or((after_slash, ""));
    if stage.is_empty() {
        return None;
    }
    let start = 1 + stage.len();
    let resource_path = if start < path.len() {
        &path[start..]
    } else {
        "/"
    };
    Some(Target {
        api_id: api_id.to_owned(),
        stage: stage.to_owned(),
        resource_path,
    })
}

/// The API, resource and method the request addresses, if they exist.
fn route<'a>(st: &'a State, target: &Target<'_>, method: &Method) -> Option<Matched<'a>> {
    let api = st.apis.get(&target.api_id)?;
    if !api.stages.contains(&target.stage) {
        return None;
    }
    let segments: Vec<String> = target
        .resource_path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let mut best: Option<(Vec<u8>, &Resource, BTreeMap<String, String>)> = None;
    for resource in &api.resources {
        let Some((score, params)) = match_template(&resource.path, &segments) else {
            continue;
        };
        if best.as_ref().is_none_or(|(s, _, _)| score > *s) {
            best = Some((score, resource, params));
        }
    }
    let (_, resource, path_params) = best?;
    let wanted = method.as_str().to_ascii_uppercase();
    if let Some(m) = serving(resource, &wanted) {
        return Some(Matched {
            api,
            resource,
            auth: &m.auth,
            integration: &m.integration,
            path_params,
        });
    }
    // API Gateway routes on the resource and method together: when the resource the path
    // matches best does not serve the verb, the request falls through to the most specific
    // greedy `{proxy+}` resource that does (measured against AWS by MiniStack's authors,
    // `_match_greedy_fallback`; routing comes before authorization).
    let mut fallback: Option<(Vec<u8>, &Resource, BTreeMap<String, String>)> = None;
    for resource in api.resources.iter().filter(|r| r.path.ends_with("+}")) {
        let Some((score, params)) = match_template(&resource.path, &segments) else {
            continue;
        };
        if serving(resource, &wanted).is_some()
            && fallback.as_ref().is_none_or(|(s, _, _)| score > *s)
        {
            fallback = Some((score, resource, params));
        }
    }
    let (_, resource, path_params) = fallback?;
    let m = serving(resource, &wanted)?;
    Some(Matched {
        api,
        resource,
        auth: &m.auth,
        integration: &m.integration,
        path_params,
    })
}

/// The resource's method for `wanted` (upper case): an explicit one wins over ANY, as in API
/// Gateway.
fn serving<'a>(resource: &'a Resource, wanted: &str) -> Option<&'a ApiMethod> {
    resource
        .methods
        .iter()
        .find(|m| m.http_method == wanted)
        .or_else(|| resource.methods.iter().find(|m| m.http_method == "ANY"))
}

/// Matches a resource template (`/items/{id}`, `/{proxy+}`) against decoded path segments.
/// The score ranks matches: literal segments beat `{param}`, which beat `{greedy+}`.
fn match_template(
    template: &str,
    segments: &[String],
) -> Option<(Vec<u8>, BTreeMap<String, String>)> {
    let parts: Vec<&str> = template.split('/').filter(|s| !s.is_empty()).collect();
    let mut score = Vec::with_capacity(parts.len());
    let mut params = BTreeMap::new();
    for (i, part) in parts.iter().enumerate() {
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix("+}")) {
            // Greedy: the rest of the path (at least one segment), only as the last part.
            if i + 1 != parts.len() || i >= segments.len() {
                return None;
            }
            params.insert(name.to_owned(), segments[i..].join("/"));
            score.push(0);
            return Some((score, params));
        }
        let segment = segments.get(i)?;
        if let Some(name) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            params.insert(name.to_owned(), segment.clone());
            score.push(1);
        } else if *part == segment {
            score.push(2);
        } else {
            return None;
        }
    }
    (parts.len() == segments.len()).then_some((score, params))
}
/// A WebSocket API's `$connect` (a `GET` upgrade at `/<stage>`): `None` when it may connect,
/// else the refusal to answer instead of upgrading.
pub(crate) fn refuse_connect(shared: &Shared, uri: &Uri, headers: &HeaderMap) -> Option<Response> {
    let now = shared.now();
    let st = shared.lock();
    let Some(target) = target(uri, headers, &st.region) else {
        return Some(missing_token());
    };
    let api = st
        .apis
        .get(&target.api_id)
        .filter(|a| a.stages.contains(&target.stage) && target.resource_path == "/");
    match api.and_then(|a| a.websocket.as_ref()) {
        None => Some(missing_token()),
        Some(MethodAuth::AwsIam) => {
            let resource = format!("{}/{}/$connect", target.api_id, target.stage);
            authorize::authorize_iam(&st, &resource, &Method::GET, uri, headers, b"", now)
                .err()
                .map(|denial| denial.response())
        }
        Some(_) => None,
    }
}

/// The answer for a path or method the API does not have: `Missing Authentication Token`,
/// unless the request carries an `Authorization` header API Gateway cannot parse as SigV4 (a
/// bare or `Bearer` token, say), which it reads before routing: then its IncompleteSignature
/// answer, as on an `AWS_IAM` route (API Gateway's behaviour as users report it: a Cognito
/// token sent to a wrong path answers "Invalid key=value pair ... in Authorization header").
fn unrouted(
    region: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Response {
    if headers.contains_key(header::AUTHORIZATION) {
        let req = SignedRequest::from_http(method, uri, headers, body);
        if let Err(r @ Rejection::IncompleteSignature(_)) =
            sigv4::verify(&req, &|_| None, region, "execute-api", now)
        {
            return Denial::Rejection(r).response();
        }
    }
    missing_token()
}

fn missing_token() -> Response {
    Denial::Rejection(Rejection::MissingAuthenticationToken).response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_prefer_literals_and_capture_params() {
        let segs = |p: &str| {
            p.split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        let (lit, _) = match_template("/items/special", &segs("/items/special")).unwrap();
        let (param, params) = match_template("/items/{id}", &segs("/items/special")).unwrap();
        assert!(lit > param);
        assert_eq!(params["id"], "special");
        let (greedy, params) = match_template("/{proxy+}", &segs("/a/b/c")).unwrap();
        assert!(param > greedy);
        assert_eq!(params["proxy"], "a/b/c");
        assert!(match_template("/items/{id}", &segs("/items")).is_none());
        assert!(match_template("/items", &segs("/items/1")).is_none());
        assert!(match_template("/", &segs("/")).is_some());
        assert!(match_template("/{proxy+}", &segs("/")).is_none());
    }

    #[test]
    fn targets_from_prefix_and_host() {
        let uri: Uri = "/_aws/execute-api/abc/prod/cip/x?q=1".parse().unwrap();
        let t = target(&uri, &HeaderMap::new(), "us-east-1").unwrap();
        assert_eq!(
            (t.api_id.as_str(), t.stage.as_str(), t.resource_path),
            ("abc", "prod", "/cip/x")
        );
        let uri: Uri = "/_aws/execute-api/abc/prod".parse().unwrap();
        let t = target(&uri, &HeaderMap::new(), "us-east-1").unwrap();
        assert_eq!(t.resource_path, "/");

        let mut h = HeaderMap::new();
        h.insert(
            header::HOST,
            HeaderValue::from_static("abc.execute-api.us-east-1.amazonaws.com:8080"),
        );
        let uri: Uri = "/prod/cip".parse().unwrap();
        let t = target(&uri, &h, "us-east-1").unwrap();
        assert_eq!(
            (t.api_id.as_str(), t.stage.as_str(), t.resource_path),
            ("abc", "prod", "/cip")
        );
        assert!(target(&uri, &h, "eu-west-1").is_none());
        let uri: Uri = "/".parse().unwrap();
        assert!(target(&uri, &h, "us-east-1").is_none());
    }
}
