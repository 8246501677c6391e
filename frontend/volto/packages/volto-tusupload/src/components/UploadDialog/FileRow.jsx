// One file's row in the upload dialog: name (a link once it arrived), size,
// progress, speed and time left or the reason it failed, and its buttons.
import { Button, Progress, Table } from 'semantic-ui-react';
import { useIntl } from 'react-intl';
import { flattenToAppURL } from '@plone/volto/helpers/Url/Url';
import UniversalLink from '@plone/volto/components/manage/UniversalLink/UniversalLink';
import Icon from '@plone/volto/components/theme/Icon/Icon';
import pauseSVG from '@plone/volto/icons/pause.svg';
import playSVG from '@plone/volto/icons/play.svg';
import reloadSVG from '@plone/volto/icons/reload.svg';
import stopSVG from '@plone/volto/icons/stop.svg';
import clearSVG from '@plone/volto/icons/clear.svg';

import { failureMessages, messages } from '../../messages';
import { formatSize } from '../../tus/sizes';
import { formatDuration, formatSpeed } from '../../tus/speed';

function StatusText({ upload }) {
  const intl = useIntl();
  const say = (message, values) => intl.formatMessage(message, values);
  if (upload.failure) {
    return (
      <span className="tusupload-failure">
        {say(failureMessages[upload.failure.key], upload.failure.values)}
      </span>
    );
  }
  switch (upload.state) {
    case 'waiting':
      return say(messages.waiting);
    case 'paused':
      return say(messages.paused);
    case 'cancelled':
      return say(messages.cancelled);
    case 'done':
      return say(messages.uploaded);
    default: {
      const speed = upload.speed.bytesPerSecond();
      const left = upload.speed.secondsLeft(upload.file.size);
      if (!speed || left == null) return '';
      return say(messages.speedAndTime, {
        speed: formatSpeed(speed),
        time: formatDuration(left),
      });
    }
  }
}

export default function FileRow({ upload, queue }) {
  const intl = useIntl();
  const name = upload.file.name;
  const say = (message) => intl.formatMessage(message, { file: name });
  const percent = upload.file.size
    ? Math.floor((upload.sent / upload.file.size) * 100)
    : upload.state === 'done'
      ? 100
      : 0;
  const failed = ['failed', 'refused'].includes(upload.state);
  const item = upload.item;
  return (
    <Table.Row
      className={`tusupload-row tusupload-${upload.state}`}
      data-file-name={name}
      negative={failed}
      positive={upload.state === 'done'}
    >
      <Table.Cell className="tusupload-name">
        {item ? (
          <UniversalLink
            href={flattenToAppURL(item['@id'])}
            title={intl.formatMessage(messages.openItem, {
              title: item.title || name,
            })}
          >
            {name}
          </UniversalLink>
        ) : (
          name
        )}
      </Table.Cell>
      <Table.Cell collapsing>{formatSize(upload.file.size)}</Table.Cell>
      <Table.Cell className="tusupload-progress">
        {upload.state !== 'refused' && (
          <Progress
            percent={percent}
            size="tiny"
            success={upload.state === 'done'}
            error={upload.state === 'failed'}
            role="progressbar"
            aria-label={intl.formatMessage(messages.uploadProgress, {
              file: name,
            })}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
          />
        )}
        <div className="tusupload-status">
          <StatusText upload={upload} />
        </div>
      </Table.Cell>
      <Table.Cell collapsing textAlign="right">
        {upload.state === 'uploading' && (
          <Button
            basic
            icon
            size="mini"
            className="tusupload-action"
            aria-label={say(messages.pause)}
            title={say(messages.pause)}
            onClick={() => upload.pause()}
          >
            <Icon name={pauseSVG} size="18px" />
          </Button>
        )}
        {upload.state === 'paused' && (
          <Button
            basic
            icon
            size="mini"
            className="tusupload-action"
            aria-label={say(messages.resume)}
            title={say(messages.resume)}
            onClick={() => upload.resume()}
          >
            <Icon name={playSVG} size="18px" />
          </Button>
        )}
        {upload.state === 'failed' && (
          <Button
            basic
            icon
            size="mini"
            className="tusupload-action"
            aria-label={say(messages.retry)}
            title={say(messages.retry)}
            onClick={() => queue.retry(upload)}
          >
            <Icon name={reloadSVG} size="18px" />
          </Button>
        )}
        {['uploading', 'paused', 'failed'].includes(upload.state) && (
          <Button
            basic
            icon
            size="mini"
            className="tusupload-action"
            aria-label={say(messages.cancel)}
            title={say(messages.cancel)}
            onClick={() => upload.cancel()}
          >
            <Icon name={stopSVG} size="18px" />
          </Button>
        )}
        {['waiting', 'refused', 'cancelled', 'done'].includes(
          upload.state,
        ) && (
          <Button
            basic
            icon
            size="mini"
            className="tusupload-action"
            aria-label={say(messages.remove)}
            title={say(messages.remove)}
            onClick={() => queue.remove(upload)}
          >
            <Icon name={clearSVG} size="18px" />
          </Button>
        )}
      </Table.Cell>
    </Table.Row>
  );
}
