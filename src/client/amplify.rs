//! REST APIs named in an Amplify project's configuration, so that an [`ApiClient`] can be built
//! by API name, as Amplify JS's `get({ apiName, path })` is.
//!
//! Read from (see [`AmplifyApis::from_file`]):
//!
//! - Amplify Gen 2 `amplify_outputs.json`: the `custom.API` outputs Amplify's documentation
//!   adds with `backend.addOutput({ custom: { API: { [api.restApiName]: { endpoint, region,
//!   apiName } } } })`;
//! - Amplify Gen 1 `amplifyconfiguration.json` or `aws-exports.js`: `aws_cloud_logic_custom`
//!   (`[{ name, endpoint, region }]`), and the native libraries' `api.plugins.awsAPIPlugin`
//!   entries whose `endpointType` is `REST`.

use std::fmt;
use std::path::Path;

use super::{ApiClient, ApiClientBuilder};
use crate::error::{Error, ErrorKind, Result};

/// One REST API of an Amplify configuration: its name, its stage's URL and its region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmplifyApi {
    name: String,
    endpoint: String,
    region: String,
}

impl AmplifyApi {
    /// Made by the loaders once `endpoint` and `region` have been checked.
    pub(crate) fn new(name: String, endpoint: String, region: String) -> Self {
        Self {
            name,
            endpoint,
            region,
        }
    }

    /// The API's name in the configuration (the key Amplify JS looks it up by).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The stage's URL, such as `https://abc123.execute-api.us-east-1.amazonaws.com/prod/`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The region requests to it are signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// An [`ApiClient`] builder for this API, with its URL and region set.
    pub fn client_builder(&self) -> ApiClientBuilder {
        ApiClient::builder(self.endpoint.as_str()).region(self.region.as_str())
    }
}

/// The REST APIs of an Amplify configuration file, by name.
///
/// ```
/// use cognito_sigv4::client::AmplifyApis;
///
/// let apis = AmplifyApis::from_json_str(r#"{
///     "version": "1.3",
///     "custom": { "API": { "myApi": {
///         "endpoint": "https://abc123defg.execute-api.eu-west-1.amazonaws.com/prod/",
///         "region": "eu-west-1",
///         "apiName": "myApi"
///     } } }
/// }"#)?;
/// let api = apis.get("myApi")?;
/// assert_eq!(api.region(), "eu-west-1");
/// assert!(apis.get("other").is_err());
/// # Ok::<(), cognito_sigv4::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmplifyApis {
    apis: Vec<AmplifyApi>,
}

impl AmplifyApis {
    /// Made by the loaders (`src/config/sources.rs`); names are unique.
    pub(crate) fn new(apis: Vec<AmplifyApi>) -> Self {
        Self { apis }
    }

    /// The API named `name`.
    ///
    /// Errors: [`ErrorKind::Config`] naming the APIs the configuration has, when none is
    /// called `name`.
    pub fn get(&self, name: &str) -> Result<&AmplifyApi> {
        self.apis
            .iter()
            .find(|api| api.name == name)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Config,
                    format!(
                        "the Amplify configuration has no REST API named `{name}`; it has: {}",
                        Names(&self.apis)
                    ),
                )
            })
    }

    /// Every API, in the file's order.
    pub fn iter(&self) -> impl Iterator<Item = &AmplifyApi> {
        self.apis.iter()
    }
}

/// `a, b` or `none`.
struct Names<'a>(&'a [AmplifyApi]);

impl fmt::Display for Names<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        for (i, api) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "`{}`", api.name)?;
        }
        Ok(())
    }
}

impl ApiClient {
    /// A builder for the REST API named `api_name` in the Amplify configuration file at `path`
    /// (see [`AmplifyApis::from_file`]), with its URL and region set; add credentials (such as
    /// [`session`](ApiClientBuilder::session)) and routes, then build.
    ///
    /// Errors: [`ErrorKind::Config`] when the file cannot be read, is malformed, or names no
    /// such API.
    pub fn builder_from_amplify(
        path: impl AsRef<Path>,
        api_name: &str,
    ) -> Result<ApiClientBuilder> {
        Ok(AmplifyApis::from_file(path)?
            .get(api_name)?
            .client_builder())
    }
}
