//! Where to find the user pool and identity pool: [`CognitoConfig`] and its builder.
//!
//! A configuration names the AWS region, and optionally a user pool (id, app client id and the
//! app client's secret, if it has one), an identity pool, and endpoint overrides for the three
//! services involved (to point the crate at the local emulator or a VPC endpoint). Every id is
//! checked for its AWS form when the configuration is built, so a typo fails at start-up with an
//! error naming the field, not later as a confusing service error.
//!
//! Three ways to make one:
//!
//! - [`CognitoConfig::builder`], in code;
//! - [`CognitoConfig::from_env`], from `COGNITO_*` environment variables;
//! - [`CognitoConfig::from_amplify_outputs`], from an Amplify Gen 2 `amplify_outputs.json`.
//!
//! ```
//! use cognito_sigv4::CognitoConfig;
//! use cognito_sigv4::config::Service;
//!
//! let config = CognitoConfig::builder()
//!     .region("eu-west-2")
//!     .user_pool_id("eu-west-2_AbC123xyz")
//!     .client_id("5k3lbv1q2ghr4jh8i6t0ebd3m7")
//!     .identity_pool_id("eu-west-2:0f0b0c3e-1d2e-4f50-8a9b-0123456789ab")
//!     .build()?;
//!
//! assert_eq!(
//!     config.endpoint(Service::CognitoIdp).as_str(),
//!     "https://cognito-idp.eu-west-2.amazonaws.com/"
//! );
//! assert_eq!(
//!     config.user_pool_provider_name().as_deref(),
//!     Some("cognito-idp.eu-west-2.amazonaws.com/eu-west-2_AbC123xyz")
//! );
//! # Ok::<(), cognito_sigv4::Error>(())
//! ```

mod sources;

use std::fmt;

use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::secret::ClientSecret;

/// One of the AWS services this crate calls, for endpoint selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// Cognito user pools (`cognito-idp`): sign-in, challenges, refresh.
    CognitoIdp,
    /// Cognito identity pools (`cognito-identity`): identity ids and AWS credentials.
    CognitoIdentity,
    /// AWS STS (`sts`): `AssumeRoleWithWebIdentity` in the identity pool's basic flow.
    Sts,
}

impl Service {
    /// All services, in a fixed order.
    pub const ALL: [Service; 3] = [Service::CognitoIdp, Service::CognitoIdentity, Service::Sts];

    /// The service's endpoint prefix (the first label of its host name), such as `cognito-idp`.
    pub fn endpoint_prefix(self) -> &'static str {
        match self {
            Service::CognitoIdp => "cognito-idp",
            Service::CognitoIdentity => "cognito-identity",
            Service::Sts => "sts",
        }
    }

    /// The public AWS endpoint of the service in `region`, such as
    /// `https://cognito-idp.us-east-1.amazonaws.com/` (`amazonaws.com.cn` in the `cn-` regions).
    ///
    /// Fails with [`ErrorKind::Config`] if `region` is not of a region's form.
    ///
    /// ```
    /// use cognito_sigv4::config::Service;
    ///
    /// let url = Service::CognitoIdentity.default_endpoint("cn-north-1")?;
    /// assert_eq!(url.as_str(), "https://cognito-identity.cn-north-1.amazonaws.com.cn/");
    /// assert!(Service::Sts.default_endpoint("not a region").is_err());
    /// # Ok::<(), cognito_sigv4::Error>(())
    /// ```
    pub fn default_endpoint(self, region: &str) -> Result<Url> {
        if !is_valid_region(region) {
            return Err(Error::config("region", REGION_FORM));
        }
        Url::parse(&format!(
            "https://{}.{region}.{}/",
            self.endpoint_prefix(),
            dns_suffix(region)
        ))
        .map_err(|_| Error::config("region", REGION_FORM))
    }

    fn index(self) -> usize {
        match self {
            Service::CognitoIdp => 0,
            Service::CognitoIdentity => 1,
            Service::Sts => 2,
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.endpoint_prefix())
    }
}

