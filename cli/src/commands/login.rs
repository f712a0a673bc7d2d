//! `login`: sign in (SRP, USER_PASSWORD_AUTH, or CUSTOM_AUTH with the pool's own challenges),
//! answer every challenge the library knows at the prompt, and save the session for the
//! profile.

use std::collections::BTreeMap;

use cognito_sigv4::credentials::PendingSignIn;
use cognito_sigv4::secret::{OneTimeCode, Password};
use cognito_sigv4::user_pool::{
    AuthFlow, ChallengeAnswer, ChallengeKind, ChallengeResponse, MfaKind,
};
use cognito_sigv4::{Session, SignInOutcome};

use crate::args::LoginArgs;
use crate::commands::browser_login;
use crate::device;
use crate::failure::{Failure, OrFail, Outcome};
use crate::identity::ProfileIdentity;
use crate::profile::Home;
use crate::prompt::{Prompter, read_line};

/// The name a remembered device gets (ListDevices shows it).
const DEVICE_NAME: &str = "cognito-sigv4 CLI";

/// Runs `login`.
pub async fn run(args: LoginArgs) -> Outcome {
    let home = Home::locate()?;
    let resolved = home.resolve(&args.config)?;
    let saved = home.profile(&resolved.profile)?.is_some();
    let identity = ProfileIdentity::new(&home, resolved.clone())?;
    let profile = identity.profile.clone();
    identity.config.require_user_pool().or_fail(&profile)?;
    if args.browser {
        home.prepare()?;
        let (session, settings) =
            browser_login::sign_in(&args, &resolved.settings, &identity).await?;
        return finish(&home, &identity, &session, settings).await;
    }
    let prompter = Prompter::new();

    let username = match args.username {
        Some(name) => name,
        None => prompter.ask("Username")?,
    };
    // A custom sign-in without the password step asks none: the triggers' challenges are
    // the proof.
    let password = if args.custom_auth && !args.with_password {
        None
    } else if args.password_stdin {
        Some(read_line()?)
    } else {
        Some(prompter.secret("Password")?)
    };
    home.prepare()?;
    let flow = if args.password_auth {
        AuthFlow::Password
    } else {
        AuthFlow::Srp
    };
    let mut builder = Session::builder(identity.config.clone())
        .store(identity.store())
        .auth_flow(flow);
    let device_file = home.device_file(&profile);
    if let Some(device) = device::load(&device_file) {
        builder = builder.device(device);
    }
    if args.remember_device {
        builder = builder.remember_new_device(DEVICE_NAME);
    }
    let password = password.map(Password::new);
    let outcome = match (args.custom_auth, &password) {
        (true, password) => builder.sign_in_custom(&username, password.as_ref()).await,
        (false, Some(password)) => builder.sign_in(&username, password).await,
        (false, None) => unreachable!("a password is asked for every flow but CUSTOM_AUTH"),
    }
    .or_fail(&profile)?;
    let session = answer_challenges(outcome, &prompter, &profile).await?;
    // The device this session is on (pools that track devices): kept past `logout` when asked
    // to remember it, or when it was already kept.
    if let Some(device) = session.remembered_device()
        && (args.remember_device || device_file.exists())
    {
        device::save(&device_file, &device)?;
        eprintln!("Device remembered: later logins on it skip MFA where the pool allows");
    }
    let settings = if saved { None } else { Some(resolved.settings) };
    finish_with(&home, &identity, &session, settings).await
}

/// After a browser sign-in: the profile keeps the domain and redirect URI, so that the
/// session refreshes at the same token endpoint.
async fn finish(
    home: &Home,
    identity: &ProfileIdentity,
    session: &Session,
    settings: crate::profile::Settings,
) -> Outcome {
    let saved = home.profile(&identity.profile)?;
    let keep = match saved {
        Some(mut saved) => {
            saved.oauth_domain = settings.oauth_domain;
            saved.redirect_uri = settings.redirect_uri;
            saved
        }
        None => settings,
    };
    finish_with(home, identity, session, Some(keep)).await
}

/// Caches the new tokens, saves `settings` as the profile if given, and says who signed in.
async fn finish_with(
    home: &Home,
    identity: &ProfileIdentity,
    session: &Session,
    settings: Option<crate::profile::Settings>,
) -> Outcome {
    let profile = &identity.profile;
    // New tokens: whatever the cache held belongs to the previous sign-in; the new tokens
    // spare the next command a refresh.
    identity.cache().clear()?;
    if let Ok(tokens) = session.tokens().await {
        identity.cache_tokens(&tokens);
    }
    if let Some(settings) = settings {
        let path = home.save_profile(profile, settings)?;
        eprintln!("Profile `{profile}` saved in {}", path.display());
    }
    eprintln!(
        "Signed in as {} (profile `{profile}`); session saved in {}",
        session.username().unwrap_or_default(),
        home.session_file(profile).display()
    );
    Ok(())
}

