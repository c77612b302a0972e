import { describe, expect, it } from 'vitest';
import { safeEqual, twilioSignature, whatsappSignature } from './signatures.js';

describe('webhook signatures', () => {
  it('computes the Twilio signature of the example in Twilio\'s security documentation', () => {
    // https://www.twilio.com/docs/usage/security#validating-requests (auth token 12345, this URL and these parameters).
    const params = { CallSid: 'CA1234567890ABCDE', Caller: '+12349013030', Digits: '1234', From: '+12349013030', To: '+18005551212' };
    expect(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
  });

  it('signs the WhatsApp raw body with HMAC-SHA256 in hex after "sha256="', () => {
    // Expected value computed independently: printf '{"a":1}' | openssl dgst -sha256 -hmac secret
    expect(whatsappSignature('secret', Buffer.from('{"a":1}'))).toBe('sha256=aa9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494');
  });

  it('compares secrets without leaking by length or content', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });
});

