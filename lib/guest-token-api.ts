// The public edge: a regional REST API proxying the profile's paths to the function, throttled,
// with JSON access logs and never bodies (tokens must not reach API Gateway's logs).

import { type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import { Construct } from 'constructs';
import type { Profile } from '../lambda/config';
import { GENESYS_FACING_PATHS, OIDC_PATHS } from '../lambda/profiles/messenger/provider';
import type { StackSettings } from './settings';

export const GUEST_TOKEN_PATH = 'guest-token';
export const STAGE_NAME = 'v1';

/** The routes each profile exposes; Genesys's (GENESYS_FACING_PATHS) go to their own function. */
export const ROUTES: Record<Profile, Record<string, readonly string[]>> = {
  'guest-api': { [`/${GUEST_TOKEN_PATH}`]: ['POST', 'OPTIONS'] },
  messenger: {
    [OIDC_PATHS.codeRequest]: ['POST', 'OPTIONS'],
    [OIDC_PATHS.authorize]: ['GET'],
    [OIDC_PATHS.token]: ['POST'],
    [OIDC_PATHS.revoke]: ['POST'],
    [OIDC_PATHS.backchannelLogout]: ['POST'],
    [OIDC_PATHS.userinfo]: ['GET', 'POST'],
    [OIDC_PATHS.discovery]: ['GET'],
    [OIDC_PATHS.jwks]: ['GET'],
  },
};

export interface GuestTokenApiProps {
  /** The visitors' function (or its provisioned alias). */
  handler: lambda.IFunction;
  /** Messenger: Genesys's function, for GENESYS_FACING_PATHS. */
  genesysHandler?: lambda.IFunction | undefined;
  settings: StackSettings;
  /** Create API Gateway's account-level CloudWatch role (platform teams often manage it). */
  cloudWatchRole: boolean;
  /** A custom domain in front of the stage (an OpenID issuer must outlive the API). */
  customDomain?: CustomDomain | undefined;
  removalPolicy: RemovalPolicy;
}

/** A domain of the team's own for the API: its name, its certificate, and optionally its zone. */
export interface CustomDomain {
  /** e.g. `id.example.com`; the messenger profile's issuer becomes `https://id.example.com`. */
  domainName: string;
  /** An ACM certificate for the name, in the stack's region (a regional endpoint). */
  certificate: acm.ICertificate;
  /** The Route 53 zone to create the alias record in; without it, point the name yourself. */
  hostedZone?: route53.IHostedZone;
}

export class GuestTokenApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly accessLogs: logs.LogGroup;

  readonly domain: apigateway.DomainName | undefined;
  /** The custom domain's name, as given (the resource's own is a token until deploy). */
  private readonly domainName: string | undefined;

  constructor(
    scope: Construct,
    id: string,
    {
      handler,
      genesysHandler,
      settings,
      cloudWatchRole,
      customDomain,
      removalPolicy,
    }: GuestTokenApiProps,
  ) {
    super(scope, id);

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy,
    });

    this.api = new apigateway.RestApi(this, 'Api', {
      description: 'Genesys Cloud guest token proxy',
      endpointConfiguration: { types: [apigateway.EndpointType.REGIONAL] },
      // Every body reaches the function as base64 of its bytes, never re-decoded by API
      // Gateway, so the handler's strict UTF-8 check sees what the client sent.
      binaryMediaTypes: ['*/*'],
      // Execution logging needs the account-level CloudWatch role: made here unless the
      // platform team manages it.
      cloudWatchRole,
      deployOptions: {
        stageName: STAGE_NAME,
        throttlingRateLimit: settings.apiThrottleRateLimit,
        throttlingBurstLimit: settings.apiThrottleBurstLimit,
        metricsEnabled: true,
        loggingLevel: apigateway.MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigateway.AccessLogFormat.custom(
          JSON.stringify({
            requestId: apigateway.AccessLogField.contextRequestId(),
            requestTime: apigateway.AccessLogField.contextRequestTime(),
            ip: apigateway.AccessLogField.contextIdentitySourceIp(),
            httpMethod: apigateway.AccessLogField.contextHttpMethod(),
            path: apigateway.AccessLogField.contextResourcePath(),
            status: apigateway.AccessLogField.contextStatus(),
            responseLength: apigateway.AccessLogField.contextResponseLength(),
            responseLatencyMs: apigateway.AccessLogField.contextResponseLatency(),
            integrationLatencyMs: apigateway.AccessLogField.contextIntegrationLatency(),
            wafStatus: apigateway.AccessLogField.contextWafResponseCode(),
            error: apigateway.AccessLogField.contextErrorMessage(),
          }),
        ),
      },
    });

    // The function's own test-invoke permission is left out: only this stage may call it.
    const integration = new apigateway.LambdaIntegration(handler, { allowTestInvoke: false });
    const genesysIntegration =
      genesysHandler &&
      new apigateway.LambdaIntegration(genesysHandler, { allowTestInvoke: false });
    for (const [path, methods] of Object.entries(ROUTES[settings.profile])) {
      const target =
        genesysIntegration && GENESYS_FACING_PATHS.includes(path)
          ? genesysIntegration
          : integration;
      const resource = path
        .split('/')
        .filter(Boolean)
        .reduce(
          (parent: apigateway.IResource, part) =>
            parent.getResource(part) ?? parent.addResource(part),
          this.api.root,
        );
      for (const method of methods) resource.addMethod(method, target);
    }

    const refusal = (code: string, message: string) =>
      JSON.stringify({ error: { code, message, requestId: '$context.requestId' } });
    const noStore = { 'Cache-Control': "'no-store'", 'X-Content-Type-Options': "'nosniff'" };
    const responses: [string, apigateway.ResponseType, string, string, string?][] = [
      ['NotFound', apigateway.ResponseType.MISSING_AUTHENTICATION_TOKEN, '404', 'NOT_FOUND'],
      ['Throttled', apigateway.ResponseType.THROTTLED, '429', 'RATE_LIMITED', '1'],
      ['WafBlocked', apigateway.ResponseType.WAF_FILTERED, '403', 'REQUEST_BLOCKED'],
      ['Default4xx', apigateway.ResponseType.DEFAULT_4XX, '400', 'INVALID_REQUEST'],
      ['Default5xx', apigateway.ResponseType.DEFAULT_5XX, '503', 'UPSTREAM_UNAVAILABLE', '5'],
    ];
    const messages: Record<string, string> = {
      NOT_FOUND: 'No such resource; POST /guest-token',
      RATE_LIMITED: 'Too many requests; retry after the Retry-After delay',
      REQUEST_BLOCKED: 'The request was blocked by the firewall',
      INVALID_REQUEST: 'The request was refused by the gateway',
      UPSTREAM_UNAVAILABLE: 'The service is unavailable; retry after the Retry-After delay',
    };
    for (const [id, type, statusCode, code, retryAfter] of responses) {
      this.api.addGatewayResponse(id, {
        type,
        statusCode,
        responseHeaders: { ...noStore, ...(retryAfter && { 'Retry-After': `'${retryAfter}'` }) },
        templates: { 'application/json': refusal(code, messages[code] ?? code) },
      });
    }

    this.domainName = customDomain?.domainName;
    this.domain = customDomain
      ? new apigateway.DomainName(this, 'Domain', {
          domainName: customDomain.domainName,
          certificate: customDomain.certificate,
          endpointType: apigateway.EndpointType.REGIONAL,
          securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
          mapping: this.api,
        })
      : undefined;
    if (customDomain?.hostedZone && this.domain)
      new route53.ARecord(this, 'Alias', {
        zone: customDomain.hostedZone,
        recordName: customDomain.domainName,
        target: route53.RecordTarget.fromAlias(new targets.ApiGatewayDomain(this.domain)),
      });
  }

  get url(): string {
    return this.domainName
      ? `https://${this.domainName}/${GUEST_TOKEN_PATH}`
      : this.api.urlForPath(`/${GUEST_TOKEN_PATH}`);
  }

  /** The stage's own URL, built from the RestApi's id (not its deployment), so the function can name it. */
  get stageUrl(): string {
    const stack = Stack.of(this);
    return `https://${this.api.restApiId}.execute-api.${stack.region}.${stack.urlSuffix}/${STAGE_NAME}`;
  }
}
