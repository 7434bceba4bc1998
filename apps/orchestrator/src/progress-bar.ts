import { SingleBar } from 'cli-progress';

/** A transfer progress bar on stderr (cli-progress); `update(bytes)` moves it, `stop()` ends the line. */
export function transferBar(label: string, total: number | undefined, stream: NodeJS.WritableStream = process.stderr) {
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% {value}/{total} bytes`,
    stream,
    noTTYOutput: true,
    notTTYSchedule: 500,
    hideCursor: true,
  });
  bar.start(total ?? 0, 0);
  return {
    update(bytes: number, newTotal?: number) {
      if (newTotal !== undefined && newTotal !== bar.getTotal()) bar.setTotal(newTotal);
      bar.update(bytes);
    },
    stop: () => bar.stop(),
  };
}
