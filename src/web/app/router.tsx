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
  field: '/field/',
} as const;

export const router = createBrowserRouter([
  { path: ROUTES.login, element: <LoginPage /> },
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
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);
