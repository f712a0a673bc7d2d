//! IAM as far as the emulator needs it: roles with what they may invoke, and the temporary
//! credentials issued for them.

use crate::policy::{Context, Decision, Policy, Request, evaluate_all, glob_match};
use std::collections::BTreeMap;
use std::time::SystemTime;

/// An IAM role (its ARN is its key in `State::roles`).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Role {
    /// `execute-api:Invoke` resource patterns.
    pub(crate) invoke: Vec<String>,
    /// `MaxSessionDuration`, seconds.
    pub(crate) max_session_duration_secs: u64,
    /// The trust policy's `sts:AssumeRoleWithWebIdentity` statements; `None` when the seed
    /// gave none (then each service applies its default, see `RoleSeed::trust`).
    pub(crate) trust: Option<Vec<TrustStatement>>,
    /// The trust policy document (CreateRole's `AssumeRolePolicyDocument`, the seed's
    /// `trust_policy`): evaluated as IAM does, before the seed's `trust` statements.
    pub(crate) trust_policy: Option<Policy>,
    /// Inline permission policies by name (PutRolePolicy, the seed's `policies`).
    pub(crate) policies: BTreeMap<String, Policy>,
    /// IAM's `RoleId` (`AROA` + 17 characters).
    pub(crate) role_id: String,
    /// When it was created (the emulator's clock; the epoch for seeded roles).
    pub(crate) created: SystemTime,
    /// `Path` (`/` unless given).
    pub(crate) path: String,
    /// `Description`.
    pub(crate) description: Option<String>,
}

/// One `Allow` statement of a trust policy.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct TrustStatement {
    /// `Principal.Federated`, an OIDC provider's ARN reduced to its host and path.
    pub(crate) federated: String,
    /// `StringEquals` `<federated>:aud`; empty: any.
    pub(crate) aud: Vec<String>,
    /// `ForAnyValue:StringLike` `cognito-identity.amazonaws.com:amr`; empty: any.
    pub(crate) amr: Vec<String>,
}

/// Who asks to assume a role with a web identity: the token's provider (as a trust policy's
/// `Federated` names it), its audiences and, from cognito-identity, its `amr`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WebIdentity<'a> {
    pub(crate) federated: &'a str,
    pub(crate) aud: &'a [&'a str],
    pub(crate) amr: &'a [&'a str],
    /// The token's subject.
    pub(crate) sub: &'a str,
}

impl Role {
    /// Whether an explicit trust policy lets `who` assume the role; `None` when the role has
    /// no explicit policy (the caller applies its default).
    pub(crate) fn trusts(&self, who: WebIdentity<'_>) -> Option<bool> {
        if let Some(policy) = &self.trust_policy {
            let strings = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
            let mut context = Context::new();
            context.insert(format!("{}:aud", who.federated), strings(who.aud));
            context.insert(format!("{}:sub", who.federated), vec![who.sub.to_owned()]);
            if !who.amr.is_empty() {
                context.insert(format!("{}:amr", who.federated), strings(who.amr));
            }
            let request = Request {
                action: "sts:AssumeRoleWithWebIdentity",
                resource: "*",
                principal: Some(("Federated", who.federated)),
                context: &context,
            };
            return Some(policy.evaluate(&request) == Decision::Allow);
        }
        let statements = self.trust.as_ref()?;
        Some(statements.iter().any(|s| {
            s.federated == who.federated
                && (s.aud.is_empty() || who.aud.iter().any(|a| s.aud.iter().any(|x| x == a)))
                && (s.amr.is_empty()
                    || who
                        .amr
                        .iter()
                        .any(|a| s.amr.iter().any(|p| glob_match(p, a))))
        }))
    }
}

impl Role {
    /// Whether the role may invoke API Gateway's `resource` (`<api>/<stage>/<METHOD>/<path>`,
    /// whose ARN is `arn`) for a caller with `context`: an explicit `Deny` of its policies
    /// refuses, an `Allow` or one of the seed's `invoke` patterns allows.
    pub(crate) fn may_invoke(&self, arn: &str, resource: &str, context: &Context) -> bool {
        let request = Request {
            action: "execute-api:Invoke",
            resource: arn,
            principal: None,
            context,
        };
        match evaluate_all(self.policies.values(), &request) {
            Decision::ExplicitDeny => false,
            Decision::Allow => true,
            Decision::ImplicitDeny => self.invoke.iter().any(|p| glob_match(p, resource)),
        }
    }
}

/// Temporary credentials the emulator issued: its API Gateway accepts them only with their own
/// session token and only until they expire.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct IssuedCredentials {
    pub(crate) secret_access_key: String,
    pub(crate) session_token: String,
    pub(crate) expires_at: SystemTime,
    pub(crate) role_arn: String,
    /// The identity id (identity pools) or the web identity's subject (STS).
    pub(crate) subject: String,
    /// The condition keys and policy variables of requests signed with them
    /// (`cognito-identity.amazonaws.com:sub`, `:aud`, `:amr`, or the web identity
    /// provider's).
    pub(crate) context: Context,
}

impl std::fmt::Debug for IssuedCredentials {
    // The secret key and session token never print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCredentials")
            .field("expires_at", &self.expires_at)
            .field("role_arn", &self.role_arn)
            .field("subject", &self.subject)
            .finish_non_exhaustive()
    }
}
