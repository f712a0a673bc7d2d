//! Identity pools, the identities they hold, and the Google-like OIDC issuers they trust.

use crate::keys::SigningKey;
use std::collections::{BTreeMap, BTreeSet};

/// A Google-like OIDC issuer hosted by the emulator.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct OidcIssuer {
    pub(crate) issuer: String,
    pub(crate) key: SigningKey,
    pub(crate) client_ids: Vec<String>,
}

/// A login token of a provider the emulator cannot verify by signature (Facebook, Login
/// with Amazon, SAML), accepted because the seed lists it.
#[derive(Clone)]
pub(crate) struct TestLogin {
    pub(crate) subject: String,
    pub(crate) audience: Option<String>,
    /// The claims rules see: the seed's, with `sub` (and `aud`) added.
    pub(crate) claims: serde_json::Value,
    pub(crate) expires_at: Option<u64>,
}

impl std::fmt::Debug for TestLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestLogin")
            .field("subject", &self.subject)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// The key of a seeded login in `State::test_logins`: the provider and the token's SHA-256
/// (hex), so that the state's `Debug` never shows a token.
pub(crate) fn test_login_key(provider: &str, token: &str) -> (String, String) {
    use sha2::Digest as _;
    (
        provider.to_owned(),
        hex::encode(sha2::Sha256::digest(token.as_bytes())),
    )
}

/// An identity pool.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub(crate) struct IdentityPool {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) allow_unauthenticated: bool,
    pub(crate) allow_classic_flow: bool,
    /// User-pool providers by provider name (`cognito-idp.<region>.amazonaws.com/<poolId>`).
    pub(crate) user_pool_providers: BTreeMap<String, UserPoolProvider>,
    /// OIDC / social providers: provider name → allowed audiences.
    pub(crate) oidc_providers: BTreeMap<String, Vec<String>>,
    /// SAML provider ARNs.
    pub(crate) saml_provider_arns: Vec<String>,
    pub(crate) authenticated_role_arn: Option<String>,
    pub(crate) unauthenticated_role_arn: Option<String>,
    /// How the role of a login is chosen, by provider name; a provider without one gets the
    /// authenticated role.
    pub(crate) role_mappings: BTreeMap<String, RoleMapping>,
    /// By identity id.
    pub(crate) identities: BTreeMap<String, Identity>,
    /// What it was built from (a seed, or CreateIdentityPool's and SetIdentityPoolRoles'
    /// members as a seed): the control plane changes this and builds the pool again.
    pub(crate) seed: crate::seed::IdentityPoolSeed,
    /// `OpenIdConnectProviderARNs`, `IdentityPoolTags`: described as given.
    pub(crate) described: serde_json::Map<String, serde_json::Value>,
    /// `DeveloperProviderName`: the "domain" of the app back end's own users
    /// (GetOpenIdTokenForDeveloperIdentity's `Logins` key).
    #[serde(default)]
    pub(crate) developer_provider_name: Option<String>,
}

impl IdentityPool {
    /// The identity that holds the developer user `user_id`, if any.
    pub(crate) fn developer_user_owner(&self, user_id: &str) -> Option<&str> {
        self.identities
            .iter()
            .find(|(_, i)| i.developer_user_ids.contains(user_id))
            .map(|(id, _)| id.as_str())
    }

    /// The provider names of an identity's logins, as DescribeIdentity and ListIdentities
    /// answer them (the developer provider's name for developer users).
    pub(crate) fn login_names(&self, identity: &Identity) -> Vec<String> {
        let mut names: Vec<String> = identity.logins.keys().cloned().collect();
        if !identity.developer_user_ids.is_empty()
            && let Some(name) = &self.developer_provider_name
        {
            names.push(name.clone());
        }
        names
    }
}

/// A user pool attached to an identity pool.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct UserPoolProvider {
    pub(crate) user_pool_id: String,
    pub(crate) client_id: String,
}

/// A provider's role mapping (AWS's `RoleMapping`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct RoleMapping {
    /// The mapping's name in AWS's answers: the provider, with `:<app client id>` for a
    /// user pool.
    pub(crate) name: String,
    pub(crate) resolution: RoleResolution,
    /// `AmbiguousRoleResolution: Deny`: no role from the token or the rules is a refusal
    /// rather than the authenticated role.
    pub(crate) deny_ambiguous: bool,
}

/// Where a mapped login's role comes from.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) enum RoleResolution {
    /// `cognito:preferred_role` / `cognito:roles` of a user pool's ID token.
    Token,
    /// The first rule that matches the token's claims.
    Rules(Vec<MappingRule>),
}

/// A role-mapping rule.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct MappingRule {
    pub(crate) claim: String,
    pub(crate) match_type: MatchType,
    pub(crate) value: String,
    pub(crate) role_arn: String,
}

/// How a rule compares a claim with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum MatchType {
    Equals,
    Contains,
    StartsWith,
    NotEqual,
}

/// An identity (`<region>:<uuid>`).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Identity {
    /// Provider name → subject linked to this identity. Empty for a guest.
    pub(crate) logins: BTreeMap<String, String>,
    /// The pool's developer provider's user identifiers linked to this identity
    /// (GetOpenIdTokenForDeveloperIdentity); AWS lets one identity hold several.
    #[serde(default)]
    pub(crate) developer_user_ids: BTreeSet<String>,
}

impl Identity {
    /// Whether logins (public or developer) authenticated it; a guest otherwise.
    pub(crate) fn is_authenticated(&self) -> bool {
        !self.logins.is_empty() || !self.developer_user_ids.is_empty()
    }
}
