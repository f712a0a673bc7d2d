//! Where a [`CognitoConfig`] comes from besides code: `COGNITO_*` environment variables and
//! Amplify Gen 2's `amplify_outputs.json`; and where [`AmplifyApis`] come from: the REST APIs
//! of Amplify Gen 2 and Gen 1 configuration files. Errors name the variable or JSON path to fix,
//! never a value read (an Amplify file may hold an AppSync API key).

use std::path::Path;

use serde_json::{Map, Value};
use url::Url;

use super::{
    AMPLIFY_NAMES, CognitoConfig, CognitoConfigBuilder, ENDPOINT_FORM, ENV_NAMES, FieldNames,
    Service,
};
use crate::client::{AmplifyApi, AmplifyApis};
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
    /// | `AWS_SDK_UA_APP_ID` | the app's name in the user agent ([`app_name`](Self::app_name)) |
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
            // The AWS SDKs' own variable for the user agent's `app/` part.
            app_name: get("AWS_SDK_UA_APP_ID"),
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
        Self::from_amplify_outputs_str(&read_amplify_file(path.as_ref(), "outputs")?)
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
            app_name: None,
        };
        builder.build_named(&AMPLIFY_NAMES)
    }
}

/// The text of an Amplify file; `what` says which in the error.
fn read_amplify_file(path: &Path, what: &str) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        Error::new(
            ErrorKind::Config,
            format!("cannot read Amplify {what} file `{}`: {e}", path.display()),
        )
        .with_source(e)
    })
}

impl AmplifyApis {
    /// Reads the REST APIs of an Amplify configuration file: Gen 2 `amplify_outputs.json`,
    /// Gen 1 `amplifyconfiguration.json`, or Gen 1 `aws-exports.js` (the object it exports).
    /// See [`from_json_str`](Self::from_json_str) for what is read.
    ///
    /// Errors: [`ErrorKind::Config`] when the file cannot be read or is malformed.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_json_str(&read_amplify_file(path.as_ref(), "configuration")?)
    }

    /// Reads the REST APIs of the text of an Amplify configuration file:
    ///
    /// | format | where |
    /// | --- | --- |
    /// | Gen 2 `amplify_outputs.json` | `custom.API.<name>.endpoint` and `.region` (`apiName` is not needed: the key is the name) |
    /// | Gen 1 `amplifyconfiguration.json`, `aws-exports.js` | `aws_cloud_logic_custom[].name`, `.endpoint`, `.region` |
    /// | Gen 1 native libraries' `amplifyconfiguration.json` | `api.plugins.awsAPIPlugin.<name>` with `endpointType` `REST` |
    ///
    /// A JavaScript file's exported object is read as JSON (as the Amplify CLI writes it).
    /// Other sections are ignored; a name met twice keeps its first entry, in the order of the
    /// table. Endpoints must be absolute `http(s)` URLs and regions AWS region names.
    ///
    /// Errors: [`ErrorKind::Config`] naming the JSON path to fix, when the text is not a JSON
    /// object, an entry is malformed, or no section of the table is present.
    pub fn from_json_str(text: &str) -> Result<Self> {
        let trimmed = text.trim_start();
        // aws-exports.js: `const awsmobile = { ... }; export default awsmobile;`
        let json = if trimmed.starts_with('{') {
            trimmed
        } else {
            match (text.find('{'), text.rfind('}')) {
                (Some(start), Some(end)) if start < end => &text[start..=end],
                _ => text,
            }
        };
        // Syntax errors carry only a position, never the text, so they are safe to show.
        let doc: Value = serde_json::from_str(json).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("the Amplify configuration is not valid JSON: {e}"),
            )
        })?;
        let Some(root) = doc.as_object() else {
            return Err(Error::config("amplify configuration", "a JSON object"));
        };
        let mut apis: Vec<AmplifyApi> = Vec::new();
        let mut found = false;
        let mut add = |api: AmplifyApi| {
            if !apis.iter().any(|a| a.name() == api.name()) {
                apis.push(api);
            }
        };
        if let Some(custom) = root.get("custom").and_then(Value::as_object)
            && let Some(section) = custom.get("API")
        {
            found = true;
            for (name, entry) in object(section, "custom.API")? {
                let path = format!("custom.API.{name}");
                add(api_entry(name.clone(), object(entry, &path)?, &path)?);
            }
        }
        if let Some(section) = root.get("aws_cloud_logic_custom") {
            found = true;
            let Some(entries) = section.as_array() else {
                return Err(Error::config(
                    "aws_cloud_logic_custom",
                    "an array of { name, endpoint, region }",
                ));
            };
            for (i, entry) in entries.iter().enumerate() {
                let path = format!("aws_cloud_logic_custom[{i}]");
                let entry = object(entry, &path)?;
                let name = string(entry, "name", &path)?.to_owned();
                add(api_entry(name, entry, &path)?);
            }
        }
        let plugin = root
            .get("api")
            .and_then(|api| api.get("plugins"))
            .and_then(|plugins| plugins.get("awsAPIPlugin"));
        if let Some(section) = plugin {
            found = true;
            for (name, entry) in object(section, "api.plugins.awsAPIPlugin")? {
                let path = format!("api.plugins.awsAPIPlugin.{name}");
                let entry = object(entry, &path)?;
                // GraphQL (AppSync) entries live here too.
                if entry.get("endpointType").and_then(Value::as_str) == Some("REST") {
                    add(api_entry(name.clone(), entry, &path)?);
                }
            }
        }
        if !found {
            return Err(Error::new(
                ErrorKind::Config,
                "the Amplify configuration names no REST API: expected `custom.API` (Gen 2 \
                 amplify_outputs.json) or `aws_cloud_logic_custom` (Gen 1)",
            ));
        }
        Ok(AmplifyApis::new(apis))
    }
}

/// `value` as a JSON object, or an error naming `path`.
fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| Error::config(path, "a JSON object"))
}

/// The string `entry.key`, or an error naming `path.key`.
fn string<'a>(entry: &'a Map<String, Value>, key: &str, path: &str) -> Result<&'a str> {
    match entry.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim()),
        None => Err(Error::new(
            ErrorKind::Config,
            format!("`{path}.{key}` is missing"),
        )),
        Some(_) => Err(Error::config(
            &format!("{path}.{key}"),
            "a non-empty string",
        )),
    }
}

/// One API from an entry with `endpoint` and `region`, both checked.
fn api_entry(name: String, entry: &Map<String, Value>, path: &str) -> Result<AmplifyApi> {
    if name.trim().is_empty() {
        return Err(Error::config(path, "a non-empty API name"));
    }
    let endpoint = string(entry, "endpoint", path)?;
    let valid = Url::parse(endpoint).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some()
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
    });
    if !valid {
        return Err(Error::config(
            &format!("{path}.endpoint"),
            "an absolute http(s) URL without query or user info",
        ));
    }
    let region = string(entry, "region", path)?;
    if !super::is_valid_region(region) {
        return Err(Error::config(&format!("{path}.region"), super::REGION_FORM));
    }
    Ok(AmplifyApi::new(
        name,
        endpoint.to_owned(),
        region.to_owned(),
    ))
}
