//! Where a [`CognitoConfig`] comes from besides code: `COGNITO_*` environment variables and
//! Amplify Gen 2's `amplify_outputs.json`. Errors name the variable or JSON path to fix.

use std::path::Path;

use url::Url;

use super::{
    AMPLIFY_NAMES, CognitoConfig, CognitoConfigBuilder, ENDPOINT_FORM, ENV_NAMES, FieldNames,
    Service,
};
use crate::error::{Error, ErrorKind, Result};
use crate::secret::ClientSecret;

impl CognitoConfig {
    /// Reads the configuration from the process environment.
    ///
    /// | variable | meaning |
    /// | --- | --- |
    /// | `COGNITO_REGION` (else `AWS_REGION`, else `AWS_DEFAULT_REGION`) | region (required) |
    /// | `COGNITO_USER_POOL_ID` | user pool id |
    /// | `COGNITO_CLIENT_ID` | app client id |
    /// | `COGNITO_CLIENT_SECRET` | app client secret, if the client has one |
    /// | `COGNITO_IDENTITY_POOL_ID` | identity pool id |
    /// | `COGNITO_IDP_ENDPOINT` | endpoint override for `cognito-idp` |
    /// | `COGNITO_IDENTITY_ENDPOINT` | endpoint override for `cognito-identity` |
    /// | `COGNITO_STS_ENDPOINT` | endpoint override for `sts` |
    ///
    /// Values are trimmed; an empty or unset variable counts as absent; a variable that is not
    /// valid Unicode is an error naming it. Errors name the variable to fix.
    pub fn from_env() -> Result<Self> {
        let mut not_unicode = None;
        let config = Self::from_env_with(|name| match std::env::var(name) {
            Ok(value) => Some(value),
            Err(std::env::VarError::NotPresent) => None,
            Err(std::env::VarError::NotUnicode(_)) => {
                not_unicode.get_or_insert(name.to_owned());
                None
            }
        });
        match not_unicode {
            Some(name) => Err(Error::config(&name, "a value that is valid Unicode")),
            None => config,
        }
    }

    /// Like [`from_env`](Self::from_env), but reads each variable through `lookup`, so that
    /// tests and embedders need not touch the process environment.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use cognito_sigv4::CognitoConfig;
    ///
    /// let vars = HashMap::from([
    ///     ("AWS_REGION", "us-east-1"),
    ///     ("COGNITO_USER_POOL_ID", "us-east-1_AbC123xyz"),
    ///     ("COGNITO_CLIENT_ID", "5k3lbv1q2ghr4jh8i6t0ebd3m7"),
    /// ]);
    /// let config = CognitoConfig::from_env_with(|name| vars.get(name).map(|v| v.to_string()))?;
    /// assert_eq!(config.region(), "us-east-1");
    /// assert_eq!(config.client_id(), Some("5k3lbv1q2ghr4jh8i6t0ebd3m7"));
    /// # Ok::<(), cognito_sigv4::Error>(())
    /// ```
    pub fn from_env_with(mut lookup: impl FnMut(&str) -> Option<String>) -> Result<Self> {
        let mut get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        // The region's error names the variable it actually came from.
        let mut region_var = "COGNITO_REGION";
        let mut region = None;
        for name in ["COGNITO_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"] {
            if let Some(value) = get(name) {
                region_var = name;
                region = Some(value);
                break;
            }
        }
        if region.is_none() {
            return Err(Error::new(
                ErrorKind::Config,
                "no region: set `COGNITO_REGION` (or `AWS_REGION` / `AWS_DEFAULT_REGION`) to an AWS \
                 region such as `us-east-1`",
            ));
        }
        let mut endpoints: [Option<Url>; 3] = [None, None, None];
        for service in Service::ALL {
            let var = ENV_NAMES.endpoints[service.index()];
            if let Some(raw) = get(var) {
                endpoints[service.index()] =
                    Some(Url::parse(&raw).map_err(|_| Error::config(var, ENDPOINT_FORM))?);
            }
        }
        let builder = CognitoConfigBuilder {
            region,
            user_pool_id: get("COGNITO_USER_POOL_ID"),
            client_id: get("COGNITO_CLIENT_ID"),
            client_secret: get("COGNITO_CLIENT_SECRET").map(ClientSecret::new),
            identity_pool_id: get("COGNITO_IDENTITY_POOL_ID"),
            endpoints,
        };
        let names = FieldNames {
            region: region_var,
            ..ENV_NAMES
        };
        builder.build_named(&names)
    }

    /// Reads the `auth` section of an Amplify Gen 2 `amplify_outputs.json` file.
    ///
    /// See [`from_amplify_outputs_str`](Self::from_amplify_outputs_str) for what is read.
    pub fn from_amplify_outputs(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("cannot read Amplify outputs file `{}`: {e}", path.display()),
            )
            .with_source(e)
        })?;
        Self::from_amplify_outputs_str(&text)
    }

    /// Reads the `auth` section of the text of an Amplify Gen 2 `amplify_outputs.json`:
    /// `auth.aws_region`, `auth.user_pool_id` and `auth.user_pool_client_id` (required) and
    /// `auth.identity_pool_id` (optional). Other sections and fields are ignored.
    ///
    /// ```
    /// use cognito_sigv4::CognitoConfig;
    ///
    /// let config = CognitoConfig::from_amplify_outputs_str(r#"{
    ///     "version": "1.3",
    ///     "auth": {
    ///         "aws_region": "us-east-1",
    ///         "user_pool_id": "us-east-1_AbC123xyz",
    ///         "user_pool_client_id": "5k3lbv1q2ghr4jh8i6t0ebd3m7"
    ///     }
    /// }"#)?;
    /// assert_eq!(config.user_pool_id(), Some("us-east-1_AbC123xyz"));
    /// assert_eq!(config.identity_pool_id(), None);
    /// # Ok::<(), cognito_sigv4::Error>(())
    /// ```
    pub fn from_amplify_outputs_str(json: &str) -> Result<Self> {
        // Syntax errors carry only a position, never the text, so they are safe to show.
        let doc: serde_json::Value = serde_json::from_str(json).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("Amplify outputs are not valid JSON: {e}"),
            )
        })?;
        let Some(root) = doc.as_object() else {
            return Err(Error::config("amplify_outputs", "a JSON object"));
        };
        let auth = match root.get("auth") {
            Some(serde_json::Value::Object(auth)) => auth,
            Some(_) => return Err(Error::config("auth", "a JSON object with the user pool")),
            None => {
                return Err(Error::new(
                    ErrorKind::Config,
                    "Amplify outputs have no `auth` section: add auth to the Amplify backend",
                ));
            }
        };
        let field = |key: &str, path: &str, required: bool| -> Result<Option<String>> {
            match auth.get(key) {
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                None | Some(serde_json::Value::Null) if !required => Ok(None),
                None => Err(Error::new(
                    ErrorKind::Config,
                    format!("`{path}` is missing"),
                )),
                Some(_) => Err(Error::config(path, "a string")),
            }
        };
        let builder = CognitoConfigBuilder {
            region: field("aws_region", AMPLIFY_NAMES.region, true)?,
            user_pool_id: field("user_pool_id", AMPLIFY_NAMES.user_pool_id, true)?,
            client_id: field("user_pool_client_id", AMPLIFY_NAMES.client_id, true)?,
            client_secret: None,
            identity_pool_id: field("identity_pool_id", AMPLIFY_NAMES.identity_pool_id, false)?,
            endpoints: [None, None, None],
        };
        builder.build_named(&AMPLIFY_NAMES)
    }
}
