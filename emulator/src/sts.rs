//! STS over the awsQuery protocol: AssumeRoleWithWebIdentity (the identity pool's basic flow)
//! and GetCallerIdentity (SigV4-signed, checked against the credentials the emulator issued).
//!
//! AssumeRoleWithWebIdentity accepts tokens from GetOpenIdToken (issuer
//! `https://cognito-identity.amazonaws.com`) and from the emulator's Google-like OIDC issuers.
//! The role's trust policy decides who may assume it: the seed's `trust` statements
//! (`Federated` provider, `aud`, `amr` conditions), or, for a role without one, the policy
//! Cognito's console writes for an identity pool's roles: a cognito-identity token may assume
//! only its pool's authenticated role when its `amr` contains `authenticated`, only the
//! unauthenticated role otherwise, and only when the pool allows the basic (classic) flow;
//! an OIDC issuer's token may assume any role the emulator knows. An OIDC token's `aud` must
//! be one of the issuer's client ids either way (the IAM OIDC provider's list). A refusal is
//! `AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`, AWS's words
//! (Cognito's developer guide, "Role trust and permissions").

use crate::calls::RefusalReason;
use crate::credentials::{assumed_role_arn, issue_credentials, verify_issued};
use crate::keys::{self, JwtRejection, audiences, claim_secs, claim_str};
use crate::sigv4::{Rejection, SignedRequest};
use crate::state::{Shared, State, WebIdentity};
use crate::time::epoch_secs;
use crate::tokens::COGNITO_IDENTITY_ISSUER;
use crate::wire::{self, Service, WireError, xml_escape};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::{Duration, SystemTime};

const NOT_AUTHORIZED_TO_ASSUME: &str = "Not authorized to perform sts:AssumeRoleWithWebIdentity";
const INVALID_TOKEN: &str = "The web identity token that was passed could not be validated by AWS. \
     Get a new identity token from the identity provider and then retry the request.";

/// Serves one STS action.
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
    // awsQuery may also arrive as a GET query string.
    if let Some(q) = uri.query() {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()).into_owned() {
            params.entry(k).or_insert(v);
        }
    }
    let result = match action {
        "AssumeRoleWithWebIdentity" => assume_role_with_web_identity(shared, &params),
        "GetCallerIdentity" => get_caller_identity(shared, method, uri, headers, body),
        _ => Err(WireError::query(
            "InvalidAction",
            format!("Could not find operation {action} for version 2011-06-15"),
        )),
    };
    match result {
        Ok(xml) => wire::query_ok(action, &xml),
        Err(e) => e.into_response(),
    }
}

/// `2026-01-05T10:04:03Z`.
fn iso8601(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A stable role id (`AROA` + 17 characters) derived from the role ARN, as IAM keeps one per
/// role.
fn role_id(role_arn: &str) -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let digest = Sha256::digest(role_arn.as_bytes());
    let tail: String = digest
        .iter()
        .take(17)
        .map(|b| CHARS[usize::from(*b) % CHARS.len()] as char)
        .collect();
    format!("AROA{tail}")
}

/// A role's trust policy refused the web identity.
fn access_denied() -> WireError {
    WireError::query("AccessDenied", NOT_AUTHORIZED_TO_ASSUME).with_status(StatusCode::FORBIDDEN)
}

/// A required parameter, with AWS's validation message when it is absent or empty.
fn required<'a>(params: &'a HashMap<String, String>, name: &str) -> Result<&'a str, WireError> {
    Service::Sts.required(params, name)
}

