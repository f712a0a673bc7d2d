//! What the harness binaries in `src/bin` share: the emulator's reference scenario and the
//! median they report.

use cognito_sigv4::CognitoConfig;
use cognito_sigv4::config::Service;

/// The emulator's reference ids (`emulator/seeds/reference.toml`).
pub const USER_POOL: &str = "us-east-1_QuickStrt";
/// The reference seed's app client.
pub const APP_CLIENT: &str = "quickstartwebclient0000001";
/// The reference seed's identity pool.
pub const IDENTITY_POOL: &str = "us-east-1:4a1f9e1c-7b6d-4c3a-9e2f-0d5b8c7a6e41";

/// The reference scenario's configuration with every service's endpoint at `endpoint` (an
/// emulator serving the reference seed).
pub fn reference_config(endpoint: &url::Url) -> cognito_sigv4::Result<CognitoConfig> {
    Service::ALL
        .into_iter()
        .fold(
            CognitoConfig::builder()
                .region("us-east-1")
                .user_pool_id(USER_POOL)
                .client_id(APP_CLIENT)
                .identity_pool_id(IDENTITY_POOL),
            |b, service| b.endpoint(service, endpoint.clone()),
        )
        .build()
}

/// The median of `v` (sorted in place; the mean of the middle two for an even length).
pub fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}
