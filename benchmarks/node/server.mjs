// Contender 4: the official Node.js tus server (@tus/server + @tus/file-store).
// Usage: node server.mjs --host 127.0.0.1 --port 8090 --directory /tmp/uploads
import { parseArgs } from "node:util";
import { FileStore } from "@tus/file-store";
import { Server } from "@tus/server";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "8090" },
    directory: { type: "string" },
  },
});

const server = new Server({
  path: "/files",
  datastore: new FileStore({ directory: values.directory }),
});
server.listen({ host: values.host, port: Number(values.port) }, () => {
  console.log(`@tus/server listening on http://${values.host}:${values.port}/files`);
});
