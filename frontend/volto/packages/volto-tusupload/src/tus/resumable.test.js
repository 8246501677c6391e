import { describe, expect, it } from 'vitest';

import { sameFile, unfinishedUploads } from './resumable';

function storage(entries) {
  const keys = Object.keys(entries);
  return {
    length: keys.length,
    key: (index) => keys[index],
    getItem: (key) => entries[key],
  };
}

const endpoint = 'http://site/++api++/inbox/@tus-upload';

describe('unfinishedUploads', () => {
  it("lists this endpoint's remembered uploads, parts included", () => {
    const found = unfinishedUploads(
      endpoint,
      storage({
        [`tus::tus-br-big.bin-application/octet-stream-100-1-${endpoint}::1`]: JSON.stringify({
          size: 100,
          metadata: { filename: 'big.bin', 'content-type': 'application/octet-stream' },
          parallelUploadUrls: [`${endpoint}/a`, `${endpoint}/b`],
          creationTime: 'now',
        }),
        'tus::tus-br-other-x-1-1-http://elsewhere/@tus-upload::2': JSON.stringify({
          size: 1,
          metadata: { filename: 'other' },
          uploadUrl: 'http://elsewhere/@tus-upload/c',
        }),
        'unrelated': 'x',
      }),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ name: 'big.bin', size: 100, urls: [`${endpoint}/a`, `${endpoint}/b`] });
    expect(sameFile({ name: 'big.bin', size: 100 }, found[0])).toBe(true);
    expect(sameFile({ name: 'big.bin', size: 99 }, found[0])).toBe(false);
  });
});
