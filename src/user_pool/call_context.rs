//! What an app sends with the calls that take it, for the pool's Lambda triggers and its threat
//! protection: `ClientMetadata` and `UserContextData`.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use aws_sdk_cognitoidentityprovider::types::UserContextDataType;

/// `UserContextData.EncodedData`: the device fingerprint Cognito's threat protection reads,
/// as the Amplify / `amazon-cognito-advanced-security-data` libraries encode it. `Debug` shows
/// only its length (it describes the user's device).
#[derive(Clone, PartialEq, Eq)]
pub struct UserContextData {
    encoded: String,
    ip_address: Option<String>,
}

impl UserContextData {
    /// The encoded data, as the advanced-security library made it.
    pub fn encoded(encoded: impl Into<String>) -> Self {
        Self {
            encoded: encoded.into(),
            ip_address: None,
        }
    }

    /// The end user's IP address (`UserContextData.IpAddress`), for a server that signs users
    /// in on their behalf.
    pub fn ip_address(mut self, ip: impl Into<String>) -> Self {
        self.ip_address = Some(ip.into());
        self
    }

    pub(super) fn to_sdk(&self) -> UserContextDataType {
        UserContextDataType::builder()
            .encoded_data(&self.encoded)
            .set_ip_address(self.ip_address.clone())
            .build()
    }
}

impl fmt::Debug for UserContextData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserContextData")
            .field("encoded_len", &self.encoded.len())
            .field("ip_address", &self.ip_address.as_ref().map(|_| "***"))
            .finish()
    }
}

/// What a client sends with every call that takes it.
#[derive(Debug, Clone, Default)]
pub(super) struct CallContext {
    /// `ClientMetadata`: handed to the pool's Lambda triggers.
    pub(super) client_metadata: BTreeMap<String, String>,
    pub(super) user_context_data: Option<UserContextData>,
}

impl CallContext {
    /// `ClientMetadata` for an SDK request (`None` when empty, so nothing is sent).
    pub(super) fn metadata(&self) -> Option<HashMap<String, String>> {
        (!self.client_metadata.is_empty()).then(|| {
            self.client_metadata
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
    }

    /// `UserContextData` for an SDK request.
    pub(super) fn context_data(&self) -> Option<UserContextDataType> {
        self.user_context_data.as_ref().map(UserContextData::to_sdk)
    }
}
