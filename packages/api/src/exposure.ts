import { isLoopbackHost } from '@dialer/core';

/** Said once at start when the API listens beyond this host: keys would cross the network in the clear. */
export function exposureWarnings(host: string): string[] {
  if (isLoopbackHost(host)) return [];
  return [
    `API_HOST is ${host}, not loopback: API keys travel in the Authorization header, so put a TLS-terminating ` +
      'proxy in front and keep this port off the public network (docs/operations.md#http-api)',
  ];
}
