#!/usr/bin/env python3
"""Creates the interop fixtures in a running moto server with boto3 and prints their ids as JSON.

Usage: moto_bootstrap.py <endpoint URL, e.g. http://127.0.0.1:5000>

Made here (region us-east-1):
- pool `plain` (MFA off), app clients `public` (no secret) and `secret` (generated secret);
  users `alice` and `bob` (confirmed) and `newbie` (FORCE_CHANGE_PASSWORD, as after
  AdminCreateUser);
- pool `mfa` (MFA required, authenticator apps only), app client `public`, user `tina`
  (FORCE_CHANGE_PASSWORD, no authenticator app yet);
- an identity pool trusting pool `plain`'s public client.
"""
import json
import sys

import boto3

REGION = "us-east-1"
PASSWORD = "Interop-Passw0rd!"
TEMPORARY = "Temporary-Passw0rd!"
FLOWS = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]


def client(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def user(idp, pool_id, name, permanent):
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=name,
        TemporaryPassword=TEMPORARY,
        UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
        MessageAction="SUPPRESS",
    )
    if permanent:
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=name, Password=PASSWORD, Permanent=True
        )


def main():
    endpoint = sys.argv[1]
    idp = client("cognito-idp", endpoint)
    identity = client("cognito-identity", endpoint)

    plain = idp.create_user_pool(PoolName="plain")["UserPool"]["Id"]
    public = idp.create_user_pool_client(
        UserPoolId=plain, ClientName="public", ExplicitAuthFlows=FLOWS
    )["UserPoolClient"]
    secret = idp.create_user_pool_client(
        UserPoolId=plain, ClientName="secret", ExplicitAuthFlows=FLOWS, GenerateSecret=True
    )["UserPoolClient"]
    user(idp, plain, "alice", True)
    user(idp, plain, "bob", True)
    user(idp, plain, "newbie", False)

    mfa = idp.create_user_pool(PoolName="mfa", MfaConfiguration="OFF")["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(
        UserPoolId=mfa,
        SoftwareTokenMfaConfiguration={"Enabled": True},
        MfaConfiguration="ON",
    )
    mfa_client = idp.create_user_pool_client(
        UserPoolId=mfa, ClientName="public", ExplicitAuthFlows=FLOWS
    )["UserPoolClient"]
    user(idp, mfa, "tina", False)

    identity_pool_id = identity.create_identity_pool(
        IdentityPoolName="interop",
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[
            {
                "ProviderName": f"cognito-idp.{REGION}.amazonaws.com/{plain}",
                "ClientId": public["ClientId"],
            }
        ],
    )["IdentityPoolId"]

    json.dump(
        {
            "region": REGION,
            "plain_pool_id": plain,
            "public_client_id": public["ClientId"],
            "secret_client_id": secret["ClientId"],
            "secret_client_secret": secret["ClientSecret"],
            "mfa_pool_id": mfa,
            "mfa_client_id": mfa_client["ClientId"],
            "password": PASSWORD,
            "temporary_password": TEMPORARY,
            "identity_pool_id": identity_pool_id,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
