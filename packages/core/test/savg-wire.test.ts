import { describe, it, expect } from '@jest/globals';
import {
  dialoutRequestSchema,
  dialoutResponseSchema,
  describeZodError,
  isTerminalStatus,
  normalizeSavgTime,
  parseNotification,
  toNewSpelling,
  toOldSavgTime,
  toOldSpelling,
  type SavgNotification,
} from '../src/savg/wire.js';

// Every sample notification on the vendor page, verbatim.
const VENDOR_SAMPLES: Record<string, unknown>[] = [
  {
    conversationId: '29e2d933-527e-429c-95b9-ba4f7c7bxxxx',
    reasonCode: 'caller-disconnected',
    status: 'completed',
    reason: '200 OK',
    duration: 14,
    machinedetection: 'amd_human_detected',
    callconnecttime: '5/8/2023,11:32:49AM',
    callDisconnectTime: '5/8/2023,11:33:03AM',
  },
  {
    conversationId: '29e2d933-527e-429c-95b9-ba4f7c7bxxxx',
    reasonCode: 'SAVG-disconnected',
    status: 'completed',
    reason: '200 OK',
    duration: 14,
    machinedetection: 'amd_machine_detected',
    callconnecttime: '5/8/2023,11:32:49AM',
    callDisconnectTime: '5/8/2023,11:33:03AM',
  },
  {
    conversationId: '4e010fea-cd93-47a0-a548-36d5f621xxxx',
    reasonCode: 'caller-disconnected',
    status: 'completed',
    reason: '200 OK',
    duration: 10,
    machinedetection: 'disabled',
    callconnecttime: '5/8/2023,11:29:55AM',
    callDisconnectTime: '5/8/2023,11:30:05AM',
  },
  {
    conversationId: '305ae3c4-b527-4bfd-ad75-9b6abdaaxxxx',
    status: 'failed',
    reason: '503 Service Unavailable',
    machinedetection: 'disconnect',
    callconnecttime: '5/8/2023,11:31:30AM',
    reasonCode: 'Service Unavailable',
    callDisconnectTime: '5/8/2023,11:31:30AM',
  },
  {
    conversationId: '80af8588-31c7-4877-a798-a3603c30xxxx',
    status: 'failed',
    reason: '486 Busy Here',
    machinedetection: 'disconnect',
    callconnecttime: '5/8/2023,11:36:33AM',
    reasonCode: 'Busy Here',
    callDisconnectTime: '5/8/2023,11:36:33AM',
  },
  {
    conversationId: '40a95de6-949a-4403-b735-233daxxxx',
    status: 'failed',
    reason: '480 Temporarily Unavailable',
    machinedetection: 'disconnect',
    callconnecttime: '5/8/2023,11:37:46AM',
    reasonCode: 'Temporarily Unavailable',
    callDisconnectTime: '5/8/2023,11:37:46AM',
  },
];

