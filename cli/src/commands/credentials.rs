//! `credentials`: the profile's temporary AWS credentials in the formats of
//! `aws configure export-credentials`, `process` being `credential_process`'s JSON. Only the
//! credentials go to standard output; nothing secret goes to standard error.

use std::io::Write as _;

use aws_credential_types::Credentials;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;

use crate::args::{CredentialsArgs, CredentialsFormat};
use crate::failure::{Failure, Outcome};
use crate::identity::ProfileIdentity;
use crate::profile::Home;
use crate::timing::Timings;

/// Runs `credentials`.
pub async fn run(args: CredentialsArgs) -> Outcome {
    let home = Home::locate()?;
    let mut identity = ProfileIdentity::new(&home, home.resolve(&args.config)?)?;
    let (credentials, identity_id) = identity.credentials(&mut Timings::default()).await?;
    let text = render(&credentials, identity_id.as_deref(), args.format);
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::other(format!("cannot write the credentials: {e}")))
}

/// The credentials in `format`.
pub fn render(c: &Credentials, identity_id: Option<&str>, format: CredentialsFormat) -> String {
    let expiration = c
        .expiry()
        .map(|t| DateTime::<Utc>::from(t).to_rfc3339_opts(SecondsFormat::Secs, true));
    let mut vars = vec![
        ("AWS_ACCESS_KEY_ID", c.access_key_id().to_owned()),
        ("AWS_SECRET_ACCESS_KEY", c.secret_access_key().to_owned()),
    ];
    if let Some(token) = c.session_token() {
        vars.push(("AWS_SESSION_TOKEN", token.to_owned()));
    }
    if let Some(expiration) = &expiration {
        vars.push(("AWS_CREDENTIAL_EXPIRATION", expiration.clone()));
    }
    let lines = |line: &dyn Fn(&str, &str) -> String| {
        vars.iter()
            .map(|(name, value)| line(name, value) + "\n")
            .collect::<String>()
    };
    match format {
        CredentialsFormat::Process | CredentialsFormat::Json => {
            let mut doc = json!({
                "Version": 1,
                "AccessKeyId": c.access_key_id(),
                "SecretAccessKey": c.secret_access_key(),
            });
            if let Some(token) = c.session_token() {
                doc["SessionToken"] = json!(token);
            }
            if let Some(expiration) = &expiration {
                doc["Expiration"] = json!(expiration);
            }
            if format == CredentialsFormat::Json
                && let Some(id) = identity_id
            {
                doc["IdentityId"] = json!(id);
            }
            format!("{doc}\n")
        }
        CredentialsFormat::Env => lines(&|n, v| format!("export {n}={v}")),
        CredentialsFormat::EnvNoExport => lines(&|n, v| format!("{n}={v}")),
        CredentialsFormat::Powershell => lines(&|n, v| format!("$Env:{n}=\"{v}\"")),
        CredentialsFormat::WindowsCmd => lines(&|n, v| format!("set {n}={v}")),
        CredentialsFormat::Fish => lines(&|n, v| format!("set -gx {n} {v}")),
    }
}
