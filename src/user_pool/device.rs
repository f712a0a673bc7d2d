//! Remembered devices: confirming the device a sign-in announces (`NewDeviceMetadata`),
//! proving it at later sign-ins (`DEVICE_SRP_AUTH`, `DEVICE_PASSWORD_VERIFIER`), and listing,
//! remembering and forgetting devices.
//!
//! In a pool that tracks devices, every sign-in that does not prove a known device ends with a
//! new one, which the client confirms with a random password it keeps (ConfirmDevice sends
//! only an SRP verifier of it). Refresh tokens are then bound to that device: refreshing sends
//! its key, and stops working once the device is forgotten. A later sign-in that names the
//! device (`DEVICE_KEY`) proves it with SRP after the password; a *remembered* device skips
//! MFA where the pool says so.

use std::fmt;
use std::time::SystemTime;

use aws_sdk_cognitoidentityprovider as idp;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use idp::types::{ChallengeNameType, DeviceRememberedStatusType, DeviceSecretVerifierConfigType};
use tracing::Instrument as _;

use super::challenge::{Answer, answer_of, invalid};
use super::{SignInStep, UserPoolClient, srp};
use crate::error::{Error, ErrorKind, Result, from_sdk};
use crate::secret::{ChallengeSession, DevicePassword, Jwt, Password};
use crate::time::shift;

/// The device a sign-in ended on, announced in `NewDeviceMetadata` when the pool tracks
/// devices: confirm it with [`UserPoolClient::confirm_device`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeviceMetadata {
    key: String,
    group_key: String,
}

impl NewDeviceMetadata {
    /// Metadata as Cognito sent it (`DeviceKey`, `DeviceGroupKey`).
    pub fn new(key: impl Into<String>, group_key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            group_key: group_key.into(),
        }
    }

    /// `DeviceKey` (`<region>_<uuid>`).
    pub fn key(&self) -> &str {
        &self.key
    }

    /// `DeviceGroupKey`.
    pub fn group_key(&self) -> &str {
        &self.group_key
    }
}

/// A confirmed device and the password that proves it: what a sign-in and a refresh on this
/// device need. Keep it with the user's session (the session store does); its password is a
/// secret (`Debug` hides it, and it is zeroized on drop).
#[derive(Clone, PartialEq, Eq)]
pub struct RememberedDevice {
    key: String,
    group_key: String,
    password: DevicePassword,
}

impl RememberedDevice {
    /// A device from its parts, as an app that stores them itself kept them.
    pub fn new(
        key: impl Into<String>,
        group_key: impl Into<String>,
        password: DevicePassword,
    ) -> Self {
        Self {
            key: key.into(),
            group_key: group_key.into(),
            password,
        }
    }

    /// `DeviceKey`.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// `DeviceGroupKey`.
    pub fn group_key(&self) -> &str {
        &self.group_key
    }

    /// The device's password (a secret).
    pub fn password(&self) -> &DevicePassword {
        &self.password
    }
}

impl fmt::Debug for RememberedDevice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RememberedDevice")
            .field("key", &self.key)
            .field("group_key", &self.group_key)
            .field("password", &self.password)
            .finish()
    }
}

/// What [`UserPoolClient::confirm_device`] answers.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ConfirmedDevice {
    /// The device, with its new password.
    pub device: RememberedDevice,
    /// The pool remembers devices only when the user agrees (`DeviceOnlyRememberedOnUserPrompt`):
    /// ask, then call [`UserPoolClient::update_device_status`]. `false`: it is remembered.
    pub user_confirmation_necessary: bool,
}

/// Whether a device is remembered (`dev:device_remembered_status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceStatus {
    /// Remembered: it may skip MFA at sign-in.
    Remembered,
    /// Tracked but not remembered.
    NotRemembered,
}

/// A device of the user, as ListDevices and GetDevice describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceInfo {
    /// `DeviceKey`.
    pub key: String,
    /// `device_name`, as ConfirmDevice gave it.
    pub name: Option<String>,
    /// `dev:device_remembered_status`, when Cognito reports it.
    pub status: Option<DeviceStatus>,
    /// Every attribute Cognito listed (`device_status`, `last_ip_used`, ...).
    pub attributes: Vec<(String, String)>,
    /// When it was created.
    pub created: Option<SystemTime>,
    /// When it last changed.
    pub last_modified: Option<SystemTime>,
    /// When it last signed in.
    pub last_authenticated: Option<SystemTime>,
}

impl UserPoolClient {
    /// This client for sign-ins and refreshes on `device` (or on none): sign-ins send its
    /// `DEVICE_KEY` and answer `DEVICE_SRP_AUTH` with it; refreshes send its key. Cheap.
    #[must_use]
    pub fn with_device(&self, device: Option<RememberedDevice>) -> Self {
        let mut client = self.clone();
        client.device = device.map(std::sync::Arc::new);
        client
    }

