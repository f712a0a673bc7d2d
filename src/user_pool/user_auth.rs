//! Choice-based and passwordless sign-in: InitiateAuth `USER_AUTH`.
//!
//! Cognito offers the user's *first factors* (a password, by SRP or in the clear, a one-time code
//! by e-mail or SMS, a passkey) and the app picks one, up front
//! ([`UserPoolClient::sign_in_user_auth`] with a preference) or when Cognito answers
//! `SELECT_CHALLENGE` ([`ChallengeKind::SelectChallenge`], answered with
//! [`ChallengeResponse::SelectChallenge`], [`ChallengeResponse::SelectPassword`] or
//! [`ChallengeResponse::SelectPasswordSrp`]). The SRP arithmetic of `PASSWORD_SRP` is done here,
//! so an app only ever hands over the password; a passkey's ceremony is the app's (the crate
//! does not talk to authenticators): it gets the `CREDENTIAL_REQUEST_OPTIONS` of
//! [`ChallengeKind::WebAuthn`] and answers with the authenticator's response
//! ([`ChallengeResponse::WebAuthnCredential`]).
//!
//! The app client must allow `ALLOW_USER_AUTH`, and the pool's sign-in policy the factors
//! used. A passwordless factor is the whole sign-in: Cognito asks no MFA after it (and does not
//! offer passwordless factors to users with MFA).

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider as idp;
use idp::types::{AuthFlowType, ChallengeNameType};
use tracing::Instrument as _;
use zeroize::Zeroize;

use super::challenge::{Answer, answer_of, invalid};
use super::client::log_outcome;
use super::device::is_unknown_device;
use super::{
    AuthFlow, Challenge, ChallengeKind, ChallengeResponse, SignInStep, UserPoolClient, srp,
};
use crate::error::{Error, ErrorKind, Result, from_sdk};
use crate::secret::Password;
use crate::time::shift;

/// A first factor of a `USER_AUTH` sign-in (Cognito's `AvailableChallenges`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FirstFactor {
    /// `PASSWORD`: the password, sent to Cognito over TLS.
    Password,
    /// `PASSWORD_SRP`: the password proven by SRP; it never leaves the device.
    PasswordSrp,
    /// `EMAIL_OTP`: a one-time code sent to the user's e-mail address.
    EmailOtp,
    /// `SMS_OTP`: a one-time code sent by SMS to the user's phone number.
    SmsOtp,
    /// `WEB_AUTHN`: a passkey (WebAuthn credential) registered with
    /// [`UserPoolClient::start_web_authn_registration`].
    WebAuthn,
    /// A factor this crate does not know, by Cognito's name.
    Other(String),
}

impl FirstFactor {
    /// Cognito's name of the factor (`PASSWORD_SRP`, `EMAIL_OTP`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            FirstFactor::Password => "PASSWORD",
            FirstFactor::PasswordSrp => "PASSWORD_SRP",
            FirstFactor::EmailOtp => "EMAIL_OTP",
            FirstFactor::SmsOtp => "SMS_OTP",
            FirstFactor::WebAuthn => "WEB_AUTHN",
            FirstFactor::Other(name) => name,
        }
    }

    /// The factor Cognito names `name`.
    pub fn from_name(name: &str) -> Self {
        match name {
            "PASSWORD" => FirstFactor::Password,
            "PASSWORD_SRP" => FirstFactor::PasswordSrp,
            "EMAIL_OTP" => FirstFactor::EmailOtp,
            "SMS_OTP" => FirstFactor::SmsOtp,
            "WEB_AUTHN" => FirstFactor::WebAuthn,
            other => FirstFactor::Other(other.to_owned()),
        }
    }

    fn needs_password(&self) -> bool {
        matches!(self, FirstFactor::Password | FirstFactor::PasswordSrp)
    }
}

/// The typed error for an answer that does not fit the challenge.
fn unfit(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidParameter, message)
}

