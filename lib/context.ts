// For a CDK app that configures the construct from context (cdk.json and `-c key=value`), as
// this repository's own app does: the context, checked for typos and the placeholder origin,
// as the construct's props.

import type { Node } from 'constructs';
import type { GuestTokenProxyProps } from './guest-token-proxy';
import { CONTEXT_KEYS, checkContext, readSettings } from './settings';

/**
 * The construct's setting props from the app's context. Throws SettingsError naming a key that
 * is none of ours (with the nearest one), a bad value, or a placeholder origin left in place.
 */
export function propsFromContext(node: Node): GuestTokenProxyProps {
  checkContext(node.getAllContext());
  // Checked here too, so that a bad value is named as the context key the operator set.
  readSettings((key) => node.tryGetContext(key), 'CDK context');
  return Object.fromEntries(
    CONTEXT_KEYS.filter((key) => key !== 'stackName').map((key) => [key, node.tryGetContext(key)]),
  ) as unknown as GuestTokenProxyProps;
}
