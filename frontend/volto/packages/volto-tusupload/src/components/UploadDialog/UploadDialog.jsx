// The Contents view's upload dialog: files go to the folder's @tus-upload
// in chunks with tus (tus-js-client), each with its own progress, speed and
// time left; pause, resume, cancel, retry where a retry can succeed; the
// reason in words where one can't; unfinished uploads picked up again after
// a reload. Nothing reads a whole file into memory.
import { useEffect, useRef, useState } from 'react';
import { Button, Header, Message, Modal, Table } from 'semantic-ui-react';
import { useIntl } from 'react-intl';

import { messages } from '../../messages';
import { forgetUpload, sameFile, unfinishedUploads } from '../../tus/resumable';
import FileRow from './FileRow';
import { useUploadQueue } from './useUploadQueue';

function useOnline(announce, backOnline) {
  const [online, setOnline] = useState(
    typeof navigator === 'undefined' ? true : navigator.onLine !== false,
  );
  useEffect(() => {
    const goOffline = () => setOnline(false);
    const goOnline = () => {
      setOnline(true);
      announce(backOnline);
    };
    window.addEventListener('offline', goOffline);
    window.addEventListener('online', goOnline);
    return () => {
      window.removeEventListener('offline', goOffline);
      window.removeEventListener('online', goOnline);
    };
  }, [announce, backOnline]);
  return online;
}

