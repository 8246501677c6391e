// The project's Redux reducers are Volto's own.
export { default } from '@plone/volto/reducers';
