// The File and Image field widget: the chosen file stays in the browser
// until the form is saved, then goes with tus (formUploads/middleware.js),
// with its progress, speed and time left shown here. Never read whole
// into memory: an image's preview is an object URL of the file itself.
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { Button, Progress } from 'semantic-ui-react';
import { useIntl } from 'react-intl';
import FormFieldWrapper from '@plone/volto/components/manage/Widgets/FormFieldWrapper';
import { flattenToAppURL } from '@plone/volto/helpers/Url/Url';

import { failureMessages, messages } from '../../messages';
import { entryFor, getVersion, isKeptFile, keepFile, subscribe } from '../../formUploads/files';
import { formatSize } from '../../tus/sizes';
import { formatDuration, formatSpeed } from '../../tus/speed';

function usePreview(file, isImage) {
  const url = useMemo(
    () => (file && isImage && typeof URL !== 'undefined' ? URL.createObjectURL(file) : null),
    [file, isImage],
  );
  useEffect(() => () => url && URL.revokeObjectURL(url), [url]);
  return url;
}

function UploadState({ upload, name }) {
  const intl = useIntl();
  if (!upload) return null;
  const percent = upload.file.size
    ? Math.floor((upload.sent / upload.file.size) * 100)
    : 0;
  let text = '';
  if (upload.failure) {
    text = intl.formatMessage(failureMessages[upload.failure.key], upload.failure.values);
  } else if (upload.state === 'paused') {
    text = intl.formatMessage(messages.paused);
  } else if (upload.state === 'done') {
    text = intl.formatMessage(messages.uploaded);
  } else {
    const speed = upload.speed.bytesPerSecond();
    const left = upload.speed.secondsLeft(upload.file.size);
    if (speed && left != null) {
      text = intl.formatMessage(messages.speedAndTime, {
        speed: formatSpeed(speed),
        time: formatDuration(left),
      });
    }
  }
  return (
    <div className="tusupload-widget-upload">
      <Progress
        percent={percent}
        size="tiny"
        success={upload.state === 'done'}
        error={!!upload.failure}
        role="progressbar"
        aria-label={intl.formatMessage(messages.uploadProgress, { file: name })}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      />
      <div className="tusupload-status" role="status">
        {upload.failure ? <span className="tusupload-failure">{text}</span> : text}
      </div>
      {upload.state === 'uploading' && (
        <Button type="button" basic size="mini" onClick={() => upload.pause()}>
          {intl.formatMessage(messages.pause, { file: name })}
        </Button>
      )}
      {upload.state === 'paused' && (
        <Button type="button" basic size="mini" onClick={() => upload.resume()}>
          {intl.formatMessage(messages.resume, { file: name })}
        </Button>
      )}
    </div>
  );
}

export default function FileWidget(props) {
  const { id, value, onChange, isDisabled } = props;
  const intl = useIntl();
  const input = useRef(null);
  const [over, setOver] = useState(false);
  useSyncExternalStore(subscribe, getVersion, getVersion);
  const kept = entryFor(value);
  const isImage =
    props.factory === 'Image' ||
    String(value?.['content-type'] || '').startsWith('image/');
  const preview = usePreview(kept?.file, isImage);
  const choose = (file) => file && onChange(id, keepFile(file));
  const name = value?.filename || '';
  const storedUrl = !isKeptFile(value) && value?.download ? flattenToAppURL(value.download) : null;
  return (
    <FormFieldWrapper {...props} className="file-widget tusupload-file-widget">
      <div
        className={`tusupload-drop${over ? ' tusupload-drop-over' : ''}`}
        onDragOver={(event) => {
          event.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(event) => {
          event.preventDefault();
          setOver(false);
          choose(event.dataTransfer.files[0]);
        }}
      >
        {isImage && (preview || value?.scales?.preview?.download || storedUrl) && (
          <img
            className="tusupload-preview"
            src={preview || flattenToAppURL(value?.scales?.preview?.download || value.download)}
            alt=""
            height={80}
          />
        )}
        {name && (
          <p className="tusupload-widget-file">
            {storedUrl ? <a href={storedUrl}>{name}</a> : name}
            {value?.size ? ` (${formatSize(value.size)})` : ''}
          </p>
        )}
        <p>{intl.formatMessage(messages.dropHere)}</p>
        <Button
          type="button"
          primary
          disabled={isDisabled}
          onClick={() => input.current?.click()}
        >
          {intl.formatMessage(messages.browse)}
        </Button>
        {value && (
          <Button
            type="button"
            basic
            disabled={isDisabled}
            onClick={() => onChange(id, null)}
          >
            {intl.formatMessage(messages.remove, { file: name })}
          </Button>
        )}
        <input
          ref={input}
          id={`field-${id}`}
          name={id}
          type="file"
          hidden
          className="tusupload-widget-input"
          accept={isImage ? 'image/*' : undefined}
          onChange={(event) => {
            choose(event.target.files[0]);
            event.target.value = '';
          }}
        />
        <UploadState upload={kept?.upload} name={name} />
      </div>
    </FormFieldWrapper>
  );
}
