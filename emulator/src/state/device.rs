//! Device tracking: a pool's `DeviceConfiguration` and the devices its users signed in on.

use std::collections::BTreeMap;
use std::time::SystemTime;

/// A pool's `DeviceConfiguration`: with it, every sign-in that does not prove a known device
/// gets a new one (`NewDeviceMetadata`), which the client must confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct DeviceTracking {
    /// `ChallengeRequiredOnNewDevice`: a device that is not remembered gets the user's MFA
    /// challenge (the emulator asks MFA of every non-remembered device whatever this says,
    /// as it always asks a user with MFA; see CHOICES.md).
    pub(crate) challenge_required_on_new_device: bool,
    /// `DeviceOnlyRememberedOnUserPrompt`: a confirmed device stays `not_remembered` until
    /// UpdateDeviceStatus (ConfirmDevice answers `UserConfirmationNecessary: true`); otherwise
    /// ConfirmDevice remembers it.
    pub(crate) only_remembered_on_user_prompt: bool,
}

/// One device of one user.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Device {
    pub(crate) username: String,
    pub(crate) group_key: String,
    /// `device_name` as ConfirmDevice gave it.
    pub(crate) name: Option<String>,
    /// The device's SRP verifier and salt from ConfirmDevice (big-endian); none until then.
    pub(crate) verifier: Option<Vec<u8>>,
    pub(crate) salt: Vec<u8>,
    /// `dev:device_remembered_status`: `remembered` or `not_remembered`.
    pub(crate) remembered: bool,
    pub(crate) created: SystemTime,
    pub(crate) last_modified: SystemTime,
    pub(crate) last_authenticated: SystemTime,
}

impl Device {
    /// A device issued at sign-in, waiting for ConfirmDevice.
    pub(crate) fn new(username: &str, group_key: String, now: SystemTime) -> Self {
        Self {
            username: username.to_owned(),
            group_key,
            name: None,
            verifier: None,
            salt: Vec::new(),
            remembered: false,
            created: now,
            last_modified: now,
            last_authenticated: now,
        }
    }

    /// Confirmed with a verifier: the only state in which it can be proven at sign-in.
    pub(crate) fn is_confirmed(&self) -> bool {
        self.verifier.is_some()
    }
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The verifier is password-equivalent for the device: it stays out.
        f.debug_struct("Device")
            .field("username", &self.username)
            .field("name", &self.name)
            .field("confirmed", &self.is_confirmed())
            .field("remembered", &self.remembered)
            .finish_non_exhaustive()
    }
}

/// Every device of a pool, by device key.
pub(crate) type Devices = BTreeMap<String, Device>;
