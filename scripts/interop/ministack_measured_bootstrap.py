#!/usr/bin/env python3
"""Creates, in a running MiniStack, the fixtures of the behaviours its authors measured against
AWS (tests/interop_ministack_measured.rs), and prints their ids as JSON.

Usage: ministack_measured_bootstrap.py <endpoint URL, e.g. http://127.0.0.1:4566>

Made here (region us-east-1, MiniStack's root credentials `test`/`test`): a user pool with an
app client allowing SRP, password and refresh sign-in; a confirmed user `alice`; and `ghost`,
signed up (so UNCONFIRMED) and then disabled.
"""
import json
import sys

import boto3

REGION = "us-east-1"
PASSWORD = "Measured-Passw0rd!"


def main():
    endpoint = sys.argv[1]
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    pool_id = idp.create_user_pool(PoolName="measured")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="app",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool_id, Username="alice", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool_id, Username="alice", Password=PASSWORD, Permanent=True)
    idp.sign_up(ClientId=client_id, Username="ghost", Password=PASSWORD)
    idp.admin_disable_user(UserPoolId=pool_id, Username="ghost")
    print(json.dumps({"user_pool_id": pool_id, "client_id": client_id, "password": PASSWORD}))


if __name__ == "__main__":
    main()
