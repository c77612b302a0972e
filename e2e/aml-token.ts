/** The AML gateway token of the browser tests' server (playwright.config.ts passes it as AML_TOKEN). */
export const E2E_AML_TOKEN = 'e2e-aml-gateway-token-0123456789';
