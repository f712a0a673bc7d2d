// Runs amazon-cognito-identity-js's AuthenticationHelper (AWS-authored) on fixed inputs.
// Input (stdin): JSON array of cases; output (stdout): JSON array of {srp_a, signature}.
// Driven by gen_srp_vectors.py; not shipped.
'use strict';
const crypto = require('crypto');
const AuthenticationHelper = require('amazon-cognito-identity-js/lib/AuthenticationHelper').default;
const BigInteger = require('amazon-cognito-identity-js/lib/BigInteger').default;

function run(c) {
  const poolName = c.user_pool_id.split('_')[1];
  const helper = new AuthenticationHelper(poolName);
  helper.smallAValue = new BigInteger(c.a_hex, 16);
  helper.largeAValue = null;
  let out = null;
  helper.getLargeAValue((err, bigA) => {
    if (err) throw err;
    // Same parsing as CognitoUser.authenticateUserDefaultAuth.
    const serverB = new BigInteger(c.srp_b_hex, 16);
    const salt = new BigInteger(c.salt_hex, 16);
    helper.getPasswordAuthenticationKey(c.user_id_for_srp, c.password, serverB, salt, (err2, hkdf) => {
      if (err2) throw err2;
      const mac = crypto.createHmac('sha256', Buffer.from(hkdf));
      mac.update(Buffer.from(poolName, 'utf8'));
      mac.update(Buffer.from(c.user_id_for_srp, 'utf8'));
      mac.update(Buffer.from(c.secret_block_b64, 'base64'));
      mac.update(Buffer.from(c.timestamp, 'utf8'));
      out = { srp_a: bigA.toString(16), signature: mac.digest('base64') };
    });
  });
  if (out === null) throw new Error('AuthenticationHelper did not answer synchronously');
  return out;
}

let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', () => {
  const cases = JSON.parse(input);
  process.stdout.write(JSON.stringify(cases.map(run)));
});
