//! IAM (awsQuery, version 2010-05-08) as far as roles go: CreateRole with its trust policy,
//! GetRole, ListRoles, DeleteRole, UpdateAssumeRolePolicy, and inline role policies
//! (PutRolePolicy, GetRolePolicy, ListRolePolicies, DeleteRolePolicy). SigV4-signed by an
//! admin key pair, as IAM requires. Roles created here are the model the seed's roles use:
//! their policies are evaluated as IAM does (`policy`) for `execute-api:Invoke` and
//! `sts:AssumeRoleWithWebIdentity`, from the next request on.
//!
//! Policy documents are answered URL-encoded, as IAM answers them.

use crate::credentials::verify_admin;
use crate::policy::{Kind, Policy};
use crate::seed::RoleSeed;
use crate::sigv4::{Rejection, SignedRequest};
use crate::state::{Shared, State};
use crate::wire::{self, Service, WireError, xml_escape};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use std::collections::HashMap;
use std::time::SystemTime;

/// The region IAM's requests are signed for (IAM is global; its endpoint is in us-east-1).
const IAM_REGION: &str = "us-east-1";

/// Serves one IAM action.
pub(crate) fn handle(
    shared: &Shared,
    action: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let mut params: HashMap<String, String> =
        url::form_urlencoded::parse(body).into_owned().collect();
    if let Some(q) = uri.query() {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()).into_owned() {
            params.entry(k).or_insert(v);
        }
    }
    let now = shared.now();
    let mut st = shared.lock();
    let signed = SignedRequest::from_http(method, uri, headers, body);
    let result = verify_admin(&st, &signed, "iam", IAM_REGION, now)
        .map_err(|r| auth_error(&r))
        .and_then(|_| serve(&mut st, now, action, &params));
    match result {
        Ok(xml) => wire::iam_ok(action, &xml),
        Err(e) => e.into_response(),
    }
}

/// IAM's answer to a request not signed by a known key pair (awsQuery codes, 403 as IAM
/// answers them).
fn auth_error(r: &Rejection) -> WireError {
    let code = match r {
        Rejection::MissingAuthenticationToken => "MissingAuthenticationToken",
        Rejection::IncompleteSignature(_) => "IncompleteSignature",
        Rejection::UnknownAccessKey | Rejection::InvalidSecurityToken => "InvalidClientTokenId",
        Rejection::ExpiredToken => "ExpiredToken",
        _ => "SignatureDoesNotMatch",
    };
    WireError::iam(code, r.message())
        .with_status(StatusCode::FORBIDDEN)
        .with_reason(crate::calls::RefusalReason::from_rejection(r))
}