const REGION_FORM: &str = "an AWS region such as `us-east-1`, `eu-west-2` or `us-gov-west-1` (lowercase, ending in a number)";
const USER_POOL_ID_FORM: &str =
    "a user pool id `<region>_<letters and digits>` such as `us-east-1_AbC123xyz`";
const CLIENT_ID_FORM: &str = "an app client id of 1 to 128 letters, digits, `_` or `+`";
const CLIENT_SECRET_FORM: &str = "a non-empty app client secret (or none at all)";
const IDENTITY_POOL_ID_FORM: &str = "an identity pool id `<region>:<uuid>` such as \
     `us-east-1:0f0b0c3e-1d2e-4f50-8a9b-0123456789ab`";
const APP_NAME_FORM: &str = "an app name of 1 to 50 letters, digits or ``!#$%&'*+-.^_`|~``";
const ENDPOINT_FORM: &str = "an absolute `http://` or `https://` URL with a host and no user name, password, query or fragment";

/// The names under which each field is known to the person who wrote it: builder method names,
/// environment variables or JSON paths, so that an error points at what they must fix.
struct FieldNames {
    region: &'static str,
    user_pool_id: &'static str,
    client_id: &'static str,
    client_secret: &'static str,
    identity_pool_id: &'static str,
    endpoints: [&'static str; 3],
    app_name: &'static str,
}

const BUILDER_NAMES: FieldNames = FieldNames {
    region: "region",
    user_pool_id: "user_pool_id",
    client_id: "client_id",
    client_secret: "client_secret",
    identity_pool_id: "identity_pool_id",
    endpoints: [
        "endpoint(CognitoIdp)",
        "endpoint(CognitoIdentity)",
        "endpoint(Sts)",
    ],
    app_name: "app_name",
};

const ENV_NAMES: FieldNames = FieldNames {
    region: "COGNITO_REGION",
    user_pool_id: "COGNITO_USER_POOL_ID",
    client_id: "COGNITO_CLIENT_ID",
    client_secret: "COGNITO_CLIENT_SECRET",
    identity_pool_id: "COGNITO_IDENTITY_POOL_ID",
    endpoints: [
        "COGNITO_IDP_ENDPOINT",
        "COGNITO_IDENTITY_ENDPOINT",
        "COGNITO_STS_ENDPOINT",
    ],
    app_name: "AWS_SDK_UA_APP_ID",
};

const AMPLIFY_NAMES: FieldNames = FieldNames {
    region: "auth.aws_region",
    user_pool_id: "auth.user_pool_id",
    client_id: "auth.user_pool_client_id",
    client_secret: "client_secret",
    identity_pool_id: "auth.identity_pool_id",
    endpoints: BUILDER_NAMES.endpoints,
    app_name: BUILDER_NAMES.app_name,
};

/// The config's app name as the AWS SDK clients take it (already checked by the builder).
pub(crate) fn sdk_app_name(
    config: &CognitoConfig,
) -> Option<aws_sdk_cognitoidentityprovider::config::AppName> {
    aws_sdk_cognitoidentityprovider::config::AppName::new(config.app_name()?.to_owned()).ok()
}

/// Where the user pool and identity pool are, and how to reach them.
///
/// Made by [`CognitoConfig::builder`], [`CognitoConfig::from_env`] or
/// [`CognitoConfig::from_amplify_outputs`]; every id in it has been checked for its AWS form and
/// its region agrees with [`region`](Self::region). `Debug` never shows the client secret.
#[derive(Clone, PartialEq, Eq)]
pub struct CognitoConfig {
    region: String,
    user_pool_id: Option<String>,
    client_id: Option<String>,
    client_secret: Option<ClientSecret>,
    identity_pool_id: Option<String>,
    overrides: [Option<Url>; 3],
    app_name: Option<String>,
    // Computed once from the validated region so that `endpoint` needs no fallible step.
    defaults: [Url; 3],
}

impl CognitoConfig {
    /// A builder; only the region is required.
    pub fn builder() -> CognitoConfigBuilder {
        CognitoConfigBuilder::default()
    }

