//! Passkeys (WebAuthn credentials) of a signed-in user: registration, listing and deletion, and
//! the redacting wrapper of a sign-in assertion.
//!
//! The crate does not talk to authenticators: registration hands the app Cognito's
//! `CredentialCreationOptions` (WebAuthn's `PublicKeyCredentialCreationOptionsJSON`) for
//! `navigator.credentials.create()` or a platform API, and takes the authenticator's
//! `RegistrationResponseJSON` back; sign-in works the same way with the options of
//! [`ChallengeKind::WebAuthn`](super::ChallengeKind::WebAuthn) and a [`PasskeyAssertion`].

use std::collections::HashMap;
use std::fmt;
use std::time::SystemTime;

use aws_smithy_types::{Document, Number};
use serde_json::Value;
use tracing::Instrument as _;
use zeroize::Zeroize;

use super::UserPoolClient;
use super::challenge::invalid;
use crate::error::{Error, ErrorKind, Result, from_sdk};
use crate::secret::Jwt;

/// An authenticator's answer to a passkey sign-in (WebAuthn's `AuthenticationResponseJSON`:
/// `id`, `rawId`, `type`, and `response` with `clientDataJSON`, `authenticatorData`,
/// `signature`, `userHandle`), sent to Cognito as `CREDENTIAL`.
///
/// Held as JSON text, zeroized on drop; `Debug` prints `PasskeyAssertion(***)`: the assertion
/// signs a live challenge, and stays out of logs like a one-time code.
#[derive(Clone, PartialEq, Eq)]
pub struct PasskeyAssertion(String);

impl PasskeyAssertion {
    /// The assertion as JSON text (what `JSON.stringify(credential)` gives in a browser).
    pub fn new(json: impl Into<String>) -> Self {
        Self(json.into())
    }

    /// The assertion from a JSON value.
    pub fn from_json(value: &Value) -> Self {
        Self(value.to_string())
    }

    /// The JSON text. Never log or format what this returns.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasskeyAssertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasskeyAssertion(***)")
    }
}

impl Drop for PasskeyAssertion {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// A passkey registered to the user, as ListWebAuthnCredentials describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasskeyCredential {
    /// The credential id (base64url), as the authenticator named it.
    pub credential_id: String,
    /// The name Cognito gives it (from the authenticator's model, when known).
    pub friendly_name: String,
    /// The relying party it is bound to (the pool's passkey domain).
    pub relying_party_id: String,
    /// `platform` or `cross-platform`, when the authenticator said.
    pub authenticator_attachment: Option<String>,
    /// How the authenticator is reached (`internal`, `usb`, `ble`, `nfc`, `hybrid`).
    pub transports: Vec<String>,
    /// When it was registered.
    pub created_at: SystemTime,
}

impl UserPoolClient {
    /// StartWebAuthnRegistration: Cognito's `CredentialCreationOptions` for a new passkey of
    /// the user of `access`, to give the authenticator (WebAuthn's
    /// `PublicKeyCredentialCreationOptionsJSON`: `challenge`, `rp`, `user`,
    /// `pubKeyCredParams`, ...). Finish with
    /// [`complete_web_authn_registration`](Self::complete_web_authn_registration).
    ///
    /// Errors: [`ErrorKind::NotAuthorized`] for an invalid access token; Cognito's
    /// `WebAuthnNotEnabledException` (passkeys are not a first factor of the pool) and
    /// `WebAuthnConfigurationMissingException` keep their name in
    /// [`Error::service_code`]; network and service errors.
    pub async fn start_web_authn_registration(&self, access: &Jwt) -> Result<Value> {
        let span = tracing::info_span!("start_web_authn_registration");
        async move {
            let out = self
                .client
                .start_web_authn_registration()
                .access_token(access.expose_secret())
                .send()
                .await
                .map_err(|e| from_sdk("StartWebAuthnRegistration", e))?;
            match document_to_json(out.credential_creation_options()) {
                v @ Value::Object(_) => Ok(v),
                _ => Err(invalid(
                    "StartWebAuthnRegistration: CredentialCreationOptions is not an object",
                )),
            }
        }
        .instrument(span)
        .await
    }

