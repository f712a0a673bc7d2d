//! Reading Cognito's answers: an InitiateAuth or RespondToAuthChallenge output becomes tokens
//! or a typed challenge; malformed answers become [`ErrorKind::InvalidResponse`].

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::{AuthenticationResultType, ChallengeNameType};

use super::types::earliest;
use super::{
    Challenge, ChallengeKind, MfaKind, NewDeviceMetadata, SignInStep, Tokens, UserPoolClient,
};
use crate::error::{Error, ErrorKind, Result};
use crate::jwt::UnverifiedClaims;
use crate::secret::{ChallengeSession, Jwt, RefreshToken};
use crate::time::shift;

/// The parts of an InitiateAuth / RespondToAuthChallenge answer that decide the next step.
pub(super) struct Answer<'a> {
    pub(super) challenge: Option<&'a ChallengeNameType>,
    pub(super) parameters: Option<&'a HashMap<String, String>>,
    pub(super) session: Option<&'a str>,
    pub(super) result: Option<&'a AuthenticationResultType>,
}

/// The [`Answer`] in an InitiateAuth or RespondToAuthChallenge output: two SDK types with the
/// same accessors, so a macro rather than a function.
macro_rules! answer_of {
    ($out:expr) => {
        Answer {
            challenge: $out.challenge_name(),
            parameters: $out.challenge_parameters(),
            session: $out.session(),
            result: $out.authentication_result(),
        }
    };
}
pub(super) use answer_of;

impl UserPoolClient {
    /// Turns an answer into tokens or a typed challenge.
    pub(super) fn next_step(&self, answer: Answer<'_>, username: &str) -> Result<SignInStep> {
        if let Some(name) = answer.challenge {
            let empty = HashMap::new();
            let params = answer.parameters.unwrap_or(&empty);
            let kind = challenge_kind(name.as_str(), params)?;
            // Cognito names the user in the challenge; prefer that over what we sent.
            let username = params
                .get("USER_ID_FOR_SRP")
                .or_else(|| params.get("USERNAME"))
                .map(String::as_str)
                .filter(|u| !u.is_empty())
                .unwrap_or(username);
            return Ok(SignInStep::Challenge(Challenge {
                kind,
                username: username.to_owned(),
                session: answer.session.map(ChallengeSession::new),
            }));
        }
        match answer.result {
            // A sign-in has no earlier refresh token to keep.
            Some(result) => self.tokens_from(result, None).map(SignInStep::Done),
            None => Err(invalid(
                "the answer has neither a challenge nor an AuthenticationResult",
            )),
        }
    }

    /// Builds [`Tokens`] from an AuthenticationResult, keeping `old_refresh` when none came.
    pub(super) fn tokens_from(
        &self,
        result: &AuthenticationResultType,
        old_refresh: Option<&RefreshToken>,
    ) -> Result<Tokens> {
        let id = result
            .id_token()
            .ok_or_else(|| invalid("AuthenticationResult without IdToken"))?;
        let access = result
            .access_token()
            .ok_or_else(|| invalid("AuthenticationResult without AccessToken"))?;
        let id_claims = UnverifiedClaims::decode(id)
            .map_err(|e| invalid(&format!("IdToken: {}", e.message())))?;
        let access_claims = UnverifiedClaims::decode(access)
            .map_err(|e| invalid(&format!("AccessToken: {}", e.message())))?;
        let username = access_claims
            .username()
            .or_else(|| id_claims.cognito_username())
            .ok_or_else(|| invalid("the tokens name no username"))?
            .to_owned();
        let expires_at = earliest(id_claims.exp(), access_claims.exp()).unwrap_or_else(|| {
            let secs = u64::try_from(result.expires_in()).unwrap_or(0);
            shift(self.clock.now(), self.skew.offset_secs()) + Duration::from_secs(secs)
        });
        let refresh = result
            .refresh_token()
            .filter(|r| !r.is_empty())
            .map(RefreshToken::new)
            .or_else(|| old_refresh.cloned());
        Ok(Tokens {
            id: Jwt::new(id),
            access: Jwt::new(access),
            refresh,
            expires_at,
            username,
            new_device: result.new_device_metadata().and_then(|m| {
                Some(NewDeviceMetadata::new(
                    m.device_key()?,
                    m.device_group_key()?,
                ))
            }),
        })
    }
}

/// An answer that is not what the operation promises.
pub(super) fn invalid(message: &str) -> Error {
    Error::new(ErrorKind::InvalidResponse, message)
}

