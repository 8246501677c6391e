// The project's styles: Semantic UI with Volto's Pastanaga theme and its
// extras, as Volto itself loads them.
import 'semantic-ui-less/semantic.less';
import '@plone/volto/../theme/themes/pastanaga/extras/extras.less';
