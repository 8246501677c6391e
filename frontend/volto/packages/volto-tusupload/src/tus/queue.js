// The files of one folder's upload dialog: which are waiting, on their way,
// done, failed or refused; at most FILES_AT_ONCE on their way at a time.
// Kept outside React, so that uploads go on while the dialog is closed and
// the dialog shows them again when it opens.

import { refusalBeforeSending } from './failures';
import { FILES_AT_ONCE, tusOptionsFor, uploadMetadata } from './plan';
import { fetchCapabilities, fetchSettings } from './server';
import { FileUpload } from './upload';

let lastId = 0;

// Progress redraws the dialog at most this often (ms); a change of state at
// once. tus-js-client reports progress for every part many times a second,
// and each report redrew the whole dialog, which competed with the upload
// for the same CPU.
export const PROGRESS_INTERVAL = 250;

export class UploadQueue {
  /**
   * @param {object} options endpoint (the folder's @tus-upload URL),
   *   settingsUrl, headers() (fresh headers for each request), fallback
   *   settings, onItem(item, upload) when an item arrived.
   */
  constructor(options) {
    this.options = options;
    this.uploads = [];
    this.listeners = new Set();
    this.version = 0;
    this.settings = null;
    this.capabilities = undefined;
  }

  subscribe = (listener) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getVersion = () => this.version;

  changed = () => {
    this.version += 1;
    for (const listener of this.listeners) listener();
  };

  progressed = () => {
    if (this.progressTimer) return;
    this.progressTimer = setTimeout(() => {
      this.progressTimer = null;
      this.changed();
    }, PROGRESS_INTERVAL);
  };

  /** Settings and the endpoint's abilities, asked again before each start. */
  async refresh() {
    const headers = this.options.headers();
    const [settings, capabilities] = await Promise.all([
      fetchSettings(this.options.settingsUrl, headers, this.options.fallback),
      fetchCapabilities(this.options.endpoint, headers),
    ]);
    this.settings = settings;
    this.capabilities = capabilities;
    this.changed();
    return { settings, capabilities };
  }

  get maxSize() {
    return this.capabilities?.maxSize || this.settings?.maxSize || null;
  }

  /** Add files; those the site won't take are refused at once, in words. */
  async add(files) {
    if (!this.settings) await this.refresh();
    for (const file of files) {
      lastId += 1;
      const upload = new FileUpload(file, {
        id: `upload-${lastId}`,
        onChange: this.changed,
        onProgress: this.progressed,
        onDone: (done) => this._done(done),
      });
      const refusal = refusalBeforeSending(file, {
        maxSize: this.maxSize,
        allowedTypes: this.settings.allowedTypes,
      });
      if (refusal) {
        upload.failure = { ...refusal, status: null };
        upload.state = 'refused';
      }
      this.uploads.push(upload);
    }
    this.changed();
  }

  remove(upload) {
    upload.cancel();
    this.uploads = this.uploads.filter((other) => other !== upload);
    this.changed();
  }

  /** Start the waiting files (the Upload button). */
  async start() {
    const { capabilities } = await this.refresh();
    if (!capabilities) {
      for (const upload of this.waiting()) {
        upload.failure = { key: 'noEndpoint', values: { file: upload.file.name }, retry: false, status: 404 };
        upload.state = 'refused';
      }
      this.changed();
      return;
    }
    this._next();
  }

  waiting() {
    return this.uploads.filter((upload) => upload.state === 'waiting');
  }

  underway() {
    return this.uploads.filter((upload) => ['uploading', 'paused'].includes(upload.state));
  }

  pauseAll() {
    for (const upload of this.uploads) upload.pause();
  }

  resumeAll() {
    for (const upload of this.uploads) upload.resume();
  }

  cancelAll() {
    for (const upload of this.uploads) upload.cancel();
    this.changed();
  }

  retry(upload) {
    if (upload.state !== 'failed') return;
    this._prepare(upload, 1);
    upload.retry();
  }

  retryAll() {
    for (const upload of this.uploads) if (upload.state === 'failed') this.retry(upload);
  }

  clearFinished() {
    this.uploads = this.uploads.filter(
      (upload) => !['done', 'cancelled', 'refused'].includes(upload.state),
    );
    this.changed();
  }

  _prepare(upload, filesAtOnce) {
    const file = upload.file;
    Object.assign(upload.options, {
      endpoint: this.options.endpoint,
      httpStack: this.options.httpStack?.(),
      headers: this.options.headers(),
      metadata: uploadMetadata(file),
      maxSize: this.maxSize,
      creationWithUpload: this.capabilities?.creationWithUpload,
      ...tusOptionsFor(file, filesAtOnce, {
        chunkSize: this.settings.chunkSize,
        concatenation: !!this.capabilities?.concatenation,
        parallelUploads: this.options.parallelUploads ?? null,
      }),
    });
  }

  _next() {
    const running = this.uploads.filter((upload) => upload.state === 'uploading').length;
    const waiting = this.waiting();
    const free = Math.max(0, FILES_AT_ONCE - running);
    const filesAtOnce = Math.min(FILES_AT_ONCE, running + waiting.length);
    for (const upload of waiting.slice(0, free)) {
      this._prepare(upload, filesAtOnce);
      upload.start();
    }
  }

  _done(upload) {
    if (upload.state === 'done') this.options.onItem?.(upload.item, upload);
    this._next();
    this.changed();
  }
}
