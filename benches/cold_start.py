"""Cold start, the Python way: SRP sign-in (pycognito), identity-pool credentials (boto3
cognito-identity GetId + GetCredentialsForIdentity) and one SigV4-signed GET (botocore's
signer) to the emulator's API Gateway, from process start to the first 200.

The peer of benches/src/bin/cold_start.rs; both are timed by benches/src/bin/cold_start_ab.rs:

    python3 benches/cold_start.py ENDPOINT_URL

ENDPOINT_URL is the emulator's (http://127.0.0.1:PORT/), serving the reference seed. Exit
status 0 only when the signed GET /cip answered 200.
"""

import sys
from urllib.parse import urlsplit

import boto3
import urllib3
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from pycognito.aws_srp import AWSSRP

# The emulator's reference seed (emulator/seeds/reference.toml).
REGION = "us-east-1"
USER_POOL = "us-east-1_QuickStrt"
APP_CLIENT = "quickstartwebclient0000001"
IDENTITY_POOL = "us-east-1:4a1f9e1c-7b6d-4c3a-9e2f-0d5b8c7a6e41"
API_HOST = "abc123defg.execute-api.us-east-1.amazonaws.com"
USERNAME = "jdoe"
PASSWORD = "Quickstart-Passw0rd!"


def main() -> int:
    endpoint = sys.argv[1]
    # These operations are unauthenticated: no credentials chain (nor instance metadata probe),
    # as the Rust client builds its SDK clients with no credentials provider; one attempt each.
    config = Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1})
    idp = boto3.client(
        "cognito-idp", region_name=REGION, endpoint_url=endpoint, config=config
    )
    srp = AWSSRP(
        username=USERNAME,
        password=PASSWORD,
        pool_id=USER_POOL,
        client_id=APP_CLIENT,
        client=idp,
    )
    id_token = srp.authenticate_user()["AuthenticationResult"]["IdToken"]
    identity = boto3.client(
        "cognito-identity", region_name=REGION, endpoint_url=endpoint, config=config
    )
    logins = {f"cognito-idp.{REGION}.amazonaws.com/{USER_POOL}": id_token}
    identity_id = identity.get_id(IdentityPoolId=IDENTITY_POOL, Logins=logins)[
        "IdentityId"
    ]
    c = identity.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)[
        "Credentials"
    ]
    credentials = Credentials(c["AccessKeyId"], c["SecretKey"], c["SessionToken"])
    request = AWSRequest(
        method="GET", url=f"https://{API_HOST}/prod/cip", headers={"Host": API_HOST}
    )
    SigV4Auth(credentials, "execute-api", REGION).add_auth(request)
    # Sent to the emulator, with the API's host name in Host (as the signature has it).
    server = urlsplit(endpoint)
    pool = urllib3.HTTPConnectionPool(server.hostname, server.port)
    response = pool.request("GET", "/prod/cip", headers=dict(request.headers.items()))
    if response.status != 200:
        print(f"GET /cip: {response.status} {response.data[:200]!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
