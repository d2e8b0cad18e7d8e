import { describe, it, expect } from '@jest/globals';
import { classifyNotification, parseNotification, toNewSpelling, type Outcome } from '@dialer/core';

// The six sample notifications on the vendor's API page, verbatim, with the outcome each must classify to.
const VENDOR_SAMPLES: [Record<string, unknown>, Outcome][] = [
  [
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
    'answered-human',
  ],
  [
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
    'answered-machine',
  ],
  [
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
    'answered',
  ],
  [
    {
      conversationId: '305ae3c4-b527-4bfd-ad75-9b6abdaaxxxx',
      status: 'failed',
      reason: '503 Service Unavailable',
      machinedetection: 'disconnect',
      callconnecttime: '5/8/2023,11:31:30AM',
      reasonCode: 'Service Unavailable',
      callDisconnectTime: '5/8/2023,11:31:30AM',
    },
    'failed',
  ],
  [
    {
      conversationId: '80af8588-31c7-4877-a798-a3603c30xxxx',
      status: 'failed',
      reason: '486 Busy Here',
      machinedetection: 'disconnect',
      callconnecttime: '5/8/2023,11:36:33AM',
      reasonCode: 'Busy Here',
      callDisconnectTime: '5/8/2023,11:36:33AM',
    },
    'busy',
  ],
  [
    {
      conversationId: '40a95de6-949a-4403-b735-233daxxxx',
      status: 'failed',
      reason: '480 Temporarily Unavailable',
      machinedetection: 'disconnect',
      callconnecttime: '5/8/2023,11:37:46AM',
      reasonCode: 'Temporarily Unavailable',
      callDisconnectTime: '5/8/2023,11:37:46AM',
    },
    'unavailable',
  ],
];

function classifyRaw(body: Record<string, unknown>) {
  const parsed = parseNotification(body);
  if (!parsed.ok) throw new Error(parsed.error);
  return classifyNotification(parsed.value);
}

describe('classifyNotification', () => {
  it.each(VENDOR_SAMPLES)('classifies vendor sample %#', (body, outcome) => {
    expect(classifyRaw(body)).toMatchObject({ terminal: true, outcome });
  });

  it.each(VENDOR_SAMPLES)('classifies vendor sample %# in the newer spelling too', (body, outcome) => {
    const parsed = parseNotification(body);
    if (!parsed.ok) throw new Error(parsed.error);
    expect(classifyRaw(toNewSpelling(parsed.value))).toMatchObject({ terminal: true, outcome });
  });

  it('reads the SIP code first', () => {
    expect(
      classifyNotification({ status: 'failed', reason: '486 Something Else', reasonCode: 'Temporarily Unavailable' }),
    ).toEqual({ terminal: true, outcome: 'busy', sipCode: 486 });
    expect(classifyNotification({ status: 'failed', reason: '487 Request Terminated' })).toMatchObject({
      outcome: 'no-answer',
      sipCode: 487,
    });
    expect(classifyNotification({ status: 'failed', reason: '404 Not Found' })).toMatchObject({ outcome: 'rejected' });
    expect(classifyNotification({ status: 'failed', reason: '603 Decline' })).toMatchObject({
      outcome: 'failed',
      sipCode: 603,
    });
    expect(classifyNotification({ status: 'failed', reason: '600 Busy Everywhere' })).toMatchObject({
      outcome: 'busy',
    });
  });

  it('falls back to the phrase when there is no code', () => {
    expect(classifyNotification({ status: 'failed', reason: 'Busy Here' })).toEqual({
      terminal: true,
      outcome: 'busy',
    });
    expect(classifyNotification({ status: 'failed', reason: '', reasonCode: 'Temporarily Unavailable' })).toEqual({
      terminal: true,
      outcome: 'unavailable',
    });
    expect(classifyNotification({ status: 'failed', reasonCode: 'Service Unavailable' })).toEqual({
      terminal: true,
      outcome: 'failed',
    });
    expect(classifyNotification({ status: 'failed', reason: 'no answer' })).toEqual({
      terminal: true,
      outcome: 'no-answer',
    });
  });

  it('compares status case-insensitively and treats other statuses as interim', () => {
    expect(
      classifyNotification({ status: 'COMPLETED', reason: '200 OK', machineDetection: 'AMD_HUMAN_DETECTED' }),
    ).toMatchObject({ outcome: 'answered-human' });
    expect(classifyNotification({ status: 'Call-In-Progress', machineDetection: 'amd_human_detected' })).toEqual({
      terminal: false,
      status: 'call-in-progress',
    });
    expect(classifyNotification({ status: 'answered' })).toEqual({ terminal: false, status: 'answered' });
  });

  it("ends the call on jambonz's busy and no-answer statuses (any case), keeping the SIP code sent", () => {
    expect(classifyNotification({ status: 'busy', reason: '486 Busy Here' })).toEqual({
      terminal: true,
      outcome: 'busy',
      sipCode: 486,
    });
    expect(classifyNotification({ status: 'Busy' })).toEqual({ terminal: true, outcome: 'busy' });
    expect(classifyNotification({ status: ' NO-ANSWER ', reason: '487 Request Terminated' })).toEqual({
      terminal: true,
      outcome: 'no-answer',
      sipCode: 487,
    });
    expect(classifyNotification({ status: 'no-answer' })).toEqual({ terminal: true, outcome: 'no-answer' });
    // The status names the outcome: a reason that would read otherwise does not override it.
    expect(classifyNotification({ status: 'busy', reason: '480 Temporarily Unavailable' })).toMatchObject({
      outcome: 'busy',
      sipCode: 480,
    });
  });

  it('keeps unknown statuses interim and says they were unknown', () => {
    for (const status of ['queued', 'Ringing', 'early-media', 'in-progress', 'noanswer', 'busy-ish']) {
      expect(classifyNotification({ status, reason: '486 Busy Here' })).toEqual({
        terminal: false,
        status: status.toLowerCase(),
        unknown: true,
      });
    }
    expect(classifyNotification({ status: 'answered' })).not.toHaveProperty('unknown');
    expect(classifyNotification({ status: 'call-in-progress' })).not.toHaveProperty('unknown');
  });

  it('classifies the simulated jambonz notifications from the wire', () => {
    expect(
      classifyRaw({ conversationId: 'c', status: 'busy', reason: '486 Busy Here', reasonCode: 'Busy Here' }),
    ).toEqual({ terminal: true, outcome: 'busy', sipCode: 486 });
    expect(classifyRaw({ conversationId: 'c', status: 'no-answer', reason: '487 Request Terminated' })).toMatchObject({
      terminal: true,
      outcome: 'no-answer',
    });
  });

  it('maps machine-like detections to answered-machine and undecided ones to answered', () => {
    for (const amd of ['amd_machine_stopped_speaking', 'amd_tone_detected']) {
      expect(classifyNotification({ status: 'completed', reason: '200 OK', machineDetection: amd })).toMatchObject({
        outcome: 'answered-machine',
      });
    }
    for (const amd of ['amd_no_speech_detected', 'amd_decision_timeout', 'amd_error', 'amd_stopped', undefined]) {
      expect(classifyNotification({ status: 'completed', reason: '200 OK', machineDetection: amd })).toMatchObject({
        outcome: 'answered',
      });
    }
  });
});
