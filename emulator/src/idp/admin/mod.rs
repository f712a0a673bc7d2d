//! cognito-idp's control plane and admin operations (CreateUserPool, AdminCreateUser,
//! ListUsers...), served on the same endpoint as the data plane and, as on AWS, only to a
//! SigV4-signed caller: the emulator knows the admin key pairs of its seed (`test`/`test` by
//! default). Everything created is at once usable by the data plane, because it is built the
//! way a seed builds it.
//!
//! `pools` holds pools, clients, groups, domains and resource servers; `users` the users.

mod pools;
mod users;

use super::request::Outcome;
use crate::credentials::verify_admin;
use crate::error::Error;
use crate::sigv4::SignedRequest;
use crate::state::{State, UserPool};
use crate::wire::WireError;
use serde_json::{Value, json};
use std::time::{SystemTime, UNIX_EPOCH};

/// Whether `op` is an operation of the control plane or an admin operation (signed calls).
pub(super) fn is_admin(op: &str) -> bool {
    pools::serves(op) || users::serves(op)
}

/// Serves one signed operation, after checking its signature.
pub(super) fn serve(
    st: &mut State,
    now: SystemTime,
    op: &str,
    signed: &SignedRequest<'_>,
    req: &Value,
) -> Outcome {
    let region = st.region.clone();
    verify_admin(st, signed, "cognito-idp", &region, now).map_err(|r| WireError::json_auth(&r))?;
    if pools::serves(op) {
        pools::serve(st, now, op, req)
    } else {
        users::serve(st, now, op, req)
    }
}

/// A seed error as the control plane's `InvalidParameterException` (the seed's checks are
/// the control plane's validation).
pub(super) fn invalid(e: Error) -> WireError {
    let message = e.message();
    let message = message.strip_prefix("emulator seed: ").unwrap_or(message);
    WireError::invalid_parameter(message.to_owned())
}

/// The pool named by `UserPoolId`, or AWS's `ResourceNotFoundException`.
pub(super) fn pool<'a>(st: &'a mut State, req: &Value) -> Result<&'a mut UserPool, WireError> {
    let id = super::request::required(req, "UserPoolId")?;
    st.user_pools.get_mut(id).ok_or_else(|| pool_not_found(id))
}

pub(super) fn pool_not_found(id: &str) -> WireError {
    WireError::json(
        "ResourceNotFoundException",
        format!("User pool {id} does not exist."),
    )
}

/// A JSON 1.1 timestamp: seconds since the epoch, as a number.
pub(super) fn timestamp(t: SystemTime) -> Value {
    json!(
        t.duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0)
    )
}

/// A boolean member (absent: `default`).
pub(super) fn flag(req: &Value, name: &str, default: bool) -> bool {
    req.get(name).and_then(Value::as_bool).unwrap_or(default)
}

/// A list of strings member (absent: empty).
pub(super) fn strings(req: &Value, name: &str) -> Vec<String> {
    req.get(name)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// `Limit` / `MaxResults` and `NextToken` / `PaginationToken`: the page of `items` to answer
/// and the token of the next one (the index of its first item).
pub(super) fn page<T>(
    items: Vec<T>,
    limit: Option<u64>,
    token: Option<&str>,
) -> Result<(Vec<T>, Option<String>), WireError> {
    let start = match token {
        None | Some("") => 0,
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|s| *s <= items.len())
            .ok_or_else(|| WireError::invalid_parameter("Invalid pagination token"))?,
    };
    let limit = limit.map_or(60, |l| l.clamp(1, 60) as usize);
    let end = (start + limit).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    let page = items.into_iter().skip(start).take(end - start).collect();
    Ok((page, next))
}