function mustParse(body: unknown): SavgNotification {
  const result = parseNotification(body);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

describe('parseNotification', () => {
  it('parses every sample on the vendor page', () => {
    for (const sample of VENDOR_SAMPLES) expect(parseNotification(sample).ok).toBe(true);
  });

  it('normalizes the old spelling', () => {
    expect(mustParse(VENDOR_SAMPLES[0])).toEqual({
      conversationId: '29e2d933-527e-429c-95b9-ba4f7c7bxxxx',
      status: 'completed',
      reason: '200 OK',
      reasonCode: 'caller-disconnected',
      machineDetection: 'amd_human_detected',
      callConnectTime: '2023-05-08T11:32:49.000Z',
      callDisconnectTime: '2023-05-08T11:33:03.000Z',
      durationSeconds: 14,
    });
    const busy = mustParse(VENDOR_SAMPLES[4]);
    expect(busy.reason).toBe('486 Busy Here');
    expect(busy.durationSeconds).toBeUndefined();
  });

  it('normalizes the new spelling', () => {
    expect(
      mustParse({
        conversationId: 'c-1',
        sessionId: 's-1',
        status: 'completed',
        reason: '200 OK',
        reasonCode: 'caller-disconnected',
        machineDetection: 'amd_machine_detected',
        callConnectTime: '2024-02-01T10:00:00Z',
        callDisconnectTime: '2024-02-01T10:00:30.500+01:00',
        callDuration: 30,
      }),
    ).toEqual({
      conversationId: 'c-1',
      sessionId: 's-1',
      status: 'completed',
      reason: '200 OK',
      reasonCode: 'caller-disconnected',
      machineDetection: 'amd_machine_detected',
      callConnectTime: '2024-02-01T10:00:00.000Z',
      callDisconnectTime: '2024-02-01T09:00:30.500Z',
      durationSeconds: 30,
    });
  });

  it('accepts the callDisconnecttime variant from the parameter table', () => {
    const n = mustParse({ conversationId: 'c', status: 'failed', callDisconnecttime: '12/31/2023,12:05:09PM' });
    expect(n.callDisconnectTime).toBe('2023-12-31T12:05:09.000Z');
  });

  it('reads 12 AM as midnight', () => {
    expect(normalizeSavgTime('1/2/2024,12:00:01AM')).toBe('2024-01-02T00:00:01.000Z');
  });

  it('tolerates the en-US spacing and missing seconds in old times', () => {
    expect(normalizeSavgTime('5/8/2023, 11:32:49 AM')).toBe('2023-05-08T11:32:49.000Z');
    expect(normalizeSavgTime('5/8/2023,1:05PM')).toBe('2023-05-08T13:05:00.000Z');
  });

  it('keeps an unparseable time raw', () => {
    expect(mustParse({ conversationId: 'c', status: 'failed', callconnecttime: 'yesterday' }).callConnectTime).toBe(
      'yesterday',
    );
  });

  it('lower-cases and trims the status', () => {
    expect(mustParse({ conversationId: 'c', status: ' Call-In-Progress ' }).status).toBe('call-in-progress');
    expect(mustParse({ conversationId: 'c', status: 'COMPLETED' }).status).toBe('completed');
  });

  it('tolerates unknown extra fields and drops them', () => {
    const n = mustParse({ conversationId: 'c', status: 'failed', carrier: 'x', nested: { a: 1 } });
    expect(n).toEqual({ conversationId: 'c', status: 'failed' });
  });

  it('names the missing conversationId', () => {
    const result = parseNotification({ status: 'completed' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/^conversationId\b/);
  });

  it('names a field with the wrong type', () => {
    const result = parseNotification({ conversationId: 'c', status: 'completed', reason: 486 });
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/^reason\b/) });
    const bad = parseNotification({ conversationId: 'c', status: 'completed', duration: 'fourteen' });
    expect(bad).toEqual({ ok: false, error: expect.stringMatching(/^duration\b/) });
  });

  it('rejects non-objects', () => {
    expect(parseNotification('completed').ok).toBe(false);
    expect(parseNotification(null).ok).toBe(false);
  });

  it('reads a numeric-string duration', () => {
    expect(mustParse({ conversationId: 'c', status: 'completed', duration: '14' }).durationSeconds).toBe(14);
    expect(mustParse({ conversationId: 'c', status: 'completed', callDuration: '2.5' }).durationSeconds).toBe(2.5);
    expect(mustParse({ conversationId: 'c', status: 'failed', duration: '' }).durationSeconds).toBeUndefined();
  });
});

describe('isTerminalStatus', () => {
  it("ends a call only on completed and failed, and jambonz's busy and no-answer", () => {
    expect(isTerminalStatus('completed')).toBe(true);
    expect(isTerminalStatus('Failed')).toBe(true);
    expect(isTerminalStatus('BUSY')).toBe(true);
    expect(isTerminalStatus(' no-answer')).toBe(true);
    expect(isTerminalStatus('queued')).toBe(false);
    expect(isTerminalStatus('answered')).toBe(false);
    expect(isTerminalStatus('Call-In-Progress')).toBe(false);
    expect(isTerminalStatus('')).toBe(false);
  });
});

