// A file sent in parts, cut off, then sent again with other part options
// (another number of files at once, or the previous release's equal split):
// the parts stored are continued with the boundaries they were made with,
// and the joined file is the file. Against a tus server in memory.
import { WebStorageUrlStorage } from 'tus-js-client/lib.es5/browser/urlStorage.js';
import { defaultOptions } from 'tus-js-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { partLayout, partsOptions } from './plan';
import { FileUpload } from './upload';

const KIB = 1024;
const ENDPOINT = 'http://site/@tus-upload';

/** A tus server (creation, concatenation) whose PATCHes stop after `patches`. */
class TusServer {
  constructor() {
    this.uploads = new Map();
    this.patches = Infinity;
    this.held = 0;
    this.count = 0;
  }

  createRequest(method, url) {
    const headers = {};
    const server = this;
    return {
      getMethod: () => method,
      getURL: () => url,
      setHeader: (name, value) => (headers[name.toLowerCase()] = String(value)),
      getHeader: (name) => headers[name.toLowerCase()],
      setProgressHandler: () => {},
      getUnderlyingObject: () => null,
      abort: () => Promise.resolve(),
      send: (body) => server.answer(method, url, headers, body),
    };
  }

  answer(method, url, headers, body) {
    const reply = (status, replyHeaders = {}) => {
      const lower = Object.fromEntries(
        Object.entries(replyHeaders).map(([k, v]) => [k.toLowerCase(), String(v)]),
      );
      return Promise.resolve({
        getStatus: () => status,
        getHeader: (name) => lower[name.toLowerCase()],
        getBody: () => '',
        getUnderlyingObject: () => null,
      });
    };
    const bytes = body ? Buffer.from(body) : Buffer.alloc(0);
    if (method === 'POST') {
      const url = `${ENDPOINT}/${(this.count += 1)}`;
      const concat = headers['upload-concat'] || '';
      if (concat.startsWith('final;')) {
        const parts = concat
          .slice('final;'.length)
          .split(' ')
          .map((part) => this.uploads.get(part));
        if (parts.some((part) => !part || part.data.length !== part.length)) return reply(400);
        const data = Buffer.concat(parts.map((part) => part.data));
        this.uploads.set(url, { length: data.length, data, final: true });
        return reply(201, { Location: url });
      }
      const length = Number(headers['upload-length']);
      this.uploads.set(url, { length, data: bytes, partial: concat === 'partial' });
      return reply(201, { Location: url, 'Upload-Offset': bytes.length });
    }
    const upload = this.uploads.get(url);
    if (!upload) return reply(404);
    if (method === 'HEAD') {
      return reply(200, { 'Upload-Offset': upload.data.length, 'Upload-Length': upload.length });
    }
    if (method === 'PATCH') {
      if (this.patches <= 0) {
        // Cut off: the request never ends.
        this.held += 1;
        return new Promise(() => {});
      }
      this.patches -= 1;
      if (Number(headers['upload-offset']) !== upload.data.length) return reply(409);
      upload.data = Buffer.concat([upload.data, bytes]);
      return reply(204, { 'Upload-Offset': upload.data.length });
    }
    return reply(405);
  }

  finals() {
    return [...this.uploads.values()].filter((upload) => upload.final);
  }
}

/** A file of `size` bytes, no two 4-byte words alike. */
function makeFile(size) {
  const data = Buffer.alloc(size);
  for (let offset = 0; offset + 4 <= size; offset += 4) data.writeUInt32BE(offset / 4, offset);
  return Object.assign(data, { name: 'big.bin', type: '', size });
}

function until(condition) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (condition()) resolve();
      else if (Date.now() - started > 5000) reject(new Error('timed out'));
      else setTimeout(check, 5);
    };
    check();
  });
}

function storedEntries() {
  return Object.keys(localStorage)
    .filter((key) => key.startsWith('tus::'))
    .map((key) => JSON.parse(localStorage.getItem(key)));
}

const saved = {};
beforeAll(() => {
  // The browser's storage and fingerprint (the tests get the Node build).
  Object.assign(saved, {
    urlStorage: defaultOptions.urlStorage,
    fingerprint: defaultOptions.fingerprint,
  });
  defaultOptions.urlStorage = new WebStorageUrlStorage();
  defaultOptions.fingerprint = (file, options) =>
    Promise.resolve(['tus-br', file.name, file.size, options.endpoint].join('-'));
});
afterAll(() => Object.assign(defaultOptions, saved));
afterEach(() => localStorage.clear());

/** Send `file` with `first` part options, cut off, then again with `second`. */
async function sendTwice(file, first, second) {
  const server = new TusServer();
  const options = (parts) => ({
    endpoint: ENDPOINT,
    httpStack: server,
    chunkSize: 64 * KIB,
    metadata: { filename: file.name },
    ...parts,
  });
  server.patches = 2;
  const cut = new FileUpload(file, options(first));
  await cut.start();
  await until(() => storedEntries().length === 1 && server.held > 0);
  cut.pause();
  const stored = storedEntries()[0];

  server.patches = Infinity;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  const again = new FileUpload(file, { ...options(second), onDone: done });
  await again.start();
  await finished;
  return { server, stored, again };
}

describe('a file sent in parts, cut off, sent again', () => {
  const file = makeFile(1024 * KIB + 123);

  it('continues in the parts and boundaries it was made with', async () => {
    const { server, stored, again } = await sendTwice(
      file,
      partsOptions(file, 3),
      partsOptions(file, 2),
    );
    expect(stored.parallelUploadUrls).toHaveLength(3);
    expect(stored.parallelUploadBoundaries).toEqual(partLayout(file.size, 3).boundaries);
    expect(again.state).toBe('done');
    // tus-js-client wrote the parts' URLs into the boundaries.
    expect(again.tus.options.parallelUploadBoundaries).toMatchObject(
      partLayout(file.size, 3).boundaries,
    );
    // The stored parts were continued, not made again.
    expect(server.uploads.size).toBe(4);
    expect(server.finals()).toHaveLength(1);
    expect(server.finals()[0].data.equals(file)).toBe(true);
    expect(storedEntries()).toHaveLength(0);
  });

  it("continues the previous release's equal split as such", async () => {
    // The previous release: four parts, no boundaries.
    const equal = { ...partsOptions(file, 4), parallelUploadBoundaries: undefined };
    delete equal.metadataForPartialUploads['concat-layout'];
    const { server, stored, again } = await sendTwice(file, equal, partsOptions(file, 4));
    expect(stored.parallelUploadUrls).toHaveLength(4);
    expect(stored).not.toHaveProperty('parallelUploadBoundaries');
    expect(again.state).toBe('done');
    expect(server.uploads.size).toBe(5);
    expect(server.finals()[0].data.equals(file)).toBe(true);
  });
});
