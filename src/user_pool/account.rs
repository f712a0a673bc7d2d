//! The account lifecycle on a [`UserPoolClient`]: sign-up and its confirmation, a forgotten
//! password, a password change, attribute updates and their verification, and account
//! deletion. Each call is one Cognito operation; `SECRET_HASH` is added for app clients with a
//! secret. Errors keep Cognito's name ([`Error::service_code`](crate::Error::service_code)):
//! `UsernameExistsException` and `InvalidPasswordException` (with the pool's policy in the
//! message) are [`ErrorKind::InvalidParameter`], `CodeMismatchException` and
//! `ExpiredCodeException` have their own kinds, `LimitExceededException` is
//! [`ErrorKind::Throttled`].

use std::fmt;

use aws_sdk_cognitoidentityprovider::types::{AttributeType, CodeDeliveryDetailsType};

use super::UserPoolClient;
use crate::error::{ErrorKind, Result, from_sdk};
use crate::secret::{Jwt, OneTimeCode, Password};

/// Where Cognito sent a code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeDelivery {
    /// `EMAIL` or `SMS`.
    pub medium: String,
    /// The masked destination (`j***@e***`, `+*******1234`).
    pub destination: Option<String>,
    /// The attribute it went to (`email`, `phone_number`).
    pub attribute: Option<String>,
}

impl CodeDelivery {
    fn from_sdk(d: &CodeDeliveryDetailsType) -> Self {
        Self {
            medium: d
                .delivery_medium()
                .map(|m| m.as_str().to_owned())
                .unwrap_or_default(),
            destination: d.destination().map(str::to_owned),
            attribute: d.attribute_name().map(str::to_owned),
        }
    }
}

/// What [`UserPoolClient::sign_up`] did.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignUpResult {
    /// Whether the user can sign in already (a pre-sign-up trigger may confirm them).
    pub user_confirmed: bool,
    /// The new user's `sub`.
    pub user_sub: String,
    /// Where the confirmation code went, if one was sent.
    pub code_delivery: Option<CodeDelivery>,
}

impl fmt::Debug for SignUpResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignUpResult")
            .field("user_confirmed", &self.user_confirmed)
            .field("user_sub", &self.user_sub)
            .field("code_delivery", &self.code_delivery)
            .finish()
    }
}

fn attributes<I, K, V>(attributes: I) -> Result<Vec<AttributeType>>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    attributes
        .into_iter()
        .map(|(name, value)| {
            AttributeType::builder()
                .name(name)
                .value(value)
                .build()
                .map_err(|_| {
                    crate::Error::new(ErrorKind::InvalidParameter, "an attribute needs a name")
                })
        })
        .collect()
}

