//! A user pool's choice-based sign-in settings (`SignInPolicy.AllowedFirstAuthFactors`, the
//! passkey relying party) and its users' passkeys.

use std::collections::HashMap;
use std::time::SystemTime;

/// The pool's `USER_AUTH` settings and the passkeys registered to it.
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct Passwordless {
    /// `AllowedFirstAuthFactors` besides `PASSWORD` (always allowed, as AWS requires):
    /// `EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`.
    pub(crate) first_factors: Vec<String>,
    /// `WebAuthnRelyingPartyID`: the domain passkeys are bound to.
    pub(crate) relying_party_id: String,
    /// `WebAuthnUserVerification = required`: authenticators must verify the user (UV flag).
    pub(crate) user_verification_required: bool,
    /// Registered passkeys, by the user's `sub` (so that a deleted and re-created username
    /// does not inherit them).
    pub(crate) passkeys: HashMap<String, Vec<Passkey>>,
    /// StartWebAuthnRegistration's challenge, by the user's `sub`, until completed.
    #[serde(skip)]
    pub(crate) registrations: HashMap<String, PendingRegistration>,
}

impl Passwordless {
    /// Whether the pool allows `factor` (`EMAIL_OTP`, `SMS_OTP`, `WEB_AUTHN`) as a first factor.
    pub(crate) fn allows(&self, factor: &str) -> bool {
        self.first_factors.iter().any(|f| f == factor)
    }
}

impl std::fmt::Debug for Passwordless {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Challenges stay out; passkeys only by number.
        f.debug_struct("Passwordless")
            .field("first_factors", &self.first_factors)
            .field("relying_party_id", &self.relying_party_id)
            .field(
                "user_verification_required",
                &self.user_verification_required,
            )
            .field(
                "passkeys",
                &self.passkeys.values().map(Vec::len).sum::<usize>(),
            )
            .finish_non_exhaustive()
    }
}

/// A registered passkey: an ES256 (P-256) public key and what the authenticator said about it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Passkey {
    /// The credential id the authenticator chose.
    pub(crate) credential_id: Vec<u8>,
    /// The public key as an uncompressed SEC1 point (`04 ‖ x ‖ y`).
    pub(crate) public_key: Vec<u8>,
    /// The last signature counter seen (0: the authenticator keeps none).
    pub(crate) sign_count: u32,
    /// `platform` or `cross-platform`, when the client said.
    pub(crate) attachment: Option<String>,
    /// The transports the client listed (`internal`, `usb`, `hybrid`, ...).
    pub(crate) transports: Vec<String>,
    pub(crate) created_at: SystemTime,
}

/// A passkey registration between StartWebAuthnRegistration and CompleteWebAuthnRegistration.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct PendingRegistration {
    /// The challenge sent, base64url without padding, as `clientDataJSON` echoes it.
    pub(crate) challenge: String,
    pub(crate) expires_at: SystemTime,
}

impl Passwordless {
    /// The settings of a seeded pool: known factors only, `PASSWORD` implied.
    pub(crate) fn from_seed(p: &crate::seed::UserPoolSeed) -> Result<Self, crate::error::Error> {
        let mut first_factors = Vec::new();
        for f in &p.allowed_first_auth_factors {
            match f.as_str() {
                "PASSWORD" => {}
                "EMAIL_OTP" | "SMS_OTP" | "WEB_AUTHN" => first_factors.push(f.clone()),
                other => {
                    return Err(crate::error::Error::seed(format!(
                        "user pool `{}`: unknown first auth factor `{other}` (PASSWORD, \
                         EMAIL_OTP, SMS_OTP, WEB_AUTHN)",
                        p.name
                    )));
                }
            }
        }
        let user_verification_required = match p.web_authn_user_verification.as_deref() {
            None | Some("preferred") => false,
            Some("required") => true,
            Some(other) => {
                return Err(crate::error::Error::seed(format!(
                    "user pool `{}`: web_authn_user_verification `{other}` (preferred or \
                     required)",
                    p.name
                )));
            }
        };
        Ok(Self {
            first_factors,
            relying_party_id: p
                .web_authn_relying_party_id
                .clone()
                .unwrap_or_else(|| "localhost".to_owned()),
            user_verification_required,
            passkeys: HashMap::new(),
            registrations: HashMap::new(),
        })
    }
}
