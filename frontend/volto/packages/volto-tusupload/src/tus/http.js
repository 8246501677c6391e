// tus-js-client's requests, with the upload addresses the backend gives
// turned into addresses of its API.
//
// Behind Volto, the backend answers under `<site>/++api++` with URLs of the
// site as the browser sees it (Zope's virtual hosting): a new upload's
// `Location` is `http://site/folder/@tus-upload/<id>`, which the browser
// would ask Volto's pages for. Its API address is
// `http://site/++api++/folder/@tus-upload/<id>`.
import { DefaultHttpStack } from 'tus-js-client';

/**
 * The API address of a backend URL: `apiRoot` is where the API answers
 * (`http://site/++api++`), `siteRoot` the site's address (`http://site`).
 */
export function apiAddress(url, siteRoot, apiRoot) {
  if (!url || !siteRoot || !apiRoot || apiRoot === siteRoot) return url;
  if (url.startsWith(`${apiRoot}/`) || url === apiRoot) return url;
  if (url === siteRoot || url.startsWith(`${siteRoot}/`)) {
    return `${apiRoot}${url.slice(siteRoot.length)}`;
  }
  return url;
}

/** The backend's own URL of an API address (the inverse of apiAddress). */
export function siteAddress(url, siteRoot, apiRoot) {
  if (!url || !siteRoot || !apiRoot || apiRoot === siteRoot) return url;
  if (url === apiRoot || url.startsWith(`${apiRoot}/`)) {
    return `${siteRoot}${url.slice(apiRoot.length)}`;
  }
  return url;
}

/**
 * An HTTP stack for the backend behind Volto's `++api++` proxy:
 *
 * - responses carry API addresses in `Location`;
 * - the final concatenation names the partial uploads by the backend's own
 *   URLs, which it checks them against;
 * - HEAD goes as a POST that says it means HEAD (tus allows the override):
 *   Volto's proxy answers a HEAD itself, without the backend's headers, so
 *   `Upload-Offset` never arrives and an upload could not resume.
 */
export class ApiHttpStack {
  constructor(siteRoot, apiRoot) {
    this.inner = new DefaultHttpStack({});
    this.siteRoot = siteRoot;
    this.apiRoot = apiRoot;
  }

  createRequest(method, url) {
    const overridden = method === 'HEAD' && this.apiRoot !== this.siteRoot;
    const request = this.inner.createRequest(overridden ? 'POST' : method, url);
    if (overridden) request.setHeader('X-HTTP-Method-Override', 'HEAD');
    const setHeader = request.setHeader.bind(request);
    request.setHeader = (name, value) => {
      if (String(name).toLowerCase() === 'upload-concat') {
        value = String(value).replace(/https?:\/\/[^\s;]+/g, (address) =>
          siteAddress(address, this.siteRoot, this.apiRoot),
        );
      }
      return setHeader(name, value);
    };
    const send = request.send.bind(request);
    request.send = (body) =>
      send(body).then((response) => {
        const getHeader = response.getHeader.bind(response);
        response.getHeader = (name) => {
          const value = getHeader(name);
          if (String(name).toLowerCase() !== 'location' || !value) return value;
          const absolute = new URL(value, url).href;
          return apiAddress(absolute, this.siteRoot, this.apiRoot);
        };
        return response;
      });
    return request;
  }

  getName() {
    return 'ApiHttpStack';
  }
}
