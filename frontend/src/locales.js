// Uppy's own labels in the site's language. Only these languages are
// bundled, as the page's own strings have catalogs for them (locales/).
import de from '@uppy/locales/lib/de_DE.js'
import es from '@uppy/locales/lib/es_ES.js'
import fr from '@uppy/locales/lib/fr_FR.js'
import it from '@uppy/locales/lib/it_IT.js'
import nl from '@uppy/locales/lib/nl_NL.js'

const LOCALES = { de, es, fr, it, nl }

/**
 * Uppy's locale for a Plone language code ("de", "de-at", "pt-br"), with
 * the page's own strings (translated by the server) laid over it.
 * English is Uppy's default and needs no pack.
 */
export function uppyLocale (language, overrides = {}) {
  const pack = LOCALES[String(language || '').split(/[-_]/)[0]]
  return {
    ...(pack || {}),
    strings: { ...(pack ? pack.strings : {}), ...overrides },
    pluralize: pack?.pluralize ?? ((count) => (count === 1 ? 0 : 1)),
  }
}