/// Answers challenges until the sign-in is done.
async fn answer_challenges(
    mut outcome: SignInOutcome,
    prompter: &Prompter,
    profile: &str,
) -> Outcome<Session> {
    loop {
        let pending = match outcome {
            SignInOutcome::Done(session) => return Ok(session),
            SignInOutcome::Challenge(pending) => pending,
        };
        let kind = pending.challenge().kind().clone();
        outcome = match kind {
            ChallengeKind::MfaSetup { .. } => set_up_totp(pending, prompter, profile).await?,
            kind => {
                let response = ask(&kind, prompter)?;
                pending.respond(response).await.or_fail(profile)?
            }
        };
    }
}

/// The answer to a challenge, asked at the prompt.
fn ask(kind: &ChallengeKind, prompter: &Prompter) -> Outcome<ChallengeResponse> {
    let code = |question: String| -> Outcome<ChallengeResponse> {
        Ok(ChallengeResponse::MfaCode(OneTimeCode::new(
            prompter.secret(&question)?,
        )))
    };
    let to = |destination: &Option<String>| {
        destination
            .as_deref()
            .map(|d| format!(" sent to {d}"))
            .unwrap_or_default()
    };
    match kind {
        ChallengeKind::NewPasswordRequired {
            required_attributes,
            ..
        } => {
            eprintln!("A new password is required.");
            let password = prompter.secret("New password")?;
            let mut attributes = BTreeMap::new();
            for name in required_attributes {
                attributes.insert(name.clone(), prompter.ask(name)?);
            }
            Ok(ChallengeResponse::NewPassword {
                password: Password::new(password),
                attributes,
            })
        }
        ChallengeKind::SmsMfa { destination } => code(format!("SMS code{}", to(destination))),
        ChallengeKind::EmailOtp { destination } => code(format!("E-mail code{}", to(destination))),
        ChallengeKind::SoftwareTokenMfa => code("Code from your authenticator app".into()),
        ChallengeKind::SelectMfaType { options } => {
            Ok(ChallengeResponse::SelectMfa(choose(options, prompter)?))
        }
        ChallengeKind::CustomChallenge { parameters } => {
            // The trigger's public parameters are for the user to see (a hint, a question);
            // the answer is a secret (a one-time code) and is not echoed.
            eprintln!("The sign-in asks:");
            for (name, value) in parameters {
                eprintln!("  {name}: {value}");
            }
            Ok(ChallengeResponse::custom(ChallengeAnswer::new(
                prompter.secret("Answer")?,
            )))
        }
        other => Err(Failure::other(format!(
            "the sign-in asks for {}, which this version cannot answer",
            other.name()
        ))),
    }
}

/// Asks which second factor to use.
fn choose(options: &[MfaKind], prompter: &Prompter) -> Outcome<MfaKind> {
    for (i, kind) in options.iter().enumerate() {
        eprintln!("  {}) {}", i + 1, describe(kind));
    }
    let answer = prompter.ask("Second factor (number)")?;
    answer
        .trim()
        .parse::<usize>()
        .ok()
        .and_then(|n| options.get(n.checked_sub(1)?))
        .cloned()
        .ok_or_else(|| Failure::usage(format!("`{answer}` is not one of the numbers listed")))
}

fn describe(kind: &MfaKind) -> &str {
    match kind {
        MfaKind::Sms => "SMS code",
        MfaKind::SoftwareToken => "authenticator app",
        MfaKind::Email => "e-mail code",
        other => other.as_str(),
    }
}

/// `MFA_SETUP`: shows the TOTP secret as an `otpauth://` URI, then verifies the first code.
async fn set_up_totp(
    mut pending: Box<PendingSignIn>,
    prompter: &Prompter,
    profile: &str,
) -> Outcome<SignInOutcome> {
    let account = pending.challenge().username().to_owned();
    let secret = pending.associate_software_token().await.or_fail(profile)?;
    eprintln!(
        "The user pool requires an authenticator app. Add this account to yours (as a QR code, \
         or paste the URI):\n  {}",
        secret.otpauth_uri("cognito-sigv4", &account)
    );
    let code = OneTimeCode::new(prompter.secret("First code from the app")?);
    pending.verify_software_token(&code).await.or_fail(profile)
}
