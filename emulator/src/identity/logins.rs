//! Verifying the tokens in `Logins`: user pools' ID tokens and OIDC issuers' tokens by
//! signature, issuer, expiry and audience; Facebook, Login with Amazon and SAML logins by
//! the seed's `test_logins` (the emulator cannot ask those providers); and the pool's own
//! tokens (`cognito-identity.amazonaws.com`, from GetOpenIdTokenForDeveloperIdentity), which
//! stand for the identity they were issued to.

use super::NOT_SUPPORTED_PROVIDER;
use crate::calls::RefusalReason;
use crate::keys::{self, JwtRejection, audiences, claim_secs, claim_str};
use crate::state::{IdentityPool, State, test_login_key};
use crate::tokens::{COGNITO_IDENTITY_ISSUER, COGNITO_IDENTITY_PROVIDER};
use crate::wire::WireError;
use serde_json::Value;

/// Providers whose logins are the seed's `test_logins` (besides SAML provider ARNs).
const TEST_LOGIN_PROVIDERS: [&str; 2] = ["graph.facebook.com", "www.amazon.com"];

/// A login whose token verified.
#[derive(Debug)]
pub(super) struct VerifiedLogin {
    pub(super) provider: String,
    pub(super) subject: String,
    pub(super) claims: Value,
    /// What it adds to the identity's `amr` after `authenticated`: the provider's name, then
    /// its own entry (`<provider>:CognitoSignIn:<sub>` for a user pool,
    /// `<provider>:<audience>:<sub>` for others, `<provider ARN>:<sub>` for SAML); for a
    /// token of the pool itself, the entries it carries.
    pub(super) amr: Vec<String>,
}

impl VerifiedLogin {
    /// The login of `provider` whose token carried `claims`: its subject is the `sub` claim;
    /// `middle` is what its `amr` entry holds between provider and subject (nothing if empty).
    fn new(provider: &str, claims: Value, middle: &str) -> Result<Self, WireError> {
        let subject = claim_str(&claims, "sub")
            .ok_or_else(|| {
                WireError::not_authorized("Invalid login token. Missing a required claim: sub")
            })?
            .to_owned();
        let entry = if middle.is_empty() {
            format!("{provider}:{subject}")
        } else {
            format!("{provider}:{middle}:{subject}")
        };
        Ok(VerifiedLogin {
            amr: vec![provider.to_owned(), entry],
            provider: provider.to_owned(),
            subject,
            claims,
        })
    }
}

fn rejection(r: JwtRejection) -> WireError {
    match r {
        JwtRejection::Malformed => WireError::not_authorized(
            "Invalid login token. Not a valid OpenId Connect identity token.",
        ),
        JwtRejection::WrongKey | JwtRejection::BadSignature => {
            WireError::not_authorized("Invalid login token. Couldn't verify signed token.")
        }
    }
}

fn check_expiry(claims: &Value, now: u64) -> Result<(), WireError> {
    let exp = claim_secs(claims, "exp").ok_or_else(|| {
        WireError::not_authorized("Invalid login token. Missing a required claim: exp")
    })?;
    if now >= exp {
        return Err(WireError::not_authorized(format!(
            "Invalid login token. Token expired: {now} >= {exp}"
        ))
        .with_reason(RefusalReason::LoginTokenExpired));
    }
    Ok(())
}

/// Verifies one login token for `pool`.
pub(super) fn verify_login(
    st: &State,
    pool: &IdentityPool,
    provider: &str,
    token: &str,
    now: u64,
) -> Result<VerifiedLogin, WireError> {
    if provider == COGNITO_IDENTITY_PROVIDER {
        return verify_pool_token(st, pool, token, now);
    }
    if let Some(up) = pool.user_pool_providers.get(provider) {
        let user_pool = st
            .user_pools
            .get(&up.user_pool_id)
            .ok_or_else(|| WireError::not_authorized(NOT_SUPPORTED_PROVIDER))?;
        let (_, claims, _, _) = keys::split(token).map_err(rejection)?;
        if claim_str(&claims, "iss") != Some(user_pool.issuer(&st.region).as_str()) {
            return Err(WireError::not_authorized(
                "Invalid login token. Issuer doesn't match providerName",
            ));
        }
        let claims = user_pool.key.verify(token).map_err(rejection)?;
        check_expiry(&claims, now)?;
        // An access token carries `client_id`, not `aud`: AWS names the missing claim.
        let aud = claim_str(&claims, "aud").ok_or_else(|| {
            WireError::not_authorized("Invalid login token. Missing a required claim: aud")
        })?;
        if claim_str(&claims, "token_use") != Some("id") {
            return Err(WireError::not_authorized(
                "Invalid login token. Not an ID token.",
            ));
        }
        if aud != up.client_id {
            return Err(WireError::not_authorized(NOT_SUPPORTED_PROVIDER));
        }
        return VerifiedLogin::new(provider, claims, "CognitoSignIn");
    }
    // Facebook and Amazon send opaque access tokens, SAML a response: no JWT to verify.
    if (pool.oidc_providers.contains_key(provider) && TEST_LOGIN_PROVIDERS.contains(&provider))
        || pool.saml_provider_arns.iter().any(|a| a == provider)
    {
        return verify_test_login(st, pool, provider, token, now);
    }
    if let Some(allowed) = pool.oidc_providers.get(provider) {
        let (_, claims, _, _) = keys::split(token).map_err(rejection)?;
        let issuer_url = format!("https://{provider}");
        // Google issues both `accounts.google.com` and `https://accounts.google.com`.
        let iss = claim_str(&claims, "iss").unwrap_or_default();
        if iss != issuer_url && iss != provider {
            return Err(WireError::not_authorized(
                "Invalid login token. Issuer doesn't match providerName",
            ));
        }
        let issuer = st.oidc_issuers.get(&issuer_url).ok_or_else(|| {
            WireError::not_authorized("Invalid login token. Couldn't verify signed token.")
        })?;
        let claims = issuer.key.verify(token).map_err(rejection)?;
        check_expiry(&claims, now)?;
        // A pool that lists no client ids for the provider trusts the issuer's own clients.
        let allowed = if allowed.is_empty() {
            &issuer.client_ids
        } else {
            allowed
        };
        let auds = audiences(&claims);
        if auds.is_empty() {
            return Err(WireError::not_authorized(
                "Invalid login token. Missing a required claim: aud",
            ));
        }
        let Some(audience) = auds
            .iter()
            .find(|a| allowed.iter().any(|c| c == *a))
            .map(|a| (*a).to_owned())
        else {
            return Err(WireError::not_authorized(
                "Invalid login token. Incorrect token audience.",
            ));
        };
        return VerifiedLogin::new(provider, claims, &audience);
    }
    Err(WireError::not_authorized(NOT_SUPPORTED_PROVIDER))
}

