#!/usr/bin/env python3
"""Developer-authenticated identities with boto3 (code this project did not write): the back
end's `get_open_id_token_for_developer_identity` (signed with the admin pair), the same user's
same identity, `lookup_developer_identity`, then the app's `get_credentials_for_identity` with
the token as the login `cognito-identity.amazonaws.com`, and STS `get_caller_identity` signed
with the credentials.

Usage: developer_boto3.py <endpoint URL> <identity pool id> <developer provider name>
Prints `ok` when every answer is the one AWS would give; raises otherwise.
"""
import sys

import boto3
import botocore.config
import botocore.exceptions

REGION = "us-east-1"
ADMIN = dict(aws_access_key_id="test", aws_secret_access_key="test")


def main():
    endpoint, pool, developer = sys.argv[1], sys.argv[2], sys.argv[3]
    back_end = boto3.client("cognito-identity", endpoint_url=endpoint, region_name=REGION, **ADMIN)

    out = back_end.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool, Logins={developer: "boto-user"}, TokenDuration=600
    )
    identity_id, token = out["IdentityId"], out["Token"]
    assert identity_id.startswith(f"{REGION}:"), out
    again = back_end.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool, Logins={developer: "boto-user"}
    )
    assert again["IdentityId"] == identity_id, again

    found = back_end.lookup_developer_identity(IdentityPoolId=pool, DeveloperUserIdentifier="boto-user")
    assert found["IdentityId"] == identity_id, found
    assert found["DeveloperUserIdentifierList"] == ["boto-user"], found

    # botocore's modelled errors: the typed exception, AWS's code.
    try:
        back_end.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool, Logins={"login.someone.else": "boto-user"}
        )
        raise AssertionError("another developer provider was accepted")
    except back_end.exceptions.NotAuthorizedException:
        pass
    other = back_end.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool, Logins={developer: "boto-user-2"}
    )["IdentityId"]
    try:
        back_end.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool, IdentityId=other, Logins={developer: "boto-user"}
        )
        raise AssertionError("a registered user was linked to another identity")
    except back_end.exceptions.DeveloperUserAlreadyRegisteredException:
        pass
    try:
        back_end.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool, Logins={developer: "boto-user"}, TokenDuration=86401
        )
        raise AssertionError("a TokenDuration over a day was accepted")
    except botocore.exceptions.ParamValidationError:
        pass  # botocore checks the model's range itself
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "ValidationException", e.response

    # The app: unsigned, as on a device.
    app = boto3.client(
        "cognito-identity",
        endpoint_url=endpoint,
        region_name=REGION,
        config=botocore.config.Config(signature_version=botocore.UNSIGNED),
    )
    creds = app.get_credentials_for_identity(
        IdentityId=identity_id, Logins={"cognito-identity.amazonaws.com": token}
    )
    assert creds["IdentityId"] == identity_id, creds
    c = creds["Credentials"]
    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=c["AccessKeyId"],
        aws_secret_access_key=c["SecretKey"],
        aws_session_token=c["SessionToken"],
    )
    arn = sts.get_caller_identity()["Arn"]
    assert arn.endswith(":assumed-role/DevAuth/CognitoIdentityCredentials"), arn
    print("ok")


if __name__ == "__main__":
    main()