    /// A builder holding this configuration's values, to change some and build again.
    ///
    /// ```
    /// use cognito_sigv4::CognitoConfig;
    /// use cognito_sigv4::config::Service;
    ///
    /// let base = CognitoConfig::builder().region("us-east-1").build()?;
    /// let local = base
    ///     .to_builder()
    ///     .endpoint(Service::CognitoIdp, "http://127.0.0.1:9229/".parse().unwrap())
    ///     .build()?;
    /// assert_eq!(local.endpoint(Service::CognitoIdp).as_str(), "http://127.0.0.1:9229/");
    /// # Ok::<(), cognito_sigv4::Error>(())
    /// ```
    pub fn to_builder(&self) -> CognitoConfigBuilder {
        CognitoConfigBuilder {
            region: Some(self.region.clone()),
            user_pool_id: self.user_pool_id.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            identity_pool_id: self.identity_pool_id.clone(),
            endpoints: self.overrides.clone(),
            app_name: self.app_name.clone(),
        }
    }

    /// The app's name, sent to AWS in every call's user agent (`app/<name>`), as the AWS SDKs'
    /// `sdk_ua_app_id` / `AWS_SDK_UA_APP_ID` do: it lets server-side logs tell apps apart.
    pub fn app_name(&self) -> Option<&str> {
        self.app_name.as_deref()
    }

    /// The AWS region, such as `us-east-1`.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The user pool id, such as `us-east-1_AbC123xyz`.
    pub fn user_pool_id(&self) -> Option<&str> {
        self.user_pool_id.as_deref()
    }

    /// The part of the user pool id after `_` (`AbC123xyz`): the "pool name" that SRP hashes.
    pub fn user_pool_name(&self) -> Option<&str> {
        self.user_pool_id
            .as_deref()
            .and_then(|id| id.split_once('_'))
            .map(|(_, name)| name)
    }

    /// The app client id.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// The app client secret, if the app client has one (then every call carries a
    /// `SECRET_HASH`).
    pub fn client_secret(&self) -> Option<&ClientSecret> {
        self.client_secret.as_ref()
    }

    /// The identity pool id, such as `us-east-1:0f0b0c3e-1d2e-4f50-8a9b-0123456789ab`.
    pub fn identity_pool_id(&self) -> Option<&str> {
        self.identity_pool_id.as_deref()
    }

    /// The user pool id and app client id, or a [`ErrorKind::Config`] error saying which is
    /// missing: for operations that need the user pool.
    ///
    /// ```
    /// use cognito_sigv4::{CognitoConfig, ErrorKind};
    ///
    /// let config = CognitoConfig::builder().region("us-east-1").build()?;
    /// let err = config.require_user_pool().unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::Config);
    /// assert!(err.message().contains("user pool id"));
    /// # Ok::<(), cognito_sigv4::Error>(())
    /// ```
    pub fn require_user_pool(&self) -> Result<(&str, &str)> {
        match (self.user_pool_id.as_deref(), self.client_id.as_deref()) {
            (Some(pool), Some(client)) => Ok((pool, client)),
            (None, Some(_)) => Err(missing(
                "a user pool id (`user_pool_id`, `COGNITO_USER_POOL_ID`)",
            )),
            (Some(_), None) => Err(missing(
                "an app client id (`client_id`, `COGNITO_CLIENT_ID`)",
            )),
            (None, None) => Err(missing(
                "a user pool id and an app client id (`user_pool_id` and `client_id`, \
                 `COGNITO_USER_POOL_ID` and `COGNITO_CLIENT_ID`)",
            )),
        }
    }

