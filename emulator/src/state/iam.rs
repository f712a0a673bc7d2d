//! IAM as far as the emulator needs it: roles with what they may invoke, and the temporary
//! credentials issued for them.

use std::time::SystemTime;

/// An IAM role (its ARN is its key in `State::roles`).
#[derive(Debug, Clone)]
pub(crate) struct Role {
    /// `execute-api:Invoke` resource patterns.
    pub(crate) invoke: Vec<String>,
    /// `MaxSessionDuration`, seconds.
    pub(crate) max_session_duration_secs: u64,
    /// The trust policy's `sts:AssumeRoleWithWebIdentity` statements; `None` when the seed
    /// gave none (then each service applies its default, see `RoleSeed::trust`).
    pub(crate) trust: Option<Vec<TrustStatement>>,
}

/// One `Allow` statement of a trust policy.
#[derive(Debug, Clone)]
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
}

impl Role {
    /// Whether an explicit trust policy lets `who` assume the role; `None` when the role has
    /// no explicit policy (the caller applies its default).
    pub(crate) fn trusts(&self, who: WebIdentity<'_>) -> Option<bool> {
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

/// A trust policy's `Federated` principal as a provider name: an OIDC provider's ARN
/// (`arn:aws:iam::<account>:oidc-provider/<host/path>`) becomes its host and path, as the
/// identity pools and STS name the provider; anything else is kept.
pub(crate) fn federated_name(principal: &str) -> String {
    principal
        .strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":oidc-provider/"))
        .map_or_else(|| principal.to_owned(), |(_, host)| host.to_owned())
}

/// Temporary credentials the emulator issued: its API Gateway accepts them only with their own
/// session token and only until they expire.
#[derive(Clone)]
pub(crate) struct IssuedCredentials {
    pub(crate) secret_access_key: String,
    pub(crate) session_token: String,
    pub(crate) expires_at: SystemTime,
    pub(crate) role_arn: String,
    /// The identity id (identity pools) or the web identity's subject (STS).
    pub(crate) subject: String,
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

/// IAM string matching (resources, `StringLike`): `*` matches any run of characters (`/` included), `?` one character.
pub(crate) fn glob_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}