    /// The device this client signs in on, if any.
    pub fn device(&self) -> Option<&RememberedDevice> {
        self.device.as_deref()
    }

    /// Confirms the device a sign-in announced (ConfirmDevice): draws its password and sends
    /// only an SRP verifier of it, with `name` (shown in ListDevices). Keep the returned
    /// device: later sign-ins and refreshes need it ([`with_device`](Self::with_device)).
    ///
    /// Errors: [`ErrorKind::NotAuthorized`] for a bad access token; [`ErrorKind::ResourceNotFound`]
    /// if the device does not exist; network and service errors.
    pub async fn confirm_device(
        &self,
        access: &Jwt,
        new: &NewDeviceMetadata,
        name: &str,
    ) -> Result<ConfirmedDevice> {
        let span = tracing::info_span!("confirm_device");
        async move {
            // From the operating system's generator: the password lives as long as the device.
            let mut raw = [0u8; 40];
            srp::os_random(&mut raw);
            let password = DevicePassword::new(STANDARD.encode(raw));
            zeroize::Zeroize::zeroize(&mut raw);
            // The SRP maths takes the device password where a user's goes.
            let as_password = Password::new(password.expose_secret());
            let (salt, verifier) = srp::device_verifier(&new.group_key, &new.key, &as_password);
            let config = DeviceSecretVerifierConfigType::builder()
                .password_verifier(STANDARD.encode(verifier))
                .salt(STANDARD.encode(salt))
                .build();
            let out = self
                .client
                .confirm_device()
                .access_token(access.expose_secret())
                .device_key(&new.key)
                .device_name(name)
                .device_secret_verifier_config(config)
                .send()
                .await
                .map_err(|e| from_sdk("ConfirmDevice", e))?;
            Ok(ConfirmedDevice {
                device: RememberedDevice::new(&new.key, &new.group_key, password),
                user_confirmation_necessary: out.user_confirmation_necessary(),
            })
        }
        .instrument(span)
        .await
    }

    /// Remembers or stops remembering a device (UpdateDeviceStatus).
    ///
    /// Errors: [`ErrorKind::NotAuthorized`], [`ErrorKind::ResourceNotFound`], network and service
    /// errors.
    pub async fn update_device_status(
        &self,
        access: &Jwt,
        device_key: &str,
        status: DeviceStatus,
    ) -> Result<()> {
        let status = match status {
            DeviceStatus::Remembered => DeviceRememberedStatusType::Remembered,
            DeviceStatus::NotRemembered => DeviceRememberedStatusType::NotRemembered,
        };
        self.client
            .update_device_status()
            .access_token(access.expose_secret())
            .device_key(device_key)
            .device_remembered_status(status)
            .send()
            .await
            .map_err(|e| from_sdk("UpdateDeviceStatus", e))?;
        Ok(())
    }

