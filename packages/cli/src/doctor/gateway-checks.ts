/**
 * `dialer doctor`'s checks of the configuration, the gateway and the notify URL. None of them places a call:
 * only `dialer call` shows that the gateway accepts the credentials, the bot and the caller.
 */
import { errorText, fail, pass, skip, warn, type CheckResult } from './doctor-check.js';

type Core = typeof import('@dialer/core');
type Env = NodeJS.ProcessEnv;

const HTTP_TIMEOUT_MS = 10_000;

/** A variable as the configuration reads it: empty counts as unset. */
function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

export function configCheck(core: Core, env: Env): CheckResult {
  try {
    core.loadConfig(env, 'worker');
    core.loadConfig(env, 'ingester');
    return pass('config', 'the environment is valid for the worker and the ingester');
  } catch (err) {
    return fail(
      'config',
      core.isDialerError(err) ? err.message : errorText(err),
      'fix the variables named (see .env.example)',
    );
  }
}

/** Signs the JWT the dial-outs carry and verifies it back: the credentials are there and usable. */
export async function jwtCheck(core: Core, env: Env): Promise<CheckResult> {
  const name = 'savg-jwt';
  const clientId = value(env, 'SAVG_CLIENT_ID');
  const clientSecret = value(env, 'SAVG_CLIENT_SECRET');
  const missing = [clientId ? '' : 'SAVG_CLIENT_ID', clientSecret ? '' : 'SAVG_CLIENT_SECRET'].filter(Boolean);
  if (!clientId || !clientSecret)
    return fail(
      name,
      `${missing.join(' and ')} not set: no JWT can be signed`,
      "set them to the client id and secret of the app whose scope includes SmartAssist Dialout (the platform's app settings)",
    );
  try {
    const token = await new core.SavgAuthToken({ clientId, clientSecret }).get();
    const claims = await core.verifySavgJwt(token, { clientId, clientSecret });
    return pass(
      name,
      `a JWT for app ${claims.appId} was signed (HS256) and verifies; whether the gateway accepts it only a dial-out shows (dialer call)`,
    );
  } catch (err) {
    return fail(name, `no JWT could be signed: ${errorText(err)}`, 'check SAVG_CLIENT_ID and SAVG_CLIENT_SECRET');
  }
}

/**
 * Whether the gateway answers HTTP at all, without placing a call: a GET of the dial-out path, which the gateway
 * only serves for POST. Any HTTP answer (404, 405, 401…) proves DNS, TCP, TLS and the gateway's front door; a
 * connection error does not. No credentials are sent: the answer is not taken to judge them.
 */
export async function gatewayCheck(worker: typeof import('@dialer/worker'), env: Env): Promise<CheckResult> {
  const name = 'savg-gateway';
  const base = value(env, 'SAVG_BASE_URL')?.replace(/\/+$/, '');
  if (!base)
    return fail(
      name,
      'SAVG_BASE_URL is not set',
      "set it to the gateway's origin for your region, e.g. https://<host>",
    );
  const apiVersion = value(env, 'SAVG_API_VERSION') === 'v2' ? 'v2' : 'v1';
  const path = worker.dialoutPath(value(env, 'SAVG_BOT_ID') ?? 'st-doctor', apiVersion);
  let url: URL;
  try {
    url = new URL(`${base}${path}`);
  } catch {
    return fail(name, `SAVG_BASE_URL "${base}" is not a URL`, "set it to the gateway's https origin");
  }
  try {
    const res = await fetch(url, {
      method: 'GET',
      redirect: 'manual',
      headers: { accept: 'application/json', 'user-agent': 'savg-bulk-dialer doctor' },
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    await res.body?.cancel();
    const what = `GET ${url.origin}${url.pathname} answered HTTP ${res.status}`;
    if (res.status >= 300 && res.status < 400)
      return warn(
        name,
        `${what} (a redirect to ${res.headers.get('location') ?? '?'})`,
        'dial-outs never follow redirects (they would be refused): set SAVG_BASE_URL to the origin it redirects to',
      );
    return pass(name, `${what}: the gateway is reachable (a GET places no call)`);
  } catch (err) {
    return fail(
      name,
      `${url.origin} is not reachable: ${errorText(err)}`,
      'check SAVG_BASE_URL (host, https), DNS, and that outbound HTTPS to the gateway is allowed from this host',
    );
  }
}

/** NOTIFY_BASE_URL: absolute, https (plain http only to loopback, as the configuration requires). */
export function notifyUrlCheck(core: Core, env: Env): CheckResult {
  const name = 'notify-url';
  const text = value(env, 'NOTIFY_BASE_URL');
  if (!text)
    return fail(
      name,
      'NOTIFY_BASE_URL is not set',
      'set it to the public https origin the gateway posts notifications to',
    );
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(name, `NOTIFY_BASE_URL "${text}" is not an absolute URL`, 'write it as https://host[/path]');
  }
  if (url.search || url.hash)
    return fail(name, `NOTIFY_BASE_URL "${text}" has a query or a fragment`, 'use an origin, optionally with a path');
  const loopback = core.isLoopbackHost(url.hostname);
  if (url.protocol === 'http:' && !loopback)
    return fail(
      name,
      `NOTIFY_BASE_URL uses plain http to ${url.hostname}: notify tokens would travel unencrypted`,
      'put a TLS-terminating proxy in front of the ingester and use its https URL',
    );
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return fail(name, `NOTIFY_BASE_URL must be http(s), not ${url.protocol}`, 'use an https URL');
  const gateway = value(env, 'SAVG_BASE_URL');
  const gatewayHost = gateway && URL.canParse(gateway) ? new URL(gateway).hostname : undefined;
  if (loopback && gatewayHost !== undefined && !core.isLoopbackHost(gatewayHost))
    return fail(
      name,
      `NOTIFY_BASE_URL is on loopback (${url.host}), which the gateway at ${gatewayHost} cannot reach`,
      'expose the ingester over https and set NOTIFY_BASE_URL to that public URL',
    );
  return pass(name, `NOTIFY_BASE_URL is ${url.protocol === 'https:' ? 'an https URL' : 'on loopback'} (${url.origin})`);
}

/**
 * Whether an ingester answers at NOTIFY_BASE_URL from here: a POST to a made-up token must get the ingester's
 * own 401. Only a warning: a URL reachable from the internet may not be from this host, and the ingester may be
 * started later; `dialer call` needs it.
 */
export async function ingesterCheck(env: Env): Promise<CheckResult> {
  const name = 'ingester';
  const base = value(env, 'NOTIFY_BASE_URL')?.replace(/\/+$/, '');
  if (!base || !URL.canParse(base)) return skip(name, 'no usable NOTIFY_BASE_URL');
  const probe = `${base}/notify/doctor-probe`;
  try {
    const res = await fetch(probe, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
    const body = await res.text();
    if (res.status === 401 && body.includes('unauthorized'))
      return pass(name, `an ingester answers at ${base} (401 to a made-up token, as it should)`);
    return warn(
      name,
      `POST ${base}/notify/… answered HTTP ${res.status}, not the ingester's 401`,
      'check the proxy in front of the ingester: it must forward POST /notify/* to it',
    );
  } catch (err) {
    return warn(
      name,
      `no answer at ${base}: ${errorText(err)}`,
      'start `dialer ingester` (dialer call needs it), and check the URL from outside: see docs/operations.md',
    );
  }
}