impl UserPoolClient {
    /// Starts a choice-based sign-in (`USER_AUTH`). Without `preferred`, or when the preferred
    /// factor is not available to the user, Cognito answers
    /// [`ChallengeKind::SelectChallenge`] with the factors to choose from; with `EmailOtp` or
    /// `SmsOtp` a code is sent and [`ChallengeKind::EmailOtp`] / [`ChallengeKind::SmsOtp`]
    /// follows; with `WebAuthn`, [`ChallengeKind::WebAuthn`].
    ///
    /// A password factor needs the password: use
    /// [`sign_in_user_auth_with_password`](Self::sign_in_user_auth_with_password).
    ///
    /// Errors: [`ErrorKind::InvalidParameter`] for a password preference, or when the app client
    /// does not allow `ALLOW_USER_AUTH` (Cognito's `USER_AUTH flow not enabled for this
    /// client`); [`ErrorKind::UserNotFound`], [`ErrorKind::NotAuthorized`],
    /// [`ErrorKind::UserNotConfirmed`], network and service errors.
    pub async fn sign_in_user_auth(
        &self,
        username: &str,
        preferred: Option<FirstFactor>,
    ) -> Result<SignInStep> {
        let span = tracing::info_span!(
            "sign_in",
            flow = "USER_AUTH",
            preferred = preferred.as_ref().map(FirstFactor::as_str)
        );
        async move {
            let step = match preferred {
                Some(f) if f.needs_password() => Err(unfit(format!(
                    "{} needs the password: use sign_in_user_auth_with_password",
                    f.as_str()
                ))),
                preferred => {
                    let mut params = Vec::new();
                    if let Some(f) = preferred {
                        params.push(("PREFERRED_CHALLENGE", f.as_str().to_owned()));
                    }
                    self.initiate_user_auth(username, params, None).await
                }
            };
            log_outcome(&step);
            step
        }
        .instrument(span)
        .await
    }

    /// A `USER_AUTH` sign-in with the password as the preferred first factor: `PASSWORD_SRP`
    /// (the SRP exchange is finished here) for [`AuthFlow::Srp`], `PASSWORD` for
    /// [`AuthFlow::Password`]. MFA may follow, as after any password.
    ///
    /// Errors: as [`sign_in_user_auth`](Self::sign_in_user_auth); a wrong password is
    /// [`ErrorKind::NotAuthorized`].
    pub async fn sign_in_user_auth_with_password(
        &self,
        username: &str,
        password: &Password,
        flow: AuthFlow,
    ) -> Result<SignInStep> {
        let span = tracing::info_span!("sign_in", flow = "USER_AUTH", password = flow.as_str());
        async move {
            let step = match flow {
                AuthFlow::Password => {
                    let params = vec![
                        ("PREFERRED_CHALLENGE", "PASSWORD".to_owned()),
                        ("PASSWORD", password.expose_secret().to_owned()),
                    ];
                    self.initiate_user_auth(username, params, None).await
                }
                // USER_AUTH proves a password by SRP or sends it; CUSTOM_AUTH is another flow.
                AuthFlow::Srp | AuthFlow::CustomWithSrp => {
                    let eph = srp::SrpClientEphemeral::generate();
                    let params = vec![
                        ("PREFERRED_CHALLENGE", "PASSWORD_SRP".to_owned()),
                        ("SRP_A", eph.public_a_hex()),
                    ];
                    self.initiate_user_auth(username, params, Some((&eph, password)))
                        .await
                }
            };
            log_outcome(&step);
            step
        }
        .instrument(span)
        .await
    }

    /// InitiateAuth `USER_AUTH` with USERNAME, SECRET_HASH and `params`; a PASSWORD_VERIFIER
    /// answer is finished with `srp`'s ephemeral and password.
    async fn initiate_user_auth(
        &self,
        username: &str,
        mut params: Vec<(&str, String)>,
        srp: Option<(&srp::SrpClientEphemeral, &Password)>,
    ) -> Result<SignInStep> {
        let mut req = self
            .client
            .initiate_auth()
            .auth_flow(AuthFlowType::UserAuth)
            .client_id(self.client_id())
            .auth_parameters("USERNAME", username)
            .set_client_metadata(self.context.metadata())
            .set_user_context_data(self.context.context_data());
        // At InitiateAuth the typed name is the one Cognito checks the hash against.
        if let Some(hash) = self.secret_hash(username) {
            req = req.auth_parameters("SECRET_HASH", hash);
        }
        for (k, v) in &params {
            req = req.auth_parameters(*k, v);
        }
        for (_, v) in &mut params {
            v.zeroize();
        }
        let out = req.send().await.map_err(|e| from_sdk("InitiateAuth", e))?;
        if let (Some(ChallengeNameType::PasswordVerifier), Some((eph, password))) =
            (out.challenge_name(), srp)
        {
            return self
                .answer_password_verifier(eph, password, out.challenge_parameters(), out.session())
                .await;
        }
        self.user_auth_step(answer_of!(out), out.available_challenges(), username)
            .await
    }