impl UserPoolClient {
    /// SignUp: a new user with `password` and `attributes` (`email`, `phone_number`, custom
    /// ones as `custom:<name>`), unconfirmed until [`confirm_sign_up`](Self::confirm_sign_up)
    /// unless a trigger confirms them.
    pub async fn sign_up<I, K, V>(
        &self,
        username: &str,
        password: &Password,
        user_attributes: I,
    ) -> Result<SignUpResult>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let out = self
            .client
            .sign_up()
            .client_id(self.client_id())
            .set_client_metadata(self.context.metadata())
            .set_user_context_data(self.context.context_data())
            .set_secret_hash(self.secret_hash(username))
            .username(username)
            .password(password.expose_secret())
            .set_user_attributes(Some(attributes(user_attributes)?))
            .send()
            .await
            .map_err(|e| from_sdk("SignUp", e))?;
        Ok(SignUpResult {
            user_confirmed: out.user_confirmed,
            user_sub: out.user_sub,
            code_delivery: out
                .code_delivery_details
                .as_ref()
                .map(CodeDelivery::from_sdk),
        })
    }

    /// ConfirmSignUp with the code the user received.
    pub async fn confirm_sign_up(&self, username: &str, code: &OneTimeCode) -> Result<()> {
        self.client
            .confirm_sign_up()
            .client_id(self.client_id())
            .set_client_metadata(self.context.metadata())
            .set_user_context_data(self.context.context_data())
            .set_secret_hash(self.secret_hash(username))
            .username(username)
            .confirmation_code(code.expose_secret())
            .send()
            .await
            .map(drop)
            .map_err(|e| from_sdk("ConfirmSignUp", e))
    }

    /// ResendConfirmationCode: a new sign-up code (the previous one stops working).
    pub async fn resend_confirmation_code(&self, username: &str) -> Result<Option<CodeDelivery>> {
        let out = self
            .client
            .resend_confirmation_code()
            .client_id(self.client_id())
            .set_client_metadata(self.context.metadata())
            .set_user_context_data(self.context.context_data())
            .set_secret_hash(self.secret_hash(username))
            .username(username)
            .send()
            .await
            .map_err(|e| from_sdk("ResendConfirmationCode", e))?;
        Ok(out
            .code_delivery_details
            .as_ref()
            .map(CodeDelivery::from_sdk))
    }

    /// ForgotPassword: a code to reset the password with
    /// [`confirm_forgot_password`](Self::confirm_forgot_password). With
    /// PreventUserExistenceErrors, an unknown user gets a made-up delivery, not an error.
    pub async fn forgot_password(&self, username: &str) -> Result<Option<CodeDelivery>> {
        let out = self
            .client
            .forgot_password()
            .client_id(self.client_id())
            .set_client_metadata(self.context.metadata())
            .set_user_context_data(self.context.context_data())
            .set_secret_hash(self.secret_hash(username))
            .username(username)
            .send()
            .await
            .map_err(|e| from_sdk("ForgotPassword", e))?;
        Ok(out
            .code_delivery_details
            .as_ref()
            .map(CodeDelivery::from_sdk))
    }

    /// ConfirmForgotPassword: the reset code and the new password.
    pub async fn confirm_forgot_password(
        &self,
        username: &str,
        code: &OneTimeCode,
        new_password: &Password,
    ) -> Result<()> {
        self.client
            .confirm_forgot_password()
            .client_id(self.client_id())
            .set_client_metadata(self.context.metadata())
            .set_user_context_data(self.context.context_data())
            .set_secret_hash(self.secret_hash(username))
            .username(username)
            .confirmation_code(code.expose_secret())
            .password(new_password.expose_secret())
            .send()
            .await
            .map(drop)
            .map_err(|e| from_sdk("ConfirmForgotPassword", e))
    }

    /// ChangePassword for the signed-in user of `access`.
    pub async fn change_password(
        &self,
        access: &Jwt,
        previous: &Password,
        proposed: &Password,
    ) -> Result<()> {
        self.client
            .change_password()
            .access_token(access.expose_secret())
            .previous_password(previous.expose_secret())
            .proposed_password(proposed.expose_secret())
            .send()
            .await
            .map(drop)
            .map_err(|e| from_sdk("ChangePassword", e))
    }

    /// UpdateUserAttributes; a changed `email` or `phone_number` is unverified until
    /// [`verify_user_attribute`](Self::verify_user_attribute) answers the code sent to it
    /// (the returned deliveries).
    pub async fn update_user_attributes<I, K, V>(
        &self,
        access: &Jwt,
        user_attributes: I,
    ) -> Result<Vec<CodeDelivery>>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let out = self
            .client
            .update_user_attributes()
            .access_token(access.expose_secret())
            .set_client_metadata(self.context.metadata())
            .set_user_attributes(Some(attributes(user_attributes)?))
            .send()
            .await
            .map_err(|e| from_sdk("UpdateUserAttributes", e))?;
        Ok(out
            .code_delivery_details_list()
            .iter()
            .map(CodeDelivery::from_sdk)
            .collect())
    }

    /// VerifyUserAttribute with the code sent to that attribute.
    pub async fn verify_user_attribute(
        &self,
        access: &Jwt,
        attribute: &str,
        code: &OneTimeCode,
    ) -> Result<()> {
        self.client
            .verify_user_attribute()
            .access_token(access.expose_secret())
            .attribute_name(attribute)
            .code(code.expose_secret())
            .send()
            .await
            .map(drop)
            .map_err(|e| from_sdk("VerifyUserAttribute", e))
    }

    /// DeleteUser: the signed-in user of `access` deletes their own account.
    pub async fn delete_user(&self, access: &Jwt) -> Result<()> {
        self.client
            .delete_user()
            .access_token(access.expose_secret())
            .send()
            .await
            .map(drop)
            .map_err(|e| from_sdk("DeleteUser", e))
    }
}
