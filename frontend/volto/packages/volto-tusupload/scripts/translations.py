"""Write the add-on's Volto catalogs (locales/<lang>/LC_MESSAGES/volto.po).

Strings the Classic upload page has too come from collective.tusupload's
own catalogs (``${name}`` becomes ``{name}``), so both say the same; the
add-on's other strings are translated below. Run from the repository root:
``python frontend/volto/packages/volto-tusupload/scripts/translations.py``.
"""

from pathlib import Path

import re


HERE = Path(__file__).resolve().parent
ADDON = HERE.parent
ROOT = ADDON.parents[3]
CLASSIC = ROOT / "src" / "collective" / "tusupload" / "locales"
LANGUAGES = ("de", "nl", "fr", "es", "it")

# The add-on's strings that the Classic page does not have.
OWN = {
    "Drop files here or browse": {
        "de": "Dateien hierher ziehen oder auswählen",
        "nl": "Sleep bestanden hierheen of blader",
        "fr": "Déposez des fichiers ici ou parcourez",
        "es": "Suelte archivos aquí o examine",
        "it": "Trascina qui i file o sfoglia",
    },
    "Browse": {"de": "Durchsuchen", "nl": "Bladeren", "fr": "Parcourir", "es": "Examinar", "it": "Sfoglia"},
    "{count, plural, one {Upload {count} file} other {Upload {count} files}}": {
        "de": "{count, plural, one {{count} Datei hochladen} other {{count} Dateien hochladen}}",
        "nl": "{count, plural, one {{count} bestand uploaden} other {{count} bestanden uploaden}}",
        "fr": "{count, plural, one {Téléverser {count} fichier} other {Téléverser {count} fichiers}}",
        "es": "{count, plural, one {Subir {count} archivo} other {Subir {count} archivos}}",
        "it": "{count, plural, one {Carica {count} file} other {Carica {count} file}}",
    },
    "Close": {"de": "Schließen", "nl": "Sluiten", "fr": "Fermer", "es": "Cerrar", "it": "Chiudi"},
    "Pause {file}": {"de": "{file} anhalten", "nl": "{file} pauzeren", "fr": "Mettre {file} en pause", "es": "Pausar {file}", "it": "Metti in pausa {file}"},
    "Resume {file}": {"de": "{file} fortsetzen", "nl": "{file} hervatten", "fr": "Reprendre {file}", "es": "Reanudar {file}", "it": "Riprendi {file}"},
    "Cancel {file}": {"de": "{file} abbrechen", "nl": "{file} annuleren", "fr": "Annuler {file}", "es": "Cancelar {file}", "it": "Annulla {file}"},
    "Retry {file}": {"de": "{file} erneut versuchen", "nl": "{file} opnieuw proberen", "fr": "Réessayer {file}", "es": "Reintentar {file}", "it": "Riprova {file}"},
    "Pause all": {"de": "Alle anhalten", "nl": "Alles pauzeren", "fr": "Tout mettre en pause", "es": "Pausar todo", "it": "Metti tutto in pausa"},
    "Resume all": {"de": "Alle fortsetzen", "nl": "Alles hervatten", "fr": "Tout reprendre", "es": "Reanudar todo", "it": "Riprendi tutto"},
    "Cancel all": {"de": "Alle abbrechen", "nl": "Alles annuleren", "fr": "Tout annuler", "es": "Cancelar todo", "it": "Annulla tutto"},
    "Retry all": {"de": "Alle erneut versuchen", "nl": "Alles opnieuw proberen", "fr": "Tout réessayer", "es": "Reintentar todo", "it": "Riprova tutto"},
    "Clear finished": {"de": "Abgeschlossene entfernen", "nl": "Voltooide wissen", "fr": "Retirer les terminés", "es": "Quitar los terminados", "it": "Rimuovi i completati"},
    "File": {"de": "Datei", "nl": "Bestand", "fr": "Fichier", "es": "Archivo", "it": "File"},
    "Size": {"de": "Größe", "nl": "Grootte", "fr": "Taille", "es": "Tamaño", "it": "Dimensione"},
    "Progress": {"de": "Fortschritt", "nl": "Voortgang", "fr": "Progression", "es": "Progreso", "it": "Avanzamento"},
    "Actions": {"de": "Aktionen", "nl": "Acties", "fr": "Actions", "es": "Acciones", "it": "Azioni"},
    "Waiting": {"de": "Wartet", "nl": "Wacht", "fr": "En attente", "es": "En espera", "it": "In attesa"},
    "Paused": {"de": "Angehalten", "nl": "Gepauzeerd", "fr": "En pause", "es": "En pausa", "it": "In pausa"},
    "Cancelled": {"de": "Abgebrochen", "nl": "Geannuleerd", "fr": "Annulé", "es": "Cancelado", "it": "Annullato"},
    "{speed}, {time} left": {"de": "{speed}, noch {time}", "nl": "{speed}, nog {time}", "fr": "{speed}, {time} restantes", "es": "{speed}, quedan {time}", "it": "{speed}, mancano {time}"},
    "You are offline. The uploads wait, and continue on their own when the connection is back.": {
        "de": "Sie sind offline. Die Uploads warten und gehen von selbst weiter, sobald die Verbindung zurück ist.",
        "nl": "U bent offline. De uploads wachten en gaan vanzelf verder zodra de verbinding terug is.",
        "fr": "Vous êtes hors ligne. Les téléversements attendent et reprennent d'eux-mêmes au retour de la connexion.",
        "es": "Está sin conexión. Las subidas esperan y continúan solas cuando vuelva la conexión.",
        "it": "Sei offline. I caricamenti attendono e riprendono da soli quando torna la connessione.",
    },
    "Unfinished uploads from before": {"de": "Unvollendete Uploads von vorhin", "nl": "Onvoltooide uploads van eerder", "fr": "Téléversements inachevés d'avant", "es": "Subidas sin terminar de antes", "it": "Caricamenti incompiuti di prima"},
    "Select these files again to continue their uploads where they stopped.": {
        "de": "Wählen Sie diese Dateien erneut aus, um ihre Uploads dort fortzusetzen, wo sie stehen blieben.",
        "nl": "Selecteer deze bestanden opnieuw om hun uploads voort te zetten waar ze stopten.",
        "fr": "Sélectionnez à nouveau ces fichiers pour reprendre leurs téléversements là où ils se sont arrêtés.",
        "es": "Vuelva a seleccionar estos archivos para continuar sus subidas donde se detuvieron.",
        "it": "Seleziona di nuovo questi file per riprendere i loro caricamenti da dove si sono fermati.",
    },
    "Select {file} again": {"de": "{file} erneut auswählen", "nl": "{file} opnieuw selecteren", "fr": "Sélectionner à nouveau {file}", "es": "Volver a seleccionar {file}", "it": "Seleziona di nuovo {file}"},
    "Forget {file}": {"de": "{file} verwerfen", "nl": "{file} vergeten", "fr": "Oublier {file}", "es": "Olvidar {file}", "it": "Dimentica {file}"},
    "Upload of {file}": {"de": "Upload von {file}", "nl": "Upload van {file}", "fr": "Téléversement de {file}", "es": "Subida de {file}", "it": "Caricamento di {file}"},
    "{file} can't be uploaded: this site has no resumable upload endpoint.": {
        "de": "{file} kann nicht hochgeladen werden: diese Website hat keinen Endpunkt für fortsetzbare Uploads.",
        "nl": "{file} kan niet worden geüpload: deze site heeft geen eindpunt voor hervatbare uploads.",
        "fr": "{file} ne peut pas être téléversé : ce site n'a pas de point d'accès pour les téléversements reprenables.",
        "es": "{file} no se puede subir: este sitio no tiene un punto de subida reanudable.",
        "it": "{file} non può essere caricato: questo sito non ha un punto di caricamento riprendibile.",
    },
}


