import { decodeRecords } from './file-log.js';
import { locateForWrite } from './file-layout.js';
import { applyOps, prune, removeTempFiles, Touched } from './file-apply.js';
import { listLogs, readLog, removeLog } from './file-wal.js';

/**
 * Replays the write-ahead logs a crash left in `root` (at open, before anything is served): every
 * whole record of every log, oldest first, is applied to the data files again (a torn last record
 * is ignored: it was never acknowledged); then the temp files and empty folders an interrupted
 * apply may have left in the folders concerned are removed, every change is fsynced, and the logs
 * are removed. Returns the highest generation seen (0 if none), so new logs come after it.
 */
export async function replayLogs(root: string): Promise<number> {
  const logs = await listLogs(root);
  if (logs.length === 0) return 0;
  const touched = new Touched();
  const dirs = new Set<string>();
  for (const log of logs) {
    for (const record of decodeRecords(await readLog(log.path))) {
      await applyOps(root, record, touched);
      for (const op of record) dirs.add(locateForWrite(root, op.key).dir);
    }
  }
  for (const dir of dirs) {
    await removeTempFiles(dir);
    await prune(root, dir, touched);
  }
  await touched.sync(4);
  for (const log of logs) await removeLog(root, log.path);
  return logs.at(-1)?.generation ?? 0;
}