    /// The identity pool id, or a [`ErrorKind::Config`] error saying it is missing: for
    /// operations that need AWS credentials.
    pub fn require_identity_pool(&self) -> Result<&str> {
        self.identity_pool_id.as_deref().ok_or_else(|| {
            missing("an identity pool id (`identity_pool_id`, `COGNITO_IDENTITY_POOL_ID`)")
        })
    }

    /// The endpoint to call for `service`: the override if one was set, else the public AWS
    /// endpoint in the configured region.
    pub fn endpoint(&self, service: Service) -> Url {
        match &self.overrides[service.index()] {
            Some(url) => url.clone(),
            None => self.defaults[service.index()].clone(),
        }
    }

    /// The endpoint override for `service`, if one was set.
    pub fn endpoint_override(&self, service: Service) -> Option<&Url> {
        self.overrides[service.index()].as_ref()
    }

    /// The key under which an identity pool expects this user pool's ID token in its logins
    /// map: `cognito-idp.<region>.amazonaws.com/<userPoolId>` (`amazonaws.com.cn` in `cn-`
    /// regions). `None` without a user pool id.
    pub fn user_pool_provider_name(&self) -> Option<String> {
        let pool = self.user_pool_id.as_deref()?;
        Some(format!(
            "cognito-idp.{}.{}/{pool}",
            self.region,
            dns_suffix(&self.region)
        ))
    }

    /// The issuer (`iss` claim) of this user pool's tokens:
    /// `https://cognito-idp.<region>.amazonaws.com/<userPoolId>`. `None` without a user pool id.
    pub fn user_pool_issuer(&self) -> Option<String> {
        self.user_pool_provider_name()
            .map(|name| format!("https://{name}"))
    }
}

impl fmt::Debug for CognitoConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoConfig")
            .field("region", &self.region)
            .field("user_pool_id", &self.user_pool_id)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| Redacted),
            )
            .field("identity_pool_id", &self.identity_pool_id)
            .field("endpoint_overrides", &DebugOverrides(&self.overrides))
            .field("app_name", &self.app_name)
            .finish()
    }
}

/// Builds a [`CognitoConfig`]; every check happens in [`build`](Self::build).
///
/// Setters never fail, so a chain reads straight through; `build` reports the first invalid
/// field by name. `Debug` never shows the client secret.
#[derive(Clone, Default)]
pub struct CognitoConfigBuilder {
    region: Option<String>,
    user_pool_id: Option<String>,
    client_id: Option<String>,
    client_secret: Option<ClientSecret>,
    identity_pool_id: Option<String>,
    endpoints: [Option<Url>; 3],
    app_name: Option<String>,
}

impl CognitoConfigBuilder {
    /// The AWS region (required), such as `us-east-1`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// The user pool id, `<region>_<id>` such as `us-east-1_AbC123xyz`; its region must be the
    /// configured region.
    pub fn user_pool_id(mut self, id: impl Into<String>) -> Self {
        self.user_pool_id = Some(id.into());
        self
    }

    /// The app client id: 1 to 128 letters, digits, `_` or `+`.
    pub fn client_id(mut self, id: impl Into<String>) -> Self {
        self.client_id = Some(id.into());
        self
    }

    /// The app client's secret, for app clients created with one.
    pub fn client_secret(mut self, secret: impl Into<ClientSecret>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// The identity pool id, `<region>:<uuid>`; its region must be the configured region.
    pub fn identity_pool_id(mut self, id: impl Into<String>) -> Self {
        self.identity_pool_id = Some(id.into());
        self
    }

    /// Sends calls to `service` to `url` instead of the public AWS endpoint (the local emulator,
    /// a VPC endpoint, a proxy). `http` and `https` only.
    pub fn endpoint(mut self, service: Service, url: Url) -> Self {
        self.endpoints[service.index()] = Some(url);
        self
    }

    /// Sends calls to every service (cognito-idp, cognito-identity, STS) to `url`: one local
    /// server that speaks all three, such as the emulator.
    pub fn endpoint_url(mut self, url: Url) -> Self {
        for service in Service::ALL {
            self = self.endpoint(service, url.clone());
        }
        self
    }

    /// The app's name in every call's user agent (`app/<name>`): 1 to 50 letters, digits or
    /// `!#$%&'*+-.^_`|~` (the AWS SDKs' rule for `sdk_ua_app_id`).
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.app_name = Some(name.into());
        self
    }

