// The fault cases both cloud providers' suites run (faults.s3.test.ts, faults.azurite.test.ts): the
// same calls under the same faults, the same expectations.
import { settleWithin, type FaultProxyHandle } from '@core/testing';
import { readAll, type StorageProvider } from '../src';

/** The faults every provider is put through. */
export const FAULTS: Array<[string, (proxy: FaultProxyHandle) => void | Promise<void>]> = [
  ['stall', (p) => p.stall()],
  ['reset', (p) => p.reset()],
  ['refused', (p) => p.refuse()],
];

/**
 * Under `fault`, every call of the contract settles with `StorageUnavailableError` within `boundMs`
 * (no hang, nothing resolves), and once the fault clears the provider reads and writes again. The
 * provider holds `seed.txt` containing `seed`.
 */
export async function settlesAndRecovers(label: string, provider: StorageProvider, proxy: FaultProxyHandle, fault: (p: FaultProxyHandle) => void | Promise<void>, boundMs: number): Promise<void> {
  await fault(proxy);
  const report = await settleWithin(
    [
      () => provider.put('new.txt', 'payload'),
      () => provider.get('seed.txt').then(readAll),
      () => provider.stat('seed.txt'),
      () => provider.exists('seed.txt'),
      () => provider.list(),
      () => provider.copy('seed.txt', 'copy.txt'),
      () => provider.delete(['copy.txt']),
    ],
    boundMs,
  );
  console.log(label, report);
  expect(report.pending).toBe(0);
  expect(report.resolved).toBe(0);
  for (const key of Object.keys(report.errors)) expect(key).toMatch(/:STORAGE_UNAVAILABLE$/);
  await proxy.clear();
  expect((await readAll(await provider.get('seed.txt'))).toString()).toBe('seed');
  expect((await provider.put('after.txt', 'ok')).size).toBe(2);
}
