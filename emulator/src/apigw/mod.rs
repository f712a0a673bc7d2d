//! API Gateway (REST APIs): routing, AWS_IAM and COGNITO_USER_POOLS authorization.
//!
//! A request names its API either by `Host: <api>.execute-api.<region>.amazonaws.com` with the
//! path `/<stage>/<resource path>`, or by the path `/_aws/execute-api/<api>/<stage>/<resource
//! path>` ([`EXECUTE_API_PATH_PREFIX`]). An unknown API, stage,
//! resource or method answers 403 `Missing Authentication Token`, as API Gateway does.
//!
//! - `AWS_IAM`: the SigV4 signature is checked by [`crate::sigv4::verify`] over the path exactly
//!   as received (the prefix included: the client signed what it sent), for the emulator's
//!   region and `execute-api`; the access key must be one the emulator issued, sent with its
//!   own session token and before it expires; then the credentials' role must allow
//!   `execute-api:Invoke` on `<api>/<stage>/<METHOD>/<path>`.
//! - `COGNITO_USER_POOLS`: the token in the configured header (default `Authorization`) must be
//!   signed by the method's user pool, carry its issuer and be unexpired. Without required
//!   scopes only an ID token is accepted; with scopes only an access token carrying one of them
//!   (AWS's documented behaviour). A refused token answers 401 `Unauthorized`, an expired one
//!   (that otherwise verifies) 401 `The incoming token has expired`. The raw token is expected; a `Bearer ` prefix is tolerated
//!   because AWS's own authorizer test accepts `Bearer <token>` too. Tokens are stateless here:
//!   they stay valid until `exp` even after GlobalSignOut or RevokeToken, as on AWS.
//! - `NONE`: anyone.
//!
//! An allowed request answers 200 with JSON describing the caller (see [`handle`]).