    /// Removes an endpoint override set earlier.
    pub fn clear_endpoint(mut self, service: Service) -> Self {
        self.endpoints[service.index()] = None;
        self
    }

    /// Checks every field and builds the configuration.
    ///
    /// Fails with [`ErrorKind::Config`], naming the first invalid field and the form it should
    /// have (never its value when that is a secret).
    pub fn build(self) -> Result<CognitoConfig> {
        self.build_named(&BUILDER_NAMES)
    }

    fn build_named(self, names: &FieldNames) -> Result<CognitoConfig> {
        let Some(region) = self.region else {
            return Err(Error::new(
                ErrorKind::Config,
                format!("`{}` is missing: expected {REGION_FORM}", names.region),
            ));
        };
        if !is_valid_region(&region) {
            return Err(Error::config(names.region, REGION_FORM));
        }
        if let Some(id) = &self.user_pool_id {
            let (id_region, name) = id
                .split_once('_')
                .ok_or_else(|| Error::config(names.user_pool_id, USER_POOL_ID_FORM))?;
            let name_ok = !name.is_empty()
                && name.len() <= 50
                && name.bytes().all(|b| b.is_ascii_alphanumeric());
            if !is_valid_region(id_region) || !name_ok {
                return Err(Error::config(names.user_pool_id, USER_POOL_ID_FORM));
            }
            if id_region != region {
                return Err(region_mismatch(
                    names.user_pool_id,
                    id_region,
                    names.region,
                    &region,
                ));
            }
        }
        if let Some(id) = &self.client_id {
            let ok = (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'+');
            if !ok {
                return Err(Error::config(names.client_id, CLIENT_ID_FORM));
            }
        }
        if let Some(secret) = &self.client_secret {
            // Checked without ever naming the value.
            if secret.expose_secret().trim().is_empty() {
                return Err(Error::config(names.client_secret, CLIENT_SECRET_FORM));
            }
        }
        if let Some(id) = &self.identity_pool_id {
            let (id_region, uuid) = id
                .split_once(':')
                .ok_or_else(|| Error::config(names.identity_pool_id, IDENTITY_POOL_ID_FORM))?;
            if !is_valid_region(id_region) || !is_uuid(uuid) {
                return Err(Error::config(names.identity_pool_id, IDENTITY_POOL_ID_FORM));
            }
            if id_region != region {
                return Err(region_mismatch(
                    names.identity_pool_id,
                    id_region,
                    names.region,
                    &region,
                ));
            }
        }
        for service in Service::ALL {
            if let Some(url) = &self.endpoints[service.index()] {
                let ok = matches!(url.scheme(), "http" | "https")
                    && url.host_str().is_some_and(|h| !h.is_empty())
                    && url.username().is_empty()
                    && url.password().is_none()
                    && url.query().is_none()
                    && url.fragment().is_none();
                if !ok {
                    return Err(Error::config(
                        names.endpoints[service.index()],
                        ENDPOINT_FORM,
                    ));
                }
            }
        }
        if let Some(name) = &self.app_name {
            let ok = (1..=50).contains(&name.len())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !ok {
                return Err(Error::config(names.app_name, APP_NAME_FORM));
            }
        }
        let defaults = [
            Service::CognitoIdp.default_endpoint(&region)?,
            Service::CognitoIdentity.default_endpoint(&region)?,
            Service::Sts.default_endpoint(&region)?,
        ];
        Ok(CognitoConfig {
            region,
            user_pool_id: self.user_pool_id,
            client_id: self.client_id,
            client_secret: self.client_secret,
            identity_pool_id: self.identity_pool_id,
            overrides: self.endpoints,
            app_name: self.app_name,
            defaults,
        })
    }
}

