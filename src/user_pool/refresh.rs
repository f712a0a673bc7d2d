//! Refresh (REFRESH_TOKEN_AUTH, and GetTokensFromRefreshToken for rotating app clients),
//! revocation and global sign-out: the calls a signed-in user's refresh token and access token
//! make.

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use tracing::Instrument as _;

use super::challenge::invalid;
use super::{Tokens, UserPoolClient};
use crate::error::{Error, ErrorKind, Result, from_sdk};
use crate::secret::RefreshToken;

impl UserPoolClient {
    /// Gets fresh ID and access tokens with `REFRESH_TOKEN_AUTH`. The refresh token stays the
    /// same (Cognito returns none here), so the result keeps the old one.
    ///
    /// Errors: [`ErrorKind::SessionEnded`] if `tokens` has no refresh token;
    /// [`ErrorKind::NotAuthorized`] if the refresh token was revoked, expired, or the user signed
    /// out everywhere (check [`Error::ends_session`]); network and service errors (retryable).
    pub async fn refresh(&self, tokens: &Tokens) -> Result<Tokens> {
        self.refresh_token(refresh_token_of(tokens)?, &tokens.username)
            .await
    }

    /// [`refresh`](Self::refresh) with only the refresh token and Cognito's username for the
    /// user (needed for `SECRET_HASH`): what a stored session keeps.
    pub async fn refresh_token(&self, refresh: &RefreshToken, username: &str) -> Result<Tokens> {
        let span = tracing::info_span!("refresh", rotation = false);
        async move {
            let result = self.refresh_inner(refresh, username).await;
            log_refresh(&result);
            result
        }
        .instrument(span)
        .await
    }

    async fn refresh_inner(&self, refresh: &RefreshToken, username: &str) -> Result<Tokens> {
        let mut req = self
            .client
            .initiate_auth()
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .client_id(&self.client_id)
            .auth_parameters("REFRESH_TOKEN", refresh.expose_secret())
            .set_client_metadata(self.context.metadata());
        // Cognito checks the hash against the token's user: its username, never the alias.
        if let Some(hash) = self.secret_hash(username) {
            req = req.auth_parameters("SECRET_HASH", hash);
        }
        // Sign-ins name the device to prove; refreshes, the device their token is bound to.
        if let Some(device) = &self.device {
            req = req.auth_parameters("DEVICE_KEY", device.key());
        }
        let out = req.send().await.map_err(|e| from_sdk("InitiateAuth", e))?;
        match out.authentication_result() {
            Some(result) => self.tokens_from(result, Some(refresh)),
            None => Err(invalid(
                "REFRESH_TOKEN_AUTH answered without AuthenticationResult",
            )),
        }
    }

    /// Gets fresh tokens with GetTokensFromRefreshToken, the operation for app clients that
    /// rotate refresh tokens: the answer's new refresh token replaces the old one (which the
    /// service retires), and the old one is kept when none comes back.
    ///
    /// Errors: as [`refresh`](Self::refresh); reusing a retired refresh token fails with
    /// [`ErrorKind::NotAuthorized`].
    pub async fn refresh_with_rotation(&self, tokens: &Tokens) -> Result<Tokens> {
        self.refresh_token_rotating(refresh_token_of(tokens)?, &tokens.username)
            .await
    }

    /// [`refresh_with_rotation`](Self::refresh_with_rotation) with only the refresh token and
    /// Cognito's username (unused by the operation, kept for symmetry with
    /// [`refresh_token`](Self::refresh_token)).
    pub async fn refresh_token_rotating(
        &self,
        refresh: &RefreshToken,
        _username: &str,
    ) -> Result<Tokens> {
        let span = tracing::info_span!("refresh", rotation = true);
        async move {
            let result = self.refresh_rotation_inner(refresh).await;
            log_refresh(&result);
            result
        }
        .instrument(span)
        .await
    }

    async fn refresh_rotation_inner(&self, refresh: &RefreshToken) -> Result<Tokens> {
        let mut req = self
            .client
            .get_tokens_from_refresh_token()
            .client_id(&self.client_id)
            .refresh_token(refresh.expose_secret())
            .set_device_key(self.device.as_ref().map(|d| d.key().to_owned()))
            .set_client_metadata(self.context.metadata());
        if let Some(secret) = &self.client_secret {
            req = req.client_secret(secret.expose_secret());
        }
        let out = req
            .send()
            .await
            .map_err(|e| from_sdk("GetTokensFromRefreshToken", e))?;
        match out.authentication_result() {
            Some(result) => self.tokens_from(result, Some(refresh)),
            None => Err(invalid(
                "GetTokensFromRefreshToken answered without AuthenticationResult",
            )),
        }
    }

    /// Signs out this device: revokes the refresh token (RevokeToken, with the client secret
    /// when configured), so it and the tokens issued from it can no longer be refreshed.
    /// `tokens` is consumed, so the caller's copy is dropped (and zeroized) whatever the outcome.
    ///
    /// Already-issued ID and access tokens **stay valid at API Gateway until they expire**
    /// (`expires_at`, an hour by default): API Gateway checks only their signature and expiry.
    /// Keep token lifetimes short if that matters.
    ///
    /// Without a refresh token there is nothing to revoke at the service; this returns `Ok`.
    pub async fn revoke(&self, tokens: Tokens) -> Result<()> {
        match &tokens.refresh {
            Some(refresh) => self.revoke_refresh_token(refresh).await,
            None => Ok(()),
        }
    }

    /// Revokes one refresh token (RevokeToken); see [`revoke`](Self::revoke).
    pub async fn revoke_refresh_token(&self, refresh: &RefreshToken) -> Result<()> {
        let span = tracing::info_span!("revoke");
        async move {
            let mut req = self
                .client
                .revoke_token()
                .client_id(&self.client_id)
                .token(refresh.expose_secret());
            if let Some(secret) = &self.client_secret {
                req = req.client_secret(secret.expose_secret());
            }
            let result = req
                .send()
                .await
                .map(|_| ())
                .map_err(|e| from_sdk("RevokeToken", e));
            tracing::debug!(ok = result.is_ok(), "revoke");
            result
        }
        .instrument(span)
        .await
    }

    /// Signs the user out of every device (GlobalSignOut with the access token): all their
    /// refresh tokens stop working. `tokens` is consumed, so the caller's copy is dropped (and
    /// zeroized) whatever the outcome.
    ///
    /// Already-issued ID and access tokens, here and on other devices, **stay valid at API
    /// Gateway until they expire**: API Gateway checks only their signature and expiry.
    pub async fn global_sign_out(&self, tokens: Tokens) -> Result<()> {
        let span = tracing::info_span!("global_sign_out");
        async move {
            let result = self
                .client
                .global_sign_out()
                .access_token(tokens.access.expose_secret())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| from_sdk("GlobalSignOut", e));
            tracing::debug!(ok = result.is_ok(), "global_sign_out");
            result
        }
        .instrument(span)
        .await
    }
}

fn refresh_token_of(tokens: &Tokens) -> Result<&RefreshToken> {
    tokens.refresh.as_ref().ok_or_else(|| {
        Error::new(
            ErrorKind::SessionEnded,
            "no refresh token to refresh with: sign in again",
        )
    })
}

fn log_refresh(result: &Result<Tokens>) {
    match result {
        Ok(_) => tracing::debug!(outcome = "refreshed"),
        Err(e) => tracing::debug!(
            outcome = "failed",
            kind = ?e.kind(),
            ends_session = e.ends_session()
        ),
    }
}
