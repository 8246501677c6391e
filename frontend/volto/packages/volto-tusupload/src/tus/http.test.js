import { describe, expect, it } from 'vitest';

import { apiAddress, siteAddress } from './http';

const site = 'http://localhost:3000';
const api = 'http://localhost:3000/++api++';

describe('apiAddress and siteAddress', () => {
  it('move an upload URL of the site under the API and back', () => {
    const url = `${site}/inbox/@tus-upload/abc`;
    expect(apiAddress(url, site, api)).toBe(`${api}/inbox/@tus-upload/abc`);
    expect(siteAddress(apiAddress(url, site, api), site, api)).toBe(url);
  });

  it('leave API URLs, foreign URLs and direct backends alone', () => {
    expect(apiAddress(`${api}/x`, site, api)).toBe(`${api}/x`);
    expect(apiAddress('http://elsewhere/x', site, api)).toBe('http://elsewhere/x');
    expect(apiAddress(`${site}/x`, site, site)).toBe(`${site}/x`);
  });
});
