// Verifies tokens with awslabs' aws-jwt-verify (CognitoJwtVerifier), the JavaScript reference
// for server-side Cognito token checks, to cross-check this crate's verifier.
// Input (stdin), JSON: {userPoolId, jwks, cases: [{token, tokenUse, clientId, groups?, scope?,
// graceSeconds?}]}. `jwks` is the pool's JWKS document: the verifier's cache fetches it from
// here (whatever URI it asks for), so no network is used.
// Output (stdout), JSON: an array, in order, of {ok: true} or {ok: false, error: <error class>}.
// Run by tests/interop_jwt_verify.rs; not shipped.
'use strict';
const { CognitoJwtVerifier } = require('aws-jwt-verify');
const { SimpleJwksCache } = require('aws-jwt-verify/jwk');

let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('end', async () => {
  const { userPoolId, jwks, cases } = JSON.parse(input);
  const body = new TextEncoder().encode(JSON.stringify(jwks)).buffer;
  const results = [];
  for (const c of cases) {
    // A cache per case, so that the penalty box of one case does not decide another.
    const jwksCache = new SimpleJwksCache({ fetcher: { fetch: async () => body } });
    const props = { userPoolId, tokenUse: c.tokenUse, clientId: c.clientId };
    if (c.groups) props.groups = c.groups;
    if (c.scope) props.scope = c.scope;
    if (c.graceSeconds) props.graceSeconds = c.graceSeconds;
    try {
      const verifier = CognitoJwtVerifier.create(props, { jwksCache });
      await verifier.verify(c.token);
      results.push({ ok: true });
    } catch (e) {
      results.push({ ok: false, error: (e && e.constructor && e.constructor.name) || String(e) });
    }
  }
  process.stdout.write(JSON.stringify(results));
  process.exit(0);
});