impl fmt::Debug for CognitoConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CognitoConfigBuilder")
            .field("region", &self.region)
            .field("user_pool_id", &self.user_pool_id)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| Redacted),
            )
            .field("identity_pool_id", &self.identity_pool_id)
            .field("endpoint_overrides", &DebugOverrides(&self.endpoints))
            .field("app_name", &self.app_name)
            .finish()
    }
}

/// Prints `***` in place of a secret.
struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Prints only the overrides that are set, keyed by service, with URLs as plain strings.
struct DebugOverrides<'a>(&'a [Option<Url>; 3]);

impl fmt::Debug for DebugOverrides<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for service in Service::ALL {
            if let Some(url) = &self.0[service.index()] {
                map.entry(&service.endpoint_prefix(), &url.as_str());
            }
        }
        map.finish()
    }
}

fn missing(what: &str) -> Error {
    Error::new(
        ErrorKind::Config,
        format!("the configuration has no {what}"),
    )
}

fn region_mismatch(field: &str, id_region: &str, region_field: &str, region: &str) -> Error {
    Error::new(
        ErrorKind::Config,
        format!(
            "`{field}` is in region `{id_region}` but `{region_field}` is `{region}`: \
             expected an id whose region prefix equals the configured region"
        ),
    )
}

/// `<2 letters>(-<letters>)+-<1 or 2 digits>`: `us-east-1`, `us-gov-west-1`, `eu-isoe-west-1`.
fn is_valid_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    let Some((partition, rest)) = words.split_first() else {
        return false;
    };
    partition.len() == 2
        && partition.bytes().all(|b| b.is_ascii_lowercase())
        && !rest.is_empty()
        && rest
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && (1..=2).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// The DNS suffix of AWS endpoints in `region`'s partition.
fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

/// `8-4-4-4-12` hexadecimal digits (either case).
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_forms() {
        for ok in [
            "us-east-1",
            "eu-west-2",
            "ap-southeast-3",
            "us-gov-west-1",
            "cn-north-1",
            "cn-northwest-1",
            "il-central-1",
            "eu-isoe-west-1",
        ] {
            assert!(is_valid_region(ok), "{ok}");
        }
        for bad in [
            "",
            "us",
            "us-east",
            "US-EAST-1",
            "us-east-",
            "us--1",
            "useast-1",
            "us-east-123",
            "-east-1",
            "us-east-1 ",
            "us_east_1",
            "us-east-x",
        ] {
            assert!(!is_valid_region(bad), "{bad:?}");
        }
    }

    #[test]
    fn uuid_form() {
        assert!(is_uuid("0f0b0c3e-1d2e-4f50-8a9b-0123456789ab"));
        assert!(is_uuid("0F0B0C3E-1D2E-4F50-8A9B-0123456789AB"));
        assert!(!is_uuid("0f0b0c3e-1d2e-4f50-8a9b-0123456789a"));
        assert!(!is_uuid("0f0b0c3e1d2e4f508a9b0123456789ab"));
        assert!(!is_uuid("0f0b0c3e-1d2e-4f50-8a9b-0123456789ag"));
    }

    #[test]
    fn china_regions_use_the_cn_suffix_everywhere() {
        let config = CognitoConfig::builder()
            .region("cn-north-1")
            .user_pool_id("cn-north-1_Abc")
            .build()
            .unwrap();
        assert_eq!(
            config.endpoint(Service::Sts).as_str(),
            "https://sts.cn-north-1.amazonaws.com.cn/"
        );
        assert_eq!(
            config.user_pool_issuer().as_deref(),
            Some("https://cognito-idp.cn-north-1.amazonaws.com.cn/cn-north-1_Abc")
        );
    }
}
