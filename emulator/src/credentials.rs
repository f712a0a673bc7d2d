//! Temporary AWS credentials: issued by the identity pool (GetCredentialsForIdentity) and by
//! STS (AssumeRoleWithWebIdentity), and checked when a request signed with them arrives (STS
//! GetCallerIdentity, API Gateway's `AWS_IAM` methods).

use crate::crypto::{ct_eq, random_upper_alnum};
use crate::policy::Context;
use crate::sigv4::{self, Rejection, SignedRequest};
use crate::state::{IssuedCredentials, State};
use base64::Engine as _;
use std::time::{Duration, SystemTime};

/// The session name of credentials an identity pool issued (GetCredentialsForIdentity).
pub(crate) const IDENTITY_POOL_SESSION_NAME: &str = "CognitoIdentityCredentials";

/// Issues temporary credentials for `role_arn` valid for `lifetime` from `now`, records them
/// (the emulator accepts only what it recorded) and returns them with their access key id:
/// `ASIA` + 16 upper-case alphanumerics, like AWS's temporary access key ids.
pub(crate) fn issue_credentials(
    st: &mut State,
    role_arn: &str,
    subject: &str,
    (now, lifetime): (SystemTime, Duration),
    context: Context,
) -> (String, IssuedCredentials) {
    let b64 = base64::engine::general_purpose::STANDARD;
    let access_key_id = format!("ASIA{}", random_upper_alnum(16));
    let secret: String = b64.encode(rand::random::<[u8; 30]>());
    let token_bytes: Vec<u8> = (0..240).map(|_| rand::random::<u8>()).collect();
    let session_token = format!("IQoJb3JpZ2luX2Vj{}", b64.encode(&token_bytes));
    let issued = IssuedCredentials {
        secret_access_key: secret,
        session_token,
        expires_at: now + lifetime,
        role_arn: role_arn.to_owned(),
        subject: subject.to_owned(),
        context,
    };
    st.credentials.insert(access_key_id.clone(), issued.clone());
    (access_key_id, issued)
}

/// `arn:aws:sts::<account>:assumed-role/<role name>/<session>`.
pub(crate) fn assumed_role_arn(st: &State, role_arn: &str, session: &str) -> String {
    // arn:aws:iam::<account>:role/<path/>name
    let account = role_arn
        .split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .unwrap_or(&st.account_id);
    let name = role_arn.rsplit('/').next().unwrap_or(role_arn);
    format!("arn:aws:sts::{account}:assumed-role/{name}/{session}")
}

/// Verifies a SigV4-signed control-plane or admin call (for `service` in this region) against
/// the admin key pairs (`test`/`test` unless the seed names others). Returns the access key id.
pub(crate) fn verify_admin(
    st: &State,
    req: &SignedRequest<'_>,
    service: &str,
    region: &str,
    now: SystemTime,
) -> Result<String, Rejection> {
    let secret_for = |id: &str| st.admin_keys.get(id).cloned();
    let verified = sigv4::verify(req, &secret_for, region, service, now)?;
    Ok(verified.access_key_id)
}

/// Who signed a request, once [`verify_issued`] accepted it.
#[derive(Debug)]
pub(crate) struct Caller<'a> {
    pub(crate) access_key_id: String,
    pub(crate) issued: &'a IssuedCredentials,
    /// `arn:aws:sts::<account>:assumed-role/<role>/<session>`.
    pub(crate) arn: String,
}

/// Verifies a SigV4-signed request against the credentials this emulator issued: the
/// signature (for `service` in this region), then that the session token is the one issued
/// with the key and that the credentials have not expired — as AWS checks temporary
/// credentials. Returns the caller.
pub(crate) fn verify_issued<'a>(
    st: &'a State,
    req: &SignedRequest<'_>,
    service: &str,
    now: SystemTime,
) -> Result<Caller<'a>, Rejection> {
    let secret_for = |id: &str| st.credentials.get(id).map(|c| c.secret_access_key.clone());
    let verified = sigv4::verify(req, &secret_for, &st.region, service, now)?;
    let issued = st
        .credentials
        .get(&verified.access_key_id)
        .ok_or(Rejection::UnknownAccessKey)?;
    // Constant time, like the signature check: the token is a secret.
    let token_ok = verified
        .session_token
        .as_deref()
        .is_some_and(|sent| ct_eq(sent.as_bytes(), issued.session_token.as_bytes()));
    if !token_ok {
        return Err(Rejection::InvalidSecurityToken);
    }
    if now >= issued.expires_at {
        return Err(Rejection::ExpiredToken);
    }
    let session = st
        .session_names
        .get(&verified.access_key_id)
        .map(String::as_str)
        .unwrap_or(IDENTITY_POOL_SESSION_NAME);
    let arn = assumed_role_arn(st, &issued.role_arn, session);
    Ok(Caller {
        access_key_id: verified.access_key_id,
        issued,
        arn,
    })
}
