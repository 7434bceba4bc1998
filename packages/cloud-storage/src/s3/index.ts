export { S3Provider, partSizeFor } from './s3-provider';
export type { S3ProviderOptions } from './s3-provider';
