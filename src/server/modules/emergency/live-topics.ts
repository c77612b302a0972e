import { entitySubscriptionSchema, matchDepartment } from '../../platform/realtime/protocol.js';
import type { Realtime } from '../../platform/realtime/realtime.js';

/** What the command centre can follow live: incidents and units (optionally one department), or one incident. */
export function registerEmergencyTopics(realtime: Realtime) {
  realtime.registerTopic('incidents', { permission: 'incidents:read', match: (e, s) => e.topic === 'incidents' && matchDepartment(e, s) });
  realtime.registerTopic('units', { permission: 'units:read', match: (e, s) => e.topic === 'units' && matchDepartment(e, s) });
  realtime.registerTopic('incident', {
    permission: 'incidents:read',
    eventTopics: ['incidents'],
    schema: entitySubscriptionSchema,
    match: (e, s) => e.topic === 'incidents' && e.entityId === s.id,
  });
  realtime.registerTopic('alerts', { permission: 'incidents:dispatch', match: (e, s) => e.topic === 'alerts' && matchDepartment(e, s) });
}
