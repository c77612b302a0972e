import { apiFetch } from '../../app/api';

export type Stage = 'active' | 'mfa_pending' | 'mfa_enrolment' | 'password_change';

export type Me = {
  id: string;
  username: string;
  displayName: string;
  roles: string[];
  permissions: string[];
  stage: Stage;
  mfaEnabled: boolean;
  mustChangePassword: boolean;
};

export type StageResponse = { stage: Stage; user: Me };
export type Enrolment = { secret: string; otpauthUri: string; qrSvg: string };
export type EnrolmentConfirmed = StageResponse & { recoveryCodes: string[] };

export const authApi = {
  me: () => apiFetch<Me>('/auth/me', { quietAuth: true }),
  login: (username: string, password: string) =>
    apiFetch<StageResponse>('/auth/login', { method: 'POST', body: { username, password }, quietAuth: true }),
  verifyCode: (code: string) => apiFetch<StageResponse>('/auth/mfa/verify', { method: 'POST', body: { code } }),
  verifyRecovery: (recoveryCode: string) => apiFetch<StageResponse>('/auth/mfa/verify', { method: 'POST', body: { recoveryCode } }),
  startEnrolment: () => apiFetch<Enrolment>('/auth/mfa/enrolment', { method: 'POST', body: {} }),
  confirmEnrolment: (code: string) => apiFetch<EnrolmentConfirmed>('/auth/mfa/enrolment/confirm', { method: 'POST', body: { code } }),
  logout: () => apiFetch<void>('/auth/logout', { method: 'POST', body: {}, quietAuth: true }),
};
