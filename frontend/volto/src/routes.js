// The project's routes are Volto's own.
export { default } from '@plone/volto/routes';
