//! One-time codes sent to a user (sign-up confirmation, password reset, attribute
//! verification, SMS and e-mail second factors): they land in the pool's outbox, and the
//! caller shows the destination masked as Cognito does.

use crate::state::{DeliveryMedium, OutboxEntry, SentCode, UserPool};
use crate::wire::WireError;
use cognito_sigv4::secret::OneTimeCode;
use std::time::SystemTime;

/// Sends a new 6-digit code for `purpose` to `destination` by `medium` (into the outbox, sent
/// at `now`, kept until `expires_at`, when its challenge or purpose ends): the code, and the
/// destination masked as Cognito shows it.
///
/// With a custom-message trigger (`message_source`, its `triggerSource`), the message that
/// carries the code is the trigger's; its failure fails the call.
pub(super) fn send_new_code(
    pool: &mut UserPool,
    username: &str,
    (medium, destination): (DeliveryMedium, String),
    (purpose, message_source): (&'static str, &str),
    (now, expires_at): (SystemTime, SystemTime),
) -> Result<(String, String), WireError> {
    let masked = match medium {
        DeliveryMedium::Sms => mask_phone(&destination),
        DeliveryMedium::Email => mask_email(&destination),
    };
    let code = format!("{:06}", rand::random_range(0..1_000_000u32));
    let message = super::lifecycle::custom_message(pool, username, message_source, medium)?;
    pool.outbox.push(OutboxEntry {
        username: username.to_owned(),
        sent: SentCode {
            medium,
            destination,
            code: OneTimeCode::new(code.clone()),
        },
        purpose,
        sent_at: now,
        expires_at,
        message,
    });
    Ok((code, masked))
}

/// `+15555551234` → `+*******1234`: every digit but the last four hidden, as Cognito shows it.
fn mask_phone(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    let keep = digits.len().min(4);
    let hidden = digits.len() - keep;
    let last: String = digits[hidden..].iter().collect();
    format!("+{}{last}", "*".repeat(hidden))
}

/// `jane@example.com` → `j***@e***`: the first letter of each side, as Cognito shows it.
fn mask_email(email: &str) -> String {
    let (local, domain) = email.split_once('@').unwrap_or((email, ""));
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    format!("{}***@{}***", first(local), first(domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_are_masked_as_cognito_shows_them() {
        assert_eq!(mask_phone("+15555551234"), "+*******1234");
        assert_eq!(mask_phone("+447700900123"), "+********0123");
        assert_eq!(mask_phone("+123"), "+123");
        assert_eq!(mask_email("jane@example.com"), "j***@e***");
        assert_eq!(mask_email("no-at-sign"), "n***@***");
    }
}
