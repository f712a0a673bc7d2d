//! The acceptance test: boto3 against the standalone emulator, whose pool's
//! `LambdaConfig` (made with CreateUserPool) points at a stand-in Lambda Invoke server the
//! script serves (`emulator/tests/python/triggers_boto3.py`).

use super::support;
use std::time::Duration;

#[tokio::test]
async fn boto3_creates_a_pool_whose_triggers_run_behind_a_lambda_invoke_server() {
    let test = "boto3_creates_a_pool_whose_triggers_run_behind_a_lambda_invoke_server";
    if !support::python_ready(test, &["boto3"]) {
        return;
    }
    let out = support::run_python(
        "triggers_boto3.py",
        vec![env!("CARGO_BIN_EXE_cognito-sigv4-emulator").to_owned()],
        Duration::from_secs(120),
    )
    .await;
    assert_eq!(out.trim(), "ok");
}