    /// CompleteWebAuthnRegistration: the authenticator's `RegistrationResponseJSON` (`id`,
    /// `rawId`, `type`, and `response` with `clientDataJSON` and `attestationObject`) for the
    /// options [`start_web_authn_registration`](Self::start_web_authn_registration) gave.
    ///
    /// Errors: [`ErrorKind::NotAuthorized`] for an invalid access token;
    /// [`ErrorKind::InvalidParameter`] if `credential` is not a JSON object; Cognito's
    /// `WebAuthnChallengeNotFoundException`, `WebAuthnOriginNotAllowedException`,
    /// `WebAuthnRelyingPartyMismatchException`, `WebAuthnCredentialNotSupportedException` and
    /// `WebAuthnClientMismatchException` keep their name in [`Error::service_code`].
    pub async fn complete_web_authn_registration(
        &self,
        access: &Jwt,
        credential: &Value,
    ) -> Result<()> {
        if !credential.is_object() {
            return Err(Error::new(
                ErrorKind::InvalidParameter,
                "a passkey registration response is a JSON object",
            ));
        }
        let span = tracing::info_span!("complete_web_authn_registration");
        async move {
            self.client
                .complete_web_authn_registration()
                .access_token(access.expose_secret())
                .credential(json_to_document(credential))
                .send()
                .await
                .map(drop)
                .map_err(|e| from_sdk("CompleteWebAuthnRegistration", e))
        }
        .instrument(span)
        .await
    }

    /// ListWebAuthnCredentials: every passkey of the user of `access` (all pages).
    pub async fn list_web_authn_credentials(&self, access: &Jwt) -> Result<Vec<PasskeyCredential>> {
        let span = tracing::info_span!("list_web_authn_credentials");
        async move {
            let mut all = Vec::new();
            let mut next: Option<String> = None;
            loop {
                let out = self
                    .client
                    .list_web_authn_credentials()
                    .access_token(access.expose_secret())
                    .set_next_token(next.take())
                    .send()
                    .await
                    .map_err(|e| from_sdk("ListWebAuthnCredentials", e))?;
                for c in out.credentials() {
                    all.push(PasskeyCredential {
                        credential_id: c.credential_id().to_owned(),
                        friendly_name: c.friendly_credential_name().to_owned(),
                        relying_party_id: c.relying_party_id().to_owned(),
                        authenticator_attachment: c.authenticator_attachment().map(str::to_owned),
                        transports: c.authenticator_transports().to_vec(),
                        created_at: SystemTime::try_from(*c.created_at())
                            .map_err(|_| invalid("a passkey's CreatedAt is out of range"))?,
                    });
                }
                match out.next_token() {
                    Some(token) if !token.is_empty() => next = Some(token.to_owned()),
                    _ => return Ok(all),
                }
            }
        }
        .instrument(span)
        .await
    }

    /// DeleteWebAuthnCredential: removes passkey `credential_id` of the user of `access`.
    ///
    /// Errors: [`ErrorKind::ResourceNotFound`] for a credential the user does not have.
    pub async fn delete_web_authn_credential(
        &self,
        access: &Jwt,
        credential_id: &str,
    ) -> Result<()> {
        let span = tracing::info_span!("delete_web_authn_credential");
        async move {
            self.client
                .delete_web_authn_credential()
                .access_token(access.expose_secret())
                .credential_id(credential_id)
                .send()
                .await
                .map(drop)
                .map_err(|e| from_sdk("DeleteWebAuthnCredential", e))
        }
        .instrument(span)
        .await
    }
}

/// A JSON value as the SDK's `Document` (the wire type of passkey options and responses).
pub(super) fn json_to_document(value: &Value) -> Document {
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => Document::Number(match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Number::PosInt(u),
            (None, Some(i)) => Number::NegInt(i),
            _ => Number::Float(n.as_f64().unwrap_or_default()),
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Array(items) => Document::Array(items.iter().map(json_to_document).collect()),
        Value::Object(map) => Document::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), json_to_document(v)))
                .collect::<HashMap<_, _>>(),
        ),
    }
}

/// A `Document` as JSON (a number that is not finite becomes `null`, as JSON has none).
pub(super) fn document_to_json(doc: &Document) -> Value {
    match doc {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => Value::from(*u),
        Document::Number(Number::NegInt(i)) => Value::from(*i),
        Document::Number(Number::Float(f)) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Document::String(s) => Value::String(s.clone()),
        Document::Array(items) => Value::Array(items.iter().map(document_to_json).collect()),
        Document::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), document_to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_documents_convert_both_ways() {
        let json = serde_json::json!({
            "challenge": "abc", "timeout": 180000, "alg": -7, "f": 1.5,
            "list": [true, null, {"x": "y"}],
        });
        assert_eq!(document_to_json(&json_to_document(&json)), json);
    }

    #[test]
    fn an_assertion_never_prints() {
        let a = PasskeyAssertion::from_json(&serde_json::json!({"signature": "MARKER"}));
        assert_eq!(format!("{a:?}"), "PasskeyAssertion(***)");
        assert!(a.expose_secret().contains("MARKER"));
    }
}
