// Drive tus-js-client (Node) against a tus server; used by the filter's and the REST API's client tests.
//
// Usage: node upload.js '<json options>'
//
// Options (all but endpoint/file optional):
//   endpoint                  collection URL, e.g. http://127.0.0.1:PORT/files
//   file                      path of the file to upload
//   chunkSize                 bytes per PATCH
//   uploadUrl                 resume this upload instead of creating one
//   urlStorage                path of a JSON file: enables fingerprint storage,
//                             findPreviousUploads() and resumeFromPreviousUpload()
//   abortAfter                abort once at least this many bytes were accepted
//   parallelUploads           number of partial uploads (concatenation)
//   uploadDataDuringCreation  send the first chunk with the POST
//   retryDelays               list of ms between retries (default: none)
//   metadata                  object of Upload-Metadata
//   protocol                  'tus-v1' (default), 'ietf-draft-03' or 'ietf-draft-05'
//   headers                   extra request headers (e.g. Authorization)
//
// Writes one JSON object per line to stdout: {"event": "created" | "chunk" |
// "aborted" | "success" | "error", ...}. Exit status 0 unless "error".
"use strict";

const fs = require("fs");
const tus = require("tus-js-client");

const options = JSON.parse(process.argv[2]);

function emit(event, fields) {
  process.stdout.write(JSON.stringify({ event, ...fields }) + "\n");
}

async function main() {
  const fileSize = fs.statSync(options.file).size;
  const source =
    options.parallelUploads > 1
      ? fs.readFileSync(options.file) // partial uploads slice the source
      : fs.createReadStream(options.file);

  let upload;
  let aborted = false;

  const done = new Promise((resolve) => {
    const uploadOptions = {
      endpoint: options.endpoint,
      chunkSize: options.chunkSize || Infinity,
      retryDelays: options.retryDelays || null,
      metadata: options.metadata || { filename: "upload.bin" },
      uploadDataDuringCreation: Boolean(options.uploadDataDuringCreation),
      parallelUploads: options.parallelUploads || 1,
      protocol: options.protocol || "tus-v1",
      ...(options.headers ? { headers: options.headers } : {}),
      removeFingerprintOnSuccess: true,
      onUploadUrlAvailable() {
        emit("created", { url: upload.url });
      },
      onChunkComplete(chunkSize, bytesAccepted, bytesTotal) {
        emit("chunk", { chunkSize, bytesAccepted, bytesTotal });
        if (
          !aborted &&
          options.abortAfter != null &&
          bytesAccepted >= options.abortAfter
        ) {
          aborted = true;
          upload.abort().then(() => {
            emit("aborted", { url: upload.url, bytesAccepted });
            resolve(0);
          });
        }
      },
      onSuccess(payload) {
        const lastResponse = payload && payload.lastResponse;
        emit("success", {
          url: upload.url,
          status: lastResponse ? lastResponse.getStatus() : null,
          body: lastResponse ? lastResponse.getBody() : null,
          location: lastResponse ? lastResponse.getHeader("Location") : null,
          contentLocation: lastResponse
            ? lastResponse.getHeader("Content-Location")
            : null,
        });
        resolve(0);
      },
      onError(error) {
        emit("error", { message: String(error) });
        resolve(1);
      },
    };
    if (options.uploadUrl) {
      uploadOptions.uploadUrl = options.uploadUrl;
    }
    if (options.urlStorage) {
      uploadOptions.urlStorage = new tus.FileUrlStorage(options.urlStorage);
      uploadOptions.storeFingerprintForResuming = true;
      // The file name alone would collide between test runs.
      uploadOptions.fingerprint = async () =>
        `tus-test-${options.file}-${fileSize}-${options.endpoint}`;
    } else {
      uploadOptions.storeFingerprintForResuming = false;
    }
    upload = new tus.Upload(source, uploadOptions);
  });

  if (options.urlStorage) {
    const previous = await upload.findPreviousUploads();
    emit("previous", { count: previous.length });
    if (previous.length > 0) {
      upload.resumeFromPreviousUpload(previous[0]);
    }
  }
  upload.start();
  return done;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    emit("error", { message: String(error && error.stack ? error.stack : error) });
    process.exitCode = 1;
  },
);