    /// The next step of a `USER_AUTH` answer (a remembered device proven first when Cognito
    /// asks); `SELECT_CHALLENGE` gets its factors from the answer's top-level
    /// `AvailableChallenges`.
    async fn user_auth_step(
        &self,
        answer: Answer<'_>,
        available: &[ChallengeNameType],
        username: &str,
    ) -> Result<SignInStep> {
        let mut step = self.advance(answer, username).await?;
        if let SignInStep::Challenge(ch) = &mut step
            && let ChallengeKind::SelectChallenge { available: list } = &mut ch.kind
        {
            *list = available
                .iter()
                .map(|c| FirstFactor::from_name(c.as_str()))
                .collect();
        }
        Ok(step)
    }

    /// Answers the challenges of a `USER_AUTH` sign-in (called by
    /// [`respond`](Self::respond) for them).
    pub(super) async fn respond_user_auth(
        &self,
        challenge: &Challenge,
        response: ChallengeResponse,
    ) -> Result<SignInStep> {
        let (name, answers, srp): (&str, Vec<(&str, String)>, _) = match (&challenge.kind, response)
        {
            (ChallengeKind::SelectChallenge { .. }, ChallengeResponse::SelectChallenge(f)) => {
                if f.needs_password() {
                    return Err(unfit(format!(
                        "{} is chosen with the password: answer SelectPassword or SelectPasswordSrp",
                        f.as_str()
                    )));
                }
                let answer = f.as_str().to_owned();
                ("SELECT_CHALLENGE", vec![("ANSWER", answer)], None)
            }
            (ChallengeKind::SelectChallenge { .. }, ChallengeResponse::SelectPassword(pw)) => (
                "SELECT_CHALLENGE",
                vec![
                    ("ANSWER", "PASSWORD".to_owned()),
                    ("PASSWORD", pw.expose_secret().to_owned()),
                ],
                None,
            ),
            (ChallengeKind::SelectChallenge { .. }, ChallengeResponse::SelectPasswordSrp(pw)) => {
                let eph = srp::SrpClientEphemeral::generate();
                let answers = vec![
                    ("ANSWER", "PASSWORD_SRP".to_owned()),
                    ("SRP_A", eph.public_a_hex()),
                ];
                ("SELECT_CHALLENGE", answers, Some((eph, pw)))
            }
            (ChallengeKind::Password, ChallengeResponse::Password(pw)) => (
                "PASSWORD",
                vec![("PASSWORD", pw.expose_secret().to_owned())],
                None,
            ),
            (ChallengeKind::PasswordSrp, ChallengeResponse::Password(pw)) => {
                let eph = srp::SrpClientEphemeral::generate();
                let answers = vec![("SRP_A", eph.public_a_hex())];
                ("PASSWORD_SRP", answers, Some((eph, pw)))
            }
            (ChallengeKind::SmsOtp { .. }, ChallengeResponse::MfaCode(code)) => (
                "SMS_OTP",
                vec![("SMS_OTP_CODE", code.expose_secret().to_owned())],
                None,
            ),
            (ChallengeKind::WebAuthn { .. }, ChallengeResponse::WebAuthnCredential(c)) => (
                "WEB_AUTHN",
                vec![("CREDENTIAL", c.expose_secret().to_owned())],
                None,
            ),
            (kind, response) => {
                return Err(unfit(format!(
                    "{} cannot be answered with {}",
                    kind.name(),
                    super::client::response_name(&response)
                )));
            }
        };
        let session = challenge.session.as_ref();
        let out = self
            .send_raw_answer(&challenge.username, name, session, answers)
            .await?;
        if let (Some(ChallengeNameType::PasswordVerifier), Some((eph, password))) =
            (out.challenge_name(), &srp)
        {
            return self
                .answer_password_verifier(eph, password, out.challenge_parameters(), out.session())
                .await;
        }
        // A RespondToAuthChallenge answer has no AvailableChallenges of its own.
        self.user_auth_step(answer_of!(out), &[], &challenge.username)
            .await
    }

