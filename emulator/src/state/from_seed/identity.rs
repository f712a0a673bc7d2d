//! Building the identity side of the state from a seed: the OIDC issuers the emulator hosts,
//! the seeded logins of providers it cannot ask (Facebook, Login with Amazon, SAML), and
//! identity pools with their providers and role mappings, each checked as AWS's API would
//! check it.

use super::super::identity_pool::{
    IdentityPool, MappingRule, MatchType, OidcIssuer, RoleMapping, RoleResolution, TestLogin,
    UserPoolProvider, test_login_key,
};
use super::super::shared::State;
use crate::crypto::random_uuid;
use crate::error::Error;
use crate::keys::SigningKey;
use crate::seed::{IdentityPoolSeed, MappingRuleSeed, OidcProviderSeed, TestLoginSeed};
use std::collections::BTreeMap;

pub(super) fn oidc_issuer(o: &OidcProviderSeed) -> OidcIssuer {
    OidcIssuer {
        issuer: o.issuer.clone(),
        key: SigningKey::generate(),
        client_ids: o.client_ids.clone(),
    }
}

/// The providers whose logins the seed's `test_logins` stand for.
const TEST_LOGIN_PROVIDERS: [&str; 2] = ["graph.facebook.com", "www.amazon.com"];

fn is_saml_arn(provider: &str) -> bool {
    provider.starts_with("arn:aws:iam::") && provider.contains(":saml-provider/")
}

/// A seeded login of Facebook, Login with Amazon or a SAML provider.
pub(super) fn test_login(t: &TestLoginSeed) -> Result<((String, String), TestLogin), Error> {
    if !TEST_LOGIN_PROVIDERS.contains(&t.provider.as_str()) && !is_saml_arn(&t.provider) {
        return Err(Error::seed(format!(
            "test login of `{}`: the provider must be graph.facebook.com, www.amazon.com or a \
             SAML provider ARN (JWT issuers such as Google and Apple are `oidc_providers`)",
            t.provider
        )));
    }
    if t.token.is_empty() || t.subject.is_empty() {
        return Err(Error::seed(format!(
            "test login of `{}`: token and subject are required",
            t.provider
        )));
    }
    let mut claims: serde_json::Map<String, serde_json::Value> =
        t.claims.clone().into_iter().collect();
    claims.insert("sub".into(), t.subject.clone().into());
    if let Some(aud) = &t.audience {
        claims.insert("aud".into(), aud.clone().into());
    }
    Ok((
        test_login_key(&t.provider, &t.token),
        TestLogin {
            subject: t.subject.clone(),
            audience: t.audience.clone(),
            claims: serde_json::Value::Object(claims),
            expires_at: t.expires_at,
        },
    ))
}

