/**
 * Child process for the lab cleanup tests: builds a small lab, prints
 * {"namespaces": [...], "pid": <pid of a process spawned in the lab>} on one line, then
 * ends as FH_LAB_CHILD says:
 *   wait    - keep running until a signal arrives (the test sends SIGINT/SIGTERM/SIGHUP)
 *   throw   - throw an uncaught exception
 *   reject  - leave a promise rejection unhandled
 *   exit    - process.exit(3) without destroying the lab
 *   handler - like wait, but with its own SIGTERM handler that exits with code 7 later
 *
 * Does nothing without FH_LAB_CHILD (node --test runs every file under test/).
 */
import { Lab } from '../../src/lab/netns';

async function main(mode: string): Promise<void> {
  const lab = Lab.create(process.env['FH_LAB_PREFIX'] ?? undefined);
  await lab.addNamespace('a');
  await lab.addNamespace('b');
  await lab.addVeth('a', 'x0', 'b', 'y0');
  const child = lab.spawn('a', ['sleep', '300']);
  await new Promise((r) => setTimeout(r, 100));
  process.stdout.write(`${JSON.stringify({ namespaces: lab.namespaceNames(), pid: child.pid })}\n`);
  switch (mode) {
    case 'wait':
      setInterval(() => undefined, 1000);
      break;
    case 'handler':
      process.on('SIGTERM', () => {
        setTimeout(() => process.exit(7), 50);
      });
      setInterval(() => undefined, 1000);
      break;
    case 'throw':
      setTimeout(() => {
        throw new Error('deliberate uncaught exception');
      }, 10);
      break;
    case 'reject':
      setTimeout(() => {
        void Promise.reject(new Error('deliberate unhandled rejection'));
      }, 10);
      break;
    case 'exit':
      process.exit(3);
      break;
    default:
      throw new Error(`unknown FH_LAB_CHILD mode ${mode}`);
  }
}

const mode = process.env['FH_LAB_CHILD'];
if (mode) {
  main(mode).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
