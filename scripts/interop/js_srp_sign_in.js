// SRP sign-ins with amazon-cognito-identity-js (AWS-authored): CognitoUser.authenticateUser
// with AuthenticationDetails, against an endpoint override (the crate's emulator).
// Input (stdin), JSON: an array of {endpoint, userPoolId, clientId, username, password}.
// Output (stdout), JSON: an array, in order, of {ok: true, idToken, accessToken, refreshToken}
// or {ok: false, code, name, message} (or {ok: false, challenge} for an unexpected challenge).
// Run by tests/interop_js.rs; not shipped.
'use strict';
const {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} = require('amazon-cognito-identity-js');

function signIn(c) {
  return new Promise((resolve) => {
    // A hung request must not hang the test.
    const timer = setTimeout(
      () => resolve({ ok: false, code: 'Timeout', message: 'no answer within 30 s' }), 30000);
    const done = (result) => { clearTimeout(timer); resolve(result); };
    const pool = new CognitoUserPool({
      UserPoolId: c.userPoolId,
      ClientId: c.clientId,
      endpoint: c.endpoint,
    });
    const user = new CognitoUser({ Username: c.username, Pool: pool });
    const details = new AuthenticationDetails({ Username: c.username, Password: c.password });
    const challenge = (name) => () => done({ ok: false, challenge: name });
    user.authenticateUser(details, {
      onSuccess: (session) => done({
        ok: true,
        idToken: session.getIdToken().getJwtToken(),
        accessToken: session.getAccessToken().getJwtToken(),
        refreshToken: session.getRefreshToken().getToken(),
      }),
      onFailure: (err) => done({
        ok: false,
        code: err && err.code,
        name: err && err.name,
        message: err && err.message,
      }),
      newPasswordRequired: challenge('NEW_PASSWORD_REQUIRED'),
      mfaRequired: challenge('SMS_MFA'),
      totpRequired: challenge('SOFTWARE_TOKEN_MFA'),
      mfaSetup: challenge('MFA_SETUP'),
      selectMFAType: challenge('SELECT_MFA_TYPE'),
      customChallenge: challenge('CUSTOM_CHALLENGE'),
    });
  });
}

let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', async () => {
  const results = [];
  for (const c of JSON.parse(input)) {
    results.push(await signIn(c));
  }
  process.stdout.write(JSON.stringify(results));
  process.exit(0);
});
