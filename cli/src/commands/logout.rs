//! `logout`: revoke the refresh token (RevokeToken), or sign out everywhere (GlobalSignOut),
//! then forget the session and the cache.

use std::path::Path;

use cognito_sigv4::user_pool::UserPoolClient;
use cognito_sigv4::{CognitoConfig, Session};

use crate::args::LogoutArgs;
use crate::device;
use crate::failure::{OrFail, Outcome};
use crate::identity::ProfileIdentity;
use crate::profile::Home;

/// Runs `logout`.
pub async fn run(args: LogoutArgs) -> Outcome {
    let home = Home::locate()?;
    let mut identity = ProfileIdentity::new(&home, home.resolve(&args.config)?)?;
    let profile = identity.profile.clone();
    if !home.session_file(&profile).exists() {
        identity.cache().clear()?;
        eprintln!("Not signed in with profile `{profile}`: nothing to do");
        return Ok(());
    }
    let config = identity.config.clone();
    let session = identity.session().await?;
    let device_file = home.device_file(&profile);
    if args.forget_device {
        forget_device(&config, &profile, session, &device_file).await?;
    }
    if args.global {
        session.global_sign_out().await.or_fail(&profile)?;
    } else {
        session.sign_out().await.or_fail(&profile)?;
    }
    identity.cache().clear()?;
    let store = identity.store();
    let _ = std::fs::remove_file(store.path());
    let _ = std::fs::remove_file(store.lock_path());
    eprintln!(
        "Signed out of profile `{profile}`{}",
        if args.global { " on every device" } else { "" }
    );
    Ok(())
}

/// ForgetDevice for the session's device (while its access token is still valid), then the
/// saved device file.
async fn forget_device(
    config: &CognitoConfig,
    profile: &str,
    session: &Session,
    file: &Path,
) -> Outcome {
    if let Some(device) = session.remembered_device().or_else(|| device::load(file)) {
        let access = session.access_token().await.or_fail(profile)?;
        UserPoolClient::new(config)
            .or_fail(profile)?
            .forget_device(&access, device.key())
            .await
            .or_fail(profile)?;
        eprintln!("Forgot device {}", device.key());
    }
    device::remove(file);
    Ok(())
}
