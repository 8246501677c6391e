import { WebStorageUrlStorage } from 'tus-js-client/lib.es5/browser/urlStorage.js';
import { afterEach, describe, expect, it } from 'vitest';

import { partLayout } from './plan';
import { unfinishedUploads } from './resumable';
import { boundariesStorage, resumeOptions } from './storage';

const MIB = 1024 * 1024;
const endpoint = 'http://site/++api++/inbox/@tus-upload';
const fingerprint = `tus-br-big.bin-application/octet-stream-${256 * MIB}-1-${endpoint}`;
const urls = [`${endpoint}/a`, `${endpoint}/b`, `${endpoint}/c`];

// The browser's storage (the tests get tus-js-client's Node build).
const web = new WebStorageUrlStorage();

afterEach(() => localStorage.clear());

describe('boundariesStorage', () => {
  it('records the boundaries of an upload in parts, start and end only', async () => {
    // tus-js-client writes each part's URL into the boundaries it resumes.
    const boundaries = partLayout(256 * MIB, 3).boundaries.map((part, index) => ({
      ...part,
      uploadUrl: urls[index],
    }));
    const storage = boundariesStorage(() => boundaries, web);
    const entry = {
      size: 256 * MIB,
      metadata: { filename: 'big.bin' },
      creationTime: 'now',
      parallelUploadUrls: urls,
    };
    const key = await storage.addUpload(fingerprint, entry);
    expect(key.startsWith(`tus::${fingerprint}::`)).toBe(true);
    const [found] = await storage.findUploadsByFingerprint(fingerprint);
    expect(found).toEqual({
      ...entry,
      parallelUploadBoundaries: partLayout(256 * MIB, 3).boundaries,
      urlStorageKey: key,
    });
    expect(await storage.findAllUploads()).toHaveLength(1);
    await storage.removeUpload(key);
    expect(await storage.findAllUploads()).toHaveLength(0);
  });

  it('records none for an upload in parts without, or a single upload', async () => {
    const none = boundariesStorage(() => null, web);
    const parts = { size: 9, parallelUploadUrls: urls };
    expect(JSON.parse(localStorage.getItem(await none.addUpload('fp', parts)))).toEqual(parts);
    const single = { size: 9, uploadUrl: urls[0] };
    const some = boundariesStorage(() => partLayout(256 * MIB, 3).boundaries, web);
    expect(JSON.parse(localStorage.getItem(await some.addUpload('fp', single)))).toEqual(single);
  });

  it('keeps the entries resumable.js lists', async () => {
    const storage = boundariesStorage(() => partLayout(256 * MIB, 3).boundaries, web);
    await storage.addUpload(fingerprint, {
      size: 256 * MIB,
      metadata: { filename: 'big.bin', 'content-type': 'application/octet-stream' },
      creationTime: 'now',
      parallelUploadUrls: urls,
    });
    const [found] = unfinishedUploads(endpoint);
    expect(found).toMatchObject({ name: 'big.bin', size: 256 * MIB, urls, created: 'now' });
  });
});

describe('resumeOptions', () => {
  const size = 256 * MIB;
  const { boundaries } = partLayout(size, 3);

  it('are the stored boundaries and their number of parts', () => {
    expect(
      resumeOptions({ parallelUploadUrls: urls, parallelUploadBoundaries: boundaries }, size),
    ).toEqual({
      parallelUploads: 3,
      parallelUploadBoundaries: boundaries,
    });
  });

  it("are the equal split of the stored number of parts without boundaries (the previous release's)", () => {
    expect(resumeOptions({ parallelUploadUrls: urls }, size)).toEqual({
      parallelUploads: 3,
      parallelUploadBoundaries: null,
    });
  });

  it('are one upload for a single stored upload', () => {
    expect(resumeOptions({ uploadUrl: urls[0] }, size)).toEqual({
      parallelUploads: 1,
      parallelUploadBoundaries: null,
    });
  });

  it('are null for boundaries that do not fit', () => {
    const entry = (stored) => ({ parallelUploadUrls: urls, parallelUploadBoundaries: stored });
    expect(resumeOptions(entry(boundaries.slice(0, 2)), size)).toBeNull();
    expect(resumeOptions(entry(boundaries), size + 1)).toBeNull();
    expect(resumeOptions(entry([boundaries[1], boundaries[0], boundaries[2]]), size)).toBeNull();
    expect(resumeOptions({ parallelUploadUrls: [urls[0]] }, size)).toBeNull();
    expect(resumeOptions({}, size)).toBeNull();
  });
});
