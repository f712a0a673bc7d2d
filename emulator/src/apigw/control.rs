//! API Gateway's control plane for REST APIs (rest-json, SigV4-signed for `apigateway` by an
//! admin key pair, as the other control planes): `ImportRestApi` (`POST /restapis?mode=import`,
//! the OpenAPI document as the body), `PutRestApi` (`PUT /restapis/{id}?mode=overwrite|merge`),
//! `CreateDeployment` (`POST /restapis/{id}/deployments` with `stageName`: the stage the API
//! is then served at), `GetRestApis`, `GetRestApi` and `DeleteRestApi`. Errors are API
//! Gateway's (`BadRequestException`, `NotFoundException`), with the document's offending
//! element named.

use crate::credentials::verify_admin;
use crate::crypto::random_lower_alnum;
use crate::sigv4::SignedRequest;
use crate::state::{Api, Shared, State};
use crate::wire::WireError;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::time::SystemTime;

/// The path every operation of this control plane is under.
pub(crate) const PREFIX: &str = "/restapis";

/// The operation a request names (for the call log and faults), or `None` for a path this
/// control plane does not serve.
pub(crate) fn operation(method: &Method, uri: &Uri) -> Option<&'static str> {
    let path = uri.path().strip_prefix(PREFIX)?;
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mode = query_value(uri, "mode");
    Some(match (method.as_str(), parts.as_slice()) {
        ("POST", []) if mode.as_deref() == Some("import") => "ImportRestApi",
        ("POST", []) => "CreateRestApi",
        ("GET", []) => "GetRestApis",
        ("GET", [_]) => "GetRestApi",
        ("PUT", [_]) => "PutRestApi",
        ("DELETE", [_]) => "DeleteRestApi",
        ("POST", [_, "deployments"]) => "CreateDeployment",
        _ => return None,
    })
}

