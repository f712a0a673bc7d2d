//! A caller restarts a session's background refresher only when it has stopped: a live one is
//! left alone, and a session without one never tries (each restart replaces the task and says
//! so in a warning). Its own binary: it captures every log line of the process. Found by
//! mutation testing (restarting at every call went unnoticed).

mod support;

use std::time::Duration;

use cognito_sigv4::credentials::Session;
use support::{TestEmulator, capture_all_logs, signed_in};

#[tokio::test]
async fn callers_leave_a_live_background_refresher_alone() {
    let logs = capture_all_logs();
    let emu = TestEmulator::start().await;
    for background in [true, false] {
        let session = signed_in(
            Session::builder(emu.config())
                .clock(emu.clock.clone())
                .background_refresh(background)
                .background_poll(Duration::from_millis(5)),
            "jdoe",
        )
        .await;
        for _ in 0..3 {
            session.tokens().await.expect("tokens");
            session.credentials().await.expect("credentials");
        }
        assert_eq!(session.background_refresh_running(), background);
    }
    assert!(
        !logs.text().contains("had stopped"),
        "no restart of a live (or absent) refresher"
    );
}