/// The typed challenge for a challenge name and its parameters.
pub(super) fn challenge_kind(
    name: &str,
    params: &HashMap<String, String>,
) -> Result<ChallengeKind> {
    let get = |key: &str| params.get(key).filter(|v| !v.is_empty()).cloned();
    Ok(match name {
        "NEW_PASSWORD_REQUIRED" => ChallengeKind::NewPasswordRequired {
            required_attributes: json_string_list(params.get("requiredAttributes"))?
                .into_iter()
                .map(|a| match a.strip_prefix("userAttributes.") {
                    Some(rest) => rest.to_owned(),
                    None => a,
                })
                .collect(),
            user_attributes: json_attributes(params.get("userAttributes"))?,
        },
        "SMS_MFA" => ChallengeKind::SmsMfa {
            destination: get("CODE_DELIVERY_DESTINATION"),
        },
        "SOFTWARE_TOKEN_MFA" => ChallengeKind::SoftwareTokenMfa,
        "EMAIL_OTP" => ChallengeKind::EmailOtp {
            destination: get("CODE_DELIVERY_DESTINATION"),
        },
        "SELECT_MFA_TYPE" => ChallengeKind::SelectMfaType {
            options: json_string_list(params.get("MFAS_CAN_CHOOSE"))?
                .iter()
                .map(|k| MfaKind::parse(k))
                .collect(),
        },
        "MFA_SETUP" => ChallengeKind::MfaSetup {
            options: json_string_list(params.get("MFAS_CAN_SETUP"))?
                .iter()
                .map(|k| MfaKind::parse(k))
                .collect(),
        },
        // USER_AUTH: the factors come in the answer's `AvailableChallenges`, filled in there.
        "SELECT_CHALLENGE" => ChallengeKind::SelectChallenge {
            available: Vec::new(),
        },
        "SMS_OTP" => ChallengeKind::SmsOtp {
            destination: get("CODE_DELIVERY_DESTINATION"),
        },
        "PASSWORD" => ChallengeKind::Password,
        "PASSWORD_SRP" => ChallengeKind::PasswordSrp,
        "WEB_AUTHN" => ChallengeKind::WebAuthn {
            request_options: params
                .get("CREDENTIAL_REQUEST_OPTIONS")
                .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
                .filter(serde_json::Value::is_object)
                .ok_or_else(|| invalid("WEB_AUTHN without CREDENTIAL_REQUEST_OPTIONS"))?,
        },
        "CUSTOM_CHALLENGE" => ChallengeKind::CustomChallenge {
            parameters: params
                .iter()
                .filter(|(k, _)| k.as_str() != "USERNAME")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        },
        other => {
            return Err(Error::new(
                ErrorKind::UnknownChallenge,
                format!(
                    "the service asked for challenge `{other}`, which this crate does not handle"
                ),
            ));
        }
    })
}

/// A challenge parameter holding a JSON array of strings (absent: empty).
fn json_string_list(value: Option<&String>) -> Result<Vec<String>> {
    let Some(text) = value.filter(|t| !t.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    serde_json::from_str::<Vec<String>>(text)
        .map_err(|_| invalid("a challenge parameter is not a JSON list of strings"))
}

/// `userAttributes`: a JSON object of attribute values (absent: empty).
fn json_attributes(value: Option<&String>) -> Result<BTreeMap<String, String>> {
    let Some(text) = value.filter(|t| !t.trim().is_empty()) else {
        return Ok(BTreeMap::new());
    };
    let map = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
        .map_err(|_| invalid("userAttributes is not a JSON object"))?;
    Ok(map
        .into_iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn challenges_parse_into_typed_kinds() {
        let kind = challenge_kind(
            "NEW_PASSWORD_REQUIRED",
            &params(&[
                (
                    "requiredAttributes",
                    r#"["userAttributes.given_name","family_name"]"#,
                ),
                (
                    "userAttributes",
                    r#"{"email":"a@example.com","email_verified":"true"}"#,
                ),
            ]),
        )
        .unwrap();
        let ChallengeKind::NewPasswordRequired {
            required_attributes,
            user_attributes,
        } = kind
        else {
            panic!("wrong kind {kind:?}");
        };
        assert_eq!(required_attributes, ["given_name", "family_name"]);
        assert_eq!(user_attributes["email"], "a@example.com");

        let kind = challenge_kind(
            "SELECT_MFA_TYPE",
            &params(&[(
                "MFAS_CAN_CHOOSE",
                r#"["SMS_MFA","SOFTWARE_TOKEN_MFA","WEBAUTHN"]"#,
            )]),
        )
        .unwrap();
        assert_eq!(
            kind,
            ChallengeKind::SelectMfaType {
                options: vec![
                    MfaKind::Sms,
                    MfaKind::SoftwareToken,
                    MfaKind::Other("WEBAUTHN".into())
                ]
            }
        );
        let kind = challenge_kind(
            "SMS_MFA",
            &params(&[("CODE_DELIVERY_DESTINATION", "+*******1234")]),
        )
        .unwrap();
        assert_eq!(
            kind,
            ChallengeKind::SmsMfa {
                destination: Some("+*******1234".into())
            }
        );
        assert_eq!(
            challenge_kind("MFA_SETUP", &params(&[])).unwrap(),
            ChallengeKind::MfaSetup { options: vec![] }
        );
    }

    #[test]
    fn unknown_challenge_is_a_typed_error_naming_it() {
        let err = challenge_kind("ADMIN_NO_SRP_CHALLENGE", &params(&[])).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnknownChallenge);
        assert!(err.message().contains("ADMIN_NO_SRP_CHALLENGE"), "{err}");
    }

    #[test]
    fn custom_challenge_carries_the_public_parameters_without_the_username() {
        let kind = challenge_kind(
            "CUSTOM_CHALLENGE",
            &params(&[("USERNAME", "jdoe"), ("hint", "the code we sent")]),
        )
        .unwrap();
        let ChallengeKind::CustomChallenge { parameters } = kind else {
            panic!("{kind:?}");
        };
        assert_eq!(parameters.len(), 1);
        assert_eq!(parameters["hint"], "the code we sent");
    }

    #[test]
    fn garbage_challenge_parameters_are_invalid_responses() {
        let err = challenge_kind(
            "SELECT_MFA_TYPE",
            &params(&[("MFAS_CAN_CHOOSE", "SMS_MFA,oops")]),
        )
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
    }
}
