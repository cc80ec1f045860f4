// What a user would otherwise deploy: the design guide's own code as a Lambda handler (axios and
// jose; a fresh OAuth token and a fresh key fetch for every request; credentials from the
// environment). Adapted only so it can run against the emulator: the OAuth host and client
// authentication as Genesys's SDKs use them (login host, HTTP Basic), and the key set read as
// a JWKS. It is a benchmark reference, not code for production.

import axios from 'axios';
import { importJWK, jwtVerify } from 'jose';

const api = process.env.GENESYS_API_BASE_URL as string;
const login = process.env.GENESYS_LOGIN_BASE_URL as string;

async function getGenesysAccessToken(): Promise<string> {
  const response = await axios.post(
    `${login}/oauth/token`,
    { grant_type: 'client_credentials' },
    {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      auth: {
        username: process.env.GENESYS_CLIENT_ID as string,
        password: process.env.GENESYS_CLIENT_SECRET as string,
      },
    },
  );
  return response.data.access_token;
}

async function generateGuestToken(visitor: { name?: string; pageUrl?: string }): Promise<string> {
  const accessToken = await getGenesysAccessToken();
  const guestResponse = await axios.post(
    `${api}/api/v2/webchat/guest`,
    {
      name: visitor.name || 'Anonymous Guest',
      customAttributes: { sourcePage: visitor.pageUrl, sessionTimestamp: new Date().toISOString() },
    },
    { headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' } },
  );
  return guestResponse.data.access_token;
}

async function validateGuestJwt(token: string) {
  const published = await axios.get(`${api}/api/v2/oauth/publickey`);
  const publicKey = await importJWK(published.data.keys?.[0] ?? published.data, 'RS256');
  const { payload } = await jwtVerify(token, publicKey, { issuer: api, audience: api });
  if (!(payload.webchat as { guestId?: string } | undefined)?.guestId)
    throw new Error('Invalid Webchat Guest Claims');
  return payload;
}

export async function handler(event: { body: string }) {
  const token = await generateGuestToken(JSON.parse(event.body));
  await validateGuestJwt(token);
  return { statusCode: 200, body: JSON.stringify({ accessToken: token }) };
}
