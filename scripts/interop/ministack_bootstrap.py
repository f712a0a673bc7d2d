#!/usr/bin/env python3
"""Creates the interop fixtures in a running MiniStack with boto3 and prints their ids as JSON.

Usage: ministack_bootstrap.py <endpoint URL, e.g. http://127.0.0.1:4566>

Made here (region us-east-1, MiniStack's root credentials `test`/`test`):
- a user pool with two app clients, `public` (no secret) and `secret` (with a generated
  secret), both allowing SRP, password and refresh-token sign-in, and a confirmed user;
- an IAM role whose inline policy allows `execute-api:Invoke` on GET /allowed only;
- an identity pool trusting both app clients, with that role for authenticated identities;
- a REST API, stage `prod`, with GET /allowed and GET /denied, both `AWS_IAM`, MOCK-integrated.
"""
import json
import sys

import boto3

REGION = "us-east-1"
USERNAME = "alice"
PASSWORD = "Interop-Passw0rd!"


def client(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def main():
    endpoint = sys.argv[1]
    idp = client("cognito-idp", endpoint)
    identity = client("cognito-identity", endpoint)
    iam = client("iam", endpoint)
    sts = client("sts", endpoint)
    apigw = client("apigateway", endpoint)
    account = sts.get_caller_identity()["Account"]

    pool_id = idp.create_user_pool(PoolName="interop")["UserPool"]["Id"]
    flows = ["ALLOW_USER_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    public = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="public", ExplicitAuthFlows=flows
    )["UserPoolClient"]
    secret = idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="secret", ExplicitAuthFlows=flows, GenerateSecret=True
    )["UserPoolClient"]
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=USERNAME,
        UserAttributes=[{"Name": "email", "Value": "alice@example.com"}],
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=USERNAME, Password=PASSWORD, Permanent=True
    )

    api_id = apigw.create_rest_api(name="interop")["id"]
    root_id = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
    for name in ("allowed", "denied"):
        rid = apigw.create_resource(restApiId=api_id, parentId=root_id, pathPart=name)["id"]
        apigw.put_method(
            restApiId=api_id, resourceId=rid, httpMethod="GET", authorizationType="AWS_IAM"
        )
        apigw.put_integration(
            restApiId=api_id,
            resourceId=rid,
            httpMethod="GET",
            type="MOCK",
            requestTemplates={"application/json": '{"statusCode": 200}'},
        )
        apigw.put_method_response(restApiId=api_id, resourceId=rid, httpMethod="GET", statusCode="200")
        apigw.put_integration_response(
            restApiId=api_id,
            resourceId=rid,
            httpMethod="GET",
            statusCode="200",
            responseTemplates={"application/json": json.dumps({"route": name})},
        )
    apigw.create_deployment(restApiId=api_id, stageName="prod")

    provider = f"cognito-idp.{REGION}.amazonaws.com/{pool_id}"
    role_name = "interop-authenticated"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
            }
        ],
    }
    role_arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=json.dumps(trust))[
        "Role"
    ]["Arn"]
    allowed_arn = f"arn:aws:execute-api:{REGION}:{account}:{api_id}/prod/GET/allowed"
    iam.put_role_policy(
        RoleName=role_name,
        PolicyName="invoke-allowed-only",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": allowed_arn}
                ],
            }
        ),
    )

    identity_pool_id = identity.create_identity_pool(
        IdentityPoolName="interop",
        AllowUnauthenticatedIdentities=False,
        CognitoIdentityProviders=[
            {"ProviderName": provider, "ClientId": public["ClientId"]},
            {"ProviderName": provider, "ClientId": secret["ClientId"]},
        ],
    )["IdentityPoolId"]
    identity.set_identity_pool_roles(
        IdentityPoolId=identity_pool_id, Roles={"authenticated": role_arn}
    )

    json.dump(
        {
            "region": REGION,
            "account_id": account,
            "user_pool_id": pool_id,
            "public_client_id": public["ClientId"],
            "secret_client_id": secret["ClientId"],
            "secret_client_secret": secret["ClientSecret"],
            "username": USERNAME,
            "password": PASSWORD,
            "identity_pool_id": identity_pool_id,
            "role_arn": role_arn,
            "api_id": api_id,
            "stage": "prod",
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
