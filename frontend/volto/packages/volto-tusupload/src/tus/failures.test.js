import { describe, expect, it } from 'vitest';

import {
  describeFailure,
  refusalBeforeSending,
  retryableStatus,
  serverMessage,
  typeAllowed,
} from './failures';

const file = { name: 'a.bin', size: 2048, type: 'application/octet-stream' };

describe('describeFailure', () => {
  it('says a file over the size limit is refused for good', () => {
    expect(describeFailure(413, '', file, 1024)).toEqual({
      key: 'tooLarge',
      values: { file: 'a.bin', type: 'application/octet-stream', limit: '1 KiB', reason: '' },
      retry: false,
    });
  });

  it('takes a 413 under the size limit for the per-user pending limit, retryable', () => {
    const failure = describeFailure(413, '', file, 4096);
    expect(failure.key).toBe('pendingLimit');
    expect(failure.retry).toBe(true);
  });

  it.each([
    [415, 'typeNotAllowed', false],
    [403, 'notAllowed', false],
    [400, 'failedForGood', false],
    [401, 'loggedOut', true],
    [404, 'expired', true],
    [410, 'expired', true],
    [503, 'unavailable', true],
    [507, 'diskFull', true],
    [0, 'connectionLost', true],
    [502, 'failed', true],
  ])('answers %i with %s (retry: %s)', (status, key, retry) => {
    const failure = describeFailure(status, '', file, null);
    expect(failure.key).toBe(key);
    expect(failure.retry).toBe(retry);
  });

  it("quotes the server's reason", () => {
    const body = JSON.stringify({ error: { type: 'Bad Request', message: 'bad metadata' } });
    expect(describeFailure(400, body, file, null).values.reason).toBe('bad metadata');
  });
});

describe('serverMessage', () => {
  it('reads plain text and cuts long text', () => {
    expect(serverMessage('  no room  ')).toBe('no room');
    expect(serverMessage('x'.repeat(300))).toHaveLength(201);
  });
});

describe('refusalBeforeSending', () => {
  it('refuses files over the limit and of types not allowed, else nothing', () => {
    expect(refusalBeforeSending(file, { maxSize: 1024 }).key).toBe('tooLarge');
    expect(
      refusalBeforeSending({ ...file, type: 'text/plain' }, { allowedTypes: ['image/*'] }).key,
    ).toBe('typeNotAllowed');
    expect(refusalBeforeSending(file, { maxSize: 4096, allowedTypes: [] })).toBeNull();
  });
});

describe('typeAllowed', () => {
  it('matches exact types and families, ignoring parameters and case', () => {
    expect(typeAllowed('image/png', ['image/*'])).toBe(true);
    expect(typeAllowed('Text/Plain; charset=utf-8', ['text/plain'])).toBe(true);
    expect(typeAllowed('text/html', ['text/plain', 'image/*'])).toBe(false);
    expect(typeAllowed('', ['image/*'])).toBe(false);
  });
});

describe('retryableStatus', () => {
  it('retries no 4xx but a stale offset or a held lock', () => {
    expect(retryableStatus(404)).toBe(false);
    expect(retryableStatus(409)).toBe(true);
    expect(retryableStatus(423)).toBe(true);
    expect(retryableStatus(500)).toBe(true);
    expect(retryableStatus(0)).toBe(true);
  });
});
