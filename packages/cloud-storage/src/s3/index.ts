export { S3Provider } from './s3-provider';
export type { S3ProviderOptions } from './s3-provider';
