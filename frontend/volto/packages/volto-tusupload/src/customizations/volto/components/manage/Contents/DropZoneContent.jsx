// Files dropped anywhere on the Contents view's listing open this add-on's
// upload dialog with them (Volto's own drop zone reads them whole into
// memory as data URLs). Without the add-on, Volto's own is used again.
import { useState } from 'react';
import { useIntl } from 'react-intl';
import UploadDialog from '@plone-collective/volto-tusupload/components/UploadDialog/UploadDialog';
import { messages } from '@plone-collective/volto-tusupload/messages';

const hasFiles = (event) => event.dataTransfer?.types?.includes('Files');

export default function DropZoneContent({ onCancel, pathname, children }) {
  const intl = useIntl();
  const [over, setOver] = useState(false);
  const [dropped, setDropped] = useState(null);
  return (
    <div
      className={`tusupload-contents-drop${over ? ' tusupload-drop-over' : ''}`}
      onDragOver={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        setOver(true);
      }}
      onDragLeave={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget)) setOver(false);
      }}
      onDrop={(event) => {
        if (!hasFiles(event)) return;
        event.preventDefault();
        setOver(false);
        setDropped([...event.dataTransfer.files]);
      }}
    >
      {over && (
        <div className="tusupload-drop-hint" aria-hidden="true">
          {intl.formatMessage(messages.dropHere)}
        </div>
      )}
      {children}
      <UploadDialog
        open={dropped !== null}
        files={dropped}
        pathname={pathname}
        onCancel={() => {
          setDropped(null);
          onCancel?.();
        }}
      />
    </div>
  );
}
