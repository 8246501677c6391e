// The server's entry point: Volto's server-side rendering, as Volto starts it.
import startServer from '@plone/volto/start-server';

startServer();