fn assume_role_with_web_identity(
    shared: &Shared,
    params: &HashMap<String, String>,
) -> Result<String, WireError> {
    let role_arn = required(params, "RoleArn")?;
    let session = required(params, "RoleSessionName")?;
    let token = required(params, "WebIdentityToken")?;
    if role_arn.len() < 20 {
        return Err(WireError::query(
            "ValidationError",
            format!(
                "1 validation error detected: Value '{role_arn}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"
            ),
        ));
    }
    // AWS's model: 2 to 64 characters of `[\w+=,.@-]*`, each constraint with its own text.
    let constraint = if session.chars().count() < 2 {
        Some("Member must have length greater than or equal to 2")
    } else if session.chars().count() > 64 {
        Some("Member must have length less than or equal to 64")
    } else if !session
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
    {
        Some("Member must satisfy regular expression pattern: [\\w+=,.@-]*")
    } else {
        None
    };
    if let Some(constraint) = constraint {
        return Err(WireError::query(
            "ValidationError",
            format!(
                "1 validation error detected: Value '{session}' at 'roleSessionName' failed to satisfy constraint: {constraint}"
            ),
        ));
    }
    let now = shared.now();
    let mut st = shared.lock();
    let duration = match params.get("DurationSeconds") {
        None => st.credential_lifetime,
        Some(d) => {
            let secs: u64 = d.parse().map_err(|_| {
                WireError::query(
                    "ValidationError",
                    format!("Value '{d}' at 'durationSeconds' is not a valid integer"),
                )
            })?;
            if !(900..=43_200).contains(&secs) {
                let bound = if secs < 900 {
                    "greater than or equal to 900"
                } else {
                    "less than or equal to 43200"
                };
                return Err(WireError::query(
                    "ValidationError",
                    format!(
                        "1 validation error detected: Value '{secs}' at 'durationSeconds' failed to satisfy constraint: Member must have value {bound}"
                    ),
                ));
            }
            Duration::from_secs(secs)
        }
    };

    let (_, unverified, _, _) =
        keys::split(token).map_err(|_| WireError::query("InvalidIdentityToken", INVALID_TOKEN))?;
    let iss = claim_str(&unverified, "iss").unwrap_or_default().to_owned();
    let key = if iss == COGNITO_IDENTITY_ISSUER {
        &st.cognito_identity_key
    } else if let Some(issuer) = st.oidc_issuers.get(&iss) {
        &issuer.key
    } else {
        return Err(WireError::query(
            "InvalidIdentityToken",
            format!("No OpenIDConnect provider found in your account for {iss}"),
        ));
    };
    let claims = key.verify(token).map_err(|r| match r {
        JwtRejection::Malformed | JwtRejection::WrongKey | JwtRejection::BadSignature => {
            WireError::query("InvalidIdentityToken", INVALID_TOKEN)
        }
    })?;
    let now_secs = epoch_secs(now);
    let exp = claim_secs(&claims, "exp")
        .ok_or_else(|| WireError::query("InvalidIdentityToken", "Missing a required claim: exp"))?;
    if now_secs >= exp {
        return Err(WireError::query(
            "ExpiredTokenException",
            format!(
                "Token expired: current date/time {now_secs} must be before the expiration date/time {exp}"
            ),
        )
        .with_reason(RefusalReason::WebIdentityTokenExpired));
    }
    let subject = claim_str(&claims, "sub")
        .ok_or_else(|| WireError::query("InvalidIdentityToken", "Missing a required claim: sub"))?
        .to_owned();
    let auds = audiences(&claims);
    let audience = auds.first().map(|a| (*a).to_owned()).unwrap_or_default();

    let provider = iss.trim_start_matches("https://").to_owned();
    let amr: Vec<&str> = claims
        .get("amr")
        .and_then(Value::as_array)
        .map(|amr| amr.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if iss == COGNITO_IDENTITY_ISSUER {
        if !st.identity_pools.contains_key(&audience) {
            return Err(WireError::query(
                "InvalidIdentityToken",
                "Incorrect token audience",
            ));
        }
    } else {
        // The OIDC provider registered in IAM lists the client ids it accepts.
        let issuer = st.oidc_issuers.get(&iss).ok_or_else(access_denied)?;
        if !auds
            .iter()
            .any(|a| issuer.client_ids.iter().any(|c| c == a))
        {
            return Err(WireError::query(
                "InvalidIdentityToken",
                "Incorrect token audience",
            ));
        }
    }
    let Some(role) = st.roles.get(role_arn) else {
        return Err(access_denied());
    };
    let who = WebIdentity {
        federated: &provider,
        aud: &auds,
        amr: &amr,
        sub: &subject,
    };
    let trusted = match role.trusts(who) {
        Some(verdict) => verdict,
        None => default_trust(&st, &iss, &audience, &amr, role_arn),
    };
    if !trusted {
        return Err(access_denied());
    }
    // AWS refuses a DurationSeconds above the role's MaxSessionDuration with this text (quoted
    // from real answers in kreuzwerker/awsu#27, aws-azure-login#93, aws-jumpcloud#48). Where
    // in the order of checks AWS makes it is not published: the emulator makes it last, once
    // the token and the trust policy have been accepted.
    if params.contains_key("DurationSeconds") && duration.as_secs() > role.max_session_duration_secs
    {
        return Err(WireError::query(
            "ValidationError",
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        ));
    }

    let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let mut context = crate::policy::Context::from([
        (format!("{provider}:sub"), vec![subject.clone()]),
        (format!("{provider}:aud"), strings(&auds)),
    ]);
    if !amr.is_empty() {
        context.insert(format!("{provider}:amr"), strings(&amr));
    }
    let (access_key_id, issued) =
        issue_credentials(&mut st, role_arn, &subject, (now, duration), context);
    st.session_names
        .insert(access_key_id.clone(), session.to_owned());
    Ok(format!(
        "<Credentials><AccessKeyId>{}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey><SessionToken>{}</SessionToken><Expiration>{}</Expiration></Credentials>\
         <SubjectFromWebIdentityToken>{}</SubjectFromWebIdentityToken>\
         <AssumedRoleUser><Arn>{}</Arn><AssumedRoleId>{}:{}</AssumedRoleId></AssumedRoleUser>\
         <Provider>{}</Provider><Audience>{}</Audience>",
        xml_escape(&access_key_id),
        xml_escape(&issued.secret_access_key),
        xml_escape(&issued.session_token),
        iso8601(issued.expires_at),
        xml_escape(&subject),
        xml_escape(&assumed_role_arn(&st, role_arn, session)),
        role_id(role_arn),
        xml_escape(session),
        xml_escape(&provider),
        xml_escape(&audience),
    ))
}

/// The trust of a role whose seed gives no trust policy: the policy Cognito's console writes
/// for an identity pool's roles. A cognito-identity token may assume its pool's
/// authenticated role when its `amr` holds `authenticated`, else its unauthenticated role,
/// and only when the pool allows the basic (classic) flow; a token of one of the emulator's
/// OIDC issuers (its audience already checked) may assume any role.
fn default_trust(st: &State, iss: &str, audience: &str, amr: &[&str], role_arn: &str) -> bool {
    if iss != COGNITO_IDENTITY_ISSUER {
        return true;
    }
    let Some(pool) = st.identity_pools.get(audience) else {
        return false;
    };
    let allowed = if amr.contains(&"authenticated") {
        &pool.authenticated_role_arn
    } else {
        &pool.unauthenticated_role_arn
    };
    pool.allow_classic_flow && allowed.as_deref() == Some(role_arn)
}

/// STS's error code and status for a SigV4 rejection.
fn sigv4_fail(r: &Rejection) -> WireError {
    let code = match r {
        Rejection::MissingAuthenticationToken => "MissingAuthenticationToken",
        Rejection::IncompleteSignature(_) => "IncompleteSignature",
        Rejection::UnknownAccessKey | Rejection::InvalidSecurityToken => "InvalidClientTokenId",
        Rejection::ExpiredToken => "ExpiredToken",
        _ => "SignatureDoesNotMatch",
    };
    // Expired credentials are a 403 too, as AWS's awsQuery services answer them (an IAM answer
    // quoted in cfn-sphere/cfn-sphere#55: `403 Forbidden ... <Code>ExpiredToken</Code>`).
    WireError::query(code, r.message())
        .with_status(StatusCode::FORBIDDEN)
        .with_reason(RefusalReason::from_rejection(r))
}

fn get_caller_identity(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, WireError> {
    let now = shared.now();
    let st = shared.lock();
    let req = SignedRequest::from_http(method, uri, headers, body);
    let caller = verify_issued(&st, &req, "sts", now).map_err(|r| sigv4_fail(&r))?;
    let (issued, arn) = (caller.issued, caller.arn);
    let account = arn.split(':').nth(4).unwrap_or(&st.account_id).to_owned();
    let session = arn.rsplit('/').next().unwrap_or_default();
    Ok(format!(
        "<Arn>{}</Arn><UserId>{}:{}</UserId><Account>{}</Account>",
        xml_escape(&arn),
        role_id(&issued.role_arn),
        xml_escape(session),
        xml_escape(&account),
    ))
}
