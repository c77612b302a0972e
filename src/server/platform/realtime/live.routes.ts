import websocket from '@fastify/websocket';
import { AppError } from '../errors.js';
import { originHost, type App } from '../http/app.js';
import type { Hub } from './hub.js';

// Client frames are small JSON commands; anything bigger is refused by ws (close 1009).
const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

/**
 * GET /api/live: the WebSocket of live push. Registered before every other route (the plugin wraps
 * routes as they are added). Principal resolution and the access rule run in the usual onRequest
 * hook, so an unauthenticated or not-yet-MFA upgrade is answered 401/403 and never upgraded.
 */
export async function liveRoutes(app: App, hub: Hub): Promise<void> {
  await app.register(websocket, {
    // No compression: connection.ts writes prebuilt frames under ws, which must have nothing queued of its own.
    options: { maxPayload: MAX_CLIENT_FRAME_BYTES, perMessageDeflate: false },
    // Sockets are closed with 1001 (going away) rather than the plugin's bare close.
    preClose: async () => {
      await hub.stop();
      await new Promise<void>((resolve) => app.websocketServer.close(() => resolve()));
    },
  });
  // The plugin closes a refused upgrade's socket only if its own onRequest hook ran; the access hook runs first.
  app.addHook('onResponse', async (req) => {
    const { connection, upgrade } = req.raw.headers;
    if (upgrade && /\bupgrade\b/i.test(connection ?? '') && !req.ws) req.raw.socket.destroy();
  });
  app.get(
    '/api/live',
    {
      websocket: true,
      config: { access: { authenticated: true } },
      // SameSite=Strict keeps other sites' cookies out; this also refuses a sibling subdomain (cross-site WebSocket hijacking).
      preValidation: async (req) => {
        const origin = req.headers.origin;
        if (req.principal?.via === 'session' && origin && originHost(origin) !== req.headers.host) {
          throw new AppError('csrf_origin_mismatch', 403);
        }
      },
    },
    (socket, req) => {
      if (!req.principal) return socket.close(1008, 'unauthenticated');
      // The upgraded request's TCP socket is the one the WebSocket writes to.
      hub.accept(socket, req.principal, req.raw.socket);
    },
  );
}
