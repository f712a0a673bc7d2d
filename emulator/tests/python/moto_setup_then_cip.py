#!/usr/bin/env python3
"""After an unchanged moto setup script (scripts/interop/moto_bootstrap.py) ran against the
emulator: IAM roles and policies made with boto3, SRP sign-in (pycognito), the identity pool's
credentials for the role, and a SigV4-signed `/cip` call allowed, then denied, by the policy.

Usage: moto_setup_then_cip.py <endpoint URL> <API base URL> < bootstrap.json
Prints `ok` when every answer is the one AWS would give; raises otherwise.
"""
import json
import sys
import urllib.error
import urllib.request

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from pycognito.aws_srp import AWSSRP

KEYS = dict(aws_access_key_id="testing", aws_secret_access_key="testing")


def signed_get(url, creds):
    request = botocore.awsrequest.AWSRequest(method="GET", url=url)
    frozen = botocore.credentials.Credentials(
        creds["AccessKeyId"], creds["SecretKey"], creds["SessionToken"]
    )
    botocore.auth.SigV4Auth(frozen, "execute-api", "us-east-1").add_auth(request)
    prepared = request.prepare()
    req = urllib.request.Request(url, headers=dict(prepared.headers), method="GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def main():
    endpoint, api = sys.argv[1], sys.argv[2].rstrip("/")
    fixture = json.load(sys.stdin)
    region = fixture["region"]
    client = lambda service: boto3.client(  # noqa: E731
        service, endpoint_url=endpoint, region_name=region, **KEYS
    )
    iam, idp, identity = client("iam"), client("cognito-idp"), client("cognito-identity")
    pool_id, web = fixture["plain_pool_id"], fixture["public_client_id"]
    identity_pool = fixture["identity_pool_id"]

    # The setup made what it said.
    assert identity.describe_identity_pool(IdentityPoolId=identity_pool)["IdentityPoolName"] == "interop"
    users = idp.list_users(UserPoolId=pool_id, Filter='username = "alice"')["Users"]
    assert [u["Username"] for u in users] == ["alice"], users
    assert idp.admin_get_user(UserPoolId=pool_id, Username="newbie")["UserStatus"] == "FORCE_CHANGE_PASSWORD"

    trust = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "cognito-identity.amazonaws.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {"cognito-identity.amazonaws.com:aud": identity_pool},
                "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"},
            },
        }],
    }
    role_arn = iam.create_role(RoleName="InteropCip", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    allow = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": "arn:aws:execute-api:us-east-1:*:*/prod/GET/cip",
        }],
    }
    iam.put_role_policy(RoleName="InteropCip", PolicyName="cip", PolicyDocument=json.dumps(allow))
    # botocore decodes IAM's URL-encoded documents into objects.
    doc = iam.get_role_policy(RoleName="InteropCip", PolicyName="cip")["PolicyDocument"]
    assert (json.loads(doc) if isinstance(doc, str) else doc) == allow, doc
    identity.set_identity_pool_roles(IdentityPoolId=identity_pool, Roles={"authenticated": role_arn})

    # SRP sign-in, as an app would.
    tokens = AWSSRP(
        username="alice", password=fixture["password"], pool_id=pool_id, client_id=web, client=idp
    ).authenticate_user()["AuthenticationResult"]
    logins = {f"cognito-idp.{region}.amazonaws.com/{pool_id}": tokens["IdToken"]}
    identity_id = identity.get_id(IdentityPoolId=identity_pool, Logins=logins)["IdentityId"]
    creds = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)["Credentials"]

    status, body = signed_get(f"{api}/cip", creds)
    assert status == 200, (status, body)
    assert body["caller"]["roleArn"] == role_arn, body
    # Not allowed by the policy: the other route.
    status, body = signed_get(f"{api}/secret", creds)
    assert status == 403, (status, body)
    assert "is not authorized to perform: execute-api:Invoke" in body["Message"], body

    # An explicit Deny wins over the Allow, from the next request on.
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "execute-api:*", "Resource": "*"}]}
    iam.put_role_policy(RoleName="InteropCip", PolicyName="deny", PolicyDocument=json.dumps(deny))
    status, body = signed_get(f"{api}/cip", creds)
    assert status == 403, (status, body)

    # A malformed policy is IAM's MalformedPolicyDocument, and an unsigned admin call is refused.
    try:
        iam.put_role_policy(RoleName="InteropCip", PolicyName="bad", PolicyDocument="{")
        raise AssertionError("a malformed policy was accepted")
    except iam.exceptions.MalformedPolicyDocumentException:
        pass
    stranger = boto3.client("cognito-idp", endpoint_url=endpoint, region_name=region,
                            aws_access_key_id="AKIANOTKNOWN", aws_secret_access_key="nope")
    try:
        stranger.list_users(UserPoolId=pool_id)
        raise AssertionError("an unknown key pair listed users")
    except stranger.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "UnrecognizedClientException", e.response
    print("ok")


if __name__ == "__main__":
    main()