fn serve(
    st: &mut State,
    now: SystemTime,
    action: &str,
    params: &HashMap<String, String>,
) -> Result<String, WireError> {
    let required = |name: &str| Service::Iam.required(params, name);
    match action {
        "CreateRole" => {
            let name = required("RoleName")?;
            let document = required("AssumeRolePolicyDocument")?;
            check_name(name)?;
            let path = params.get("Path").map_or("/", String::as_str);
            if !path.starts_with('/') || !path.ends_with('/') {
                return Err(WireError::iam(
                    "ValidationError",
                    "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.",
                ));
            }
            if find(st, name).is_some() {
                return Err(WireError::iam(
                    "EntityAlreadyExists",
                    format!("Role with name {name} already exists."),
                )
                .with_status(StatusCode::CONFLICT));
            }
            let trust = Policy::parse(document, Kind::Trust).map_err(malformed)?;
            let arn = format!("arn:aws:iam::{}:role{path}{name}", st.account_id);
            let max = match params.get("MaxSessionDuration") {
                Some(v) => Some(v.parse::<u64>().map_err(|_| {
                    WireError::iam("ValidationError", "Invalid MaxSessionDuration")
                })?),
                None => None,
            };
            let seed = RoleSeed {
                arn: arn.clone(),
                max_session_duration_secs: max,
                ..Default::default()
            };
            let mut role = State::new_role(&seed)
                .map_err(|e| WireError::iam("ValidationError", e.message().to_owned()))?;
            role.trust_policy = Some(trust);
            role.created = now;
            role.path = path.to_owned();
            role.description = params.get("Description").cloned();
            st.roles.insert(arn.clone(), role);
            Ok(format!("<Role>{}</Role>", role_xml(st, &arn)))
        }
        "GetRole" => {
            let arn = existing(st, required("RoleName")?)?;
            Ok(format!("<Role>{}</Role>", role_xml(st, &arn)))
        }
        "ListRoles" => {
            let roles: String = st
                .roles
                .keys()
                .map(|arn| format!("<member>{}</member>", role_xml(st, arn)))
                .collect();
            Ok(format!(
                "<Roles>{roles}</Roles><IsTruncated>false</IsTruncated>"
            ))
        }
        "DeleteRole" => {
            let arn = existing(st, required("RoleName")?)?;
            if st.roles.get(&arn).is_some_and(|r| !r.policies.is_empty()) {
                return Err(WireError::iam(
                    "DeleteConflict",
                    "Cannot delete entity, must delete policies first.",
                )
                .with_status(StatusCode::CONFLICT));
            }
            st.roles.remove(&arn);
            Ok(String::new())
        }
        "UpdateAssumeRolePolicy" => {
            let arn = existing(st, required("RoleName")?)?;
            let trust =
                Policy::parse(required("PolicyDocument")?, Kind::Trust).map_err(malformed)?;
            if let Some(role) = st.roles.get_mut(&arn) {
                role.trust_policy = Some(trust);
            }
            Ok(String::new())
        }
        "PutRolePolicy" => {
            let arn = existing(st, required("RoleName")?)?;
            let policy_name = required("PolicyName")?;
            let policy =
                Policy::parse(required("PolicyDocument")?, Kind::Permissions).map_err(malformed)?;
            if let Some(role) = st.roles.get_mut(&arn) {
                role.policies.insert(policy_name.to_owned(), policy);
            }
            Ok(String::new())
        }
        "GetRolePolicy" => {
            let role_name = required("RoleName")?;
            let arn = existing(st, role_name)?;
            let policy_name = required("PolicyName")?;
            let policy = st
                .roles
                .get(&arn)
                .and_then(|r| r.policies.get(policy_name))
                .ok_or_else(|| {
                    no_such(format!(
                        "The role policy with name {policy_name} cannot be found."
                    ))
                })?;
            Ok(format!(
                "<RoleName>{}</RoleName><PolicyName>{}</PolicyName><PolicyDocument>{}</PolicyDocument>",
                xml_escape(role_name),
                xml_escape(policy_name),
                encoded(policy.source()),
            ))
        }
        "ListRolePolicies" => {
            let arn = existing(st, required("RoleName")?)?;
            let names: String = st
                .roles
                .get(&arn)
                .map(|r| {
                    r.policies
                        .keys()
                        .map(|n| format!("<member>{}</member>", xml_escape(n)))
                        .collect()
                })
                .unwrap_or_default();
            Ok(format!(
                "<PolicyNames>{names}</PolicyNames><IsTruncated>false</IsTruncated>"
            ))
        }
        "DeleteRolePolicy" => {
            let arn = existing(st, required("RoleName")?)?;
            let policy_name = required("PolicyName")?;
            let removed = st
                .roles
                .get_mut(&arn)
                .and_then(|r| r.policies.remove(policy_name));
            if removed.is_none() {
                return Err(no_such(format!(
                    "The role policy with name {policy_name} cannot be found."
                )));
            }
            Ok(String::new())
        }
        _ => Err(WireError::iam(
            "InvalidAction",
            format!("Could not find operation {action} for version 2010-05-08"),
        )),
    }
}

fn malformed(message: String) -> WireError {
    WireError::iam("MalformedPolicyDocument", message)
}

fn no_such(message: String) -> WireError {
    WireError::iam("NoSuchEntity", message).with_status(StatusCode::NOT_FOUND)
}

/// IAM's role-name constraint: 1 to 64 of `[\w+=,.@-]`.
fn check_name(name: &str) -> Result<(), WireError> {
    let ok = !name.is_empty()
        && name.chars().count() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
    if ok {
        Ok(())
    } else {
        Err(WireError::iam(
            "ValidationError",
            format!(
                "1 validation error detected: Value '{name}' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
            ),
        ))
    }
}

/// The ARN of the role named `name` (its last path segment), if any.
fn find(st: &State, name: &str) -> Option<String> {
    st.roles
        .keys()
        .find(|arn| arn.rsplit('/').next() == Some(name))
        .cloned()
}

fn existing(st: &State, name: &str) -> Result<String, WireError> {
    find(st, name).ok_or_else(|| no_such(format!("The role with name {name} cannot be found.")))
}

/// A policy document as IAM answers it: URL-encoded.
fn encoded(document: &str) -> String {
    utf8_percent_encode(document, NON_ALPHANUMERIC).to_string()
}

fn role_xml(st: &State, arn: &str) -> String {
    let Some(role) = st.roles.get(arn) else {
        return String::new();
    };
    let name = arn.rsplit('/').next().unwrap_or(arn);
    let created = chrono::DateTime::<chrono::Utc>::from(role.created)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let mut xml = format!(
        "<Path>{}</Path><RoleName>{}</RoleName><RoleId>{}</RoleId><Arn>{}</Arn><CreateDate>{created}</CreateDate><MaxSessionDuration>{}</MaxSessionDuration>",
        xml_escape(&role.path),
        xml_escape(name),
        xml_escape(&role.role_id),
        xml_escape(arn),
        role.max_session_duration_secs,
    );
    if let Some(trust) = &role.trust_policy {
        xml.push_str(&format!(
            "<AssumeRolePolicyDocument>{}</AssumeRolePolicyDocument>",
            encoded(trust.source())
        ));
    }
    if let Some(d) = &role.description {
        xml.push_str(&format!("<Description>{}</Description>", xml_escape(d)));
    }
    xml
}
