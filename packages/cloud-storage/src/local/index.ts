export { LocalProvider } from './local-provider';
export type { LocalProviderOptions } from './local-provider';