/// A login of Facebook, Login with Amazon or a SAML provider: accepted when the seed lists
/// the token for the provider, it has not expired, and (Facebook, Amazon) it was issued to
/// one of the pool's app ids.
///
/// Emulator's choice (AWS's texts for these are not published): an unknown token answers
/// `Invalid login token. The token was not issued by <provider>.`, a token of another app
/// `Invalid login token. Incorrect token audience.` (the OIDC text).
fn verify_test_login(
    st: &State,
    pool: &IdentityPool,
    provider: &str,
    token: &str,
    now: u64,
) -> Result<VerifiedLogin, WireError> {
    let login = st
        .test_logins
        .get(&test_login_key(provider, token))
        .ok_or_else(|| {
            WireError::not_authorized(format!(
                "Invalid login token. The token was not issued by {provider}."
            ))
        })?;
    if let Some(exp) = login.expires_at
        && now >= exp
    {
        return Err(WireError::not_authorized(format!(
            "Invalid login token. Token expired: {now} >= {exp}"
        ))
        .with_reason(RefusalReason::LoginTokenExpired));
    }
    let middle = match pool.oidc_providers.get(provider) {
        // SAML: the provider's ARN is all the pool configures; no app in between.
        None => String::new(),
        Some(apps) => {
            let audience = login.audience.as_deref().unwrap_or_default();
            if !apps.iter().any(|a| a == audience) {
                return Err(WireError::not_authorized(
                    "Invalid login token. Incorrect token audience.",
                ));
            }
            audience.to_owned()
        }
    };
    debug_assert_eq!(
        claim_str(&login.claims, "sub"),
        Some(login.subject.as_str())
    );
    VerifiedLogin::new(provider, login.claims.clone(), &middle)
}

/// A token of the identity pool itself (GetOpenIdTokenForDeveloperIdentity's, as AWS's
/// developer-authenticated flow presents it to GetCredentialsForIdentity under
/// `cognito-identity.amazonaws.com`): verified with cognito-identity's key, it stands for the
/// identity it names (`sub`, which must be one of the pool's), with the `amr` it carries.
///
/// Emulator's choice (AWS's texts are not published): a token of another pool answers
/// `Invalid login token. Incorrect token audience.` (the OIDC text), a guest's token
/// `Invalid login token. Not an authenticated token.`, one whose identity the pool no longer
/// has `Identity '<id>' not found.` (ResourceNotFoundException).
fn verify_pool_token(
    st: &State,
    pool: &IdentityPool,
    token: &str,
    now: u64,
) -> Result<VerifiedLogin, WireError> {
    let (_, claims, _, _) = keys::split(token).map_err(rejection)?;
    if claim_str(&claims, "iss") != Some(COGNITO_IDENTITY_ISSUER) {
        return Err(WireError::not_authorized(
            "Invalid login token. Issuer doesn't match providerName",
        ));
    }
    let claims = st.cognito_identity_key.verify(token).map_err(rejection)?;
    check_expiry(&claims, now)?;
    if claim_str(&claims, "aud") != Some(pool.id.as_str()) {
        return Err(WireError::not_authorized(
            "Invalid login token. Incorrect token audience.",
        ));
    }
    let amr: Vec<String> = (claims.get("amr").cloned())
        .and_then(|amr| serde_json::from_value(amr).ok())
        .unwrap_or_default();
    if !amr.iter().any(|a| a == "authenticated") {
        return Err(WireError::not_authorized(
            "Invalid login token. Not an authenticated token.",
        ));
    }
    let subject = claim_str(&claims, "sub")
        .ok_or_else(|| {
            WireError::not_authorized("Invalid login token. Missing a required claim: sub")
        })?
        .to_owned();
    if !pool.identities.contains_key(&subject) {
        return Err(WireError::json(
            "ResourceNotFoundException",
            format!("Identity '{subject}' not found."),
        ));
    }
    Ok(VerifiedLogin {
        provider: COGNITO_IDENTITY_PROVIDER.to_owned(),
        subject,
        amr: amr.into_iter().filter(|a| a != "authenticated").collect(),
        claims,
    })
}
