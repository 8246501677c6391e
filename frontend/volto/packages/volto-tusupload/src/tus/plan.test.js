import { describe, expect, it } from 'vitest';

import { layoutToken, partLayout, partsOptions, tusOptionsFor, uploadMetadata } from './plan';

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
      'concat-layout': expect.any(String),
    });
  });

  it("tells the parts' layout: boundaries, and sizes in the partial uploads' metadata", () => {
    const options = tusOptionsFor(big, 1, { chunkSize: 8 * MIB, concatenation: true });
    const { boundaries, sizes } = partLayout(big.size, 4);
    expect(options.parallelUploadBoundaries).toEqual(boundaries);
    expect(options.parallelUploadBoundaries).toHaveLength(options.parallelUploads);
    const [token, ...rest] = options.metadataForPartialUploads['concat-layout'].split(' ');
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(rest.map(Number)).toEqual(sizes);
    expect(options.metadataForPartialUploads['concat-layout']).toBe(`${token} ${sizes.join(' ')}`);
  });

  it('takes a fresh token for each file', () => {
    const settings = { chunkSize: 8 * MIB, concatenation: true };
    const first = tusOptionsFor(big, 1, settings).metadataForPartialUploads['concat-layout'];
    const second = tusOptionsFor(big, 1, settings).metadataForPartialUploads['concat-layout'];
    expect(first.split(' ')[0]).not.toBe(second.split(' ')[0]);
    expect(first.split(' ').slice(1)).toEqual(second.split(' ').slice(1));
  });

  it('tells no layout for a single upload', () => {
    for (const options of [
      tusOptionsFor(big, 1, { chunkSize: 8 * MIB, concatenation: false }),
      tusOptionsFor({ name: 's', size: 12 * MIB, type: '' }, 1, { chunkSize: 8 * MIB, concatenation: true }),
    ]) {
      expect(options.parallelUploads).toBe(1);
      expect(options).not.toHaveProperty('parallelUploadBoundaries');
      expect(options).not.toHaveProperty('metadataForPartialUploads');
    }
  });

  it('leaves a file too small for a layout to the equal split', () => {
    // Four parts of a 64 KiB file with 16 KiB chunks: base 16 KiB = 4 blocks.
    const file = { name: 'tiny.bin', size: 64 * 1024, type: '' };
    const options = tusOptionsFor(file, 1, { chunkSize: 16 * 1024, concatenation: true });
    expect(options.parallelUploads).toBe(4);
    expect(options).not.toHaveProperty('parallelUploadBoundaries');
    expect(options.metadataForPartialUploads).toEqual({
      filename: 'tiny.bin',
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

describe('partLayout', () => {
  const BLOCK = 4096;
  const cases = [];
  for (const parts of [2, 3, 4, 5, 6]) {
    for (const size of [
      parts * BLOCK * (parts + 1) + 1,
      10 * MIB,
      8 * MIB + 12345,
      256 * MIB,
      5 * 1024 * MIB + 7,
      Number.MAX_SAFE_INTEGER - 1,
    ]) {
      cases.push([size, parts]);
    }
  }

  it.each(cases)('lays out %i bytes in %i distinct parts on block starts', (size, parts) => {
    const { boundaries, sizes } = partLayout(size, parts);
    expect(sizes).toHaveLength(parts);
    expect(boundaries).toHaveLength(parts);
    expect(new Set(sizes).size).toBe(parts);
    expect(sizes.every((part) => Number.isSafeInteger(part) && part > 0)).toBe(true);
    expect(sizes.reduce((sum, part) => sum + part, 0)).toBe(size);
    expect(boundaries[0].start).toBe(0);
    expect(boundaries[parts - 1].end).toBe(size);
    boundaries.forEach(({ start, end }, index) => {
      expect(start % BLOCK).toBe(0);
      expect(end - start).toBe(sizes[index]);
      if (index > 0) expect(start).toBe(boundaries[index - 1].end);
    });
  });

  it('follows the rule: a block less for each part, the rest in the last', () => {
    const size = 256 * MIB + 5;
    const base = 64 * MIB;
    expect(partLayout(size, 4).sizes).toEqual([
      base - BLOCK,
      base - 2 * BLOCK,
      base - 3 * BLOCK,
      size - (3 * base - 6 * BLOCK),
    ]);
  });

  it('is null for a file too small, or a single part', () => {
    // base = 8 KiB = 2 blocks: not more than 2 * BLOCK.
    expect(partLayout(4 * BLOCK + 4095, 2)).toBeNull();
    expect(partLayout(6 * BLOCK, 2)).not.toBeNull();
    expect(partLayout(16 * BLOCK, 4)).toBeNull();
    expect(partLayout(20 * BLOCK, 4)).not.toBeNull();
    expect(partLayout(0, 2)).toBeNull();
    expect(partLayout(10 * MIB, 1)).toBeNull();
  });
});

describe('layoutToken', () => {
  it('is 32 lowercase hex digits, fresh each time', () => {
    const tokens = new Set(Array.from({ length: 50 }, () => layoutToken()));
    expect(tokens.size).toBe(50);
    for (const token of tokens) expect(token).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('partsOptions', () => {
  it('is the options of a layout for this many parts', () => {
    const options = partsOptions(big, 3);
    expect(options.parallelUploads).toBe(3);
    expect(options.parallelUploadBoundaries).toEqual(partLayout(big.size, 3).boundaries);
    expect(options.metadataForPartialUploads['concat-layout'].split(' ').slice(1).map(Number)).toEqual(
      partLayout(big.size, 3).sizes,
    );
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
