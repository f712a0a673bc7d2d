//! Custom authentication (`CUSTOM_AUTH`): challenges the user pool's own Lambda triggers
//! define (a one-time code, a magic link, a CAPTCHA), optionally after the password is proven
//! by SRP; and the builders of what an app sends with its calls for those triggers and for
//! threat protection (`ClientMetadata`, `UserContextData`).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # use cognito_sigv4_emulator::{Emulator, Seed};
//! # let mut seed = Seed::reference();
//! # seed.user_pools[0].lambda_config.get_or_insert_with(Default::default).define_auth_challenge =
//! #     Some("arn:aws:lambda:us-east-1:123456789012:function:define".into());
//! # seed.user_pools[0].lambda_config.get_or_insert_with(Default::default).create_auth_challenge =
//! #     Some("arn:aws:lambda:us-east-1:123456789012:function:create".into());
//! # seed.user_pools[0].lambda_config.get_or_insert_with(Default::default).verify_auth_challenge_response =
//! #     Some("arn:aws:lambda:us-east-1:123456789012:function:verify".into());
//! # seed.user_pools[0].clients[0].explicit_auth_flows.push("ALLOW_CUSTOM_AUTH".into());
//! # let emulator = Emulator::builder()
//! #     .seed(seed)
//! #     .lambda_function("define", |mut e| async move {
//! #         let done = e["request"]["session"].as_array().is_some_and(|s| s.iter().any(|c| c["challengeResult"] == true));
//! #         e["response"] = if done { serde_json::json!({"issueTokens": true}) } else { serde_json::json!({"challengeName": "CUSTOM_CHALLENGE"}) };
//! #         Ok(e)
//! #     })
//! #     .lambda_function("create", |mut e| async move {
//! #         e["response"] = serde_json::json!({"publicChallengeParameters": {"question": "6 x 7?"}, "privateChallengeParameters": {"answer": "42"}});
//! #         Ok(e)
//! #     })
//! #     .lambda_function("verify", |mut e| async move {
//! #         e["response"]["answerCorrect"] = serde_json::json!(e["request"]["challengeAnswer"] == "42");
//! #         Ok(e)
//! #     })
//! #     .start()
//! #     .await?;
//! use cognito_sigv4::user_pool::{
//!     ChallengeAnswer, ChallengeKind, ChallengeResponse, SignInStep, UserPoolClient,
//! };
//!
//! let client = UserPoolClient::new(&emulator.config("quickstart", "web")?)?
//!     .with_client_metadata([("channel", "email")]);
//! let mut step = client.sign_in_custom("alice", None).await?;
//! while let SignInStep::Challenge(challenge) = step {
//!     let ChallengeKind::CustomChallenge { parameters } = challenge.kind() else {
//!         panic!("unexpected {}", challenge.name());
//!     };
//!     assert_eq!(parameters["question"], "6 x 7?");
//!     let answer = ChallengeResponse::custom(ChallengeAnswer::new("42"));
//!     step = client.respond(&challenge, answer).await?;
//! }
//! # emulator.shutdown().await;
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType};
use tracing::Instrument as _;
use zeroize::Zeroizing;

use super::call_context::UserContextData;
use super::challenge::{Answer, answer_of};
use super::client::log_outcome;
use super::{SignInStep, UserPoolClient, srp};
use crate::error::{Result, from_sdk};
use crate::secret::Password;

/// The answer to a custom challenge (`ANSWER`): a secret (a one-time code, a magic link's
/// token), zeroized on drop; `Debug` never shows it.
#[derive(Clone)]
pub struct ChallengeAnswer(Zeroizing<String>);

impl ChallengeAnswer {
    /// Wraps the answer.
    pub fn new(answer: impl Into<String>) -> Self {
        Self(Zeroizing::new(answer.into()))
    }

    /// The answer itself, for sending it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ChallengeAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChallengeAnswer(***)")
    }
}

