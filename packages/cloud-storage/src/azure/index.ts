export { AzureProvider } from './azure-provider';
export type { AzureProviderOptions } from './azure-provider';
