//! Authorization of a routed request, by the method's type:
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
//! - `CUSTOM`: a Lambda authorizer ([`super::authorizer`]).

use super::answer::Denial;
use super::authorizer;
use crate::credentials::verify_issued;
use crate::keys::claim_str;
use crate::sigv4::{self, Rejection, SignedRequest};
use crate::state::{MethodAuth, State};
use crate::time::epoch_secs;
use axum::http::{HeaderMap, HeaderValue, Method, Uri, header};
use serde_json::{Value, json};
use std::time::SystemTime;

/// The request an authorizer judges (what a Lambda authorizer's event needs, the most of any).
pub(super) use authorizer::Request;

/// What the method's authorizer learned of the caller (see [`super::handle`]), or its refusal.
pub(super) fn authorize(
    st: &mut State,
    auth: &MethodAuth,
    req: &Request<'_>,
    body: &[u8],
    now: SystemTime,
) -> Result<Value, Denial> {
    match auth {
        MethodAuth::None => Ok(json!({})),
        MethodAuth::AwsIam => authorize_iam(
            st,
            req.method_arn,
            req.method,
            req.uri,
            req.headers,
            body,
            now,
        ),
        MethodAuth::CognitoUserPools {
            user_pool_id,
            scopes,
            header,
        } => authorize_user_pool(st, user_pool_id, scopes, header, req.headers, now),
        MethodAuth::Lambda(lambda) => authorizer::authorize(st, lambda, req, now),
    }
}

/// The method's authorization type as API Gateway names it.
pub(super) fn auth_type(auth: &MethodAuth) -> &'static str {
    match auth {
        MethodAuth::None => "NONE",
        MethodAuth::AwsIam => "AWS_IAM",
        MethodAuth::CognitoUserPools { .. } => "COGNITO_USER_POOLS",
        MethodAuth::Lambda(_) => "CUSTOM",
    }
}

/// AWS_IAM: signature, issued credentials and the role's permission to invoke `resource`
/// (`<api>/<stage>/<METHOD>/<path>`, or `<api>/<stage>/$connect` for a WebSocket API).
pub(super) fn authorize_iam(
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

#[cfg(test)]
mod tests {
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
}