/** While files are on their way, leaving the page makes the browser ask. */
function useWarnBeforeLeaving(queue) {
  useEffect(() => {
    const warn = (event) => {
      if (!queue.uploads.some((upload) => upload.state === 'uploading')) {
        return;
      }
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [queue]);
}

function DropArea({ onFiles }) {
  const intl = useIntl();
  const input = useRef(null);
  const [over, setOver] = useState(false);
  return (
    <div
      className={`tusupload-drop${over ? ' tusupload-drop-over' : ''}`}
      onDragOver={(event) => {
        event.preventDefault();
        event.stopPropagation();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(event) => {
        event.preventDefault();
        event.stopPropagation();
        setOver(false);
        onFiles([...event.dataTransfer.files]);
      }}
    >
      <p>{intl.formatMessage(messages.dropHere)}</p>
      <Button type="button" primary onClick={() => input.current?.click()}>
        {intl.formatMessage(messages.browse)}
      </Button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        className="tusupload-input"
        aria-label={intl.formatMessage(messages.browse)}
        onChange={(event) => {
          onFiles([...event.target.files]);
          event.target.value = '';
        }}
      />
      <p className="tusupload-note">{intl.formatMessage(messages.note)}</p>
    </div>
  );
}

function Unfinished({ queue, onPicked }) {
  const intl = useIntl();
  const [, setForgotten] = useState(0);
  const inQueue = queue.uploads.filter((upload) => upload.state !== 'done');
  const entries = unfinishedUploads(queue.options.endpoint).filter(
    (entry) => !inQueue.some((upload) => sameFile(upload.file, entry)),
  );
  if (!entries.length) return null;
  return (
    <Message info className="tusupload-unfinished">
      <Message.Header as="h3">
        {intl.formatMessage(messages.unfinished)}
      </Message.Header>
      <p>{intl.formatMessage(messages.unfinishedHelp)}</p>
      <ul>
        {entries.map((entry) => (
          <li key={entry.key} data-file-name={entry.name}>
            <label className="ui mini button">
              {intl.formatMessage(messages.selectAgain, { file: entry.name })}
              <input
                type="file"
                hidden
                className="tusupload-pick-again"
                onChange={(event) => {
                  const file = event.target.files[0];
                  if (file) onPicked(file);
                  event.target.value = '';
                }}
              />
            </label>{' '}
            <Button
              type="button"
              basic
              size="mini"
              onClick={async () => {
                await forgetUpload(entry, queue.options.headers());
                setForgotten((count) => count + 1);
              }}
            >
              {intl.formatMessage(messages.forget, { file: entry.name })}
            </Button>
          </li>
        ))}
      </ul>
    </Message>
  );
}

export default function UploadDialog({ open, onCancel, pathname, files }) {
  const intl = useIntl();
  const queue = useUploadQueue(pathname);
  const [announcement, setAnnouncement] = useState('');
  const announce = useRef((text) => {
    setAnnouncement('');
    setTimeout(() => setAnnouncement(text), 50);
  }).current;
  const online = useOnline(announce, intl.formatMessage(messages.backOnline));
  useWarnBeforeLeaving(queue);

  const given = useRef(null);
  useEffect(() => {
    if (open && files?.length && given.current !== files) {
      given.current = files;
      queue.add(files);
    }
  }, [open, files, queue]);

  // Said once all started files have arrived.
  const finished = queue.uploads.filter((upload) => upload.state === 'done');
  const busy = queue.uploads.some((upload) =>
    ['uploading', 'paused'].includes(upload.state),
  );
  const wasBusy = useRef(false);
  useEffect(() => {
    if (wasBusy.current && !busy && finished.length) {
      announce(
        intl.formatMessage(messages.allUploaded, { count: finished.length }),
      );
    }
    wasBusy.current = busy;
  }, [busy, finished.length, announce, intl]);

  if (!open) return null;
  const waiting = queue.waiting().length;
  const uploading = queue.uploads.some((upload) => upload.state === 'uploading');
  const paused = queue.uploads.some((upload) => upload.state === 'paused');
  const failed = queue.uploads.some((upload) => upload.state === 'failed');
  const settled = queue.uploads.some((upload) =>
    ['done', 'cancelled', 'refused'].includes(upload.state),
  );

  return (
    <Modal
      className="contents-upload-modal tusupload-dialog"
      open={open}
      onClose={onCancel}
      aria-labelledby="tusupload-dialog-title"
    >
      <Header as="h2" id="tusupload-dialog-title">
        {intl.formatMessage(messages.uploadFiles)}
      </Header>
      <Modal.Content scrolling>
        {!online && (
          <Message warning className="tusupload-offline">
            {intl.formatMessage(messages.offline)}
          </Message>
        )}
        <Unfinished
          queue={queue}
          onPicked={async (file) => {
            await queue.add([file]);
            queue.start();
          }}
        />
        <DropArea onFiles={(picked) => queue.add(picked)} />
        {queue.uploads.length > 0 && (
          <Table compact className="tusupload-files">
            <Table.Header>
              <Table.Row>
                <Table.HeaderCell>
                  {intl.formatMessage(messages.file)}
                </Table.HeaderCell>
                <Table.HeaderCell>
                  {intl.formatMessage(messages.size)}
                </Table.HeaderCell>
                <Table.HeaderCell>
                  {intl.formatMessage(messages.progress)}
                </Table.HeaderCell>
                <Table.HeaderCell>
                  {intl.formatMessage(messages.actions)}
                </Table.HeaderCell>
              </Table.Row>
            </Table.Header>
            <Table.Body>
              {queue.uploads.map((upload) => (
                <FileRow key={upload.id} upload={upload} queue={queue} />
              ))}
            </Table.Body>
          </Table>
        )}
        <div role="status" aria-live="polite" className="tusupload-announce">
          {announcement}
        </div>
      </Modal.Content>
      <Modal.Actions>
        {uploading && (
          <Button type="button" onClick={() => queue.pauseAll()}>
            {intl.formatMessage(messages.pauseAll)}
          </Button>
        )}
        {paused && (
          <Button type="button" onClick={() => queue.resumeAll()}>
            {intl.formatMessage(messages.resumeAll)}
          </Button>
        )}
        {(uploading || paused) && (
          <Button type="button" onClick={() => queue.cancelAll()}>
            {intl.formatMessage(messages.cancelAll)}
          </Button>
        )}
        {failed && (
          <Button type="button" onClick={() => queue.retryAll()}>
            {intl.formatMessage(messages.retryAll)}
          </Button>
        )}
        {settled && !busy && (
          <Button type="button" onClick={() => queue.clearFinished()}>
            {intl.formatMessage(messages.clearFinished)}
          </Button>
        )}
        {waiting > 0 && (
          <Button
            type="button"
            primary
            className="tusupload-start"
            onClick={() => queue.start()}
          >
            {intl.formatMessage(messages.upload, { count: waiting })}
          </Button>
        )}
        <Button type="button" secondary onClick={onCancel}>
          {intl.formatMessage(messages.close)}
        </Button>
      </Modal.Actions>
    </Modal>
  );
}
