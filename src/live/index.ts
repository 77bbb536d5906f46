/** The live view: the bus over the Foxglove WebSocket protocol (foxglove-live-server.ts). */
export { FoxgloveLiveServer, type LiveServerOptions, type LiveStats } from './foxglove-live-server.js';
