import type { ManagerOptions, SocketOptions } from "socket.io-client";

/**
 * How the console's socket connects, and reconnects: a restarted web
 * server is back within seconds and the labs never went away, so the page
 * tries again every half second at most rather than backing off to socket.io's
 * default of five.
 */
export const UMLAB_SOCKET_OPTIONS: Partial<ManagerOptions & SocketOptions> = {
  transports: ["websocket"],
  reconnectionDelay: 250,
  reconnectionDelayMax: 500,
};
