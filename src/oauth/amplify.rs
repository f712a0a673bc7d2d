//! The managed login's settings from an Amplify Gen 2 `amplify_outputs.json`: `auth.oauth`
//! (`domain`, `scopes`, `redirect_sign_in_uri`) and `auth.user_pool_client_id`.

use std::path::Path;

use serde::Deserialize;

use super::{ManagedLogin, ManagedLoginBuilder};
use crate::error::{Error, ErrorKind, Result};

#[derive(Deserialize)]
struct Outputs {
    auth: Option<Auth>,
}

#[derive(Deserialize)]
struct Auth {
    user_pool_client_id: Option<String>,
    oauth: Option<OAuth>,
}

#[derive(Deserialize)]
struct OAuth {
    domain: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    redirect_sign_in_uri: Vec<String>,
}

impl ManagedLogin {
    /// A builder from the file `amplify_outputs.json`; see
    /// [`builder_from_amplify_outputs_str`](Self::builder_from_amplify_outputs_str).
    pub fn builder_from_amplify_outputs(path: impl AsRef<Path>) -> Result<ManagedLoginBuilder> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("cannot read Amplify outputs {}: {e}", path.display()),
            )
        })?;
        Self::builder_from_amplify_outputs_str(&text)
    }

    /// A builder from the text of an Amplify Gen 2 `amplify_outputs.json`: the domain
    /// (`auth.oauth.domain`, `https://` added), the app client (`auth.user_pool_client_id`),
    /// the scopes (`auth.oauth.scopes`) and the redirect URI: the first of
    /// `auth.oauth.redirect_sign_in_uri` on `localhost` or `127.0.0.1` (a native app's loopback),
    /// else the first. Change any of them on the builder.
    ///
    /// ```
    /// use cognito_sigv4::oauth::ManagedLogin;
    ///
    /// let login = ManagedLogin::builder_from_amplify_outputs_str(r#"{ "auth": {
    ///     "user_pool_client_id": "5k3lbv1q2ghr4jh8i6t0ebd3m7",
    ///     "oauth": {
    ///         "domain": "myapp.auth.eu-west-1.amazoncognito.com",
    ///         "scopes": ["openid", "email"],
    ///         "redirect_sign_in_uri": ["myapp://callback/", "http://localhost:8765/callback"],
    ///         "response_type": "code"
    ///     }
    /// } }"#)?
    /// .build()?;
    /// let request = login.authorization_request();
    /// assert!(request.url().as_str().starts_with("https://myapp.auth.eu-west-1.amazoncognito.com/oauth2/authorize?"));
    /// # Ok::<(), cognito_sigv4::Error>(())
    /// ```
    ///
    /// Errors: [`ErrorKind::Config`] naming what is missing (`auth.oauth.domain`, ...), or
    /// for text that is not such a JSON document.
    pub fn builder_from_amplify_outputs_str(json: &str) -> Result<ManagedLoginBuilder> {
        // serde's messages carry a position and a field name, never the file's values.
        let outputs: Outputs = serde_json::from_str(json).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("Amplify outputs cannot be read: {e}"),
            )
        })?;
        let missing = |what: &str| Error::new(ErrorKind::Config, format!("`{what}` is missing"));
        let auth = outputs.auth.ok_or_else(|| missing("auth"))?;
        let client_id = auth
            .user_pool_client_id
            .ok_or_else(|| missing("auth.user_pool_client_id"))?;
        let oauth = auth.oauth.ok_or_else(|| missing("auth.oauth"))?;
        let domain = oauth.domain.ok_or_else(|| missing("auth.oauth.domain"))?;
        let domain = if domain.contains("://") {
            domain
        } else {
            format!("https://{domain}")
        };
        let loopback = |uri: &&String| {
            uri.starts_with("http://localhost") || uri.starts_with("http://127.0.0.1")
        };
        let redirect = oauth
            .redirect_sign_in_uri
            .iter()
            .find(loopback)
            .or(oauth.redirect_sign_in_uri.first())
            .cloned();
        let mut builder = ManagedLogin::builder(domain, client_id).scopes(oauth.scopes);
        if let Some(uri) = redirect {
            builder = builder.redirect_uri(uri);
        }
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_without_oauth_say_what_is_missing() {
        let e = ManagedLogin::builder_from_amplify_outputs_str(
            r#"{"auth": {"user_pool_client_id": "abc"}}"#,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        assert!(e.to_string().contains("auth.oauth"), "{e}");
        let e = ManagedLogin::builder_from_amplify_outputs_str("not json").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
        let e = ManagedLogin::builder_from_amplify_outputs("/nonexistent/amplify_outputs.json")
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Config);
    }

    #[test]
    fn the_first_redirect_is_taken_without_a_loopback_one() {
        let login = ManagedLogin::builder_from_amplify_outputs_str(
            r#"{"auth": {"user_pool_client_id": "abc", "oauth": {
                "domain": "http://127.0.0.1:4566/us-east-1_X",
                "scopes": ["openid"], "redirect_sign_in_uri": ["myapp://cb"]}}}"#,
        )
        .unwrap()
        .build()
        .unwrap();
        let url = login.authorization_request().url().clone();
        assert!(
            url.as_str()
                .starts_with("http://127.0.0.1:4566/us-east-1_X/oauth2/authorize?")
        );
        assert!(
            url.query_pairs()
                .any(|(k, v)| k == "redirect_uri" && v == "myapp://cb")
        );
        assert!(
            url.query_pairs()
                .any(|(k, v)| k == "scope" && v == "openid")
        );
    }
}