    /// The user's devices (ListDevices, every page).
    ///
    /// Errors: [`ErrorKind::NotAuthorized`], network and service errors.
    pub async fn list_devices(&self, access: &Jwt) -> Result<Vec<DeviceInfo>> {
        let mut devices = Vec::new();
        let mut token: Option<String> = None;
        // Bounded: a server that keeps answering with pages is cut off (60 devices a page).
        for _ in 0..100 {
            let out = self
                .client
                .list_devices()
                .access_token(access.expose_secret())
                .limit(60)
                .set_pagination_token(token.take())
                .send()
                .await
                .map_err(|e| from_sdk("ListDevices", e))?;
            devices.extend(out.devices().iter().map(device_info));
            match out.pagination_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_owned()),
                _ => return Ok(devices),
            }
        }
        Err(invalid("ListDevices kept answering with more pages"))
    }

    /// One device of the user (GetDevice).
    ///
    /// Errors: [`ErrorKind::NotAuthorized`], [`ErrorKind::ResourceNotFound`], network and service
    /// errors.
    pub async fn get_device(&self, access: &Jwt, device_key: &str) -> Result<DeviceInfo> {
        let out = self
            .client
            .get_device()
            .access_token(access.expose_secret())
            .device_key(device_key)
            .send()
            .await
            .map_err(|e| from_sdk("GetDevice", e))?;
        out.device()
            .map(device_info)
            .ok_or_else(|| invalid("GetDevice answered without Device"))
    }

    /// Forgets a device (ForgetDevice): its refresh tokens stop working and it must sign in
    /// as a new device.
    ///
    /// Errors: [`ErrorKind::NotAuthorized`], [`ErrorKind::ResourceNotFound`], network and service
    /// errors.
    pub async fn forget_device(&self, access: &Jwt, device_key: &str) -> Result<()> {
        self.client
            .forget_device()
            .access_token(access.expose_secret())
            .device_key(device_key)
            .send()
            .await
            .map_err(|e| from_sdk("ForgetDevice", e))?;
        Ok(())
    }

    /// Turns an answer into the next step, proving this client's device first when Cognito
    /// asks (`DEVICE_SRP_AUTH`): what every sign-in call ends with.
    pub(super) async fn advance(&self, answer: Answer<'_>, username: &str) -> Result<SignInStep> {
        if answer.challenge != Some(&ChallengeNameType::DeviceSrpAuth) {
            return self.next_step(answer, username);
        }
        let Some(device) = self.device.clone() else {
            return Err(Error::new(
                ErrorKind::UnknownChallenge,
                "the service asked for DEVICE_SRP_AUTH, but this client has no remembered device",
            ));
        };
        let username = answer
            .parameters
            .and_then(|p| p.get("USERNAME"))
            .filter(|u| !u.is_empty())
            .map_or(username, String::as_str)
            .to_owned();
        self.device_srp(&device, &username, answer.session).await
    }

    /// DEVICE_SRP_AUTH then DEVICE_PASSWORD_VERIFIER: the device's SRP proof.
    async fn device_srp(
        &self,
        device: &RememberedDevice,
        username: &str,
        session: Option<&str>,
    ) -> Result<SignInStep> {
        let eph = srp::SrpClientEphemeral::generate();
        let answers = vec![
            ("DEVICE_KEY", device.key.clone()),
            ("SRP_A", eph.public_a_hex()),
        ];
        let session = session.map(ChallengeSession::new);
        let out = self
            .send_raw_answer(username, "DEVICE_SRP_AUTH", session.as_ref(), answers)
            .await?;
        if out.challenge_name() != Some(&ChallengeNameType::DevicePasswordVerifier) {
            return self.next_step(answer_of!(out), username);
        }
        let params = out
            .challenge_parameters()
            .ok_or_else(|| invalid("DEVICE_PASSWORD_VERIFIER without challenge parameters"))?;
        let param = |name: &str| {
            params
                .get(name)
                .map(String::as_str)
                .ok_or_else(|| invalid(&format!("DEVICE_PASSWORD_VERIFIER without {name}")))
        };
        let secret_block = param("SECRET_BLOCK")?;
        let challenge = srp::PasswordVerifierChallenge {
            user_pool_id: self.user_pool_id(),
            user_id_for_srp: &device.key,
            salt_hex: param("SALT")?,
            srp_b_hex: param("SRP_B")?,
            secret_block_b64: secret_block,
        };
        let timestamp =
            srp::cognito_timestamp(shift(self.clock.now(), self.skew.offset_for_timestamp()));
        let password = Password::new(device.password.expose_secret());
        let signature = srp::device_claim_signature(
            &eph,
            &device.group_key,
            &challenge,
            &password,
            &timestamp,
        )?;
        let answers = vec![
            ("DEVICE_KEY", device.key.clone()),
            ("PASSWORD_CLAIM_SECRET_BLOCK", secret_block.to_owned()),
            ("PASSWORD_CLAIM_SIGNATURE", signature),
            ("TIMESTAMP", timestamp),
        ];
        let session = out.session().map(ChallengeSession::new);
        let name = "DEVICE_PASSWORD_VERIFIER";
        let out = self
            .send_raw_answer(username, name, session.as_ref(), answers)
            .await?;
        self.next_step(answer_of!(out), username)
    }
}

/// Cognito no longer knows the device a sign-in named (forgotten, or another pool's): the
/// sign-in goes on as from a new device, as AWS's JavaScript client does on this error.
pub(super) fn is_unknown_device(e: &Error) -> bool {
    e.kind() == ErrorKind::ResourceNotFound && e.message().to_ascii_lowercase().contains("device")
}

/// A `DeviceType` as [`DeviceInfo`].
fn device_info(d: &idp::types::DeviceType) -> DeviceInfo {
    let attributes: Vec<(String, String)> = d
        .device_attributes()
        .iter()
        .map(|a| {
            (
                a.name().to_owned(),
                a.value().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let attribute = |name: &str| {
        attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let status = match attribute("dev:device_remembered_status").as_deref() {
        Some("remembered") => Some(DeviceStatus::Remembered),
        Some("not_remembered") => Some(DeviceStatus::NotRemembered),
        _ => None,
    };
    let time =
        |t: Option<&aws_smithy_types::DateTime>| t.and_then(|t| SystemTime::try_from(*t).ok());
    DeviceInfo {
        key: d.device_key().unwrap_or_default().to_owned(),
        name: attribute("device_name"),
        status,
        attributes,
        created: time(d.device_create_date()),
        last_modified: time(d.device_last_modified_date()),
        last_authenticated: time(d.device_last_authenticated_date()),
    }
}