def classic_catalog(language: str) -> dict[str, str]:
    """msgid -> msgstr of the Classic catalog, placeholders as react-intl's."""
    text = (CLASSIC / language / "LC_MESSAGES" / "collective.tusupload.po").read_text()
    found = {}
    for msgid, msgstr in re.findall(r'^msgid "(.*)"\nmsgstr "(.*)"$', text, re.M):
        if msgid and msgstr:
            found[msgid.replace("${", "{")] = msgstr.replace("${", "{")
    return found


def message_ids() -> list[str]:
    """The ids in src/messages.js, in order."""
    source = (ADDON / "src" / "messages.js").read_text()
    ids = []
    for quoted in re.findall(r"\bid:\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')", source):
        ids.append(quoted[1:-1].replace("\\'", "'").replace('\\"', '"'))
    return ids


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> None:
    ids = message_ids()
    for language in LANGUAGES:
        classic = classic_catalog(language)
        lines = [
            'msgid ""',
            'msgstr ""',
            '"Content-Type: text/plain; charset=utf-8\\n"',
            '"Content-Transfer-Encoding: 8bit\\n"',
            f'"Language: {language}\\n"',
            '"MIME-Version: 1.0\\n"',
            "",
        ]
        missing = []
        for msgid in ids:
            msgstr = OWN.get(msgid, {}).get(language) or classic.get(msgid)
            if not msgstr:
                missing.append(msgid)
                continue
            lines += [f"#. Default: {quote(msgid)}", f"msgid {quote(msgid)}", f"msgstr {quote(msgstr)}", ""]
        if missing:
            raise SystemExit(f"{language}: no translation for {missing}")
        path = ADDON / "locales" / language / "LC_MESSAGES" / "volto.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines))
        print(f"wrote {path.relative_to(ROOT)} ({len(ids)} messages)")


if __name__ == "__main__":
    main()
