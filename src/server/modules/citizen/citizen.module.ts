import type { Kysely } from 'kysely';
import type { Config } from '../../platform/config.js';
import type { DB } from '../../platform/db/schema.js';
import type { App } from '../../platform/http/app.js';
import { citizenRoutes } from './citizen.routes.js';
import { citizenConsoleRoutes } from './console.routes.js';
import { ConversationsService } from './conversations.service.js';
import type { IncidentGateway } from './intake-gateway.js';
import { startCitizenNotifier } from './notifier.js';
import type { Adapters } from './outbox.js';
import { ReportsService } from './reports.service.js';
import { webhooksRoutes } from './webhooks.routes.js';

/** Citizen channels, built from the configuration and the 911 intake the composition root hands in. */
export function createCitizen(db: Kysely<DB>, config: Config, gateway: IncidentGateway, adapters: Adapters = new Map()) {
  const settings = {
    powBits: config.CITIZEN_POW_BITS,
    perHourPerAddress: config.CITIZEN_REPORTS_PER_HOUR_PER_ADDRESS,
    perHourPerDevice: config.CITIZEN_REPORTS_PER_HOUR_PER_DEVICE,
    photoMaxBytes: config.CITIZEN_PHOTO_MAX_BYTES,
    photosMax: config.CITIZEN_PHOTOS_MAX,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    publicPerMinute: config.RATE_LIMIT_PUBLIC_PER_MINUTE,
  };
  const reports = new ReportsService(db, gateway, adapters, settings);
  const conversations = new ConversationsService(db, gateway, adapters, config.PUBLIC_BASE_URL);
  return {
    mount(api: App) {
      citizenRoutes(api, { reports, settings });
      citizenConsoleRoutes(api, { db, conversations });
      // Providers post in bursts from a few addresses: a wider limit than other public routes.
      webhooksRoutes(api, {
        conversations,
        perMinute: config.RATE_LIMIT_PUBLIC_PER_MINUTE * 10,
        secrets: {
          whatsappVerifyToken: config.WHATSAPP_VERIFY_TOKEN,
          whatsappAppSecret: config.WHATSAPP_APP_SECRET,
          telegramSecret: config.TELEGRAM_WEBHOOK_SECRET,
          smsAuthToken: config.SMS_AUTH_TOKEN,
          smsWebhookUrl: config.SMS_WEBHOOK_URL,
        },
      });
    },
    start: (onError: (e: unknown) => void) => startCitizenNotifier(db, adapters, config.CITIZEN_NOTIFY_SECONDS * 1000, onError),
  };
}
