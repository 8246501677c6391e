// The upload queue of a folder, shared by the Contents view's Upload button
// and its drop zone, kept while the editor stays in the site.
import { useMemo, useSyncExternalStore } from 'react';
import { useDispatch, useSelector } from 'react-redux';
import { searchContent } from '@plone/volto/actions/search/search';
import { flattenToAppURL } from '@plone/volto/helpers/Url/Url';
import { formatUrl } from '@plone/volto/helpers/Api/Api';
import config from '@plone/volto/registry';

import { UploadQueue } from '../../tus/queue';
import { apiHttpStack } from '../../tus/volto';

const queues = new Map();

/** The folder's listing as the Contents view shows it, fetched again. */
function refreshListing(dispatch, path, sort) {
  dispatch(
    searchContent(path, {
      'path.depth': 1,
      sort_on: sort?.on || 'getObjPositionInParent',
      sort_order: sort?.order || 'ascending',
      metadata_fields: '_all',
      b_size: 50,
      show_inactive: true,
    }),
  );
}

export function authHeaders(token) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** The queue of `path` (a folder's path in the site) and its version. */
export function useUploadQueue(path) {
  const dispatch = useDispatch();
  const token = useSelector((state) => state.userSession?.token);
  const sort = useSelector((state) => state.content?.data?.sort);
  const settings = config.settings.tusupload || {};
  const queue = useMemo(() => {
    const endpoint = formatUrl(`${path}/@tus-upload`);
    if (!queues.has(endpoint)) {
      queues.set(
        endpoint,
        new UploadQueue({
          endpoint,
          settingsUrl: formatUrl(`${path}/@tusupload-settings`),
          headers: () => ({}),
          httpStack: apiHttpStack,
          fallback: settings,
          parallelUploads: settings.parallelUploads ?? null,
        }),
      );
    }
    return queues.get(endpoint);
  }, [path, settings]);
  // Fresh credentials and listing for every request.
  queue.options.headers = () => authHeaders(token);
  queue.options.onItem = () =>
    refreshListing(dispatch, flattenToAppURL(path), sort);
  useSyncExternalStore(queue.subscribe, queue.getVersion, queue.getVersion);
  return queue;
}
