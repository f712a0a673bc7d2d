#!/usr/bin/env python3
"""Sign-up and forgotten password against the emulator with boto3, reading the codes from the
emulator's control surface (`/_emulator/codes`) and moving its clock (`/_emulator/clock`).

Usage: codes_flow.py <endpoint URL> <app client id>
Prints `ok` and exits 0 when every step answered as AWS would; raises otherwise.
"""
import json
import sys
import urllib.request

import boto3
import botocore.exceptions

USER = "pat"
EMAIL = "pat@example.com"
PASSWORD = "Signed-Up-Passw0rd!"
NEW_PASSWORD = "Reset-Passw0rd-2!"


def control(endpoint, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(
        endpoint + "_emulator/" + path,
        data=data,
        method="GET" if body is None else "POST",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def last_code(endpoint, purpose):
    codes = control(endpoint, f"codes?username={USER}")["codes"]
    mine = [c for c in codes if c["purpose"] == purpose]
    assert mine, f"no {purpose} code in {codes}"
    assert mine[-1]["destination"] == EMAIL and mine[-1]["medium"] == "EMAIL", mine[-1]
    return mine[-1]["code"]


def error_code(call):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"]
    raise AssertionError("the call was expected to fail")


def main():
    endpoint, client_id = sys.argv[1], sys.argv[2]
    if not endpoint.endswith("/"):
        endpoint += "/"
    assert control(endpoint, "health")["status"] == "ok"
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )

    def sign_in(password):
        return idp.initiate_auth(
            AuthFlow="USER_PASSWORD_AUTH",
            ClientId=client_id,
            AuthParameters={"USERNAME": USER, "PASSWORD": password},
        )

    sent = idp.sign_up(
        ClientId=client_id,
        Username=USER,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": EMAIL}],
    )
    assert sent["UserConfirmed"] is False, sent
    assert error_code(lambda: sign_in(PASSWORD)) == "UserNotConfirmedException"
    wrong = "000000" if last_code(endpoint, "SignUp") != "000000" else "111111"
    assert (
        error_code(lambda: idp.confirm_sign_up(ClientId=client_id, Username=USER, ConfirmationCode=wrong))
        == "CodeMismatchException"
    )
    idp.confirm_sign_up(
        ClientId=client_id, Username=USER, ConfirmationCode=last_code(endpoint, "SignUp")
    )
    assert "IdToken" in sign_in(PASSWORD)["AuthenticationResult"]

    # A reset code lives an hour: moved past it on the emulator's clock, it has expired.
    idp.forgot_password(ClientId=client_id, Username=USER)
    stale = last_code(endpoint, "ForgotPassword")
    control(endpoint, "clock", {"advance_secs": 3601})
    assert (
        error_code(
            lambda: idp.confirm_forgot_password(
                ClientId=client_id, Username=USER, ConfirmationCode=stale, Password=NEW_PASSWORD
            )
        )
        == "ExpiredCodeException"
    )
    idp.forgot_password(ClientId=client_id, Username=USER)
    idp.confirm_forgot_password(
        ClientId=client_id,
        Username=USER,
        ConfirmationCode=last_code(endpoint, "ForgotPassword"),
        Password=NEW_PASSWORD,
    )
    assert error_code(lambda: sign_in(PASSWORD)) == "NotAuthorizedException"
    assert "IdToken" in sign_in(NEW_PASSWORD)["AuthenticationResult"]
    print("ok")


if __name__ == "__main__":
    main()
