// One file on its way with tus-js-client: start, pause, resume, cancel and
// retry, with the state an editor sees (progress, speed, time left, the
// reason it failed). The bytes are read in chunks by tus-js-client from the
// File itself: nothing reads a whole file into memory.

import { Upload } from 'tus-js-client';

import { describeFailure, retryableStatus } from './failures';
import { whenOnline } from './server';
import { Speedometer } from './speed';
import { boundariesStorage, plainBoundaries, resumeOptions } from './storage';

const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000];

/** The tus-js-client response an error carries, if the server answered. */
function responseOf(error) {
  return error?.originalResponse ?? error?.cause?.originalResponse ?? null;
}

/** The item's JSON from the final reply (`Prefer: return=representation`). */
export function itemFromResponse(response) {
  try {
    const item = JSON.parse(response?.getBody?.() || 'null');
    return item && item['@id'] ? item : null;
  } catch (error) {
    return null;
  }
}

/** Whether the options' part boundaries are one per part. */
function boundariesFit(options) {
  const parts = options.parallelUploads || 1;
  return parts > 1 && options.parallelUploadBoundaries?.length === parts;
}

/**
 * A file's upload.
 *
 * `state` is one of: waiting, uploading, paused, done, failed (a retry can
 * succeed), refused (for good), cancelled.
 */
export class FileUpload {
  /**
   * @param {File} file
   * @param {object} options endpoint, headers, metadata, chunkSize,
   *   parallelUploads, parallelUploadBoundaries, metadataForPartialUploads,
   *   maxSize, creationWithUpload, onChange(upload), onProgress(upload)
   *   (else onChange), onDone(upload).
   */
  constructor(file, options) {
    this.file = file;
    this.options = options;
    this.state = 'waiting';
    this.sent = 0;
    this.item = null;
    this.failure = null;
    this.speed = new Speedometer();
    this.tus = null;
  }

  get id() {
    return this.options.id;
  }

  /** Start (or, when the same file was sent before, continue) the upload. */
  async start() {
    if (!['waiting', 'failed', 'paused'].includes(this.state)) return;
    this.failure = null;
    this.speed.restart();
    this._set('uploading');
    if (!this.tus) {
      this.tus = this._makeTus();
      // After a reload, the browser still knows where this file's upload
      // went (tus fingerprints in localStorage): continue it there.
      try {
        const previous = await this.tus.findPreviousUploads();
        if (previous.length) this._resumeFrom(previous[0]);
      } catch (error) {
        // No storage: start afresh.
      }
    }
    if (this.state === 'uploading') this.tus.start();
  }

  pause() {
    if (this.state !== 'uploading') return;
    this.tus?.abort(false);
    this.speed.restart();
    this._set('paused');
  }

  resume() {
    if (this.state === 'paused') this.start();
  }

  /** Stop for good and free what the server holds of it. */
  cancel() {
    if (['done', 'cancelled'].includes(this.state)) return;
    const tus = this.tus;
    this._set('cancelled');
    if (tus) {
      tus.abort(tus.url || tus._parallelUploadUrls ? true : false).catch(() => {});
    }
  }

  retry() {
    if (this.state !== 'failed') return;
    // An upload the server no longer knows starts again from the start.
    if ([404, 410].includes(this.failure?.status)) this.tus = null;
    this.start();
  }

  /**
   * Continue the stored upload `previous` in the parts it was made of, with
   * their boundaries (storage.js): tus-js-client would send its stored parts
   * the bytes of this upload's boundaries, unchecked. When it cannot be
   * continued, this upload starts afresh.
   */
  _resumeFrom(previous) {
    const resumed = resumeOptions(previous, this.file.size);
    if (!resumed) return;
    // The layout hint is for parts made with this upload's own layout: a
    // part made again (the server lost it) joins no group.
    const partial = { ...this.options.metadataForPartialUploads };
    delete partial['concat-layout'];
    Object.assign(this.options, resumed, { metadataForPartialUploads: partial });
    this.tus = this._makeTus();
    this.tus.resumeFromPreviousUpload(previous);
  }

  _set(state) {
    this.state = state;
    this.options.onChange?.(this);
  }

  _makeTus() {
    const options = this.options;
    // Copies: tus-js-client writes the parts' URLs into them.
    const boundaries = boundariesFit(options) ? plainBoundaries(options.parallelUploadBoundaries) : null;
    return new Upload(this.file, {
      endpoint: options.endpoint,
      ...(options.httpStack && { httpStack: options.httpStack }),
      chunkSize: options.chunkSize,
      parallelUploads: options.parallelUploads || 1,
      // Where each part starts and ends (plan.js, partLayout); without them
      // tus-js-client splits the file in equal parts. Only those made for
      // this number of parts: a retry's options may have fewer or none.
      ...(boundaries && { parallelUploadBoundaries: boundaries }),
      metadata: options.metadata,
      ...(options.metadataForPartialUploads && {
        metadataForPartialUploads: options.metadataForPartialUploads,
      }),
      // The final reply carries the new item's JSON only when asked.
      headers: { ...options.headers, Prefer: 'return=representation' },
      retryDelays: RETRY_DELAYS,
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      // Stored uploads say their boundaries, to be resumed with them.
      urlStorage: boundariesStorage(() => boundaries),
      // A small file takes one request: the first chunk goes with the
      // request that creates the upload.
      uploadDataDuringCreation: options.creationWithUpload !== false,
      // Nothing is sent while the browser is offline; requests wait.
      onBeforeRequest: () => whenOnline(),
      onShouldRetry: (error, attempt, tusOptions) => {
        const status = responseOf(error)?.getStatus?.() ?? 0;
        return retryableStatus(status) && attempt < RETRY_DELAYS.length;
      },
      onProgress: (sent) => {
        this.sent = sent;
        this.speed.sample(sent);
        (this.options.onProgress ?? this.options.onChange)?.(this);
      },
      onSuccess: ({ lastResponse } = {}) => {
        this.sent = this.file.size;
        this.item = itemFromResponse(lastResponse);
        this._set('done');
        this.options.onDone?.(this);
      },
      onError: (error) => {
        if (this.state === 'cancelled' || this.state === 'paused') return;
        const response = responseOf(error);
        const status = response?.getStatus?.() ?? 0;
        const failure = describeFailure(
          status,
          response?.getBody?.() ?? '',
          this.file,
          options.maxSize,
        );
        this.failure = { ...failure, status };
        this._set(failure.retry ? 'failed' : 'refused');
        this.options.onDone?.(this);
      },
    });
  }
}
