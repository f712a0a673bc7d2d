//! Identity pools, the identities they hold, and the Google-like OIDC issuers they trust.

use crate::keys::SigningKey;
use std::collections::BTreeMap;

/// A Google-like OIDC issuer hosted by the emulator.
#[derive(Debug)]
pub(crate) struct OidcIssuer {
    pub(crate) issuer: String,
    pub(crate) key: SigningKey,
    pub(crate) client_ids: Vec<String>,
}

/// An identity pool.
#[derive(Debug)]
pub(crate) struct IdentityPool {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) allow_unauthenticated: bool,
    pub(crate) allow_classic_flow: bool,
    /// User-pool providers by provider name (`cognito-idp.<region>.amazonaws.com/<poolId>`).
    pub(crate) user_pool_providers: BTreeMap<String, UserPoolProvider>,
    /// OIDC / social providers: provider name → allowed audiences.
    pub(crate) oidc_providers: BTreeMap<String, Vec<String>>,
    pub(crate) authenticated_role_arn: Option<String>,
    pub(crate) unauthenticated_role_arn: Option<String>,
    /// By identity id.
    pub(crate) identities: BTreeMap<String, Identity>,
}

/// A user pool attached to an identity pool.
#[derive(Debug, Clone)]
pub(crate) struct UserPoolProvider {
    pub(crate) user_pool_id: String,
    pub(crate) client_id: String,
    /// Role from the token's `cognito:preferred_role`.
    pub(crate) token_role_resolution: bool,
    /// With token resolution and no role in the token: deny rather than use the default role.
    pub(crate) deny_ambiguous: bool,
}

/// An identity (`<region>:<uuid>`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Identity {
    /// Provider name → subject linked to this identity. Empty for a guest.
    pub(crate) logins: BTreeMap<String, String>,
}