/// An identity pool; its user-pool providers must name pools and app clients of the seed.
pub(super) fn identity_pool(st: &State, ip: &IdentityPoolSeed) -> Result<IdentityPool, Error> {
    let region = &st.region;
    let id = ip
        .id
        .clone()
        .unwrap_or_else(|| format!("{region}:{}", random_uuid()));
    let mut providers = BTreeMap::new();
    let mut role_mappings = BTreeMap::new();
    // Kept with the pool, its user pools and app clients named by id.
    let mut stored = ip.clone();
    for (i, up) in ip.user_pool_providers.iter().enumerate() {
        let pool = st.find_user_pool(&up.user_pool).ok_or_else(|| {
            Error::seed(format!(
                "identity pool `{}`: no user pool `{}`",
                ip.name, up.user_pool
            ))
        })?;
        let client = pool
            .clients
            .values()
            .find(|c| c.id == up.client_id || c.name == up.client_id)
            .ok_or_else(|| {
                Error::seed(format!(
                    "identity pool `{}`: no app client `{}`",
                    ip.name, up.client_id
                ))
            })?;
        if let Some(kept) = stored.user_pool_providers.get_mut(i) {
            kept.user_pool = pool.id.clone();
            kept.client_id = client.id.clone();
        }
        let provider = format!("cognito-idp.{region}.amazonaws.com/{}", pool.id);
        let name = format!("{provider}:{}", client.id);
        let resolution = up.role_resolution.as_deref().unwrap_or("Default");
        if let Some(mapping) = role_mapping(
            &ip.name,
            name,
            resolution,
            up.ambiguous_role_resolution.as_deref(),
            &up.rules,
        )? {
            role_mappings.insert(provider.clone(), mapping);
        }
        providers.insert(
            provider,
            UserPoolProvider {
                user_pool_id: pool.id.clone(),
                client_id: client.id.clone(),
            },
        );
    }
    if let Some(bad) = ip.saml_provider_arns.iter().find(|a| !is_saml_arn(a)) {
        return Err(Error::seed(format!(
            "identity pool `{}`: `{bad}` is no SAML provider ARN \
             (arn:aws:iam::<account>:saml-provider/<name>)",
            ip.name
        )));
    }
    for (provider, m) in &ip.role_mappings {
        // CreateIdentityPool's check, in its words (quoted in aws/aws-cdk#22951).
        if !ip.oidc_providers.contains_key(provider) && !ip.saml_provider_arns.contains(provider) {
            return Err(Error::seed(format!(
                "identity pool `{}`: {provider} is not a valid RoleMapping ProviderName or is \
                 not a configured provider.",
                ip.name
            )));
        }
        if m.role_resolution == "Token" {
            return Err(Error::seed(format!(
                "identity pool `{}`: role mapping of {provider}: Token is for user pools (the \
                 emulator has no SAML role attribute); use Rules",
                ip.name
            )));
        }
        let mapping = role_mapping(
            &ip.name,
            provider.clone(),
            &m.role_resolution,
            m.ambiguous_role_resolution.as_deref(),
            &m.rules,
        )?;
        if let Some(mapping) = mapping {
            role_mappings.insert(provider.clone(), mapping);
        }
    }
    if let Some(name) = &ip.developer_provider_name {
        check_developer_provider_name(&ip.name, name)?;
    }
    Ok(IdentityPool {
        id,
        name: ip.name.clone(),
        allow_unauthenticated: ip.allow_unauthenticated,
        allow_classic_flow: ip.allow_classic_flow,
        user_pool_providers: providers,
        oidc_providers: ip.oidc_providers.clone(),
        saml_provider_arns: ip.saml_provider_arns.clone(),
        authenticated_role_arn: ip.authenticated_role_arn.clone(),
        unauthenticated_role_arn: ip.unauthenticated_role_arn.clone(),
        role_mappings,
        identities: BTreeMap::new(),
        seed: stored,
        described: Default::default(),
        developer_provider_name: ip.developer_provider_name.clone(),
    })
}

/// AWS's `DeveloperProviderName` constraint: 1 to 128 of `[\w._-]`.
fn check_developer_provider_name(pool: &str, name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.chars().count() <= 128
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        Ok(())
    } else {
        Err(Error::seed(format!(
            "identity pool `{pool}`: developer_provider_name `{name}` must be 1 to 128 of \
             letters, digits, `_`, `.` and `-`"
        )))
    }
}

/// A provider's role mapping from the seed's words (`Default` or absent: none), checked as
/// SetIdentityPoolRoles checks it: a known type and ambiguous resolution, 1 to 25 rules
/// with a known match type and every field set.
fn role_mapping(
    pool: &str,
    name: String,
    resolution: &str,
    ambiguous: Option<&str>,
    rules: &[MappingRuleSeed],
) -> Result<Option<RoleMapping>, Error> {
    let fail = |what: String| {
        Err(Error::seed(format!(
            "identity pool `{pool}`: {name}: {what}"
        )))
    };
    let deny_ambiguous = match ambiguous.unwrap_or("AuthenticatedRole") {
        "AuthenticatedRole" => false,
        "Deny" => true,
        other => {
            return fail(format!(
                "ambiguous_role_resolution must be AuthenticatedRole or Deny, not `{other}`"
            ));
        }
    };
    let resolution = match resolution {
        "Default" | "" => return Ok(None),
        "Token" => RoleResolution::Token,
        "Rules" => {
            if rules.is_empty() || rules.len() > 25 {
                return fail(format!("Rules needs 1 to 25 rules, got {}", rules.len()));
            }
            let mut parsed = Vec::new();
            for r in rules {
                let match_type = match r.match_type.as_str() {
                    "Equals" => MatchType::Equals,
                    "Contains" => MatchType::Contains,
                    "StartsWith" => MatchType::StartsWith,
                    "NotEqual" => MatchType::NotEqual,
                    other => {
                        return fail(format!(
                            "match_type must be Equals, Contains, StartsWith or NotEqual, not `{other}`"
                        ));
                    }
                };
                if r.claim.is_empty() || r.value.is_empty() || r.role_arn.is_empty() {
                    return fail("a rule needs claim, value and role_arn".to_owned());
                }
                parsed.push(MappingRule {
                    claim: r.claim.clone(),
                    match_type,
                    value: r.value.clone(),
                    role_arn: r.role_arn.clone(),
                });
            }
            RoleResolution::Rules(parsed)
        }
        other => {
            return fail(format!(
                "role_resolution must be Token, Rules or Default, not `{other}`"
            ));
        }
    };
    Ok(Some(RoleMapping {
        name,
        resolution,
        deny_ambiguous,
    }))
}