fn query_value(uri: &Uri, name: &str) -> Option<String> {
    url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn bad_request(message: impl Into<String>) -> WireError {
    WireError::api_gateway(StatusCode::BAD_REQUEST, message).with_code("BadRequestException")
}

fn not_found(st: &State, id: &str) -> WireError {
    WireError::api_gateway(
        StatusCode::NOT_FOUND,
        format!("Invalid API identifier specified {}:{id}", st.account_id),
    )
    .with_code("NotFoundException")
}

/// Serves one control-plane call.
pub(crate) fn handle(
    shared: &Shared,
    operation: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let now = shared.now();
    let mut st = shared.lock();
    let region = st.region.clone();
    let signed = SignedRequest::from_http(method, uri, headers, body);
    if let Err(r) = verify_admin(&st, &signed, "apigateway", &region, now) {
        let status = StatusCode::from_u16(r.status()).unwrap_or(StatusCode::FORBIDDEN);
        return WireError::api_gateway(status, r.message())
            .with_code(r.error_type())
            .into_response();
    }
    let id = uri
        .path()
        .strip_prefix(PREFIX)
        .unwrap_or_default()
        .split('/')
        .find(|s| !s.is_empty())
        .unwrap_or_default()
        .to_owned();
    let result = match operation {
        "ImportRestApi" => import(&mut st, uri, body, now).map(|v| (StatusCode::CREATED, v)),
        "PutRestApi" => put(&mut st, &id, uri, body).map(|v| (StatusCode::OK, v)),
        "CreateDeployment" => deploy(&mut st, &id, body, now).map(|v| (StatusCode::CREATED, v)),
        "GetRestApis" => Ok((
            StatusCode::OK,
            json!({ "item": st.apis.values().filter(|a| a.websocket.is_none()).map(describe).collect::<Vec<_>>() }),
        )),
        "GetRestApi" => st
            .apis
            .get(&id)
            .map(|a| (StatusCode::OK, describe(a)))
            .ok_or_else(|| not_found(&st, &id)),
        "DeleteRestApi" => match st.apis.remove(&id) {
            Some(_) => Ok((StatusCode::ACCEPTED, Value::Null)),
            None => Err(not_found(&st, &id)),
        },
        other => Err(bad_request(format!(
            "{other} is not served by the emulator"
        ))),
    };
    match result {
        Ok((status, Value::Null)) => status.into_response(),
        Ok((status, body)) => {
            let mut response = (status, body.to_string()).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            response
        }
        Err(e) => e.into_response(),
    }
}

/// A document, read and checked: its resources and warnings, or API Gateway's refusal.
fn read(uri: &Uri, body: &[u8]) -> Result<crate::state::ImportedApi, WireError> {
    let doc = crate::state::parse_openapi(body).map_err(bad_request)?;
    let imported = crate::state::import_openapi(&doc).map_err(bad_request)?;
    if query_value(uri, "failonwarnings").as_deref() == Some("true")
        && !imported.warnings.is_empty()
    {
        return Err(bad_request(format!(
            "Warnings found during import:\n{}",
            imported.warnings.join("\n")
        )));
    }
    Ok(imported)
}

/// ImportRestApi: a new API, not yet deployed to any stage.
fn import(st: &mut State, uri: &Uri, body: &[u8], now: SystemTime) -> Result<Value, WireError> {
    let imported = read(uri, body)?;
    let mut api = crate::state::api_from_openapi(random_lower_alnum(10), Vec::new(), imported);
    api.created = Some(now);
    let described = describe(&api);
    st.apis.insert(api.id.clone(), api);
    Ok(described)
}

/// PutRestApi: the API's resources replaced (`overwrite`, the default) or extended (`merge`:
/// the document's paths and methods over the API's); its stages kept.
fn put(st: &mut State, id: &str, uri: &Uri, body: &[u8]) -> Result<Value, WireError> {
    let imported = read(uri, body)?;
    let merge = query_value(uri, "mode").as_deref() == Some("merge");
    let Some(api) = st.apis.get_mut(id) else {
        return Err(not_found(st, id));
    };
    if merge {
        for resource in imported.resources {
            match api.resources.iter_mut().find(|r| r.path == resource.path) {
                Some(existing) => {
                    for m in resource.methods {
                        existing.methods.retain(|e| e.http_method != m.http_method);
                        existing.methods.push(m);
                    }
                }
                None => api.resources.push(resource),
            }
        }
    } else {
        api.resources = imported.resources;
        api.name = imported.name;
    }
    api.warnings = imported.warnings;
    Ok(describe(api))
}

/// CreateDeployment: the API served at `stageName`.
fn deploy(st: &mut State, id: &str, body: &[u8], now: SystemTime) -> Result<Value, WireError> {
    let req: Value = serde_json::from_slice(if body.is_empty() { b"{}" } else { body })
        .map_err(|_| bad_request("Invalid request body"))?;
    let Some(api) = st.apis.get_mut(id) else {
        return Err(not_found(st, id));
    };
    let Some(stage) = req.get("stageName").and_then(Value::as_str) else {
        // A deployment without a stage is kept by AWS for a later CreateStage; the emulator
        // serves stages only.
        return Err(bad_request(
            "The emulator deploys to a stage: give stageName",
        ));
    };
    if stage.is_empty()
        || !stage
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(bad_request("Stage name only allows a-zA-Z0-9_"));
    }
    if api.resources.is_empty() {
        return Err(bad_request("The REST API doesn't contain any methods"));
    }
    if !api.stages.iter().any(|s| s == stage) {
        api.stages.push(stage.to_owned());
    }
    Ok(json!({
        "id": random_lower_alnum(6),
        "createdDate": crate::time::epoch_secs(now),
    }))
}

/// A RestApi as API Gateway describes it.
fn describe(api: &Api) -> Value {
    let mut out = json!({
        "id": api.id,
        "name": api.name,
        "apiKeySource": "HEADER",
        "endpointConfiguration": { "types": ["REGIONAL"] },
        "disableExecuteApiEndpoint": false,
    });
    if let Some(created) = api.created {
        out["createdDate"] = json!(crate::time::epoch_secs(created));
    }
    if !api.warnings.is_empty() {
        out["warnings"] = json!(api.warnings);
    }
    out
}