describe('wire spellings', () => {
  const samples: SavgNotification[] = [
    {
      conversationId: 'a',
      status: 'completed',
      reason: '200 OK',
      reasonCode: 'caller-disconnected',
      machineDetection: 'amd_human_detected',
      callConnectTime: '2023-05-08T23:32:49.000Z',
      callDisconnectTime: '2023-05-09T00:33:03.000Z',
      durationSeconds: 14,
      sessionId: 's',
    },
    {
      conversationId: 'b',
      status: 'failed',
      reason: '486 Busy Here',
      reasonCode: 'Busy Here',
      machineDetection: 'disconnect',
    },
    {
      conversationId: 'c',
      status: 'call-in-progress',
      machineDetection: 'amd_machine_detected',
      callConnectTime: '2024-06-01T12:00:00.000Z',
    },
  ];

  it('round-trips through the old spelling', () => {
    for (const n of samples) expect(mustParse(toOldSpelling(n))).toEqual(n);
  });

  it('round-trips through the new spelling', () => {
    for (const n of samples) expect(mustParse(toNewSpelling(n))).toEqual(n);
  });

  it('truncates sub-second precision in the old format', () => {
    const n: SavgNotification = {
      conversationId: 'd',
      status: 'completed',
      callConnectTime: '2024-01-01T13:14:15.678Z',
    };
    expect(mustParse(toOldSpelling(n)).callConnectTime).toBe('2024-01-01T13:14:15.000Z');
  });

  it('uses the vendor key names', () => {
    const old = toOldSpelling(samples[0]!);
    expect(Object.keys(old)).toEqual(
      expect.arrayContaining(['machinedetection', 'callconnecttime', 'callDisconnectTime', 'duration']),
    );
    expect(old['callconnecttime']).toBe('5/8/2023,11:32:49PM');
    const fresh = toNewSpelling(samples[0]!);
    expect(Object.keys(fresh)).toEqual(
      expect.arrayContaining(['machineDetection', 'callConnectTime', 'callDuration', 'sessionId']),
    );
    expect(toNewSpelling(samples[2]!)['status']).toBe('Call-In-Progress');
  });

  it('formats old times in UTC with a 12-hour clock', () => {
    expect(toOldSavgTime('2023-05-08T00:05:09.000Z')).toBe('5/8/2023,12:05:09AM');
    expect(toOldSavgTime('2023-12-31T12:00:00.000Z')).toBe('12/31/2023,12:00:00PM');
    expect(toOldSavgTime('not a time')).toBe('not a time');
  });
});

