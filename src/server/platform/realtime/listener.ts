import type { Database } from '../db/database.js';
import { listenOn, type StopListening } from '../db/listen.js';
import { EVENTS_CHANNEL } from './outbox.js';

export type { StopListening };

/**
 * Calls `onNotify` when some transaction that published an event commits. A hint only: the relay
 * re-reads the table, and its poll makes up for any notification lost while reconnecting.
 */
export async function listenForEvents(database: Database, onNotify: () => void, onError: (e: unknown) => void): Promise<StopListening> {
  return listenOn(database, EVENTS_CHANNEL, onNotify, onError);
}
