import { lazy, Suspense } from 'react';
import { createBrowserRouter } from 'react-router';
import { AccountPage } from '../features/account/AccountPage';
import { ApprovalsPage } from '../features/approvals/ApprovalsPage';
import { AuditPage } from '../features/audit/AuditPage';
import { LoginPage } from '../features/auth/LoginPage';
import { DispatchPage } from '../features/console/DispatchPage';
import { IntakePage } from '../features/console/IntakePage';
import { SupervisorPage } from '../features/console/SupervisorPage';
import { HomePage } from '../features/home/HomePage';
import { UsersPage } from '../features/users/UsersPage';
import { ComplaintFormPage } from '../features/conduct/ComplaintFormPage';
import { InternalAffairsPage } from '../features/conduct/InternalAffairsPage';
import { OutboxPage } from '../features/citizen/OutboxPage';
import { ReportPage } from '../features/citizen/ReportPage';
import { TrackingPage } from '../features/citizen/TrackingPage';
import { NotFoundPage, RequireActive, RequirePermission } from './guards';
import { Layout } from './Layout';

// The field app (and its map) loads only on the phone, under its own path and service-worker scope.
const FieldApp = lazy(() => import('../features/field/FieldApp'));

/** Route paths of the web shell (the server answers index.html for any of them). */
export const ROUTES = {
  login: '/login',
  home: '/',
  users: '/users',
  audit: '/audit',
  approvals: '/approvals',
  account: '/account',
  dispatch: '/console/dispatch',
  intake: '/console/intake',
  supervisor: '/console/supervisor',
  conductComplaint: '/denuncia-conducta',
  internalAffairs: '/internal-affairs',
  report: '/reportar',
  tracking: '/seguimiento',
  citizenOutbox: '/citizen-outbox',
  field: '/field/',
} as const;

export const router = createBrowserRouter([
  { path: ROUTES.login, element: <LoginPage /> },
  // Public: a citizen files a complaint about conduct without an account.
  { path: ROUTES.conductComplaint, element: <ComplaintFormPage /> },
  // Public citizen pages: no account, outside the signed-in shell.
  { path: ROUTES.report, element: <ReportPage /> },
  { path: ROUTES.tracking, element: <TrackingPage /> },
  { path: `${ROUTES.tracking}/:code`, element: <TrackingPage /> },
  {
    path: '/field/*',
    element: (
      <Suspense fallback={null}>
        <FieldApp />
      </Suspense>
    ),
  },
  {
    path: '/',
    element: (
      <RequireActive>
        <Layout />
      </RequireActive>
    ),
    children: [
      { index: true, element: <HomePage /> },
      {
        path: 'users',
        element: (
          <RequirePermission permission="users:read">
            <UsersPage />
          </RequirePermission>
        ),
      },
      {
        path: 'audit',
        element: (
          <RequirePermission permission="audit:read">
            <AuditPage />
          </RequirePermission>
        ),
      },
      {
        path: 'approvals',
        element: (
          <RequirePermission permission="approvals:read">
            <ApprovalsPage />
          </RequirePermission>
        ),
      },
      {
        path: 'console/dispatch',
        element: (
          <RequirePermission permission="incidents:dispatch">
            <DispatchPage />
          </RequirePermission>
        ),
      },
      {
        path: 'console/intake',
        element: (
          <RequirePermission permission="incidents:create">
            <IntakePage />
          </RequirePermission>
        ),
      },
      {
        path: 'console/supervisor',
        element: (
          <RequirePermission permission="approvals:decide">
            <RequirePermission permission="incidents:read">
              <SupervisorPage />
            </RequirePermission>
          </RequirePermission>
        ),
      },
      { path: 'account', element: <AccountPage /> },
      {
        path: 'internal-affairs',
        element: (
          <RequirePermission permission="complaints:read">
            <InternalAffairsPage />
          </RequirePermission>
        ),
      },
      {
        path: 'citizen-outbox',
        element: (
          <RequirePermission permission="outbox:read">
            <OutboxPage />
          </RequirePermission>
        ),
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
