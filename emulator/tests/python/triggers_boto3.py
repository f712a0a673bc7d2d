#!/usr/bin/env python3
"""User-pool Lambda triggers with boto3 against the standalone emulator, whose functions run
behind a stand-in Lambda Invoke API (`POST /2015-03-31/functions/<name>/invocations`) that
this script serves on 127.0.0.1, as `sam local start-lambda` would.

The script starts the stand-in, then the emulator binary with AWS_ENDPOINT_URL_LAMBDA pointing
at it, creates a pool whose LambdaConfig names the functions (CreateUserPool), and checks:
PreSignUp refuses and auto-confirms; a V2 PreTokenGeneration adds a claim and a scope on
sign-in and on refresh; a three-trigger CUSTOM_AUTH signs in after a wrong and a right answer;
each event's triggerSource is AWS's.

Usage: triggers_boto3.py <emulator binary>
Prints `ok` and exits 0 when every step answered as AWS would; raises otherwise.
"""
import base64
import json
import os
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import botocore.exceptions

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
PASSWORD = "Passw0rd!-long-enough"
CODE = "246810"
EVENTS = []


def pre_sign_up(event):
    email = event["request"]["userAttributes"].get("email", "")
    if not email.endswith("@example.com"):
        raise LambdaError("only example.com addresses may sign up")
    event["response"]["autoConfirmUser"] = True
    event["response"]["autoVerifyEmail"] = True
    return event


def pre_token(event):
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {"claimsToAddOrOverride": {"tenant": "acme"}},
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"tenant": "acme"},
            "scopesToAdd": ["orders/read"],
        },
    }
    return event


def define(event):
    session = event["request"]["session"]
    if session and session[-1]["challengeResult"]:
        event["response"].update(issueTokens=True, failAuthentication=False)
    elif len(session) >= 3:
        event["response"].update(issueTokens=False, failAuthentication=True)
    else:
        event["response"].update(
            challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False
        )
    return event


def create(event):
    event["response"]["publicChallengeParameters"] = {"hint": "six digits"}
    event["response"]["privateChallengeParameters"] = {"code": CODE}
    event["response"]["challengeMetadata"] = "CODE"
    return event


def verify(event):
    request = event["request"]
    event["response"]["answerCorrect"] = (
        request["challengeAnswer"] == request["privateChallengeParameters"]["code"]
    )
    return event


FUNCTIONS = {
    "pre-sign-up": pre_sign_up,
    "pre-token": pre_token,
    "define": define,
    "create": create,
    "verify": verify,
}


class LambdaError(Exception):
    pass


