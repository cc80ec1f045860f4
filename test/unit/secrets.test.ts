import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { MockAgent } from 'undici';
import { loadConfig } from '../../lambda/config';
import { UpstreamUnavailableError } from '../../lambda/platform/errors';
import {
  createExtensionSecretReader,
  createSdkSecretReader,
  createSecretReader,
  EXTENSION_TOKEN_HEADER,
} from '../../lambda/platform/secrets';

const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:genesys/client-AbCdEf';
const SESSION_TOKEN = 'session-token-of-this-environment';
const PORT = 2773;
const EXTENSION = `http://localhost:${PORT}`;
const SECRET_STRING = JSON.stringify({ clientId: 'id', clientSecret: 's3cr3t' });
const sdk = mockClient(SecretsManagerClient);

let agent: MockAgent;
beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  sdk.reset();
});
afterEach(async () => {
  agent.assertNoPendingInterceptors();
  await agent.close();
});

const extensionPath = `/secretsmanager/get?secretId=${encodeURIComponent(SECRET_ID)}`;
const extensionAnswers = () =>
  agent.get(EXTENSION).intercept({
    path: extensionPath,
    method: 'GET',
    headers: { [EXTENSION_TOKEN_HEADER]: SESSION_TOKEN },
  });
const sdkClient = () => new SecretsManagerClient({ region: 'eu-west-1' });

describe('the secrets extension reader', () => {
  const reader = () =>
    createExtensionSecretReader({
      dispatcher: agent,
      port: PORT,
      sessionToken: SESSION_TOKEN,
      fallback: createSdkSecretReader({ client: sdkClient() }),
    });

  it('asks the extension for the secret with the session token and returns its string', async () => {
    extensionAnswers().reply(200, { ARN: SECRET_ID, SecretString: SECRET_STRING });
    expect(await reader()(SECRET_ID)).toBe(SECRET_STRING);
    expect(sdk.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it.each([
    [400, 'extension answered 400'],
    [401, 'extension answered 401'],
    [500, 'extension answered 500'],
  ])('turns an extension %i into the same 503 the SDK path gives', async (status, detail) => {
    // The extension's error text can quote what it was asked; none of it is kept.
    extensionAnswers().reply(status, `ResourceNotFoundException ${SECRET_ID} s3cr3t`);
    const error = (await reader()(SECRET_ID).catch((e: unknown) => e)) as UpstreamUnavailableError;
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.status).toBe(503);
    expect(error.upstream).toBe('secrets');
    expect(error.detail).toBe(detail);
    expect(sdk.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it.each([
    ['not JSON', 'nope', /not JSON/],
    ['without a SecretString', JSON.stringify({ SecretBinary: 'AQ==' }), /no SecretString/],
  ])('refuses an answer %s', async (_name, body, detail) => {
    extensionAnswers().reply(200, body);
    const error = (await reader()(SECRET_ID).catch((e: unknown) => e)) as UpstreamUnavailableError;
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.detail).toMatch(detail);
  });

  it('answers 503 when the extension drops the connection', async () => {
    extensionAnswers().replyWithError(
      Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }),
    );
    const error = (await reader()(SECRET_ID).catch((e: unknown) => e)) as UpstreamUnavailableError;
    expect(error).toBeInstanceOf(UpstreamUnavailableError);
    expect(error.detail).toBe('extension call failed: UND_ERR_SOCKET');
    expect(sdk.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('falls back to the SDK for good when nothing listens on the port', async () => {
    extensionAnswers().replyWithError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );
    sdk
      .on(GetSecretValueCommand, { SecretId: SECRET_ID })
      .resolves({ SecretString: SECRET_STRING });
    const read = reader();

    expect(await read(SECRET_ID)).toBe(SECRET_STRING);
    expect(await read(SECRET_ID)).toBe(SECRET_STRING);
    // One refused connection, then the SDK only (no interceptor is left for a second try).
    expect(sdk.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});

describe('choosing a reader', () => {
  it('uses the extension when its port and a session token are set', async () => {
    extensionAnswers().reply(200, { SecretString: SECRET_STRING });
    const read = createSecretReader({
      extension: { port: PORT, sessionToken: SESSION_TOKEN },
      dispatcher: agent,
    });
    expect(await read(SECRET_ID)).toBe(SECRET_STRING);
  });

  it.each([
    ['no port', { AWS_SESSION_TOKEN: SESSION_TOKEN }],
    ['no session token', { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(PORT) }],
  ])('uses the SDK with %s', async (_name, env) => {
    // The SDK the reader imports is the one aws-sdk-client-mock patched.
    sdk.on(GetSecretValueCommand).resolves({ SecretString: SECRET_STRING });
    const { runtime } = loadConfig({ ALLOWED_ORIGINS: 'https://www.example.com', ...env });
    const read = createSecretReader({ extension: runtime.secretsExtension, dispatcher: agent });
    expect(await read(SECRET_ID)).toBe(SECRET_STRING);
    expect(sdk.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });
});
