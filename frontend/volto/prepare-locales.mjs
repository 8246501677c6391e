// Before a build: a message catalog of the project for every language Volto
// speaks. Volto compiles its own and its add-ons' messages into the project's
// locales/<lang>.json only for languages the project has a catalog for, and
// the project has no messages of its own, so the catalogs are empty.
import fs from 'node:fs'
import path from 'node:path'

const volto = path.resolve('node_modules/@plone/volto/locales')
const header = (language) => `msgid ""
msgstr ""
"Content-Type: text/plain; charset=utf-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Language: ${language}\\n"
"MIME-Version: 1.0\\n"
`
let made = 0
for (const language of fs.readdirSync(volto)) {
  if (!fs.existsSync(path.join(volto, language, 'LC_MESSAGES', 'volto.po'))) continue
  const catalog = path.join('locales', language, 'LC_MESSAGES', 'volto.po')
  if (fs.existsSync(catalog)) continue
  fs.mkdirSync(path.dirname(catalog), { recursive: true })
  fs.writeFileSync(catalog, header(language))
  made += 1
}
console.log(`locales: ${made} empty catalogs made`)
