// Remembered-device sign-ins with amazon-cognito-identity-js (AWS-authored), against an
// endpoint override (the crate's emulator). On a sign-in that returns NewDeviceMetadata the
// library confirms the device itself (its own device verifier, `generateHashDevice`) and keeps
// the device key, group key and random password in its storage; a sign-in whose storage holds
// a device sends DEVICE_KEY and answers DEVICE_SRP_AUTH / DEVICE_PASSWORD_VERIFIER itself
// (`getDeviceResponse`).
// Input (stdin), JSON: an array of {endpoint, userPoolId, clientId, username, password,
//   device?: {key, groupKey, password}} (a device to put in the storage first).
// Output (stdout), JSON: an array, in order, of {ok: true, device: {key, groupKey, password}
//   | null, accessToken} or {ok: false, code, message} or {ok: false, challenge}.
// Run by tests/interop_js_devices.rs; not shipped.
'use strict';
const {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
} = require('amazon-cognito-identity-js');

/** The library's storage interface, in memory. */
class MemoryStorage {
  constructor() { this.items = {}; }
  setItem(k, v) { this.items[k] = String(v); }
  getItem(k) { return Object.prototype.hasOwnProperty.call(this.items, k) ? this.items[k] : null; }
  removeItem(k) { delete this.items[k]; }
  clear() { this.items = {}; }
}

function signIn(c) {
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => resolve({ ok: false, code: 'Timeout', message: 'no answer within 30 s' }), 30000);
    const done = (result) => { clearTimeout(timer); resolve(result); };
    const storage = new MemoryStorage();
    const prefix = `CognitoIdentityServiceProvider.${c.clientId}.${c.username}`;
    if (c.device) {
      storage.setItem(`${prefix}.deviceKey`, c.device.key);
      storage.setItem(`${prefix}.deviceGroupKey`, c.device.groupKey);
      storage.setItem(`${prefix}.randomPasswordKey`, c.device.password);
    }
    const pool = new CognitoUserPool({
      UserPoolId: c.userPoolId,
      ClientId: c.clientId,
      endpoint: c.endpoint,
      Storage: storage,
    });
    const user = new CognitoUser({ Username: c.username, Pool: pool, Storage: storage });
    const details = new AuthenticationDetails({ Username: c.username, Password: c.password });
    const challenge = (name) => () => done({ ok: false, challenge: name });
    user.authenticateUser(details, {
      onSuccess: (session) => {
        const key = storage.getItem(`${prefix}.deviceKey`);
        done({
          ok: true,
          accessToken: session.getAccessToken().getJwtToken(),
          device: key === null ? null : {
            key,
            groupKey: storage.getItem(`${prefix}.deviceGroupKey`),
            password: storage.getItem(`${prefix}.randomPasswordKey`),
          },
        });
      },
      onFailure: (err) => done({ ok: false, code: err && err.code, message: err && err.message }),
      newPasswordRequired: challenge('NEW_PASSWORD_REQUIRED'),
      mfaRequired: challenge('MFA'),
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
