//! Lambda (custom) authorizers: API Gateway's TOKEN and REQUEST events, the function's IAM
//! policy evaluated against the method's ARN, and its decision cached by identity for the
//! authorizer's TTL (the cached policy then decides for every method, as on AWS).
//!
//! Answers, as API Gateway gives them: a missing identity, a token that fails the
//! `identityValidationExpression`, or a function that fails with the message `Unauthorized`:
//! 401 `Unauthorized`; a policy that denies the method: 403 `User is not authorized to access
//! this resource with an explicit deny`; one that does not allow it: 403 `User is not
//! authorized to access this resource`; a function that fails otherwise, times out or answers
//! no policy: 500 with `"message": null` and `x-amzn-ErrorType:
//! AuthorizerConfigurationException`.

use super::answer::Denial;
use crate::lambda::replay;
use crate::policy::{Decision, Kind, Policy, Request as PolicyRequest};
use crate::state::{LambdaAuthorizer, State};
use axum::http::{HeaderMap, Method, Uri};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// The request an authorizer judges.
pub(super) struct Request<'a> {
    pub(super) method: &'a Method,
    pub(super) uri: &'a Uri,
    pub(super) headers: &'a HeaderMap,
    pub(super) resource: &'a str,
    pub(super) path: &'a str,
    pub(super) path_params: &'a BTreeMap<String, String>,
    pub(super) stage: &'a str,
    pub(super) api_id: &'a str,
    /// `<api>/<stage>/<METHOD>/<path>`.
    pub(super) method_arn: &'a str,
}

/// The caller an authorizer let in (`principalId` and its `context`), or its refusal.
pub(super) fn authorize(
    st: &mut State,
    authorizer: &LambdaAuthorizer,
    req: &Request<'_>,
    now: SystemTime,
) -> Result<Value, Denial> {
    let identity = identity(authorizer, req).ok_or(Denial::Unauthorized)?;
    if let (Some(expr), false) = (&authorizer.validation, authorizer.request) {
        let valid = regex::Regex::new(expr)
            .map(|re| re.is_match(&identity[0]))
            .unwrap_or(false);
        if !valid {
            return Err(Denial::Unauthorized);
        }
    }
    let method_arn = format!(
        "arn:aws:execute-api:{}:{}:{}",
        st.region, st.account_id, req.method_arn
    );
    let key = format!(
        "{}\n{}\n{}",
        req.api_id,
        authorizer.name,
        identity.join("\n")
    );
    let cached = st
        .authorizer_cache
        .get(&key)
        .filter(|(until, _)| now < *until)
        .map(|(_, verdict)| verdict.clone());
    let verdict = match cached {
        Some(v) => v,
        None => {
            let event = event(authorizer, req, &identity, &method_arn, &st.account_id);
            let answer = match replay::call(&authorizer.function, event) {
                // Not yet called: this pass is run again once it is.
                Err(replay::Pending) => return Err(Denial::AuthorizerFailure),
                Ok(Err(crate::lambda::InvokeError::Function { message, .. }))
                    if message == "Unauthorized" =>
                {
                    return Err(Denial::Unauthorized);
                }
                Ok(Err(_)) => return Err(Denial::AuthorizerFailure),
                Ok(Ok(answer)) => answer,
            };
            let verdict = read_answer(&answer).ok_or(Denial::AuthorizerFailure)?;
            if authorizer.ttl_secs > 0 {
                let until = now + Duration::from_secs(authorizer.ttl_secs);
                st.authorizer_cache.insert(key, (until, verdict.clone()));
            }
            verdict
        }
    };
    let policy = Policy::parse(&verdict["policyDocument"].to_string(), Kind::Permissions)
        .map_err(|_| Denial::AuthorizerFailure)?;
    let context = Default::default();
    let request = PolicyRequest {
        action: "execute-api:Invoke",
        resource: &method_arn,
        principal: None,
        context: &context,
    };
    match policy.evaluate(&request) {
        Decision::ExplicitDeny => Err(Denial::ExplicitDeny),
        Decision::ImplicitDeny => Err(Denial::NotAllowed),
        Decision::Allow => {
            let mut caller = verdict["context"].as_object().cloned().unwrap_or_default();
            caller.insert("principalId".into(), verdict["principalId"].clone());
            caller.insert("integrationLatency".into(), json!(0));
            Ok(Value::Object(caller))
        }
    }
}

/// The identity sources' values, all present and non-empty, or `None` (API Gateway then
/// answers 401 without calling the function).
fn identity(authorizer: &LambdaAuthorizer, req: &Request<'_>) -> Option<Vec<String>> {
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(req.uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let mut values = Vec::new();
    for source in &authorizer.identity_source {
        let value = if let Some(name) = source.strip_prefix("method.request.header.") {
            req.headers.get(name)?.to_str().ok()?.to_owned()
        } else if let Some(name) = source.strip_prefix("method.request.querystring.") {
            query.iter().rev().find(|(k, _)| k == name)?.1.clone()
        } else {
            // Stage variables and context values: the emulator has none of them.
            return None;
        };
        if value.is_empty() {
            return None;
        }
        values.push(value);
    }
    // A REQUEST authorizer without identity sources is called every time (no caching key).
    if values.is_empty() && authorizer.request {
        values.push(String::new());
    }
    (!values.is_empty()).then_some(values)
}

/// API Gateway's authorizer event (TOKEN or REQUEST).
fn event(
    authorizer: &LambdaAuthorizer,
    req: &Request<'_>,
    identity: &[String],
    method_arn: &str,
    account_id: &str,
) -> Value {
    if !authorizer.request {
        return json!({
            "type": "TOKEN",
            "authorizationToken": identity[0],
            "methodArn": method_arn,
        });
    }
    let (headers, multi_headers) = super::integration::headers_json(req.headers);
    let (query, multi_query) = super::integration::query_json(req.uri.query());
    json!({
        "type": "REQUEST",
        "methodArn": method_arn,
        "resource": req.resource,
        "path": req.path,
        "httpMethod": req.method.as_str(),
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": req.path_params,
        "stageVariables": {},
        "requestContext": {
            "accountId": account_id,
            "apiId": req.api_id,
            "stage": req.stage,
            "httpMethod": req.method.as_str(),
            "resourcePath": req.resource,
            "path": format!("/{}{}", req.stage, req.path),
            // The same id in every pass of the request: the pass that made the call must
            // find its answer again, and a fresh id made each pass a new call (the function
            // ran until the call limit, and the request answered 500).
            "requestId": replay::stable("apigw.authorizer.requestId", crate::crypto::random_uuid),
        },
    })
}

/// The verdict in an authorizer's answer: `principalId`, `policyDocument` and `context`
/// (string, number and boolean values only, as API Gateway requires), or `None` for an answer
/// API Gateway cannot use.
fn read_answer(answer: &Value) -> Option<Value> {
    let principal = answer.get("principalId")?;
    if !principal.is_string() {
        return None;
    }
    let policy = answer.get("policyDocument").filter(|p| p.is_object())?;
    let context = match answer.get("context") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m))
            if m.values()
                .all(|v| v.is_string() || v.is_number() || v.is_boolean()) =>
        {
            m.clone()
        }
        Some(_) => return None,
    };
    Some(json!({
        "principalId": principal,
        "policyDocument": policy,
        "context": context,
    }))
}