impl UserPoolClient {
    /// This client, sending `metadata` as `ClientMetadata` with every call that takes it
    /// (sign-in, challenge answers, refresh, sign-up, confirmations, forgotten password,
    /// attribute updates): the pool's Lambda triggers receive it as `clientMetadata`
    /// (pre-authentication as `validationData`). Cognito does not store it.
    pub fn with_client_metadata<I, K, V>(&self, metadata: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let mut context = (*self.context).clone();
        context.client_metadata = metadata
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let mut client = self.clone();
        client.context = Arc::new(context);
        client
    }

    /// This client, sending `data` as `UserContextData` with every call that takes it
    /// (sign-in, challenge answers, sign-up, confirmations, forgotten password), for the
    /// pool's threat protection.
    pub fn with_user_context_data(&self, data: UserContextData) -> Self {
        let mut context = (*self.context).clone();
        context.user_context_data = Some(data);
        let mut client = self.clone();
        client.context = Arc::new(context);
        client
    }

    /// The `ClientMetadata` this client sends.
    pub fn client_metadata(&self) -> &BTreeMap<String, String> {
        &self.context.client_metadata
    }

    /// Signs in with `CUSTOM_AUTH`: the pool's define-auth-challenge trigger decides the
    /// challenges, answered with [`ChallengeResponse::CustomAnswer`](super::ChallengeResponse::CustomAnswer)
    /// through [`respond`](Self::respond) for as long as it asks
    /// ([`ChallengeKind::CustomChallenge`](super::ChallengeKind::CustomChallenge)). With
    /// `password`, the sign-in begins with `SRP_A` and proves the password by SRP first, for
    /// pools whose trigger asks for it (`PASSWORD_VERIFIER`) before its own challenges.
    ///
    /// Errors: [`ErrorKind::InvalidParameter`](crate::ErrorKind::InvalidParameter) when the
    /// app client does not allow `ALLOW_CUSTOM_AUTH` or the pool has no custom-auth triggers;
    /// [`ErrorKind::NotAuthorized`](crate::ErrorKind::NotAuthorized) when the trigger fails the
    /// sign-in or the password is wrong; a trigger's own failure
    /// (`UserLambdaValidationException`...) as a service error; network errors.
    pub async fn sign_in_custom(
        &self,
        username: &str,
        password: Option<&Password>,
    ) -> Result<SignInStep> {
        let span = tracing::info_span!("sign_in", flow = "CUSTOM_AUTH", srp = password.is_some());
        async move {
            let step = self.sign_in_custom_inner(username, password).await;
            log_outcome(&step);
            step
        }
        .instrument(span)
        .await
    }

    async fn sign_in_custom_inner(
        &self,
        username: &str,
        password: Option<&Password>,
    ) -> Result<SignInStep> {
        let eph = password.map(|_| srp::SrpClientEphemeral::generate());
        let mut req = self
            .client
            .initiate_auth()
            .auth_flow(AuthFlowType::CustomAuth)
            .client_id(self.client_id())
            .auth_parameters("USERNAME", username)
            .set_client_metadata(self.context.metadata())
            .set_user_context_data(self.context.context_data());
        if let Some(eph) = &eph {
            // Amplify's CUSTOM_WITH_SRP: the first challenge is the client's SRP_A.
            req = req
                .auth_parameters("SRP_A", eph.public_a_hex())
                .auth_parameters("CHALLENGE_NAME", "SRP_A");
        }
        if let Some(hash) = self.secret_hash(username) {
            req = req.auth_parameters("SECRET_HASH", hash);
        }
        if let Some(device) = &self.device {
            req = req.auth_parameters("DEVICE_KEY", device.key());
        }
        let out = req.send().await.map_err(|e| from_sdk("InitiateAuth", e))?;
        match (out.challenge_name(), eph.as_ref().zip(password)) {
            (Some(ChallengeNameType::PasswordVerifier), Some((eph, password))) => {
                self.answer_password_verifier(
                    eph,
                    password,
                    out.challenge_parameters(),
                    out.session(),
                )
                .await
            }
            _ => self.advance(answer_of!(out), username).await,
        }
    }
}
