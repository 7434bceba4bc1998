/** What recovery reported when it stopped. */
export interface RecoveryPoint {
  /** The server's own words (`recovery stopping before commit of transaction 754, time …`). */
  line?: string;
  xid?: string;
  time?: string;
  lsn?: string;
  /** Where replay ended (`redo done at …`). */
  redoDoneAt?: string;
  /** Commit time of the last transaction replayed. */
  lastTransactionTime?: string;
  /** The timeline the promoted server writes on. */
  timeline?: number;
}

/** Reads where recovery stopped from the server log (`lc_messages = C`). */
export function parseRecoveryLog(log: string): RecoveryPoint {
  const point: RecoveryPoint = {};
  const stopping = /LOG: {2}(recovery stopping [^\n]*)/.exec(log);
  if (stopping) {
    point.line = stopping[1]!;
    const xid = /of transaction (\d+), time (.+)$/.exec(point.line);
    if (xid) [point.xid, point.time] = [xid[1]!, xid[2]!];
    const named = /at restore point "(.*)", time (.+)$/.exec(point.line);
    if (named) point.time = named[2]!;
    const lsn = /WAL location \(LSN\) "([0-9A-F]+\/[0-9A-F]+)"/.exec(point.line);
    if (lsn) point.lsn = lsn[1]!;
  }
  const redo = /redo done at ([0-9A-F]+\/[0-9A-F]+)/.exec(log);
  if (redo) point.redoDoneAt = redo[1]!;
  const last = /last completed transaction was at log time ([^\n]+)/.exec(log);
  if (last) point.lastTransactionTime = last[1]!.trim();
  const timeline = /selected new timeline ID: (\d+)/.exec(log);
  if (timeline) point.timeline = Number(timeline[1]);
  return point;
}

/** The server's words for a recovery that ended before its target (or a target before consistency). */
export const BEFORE_TARGET = /recovery ended before configured recovery target was reached|requested recovery stop point is before consistent recovery point/;
