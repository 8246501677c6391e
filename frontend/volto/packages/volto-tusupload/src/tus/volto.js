// Where this Volto's backend API answers, for tus requests and for items.
import { formatUrl } from '@plone/volto/helpers/Api/Api';

import { ApiHttpStack, apiAddress } from './http';

/** {apiRoot: 'http://site/++api++', siteRoot: 'http://site'} (no slash). */
export function apiRoots() {
  const apiRoot = formatUrl('/').replace(/\/$/, '');
  const siteRoot = apiRoot.replace(/\/\+\+api\+\+$/, '');
  return { apiRoot, siteRoot };
}

export function apiHttpStack() {
  const { apiRoot, siteRoot } = apiRoots();
  return new ApiHttpStack(siteRoot, apiRoot);
}

/** The API address of an item's `@id`. */
export function apiUrlOf(itemId) {
  const { apiRoot, siteRoot } = apiRoots();
  return apiAddress(itemId, siteRoot, apiRoot);
}
