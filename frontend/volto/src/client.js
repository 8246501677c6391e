// The browser's entry point: Volto's client, as Volto starts it.
import startClient from '@plone/volto/start-client';

startClient();
