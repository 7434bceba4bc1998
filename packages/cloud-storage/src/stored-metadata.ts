import type { Classification } from './provider';

/** Splits stored metadata into the user's part and the fields this package keeps beside it. */
export function splitMetadata(
  stored: Record<string, string> | undefined,
  names: { classification: string; sha256: string },
): { metadata: Record<string, string>; classification: Classification | undefined; sha256: string | undefined } {
  const { [names.classification]: classification, [names.sha256]: sha256, ...metadata } = stored ?? {};
  return { metadata, classification: classification as Classification | undefined, sha256 };
}
