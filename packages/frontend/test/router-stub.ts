import { RouterLinkStub } from '@vue/test-utils';

/** Mount options for store components that link with RouterLink (card title, Open), mounted without a router. */
export const withRouterLinks = { stubs: { RouterLink: RouterLinkStub } };
