import type { ListOptions, ListPage, StorageProvider } from './provider';

/** Every object under a prefix, following cursors until the listing is complete. */
export async function* listAll(provider: StorageProvider, options: Omit<ListOptions, 'cursor' | 'delimiter'> = {}): AsyncIterable<ListPage['objects'][number]> {
  let cursor: string | undefined;
  do {
    const page = await provider.list({ ...options, ...(cursor === undefined ? {} : { cursor }) });
    yield* page.objects;
    cursor = page.cursor;
  } while (cursor !== undefined);
}
