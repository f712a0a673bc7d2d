//! Which role an identity gets (GetCredentialsForIdentity), and the `amr` an identity's
//! tokens carry (GetOpenIdToken; trust policies see the same).
//!
//! A guest gets the pool's unauthenticated role. A login whose provider has a role mapping
//! gets its role from it: `Token` from the user pool's `cognito:preferred_role` (or the
//! `CustomRoleArn` when `cognito:roles` lists it), `Rules` from the first rule whose claim
//! matches (or the `CustomRoleArn` when a matching rule gives it). When neither names a role,
//! `AmbiguousRoleResolution` decides: the authenticated role, or `NotAuthorizedException:
//! The ambiguous role mapping rules for: <mapping> denied this request.` (AWS's words, quoted
//! for a Google mapping in aws-amplify/amplify-js#3621; a user pool's mapping is named
//! `<provider>:<app client id>`, as AWS's RoleMappings key it). Other logins get the
//! authenticated role.

use super::INVALID_POOL_CONFIG;
use super::logins::VerifiedLogin;
use crate::keys::claim_str;
use crate::state::{IdentityPool, MatchType, RoleMapping, RoleResolution};
use crate::wire::WireError;
use serde_json::Value;

/// A `CustomRoleArn` the mapping does not give. AWS's answer is not publicly recorded; this
/// one is what `cognito-sigv4`'s identity-pool client maps to `ErrorKind::RoleNotAllowed`
/// (`InvalidParameterException` mentioning the role) and, unlike `NotAuthorizedException`,
/// it does not end a session.
fn role_not_allowed(custom: &str) -> WireError {
    WireError::invalid_parameter(format!(
        "Invalid CustomRoleArn: the role '{custom}' is not in the token's cognito:roles."
    ))
}

fn invalid_config() -> WireError {
    WireError::json(
        "InvalidIdentityPoolConfigurationException",
        INVALID_POOL_CONFIG,
    )
}

/// Chooses the role for an authorized request (see the module docs).
pub(super) fn choose_role(
    pool: &IdentityPool,
    verified: &[VerifiedLogin],
    custom: Option<&str>,
) -> Result<String, WireError> {
    if verified.is_empty() {
        return pool
            .unauthenticated_role_arn
            .clone()
            .ok_or_else(invalid_config);
    }
    let mapped = verified
        .iter()
        .find_map(|v| pool.role_mappings.get(&v.provider).map(|m| (v, m)));
    let Some((login, mapping)) = mapped else {
        // Without a mapping there is no list the custom role could be in.
        if let Some(custom) = custom {
            return Err(role_not_allowed(custom));
        }
        return pool
            .authenticated_role_arn
            .clone()
            .ok_or_else(invalid_config);
    };
    if let Some(role) = mapped_role(mapping, &login.claims, custom)? {
        return Ok(role);
    }
    if mapping.deny_ambiguous {
        return Err(WireError::not_authorized(format!(
            "The ambiguous role mapping rules for: {} denied this request.",
            mapping.name
        )));
    }
    pool.authenticated_role_arn
        .clone()
        .ok_or_else(invalid_config)
}

/// The role `mapping` gives a login with `claims`, `None` when it names none (ambiguous).
fn mapped_role(
    mapping: &RoleMapping,
    claims: &Value,
    custom: Option<&str>,
) -> Result<Option<String>, WireError> {
    let candidates: Vec<&str> = match &mapping.resolution {
        RoleResolution::Token => claims
            .get("cognito:roles")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default(),
        RoleResolution::Rules(rules) => rules
            .iter()
            .filter(|r| claim_matches(claims.get(&r.claim), r.match_type, &r.value))
            .map(|r| r.role_arn.as_str())
            .collect(),
    };
    if let Some(custom) = custom {
        return if candidates.contains(&custom) {
            Ok(Some(custom.to_owned()))
        } else {
            Err(role_not_allowed(custom))
        };
    }
    Ok(match &mapping.resolution {
        RoleResolution::Token => claim_str(claims, "cognito:preferred_role").map(str::to_owned),
        // Rules are evaluated in order: the first that matches gives the role.
        RoleResolution::Rules(_) => candidates.first().map(|r| (*r).to_owned()),
    })
}

/// Whether a token's claim matches a rule. A string claim is compared as it is; a number or
/// boolean by its JSON text (`true`, `42`); a list (`cognito:groups`) matches when one of
/// its members does (for `NotEqual`: when none equals the value). A claim the token lacks
/// matches nothing, `NotEqual` included, as AWS's rules name a claim "that must be present
/// in the token". (How AWS treats lists and other types is not published.)
fn claim_matches(claim: Option<&Value>, match_type: MatchType, value: &str) -> bool {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
        _ => None,
    };
    let members: Vec<String> = match claim {
        None | Some(Value::Null) => return false,
        Some(Value::Array(items)) => items.iter().filter_map(text).collect(),
        Some(other) => text(other).into_iter().collect(),
    };
    match match_type {
        MatchType::Equals => members.iter().any(|m| m == value),
        MatchType::Contains => members.iter().any(|m| m.contains(value)),
        MatchType::StartsWith => members.iter().any(|m| m.starts_with(value)),
        MatchType::NotEqual => !members.iter().any(|m| m == value),
    }
}

/// The `amr` of an identity with these logins, as GetOpenIdToken's token carries it and as
/// trust policies see it: `unauthenticated` for a guest; else `authenticated`, then each
/// login's provider and its own entry (`<provider>:CognitoSignIn:<sub>` for a user pool, as
/// API Gateway's `cognitoAuthenticationProvider` shows it; `<provider>:<audience>:<sub>`
/// for others, the form quoted for Facebook); a token of the pool itself (developer
/// identities) brings the entries it carries.
pub(super) fn amr(verified: &[VerifiedLogin]) -> Vec<String> {
    if verified.is_empty() {
        return vec!["unauthenticated".to_owned()];
    }
    std::iter::once("authenticated".to_owned())
        .chain(verified.iter().flat_map(|v| v.amr.iter().cloned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claims_match_by_type_lists_by_member_and_missing_claims_never() {
        use MatchType::*;
        let s = json!("admin-team");
        assert!(claim_matches(Some(&s), Equals, "admin-team"));
        assert!(claim_matches(Some(&s), Contains, "team"));
        assert!(claim_matches(Some(&s), StartsWith, "admin"));
        assert!(claim_matches(Some(&s), NotEqual, "admin"));
        assert!(!claim_matches(Some(&s), StartsWith, "team"));
        let groups = json!(["readers", "admins"]);
        assert!(claim_matches(Some(&groups), Equals, "admins"));
        assert!(claim_matches(Some(&groups), Contains, "read"));
        assert!(!claim_matches(Some(&groups), NotEqual, "admins"));
        assert!(claim_matches(Some(&groups), NotEqual, "owners"));
        assert!(claim_matches(Some(&json!(true)), Equals, "true"));
        assert!(claim_matches(Some(&json!(42)), Equals, "42"));
        for m in [Equals, Contains, StartsWith, NotEqual] {
            assert!(!claim_matches(None, m, "x"), "{m:?}");
        }
    }
}