    /// Answers PASSWORD_VERIFIER (USER_SRP_AUTH, and USER_AUTH's PASSWORD_SRP): the SRP proof,
    /// with the timestamp in Cognito's time as best known (a timestamp cannot be retried: the
    /// challenge is single-use, so a `Date` from this very exchange may correct it). From here
    /// on Cognito's own username (`USER_ID_FOR_SRP`), not the alias typed.
    pub(super) async fn answer_password_verifier(
        &self,
        eph: &srp::SrpClientEphemeral,
        password: &Password,
        params: Option<&HashMap<String, String>>,
        session: Option<&str>,
    ) -> Result<SignInStep> {
        let params =
            params.ok_or_else(|| invalid("PASSWORD_VERIFIER without challenge parameters"))?;
        let param = |name: &str| {
            params
                .get(name)
                .map(String::as_str)
                .ok_or_else(|| invalid(&format!("PASSWORD_VERIFIER without {name}")))
        };
        let user_id = param("USER_ID_FOR_SRP")?;
        let secret_block = param("SECRET_BLOCK")?;
        let challenge = srp::PasswordVerifierChallenge {
            user_pool_id: self.user_pool_id(),
            user_id_for_srp: user_id,
            salt_hex: param("SALT")?,
            srp_b_hex: param("SRP_B")?,
            secret_block_b64: secret_block,
        };
        let timestamp =
            srp::cognito_timestamp(shift(self.clock.now(), self.skew.offset_for_timestamp()));
        let signature = srp::password_claim_signature(eph, &challenge, password, &timestamp)?;
        let verifier = Challenge {
            kind: ChallengeKind::PasswordSrp,
            username: user_id.to_owned(),
            session: session.map(crate::secret::ChallengeSession::new),
        };
        let answers = || {
            vec![
                ("PASSWORD_CLAIM_SECRET_BLOCK", secret_block.to_owned()),
                ("PASSWORD_CLAIM_SIGNATURE", signature.clone()),
                ("TIMESTAMP", timestamp.clone()),
            ]
        };
        // A remembered device is named with the proof, as USER_SRP_AUTH names it; one Cognito
        // no longer knows is refused before the proof is spent: sign in as a new device.
        let (client, out) = match self.device() {
            Some(device) => {
                let mut named = answers();
                named.push(("DEVICE_KEY", device.key().to_owned()));
                match self
                    .send_raw_answer(
                        &verifier.username,
                        "PASSWORD_VERIFIER",
                        verifier.session.as_ref(),
                        named,
                    )
                    .await
                {
                    Err(e) if is_unknown_device(&e) => {
                        let fresh = self.with_device(None);
                        let out = fresh
                            .send_raw_answer(
                                &verifier.username,
                                "PASSWORD_VERIFIER",
                                verifier.session.as_ref(),
                                answers(),
                            )
                            .await?;
                        (fresh, out)
                    }
                    out => (self.clone(), out?),
                }
            }
            None => {
                let out = self
                    .send_raw_answer(
                        &verifier.username,
                        "PASSWORD_VERIFIER",
                        verifier.session.as_ref(),
                        answers(),
                    )
                    .await?;
                (self.clone(), out)
            }
        };
        client.user_auth_step(answer_of!(out), &[], user_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::super::challenge::challenge_kind;
    use super::*;

    #[test]
    fn user_auth_challenges_parse_into_typed_kinds() {
        let params = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        let none = params(&[]);
        assert_eq!(
            challenge_kind("SELECT_CHALLENGE", &none).unwrap(),
            ChallengeKind::SelectChallenge { available: vec![] }
        );
        assert_eq!(
            challenge_kind("PASSWORD", &none).unwrap(),
            ChallengeKind::Password
        );
        assert_eq!(
            challenge_kind("PASSWORD_SRP", &none).unwrap(),
            ChallengeKind::PasswordSrp
        );
        let sms = params(&[("CODE_DELIVERY_DESTINATION", "+*******0100")]);
        assert_eq!(
            challenge_kind("SMS_OTP", &sms).unwrap(),
            ChallengeKind::SmsOtp {
                destination: Some("+*******0100".into())
            }
        );
        let web = params(&[(
            "CREDENTIAL_REQUEST_OPTIONS",
            r#"{"challenge":"abc","rpId":"example.com"}"#,
        )]);
        let ChallengeKind::WebAuthn { request_options } =
            challenge_kind("WEB_AUTHN", &web).unwrap()
        else {
            panic!("not WEB_AUTHN");
        };
        assert_eq!(request_options["rpId"], "example.com");
        // Options that are missing or not a JSON object are the service's fault.
        for bad in [none, params(&[("CREDENTIAL_REQUEST_OPTIONS", "[1]")])] {
            let e = challenge_kind("WEB_AUTHN", &bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidResponse);
        }
    }

    #[test]
    fn first_factors_round_trip_their_names() {
        for name in [
            "PASSWORD",
            "PASSWORD_SRP",
            "EMAIL_OTP",
            "SMS_OTP",
            "WEB_AUTHN",
            "X",
        ] {
            assert_eq!(FirstFactor::from_name(name).as_str(), name);
        }
        assert_eq!(
            FirstFactor::from_name("X"),
            FirstFactor::Other("X".to_owned())
        );
    }
}