class Invoke(BaseHTTPRequestHandler):
    """The Lambda Invoke API: the event in, the function's answer (or its error) out."""

    def do_POST(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        length = int(self.headers.get("content-length", "0"))
        event = json.loads(self.rfile.read(length))
        if len(parts) != 4 or parts[:2] != ["2015-03-31", "functions"] or parts[3] != "invocations":
            return self.answer(404, {"Type": "User", "Message": "unknown path"})
        assert self.headers.get("x-amz-invocation-type") == "RequestResponse", self.headers
        function = FUNCTIONS.get(parts[2])
        if function is None:
            return self.answer(404, {"Type": "User", "Message": "Function not found"})
        EVENTS.append(event)
        try:
            return self.answer(200, function(event))
        except LambdaError as e:
            return self.answer(
                200, {"errorMessage": str(e), "errorType": "Error"}, {"X-Amz-Function-Error": "Unhandled"}
            )

    def answer(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def claims(jwt):
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def expect_error(code, message, call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        err = e.response["Error"]
        assert err["Code"] == code and err["Message"] == message, err
        return
    raise AssertionError(f"expected {code}")


def sources():
    out = [e["triggerSource"] for e in EVENTS]
    EVENTS.clear()
    return out


def main(binary):
    stand_in = ThreadingHTTPServer(("127.0.0.1", 0), Invoke)
    threading.Thread(target=stand_in.serve_forever, daemon=True).start()
    lambda_url = f"http://127.0.0.1:{stand_in.server_address[1]}"
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as seed:
        seed.write('region = "us-east-1"\n')
    env = dict(os.environ, AWS_ENDPOINT_URL_LAMBDA=lambda_url)
    emulator = subprocess.Popen(
        [binary, "--seed", seed.name], stdout=subprocess.PIPE, env=env, text=True
    )
    try:
        started = json.loads(emulator.stdout.readline())
        run(started["endpoint"])
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
        stand_in.shutdown()
        os.unlink(seed.name)
    print("ok")


def run(endpoint):
    idp = boto3.client(
        "cognito-idp",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    pool = idp.create_user_pool(
        PoolName="triggers",
        LambdaConfig={
            "PreSignUp": ARN + "pre-sign-up",
            "DefineAuthChallenge": ARN + "define",
            "CreateAuthChallenge": ARN + "create",
            "VerifyAuthChallengeResponse": ARN + "verify",
            "PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": ARN + "pre-token"},
        },
    )["UserPool"]
    assert pool["LambdaConfig"]["PreTokenGenerationConfig"]["LambdaVersion"] == "V2_0", pool
    idp.create_resource_server(
        UserPoolId=pool["Id"], Identifier="orders", Name="orders", Scopes=[{"ScopeName": "read", "ScopeDescription": "read"}]
    )
    client = idp.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="app",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]["ClientId"]

    # PreSignUp refuses, then auto-confirms.
    expect_error(
        "UserLambdaValidationException",
        "PreSignUp failed with error only example.com addresses may sign up.",
        idp.sign_up,
        ClientId=client,
        Username="mallory",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "mallory@evil.test"}],
    )
    signed_up = idp.sign_up(
        ClientId=client,
        Username="pat",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "pat@example.com"}],
    )
    assert signed_up["UserConfirmed"] is True, signed_up
    assert sources() == ["PreSignUp_SignUp", "PreSignUp_SignUp"]

    # PreTokenGeneration V2: a claim and a scope, on sign-in and on refresh.
    result = idp.initiate_auth(
        ClientId=client,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "pat", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    refreshed = idp.initiate_auth(
        ClientId=client,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]},
    )["AuthenticationResult"]
    for tokens in (result, refreshed):
        assert claims(tokens["IdToken"])["tenant"] == "acme"
        access = claims(tokens["AccessToken"])
        assert access["tenant"] == "acme", access
        assert access["scope"].split() == ["aws.cognito.signin.user.admin", "orders/read"], access
    events = list(EVENTS)
    assert sources() == ["TokenGeneration_Authentication", "TokenGeneration_RefreshTokens"]
    assert all(e["version"] == "2" for e in events)
    assert events[0]["request"]["scopes"] == ["aws.cognito.signin.user.admin"], events[0]

    # CUSTOM_AUTH with the three triggers: a wrong answer, then the right one.
    challenge = idp.initiate_auth(
        ClientId=client, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "pat"}
    )
    assert challenge["ChallengeName"] == "CUSTOM_CHALLENGE", challenge
    assert challenge["ChallengeParameters"]["hint"] == "six digits"
    session = challenge["Session"]
    for answer in ("000000", CODE):
        out = idp.respond_to_auth_challenge(
            ClientId=client,
            ChallengeName="CUSTOM_CHALLENGE",
            Session=session,
            ChallengeResponses={"USERNAME": "pat", "ANSWER": answer},
        )
        session = out.get("Session")
    assert "AuthenticationResult" in out, out
    assert claims(out["AuthenticationResult"]["IdToken"])["cognito:username"] == "pat"
    defines = [e for e in EVENTS if e["triggerSource"] == "DefineAuthChallenge_Authentication"]
    assert [len(e["request"]["session"]) for e in defines] == [0, 1, 2], defines
    assert [c["challengeResult"] for c in defines[2]["request"]["session"]] == [False, True]
    assert sources() == [
        "DefineAuthChallenge_Authentication",
        "CreateAuthChallenge_Authentication",
        "VerifyAuthChallengeResponse_Authentication",
        "DefineAuthChallenge_Authentication",
        "CreateAuthChallenge_Authentication",
        "VerifyAuthChallengeResponse_Authentication",
        "DefineAuthChallenge_Authentication",
        "TokenGeneration_Authentication",
    ]


if __name__ == "__main__":
    main(sys.argv[1])