use crate::calls::{OperationNote, RefusalNote, RefusalReason};
use crate::credentials::verify_issued;
use crate::crypto::random_uuid;
use crate::keys::claim_str;
use crate::sigv4::{self, Rejection, SignedRequest};
use crate::state::{Api, ApiMethod, Integration, MethodAuth, Resource, Shared, State};
use crate::time::epoch_secs;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::SystemTime;

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
    let caller = match &auth_kind {
        MethodAuth::None => Ok(json!({})),
        MethodAuth::AwsIam => authorize_iam(st, &method_arn, method, uri, headers, body, now),
        MethodAuth::CognitoUserPools {
            user_pool_id,
            scopes,
            header,
        } => authorize_user_pool(st, user_pool_id, scopes, header, headers, now),
        MethodAuth::Lambda(authorizer) => {
            let request = authorizer::Request {
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
            authorizer::authorize(st, authorizer, &request, now)
        }
    };
    let caller = match caller {
        Ok(caller) => caller,
        Err(denial) => {
            return Decided::Answer(noted(denial.response(), method, &resource_template, detail));
        }
    };
    let auth = match &auth_kind {
        MethodAuth::None => "NONE",
        MethodAuth::AwsIam => "AWS_IAM",
        MethodAuth::CognitoUserPools { .. } => "COGNITO_USER_POOLS",
        MethodAuth::Lambda(_) => "CUSTOM",
    };
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

/// AWS_IAM: signature, issued credentials and the role's permission to invoke `resource`
/// (`<api>/<stage>/<METHOD>/<path>`, or `<api>/<stage>/$connect` for a WebSocket API).
fn authorize_iam(
    st: &State,
    resource: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: SystemTime,
) -> Result<Value, Denial> {
    // HTTP/2 carries the host in the URI, not in a header: sign-check it the same way.
    let with_host;
    let headers = if headers.contains_key(header::HOST) {
        headers
    } else {
        let mut h = headers.clone();
        if let Some(v) = uri
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
        {
            h.insert(header::HOST, v);
        }
        with_host = h;
        &with_host
    };
    let req = SignedRequest::from_http(method, uri, headers, body);
    let caller = verify_issued(st, &req, "execute-api", now).map_err(|r| match r {
        Rejection::SignatureDoesNotMatch => {
            Denial::BadSignature(sigv4::signature_mismatch_detail(&req).unwrap_or_default())
        }
        other => Denial::Rejection(other),
    })?;
    let (creds, user_arn) = (caller.issued, &caller.arn);
    let arn = format!(
        "arn:aws:execute-api:{}:{}:{resource}",
        st.region, st.account_id
    );
    let allowed = st
        .roles
        .get(&creds.role_arn)
        .is_some_and(|role| role.may_invoke(&arn, resource, &creds.context));
    if !allowed {
        // API Gateway masks the account id in the resource ARN (`********1790`), not in the
        // caller's ARN (REFERENCE: AWS texts quoted in public issues).
        let message = format!(
            "User: {user_arn} is not authorized to perform: execute-api:Invoke on resource: \
             arn:aws:execute-api:{}:{}:{resource}",
            st.region,
            mask_account(&st.account_id)
        );
        return Err(Denial::AccessDenied(message));
    }
    // API Gateway's `$context.identity` for Cognito identity-pool credentials: the pool (the
    // token's `aud`), the authentication type and provider (from `amr`), the caller
    // (`<role session's principal>:CognitoIdentityCredentials`).
    let context_value = |key: &str| creds.context.get(key).cloned().unwrap_or_default();
    let pool = context_value("cognito-identity.amazonaws.com:aud");
    let amr = context_value("cognito-identity.amazonaws.com:amr");
    let kind = amr
        .iter()
        .find(|a| *a == "authenticated" || *a == "unauthenticated")
        .cloned();
    let providers: Vec<&String> = amr
        .iter()
        .filter(|a| *a != "authenticated" && *a != "unauthenticated")
        .collect();
    let session = user_arn.rsplit('/').next().unwrap_or_default();
    Ok(json!({
        "accessKey": caller.access_key_id,
        "accountId": st.account_id,
        "roleArn": creds.role_arn,
        "userArn": user_arn,
        "cognitoIdentityId": creds.subject,
        "cognitoIdentityPoolId": pool.first(),
        "cognitoAuthenticationType": kind,
        "cognitoAuthenticationProvider": (!providers.is_empty()).then(|| {
            providers.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
        }),
        "caller": format!("{}:{session}", role_id(&creds.role_arn)),
        "user": format!("{}:{session}", role_id(&creds.role_arn)),
    }))
}

/// COGNITO_USER_POOLS: the token's signature, issuer, expiry, use and scopes.
fn authorize_user_pool(
    st: &State,
    user_pool_id: &str,
    required_scopes: &[String],
    header_name: &str,
    headers: &HeaderMap,
    now: SystemTime,
) -> Result<Value, Denial> {
    let unauthorized = || Denial::Unauthorized;
    let token = headers
        .get(header_name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(unauthorized)?;
    let token = token
        .strip_prefix("Bearer ")
        .map(str::trim_start)
        .unwrap_or(token);
    let pool = st.user_pools.get(user_pool_id).ok_or_else(unauthorized)?;
    let claims = pool.key.verify(token).map_err(|_| unauthorized())?;
    if claim_str(&claims, "iss") != Some(pool.issuer(&st.region).as_str()) {
        return Err(unauthorized());
    }
    let exp = claims
        .get("exp")
        .and_then(Value::as_u64)
        .ok_or_else(unauthorized)?;
    // A token that verifies but has expired gets its own text (quoted from real answers in
    // aws-amplify/amplify-js#6060, #5934, #10147; clients match on it to refresh). The emulator
    // checks expiry before the token's use and scopes, so an expired token of the wrong kind
    // also answers "expired": the order is not published.
    if exp <= epoch_secs(now) {
        return Err(Denial::Expired);
    }
    let token_use = claim_str(&claims, "token_use").unwrap_or_default();
    let scopes: Vec<&str> = claim_str(&claims, "scope")
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let ok = if required_scopes.is_empty() {
        token_use == "id"
    } else {
        token_use == "access"
            && scopes
                .iter()
                .any(|s| required_scopes.iter().any(|r| r == s))
    };
    if !ok {
        return Err(unauthorized());
    }
    let username = claims
        .get("cognito:username")
        .or_else(|| claims.get("username"))
        .cloned()
        .unwrap_or(Value::Null);
    Ok(json!({
        "sub": claims.get("sub").cloned().unwrap_or(Value::Null),
        "cognito:username": username,
        "token_use": token_use,
        "scopes": scopes,
        "claims": claims,
    }))
}

/// A stable stand-in for a role's unique id (`AROA` and 17 characters), as IAM gives every
/// role one: derived from the ARN so that it does not change across restarts.
fn role_id(role_arn: &str) -> String {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(role_arn.as_bytes());
    let chars: String = digest
        .iter()
        .map(|b| (b'A' + b % 26) as char)
        .take(17)
        .collect();
    format!("AROA{chars}")
}

/// All but the last four characters of an account id as `*`: `********9012`.
fn mask_account(account: &str) -> String {
    let keep = account.len().saturating_sub(4);
    format!("{}{}", "*".repeat(keep), &account[keep..])
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
            authorize_iam(&st, &resource, &Method::GET, uri, headers, b"", now)
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

/// Why an authorizer refused a request.
pub(super) enum Denial {
    /// A SigV4 or credential problem (403).
    Rejection(Rejection),
    /// The signature does not match: the message is followed by the canonical request and
    /// string to sign (403).
    BadSignature(String),
    /// The role may not invoke the method (403, IAM's message).
    AccessDenied(String),
    /// The user-pool authorizer refused the token (401).
    Unauthorized,
    /// The user-pool authorizer's token verified but has expired (401).
    Expired,
    /// A Lambda authorizer's policy denies the method explicitly (403).
    ExplicitDeny,
    /// A Lambda authorizer's policy does not allow the method (403).
    NotAllowed,
    /// A Lambda authorizer failed: timed out, unreachable, or answered no policy (500).
    AuthorizerFailure,
}

impl From<Rejection> for Denial {
    fn from(r: Rejection) -> Self {
        Denial::Rejection(r)
    }
}

impl Denial {
    /// Why, for the call log.
    fn reason(&self) -> RefusalReason {
        match self {
            Denial::Rejection(r) => RefusalReason::from_rejection(r),
            Denial::BadSignature(_) => RefusalReason::SignatureMismatch,
            Denial::AccessDenied(_) => RefusalReason::AccessDenied,
            Denial::Unauthorized => RefusalReason::AuthorizerUnauthorized,
            Denial::Expired => RefusalReason::AuthorizerTokenExpired,
            Denial::ExplicitDeny | Denial::NotAllowed => RefusalReason::AccessDenied,
            Denial::AuthorizerFailure => RefusalReason::Other,
        }
    }

    /// The answer, with its refusal noted for the call log (a signature mismatch without the
    /// canonical request it appends, which holds the session token).
    fn response(&self) -> Response {
        let mut response = self.answer();
        let (code, message) = match self {
            Denial::Rejection(r) => (r.error_type(), r.message()),
            Denial::BadSignature(_) => {
                let r = Rejection::SignatureDoesNotMatch;
                (r.error_type(), r.message())
            }
            Denial::AccessDenied(m) => ("AccessDeniedException", m.clone()),
            Denial::Unauthorized => ("UnauthorizedException", "Unauthorized".to_owned()),
            Denial::Expired => (
                "UnauthorizedException",
                "The incoming token has expired".to_owned(),
            ),
            Denial::ExplicitDeny => ("AccessDeniedException", EXPLICIT_DENY.to_owned()),
            Denial::NotAllowed => ("AccessDeniedException", NOT_ALLOWED.to_owned()),
            Denial::AuthorizerFailure => ("AuthorizerConfigurationException", "(null)".to_owned()),
        };
        response.extensions_mut().insert(RefusalNote {
            reason: Some(self.reason()),
            code: code.to_owned(),
            message,
        });
        response
    }

    fn answer(&self) -> Response {
        match self {
            Denial::Rejection(r) => rejection(r),
            Denial::BadSignature(detail) => {
                let r = Rejection::SignatureDoesNotMatch;
                respond(
                    StatusCode::FORBIDDEN,
                    &json!({ "message": format!("{}{detail}", r.message()) }),
                    Some(r.error_type()),
                )
            }
            // IAM denials carry `Message` with a capital M, as API Gateway sends them.
            Denial::AccessDenied(message) => respond(
                StatusCode::FORBIDDEN,
                &json!({ "Message": message }),
                Some("AccessDeniedException"),
            ),
            Denial::Unauthorized => respond(
                StatusCode::UNAUTHORIZED,
                &json!({ "message": "Unauthorized" }),
                Some("UnauthorizedException"),
            ),
            Denial::Expired => respond(
                StatusCode::UNAUTHORIZED,
                &json!({ "message": "The incoming token has expired" }),
                Some("UnauthorizedException"),
            ),
            Denial::ExplicitDeny => respond(
                StatusCode::FORBIDDEN,
                &json!({ "Message": EXPLICIT_DENY }),
                Some("AccessDeniedException"),
            ),
            Denial::NotAllowed => respond(
                StatusCode::FORBIDDEN,
                &json!({ "Message": NOT_ALLOWED }),
                Some("AccessDeniedException"),
            ),
            // API Gateway's answer when a Lambda authorizer fails: a 500 whose message is null.
            Denial::AuthorizerFailure => respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({ "message": null }),
                Some("AuthorizerConfigurationException"),
            ),
        }
    }
}

/// API Gateway's text for a Lambda authorizer's explicit deny.
const EXPLICIT_DENY: &str = "User is not authorized to access this resource with an explicit deny";
/// API Gateway's text for a Lambda authorizer's policy that does not cover the method.
const NOT_ALLOWED: &str = "User is not authorized to access this resource";

fn rejection(r: &Rejection) -> Response {
    let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::FORBIDDEN);
    respond(
        status,
        &json!({ "message": r.message() }),
        Some(r.error_type()),
    )
}

/// A JSON answer with API Gateway's headers (the router adds `Date`, from the emulator's clock).
pub(super) fn respond(status: StatusCode, body: &Value, error_type: Option<&str>) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(v) = HeaderValue::from_str(&random_uuid()) {
        h.insert("x-amzn-requestid", v);
    }
    if let Some(v) = error_type.and_then(|t| HeaderValue::from_str(t).ok()) {
        h.insert("x-amzn-errortype", v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::glob_match;

    #[test]
    fn glob_matches_iam_style_patterns() {
        assert!(glob_match("abc/prod/GET/cip", "abc/prod/GET/cip"));
        assert!(glob_match("abc/*/GET/*", "abc/prod/GET/items/1"));
        assert!(glob_match("abc/*/*/google*", "abc/prod/POST/google/x"));
        assert!(glob_match("*", "anything/at/all"));
        assert!(glob_match("abc/prod/GET/", "abc/prod/GET/"));
        assert!(!glob_match("abc/prod/GET/cip", "abc/prod/GET/cup"));
        assert!(!glob_match("abc/prod/GET/cip", "abc/prod/GET/cip/more"));
        assert!(!glob_match("abc/prod/POST/*", "abc/prod/GET/cip"));
        assert!(glob_match("abc/prod/?ET/cip", "abc/prod/GET/cip"));
    }

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
