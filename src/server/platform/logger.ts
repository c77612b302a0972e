import pino from 'pino';

/** pino with secrets redacted: no password, cookie, token or TOTP code ever reaches a log line. */
export function createLogger(level: string) {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
        '*.password',
        '*.currentPassword',
        '*.newPassword',
        '*.code',
        '*.recoveryCode',
        '*.token',
      ],
      censor: '[redacted]',
    },
  });
}
