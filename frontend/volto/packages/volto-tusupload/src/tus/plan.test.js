import { describe, expect, it } from 'vitest';

import { tusOptionsFor, uploadMetadata } from './plan';

const MIB = 1024 * 1024;
const big = { name: 'big.bin', size: 256 * MIB, type: '' };

describe('tusOptionsFor', () => {
  it('sends a large file in four parts when the server concatenates', () => {
    const options = tusOptionsFor(big, 1, { chunkSize: 8 * MIB, concatenation: true });
    expect(options.parallelUploads).toBe(4);
    expect(options.chunkSize).toBe(8 * MIB);
    expect(options.metadataForPartialUploads).toEqual({
      filename: 'big.bin',
      'content-type': 'application/octet-stream',
    });
  });

  it('shares six connections between two files at a time', () => {
    expect(tusOptionsFor(big, 3, { chunkSize: 8 * MIB, concatenation: true }).parallelUploads).toBe(3);
  });

  it('sends one upload without concatenation or below two chunks', () => {
    expect(tusOptionsFor(big, 1, { chunkSize: 8 * MIB, concatenation: false }).parallelUploads).toBe(1);
    const small = { name: 's', size: 12 * MIB, type: 'text/plain' };
    expect(tusOptionsFor(small, 1, { chunkSize: 8 * MIB, concatenation: true }).parallelUploads).toBe(1);
  });

  it('takes a configured number of parts', () => {
    const options = tusOptionsFor(big, 1, { chunkSize: 8 * MIB, concatenation: true, parallelUploads: 2 });
    expect(options.parallelUploads).toBe(2);
  });
});

describe('uploadMetadata', () => {
  it('sends only the keys that have a value', () => {
    expect(uploadMetadata({ name: 'a.txt', type: 'text/plain' }, { title: '', '@type': 'File' })).toEqual({
      filename: 'a.txt',
      'content-type': 'text/plain',
      '@type': 'File',
    });
  });
});
