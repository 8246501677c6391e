import { WebStorageUrlStorage } from 'tus-js-client/lib.es5/browser/urlStorage.js';
import { defaultOptions } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { partLayout, tusOptionsFor } from './plan';
import { FileUpload } from './upload';

const MIB = 1024 * 1024;

// The browser's storage (the tests get tus-js-client's Node build).
const nodeStorage = defaultOptions.urlStorage;
beforeAll(() => (defaultOptions.urlStorage = new WebStorageUrlStorage()));
afterAll(() => (defaultOptions.urlStorage = nodeStorage));

function fileUpload(size, options) {
  const file = { name: 'big.bin', size, type: '' };
  return new FileUpload(file, {
    endpoint: 'http://site/@tus-upload',
    metadata: { filename: 'big.bin' },
    ...tusOptionsFor(file, 1, { chunkSize: 8 * MIB, concatenation: true }),
    ...options,
  });
}

describe("FileUpload's tus-js-client options", () => {
  it("pass the parts' boundaries and layout on", () => {
    const upload = fileUpload(256 * MIB);
    const tus = upload._makeTus();
    expect(tus.options.parallelUploads).toBe(4);
    expect(tus.options.parallelUploadBoundaries).toEqual(partLayout(256 * MIB, 4).boundaries);
    expect(tus.options.metadataForPartialUploads['concat-layout']).toMatch(/^[0-9a-f]{32}( \d+){4}$/);
    // The final upload's metadata has no layout.
    expect(tus.options.metadata).toEqual({ filename: 'big.bin' });
  });

  it('pass no boundaries for a single upload', () => {
    const tus = fileUpload(4 * MIB)._makeTus();
    expect(tus.options.parallelUploads).toBe(1);
    expect(tus.options.parallelUploadBoundaries).toBeNull();
  });

  it('pass no boundaries made for another number of parts', () => {
    // A retry's options: one upload now, the boundaries of before.
    const upload = fileUpload(256 * MIB);
    Object.assign(upload.options, { parallelUploads: 1 });
    expect(upload._makeTus().options.parallelUploadBoundaries).toBeNull();
    Object.assign(upload.options, { parallelUploads: 2 });
    expect(upload._makeTus().options.parallelUploadBoundaries).toBeNull();
  });
});

describe('FileUpload resuming a stored upload', () => {
  // A FileUpload whose tus-js-client uploads are recorded, not sent: each
  // finds `previous` stored.
  function resuming(size, previous, options) {
    const upload = fileUpload(size, options);
    const made = [];
    const makeTus = upload._makeTus.bind(upload);
    upload._makeTus = () => {
      const tus = makeTus();
      tus.findPreviousUploads = async () => (previous ? [previous] : []);
      tus.start = () => (tus.started = true);
      made.push(tus);
      return tus;
    };
    return { upload, made };
  }

  it('takes the boundaries the stored upload was made with', async () => {
    // Stored while three parts went at once; four would go now.
    const { boundaries } = partLayout(256 * MIB, 3);
    const previous = {
      size: 256 * MIB,
      parallelUploadUrls: ['u/1', 'u/2', 'u/3'],
      parallelUploadBoundaries: boundaries,
      urlStorageKey: 'tus::fp::1',
    };
    const { upload, made } = resuming(256 * MIB, previous);
    expect(upload.options.parallelUploads).toBe(4);
    await upload.start();
    const tus = upload.tus;
    expect(tus).toBe(made[made.length - 1]);
    expect(tus.started).toBe(true);
    expect(tus.options.parallelUploads).toBe(3);
    expect(tus.options.parallelUploadBoundaries).toEqual(boundaries);
    expect(tus._parallelUploadUrls).toEqual(['u/1', 'u/2', 'u/3']);
    expect(tus._urlStorageKey).toBe('tus::fp::1');
    // A part made again carries no layout hint: it is not this layout's.
    expect(tus.options.metadataForPartialUploads).toEqual({
      filename: 'big.bin',
      'content-type': 'application/octet-stream',
    });
  });

  it('takes them also for the same number of parts: the stored ones, not a new layout', async () => {
    const stored = [
      { start: 0, end: 100 * MIB },
      { start: 100 * MIB, end: 160 * MIB },
      { start: 160 * MIB, end: 200 * MIB },
      { start: 200 * MIB, end: 256 * MIB },
    ];
    const previous = { parallelUploadUrls: ['u/1', 'u/2', 'u/3', 'u/4'], parallelUploadBoundaries: stored };
    const { upload } = resuming(256 * MIB, previous);
    await upload.start();
    expect(upload.tus.options.parallelUploads).toBe(4);
    expect(upload.tus.options.parallelUploadBoundaries).toEqual(stored);
  });

  it("continues one stored without boundaries (the previous release's) in tus-js-client's equal split", async () => {
    const previous = { parallelUploadUrls: ['u/1', 'u/2'] };
    const { upload } = resuming(256 * MIB, previous);
    await upload.start();
    const tus = upload.tus;
    expect(tus.started).toBe(true);
    expect(tus.options.parallelUploads).toBe(2);
    expect(tus.options.parallelUploadBoundaries).toBeNull();
    expect(tus._parallelUploadUrls).toEqual(['u/1', 'u/2']);
  });

  it('continues a stored single upload as one', async () => {
    const { upload } = resuming(256 * MIB, { uploadUrl: 'u/0' });
    await upload.start();
    expect(upload.tus.options.parallelUploads).toBe(1);
    expect(upload.tus.options.parallelUploadBoundaries).toBeNull();
    expect(upload.tus.url).toBe('u/0');
  });

  it('starts afresh from stored boundaries that do not fit the file', async () => {
    const previous = {
      parallelUploadUrls: ['u/1', 'u/2'],
      parallelUploadBoundaries: [
        { start: 0, end: 10 },
        { start: 10, end: 20 },
      ],
    };
    const { upload, made } = resuming(256 * MIB, previous);
    await upload.start();
    expect(made).toHaveLength(1);
    expect(upload.tus._parallelUploadUrls).toBeNull();
    expect(upload.tus.options.parallelUploads).toBe(4);
    expect(upload.tus.options.parallelUploadBoundaries).toEqual(partLayout(256 * MIB, 4).boundaries);
  });

  it('starts afresh with its own layout when nothing is stored', async () => {
    const { upload, made } = resuming(256 * MIB, null);
    await upload.start();
    expect(made).toHaveLength(1);
    expect(upload.tus.started).toBe(true);
    expect(upload.tus.options.parallelUploadBoundaries).toEqual(partLayout(256 * MIB, 4).boundaries);
  });

  it('stores a new upload in parts with its boundaries', async () => {
    const tus = fileUpload(256 * MIB)._makeTus();
    // What tus-js-client stores once every part has its URL.
    const entry = { size: 256 * MIB, metadata: {}, creationTime: 'now', parallelUploadUrls: ['a', 'b', 'c', 'd'] };
    const key = await tus.options.urlStorage.addUpload('fp', entry);
    const stored = JSON.parse(localStorage.getItem(key));
    localStorage.removeItem(key);
    expect(stored).toEqual({ ...entry, parallelUploadBoundaries: partLayout(256 * MIB, 4).boundaries });
  });
});
