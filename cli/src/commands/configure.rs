//! `configure`: write a profile, asking for what the flags do not give (the profile's current
//! values are offered as defaults).

use crate::args::ConfigureArgs;
use crate::failure::{Failure, Outcome};
use crate::profile::{DEFAULT_PROFILE, Home, Settings};
use crate::prompt::Prompter;

/// Runs `configure`.
pub fn run(args: ConfigureArgs) -> Outcome {
    let home = Home::locate()?;
    let profile = args
        .config
        .profile
        .clone()
        .unwrap_or_else(|| DEFAULT_PROFILE.to_owned());
    let current = home.profile(&profile)?.unwrap_or_default();
    let flags = Settings::from_flags(&args.config);
    let prompter = Prompter::new();
    let field = |given: &Option<String>, current: &Option<String>, question: &str| match given {
        Some(v) => Ok(Some(v.clone())),
        None => prompter.ask_or(question, current.as_deref()),
    };
    let settings = Settings {
        region: field(&flags.region, &current.region, "Region")?,
        user_pool_id: field(&flags.user_pool_id, &current.user_pool_id, "User pool id")?,
        client_id: field(&flags.client_id, &current.client_id, "App client id")?,
        client_secret: current.client_secret.clone(),
        identity_pool_id: field(
            &flags.identity_pool_id,
            &current.identity_pool_id,
            "Identity pool id",
        )?,
        endpoint_url: field(
            &flags.endpoint_url,
            &current.endpoint_url,
            "Endpoint URL (an emulator)",
        )?,
        oauth_domain: current.oauth_domain.clone(),
        redirect_uri: current.redirect_uri.clone(),
    };
    // The settings must make a configuration before they are saved.
    settings.to_config(&profile)?;
    if settings.user_pool_id.is_none() || settings.client_id.is_none() {
        return Err(Failure::config(
            "a profile needs a user pool id and an app client id",
        ));
    }
    let path = home.save_profile(&profile, settings)?;
    eprintln!("Profile `{profile}` saved in {}", path.display());
    Ok(())
}