describe('dialoutRequestSchema', () => {
  const vendorSample = {
    bot: 'st-e38782ff-0d89-52e9-5678769a49fdexxxx',
    target: 'tel:911234567890',
    caller: '+127061657882',
    trunk: 'TRUNK',
    timers: {
      noSpeechTimeoutMs: 12000,
      decisionTimeoutMs: 15000,
      toneTimeoutMs: 10000,
      greetingCompletionTimeoutMs: 10000,
    },
    thresholdWordCount: 4,
    machineDetection: 'detect',
    notifyurl: 'https://de8a-115-114-88-222.ngrok-free.app/notify',
    metadata: { jobPosition: 'Software Engineer', userName: 'John Doe' },
  };

  it('accepts the vendor sample request', () => {
    const parsed = dialoutRequestSchema.parse(vendorSample);
    expect(parsed).toEqual(vendorSample);
  });

  it('accepts E.164 and SIP targets', () => {
    expect(dialoutRequestSchema.safeParse({ target: 'tel:+15550001111', caller: '+1555' }).success).toBe(true);
    expect(dialoutRequestSchema.safeParse({ target: 'sip:alice@example.com', caller: '+1555' }).success).toBe(true);
  });

  it('rejects bad targets, missing caller, bad urls, bad timers', () => {
    const base = { target: 'tel:+15550001111', caller: '+1555' };
    expect(dialoutRequestSchema.safeParse({ ...base, target: '+15550001111' }).success).toBe(false);
    expect(dialoutRequestSchema.safeParse({ target: base.target }).success).toBe(false);
    expect(dialoutRequestSchema.safeParse({ ...base, notifyurl: '/notify' }).success).toBe(false);
    expect(dialoutRequestSchema.safeParse({ ...base, notifyurl: 'ftp://x/notify' }).success).toBe(false);
    expect(dialoutRequestSchema.safeParse({ ...base, timers: { toneTimeoutMs: -1 } }).success).toBe(false);
    expect(dialoutRequestSchema.safeParse({ ...base, thresholdWordCount: 1.5 }).success).toBe(false);
    expect(dialoutRequestSchema.safeParse({ ...base, machineDetection: 'maybe' }).success).toBe(false);
  });

  it('accepts the current fields: botId (V2), notifyHeaders, timeoutInMs, and targets without +', () => {
    const body = {
      botId: 'st-bot',
      target: 'tel:14155550100',
      caller: '+14155550199',
      notifyHeaders: { 'X-Campaign': 'c1', authorization: 'Bearer t' },
      timeoutInMs: 30_000,
    };
    expect(dialoutRequestSchema.parse(body)).toEqual(body);
  });

  it('bounds notifyHeaders and timeoutInMs, naming the field', () => {
    const base = { target: 'tel:+15550001111', caller: '+1555' };
    const issue = (extra: Record<string, unknown>) => {
      const result = dialoutRequestSchema.safeParse({ ...base, ...extra });
      return result.success ? undefined : describeZodError(result.error);
    };
    expect(issue({ notifyHeaders: { 'x-a': 'one\ntwo' } })).toMatch(/^notifyHeaders\.x-a: header values/);
    expect(issue({ notifyHeaders: { 'a b': 'x' } })).toMatch(/^notifyHeaders/);
    expect(issue({ notifyHeaders: { Host: 'x' } })).toBe('notifyHeaders.Host: is set by the gateway itself');
    expect(issue({ notifyHeaders: { 'x-a': '1', 'X-A': '2' } })).toMatch(/^notifyHeaders\.X-A: is given twice/);
    expect(issue({ notifyHeaders: { 'x-a': 1 } })).toMatch(/^notifyHeaders\.x-a/);
    const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`x-${i}`, 'v']));
    expect(issue({ notifyHeaders: many })).toBe('notifyHeaders: at most 20 headers');
    const big = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`x-${i}`, 'v'.repeat(1000)]));
    expect(issue({ notifyHeaders: big })).toMatch(/^notifyHeaders: names and values total more than 4096 bytes/);
    expect(issue({ notifyHeaders: { 'x-a': 'v'.repeat(1025) } })).toMatch(/^notifyHeaders\.x-a/);
    expect(issue({ timeoutInMs: 0 })).toMatch(/^timeoutInMs/);
    expect(issue({ timeoutInMs: 1.5 })).toMatch(/^timeoutInMs/);
    expect(issue({ timeoutInMs: 3_600_001 })).toMatch(/^timeoutInMs/);
    expect(issue({ botId: '' })).toMatch(/^botId/);
  });

  it('folds the lower-case machinedetection alias', () => {
    const parsed = dialoutRequestSchema.parse({
      target: 'tel:+15550001111',
      caller: 'c',
      machinedetection: 'disconnect',
    });
    expect(parsed).toEqual({ target: 'tel:+15550001111', caller: 'c', machineDetection: 'disconnect' });
    const conflict = dialoutRequestSchema.safeParse({
      target: 'tel:+1555000',
      caller: 'c',
      machinedetection: 'detect',
      machineDetection: 'disabled',
    });
    expect(conflict.success).toBe(false);
  });
});

describe('dialoutResponseSchema', () => {
  it('reads sid and callId and tolerates extras', () => {
    expect(dialoutResponseSchema.parse({ sid: 's', callId: 'c', extra: 1 })).toEqual({ sid: 's', callId: 'c' });
    expect(dialoutResponseSchema.safeParse({ sid: 's' }).success).toBe(false);
  });
});
